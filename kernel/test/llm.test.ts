import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { LlmProviderError, RpcError, type LlmToolCall } from '@cinatra/sdk';
import {
  ANONYMOUS_ACTOR,
  AUDIT_LOG,
  CLASSIFICATION_REGISTRY,
  createKernel,
  KernelError,
  LLM_CLOCK,
  LLM_ORCHESTRATOR,
  LLM_PROVIDERS,
  LLM_SETTINGS,
  LLM_TOOL_SOURCE,
  mapToolNames,
  ORGANIZATION_DIRECTORY,
  PRIMITIVE_REGISTRY,
  runAsActor,
  systemActor,
  type ActorContext,
  type Kernel,
  type LlmCallOptions,
  type LlmCallResult,
  type LlmCallStreamEvent,
  type LlmOrchestrator,
  type LlmSettingsPatch,
} from '../src/index.js';
import { createTestDatabase, testConfig, type TestDatabase } from '../src/testing/index.js';
import {
  actor,
  hangForever,
  hangUntilAborted,
  recordingClock,
  reply,
  ScriptedProvider,
  type Step,
} from './llmSupport.js';

let db: TestDatabase;
let kernel: Kernel;
let llm: LlmOrchestrator;
let orgId: string;
const clock = recordingClock(0.5);
const unregister: Array<() => void> = [];

const ADMIN = actor('00000000-0000-4000-8000-00000000000a', { platformRole: 'platform_admin' });
let MEMBER: ActorContext;

beforeAll(async () => {
  db = await createTestDatabase();
  kernel = await createKernel(testConfig({ databaseUrl: db.url }));
  kernel.container.register(LLM_CLOCK, { useValue: clock });
  llm = kernel.resolve(LLM_ORCHESTRATOR);
  const org = await runAsActor(systemActor(), () =>
    kernel.resolve(ORGANIZATION_DIRECTORY).createOrganization({ slug: 'acme', name: 'Acme' }),
  );
  orgId = org.id;
  MEMBER = actor('00000000-0000-4000-8000-00000000000b', { organizations: [{ id: orgId, role: 'member' }] });
  kernel
    .resolve(CLASSIFICATION_REGISTRY)
    .register({ resourceType: 'note', action: 'write', level: 'read', description: 'Write notes (test)' });
});

afterAll(async () => {
  await kernel?.close();
  await db?.drop();
});

beforeEach(async () => {
  clock.sleeps.length = 0;
  await settings({
    defaultTarget: null,
    fallback: null,
    maxAttempts: 3,
    attemptTimeoutMs: 120_000,
    skillJudge: null,
  });
});

afterEach(() => {
  for (const off of unregister.splice(0)) off();
});

function provider(id: string, steps: Step[], extension?: string | null): ScriptedProvider {
  const p = new ScriptedProvider(id, steps, extension);
  unregister.push(kernel.resolve(LLM_PROVIDERS).register(p));
  return p;
}

function settings(patch: LlmSettingsPatch) {
  return runAsActor(ADMIN, () => kernel.resolve(LLM_SETTINGS).update(patch));
}

const ask = (options: Partial<LlmCallOptions>, as: ActorContext = MEMBER): Promise<LlmCallResult> =>
  runAsActor(as, () => llm.generate({ messages: [{ role: 'user', content: 'Hello' }], ...options }));

async function collect(options: Partial<LlmCallOptions>, as: ActorContext = MEMBER) {
  const events: LlmCallStreamEvent[] = [];
  const iterable = runAsActor(as, () =>
    llm.stream({ messages: [{ role: 'user', content: 'Hello' }], ...options }),
  );
  try {
    for await (const event of iterable) events.push(event);
  } catch (error) {
    return { events, error };
  }
  return { events, error: undefined };
}

async function failure(promise: Promise<unknown>): Promise<KernelError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(KernelError);
  return error as KernelError;
}

/**
 * The usage events of a trace, in the order the call made its requests (`order`: its
 * `usageEventIds`; ids made in the same millisecond do not sort by time). They are written
 * behind the call, so flushed first.
 */
