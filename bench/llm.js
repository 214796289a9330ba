// One LLM call through the platform's orchestrator versus the `openai` SDK calling the same local
// Chat Completions server directly: p50/p99 of sequential calls, and the p50 the platform adds.
// See README.md.
import { availableParallelism, tmpdir } from 'node:os';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createPublicKey } from 'node:crypto';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import OpenAI from 'openai';
import { BENCH_ADMIN, benchDatabase, forkServer, runBench, stopChild, stopOnSignals } from './support.js';

const [SEQUENTIAL, WARMUP, ROUNDS] = [
  Number(process.env.BENCH_CALLS || 2000),
  Number(process.env.BENCH_WARMUP || 300),
  Number(process.env.BENCH_ROUNDS || 3),
];
/** The target: the platform adds less than this to the p50 of a call. */
const TARGET_ADDED_US = 1000;
const SELF = fileURLToPath(import.meta.url);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const EXTENSION = '@cinatra/ext-llm-openai';
const PACKAGE_DIR = join(ROOT, 'extensions', 'llm-openai');
const API_KEY = 'sk-bench-0123456789';
const MODEL = 'gpt-5.4';
const PROMPT = 'Say hello to the benchmark.';
const ANSWER = 'Hello, benchmark.';
/** The vendor's answer to every request (usage given, so both sides parse the same body). */
const REPLY = { text: ANSWER, usage: { prompt_tokens: 14, completion_tokens: 5 } };

// ---- the vendor server (child process) ----------------------------------------------------

/**
 * The SDK's OpenAI Chat Completions test server (`@cinatra/sdk/testing`), answering REPLY to every
 * request: its script is kept long and its request log short, so it runs as long as the bench.
 */
async function vendorServer() {
  const { startOpenAiServer } = await import('@cinatra/sdk/testing');
  const server = await startOpenAiServer({ apiKey: API_KEY });
  const refill = () => {
    while (server.pending < 100_000) server.reply(...new Array(10_000).fill(REPLY));
    server.requests.length = 0;
  };
  refill();
  const timer = setInterval(refill, 1000);
  stopOnSignals(async () => {
    clearInterval(timer);
    await server.close();
  });
  process.send({ baseUrl: server.baseUrl });
}

// ---- the platform (this process) ----------------------------------------------------------

/**
 * `createPlatform` (built packages) with the signed `extensions/llm-openai` package installed the
 * way an operator does it: its build's signing key trusted as first-party, the API key stored as a
 * workspace secret, `baseUrl` set to the vendor server, permissions granted, enabled and started.
 * Calls are made as a service account that belongs to one organization (no budget), through an
 * API token, so the actor is the one the HTTP API would see.
 */
