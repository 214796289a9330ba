import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  ErrorCode,
  PromptListChangedNotificationSchema,
  ResourceListChangedNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { SKILLS, runAsActor, systemActor } from '@cinatra/kernel';
import { createTestDatabase, testConfig } from '@cinatra/kernel/testing';
import { createPlatform, EXTENSION_MANAGER, MCP_PROMPT_REGISTRY } from '@cinatra/host';
import { auditEvents, type SessionClient } from './support/apiClient.js';
import { McpClients, setUpMcpPlatform, resourceJson, rpcError } from './support/mcpClient.js';

/**
 * MCP resources (primitives, extensions, audit events as JSON) and prompts over real HTTP with
 * the SDK client: what each caller is offered, reads authorized and audited like the HTTP
 * routes for the same data, parameters and arguments checked with -32602 errors naming them,
 * and list_changed notifications when extensions or prompts come and go.
 */

const TOOLS = '@cinatra-test/tools';
const TOOLS_URI = `cinatra://extensions/${TOOLS}`;

const db = await createTestDatabase();
const platform = await createPlatform(testConfig({ databaseUrl: db.url }));
const work = mkdtempSync(join(tmpdir(), 'cinatra-mcp-resources-'));
const clients = new McpClients(() => url);

let url: URL;
let admin: SessionClient;
let adminToken: string;
let memberToken: string;

interface ExtensionSummary {
  name: string;
  version: string;
  publisher: string | null;
  state: string;
  enabled: boolean;
  uri: string;
  tools: Array<{ name: string; mcpName: string | null; description: string }>;
}

interface AuditPage {
  events: Array<{ seq: number; resourceType: string; operation: string }>;
  nextCursor: string | null;
  nextUri: string | null;
}

beforeAll(async () => {
  ({ url, admin, adminToken, memberToken } = await setUpMcpPlatform(platform, work, true));
}, 60_000);

afterAll(async () => {
  await clients.closeAll();
  await platform?.stop();
  await db?.drop();
  rmSync(work, { recursive: true, force: true });
});

describe('resources/list and resources/templates/list', () => {
  test('an admin is offered the catalogue, each enabled extension and the audit log; a member the primitives', async () => {
    const { client } = await clients.connect(adminToken);
    const { resources } = await client.listResources();
    expect(resources.map((r) => r.uri)).toEqual([
      'cinatra://primitives',
      'cinatra://extensions',
      TOOLS_URI,
      'cinatra://audit/events',
    ]);
    for (const resource of resources) expect(resource.mimeType).toBe('application/json');
    expect(resources.find((r) => r.uri === TOOLS_URI)).toMatchObject({ title: 'Manager test tools' });
    const { resourceTemplates } = await client.listResourceTemplates();
    expect(resourceTemplates.map((t) => t.uriTemplate)).toEqual([
      'cinatra://extensions/{name}',
      'cinatra://audit/events{?actorId,resourceType,resourceId,operation,decision,since,until,cursor,limit}',
    ]);

    const { client: asMember } = await clients.connect(memberToken);
    expect((await asMember.listResources()).resources.map((r) => r.uri)).toEqual(['cinatra://primitives']);
    expect((await asMember.listResourceTemplates()).resourceTemplates).toEqual([]);
  });
});

