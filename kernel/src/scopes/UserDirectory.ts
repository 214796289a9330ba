import { inject, injectable } from 'tsyringe';
import type { InjectionToken } from 'tsyringe';
import type { Knex } from 'knex';
import { AUDIT_LOG, type AuditLog } from '../audit/AuditLog.js';
import { currentActor, type PlatformRole } from '../authz/ActorContext.js';
import { AUTHORIZER, type Authorizer } from '../authz/Authorizer.js';
import { WORKSPACE } from '../authz/ResourceRef.js';
import { CREDENTIAL_CACHE, type CredentialCache } from '../auth/CredentialCache.js';
import { PASSWORD_HASHER, type PasswordHasher } from '../auth/PasswordHasher.js';
import { DATABASE, isPgError, PG_UNIQUE_VIOLATION, type Database } from '../database/Database.js';
import { KernelError, notFound } from '../errors/KernelError.js';
import { User, viewUser, type UserKind, type UserView } from '../models/User.js';

export interface CreateUserInput {
  email: string;
  displayName: string;
  /** Required for humans; service accounts authenticate with API tokens only. */
  password?: string;
  kind?: UserKind;
  platformRole?: PlatformRole;
}

export interface UpdateUserInput {
  displayName?: string;
  password?: string;
  platformRole?: PlatformRole;
  disabled?: boolean;
}

/** Users and service accounts of the instance. */
@injectable()
export class UserDirectory {
  constructor(
    @inject(DATABASE) private readonly db: Database,
    @inject(AUTHORIZER) private readonly authorizer: Authorizer,
    @inject(AUDIT_LOG) private readonly audit: AuditLog,
    @inject(PASSWORD_HASHER) private readonly hasher: PasswordHasher,
    @inject(CREDENTIAL_CACHE) private readonly cache: CredentialCache,
  ) {}

  async create(input: CreateUserInput): Promise<UserView> {
    await this.authorizer.authorize(currentActor(), 'create', { type: 'user', owner: WORKSPACE });
    return this.db.knex.transaction((trx) => this.insert(trx, input));
  }

  /** Inserts without an authorization check; callers (setup, `admin create`) decide. */
  async insert(trx: Knex.Transaction, input: CreateUserInput): Promise<UserView> {
    const kind = input.kind ?? 'human';
    if (kind === 'human' && !input.password) {
      throw new KernelError('validation_failed', 'A password is required for a human user.', {
        errors: [{ path: '/body/password', message: 'is required unless kind is service_account' }],
      });
    }
    if (kind === 'service_account' && input.password) {
      throw new KernelError('validation_failed', 'Service accounts sign in with API tokens, not passwords.', {
        errors: [{ path: '/body/password', message: 'must be absent for a service account' }],
      });
    }
    const passwordHash = input.password ? await this.hasher.hash(input.password) : null;
    let user: User;
    try {
      user = await User.query(trx).insertAndFetch({
        email: input.email.trim(),
        displayName: input.displayName.trim(),
        kind,
        platformRole: input.platformRole ?? 'member',
        passwordHash,
      });
    } catch (error) {
      if (isPgError(error, PG_UNIQUE_VIOLATION)) {
        throw new KernelError('conflict', `A user with the email ${input.email} already exists.`);
      }
      throw error;
    }
    await this.audit.recordInTransaction(trx, {
      operation: 'user.created',
      resourceType: 'user',
      resourceId: user.id,
      metadata: { email: user.email, kind, platformRole: user.platformRole },
    });
    return viewUser(user);
  }

  async list(): Promise<UserView[]> {
    await this.authorizer.authorize(currentActor(), 'list', { type: 'user', owner: WORKSPACE });
    const users = await User.query(this.db.knex).orderBy('createdAt');
    return users.map(viewUser);
  }

  async get(userId: string): Promise<UserView> {
    await this.authorizer.authorize(currentActor(), 'read', {
      type: 'user',
      id: userId,
      owner: { tier: 'user', userId },
    });
    const user = await User.query(this.db.knex).findById(userId);
    if (!user) throw notFound('User', userId);
    return viewUser(user);
  }

  async update(userId: string, input: UpdateUserInput): Promise<UserView> {
    const actor = currentActor();
    const resource = { type: 'user', id: userId, owner: { tier: 'user', userId } } as const;
    const privileged = input.platformRole !== undefined || input.disabled !== undefined;
    // Role and account status are the platform admin's call, even on one's own account.
    await this.authorizer.authorize(
      actor,
      privileged ? 'admin' : 'update',
      privileged ? { ...resource, owner: WORKSPACE } : resource,
    );
    const patch: Partial<User> = { updatedAt: new Date() };
    if (input.displayName !== undefined) patch.displayName = input.displayName.trim();
    if (input.password !== undefined) patch.passwordHash = await this.hasher.hash(input.password);
    if (input.platformRole !== undefined) patch.platformRole = input.platformRole;
    if (input.disabled !== undefined) patch.disabledAt = input.disabled ? new Date() : null;

    const updated = await this.db.knex.transaction(async (trx) => {
      const existing = await User.query(trx).findById(userId).forUpdate();
      if (!existing) throw notFound('User', userId);
      if (existing.platformRole === 'platform_admin' && (input.platformRole === 'member' || input.disabled)) {
        const admins = await User.query(trx)
          .where({ platformRole: 'platform_admin' })
          .whereNull('disabledAt')
          .resultSize();
        if (admins <= 1)
          throw new KernelError('conflict', 'This is the last platform admin; make another admin first.');
      }
      const user = await User.query(trx).patchAndFetchById(userId, patch);
      await this.audit.recordInTransaction(trx, {
        operation: 'user.updated',
        resourceType: 'user',
        resourceId: userId,
        metadata: {
          fields: Object.keys(input).filter((k) => input[k as keyof UpdateUserInput] !== undefined),
        },
      });
      if (input.password !== undefined || input.disabled) {
        // Sign out everywhere else; the session making the change stays.
        await trx('sessions')
          .where('userId', userId)
          .whereNot('id', actor.credentialId ?? '')
          .delete();
      }
      return user;
    });
    this.cache.clear();
    return viewUser(updated);
  }
}

export const USER_DIRECTORY: InjectionToken<UserDirectory> = UserDirectory;
