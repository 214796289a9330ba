import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestDatabase, testConfig } from '@cinatra/kernel/testing';
import type { SigningKey } from '@cinatra/sdk';
import { createPlatform } from '@cinatra/host';
import {
  createUser,
  expectAudited,
  expectProblem,
  setUpAdmin,
  signIn,
  type SessionClient,
} from './support/apiClient.js';
import { trustTestPublisher } from './support/extensionSetup.js';
import { enableTestProviders, TEST_PROVIDER_EXTENSION } from './support/llmExtensions.js';
import { SseParser, type SseFrame } from './support/sseClient.js';

/**
 * The LLM orchestration's HTTP surface on a real platform, with a signed provider extension
 * (providers test-a and test-b) running in its own process: providers, settings, prices,
 * budgets, usage summaries, model calls as JSON and as an event stream, the primitives, and the
 * OpenAPI document.
 */

interface CallResult {
  provider: string;
  model: string;
  text: string;
  costUsd: number;
  structured?: unknown;
  attempts: number;
  usageEventIds: string[];
  totalUsage: { inputTokens: number; outputTokens: number };
}

interface SummaryRow {
  key: string | null;
  calls: number;
  errors: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
}

const db = await createTestDatabase();
const platform = await createPlatform(testConfig({ databaseUrl: db.url }));
const work = mkdtempSync(join(tmpdir(), 'cinatra-llm-routes-'));
let publisher: SigningKey;
let admin: SessionClient;
let member: SessionClient;
let orgAdmin: SessionClient;
/** The member's only organization (their calls are billed to it). */
let acmeId: string;
/** An organization whose usage only the summary test makes. */
let ledgerId: string;

const ask = (content: string, extra: Record<string, unknown> = {}) => ({
  messages: [{ role: 'user', content }],
  ...extra,
});

async function generate(as: SessionClient, body: Record<string, unknown>): Promise<CallResult> {
  const res = await as.post('/api/llm/generate', body);
  expect(res.statusCode, res.body).toBe(200);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  return res.json<CallResult>();
}

async function setPrice(provider: string, model: string, inputPerMTok: number, outputPerMTok: number) {
  const res = await admin.put('/api/llm/prices', { provider, model, inputPerMTok, outputPerMTok });
  expect(res.statusCode, res.body).toBe(200);
}

beforeAll(async () => {
  admin = await setUpAdmin(platform);
  publisher = await trustTestPublisher(platform);
  await enableTestProviders(platform, publisher, work);
  const owner = await createUser(admin, 'owner@example.com', 'Org owner');
  const user = await createUser(admin, 'member@example.com', 'Member');
  const org = async (slug: string) => {
    const res = await admin.post('/api/organizations', { slug, name: slug, ownerId: owner.id });
    expect(res.statusCode, res.body).toBe(201);
    return res.json<{ id: string }>().id;
  };
  acmeId = await org('acme');
  ledgerId = await org('ledger');
  expect(
    (await admin.put(`/api/organizations/${acmeId}/members/${user.id}`, { role: 'member' })).statusCode,
  ).toBe(200);
  // Signed in after the memberships exist, so their sessions carry them.
  member = await signIn(platform.server, 'member@example.com');
  orgAdmin = await signIn(platform.server, 'owner@example.com');
}, 60_000);

afterAll(async () => {
  await platform?.stop();
  await db?.drop();
  rmSync(work, { recursive: true, force: true });
});

