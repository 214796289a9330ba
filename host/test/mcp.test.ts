import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ErrorCode, ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { runAsActor, systemActor } from '@cinatra/kernel';
import { createTestDatabase, testConfig } from '@cinatra/kernel/testing';
import { createPlatform, EXTENSION_MANAGER } from '@cinatra/host';
import { extensionToolName, extensionToolPrefix } from '../src/mcp/toolNames.js';
import { auditEvents, type SessionClient } from './support/apiClient.js';
import { McpClients, setUpMcpPlatform, rpcError } from './support/mcpClient.js';

/**
 * The MCP gateway at /mcp over real HTTP, with the official SDK client (`Client` +
 * `StreamableHTTPClientTransport`) authenticating with Cinatra API tokens: tool lists per
 * caller, primitive calls audited with the MCP session, field-naming errors for bad
 * arguments, refusal of anonymous callers, and a tool served by an extension process.
 */

const TOOLS = '@cinatra-test/tools';
const ECHO = 'cinatra-test_tools.echo';

const db = await createTestDatabase();
const platform = await createPlatform(testConfig({ databaseUrl: db.url }));
const manager = platform.kernel.resolve(EXTENSION_MANAGER);
const work = mkdtempSync(join(tmpdir(), 'cinatra-mcp-'));
const clients = new McpClients(() => url);
const connect = (token: string | null) => clients.connect(token);

let url: URL;
let admin: SessionClient;
let adminToken: string;
let memberToken: string;

beforeAll(async () => {
  ({ url, admin, adminToken, memberToken } = await setUpMcpPlatform(platform, work, false));
}, 60_000);

afterAll(async () => {
  await clients.closeAll();
  await platform?.stop();
  await db?.drop();
  rmSync(work, { recursive: true, force: true });
});

describe('tool names', () => {
  test('package names map to legal MCP names', () => {
    expect(extensionToolPrefix('@acme/crm-connector')).toBe('acme_crm-connector');
    expect(extensionToolName('@acme/crm-connector', 'create_issue')).toBe('acme_crm-connector.create_issue');
    expect(extensionToolName('plain~name', 'x')).toBe('plain_name.x');
    const long = `@${'a'.repeat(100)}/${'b'.repeat(100)}`;
    const name = extensionToolName(long, 't'.repeat(64));
    expect(name).toMatch(/^[A-Za-z0-9._-]{1,128}$/);
    expect(name).toHaveLength(128);
    expect(name).not.toBe(extensionToolName(`${long}c`, 't'.repeat(64)));
  });
});

describe('authentication', () => {
  test('an anonymous client is refused with a 401 problem', async () => {
    await expect(connect(null)).rejects.toThrow(/401|Unauthorized/i);
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await res.json()).toMatchObject({ code: 'unauthenticated' });
  });

  test('an unknown token is refused', async () => {
    await expect(connect('cin_not-a-real-token')).rejects.toThrow(/401|Unauthorized/i);
  });

  test('a session id is usable only by the principal that opened it, and DELETE ends it', async () => {
    const { client, transport } = await connect(adminToken);
    const sessionId = transport.sessionId!;
    expect(sessionId).toMatch(/^[0-9a-f-]{36}$/);
    const listTools = (token: string) =>
      fetch(url, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'mcp-session-id': sessionId,
          'mcp-protocol-version': '2025-11-25',
        },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
      });
    const asMember = await listTools(memberToken);
    expect(asMember.status).toBe(404);
    expect(await asMember.json()).toMatchObject({ code: 'not_found' });
    expect((await client.listTools()).tools.length).toBeGreaterThan(0);

    await transport.terminateSession();
    const afterEnd = await listTools(adminToken);
    expect(afterEnd.status).toBe(404);
    expect(await afterEnd.json()).toMatchObject({ code: 'not_found' });
  });
});

describe('tools/list', () => {
  test('an admin sees the marketplace primitives with their schemas; a member does not', async () => {
    const { client } = await connect(adminToken);
    const { tools } = await client.listTools();
    const list = tools.find((tool) => tool.name === 'extensions.list');
    expect(list).toMatchObject({
      title: 'List installed extensions',
      inputSchema: { type: 'object' },
      outputSchema: { type: 'object', properties: { extensions: { type: 'array' } } },
      annotations: { readOnlyHint: true },
    });
    expect(tools.map((tool) => tool.name)).toEqual(
      expect.arrayContaining(['extensions.install', 'marketplace.promote', 'marketplace.search']),
    );
    for (const tool of tools) expect(tool.name).toMatch(/^[A-Za-z0-9._-]{1,128}$/);

    const { client: asMember } = await connect(memberToken);
    const memberNames = (await asMember.listTools()).tools.map((tool) => tool.name);
    expect(memberNames).not.toContain('extensions.list');
    expect(memberNames).not.toContain('extensions.install');
    expect(memberNames).not.toContain('marketplace.promote');
    expect(memberNames.length).toBeLessThan(tools.length);
  });
});

