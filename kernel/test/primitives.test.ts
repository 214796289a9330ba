import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  ANONYMOUS_ACTOR,
  AUDIT_LOG,
  CLASSIFICATION_REGISTRY,
  createKernel,
  KernelError,
  PRIMITIVE_REGISTRY,
  runAsActor,
  type ActorContext,
  type Kernel,
  type PrimitiveChange,
  type PrimitiveDefinition,
  type PrimitiveRegistry,
} from '../src/index.js';
import { createTestDatabase, testConfig, type TestDatabase } from '../src/testing/index.js';

let db: TestDatabase;
let kernel: Kernel;
let primitives: PrimitiveRegistry;

const actor = (id: string, platformRole: 'platform_admin' | 'member'): ActorContext => ({
  principalId: id,
  principalType: 'user',
  displayName: id,
  platformRole,
  organizations: [],
  teams: [],
  tokenScopes: null,
  authSource: 'session',
  credentialId: null,
});
const ADMIN = actor('00000000-0000-4000-8000-00000000000a', 'platform_admin');
const MEMBER = actor('00000000-0000-4000-8000-00000000000b', 'member');

const object = (properties: Record<string, unknown>, required: string[] = []) => ({
  type: 'object',
  properties,
  required,
  additionalProperties: false,
});

/** A valid definition; tests override what they are about. */
function widget(overrides: Partial<PrimitiveDefinition<{ name: string; count: number }>> = {}) {
  return {
    name: 'widgets.count',
    description: 'Counts widgets of a name',
    inputSchema: object({ name: { type: 'string', minLength: 1 }, count: { type: 'integer', default: 1 } }, [
      'name',
    ]),
    outputSchema: object({ total: { type: 'integer' } }, ['total']),
    classification: { resourceType: 'widget', action: 'read' },
    handler: (input: { name: string; count: number }) => ({ total: input.count * 2 }),
    ...overrides,
  } satisfies PrimitiveDefinition<{ name: string; count: number }>;
}

async function auditOf(operation: string) {
  await kernel.resolve(AUDIT_LOG).flush();
  return (await kernel.resolve(AUDIT_LOG).query({ operation }, { limit: 50 })).events;
}

beforeAll(async () => {
  db = await createTestDatabase();
  kernel = await createKernel(testConfig({ databaseUrl: db.url }));
  kernel
    .resolve(CLASSIFICATION_REGISTRY)
    .register(
      { resourceType: 'widget', action: 'read', level: 'read', description: 'Read widgets' },
      { resourceType: 'widget', action: 'delete', level: 'admin', description: 'Delete widgets' },
      { resourceType: 'note', action: 'write', level: 'write', description: "Write one's own notes" },
    );
  primitives = kernel.resolve(PRIMITIVE_REGISTRY);
});

afterAll(async () => {
  await kernel?.close();
  await db?.drop();
});

describe('registration', () => {
  test('the registry is one kernel singleton', () => {
    expect(kernel.resolve(PRIMITIVE_REGISTRY)).toBe(primitives);
  });

  test('a primitive without a known classification cannot be registered', () => {
    const { classification: _none, ...unclassified } = widget({ name: 'widgets.none' });
    expect(() => primitives.register(unclassified as PrimitiveDefinition)).toThrow(/no classification/);
    expect(() =>
      primitives.register(
        widget({ name: 'widgets.unknown', classification: { resourceType: 'widget', action: 'paint' } }),
      ),
    ).toThrow(/widget:paint, which is not a registered classification/);
    expect(primitives.has('widgets.none')).toBe(false);
    expect(primitives.has('widgets.unknown')).toBe(false);
  });

  test('names must be legal MCP tool names and unique', () => {
    for (const name of ['', '@acme/crm', 'has space', 'x'.repeat(129), 'ünicode']) {
      expect(() => primitives.register(widget({ name })), name).toThrow(/does not match/);
    }
    primitives.register(widget({ name: 'widgets.unique' }));
    expect(() => primitives.register(widget({ name: 'widgets.unique' }))).toThrow(/already registered/);
    expect(primitives.unregister('widgets.unique')).toBe(true);
  });

  test('invalid schemas, and schemas that are not of an object, are refused', () => {
    expect(() =>
      primitives.register(
        widget({ name: 'widgets.bad-in', inputSchema: object({ name: { type: 'text' } }) }),
      ),
    ).toThrow(/input schema of primitive widgets.bad-in is not valid/);
    expect(() =>
      primitives.register(widget({ name: 'widgets.bad-out', outputSchema: { type: 'array' } })),
    ).toThrow(/output schema of primitive widgets.bad-out must be a JSON Schema with type "object"/);
    expect(() =>
      primitives.register(
        widget({ name: 'widgets.bad-ref', inputSchema: { type: 'object', $ref: '#/nowhere' } }),
      ),
    ).toThrow(/not valid/);
  });

  test('registering and unregistering notify listeners until they unsubscribe', () => {
    const changes: PrimitiveChange[] = [];
    const unsubscribe = primitives.onChange((change) => changes.push(change));
    primitives.onChange(() => {
      throw new Error('a broken listener does not stop the others');
    });
    primitives.register(widget({ name: 'widgets.watched' }));
    expect(primitives.unregister('widgets.watched')).toBe(true);
    expect(primitives.unregister('widgets.watched')).toBe(false);
    unsubscribe();
    primitives.register(widget({ name: 'widgets.unwatched' }));
    primitives.unregister('widgets.unwatched');
    expect(changes).toEqual([
      { type: 'registered', name: 'widgets.watched' },
      { type: 'unregistered', name: 'widgets.watched' },
    ]);
  });
});

