import { inject, injectable } from 'tsyringe';
import type { InjectionToken } from 'tsyringe';
import { AUDIT_LOG, type AuditLog } from '../audit/AuditLog.js';
import { currentActor, type ActorContext } from '../authz/ActorContext.js';
import { AUTHORIZER, type Authorizer } from '../authz/Authorizer.js';
import { scopeAllows } from '../authz/decide.js';
import { organizationIdOf, WORKSPACE, type Owner, type ResourceRef } from '../authz/ResourceRef.js';
import { DATABASE, isPgError, PG_UNIQUE_VIOLATION, type Database } from '../database/Database.js';
import { KernelError, notFound } from '../errors/KernelError.js';
import { MASTER_KEYRING, type MasterKeyring } from './MasterKeyring.js';
import type { MasterKey } from './MasterKey.js';
import { openSecret, sealSecret, type SecretBinding } from './secretCipher.js';

export type SecretOwnerTier = Owner['tier'];

/** Which scope a new secret belongs to; `id` names the user, team or organization (none for workspace). */
export interface SecretOwnerInput {
  tier: SecretOwnerTier;
  id?: string;
}

/** A secret as the API shows it: never its value. */
export interface SecretView {
  id: string;
  name: string;
  owner: Owner;
  /** Starts at 1; each value replacement adds one. */
  version: number;
  createdBy: string | null;
  createdAt: string;
  updatedAt: string;
}

/** Principals a secret can be granted to; an extension grantee is named by its package name. */
export type SecretGranteeType = 'user' | 'service_account' | 'extension';

export interface SecretGrantee {
  type: SecretGranteeType;
  id: string;
}

export interface SecretGrantView {
  secretId: string;
  granteeType: SecretGranteeType;
  granteeId: string;
  grantedBy: string | null;
  createdAt: string;
}

export interface RotationOptions {
  /** Rows re-encrypted per transaction. */
  batchSize?: number;
  /** Called after each committed batch with the running total. */
  onProgress?: (reencrypted: number, total: number) => void | Promise<void>;
}

/** Longest accepted value, in UTF-8 bytes. */
export const MAX_SECRET_BYTES = 64 * 1024;
export const SECRET_NAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$';

interface SecretRow {
  id: string;
  name: string;
  ownerTier: SecretOwnerTier | 'extension';
  ownerUserId: string | null;
  ownerTeamId: string | null;
  organizationId: string | null;
  ownerExtensionId: string | null;
  version: number;
  keyId: string;
  nonce: Buffer;
  ciphertext: Buffer;
  authTag: Buffer;
  createdBy: string | null;
  createdAt: Date;
  updatedAt: Date;
}

interface GrantRow {
  secretId: string;
  granteeType: SecretGranteeType;
  granteeId: string;
  grantedBy: string | null;
  createdAt: Date;
}

const TABLE = 'secrets';
const GRANTS = 'secretGrants';

/** Metadata columns: everything but the ciphertext, so listing never loads a value. */
const METADATA = [
  'id',
  'name',
  'ownerTier',
  'ownerUserId',
  'ownerTeamId',
  'organizationId',
  'ownerExtensionId',
  'version',
  'createdBy',
  'createdAt',
  'updatedAt',
] as const;

function ownerOf(
  row: Pick<SecretRow, 'ownerTier' | 'ownerUserId' | 'ownerTeamId' | 'organizationId'>,
): Owner {
  switch (row.ownerTier) {
    case 'user':
      return { tier: 'user', userId: row.ownerUserId! };
    case 'team':
      return { tier: 'team', teamId: row.ownerTeamId!, organizationId: row.organizationId! };
    case 'organization':
      return { tier: 'organization', organizationId: row.organizationId! };
    case 'workspace':
      return WORKSPACE;
    default:
      // Extension-owned secrets arrive with extensions; until then no such row is written.
      throw new KernelError('internal_error', `Secret owner tier "${row.ownerTier}" is not supported yet.`);
  }
}

/** The owner as bound into a ciphertext's additional data. */
function ownerKeyOf(
  row: Pick<SecretRow, 'ownerTier' | 'ownerUserId' | 'ownerTeamId' | 'organizationId' | 'ownerExtensionId'>,
): string {
  switch (row.ownerTier) {
    case 'user':
      return `user:${row.ownerUserId}`;
    case 'team':
      return `team:${row.ownerTeamId}`;
    case 'organization':
      return `organization:${row.organizationId}`;
    case 'workspace':
      return 'workspace';
    case 'extension':
      return `extension:${row.ownerExtensionId}`;
  }
}

