import { cpSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestDatabase, testConfig, type TestDatabase } from '@cinatra/kernel/testing';
import { createPlatform, type Platform } from '@cinatra/host';
import {
  auditEvents,
  createUser,
  expectProblem,
  setUpAdmin,
  signIn,
  type SessionClient,
} from './support/apiClient.js';

/**
 * The agent catalogue (`/api/agents`): the agents of `agents.dir`, checked with the SDK's
 * validator, package layout check, review lint and compiler. Against the repository's own
 * agents and a temporary directory holding a copy of one and a broken one.
 */

interface AgentSummaryJson {
  vendor: string;
  slug: string;
  path: string;
  packageName: string | null;
  packageVersion: string | null;
  name: string;
  description: string | null;
  agentSpecVersion: string | null;
  validation: { valid: boolean; errors: number; warnings: number };
  review: { blockers: number; warnings: number; advisories: number };
}

interface AgentDetailJson extends AgentSummaryJson {
  issues: Array<{ severity: string; code: string; message: string; file: string; path: string | null }>;
  findings: Array<{ level: string; code: string; message: string; file: string; path: string | null }>;
  inputSchema: { type: string; properties: Record<string, unknown>; required: string[] } | null;
  outputSchema: { type: string; properties: Record<string, unknown> } | null;
  approvalPolicy: { steps: Array<{ reason: string; renderer: string | null }> } | null;
}

interface CatalogJson {
  dir: string;
  agents: AgentSummaryJson[];
  problems: Array<{ path: string; message: string }>;
}

const REPO_AGENTS = resolve(import.meta.dirname, '../../agents');
const work = mkdtempSync(join(tmpdir(), 'cinatra-agents-'));
const agentsDir = join(work, 'agents');

/** A copy of a first-party agent, and a broken agent of another vendor. */
function writeAgents(): void {
  cpSync(
    join(REPO_AGENTS, 'cinatra', 'thread-summary-agent'),
    join(agentsDir, 'cinatra', 'thread-summary-agent'),
    {
      recursive: true,
    },
  );
  const broken = join(agentsDir, 'acme', 'broken-agent');
  mkdirSync(join(broken, 'cinatra'), { recursive: true });
  writeFileSync(
    join(broken, 'cinatra', 'oas.json'),
    JSON.stringify({
      component_type: 'Flow',
      id: 'broken',
      name: 'Broken flow',
      description: 'Has no nodes at all',
      start_node: null,
      nodes: [],
      control_flow_connections: [],
      data_flow_connections: [],
      agentspec_version: '26.1.0',
    }),
  );
  writeFileSync(join(broken, 'package.json'), JSON.stringify({ name: '@acme/wrong-name', version: 'one' }));
  // Not an agent package: skipped, not reported.
  mkdirSync(join(agentsDir, 'acme', 'notes'), { recursive: true });
}

let repoDb: TestDatabase;
let tempDb: TestDatabase;
let repo: Platform;
let temp: Platform;
let repoAdmin: SessionClient;
let tempAdmin: SessionClient;

beforeAll(async () => {
  writeAgents();
  [repoDb, tempDb] = await Promise.all([createTestDatabase(), createTestDatabase()]);
  // agents.dir defaults to `agents` in the working directory: the repository's agents.
  repo = await createPlatform(testConfig({ databaseUrl: repoDb.url }));
  temp = await createPlatform(testConfig({ databaseUrl: tempDb.url, agents: { dir: agentsDir } }));
  [repoAdmin, tempAdmin] = await Promise.all([setUpAdmin(repo), setUpAdmin(temp)]);
});

afterAll(async () => {
  await repo?.stop();
  await temp?.stop();
  await repoDb?.drop();
  await tempDb?.drop();
  rmSync(work, { recursive: true, force: true });
});

async function catalog(admin: SessionClient): Promise<CatalogJson> {
  const res = await admin.get('/api/agents');
  expect(res.statusCode, res.body).toBe(200);
  return res.json<CatalogJson>();
}

