import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { AUDIT_LOG, AUTHORIZER, WORKSPACE, currentActor } from '@cinatra/kernel';
import { createTestDatabase, testConfig, type TestDatabase } from '@cinatra/kernel/testing';
import { createPlatform, type CinatraServer } from '@cinatra/host';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.drop();
});

test('stop lets in-flight requests finish, then refuses new connections', async () => {
  let handlerStarted!: () => void;
  const started = new Promise<void>((resolve) => (handlerStarted = resolve));
  const slowRoute = (app: CinatraServer) =>
    app.get('/slow', { config: { public: true } }, async () => {
      handlerStarted();
      await sleep(300);
      return { done: true };
    });
  const platform = await createPlatform(testConfig({ databaseUrl: db.url }), { plugins: [slowRoute] });
  const { url } = await platform.start();

  const response = fetch(`${url}/slow`);
  await started;
  const stopped = platform.stop();
  const res = await response;
  expect(res.status).toBe(200);
  expect(await res.json()).toEqual({ done: true });
  await stopped;
  await expect(fetch(`${url}/healthz`)).rejects.toThrow();
});

test('an audited decision in flight at stop is durable afterwards', async () => {
  const config = testConfig({ databaseUrl: db.url });
  let handlerStarted!: () => void;
  const started = new Promise<void>((resolve) => (handlerStarted = resolve));
  const platform = await createPlatform(config, {
    plugins: [
      (app, kernel) =>
        app.get('/slow-audited', { config: { public: true } }, async () => {
          handlerStarted();
          await sleep(200);
          const decision = await kernel
            .resolve(AUTHORIZER)
            .check(currentActor(), 'list', { type: 'user', owner: WORKSPACE });
          return { allowed: decision.allow };
        }),
    ],
  });
  const { url } = await platform.start();
  const response = fetch(`${url}/slow-audited`);
  await started;
  const stopped = platform.stop();
  expect((await (await response).json()) as unknown).toEqual({ allowed: false });
  await stopped;

  const again = await createPlatform(config);
  try {
    const page = await again.kernel
      .resolve(AUDIT_LOG)
      .query({ operation: 'user.list', decision: 'deny' }, { limit: 10 });
    expect(page.events).toHaveLength(1);
    expect(page.events[0]!.reason).toBe('not authenticated');
  } finally {
    await again.stop();
  }
});
