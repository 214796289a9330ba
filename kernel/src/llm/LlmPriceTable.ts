import type { LlmUsage } from '@cinatra/sdk';
import { inject, injectable, type InjectionToken } from 'tsyringe';
import { AUDIT_LOG, type AuditLog } from '../audit/AuditLog.js';
import { currentActor } from '../authz/ActorContext.js';
import { AUTHORIZER, type Authorizer } from '../authz/Authorizer.js';
import { WORKSPACE } from '../authz/ResourceRef.js';
import { DATABASE, type Database } from '../database/Database.js';
import { PG_LISTENER, type PgListener } from '../database/PgListener.js';
import { KernelError, type FieldError } from '../errors/KernelError.js';
import { LOGGER, type Logger } from '../logging/Logger.js';
import { LlmConfigCache } from './LlmConfigCache.js';

/** USD per million tokens of one model (or, with `model: '*'`, of every unlisted model of a provider). */
export interface LlmModelPrice {
  provider: string;
  model: string;
  inputPerMTok: number;
  /** Price of cached input tokens; null: they cost the input price. */
  cachedInputPerMTok: number | null;
  /** Output tokens, reasoning tokens included. */
  outputPerMTok: number;
  /** `builtin`: seeded by the kernel; `admin`: set by an administrator. */
  source: 'builtin' | 'admin';
  updatedBy: string | null;
  updatedAt: string;
}

export interface LlmModelPriceInput {
  provider: string;
  /** A model id, or `*` for every model of the provider without its own row. */
  model: string;
  inputPerMTok: number;
  cachedInputPerMTok?: number | null;
  outputPerMTok: number;
}

export interface LlmCost {
  costUsd: number;
  /** The row used (its model may be `*`), or null when none matched and the call was counted as free. */
  price: { provider: string; model: string } | null;
}

interface PriceRow {
  provider: string;
  model: string;
  inputPerMtok: string;
  cachedInputPerMtok: string | null;
  outputPerMtok: string;
  source: 'builtin' | 'admin';
  updatedBy: string | null;
  updatedAt: Date;
}

const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:/@-]{0,127}$/;
/** Dated snapshots vendors report: `gpt-5.4-2026-03-05`, `claude-sonnet-4-5-20250929`. */
const SNAPSHOT_SUFFIX = /-(\d{4}-\d{2}-\d{2}|\d{8})$/;

/** The price table in memory: provider → model (or `*`) → price. */
type PriceIndex = ReadonlyMap<string, ReadonlyMap<string, LlmModelPrice>>;

/**
 * What models cost, in `llm_model_prices`. Built-in rows are seeded by migration 0007;
 * administrators correct or add rows (`llm_price:manage`, audited). The orchestrator prices
 * every vendor request with `price` when it records the request's usage event, from the table
 * held in memory (`LlmConfigCache`: a change is seen at once by this process, and by the others
 * through a NOTIFY sent on commit).
 */
@injectable()
export class LlmPriceTable {
  private readonly unpriced = new Set<string>();
  private readonly cache: LlmConfigCache<PriceIndex>;

  constructor(
    @inject(DATABASE) private readonly db: Database,
    @inject(AUTHORIZER) private readonly authorizer: Authorizer,
    @inject(AUDIT_LOG) private readonly audit: AuditLog,
    @inject(LOGGER) private readonly logger: Logger,
    @inject(PG_LISTENER) listener: PgListener,
  ) {
    this.cache = new LlmConfigCache('prices', () => this.read(), listener, logger);
  }

  /** Every price row, by provider and model (`llm_price:read`). */
  async list(): Promise<LlmModelPrice[]> {
    await this.authorizer.authorize(currentActor(), 'read', { type: 'llm_price', owner: WORKSPACE });
    const rows = (await this.db.knex('llmModelPrices').orderBy(['provider', 'model'])) as PriceRow[];
    return rows.map(view);
  }

  /** Sets a model's price (`llm_price:manage`); the row becomes `admin`. Audited with the previous price. */
  async upsert(input: LlmModelPriceInput): Promise<LlmModelPrice> {
    const actor = currentActor();
    const resourceId = `${input.provider}/${input.model}`;
    await this.authorizer.authorize(actor, 'manage', { type: 'llm_price', id: resourceId, owner: WORKSPACE });
    validate(input);
    const updated = await this.db.knex.transaction(async (trx) => {
      const before = (await trx('llmModelPrices')
        .where({ provider: input.provider, model: input.model })
        .forUpdate()
        .first()) as PriceRow | undefined;
      const values = {
        inputPerMtok: input.inputPerMTok,
        cachedInputPerMtok: input.cachedInputPerMTok ?? null,
        outputPerMtok: input.outputPerMTok,
        source: 'admin',
        updatedBy: actor.principalId,
        updatedAt: trx.fn.now(),
      };
      const [row] = (await trx('llmModelPrices')
        .insert({ provider: input.provider, model: input.model, ...values })
        .onConflict(['provider', 'model'])
        .merge(values)
        .returning('*')) as PriceRow[];
      const after = view(row!);
      await this.audit.recordInTransaction(trx, {
        operation: 'llm_price.updated',
        resourceType: 'llm_price',
        resourceId,
        metadata: { before: before ? amounts(view(before)) : null, after: amounts(after) },
      });
      await this.cache.announce(trx);
      return after;
    });
    this.cache.invalidate();
    return updated;
  }