async function usageRows(traceId: string, order: readonly string[] = []) {
  await llm.flush();
  const rows = await kernel.db.knex('llmUsageEvents').where({ traceId }).orderBy('id');
  return rows.sort((a, b) => order.indexOf(a.id) - order.indexOf(b.id));
}

const rateLimited = (retryAfterMs?: number) =>
  new LlmProviderError('429 Too Many Requests', {
    kind: 'rate_limited',
    status: 429,
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
  });
const serverError = () =>
  new LlmProviderError('500 Internal Server Error', { kind: 'server_error', status: 500 });

describe('provider and model selection', () => {
  test('the call wins over the agent, the agent over the instance default', async () => {
    const alpha = provider('alpha', [reply('a1'), reply('a2')]);
    const beta = provider('beta', [reply('b1')]);
    await settings({ defaultTarget: { provider: 'alpha', model: 'alpha-default' } });
    const agent = { id: '@acme/brief', preferred: { provider: 'beta', model: 'beta-agent' } };

    expect((await ask({ agent, provider: 'alpha', model: 'alpha-call' })).provider).toBe('alpha');
    expect((await ask({ agent })).provider).toBe('beta');
    expect((await ask({})).provider).toBe('alpha');

    expect(alpha.requests.map((r) => r.model)).toEqual(['alpha-call', 'alpha-default']);
    expect(beta.requests.map((r) => r.model)).toEqual(['beta-agent']);
  });

  test("a call naming only a provider takes that provider's model, never another provider's", async () => {
    const alpha = provider('alpha', [reply('ok')]);
    await settings({ defaultTarget: { provider: 'beta', model: 'beta-default' } });
    const error = await failure(ask({ provider: 'alpha' }));
    expect(error.code).toBe('validation_failed');
    expect(error.message).toContain('No model is chosen for provider alpha');

    await ask({ provider: 'alpha', agent: { id: 'x', preferred: { model: 'any-provider-model' } } });
    expect(alpha.requests[0]!.model).toBe('any-provider-model');
  });

  test('without any choice the error says what to configure', async () => {
    const error = await failure(ask({}));
    expect(error.code).toBe('validation_failed');
    expect(error.message).toMatch(/pass provider and model.*preferred model.*LLM settings/);
  });

  test('an unavailable provider is a not_found naming the available ones', async () => {
    provider('alpha', []);
    const error = await failure(ask({ provider: 'gone', model: 'm' }));
    expect(error.code).toBe('not_found');
    expect(error.message).toContain('available: alpha');
  });
});

describe('authorization', () => {
  test('every call is authorized once as llm:invoke and audited (an allow behind the call)', async () => {
    provider('alpha', [reply('ok')]);
    const result = await ask({ provider: 'alpha', model: 'm', runId: 'run-1' });
    await llm.flush();
    const { events } = await kernel
      .resolve(AUDIT_LOG)
      .query({ operation: 'llm.invoke', actorId: MEMBER.principalId! }, { limit: 10 });
    expect(events.filter((e) => e.metadata.runId === 'run-1')).toHaveLength(1);
    expect(events[0]).toMatchObject({ decision: 'allow', organizationId: orgId });
    expect(result.text).toBe('ok');
  });

  test('when the audit log cannot be written, calls after the first failure are refused until it works again', async () => {
    provider('alpha', [reply('before'), reply('after')]);
    const knex = kernel.db.knex;
    await knex.raw('ALTER FUNCTION cinatra_audit_append(jsonb) RENAME TO cinatra_audit_append_away');
    try {
      // This call's event is written behind it: the call answers, the write fails and is logged.
      expect((await ask({ provider: 'alpha', model: 'm' })).text).toBe('before');
      await llm.flush();
      const error = await failure(ask({ provider: 'alpha', model: 'm' }));
      expect(error.code).toBe('internal_error');
      expect(error.message).toContain('audit log could not be written');
    } finally {
      await knex.raw('ALTER FUNCTION cinatra_audit_append_away(jsonb) RENAME TO cinatra_audit_append');
    }
    expect((await ask({ provider: 'alpha', model: 'm' })).text).toBe('after');
  });

  test('anonymous callers and billing to a foreign organization are refused before any vendor request', async () => {
    const alpha = provider('alpha', [reply('never')]);
    expect((await failure(ask({ provider: 'alpha', model: 'm' }, ANONYMOUS_ACTOR))).code).toBe('forbidden');
    const other = await runAsActor(systemActor(), () =>
      kernel.resolve(ORGANIZATION_DIRECTORY).createOrganization({ slug: 'other', name: 'Other' }),
    );
    const error = await failure(ask({ provider: 'alpha', model: 'm', organizationId: other.id }));
    expect(error.code).toBe('forbidden');
    expect(error.message).toContain('not a member of the organization');
    expect(alpha.requests).toHaveLength(0);
    // A denial is durable in the audit log before the caller learns of it (nothing flushed here).
    const { events } = await kernel
      .resolve(AUDIT_LOG)
      .query({ operation: 'llm.invoke', decision: 'deny', actorId: MEMBER.principalId! }, { limit: 10 });
    expect(events[0]).toMatchObject({ organizationId: other.id, decision: 'deny' });
  });
});

