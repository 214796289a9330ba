import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import {
  AUDIT_LOG,
  createKernel,
  costOf,
  KernelError,
  LLM_BUDGETS,
  LLM_CLOCK,
  LLM_ORCHESTRATOR,
  LLM_PRICES,
  LLM_PROVIDERS,
  LLM_SETTINGS,
  LLM_USAGE,
  ORGANIZATION_DIRECTORY,
  runAsActor,
  systemActor,
  type ActorContext,
  type Kernel,
  type LlmCallOptions,
  type LlmUsageRecord,
} from '../src/index.js';
import { createTestDatabase, testConfig, type TestDatabase } from '../src/testing/index.js';
import { actor, capturingLogger, recordingClock, reply, ScriptedProvider, type Step } from './llmSupport.js';

let db: TestDatabase;
let kernel: Kernel;
let orgId: string;
let otherOrgId: string;
let MEMBER: ActorContext;
let ORG_ADMIN: ActorContext;
const ADMIN = actor('00000000-0000-4000-8000-0000000000a1', { platformRole: 'platform_admin' });
const { logger, lines } = capturingLogger();
const unregister: Array<() => void> = [];

beforeAll(async () => {
  db = await createTestDatabase();
  kernel = await createKernel(testConfig({ databaseUrl: db.url }), { logger });
  kernel.container.register(LLM_CLOCK, { useValue: recordingClock() });
  const orgs = kernel.resolve(ORGANIZATION_DIRECTORY);
  orgId = (await runAsActor(systemActor(), () => orgs.createOrganization({ slug: 'acme', name: 'Acme' }))).id;
  otherOrgId = (
    await runAsActor(systemActor(), () => orgs.createOrganization({ slug: 'globex', name: 'Globex' }))
  ).id;
  MEMBER = actor('00000000-0000-4000-8000-0000000000b1', { organizations: [{ id: orgId, role: 'member' }] });
  ORG_ADMIN = actor('00000000-0000-4000-8000-0000000000c1', {
    organizations: [{ id: orgId, role: 'org_admin' }],
  });
});

afterAll(async () => {
  await kernel?.close();
  await db?.drop();
});

afterEach(() => {
  for (const off of unregister.splice(0)) off();
});

function provider(id: string, steps: Step[]): ScriptedProvider {
  const p = new ScriptedProvider(id, steps);
  unregister.push(kernel.resolve(LLM_PROVIDERS).register(p));
  return p;
}

const ask = (options: Partial<LlmCallOptions>, as: ActorContext = MEMBER) =>
  runAsActor(as, () =>
    kernel.resolve(LLM_ORCHESTRATOR).generate({ messages: [{ role: 'user', content: 'Hi' }], ...options }),
  );

async function failure(promise: Promise<unknown>): Promise<KernelError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(KernelError);
  return error as KernelError;
}

const BACKLOG_EVENT: LlmUsageRecord = {
  provider: 'closing',
  model: 'm',
  usage: { inputTokens: 1, outputTokens: 1, cachedInputTokens: 0, reasoningTokens: 0 },
  latencyMs: 1,
  costUsd: 0,
  status: 'ok',
  actorId: null,
  actorType: 'system',
  traceId: 'closing',
  attempt: 1,
};

async function audit(operation: string) {
  await kernel.resolve(AUDIT_LOG).flush();
  return (await kernel.resolve(AUDIT_LOG).query({ operation }, { limit: 20 })).events;
}

