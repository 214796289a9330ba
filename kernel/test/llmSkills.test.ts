import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { LlmProviderError } from '@cinatra/sdk';
import {
  createKernel,
  KernelError,
  LLM_CLOCK,
  LLM_ORCHESTRATOR,
  LLM_PROVIDERS,
  LLM_SETTINGS,
  parseSkill,
  runAsActor,
  SKILLS,
  type Kernel,
  type LlmCallOptions,
  type LlmSettingsPatch,
  type SkillCatalog,
} from '../src/index.js';
import { createTestDatabase, testConfig, type TestDatabase } from '../src/testing/index.js';
import { actor, recordingClock, reply, ScriptedProvider, type Step } from './llmSupport.js';

let db: TestDatabase;
let kernel: Kernel;
let skills: SkillCatalog;
const ADMIN = actor('00000000-0000-4000-8000-0000000000a2', { platformRole: 'platform_admin' });
const MEMBER = actor('00000000-0000-4000-8000-0000000000b2');
const unregister: Array<() => void> = [];

function writeSkill(folder: string, text: string): string {
  const dir = join(kernel.config.dataDir, 'skills', folder);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'SKILL.md'), text);
  return join(dir, 'SKILL.md');
}

const skillFile = (name: string, matchWhen: string, body: string, description = `The ${name} skill`) =>
  `---\nname: ${name}\ndescription: ${description}\nmatch_when:\n${matchWhen}\n---\n${body}\n`;

beforeAll(async () => {
  db = await createTestDatabase();
  kernel = await createKernel(testConfig({ databaseUrl: db.url }));
  kernel.container.register(LLM_CLOCK, { useValue: recordingClock() });
  skills = kernel.resolve(SKILLS);
  writeSkill('house-style', skillFile('house-style', '  - always', 'Write in plain English.'));
  writeSkill(
    'brief-format',
    skillFile('brief-format', "  - agent_id: '@acme/brief'", 'Start with a one-line summary.'),
  );
  writeSkill(
    'customer-tone',
    skillFile(
      'customer-tone',
      '  - agent_has_tag: [customer-facing, support]',
      'Be warm and thank the customer.',
    ),
  );
  writeSkill(
    'sql-help',
    skillFile('sql-help', '  - llm', 'Prefer CTEs over nested subqueries.', 'Advice for writing SQL queries'),
  );
  writeSkill(
    'recipes',
    skillFile('recipes', '  - llm', 'Give quantities in grams.', 'Cooking recipes and ingredient lists'),
  );
  await skills.reload();
});

afterAll(async () => {
  await kernel?.close();
  await db?.drop();
});

beforeEach(async () => {
  await settings({ skillJudge: null, defaultTarget: { provider: 'main', model: 'main-model' } });
});

afterEach(() => {
  for (const off of unregister.splice(0)) off();
});

function provider(id: string, steps: Step[]): ScriptedProvider {
  const p = new ScriptedProvider(id, steps);
  unregister.push(kernel.resolve(LLM_PROVIDERS).register(p));
  return p;
}

function settings(patch: LlmSettingsPatch) {
  return runAsActor(ADMIN, () => kernel.resolve(LLM_SETTINGS).update(patch));
}

const ask = (options: Partial<LlmCallOptions>) =>
  runAsActor(MEMBER, () =>
    kernel.resolve(LLM_ORCHESTRATOR).generate({ messages: [{ role: 'user', content: 'Hi' }], ...options }),
  );

