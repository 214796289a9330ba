import { mkdtemp, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runAsActor, systemActor, type ActorContext } from '@cinatra/kernel';
import {
  generateSigningKey,
  packExtension,
  publishPackage,
  signExtension,
  type SigningKey,
} from '@cinatra/sdk';
import { EMBEDDED_REGISTRY } from '@cinatra/registry';
import type { Platform } from '@cinatra/host';
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
