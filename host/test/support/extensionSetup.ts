import { createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runAsActor, systemActor, type ActorContext } from '@cinatra/kernel';
import {
  generateSigningKey,
  packExtension,
  publishPackage,
  signExtension,
  type SigningKey,
} from '@cinatra/sdk';
import { EMBEDDED_REGISTRY } from '@cinatra/registry';
import { EXTENSION_MANAGER, type ExtensionView, type Platform } from '@cinatra/host';
import { TRUST_STORE } from '../../src/extensions/trust/TrustStore.js';
import type { SessionClient } from './apiClient.js';

/** The actor context of a platform admin signed in through `setUpAdmin`, for direct service calls. */
export function adminActorOf(admin: SessionClient): ActorContext {
  return {
    principalId: admin.user.id,
    principalType: 'user',
    displayName: 'Admin',
    platformRole: 'platform_admin',
    organizations: [],
    teams: [],
    tokenScopes: null,
    authSource: 'session',
    credentialId: null,
  };
}

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * Installs a first-party extension as `npm run build` signed it (`<packageDir>/dist-package`):
 * trusts the signing key's public half as publisher `cinatra`, tier `first-party` (the release key
 * named by CINATRA_FIRST_PARTY_KEY, else the local development key), then installs the package
 * as `admin`. The key is trusted once per platform; later calls reuse it.
 */
export async function installFirstPartyBuild(
  platform: Platform,
  admin: SessionClient,
  packageDir: string,
): Promise<ExtensionView> {
  const keyFile = process.env.CINATRA_FIRST_PARTY_KEY
    ? resolve(process.env.CINATRA_FIRST_PARTY_KEY)
    : join(REPO_ROOT, '.cinatra-keys', 'cinatra-signing.key.pem');
  const publicKeyPem = createPublicKey(readFileSync(keyFile))
    .export({ type: 'spki', format: 'pem' })
    .toString();
  const trusted = await admin.post('/api/trust/keys', {
    publicKeyPem,
    publisher: 'cinatra',
    tier: 'first-party',
  });
  if (trusted.statusCode !== 201 && trusted.statusCode !== 409) {
    throw new Error(`trusting the first-party key failed: ${trusted.statusCode} ${trusted.body}`);
  }
  const { name, version } = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as {
    name: string;
    version: string;
  };
  const dist = join(packageDir, 'dist-package');
  const tarball = readFileSync(join(dist, `${name.replace(/^@/, '').replace('/', '-')}-${version}.tgz`));
  const bundle = JSON.parse(readFileSync(join(dist, 'bundle.sigstore.json'), 'utf8')) as unknown;
  return runAsActor(adminActorOf(admin), () =>
    platform.kernel.resolve(EXTENSION_MANAGER).install(tarball, bundle),
  );
}

/** A fresh signing key for publisher `cinatra-test`, trusted by `platform` with tier `private`. */
export async function trustTestPublisher(platform: Platform): Promise<SigningKey> {
  const publisher = generateSigningKey();
  await runAsActor(systemActor(), () =>
    platform.kernel
      .resolve(TRUST_STORE)
      .addKey({ publicKeyPem: publisher.publicKeyPem, publisher: 'cinatra-test', tier: 'private' }),
  );
  return publisher;
}

/**
 * Writes a minimal extension (publisher `acme`, one tool `hello`) into a new directory under
 * `root` and returns the directory.
 */
export async function writeHelloExtension(
  root: string,
  { name, version = '1.0.0', permissions = [] }: { name: string; version?: string; permissions?: string[] },
): Promise<string> {
  const dir = await mkdtemp(join(root, 'pkg-'));
  const manifest = {
    name,
    version,
    type: 'module',
    description: `${name}, a test extension`,
    cinatra: {
      apiVersion: 1,
      kinds: ['mcp-tools'],
      displayName: name,
      publisher: 'acme',
      engine: '^1.0.0',
      entry: 'index.js',
      contributes: {
        mcpTools: [{ name: 'hello', description: 'Says hello', inputSchema: { type: 'object' } }],
      },
      permissions,
    },
  };
  await writeFile(join(dir, 'package.json'), JSON.stringify(manifest));
  await writeFile(
    join(dir, 'index.js'),
    'export default { activate: () => ({ tools: { hello: async () => ({ content: [] }) } }) };\n',
  );
  return dir;
}

/** Packs the extension in `dir`, signs it with `key` (null: unsigned) and publishes it to `platform`'s embedded registry. */
export async function publishToEmbeddedRegistry(
  platform: Platform,
  dir: string,
  token: string,
  key: SigningKey | null,
): Promise<void> {
  const { tarball } = await packExtension(dir);
  await publishPackage({
    registryUrl: platform.kernel.resolve(EMBEDDED_REGISTRY).endpoint().url,
    token,
    tarball,
    bundle: key ? await signExtension({ tarball, privateKeyPem: key.privateKeyPem }) : null,
  });
}
