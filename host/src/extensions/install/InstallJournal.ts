import { inject, injectable, type InjectionToken } from 'tsyringe';
import { DATABASE, notFound, type Database } from '@cinatra/kernel';
import type { OperationKind } from './lifecycle.js';

export type OperationStatus = 'running' | 'pending_consent' | 'succeeded' | 'failed' | 'rolled_back';
export type StageStatus = 'started' | 'succeeded' | 'failed' | 'rolled_back' | 'recovered';

/**
 * The stages, in order. install/update: resolve → fetch → verify → unpack → check → consent →
 * persist → activate (the new version started beside the old one) → commit (the switch) →
 * health (the committed version started for real) → cleanup. archive/restore/uninstall:
 * check → stop → commit → cleanup. `rollback` and `recovery` record what undid an operation.
 */
export const STAGES = [
  'resolve',
  'fetch',
  'verify',
  'unpack',
  'check',
  'consent',
  'persist',
  'activate',
  'commit',
  'health',
  'stop',
  'cleanup',
  'rollback',
  'recovery',
] as const;
export type Stage = (typeof STAGES)[number];

export interface OperationError {
  /** Stable: a `PackageVerificationError` code, `integrity_mismatch`, `engine_unsupported`, `dependency_*`, `health_failed`, `interrupted`, … */
  code: string;
  message: string;
}

export interface OperationStageView {
  stage: Stage;
  status: StageStatus;
  error: OperationError | null;
  startedAt: string;
  finishedAt: string | null;
}

export interface OperationView {
  id: string;
  kind: OperationKind;
  extension: string;
  fromVersion: string | null;
  toVersion: string | null;
  stage: Stage;
  status: OperationStatus;
  error: OperationError | null;
  /** What the new version's manifest requests (consent is for exactly this set). */
  requestedPermissions: string[];
  /** Requested now but not by the version it replaces: what an update's consent is about. */
  addedPermissions: string[];
  source: string | null;
  actorId: string | null;
  createdAt: string;
  updatedAt: string;
  finishedAt: string | null;
  stages: OperationStageView[];
}

export interface OperationRow {
  id: string;
  kind: OperationKind;
  extension: string;
  fromVersion: string | null;
  toVersion: string | null;
  stage: Stage;
  status: OperationStatus;
  error: OperationError | null;
  requestedPermissions: string[];
  addedPermissions: string[];
  stagingDir: string | null;
  source: string | null;
  actorId: string | null;
  createdAt: Date;
  updatedAt: Date;
  finishedAt: Date | null;
}

/** A knex transaction of the kernel's pool (host does not depend on knex itself). */
export type Transaction = Database['knex'];

const OPS = 'extension_operations';
const STAGE_ROWS = 'extension_operation_stages';
const JSON_COLUMNS = new Set(['error', 'requestedPermissions', 'addedPermissions']);

/**
 * Writes the install pipeline's journal: every operation and every stage it enters, before
 * the stage does anything, so a process that dies mid-way leaves the stage it died in
 * (`started`) for the next start to recover. Writes that must be atomic with a row change
 * (the commit stage) take the caller's transaction.
 */
@injectable()
export class InstallJournal {
  constructor(@inject(DATABASE) private readonly db: Database) {}

  async create(op: {
    kind: OperationKind;
    extension: string;
    fromVersion: string | null;
    toVersion?: string | null;
    stage: Stage;
    source?: string | null;
    actorId: string | null;
  }): Promise<OperationRow> {
    const [row] = (await this.db
      .knex(OPS)
      .insert({ ...op, toVersion: op.toVersion ?? null, status: 'running' })
      .returning('*')) as OperationRow[];
    return row!;
  }

  async update(
    id: string,
    changes: Partial<Omit<OperationRow, 'id' | 'createdAt' | 'updatedAt'>>,
    trx?: Transaction,
  ): Promise<void> {
    const values: Record<string, unknown> = { updatedAt: this.db.knex.fn.now() };
    for (const [key, value] of Object.entries(changes)) {
      values[key] = JSON_COLUMNS.has(key) && value !== null ? JSON.stringify(value) : value;
    }
    if (changes.status && changes.status !== 'running' && changes.status !== 'pending_consent') {
      values.finishedAt = this.db.knex.fn.now();
    }
    await (trx ?? this.db.knex)(OPS).where('id', id).update(values);
  }