describe('usage events and cost', () => {
  test('cached input is priced at the cached price and reasoning at the output price', async () => {
    provider('openai', [
      reply('priced', {
        model: 'gpt-5.4-2026-03-05',
        usage: { inputTokens: 10_000, cachedInputTokens: 4_000, outputTokens: 2_000, reasoningTokens: 500 },
      }),
    ]);
    const result = await ask({
      provider: 'openai',
      model: 'gpt-5.4',
      agent: { id: '@acme/brief' },
      runId: 'run-42',
      traceId: 'trace-priced',
    });
    // 6,000 uncached × $2.50 + 4,000 cached × $0.25 + 2,000 output (500 of them reasoning) × $15, per million.
    expect(result.costUsd).toBeCloseTo(0.046, 10);
    await kernel.resolve(LLM_ORCHESTRATOR).flush(); // usage events are written behind the call
    const [row] = await kernel.db.knex('llmUsageEvents').where({ traceId: 'trace-priced' });
    expect(row).toMatchObject({
      provider: 'openai',
      model: 'gpt-5.4',
      responseModel: 'gpt-5.4-2026-03-05',
      inputTokens: 10_000,
      cachedInputTokens: 4_000,
      outputTokens: 2_000,
      reasoningTokens: 500,
      status: 'ok',
      errorKind: null,
      agentId: '@acme/brief',
      runId: 'run-42',
      providerExtension: '@test/llm-openai',
      callerExtension: null,
      actorId: MEMBER.principalId,
      actorType: 'user',
      organizationId: orgId,
      attempt: 1,
      skills: [],
    });
    expect(Number(row.costUsd)).toBeCloseTo(0.046, 10);
    expect(row.latencyMs).toBeGreaterThanOrEqual(0);
  });

  test('a dated snapshot is priced by its model, and an extension caller is recorded', async () => {
    provider('anthropic', [reply('ok', { usage: { inputTokens: 1_000, outputTokens: 100 } })]);
    const extension = actor('@acme/crm', { principalType: 'extension' });
    const result = await ask({ provider: 'anthropic', model: 'claude-sonnet-4-5-20250929' }, extension);
    expect(result.costUsd).toBeCloseTo(0.0045, 10);
    await kernel.resolve(LLM_ORCHESTRATOR).flush();
    const [row] = await kernel.db.knex('llmUsageEvents').where({ traceId: result.traceId });
    expect(row).toMatchObject({ callerExtension: '@acme/crm', actorType: 'extension', organizationId: null });
  });

  test('a model without a price costs 0, with one warning however often it is called', async () => {
    provider('nobody', [reply('free 1'), reply('free 2')]);
    const first = await ask({ provider: 'nobody', model: 'unknown-model' });
    await ask({ provider: 'nobody', model: 'unknown-model' });
    expect(first.costUsd).toBe(0);
    const warnings = lines.filter((l) => String(l.msg).includes('no price for LLM nobody/unknown-model'));
    expect(warnings).toHaveLength(1);
  });

  test('usage and audit events still queued when the kernel closes are written before it has closed', async () => {
    const other = await createKernel(testConfig({ databaseUrl: db.url }));
    other.resolve(LLM_PROVIDERS).register(new ScriptedProvider('closing', [reply('one'), reply('two')]));
    const call = { provider: 'closing', model: 'm', messages: [{ role: 'user' as const, content: 'Hi' }] };
    await runAsActor(MEMBER, () =>
      Promise.all(
        [0, 1].map(() =>
          other.resolve(LLM_ORCHESTRATOR).generate({ ...call, traceId: 'closing', runId: 'closing-run' }),
        ),
      ),
    );
    // Plus a backlog of several inserts, as under load.
    for (let i = 0; i < 3000; i++) other.resolve(LLM_USAGE).enqueue(BACKLOG_EVENT);
    await other.close(); // no flush: closing writes what is still queued
    const [counted] = await kernel.db.knex('llmUsageEvents').where({ traceId: 'closing' }).count('* as n');
    expect(Number(counted!.n)).toBe(3002);
    const audited = await kernel.db
      .knex('auditEvents')
      .where({ operation: 'llm.invoke', decision: 'allow' })
      .whereRaw("metadata->>'runId' = ?", ['closing-run']);
    expect(audited).toHaveLength(2);
  });

  test('costOf rounds to the stored precision', () => {
    expect(
      costOf(
        { inputPerMTok: 3, cachedInputPerMTok: null, outputPerMTok: 15 },
        { inputTokens: 1, outputTokens: 1, cachedInputTokens: 1, reasoningTokens: 0 },
      ),
    ).toBe(0.000018);
  });
});

