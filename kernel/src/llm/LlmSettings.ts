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
import type { LlmTarget } from './types.js';

/** The instance's LLM settings. */
export interface LlmSettingsView {
  /** Provider and model of calls that name none and whose agent prefers none; null until configured. */
  defaultTarget: LlmTarget | null;
  /** Used once the chosen target's attempts are exhausted with a retryable error; null for none. */
  fallback: LlmTarget | null;
  /** Vendor requests per target and model request, first one included (1–10, default 3). */
  maxAttempts: number;
  /** Time one vendor request may take (1 s – 1 h, default 120 s). */
  attemptTimeoutMs: number;
  /** The model deciding which `llm`-matched skills apply; null: such skills are skipped. */
  skillJudge: LlmTarget | null;
  updatedBy: string | null;
  updatedAt: string;
}

/** A change: omitted fields stay, `null` clears a target. */
export interface LlmSettingsPatch {
  defaultTarget?: LlmTarget | null;
  fallback?: LlmTarget | null;
  maxAttempts?: number;
  attemptTimeoutMs?: number;
  skillJudge?: LlmTarget | null;
}

interface SettingsRow {
  defaultProvider: string | null;
  defaultModel: string | null;
  fallbackProvider: string | null;
  fallbackModel: string | null;
  maxAttempts: number;
  attemptTimeoutMs: number;
  skillJudgeProvider: string | null;
  skillJudgeModel: string | null;
  updatedBy: string | null;
  updatedAt: Date;
}

const TARGETS = {
  defaultTarget: ['defaultProvider', 'defaultModel'],
  fallback: ['fallbackProvider', 'fallbackModel'],
  skillJudge: ['skillJudgeProvider', 'skillJudgeModel'],
} as const;

const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:/@-]{0,127}$/;

/**
 * The instance's LLM settings, one row in `llm_settings`. `get` and `update` are for people
 * (authorized as `llm_settings:read` / `llm_settings:manage`, changes audited with before and
 * after); `current` is for the kernel's own services and is neither authorized nor audited.
 * The row is held in memory (`LlmConfigCache`): an update is seen at once by this process and,
 * through a NOTIFY sent on commit, by every other process of the instance.
 */
@injectable()
export class LlmSettings {
  private readonly cache: LlmConfigCache<LlmSettingsView>;

  constructor(
    @inject(DATABASE) private readonly db: Database,
    @inject(AUTHORIZER) private readonly authorizer: Authorizer,
    @inject(AUDIT_LOG) private readonly audit: AuditLog,
    @inject(PG_LISTENER) listener: PgListener,
    @inject(LOGGER) logger: Logger,
  ) {
    this.cache = new LlmConfigCache('settings', () => this.read(), listener, logger);
  }

  async get(): Promise<LlmSettingsView> {
    await this.authorizer.authorize(currentActor(), 'read', { type: 'llm_settings', owner: WORKSPACE });
    return this.current();
  }

  /** The settings as the orchestrator uses them (no authorization, no audit); read-only. */
  current(): Promise<LlmSettingsView> {
    return this.cache.get();
  }

  /** Applies `patch` (platform admins), audited as `llm_settings.updated` with the previous and new values. */
  async update(patch: LlmSettingsPatch): Promise<LlmSettingsView> {
    const actor = currentActor();
    await this.authorizer.authorize(actor, 'manage', { type: 'llm_settings', owner: WORKSPACE });
    const changes = validPatch(patch);
    const updated = await this.db.knex.transaction(async (trx) => {
      const before = view((await trx('llmSettings').forUpdate().first()) as SettingsRow);
      const [row] = (await trx('llmSettings')
        .update({ ...changes, updatedBy: actor.principalId, updatedAt: trx.fn.now() })
        .returning('*')) as SettingsRow[];
      const after = view(row!);
      await this.audit.recordInTransaction(trx, {
        operation: 'llm_settings.updated',
        resourceType: 'llm_settings',
        metadata: { before: settingsOnly(before), after: settingsOnly(after) },
      });
      await this.cache.announce(trx);
      return after;
    });
    this.cache.invalidate();
    return updated;
  }

  private async read(): Promise<LlmSettingsView> {
    const row = (await this.db.knex('llmSettings').first()) as SettingsRow | undefined;
    if (!row) throw new Error('llm_settings has no row: the kernel migrations have not been applied.');
    return deepFreeze(view(row));
  }
}

export const LLM_SETTINGS: InjectionToken<LlmSettings> = LlmSettings;

function view(row: SettingsRow): LlmSettingsView {
  const target = (provider: string | null, model: string | null): LlmTarget | null =>
    provider !== null && model !== null ? { provider, model } : null;
  return {
    defaultTarget: target(row.defaultProvider, row.defaultModel),
    fallback: target(row.fallbackProvider, row.fallbackModel),
    maxAttempts: row.maxAttempts,
    attemptTimeoutMs: row.attemptTimeoutMs,
    skillJudge: target(row.skillJudgeProvider, row.skillJudgeModel),
    updatedBy: row.updatedBy,
    updatedAt: new Date(row.updatedAt).toISOString(),
  };
}

/** Cached views are shared by every caller: none may change them. */
function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

function settingsOnly(settings: LlmSettingsView): Omit<LlmSettingsView, 'updatedBy' | 'updatedAt'> {
  const { updatedBy: _by, updatedAt: _at, ...rest } = settings;
  return rest;
}

/** The columns a patch sets, or `validation_failed` naming every bad field. */
function validPatch(patch: LlmSettingsPatch): Partial<SettingsRow> {
  const errors: FieldError[] = [];
  const changes: Partial<SettingsRow> = {};
  for (const [field, [providerColumn, modelColumn]] of Object.entries(TARGETS) as Array<
    [keyof typeof TARGETS, (typeof TARGETS)[keyof typeof TARGETS]]
  >) {
    const value = patch[field];
    if (value === undefined) continue;
    if (value === null) {
      changes[providerColumn] = null;
      changes[modelColumn] = null;
      continue;
    }
    for (const part of ['provider', 'model'] as const) {
      if (typeof value[part] !== 'string' || !ID_PATTERN.test(value[part])) {
        errors.push({
          path: `/${field}/${part}`,
          message: `must be a ${part} id like "openai" or "gpt-5.4"`,
        });
      }
    }
    changes[providerColumn] = value.provider;
    changes[modelColumn] = value.model;
  }
  if (patch.maxAttempts !== undefined) {
    if (!Number.isInteger(patch.maxAttempts) || patch.maxAttempts < 1 || patch.maxAttempts > 10) {
      errors.push({ path: '/maxAttempts', message: 'must be an integer from 1 to 10' });
    }
    changes.maxAttempts = patch.maxAttempts;
  }
  if (patch.attemptTimeoutMs !== undefined) {
    const ms = patch.attemptTimeoutMs;
    if (!Number.isInteger(ms) || ms < 1000 || ms > 3_600_000) {
      errors.push({ path: '/attemptTimeoutMs', message: 'must be milliseconds from 1000 to 3600000' });
    }
    changes.attemptTimeoutMs = ms;
  }
  if (errors.length > 0) {
    throw new KernelError('validation_failed', `LLM settings: ${errors[0]!.path} ${errors[0]!.message}.`, {
      errors,
    });
  }
  return changes;
}
