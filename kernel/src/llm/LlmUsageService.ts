import type { LlmUsage } from '@cinatra/sdk';
import { inject, injectable, type InjectionToken } from 'tsyringe';
import { uuidv7 } from '../audit/uuidv7.js';
import { currentActor, type PrincipalType } from '../authz/ActorContext.js';
import { AUTHORIZER, type Authorizer } from '../authz/Authorizer.js';
import { WORKSPACE } from '../authz/ResourceRef.js';
import { DATABASE, type Database } from '../database/Database.js';
import { KernelError } from '../errors/KernelError.js';
import { LIFECYCLE, type Lifecycle } from '../lifecycle/Lifecycle.js';
import { LOGGER, type Logger } from '../logging/Logger.js';

/** One vendor request (an attempt) as the orchestrator meters it. */
export interface LlmUsageRecord {
  occurredAt?: Date;
  provider: string;
  /** The model requested. */
  model: string;
  /** The model the vendor reported (a dated snapshot, say), when it answered. */
  responseModel?: string | null;
  usage: LlmUsage;
  latencyMs: number;
  costUsd: number;
  status: 'ok' | 'error';
  /** Why it failed: an `LlmErrorKind`, or `deadline_exceeded`, `cancelled`, `extension_unavailable`, `unknown`… */
  errorKind?: string | null;
  agentId?: string | null;
  runId?: string | null;
  /** The package serving the provider (null for a kernel-built-in provider). */
  providerExtension?: string | null;
  /** The extension that made the call, when one did (`llm.invoke`). */
  callerExtension?: string | null;
  actorId: string | null;
  actorType: PrincipalType;
  organizationId?: string | null;
  traceId: string;
  /** 1 for the first request to a target, counting retries; a fallback starts again at 1. */
  attempt: number;
  /** Ids of the skills injected into the request. */
  skills?: string[];
}

export type LlmUsageGroupBy = 'provider' | 'model' | 'agent' | 'day';

export interface LlmUsageSummaryQuery {
  /** Inclusive start. */
  from: Date;
  /** Exclusive end. */
  to: Date;
  groupBy: LlmUsageGroupBy;
  /** Only calls billed to this organization (its admins may ask); omitted: the whole instance (platform admins). */
  organizationId?: string;
}

