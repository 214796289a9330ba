import { inject, injectable } from 'tsyringe';
import type { InjectionToken } from 'tsyringe';
import { AUDIT_LOG, type AuditLog } from '../audit/AuditLog.js';
import { currentScope, type ActorContext } from '../authz/ActorContext.js';
import { CONFIG, type CinatraConfig } from '../config/CinatraConfig.js';
import { DATABASE, type Database } from '../database/Database.js';
import { KernelError } from '../errors/KernelError.js';
import { LOGGER, type Logger } from '../logging/Logger.js';
import { ApiToken } from '../models/ApiToken.js';
import { findUserByEmail, User, viewUser, type UserView } from '../models/User.js';
import { CREDENTIAL_CACHE, type CredentialCache, type ResolvedCredential } from './CredentialCache.js';
import { loadActor } from './loadActor.js';
import { PASSWORD_HASHER, type PasswordHasher } from './PasswordHasher.js';
import { hashSecretToken, newSecretToken } from './secretToken.js';

export interface LoginResult {
  sessionToken: string;
  csrfToken: string;
  expiresAt: Date;
  user: UserView;
}

export const API_TOKEN_PREFIX = 'cin_';

/** Refreshing `last_used_at` more often than this would turn every request into a write. */
const LAST_USED_RESOLUTION_MS = 60_000;

/**
 * Turns credentials into actors: password login (rate limited) to a session, session
 * cookies and API bearer tokens to an `ActorContext`. Refusals of a presented token are
 * audited with the reason (unknown, expired, revoked, disabled user).
 */
@injectable()
export class Authenticator {
  private readonly lastUsedWrites = new Map<string, number>();

  constructor(
    @inject(DATABASE) private readonly db: Database,
    @inject(CONFIG) private readonly config: CinatraConfig,
    @inject(PASSWORD_HASHER) private readonly hasher: PasswordHasher,
    @inject(CREDENTIAL_CACHE) private readonly cache: CredentialCache,
    @inject(AUDIT_LOG) private readonly audit: AuditLog,
    @inject(LOGGER) private readonly logger: Logger,
  ) {}

  async login(
    email: string,
    password: string,
    client: { ip: string | null; userAgent: string | null },
  ): Promise<LoginResult> {
    const knex = this.db.knex;
    const { loginMaxFailures, loginWindowSeconds, sessionTtlHours } = this.config.auth;
    const emailKey = `email:${email.trim().toLowerCase()}`;
    const ipKey = `ip:${client.ip ?? 'unknown'}`;
    const windowStart = new Date(Date.now() - loginWindowSeconds * 1000);

    // Checked before any hashing, so a flood of attempts costs us one indexed count each.
    const failures = await knex('loginFailures')
      .whereIn('key', [emailKey, ipKey])
      .andWhere('failedAt', '>', windowStart)
      .select('key')
      .count<{ key: string; count: number }[]>('* as count')
      .min('failedAt as oldest')
      .groupBy('key');
    const limited = failures.find(
      (f) => Number(f.count) >= (f.key === emailKey ? loginMaxFailures : loginMaxFailures * 10),
    ) as ({ oldest: Date } & (typeof failures)[number]) | undefined;
    if (limited) {
      const retryAfterSeconds = Math.max(
        1,
        Math.ceil((new Date(limited.oldest).getTime() + loginWindowSeconds * 1000 - Date.now()) / 1000),
      );
      await this.audit.record({
        operation: 'auth.login',
        resourceType: 'session',
        decision: 'deny',
        reason: 'rate limited',
        metadata: { email },
      });
      throw new KernelError(
        'rate_limited',
        `Too many failed sign-in attempts. Try again in ${retryAfterSeconds} seconds.`,
        { retryAfterSeconds },
      );
    }

    const user = await findUserByEmail(knex, email);
    const valid = user?.passwordHash
      ? await this.hasher.verify(password, user.passwordHash)
      : (await this.hasher.burn(password), false);
    if (!user || !valid || user.disabledAt) {
      await knex('loginFailures').insert([{ key: emailKey }, { key: ipKey }]);
      await knex('loginFailures').where('failedAt', '<', windowStart).delete();
      const reason = !user ? 'unknown email' : !valid ? 'wrong password' : 'user disabled';
      await this.audit.record({
        operation: 'auth.login',
        resourceType: 'session',
        resourceId: null,
        decision: 'deny',
        reason,
        metadata: { email },
      });
      throw new KernelError('invalid_credentials', 'Email or password is wrong, or the account is disabled.');
    }

    const sessionToken = newSecretToken();
    const csrfToken = newSecretToken();
    const expiresAt = new Date(Date.now() + sessionTtlHours * 3_600_000);
    const sessionId = hashSecretToken(sessionToken);
    await knex.transaction(async (trx) => {
      await trx('loginFailures').where('key', emailKey).delete();
      await trx('sessions').insert({
        id: sessionId,
        userId: user.id,
        csrfToken,
        ip: client.ip,
        userAgent: client.userAgent?.slice(0, 512) ?? null,
        expiresAt,
      });
      const actor = await loadActor(trx, user, 'session', sessionId, null);
      await this.audit.recordInTransaction(
        trx,
        {
          operation: 'auth.login',
          resourceType: 'session',
          resourceId: sessionId.slice(0, 16),
          decision: 'allow',
          reason: 'password',
        },
        { ...currentScope(), actor },
      );
    });
    return { sessionToken, csrfToken, expiresAt, user: viewUser(user) };
  }

