import { execFileSync, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateManifest } from '@cinatra/sdk';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const sdkDir = fileURLToPath(new URL('..', import.meta.url));
const mainJs = join(sdkDir, 'dist/cli/main.js');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built `cinatra-ext` (or any node arguments) as an author would, in `cwd`. */
function node(cwd: string, args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
const cli = (cwd: string, ...args: string[]) => node(cwd, [mainJs, ...args]);

let work: string;

beforeAll(() => {
  execFileSync(
    process.execPath,
    [createRequire(import.meta.url).resolve('typescript/bin/tsc'), '-b', 'sdk'],
    {
      cwd: repoRoot,
      stdio: 'pipe',
    },
  );
  return mkdtemp(join(tmpdir(), 'cinatra-ext-init-')).then((dir) => {
    work = dir;
  });
});
afterAll(() => rm(work, { recursive: true, force: true }));

describe('cinatra-ext init', () => {
  it('scaffolds an extension whose own `node --test` passes and that packs, signs and verifies', async () => {
    const init = await cli(work, 'init', 'weather', '--name', '@acme/weather', '--publisher', 'acme');
    expect(init.code, init.stderr).toBe(0);
    expect(init.stdout).toContain('Created @acme/weather (publisher acme)');
    const dir = join(work, 'weather');
    const pkg = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as Record<string, unknown>;
    expect(validateManifest(pkg).cinatra.contributes.mcpTools?.map((tool) => tool.name)).toEqual(['greet']);
    expect(pkg.scripts).toMatchObject({ test: 'node --test' });

    // What `npm install` would give a third-party author: the SDK under node_modules.
    await mkdir(join(dir, 'node_modules/@cinatra'), { recursive: true });
    await symlink(sdkDir, join(dir, 'node_modules/@cinatra/sdk'), 'dir');
    const test = await node(dir, ['--test']);
    expect(test.code, `${test.stdout}\n${test.stderr}`).toBe(0);
    expect(test.stdout).toMatch(/# pass 2\b|ℹ pass 2\b/);

    expect((await cli(work, 'keygen', '--out', 'keys')).code).toBe(0);
    const pack = await cli(dir, 'pack', '.');
    expect(pack.code, pack.stderr).toBe(0);
    expect(pack.stdout).toContain('Packed @acme/weather@0.1.0: 3 files');
    const sign = await cli(dir, 'sign', 'acme-weather-0.1.0.tgz', '--key', '../keys/cinatra-signing.key.pem');
    expect(sign.code, sign.stderr).toBe(0);
    const verify = await cli(
      dir,
      'verify',
      'acme-weather-0.1.0.tgz',
      '--bundle',
      'acme-weather-0.1.0.sigstore.json',
      '--key',
      '../keys/cinatra-signing.pub.pem',
    );
    expect(verify.code, verify.stderr).toBe(0);
    expect(verify.stdout).toContain('Verified @acme/weather@0.1.0: 3 files signed by acme');
  });

  it('defaults the name from the directory and the publisher from the scope', async () => {
    const init = await cli(work, 'init', 'My Tools', '--name', '@globex/my-tools');
    expect(init.code, init.stderr).toBe(0);
    const pkg = JSON.parse(await readFile(join(work, 'My Tools/package.json'), 'utf8')) as {
      name: string;
      cinatra: { publisher: string; displayName: string };
    };
    expect(pkg).toMatchObject({
      name: '@globex/my-tools',
      cinatra: { publisher: 'globex', displayName: 'My Tools' },
    });
  });

  it('refuses a non-empty directory and an invalid name, in one line each', async () => {
    const again = await cli(work, 'init', 'weather');
    expect(again.code).toBe(1);
    expect(again.stderr.trim()).toMatch(
      /^Cannot scaffold .*weather: .*is not empty; choose a new directory\.$/,
    );

    const bad = await cli(work, 'init', 'bad', '--name', 'Not A Name');
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toContain('/name');
  });
});
