import { inject, injectable } from 'tsyringe';
import type { InjectionToken } from 'tsyringe';
import semver from 'semver';
import {
  AUDIT_LOG,
  AUTHORIZER,
  currentActor,
  DATABASE,
  isPgError,
  KernelError,
  LOGGER,
  PG_UNIQUE_VIOLATION,
  SECRET_STORE,
  WORKSPACE,
  type AuditLog,
  type Authorizer,
  type Database,
  type Logger,
  type SecretStore,
} from '@cinatra/kernel';
import {
  PackageVerificationError,
  PublishError,
  publishPackage,
  verifyPackageTarball,
  type TrustLookup,
  type TrustTier,
} from '@cinatra/sdk';
import { EMBEDDED_REGISTRY, type EmbeddedRegistry } from './EmbeddedRegistry.js';
import { fetchPackage, type FetchedPackage } from './fetchPackage.js';
import { RegistryClient, type Packument, type PackumentVersion } from './RegistryClient.js';
import { RegistryError } from './RegistryError.js';
import { REGISTRY_DESTINATION, REGISTRY_PACKAGE } from './registryClassifications.js';

/** Where the catalogue gets publisher tiers and revocations from (the host's trust store). */
export interface TrustSource {
  lookup(): Promise<TrustLookup>;
}
export const TRUST_SOURCE: InjectionToken<TrustSource> = Symbol.for('cinatra.registry.TrustSource');

export type SignatureStatus = 'verified' | 'unsigned' | 'untrusted' | 'revoked' | 'invalid' | 'unavailable';

export interface CatalogueEntry {
  name: string;
  /** `instance`: this instance's registry (private to it); `public`: the public destination. */
  source: 'instance' | 'public';
  visibility: 'private' | 'public';
  description: string | null;
  displayName: string | null;
  kinds: string[];
  latest: string;
  versions: string[];
  /** The publisher the latest version's manifest names (the signing key's when verified). */
  publisher: string | null;
  tier: TrustTier | null;
  signature: { status: SignatureStatus; keyId: string | null; detail: string | null };
  /** What the latest version asks for, from its manifest (shown for consent). */
  permissions: string[];
  /** Versions of an instance package already promoted to the public destination. */
  promotedVersions: string[];
}

export interface PublicDestinationView {
  url: string;
  tokenSecretId: string | null;
  updatedBy: string | null;
  updatedAt: string;
}

export interface PromotionView {
  name: string;
  version: string;
  destinationUrl: string;
  integrity: string;
  promotedBy: string | null;
  promotedAt: string;
}

interface DestinationRow {
  kind: 'public';
  url: string;
  tokenSecretId: string | null;
  updatedBy: string | null;
  updatedAt: Date;
}

interface PromotionRow {
  name: string;
  version: string;
  destinationUrl: string;
  integrity: string;
  promotedBy: string | null;
  promotedAt: Date;
}

const DESTINATIONS = 'registryDestinations';
const PROMOTIONS = 'registryPromotions';
/** Tarballs kept for signature checks in the catalogue (versions are immutable, so by integrity). */
const TARBALL_CACHE_ENTRIES = 200;

const viewPromotion = (row: PromotionRow): PromotionView => ({
  name: row.name,
  version: row.version,
  destinationUrl: row.destinationUrl,
  integrity: row.integrity,
  promotedBy: row.promotedBy,
  promotedAt: new Date(row.promotedAt).toISOString(),
});

/**
 * The marketplace over the instance registry and the public destination: catalogue (search,
 * list, get with signature status, tier and requested permissions), the public destination
 * setting, and one-way promotion. Private packages never leave the instance registry except
 * through `promote`, which an admin asks for per version, which is audited, and which
 * re-publishes the exact bytes and bundle after verifying them.
 */
@injectable()
export class RegistryService {
  private readonly tarballs = new Map<string, Buffer>();

