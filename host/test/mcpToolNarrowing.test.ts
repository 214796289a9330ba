import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  AUTHENTICATOR,
  LLM_TOOL_SOURCE,
  runInScope,
  type ActorContext,
  type LlmToolSource,
} from '@cinatra/kernel';
import { createTestDatabase, testConfig } from '@cinatra/kernel/testing';
import { createPlatform, MCP_TOOL_CATALOG } from '@cinatra/host';
import {
  auditEvents,
  createToken,
  createUser,
  setUpAdmin,
  signIn,
  type SessionClient,
  type UserJson,
} from './support/apiClient.js';
import { McpClients, installTestTools, toolError } from './support/mcpClient.js';

/**
 * Narrowing `extension:call_tool` with API token scopes — `extension:call_tool:<package>` and
 * `extension:call_tool:<package>/<tool>` — over MCP with the SDK client, and the tool catalogue
 * the MCP gateway and the LLM orchestrator share (`LLM_TOOL_SOURCE`), called directly as
 * different actors.
 */

const TOOLS = '@cinatra-test/tools';
const ECHO = 'cinatra-test_tools.echo';
const SECRET = 'cinatra-test_tools.secret';
const ALL_TOOLS = ['crash', 'echo', 'escape', 'raw', 'secret'].map((tool) => `cinatra-test_tools.${tool}`);

const db = await createTestDatabase();
const platform = await createPlatform(testConfig({ databaseUrl: db.url }));
const work = mkdtempSync(join(tmpdir(), 'cinatra-mcp-narrow-'));
const clients = new McpClients(() => url);

let url: URL;
let admin: SessionClient;
let member: UserJson;
let adminToken: string;
/** The member's tokens: one tool, the whole extension, another extension only. */
let echoOnly: string;
let wholeExtension: string;
let otherExtension: string;

const names = (tools: Array<{ name: string }>) => tools.map((tool) => tool.name).sort();

beforeAll(async () => {
  const { url: base } = await platform.start();
  url = new URL('/mcp', base);
  admin = await setUpAdmin(platform);
  adminToken = (await createToken(admin, { name: 'admin', scopes: ['*'] })).token;
  member = await createUser(admin, 'member@example.com', 'Member');
  const asMember = await signIn(platform.server, 'member@example.com');
  echoOnly = (await createToken(asMember, { name: 'echo', scopes: [`extension:call_tool:${TOOLS}/echo`] }))
    .token;
  wholeExtension = (await createToken(asMember, { name: 'tools', scopes: [`extension:call_tool:${TOOLS}`] }))
    .token;
  otherExtension = (await createToken(asMember, { name: 'other', scopes: ['extension:call_tool:@acme/crm'] }))
    .token;
  await installTestTools(platform, work, true);
}, 60_000);

afterAll(async () => {
  await clients.closeAll();
  await platform?.stop();
  await db?.drop();
  rmSync(work, { recursive: true, force: true });
});

describe('token scopes narrow extension:call_tool', () => {
  test('token scopes are validated: an action scope needs a resource after its colon', async () => {
    const res = await admin.post('/api/tokens', { name: 'bad', scopes: ['extension:call_tool:'] });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'validation_failed' });
  });

  test('tools/list shows only the tools a token may call', async () => {
    const { client: one } = await clients.connect(echoOnly);
    expect(names((await one.listTools()).tools)).toEqual([ECHO]);

    const { client: whole } = await clients.connect(wholeExtension);
    expect(names((await whole.listTools()).tools)).toEqual(ALL_TOOLS);

    const { client: other } = await clients.connect(otherExtension);
    expect((await other.listTools()).tools).toEqual([]);
  });

  test('a call outside the narrowing is refused and audited with the tool named', async () => {
    const { client, transport } = await clients.connect(echoOnly);
    const allowed = await client.callTool({ name: ECHO, arguments: { message: 'hi' } });
    expect(allowed.isError).toBeFalsy();
    expect(allowed.structuredContent).toMatchObject({
      args: { message: 'hi' },
      actor: { principalId: member.id },
    });

    const refused = toolError(await client.callTool({ name: SECRET, arguments: {} }));
    expect(refused.code).toBe('forbidden');
    expect(refused.message).toContain(`token scopes limit extension:call_tool to ${TOOLS}/echo`);

    const denials = await auditEvents(admin, {
      operation: 'extension.call_tool',
      decision: 'deny',
      actorId: member.id,
    });
    expect(denials.find((e) => e.metadata.sessionId === transport.sessionId)).toMatchObject({
      resourceType: 'extension',
      resourceId: TOOLS,
      reason: `token scopes limit extension:call_tool to ${TOOLS}/echo`,
      metadata: { tool: 'secret', mcpTool: SECRET, via: 'mcp' },
    });

    const { client: other } = await clients.connect(otherExtension);
    expect(toolError(await other.callTool({ name: ECHO, arguments: {} })).code).toBe('forbidden');
  });

  test('a token for the whole extension calls any of its tools, and nothing else', async () => {
    const { client } = await clients.connect(wholeExtension);
    const escaped = await client.callTool({
      name: 'cinatra-test_tools.escape',
      arguments: { path: join(work, 'x') },
    });
    expect(escaped.isError).toBeFalsy();
    // It ran, in its sandbox: the write outside its data directory failed there.
    expect(escaped.structuredContent).toMatchObject({ ok: false });
    expect((await client.callTool({ name: ECHO, arguments: {} })).isError).toBeFalsy();
    expect(toolError(await client.callTool({ name: 'extensions.list', arguments: {} })).code).toBe(
      'forbidden',
    );
  });
});