async function startPlatform(baseUrl, databaseUrl) {
  const k = await import('@cinatra/kernel');
  const { createPlatform, EXTENSION_MANAGER } = await import('@cinatra/host');
  const { TRUST_STORE } = await import('../host/dist/extensions/trust/TrustStore.js');
  const dataDir = mkdtempSync(join(tmpdir(), 'cinatra-bench-llm-'));
  chmodSync(dataDir, 0o755); // embedded Postgres runs as `postgres` when we are root
  process.once('exit', () => rmSync(dataDir, { recursive: true, force: true }));
  const overrides = { dataDir, logLevel: 'warn', auth: { passwordHashCost: 14 } };
  overrides.databaseUrl = databaseUrl || undefined; // unset: embedded Postgres
  const platform = await createPlatform(k.loadConfig({ env: {}, overrides }));
  const { kernel } = platform;
  try {
    const manager = kernel.resolve(EXTENSION_MANAGER);
    const keyFile =
      process.env.CINATRA_FIRST_PARTY_KEY ?? join(ROOT, '.cinatra-keys/cinatra-signing.key.pem');
    const publicKeyPem = createPublicKey(readFileSync(keyFile)).export({ type: 'spki', format: 'pem' });
    const dist = join(PACKAGE_DIR, 'dist-package');
    const tarball = readFileSync(join(dist, 'cinatra-ext-llm-openai-0.1.0.tgz'));
    const bundle = JSON.parse(readFileSync(join(dist, 'bundle.sigstore.json'), 'utf8'));

    const admin = await kernel.resolve(k.FIRST_ADMIN_SETUP).createAdmin(BENCH_ADMIN);
    const adminActor = await k.runAsActor(k.systemActor(), async () => {
      const tokens = kernel.resolve(k.API_TOKEN_SERVICE);
      const { token } = await tokens.create({
        userId: admin.id,
        name: 'admin',
        scopes: ['*'],
        expiresAt: null,
      });
      return kernel.resolve(k.AUTHENTICATOR).authenticateToken(token);
    });
    const caller = await k.runAsActor(adminActor, async () => {
      await kernel.resolve(TRUST_STORE).addKey({ publicKeyPem, publisher: 'cinatra', tier: 'first-party' });
      await manager.install(tarball, bundle);
      await kernel
        .resolve(k.SECRET_STORE)
        .create({ name: 'openai-api-key', owner: { tier: 'workspace' }, value: API_KEY });
      await manager.setSettings(EXTENSION, { baseUrl });
      await manager.setGrants(EXTENSION, ['secrets.read:openai-api-key', 'network:${settings.baseUrl}']);
      await manager.enable(EXTENSION);
      await manager.activate(EXTENSION); // measured calls find the process running

      const org = await kernel
        .resolve(k.ORGANIZATION_DIRECTORY)
        .createOrganization({ slug: 'bench', name: 'Benchmark' });
      const user = await kernel.resolve(k.USER_DIRECTORY).create({
        email: 'llm-caller@example.com',
        displayName: 'LLM caller',
        kind: 'service_account',
      });
      await kernel.resolve(k.ORGANIZATION_DIRECTORY).setOrganizationMember(org.id, user.id, 'member');
      const tokens = kernel.resolve(k.API_TOKEN_SERVICE);
      const { token } = await tokens.create({ userId: user.id, name: 'llm', scopes: ['*'], expiresAt: null });
      // The in-process providers below are priced like `openai`, so every row pays the same metering.
      const prices = kernel.resolve(k.LLM_PRICES);
      for (const provider of ['openai-in-process', 'instant']) {
        await prices.upsert({
          provider,
          model: MODEL,
          inputPerMTok: 2.5,
          cachedInputPerMTok: 0.25,
          outputPerMTok: 15,
        });
      }
      return kernel.resolve(k.AUTHENTICATOR).authenticateToken(token);
    });
    /** Usage events, and audit events by operation, written so far (once all are durable). */
    const counts = async () => {
      await kernel.resolve(k.LLM_ORCHESTRATOR).flush();
      await kernel.resolve(k.AUDIT_LOG).flush();
      const [usage] = await kernel.db.knex('llmUsageEvents').count('* as n');
      const audit = await kernel.db
        .knex('auditEvents')
        .select('operation')
        .count('* as n')
        .groupBy('operation');
      return {
        usage: Number(usage.n),
        audit: Object.fromEntries(audit.map((r) => [r.operation, Number(r.n)])),
      };
    };
    return { k, platform, kernel, caller, counts, extensionPid: manager.processInfo(EXTENSION).pid };
  } catch (error) {
    await platform.stop();
    throw error;
  }
}

/**
 * The extension's own provider code (its built `dist/index.js`, the OpenAI SDK bundled in),
 * activated in this process with a host that answers its two questions (settings, the API key):
 * the same vendor calls as the extension makes, without the isolated process and its RPC.
 */
async function inProcessOpenAi(baseUrl) {
  const { default: definition } = await import(join(PACKAGE_DIR, 'dist', 'index.js'));
  const host = {
    settings: { baseUrl, apiKeySecret: 'openai-api-key' },
    secrets: { read: async () => API_KEY },
  };
  const { llmProviders } = await definition.activate(host);
  return llmProviders.openai;
}

// ---- measurement --------------------------------------------------------------------------

/**
 * p50/p99 in µs of SEQUENTIAL calls of `call` one after the other, after WARMUP unmeasured ones,
 * and the CPU time per call of each process involved. `settle` waits for the writes still under
 * way and returns the pids of the Postgres backends serving the benchmark's database.
 */
