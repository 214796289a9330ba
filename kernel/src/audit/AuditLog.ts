import type { Knex } from 'knex';
import { inject, injectable } from 'tsyringe';
import type { InjectionToken } from 'tsyringe';
import { CONFIG, type CinatraConfig } from '../config/CinatraConfig.js';
import { DATABASE, type Database } from '../database/Database.js';
import { KernelError } from '../errors/KernelError.js';
import { currentScope, systemActor, type RequestScope } from '../authz/ActorContext.js';
import { LOGGER, type Logger } from '../logging/Logger.js';
import { AUDIT_CHAIN_LOCK } from '../database/migrations/0002_audit_append.js';
import { auditContentDigest, GENESIS_HASH, hashAuditEvent, type HashedAuditFields } from './auditHash.js';
import { uuidv7 } from './uuidv7.js';

export interface AuditEventInput {
  operation: string;
  resourceType: string;
  resourceId?: string | null;
  organizationId?: string | null;
  decision?: 'allow' | 'deny' | null;
  reason?: string | null;
  metadata?: Record<string, unknown>;
}

export interface AuditEvent extends HashedAuditFields {
  seq: number;
  hash: string;
}

export interface AuditQuery {
  actorId?: string;
  resourceType?: string;
  resourceId?: string;
  operation?: string;
  decision?: 'allow' | 'deny';
  since?: Date;
  until?: Date;
}

export interface AuditPage {
  events: AuditEvent[];
  /** Pass back as `cursor` for the next (older) page; null on the last page. */
  nextCursor: string | null;
}

export type AuditVerification =
  | { ok: true; checked: number }
  | { ok: false; checked: number; brokenAt: { seq: number; id: string; problem: string } };

/** Events per append call, and append calls in flight at once (each holds a pool connection). */
const MAX_BATCH = 1000;
const MAX_IN_FLIGHT = 2;

/** An event as the kernel builds it; the database links it into the chain. */
type AuditRow = Omit<HashedAuditFields, 'prevHash'>;

