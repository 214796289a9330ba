import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestDatabase, testConfig } from '@cinatra/kernel/testing';
import { createPlatform, MCP_GATEWAY } from '@cinatra/host';
import { createToken, createUser, setUpAdmin, signIn, type SessionClient } from './support/apiClient.js';
import { McpClients } from './support/mcpClient.js';

/**
 * MCP session limits over real HTTP, with small values set through the configuration: a session
 * idle for `mcp.sessionIdleSeconds` is closed (its id then gets 404, so the client
 * re-initializes), one with its event stream open is not idle; a principal holding
 * `mcp.sessionsPerPrincipal` sessions loses its least recently used idle one to a new one, or
 * is refused with a 409 problem when all are in use; stopping the platform ends every session.
 */

const IDLE_SECONDS = 2;
const db = await createTestDatabase();
const platform = await createPlatform(
  testConfig({ databaseUrl: db.url, mcp: { sessionIdleSeconds: IDLE_SECONDS, sessionsPerPrincipal: 2 } }),
);
const clients = new McpClients(() => url);

let url: URL;
let admin: SessionClient;

const headers = (token: string, sessionId?: string): Record<string, string> => ({
  authorization: `Bearer ${token}`,
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
  'mcp-protocol-version': '2025-11-25',
  ...(sessionId ? { 'mcp-session-id': sessionId } : {}),
});

/** POSTs an initialize as a bare HTTP client (no event stream), returning the response. */
async function initialize(token: string): Promise<Response> {
  const res = await fetch(url, {
    method: 'POST',
    headers: headers(token),
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: {
        protocolVersion: '2025-11-25',
        capabilities: {},
        clientInfo: { name: 'bare', version: '1.0.0' },
      },
    }),
  });
  await res.clone().text();
  return res;
}

/** A new session id, from a successful initialize. */
async function openSession(token: string): Promise<string> {
  const res = await initialize(token);
  expect(res.status, await res.clone().text()).toBe(200);
  return res.headers.get('mcp-session-id')!;
}

/** The HTTP status a ping on the session gets (200 while it is open, 404 once it is gone). */
async function ping(token: string, sessionId: string): Promise<number> {
  const res = await fetch(url, {
    method: 'POST',
    headers: headers(token, sessionId),
    body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'ping' }),
  });
  await res.text();
  return res.status;
}

/** A member with an all-scopes token. */
async function principal(email: string): Promise<{ id: string; token: string }> {
  const user = await createUser(admin, email, email);
  const session = await signIn(platform.server, email);
  return { id: user.id, token: (await createToken(session, { name: 'mcp', scopes: ['*'] })).token };
}

beforeAll(async () => {
  const { url: base } = await platform.start();
  url = new URL('/mcp', base);
  admin = await setUpAdmin(platform);
}, 60_000);

afterAll(async () => {
  await clients.closeAll();
  await platform?.stop();
  await db?.drop();
});

describe('idle expiry', () => {
  test('an idle session expires: its id gets 404 and a new initialize works', async () => {
    const { token } = await principal('idle@example.com');
    const sessionId = await openSession(token);
    expect(await ping(token, sessionId)).toBe(200);
    await sleep(IDLE_SECONDS * 1000 + 300);
    const res = await fetch(url, {
      method: 'POST',
      headers: headers(token, sessionId),
      body: JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'ping' }),
    });
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await res.json()).toMatchObject({ code: 'not_found', detail: expect.stringContaining('expired') });
    expect(await ping(token, await openSession(token))).toBe(200);
  });

  test('a client listening on its event stream is not idle; once it goes, its session expires', async () => {
    const { id, token } = await principal('listener@example.com');
    const { client, transport, streamOpen } = await clients.connect(token);
    await streamOpen;
    const sessionId = transport.sessionId!;
    await sleep(IDLE_SECONDS * 1000 + 300);
    expect((await client.listResources()).resources.map((r) => r.uri)).toContain('cinatra://primitives');

    const gateway = platform.kernel.resolve(MCP_GATEWAY);
    expect(gateway.sessionCount(id)).toBe(1);
    await client.close(); // drops the event stream without ending the session
    await sleep(IDLE_SECONDS * 1000 + 300);
    expect(await ping(token, sessionId)).toBe(404);
    expect(gateway.sessionCount(id)).toBe(0);
  });
});

describe('sessions per principal', () => {
  test('a new session replaces the least recently used idle one', async () => {
    const { id, token } = await principal('capped@example.com');
    const first = await openSession(token);
    const second = await openSession(token);
    expect(await ping(token, first)).toBe(200); // `second` is now the least recently used
    const third = await openSession(token);

    expect(await ping(token, second)).toBe(404);
    expect(await ping(token, first)).toBe(200);
    expect(await ping(token, third)).toBe(200);
    expect(platform.kernel.resolve(MCP_GATEWAY).sessionCount(id)).toBe(2);
  });

  test('when every session is in use, a new one is refused with a 409 problem naming the limit', async () => {
    const { token } = await principal('busy@example.com');
    const one = await clients.connect(token);
    const two = await clients.connect(token);
    await Promise.all([one.streamOpen, two.streamOpen]);

    await expect(clients.connect(token)).rejects.toThrow(/409/);
    const res = await initialize(token);
    expect(res.status).toBe(409);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await res.json()).toMatchObject({
      code: 'conflict',
      detail: expect.stringContaining('mcp.sessionsPerPrincipal'),
    });
    // Other principals are not affected, and the open sessions keep working.
    const other = await principal('other@example.com');
    expect(await ping(other.token, await openSession(other.token))).toBe(200);
    expect((await one.client.listResources()).resources.map((r) => r.uri)).toContain('cinatra://primitives');

    // Ending one (DELETE) makes room.
    await two.transport.terminateSession();
    await two.client.close();
    expect(await ping(token, await openSession(token))).toBe(200);
  });
});

describe('shutdown', () => {
  test('stopping the platform ends every session, so an open event stream does not hold it up', async () => {
    const { id, token } = await principal('shutdown@example.com');
    const { streamOpen } = await clients.connect(token);
    await streamOpen;
    const gateway = platform.kernel.resolve(MCP_GATEWAY);
    expect(gateway.sessionCount(id)).toBe(1);
    const started = Date.now();
    await platform.stop();
    expect(gateway.sessionCount(id)).toBe(0);
    // Well inside the 10 s grace after which stop() cuts connections that are still open.
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