describe('providers and settings', () => {
  test('the providers of enabled extensions are listed with their models', async () => {
    const res = await member.get('/api/llm/providers');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({
      providers: [
        { id: 'test-a', displayName: 'Test A', extension: TEST_PROVIDER_EXTENSION, models: ['echo-1'] },
        { id: 'test-b', displayName: 'Test B', extension: TEST_PROVIDER_EXTENSION, models: ['echo-2'] },
      ],
    });
  });

  test('with nothing configured a call says what to configure', async () => {
    const problem = expectProblem(
      await admin.post('/api/llm/generate', ask('hello')),
      400,
      'validation_failed',
    );
    expect(problem.detail).toMatch(/default/i);
  });

  test('changing the instance default switches the provider of the next call, with no code change', async () => {
    const first = await admin.patch('/api/llm/settings', {
      defaultTarget: { provider: 'test-a', model: 'echo-1' },
    });
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json()).toMatchObject({
      defaultTarget: { provider: 'test-a', model: 'echo-1' },
      maxAttempts: 3,
      updatedBy: admin.user.id,
    });
    await expectAudited(admin, first, { operation: 'llm_settings.updated', actorId: admin.user.id });
    expect(await generate(admin, ask('hello'))).toMatchObject({
      provider: 'test-a',
      text: 'test-a/echo-1: hello',
    });

    const second = await admin.patch('/api/llm/settings', {
      defaultTarget: { provider: 'test-b', model: 'echo-2' },
    });
    expect(second.statusCode, second.body).toBe(200);
    expect(await generate(admin, ask('hello'))).toMatchObject({
      provider: 'test-b',
      text: 'test-b/echo-2: hello',
    });
    expect((await member.get('/api/llm/settings')).json()).toMatchObject({
      defaultTarget: { provider: 'test-b', model: 'echo-2' },
    });
  });

  test('the call chooses over the agent, and the agent over the instance', async () => {
    const agent = { id: '@acme/brief', preferred: { provider: 'test-a', model: 'echo-1' } };
    expect(await generate(admin, ask('hi', { agent }))).toMatchObject({
      provider: 'test-a',
      model: 'echo-1',
    });
    expect(await generate(admin, ask('hi', { agent, provider: 'test-b', model: 'echo-2' }))).toMatchObject({
      provider: 'test-b',
      model: 'echo-2',
    });
    const unknown = expectProblem(
      await admin.post('/api/llm/generate', ask('hi', { provider: 'nope', model: 'x' })),
      404,
      'not_found',
    );
    expect(unknown.detail).toContain('test-a, test-b');
  });

  test('only platform admins change the settings', async () => {
    for (const as of [member, orgAdmin]) {
      expectProblem(await as.patch('/api/llm/settings', { maxAttempts: 1 }), 403, 'forbidden');
    }
    const bad = expectProblem(
      await admin.patch('/api/llm/settings', { maxAttempts: 11 }),
      400,
      'validation_failed',
    );
    expect(bad.errors?.map((e) => e.path)).toContain('/body/maxAttempts');
  });
});

describe('prices', () => {
  test('a price change changes the cost of the next call', async () => {
    await setPrice('test-a', 'echo-1', 1, 2);
    const cheap = await generate(admin, ask('hello', { provider: 'test-a', model: 'echo-1' }));
    expect(cheap.totalUsage).toMatchObject({ inputTokens: 1000, outputTokens: 500 });
    expect(cheap.costUsd).toBeCloseTo(0.002, 10);

    await setPrice('test-a', 'echo-1', 10, 20);
    const dear = await generate(admin, ask('hello', { provider: 'test-a', model: 'echo-1' }));
    expect(dear.costUsd).toBeCloseTo(0.02, 10);

    const list = (await member.get('/api/llm/prices')).json<{ prices: Array<Record<string, unknown>> }>();
    expect(list.prices).toContainEqual(
      expect.objectContaining({
        provider: 'test-a',
        model: 'echo-1',
        inputPerMTok: 10,
        outputPerMTok: 20,
        source: 'admin',
      }),
    );
    // Built-in list prices are there from the start.
    expect(list.prices.some((p) => p.provider === 'openai' && p.source === 'builtin')).toBe(true);
  });

  test('model ids with slashes and dots are set and removed as they are', async () => {
    const model = 'meta/llama-3.1:70b';
    await setPrice('test-b', model, 0.5, 0.75);
    const listed = () =>
      member
        .get('/api/llm/prices')
        .then((res) => res.json<{ prices: Array<{ provider: string; model: string }> }>().prices)
        .then((prices) => prices.some((p) => p.provider === 'test-b' && p.model === model));
    expect(await listed()).toBe(true);
    const query = new URLSearchParams({ provider: 'test-b', model });
    const removed = await admin.delete(`/api/llm/prices?${query}`);
    expect(removed.statusCode, removed.body).toBe(204);
    await expectAudited(admin, removed, { operation: 'llm_price.removed', resourceId: `test-b/${model}` });
    expect(await listed()).toBe(false);
    expectProblem(await admin.delete(`/api/llm/prices?${query}`), 404, 'not_found');
  });

  test('only platform admins set prices', async () => {
    const res = await member.put('/api/llm/prices', {
      provider: 'test-a',
      model: 'echo-1',
      inputPerMTok: 0,
      outputPerMTok: 0,
    });
    expectProblem(res, 403, 'forbidden');
    expectProblem(await member.delete('/api/llm/prices?provider=test-a&model=echo-1'), 403, 'forbidden');
  });
});