describe('retries and fallback', () => {
  test('a 429 is retried after at least its retry-after, then succeeds; both requests are metered', async () => {
    const alpha = provider('alpha', [rateLimited(1500), reply('after the wait')]);
    const result = await ask({ provider: 'alpha', model: 'm' });
    expect(result.text).toBe('after the wait');
    expect(result.attempts).toBe(2);
    expect(alpha.requests).toHaveLength(2);
    expect(clock.sleeps).toHaveLength(1);
    expect(clock.sleeps[0]).toBeGreaterThanOrEqual(1500);

    const rows = await usageRows(result.traceId, result.usageEventIds);
    expect(rows.map((r) => [r.status, r.errorKind, r.attempt, r.inputTokens])).toEqual([
      ['error', 'rate_limited', 1, 0],
      ['ok', null, 2, 10],
    ]);
    expect(result.usageEventIds).toEqual(rows.map((r) => r.id));
  });

  test('back-off grows exponentially with full jitter', async () => {
    provider('alpha', [serverError(), serverError(), reply('third time')]);
    const result = await ask({ provider: 'alpha', model: 'm' });
    expect(result.attempts).toBe(3);
    // random() = 0.5: half of 500 ms, then half of 1000 ms.
    expect(clock.sleeps).toEqual([250, 500]);
  });

  test('extension deadlines (RpcError deadline_exceeded) are retried', async () => {
    provider('alpha', [
      new RpcError('deadline_exceeded', 'llm.generate did not answer within 30000 ms'),
      reply('ok'),
    ]);
    expect((await ask({ provider: 'alpha', model: 'm' })).attempts).toBe(2);
  });

  test('after the attempts are exhausted with 500s the fallback answers', async () => {
    await settings({ maxAttempts: 2, fallback: { provider: 'beta', model: 'beta-fallback' } });
    const alpha = provider('alpha', [serverError(), serverError()]);
    const beta = provider('beta', [reply('from the fallback')]);
    const result = await ask({ provider: 'alpha', model: 'm' });
    expect(result).toMatchObject({ provider: 'beta', text: 'from the fallback', attempts: 3 });
    expect(alpha.requests).toHaveLength(2);
    expect(beta.requests[0]!.model).toBe('beta-fallback');
    const rows = await usageRows(result.traceId, result.usageEventIds);
    expect(rows.map((r) => [r.provider, r.model, r.attempt, r.status])).toEqual([
      ['alpha', 'm', 1, 'error'],
      ['alpha', 'm', 2, 'error'],
      ['beta', 'beta-fallback', 1, 'ok'],
    ]);
  });

  test('a per-call fallback is used, and fallback: false disables the instance one', async () => {
    await settings({ maxAttempts: 1, fallback: { provider: 'beta', model: 'b' } });
    provider('alpha', [serverError(), serverError()]);
    const gamma = provider('gamma', [reply('gamma answered')]);
    const beta = provider('beta', []);
    expect(
      (await ask({ provider: 'alpha', model: 'm', fallback: { provider: 'gamma', model: 'g' } })).provider,
    ).toBe('gamma');
    const error = await failure(ask({ provider: 'alpha', model: 'm', fallback: false }));
    expect(error.code).toBe('llm_provider_error');
    expect(beta.requests).toHaveLength(0);
    expect(gamma.requests).toHaveLength(1);
  });

  test('a non-retryable error fails at once, without retry or fallback, naming provider, kind and attempts', async () => {
    await settings({ fallback: { provider: 'beta', model: 'b' } });
    const alpha = provider('alpha', [
      new LlmProviderError('invalid x-api-key', { kind: 'authentication', status: 401 }),
    ]);
    const beta = provider('beta', [reply('never')]);
    const error = await failure(ask({ provider: 'alpha', model: 'm' }));
    expect(error.code).toBe('llm_provider_error');
    expect(error.status).toBe(502);
    expect(error.message).toContain('alpha (m) failed: invalid x-api-key [authentication]');
    expect(error.details.data).toMatchObject({
      provider: 'alpha',
      model: 'm',
      kind: 'authentication',
      attempts: 1,
    });
    expect(alpha.requests).toHaveLength(1);
    expect(beta.requests).toHaveLength(0);
    expect(clock.sleeps).toEqual([]);
  });

  test('exhausted retryable errors surface the last one', async () => {
    await settings({ maxAttempts: 2 });
    provider('alpha', [rateLimited(), rateLimited(2000)]);
    const error = await failure(ask({ provider: 'alpha', model: 'm' }));
    expect(error.code).toBe('llm_provider_error');
    expect(error.message).toContain('retries exhausted after 2 attempts');
    expect(error.details).toMatchObject({
      retryAfterSeconds: 2,
      data: { kind: 'rate_limited', attempts: 2 },
    });
  });

  test('a retry-after longer than the time left is not waited for', async () => {
    await settings({ fallback: { provider: 'beta', model: 'b' } });
    provider('alpha', [rateLimited(120_000)]);
    provider('beta', [reply('fallback right away')]);
    const result = await ask({ provider: 'alpha', model: 'm', timeoutMs: 30_000 });
    expect(result.provider).toBe('beta');
    expect(clock.sleeps).toEqual([]);
  });
});