  constructor(
    @inject(DATABASE) private readonly db: Database,
    @inject(AUTHORIZER) private readonly authorizer: Authorizer,
    @inject(AUDIT_LOG) private readonly audit: AuditLog,
    @inject(SECRET_STORE) private readonly secrets: SecretStore,
    @inject(EMBEDDED_REGISTRY) private readonly registry: EmbeddedRegistry,
    @inject(TRUST_SOURCE) private readonly trust: TrustSource,
    @inject(LOGGER) private readonly logger: Logger,
  ) {}

  // ── catalogue ──────────────────────────────────────────────────────────────────────────

  /** Packages matching `query` (npm search semantics) in both registries. */
  async search(query: string): Promise<CatalogueEntry[]> {
    await this.authorizer.authorize(currentActor(), 'list', { type: REGISTRY_PACKAGE, owner: WORKSPACE });
    return this.catalogue(query);
  }

  async list(): Promise<CatalogueEntry[]> {
    await this.authorizer.authorize(currentActor(), 'list', { type: REGISTRY_PACKAGE, owner: WORKSPACE });
    return this.catalogue('');
  }

  /** One package from each registry that has it (instance first). */
  async get(name: string): Promise<CatalogueEntry[]> {
    await this.authorizer.authorize(currentActor(), 'list', {
      type: REGISTRY_PACKAGE,
      id: name,
      owner: WORKSPACE,
    });
    const trust = await this.trust.lookup();
    const entries: CatalogueEntry[] = [];
    for (const source of await this.sources()) {
      const packument = await source.client.packument(name);
      if (packument) entries.push(await this.entry(source, packument, trust));
    }
    if (entries.length === 0)
      throw new KernelError('not_found', `No registry visible to this instance has ${name}.`);
    return entries;
  }

  private async catalogue(query: string): Promise<CatalogueEntry[]> {
    const trust = await this.trust.lookup();
    const entries: CatalogueEntry[] = [];
    for (const source of await this.sources()) {
      const hits = await source.client.search(query).catch((error: unknown) => {
        throw asKernelError(error, `the ${source.kind} registry`);
      });
      for (const hit of hits) {
        const packument = await source.client.packument(hit.name);
        if (packument) entries.push(await this.entry(source, packument, trust));
      }
    }
    return entries.sort((a, b) => a.name.localeCompare(b.name) || a.source.localeCompare(b.source));
  }

  private async sources(): Promise<Array<{ kind: 'instance' | 'public'; client: RegistryClient }>> {
    const instance = this.registry.endpoint();
    const sources: Array<{ kind: 'instance' | 'public'; client: RegistryClient }> = [
      { kind: 'instance', client: new RegistryClient(instance.url, instance.token) },
    ];
    const destination = await this.destinationRow();
    if (destination) {
      sources.push({
        kind: 'public',
        client: new RegistryClient(destination.url, await this.revealToken(destination)),
      });
    }
    return sources;
  }

  private async entry(
    source: { kind: 'instance' | 'public'; client: RegistryClient },
    packument: Packument,
    trust: TrustLookup,
  ): Promise<CatalogueEntry> {
    const versions = Object.keys(packument.versions).sort(semver.compare);
    const latest = packument['dist-tags']?.latest ?? versions.at(-1)!;
    const manifest: Partial<PackumentVersion> = packument.versions[latest] ?? {};
    const cinatra: NonNullable<PackumentVersion['cinatra']> =
      typeof manifest.cinatra === 'object' && manifest.cinatra ? manifest.cinatra : {};
    const signature = await this.signatureOf(source.client, packument.name, latest, trust);
    const promotedVersions =
      source.kind === 'instance'
        ? ((await this.db.knex(PROMOTIONS).where({ name: packument.name }).pluck('version')) as string[])
        : [];
    return {
      name: packument.name,
      source: source.kind,
      visibility: source.kind === 'instance' ? 'private' : 'public',
      description: typeof manifest.description === 'string' ? manifest.description : null,
      displayName: typeof cinatra.displayName === 'string' ? cinatra.displayName : null,
      kinds: Array.isArray(cinatra.kinds) ? cinatra.kinds.filter((k) => typeof k === 'string') : [],
      latest,
      versions,
      publisher: signature.publisher ?? (typeof cinatra.publisher === 'string' ? cinatra.publisher : null),
      tier: signature.tier,
      signature: { status: signature.status, keyId: signature.keyId, detail: signature.detail },
      permissions: Array.isArray(cinatra.permissions)
        ? cinatra.permissions.filter((p) => typeof p === 'string')
        : [],
      promotedVersions: promotedVersions.sort(semver.compare),
    };
  }