describe('prices', () => {
  test('built-in prices are listed; an admin override is used and audited with the previous price', async () => {
    const prices = kernel.resolve(LLM_PRICES);
    const builtin = await runAsActor(MEMBER, () => prices.list());
    expect(builtin).toContainEqual(
      expect.objectContaining({
        provider: 'anthropic',
        model: 'claude-sonnet-4-5',
        inputPerMTok: 3,
        source: 'builtin',
      }),
    );
    expect(builtin).toContainEqual(
      expect.objectContaining({ provider: 'scripted', model: '*', outputPerMTok: 0 }),
    );

    expect(
      (
        await failure(
          runAsActor(MEMBER, () =>
            prices.upsert({ provider: 'x', model: 'y', inputPerMTok: 1, outputPerMTok: 1 }),
          ),
        )
      ).code,
    ).toBe('forbidden');
    const updated = await runAsActor(ADMIN, () =>
      prices.upsert({
        provider: 'openai',
        model: 'gpt-5.4',
        inputPerMTok: 1,
        cachedInputPerMTok: 0.1,
        outputPerMTok: 2,
      }),
    );
    expect(updated).toMatchObject({ source: 'admin', updatedBy: ADMIN.principalId });

    provider('openai', [reply('cheaper', { usage: { inputTokens: 1_000_000, outputTokens: 1_000_000 } })]);
    expect((await ask({ provider: 'openai', model: 'gpt-5.4' })).costUsd).toBe(3);

    const [event] = await audit('llm_price.updated');
    expect(event).toMatchObject({
      actorId: ADMIN.principalId,
      resourceId: 'openai/gpt-5.4',
      metadata: {
        before: { inputPerMTok: 2.5, cachedInputPerMTok: 0.25, outputPerMTok: 15, source: 'builtin' },
        after: { inputPerMTok: 1, cachedInputPerMTok: 0.1, outputPerMTok: 2, source: 'admin' },
      },
    });
  });

  test('a provider-wide price applies to unlisted models; removing it is audited', async () => {
    const prices = kernel.resolve(LLM_PRICES);
    await runAsActor(ADMIN, () =>
      prices.upsert({ provider: 'local', model: '*', inputPerMTok: 1, outputPerMTok: 1 }),
    );
    expect(
      (
        await prices.price('local', 'any', {
          inputTokens: 500_000,
          outputTokens: 500_000,
          cachedInputTokens: 0,
          reasoningTokens: 0,
        })
      ).costUsd,
    ).toBe(1);
    await runAsActor(ADMIN, () => prices.remove('local', '*'));
    expect((await failure(runAsActor(ADMIN, () => prices.remove('local', '*')))).code).toBe('not_found');
    const [event] = await audit('llm_price.removed');
    expect(event).toMatchObject({ resourceId: 'local/*', metadata: { before: { inputPerMTok: 1 } } });
  });

  test('invalid prices are refused naming the field', async () => {
    const error = await failure(
      runAsActor(ADMIN, () =>
        kernel
          .resolve(LLM_PRICES)
          .upsert({ provider: 'openai', model: 'gpt-x', inputPerMTok: -1, outputPerMTok: 1 }),
      ),
    );
    expect(error.code).toBe('validation_failed');
    expect(error.details.errors).toEqual([{ path: '/inputPerMTok', message: expect.any(String) }]);
  });
});

