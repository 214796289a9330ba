import { inject, injectable } from 'tsyringe';
import type { InjectionToken } from 'tsyringe';
import { AUDIT_LOG, type AuditLog } from '../audit/AuditLog.js';
import { runAsActor, systemActor } from '../authz/ActorContext.js';
import { DATABASE, type Database } from '../database/Database.js';
import { KernelError } from '../errors/KernelError.js';
import { User, type UserView } from '../models/User.js';
import { USER_DIRECTORY, type UserDirectory } from '../scopes/UserDirectory.js';
import { hashSecretToken, newSecretToken } from './secretToken.js';

/** Serialises first-admin creation so two setups racing cannot both win. */
const SETUP_LOCK = 0x7365_7475; // "setu"

export interface FirstAdminInput {
  email: string;
  displayName: string;
  password: string;
}

/**
 * The instance's first platform admin: either an operator at the machine runs
 * `cinatra admin create`, or the one-time setup token printed at start is redeemed
 * through `POST /api/auth/setup`. Both paths close once an admin exists.
 */
@injectable()
export class FirstAdminSetup {
  constructor(
    @inject(DATABASE) private readonly db: Database,
    @inject(USER_DIRECTORY) private readonly users: UserDirectory,
    @inject(AUDIT_LOG) private readonly audit: AuditLog,
  ) {}

  async needsSetup(): Promise<boolean> {
    return !(await User.query(this.db.knex)
      .where('platformRole', 'platform_admin')
      .whereNull('disabledAt')
      .first());
  }

  /** A fresh one-time token when no admin exists yet (earlier tokens stop working); else null. */
  async issueSetupToken(): Promise<string | null> {
    if (!(await this.needsSetup())) return null;
    const token = newSecretToken('setup_');
    await this.db.knex.transaction(async (trx) => {
      await trx('setupTokens').delete();
      await trx('setupTokens').insert({ tokenHash: hashSecretToken(token) });
    });
    return token;
  }

  async redeemSetupToken(token: string, input: FirstAdminInput): Promise<UserView> {
    return this.db.knex.transaction(async (trx) => {
      await trx.raw('SELECT pg_advisory_xact_lock(?)', [SETUP_LOCK]);
      const stored = await trx('setupTokens').where('tokenHash', hashSecretToken(token)).first();
      const open = await User.query(trx)
        .where('platformRole', 'platform_admin')
        .whereNull('disabledAt')
        .first();
      if (open || !stored) {
        await this.audit.recordInTransaction(trx, {
          operation: 'auth.setup',
          resourceType: 'user',
          decision: 'deny',
          reason: open ? 'an admin already exists' : 'wrong setup token',
        });
        throw new KernelError(
          'setup_unavailable',
          open
            ? 'Setup is finished: an administrator already exists. Sign in instead.'
            : 'The setup token is wrong or was replaced; use the one printed at the latest start.',
        );
      }
      await trx('setupTokens').delete();
      return runAsActor(systemActor('system'), () =>
        this.users.insert(trx, { ...input, platformRole: 'platform_admin' }),
      );
    });
  }

  /** `cinatra admin create`: the operator at the machine is trusted to make admins at any time. */
  async createAdmin(input: FirstAdminInput): Promise<UserView> {
    return runAsActor(systemActor('cli'), () =>
      this.db.knex.transaction(async (trx) => {
        const user = await this.users.insert(trx, { ...input, platformRole: 'platform_admin' });
        await trx('setupTokens').delete();
        return user;
      }),
    );
  }
}

export const FIRST_ADMIN_SETUP: InjectionToken<FirstAdminSetup> = FirstAdminSetup;