describe('listing', () => {
  beforeAll(() => {
    primitives.register(
      widget({
        name: 'listing.read',
        title: 'Read widgets',
        annotations: { readOnlyHint: true },
      }),
    );
    primitives.register(
      widget({ name: 'listing.delete', classification: { resourceType: 'widget', action: 'delete' } }),
    );
    primitives.register(
      widget({
        name: 'listing.own-note',
        classification: { resourceType: 'note', action: 'write' },
        listScope: (a) => ({ tier: 'user', userId: a.principalId ?? '' }),
      }),
    );
  });

  const names = (list: Array<{ name: string }>) =>
    list.map((p) => p.name).filter((n) => n.startsWith('listing.'));

  test('list() has every primitive with its schemas, classification and annotations', () => {
    expect(names(primitives.list())).toEqual(['listing.delete', 'listing.own-note', 'listing.read']);
    expect(primitives.list().find((p) => p.name === 'listing.read')).toEqual({
      name: 'listing.read',
      title: 'Read widgets',
      description: 'Counts widgets of a name',
      inputSchema: widget().inputSchema,
      outputSchema: widget().outputSchema,
      classification: { resourceType: 'widget', action: 'read' },
      annotations: { readOnlyHint: true },
    });
  });

  test('listFor() keeps only what the actor may call', () => {
    expect(names(primitives.listFor(ADMIN))).toEqual(['listing.delete', 'listing.own-note', 'listing.read']);
    expect(names(primitives.listFor(MEMBER))).toEqual(['listing.own-note', 'listing.read']);
    expect(names(primitives.listFor(ANONYMOUS_ACTOR))).toEqual([]);
    const narrowToken = { ...ADMIN, tokenScopes: ['widget:read'] };
    expect(names(primitives.listFor(narrowToken))).toEqual(['listing.read']);
  });

  test('listing is not audited', async () => {
    primitives.listFor(MEMBER);
    expect(await auditOf('widget.delete')).toEqual([]);
  });
});