describe('budgets', () => {
  test("a spent budget refuses the organization's next call with 402, naming the limit and the spend", async () => {
    await setPrice('test-a', 'echo-1', 1, 2); // $0.002 a call
    const set = await admin.put(`/api/llm/budgets/${acmeId}/day`, { limitUsd: 0.002 });
    expect(set.statusCode, set.body).toBe(200);
    expect(set.json()).toMatchObject({ organizationId: acmeId, period: 'day', limitUsd: 0.002, spentUsd: 0 });
    await expectAudited(admin, set, { operation: 'llm_budget.updated', resourceId: `${acmeId}/day` });

    const body = ask('hello', { provider: 'test-a', model: 'echo-1' });
    expect((await generate(member, body)).costUsd).toBeCloseTo(0.002, 10);
    const refused = await member.post('/api/llm/generate', body);
    const problem = expectProblem(refused, 402, 'llm_budget_exceeded') as unknown as Record<string, unknown>;
    expect(problem).toMatchObject({
      organizationId: acmeId,
      period: 'day',
      limitUsd: 0.002,
      spentUsd: 0.002,
      periodStart: expect.stringMatching(/T00:00:00\.000Z$/),
    });
    expect(problem.detail).toContain('$0.0020');
    // Streamed calls are refused the same way, before any event.
    const streamed = await member.post('/api/llm/generate', { ...body, stream: true });
    expectProblem(streamed, 402, 'llm_budget_exceeded');
    // The platform admin's own calls are billed to no organization and still go through.
    expect((await generate(admin, body)).provider).toBe('test-a');

    const ownView = await orgAdmin.get(`/api/llm/budgets?organizationId=${acmeId}`);
    expect(ownView.statusCode, ownView.body).toBe(200);
    expect(ownView.json()).toEqual({
      budgets: [
        expect.objectContaining({ organizationId: acmeId, period: 'day', limitUsd: 0.002, spentUsd: 0.002 }),
      ],
    });
  });

  test("members cannot read their organization's budgets, and only platform admins set them", async () => {
    expectProblem(await member.get(`/api/llm/budgets?organizationId=${acmeId}`), 403, 'forbidden');
    expectProblem(await orgAdmin.get('/api/llm/budgets'), 403, 'forbidden');
    expectProblem(await orgAdmin.put(`/api/llm/budgets/${acmeId}/day`, { limitUsd: 100 }), 403, 'forbidden');
  });

  test('removing the budget lets calls through again', async () => {
    const removed = await admin.delete(`/api/llm/budgets/${acmeId}/day`);
    expect(removed.statusCode, removed.body).toBe(204);
    expect((await generate(member, ask('again', { provider: 'test-a', model: 'echo-1' }))).text).toBe(
      'test-a/echo-1: again',
    );
    expectProblem(await admin.delete(`/api/llm/budgets/${acmeId}/day`), 404, 'not_found');
  });
});

