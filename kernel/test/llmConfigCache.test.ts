import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import {
  createKernel,
  KernelError,
  LLM_BUDGETS,
  LLM_ORCHESTRATOR,
  LLM_PRICES,
  LLM_PROVIDERS,
  LLM_SETTINGS,
  ORGANIZATION_DIRECTORY,
  PG_LISTENER,
  runAsActor,
  systemActor,
  type ActorContext,
  type Kernel,
  type LlmCallOptions,
  type LlmProvider,
} from '../src/index.js';
import { createTestDatabase, testConfig, type TestDatabase } from '../src/testing/index.js';
import { actor, reply } from './llmSupport.js';

/**
 * The settings, prices and budget limits the orchestrator reads from memory: a change made through
 * the service is used by the very next call of the same kernel, and by another kernel on the same
 * database (another process of the instance) once the NOTIFY sent on commit has reached it.
 */

let db: TestDatabase;
let here: Kernel;
let there: Kernel;
let orgId: string;
let MEMBER: ActorContext;
const ADMIN = actor('00000000-0000-4000-8000-0000000000a1', { platformRole: 'platform_admin' });
/** Answers every request, however often, with the model it was asked for and a million input tokens. */
const echoModel: LlmProvider = {
  id: 'alpha',
  displayName: 'Alpha',
  extension: null,
  models: [],
  generate: async (request) => reply(request.model, { usage: { inputTokens: 1_000_000, outputTokens: 0 } }),
  stream: async function* () {
    yield* [];
    throw new Error('not used');
  },
};

beforeAll(async () => {
  db = await createTestDatabase();
  here = await createKernel(testConfig({ databaseUrl: db.url }));
  there = await createKernel(testConfig({ databaseUrl: db.url }));
  const org = await runAsActor(systemActor(), () =>
    here.resolve(ORGANIZATION_DIRECTORY).createOrganization({ slug: 'acme', name: 'Acme' }),
  );
  orgId = org.id;
  MEMBER = actor('00000000-0000-4000-8000-0000000000b1', { organizations: [{ id: orgId, role: 'member' }] });
  for (const kernel of [here, there]) kernel.resolve(LLM_PROVIDERS).register(echoModel);
});

afterAll(async () => {
  await here?.close();
  await there?.close();
  await db?.drop();
});

const ask = (kernel: Kernel, options: Partial<LlmCallOptions> = {}) =>
  runAsActor(MEMBER, () =>
    kernel.resolve(LLM_ORCHESTRATOR).generate({ messages: [{ role: 'user', content: 'Hi' }], ...options }),
  );

const asAdmin = <T>(fn: () => Promise<T>) => runAsActor(ADMIN, fn);

/** Waits (up to 5 s) until `check` passes: the other kernel's notification has arrived. */
const eventually = (check: () => Promise<void>) => vi.waitFor(check, { timeout: 5000, interval: 20 });

/** Resolves once every notification committed so far has reached `kernel`'s listener (they arrive in commit order). */
async function notificationsDelivered(kernel: Kernel): Promise<void> {
  const listener = kernel.resolve(PG_LISTENER);
  let arrived!: () => void;
  const probe = new Promise<void>((resolve) => (arrived = resolve));
  const stop = await listener.listen('llm_config_cache_test', () => arrived());
  await listener.notify('llm_config_cache_test', 'probe');
  await probe;
  await stop();
}

async function refusal(promise: Promise<unknown>): Promise<KernelError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(KernelError);
  return error as KernelError;
}