async function detail(admin: SessionClient, vendor: string, slug: string): Promise<AgentDetailJson> {
  const res = await admin.get(`/api/agents/${vendor}/${slug}`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json<AgentDetailJson>();
}

describe("the repository's agents", () => {
  test('are four valid agents without review findings', async () => {
    const { dir, agents, problems } = await catalog(repoAdmin);
    expect(dir).toBe(REPO_AGENTS);
    expect(problems).toEqual([]);
    expect(agents.map((a) => `${a.vendor}/${a.slug}`)).toEqual([
      'cinatra/reply-drafting-agent',
      'cinatra/support-inbox-agent',
      'cinatra/support-triage-agent',
      'cinatra/thread-summary-agent',
    ]);
    for (const agent of agents) {
      expect(agent, agent.slug).toMatchObject({
        path: `cinatra/${agent.slug}/cinatra/oas.json`,
        packageName: `@cinatra/${agent.slug}`,
        packageVersion: expect.stringMatching(/^\d+\.\d+\.\d+/),
        agentSpecVersion: '26.1.0',
        description: expect.any(String),
        validation: { valid: true, errors: 0, warnings: 0 },
        review: { blockers: 0, warnings: 0, advisories: 0 },
      });
    }
    expect(agents[0]!.name).toBe('Reply drafting');
  });

  test("one agent's detail has its compiled schemas and approval policy", async () => {
    const agent = await detail(repoAdmin, 'cinatra', 'reply-drafting-agent');
    expect(agent).toMatchObject({ name: 'Reply drafting', issues: [], findings: [] });
    expect(agent.inputSchema).toMatchObject({
      type: 'object',
      properties: { message: expect.any(Object), context: expect.any(Object) },
      additionalProperties: false,
    });
    expect(agent.outputSchema).toMatchObject({ type: 'object' });
    expect(agent.approvalPolicy!.steps).toEqual([
      expect.objectContaining({
        reason: 'input_message',
        renderer: '@cinatra/reply-drafting-agent:draft-review',
      }),
    ]);
  });
});

describe('an agents directory with a copied and a broken agent', () => {
  test('lists both; the broken one with its error and blocker counts', async () => {
    const { dir, agents, problems } = await catalog(tempAdmin);
    expect(dir).toBe(agentsDir);
    expect(problems).toEqual([]);
    expect(agents.map((a) => `${a.vendor}/${a.slug}`)).toEqual([
      'acme/broken-agent',
      'cinatra/thread-summary-agent',
    ]);
    const [broken, copied] = agents;
    expect(copied).toMatchObject({
      name: 'Thread summary',
      validation: { valid: true, errors: 0 },
      review: { blockers: 0 },
    });
    expect(broken).toMatchObject({
      path: 'acme/broken-agent/cinatra/oas.json',
      packageName: '@acme/wrong-name',
      packageVersion: 'one',
      // It loads, so its name and description are known even though it does not validate.
      name: 'Broken flow',
      description: 'Has no nodes at all',
      agentSpecVersion: '26.1.0',
      // No start node, no end node; package.json's name and version.
      validation: { valid: false, errors: 4, warnings: 0 },
      // No license in package.json.
      review: { blockers: 1, warnings: 0, advisories: 0 },
    });
  });

  test("the broken agent's detail names every issue and has no compiled schemas", async () => {
    const agent = await detail(tempAdmin, 'acme', 'broken-agent');
    const codes = agent.issues.map((issue) => `${issue.file} ${issue.code}`);
    expect(codes).toEqual([
      'cinatra/oas.json missing_end_node',
      'cinatra/oas.json missing_start_node',
      'package.json package_name_mismatch',
      'package.json invalid_package_version',
    ]);
    expect(agent.issues.every((issue) => issue.severity === 'error')).toBe(true);
    expect(agent.issues.find((i) => i.code === 'package_name_mismatch')).toMatchObject({
      path: '/name',
      message: expect.stringContaining('@acme/broken-agent'),
    });
    expect(agent.findings).toEqual([
      {
        level: 'blocker',
        code: 'package_missing_license',
        message: expect.stringContaining('no license'),
        file: 'package.json',
        path: '/license',
      },
    ]);
    expect(agent).toMatchObject({ inputSchema: null, outputSchema: null, approvalPolicy: null });
  });

  test('an edit on disk shows on the next read (nothing is cached)', async () => {
    const file = join(agentsDir, 'acme', 'broken-agent', 'cinatra', 'oas.json');
    writeFileSync(file, '{ "component_type": ');
    try {
      const agent = await detail(tempAdmin, 'acme', 'broken-agent');
      expect(agent).toMatchObject({ name: 'broken-agent', agentSpecVersion: null, description: null });
      expect(agent.issues.map((i) => i.code)).toContain('invalid_json');
      // A document that does not load is reported once, by validation, not again by the review.
      expect(agent.findings.map((f) => f.code)).not.toContain('unreadable_document');
    } finally {
      writeAgents();
    }
  });

  test('a legacy agent.json is read and warned about', async () => {
    const legacy = join(agentsDir, 'acme', 'legacy-agent');
    mkdirSync(legacy, { recursive: true });
    cpSync(
      join(REPO_AGENTS, 'cinatra', 'thread-summary-agent', 'cinatra', 'oas.json'),
      join(legacy, 'agent.json'),
    );
    try {
      const agent = await detail(tempAdmin, 'acme', 'legacy-agent');
      expect(agent.issues).toContainEqual({
        severity: 'warning',
        code: 'legacy_file_name',
        message: expect.stringContaining('cinatra/oas.json'),
        file: 'agent.json',
        path: null,
      });
      expect(agent.validation.warnings).toBe(1);
      expect(agent.path).toBe('acme/legacy-agent/agent.json');
    } finally {
      rmSync(legacy, { recursive: true, force: true });
    }
  });

  test('a missing directory is an empty list with a problem saying how to set it', async () => {
    const moved = join(work, 'moved');
    renameSync(agentsDir, moved);
    try {
      const { dir, agents, problems } = await catalog(tempAdmin);
      expect(dir).toBe(agentsDir);
      expect(agents).toEqual([]);
      expect(problems).toEqual([
        {
          path: '.',
          message: expect.stringMatching(/does not exist.*agents\.dir \(CINATRA_AGENTS_DIR\)/),
        },
      ]);
      expectProblem(await tempAdmin.get('/api/agents/acme/broken-agent'), 404, 'not_found');
    } finally {
      renameSync(moved, agentsDir);
    }
  });
});

describe('addressing and access', () => {
  test('an unknown agent is a 404 problem; a malformed vendor or slug a 400', async () => {
    expectProblem(await repoAdmin.get('/api/agents/cinatra/no-such-agent'), 404, 'not_found');
    expectProblem(await repoAdmin.get('/api/agents/Cinatra/reply-drafting-agent'), 400, 'validation_failed');
    expectProblem(await repoAdmin.get('/api/agents/cinatra/..%2F..%2Fetc'), 400, 'validation_failed');
  });

  test('platform admins only; each read is audited', async () => {
    await createUser(repoAdmin, 'member@example.com', 'Member');
    const member = await signIn(repo.server, 'member@example.com');
    expectProblem(await member.get('/api/agents'), 403, 'forbidden');
    expectProblem(await member.get('/api/agents/cinatra/reply-drafting-agent'), 403, 'forbidden');
    const denied = await auditEvents(repoAdmin, { operation: 'agent.read', decision: 'deny' });
    expect(denied[0]).toMatchObject({
      actorId: member.user.id,
      resourceType: 'agent',
      resourceId: 'cinatra/reply-drafting-agent',
    });
    const allowed = await auditEvents(repoAdmin, { operation: 'agent.list', decision: 'allow' });
    expect(allowed[0]).toMatchObject({ actorId: repoAdmin.user.id });
  });
});
