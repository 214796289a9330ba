import { cpSync, mkdtempSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { expect } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { runAsActor, systemActor } from '@cinatra/kernel';
import { packExtension, signExtension } from '@cinatra/sdk';
import { EXTENSION_MANAGER, type Platform } from '@cinatra/host';
import { createToken, createUser, setUpAdmin, signIn, type SessionClient } from './apiClient.js';
import { trustTestPublisher } from './extensionSetup.js';

/** The official SDK client connected to /mcp over real HTTP. */
export interface Connected {
  client: Client;
  transport: StreamableHTTPClientTransport;
  /** Resolves once the server-to-client event stream (GET /mcp) is open. */
  streamOpen: Promise<void>;
}

/** Connects SDK clients to one platform's /mcp with a Bearer token, and closes them all at the end. */
export class McpClients {
  private readonly clients: Client[] = [];

  constructor(private readonly url: () => URL) {}

  async connect(token: string | null): Promise<Connected> {
    let opened!: () => void;
    const streamOpen = new Promise<void>((done) => (opened = done));
    const transport = new StreamableHTTPClientTransport(this.url(), {
      requestInit: token ? { headers: { authorization: `Bearer ${token}` } } : {},
      fetch: async (input, init) => {
        const response = await fetch(input, init);
        if (init?.method === 'GET' && response.ok) opened();
        return response;
      },
    });
    const client = new Client({ name: 'cinatra-mcp-test', version: '1.0.0' });
    await client.connect(transport);
    this.clients.push(client);
    return { client, transport, streamOpen };
  }

  async closeAll(): Promise<void> {
    await Promise.allSettled(this.clients.map((client) => client.close()));
  }
}

/** The JSON-RPC error a request rejects with. */
export async function rpcError(promise: Promise<unknown>): Promise<McpError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(McpError);
  return error as McpError;
}

/** The `{ error: { code, message } }` of an `isError` tool result. */
export function toolError(result: object): { code: string; message: string } {
  const { isError, content } = result as { isError?: boolean; content?: Array<{ text: string }> };
  expect(isError).toBe(true);
  return (JSON.parse(content![0]!.text) as { error: { code: string; message: string } }).error;
}

/** The JSON of a resources/read answer's single text content. */
export function resourceJson<T>(result: { contents: Array<{ mimeType?: string; text?: unknown }> }): T {
  expect(result.contents).toHaveLength(1);
  expect(result.contents[0]!.mimeType).toBe('application/json');
  return JSON.parse(result.contents[0]!.text as string) as T;
}

/**
 * Installs the signed, trusted `@cinatra-test/tools` fixture (tools echo, secret, raw, crash,
 * escape), optionally enabled.
 */
export async function installTestTools(platform: Platform, work: string, enable: boolean): Promise<string> {
  const manager = platform.kernel.resolve(EXTENSION_MANAGER);
  const publisher = await trustTestPublisher(platform);
  const dir = mkdtempSync(join(work, 'pkg-'));
  cpSync(resolve(import.meta.dirname, '../fixtures/manager/tools'), dir, { recursive: true });
  const { tarball } = await packExtension(dir);
  const bundle = await signExtension({ tarball, privateKeyPem: publisher.privateKeyPem });
  await runAsActor(systemActor(), async () => {
    await manager.install(tarball, bundle);
    if (enable) await manager.enable('@cinatra-test/tools');
  });
  return '@cinatra-test/tools';
}

/** What `setUpMcpPlatform` made: the endpoint and two principals with full-scope tokens. */
export interface McpPlatform {
  url: URL;
  admin: SessionClient;
  adminToken: string;
  memberToken: string;
}

/**
 * Starts `platform` and gives it what the MCP suites share: a platform admin and a member, each
 * with a `*` API token, and the signed test tools package installed (enabled or not).
 */
export async function setUpMcpPlatform(
  platform: Platform,
  work: string,
  enable: boolean,
): Promise<McpPlatform> {
  const { url: base } = await platform.start();
  const admin = await setUpAdmin(platform);
  const adminToken = (await createToken(admin, { name: 'admin', scopes: ['*'] })).token;
  await createUser(admin, 'member@example.com', 'Member');
  const member = await signIn(platform.server, 'member@example.com');
  const memberToken = (await createToken(member, { name: 'member', scopes: ['*'] })).token;
  await installTestTools(platform, work, enable);
  return { url: new URL('/mcp', base), admin, adminToken, memberToken };
}
