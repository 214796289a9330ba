// Install time of one extension from the instance's embedded Verdaccio through the real
// pipeline (resolve + fetch + verify + unpack + check + persist + activate + commit + health,
// via POST /api/extensions/install) against `npm install` of the same tarball into an empty
// folder (offline, no scripts), alternating in the same run. Prints both medians and the ratio.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import * as k from '@cinatra/kernel';
import { testConfig } from '@cinatra/kernel/testing';
import { EMBEDDED_REGISTRY, fetchPackage } from '@cinatra/registry';
import { generateSigningKey, packExtension, publishPackage, signExtension } from '@cinatra/sdk';
import { createPlatform } from '@cinatra/host';
import { TRUST_STORE } from '../host/dist/extensions/trust/TrustStore.js';
import { benchDatabase, writePingExtension } from './support.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS || 7);
const NAME = '@bench/install-me';
const run = promisify(execFile);
const ms = (t) => `${t.toFixed(1)} ms`;
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
// The npm that runs `npm run bench:install` (npm_execpath), on the pinned Node; else `npm` on PATH.
const npm = (args, options = {}) =>
  process.env.npm_execpath?.endsWith('.js')
    ? run(process.execPath, [process.env.npm_execpath, ...args], options)
    : run('npm', args, options);

const writeExtension = (dir, version) =>
  writePingExtension(dir, {
    name: NAME,
    version,
    displayName: 'Bench install',
    label: version,
    fillerBytes: 16_384,
  });

const work = mkdtempSync(join(tmpdir(), 'cinatra-bench-install-'));
const db = await benchDatabase();
const platform = await createPlatform(testConfig({ databaseUrl: db.url, logLevel: 'warn' }));
try {
  await platform.start(); // the embedded Verdaccio
  const inject = (method, url, payload, headers = {}) =>
    platform.server.inject({ method, url, headers, ...(payload ? { payload } : {}) });
  const setup = await inject('POST', '/api/auth/setup', {
    setupToken: platform.setupToken,
    email: 'bench@example.com',
    displayName: 'Bench',
    password: 'correct horse battery staple',
  });
  if (setup.statusCode !== 201) throw new Error(`setup: ${setup.body}`);
  const login = await inject('POST', '/api/auth/login', {
    email: 'bench@example.com',
    password: 'correct horse battery staple',
  });
  const cookie = []
    .concat(login.headers['set-cookie'])
    .find((c) => c.startsWith('cinatra_session='))
    .split(';')[0];
  const session = { cookie, 'x-csrf-token': login.json().csrfToken };
  const tokenRes = await inject('POST', '/api/tokens', { name: 'bench', scopes: ['*'] }, session);
  const auth = { authorization: `Bearer ${tokenRes.json().token}` };

  const key = generateSigningKey();
  await k.runAsActor(k.systemActor(), () =>
    platform.kernel
      .resolve(TRUST_STORE)
      .addKey({ publicKeyPem: key.publicKeyPem, publisher: 'bench', tier: 'private' }),
  );
  const registry = platform.kernel.resolve(EMBEDDED_REGISTRY).endpoint();
  // One published version per round, so every pipeline install fetches new bytes.
  const versions = [];
  for (let i = 0; i < ROUNDS; i++) {
    const version = `1.0.${i}`;
    const dir = join(work, `src-${i}`);
    writeExtension(dir, version);
    const { tarball } = await packExtension(dir);
    const bundle = await signExtension({ tarball, privateKeyPem: key.privateKeyPem });
    await publishPackage({ registryUrl: registry.url, token: auth.authorization.slice(7), tarball, bundle });
    versions.push(version);
  }
  // npm gets the very bytes the registry serves.
  const tgzs = [];
  for (const version of versions) {
    const { tarball } = await fetchPackage(registry.url, NAME, version, registry.token);
    const file = join(work, `install-me-${version}.tgz`);
    writeFileSync(file, tarball);
    tgzs.push(file);
  }
  const npmVersion = (await npm(['--version'])).stdout.trim();
  console.log(
    `install of one extension (${ROUNDS} rounds, alternating; ${db.label}; npm ${npmVersion}, Node ${process.versions.node})`,
  );

  const pipelineTimes = [];
  const npmTimes = [];
  for (let i = 0; i < ROUNDS; i++) {
    let t = performance.now();
    const res = await inject('POST', '/api/extensions/install', { name: NAME, range: versions[i] }, auth);
    pipelineTimes.push(performance.now() - t);
    const op = res.json();
    if (res.statusCode !== 200 || op.status !== 'succeeded') throw new Error(`install: ${res.body}`);

    const prefix = join(work, `npm-${i}`);
    mkdirSync(prefix);
    t = performance.now();
    await npm(
      [
        'install',
        tgzs[i],
        '--ignore-scripts',
        '--no-audit',
        '--no-fund',
        '--offline',
        '--no-package-lock',
        '--prefix',
        prefix,
        '--cache',
        join(work, `npm-cache-${i}`),
        '--loglevel',
        'error',
      ],
      { env: { ...process.env, npm_config_userconfig: join(work, 'empty-npmrc') } },
    );
    npmTimes.push(performance.now() - t);

    const list = await inject('GET', `/api/extensions?name=${encodeURIComponent(NAME)}`, undefined, auth);
    const [ext] = list.json();
    const removed = await inject('POST', `/api/extensions/${ext.id}/uninstall`, { data: 'delete' }, auth);
    if (removed.statusCode !== 200) throw new Error(`uninstall: ${removed.body}`);
    process.stdout.write('.');
  }
  process.stdout.write('\n');
  const p = median(pipelineTimes);
  const n = median(npmTimes);
  console.log(`  pipeline (registry → verified, activated, healthy)  median ${ms(p)}`);
  console.log(`  npm install <tgz> --offline --ignore-scripts         median ${ms(n)}`);
  console.log(`  ratio pipeline / npm: ${(p / n).toFixed(2)}×`);
  console.log(`  rounds: pipeline ${pipelineTimes.map(ms).join(', ')}; npm ${npmTimes.map(ms).join(', ')}`);
} finally {
  await platform.stop();
  await db.drop?.();
  rmSync(work, { recursive: true, force: true });
}
