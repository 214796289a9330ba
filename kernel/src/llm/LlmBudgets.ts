import { inject, injectable, type InjectionToken } from 'tsyringe';
import { AUDIT_LOG, type AuditLog } from '../audit/AuditLog.js';
import { currentActor } from '../authz/ActorContext.js';
import { AUTHORIZER, type Authorizer } from '../authz/Authorizer.js';
import { WORKSPACE, type Owner } from '../authz/ResourceRef.js';
import { DATABASE, isPgError, PG_FOREIGN_KEY_VIOLATION, type Database } from '../database/Database.js';
import { PG_LISTENER, type PgListener } from '../database/PgListener.js';
import { KernelError, notFound } from '../errors/KernelError.js';
import { LOGGER, type Logger } from '../logging/Logger.js';
import { LlmConfigCache } from './LlmConfigCache.js';
import { LLM_USAGE, type LlmUsageService } from './LlmUsageService.js';

export type LlmBudgetPeriod = 'day' | 'month';

export const LLM_BUDGET_PERIODS: readonly LlmBudgetPeriod[] = ['day', 'month'];

/** A spending limit and what has been spent against it in the current period. */
export interface LlmBudgetView {
  organizationId: string;
  period: LlmBudgetPeriod;
  limitUsd: number;
  /** Cost of the organization's LLM calls since `periodStart`. */
  spentUsd: number;
  /** Start of the current period: midnight UTC today, or the first of the month (UTC). */
  periodStart: string;
  updatedBy: string | null;
  updatedAt: string;
}

interface BudgetRow {
  organizationId: string;
  period: LlmBudgetPeriod;
  limitUsd: string;
  updatedBy: string | null;
  updatedAt: Date;
}

/** Every organization with a limit, and its limits (`day` before `month`). */
type BudgetLimits = ReadonlyMap<string, ReadonlyArray<{ period: LlmBudgetPeriod; limitUsd: number }>>;

const orgOwner = (organizationId: string): Owner => ({ tier: 'organization', organizationId });

/**
 * LLM spending limits per organization and period, in `llm_budgets`. Setting and removing
 * one is for platform admins (`llm_budget:manage` on the workspace) and audited; an
 * organization's admins may read theirs (`llm_budget:read`). `check` is what the orchestrator
 * runs before every vendor request of a call billed to an organization: the limits are held in
 * memory (`LlmConfigCache`: a change is seen at once by this process, and by the others through
 * a NOTIFY sent on commit), so an organization without a budget costs no query; the spend of
 * one with a budget is summed from its usage events on every check.
 */
@injectable()
export class LlmBudgets {
  private readonly limits: LlmConfigCache<BudgetLimits>;

  constructor(
    @inject(DATABASE) private readonly db: Database,
    @inject(AUTHORIZER) private readonly authorizer: Authorizer,
    @inject(AUDIT_LOG) private readonly audit: AuditLog,
    @inject(LLM_USAGE) private readonly usage: LlmUsageService,
    @inject(PG_LISTENER) listener: PgListener,
    @inject(LOGGER) logger: Logger,
  ) {
    this.limits = new LlmConfigCache('budgets', () => this.readLimits(), listener, logger);
  }

  /** Sets (or replaces) the organization's limit for `period`. */
  async set(organizationId: string, period: LlmBudgetPeriod, limitUsd: number): Promise<LlmBudgetView> {
    const actor = currentActor();
    await this.authorizer.authorize(actor, 'manage', {
      type: 'llm_budget',
      id: `${organizationId}/${period}`,
      owner: WORKSPACE,
    });
    validPeriod(period);
    if (!UUID.test(organizationId)) throw notFound('Organization', organizationId);
    if (typeof limitUsd !== 'number' || !Number.isFinite(limitUsd) || limitUsd < 0 || limitUsd >= 1e10) {
      throw new KernelError('validation_failed', 'The budget limit must be a number of USD from 0.', {
        errors: [{ path: '/limitUsd', message: 'must be a number of USD from 0 to 9999999999' }],
      });
    }
    try {
      await this.db.knex.transaction(async (trx) => {
        const before = (await trx('llmBudgets').where({ organizationId, period }).forUpdate().first()) as
          BudgetRow | undefined;
        const values = { limitUsd, updatedBy: actor.principalId, updatedAt: trx.fn.now() };
        await trx('llmBudgets')
          .insert({ organizationId, period, ...values })
          .onConflict(['organizationId', 'period'])
          .merge(values);
        await this.audit.recordInTransaction(trx, {
          operation: 'llm_budget.updated',
          resourceType: 'llm_budget',
          resourceId: `${organizationId}/${period}`,
          organizationId,
          metadata: { period, before: before ? Number(before.limitUsd) : null, after: limitUsd },
        });
        await this.limits.announce(trx);
      });
    } catch (error) {
      if (isPgError(error, PG_FOREIGN_KEY_VIOLATION)) {
        throw notFound('Organization', organizationId);
      }
      throw error;
    }
    this.limits.invalidate();
    const [view] = await this.views({ organizationId, period });
    return view!;
  }

  /** Removes the organization's limit for `period`; `not_found` when it had none. */
  async remove(organizationId: string, period: LlmBudgetPeriod): Promise<void> {
    await this.authorizer.authorize(currentActor(), 'manage', {
      type: 'llm_budget',
      id: `${organizationId}/${period}`,
      owner: WORKSPACE,
    });
    validPeriod(period);
    await this.db.knex.transaction(async (trx) => {
      const [removed] = UUID.test(organizationId)
        ? ((await trx('llmBudgets').where({ organizationId, period }).delete().returning('*')) as BudgetRow[])
        : [];
      if (!removed) {
        throw new KernelError(
          'not_found',
          `Organization ${organizationId} has no ${period === 'day' ? 'daily' : 'monthly'} LLM budget.`,
        );
      }
      await this.audit.recordInTransaction(trx, {
        operation: 'llm_budget.removed',
        resourceType: 'llm_budget',
        resourceId: `${organizationId}/${period}`,
        organizationId,
        metadata: { period, before: Number(removed.limitUsd) },
      });
      await this.limits.announce(trx);
    });
    this.limits.invalidate();
  }