describe('tools/call of a primitive', () => {
  test('returns structured content and is audited with via mcp and the session id', async () => {
    const { client, transport } = await connect(adminToken);
    const result = await client.callTool({ name: 'extensions.list', arguments: {} });
    expect(result.isError).toBeFalsy();
    const structured = result.structuredContent as { extensions: Array<{ name: string }> };
    expect(structured.extensions.map((e) => e.name)).toContain(TOOLS);
    expect(JSON.parse((result.content as Array<{ text: string }>)[0]!.text)).toEqual(structured);

    const events = await auditEvents(admin, { operation: 'extension.list', actorId: admin.user.id });
    expect(events.find((e) => e.metadata.sessionId === transport.sessionId)).toMatchObject({
      decision: 'allow',
      metadata: { primitive: 'extensions.list', via: 'mcp', sessionId: transport.sessionId },
    });
  });

  test('bad arguments are a JSON-RPC -32602 error naming the field', async () => {
    const { client } = await connect(adminToken);
    const wrongType = await rpcError(client.callTool({ name: 'extensions.get', arguments: { name: 42 } }));
    expect(wrongType.code).toBe(ErrorCode.InvalidParams);
    expect(wrongType.message).toContain('/input/name');

    const missing = await rpcError(client.callTool({ name: 'extensions.get', arguments: {} }));
    expect(missing.code).toBe(ErrorCode.InvalidParams);
    expect(missing.message).toContain('/input/name');

    const unknown = await rpcError(client.callTool({ name: 'no.such.tool', arguments: {} }));
    expect(unknown.code).toBe(ErrorCode.InvalidParams);
    expect(unknown.message).toContain('no.such.tool');
  });

  test('a call the caller may not make is an error result with the reason, audited as a denial', async () => {
    const { client, transport } = await connect(memberToken);
    const result = await client.callTool({ name: 'extensions.list', arguments: {} });
    expect(result.isError).toBe(true);
    const { error } = JSON.parse((result.content as Array<{ text: string }>)[0]!.text) as {
      error: { code: string; message: string };
    };
    expect(error.code).toBe('forbidden');
    const denials = await auditEvents(admin, { operation: 'extension.list', decision: 'deny' });
    expect(denials.find((e) => e.metadata.sessionId === transport.sessionId)).toMatchObject({
      metadata: { via: 'mcp', primitive: 'extensions.list' },
    });
  });
});

describe('extension tools', () => {
  test('enabling an extension announces its tools; they run in its process, attributed to it', async () => {
    const { client, transport, streamOpen } = await connect(adminToken);
    await streamOpen;
    let changes = 0;
    let changed!: () => void;
    const notified = new Promise<void>((done) => (changed = done));
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
      changes += 1;
      changed();
    });
    expect((await client.listTools()).tools.map((tool) => tool.name)).not.toContain(ECHO);

    await runAsActor(systemActor(), () => manager.enable(TOOLS));
    await notified;
    expect(changes).toBeGreaterThan(0);

    const { tools } = await client.listTools();
    const echo = tools.find((tool) => tool.name === ECHO);
    expect(echo).toMatchObject({
      description: "Returns its arguments, the settings and the call's actor",
      inputSchema: { type: 'object', properties: { message: { type: 'string' } } },
      _meta: { 'cinatra.dev/extension': TOOLS },
    });

    const result = await client.callTool({ name: ECHO, arguments: { message: 'hi' } });
    expect(result.isError).toBeFalsy();
    expect(result._meta).toEqual({ 'cinatra.dev/extension': TOOLS });
    const echoed = result.structuredContent as { args: unknown; actor: unknown; pid: number };
    expect(echoed.args).toEqual({ message: 'hi' });
    expect(echoed.actor).toMatchObject({ principalId: admin.user.id, principalType: 'user' });
    expect(echoed.pid).not.toBe(process.pid);
    expect(manager.processInfo(TOOLS).pid).toBe(echoed.pid);

    const calls = await auditEvents(admin, { operation: 'extension.call_tool', resourceId: TOOLS });
    expect(calls.find((e) => e.metadata.sessionId === transport.sessionId)).toMatchObject({
      actorId: admin.user.id,
      resourceType: 'extension',
      decision: 'allow',
      metadata: { tool: 'echo', mcpTool: ECHO, via: 'mcp', sessionId: transport.sessionId },
    });

    const bad = await rpcError(client.callTool({ name: ECHO, arguments: { message: 5 } }));
    expect(bad.code).toBe(ErrorCode.InvalidParams);
    expect(bad.message).toContain('/message');
  });

  test('disabling an extension takes its tools away', async () => {
    const { client, streamOpen } = await connect(adminToken);
    await streamOpen;
    const notified = new Promise<void>((done) =>
      client.setNotificationHandler(ToolListChangedNotificationSchema, () => done()),
    );
    await runAsActor(systemActor(), () => manager.disable(TOOLS));
    await notified;
    expect((await client.listTools()).tools.map((tool) => tool.name)).not.toContain(ECHO);
    const gone = await rpcError(client.callTool({ name: ECHO, arguments: {} }));
    expect(gone.code).toBe(ErrorCode.InvalidParams);
  });
});