  async stageStarted(id: string, stage: Stage): Promise<number> {
    await this.update(id, { stage });
    const [row] = (await this.db
      .knex(STAGE_ROWS)
      .insert({ operationId: id, stage, status: 'started' })
      .returning('id')) as Array<{ id: number | string }>;
    return Number(row!.id);
  }

  async stageEnded(
    stageId: number,
    status: Exclude<StageStatus, 'started'>,
    error: OperationError | null = null,
    trx?: Transaction,
  ): Promise<void> {
    await (trx ?? this.db.knex)(STAGE_ROWS)
      .where('id', stageId)
      .update({ status, error: error ? JSON.stringify(error) : null, finishedAt: this.db.knex.fn.now() });
  }

  /** A stage recorded after the fact (rollback, recovery), started and finished at once. */
  async note(
    id: string,
    stage: Stage,
    status: Exclude<StageStatus, 'started'>,
    error?: OperationError,
  ): Promise<void> {
    await this.db.knex(STAGE_ROWS).insert({
      operationId: id,
      stage,
      status,
      error: error ? JSON.stringify(error) : null,
      finishedAt: this.db.knex.fn.now(),
    });
  }

  async find(id: string): Promise<OperationRow> {
    const row = (await this.db.knex(OPS).where('id', id).first()) as OperationRow | undefined;
    if (!row) throw notFound('Extension operation', id);
    return row;
  }

  /** Whether a stage of the operation finished successfully (recovery: did the commit happen?). */
  async stageSucceeded(id: string, stage: Stage): Promise<boolean> {
    const row = await this.db
      .knex(STAGE_ROWS)
      .where({ operationId: id, stage, status: 'succeeded' })
      .first('id');
    return row !== undefined;
  }

  async open(filter: { extension?: string; status: OperationStatus[] }): Promise<OperationRow[]> {
    const query = this.db.knex(OPS).whereIn('status', filter.status).orderBy('createdAt');
    if (filter.extension) query.where('extension', filter.extension);
    return (await query) as OperationRow[];
  }

  async list(filter: {
    extension?: string;
    status?: OperationStatus;
    limit: number;
  }): Promise<OperationView[]> {
    const query = this.db.knex(OPS).orderBy('createdAt', 'desc').orderBy('id').limit(filter.limit);
    if (filter.extension) query.where('extension', filter.extension);
    if (filter.status) query.where('status', filter.status);
    const rows = (await query) as OperationRow[];
    return this.views(rows);
  }

  async view(id: string): Promise<OperationView> {
    const [view] = await this.views([await this.find(id)]);
    return view!;
  }

  private async views(rows: OperationRow[]): Promise<OperationView[]> {
    const stages = rows.length
      ? ((await this.db
          .knex(STAGE_ROWS)
          .whereIn(
            'operationId',
            rows.map((r) => r.id),
          )
          .orderBy('id')) as Array<{
          operationId: string;
          stage: Stage;
          status: StageStatus;
          error: OperationError | null;
          startedAt: Date;
          finishedAt: Date | null;
        }>)
      : [];
    const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);
    return rows.map((row) => ({
      id: row.id,
      kind: row.kind,
      extension: row.extension,
      fromVersion: row.fromVersion,
      toVersion: row.toVersion,
      stage: row.stage,
      status: row.status,
      error: row.error,
      requestedPermissions: row.requestedPermissions,
      addedPermissions: row.addedPermissions,
      source: row.source,
      actorId: row.actorId,
      createdAt: iso(row.createdAt)!,
      updatedAt: iso(row.updatedAt)!,
      finishedAt: iso(row.finishedAt),
      stages: stages
        .filter((s) => s.operationId === row.id)
        .map((s) => ({
          stage: s.stage,
          status: s.status,
          error: s.error,
          startedAt: iso(s.startedAt)!,
          finishedAt: iso(s.finishedAt),
        })),
    }));
  }
}

export const INSTALL_JOURNAL: InjectionToken<InstallJournal> = InstallJournal;