describe('resources/read', () => {
  test('cinatra://primitives is what the caller may call', async () => {
    const { client } = await clients.connect(memberToken);
    const { primitives } = resourceJson<{ primitives: Array<{ name: string }> }>(
      await client.readResource({ uri: 'cinatra://primitives' }),
    );
    const { client: asAdmin } = await clients.connect(adminToken);
    const adminNames = resourceJson<{ primitives: Array<{ name: string }> }>(
      await asAdmin.readResource({ uri: 'cinatra://primitives' }),
    ).primitives.map((p) => p.name);
    expect(adminNames).toContain('extensions.list');
    expect(primitives.map((p) => p.name)).not.toContain('extensions.list');
  });

  test('cinatra://extensions lists installed extensions with their MCP tool names, audited with the session', async () => {
    const { client, transport } = await clients.connect(adminToken);
    const { extensions } = resourceJson<{ extensions: ExtensionSummary[] }>(
      await client.readResource({ uri: 'cinatra://extensions' }),
    );
    expect(extensions).toHaveLength(1);
    expect(extensions[0]).toMatchObject({
      name: TOOLS,
      version: '1.0.0',
      publisher: 'cinatra-test',
      enabled: true,
      uri: TOOLS_URI,
    });
    expect(extensions[0]!.tools.find((t) => t.name === 'echo')).toEqual({
      name: 'echo',
      mcpName: 'cinatra-test_tools.echo',
      description: "Returns its arguments, the settings and the call's actor",
    });
    const reads = await auditEvents(admin, { operation: 'extension.list', actorId: admin.user.id });
    expect(reads.find((e) => e.metadata.sessionId === transport.sessionId)).toMatchObject({
      decision: 'allow',
      metadata: { via: 'mcp', uri: 'cinatra://extensions' },
    });
  });

  test('one extension by name, raw or percent-encoded; an unknown one is -32602', async () => {
    const { client } = await clients.connect(adminToken);
    const record = resourceJson<{
      name: string;
      requestedPermissions: string[];
      grantedPermissions: string[];
    }>(await client.readResource({ uri: TOOLS_URI }));
    expect(record).toMatchObject({
      name: TOOLS,
      requestedPermissions: ['secrets.read:api-token', 'queue.enqueue:jobs', 'storage'],
      grantedPermissions: [],
      tools: expect.arrayContaining([
        expect.objectContaining({ name: 'echo', mcpName: 'cinatra-test_tools.echo' }),
      ]),
    });
    const encoded = await client.readResource({ uri: `cinatra://extensions/${encodeURIComponent(TOOLS)}` });
    expect(resourceJson<{ name: string }>(encoded).name).toBe(TOOLS);

    const missing = await rpcError(client.readResource({ uri: 'cinatra://extensions/@acme/none' }));
    expect(missing.code).toBe(ErrorCode.InvalidParams);
    expect(missing.data).toMatchObject({ code: 'not_found' });
    const unknown = await rpcError(client.readResource({ uri: 'cinatra://nothing-here' }));
    expect(unknown.code).toBe(ErrorCode.InvalidParams);
    expect(unknown.message).toContain('cinatra://nothing-here');
  });

  test('a member may not read the extensions: -32602 forbidden, audited as a denial', async () => {
    const { client, transport } = await clients.connect(memberToken);
    const refused = await rpcError(client.readResource({ uri: 'cinatra://extensions' }));
    expect(refused.code).toBe(ErrorCode.InvalidParams);
    expect(refused.data).toMatchObject({ code: 'forbidden' });
    const denials = await auditEvents(admin, { operation: 'extension.list', decision: 'deny' });
    expect(denials.find((e) => e.metadata.sessionId === transport.sessionId)).toMatchObject({
      metadata: { via: 'mcp', uri: 'cinatra://extensions' },
    });
    const audit = await rpcError(client.readResource({ uri: 'cinatra://audit/events' }));
    expect(audit.data).toMatchObject({ code: 'forbidden' });
  });

  test('audit events: filters and pages like GET /api/audit/events, audited, bad parameters named', async () => {
    const { client, transport } = await clients.connect(adminToken);
    const first = resourceJson<AuditPage>(
      await client.readResource({ uri: 'cinatra://audit/events?resourceType=extension&limit=2' }),
    );
    expect(first.events).toHaveLength(2);
    for (const event of first.events) expect(event.resourceType).toBe('extension');
    expect(first.nextUri).toBe(
      `cinatra://audit/events?resourceType=extension&limit=2&cursor=${first.nextCursor}`,
    );
    const second = resourceJson<AuditPage>(await client.readResource({ uri: first.nextUri! }));
    expect(second.events[0]!.seq).toBeLessThan(first.events[1]!.seq);
    for (const event of second.events) expect(event.resourceType).toBe('extension');

    const reads = await auditEvents(admin, { operation: 'audit_event.list', actorId: admin.user.id });
    const mine = reads.filter((e) => e.metadata.sessionId === transport.sessionId);
    expect(mine.map((e) => [e.decision, e.metadata.via, e.metadata.uri])).toEqual([
      ['allow', 'mcp', first.nextUri],
      ['allow', 'mcp', 'cinatra://audit/events?resourceType=extension&limit=2'],
    ]);

    const badLimit = await rpcError(client.readResource({ uri: 'cinatra://audit/events?limit=0' }));
    expect(badLimit.code).toBe(ErrorCode.InvalidParams);
    expect(badLimit.data).toMatchObject({ errors: [{ path: '/uri/limit' }] });
    const badKey = await rpcError(client.readResource({ uri: 'cinatra://audit/events?actor=x' }));
    expect(badKey.message).toContain('actor');
    const badDate = await rpcError(client.readResource({ uri: 'cinatra://audit/events?since=yesterday' }));
    expect(badDate.data).toMatchObject({ errors: [{ path: '/uri/since' }] });
  });
});

