import type { Migration } from '../migrations.js';

/** Serialises chain appends across every process sharing the database ("audi"). */
export const AUDIT_CHAIN_LOCK = 0x6175_6469;

/**
 * `cinatra_audit_append(events)`: appends a batch of audit events, linking each to the
 * chain, in one round trip.
 *
 * Each element of `events` (a JSON array, in order) carries the event's fields and
 * `digest`, the sha256 of its canonical content computed by the kernel. Under an advisory
 * lock held to the end of the transaction the function reads the chain head and sets
 * `prev_hash` and `hash = sha256(prev_hash || digest)` for each event, so appends from
 * any number of processes (or batches in flight from one) chain in lock order and never
 * need a retry. `seq` is assigned in the same order. `auditHash.ts` holds the same formula.
 */
export const auditAppend: Migration = {
  name: '0002_audit_append',
  async up(knex) {
    await knex.raw(`
      CREATE FUNCTION cinatra_audit_append(events jsonb) RETURNS void
      LANGUAGE plpgsql AS $$
      DECLARE
        head text;
        digest text;
        prevs text[] := '{}';
        hashes text[] := '{}';
      BEGIN
        PERFORM pg_advisory_xact_lock(${AUDIT_CHAIN_LOCK});
        SELECT hash INTO head FROM audit_events ORDER BY seq DESC LIMIT 1;
        IF head IS NULL THEN
          SELECT last_hash INTO head FROM audit_checkpoints ORDER BY id DESC LIMIT 1;
        END IF;
        head := coalesce(head, repeat('0', 64));
        FOR digest IN SELECT b.e->>'digest' FROM jsonb_array_elements(events) WITH ORDINALITY AS b(e, n)
            ORDER BY b.n LOOP
          prevs := prevs || head;
          head := encode(sha256(convert_to(head || digest, 'UTF8')), 'hex');
          hashes := hashes || head;
        END LOOP;
        INSERT INTO audit_events (id, occurred_at, actor_id, actor_type, auth_source, organization_id,
            resource_type, resource_id, operation, decision, reason, request_id, ip, metadata,
            prev_hash, hash)
          SELECT (e->>'id')::uuid, (e->>'occurredAt')::timestamptz, e->>'actorId', e->>'actorType',
              e->>'authSource', (e->>'organizationId')::uuid, e->>'resourceType', e->>'resourceId',
              e->>'operation', e->>'decision', e->>'reason', e->>'requestId', e->>'ip', e->'metadata',
              prevs[n], hashes[n]
            FROM jsonb_array_elements(events) WITH ORDINALITY AS b(e, n)
            ORDER BY n;
      END;
      $$;
    `);
  },
  async down(knex) {
    await knex.raw('DROP FUNCTION IF EXISTS cinatra_audit_append(jsonb)');
  },
};