const bindingOf = (row: SecretRow): SecretBinding => ({
  secretId: row.id,
  ownerKey: ownerKeyOf(row),
  version: row.version,
});

const view = (row: SecretRow): SecretView => ({
  id: row.id,
  name: row.name,
  owner: ownerOf(row),
  version: row.version,
  createdBy: row.createdBy,
  createdAt: new Date(row.createdAt).toISOString(),
  updatedAt: new Date(row.updatedAt).toISOString(),
});

const viewGrant = (row: GrantRow): SecretGrantView => ({
  secretId: row.secretId,
  granteeType: row.granteeType,
  granteeId: row.granteeId,
  grantedBy: row.grantedBy,
  createdAt: new Date(row.createdAt).toISOString(),
});

const refOf = (row: SecretRow): ResourceRef => ({ type: 'secret', id: row.id, owner: ownerOf(row) });

/** Who did it, as stored in `created_by` and `granted_by`. */
const actorId = (actor: ActorContext): string | null => actor.principalId;

/**
 * Credentials encrypted at rest. Metadata is managed by the roles of the owner scope
 * (authorized and audited like every kernel resource); the value leaves this class only
 * through `reveal`, which needs an explicit grant to the calling principal and audits
 * every attempt, allowed or denied.
 */
@injectable()
export class SecretStore {
  constructor(
    @inject(DATABASE) private readonly db: Database,
    @inject(AUTHORIZER) private readonly authorizer: Authorizer,
    @inject(AUDIT_LOG) private readonly audit: AuditLog,
    @inject(MASTER_KEYRING) private readonly keyring: MasterKeyring,
  ) {}

  async create(input: { name: string; owner: SecretOwnerInput; value: string }): Promise<SecretView> {
    const actor = currentActor();
    validateName(input.name);
    validateValue(input.value);
    const owner = await this.resolveOwner(input.owner);
    await this.authorizer.authorize(actor, 'create', { type: 'secret', owner });
    const key = this.keyring.current();
    const row = await this.db.knex.transaction(async (trx) => {
      // The id is chosen first because the ciphertext is bound to it.
      const { id } = (await trx.raw('SELECT gen_random_uuid() AS id')).rows[0] as { id: string };
      const columns = ownerColumns(owner);
      const sealed = sealSecret(key, input.value, {
        secretId: id,
        ownerKey: ownerKeyOf(columns),
        version: 1,
      });
      const [created] = (await uniquely(input.name, () =>
        trx(TABLE)
          .insert({ id, name: input.name, ...columns, version: 1, ...sealed, createdBy: actorId(actor) })
          .returning(METADATA),
      )) as SecretRow[];
      await this.audit.recordInTransaction(trx, {
        operation: 'secret.created',
        resourceType: 'secret',
        resourceId: id,
        organizationId: organizationIdOf(owner),
        metadata: { name: input.name, owner, keyId: key.id },
      });
      return created!;
    });
    return view(row);
  }

  /** Secrets whose owner scope the caller can read, optionally narrowed to one owner. */
  async list(filter: { owner?: SecretOwnerInput } = {}): Promise<SecretView[]> {
    const actor = currentActor();
    const owner = filter.owner ? await this.resolveOwner(filter.owner, '/querystring/ownerId') : WORKSPACE;
    await this.authorizer.authorize(actor, 'list', { type: 'secret', owner });
    const query = this.db
      .knex(TABLE)
      .select(METADATA)
      .orderBy([{ column: 'name' }, { column: 'id' }]);
    if (filter.owner) query.where(ownerColumns(owner));
    if (actor.principalType !== 'system' && actor.platformRole !== 'platform_admin') {
      const orgIds = actor.organizations.map((o) => o.id);
      const adminOrgIds = actor.organizations
        .filter((o) => o.role === 'org_owner' || o.role === 'org_admin')
        .map((o) => o.id);
      const teamIds = actor.teams.map((t) => t.id);
      query.where((visible) =>
        visible
          .where('ownerTier', 'workspace')
          .orWhere((q) => q.where('ownerTier', 'user').where('ownerUserId', actor.principalId ?? ''))
          .orWhere((q) => q.where('ownerTier', 'organization').whereIn('organizationId', orgIds))
          .orWhere((q) =>
            q
              .where('ownerTier', 'team')
              .where((t) => t.whereIn('ownerTeamId', teamIds).orWhereIn('organizationId', adminOrgIds)),
          ),
      );
    }
    return ((await query) as SecretRow[]).map(view);
  }

  async get(secretId: string): Promise<SecretView> {
    const row = await this.find(secretId);
    await this.authorizer.authorize(currentActor(), 'read', refOf(row));
    return view(row);
  }

