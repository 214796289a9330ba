import { runInScope, type RequestScope } from '../authz/ActorContext.js';
import type { Authorizer } from '../authz/Authorizer.js';
import type { ResourceRef } from '../authz/ResourceRef.js';
import type { Lifecycle } from '../lifecycle/Lifecycle.js';
import type { Logger } from '../logging/Logger.js';

/**
 * How long an allowed decision waits for others to share its audit append. Calls one after the
 * other (an agent's loop) then cost one append per few calls instead of one each; it is also the
 * longest a decision's event stays in memory only, besides the append itself.
 */
export const LLM_AUDIT_WINDOW_MS = 20;

interface AllowedDecision {
  scope: RequestScope;
  resource: ResourceRef;
  auditMetadata: Record<string, unknown>;
}

/**
 * The audit events of allowed `llm:invoke` decisions, written behind the calls: each decision
 * is queued, and every LLM_AUDIT_WINDOW_MS the queued ones go through `Authorizer.authorize` in
 * one tick, as their callers' scopes, so the audit log appends them in one batch. The events are
 * exactly the ones an awaited `authorize` writes (same operation, decision, reason, metadata,
 * request id); only their time is up to the window later than the decision.
 *
 * When writing them fails, the failure is logged and `failing` is true until an event is written
 * again: the orchestrator then waits for each call's own event, so calls fail like any other
 * audited action while the audit log cannot be written. `flush()` writes what is queued now; a
 * `Lifecycle` closer flushes when the kernel closes. A crash of the process loses the events of
 * the decisions of about the last window.
 */
export class LlmInvokeAudit {
  private queued: AllowedDecision[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  private closerRegistered = false;
  private lastFailed = false;

  constructor(
    private readonly authorizer: Authorizer,
    private readonly lifecycle: Lifecycle,
    private readonly logger: Logger,
  ) {}

  /** True after a failed write, until one succeeds: calls should wait for their own event. */
  get failing(): boolean {
    return this.lastFailed;
  }

  /** Audits `resource`'s allowed `llm:invoke` decision for `scope`'s actor (now, waiting for it). */
  async now(
    scope: RequestScope,
    resource: ResourceRef,
    auditMetadata: Record<string, unknown>,
  ): Promise<void> {
    await runInScope(scope, () => this.authorizer.authorize(scope.actor, 'invoke', resource, auditMetadata));
    this.lastFailed = false;
  }

  /** Queues the audit event of an allowed decision (see the class). */
  behind(scope: RequestScope, resource: ResourceRef, auditMetadata: Record<string, unknown>): void {
    if (!this.closerRegistered && !this.lifecycle.isClosing) {
      this.closerRegistered = true;
      this.lifecycle.onClose('LLM invocation audit events', () => this.flush());
    }
    this.queued.push({ scope, resource, auditMetadata });
    this.timer ??= setTimeout(() => this.send(), LLM_AUDIT_WINDOW_MS);
  }

  /** Writes the queued events now; resolves once every event queued so far is durable (or its failure logged). */
  async flush(): Promise<void> {
    this.send();
    while (this.inFlight.size > 0) await Promise.all(this.inFlight);
  }

  private send(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    for (const { scope, resource, auditMetadata } of this.queued.splice(0)) {
      const written = this.now(scope, resource, auditMetadata).catch((error: unknown) => {
        this.lastFailed = true;
        this.logger.error(
          { err: error, actorId: scope.actor.principalId, requestId: scope.requestId, resource },
          'the audit event of an allowed llm:invoke could not be written; calls wait for theirs until the audit log works again',
        );
      });
      this.inFlight.add(written);
      void written.finally(() => this.inFlight.delete(written));
    }
  }
}