  /**
   * Budgets with their current spend: one organization's (its admins and platform admins), or
   * every organization's (platform admins).
   */
  async list(filter: { organizationId?: string } = {}): Promise<LlmBudgetView[]> {
    await this.authorizer.authorize(currentActor(), 'read', {
      type: 'llm_budget',
      owner: filter.organizationId ? orgOwner(filter.organizationId) : WORKSPACE,
    });
    return this.views(filter);
  }

  /**
   * Refuses (`llm_budget_exceeded`, naming the limit, the spend and the period) when the
   * organization has spent its limit for the day or the month. Not authorized: the orchestrator
   * runs it for the call it is making. Without a budget it answers from memory; with one, it
   * writes the usage events this process still has queued, then sums the organization's spend in
   * one query (index `llm_usage_events_org_idx`).
   */
  async check(organizationId: string, now = new Date()): Promise<void> {
    const limits = (await this.limits.get()).get(organizationId);
    if (!limits) return;
    const starts = limits.map((limit) => periodStart(limit.period, now));
    const spent = await this.spentSince(organizationId, starts);
    for (const [index, { period, limitUsd }] of limits.entries()) {
      const spentUsd = spent[index]!;
      if (spentUsd < limitUsd) continue;
      const since = starts[index]!.toISOString();
      const which = period === 'day' ? 'daily' : 'monthly';
      throw new KernelError(
        'llm_budget_exceeded',
        `The organization's ${which} LLM budget of $${money(limitUsd)} is spent ($${money(spentUsd)} since ${since}); calls resume when the ${period} ends or an administrator raises the budget.`,
        { data: { organizationId, period, limitUsd, spentUsd, periodStart: since } },
      );
    }
  }

  /** The organization's spend since each of `starts`, in one query (this process's queued events first written). */
  private async spentSince(organizationId: string, starts: Date[]): Promise<number[]> {
    await this.usage.flush();
    const knex = this.db.knex;
    const earliest = new Date(Math.min(...starts.map((start) => start.getTime())));
    const row = (await knex('llmUsageEvents')
      .select(
        starts.map((start, index) =>
          knex.raw(`coalesce(sum(cost_usd) FILTER (WHERE occurred_at >= ?), 0) AS ??`, [start, `s${index}`]),
        ),
      )
      .where({ organizationId })
      .where('occurredAt', '>=', earliest)
      .first()) as Record<string, string>;
    return starts.map((_, index) => Number(row[`s${index}`]));
  }

  private async readLimits(): Promise<BudgetLimits> {
    const rows = (await this.db
      .knex('llmBudgets')
      .select('organizationId', 'period', 'limitUsd')
      .orderBy(['organizationId', 'period'])) as BudgetRow[];
    const limits = new Map<string, Array<{ period: LlmBudgetPeriod; limitUsd: number }>>();
    for (const row of rows) {
      let list = limits.get(row.organizationId);
      if (!list) limits.set(row.organizationId, (list = []));
      list.push({ period: row.period, limitUsd: Number(row.limitUsd) });
    }
    return limits;
  }

  private async views(
    filter: { organizationId?: string; period?: LlmBudgetPeriod },
    now = new Date(),
  ): Promise<LlmBudgetView[]> {
    await this.usage.flush(); // the spend includes this process's calls so far
    const query = this.db.knex('llmBudgets').orderBy(['organizationId', 'period']);
    if (filter.organizationId !== undefined) {
      if (!UUID.test(filter.organizationId)) return [];
      query.where({ organizationId: filter.organizationId });
    }
    if (filter.period !== undefined) query.where({ period: filter.period });
    const rows = (await query) as BudgetRow[];
    const views: LlmBudgetView[] = [];
    for (const row of rows) {
      const start = periodStart(row.period, now);
      const spent = (await this.db
        .knex('llmUsageEvents')
        .where({ organizationId: row.organizationId })
        .where('occurredAt', '>=', start)
        .sum({ total: 'costUsd' })
        .first()) as { total: string | null } | undefined;
      views.push({
        organizationId: row.organizationId,
        period: row.period,
        limitUsd: Number(row.limitUsd),
        spentUsd: Number(spent?.total ?? 0),
        periodStart: start.toISOString(),
        updatedBy: row.updatedBy,
        updatedAt: new Date(row.updatedAt).toISOString(),
      });
    }
    return views;
  }
}

export const LLM_BUDGETS: InjectionToken<LlmBudgets> = LlmBudgets;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Midnight UTC of `now`'s day, or the first of its month. */
export function periodStart(period: LlmBudgetPeriod, now: Date): Date {
  return period === 'day'
    ? new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()))
    : new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
}

function validPeriod(period: string): asserts period is LlmBudgetPeriod {
  if (!LLM_BUDGET_PERIODS.includes(period as LlmBudgetPeriod)) {
    throw new KernelError('validation_failed', 'The budget period must be "day" or "month".', {
      errors: [{ path: '/period', message: 'must be "day" or "month"' }],
    });
  }
}

const money = (usd: number): string => usd.toFixed(usd < 1 ? 4 : 2);
