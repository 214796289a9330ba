import { inject, injectable } from 'tsyringe';
import type { InjectionToken } from 'tsyringe';
import { AUDIT_LOG, type AuditLog } from '../audit/AuditLog.js';
import { currentActor } from '../authz/ActorContext.js';
import { AUTHORIZER, type Authorizer } from '../authz/Authorizer.js';
import { DATABASE, type Database } from '../database/Database.js';
import { KernelError, notFound } from '../errors/KernelError.js';
import { ApiToken, viewApiToken, type ApiTokenView } from '../models/ApiToken.js';
import { User } from '../models/User.js';
import { API_TOKEN_PREFIX } from './Authenticator.js';
import { CREDENTIAL_CACHE, type CredentialCache } from './CredentialCache.js';
import { hashSecretToken, newSecretToken } from './secretToken.js';

export interface CreateApiTokenInput {
  userId: string;
  name: string;
  scopes: string[];
  expiresAt: Date | null;
}

/** API tokens for automation, MCP and A2A clients: shown once, stored hashed, owned by a user. */
@injectable()
export class ApiTokenService {
  constructor(
    @inject(DATABASE) private readonly db: Database,
    @inject(AUTHORIZER) private readonly authorizer: Authorizer,
    @inject(AUDIT_LOG) private readonly audit: AuditLog,
    @inject(CREDENTIAL_CACHE) private readonly cache: CredentialCache,
  ) {}

  /** Returns the token's secret once; only its hash is kept. */
  async create(input: CreateApiTokenInput): Promise<{ token: string; apiToken: ApiTokenView }> {
    const actor = currentActor();
    await this.authorizer.authorize(actor, 'create', {
      type: 'api_token',
      owner: { tier: 'user', userId: input.userId },
    });
    if (input.expiresAt && input.expiresAt.getTime() <= Date.now()) {
      throw new KernelError('validation_failed', 'The expiry must be in the future.', {
        errors: [{ path: '/body/expiresAt', message: 'must be a future date-time' }],
      });
    }
    const token = newSecretToken(API_TOKEN_PREFIX);
    const created = await this.db.knex.transaction(async (trx) => {
      const owner = await User.query(trx).findById(input.userId);
      if (!owner) throw notFound('User', input.userId);
      const row = await ApiToken.query(trx).insertAndFetch({
        userId: input.userId,
        name: input.name,
        tokenHash: hashSecretToken(token),
        tokenPrefix: token.slice(0, API_TOKEN_PREFIX.length + 6),
        scopes: input.scopes,
        expiresAt: input.expiresAt,
        createdBy: actor.principalType === 'system' ? null : actor.principalId,
      });
      await this.audit.recordInTransaction(trx, {
        operation: 'api_token.created',
        resourceType: 'api_token',
        resourceId: row.id,
        metadata: {
          ownerId: input.userId,
          name: input.name,
          scopes: input.scopes,
          expiresAt: input.expiresAt?.toISOString() ?? null,
        },
      });
      return row;
    });
    return { token, apiToken: viewApiToken(created) };
  }

  async list(userId: string): Promise<ApiTokenView[]> {
    await this.authorizer.authorize(currentActor(), 'list', {
      type: 'api_token',
      owner: { tier: 'user', userId },
    });
    const rows = await ApiToken.query(this.db.knex).where('userId', userId).orderBy('createdAt', 'desc');
    return rows.map(viewApiToken);
  }

  async revoke(tokenId: string): Promise<ApiTokenView> {
    const token = await ApiToken.query(this.db.knex).findById(tokenId);
    if (!token) throw notFound('API token', tokenId);
    await this.authorizer.authorize(currentActor(), 'revoke', {
      type: 'api_token',
      id: tokenId,
      owner: { tier: 'user', userId: token.userId },
    });
    const revoked = await this.db.knex.transaction(async (trx) => {
      const row = await ApiToken.query(trx).patchAndFetchById(tokenId, {
        revokedAt: token.revokedAt ?? new Date(),
      });
      if (!token.revokedAt) {
        await this.audit.recordInTransaction(trx, {
          operation: 'api_token.revoked',
          resourceType: 'api_token',
          resourceId: tokenId,
          metadata: { ownerId: token.userId },
        });
      }
      return row;
    });
    this.cache.clear();
    return viewApiToken(revoked);
  }
}

export const API_TOKEN_SERVICE: InjectionToken<ApiTokenService> = ApiTokenService;
