import type { HostApi } from './defineExtension.js';
import { LlmProviderError } from './protocol/llm.js';
import { RpcError } from './protocol/messages.js';

/** How long a provider extension reuses an API key it read before reading the secret again. */
export const API_KEY_TTL_MS = 60_000;

/** A provider extension's vendor API key: read from its kernel secret, then reused for a while. */
export interface ProviderApiKey {
  /** The key; read through `host.secrets.read` when none is held or the held one is older than the TTL. */
  get(): Promise<string>;
  /** Drops the held key, so the next call reads the secret again: call it when the vendor refused the key. */
  forget(): void;
  /** Returns `failure` (what a provider is about to throw), forgetting the key first when it says the vendor refused it. */
  checked(failure: unknown): unknown;
  /** A vendor client for the current key: `create` runs again only when the key read has changed. */
  client<C>(create: (key: string) => C): () => Promise<C>;
}

/**
 * The API key of an LLM provider extension, named by its `apiKeySecret` setting (else
 * `defaultSecret`). Reading a secret is a round trip to the platform that decrypts and audits it,
 * so a key is reused for `ttlMs` rather than read per call; a rotated key applies after at most
 * that long, or at once when the vendor refuses the old one and the provider calls `forget()`.
 * A missing secret, or one the extension was not granted, is an `authentication` provider error
 * naming it (not retried: retrying cannot make a secret appear). Concurrent calls share one read.
 */
export function providerApiKey(
  host: HostApi,
  vendor: string,
  defaultSecret: string,
  ttlMs: number = API_KEY_TTL_MS,
): ProviderApiKey {
  let held: { key: Promise<string>; readAt: number } | null = null;
  const read = async (): Promise<string> => {
    const name = String(host.settings.apiKeySecret || defaultSecret);
    try {
      return await host.secrets.read(name);
    } catch (error) {
      if (error instanceof RpcError && (error.code === 'not_found' || error.code === 'permission_denied')) {
        throw new LlmProviderError(`No ${vendor} API key: ${error.message}`, {
          kind: 'authentication',
          vendorCode: `secret_${error.code}`,
        });
      }
      throw error;
    }
  };
  const apiKey: ProviderApiKey = {
    get() {
      const now = performance.now();
      if (!held || now - held.readAt >= ttlMs) {
        const entry = { key: read(), readAt: now };
        held = entry;
        // A failed read is not kept: the next call tries again.
        entry.key.catch(() => {
          if (held === entry) held = null;
        });
      }
      return held.key;
    },
    forget() {
      held = null;
    },
    checked(failure) {
      if (isAuthenticationFailure(failure)) held = null;
      return failure;
    },
    client<C>(create: (key: string) => C) {
      let built: { key: string; client: C } | null = null;
      return async () => {
        const key = await apiKey.get();
        if (built?.key !== key) built = { key, client: create(key) };
        return built.client;
      };
    },
  };
  return apiKey;
}

/** True when `failure` (what a provider is about to throw) says the vendor refused the API key. */
export function isAuthenticationFailure(failure: unknown): boolean {
  return LlmProviderError.from(failure)?.kind === 'authentication';
}