  /** Replaces the value; the version goes up by one and the old ciphertext is gone. */
  async replaceValue(secretId: string, value: string): Promise<SecretView> {
    validateValue(value);
    const row = await this.find(secretId);
    await this.authorizer.authorize(currentActor(), 'update', refOf(row));
    const key = this.keyring.current();
    const updated = await this.db.knex.transaction(async (trx) => {
      const locked = (await trx(TABLE).where('id', row.id).forUpdate().first(METADATA)) as
        SecretRow | undefined;
      if (!locked) throw notFound('Secret', secretId);
      const version = locked.version + 1;
      const sealed = sealSecret(key, value, { secretId: locked.id, ownerKey: ownerKeyOf(locked), version });
      const [next] = (await trx(TABLE)
        .where('id', locked.id)
        .update({ ...sealed, version, updatedAt: trx.fn.now() })
        .returning(METADATA)) as SecretRow[];
      await this.audit.recordInTransaction(trx, {
        operation: 'secret.value_replaced',
        resourceType: 'secret',
        resourceId: locked.id,
        organizationId: locked.organizationId,
        metadata: { name: locked.name, version, keyId: key.id },
      });
      return next!;
    });
    return view(updated);
  }

  async delete(secretId: string): Promise<void> {
    const row = await this.find(secretId);
    await this.authorizer.authorize(currentActor(), 'delete', refOf(row));
    await this.db.knex.transaction(async (trx) => {
      const removed = await trx(TABLE).where('id', row.id).delete();
      if (removed === 0) throw notFound('Secret', secretId);
      await this.audit.recordInTransaction(trx, {
        operation: 'secret.deleted',
        resourceType: 'secret',
        resourceId: row.id,
        organizationId: row.organizationId,
        metadata: { name: row.name, owner: ownerOf(row) },
      });
    });
  }

  async listGrants(secretId: string): Promise<SecretGrantView[]> {
    const row = await this.find(secretId);
    await this.authorizer.authorize(currentActor(), 'list_grants', refOf(row));
    const grants = (await this.db
      .knex(GRANTS)
      .where('secretId', row.id)
      .orderBy([{ column: 'createdAt' }, { column: 'granteeId' }])) as GrantRow[];
    return grants.map(viewGrant);
  }

  /** Lets `grantee` reveal the secret. Granting again is harmless and returns the existing grant. */
  async grant(secretId: string, grantee: SecretGrantee): Promise<SecretGrantView> {
    const actor = currentActor();
    const row = await this.find(secretId);
    await this.authorizer.authorize(actor, 'grant', refOf(row));
    await this.assertPrincipal(grantee);
    const grant = await this.db.knex.transaction(async (trx) => {
      const [inserted] = (await trx(GRANTS)
        .insert({
          secretId: row.id,
          granteeType: grantee.type,
          granteeId: grantee.id,
          grantedBy: actorId(actor),
        })
        .onConflict(['secretId', 'granteeType', 'granteeId'])
        .ignore()
        .returning('*')) as GrantRow[];
      if (!inserted) {
        return (await trx(GRANTS)
          .where({ secretId: row.id, granteeType: grantee.type, granteeId: grantee.id })
          .first()) as GrantRow;
      }
      await this.audit.recordInTransaction(trx, {
        operation: 'secret.grant_added',
        resourceType: 'secret',
        resourceId: row.id,
        organizationId: row.organizationId,
        metadata: { name: row.name, granteeType: grantee.type, granteeId: grantee.id },
      });
      return inserted;
    });
    return viewGrant(grant);
  }

  async revoke(secretId: string, grantee: SecretGrantee): Promise<void> {
    const row = await this.find(secretId);
    await this.authorizer.authorize(currentActor(), 'grant', refOf(row));
    await this.db.knex.transaction(async (trx) => {
      const removed = await trx(GRANTS)
        .where({ secretId: row.id, granteeType: grantee.type, granteeId: grantee.id })
        .delete();
      if (removed === 0) throw notFound('Grant to', `${grantee.type} ${grantee.id}`);
      await this.audit.recordInTransaction(trx, {
        operation: 'secret.grant_removed',
        resourceType: 'secret',
        resourceId: row.id,
        organizationId: row.organizationId,
        metadata: { name: row.name, granteeType: grantee.type, granteeId: grantee.id },
      });
    });
  }

