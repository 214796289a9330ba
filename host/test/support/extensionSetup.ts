import { runAsActor, systemActor, type ActorContext } from '@cinatra/kernel';
import { generateSigningKey, type SigningKey } from '@cinatra/sdk';
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
