import type { HostMethod, HostMethods } from './messages.js';

/**
 * Which grant a host method needs, and the one rule deciding whether a set of granted permissions
 * covers it. The extension's SDK uses it to fail early with a clear error; the platform uses the
 * same function on every call it receives, so a forged request gains nothing.
 */

export interface RequiredPermission {
  capability: 'secrets.read' | 'queue.enqueue' | 'notifications.send' | 'llm.invoke';
  /** The resource the call touches (secret name, queue name), or null when the capability has none. */
  qualifier: string | null;
}

export function requiredPermission<M extends HostMethod>(
  method: M,
  params: HostMethods[M]['params'],
): RequiredPermission {
  switch (method) {
    case 'secrets.read':
      return {
        capability: 'secrets.read',
        qualifier: String((params as HostMethods['secrets.read']['params']).name),
      };
    case 'queue.enqueue':
      return {
        capability: 'queue.enqueue',
        qualifier: String((params as HostMethods['queue.enqueue']['params']).queue),
      };
    case 'notifications.send':
      return { capability: 'notifications.send', qualifier: null };
    case 'llm.generate':
      return { capability: 'llm.invoke', qualifier: null };
    default:
      throw new Error(`unknown host method ${String(method)}`);
  }
}

/**
 * True when one of `granted` (manifest permission strings) covers `capability` on `qualifier`:
 * an unqualified grant covers every resource of its capability, a qualified one matches exactly
 * or as a glob where `*` stands for any run of characters.
 */
export function isGranted(granted: readonly string[], capability: string, qualifier: string | null): boolean {
  for (const text of granted) {
    const at = text.indexOf(':');
    const grantedCapability = at < 0 ? text : text.slice(0, at);
    if (grantedCapability !== capability) continue;
    if (at < 0) return true;
    if (qualifier === null) continue;
    const pattern = text.slice(at + 1);
    if (pattern === qualifier) return true;
    if (pattern.includes('*') && globToRegExp(pattern).test(qualifier)) return true;
  }
  return false;
}

function globToRegExp(glob: string): RegExp {
  const escaped = glob.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${escaped}$`);
}