export interface LlmUsageSummaryRow {
  /**
   * The group: a provider id; `provider/model`; an agent id (null for calls made for no
   * agent); or a UTC day `YYYY-MM-DD`.
   */
  key: string | null;
  /** Vendor requests, failed ones and retries included. */
  calls: number;
  errors: number;
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
  reasoningTokens: number;
  costUsd: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const GROUP_KEYS: Record<LlmUsageGroupBy, string> = {
  provider: 'provider',
  model: "provider || '/' || model",
  agent: 'agent_id',
  day: "to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')",
};

/** Events per insert, and inserts in flight at once (each holds a pool connection). */
const MAX_BATCH = 500;
const MAX_IN_FLIGHT = 2;
/**
 * How long an event waits for others to share its insert. Calls one after the other (an agent's
 * loop) then cost one insert per few calls instead of one each; it is also the longest an event
 * stays in memory only, besides the insert itself.
 */
const BATCH_WINDOW_MS = 20;

type UsageRow = ReturnType<typeof toRow>;

/**
 * Metering of LLM calls: one row per vendor request in `llm_usage_events`, and summaries of them.
 *
 * The orchestrator's events are written behind its calls (`enqueue`), so a call does not wait for
 * a database round trip after its vendor request: queued in memory, they are inserted in batches
 * (what arrives within BATCH_WINDOW_MS goes into one insert, up to two inserts in flight).
 * `flush()` writes everything queued now; the kernel's `Lifecycle` flushes on close, `summary`
 * flushes before it reads, and `LlmBudgets.check` before it sums an organization's spend. A crash
 * of this process loses the events not yet inserted (those of about the last 20 ms, plus an
 * insert's duration); a failed insert is logged with its events.
 */
@injectable()
export class LlmUsageService {
  private pending: UsageRow[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private dispatchTimer: NodeJS.Timeout | undefined;
  private closerRegistered = false;

  constructor(
    @inject(DATABASE) private readonly db: Database,
    @inject(AUTHORIZER) private readonly authorizer: Authorizer,
    @inject(LIFECYCLE) private readonly lifecycle: Lifecycle,
    @inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** Writes one usage event now and returns its id (UUIDv7). Not authorized: for kernel services. */
  async record(event: LlmUsageRecord): Promise<string> {
    const row = toRow(event);
    await this.db.knex('llmUsageEvents').insert(row);
    return row.id;
  }

  /**
   * Queues one usage event to be written behind the caller (see the class) and returns its id
   * (UUIDv7) at once. Not authorized: the orchestrator meters its own calls.
   */
  enqueue(event: LlmUsageRecord): string {
    const row = toRow(event);
    if (!this.closerRegistered && !this.lifecycle.isClosing) {
      this.closerRegistered = true;
      this.lifecycle.onClose('LLM usage events', () => this.flush());
    }
    this.pending.push(row);
    this.queueDispatch();
    return row.id;
  }

  /** Writes every event queued so far now; resolves once they are written (or their failure logged). */
  async flush(): Promise<void> {
    while (this.pending.length > 0 || this.inFlight.size > 0) {
      this.dispatch();
      if (this.inFlight.size > 0) await Promise.race(this.inFlight);
    }
  }

  /** Lets the events of the next BATCH_WINDOW_MS join one batch (a full batch goes at once), then sends it. */
  private queueDispatch(): void {
    if (this.inFlight.size >= MAX_IN_FLIGHT) return;
    if (this.pending.length >= MAX_BATCH) return this.dispatch();
    this.dispatchTimer ??= setTimeout(() => {
      this.dispatchTimer = undefined;
      this.dispatch();
    }, BATCH_WINDOW_MS);
  }

  private dispatch(): void {
    clearTimeout(this.dispatchTimer);
    this.dispatchTimer = undefined;
    while (this.pending.length > 0 && this.inFlight.size < MAX_IN_FLIGHT) {
      const write = this.write(this.pending.splice(0, MAX_BATCH)).finally(() => {
        this.inFlight.delete(write);
        // Events queued while both inserts were busy go now.
        if (this.pending.length > 0) this.dispatch();
      });
      this.inFlight.add(write);
    }
  }

  private async write(rows: UsageRow[]): Promise<void> {
    try {
      await this.db.knex('llmUsageEvents').insert(rows);
    } catch (error) {
      // Logged whole, so an operator can still insert them.
      this.logger.error({ err: error, events: rows }, 'LLM usage events could not be written');
    }
  }

  /**
   * Calls, tokens, cost and errors between `from` and `to`, grouped. An organization's admins
   * may summarize their organization; the whole instance needs a platform admin (`llm_usage:read`).
   */
  async summary(query: LlmUsageSummaryQuery): Promise<LlmUsageSummaryRow[]> {
    await this.flush();
    await this.authorizer.authorize(currentActor(), 'read', {
      type: 'llm_usage',
      owner: query.organizationId
        ? { tier: 'organization', organizationId: query.organizationId }
        : WORKSPACE,
    });
    const key = GROUP_KEYS[query.groupBy];
    if (!key) {
      throw new KernelError('validation_failed', 'groupBy must be provider, model, agent or day.', {
        errors: [{ path: '/groupBy', message: 'must be one of provider, model, agent, day' }],
      });
    }
    if (query.organizationId !== undefined && !UUID.test(query.organizationId)) {
      throw new KernelError('validation_failed', 'organizationId must be an organization id (a UUID).', {
        errors: [{ path: '/organizationId', message: 'must be a UUID' }],
      });
    }
    if (!(query.from instanceof Date) || !(query.to instanceof Date) || !(query.from < query.to)) {
      throw new KernelError('validation_failed', 'The summary needs a time range with from before to.', {
        errors: [{ path: '/from', message: 'must be a date before to' }],
      });
    }
    const knex = this.db.knex;
    const rows = (await knex('llmUsageEvents')
      .select(
        knex.raw(`${key} AS key`),
        knex.raw('count(*)::int AS calls'),
        knex.raw("(count(*) FILTER (WHERE status = 'error'))::int AS errors"),
        knex.raw('coalesce(sum(input_tokens), 0)::bigint AS input_tokens'),
        knex.raw('coalesce(sum(output_tokens), 0)::bigint AS output_tokens'),
        knex.raw('coalesce(sum(cached_input_tokens), 0)::bigint AS cached_input_tokens'),
        knex.raw('coalesce(sum(reasoning_tokens), 0)::bigint AS reasoning_tokens'),
        knex.raw('coalesce(sum(cost_usd), 0) AS cost_usd'),
      )
      .where('occurredAt', '>=', query.from)
      .where('occurredAt', '<', query.to)
      .modify((q) => {
        if (query.organizationId !== undefined) q.where({ organizationId: query.organizationId });
      })
      .groupByRaw('1')
      .orderByRaw('1 NULLS LAST')) as Array<Record<keyof LlmUsageSummaryRow, string | number | null>>;
    return rows.map((row) => ({
      key: row.key === null ? null : String(row.key),
      calls: Number(row.calls),
      errors: Number(row.errors),
      inputTokens: Number(row.inputTokens),
      outputTokens: Number(row.outputTokens),
      cachedInputTokens: Number(row.cachedInputTokens),
      reasoningTokens: Number(row.reasoningTokens),
      costUsd: Number(row.costUsd),
    }));
  }
}

export const LLM_USAGE: InjectionToken<LlmUsageService> = LlmUsageService;

function toRow(event: LlmUsageRecord) {
  return {
    id: uuidv7(),
    occurredAt: event.occurredAt ?? new Date(),
    provider: event.provider,
    model: event.model,
    responseModel: event.responseModel ?? null,
    inputTokens: event.usage.inputTokens,
    outputTokens: event.usage.outputTokens,
    cachedInputTokens: event.usage.cachedInputTokens,
    reasoningTokens: event.usage.reasoningTokens,
    latencyMs: Math.max(0, Math.round(event.latencyMs)),
    costUsd: event.costUsd,
    status: event.status,
    errorKind: event.status === 'error' ? (event.errorKind ?? 'unknown') : null,
    agentId: event.agentId ?? null,
    runId: event.runId ?? null,
    providerExtension: event.providerExtension ?? null,
    callerExtension: event.callerExtension ?? null,
    actorId: event.actorId,
    actorType: event.actorType,
    organizationId: event.organizationId ?? null,
    traceId: event.traceId,
    attempt: event.attempt,
    skills: JSON.stringify(event.skills ?? []),
  };
}