describe('LLM settings', () => {
  test('an update is used by the next call here, and by the other kernel once notified', async () => {
    await asAdmin(() =>
      here.resolve(LLM_SETTINGS).update({ defaultTarget: { provider: 'alpha', model: 'm1' } }),
    );
    expect((await ask(here)).text).toBe('m1');
    expect((await ask(there)).text).toBe('m1'); // both kernels now hold m1

    await asAdmin(() =>
      here.resolve(LLM_SETTINGS).update({ defaultTarget: { provider: 'alpha', model: 'm2' } }),
    );
    expect((await ask(here)).text).toBe('m2');
    await eventually(async () => expect((await ask(there)).text).toBe('m2'));

    await asAdmin(() =>
      there.resolve(LLM_SETTINGS).update({ defaultTarget: { provider: 'alpha', model: 'm3' } }),
    );
    expect((await ask(there)).text).toBe('m3');
    await eventually(async () => expect((await ask(here)).text).toBe('m3'));
  });

  test('a change made behind the service is not seen until the listener reconnects and re-reads', async () => {
    const settings = here.resolve(LLM_SETTINGS);
    await asAdmin(() => settings.update({ maxAttempts: 3 }));
    await notificationsDelivered(here); // the update's own NOTIFY drops the copy once more
    expect((await settings.current()).maxAttempts).toBe(3);
    // No NOTIFY: the copy in memory stays (the orchestrator does not read the row per call)…
    await here.db.knex('llmSettings').update({ maxAttempts: 7 });
    expect((await settings.current()).maxAttempts).toBe(3);
    // …until notifications may have been lost: a dropped listener connection drops every copy.
    await here.db.knex.raw(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
        WHERE application_name = 'cinatra-listener' AND datname = current_database()`,
    );
    await eventually(async () => expect((await settings.current()).maxAttempts).toBe(7));
    await asAdmin(() => settings.update({ maxAttempts: 3 }));
  });
});

describe('LLM prices', () => {
  test('a price set or removed is used by the next call here, and by the other kernel once notified', async () => {
    const call = { provider: 'alpha', model: 'priced' };
    expect((await ask(here, call)).costUsd).toBe(0); // no price yet (both kernels hold the table)
    expect((await ask(there, call)).costUsd).toBe(0);

    await asAdmin(() =>
      here
        .resolve(LLM_PRICES)
        .upsert({ provider: 'alpha', model: 'priced', inputPerMTok: 2, outputPerMTok: 2 }),
    );
    expect((await ask(here, call)).costUsd).toBe(2);
    await eventually(async () => expect((await ask(there, call)).costUsd).toBe(2));

    await asAdmin(() => there.resolve(LLM_PRICES).remove('alpha', 'priced'));
    expect((await ask(there, call)).costUsd).toBe(0);
    await eventually(async () => expect((await ask(here, call)).costUsd).toBe(0));
  });
});

describe('LLM budgets', () => {
  test('a budget set or removed applies to the next call here, and to the other kernel once notified', async () => {
    const call = { provider: 'alpha', model: 'budgeted' };
    await asAdmin(() =>
      here
        .resolve(LLM_PRICES)
        .upsert({ provider: 'alpha', model: 'budgeted', inputPerMTok: 1, outputPerMTok: 0 }),
    );
    expect((await ask(here, call)).costUsd).toBe(1); // no budget: allowed
    // The other kernel prices it once the change notification reached it.
    await eventually(async () => expect((await ask(there, call)).costUsd).toBe(1));

    await asAdmin(() => here.resolve(LLM_BUDGETS).set(orgId, 'month', 1));
    expect((await refusal(ask(here, call))).code).toBe('llm_budget_exceeded');
    await eventually(async () =>
      expect((await refusal(ask(there, call))).details.data).toMatchObject({
        organizationId: orgId,
        period: 'month',
        limitUsd: 1,
      }),
    );

    await asAdmin(() => there.resolve(LLM_BUDGETS).remove(orgId, 'month'));
    expect((await ask(there, call)).costUsd).toBe(1);
    await eventually(async () => expect((await ask(here, call)).costUsd).toBe(1));
  });

  test('with both a daily and a monthly budget, the first one spent refuses', async () => {
    const budgets = here.resolve(LLM_BUDGETS);
    await asAdmin(() => budgets.set(orgId, 'day', 1_000));
    await asAdmin(() => budgets.set(orgId, 'month', 0.5));
    const error = await refusal(ask(here, { provider: 'alpha', model: 'budgeted' }));
    expect(error.details.data).toMatchObject({ period: 'month', limitUsd: 0.5 });
    expect((error.details.data as { spentUsd: number }).spentUsd).toBeGreaterThanOrEqual(3);
    await asAdmin(() => budgets.remove(orgId, 'day'));
    await asAdmin(() => budgets.remove(orgId, 'month'));
  });
});
