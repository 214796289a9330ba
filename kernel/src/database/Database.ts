import type { InjectionToken } from 'tsyringe';
import type { Knex } from 'knex';

/** The instance's Postgres database: one knex pool, shared by every kernel service. */
export interface Database {
  readonly knex: Knex;
  /** Connection URL with credentials, for the few clients that cannot use the pool (LISTEN). */
  readonly url: string;
  /** Connection URL with the password removed, for logs and `cinatra doctor`. */
  readonly displayUrl: string;
  /** Whether the platform started this Postgres itself from the data directory. */
  readonly embedded: boolean;
  close(): Promise<void>;
}

export const DATABASE: InjectionToken<Database> = Symbol.for('cinatra.Database');

/** Postgres error codes the kernel turns into problem responses. */
export const PG_UNIQUE_VIOLATION = '23505';
export const PG_FOREIGN_KEY_VIOLATION = '23503';

/** True for a Postgres error with this code, also when objection wrapped it (db-errors keeps it as `nativeError`). */
export function isPgError(error: unknown, code: string): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code: own, nativeError } = error as { code?: unknown; nativeError?: unknown };
  return own === code || (nativeError !== undefined && nativeError !== error && isPgError(nativeError, code));
}