describe('budgets', () => {
  test('a spent budget refuses calls with the limit, the spend and the period, before any vendor request', async () => {
    const budgets = kernel.resolve(LLM_BUDGETS);
    const org = await runAsActor(systemActor(), () =>
      kernel.resolve(ORGANIZATION_DIRECTORY).createOrganization({ slug: 'initech', name: 'Initech' }),
    );
    const member = actor('00000000-0000-4000-8000-0000000000e1', {
      organizations: [{ id: org.id, role: 'member' }],
    });
    const admin = actor('00000000-0000-4000-8000-0000000000e2', {
      organizations: [{ id: org.id, role: 'org_admin' }],
    });

    expect((await failure(runAsActor(admin, () => budgets.set(org.id, 'day', 1)))).code).toBe('forbidden');
    await runAsActor(ADMIN, () => budgets.set(org.id, 'day', 0.04));
    const [event] = await audit('llm_budget.updated');
    expect(event).toMatchObject({
      organizationId: org.id,
      metadata: { period: 'day', before: null, after: 0.04 },
    });

    const pricey = { usage: { inputTokens: 400_000 } }; // at least $0.40 for gpt-5.4, ten times the limit
    const openai = provider('openai', [reply('allowed', pricey), reply('other org', pricey)]);
    expect((await ask({ provider: 'openai', model: 'gpt-5.4' }, member)).text).toBe('allowed');

    const error = await failure(ask({ provider: 'openai', model: 'gpt-5.4' }, member));
    expect(error.code).toBe('llm_budget_exceeded');
    expect(error.status).toBe(402);
    expect(error.message).toMatch(
      /daily LLM budget of \$0\.0400 is spent \(\$0\.\d+ since \d{4}-\d{2}-\d{2}T00:00:00\.000Z\)/,
    );
    expect(error.details.data).toMatchObject({ organizationId: org.id, period: 'day', limitUsd: 0.04 });
    expect(openai.remaining).toBe(1);

    const [view] = await runAsActor(admin, () => budgets.list({ organizationId: org.id }));
    expect(view).toMatchObject({ period: 'day', limitUsd: 0.04 });
    expect(view!.spentUsd).toBeGreaterThanOrEqual(0.4);
    expect((await failure(runAsActor(member, () => budgets.list({ organizationId: org.id })))).code).toBe(
      'forbidden',
    );
    expect((await failure(runAsActor(admin, () => budgets.list()))).code).toBe('forbidden');

    // Another organization's calls are not affected; removing the budget lets calls through again.
    expect((await ask({ provider: 'openai', model: 'gpt-5.4' }, MEMBER)).text).toBe('other org');
    await runAsActor(ADMIN, () => budgets.remove(org.id, 'day'));
    expect((await audit('llm_budget.removed'))[0]).toMatchObject({
      organizationId: org.id,
      metadata: { before: 0.04 },
    });
    provider('scripted', [reply('free again')]);
    expect((await ask({ provider: 'scripted', model: 'whatever' }, member)).text).toBe('free again');
  });

  test('budgets name an existing organization and a known period', async () => {
    const budgets = kernel.resolve(LLM_BUDGETS);
    expect(
      (
        await failure(
          runAsActor(ADMIN, () => budgets.set('00000000-0000-4000-8000-000000000000', 'month', 5)),
        )
      ).code,
    ).toBe('not_found');
    expect((await failure(runAsActor(ADMIN, () => budgets.set(orgId, 'week' as 'day', 5)))).code).toBe(
      'validation_failed',
    );
    expect((await failure(runAsActor(ADMIN, () => budgets.remove(orgId, 'month')))).message).toContain(
      'no monthly LLM budget',
    );
  });
});

