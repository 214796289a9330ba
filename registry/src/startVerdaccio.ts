import { fork, type ChildProcess } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify as toYaml } from 'yaml';

/** A request the Verdaccio auth plugin forwards: the presented token and what it is used for. */
export interface RegistryAuthRequest {
  token: string;
  method: string;
  url: string;
}

/** Who the token belongs to (a stable principal name) and the groups this request holds. */
export type RegistryAuthAnswer = { name: string; groups: string[] } | { error: string };

/**
 * How the Verdaccio authenticates: `cinatra` loads the plugin in `verdaccio/plugins` (Cinatra
 * API tokens checked by the platform over IPC, instance-private reads, no unpublish);
 * `htpasswd` is plain Verdaccio accounts, used for a shared public marketplace that is not a
 * Cinatra instance (and in tests, as that marketplace).
 */
export type VerdaccioAuth =
  | {
      kind: 'cinatra';
      instanceToken: string;
      authenticate(request: RegistryAuthRequest): Promise<RegistryAuthAnswer>;
    }
  | { kind: 'htpasswd' };

export interface VerdaccioOptions {
  /** Holds `config.yaml`, `storage/` and (htpasswd) the accounts file. */
  dir: string;
  /** 0 (default) picks a free port; restarts reuse the port first chosen. */
  port?: number;
  auth: VerdaccioAuth;
  /** Lines the child writes (Verdaccio's JSON log, warnings and errors). */
  onLog?: (line: string, stream: 'stdout' | 'stderr') => void;
}

export interface VerdaccioHandle {
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  /** Resolves once the child has exited; idempotent. */
  stop(): Promise<void>;
  /** Called with the exit code when the child exits without `stop()`. */
  onUnexpectedExit(listener: (code: number | null) => void): void;
}

const CHILD = fileURLToPath(new URL('../verdaccio/child.mjs', import.meta.url));
const PLUGINS = fileURLToPath(new URL('../verdaccio/plugins', import.meta.url));
const STARTUP_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 5_000;

/**
 * Starts Verdaccio in its own child process on 127.0.0.1. A child, not in-process: Verdaccio
 * brings ~250 packages (express 4, its own logger, lodash) whose faults and memory then stay
 * out of the platform process, a crash of the registry does not take the platform down, and
 * `npm` run by platform code can never deadlock against a server in the same event loop. The
 * auth plugin reaches back to the platform over the child's IPC channel, so token checks
 * need no network route and no shared secret on the wire.
 */
export async function startVerdaccio(options: VerdaccioOptions): Promise<VerdaccioHandle> {
  const configPath = await writeConfig(options);
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '',
    NODE_ENV: 'production',
    ...(options.auth.kind === 'cinatra'
      ? { CINATRA_REGISTRY_INSTANCE_TOKEN: options.auth.instanceToken }
      : {}),
  };
  const child = fork(CHILD, [configPath, String(options.port ?? 0)], {
    execPath: process.execPath,
    execArgv: [],
    env,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    serialization: 'json',
  });
  const recent: string[] = [];
  for (const stream of ['stdout', 'stderr'] as const) {
    let buffered = '';
    child[stream]!.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines.filter(Boolean)) {
        recent.push(line);
        if (recent.length > 20) recent.shift();
        options.onLog?.(line, stream);
      }
    });
  }
  const auth = options.auth;
  if (auth.kind === 'cinatra') {
    child.on('message', (message: { type?: string; id?: number } & Partial<RegistryAuthRequest>) => {
      if (message?.type !== 'auth' || typeof message.id !== 'number') return;
      const request = {
        token: String(message.token),
        method: String(message.method),
        url: String(message.url),
      };
      auth
        .authenticate(request)
        .catch((error: unknown) => ({ error: (error as Error).message }))
        .then((answer) => {
          if (child.connected) child.send({ type: 'auth-result', id: message.id, ...answer });
        });
    });
  }

  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`Verdaccio did not start within ${STARTUP_TIMEOUT_MS} ms: ${recent.join(' | ')}`));
    }, STARTUP_TIMEOUT_MS);
    const onMessage = (message: { type?: string; port?: number; message?: string }) => {
      if (message?.type === 'listening' && typeof message.port === 'number') {
        clearTimeout(timer);
        child.off('exit', onExit);
        child.off('message', onMessage);
        resolve(message.port);
      } else if (message?.type === 'error') {
        clearTimeout(timer);
        reject(new Error(`Verdaccio could not listen: ${message.message}`));
      }
    };
    const onExit = (code: number | null) => {
      clearTimeout(timer);
      reject(new Error(`Verdaccio exited with code ${code} while starting: ${recent.join(' | ')}`));
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
  return handleFor(child, port);
}

function handleFor(child: ChildProcess, port: number): VerdaccioHandle {
  let stopping: Promise<void> | undefined;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const listeners: Array<(code: number | null) => void> = [];
  void exited.then((code) => {
    if (!stopping) for (const listener of listeners) listener(code);
  });
  return {
    url: `http://127.0.0.1:${port}/`,
    port,
    pid: child.pid!,
    onUnexpectedExit: (listener) => listeners.push(listener),
    stop() {
      stopping ??= (async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        if (child.connected) child.send({ type: 'stop' });
        else child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
        await exited;
        clearTimeout(timer);
      })();
      return stopping;
    },
  };
}

async function writeConfig(options: VerdaccioOptions): Promise<string> {
  const storage = join(options.dir, 'storage');
  await mkdir(storage, { recursive: true, mode: 0o700 });
  // Authorization is the auth plugin's (cinatra) or these rules' (htpasswd). `unpublish`
  // names a group no account holds: published versions are immutable on both kinds.
  const rules = { access: '$authenticated', publish: '$authenticated', unpublish: 'cinatra-nobody' };
  const config = {
    storage,
    ...(options.auth.kind === 'cinatra'
      ? { plugins: PLUGINS, auth: { cinatra: {} } }
      : {
          auth: {
            htpasswd: {
              file: join(options.dir, 'htpasswd'),
              max_users: 1000,
              algorithm: 'bcrypt',
              rounds: 4,
            },
          },
        }),
    // No uplinks: a Cinatra registry never proxies npmjs, so a name cannot be shadowed.
    uplinks: {},
    packages: { '@*/*': rules, '**': rules },
    web: { enable: false },
    // No audit middleware (it would call npmjs); no other middleware plugins.
    middlewares: {},
    log: { type: 'stdout', format: 'json', level: 'warn' },
    publish: { allow_offline: true },
    max_body_size: '64mb',
  };
  const path = join(options.dir, 'config.yaml');
  await writeFile(
    path,
    `# Written by @cinatra/registry at every start; edits are overwritten.\n${toYaml(config)}`,
    { mode: 0o600 },
  );
  return path;
}