describe('prompts', () => {
  test('cinatra.review_extension is offered to admins, with its argument', async () => {
    const { client } = await clients.connect(adminToken);
    expect((await client.listPrompts()).prompts).toEqual([
      expect.objectContaining({
        name: 'cinatra.review_extension',
        arguments: [expect.objectContaining({ name: 'name', required: true })],
      }),
      expect.objectContaining({ name: 'cinatra.use_skill' }),
    ]);
    const { client: asMember } = await clients.connect(memberToken);
    expect((await asMember.listPrompts()).prompts.map((p) => p.name)).toEqual(['cinatra.use_skill']);
    const hidden = await rpcError(
      asMember.getPrompt({ name: 'cinatra.review_extension', arguments: { name: TOOLS } }),
    );
    expect(hidden.code).toBe(ErrorCode.InvalidParams);
    expect(hidden.data).toMatchObject({ code: 'not_found' });
  });

  test('renders the manifest, permissions and recent audit trail; the reads are audited', async () => {
    const { client, transport } = await clients.connect(adminToken);
    const { messages } = await client.getPrompt({
      name: 'cinatra.review_extension',
      arguments: { name: TOOLS },
    });
    const text = (messages[0]!.content as { text: string }).text;
    expect(text).toContain(`Manager test tools (${TOOLS} 1.0.0)`);
    expect(text).toContain('- secrets.read:api-token — not granted');
    expect(text).toContain("- echo: Returns its arguments, the settings and the call's actor");
    expect(text).toMatch(/Z extension\.enabled by system:system/);
    expect(messages[1]!.content).toMatchObject({ type: 'resource_link', uri: TOOLS_URI });

    const reads = await auditEvents(admin, { operation: 'extension.read', resourceId: TOOLS });
    expect(reads.find((e) => e.metadata.sessionId === transport.sessionId)).toMatchObject({
      decision: 'allow',
      metadata: { via: 'mcp', prompt: 'cinatra.review_extension' },
    });
  });

  test('cinatra.use_skill renders a skill of the catalogue, with the task after it', async () => {
    const skills = platform.kernel.resolve(SKILLS);
    skills.add(
      { name: 'house-style', description: 'How we write', matchWhen: ['always'], body: 'Write plainly.\n' },
      'test',
    );
    try {
      const { client } = await clients.connect(memberToken);
      const { description, messages } = await client.getPrompt({
        name: 'cinatra.use_skill',
        arguments: { name: 'house-style', task: 'Summarize the release notes' },
      });
      expect(description).toBe('How we write');
      const text = (messages[0]!.content as { text: string }).text;
      expect(text).toContain('Write plainly.');
      expect(text.indexOf('Write plainly.')).toBeLessThan(text.indexOf('Task: Summarize the release notes'));
      const unknown = await rpcError(
        client.getPrompt({ name: 'cinatra.use_skill', arguments: { name: 'nope' } }),
      );
      expect(unknown.data).toMatchObject({
        errors: [{ path: '/arguments/name', message: 'names no skill' }],
      });
    } finally {
      skills.removeSource('test');
    }
  });

  test('arguments are checked: -32602 naming the argument', async () => {
    const { client } = await clients.connect(adminToken);
    const missing = await rpcError(client.getPrompt({ name: 'cinatra.review_extension', arguments: {} }));
    expect(missing.code).toBe(ErrorCode.InvalidParams);
    expect(missing.message).toContain('name');
    expect(missing.data).toMatchObject({ errors: [{ path: '/arguments/name', message: 'is required' }] });

    const extra = await rpcError(
      client.getPrompt({ name: 'cinatra.review_extension', arguments: { name: TOOLS, tone: 'harsh' } }),
    );
    expect(extra.data).toMatchObject({ errors: [{ path: '/arguments/tone' }] });

    const noSuch = await rpcError(
      client.getPrompt({ name: 'cinatra.review_extension', arguments: { name: '@acme/none' } }),
    );
    expect(noSuch.message).toContain('@acme/none');
    expect(noSuch.data).toMatchObject({ errors: [{ path: '/arguments/name' }] });

    const unknown = await rpcError(client.getPrompt({ name: 'no.such.prompt' }));
    expect(unknown.code).toBe(ErrorCode.InvalidParams);
  });

  test('a prompt registered later is announced, served and withdrawn', async () => {
    const { client, streamOpen } = await clients.connect(memberToken);
    await streamOpen;
    let changes = 0;
    let changed!: () => void;
    let notified = new Promise<void>((done) => (changed = done));
    client.setNotificationHandler(PromptListChangedNotificationSchema, () => {
      changes += 1;
      changed();
    });

    const remove = platform.kernel.resolve(MCP_PROMPT_REGISTRY).register({
      name: 'skill.summarize',
      description: 'Summarize a text',
      arguments: [{ name: 'text', description: 'What to summarize', required: true }],
      render: async ({ text }, { actor }) => ({
        messages: [
          { role: 'user', content: { type: 'text', text: `Summarize for ${actor.displayName}: ${text}` } },
        ],
      }),
    });
    await notified;
    expect((await client.listPrompts()).prompts.map((p) => p.name)).toEqual([
      'cinatra.use_skill',
      'skill.summarize',
    ]);
    const { messages } = await client.getPrompt({ name: 'skill.summarize', arguments: { text: 'hello' } });
    expect(messages[0]!.content).toEqual({ type: 'text', text: 'Summarize for Member: hello' });

    notified = new Promise<void>((done) => (changed = done));
    remove();
    await notified;
    expect(changes).toBe(2);
    expect((await client.listPrompts()).prompts.map((p) => p.name)).toEqual(['cinatra.use_skill']);
  });
});

describe('resources/list_changed', () => {
  test('disabling an extension announces a new resource list without it', async () => {
    const { client, streamOpen } = await clients.connect(adminToken);
    await streamOpen;
    const notified = new Promise<void>((done) =>
      client.setNotificationHandler(ResourceListChangedNotificationSchema, () => done()),
    );
    await runAsActor(systemActor(), () => platform.kernel.resolve(EXTENSION_MANAGER).disable(TOOLS));
    await notified;
    expect((await client.listResources()).resources.map((r) => r.uri)).not.toContain(TOOLS_URI);
    // Still installed, so still readable through the template; its tools are not served now.
    const record = resourceJson<{ enabled: boolean; tools: Array<{ mcpName: string | null }> }>(
      await client.readResource({ uri: TOOLS_URI }),
    );
    expect(record.enabled).toBe(false);
    expect(record.tools.every((tool) => tool.mcpName === null)).toBe(true);
  });
});
