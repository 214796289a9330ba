import { inject, injectable } from 'tsyringe';
import type { InjectionToken } from 'tsyringe';
import {
  AUDIT_LOG,
  AUTHORIZER,
  CLASSIFICATION_REGISTRY,
  currentActor,
  DATABASE,
  isPgError,
  KernelError,
  notFound,
  PG_UNIQUE_VIOLATION,
  WORKSPACE,
  type AuditLog,
  type Authorizer,
  type ClassificationRegistry,
  type Database,
} from '@cinatra/kernel';
import { keyIdOf, normalizePublicKeyPem, TRUST_TIERS, type TrustLookup, type TrustTier } from '@cinatra/sdk';
import { TRUST_CLASSIFICATIONS } from './trustClassifications.js';

export interface TrustedKeyView {
  keyId: string;
  publisher: string;
  tier: TrustTier;
  publicKeyPem: string;
  addedBy: string | null;
  addedAt: string;
  revokedAt: string | null;
  revokedBy: string | null;
  revokedReason: string | null;
}

export interface RevokedVersionView {
  name: string;
  version: string;
  reason: string;
  revokedBy: string | null;
  revokedAt: string;
}

export interface TrustListing {
  keys: TrustedKeyView[];
  revokedVersions: RevokedVersionView[];
}

export const PUBLISHER_PATTERN = '^[a-z0-9][a-z0-9_.-]{0,63}$';
export const PACKAGE_NAME_PATTERN = '^(@[a-z0-9-~][a-z0-9-._~]*/)?[a-z0-9-~][a-z0-9-._~]*$';
export const VERSION_PATTERN = '^\\d+\\.\\d+\\.\\d+(?:-[0-9A-Za-z.-]+)?(?:\\+[0-9A-Za-z.-]+)?$';
export const KEY_ID_PATTERN = '^sha256:[0-9a-f]{64}$';

interface KeyRow {
  keyId: string;
  publisher: string;
  tier: TrustTier;
  publicKeyPem: string;
  addedBy: string | null;
  addedAt: Date;
  revokedAt: Date | null;
  revokedBy: string | null;
  revokedReason: string | null;
}

interface VersionRow {
  name: string;
  version: string;
  reason: string;
  revokedBy: string | null;
  revokedAt: Date;
}

const KEYS = 'trustKeys';
const VERSIONS = 'trustRevokedVersions';
const KEY_RESOURCE = (id?: string) => ({ type: 'trust_key', id, owner: WORKSPACE });

const viewKey = (row: KeyRow): TrustedKeyView => ({
  keyId: row.keyId,
  publisher: row.publisher,
  tier: row.tier,
  publicKeyPem: row.publicKeyPem,
  addedBy: row.addedBy,
  addedAt: new Date(row.addedAt).toISOString(),
  revokedAt: row.revokedAt ? new Date(row.revokedAt).toISOString() : null,
  revokedBy: row.revokedBy,
  revokedReason: row.revokedReason,
});

const viewVersion = (row: VersionRow): RevokedVersionView => ({
  name: row.name,
  version: row.version,
  reason: row.reason,
  revokedBy: row.revokedBy,
  revokedAt: new Date(row.revokedAt).toISOString(),
});

/**
 * The instance trust store: which publisher keys may sign code that runs here, at which tier,
 * and what has been revoked. There is deliberately no switch that turns verification off:
 * an operator who runs private extensions adds their own key (tier `private`) and signs them.
 * Every change is authorized (platform admins only) and audited in the same transaction.
 */
@injectable()
export class TrustStore {
  constructor(
    @inject(DATABASE) private readonly db: Database,
    @inject(AUTHORIZER) private readonly authorizer: Authorizer,
    @inject(AUDIT_LOG) private readonly audit: AuditLog,
    @inject(CLASSIFICATION_REGISTRY) registry: ClassificationRegistry,
  ) {
    // Registered here so the rules exist wherever the store is reachable (server and CLI).
    registry.register(...TRUST_CLASSIFICATIONS);
  }