  /**
   * The plaintext, for kernel consumers (connectors, extensions) acting for a principal.
   * Only an explicit grant to `currentActor()` allows it: owning or administering the
   * secret does not. Every attempt is audited, and an allowed value is returned only once
   * its audit event is durable.
   */
  async reveal(secretId: string): Promise<string> {
    const actor = currentActor();
    const row = (await this.db.knex(TABLE).where('id', secretId).first()) as SecretRow | undefined;
    const record = (decision: 'allow' | 'deny', reason: string) =>
      this.audit.record({
        operation: 'secret.reveal',
        resourceType: 'secret',
        resourceId: secretId,
        organizationId: row?.organizationId ?? null,
        decision,
        reason,
        metadata: row ? { name: row.name, version: row.version } : {},
      });
    if (!row) {
      await record('deny', 'no such secret');
      throw notFound('Secret', secretId);
    }
    const denial = await this.revealDenial(actor, row.id);
    if (denial) {
      await record('deny', denial);
      throw new KernelError('forbidden', `You may not reveal this secret: ${denial}.`);
    }
    let value: string;
    try {
      value = this.decrypt(row);
    } catch (error) {
      await record('deny', 'decryption failed');
      throw error;
    }
    await record('allow', 'grant');
    return value;
  }

  /**
   * Re-encrypts every row not yet under `newKey`, a batch per transaction. New writes use
   * `newKey` from the start, so the work shrinks monotonically; rows already under it are
   * skipped, so an interrupted rotation is finished by running it again. Older keys are
   * forgotten once no row needs them. Returns how many rows were re-encrypted.
   */
  async rotateMasterKey(newKey: MasterKey, options: RotationOptions = {}): Promise<number> {
    const actor = currentActor();
    await this.authorizer.authorize(actor, 'rotate_key', { type: 'secret', owner: WORKSPACE });
    const batchSize = options.batchSize ?? 100;
    const previousKeyIds = this.keyring.knownKeyIds().filter((id) => id !== newKey.id);
    this.keyring.adopt(newKey);
    const { count } = (await this.db
      .knex(TABLE)
      .whereNot('keyId', newKey.id)
      .count('* as count')
      .first()) as {
      count: string | number;
    };
    const total = Number(count);
    let reencrypted = 0;
    for (;;) {
      const done = await this.db.knex.transaction(async (trx) => {
        const rows = (await trx(TABLE)
          .whereNot('keyId', newKey.id)
          .orderBy('id')
          .limit(batchSize)
          .forUpdate()) as SecretRow[];
        for (const row of rows) {
          const sealed = sealSecret(newKey, this.decrypt(row), bindingOf(row));
          await trx(TABLE).where('id', row.id).update(sealed);
        }
        return rows.length;
      });
      if (done === 0) break;
      reencrypted += done;
      await options.onProgress?.(reencrypted, Math.max(total, reencrypted));
    }
    this.keyring.retireOlderKeys();
    await this.audit.record({
      operation: 'secret.master_key_rotated',
      resourceType: 'secret',
      metadata: { toKeyId: newKey.id, fromKeyIds: previousKeyIds, reencrypted },
    });
    return reencrypted;
  }

  /** Ids of the master keys rows are encrypted under, with their row counts. */
  async keyUsage(): Promise<Array<{ keyId: string; secrets: number }>> {
    const rows = (await this.db.knex(TABLE).select('keyId').count('* as secrets').groupBy('keyId')) as Array<{
      keyId: string;
      secrets: string | number;
    }>;
    return rows.map((r) => ({ keyId: r.keyId, secrets: Number(r.secrets) }));
  }

  private decrypt(row: SecretRow): string {
    const key = this.keyring.find(row.keyId);
    if (!key) {
      throw new KernelError(
        'internal_error',
        `Secret ${row.id} is encrypted under master key ${row.keyId}, which this instance does not have: restore the key it was written with (CINATRA_SECRETS_MASTER_KEY or <dataDir>/secrets/master.key).`,
      );
    }
    try {
      return openSecret(key, row, bindingOf(row));
    } catch {
      throw new KernelError(
        'internal_error',
        `Secret ${row.id} failed its integrity check: the stored ciphertext, nonce or tag was altered, or it was copied from another secret.`,
      );
    }
  }

  /** Why `actor` may not reveal the secret, or null when an explicit grant allows it. */
  private async revealDenial(actor: ActorContext, secretId: string): Promise<string | null> {
    if (
      actor.principalId === null ||
      (actor.principalType !== 'user' &&
        actor.principalType !== 'service_account' &&
        actor.principalType !== 'extension')
    ) {
      return 'only a user, service account or extension holding a grant may reveal a secret';
    }
    if (actor.tokenScopes !== null && !scopeAllows(actor.tokenScopes, 'secret', 'read')) {
      return 'token scopes lack secret:read';
    }
    const grant = await this.db
      .knex(GRANTS)
      .where({ secretId, granteeType: actor.principalType, granteeId: actor.principalId })
      .first('secretId');
    return grant ? null : 'no grant to this principal';
  }