describe('usage summaries', () => {
  const day1 = new Date('2024-03-01T10:00:00Z');
  const day2 = new Date('2024-03-02T23:30:00Z');
  const range = { from: new Date('2024-03-01T00:00:00Z'), to: new Date('2024-03-03T00:00:00Z') };

  beforeAll(async () => {
    const usage = kernel.resolve(LLM_USAGE);
    const base: Omit<LlmUsageRecord, 'provider' | 'model' | 'occurredAt'> = {
      usage: { inputTokens: 100, outputTokens: 10, cachedInputTokens: 20, reasoningTokens: 5 },
      latencyMs: 12,
      costUsd: 0.5,
      status: 'ok',
      actorId: MEMBER.principalId,
      actorType: 'user',
      organizationId: orgId,
      traceId: 'summary',
      attempt: 1,
    };
    await usage.record({
      ...base,
      provider: 'openai',
      model: 'gpt-5.4',
      occurredAt: day1,
      agentId: 'agent-a',
    });
    await usage.record({
      ...base,
      provider: 'openai',
      model: 'gpt-5.4-mini',
      occurredAt: day1,
      agentId: 'agent-b',
    });
    await usage.record({
      ...base,
      provider: 'anthropic',
      model: 'claude-sonnet-4-5',
      occurredAt: day2,
      agentId: 'agent-a',
      status: 'error',
      errorKind: 'server_error',
      usage: { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0, reasoningTokens: 0 },
      costUsd: 0,
    });
    await usage.record({
      ...base,
      provider: 'openai',
      model: 'gpt-5.4',
      occurredAt: day2,
      organizationId: otherOrgId,
    });
  });

  const summary = (
    groupBy: 'provider' | 'model' | 'agent' | 'day',
    as: ActorContext = ADMIN,
    organizationId?: string,
  ) =>
    runAsActor(as, () =>
      kernel.resolve(LLM_USAGE).summary({ ...range, groupBy, ...(organizationId ? { organizationId } : {}) }),
    );

  test('by provider, with calls, errors, tokens and cost', async () => {
    expect(await summary('provider')).toEqual([
      {
        key: 'anthropic',
        calls: 1,
        errors: 1,
        inputTokens: 0,
        outputTokens: 0,
        cachedInputTokens: 0,
        reasoningTokens: 0,
        costUsd: 0,
      },
      {
        key: 'openai',
        calls: 3,
        errors: 0,
        inputTokens: 300,
        outputTokens: 30,
        cachedInputTokens: 60,
        reasoningTokens: 15,
        costUsd: 1.5,
      },
    ]);
  });

  test('by model, agent and UTC day', async () => {
    expect((await summary('model')).map((r) => [r.key, r.calls])).toEqual([
      ['anthropic/claude-sonnet-4-5', 1],
      ['openai/gpt-5.4', 2],
      ['openai/gpt-5.4-mini', 1],
    ]);
    expect((await summary('agent')).map((r) => [r.key, r.calls])).toEqual([
      ['agent-a', 2],
      ['agent-b', 1],
      [null, 1],
    ]);
    expect((await summary('day')).map((r) => [r.key, r.calls, r.costUsd])).toEqual([
      ['2024-03-01', 2, 1],
      ['2024-03-02', 2, 0.5],
    ]);
  });

  test("an organization's admins see their organization only; members and the instance-wide view are refused", async () => {
    expect((await summary('provider', ORG_ADMIN, orgId)).map((r) => [r.key, r.calls])).toEqual([
      ['anthropic', 1],
      ['openai', 2],
    ]);
    expect((await failure(summary('provider', ORG_ADMIN))).code).toBe('forbidden');
    expect((await failure(summary('provider', ORG_ADMIN, otherOrgId))).code).toBe('forbidden');
    expect((await failure(summary('provider', MEMBER, orgId))).code).toBe('forbidden');
  });
});

describe('settings', () => {
  test('members read them; only platform admins change them, audited with before and after', async () => {
    const settings = kernel.resolve(LLM_SETTINGS);
    const initial = await runAsActor(MEMBER, () => settings.get());
    expect(initial).toMatchObject({
      defaultTarget: null,
      fallback: null,
      maxAttempts: 3,
      attemptTimeoutMs: 120_000,
      skillJudge: null,
    });
    expect((await failure(runAsActor(MEMBER, () => settings.update({ maxAttempts: 5 })))).code).toBe(
      'forbidden',
    );

    const updated = await runAsActor(ADMIN, () =>
      settings.update({
        defaultTarget: { provider: 'anthropic', model: 'claude-sonnet-4-5' },
        maxAttempts: 4,
      }),
    );
    expect(updated).toMatchObject({
      defaultTarget: { provider: 'anthropic', model: 'claude-sonnet-4-5' },
      maxAttempts: 4,
      updatedBy: ADMIN.principalId,
    });
    const [event] = await audit('llm_settings.updated');
    expect(event!.metadata).toMatchObject({
      before: { defaultTarget: null, maxAttempts: 3 },
      after: { defaultTarget: { provider: 'anthropic', model: 'claude-sonnet-4-5' }, maxAttempts: 4 },
    });

    // The instance default is what a call without a choice uses.
    const anthropic = provider('anthropic', [reply('default model')]);
    await ask({});
    expect(anthropic.requests[0]!.model).toBe('claude-sonnet-4-5');
  });

  test('invalid settings are refused naming every field', async () => {
    const error = await failure(
      runAsActor(ADMIN, () =>
        kernel
          .resolve(LLM_SETTINGS)
          .update({ maxAttempts: 0, attemptTimeoutMs: 10, fallback: { provider: 'openai', model: '' } }),
      ),
    );
    expect(error.code).toBe('validation_failed');
    expect(error.details.errors!.map((e) => e.path)).toEqual([
      '/fallback/model',
      '/maxAttempts',
      '/attemptTimeoutMs',
    ]);
  });
});
