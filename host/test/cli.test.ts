import { execFileSync, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { PasswordHasher } from '@cinatra/kernel';
import { createTestDatabase, makeDataDir, testConfig, type TestDatabase } from '@cinatra/kernel/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../src/cli/runCli.js';
import { bufferIo } from './support/cliIo.js';

// These tests run the BUILT executable, exactly as an operator would, so they also cover
// the shebang entry, exit codes and what reaches stdout versus stderr.
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const mainJs = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const PASSWORD = 'correct horse battery staple';

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `cinatra <args>` with only the given environment (nothing leaks in from the shell). */
function cinatra(args: string[], env: Record<string, string>, input = ''): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [mainJs, ...args], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

function lines(text: string): string[] {
  return text.split('\n').filter((line) => line !== '');
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return address.port;
}

async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

beforeAll(() => {
  // Incremental, so cheap when up to date; guarantees the tests never run a stale build.
  try {
    execFileSync(
      process.execPath,
      [createRequire(import.meta.url).resolve('typescript/bin/tsc'), '-b', 'host'],
      {
        cwd: repoRoot,
        stdio: 'pipe',
      },
    );
  } catch (error) {
    const output = (error as { stdout?: Buffer }).stdout?.toString() ?? '';
    throw new Error(`Building host failed; fix it before running the CLI tests:\n${output}`, {
      cause: error,
    });
  }
});

describe('cinatra CLI against an external database', () => {
  let db: TestDatabase;
  let env: Record<string, string>;

  beforeAll(async () => {
    db = await createTestDatabase();
    env = {
      DATABASE_URL: db.url,
      CINATRA_DATA_DIR: makeDataDir(),
      CINATRA_PASSWORD_HASH_COST: '14',
      CINATRA_PORT: String(await freePort()),
    };
  });

  afterAll(async () => {
    await db?.drop();
  });

  it('migrate applies the schema once, then reports it up to date', async () => {
    const first = await cinatra(['migrate'], env);
    expect(first.stderr).not.toMatch(/error/i);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('kernel/0001_foundation');
    expect(first.stdout).toContain('Next: cinatra start');

    const second = await cinatra(['migrate'], env);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('Database is up to date.');
    expect(second.stderr).toBe('');
  });

  it('admin create reads the password from stdin and prints the next step', async () => {
    const result = await cinatra(
      ['admin', 'create', '--email', 'ada@example.com', '--name', 'Ada Lovelace', '--password-stdin'],
      env,
      `${PASSWORD}\n`,
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/user id [0-9a-f-]{36}/);
    expect(result.stdout).toContain('Next: cinatra start, then sign in as ada@example.com');

    // The trailing newline was trimmed: the stored password is exactly PASSWORD.
    const hash = await withClient(db.url, async (client) => {
      const { rows } = await client.query('SELECT password_hash FROM users WHERE email = $1', [
        'ada@example.com',
      ]);
      return rows[0]?.password_hash as string;
    });
    const hasher = new PasswordHasher(testConfig());
    expect(await hasher.verify(PASSWORD, hash)).toBe(true);
    expect(await hasher.verify(`${PASSWORD}\n`, hash)).toBe(false);
  });

  it('admin create refuses a duplicate email with one line and exit 1', async () => {
    const result = await cinatra(
      ['admin', 'create', '--email', 'ada@example.com', '--name', 'Ada Again', '--password-stdin'],
      env,
      `${PASSWORD}\n`,
    );
    expect(result.code).toBe(1);
    expect(lines(result.stderr)).toHaveLength(1);
    expect(result.stderr).toContain('A user with that email already exists');
    expect(result.stdout).toBe('');
  });

  it('admin create refuses a short password with one line', async () => {
    const result = await cinatra(
      ['admin', 'create', '--email', 'bob@example.com', '--name', 'Bob', '--password-stdin'],
      env,
      'short\n',
    );
    expect(result.code).toBe(1);
    expect(lines(result.stderr)).toEqual(['The password is too short (5 characters): use at least 12.']);
  });

  it('admin create without any password source is a usage error', async () => {
    const result = await cinatra(['admin', 'create', '--email', 'bob@example.com', '--name', 'Bob'], env);
    expect(result.code).toBe(2);
    expect(lines(result.stderr)).toHaveLength(1);
    expect(result.stderr).toContain('--password-stdin');
  });

  it('audit verify reports an intact chain', async () => {
    const result = await cinatra(['audit', 'verify'], env);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Audit chain intact: [1-9]\d* events verified\.\n$/);
  });

  it('doctor passes every check', async () => {
    const result = await cinatra(['doctor'], env);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('✓ Node.js');
    expect(result.stdout).toContain('✓ Configuration valid');
    expect(result.stdout).toContain(`✓ Database reachable at ${db.url}`);
    expect(result.stdout).toContain('✓ Database schema up to date');
    expect(result.stdout).toContain(`✓ Server address 127.0.0.1:${env.CINATRA_PORT} is free`);
    expect(result.stdout).not.toContain('✗');
  });

  it('a bad environment value gives one stderr line naming the variable and exit 1', async () => {
    const result = await cinatra(['migrate'], { ...env, CINATRA_PORT: 'abc' });
    expect(result.code).toBe(1);
    expect(lines(result.stderr)).toHaveLength(1);
    expect(result.stderr).toContain('CINATRA_PORT');
    expect(result.stdout).toBe('');
  });

  it('an unknown command is a usage error with exit 2', async () => {
    const result = await cinatra(['strat'], env);
    expect(result.code).toBe(2);
    expect(lines(result.stderr)).toEqual(["error: unknown command 'strat' (Did you mean start?)"]);
  });
});