  /**
   * Verifies the version's tarball against its bundle and the trust store, as install would.
   * The bytes are cached by integrity (published versions never change); the verification
   * itself runs every time, so a revocation shows at once.
   */
  private async signatureOf(
    client: RegistryClient,
    name: string,
    version: string,
    trust: TrustLookup,
  ): Promise<{
    status: SignatureStatus;
    keyId: string | null;
    detail: string | null;
    publisher: string | null;
    tier: TrustTier | null;
  }> {
    let fetched: FetchedPackage;
    try {
      fetched = await this.fetchCached(client, name, version);
    } catch (error) {
      return {
        status: 'unavailable',
        keyId: null,
        detail: (error as Error).message,
        publisher: null,
        tier: null,
      };
    }
    if (!fetched.bundle)
      return { status: 'unsigned', keyId: null, detail: null, publisher: null, tier: null };
    try {
      const verified = await verifyPackageTarball(fetched.tarball, fetched.bundle, trust);
      return {
        status: 'verified',
        keyId: verified.keyId,
        detail: null,
        publisher: verified.publisher,
        tier: verified.tier,
      };
    } catch (error) {
      if (!(error instanceof PackageVerificationError)) throw error;
      const keyId = keyHintOf(fetched.bundle);
      const key = keyId ? trust.key(keyId) : null;
      const status: SignatureStatus =
        error.code === 'unknown_key'
          ? 'untrusted'
          : error.code === 'key_revoked' || error.code === 'version_revoked'
            ? 'revoked'
            : 'invalid';
      return {
        status,
        keyId,
        detail: `${error.code}: ${error.message}`,
        publisher: key?.publisher ?? null,
        tier: key?.tier ?? null,
      };
    }
  }

  private async fetchCached(client: RegistryClient, name: string, version: string): Promise<FetchedPackage> {
    const packument = await client.packument(name);
    const integrity = packument?.versions[version]?.dist?.integrity;
    const cached = integrity ? this.tarballs.get(integrity) : undefined;
    if (cached && packument) {
      const manifest = packument.versions[version]!;
      return {
        name,
        version,
        tarball: cached,
        bundle: (manifest.cinatraBundle ?? null) as FetchedPackage['bundle'],
        integrity: integrity!,
        manifest,
      };
    }
    const fetched = await fetchPackage(client.url, name, version, client.token);
    this.tarballs.set(fetched.integrity, fetched.tarball);
    if (this.tarballs.size > TARBALL_CACHE_ENTRIES) this.tarballs.delete(this.tarballs.keys().next().value!);
    return fetched;
  }

  // ── public destination ─────────────────────────────────────────────────────────────────

  async destination(): Promise<PublicDestinationView | null> {
    await this.authorizer.authorize(currentActor(), 'read', { type: REGISTRY_DESTINATION, owner: WORKSPACE });
    const row = await this.destinationRow();
    return row ? viewDestination(row) : null;
  }

