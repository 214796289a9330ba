// Builds a first-party extension from its tests, the way `npm run build` does (type-check,
// bundle, and with `signed` pack and sign), so a test never runs against a stale dist/. Test files
// of one extension run in parallel processes: a lock directory makes them build one at a time.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

const scripts = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(scripts, '..', '..');

/** @param {string} packageDir @param {{ signed?: boolean }} [options] */
export async function buildExtension(packageDir, { signed = false } = {}) {
  const lock = join(packageDir, 'build', '.test-build.lock');
  mkdirSync(dirname(lock), { recursive: true });
  for (let attempt = 0; ; attempt++) {
    try {
      mkdirSync(lock);
      break;
    } catch (error) {
      if (error.code !== 'EEXIST' || attempt > 1200) throw error;
      // A lock older than any build is left over from a killed run.
      const age = Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > 120_000) rmSync(lock, { recursive: true, force: true });
      else await sleep(100);
    }
  }
  const run = (args, cwd) => execFileSync(process.execPath, args, { cwd, stdio: 'pipe' });
  try {
    run([createRequire(import.meta.url).resolve('typescript/bin/tsc'), '-b', packageDir], repoRoot);
    run([join(scripts, 'bundle-extension.js')], packageDir);
    if (signed) run([join(scripts, 'package-signed.js')], packageDir);
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}