  async addKey(input: { publicKeyPem: string; publisher: string; tier: TrustTier }): Promise<TrustedKeyView> {
    const actor = currentActor();
    await this.authorizer.authorize(actor, 'add', KEY_RESOURCE());
    if (!new RegExp(PUBLISHER_PATTERN).test(input.publisher)) {
      throw invalid(
        '/publisher',
        'a publisher id is lower-case letters, digits, ".", "_" or "-" (as in the manifest)',
      );
    }
    if (!TRUST_TIERS.includes(input.tier)) {
      throw invalid('/tier', `the tier is one of ${TRUST_TIERS.join(', ')}`);
    }
    let publicKeyPem: string;
    try {
      publicKeyPem = normalizePublicKeyPem(input.publicKeyPem);
    } catch (error) {
      throw invalid('/publicKeyPem', (error as Error).message);
    }
    const keyId = keyIdOf(publicKeyPem);
    try {
      return await this.db.knex.transaction(async (trx) => {
        const [row] = (await trx(KEYS)
          .insert({
            keyId,
            publisher: input.publisher,
            tier: input.tier,
            publicKeyPem,
            addedBy: actor.principalId,
          })
          .returning('*')) as KeyRow[];
        await this.audit.recordInTransaction(trx, {
          operation: 'trust_key.added',
          resourceType: 'trust_key',
          resourceId: keyId,
          metadata: { publisher: input.publisher, tier: input.tier },
        });
        return viewKey(row!);
      });
    } catch (error) {
      if (isPgError(error, PG_UNIQUE_VIOLATION)) {
        throw new KernelError(
          'conflict',
          `Key ${keyId} is already in the trust store (revoked keys stay revoked).`,
        );
      }
      throw error;
    }
  }

  async revokeKey(keyId: string, reason: string): Promise<TrustedKeyView> {
    const actor = currentActor();
    await this.authorizer.authorize(actor, 'revoke', KEY_RESOURCE(keyId));
    return this.db.knex.transaction(async (trx) => {
      const existing = (await trx(KEYS).where({ keyId }).forUpdate().first()) as KeyRow | undefined;
      if (!existing) throw notFound('Trusted key', keyId);
      if (existing.revokedAt) return viewKey(existing);
      const [row] = (await trx(KEYS)
        .where({ keyId })
        .update({ revokedAt: trx.fn.now(), revokedBy: actor.principalId, revokedReason: reason })
        .returning('*')) as KeyRow[];
      await this.audit.recordInTransaction(trx, {
        operation: 'trust_key.revoked',
        resourceType: 'trust_key',
        resourceId: keyId,
        metadata: { publisher: existing.publisher, reason },
      });
      return viewKey(row!);
    });
  }

  async revokeVersion(name: string, version: string, reason: string): Promise<RevokedVersionView> {
    const actor = currentActor();
    await this.authorizer.authorize(actor, 'revoke', {
      type: 'extension_version',
      id: `${name}@${version}`,
      owner: WORKSPACE,
    });
    if (!new RegExp(PACKAGE_NAME_PATTERN).test(name)) throw invalid('/name', 'not an npm package name');
    if (!new RegExp(VERSION_PATTERN).test(version)) throw invalid('/version', 'not a semver version');
    return this.db.knex.transaction(async (trx) => {
      const inserted = (await trx(VERSIONS)
        .insert({ name, version, reason, revokedBy: actor.principalId })
        .onConflict(['name', 'version'])
        .ignore()
        .returning('*')) as VersionRow[];
      if (inserted.length === 0)
        return viewVersion((await trx(VERSIONS).where({ name, version }).first()) as VersionRow);
      await this.audit.recordInTransaction(trx, {
        operation: 'extension_version.revoked',
        resourceType: 'extension_version',
        resourceId: `${name}@${version}`,
        metadata: { name, version, reason },
      });
      return viewVersion(inserted[0]!);
    });
  }

  async list(): Promise<TrustListing> {
    await this.authorizer.authorize(currentActor(), 'list', KEY_RESOURCE());
    return this.snapshot();
  }

  /**
   * A snapshot for the verifier, read without an authorization check: verification is the
   * platform's own act (at install and at every load), not the caller's, and it only reads.
   */
  async lookup(): Promise<TrustLookup> {
    const { keys, revokedVersions } = await this.snapshot();
    const byId = new Map(keys.map((k) => [k.keyId, k]));
    const revoked = new Set(revokedVersions.map((v) => `${v.name}@${v.version}`));
    return {
      key(keyId) {
        const key = byId.get(keyId);
        return key
          ? {
              publicKeyPem: key.publicKeyPem,
              publisher: key.publisher,
              tier: key.tier,
              revoked: key.revokedAt !== null,
            }
          : null;
      },
      versionRevoked: (name, version) => revoked.has(`${name}@${version}`),
    };
  }

  private async snapshot(): Promise<TrustListing> {
    const [keys, versions] = await Promise.all([
      this.db
        .knex(KEYS)
        .select('*')
        .orderBy([{ column: 'publisher' }, { column: 'addedAt' }]) as Promise<KeyRow[]>,
      this.db
        .knex(VERSIONS)
        .select('*')
        .orderBy([{ column: 'name' }, { column: 'version' }]) as Promise<VersionRow[]>,
    ]);
    return { keys: keys.map(viewKey), revokedVersions: versions.map(viewVersion) };
  }
}

function invalid(path: string, message: string): KernelError {
  return new KernelError('validation_failed', `Invalid trust store input: ${message}.`, {
    errors: [{ path, message }],
  });
}

export const TRUST_STORE: InjectionToken<TrustStore> = TrustStore;
