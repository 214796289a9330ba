import { execFileSync, spawn } from 'node:child_process';
import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
const mainJs = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
const validateAgentsJs = join(repoRoot, 'scripts/validate-agents.js');
const firstParty = (slug: string) => join(repoRoot, 'agents/cinatra', slug);

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a built script as a child process, as an author or CI would. */
function run(script: string, cwd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], {
      cwd,
      env: { ...process.env, CINATRA_AGENTS_DIR: undefined, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
const cli = (cwd: string, ...args: string[]) => run(mainJs, cwd, args);
const oneLine = (text: string) => expect(text.trim().split('\n')).toHaveLength(1);

/** An install directory with a copy of a first-party agent, and a broken one next to it. */
async function installDir(): Promise<{ dir: string; good: string; broken: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'cinatra-agents-cli-'));
  const good = join(dir, 'acme/summary-agent');
  const broken = join(dir, 'acme/broken-agent');
  await cp(firstParty('thread-summary-agent'), good, { recursive: true });
  await cp(firstParty('thread-summary-agent'), broken, { recursive: true });
  const rename = async (pkgDir: string, name: string, extra: Record<string, unknown> = {}) => {
    const pkg = JSON.parse(await readFile(join(pkgDir, 'package.json'), 'utf8')) as Record<string, unknown>;
    await writeFile(join(pkgDir, 'package.json'), JSON.stringify({ ...pkg, name, ...extra }));
  };
  await rename(good, '@acme/summary-agent');
  // No license (a review blocker), and the summarize step has lost the edge that leads to it.
  await rename(broken, '@acme/broken-agent', { license: undefined });
  const oasFile = join(broken, 'cinatra/oas.json');
  const oas = JSON.parse(await readFile(oasFile, 'utf8')) as { control_flow_connections: unknown[] };
  oas.control_flow_connections = oas.control_flow_connections.slice(1);
  await writeFile(oasFile, JSON.stringify(oas));
  return { dir, good, broken };
}

beforeAll(() => {
  // Incremental, so cheap when up to date; the tests never run a stale build.
  execFileSync(
    process.execPath,
    [createRequire(import.meta.url).resolve('typescript/bin/tsc'), '-b', 'sdk'],
    {
      cwd: repoRoot,
      stdio: 'pipe',
    },
  );
});

describe('cinatra-ext agents validate', () => {
  it('passes a first-party agent named by slug, package name or directory, and says what to run next', async () => {
    for (const target of [
      'reply-drafting-agent',
      '@cinatra/reply-drafting-agent',
      'agents/cinatra/reply-drafting-agent',
    ]) {
      const result = await cli(repoRoot, 'agents', 'validate', target);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toContain('PASS agents/cinatra/reply-drafting-agent/cinatra/oas.json');
      expect(result.stdout).toContain(`Next: cinatra-ext agents review ${target}`);
    }
  });

  it('fails with every error, the package layout included, and one line on stderr', async () => {
    const { dir, broken } = await installDir();
    const result = await cli(dir, 'agents', 'validate', broken);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^FAIL .*broken-agent\/cinatra\/oas\.json: \d+ errors?$/m);
    expect(result.stdout).toMatch(/^ {2}unreachable_node \//m);
    expect(result.stderr).toMatch(/does not validate/);
    oneLine(result.stderr);

    const json = await cli(dir, 'agents', 'validate', 'acme/broken-agent', '--agents-dir', dir, '--json');
    expect(json.code).toBe(1);
    const report = JSON.parse(json.stdout) as { valid: boolean; errors: Array<{ code: string }> };
    expect(report.valid).toBe(false);
    expect(report.errors.map((error) => error.code)).toContain('unreachable_node');
  });

  it('finds slugs in the install directory given by --agents-dir or CINATRA_AGENTS_DIR', async () => {
    const { dir } = await installDir();
    const byOption = await cli(tmpdir(), 'agents', 'validate', 'summary-agent', '--agents-dir', dir);
    expect(byOption.code, byOption.stderr).toBe(0);
    const byEnv = await run(mainJs, tmpdir(), ['agents', 'validate', 'summary-agent', '--json'], {
      CINATRA_AGENTS_DIR: dir,
    });
    expect(byEnv.code, byEnv.stderr).toBe(0);
    expect(JSON.parse(byEnv.stdout)).toMatchObject({ valid: true, errors: [], packageErrors: [] });
  });

  it('reports the package layout: package.json must name the agent @vendor/slug', async () => {
    const { good } = await installDir();
    const pkg = JSON.parse(await readFile(join(good, 'package.json'), 'utf8')) as Record<string, unknown>;
    await writeFile(join(good, 'package.json'), JSON.stringify({ ...pkg, name: '@acme/other' }));
    const result = await cli(good, 'agents', 'validate', '.');
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^ {2}package_name_mismatch package\.json \/name: .*@acme\/summary-agent/m);
  });

  it('exits 2 when the argument names no agent or the command line is wrong', async () => {
    const missing = await cli(repoRoot, 'agents', 'validate', 'no-such-agent');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/No agent no-such-agent under .*agents/);
    oneLine(missing.stderr);

    const noInstallDir = await cli(tmpdir(), 'agents', 'validate', 'summary-agent', '--agents-dir', 'nope');
    expect(noInstallDir.code).toBe(2);
    expect(noInstallDir.stderr).toMatch(/install directory .*nope does not exist/);

    expect((await cli(repoRoot, 'agents', 'compile')).code).toBe(2);
    expect((await cli(repoRoot, 'agents', 'review', 'reply-drafting-agent', '--mode', 'bogus')).code).toBe(2);
  });
});

