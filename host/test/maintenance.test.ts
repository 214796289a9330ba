import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, expect, test } from 'vitest';
import {
  AUDIT_LOG,
  QUEUE,
  auditContentDigest,
  createKernel,
  runAsActor,
  systemActor,
  type JobView,
  type Kernel,
} from '@cinatra/kernel';
import { createTestDatabase, testConfig, type TestDatabase } from '@cinatra/kernel/testing';
import { createPlatform, MAINTENANCE_QUEUE, type Platform } from '@cinatra/host';

let db: TestDatabase;
let platform: Platform;

beforeAll(async () => {
  db = await createTestDatabase();
  const config = testConfig({ databaseUrl: db.url, audit: { retentionDays: 1 } });
  // Old events first, so they are the oldest part of the chain (retention removes a prefix).
  const kernel = await createKernel(config);
  await appendOldEvent(kernel, 3);
  await appendOldEvent(kernel, 2);
  await kernel.close();
  platform = await createPlatform(config);
  await platform.start();
});

afterAll(async () => {
  await platform?.stop();
  await db?.drop();
});

/** Appends an audit event dated `daysAgo` through the same database function the kernel uses. */
async function appendOldEvent(kernel: Kernel, daysAgo: number): Promise<void> {
  const row = {
    id: crypto.randomUUID(),
    occurredAt: new Date(Date.now() - daysAgo * 86_400_000),
    actorId: null,
    actorType: 'system',
    authSource: 'system',
    organizationId: null,
    resourceType: 'thing',
    resourceId: null,
    operation: 'thing.touched',
    decision: null,
    reason: null,
    requestId: null,
    ip: null,
    metadata: {},
  };
  await kernel.db.knex.raw('SELECT cinatra_audit_append(?::jsonb)', [
    JSON.stringify([{ ...row, digest: auditContentDigest(row) }]),
  ]);
}

async function finished(id: string): Promise<JobView> {
  for (;;) {
    const job = await platform.kernel.resolve(QUEUE).getJob(MAINTENANCE_QUEUE, id);
    if (job && ['completed', 'dead', 'cancelled'].includes(job.state)) return job;
    await sleep(50);
  }
}

test('the platform registers audit retention as a cron job of the maintenance queue', async () => {
  const schedules = await platform.kernel.db.knex('queueSchedules').where({ queue: MAINTENANCE_QUEUE });
  expect(schedules).toMatchObject([{ id: 'audit-retention', cron: '17 */6 * * *' }]);
  expect(schedules[0]!.scope.actor.principalType).toBe('system');
});

test('a maintenance job applies audit retention (not the start), and the remaining chain verifies', async () => {
  expect(await platform.kernel.db.knex('auditCheckpoints')).toEqual([]);
  const audit = platform.kernel.resolve(AUDIT_LOG);
  const { id } = await runAsActor(systemActor(), () =>
    platform.kernel.resolve(QUEUE).enqueue(MAINTENANCE_QUEUE, {}),
  );
  const job = await finished(id);
  expect(job).toMatchObject({ state: 'completed' });
  expect(job.result).toBe(2);
  const oldest = await platform.kernel.db.knex('auditEvents').min('occurredAt as at').first();
  expect(new Date(oldest!.at as string).getTime()).toBeGreaterThan(Date.now() - 86_400_000);
  const checkpoints = await platform.kernel.db.knex('auditCheckpoints');
  expect(checkpoints).toHaveLength(1);
  expect((await audit.verify()).ok).toBe(true);
});
