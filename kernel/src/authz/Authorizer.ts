import { inject, injectable } from 'tsyringe';
import type { InjectionToken } from 'tsyringe';
import { AUDIT_LOG, type AuditLog } from '../audit/AuditLog.js';
import { KernelError } from '../errors/KernelError.js';
import { currentScope, type ActorContext } from './ActorContext.js';
import { CLASSIFICATION_REGISTRY, type ClassificationRegistry } from './ClassificationRegistry.js';
import { decide, type Decision } from './decide.js';
import { organizationIdOf, type ResourceRef } from './ResourceRef.js';

/**
 * `authorize(actor, action, resource)`: the one gate every kernel service, route and
 * (later) extension call goes through. Deny by default; every decision, allow and
 * deny, is written to the audit log before the caller learns it.
 */
@injectable()
export class Authorizer {
  constructor(
    @inject(CLASSIFICATION_REGISTRY) private readonly registry: ClassificationRegistry,
    @inject(AUDIT_LOG) private readonly audit: AuditLog,
  ) {}

  /**
   * Returns the decision when allowed; throws `forbidden` (after auditing) when denied.
   * `auditMetadata` is added to the decision's audit event (e.g. the primitive registry's
   * `{ primitive, via, sessionId }`), so one event says who asked, for what, and through which surface.
   */
  async authorize(
    actor: ActorContext,
    action: string,
    resource: ResourceRef,
    auditMetadata: Record<string, unknown> = {},
  ): Promise<Decision> {
    const decision = await this.check(actor, action, resource, auditMetadata);
    if (!decision.allow) {
      throw new KernelError(
        'forbidden',
        `You may not ${action} this ${resource.type.replaceAll('_', ' ')}: ${decision.reason}.`,
      );
    }
    return decision;
  }

  /** Like `authorize` but returns a denial instead of throwing (still audited). */
  async check(
    actor: ActorContext,
    action: string,
    resource: ResourceRef,
    auditMetadata: Record<string, unknown> = {},
  ): Promise<Decision> {
    const decision = decide(actor, this.registry.get(resource.type, action), resource);
    const scope = currentScope();
    await this.audit.record(
      {
        operation: `${resource.type}.${action}`,
        resourceType: resource.type,
        resourceId: resource.id ?? null,
        organizationId: organizationIdOf(resource.owner),
        decision: decision.allow ? 'allow' : 'deny',
        reason: decision.reason,
        metadata: { ...auditMetadata, ...(resource.id ? {} : { owner: resource.owner }) },
      },
      { ...scope, actor },
    );
    return decision;
  }
}

export const AUTHORIZER: InjectionToken<Authorizer> = Authorizer;
