import { createHash } from 'node:crypto';

/** The content of an audit event that its hash covers, in a fixed order. */
export interface HashedAuditFields {
  id: string;
  occurredAt: Date;
  actorId: string | null;
  actorType: string;
  authSource: string;
  organizationId: string | null;
  resourceType: string;
  resourceId: string | null;
  operation: string;
  decision: 'allow' | 'deny' | null;
  reason: string | null;
  requestId: string | null;
  ip: string | null;
  metadata: Record<string, unknown>;
  prevHash: string;
}

/** The `prev_hash` of the very first event of an instance. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * The chain: `hash = sha256(prevHash + contentDigest)`, so a change to any field, or to
 * the link to the previous event, changes the hash. The database computes the link when
 * it appends (migration 0002, the same formula); `verify` recomputes both here.
 */
export function hashAuditEvent(event: HashedAuditFields): string {
  return chainHash(event.prevHash, auditContentDigest(event));
}

export function chainHash(prevHash: string, contentDigest: string): string {
  return createHash('sha256')
    .update(prevHash + contentDigest)
    .digest('hex');
}

/** sha256 over a canonical JSON array of every field except the link. */
export function auditContentDigest(event: Omit<HashedAuditFields, 'prevHash'>): string {
  const canonical = JSON.stringify([
    event.id,
    event.occurredAt.toISOString(),
    event.actorId,
    event.actorType,
    event.authSource,
    event.organizationId,
    event.resourceType,
    event.resourceId,
    event.operation,
    event.decision,
    event.reason,
    event.requestId,
    event.ip,
    canonicalJson(event.metadata),
  ]);
  return createHash('sha256').update(canonical).digest('hex');
}

/** JSON with object keys sorted at every level (jsonb does not keep key order). */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}