describe('timeouts and cancellation', () => {
  test('the call timeout ends a hanging request with llm_timeout, and the provider saw the abort', async () => {
    const alpha = provider('alpha', [hangUntilAborted]);
    const error = await failure(ask({ provider: 'alpha', model: 'm', timeoutMs: 50 }));
    expect(error.code).toBe('llm_timeout');
    expect(error.status).toBe(504);
    expect(error.message).toContain('timeout of 50 ms');
    expect(alpha.calls[0]!.signal.aborted).toBe(true);
    expect(alpha.calls[0]!.deadlineMs).toBeLessThanOrEqual(50);
  });

  test('an attempt that outlives the per-attempt timeout is retried, even if the provider ignores the signal', async () => {
    await settings({ attemptTimeoutMs: 1000 });
    const alpha = provider('alpha', [hangForever, reply('second attempt')]);
    const result = await ask({ provider: 'alpha', model: 'm' });
    expect(result.text).toBe('second attempt');
    expect(alpha.calls[0]!.signal.aborted).toBe(true);
    const rows = await usageRows(result.traceId, result.usageEventIds);
    expect(rows.map((r) => r.errorKind)).toEqual(['timeout', null]);
  });

  test('every attempt timing out is llm_timeout', async () => {
    await settings({ attemptTimeoutMs: 1000, maxAttempts: 2 });
    provider('alpha', [hangUntilAborted, new RpcError('deadline_exceeded', 'deadline of 1000 ms passed')]);
    const error = await failure(ask({ provider: 'alpha', model: 'm' }));
    expect(error.code).toBe('llm_timeout');
    expect(error.details.data).toMatchObject({ attempts: 2 });
  });

  test('aborting the signal cancels the request in flight and nothing is retried', async () => {
    const controller = new AbortController();
    const alpha = provider('alpha', [
      (request, call) => {
        setImmediate(() => controller.abort());
        return hangUntilAborted(request, call);
      },
      reply('never'),
    ]);
    const error = await failure(ask({ provider: 'alpha', model: 'm', signal: controller.signal }));
    expect(error.code).toBe('llm_cancelled');
    expect(alpha.requests).toHaveLength(1);
    expect(alpha.calls[0]!.signal.aborted).toBe(true);
    await llm.flush();
    const [row] = await kernel.db.knex('llmUsageEvents').where({ provider: 'alpha', errorKind: 'cancelled' });
    expect(row).toMatchObject({ status: 'error', inputTokens: 0 });
  });

  test('an already aborted signal makes no request', async () => {
    const alpha = provider('alpha', [reply('never')]);
    const error = await failure(ask({ provider: 'alpha', model: 'm', signal: AbortSignal.abort() }));
    expect(error.code).toBe('llm_cancelled');
    expect(alpha.requests).toHaveLength(0);
  });
});

