import { inject, injectable } from 'tsyringe';
import type { InjectionToken } from 'tsyringe';
import { CONFIG, type CinatraConfig } from '../config/CinatraConfig.js';
import type { ActorContext } from '../authz/ActorContext.js';

/** A verified credential: who it stands for, and the CSRF token bound to a session. */
export interface ResolvedCredential {
  actor: ActorContext;
  csrfToken: string | null;
}

interface Entry {
  resolved: ResolvedCredential;
  cachedUntil: number;
}

const MAX_ENTRIES = 10_000;

/**
 * Resolved credentials (session or token hash → actor) for a few seconds, so the hot
 * path does not query Postgres on every request. Logout, revocation and any membership
 * or role change in this process clear it at once; other processes see the change after
 * at most `auth.credentialCacheSeconds`.
 */
@injectable()
export class CredentialCache {
  private readonly entries = new Map<string, Entry>();

  constructor(@inject(CONFIG) private readonly config: CinatraConfig) {}

  get(key: string): ResolvedCredential | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.cachedUntil <= Date.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.resolved;
  }

  set(key: string, resolved: ResolvedCredential, credentialExpiresAt: Date | null): void {
    const ttl = this.config.auth.credentialCacheSeconds * 1000;
    if (ttl === 0) return;
    if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
    const until = Math.min(Date.now() + ttl, credentialExpiresAt?.getTime() ?? Infinity);
    this.entries.set(key, { resolved, cachedUntil: until });
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }
}

export const CREDENTIAL_CACHE: InjectionToken<CredentialCache> = CredentialCache;