async function latency(call, pids, settle) {
  for (let i = 0; i < WARMUP; i++) await call();
  const before = cpuTimes(pids, await settle());
  const samples = new Float64Array(SEQUENTIAL);
  for (let i = 0; i < SEQUENTIAL; i++) {
    const started = performance.now();
    await call();
    samples[i] = (performance.now() - started) * 1000;
  }
  const after = cpuTimes(pids, await settle());
  samples.sort();
  // Postgres: the backends that served the benchmark's database at both ends of the run.
  let postgres = 0;
  for (const [pid, micros] of after.postgres) postgres += micros - (before.postgres.get(pid) ?? micros);
  return {
    p50: samples[Math.floor(SEQUENTIAL * 0.5)],
    p99: samples[Math.floor(SEQUENTIAL * 0.99)],
    cpu: {
      bench: (after.bench - before.bench) / SEQUENTIAL,
      extension: (after.extension - before.extension) / SEQUENTIAL,
      vendor: (after.vendor - before.vendor) / SEQUENTIAL,
      postgres: postgres / SEQUENTIAL,
    },
  };
}

/** CPU time (user + system) of process `pid` so far, in µs, from /proc (clock ticks of 10 ms). */
function cpuMicros(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'latin1').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10_000;
  } catch {
    return null; // the process has ended
  }
}

