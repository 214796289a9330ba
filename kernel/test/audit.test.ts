import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ANONYMOUS_ACTOR,
  AUDIT_LOG,
  createKernel,
  KernelError,
  runInScope,
  systemActor,
  type ActorContext,
  type AuditEvent,
  type AuditEventInput,
  type AuditLog,
  type AuditQuery,
  type CinatraConfig,
  type DeepPartial,
  type Kernel,
  type RequestScope,
} from '../src/index.js';
import { createTestDatabase, testConfig, type TestDatabase } from '../src/testing/index.js';

const DAY_MS = 86_400_000;

interface Harness {
  kernel: Kernel;
  audit: AuditLog;
}

const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

/** A kernel on a fresh, empty database of its own, so every test sees only its own events. */
async function freshKernel(overrides: DeepPartial<CinatraConfig> = {}): Promise<Harness> {
  const database: TestDatabase = await createTestDatabase();
  cleanups.push(() => database.drop());
  const kernel = await createKernel(testConfig({ ...overrides, databaseUrl: database.url }));
  cleanups.push(() => kernel.close());
  return { kernel, audit: kernel.resolve(AUDIT_LOG) };
}

function actor(id: string): ActorContext {
  return {
    ...ANONYMOUS_ACTOR,
    principalId: id,
    principalType: 'user',
    displayName: id,
    authSource: 'session',
    credentialId: `cred-${id}`,
  };
}

const scopeOf = (
  a: ActorContext,
  requestId: string | null = null,
  ip: string | null = null,
): RequestScope => ({ actor: a, requestId, ip });

const event = (operation: string, extra: Partial<AuditEventInput> = {}): AuditEventInput => ({
  operation,
  resourceType: operation.split('.')[0]!,
  ...extra,
});

async function rows(kernel: Kernel): Promise<AuditEvent[]> {
  return (await kernel.db.knex('auditEvents').orderBy('seq', 'asc')) as AuditEvent[];
}

async function collect(audit: AuditLog, filter: AuditQuery = {}): Promise<AuditEvent[]> {
  const out: AuditEvent[] = [];
  for await (const e of audit.export(filter)) out.push(e);
  return out;
}

/** Records `count` events one after another (distinct, increasing `occurredAt` order). */
async function recordSequentially(
  audit: AuditLog,
  count: number,
  input: (i: number) => AuditEventInput,
  scope: RequestScope,
): Promise<void> {
  for (let i = 0; i < count; i += 1) await audit.record(input(i), scope);
}

