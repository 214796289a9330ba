import { mkdir, mkdtemp, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  AGENT_FILE_PROBE,
  checkAgentPackage,
  discoverAgents,
  probeAgent,
  readPackageFiles,
} from '../../src/agents/index.js';

async function write(file: string, content: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, content);
}
const tempDir = () => mkdtemp(join(tmpdir(), 'cinatra-agents-layout-'));
const pkg = (name: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ name, version: '1.0.0', license: 'Apache-2.0', ...extra });

describe('probeAgent', () => {
  it('tries cinatra/oas.json, cinatra/agent.json, oas.json, agent.json in that order; the first found wins', async () => {
    const dir = join(await tempDir(), 'acme', 'helper-agent');
    // Create the candidates from the last to the first: each new one must take over.
    for (const candidate of [...AGENT_FILE_PROBE].reverse()) {
      await write(join(dir, candidate), '{}');
      const found = await probeAgent(dir);
      expect(found?.file).toBe(join(dir, candidate));
      expect(found?.legacy).toBe(candidate.endsWith('agent.json'));
    }
    expect(AGENT_FILE_PROBE).toEqual(['cinatra/oas.json', 'cinatra/agent.json', 'oas.json', 'agent.json']);
  });

  it('names the agent after its directories and reads the sibling package.json', async () => {
    const dir = join(await tempDir(), 'acme', 'helper-agent');
    await write(join(dir, 'cinatra/oas.json'), '{}');
    await write(join(dir, 'package.json'), pkg('@acme/helper-agent'));
    expect(await probeAgent(dir)).toEqual({
      slug: 'helper-agent',
      vendor: 'acme',
      dir,
      file: join(dir, 'cinatra/oas.json'),
      legacy: false,
      packageJson: { name: '@acme/helper-agent', version: '1.0.0', license: 'Apache-2.0' },
    });
  });

  it('reports a package.json that is not a JSON object instead of failing the probe', async () => {
    const dir = join(await tempDir(), 'acme', 'broken-agent');
    await write(join(dir, 'oas.json'), '{}');
    await write(join(dir, 'package.json'), '{ "name": ');
    const found = await probeAgent(dir);
    expect(found?.packageJson).toBeNull();
    expect(found?.packageJsonError).toMatch(/^package\.json is not JSON/);
  });

  it('returns null for a directory without any agent file', async () => {
    const dir = await tempDir();
    await write(join(dir, 'cinatra/config.json'), '{}');
    expect(await probeAgent(dir)).toBeNull();
    expect(await probeAgent(join(dir, 'missing'))).toBeNull();
  });
});

describe('discoverAgents', () => {
  it('lists <vendor>/<slug> agents sorted, skipping directories without an agent file and symbolic links', async () => {
    const root = await tempDir();
    await write(join(root, 'zeta/last-agent/cinatra/oas.json'), '{}');
    await write(join(root, 'acme/b-agent/agent.json'), '{}');
    await write(join(root, 'acme/a-agent/cinatra/oas.json'), '{}');
    await write(join(root, 'acme/notes/README.md'), 'not an agent');
    await write(join(root, '.cache/x-agent/oas.json'), '{}');
    const outside = await tempDir();
    await write(join(outside, 'cinatra/oas.json'), '{}');
    await symlink(outside, join(root, 'acme/linked-agent'));

    const found = await discoverAgents(root);
    expect(found.map((agent) => [agent.vendor, agent.slug, agent.legacy])).toEqual([
      ['acme', 'a-agent', false],
      ['acme', 'b-agent', true],
      ['zeta', 'last-agent', false],
    ]);
  });

  it('throws when the install directory does not exist', async () => {
    await expect(discoverAgents(join(await tempDir(), 'nope'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('checkAgentPackage', () => {
  it('accepts @vendor/slug with a semver version, and names what is wrong otherwise', async () => {
    const dir = join(await tempDir(), 'acme', 'helper-agent');
    await write(join(dir, 'cinatra/oas.json'), '{}');
    await write(join(dir, 'package.json'), pkg('@acme/helper-agent'));
    expect(checkAgentPackage((await probeAgent(dir))!)).toEqual([]);

    await write(join(dir, 'package.json'), pkg('@acme/helper', { version: '1.0' }));
    expect(checkAgentPackage((await probeAgent(dir))!).map((issue) => [issue.code, issue.path])).toEqual([
      ['package_name_mismatch', '/name'],
      ['invalid_package_version', '/version'],
    ]);
  });

  it('requires a package.json', async () => {
    const dir = join(await tempDir(), 'acme', 'bare-agent');
    await write(join(dir, 'cinatra/oas.json'), '{}');
    expect(checkAgentPackage((await probeAgent(dir))!)).toEqual([
      expect.objectContaining({
        code: 'missing_package_json',
        message: expect.stringContaining('@acme/bare-agent'),
      }),
    ]);
  });
});

describe('readPackageFiles', () => {
  it('returns the text files of the package but the agent file, by relative path', async () => {
    const dir = join(await tempDir(), 'acme', 'helper-agent');
    await write(join(dir, 'cinatra/oas.json'), '{}');
    await write(join(dir, 'package.json'), pkg('@acme/helper-agent'));
    await write(join(dir, 'skills/triage/SKILL.md'), '# Triage');
    await write(join(dir, 'node_modules/dep/index.js'), 'ignored');
    await write(join(dir, 'logo.png'), '\u0000PNG');
    expect(await readPackageFiles(dir, join(dir, 'cinatra/oas.json'))).toEqual({
      'package.json': pkg('@acme/helper-agent'),
      'skills/triage/SKILL.md': '# Triage',
    });
  });
});
