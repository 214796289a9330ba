import { execFileSync, spawn } from 'node:child_process';
import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { fixtureManifest, writeFixtureExtension } from './support/fixtureExtension.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const mainJs = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built `cinatra-ext` as a child process, as an author would. */
function cli(cwd: string, ...args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [mainJs, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const oneLine = (text: string) => expect(text.trim().split('\n')).toHaveLength(1);

let work: string;
let extension: string;

beforeAll(async () => {
  // Incremental, so cheap when up to date; the tests never run a stale build.
  execFileSync(
    process.execPath,
    [createRequire(import.meta.url).resolve('typescript/bin/tsc'), '-b', 'sdk'],
    {
      cwd: repoRoot,
      stdio: 'pipe',
    },
  );
  work = await mkdtemp(join(tmpdir(), 'cinatra-ext-cli-'));
  extension = await writeFixtureExtension();
});

describe('cinatra-ext', () => {
  it('keygen, pack, sign and verify an extension end to end', async () => {
    const keygen = await cli(work, 'keygen', '--out', 'keys');
    expect(keygen.code, keygen.stderr).toBe(0);
    expect(keygen.stdout).toMatch(/Key id: +sha256:[0-9a-f]{64}/);
    expect(keygen.stdout).toContain('Next: cinatra-ext pack');
    expect((await stat(join(work, 'keys/cinatra-signing.key.pem'))).mode & 0o777).toBe(0o600);

    const again = await cli(work, 'keygen', '--out', 'keys');
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already exists: .*--force/);
    oneLine(again.stderr);

    const pack = await cli(work, 'pack', extension, '--out', 'hello.tgz');
    expect(pack.code, pack.stderr).toBe(0);
    expect(pack.stdout).toMatch(/Packed @acme\/hello@1\.2\.3: 4 files/);
    expect(pack.stdout).toContain('Next: cinatra-ext sign');

    const sign = await cli(work, 'sign', 'hello.tgz', '--key', 'keys/cinatra-signing.key.pem');
    expect(sign.code, sign.stderr).toBe(0);
    expect(JSON.parse(await readFile(join(work, 'hello.sigstore.json'), 'utf8'))).toMatchObject({
      mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
    });
    expect(sign.stdout).toContain('Next: cinatra-ext verify');

    const verify = await cli(
      work,
      'verify',
      'hello.tgz',
      '--bundle',
      'hello.sigstore.json',
      '--key',
      'keys/cinatra-signing.pub.pem',
    );
    expect(verify.code, verify.stderr).toBe(0);
    expect(verify.stdout).toMatch(/Verified @acme\/hello@1\.2\.3: 4 files signed by acme/);

    // A trust directory: one <publisher>.pem per key; the publisher must match the package.
    const trustDir = await mkdtemp(join(tmpdir(), 'cinatra-trust-'));
    const pub = await readFile(join(work, 'keys/cinatra-signing.pub.pem'));
    await writeFile(join(trustDir, 'acme.pub.pem'), pub);
    const trusted = await cli(
      work,
      'verify',
      'hello.tgz',
      '--bundle',
      'hello.sigstore.json',
      '--trust',
      trustDir,
    );
    expect(trusted.code, trusted.stderr).toBe(0);
    const wrongPublisher = await mkdtemp(join(tmpdir(), 'cinatra-trust-'));
    await writeFile(join(wrongPublisher, 'globex.pem'), pub);
    const refused = await cli(
      work,
      'verify',
      'hello.tgz',
      '--bundle',
      'hello.sigstore.json',
      '--trust',
      wrongPublisher,
    );
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^Refused \(publisher_mismatch\)/);
    oneLine(refused.stderr);
  });

  it('refuses a tampered tarball or another key with a named reason and exit code 1', async () => {
    await cli(work, 'keygen', '--out', 'k2');
    await cli(work, 'keygen', '--out', 'other');
    await cli(work, 'pack', extension, '--out', 't.tgz');
    await cli(work, 'sign', 't.tgz', '--key', 'k2/cinatra-signing.key.pem', '--out', 't.bundle.json');
    const otherKey = await cli(
      work,
      'verify',
      't.tgz',
      '--bundle',
      't.bundle.json',
      '--key',
      'other/cinatra-signing.pub.pem',
    );
    expect(otherKey.code).toBe(1);
    expect(otherKey.stderr).toMatch(/^Refused \(unknown_key\)/);

    const other = await writeFixtureExtension(fixtureManifest({ version: '9.9.9' }));
    await cli(work, 'pack', other, '--out', 't.tgz');
    const swapped = await cli(
      work,
      'verify',
      't.tgz',
      '--bundle',
      't.bundle.json',
      '--key',
      'k2/cinatra-signing.pub.pem',
    );
    expect(swapped.code).toBe(1);
    expect(swapped.stderr).toMatch(/^Refused \(version_mismatch\)/);
    oneLine(swapped.stderr);
  });

  it('names the failing manifest path when packing, and uses exit code 2 for usage errors', async () => {
    const bad = await writeFixtureExtension(
      fixtureManifest({ cinatra: { ...(fixtureManifest().cinatra as object), engine: 'soon' } }),
    );
    const pack = await cli(work, 'pack', bad);
    expect(pack.code).toBe(1);
    expect(pack.stderr).toMatch(/\/cinatra\/engine.*Fix package\.json/);
    oneLine(pack.stderr);

    const missing = await cli(work, 'sign', 'nope.tgz', '--key', 'k2/cinatra-signing.key.pem');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/nope\.tgz does not exist/);

    const noKey = await cli(work, 'sign', 't.tgz');
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toMatch(/--key/);
    const both = await cli(work, 'verify', 't.tgz', '--bundle', 'b', '--key', 'a', '--trust', 'c');
    expect(both.code).toBe(2);
    const unknown = await cli(work, 'publish');
    expect(unknown.code).toBe(2);
    oneLine(unknown.stderr);
  });
});
