import { inject, injectable, type InjectionToken } from 'tsyringe';
import {
  AUDIT_LOG,
  DATABASE,
  KernelError,
  NOTIFICATIONS,
  QUEUE,
  SECRET_STORE,
  runInScope,
  type AuditLog,
  type Database,
  type Notifications,
  type QueueService,
  type SecretStore,
} from '@cinatra/kernel';
import {
  RpcError,
  checkHostParams,
  isGranted,
  notificationRecipient,
  requiredPermission,
  type CallMeta,
  type HostMethod,
  type HostMethods,
  type RequiredPermission,
} from '@cinatra/sdk';
import type { PermissionDenial } from '@cinatra/sdk/process';
import { extensionScope } from './extensionActor.js';

/** The function an extension process's host-bound requests are handed to. */
export type HostApi = (
  method: string,
  params: unknown,
  meta: CallMeta,
  signal: AbortSignal,
) => Promise<unknown>;

/** Who a running extension is, as the dispatcher needs it; `granted` is read on every call. */
export interface DispatchTarget {
  name: string;
  version: string;
  granted(): readonly string[];
}

/** Calls that reach other principals' data or work: audited when allowed too. */
const PRIVILEGED: ReadonlySet<string> = new Set<HostMethod>(['secrets.read', 'queue.enqueue']);

/**
 * Builds the host API each extension process receives. Every call is checked against the
 * extension's GRANTED permissions (the manifest only requests them) with the SDK's own
 * `requiredPermission`/`isGranted`, so both sides apply one rule. A call outside the grants
 * fails with `permission_denied` and is audited as a denial; privileged calls are audited
 * when allowed. All of it is attributed to the extension actor (principal type `extension`,
 * id = package name) with the version, trace id and the user the work is done for.
 */
@injectable()
export class HostApiDispatcher {
  constructor(
    @inject(DATABASE) private readonly db: Database,
    @inject(AUDIT_LOG) private readonly audit: AuditLog,
    @inject(SECRET_STORE) private readonly secrets: SecretStore,
    @inject(QUEUE) private readonly queue: QueueService,
    @inject(NOTIFICATIONS) private readonly notifications: Notifications,
  ) {}

  forExtension(target: DispatchTarget): HostApi {
    return (method, params, meta) => this.dispatch(target, method, params, meta);
  }

  private async dispatch(
    target: DispatchTarget,
    method: string,
    params: unknown,
    meta: CallMeta,
  ): Promise<unknown> {
    checkHostParams(method, params);
    const typed: HostMethod = method;
    // `ExtensionProcess` has checked the actor against the platform's calls in flight.
    const onBehalfOf = meta.actor;
    const scope = extensionScope(target.name);
    const record = (decision: 'allow' | 'deny', reason: string, extra: Record<string, unknown> = {}) =>
      this.audit.record(
        {
          operation: `extension.${method}`,
          resourceType: 'extension',
          resourceId: target.name,
          decision,
          reason,
          metadata: {
            version: target.version,
            traceId: meta.traceId,
            onBehalfOf,
            ...permissionMetadata(requiredPermission(typed, params as never)),
            ...extra,
          },
        },
        scope,
      );

    const needed = requiredPermission(typed, params as HostMethods[typeof typed]['params']);
    if (!isGranted(target.granted(), needed.capability, needed.qualifier)) {
      const permission =
        needed.qualifier === null ? needed.capability : `${needed.capability}:${needed.qualifier}`;
      await record('deny', `not granted: ${permission}`);
      throw new RpcError(
        'permission_denied',
        `${target.name} has no grant for ${permission}; a platform admin must grant it.`,
      );
    }

    try {
      const result = await runInScope(scope, () => this.perform(typed, params, onBehalfOf));
      if (PRIVILEGED.has(method)) await record('allow', 'granted');
      return result;
    } catch (error) {
      if (error instanceof RpcError) throw error;
      if (error instanceof KernelError) {
        if (PRIVILEGED.has(method)) await record('deny', error.message);
        throw new RpcError(
          error.code === 'forbidden'
            ? 'permission_denied'
            : error.code === 'not_found'
              ? 'not_found'
              : error.code === 'validation_failed'
                ? 'invalid_params'
                : 'internal_error',
          error.message,
        );
      }
      throw new RpcError('internal_error', `The host failed to perform ${method}.`);
    }
  }

  /** Audits a connection the egress proxy refused (a host not declared and granted). */
  async egressDenied(target: DispatchTarget, host: string, reason: string): Promise<void> {
    await this.audit.record(
      {
        operation: 'extension.network',
        resourceType: 'extension',
        resourceId: target.name,
        decision: 'deny',
        reason,
        metadata: { version: target.version, host, capability: 'network', qualifier: host },
      },
      extensionScope(target.name),
    );
  }

  /** A refusal of the extension's sandbox (file access, child process, worker…), audited as a deny. */
  async sandboxDenied(target: DispatchTarget, denial: PermissionDenial): Promise<void> {
    await this.audit.record(
      {
        operation: 'extension.sandbox',
        resourceType: 'extension',
        resourceId: target.name,
        decision: 'deny',
        reason: `the sandbox refused ${denial.permission}${denial.resource ? ` on ${denial.resource}` : ''}`,
        metadata: {
          version: target.version,
          permission: denial.permission,
          resource: denial.resource,
          traceId: denial.traceId,
        },
      },
      extensionScope(target.name),
    );
  }

  private async perform(
    method: HostMethod,
    params: unknown,
    onBehalfOf: CallMeta['actor'],
  ): Promise<unknown> {
    switch (method) {
      case 'secrets.read': {
        const { name } = params as HostMethods['secrets.read']['params'];
        // Workspace secrets by name; the reveal itself checks the secret's grant to this
        // extension and audits the attempt, as for every other principal.
        const row = (await this.db.knex('secrets').where({ ownerTier: 'workspace', name }).first('id')) as
          { id: string } | undefined;
        if (!row) throw new RpcError('not_found', `There is no workspace secret named "${name}".`);
        return { value: await this.secrets.reveal(row.id) };
      }
      case 'queue.enqueue': {
        const { queue, payload, options } = params as HostMethods['queue.enqueue']['params'];
        // Only the options the protocol offers; priorities and back-off stay the platform's.
        return this.queue.enqueue(queue, payload, {
          delayMs: options?.delayMs,
          attempts: options?.attempts,
          jobId: options?.jobId,
        });
      }
      case 'notifications.send': {
        const input = params as HostMethods['notifications.send']['params'];
        await this.notifications.notify(notificationRecipient(onBehalfOf), {
          level: input.level,
          title: input.title,
          body: input.body ?? null,
          link: input.link ?? null,
          dedupeKey: null,
        });
        return {};
      }
    }
  }
}

function permissionMetadata(needed: RequiredPermission): Record<string, unknown> {
  return { capability: needed.capability, qualifier: needed.qualifier };
}

export const HOST_API_DISPATCHER: InjectionToken<HostApiDispatcher> = HostApiDispatcher;
