import { ANONYMOUS_ACTOR, type ActorContext, type RequestScope } from '@cinatra/kernel';

/**
 * The principal an extension acts as when it calls the host API: type `extension`, id = its
 * package name. It holds no role anywhere, so the authorizer grants it nothing beyond what
 * any signed-in principal may read; what it may do comes from its granted permissions, which
 * `HostApiDispatcher` checks before any kernel service is called.
 */
export function extensionActor(name: string): ActorContext {
  return {
    ...ANONYMOUS_ACTOR,
    principalId: name,
    principalType: 'extension',
    displayName: name,
    authSource: 'extension',
  };
}

/** The scope audit events of an extension's host call are recorded in. */
export function extensionScope(name: string, requestId: string | null = null): RequestScope {
  return { actor: extensionActor(name), requestId, ip: null };
}