describe('skill files', () => {
  test('frontmatter and body are read; clauses are normalized', () => {
    const skill = parseSkill(
      [
        '---',
        'name: tone-of-voice',
        'description: House style for anything customers read',
        'license: MIT',
        'match_when:',
        '  - agent_has_tag: customer-facing',
        "  - agent_id: ['@acme/a', '@acme/b']",
        '  - llm',
        '---',
        '',
        '# Tone',
        'Write plainly.',
      ].join('\n'),
      'skills/tone-of-voice/SKILL.md',
    );
    expect(skill).toEqual({
      name: 'tone-of-voice',
      description: 'House style for anything customers read',
      matchWhen: [{ agentHasTag: ['customer-facing'] }, { agentId: ['@acme/a', '@acme/b'] }, 'llm'],
      body: '# Tone\nWrite plainly.',
    });
  });

  test.each([
    ['no frontmatter', '# Just markdown', 'frontmatter must start with YAML frontmatter'],
    ['broken YAML', '---\nname: [unclosed\n---\nbody', 'frontmatter is not valid YAML'],
    ['a bad name', skillFile('Bad Name', '  - always', 'x'), 'name must match'],
    [
      'no description',
      '---\nname: a\nmatch_when: [always]\n---\nbody',
      'description must be a non-empty string',
    ],
    ['no match_when', '---\nname: a\ndescription: d\n---\nbody', 'match_when is required'],
    [
      'an unknown clause',
      skillFile('a', '  - always\n  - sometimes', 'x'),
      'match_when[1] must be always, llm',
    ],
    [
      'an unknown key',
      skillFile('a', '  - agent_name: x', 'x'),
      'match_when[0] has unknown key "agent_name"',
    ],
    [
      'an empty tag list',
      skillFile('a', '  - agent_has_tag: []', 'x'),
      'match_when[0].agent_has_tag must be',
    ],
    ['no body', skillFile('a', '  - always', ''), 'body must hold the instructions'],
  ])('a file with %s is refused naming the file and the field', (_what, text, message) => {
    let error: unknown;
    try {
      parseSkill(text, 'skills/x/SKILL.md');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(KernelError);
    expect((error as KernelError).code).toBe('validation_failed');
    expect((error as KernelError).message).toContain('Skill skills/x/SKILL.md:');
    expect((error as KernelError).message).toContain(message);
  });

  test('a malformed file in the directory is reported and left out; the others load', async () => {
    const path = writeSkill('broken', skillFile('broken', '  - always\n  - whenever', 'never injected'));
    const report = await skills.reload();
    expect(report.loaded).toEqual(['brief-format', 'customer-tone', 'house-style', 'recipes', 'sql-help']);
    expect(report.problems).toEqual([{ path, message: expect.stringContaining('match_when[1]') }]);
    expect(await skills.loadProblems()).toEqual(report.problems);
  });
});

describe('matching by rules', () => {
  test('always, agent id and agent tag rules select skills; their bodies are appended and recorded', async () => {
    const main = provider('main', [reply('ok'), reply('ok')]);
    const result = await ask({
      system: 'You write briefs.',
      agent: { id: '@acme/brief', tags: ['internal'] },
    });
    expect(result.skills).toEqual(['brief-format', 'house-style']);
    const system = main.requests[0]!.system!;
    expect(system.startsWith('You write briefs.\n\n# Skills')).toBe(true);
    expect(system).toContain('## Skill: brief-format\n\nStart with a one-line summary.');
    expect(system).toContain('Write in plain English.');
    expect(system).not.toContain('Be warm');
    await kernel.resolve(LLM_ORCHESTRATOR).flush(); // usage events are written behind the call
    const [row] = await kernel.db.knex('llmUsageEvents').where({ traceId: result.traceId });
    expect(row.skills).toEqual(['brief-format', 'house-style']);

    const support = await ask({ agent: { id: '@acme/helpdesk', tags: ['support'] } });
    expect(support.skills).toEqual(['customer-tone', 'house-style']);
  });

  test('skills: false injects none', async () => {
    const main = provider('main', [reply('ok')]);
    const result = await ask({ skills: false, system: 'Plain.' });
    expect(result.skills).toEqual([]);
    expect(main.requests[0]!.system).toBe('Plain.');
  });

  test('added skills match like directory ones; a name is owned by one source; the directory wins', async () => {
    const added = {
      name: 'crm-etiquette',
      description: 'CRM notes',
      matchWhen: ['always' as const],
      body: 'Log every call.',
    };
    skills.add(added, '@acme/crm');
    expect(() => skills.add(added, '@other/ext')).toThrow(/already added by @acme\/crm/);
    expect(() => skills.add({ ...added, matchWhen: [] }, '@acme/crm')).toThrow(/match_when/);
    skills.add({ ...added, name: 'house-style', body: 'shadowed' }, '@acme/crm');

    const main = provider('main', [reply('ok'), reply('ok')]);
    const result = await ask({});
    expect(result.skills).toEqual(['crm-etiquette', 'house-style']);
    expect(main.requests[0]!.system).toContain('Log every call.');
    expect(main.requests[0]!.system).not.toContain('shadowed');

    expect(skills.removeSource('@acme/crm')).toBe(2);
    expect((await ask({})).skills).toEqual(['house-style']);
  });
});

describe('matching by the skill judge', () => {
  test('without a judge, llm skills are skipped', async () => {
    const main = provider('main', [reply('ok')]);
    const result = await ask({
      messages: [{ role: 'user', content: 'Write a SQL query for monthly revenue' }],
    });
    expect(result.skills).toEqual(['house-style']);
    expect(main.requests).toHaveLength(1);
  });

  test('one judge call picks among the llm skills; it has no skills or tools and must answer in JSON', async () => {
    await settings({ skillJudge: { provider: 'judge', model: 'judge-small' } });
    const judge = provider('judge', [reply('{"selected":["sql-help"]}')]);
    const main = provider('main', [reply('WITH revenue AS (...)')]);
    const result = await ask({
      agent: { id: '@acme/analyst' },
      mcpTools: true,
      messages: [{ role: 'user', content: 'Write a SQL query for monthly revenue' }],
    });

    expect(result.skills).toEqual(['house-style', 'sql-help']);
    expect(main.requests[0]!.system).toContain('Prefer CTEs over nested subqueries.');
    expect(main.requests[0]!.system).not.toContain('grams');

    expect(judge.requests).toHaveLength(1);
    const request = judge.requests[0]!;
    expect(request.model).toBe('judge-small');
    expect(request.tools).toBeUndefined();
    expect(request.system).not.toContain('# Skills');
    expect(request.responseFormat?.schema).toMatchObject({
      properties: { selected: { items: { enum: ['recipes', 'sql-help'] } } },
    });
    expect(request.messages[0]!.content).toContain('- sql-help: Advice for writing SQL queries');
    expect(request.messages[0]!.content).toContain('Write a SQL query for monthly revenue');

    await kernel.resolve(LLM_ORCHESTRATOR).flush();
    const rows = await kernel.db
      .knex('llmUsageEvents')
      .where({ agentId: '@acme/analyst' })
      .orderBy('provider');
    expect(rows.map((r) => [r.provider, r.skills])).toEqual([
      ['judge', []],
      ['main', ['house-style', 'sql-help']],
    ]);
  });

  test('a failing judge skips the llm skills and the call goes on', async () => {
    await settings({ skillJudge: { provider: 'judge', model: 'judge-small' } });
    provider('judge', [new LlmProviderError('bad key', { kind: 'authentication', status: 401 })]);
    provider('main', [reply('answered anyway')]);
    const result = await ask({ messages: [{ role: 'user', content: 'A recipe for bread' }] });
    expect(result).toMatchObject({ text: 'answered anyway', skills: ['house-style'] });
  });
});