  /** Removes a price row (`llm_price:manage`, audited); `not_found` when there is none. */
  async remove(provider: string, model: string): Promise<void> {
    const resourceId = `${provider}/${model}`;
    await this.authorizer.authorize(currentActor(), 'manage', {
      type: 'llm_price',
      id: resourceId,
      owner: WORKSPACE,
    });
    await this.db.knex.transaction(async (trx) => {
      const [removed] = (await trx('llmModelPrices')
        .where({ provider, model })
        .delete()
        .returning('*')) as PriceRow[];
      if (!removed) throw new KernelError('not_found', `There is no price for ${provider} model ${model}.`);
      await this.audit.recordInTransaction(trx, {
        operation: 'llm_price.removed',
        resourceType: 'llm_price',
        resourceId,
        metadata: { before: amounts(view(removed)) },
      });
      await this.cache.announce(trx);
    });
    this.cache.invalidate();
  }

  /**
   * What `usage` of `model` (as requested; `reportedModel` is what the vendor said answered)
   * costs: uncached input at the input price, cached input at the cached price, output
   * (reasoning included) at the output price. Rows tried in order: the requested model, the
   * reported model, either without a date suffix, then the provider's `*` row. Without a row
   * the cost is 0 and a warning is logged once per provider and model. Not authorized: the
   * orchestrator calls it while metering.
   */
  async price(provider: string, model: string, usage: LlmUsage, reportedModel?: string): Promise<LlmCost> {
    const candidates = [
      model,
      reportedModel,
      model.replace(SNAPSHOT_SUFFIX, ''),
      reportedModel?.replace(SNAPSHOT_SUFFIX, ''),
      '*',
    ]
      .filter((m): m is string => typeof m === 'string' && m !== '')
      .filter((m, i, all) => all.indexOf(m) === i);
    const rows = (await this.cache.get()).get(provider);
    const row = candidates.map((m) => rows?.get(m)).find((r) => r !== undefined);
    if (!row) {
      const key = `${provider}/${model}`;
      if (!this.unpriced.has(key)) {
        this.unpriced.add(key);
        this.logger.warn(
          { provider, model },
          `no price for LLM ${key}: its calls are recorded at cost 0 until an admin sets one`,
        );
      }
      return { costUsd: 0, price: null };
    }
    return { costUsd: costOf(row, usage), price: { provider: row.provider, model: row.model } };
  }

  private async read(): Promise<PriceIndex> {
    const index = new Map<string, Map<string, LlmModelPrice>>();
    for (const row of (await this.db.knex('llmModelPrices')) as PriceRow[]) {
      const price = Object.freeze(view(row));
      let models = index.get(price.provider);
      if (!models) index.set(price.provider, (models = new Map()));
      models.set(price.model, price);
    }
    return index;
  }
}

export const LLM_PRICES: InjectionToken<LlmPriceTable> = LlmPriceTable;

/** The cost in USD of `usage` at `price`. */
export function costOf(
  price: Pick<LlmModelPrice, 'inputPerMTok' | 'cachedInputPerMTok' | 'outputPerMTok'>,
  usage: LlmUsage,
): number {
  const cached = Math.min(usage.cachedInputTokens, usage.inputTokens);
  const cachedPrice = price.cachedInputPerMTok ?? price.inputPerMTok;
  const micro =
    (usage.inputTokens - cached) * price.inputPerMTok +
    cached * cachedPrice +
    usage.outputTokens * price.outputPerMTok;
  // Rounded to the column's 10 decimals so the sum of recorded costs is the sum of returned ones.
  return Math.round(micro * 1e4) / 1e10;
}

function view(row: PriceRow): LlmModelPrice {
  return {
    provider: row.provider,
    model: row.model,
    inputPerMTok: Number(row.inputPerMtok),
    cachedInputPerMTok: row.cachedInputPerMtok === null ? null : Number(row.cachedInputPerMtok),
    outputPerMTok: Number(row.outputPerMtok),
    source: row.source,
    updatedBy: row.updatedBy,
    updatedAt: new Date(row.updatedAt).toISOString(),
  };
}

function amounts(price: LlmModelPrice) {
  return {
    inputPerMTok: price.inputPerMTok,
    cachedInputPerMTok: price.cachedInputPerMTok,
    outputPerMTok: price.outputPerMTok,
    source: price.source,
  };
}

function validate(input: LlmModelPriceInput): void {
  const errors: FieldError[] = [];
  if (typeof input.provider !== 'string' || !ID_PATTERN.test(input.provider)) {
    errors.push({ path: '/provider', message: 'must be a provider id like "openai"' });
  }
  if (typeof input.model !== 'string' || (input.model !== '*' && !ID_PATTERN.test(input.model))) {
    errors.push({ path: '/model', message: 'must be a model id like "gpt-5.4", or "*"' });
  }
  const amountsToCheck: Array<[string, unknown]> = [
    ['inputPerMTok', input.inputPerMTok],
    ['outputPerMTok', input.outputPerMTok],
  ];
  if (input.cachedInputPerMTok != null) amountsToCheck.push(['cachedInputPerMTok', input.cachedInputPerMTok]);
  for (const [field, value] of amountsToCheck) {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1e6) {
      errors.push({ path: `/${field}`, message: 'must be USD per million tokens, from 0 to 1000000' });
    }
  }
  if (errors.length > 0) {
    throw new KernelError('validation_failed', `Model price: ${errors[0]!.path} ${errors[0]!.message}.`, {
      errors,
    });
  }
}
