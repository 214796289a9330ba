import { delay, inject, injectable, type InjectionToken } from 'tsyringe';
import {
  AUDIT_LOG,
  DATABASE,
  KernelError,
  LlmOrchestrator,
  NOTIFICATIONS,
  QUEUE,
  SECRET_STORE,
  runInScope,
  type ActorContext,
  type AuditLog,
  type Database,
  type ErrorCode,
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
  type LlmGenerateResult,
  type RequiredPermission,
  type RpcErrorCode,
} from '@cinatra/sdk';
import type { PermissionDenial } from '@cinatra/sdk/process';
import { extensionActor, extensionScope } from './extensionActor.js';

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

/** Calls that reach other principals' data or work (or spend their money): audited when allowed too. */
const PRIVILEGED: ReadonlySet<string> = new Set<HostMethod>([
  'secrets.read',
  'queue.enqueue',
  'llm.generate',
]);

/** How a kernel refusal reaches the extension; the kernel's own code travels in `data.code`. */
const RPC_CODES: Partial<Record<ErrorCode, RpcErrorCode>> = {
  forbidden: 'permission_denied',
  // A spent budget is a refusal of this actor's spending, not a fault.
  llm_budget_exceeded: 'permission_denied',
  not_found: 'not_found',
  validation_failed: 'invalid_params',
  llm_provider_error: 'provider_error',
  llm_timeout: 'deadline_exceeded',
  llm_cancelled: 'cancelled',
};

/** What of an extension's `llm.generate` request reaches the orchestrator: nothing that widens it. */
const LLM_REQUEST_FIELDS = [
  'messages',
  'system',
  'provider',
  'model',
  'tools',
  'toolChoice',
  'responseFormat',
  'temperature',
  'maxOutputTokens',
  'timeoutMs',
] as const;

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
  /** Trace id → the full actor of the platform's calls into extensions in flight (see `actingFor`). */
  private readonly callActors = new Map<string, { actor: ActorContext; calls: number }>();

  constructor(
    @inject(DATABASE) private readonly db: Database,
    @inject(AUDIT_LOG) private readonly audit: AuditLog,
    @inject(SECRET_STORE) private readonly secrets: SecretStore,
    @inject(QUEUE) private readonly queue: QueueService,
    @inject(NOTIFICATIONS) private readonly notifications: Notifications,
    // Lazy: the dispatcher is built with the extension services, before the host has registered
    // its LLM_TOOL_SOURCE; resolving the orchestrator then would bind it to the kernel's.
    @inject(delay(() => LlmOrchestrator)) private readonly llm: Pick<LlmOrchestrator, 'generate'>,
  ) {}

  forExtension(target: DispatchTarget): HostApi {
    return (method, params, meta, signal) => this.dispatch(target, method, params, meta, signal);
  }

  /**
   * Runs `call`, a platform call into an extension made for `actor` with trace id `traceId`.
   * Host calls the extension makes while it runs name only the actor's id (`CallMeta.actor`);
   * those that act as that actor in the kernel (`llm.generate`) need its roles and token scopes,
   * which are looked up here by trace id — so an extension never acts with more than its caller.
   */
  async actingFor<T>(traceId: string, actor: ActorContext, call: () => Promise<T>): Promise<T> {
    const entry = this.callActors.get(traceId);
    if (entry) entry.calls += 1;
    else this.callActors.set(traceId, { actor, calls: 1 });
    try {
      return await call();
    } finally {
      const current = this.callActors.get(traceId)!;
      if (--current.calls === 0) this.callActors.delete(traceId);
    }
  }

  private async dispatch(
    target: DispatchTarget,
    method: string,
    params: unknown,
    meta: CallMeta,
    signal: AbortSignal,
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
      const result = await runInScope(scope, () => this.perform(target, typed, params, meta, signal));
      if (PRIVILEGED.has(method)) await record('allow', 'granted');
      return result;
    } catch (error) {
      if (error instanceof RpcError) throw error;
      if (error instanceof KernelError) {
        if (PRIVILEGED.has(method)) await record('deny', error.message);
        throw new RpcError(RPC_CODES[error.code] ?? 'internal_error', error.message, {
          code: error.code,
          ...error.details.data,
          ...(error.details.retryAfterSeconds !== undefined
            ? { retryAfterSeconds: error.details.retryAfterSeconds }
            : {}),
        });
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
    target: DispatchTarget,
    method: HostMethod,
    params: unknown,
    meta: CallMeta,
    signal: AbortSignal,
  ): Promise<unknown> {
    const onBehalfOf = meta.actor;
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
      case 'llm.generate':
        return this.generate(target, params as HostMethods['llm.generate']['params'], meta, signal);
    }
  }

  /**
   * A model call for the extension: as the actor of the platform call in flight (who is billed
   * and authorized as `llm:invoke`), or as the extension itself outside any call, recorded with
   * the extension as `callerExtension`. Only the request's own fields are passed on: MCP tools,
   * the billed organization and the fallback stay the platform's choice.
   */
  private async generate(
    target: DispatchTarget,
    params: HostMethods['llm.generate']['params'],
    meta: CallMeta,
    signal: AbortSignal,
  ): Promise<LlmGenerateResult> {
    const options = Object.fromEntries(
      LLM_REQUEST_FIELDS.filter((field) => params[field] !== undefined).map((field) => [
        field,
        params[field],
      ]),
    ) as Pick<HostMethods['llm.generate']['params'], (typeof LLM_REQUEST_FIELDS)[number]>;
    const actor = this.callActor(target, meta);
    const result = await runInScope({ actor, requestId: null, ip: null }, () =>
      this.llm.generate({ ...options, callerExtension: target.name, traceId: meta.traceId, signal }),
    );
    return {
      provider: result.provider,
      model: result.model,
      text: result.text,
      toolCalls: result.toolCalls,
      finishReason: result.finishReason,
      usage: result.usage,
      ...(result.responseId !== undefined ? { responseId: result.responseId } : {}),
      totalUsage: result.totalUsage,
      costUsd: result.costUsd,
      ...(result.structured !== undefined ? { structured: result.structured } : {}),
      skills: result.skills,
      traceId: result.traceId,
    };
  }

  /** Who a host call acts as: the full actor of the call in flight it claims, or the extension itself. */
  private callActor(target: DispatchTarget, meta: CallMeta): ActorContext {
    if (meta.actor === null) return extensionActor(target.name);
    const traced = this.callActors.get(meta.traceId)?.actor;
    if (
      !traced ||
      traced.principalId !== meta.actor.principalId ||
      traced.principalType !== meta.actor.principalType
    ) {
      throw new RpcError(
        'permission_denied',
        `${target.name} may act for ${meta.actor.principalType} ${meta.actor.principalId ?? ''} only during a tool call made for them.`,
      );
    }
    return traced;
  }
}

function permissionMetadata(needed: RequiredPermission): Record<string, unknown> {
  return { capability: needed.capability, qualifier: needed.qualifier };
}

export const HOST_API_DISPATCHER: InjectionToken<HostApiDispatcher> = HostApiDispatcher;
