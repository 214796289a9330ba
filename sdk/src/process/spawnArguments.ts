import { spawn } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Where the extension runtime lives and which directories it needs to read. The runtime is the
 * SDK's built `dist/runtime/main.js`; besides the SDK package it imports only `undici` (for the
 * egress dispatcher), so those two directories are everything platform code the process may read.
 */
export interface RuntimeLocation {
  /** The runtime's main module. */
  main: string;
  /** Directories the runtime itself must read (SDK package, undici). */
  readDirs: string[];
}

let location: RuntimeLocation | undefined;

export function runtimeLocation(): RuntimeLocation {
  if (location) return location;
  // This file is src/process/*.ts (tests, through the "@cinatra/source" condition) or
  // dist/process/*.js: either way the package root is two levels up, and the runtime is always
  // the built dist/runtime/main.js (the child runs plain JavaScript). Symlinked installs (an
  // author's `npm link`) resolve to the real path, which is what the permission flags need.
  const sdkDir = realpathSync(fileURLToPath(new URL('../..', import.meta.url)));
  const undiciMain = createRequire(join(sdkDir, 'package.json')).resolve('undici');
  const marker = `${sep}node_modules${sep}undici${sep}`;
  const undiciDir = undiciMain.slice(0, undiciMain.lastIndexOf(marker) + marker.length - 1);
  location = { main: join(sdkDir, 'dist', 'runtime', 'main.js'), readDirs: [sdkDir, undiciDir] };
  return location;
}

export interface SpawnPlan {
  command: string;
  args: string[];
  env: Record<string, string>;
}

export interface SpawnInput {
  packageDir: string;
  /** Writable (and readable) data directory, or null without the storage permission. */
  dataDir: string | null;
  /** Holds the egress socket; readable so future Node versions that check socket paths still allow it. */
  runtimeDir: string;
  memoryMb: number;
}

/** Minimal PATH: the runtime starts no programs; `unshare` itself is found through it. */
const CHILD_PATH = '/usr/local/bin:/usr/bin:/bin';

/**
 * `unshare -rn -- node --permission …flags… main.js`: a fresh network namespace (no interface
 * up, so the only way out is the egress socket) inside a user namespace (so no privilege is
 * needed to create it), and Node's permission model with read access to the package, the runtime
 * and the runtime dir, write access only to the data dir, and no child processes, workers,
 * addons, WASI or inspector (none of the `--allow-*` flags for them is passed). `unshare` execs
 * node in place, so the pid and the IPC descriptor (NODE_CHANNEL_FD, inherited) are node's.
 *
 * The environment is built from nothing: no DATABASE_URL, no CINATRA_*, no secrets.
 */
export function spawnPlan(input: SpawnInput): SpawnPlan {
  const runtime = runtimeLocation();
  const reads = [
    input.packageDir,
    ...runtime.readDirs,
    input.runtimeDir,
    ...(input.dataDir ? [input.dataDir] : []),
  ];
  const args = [
    '-rn',
    '--',
    process.execPath,
    '--permission',
    ...reads.map((dir) => `--allow-fs-read=${dir}`),
    ...(input.dataDir ? [`--allow-fs-write=${input.dataDir}`] : []),
    `--max-old-space-size=${input.memoryMb}`,
    runtime.main,
  ];
  return {
    command: 'unshare',
    args,
    env: {
      PATH: CHILD_PATH,
      NODE_ENV: process.env.NODE_ENV === 'development' ? 'development' : 'production',
    },
  };
}

export type IsolationCheck = { available: true } | { available: false; reason: string };

let isolation: Promise<IsolationCheck> | undefined;

/**
 * Whether this machine can give extensions their own network namespace (`unshare -rn`). Without
 * it an extension could open any socket (Node's permission model does not cover the network),
 * so the platform refuses to start any extension at all; `cinatra doctor` reports the check.
 */
export function checkNetworkIsolation(): Promise<IsolationCheck> {
  isolation ??= new Promise((resolvePromise) => {
    let stderr = '';
    const child = spawn('unshare', ['-rn', '--', 'true'], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { PATH: CHILD_PATH },
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', (error) =>
      resolvePromise({ available: false, reason: `unshare cannot run: ${error.message}` }),
    );
    child.once('close', (code) =>
      resolvePromise(
        code === 0
          ? { available: true }
          : {
              available: false,
              reason: `unshare -rn failed (exit ${code}): ${stderr.trim() || 'no message'}`,
            },
      ),
    );
  });
  return isolation;
}