describe('tools', () => {
  const added: Array<{ text: string; by: string | null }> = [];

  beforeAll(() => {
    kernel.resolve(PRIMITIVE_REGISTRY).register<{ text: string }, { id: number }>({
      name: 'notes.add',
      description: 'Adds a note',
      inputSchema: {
        type: 'object',
        properties: { text: { type: 'string', minLength: 1 } },
        required: ['text'],
        additionalProperties: false,
      },
      outputSchema: { type: 'object', properties: { id: { type: 'integer' } }, required: ['id'] },
      classification: { resourceType: 'note', action: 'write' },
      handler: (input, { actor: caller }) => {
        added.push({ text: input.text, by: caller.principalId });
        return { id: added.length };
      },
    });
  });

  const call = (id: string, name: string, args: Record<string, unknown>): LlmToolCall => ({
    id,
    name,
    arguments: args,
  });

  test('MCP tools are offered under vendor-legal names; calls run as the actor, audited, and the answer comes after', async () => {
    const alpha = provider('alpha', [
      reply('', { toolCalls: [call('c1', 'notes_add', { text: 'buy milk' })] }),
      reply('Noted.'),
    ]);
    const result = await ask({ provider: 'alpha', model: 'm', mcpTools: ['notes.add'] });

    expect(alpha.requests[0]!.tools).toEqual([
      expect.objectContaining({ name: 'notes_add', description: 'Adds a note' }),
    ]);
    expect(added.at(-1)).toEqual({ text: 'buy milk', by: MEMBER.principalId });
    const toolMessage = alpha.requests[1]!.messages.at(-1);
    expect(toolMessage).toEqual({
      role: 'tool',
      toolCallId: 'c1',
      name: 'notes_add',
      content: JSON.stringify({ id: added.length }),
    });
    expect(result).toMatchObject({
      text: 'Noted.',
      toolCalls: [],
      toolRounds: [
        { calls: [{ id: 'c1', name: 'notes.add' }], results: [{ toolCallId: 'c1', isError: false }] },
      ],
      attempts: 2,
    });
    expect(result.totalUsage.inputTokens).toBe(20);

    await kernel.resolve(AUDIT_LOG).flush();
    const { events } = await kernel
      .resolve(AUDIT_LOG)
      .query({ operation: 'note.write', actorId: MEMBER.principalId! }, { limit: 5 });
    expect(events[0]).toMatchObject({
      decision: 'allow',
      metadata: { primitive: 'notes.add', via: 'in-process' },
    });
  });

  test('a failing tool call is reported to the model as an error, and the call goes on', async () => {
    const alpha = provider('alpha', [
      reply('', { toolCalls: [call('c1', 'notes_add', { text: '' })] }),
      reply('Sorry, that failed.'),
    ]);
    const result = await ask({ provider: 'alpha', model: 'm', mcpTools: true });
    const toolMessage = alpha.requests[1]!.messages.at(-1) as { isError?: boolean; content: string };
    expect(toolMessage.isError).toBe(true);
    expect(toolMessage.content).toContain('validation_failed');
    expect(result.toolRounds[0]!.results).toEqual([{ toolCallId: 'c1', isError: true }]);
  });

  test('tools the actor may not call are not offered', async () => {
    await runAsActor(ADMIN, async () => {
      kernel
        .resolve(CLASSIFICATION_REGISTRY)
        .register({ resourceType: 'vault', action: 'open', level: 'admin', description: 'test' });
      kernel.resolve(PRIMITIVE_REGISTRY).register({
        name: 'vault.open',
        description: 'Opens the vault',
        inputSchema: { type: 'object' },
        outputSchema: { type: 'object' },
        classification: { resourceType: 'vault', action: 'open' },
        handler: () => ({}),
      });
    });
    const memberList = await runAsActor(MEMBER, () => kernel.resolve(LLM_TOOL_SOURCE).list());
    const adminList = await runAsActor(ADMIN, () => kernel.resolve(LLM_TOOL_SOURCE).list());
    expect(memberList.map((t) => t.name)).toEqual(['notes.add']);
    expect(adminList.map((t) => t.name)).toEqual(['notes.add', 'vault.open']);
  });

  test("calls to the caller's own tools are returned unexecuted, with the conversation to continue from", async () => {
    const alpha = provider('alpha', [
      reply('', { toolCalls: [call('w1', 'lookup_weather', { city: 'Oslo' })] }),
    ]);
    const weather = {
      name: 'lookup_weather',
      description: 'Weather of a city',
      inputSchema: { type: 'object' },
    };
    const result = await ask({ provider: 'alpha', model: 'm', tools: [weather], mcpTools: true });
    expect(alpha.requests).toHaveLength(1);
    expect(alpha.requests[0]!.tools!.map((t) => t.name)).toEqual(['lookup_weather', 'notes_add']);
    expect(result).toMatchObject({
      finishReason: 'tool_calls',
      toolCalls: [{ id: 'w1', name: 'lookup_weather' }],
      toolRounds: [],
    });
    expect(result.messages.at(-1)).toMatchObject({ role: 'assistant', toolCalls: [{ id: 'w1' }] });
  });

  test('after maxToolRounds the model is asked to answer without tools', async () => {
    const alpha = provider('alpha', [
      reply('', { toolCalls: [call('c1', 'notes_add', { text: 'one' })] }),
      reply('Done after one round.'),
    ]);
    const result = await ask({
      provider: 'alpha',
      model: 'm',
      mcpTools: ['notes.add'],
      maxToolRounds: 1,
      toolChoice: 'required',
    });
    expect(alpha.requests.map((r) => r.toolChoice)).toEqual(['required', 'none']);
    expect(result.toolRounds).toHaveLength(1);
  });

  test('MCP names map to distinct, legal, stable function names', () => {
    const long = `x.${'y'.repeat(100)}`;
    const map = mapToolNames(['a.b', 'a_b', 'notes.add', long], new Set(['notes_add']));
    const names = [...map.toFunction.values()];
    expect(new Set(names).size).toBe(4);
    for (const name of names) expect(name).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
    expect(map.toFunction.get('notes.add')).not.toBe('notes_add');
    for (const [mcp, fn] of map.toFunction) expect(map.toMcp.get(fn)).toBe(mcp);
    expect(mapToolNames(['a_b', long, 'a.b', 'notes.add'], new Set(['notes_add'])).toFunction).toEqual(
      map.toFunction,
    );
    expect(mapToolNames(['extensions.install'], new Set()).toFunction.get('extensions.install')).toBe(
      'extensions_install',
    );
  });
});