describe('cinatra audit verify on a tampered chain', () => {
  let db: TestDatabase;
  let env: Record<string, string>;

  beforeAll(async () => {
    db = await createTestDatabase();
    env = { DATABASE_URL: db.url, CINATRA_DATA_DIR: makeDataDir(), CINATRA_PASSWORD_HASH_COST: '14' };
  });

  afterAll(async () => {
    await db?.drop();
  });

  it('exits 1 and names the first modified event', async () => {
    expect((await cinatra(['migrate'], env)).code).toBe(0);
    for (const email of ['one@example.com', 'two@example.com']) {
      const created = await cinatra(
        ['admin', 'create', '--email', email, '--name', 'Admin', '--password-stdin'],
        env,
        PASSWORD,
      );
      expect(created.code).toBe(0);
    }
    expect((await cinatra(['audit', 'verify'], env)).code).toBe(0);

    // Rewrite history the way an attacker with database access would: bypass the
    // append-only trigger, change the last event, and put the trigger back.
    const seq = await withClient(db.url, async (client) => {
      const { rows } = await client.query('SELECT max(seq) AS seq, count(*) AS n FROM audit_events');
      const last = Number(rows[0].seq);
      await client.query('ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update');
      await client.query("UPDATE audit_events SET reason = 'nothing to see here' WHERE seq = $1", [last]);
      await client.query('ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_update');
      return { last, count: Number(rows[0].n) };
    });

    const result = await cinatra(['audit', 'verify'], env);
    expect(result.code).toBe(1);
    expect(lines(result.stderr)).toHaveLength(1);
    expect(result.stderr).toContain(`Audit chain BROKEN at event #${seq.last} (`);
    expect(result.stderr).toContain('was modified');
    expect(result.stderr).toContain(`${seq.count - 1} events before it verified.`);
  });
});

describe('runCli in-process', () => {
  it('prints the version and exits 0', async () => {
    const io = bufferIo();
    expect(await runCli(['--version'], io)).toBe(0);
    expect(io.out.join('')).toMatch(/^\d+\.\d+\.\d+\n$/);
  });

  it('reports a missing required option as a one-line usage error', async () => {
    const io = bufferIo();
    expect(await runCli(['admin', 'create', '--name', 'Ada'], io)).toBe(2);
    expect(io.err.join('')).toBe("error: required option '--email <address>' not specified\n");
  });

  it('rejects a malformed email before touching the configuration or database', async () => {
    const io = bufferIo({ CINATRA_PORT: 'abc' });
    expect(await runCli(['admin', 'create', '--email', 'not-an-email', '--name', 'Ada'], io)).toBe(2);
    expect(io.err.join('')).toContain('is not an email address');
  });
});