describe('calls', () => {
  const seen: unknown[] = [];
  beforeAll(() => {
    primitives.register(
      widget({
        name: 'calls.count',
        handler: (input, context) => {
          seen.push({
            input,
            via: context.via,
            sessionId: context.sessionId,
            actor: context.actor.principalId,
          });
          return { total: input.count * 2 };
        },
      }),
    );
    primitives.register(
      widget({
        name: 'calls.delete',
        classification: { resourceType: 'widget', action: 'delete' },
        resource: (input) => ({ type: 'widget', id: input.name, owner: { tier: 'workspace' } }),
        handler: () => ({ total: 0 }),
      }),
    );
    primitives.register(
      widget({ name: 'calls.broken', handler: () => ({ total: 'many' }) as unknown as { total: number } }),
    );
  });

  const as = <T>(who: ActorContext, fn: () => Promise<T>) => runAsActor(who, fn);

  test('a call validates, authorizes (audited with the surface and session), runs and returns the output', async () => {
    const input = { name: 'gear' };
    const output = await as(MEMBER, () =>
      primitives.call('calls.count', input, { via: 'mcp', sessionId: 'session-1' }),
    );
    expect(output).toEqual({ total: 2 });
    expect(input).toEqual({ name: 'gear' }); // the default was filled in on a copy
    expect(seen.at(-1)).toEqual({
      input: { name: 'gear', count: 1 },
      via: 'mcp',
      sessionId: 'session-1',
      actor: MEMBER.principalId,
    });
    const [event] = await auditOf('widget.read');
    expect(event).toMatchObject({
      actorId: MEMBER.principalId,
      decision: 'allow',
      metadata: {
        primitive: 'calls.count',
        via: 'mcp',
        sessionId: 'session-1',
        owner: { tier: 'workspace' },
      },
    });
  });

  test('an unknown primitive is not_found', async () => {
    await expect(
      as(ADMIN, () => primitives.call('calls.nothing', {}, { via: 'http' })),
    ).rejects.toMatchObject({
      code: 'not_found',
    });
  });

  test('bad input is validation_failed naming the path under /input, before anything runs', async () => {
    const before = seen.length;
    const cases: Array<[unknown, string]> = [
      [{}, '/input/name'],
      [{ name: 'gear', count: 'two' }, '/input/count'],
      [{ name: 'gear', colour: 'red' }, '/input/colour'],
      [{ name: '' }, '/input/name'],
      ['text', '/input'],
    ];
    for (const [input, path] of cases) {
      const error = await as(ADMIN, () => primitives.call('calls.count', input, { via: 'in-process' })).catch(
        (e: unknown) => e,
      );
      expect(error, JSON.stringify(input)).toBeInstanceOf(KernelError);
      expect((error as KernelError).code).toBe('validation_failed');
      expect((error as KernelError).details.errors?.[0]?.path).toBe(path);
      expect((error as KernelError).message).toContain(path);
    }
    const notJson = await as(ADMIN, () =>
      primitives.call('calls.count', { name: 'x', count: () => 1 }, { via: 'in-process' }),
    ).catch((e: unknown) => e);
    expect(notJson).toMatchObject({ code: 'validation_failed', details: { errors: [{ path: '/input' }] } });
    expect(seen.length).toBe(before);
  });

  test('a denied call is forbidden, audited with the resource from the input, and the handler does not run', async () => {
    await expect(
      as(MEMBER, () =>
        primitives.call(
          'calls.delete',
          { name: 'gear' },
          { via: 'http', signal: new AbortController().signal },
        ),
      ),
    ).rejects.toMatchObject({ code: 'forbidden' });
    const [denied] = await auditOf('widget.delete');
    expect(denied).toMatchObject({
      actorId: MEMBER.principalId,
      resourceId: 'gear',
      decision: 'deny',
      reason: 'requires platform_admin',
      metadata: { primitive: 'calls.delete', via: 'http', sessionId: null },
    });
    await expect(
      as(ADMIN, () => primitives.call('calls.delete', { name: 'gear' }, { via: 'http' })),
    ).resolves.toEqual({ total: 0 });
    expect((await auditOf('widget.delete'))[0]).toMatchObject({
      decision: 'allow',
      actorId: ADMIN.principalId,
    });
  });

  test('anonymous callers are refused', async () => {
    await expect(primitives.call('calls.count', { name: 'gear' }, { via: 'mcp' })).rejects.toMatchObject({
      code: 'forbidden',
    });
  });

  test('an output that does not match the output schema is an internal_error naming the path', async () => {
    const error = await as(ADMIN, () =>
      primitives.call('calls.broken', { name: 'gear' }, { via: 'mcp' }),
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'internal_error' });
    expect((error as Error).message).toContain('/output/total must be integer');
  });

  test('handler errors pass through unchanged', async () => {
    primitives.register(
      widget({
        name: 'calls.conflict',
        handler: () => {
          throw new KernelError('conflict', 'The widget is busy.');
        },
      }),
    );
    await expect(
      as(ADMIN, () => primitives.call('calls.conflict', { name: 'gear' }, { via: 'mcp' })),
    ).rejects.toMatchObject({ code: 'conflict', message: 'The widget is busy.' });
  });
});