  /**
   * Points the instance at a public registry. The token is a workspace secret (by id); its
   * value is revealed at each use by the acting admin, who therefore needs a grant to it.
   */
  async setDestination(input: { url: string; tokenSecretId: string | null }): Promise<PublicDestinationView> {
    const actor = currentActor();
    await this.authorizer.authorize(actor, 'configure', {
      type: REGISTRY_DESTINATION,
      id: 'public',
      owner: WORKSPACE,
    });
    let url: URL;
    try {
      url = new URL(input.url);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http(s)');
    } catch {
      throw invalid('/body/url', 'must be an http(s) URL of an npm registry');
    }
    const normalized = url.href.endsWith('/') ? url.href : `${url.href}/`;
    if (normalized === this.registry.endpoint().url) {
      throw invalid(
        '/body/url',
        'is the instance registry itself; the public destination is another registry',
      );
    }
    if (input.tokenSecretId) {
      const secret = await this.db.knex('secrets').where({ id: input.tokenSecretId }).first('ownerTier');
      if (!secret) throw invalid('/body/tokenSecretId', 'names no secret');
      if (secret.ownerTier !== 'workspace')
        throw invalid('/body/tokenSecretId', 'must be a workspace secret');
    }
    return this.db.knex.transaction(async (trx) => {
      const [row] = (await trx(DESTINATIONS)
        .insert({
          kind: 'public',
          url: normalized,
          tokenSecretId: input.tokenSecretId,
          updatedBy: actor.principalId,
        })
        .onConflict('kind')
        .merge({
          url: normalized,
          tokenSecretId: input.tokenSecretId,
          updatedBy: actor.principalId,
          updatedAt: trx.fn.now(),
        })
        .returning('*')) as DestinationRow[];
      await this.audit.recordInTransaction(trx, {
        operation: 'registry_destination.configured',
        resourceType: REGISTRY_DESTINATION,
        resourceId: 'public',
        metadata: { url: normalized, tokenSecretId: input.tokenSecretId },
      });
      return viewDestination(row!);
    });
  }

  async clearDestination(): Promise<void> {
    await this.authorizer.authorize(currentActor(), 'configure', {
      type: REGISTRY_DESTINATION,
      id: 'public',
      owner: WORKSPACE,
    });
    await this.db.knex.transaction(async (trx) => {
      const deleted = await trx(DESTINATIONS).where({ kind: 'public' }).delete();
      if (deleted > 0) {
        await this.audit.recordInTransaction(trx, {
          operation: 'registry_destination.cleared',
          resourceType: REGISTRY_DESTINATION,
          resourceId: 'public',
        });
      }
    });
  }

  // ── promotion ──────────────────────────────────────────────────────────────────────────

  /**
   * Private → public, one version at a time: re-fetch the exact bytes and bundle from the
   * instance registry (integrity checked), verify the signature against the trust store,
   * publish them unchanged to the public destination, record the promotion and audit it.
   */
  async promote(name: string, version: string): Promise<PromotionView> {
    const actor = currentActor();
    await this.authorizer.authorize(actor, 'promote', {
      type: REGISTRY_PACKAGE,
      id: `${name}@${version}`,
      owner: WORKSPACE,
    });
    if (!semver.valid(version))
      throw invalid('/params/version', 'must be an exact version: ranges are not promoted');
    const destination = await this.destinationRow();
    if (!destination) {
      throw new KernelError(
        'conflict',
        'No public registry is configured: set one under Administration → registries first.',
      );
    }
    const existing = await this.db
      .knex(PROMOTIONS)
      .where({ name, version, destinationUrl: destination.url })
      .first();
    if (existing)
      throw new KernelError('conflict', `${name}@${version} is already public at ${destination.url}.`);
    const instance = this.registry.endpoint();
    let fetched: FetchedPackage;
    try {
      fetched = await fetchPackage(instance.url, name, version, instance.token);
    } catch (error) {
      throw asKernelError(error, 'the instance registry');
    }
    if (!fetched.bundle) {
      throw new KernelError(
        'conflict',
        `${name}@${version} is unsigned: only signed packages can be made public.`,
      );
    }
    try {
      await verifyPackageTarball(fetched.tarball, fetched.bundle, await this.trust.lookup());
    } catch (error) {
      if (error instanceof PackageVerificationError) {
        throw new KernelError(
          'conflict',
          `${name}@${version} fails verification (${error.code}): ${error.message}`,
        );
      }
      throw error;
    }
    const token = await this.revealToken(destination);
    if (!token) throw new KernelError('conflict', 'The public registry has no token secret configured.');
    try {
      await publishPackage({
        registryUrl: destination.url,
        token,
        tarball: fetched.tarball,
        bundle: fetched.bundle,
      });
    } catch (error) {
      if (error instanceof PublishError) {
        throw new KernelError(
          error.code === 'version_exists' ? 'conflict' : 'forbidden',
          `The public registry refused ${name}@${version}: ${error.message}`,
        );
      }
      throw error;
    }
    try {
      return await this.db.knex.transaction(async (trx) => {
        const [row] = (await trx(PROMOTIONS)
          .insert({
            name,
            version,
            destinationUrl: destination.url,
            integrity: fetched.integrity,
            promotedBy: actor.principalId,
          })
          .returning('*')) as PromotionRow[];
        await this.audit.recordInTransaction(trx, {
          operation: 'registry_package.promoted',
          resourceType: REGISTRY_PACKAGE,
          resourceId: `${name}@${version}`,
          metadata: { name, version, integrity: fetched.integrity, destination: destination.url },
        });
        return viewPromotion(row!);
      });
    } catch (error) {
      if (isPgError(error, PG_UNIQUE_VIOLATION)) {
        throw new KernelError('conflict', `${name}@${version} is already public at ${destination.url}.`);
      }
      throw error;
    }
  }