describe('structured output', () => {
  const responseFormat = {
    type: 'json_schema' as const,
    name: 'verdict',
    schema: {
      type: 'object',
      properties: { verdict: { type: 'string', enum: ['yes', 'no'] } },
      required: ['verdict'],
      additionalProperties: false,
    },
  };

  test('a valid answer is parsed', async () => {
    const alpha = provider('alpha', [reply('{"verdict":"yes"}')]);
    const result = await ask({ provider: 'alpha', model: 'm', responseFormat });
    expect(result.structured).toEqual({ verdict: 'yes' });
    expect(alpha.requests[0]!.responseFormat).toEqual(responseFormat);
  });

  test('an invalid answer gets one correction naming the problem', async () => {
    const alpha = provider('alpha', [reply('{"verdict":"maybe"}'), reply('```json\n{"verdict":"no"}\n```')]);
    const result = await ask({ provider: 'alpha', model: 'm', responseFormat });
    expect(result.structured).toEqual({ verdict: 'no' });
    const correction = alpha.requests[1]!.messages.at(-1)!;
    expect(correction.role).toBe('user');
    expect(correction.content).toContain('/verdict must be equal to one of the allowed values');
  });

  test('a second invalid answer is llm_invalid_output', async () => {
    provider('alpha', [reply('not json'), reply('{"verdict":true}')]);
    const error = await failure(ask({ provider: 'alpha', model: 'm', responseFormat }));
    expect(error.code).toBe('llm_invalid_output');
    expect(error.details.errors?.[0]).toEqual({ path: '/verdict', message: 'must be string' });
  });
});