describe('usage summary', () => {
  test('summarizes calls, errors, tokens and cost by provider, model, agent and day', async () => {
    await setPrice('test-a', 'echo-1', 1, 2); // $0.002 a call
    await setPrice('test-b', 'echo-2', 3, 4); // $0.005 a call
    const billed = { organizationId: ledgerId };
    const agent = { id: '@acme/brief' };
    await generate(admin, ask('one', { ...billed, agent, provider: 'test-a', model: 'echo-1' }));
    await generate(admin, ask('two', { ...billed, agent, provider: 'test-a', model: 'echo-1' }));
    await generate(admin, ask('three', { ...billed, provider: 'test-b', model: 'echo-2' }));
    // Not retryable: one failed vendor request, no tokens, no cost.
    const failed = await admin.post(
      '/api/llm/generate',
      ask('fail:invalid_request', { ...billed, provider: 'test-b', model: 'echo-2' }),
    );
    const problem = expectProblem(failed, 502, 'llm_provider_error') as unknown as Record<string, unknown>;
    expect(problem).toMatchObject({
      provider: 'test-b',
      model: 'echo-2',
      kind: 'invalid_request',
      attempts: 1,
    });

    const summary = async (groupBy: string, as = admin, extra = '') => {
      const res = await as.get(
        `/api/llm/usage/summary?groupBy=${groupBy}&organizationId=${ledgerId}${extra}`,
      );
      expect(res.statusCode, res.body).toBe(200);
      return res.json<{ rows: SummaryRow[]; total: Omit<SummaryRow, 'key'>; groupBy: string }>();
    };
    const a = { calls: 2, errors: 0, inputTokens: 2000, outputTokens: 1000, costUsd: 0.004 };
    const b = { calls: 2, errors: 1, inputTokens: 1000, outputTokens: 500, costUsd: 0.005 };
    expect((await summary('provider')).rows).toEqual([
      expect.objectContaining({ key: 'test-a', ...a }),
      expect.objectContaining({ key: 'test-b', ...b }),
    ]);
    expect((await summary('model')).rows).toEqual([
      expect.objectContaining({ key: 'test-a/echo-1', ...a }),
      expect.objectContaining({ key: 'test-b/echo-2', ...b }),
    ]);
    expect((await summary('agent')).rows).toEqual([
      expect.objectContaining({ key: '@acme/brief', ...a }),
      expect.objectContaining({ key: null, ...b }),
    ]);
    const byDay = await summary('day');
    const today = new Date().toISOString().slice(0, 10);
    expect(byDay.rows).toEqual([
      expect.objectContaining({ key: today, calls: 4, errors: 1, costUsd: 0.009 }),
    ]);
    expect(byDay.total).toMatchObject({
      calls: 4,
      errors: 1,
      inputTokens: 3000,
      outputTokens: 1500,
      costUsd: 0.009,
    });

    // The organization's owner may read its usage; the range is honoured.
    expect((await summary('provider', orgAdmin)).total.calls).toBe(4);
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    expect((await summary('day', admin, `&from=${tomorrow}&to=${tomorrow}T23:59:59Z`)).rows).toEqual([]);
  });

  test("the instance's usage is for platform admins; an organization's for its admins", async () => {
    expectProblem(await orgAdmin.get('/api/llm/usage/summary?groupBy=provider'), 403, 'forbidden');
    expectProblem(
      await member.get(`/api/llm/usage/summary?groupBy=provider&organizationId=${acmeId}`),
      403,
      'forbidden',
    );
    const all = await admin.get('/api/llm/usage/summary?groupBy=provider');
    expect(all.statusCode, all.body).toBe(200);
    expect(all.json<{ total: { calls: number } }>().total.calls).toBeGreaterThan(4);
  });
});

describe('model calls', () => {
  test('structured output comes back parsed', async () => {
    const result = await generate(
      admin,
      ask('json:{"verdict":"ship"}', {
        responseFormat: {
          type: 'json_schema',
          name: 'verdict',
          schema: { type: 'object', properties: { verdict: { type: 'string' } }, required: ['verdict'] },
        },
      }),
    );
    expect(result.structured).toEqual({ verdict: 'ship' });
  });

  test('a provider failure is a 502 problem with its data, and Retry-After when the vendor asked to wait', async () => {
    await admin.patch('/api/llm/settings', { maxAttempts: 1 });
    try {
      const res = await admin.post(
        '/api/llm/generate',
        ask('fail:rate_limited', { provider: 'test-a', model: 'echo-1', fallback: false }),
      );
      const problem = expectProblem(res, 502, 'llm_provider_error') as unknown as Record<string, unknown>;
      expect(problem).toMatchObject({
        provider: 'test-a',
        model: 'echo-1',
        kind: 'rate_limited',
        attempts: 1,
        data: { status: 429 }, // the vendor's; `status` is the problem's own
      });
      expect(res.headers['retry-after']).toBe('2');
    } finally {
      await admin.patch('/api/llm/settings', { maxAttempts: 3 });
    }
  });

  test('anonymous callers are refused', async () => {
    const res = await platform.server.inject({
      method: 'POST',
      url: '/api/llm/generate',
      payload: ask('hello'),
    });
    expectProblem(res, 401, 'unauthenticated');
  });
});