  private async find(secretId: string): Promise<SecretRow> {
    const row = (await this.db.knex(TABLE).where('id', secretId).first(METADATA)) as SecretRow | undefined;
    if (!row) throw notFound('Secret', secretId);
    return row;
  }

  private async resolveOwner(input: SecretOwnerInput, path = '/body/owner'): Promise<Owner> {
    const knex = this.db.knex;
    if (input.tier === 'workspace') {
      if (input.id !== undefined) throw invalidOwner(path, 'a workspace secret takes no owner id');
      return WORKSPACE;
    }
    if (input.id === undefined)
      throw invalidOwner(path, `a ${input.tier} secret needs the ${input.tier}'s id`);
    if (!UUID.test(input.id)) throw invalidOwner(path, 'the owner id must be a UUID');
    switch (input.tier) {
      case 'user':
        if (!(await knex('users').where('id', input.id).first('id'))) throw notFound('User', input.id);
        return { tier: 'user', userId: input.id };
      case 'organization':
        if (!(await knex('organizations').where('id', input.id).first('id'))) {
          throw notFound('Organization', input.id);
        }
        return { tier: 'organization', organizationId: input.id };
      case 'team': {
        const team = (await knex('teams').where('id', input.id).first('id', 'organizationId')) as
          { id: string; organizationId: string } | undefined;
        if (!team) throw notFound('Team', input.id);
        return { tier: 'team', teamId: team.id, organizationId: team.organizationId };
      }
      default:
        throw invalidOwner(path, 'the owner tier must be user, team, organization or workspace');
    }
  }

  private async assertPrincipal(grantee: SecretGrantee): Promise<void> {
    // Extensions are installed by the host, not the kernel: the grantee is a package name,
    // which the extension manager checks before it grants.
    if (grantee.type === 'extension') {
      if (!EXTENSION_NAME.test(grantee.id)) throw notFound('Extension', grantee.id);
      return;
    }
    if (!UUID.test(grantee.id)) throw notFound('Principal', grantee.id);
    const user = (await this.db.knex('users').where('id', grantee.id).first('kind')) as
      { kind: string } | undefined;
    const kind = grantee.type === 'service_account' ? 'service_account' : 'human';
    if (!user || user.kind !== kind)
      throw notFound(grantee.type === 'user' ? 'User' : 'Service account', grantee.id);
  }
}

export const SECRET_STORE: InjectionToken<SecretStore> = SecretStore;

const EXTENSION_NAME = /^(@[a-z0-9-~][a-z0-9-._~]*\/)?[a-z0-9-~][a-z0-9-._~]*$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function ownerColumns(
  owner: Owner,
): Pick<SecretRow, 'ownerTier' | 'ownerUserId' | 'ownerTeamId' | 'organizationId' | 'ownerExtensionId'> {
  return {
    ownerTier: owner.tier,
    ownerUserId: owner.tier === 'user' ? owner.userId : null,
    ownerTeamId: owner.tier === 'team' ? owner.teamId : null,
    organizationId: organizationIdOf(owner),
    ownerExtensionId: null,
  };
}

function invalidOwner(path: string, message: string): KernelError {
  return new KernelError('validation_failed', `Invalid secret owner: ${message}.`, {
    errors: [{ path, message }],
  });
}

function validateName(name: string): void {
  if (!new RegExp(SECRET_NAME_PATTERN).test(name)) {
    const message =
      'must be 1 to 128 letters, digits, dots, dashes or underscores, starting with a letter or digit';
    throw new KernelError('validation_failed', `Invalid secret name: it ${message}.`, {
      errors: [{ path: '/body/name', message }],
    });
  }
}

function validateValue(value: string): void {
  const bytes = Buffer.byteLength(value, 'utf8');
  if (bytes === 0 || bytes > MAX_SECRET_BYTES) {
    const message = `must be 1 to ${MAX_SECRET_BYTES} bytes of UTF-8`;
    throw new KernelError('validation_failed', `Invalid secret value: it ${message}.`, {
      errors: [{ path: '/body/value', message }],
    });
  }
}

async function uniquely<T>(name: string, insert: () => Promise<T>): Promise<T> {
  try {
    return await insert();
  } catch (error) {
    if (isPgError(error, PG_UNIQUE_VIOLATION)) {
      throw new KernelError('conflict', `A secret named "${name}" already exists for this owner.`);
    }
    throw error;
  }
}
