import { RpcError, type CallMeta, type HostMethod } from './messages.js';

/** Every method an extension may call on the platform (the keys of `HostMethods`). */
export const HOST_METHOD_NAMES: ReadonlySet<string> = new Set<HostMethod>([
  'secrets.read',
  'queue.enqueue',
  'notifications.send',
  'llm.generate',
]);

const LLM_ROLES = new Set(['system', 'user', 'assistant', 'tool']);

const NOTIFICATION_LEVELS = new Set(['info', 'success', 'warning', 'error']);

/**
 * The shape checks the SDK types promise, applied by whoever serves a host call (the platform's
 * dispatcher, the test harness): a process can send anything. Throws `RpcError` `not_found` for
 * an unknown method and `invalid_params` for a malformed one.
 */
export function checkHostParams(method: string, params: unknown): asserts method is HostMethod {
  if (!HOST_METHOD_NAMES.has(method)) throw new RpcError('not_found', `The host has no method "${method}".`);
  const p = params as Record<string, unknown> | null;
  const fail = (message: string) => {
    throw new RpcError('invalid_params', `${method}: ${message}`);
  };
  if (typeof p !== 'object' || p === null || Array.isArray(p)) fail('params must be an object');
  switch (method as HostMethod) {
    case 'secrets.read':
      if (typeof p!.name !== 'string' || p!.name.length === 0) fail('name must be a non-empty string');
      break;
    case 'queue.enqueue':
      if (typeof p!.queue !== 'string' || p!.queue.length === 0) fail('queue must be a non-empty string');
      if (p!.options !== undefined && (typeof p!.options !== 'object' || p!.options === null)) {
        fail('options must be an object');
      }
      break;
    case 'notifications.send':
      if (!NOTIFICATION_LEVELS.has(p!.level as string)) fail('level must be info, success, warning or error');
      if (typeof p!.title !== 'string' || p!.title.length === 0) fail('title must be a non-empty string');
      break;
    case 'llm.generate': {
      const messages = p!.messages;
      if (!Array.isArray(messages) || messages.length === 0) fail('messages must be a non-empty list');
      for (const [index, message] of (messages as unknown[]).entries()) {
        const m = message as Record<string, unknown> | null;
        if (typeof m !== 'object' || m === null || !LLM_ROLES.has(m.role as string)) {
          fail(`messages[${index}].role must be system, user, assistant or tool`);
        }
        if (typeof m!.content !== 'string') fail(`messages[${index}].content must be a string`);
      }
      for (const field of ['system', 'provider', 'model'] as const) {
        if (p![field] !== undefined && typeof p![field] !== 'string') fail(`${field} must be a string`);
      }
      if (p!.tools !== undefined && !Array.isArray(p!.tools)) fail('tools must be a list');
      break;
    }
  }
}

/**
 * Who a `notifications.send` goes to: the user the current call is made for. Calls outside a
 * tool call, or for a non-user actor, have nobody to notify and fail with `invalid_params`.
 */
export function notificationRecipient(actor: CallMeta['actor']): string {
  if (!actor?.principalId || actor.principalType !== 'user') {
    throw new RpcError('invalid_params', 'notifications.send needs a call made on behalf of a user.');
  }
  return actor.principalId;
}