describe('model calls as Server-Sent Events over a real socket', () => {
  let url: string;
  beforeAll(async () => {
    ({ url } = await platform.start());
  });

  async function post(body: unknown, headers: Record<string, string> = {}) {
    return fetch(`${url}/api/llm/generate`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        cookie: admin.cookie,
        'x-csrf-token': admin.csrfToken,
        ...headers,
      },
      body: JSON.stringify(body),
    });
  }

  async function frames(res: Response): Promise<SseFrame[]> {
    const parser = new SseParser();
    const all: SseFrame[] = [];
    const decoder = new TextDecoder();
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      all.push(...parser.push(decoder.decode(chunk, { stream: true })));
    }
    return all;
  }

  test('Accept: text/event-stream streams the deltas, then done with the result', async () => {
    const res = await post(ask('one two three', { provider: 'test-a', model: 'echo-1' }), {
      accept: 'text/event-stream',
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events = await frames(res);
    expect(events.map((f) => [f.id, f.event])).toEqual([
      ['1', 'text-delta'],
      ['2', 'text-delta'],
      ['3', 'text-delta'],
      ['4', 'text-delta'],
      ['5', 'done'],
    ]);
    const deltas = events.slice(0, 4).map((f) => (JSON.parse(f.data) as { text: string }).text);
    expect(deltas.join('')).toBe('test-a/echo-1: one two three');
    const done = JSON.parse(events[4]!.data) as { type: string; result: CallResult };
    expect(done).toMatchObject({
      type: 'done',
      result: { provider: 'test-a', text: 'test-a/echo-1: one two three' },
    });
    expect(done.result.usageEventIds).toHaveLength(1);
  });

  test('stream: true does the same; a JSON client gets JSON', async () => {
    const streamed = await post(ask('hi', { stream: true, provider: 'test-b', model: 'echo-2' }));
    expect(streamed.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect((await frames(streamed)).at(-1)).toMatchObject({ event: 'done' });
    const plain = await post(ask('hi', { provider: 'test-b', model: 'echo-2' }), {
      accept: 'application/json',
    });
    expect(plain.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await plain.json()).toMatchObject({ text: 'test-b/echo-2: hi' });
  });

  test('a failure after the first event ends the stream with an error event carrying the problem', async () => {
    const res = await post(
      ask('json:not json', {
        stream: true,
        provider: 'test-a',
        model: 'echo-1',
        responseFormat: { type: 'json_schema', name: 'answer', schema: { type: 'object' } },
      }),
    );
    expect(res.status).toBe(200);
    const events = await frames(res);
    const names = events.map((f) => f.event);
    expect(names[0]).toBe('text-delta');
    // The answer is asked for once more with a correction, then given up on.
    expect(names.filter((name) => name === 'retry')).toHaveLength(1);
    expect(names.at(-1)).toBe('error');
    expect(JSON.parse(events.at(-1)!.data)).toMatchObject({
      code: 'llm_invalid_output',
      status: 502,
      provider: 'test-a',
      kind: 'invalid_output',
      attempts: 2,
    });
    expect(events.map((f) => f.id)).toEqual(events.map((_, i) => String(i + 1)));
  });

  test('a refused streamed call is a problem response; a generation cannot be resumed', async () => {
    const refused = await post(
      ask('fail:authentication', { stream: true, provider: 'test-a', model: 'echo-1' }),
    );
    expect(refused.status).toBe(502);
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await refused.json()).toMatchObject({ code: 'llm_provider_error', kind: 'authentication' });
    const resumed = await post(ask('hi', { stream: true }), { 'last-event-id': '3' });
    expect(resumed.status).toBe(400);
    expect(await resumed.json()).toMatchObject({ code: 'validation_failed' });
  });
});