describe('cinatra-ext agents review', () => {
  it('reviews a first-party agent with no findings', async () => {
    const result = await cli(repoRoot, 'agents', 'review', 'support-inbox-agent');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(
      /Reviewed .*support-inbox-agent\/cinatra\/oas\.json \(advisory\): 0 blockers, 0 warnings, 0 advisories/,
    );
    expect(result.stdout).toContain('Next: cinatra-ext agents compile support-inbox-agent');
  });

  it('exits 1 on blockers, including those in package.json and sibling files', async () => {
    const { broken } = await installDir();
    // A token shaped like a GitHub one, written where the document is not.
    const token = `ghp_${'a1B2c3D4e5F6'.repeat(3)}`;
    await writeFile(join(broken, 'NOTES.md'), `deploy with ${token}\n`);
    const result = await cli(broken, 'agents', 'review', 'cinatra/oas.json', '--json');
    expect(result.code).toBe(1);
    oneLine(result.stderr);
    const report = JSON.parse(result.stdout) as { blockers: Array<{ code: string; file: string }> };
    expect(report.blockers.map((blocker) => [blocker.code, blocker.file])).toEqual(
      expect.arrayContaining([
        ['package_missing_license', 'package.json'],
        ['literal_credential', 'NOTES.md'],
      ]),
    );
    expect(result.stdout).not.toContain(token);
  });
});

describe('cinatra-ext agents compile', () => {
  it('shows the plan, the pauses and the sub-agents of an orchestrator', async () => {
    const result = await cli(repoRoot, 'agents', 'compile', 'support-inbox-agent');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('Support inbox as @cinatra/support-inbox-agent@0.1.0 (orchestrator');
    expect(result.stdout).toMatch(
      /^ {2}5 +draft and review reply \(FlowNode, @cinatra\/reply-drafting-agent\) → 6$/m,
    );
    expect(result.stdout).toMatch(
      /^ {4}3\.3 +route by category \(BranchingNode\) → bug: 3\.4, billing: 3\.5/m,
    );
    expect(result.stdout).toMatch(
      /^ {4}5\.3 +review draft \(InputMessageNode\) → 5\.4 {2}\[pauses: input_message\]$/m,
    );
    expect(result.stdout).toMatch(
      /^Pauses for a person:\n {2}5\.3 +review draft: input_message, screen @cinatra\/reply-drafting-agent:draft-review/m,
    );
    expect(result.stdout).toContain(
      'Runs sub-agents: @cinatra/reply-drafting-agent, @cinatra/support-triage-agent',
    );
  });

  it('prints the compiled agent as JSON and writes it with --out', async () => {
    const out = join(await mkdtemp(join(tmpdir(), 'cinatra-agents-out-')), 'compiled.json');
    const result = await cli(repoRoot, 'agents', 'compile', 'reply-drafting-agent', '--json', '--out', out);
    expect(result.code, result.stderr).toBe(0);
    const compiled = JSON.parse(result.stdout) as {
      packageName: string;
      approvalPolicy: { steps: Array<{ step: string }> };
    };
    expect(compiled.packageName).toBe('@cinatra/reply-drafting-agent');
    expect(compiled.approvalPolicy.steps.map((step) => step.step)).toEqual(['3']);
    expect(JSON.parse(await readFile(out, 'utf8'))).toEqual(compiled);
  });

  it('refuses a document that does not validate, with its errors', async () => {
    const { broken } = await installDir();
    const result = await cli(broken, 'agents', 'compile', '.', '--json');
    expect(result.code).toBe(1);
    expect(
      (JSON.parse(result.stdout) as { errors: Array<{ code: string }> }).errors.map((e) => e.code),
    ).toContain('unreachable_node');
    expect(result.stderr).toMatch(/does not compile/);
  });
});

describe('npm run validate:agents (scripts/validate-agents.js)', () => {
  it('passes every first-party agent', async () => {
    const result = await run(validateAgentsJs, repoRoot, []);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain('PASS agents/cinatra/support-inbox-agent/cinatra/oas.json');
    expect(result.stdout).toMatch(/^Results: [4-9]\d* passed, 0 failed$/m);
  });

  it('prints PASS or FAIL with the errors per agent, the totals, and exits 1 on any failure', async () => {
    const { dir } = await installDir();
    const result = await run(validateAgentsJs, dir, []);
    // No argument and no variable: agents/ of the working directory, which has none here.
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/Cannot read the agent install directory/);

    const checked = await run(validateAgentsJs, dir, [dir]);
    expect(checked.code).toBe(1);
    const lines = checked.stdout.trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(
      /^FAIL acme\/broken-agent\/cinatra\/oas\.json: .*unreachable_node .*; .*package_missing_license package\.json \/license: /,
    );
    expect(lines[1]).toBe('PASS acme/summary-agent/cinatra/oas.json');
    expect(lines[2]).toBe('Results: 1 passed, 1 failed');

    const byEnv = await run(validateAgentsJs, tmpdir(), [], { CINATRA_AGENTS_DIR: dir });
    expect(byEnv.stdout).toMatch(/^Results: 1 passed, 1 failed$/m);
  });
});