  async logout(sessionToken: string): Promise<void> {
    const sessionId = hashSecretToken(sessionToken);
    this.cache.delete(`s:${sessionId}`);
    await this.db.knex.transaction(async (trx) => {
      const deleted = await trx('sessions').where('id', sessionId).delete();
      if (deleted > 0) {
        await this.audit.recordInTransaction(trx, {
          operation: 'auth.logout',
          resourceType: 'session',
          resourceId: sessionId.slice(0, 16),
        });
      }
    });
  }

  /** The actor behind a session cookie, or null when the session is unknown or expired. */
  async authenticateSession(sessionToken: string): Promise<ResolvedCredential | null> {
    const sessionId = hashSecretToken(sessionToken);
    const cached = this.cache.get(`s:${sessionId}`);
    if (cached) return cached;
    const knex = this.db.knex;
    const session = await knex('sessions')
      .where('id', sessionId)
      .andWhere('expiresAt', '>', new Date())
      .first();
    if (!session) return null;
    const user = await User.query(knex).findById(session.userId as string);
    if (!user || user.disabledAt) return null;
    const resolved = {
      actor: await loadActor(knex, user, 'session', sessionId, null),
      csrfToken: session.csrfToken as string,
    };
    this.cache.set(`s:${sessionId}`, resolved, new Date(session.expiresAt as string));
    return resolved;
  }

  /** The actor behind an API token; throws `unauthenticated` (audited) for any bad token. */
  async authenticateToken(token: string): Promise<ActorContext> {
    const tokenHash = hashSecretToken(token);
    const cached = this.cache.get(`t:${tokenHash}`);
    if (cached) {
      this.touch(cached.actor.credentialId!);
      return cached.actor;
    }
    const knex = this.db.knex;
    const row = await ApiToken.query(knex).where('tokenHash', tokenHash).first();
    const user = row ? await User.query(knex).findById(row.userId) : undefined;
    const refusal = !row
      ? 'unknown token'
      : row.revokedAt
        ? 'token revoked'
        : row.expiresAt && new Date(row.expiresAt) <= new Date()
          ? 'token expired'
          : !user || user.disabledAt
            ? 'token owner disabled'
            : null;
    if (refusal || !row || !user) {
      await this.audit.record({
        operation: 'auth.token',
        resourceType: 'api_token',
        resourceId: row?.id ?? null,
        decision: 'deny',
        reason: refusal ?? 'unknown token',
        metadata: row ? { ownerId: row.userId } : { prefix: token.slice(0, API_TOKEN_PREFIX.length + 4) },
      });
      throw new KernelError(
        'unauthenticated',
        `The API token was refused: ${refusal ?? 'unknown token'}. Create a new token and try again.`,
      );
    }
    const actor = await loadActor(knex, user, 'api_token', row.id, row.scopes);
    this.cache.set(
      `t:${tokenHash}`,
      { actor, csrfToken: null },
      row.expiresAt ? new Date(row.expiresAt) : null,
    );
    this.touch(row.id);
    return actor;
  }

  private touch(tokenId: string): void {
    const now = Date.now();
    if ((this.lastUsedWrites.get(tokenId) ?? 0) > now - LAST_USED_RESOLUTION_MS) return;
    this.lastUsedWrites.set(tokenId, now);
    ApiToken.query(this.db.knex)
      .findById(tokenId)
      .patch({ lastUsedAt: new Date(now) })
      .catch((error: unknown) => this.logger.warn({ err: error, tokenId }, 'could not record token use'));
  }
}

export const AUTHENTICATOR: InjectionToken<Authenticator> = Authenticator;