describe('primitives', () => {
  interface PrimitiveList {
    primitives: Array<{ name: string; classification: { resourceType: string; action: string } }>;
  }
  const names = async (as: SessionClient) =>
    (await as.get('/api/primitives')).json<PrimitiveList>().primitives.map((p) => p.name);
  const call = (as: SessionClient, name: string, input: Record<string, unknown> = {}) =>
    as.post('/api/primitives/call', { name, input });

  test('each is listed to whom may call it', async () => {
    const everyone = ['llm.providers.list', 'llm.settings.get', 'llm.prices.list', 'skills.list'];
    const adminOnly = [
      'llm.settings.update',
      'llm.prices.set',
      'llm.prices.remove',
      'llm.budgets.set',
      'llm.budgets.remove',
    ];
    const all = await names(admin);
    for (const name of [...everyone, ...adminOnly, 'llm.budgets.list', 'llm.usage.summary'])
      expect(all).toContain(name);
    const members = await names(member);
    for (const name of everyone) expect(members).toContain(name);
    for (const name of [...adminOnly, 'llm.budgets.list', 'llm.usage.summary'])
      expect(members).not.toContain(name);
    // An organization's admin reads its budgets and usage.
    const owners = await names(orgAdmin);
    expect(owners).toEqual(expect.arrayContaining(['llm.budgets.list', 'llm.usage.summary']));
    expect(owners).not.toContain('llm.budgets.set');
  });

  test('they do what the routes do, with the same authorization', async () => {
    const settings = await call(member, 'llm.settings.get');
    expect(settings.statusCode, settings.body).toBe(200);
    expect(settings.json()).toMatchObject({
      output: { defaultTarget: { provider: 'test-b', model: 'echo-2' } },
    });

    const providers = await call(member, 'llm.providers.list');
    expect(
      providers.json<{ output: { providers: Array<{ id: string }> } }>().output.providers.map((p) => p.id),
    ).toEqual(['test-a', 'test-b']);

    const set = await call(admin, 'llm.prices.set', {
      provider: 'test-a',
      model: 'echo-1',
      inputPerMTok: 2,
      outputPerMTok: 4,
    });
    expect(set.statusCode, set.body).toBe(200);
    expect(
      (await generate(admin, ask('priced', { provider: 'test-a', model: 'echo-1' }))).costUsd,
    ).toBeCloseTo(0.004, 10);
    expectProblem(
      await call(member, 'llm.prices.set', {
        provider: 'test-a',
        model: 'echo-1',
        inputPerMTok: 0,
        outputPerMTok: 0,
      }),
      403,
      'forbidden',
    );

    const budget = await call(admin, 'llm.budgets.set', {
      organizationId: ledgerId,
      period: 'month',
      limitUsd: 50,
    });
    expect(budget.statusCode, budget.body).toBe(200);
    const budgets = await call(orgAdmin, 'llm.budgets.list', { organizationId: ledgerId });
    expect(budgets.json()).toMatchObject({
      output: { budgets: [{ period: 'month', limitUsd: 50, spentUsd: 0.009 }] },
    });
    expectProblem(await call(orgAdmin, 'llm.budgets.list', {}), 403, 'forbidden');
    expect(
      (await call(admin, 'llm.budgets.remove', { organizationId: ledgerId, period: 'month' })).statusCode,
    ).toBe(200);

    const usage = await call(orgAdmin, 'llm.usage.summary', {
      groupBy: 'provider',
      organizationId: ledgerId,
    });
    expect(usage.statusCode, usage.body).toBe(200);
    expect(usage.json()).toMatchObject({
      output: { groupBy: 'provider', total: { calls: 4, costUsd: 0.009 } },
    });

    const updated = await call(admin, 'llm.settings.update', {
      fallback: { provider: 'test-a', model: 'echo-1' },
    });
    expect(updated.json()).toMatchObject({ output: { fallback: { provider: 'test-a', model: 'echo-1' } } });
    expectProblem(await call(member, 'llm.settings.update', { fallback: null }), 403, 'forbidden');
  });
});

describe('the OpenAPI document', () => {
  test('describes every LLM route, the streamed answer included', async () => {
    const doc = (await platform.server.inject({ method: 'GET', url: '/api/openapi.json' })).json<{
      paths: Record<
        string,
        Record<string, { responses: Record<string, { content?: Record<string, unknown> }> }>
      >;
    }>();
    const labels = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(labels).toEqual(
      expect.arrayContaining([
        'GET /api/llm/providers',
        'GET /api/llm/settings',
        'PATCH /api/llm/settings',
        'GET /api/llm/prices',
        'PUT /api/llm/prices',
        'DELETE /api/llm/prices',
        'GET /api/llm/budgets',
        'PUT /api/llm/budgets/{organizationId}/{period}',
        'DELETE /api/llm/budgets/{organizationId}/{period}',
        'GET /api/llm/usage/summary',
        'POST /api/llm/generate',
        'GET /api/skills',
        'POST /api/skills/reload',
      ]),
    );
    expect(Object.keys(doc.paths['/api/llm/generate']!.post!.responses['200']!.content!)).toEqual([
      'application/json',
      'text/event-stream',
    ]);
  });
});