describe('recording and verifying the chain', () => {
  it('keeps every event of many concurrent record() calls and the chain verifies', async () => {
    const { kernel, audit } = await freshKernel();
    const alice = actor('alice');
    const count = 1_200; // more than one write batch and more than one verification page

    await Promise.all(
      Array.from({ length: count }, (_, i) =>
        audit.record(
          event('thing.touched', { resourceId: `thing-${i}`, metadata: { i } }),
          scopeOf(alice, `req-${i}`),
        ),
      ),
    );

    const stored = await rows(kernel);
    expect(stored).toHaveLength(count);
    expect(new Set(stored.map((e) => e.resourceId)).size).toBe(count);
    expect(new Set(stored.map((e) => e.id)).size).toBe(count);
    for (let i = 1; i < stored.length; i += 1) expect(stored[i]!.prevHash).toBe(stored[i - 1]!.hash);
    expect(await audit.verify()).toEqual({ ok: true, checked: count });

    const exported = await collect(audit);
    expect(exported).toHaveLength(count);
    expect(exported.map((e) => e.seq)).toEqual(stored.map((e) => e.seq));
  });

  it('interleaves group-committed events with events written inside callers’ transactions', async () => {
    const { kernel, audit } = await freshKernel();
    const scope = scopeOf(actor('bob'));
    await Promise.all([
      ...Array.from({ length: 100 }, (_, i) =>
        audit.record(event('batched.event', { metadata: { i } }), scope),
      ),
      ...Array.from({ length: 25 }, (_, i) =>
        kernel.db.knex.transaction((trx) =>
          audit.recordInTransaction(trx, event('transactional.event', { metadata: { i } }), scope),
        ),
      ),
    ]);
    expect(await audit.verify()).toEqual({ ok: true, checked: 125 });
  });

  it('chains the events of two kernels writing to one database at once (two processes)', async () => {
    const { kernel, audit } = await freshKernel();
    const other = await createKernel(testConfig({ databaseUrl: kernel.config.databaseUrl }));
    cleanups.push(() => other.close());
    const writers = [audit, other.resolve(AUDIT_LOG)];
    await Promise.all(
      writers.flatMap((writer, w) =>
        Array.from({ length: 600 }, (_, i) =>
          writer.record(event('thing.touched', { metadata: { w, i } }), scopeOf(actor(`writer-${w}`))),
        ),
      ),
    );
    const stored = await rows(kernel);
    expect(stored).toHaveLength(1_200);
    expect(new Set(stored.map((e) => e.actorId))).toEqual(new Set(['writer-0', 'writer-1']));
    expect(await audit.verify()).toEqual({ ok: true, checked: 1_200 });
  });

  it('gives events time-ordered version 7 ids', async () => {
    const { kernel, audit } = await freshKernel();
    await recordSequentially(
      audit,
      5,
      (i) => event('thing.touched', { metadata: { i } }),
      scopeOf(actor('ada')),
    );
    const ids = (await rows(kernel)).map((e) => e.id);
    for (const id of ids)
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const millis = ids.map((id) => parseInt(id.replace(/-/g, '').slice(0, 12), 16));
    expect(millis).toEqual([...millis].sort((a, b) => a - b));
    expect(Math.abs(millis.at(-1)! - Date.now())).toBeLessThan(60_000);
  });

  it('drops an event whose surrounding transaction rolls back, and the chain still verifies', async () => {
    const { kernel, audit } = await freshKernel();
    const scope = scopeOf(actor('carol'));
    await audit.record(event('kept.first'), scope);
    await expect(
      kernel.db.knex.transaction(async (trx) => {
        await audit.recordInTransaction(trx, event('rolled.back'), scope);
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    await audit.record(event('kept.second'), scope);

    expect((await rows(kernel)).map((e) => e.operation)).toEqual(['kept.first', 'kept.second']);
    expect(await audit.verify()).toEqual({ ok: true, checked: 2 });
  });

  it('stores who acted, from where, and what, exactly as recorded', async () => {
    const { audit } = await freshKernel();
    const before = Date.now();
    await runInScope(scopeOf(actor('dave'), 'req-42', '203.0.113.7'), () =>
      audit.record({
        operation: 'organization.read',
        resourceType: 'organization',
        resourceId: 'org-1',
        organizationId: '00000000-0000-4000-8000-000000000001',
        decision: 'allow',
        reason: 'member',
        metadata: { nested: { b: 2, a: [1, 'x', null] }, flag: true },
      }),
    );
    const [stored] = (await audit.query({}, { limit: 10 })).events;
    expect(stored).toMatchObject({
      actorId: 'dave',
      actorType: 'user',
      authSource: 'session',
      requestId: 'req-42',
      ip: '203.0.113.7',
      operation: 'organization.read',
      resourceType: 'organization',
      resourceId: 'org-1',
      organizationId: '00000000-0000-4000-8000-000000000001',
      decision: 'allow',
      reason: 'member',
      metadata: { nested: { b: 2, a: [1, 'x', null] }, flag: true },
    });
    expect(stored!.occurredAt).toBeInstanceOf(Date);
    expect(stored!.occurredAt.getTime()).toBeGreaterThanOrEqual(before);
    expect(stored!.occurredAt.getTime()).toBeLessThanOrEqual(Date.now());
  });

  it('verifies an empty log', async () => {
    const { audit } = await freshKernel();
    expect(await audit.verify()).toEqual({ ok: true, checked: 0 });
  });
});

describe('the database keeps audit_events append-only', () => {
  it.each([
    { statement: 'UPDATE', sql: "UPDATE audit_events SET reason = 'rewritten'" },
    { statement: 'DELETE', sql: 'DELETE FROM audit_events WHERE seq = (SELECT min(seq) FROM audit_events)' },
    { statement: 'TRUNCATE', sql: 'TRUNCATE audit_events' },
  ])('rejects $statement', async ({ statement, sql }) => {
    const { kernel, audit } = await freshKernel();
    await recordSequentially(
      audit,
      3,
      (i) => event('thing.touched', { reason: `r${i}` }),
      scopeOf(actor('erin')),
    );
    const before = await rows(kernel);

    await expect(kernel.db.knex.raw(sql)).rejects.toMatchObject({
      code: '42501',
      message: expect.stringContaining(`audit_events is append-only: ${statement} is not allowed`),
    });

    expect(await rows(kernel)).toEqual(before);
    expect(await audit.verify()).toEqual({ ok: true, checked: 3 });
  });
});

describe('verify() detects tampering', () => {
  async function tamper(
    kernel: Kernel,
    trigger: string,
    sql: string,
    bindings: readonly (string | number)[],
  ): Promise<void> {
    const knex = kernel.db.knex;
    await knex.raw(`ALTER TABLE audit_events DISABLE TRIGGER ${trigger}`);
    try {
      await knex.raw(sql, bindings);
    } finally {
      await knex.raw(`ALTER TABLE audit_events ENABLE TRIGGER ${trigger}`);
    }
  }

  it.each([
    { field: 'reason', sql: "UPDATE audit_events SET reason = 'nothing to see' WHERE seq = ?" },
    { field: 'metadata', sql: `UPDATE audit_events SET metadata = '{"i": 999}'::jsonb WHERE seq = ?` },
    { field: 'actor', sql: "UPDATE audit_events SET actor_id = 'mallory' WHERE seq = ?" },
    { field: 'decision', sql: "UPDATE audit_events SET decision = 'allow' WHERE seq = ?" },
  ])('reports the row whose $field was changed as modified', async ({ sql }) => {
    const { kernel, audit } = await freshKernel();
    await recordSequentially(
      audit,
      6,
      (i) => event('thing.touched', { decision: 'deny', reason: `r${i}`, metadata: { i } }),
      scopeOf(actor('frank')),
    );
    const stored = await rows(kernel);
    const target = stored[3]!;

    await tamper(kernel, 'audit_events_no_update', sql, [target.seq]);

    const result = await audit.verify();
    expect(result).toEqual({
      ok: false,
      checked: 3,
      brokenAt: { seq: target.seq, id: target.id, problem: expect.stringContaining('modified') },
    });
  });

  it('reports a deleted middle row as a broken link at the following row', async () => {
    const { kernel, audit } = await freshKernel();
    await recordSequentially(
      audit,
      6,
      (i) => event('thing.touched', { metadata: { i } }),
      scopeOf(actor('grace')),
    );
    const stored = await rows(kernel);

    await tamper(kernel, 'audit_events_no_delete', 'DELETE FROM audit_events WHERE seq = ?', [
      stored[2]!.seq,
    ]);

    const result = await audit.verify();
    expect(result).toEqual({
      ok: false,
      checked: 2,
      brokenAt: {
        seq: stored[3]!.seq,
        id: stored[3]!.id,
        problem: expect.stringMatching(/link to the previous event is broken/),
      },
    });
    expect(result.ok ? '' : result.brokenAt.problem).toMatch(/removed/);
  });

  it('reports a deleted first row as a broken link at the new first row', async () => {
    const { kernel, audit } = await freshKernel();
    await recordSequentially(
      audit,
      3,
      (i) => event('thing.touched', { metadata: { i } }),
      scopeOf(actor('heidi')),
    );
    const stored = await rows(kernel);

    await tamper(kernel, 'audit_events_no_delete', 'DELETE FROM audit_events WHERE seq = ?', [
      stored[0]!.seq,
    ]);

    expect(await audit.verify()).toMatchObject({ ok: false, checked: 0, brokenAt: { seq: stored[1]!.seq } });
  });
});

describe('querying and exporting', () => {
  const alice = actor('alice');
  const bob = actor('bob');

  /** A small, varied log; returns the boundaries between its three time slices. */
  async function seed(audit: AuditLog): Promise<{ t1: Date; t2: Date }> {
    await audit.record(event('organization.read', { decision: 'allow', reason: 'member' }), scopeOf(alice));
    await audit.record(
      event('organization.update', { decision: 'deny', reason: 'requires org_admin' }),
      scopeOf(alice),
    );
    await sleep(15);
    const t1 = new Date();
    await sleep(15);
    await audit.record(
      event('team.read', { resourceId: 'team-1', decision: 'allow', reason: 'team_admin' }),
      scopeOf(bob),
    );
    await audit.record(
      event('team.read', { resourceId: 'team-2', decision: 'deny', reason: 'not a member of the team' }),
      scopeOf(bob),
    );
    await audit.record(event('api_token.created', { resourceId: 'tok-1' }), scopeOf(alice));
    await sleep(15);
    const t2 = new Date();
    await sleep(15);
    await audit.record(
      event('auth.login', { resourceType: 'session', decision: 'deny', reason: 'wrong password' }),
      scopeOf(ANONYMOUS_ACTOR),
    );
    await audit.record(event('organization.read', { decision: 'allow', reason: 'org_owner' }), scopeOf(bob));
    return { t1, t2 };
  }

  it('filters by actor, resource type, resource, operation, decision and time', async () => {
    const { audit } = await freshKernel();
    const { t1, t2 } = await seed(audit);
    const ops = async (filter: AuditQuery): Promise<string[]> =>
      (await audit.query(filter, { limit: 100 })).events.map(
        (e) => `${e.actorId ?? 'anonymous'}:${e.operation}:${e.decision ?? '-'}`,
      );

    expect(await ops({ actorId: 'alice' })).toEqual([
      'alice:api_token.created:-',
      'alice:organization.update:deny',
      'alice:organization.read:allow',
    ]);
    expect(await ops({ resourceType: 'team' })).toEqual(['bob:team.read:deny', 'bob:team.read:allow']);
    expect(await ops({ resourceType: 'team', resourceId: 'team-2' })).toEqual(['bob:team.read:deny']);
    expect(await ops({ operation: 'organization.read' })).toEqual([
      'bob:organization.read:allow',
      'alice:organization.read:allow',
    ]);
    expect(await ops({ decision: 'deny' })).toEqual([
      'anonymous:auth.login:deny',
      'bob:team.read:deny',
      'alice:organization.update:deny',
    ]);
    expect(await ops({ since: t1 })).toHaveLength(5);
    expect(await ops({ until: t1 })).toEqual([
      'alice:organization.update:deny',
      'alice:organization.read:allow',
    ]);
    expect(await ops({ since: t1, until: t2 })).toEqual([
      'alice:api_token.created:-',
      'bob:team.read:deny',
      'bob:team.read:allow',
    ]);
    expect(await ops({ actorId: 'bob', decision: 'allow', since: t1 })).toEqual([
      'bob:organization.read:allow',
      'bob:team.read:allow',
    ]);
    expect(await ops({ actorId: 'nobody' })).toEqual([]);
  });

  it('pages newest first with a cursor until nextCursor is null', async () => {
    const { audit } = await freshKernel();
    await recordSequentially(
      audit,
      25,
      (i) => event('thing.touched', { resourceId: `thing-${i}` }),
      scopeOf(alice),
    );

    const seen: string[] = [];
    const pageSizes: number[] = [];
    let cursor: string | undefined;
    for (let guard = 0; guard < 10; guard += 1) {
      const page = await audit.query({}, cursor === undefined ? { limit: 10 } : { cursor, limit: 10 });
      pageSizes.push(page.events.length);
      seen.push(...page.events.map((e) => e.resourceId!));
      if (page.nextCursor === null) break;
      cursor = page.nextCursor;
    }

    expect(pageSizes).toEqual([10, 10, 5]);
    expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => `thing-${24 - i}`));
  });

  it('does not hand out a cursor to an empty last page', async () => {
    const { audit } = await freshKernel();
    await recordSequentially(
      audit,
      20,
      (i) => event('thing.touched', { resourceId: `thing-${i}` }),
      scopeOf(alice),
    );
    const first = await audit.query({}, { limit: 10 });
    expect(first.nextCursor).not.toBeNull();
    const second = await audit.query({}, { cursor: first.nextCursor!, limit: 10 });
    expect(second.events).toHaveLength(10);
    expect(second.nextCursor).toBeNull();
  });

  it('pages within a filter', async () => {
    const { audit } = await freshKernel();
    await recordSequentially(
      audit,
      12,
      (i) => event('thing.touched', { resourceId: `thing-${i}`, decision: i % 2 === 0 ? 'allow' : 'deny' }),
      scopeOf(alice),
    );
    const first = await audit.query({ decision: 'deny' }, { limit: 4 });
    const second = await audit.query({ decision: 'deny' }, { cursor: first.nextCursor!, limit: 4 });
    expect(first.events.map((e) => e.resourceId)).toEqual(['thing-11', 'thing-9', 'thing-7', 'thing-5']);
    expect(second.events.map((e) => e.resourceId)).toEqual(['thing-3', 'thing-1']);
    expect(second.nextCursor).toBeNull();
  });

  it.each(['abc', '0', '-3', '1.5', '', '1e400'])(
    'rejects the invalid cursor %j as validation_failed',
    async (cursor) => {
      const { audit } = await freshKernel();
      const error = await audit.query({}, { cursor, limit: 10 }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(KernelError);
      expect(error).toMatchObject({
        code: 'validation_failed',
        status: 400,
        details: { errors: [{ path: '/querystring/cursor' }] },
      });
    },
  );

  it('exports every matching event, oldest first', async () => {
    const { audit } = await freshKernel();
    const { t1 } = await seed(audit);

    expect((await collect(audit)).map((e) => e.operation)).toEqual([
      'organization.read',
      'organization.update',
      'team.read',
      'team.read',
      'api_token.created',
      'auth.login',
      'organization.read',
    ]);
    const bobs = await collect(audit, { actorId: 'bob', since: t1 });
    expect(bobs.map((e) => `${e.operation}:${e.resourceId ?? '-'}`)).toEqual([
      'team.read:team-1',
      'team.read:team-2',
      'organization.read:-',
    ]);
    expect(bobs.map((e) => e.seq)).toEqual([...bobs.map((e) => e.seq)].sort((a, b) => a - b));
    expect(await collect(audit, { operation: 'no.such.operation' })).toEqual([]);
  });
});

describe('retention', () => {
  it('keeps everything when retentionDays is 0', async () => {
    const { kernel, audit } = await freshKernel({ audit: { retentionDays: 0 } });
    await recordSequentially(audit, 3, () => event('thing.touched'), scopeOf(actor('ivan')));
    expect(await audit.enforceRetention(new Date(Date.now() + 3_650 * DAY_MS))).toBe(0);
    expect(await rows(kernel)).toHaveLength(3);
    expect(await kernel.db.knex('auditCheckpoints')).toEqual([]);
  });

  it('removes events older than the retention period, checkpoints them, and the rest still verifies', async () => {
    const { kernel, audit } = await freshKernel({ audit: { retentionDays: 1 } });
    const judy = scopeOf(actor('judy'));
    await recordSequentially(audit, 5, (i) => event('old.event', { metadata: { i } }), judy);
    await sleep(15);
    const boundary = Date.now();
    await sleep(15);
    await recordSequentially(audit, 3, (i) => event('new.event', { metadata: { i } }), judy);
    const before = await rows(kernel);
    const lastOld = before[4]!;

    // One day after `boundary`, only the events from before it are past retention.
    const removed = await audit.enforceRetention(new Date(boundary + DAY_MS));

    expect(removed).toBe(5);
    const after = await rows(kernel);
    expect(after.map((e) => e.operation)).toEqual(['new.event', 'new.event', 'new.event', 'audit.retention']);
    expect(await kernel.db.knex('auditCheckpoints').select('lastSeq', 'lastHash', 'removed')).toEqual([
      { lastSeq: lastOld.seq, lastHash: lastOld.hash, removed: 5 },
    ]);
    expect(after.at(-1)).toMatchObject({
      actorId: 'system:system',
      actorType: 'system',
      resourceType: 'audit_event',
      metadata: { removed: 5, throughSeq: lastOld.seq, retentionDays: 1 },
    });
    expect(await audit.verify()).toEqual({ ok: true, checked: 4 });

    // New events keep chaining after retention.
    await audit.record(event('later.event'), judy);
    expect(await audit.verify()).toEqual({ ok: true, checked: 5 });

    // Retention does not leave deletion switched on for anyone else.
    await expect(kernel.db.knex.raw('DELETE FROM audit_events')).rejects.toThrow(/append-only/);
  });

  it('can remove the whole log (simulated three days later) and the chain continues from the checkpoint', async () => {
    const { kernel, audit } = await freshKernel({ audit: { retentionDays: 1 } });
    await recordSequentially(
      audit,
      4,
      (i) => event('thing.touched', { metadata: { i } }),
      scopeOf(actor('ken')),
    );
    const lastHash = (await rows(kernel)).at(-1)!.hash;

    expect(await audit.enforceRetention(new Date(Date.now() + 3 * DAY_MS))).toBe(4);

    const after = await rows(kernel);
    expect(after).toHaveLength(1);
    expect(after[0]).toMatchObject({
      operation: 'audit.retention',
      prevHash: lastHash,
      metadata: { removed: 4 },
    });
    expect(await kernel.db.knex('auditCheckpoints').select('removed', 'lastHash')).toEqual([
      { removed: 4, lastHash },
    ]);
    expect(await audit.verify()).toEqual({ ok: true, checked: 1 });

    await audit.record(event('after.retention'), scopeOf(actor('ken')));
    expect(await audit.verify()).toEqual({ ok: true, checked: 2 });
  });

  it('does nothing when no event is old enough', async () => {
    const { kernel, audit } = await freshKernel({ audit: { retentionDays: 1 } });
    await recordSequentially(audit, 3, () => event('thing.touched'), scopeOf(systemActor()));
    expect(await audit.enforceRetention()).toBe(0);
    expect(await rows(kernel)).toHaveLength(3);
    expect(await kernel.db.knex('auditCheckpoints')).toEqual([]);
    expect(await audit.verify()).toEqual({ ok: true, checked: 3 });
  });
});
