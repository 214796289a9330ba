// Load (verify + activate) time for 50 installed extensions, cold activation of one, and the
// resident memory of each extension process. Prints figures only; see README.md.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import * as k from '@cinatra/kernel';
import { createTestDatabase, testConfig } from '@cinatra/kernel/testing';
import { generateSigningKey, packExtension, signExtension } from '@cinatra/sdk';
import { createPlatform, EXTENSION_MANAGER, PACKAGE_STORE } from '@cinatra/host';
import { TRUST_STORE } from '../host/dist/extensions/trust/TrustStore.js';
import { writePingExtension } from './support.js';

const COUNT = Number(process.env.BENCH_EXTENSIONS || 50);
const system = k.systemActor();
const asSystem = (fn) => k.runAsActor(system, fn);
const ms = (t) => `${t.toFixed(1)} ms`;
const mib = (b) => `${(b / 1024 / 1024).toFixed(1)} MiB`;
const quantile = (values, q) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(q * values.length))];
const mean = (values) => values.reduce((a, b) => a + b, 0) / values.length;

/** A small extension: one tool, a helper module and a data file (4 signed files). */
function writeExtension(dir, index) {
  const name = `@bench/ext-${String(index).padStart(2, '0')}`;
  writePingExtension(dir, { name, displayName: `Bench extension ${index}`, label: index, fillerBytes: 4096 });
  return name;
}

const work = mkdtempSync(join(tmpdir(), 'cinatra-bench-ext-'));
const db = await createTestDatabase();
const platform = await createPlatform(testConfig({ databaseUrl: db.url, logLevel: 'warn' }));
const manager = platform.kernel.resolve(EXTENSION_MANAGER);
const packages = platform.kernel.resolve(PACKAGE_STORE);
try {
  const key = generateSigningKey();
  await asSystem(() =>
    platform.kernel
      .resolve(TRUST_STORE)
      .addKey({ publicKeyPem: key.publicKeyPem, publisher: 'bench', tier: 'private' }),
  );
  process.stdout.write(`installing ${COUNT} signed extensions `);
  const names = [];
  for (let i = 0; i < COUNT; i++) {
    const dir = join(work, `src-${i}`);
    const name = writeExtension(dir, i);
    const { tarball } = await packExtension(dir);
    const bundle = await signExtension({ tarball, privateKeyPem: key.privateKeyPem });
    await asSystem(async () => {
      await manager.install(tarball, bundle);
      await manager.enable(name);
    });
    names.push(name);
    if (i % 10 === 9) process.stdout.write('.');
  }
  process.stdout.write(' done\n\n');

  // Verification alone (what every load pays before a process starts).
  const verify = [];
  for (const name of names) {
    const started = performance.now();
    await packages.verify(name, '1.0.0');
    verify.push(performance.now() - started);
  }

  // One at a time: verify + spawn + activate, then the first tool call on the warm process.
  const load = [];
  const firstCall = [];
  const sequentialStart = performance.now();
  for (const name of names) {
    const started = performance.now();
    await asSystem(() => manager.activate(name));
    load.push(performance.now() - started);
    const callStarted = performance.now();
    await asSystem(() => manager.callTool(name, 'ping', {}));
    firstCall.push(performance.now() - callStarted);
  }
  const sequentialTotal = performance.now() - sequentialStart;
  await sleep(500); // let every process settle before measuring memory
  const rss = names.map((name) => manager.processInfo(name).rssBytes).filter((v) => v !== null);

  // All at once, as after a restart when every extension is used immediately.
  for (const name of names) await asSystem(() => manager.reload(name));
  const parallelStart = performance.now();
  await Promise.all(names.map((name) => asSystem(() => manager.activate(name))));
  const parallelTotal = performance.now() - parallelStart;

  // Cold activation of one extension as a user sees it: the first tool call of a stopped extension.
  const cold = [];
  for (const name of names.slice(0, 10)) {
    await asSystem(() => manager.reload(name));
    const started = performance.now();
    await asSystem(() => manager.callTool(name, 'ping', {}));
    cold.push(performance.now() - started);
  }

  const row = (label, values) =>
    console.log(
      `${label.padEnd(38)} mean ${ms(mean(values)).padStart(10)}  p50 ${ms(quantile(values, 0.5)).padStart(10)}  max ${ms(Math.max(...values)).padStart(10)}`,
    );
  console.log(
    `Extension load, ${COUNT} installed extensions (Node ${process.version}, ${(await import('node:os')).cpus().length} CPUs)\n`,
  );
  row('verify package (4 files)', verify);
  row('load = verify + start + activate', load);
  row('first tool call on a fresh process', firstCall);
  row('cold tool call (stopped → answered)', cold);
  console.log(`${'all loaded one at a time'.padEnd(38)} total ${ms(sequentialTotal)}`);
  console.log(`${'all loaded at once'.padEnd(38)} total ${ms(parallelTotal)}`);
  console.log(
    `\nresident memory per extension process  mean ${mib(mean(rss))}  p50 ${mib(quantile(rss, 0.5))}  max ${mib(Math.max(...rss))}  (${rss.length} processes, total ${mib(rss.reduce((a, b) => a + b, 0))})`,
  );
  console.log(`platform process (for reference)       ${mib(process.memoryUsage().rss)}`);
} finally {
  await platform.stop();
  await db.drop();
  rmSync(work, { recursive: true, force: true });
}