describe('streaming', () => {
  test('deltas, then done with the same result generate gives', async () => {
    provider('alpha', [reply('Hello there'), reply('Hello there')]);
    const { events, error } = await collect({ provider: 'alpha', model: 'm' });
    expect(error).toBeUndefined();
    const text = events.flatMap((e) => (e.type === 'text-delta' ? [e.text] : [])).join('');
    expect(text).toBe('Hello there');
    const done = events.at(-1)!;
    expect(done.type).toBe('done');
    const streamed = (done as { result: LlmCallResult }).result;
    const generated = await ask({ provider: 'alpha', model: 'm' });
    const comparable = ({
      text,
      toolCalls,
      finishReason,
      usage,
      provider,
      totalUsage,
      attempts,
      skills,
      toolRounds,
    }: LlmCallResult) => ({
      text,
      toolCalls,
      finishReason,
      usage,
      provider,
      totalUsage,
      attempts,
      skills,
      toolRounds,
    });
    expect(comparable(streamed)).toEqual(comparable(generated));
  });

  test('a failure before the first token is retried', async () => {
    provider('alpha', [rateLimited(300), reply('second try')]);
    const { events, error } = await collect({ provider: 'alpha', model: 'm' });
    expect(error).toBeUndefined();
    expect(events[0]).toMatchObject({ type: 'retry', attempt: 2 });
    expect((events[0] as { delayMs: number }).delayMs).toBeGreaterThanOrEqual(300);
    expect(events.at(-1)).toMatchObject({ type: 'done', result: { text: 'second try', attempts: 2 } });
  });

  test('a failure after output was streamed is not retried', async () => {
    const alpha = provider('alpha', [{ streamThenFail: 'Hal', error: serverError() }, reply('never')]);
    const { events, error } = await collect({ provider: 'alpha', model: 'm' });
    expect(events).toEqual([{ type: 'text-delta', text: 'Hal' }]);
    expect((error as KernelError).code).toBe('llm_provider_error');
    expect((error as KernelError).message).toContain('output was already streamed');
    expect(alpha.requests).toHaveLength(1);
  });

  test('tool calls and their results are streamed between rounds', async () => {
    provider('alpha', [
      reply('', { toolCalls: [{ id: 'c9', name: 'notes_add', arguments: { text: 'streamed' } }] }),
      reply('ok'),
    ]);
    const { events } = await collect({ provider: 'alpha', model: 'm', mcpTools: ['notes.add'] });
    expect(events.map((e) => e.type)).toEqual(['tool-call', 'tool-result', 'text-delta', 'done']);
    expect(events[0]).toMatchObject({ toolCall: { id: 'c9', name: 'notes.add' } });
    expect(events[1]).toEqual({ type: 'tool-result', toolCallId: 'c9', name: 'notes.add', isError: false });
  });

  test('closing the stream early cancels the request and meters it', async () => {
    const alpha = provider('alpha', [reply('a long answer that is never read to the end')]);
    const iterable = runAsActor(MEMBER, () =>
      llm.stream({
        provider: 'alpha',
        model: 'm',
        messages: [{ role: 'user', content: 'hi' }],
        traceId: 'early-close',
      }),
    );
    for await (const event of iterable) {
      expect(event.type).toBe('text-delta');
      break;
    }
    expect(alpha.calls[0]!.signal.aborted).toBe(true);
    const rows = await usageRows('early-close');
    expect(rows.map((r) => r.errorKind)).toEqual(['cancelled']);
  });
});