describe('the tool catalogue as LLM_TOOL_SOURCE', () => {
  const authenticate = (token: string) => platform.kernel.resolve(AUTHENTICATOR).authenticateToken(token);
  const as = <T>(actor: ActorContext, fn: () => Promise<T>) =>
    runInScope({ actor, requestId: null, ip: null }, fn);

  test('is the catalogue the MCP gateway serves', () => {
    expect(platform.kernel.resolve(LLM_TOOL_SOURCE)).toBe(platform.kernel.resolve(MCP_TOOL_CATALOG));
  });

  test('lists what each actor may call, as MCP clients of the same actor see it', async () => {
    const source: LlmToolSource = platform.kernel.resolve(LLM_TOOL_SOURCE);
    const adminActor = await authenticate(adminToken);
    const narrowActor = await authenticate(echoOnly);

    const adminTools = await as(adminActor, () => source.list());
    expect(adminTools.map((tool) => tool.name)).toEqual(
      expect.arrayContaining(['extensions.list', 'marketplace.search', ...ALL_TOOLS]),
    );
    expect(adminTools.find((tool) => tool.name === ECHO)).toEqual({
      name: ECHO,
      description: "Returns its arguments, the settings and the call's actor",
      inputSchema: { type: 'object', properties: { message: { type: 'string' } } },
    });
    const { client } = await clients.connect(adminToken);
    expect(adminTools.map((tool) => tool.name)).toEqual(
      (await client.listTools()).tools.map((tool) => tool.name),
    );

    expect(await as(narrowActor, () => source.list())).toEqual([expect.objectContaining({ name: ECHO })]);
  });

  test('calls as the current actor, audited in-process; every failure is an error result', async () => {
    const source: LlmToolSource = platform.kernel.resolve(LLM_TOOL_SOURCE);
    const adminActor = await authenticate(adminToken);
    const narrowActor = await authenticate(echoOnly);

    const listed = await as(adminActor, () => source.call('extensions.list', {}, {}));
    expect(listed.isError).toBeFalsy();
    expect(
      (listed.structuredContent as { extensions: Array<{ name: string }> }).extensions.map((e) => e.name),
    ).toEqual([TOOLS]);
    const primitiveCalls = await auditEvents(admin, { operation: 'extension.list', actorId: admin.user.id });
    expect(
      primitiveCalls.some(
        (e) => e.metadata.via === 'in-process' && e.metadata.primitive === 'extensions.list',
      ),
    ).toBe(true);

    const echoed = await as(narrowActor, () => source.call(ECHO, { message: 'from a model' }, {}));
    expect(echoed.structuredContent).toMatchObject({
      args: { message: 'from a model' },
      actor: { principalId: member.id, principalType: 'user' },
    });

    expect(toolError(await as(narrowActor, () => source.call(SECRET, {}, {}))).code).toBe('forbidden');
    expect(toolError(await as(narrowActor, () => source.call('extensions.list', {}, {}))).code).toBe(
      'forbidden',
    );
    const unknown = toolError(await as(narrowActor, () => source.call('no.such.tool', {}, {})));
    expect(unknown).toEqual({ code: 'invalid_params', message: 'Tool no.such.tool not found.' });
    const invalid = toolError(await as(narrowActor, () => source.call(ECHO, { message: 5 }, {})));
    expect(invalid.code).toBe('invalid_params');
    expect(invalid.message).toContain('/message');
  });
});