interface PendingEvent {
  row: AuditRow;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * The append-only, hash-chained audit log.
 *
 * `record` uses group commit: events arriving while earlier batches are being written are
 * appended together by the next call, and each caller's promise resolves once its event
 * is durable. Up to two batches are in flight; the second waits on the chain lock in the
 * database, so it commits right after the first without another round trip.
 * `recordInTransaction` writes inside a caller's transaction so a change and its audit
 * event commit or roll back together.
 *
 * The kernel computes each event's content digest; `cinatra_audit_append` links the batch
 * to the chain head under a lock and inserts it, in one round trip (see migration 0002).
 */
@injectable()
export class AuditLog {
  private pending: PendingEvent[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private dispatchQueued = false;

  constructor(
    @inject(DATABASE) private readonly db: Database,
    @inject(CONFIG) private readonly config: CinatraConfig,
    @inject(LOGGER) private readonly logger: Logger,
  ) {}

  record(input: AuditEventInput, scope: RequestScope = currentScope()): Promise<void> {
    const row = toRow(input, scope);
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ row, resolve, reject });
      this.queueDispatch();
    });
  }

  async recordInTransaction(
    trx: Knex.Transaction,
    input: AuditEventInput,
    scope: RequestScope = currentScope(),
  ): Promise<void> {
    await append(trx, [toRow(input, scope)]);
  }

  /** Resolves once everything recorded so far is durable (or has failed). */
  async flush(): Promise<void> {
    while (this.pending.length > 0 || this.inFlight.size > 0) {
      if (this.inFlight.size > 0) await Promise.all(this.inFlight);
      else await new Promise((done) => setImmediate(done));
    }
  }

  /** Lets the current tick's events join one batch, then sends it. */
  private queueDispatch(): void {
    if (this.dispatchQueued || this.inFlight.size >= MAX_IN_FLIGHT) return;
    this.dispatchQueued = true;
    setImmediate(() => {
      this.dispatchQueued = false;
      this.dispatch();
    });
  }

  private dispatch(): void {
    while (this.pending.length > 0 && this.inFlight.size < MAX_IN_FLIGHT) {
      const write = this.write(this.pending.splice(0, MAX_BATCH)).finally(() => {
        this.inFlight.delete(write);
        if (this.pending.length > 0) this.queueDispatch();
      });
      this.inFlight.add(write);
    }
  }

  private async write(batch: PendingEvent[]): Promise<void> {
    try {
      await append(
        this.db.knex,
        batch.map((p) => p.row),
      );
      for (const p of batch) p.resolve();
    } catch (error) {
      this.logger.error({ err: error, events: batch.length }, 'audit events could not be written');
      const failure = new KernelError(
        'internal_error',
        'The audit log could not be written; the action was not performed.',
      );
      for (const p of batch) p.reject(failure);
    }
  }

  /** Newest first, `limit` at a time; the cursor is the last seen sequence number. */
  async query(filter: AuditQuery, page: { cursor?: string; limit: number }): Promise<AuditPage> {
    let cursorSeq: number | undefined;
    if (page.cursor !== undefined) {
      cursorSeq = Number(page.cursor);
      if (!Number.isSafeInteger(cursorSeq) || cursorSeq < 1) {
        throw new KernelError('validation_failed', 'The cursor is not one this API returned.', {
          errors: [{ path: '/querystring/cursor', message: 'must be a cursor returned as nextCursor' }],
        });
      }
    }
    const query = this.filtered(filter)
      .orderBy('seq', 'desc')
      .limit(page.limit + 1);
    if (cursorSeq !== undefined) query.where('seq', '<', cursorSeq);
    const rows = (await query) as AuditEvent[];
    const events = rows.slice(0, page.limit).map(fromDb);
    return { events, nextCursor: rows.length > page.limit ? String(events.at(-1)!.seq) : null };
  }

  /** Every matching event, oldest first, streamed in chunks. */
  async *export(filter: AuditQuery): AsyncGenerator<AuditEvent> {
    let after = 0;
    for (;;) {
      const rows = (await this.filtered(filter)
        .where('seq', '>', after)
        .orderBy('seq', 'asc')
        .limit(1000)) as AuditEvent[];
      for (const row of rows) yield fromDb(row);
      if (rows.length < 1000) return;
      after = rows.at(-1)!.seq;
    }
  }

  /** Walks the whole chain; reports the first event whose content or link does not match. */
  async verify(): Promise<AuditVerification> {
    await this.flush();
    const knex = this.db.knex;
    const checkpoint = await knex('auditCheckpoints').orderBy('id', 'desc').first();
    let expectedPrev = (checkpoint?.lastHash as string | undefined) ?? GENESIS_HASH;
    let checked = 0;
    let after = 0;
    for (;;) {
      const rows = (await knex('auditEvents')
        .where('seq', '>', after)
        .orderBy('seq', 'asc')
        .limit(1000)) as AuditEvent[];
      for (const raw of rows) {
        const event = fromDb(raw);
        if (event.prevHash !== expectedPrev) {
          return {
            ok: false,
            checked,
            brokenAt: {
              seq: event.seq,
              id: event.id,
              problem: 'link to the previous event is broken (an event was removed, inserted or reordered)',
            },
          };
        }
        if (hashAuditEvent(event) !== event.hash) {
          return {
            ok: false,
            checked,
            brokenAt: {
              seq: event.seq,
              id: event.id,
              problem: 'event content does not match its hash (the event was modified)',
            },
          };
        }
        expectedPrev = event.hash;
        checked += 1;
      }
      if (rows.length < 1000) return { ok: true, checked };
      after = rows.at(-1)!.seq;
    }
  }

  /**
   * Deletes events older than the retention setting, oldest first, and records a
   * checkpoint with the hash of the last removed event so the remaining chain still
   * verifies. Returns how many events were removed.
   */
  async enforceRetention(now = new Date()): Promise<number> {
    const days = this.config.audit.retentionDays;
    if (days === 0) return 0;
    const cutoff = new Date(now.getTime() - days * 86_400_000);
    await this.flush();
    return this.db.knex.transaction(async (trx) => {
      await trx.raw('SELECT pg_advisory_xact_lock(?)', [AUDIT_CHAIN_LOCK]);
      // Only a prefix of the chain may go: stop at the first event that must be kept.
      const keep = await trx('auditEvents').where('occurredAt', '>=', cutoff).min('seq as seq').first();
      const lastRemoved = await trx('auditEvents')
        .modify((q) => (keep?.seq != null ? q.where('seq', '<', keep.seq) : q))
        .orderBy('seq', 'desc')
        .first('seq', 'hash');
      if (!lastRemoved) return 0;
      await trx.raw("SET LOCAL cinatra.audit_retention = 'on'");
      const removed = await trx('auditEvents').where('seq', '<=', lastRemoved.seq).delete();
      await trx('auditCheckpoints').insert({ lastSeq: lastRemoved.seq, lastHash: lastRemoved.hash, removed });
      await append(trx, [
        toRow(
          {
            operation: 'audit.retention',
            resourceType: 'audit_event',
            metadata: { removed, throughSeq: lastRemoved.seq, retentionDays: days },
          },
          { actor: systemActor(), requestId: null, ip: null },
        ),
      ]);
      this.logger.info({ removed, cutoff }, 'audit retention applied');
      return removed;
    });
  }

  private filtered(filter: AuditQuery): Knex.QueryBuilder {
    const q = this.db.knex('auditEvents');
    if (filter.actorId) q.where('actorId', filter.actorId);
    if (filter.resourceType) q.where('resourceType', filter.resourceType);
    if (filter.resourceId) q.where('resourceId', filter.resourceId);
    if (filter.operation) q.where('operation', filter.operation);
    if (filter.decision) q.where('decision', filter.decision);
    if (filter.since) q.where('occurredAt', '>=', filter.since);
    if (filter.until) q.where('occurredAt', '<', filter.until);
    return q;
  }
}

export const AUDIT_LOG: InjectionToken<AuditLog> = AuditLog;

/** Appends `rows`, in order, at the head of the chain (one round trip). */
async function append(db: Knex | Knex.Transaction, rows: AuditRow[]): Promise<void> {
  const events = rows.map((row) => ({ ...row, digest: auditContentDigest(row) }));
  await db.raw('SELECT cinatra_audit_append(?::jsonb)', [JSON.stringify(events)]);
}

function toRow(input: AuditEventInput, scope: RequestScope): AuditRow {
  return {
    id: uuidv7(),
    occurredAt: new Date(),
    actorId: scope.actor.principalId,
    actorType: scope.actor.principalType,
    authSource: scope.actor.authSource,
    organizationId: input.organizationId ?? null,
    resourceType: input.resourceType,
    resourceId: input.resourceId ?? null,
    operation: input.operation,
    decision: input.decision ?? null,
    reason: input.reason ?? null,
    requestId: scope.requestId,
    ip: scope.ip,
    metadata: input.metadata ?? {},
  };
}

function fromDb(row: AuditEvent): AuditEvent {
  return { ...row, occurredAt: new Date(row.occurredAt) };
}