  /** Public → private: always refused (and audited), since a public version may already be installed elsewhere. */
  async demote(name: string, version: string): Promise<never> {
    const actor = currentActor();
    await this.authorizer.authorize(actor, 'demote', {
      type: REGISTRY_PACKAGE,
      id: `${name}@${version}`,
      owner: WORKSPACE,
    });
    await this.audit.record({
      operation: 'registry_package.demote',
      resourceType: REGISTRY_PACKAGE,
      resourceId: `${name}@${version}`,
      decision: 'deny',
      reason: 'promotion is one-way',
      metadata: { name, version },
    });
    throw new KernelError(
      'conflict',
      `${name}@${version} cannot be made private again: promotion is one-way (other instances may already have installed it). Revoke the version in the trust store to stop it from loading.`,
    );
  }

  async promotions(): Promise<PromotionView[]> {
    await this.authorizer.authorize(currentActor(), 'list', { type: REGISTRY_PACKAGE, owner: WORKSPACE });
    const rows = (await this.db.knex(PROMOTIONS).orderBy('promotedAt', 'desc')) as PromotionRow[];
    return rows.map(viewPromotion);
  }

  private async destinationRow(): Promise<DestinationRow | null> {
    return (
      ((await this.db.knex(DESTINATIONS).where({ kind: 'public' }).first()) as DestinationRow | undefined) ??
      null
    );
  }

  private async revealToken(destination: DestinationRow): Promise<string | null> {
    if (!destination.tokenSecretId) return null;
    try {
      return await this.secrets.reveal(destination.tokenSecretId);
    } catch (error) {
      if (error instanceof KernelError && error.code === 'forbidden') {
        throw new KernelError(
          'forbidden',
          `${error.message} Grant the public registry's token secret to the admins who use the marketplace.`,
        );
      }
      this.logger.warn({ err: error }, 'public registry token unavailable');
      throw error;
    }
  }
}

const viewDestination = (row: DestinationRow): PublicDestinationView => ({
  url: row.url,
  tokenSecretId: row.tokenSecretId,
  updatedBy: row.updatedBy,
  updatedAt: new Date(row.updatedAt).toISOString(),
});

function keyHintOf(bundle: unknown): string | null {
  const hint = (bundle as { verificationMaterial?: { publicKey?: { hint?: unknown } } })?.verificationMaterial
    ?.publicKey?.hint;
  return typeof hint === 'string' ? hint : null;
}

function invalid(path: string, message: string): KernelError {
  return new KernelError(
    'validation_failed',
    `Invalid registry input: ${path.split('/').at(-1)} ${message}.`,
    {
      errors: [{ path, message }],
    },
  );
}

/** Registry failures as the kernel's error shape, with the registry named. */
function asKernelError(error: unknown, where: string): Error {
  if (!(error instanceof RegistryError)) return error as Error;
  const code =
    error.code === 'not_found' || error.code === 'no_matching_version'
      ? 'not_found'
      : error.code === 'unauthorized' || error.code === 'forbidden'
        ? 'forbidden'
        : error.code === 'integrity_mismatch' || error.code === 'integrity_missing'
          ? 'conflict'
          : 'internal_error';
  return new KernelError(code, `${where}: ${error.message}`);
}

export const REGISTRY_SERVICE: InjectionToken<RegistryService> = RegistryService;