/** CPU time so far of this process, the extension process, the vendor server and each Postgres backend, in µs. */
function cpuTimes(pids, postgresPids) {
  const own = process.cpuUsage();
  const postgres = new Map();
  for (const pid of postgresPids) {
    const micros = cpuMicros(pid);
    if (micros !== null) postgres.set(pid, micros);
  }
  return {
    bench: own.user + own.system,
    extension: cpuMicros(pids.extension) ?? 0,
    vendor: cpuMicros(pids.vendor) ?? 0,
    postgres,
  };
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const us = (value) => Math.round(value);

function expectAnswer(text, label) {
  if (text !== ANSWER) throw new Error(`${label} answered ${JSON.stringify(text)}`);
}

async function main() {
  const db = await benchDatabase({ embeddedFallback: true });
  const children = [];
  let platform;
  const cleanup = async () => {
    await platform?.stop();
    await Promise.all(children.map(stopChild));
    await db.drop?.();
  };
  process.once('SIGINT', () => cleanup().finally(() => process.exit(130)));
  try {
    const vendor = await forkServer(SELF, 'vendor', {}, children);
    const started = await startPlatform(vendor.baseUrl, db.url);
    platform = started.platform;
    const { k, kernel, caller } = started;
    const llm = kernel.resolve(k.LLM_ORCHESTRATOR);
    const providers = kernel.resolve(k.LLM_PROVIDERS);
    const openaiCode = await inProcessOpenAi(vendor.baseUrl);
    providers.register({
      id: 'openai-in-process',
      displayName: 'OpenAI (provider code in this process)',
      extension: null,
      models: [],
      generate: (request, call) => openaiCode.generate(request, call),
      stream: (request, call) => openaiCode.stream(request, call),
    });
    const instant = {
      model: MODEL,
      text: ANSWER,
      toolCalls: [],
      finishReason: 'stop',
      usage: { inputTokens: 14, outputTokens: 5, cachedInputTokens: 0, reasoningTokens: 0 },
    };
    providers.register({
      id: 'instant',
      displayName: 'Answers at once, no I/O',
      extension: null,
      models: [],
      generate: async () => instant,
      stream: async function* () {
        yield { type: 'finish', response: instant };
      },
    });

    const client = new OpenAI({ apiKey: API_KEY, baseURL: vendor.baseUrl, maxRetries: 0 });
    const messages = [{ role: 'user', content: PROMPT }];
    const viaOrchestrator = (provider) => async () => {
      const result = await k.runAsActor(caller, () => llm.generate({ provider, model: MODEL, messages }));
      expectAnswer(result.text, provider);
    };
    // A signal per call, as the orchestrator passes (the SDK keeps listeners per signal).
    const call = () => ({ signal: new AbortController().signal, deadlineMs: 120_000, traceId: 'bench' });
    const targets = [
      {
        label: 'openai SDK → server (baseline)',
        run: async () => {
          const completion = await client.chat.completions.create({ model: MODEL, messages });
          expectAnswer(completion.choices[0].message.content, 'openai SDK');
        },
      },
      {
        label: 'provider code → server, no orchestrator',
        run: async () =>
          expectAnswer((await openaiCode.generate({ model: MODEL, messages }, call())).text, 'provider code'),
      },
      { label: 'orchestrator + in-process provider', run: viaOrchestrator('openai-in-process') },
      { label: 'orchestrator + llm-openai extension', run: viaOrchestrator('openai') },
      { label: 'orchestrator + instant provider (no I/O)', run: viaOrchestrator('instant') },
    ];
    for (const target of targets) target.rounds = [];
    const [baseline, providerCode, inProcess, extension, instantTarget] = targets;

    console.log(
      `Node ${process.version}, ${availableParallelism()} CPUs, Postgres: ${db.label}; ` +
        `vendor server: @cinatra/sdk/testing startOpenAiServer (child process ${vendor.child.pid}), ` +
        `extension process ${started.extensionPid}`,
    );
    console.log(`${SEQUENTIAL} sequential calls after ${WARMUP} warm-up per target; ${ROUNDS} rounds\n`);
    const pids = { extension: started.extensionPid, vendor: vendor.child.pid };
    const settle = async () => {
      await llm.flush();
      await kernel.resolve(k.AUDIT_LOG).flush();
      const { rows } = await kernel.db.knex.raw(
        'SELECT pid FROM pg_stat_activity WHERE datname = current_database()',
      );
      return rows.map((row) => row.pid);
    };
    const before = await started.counts();
    process.stdout.write('warm-up … ');
    for (const target of targets) for (let i = 0; i < 3 * WARMUP; i++) await target.run();
    console.log('done');
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? targets : [...targets].reverse();
      for (const target of order) {
        process.stdout.write(`round ${round + 1}/${ROUNDS}: ${target.label} … `);
        const { p50, p99, cpu } = await latency(target.run, pids, settle);
        target.rounds.push({ p50, p99, cpu });
        console.log(`p50 ${us(p50)} µs, p99 ${us(p99)} µs`);
      }
    }
    const after = await started.counts();

    console.log();
    console.table(
      targets.map(({ label, rounds }) => ({
        target: label,
        'p50 µs': us(median(rounds.map((r) => r.p50))),
        'p99 µs': us(median(rounds.map((r) => r.p99))),
        'p50 added µs': us(median(rounds.map((r, i) => r.p50 - baseline.rounds[i].p50))),
        'p50 ratio': median(rounds.map((r, i) => r.p50 / baseline.rounds[i].p50)).toFixed(3),
        ...Object.fromEntries(
          Object.keys(rounds[0].cpu).map((key) => [
            `CPU µs/call ${key}`,
            us(median(rounds.map((r) => r.cpu[key]))),
          ]),
        ),
      })),
    );
    const added = (target, base = baseline) => target.rounds.map((r, i) => r.p50 - base.rounds[i].p50);
    const withRounds = (values) => `${us(median(values))} µs (rounds ${values.map(us).join(', ')} µs)`;
    const verdict = (target) => {
      const values = added(target);
      const ratio = median(target.rounds.map((r, i) => r.p50 / baseline.rounds[i].p50));
      const pass = median(values) < TARGET_ADDED_US ? 'PASS' : 'FAIL';
      return `${withRounds(values)}, ratio ${ratio.toFixed(3)}  ${pass} (target < ${TARGET_ADDED_US} µs)`;
    };
    console.log(`p50 added, orchestrator + llm-openai extension − openai SDK: ${verdict(extension)}`);
    console.log(`p50 added, orchestrator + in-process provider − openai SDK: ${verdict(inProcess)}`);
    console.log(
      `  orchestration (− the same provider code, no orchestrator): ${withRounds(added(inProcess, providerCode))}`,
    );
    console.log(`  isolation (extension − in-process provider): ${withRounds(added(extension, inProcess))}`);
    console.log(
      `orchestrator with an instant provider (no I/O): p50 ${withRounds(instantTarget.rounds.map((r) => r.p50))}`,
    );
    // One usage event per orchestrated call; the audit events show what else the calls write.
    const perTarget = 3 * WARMUP + ROUNDS * (WARMUP + SEQUENTIAL);
    const audited = Object.entries(after.audit)
      .map(([operation, n]) => [operation, n - (before.audit[operation] ?? 0)])
      .filter(([, n]) => n > 0)
      .map(([operation, n]) => `${operation} ${n}`);
    console.log(
      `written during the runs: ${after.usage - before.usage} usage events for ${3 * perTarget} orchestrated ` +
        `calls (${perTarget} through the extension); audit events: ${audited.join(', ')}`,
    );
  } finally {
    await cleanup();
  }
}

runBench(main, vendorServer);
