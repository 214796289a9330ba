import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { inject, injectable, type InjectionToken } from 'tsyringe';
import { CONFIG, KernelError, type CinatraConfig } from '@cinatra/kernel';
import {
  PackageVerificationError,
  readTarball,
  validateManifest,
  verifyPackageDirectory,
  verifyPackageTarball,
  type ExtensionManifest,
  type VerifiedPackage,
} from '@cinatra/sdk';
import { TRUST_STORE, type TrustStore } from './trust/TrustStore.js';

/** `@scope/name` → `@scope__name`: one directory level per package, on every file system. */
export function encodeExtensionName(name: string): string {
  return name.replaceAll('/', '__');
}

const BUNDLE_FILE = 'bundle.sigstore.json';

/**
 * Where installed extension packages live, and the checks that guard them:
 *
 *     <dataDir>/extensions/packages/<encoded name>/<version>/package/            unpacked files
 *     <dataDir>/extensions/packages/<encoded name>/<version>/bundle.sigstore.json
 *     <dataDir>/extensions/data/<encoded name>/                                   its writable data
 *
 * Nothing here runs package code: manifests are parsed and validated, files hashed. npm
 * install scripts never run; a package ships its dependencies bundled.
 */
@injectable()
export class PackageStore {
  private readonly root: string;

  constructor(
    @inject(CONFIG) config: CinatraConfig,
    @inject(TRUST_STORE) private readonly trust: TrustStore,
  ) {
    this.root = join(config.dataDir, 'extensions');
  }

  versionDir(name: string, version: string): string {
    return join(this.root, 'packages', encodeExtensionName(name), version);
  }

  packageDir(name: string, version: string): string {
    return join(this.versionDir(name, version), 'package');
  }

  dataDir(name: string): string {
    return join(this.root, 'data', encodeExtensionName(name));
  }

  /** Creates the extension's data directory (owner-only) and returns it. */
  async ensureDataDir(name: string): Promise<string> {
    const dir = this.dataDir(name);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    return dir;
  }

  /**
   * The validated manifest of an installed version. A manifest that fails the schema is
   * refused with a `ManifestError` naming the failing path; one whose name or version
   * differs from where it is installed is refused the same way.
   */
  async readManifest(name: string, version: string): Promise<ExtensionManifest> {
    const text = await readFile(join(this.packageDir(name, version), 'package.json'), 'utf8').catch(
      (error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT')
          throw new PackageVerificationError('file_missing', 'package.json is missing.', 'package.json');
        throw error;
      },
    );
    const manifest = validateManifest(text);
    if (manifest.name !== name || manifest.version !== version) {
      throw new PackageVerificationError(
        manifest.name !== name ? 'name_mismatch' : 'version_mismatch',
        `package.json names ${manifest.name}@${manifest.version}, installed as ${name}@${version}.`,
      );
    }
    return manifest;
  }

  /**
   * Verifies the installed files against the signature bundle and the instance trust store
   * (as it is now: a key revoked since install refuses the load). Throws
   * `PackageVerificationError` with a stable `code`.
   */
  async verify(name: string, version: string): Promise<VerifiedPackage> {
    const bundle = await this.readBundle(this.versionDir(name, version));
    const verified = await verifyPackageDirectory(
      this.packageDir(name, version),
      bundle,
      await this.trust.lookup(),
    );
    if (verified.name !== name || verified.version !== version) {
      throw new PackageVerificationError(
        verified.name !== name ? 'name_mismatch' : 'version_mismatch',
        `The signature is for ${verified.name}@${verified.version}, installed as ${name}@${version}.`,
      );
    }
    return verified;
  }

  /**
   * The id of the key an installed version's signature bundle names (`verificationMaterial.
   * publicKey.hint`), or null when the bundle is missing or names none. Read without
   * verifying: for display (which key, hence which publisher and tier); `verify` decides loads.
   */
  async signingKeyId(name: string, version: string): Promise<string | null> {
    try {
      const bundle = JSON.parse(await this.readBundle(this.versionDir(name, version))) as {
        verificationMaterial?: { publicKey?: { hint?: unknown } };
      };
      const hint = bundle.verificationMaterial?.publicKey?.hint;
      return typeof hint === 'string' && hint !== '' ? hint : null;
    } catch {
      return null;
    }
  }

  /**
   * Installs a signed tarball: verifies it, unpacks it (plain files only, nothing executed)
   * next to its bundle, then verifies the unpacked directory before it becomes visible.
   * Refuses a version that is installed already. The registry pipeline (issue 5) builds on it.
   */
  async installFromTarball(
    tgz: Buffer,
    bundleJson: unknown,
  ): Promise<{ manifest: ExtensionManifest; verified: VerifiedPackage }> {
    const trust = await this.trust.lookup();
    const verified = await verifyPackageTarball(tgz, bundleJson, trust);
    const files = readTarball(tgz);
    const manifest = validateManifest(files.get('package.json')?.toString('utf8') ?? '');
    const target = this.versionDir(verified.name, verified.version);
    if (await exists(target)) {
      throw new KernelError('conflict', `${verified.name}@${verified.version} is installed already.`);
    }
    const staging = `${target}.staging-${randomBytes(6).toString('hex')}`;
    try {
      for (const [path, data] of files) {
        const file = join(staging, 'package', ...path.split('/'));
        await mkdir(dirname(file), { recursive: true });
        await writeFile(file, data, { mode: 0o644 });
      }
      const bundleText = typeof bundleJson === 'string' ? bundleJson : JSON.stringify(bundleJson);
      await writeFile(join(staging, BUNDLE_FILE), bundleText, { mode: 0o644 });
      await verifyPackageDirectory(join(staging, 'package'), bundleText, trust);
      await rename(staging, target);
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
    return { manifest, verified };
  }

  /** Removes an installed version's files (not its data directory). */
  async remove(name: string, version: string): Promise<void> {
    await rm(this.versionDir(name, version), { recursive: true, force: true });
  }

  private async readBundle(versionDir: string): Promise<string> {
    try {
      return await readFile(join(versionDir, BUNDLE_FILE), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      throw new PackageVerificationError(
        'bundle_malformed',
        `${BUNDLE_FILE} is missing: the package is not signed.`,
      );
    }
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

export const PACKAGE_STORE: InjectionToken<PackageStore> = PackageStore;
