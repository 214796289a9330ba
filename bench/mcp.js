// MCP tools/call through the platform's /mcp (a kernel primitive, and a tool served by an
// extension process) versus a bare @modelcontextprotocol/sdk server over the same transport
// returning the same JSON, each server in its own child process. See README.md.
import { createServer } from 'node:http';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  BENCH_ADMIN,
  BENCH_ITEM,
  BENCH_ITEM_SCHEMA,
  LISTEN,
  benchDatabase,
  forkServer,
  runBench,
  stopChild,
  stopOnSignals,
} from './support.js';

const [CALLERS, WARMUP_MS, MEASURE_MS, SEQUENTIAL, SEQUENTIAL_WARMUP, ROUNDS] = [
  16, 1000, 5000, 2000, 200, 3,
];
const TARGET = 0.8;
const SELF = fileURLToPath(import.meta.url);
const ADMIN = BENCH_ADMIN;
const EXTENSION = '@cinatra-bench/mcp-item';
const [ITEM, ITEM_SCHEMA] = [BENCH_ITEM, BENCH_ITEM_SCHEMA];
/** One tool, the same on the three targets: no arguments, answers ITEM as text and structured content. */
const TOOL = {
  title: 'Benchmark item',
  description: 'Returns a fixed 10-field JSON object',
  inputSchema: { type: 'object', properties: {}, additionalProperties: false },
  outputSchema: ITEM_SCHEMA,
  annotations: { readOnlyHint: true },
};
const itemResult = () => ({
  content: [{ type: 'text', text: JSON.stringify(ITEM) }],
  structuredContent: ITEM,
});

// ---- servers under test (child processes) ---------------------------------------------

/** The SDK's stateful Streamable HTTP server as its documentation shows it, and nothing else. */
async function bareServer() {
  const { Server } = await import('@modelcontextprotocol/sdk/server/index.js');
  const { StreamableHTTPServerTransport } =
    await import('@modelcontextprotocol/sdk/server/streamableHttp.js');
  const { CallToolRequestSchema, ListToolsRequestSchema } =
    await import('@modelcontextprotocol/sdk/types.js');
  const { randomUUID } = await import('node:crypto');
  const sessions = new Map();
  const open = async () => {
    const server = new Server(
      { name: 'bare', version: '1.0.0' },
      { capabilities: { tools: { listChanged: true } } },
    );
    server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: [{ name: 'bench.item', ...TOOL }] }));
    server.setRequestHandler(CallToolRequestSchema, async () => itemResult());
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => sessions.set(id, transport),
    });
    transport.onclose = () => sessions.delete(transport.sessionId);
    await server.connect(transport);
    return transport;
  };
  const http = createServer(async (req, res) => {
    if (req.url !== '/mcp') return res.writeHead(404).end();
    const id = req.headers['mcp-session-id'];
    const transport = id ? sessions.get(id) : await open();
    if (!transport) return res.writeHead(404).end();
    await transport.handleRequest(req, res);
  });
  await new Promise((resolve) => http.listen(LISTEN.port, LISTEN.host, resolve));
  const stop = async () => {
    await Promise.allSettled([...sessions.values()].map((transport) => transport.close()));
    http.closeAllConnections();
    await new Promise((resolve) => http.close(resolve));
  };
  return { url: `http://${LISTEN.host}:${http.address().port}`, stop };
}

/** An extension whose one tool answers like the primitive, generated into `dir`. */
function writeExtension(dir) {
  mkdirSync(dir, { recursive: true });
  const cinatra = {
    apiVersion: 1,
    kinds: ['mcp-tools'],
    displayName: 'MCP item (benchmark)',
    publisher: 'cinatra-bench',
    engine: '^1.0.0',
    entry: 'index.js',
    contributes: { mcpTools: [{ name: 'item', ...TOOL }] },
    // Room for every concurrent caller, so the extension's queue is not what is measured.
    resources: { memoryMb: 128, callTimeoutMs: 30_000, concurrency: 4 * CALLERS },
  };
  const manifest = { name: EXTENSION, version: '1.0.0', type: 'module', private: true, cinatra };
  writeFileSync(join(dir, 'package.json'), JSON.stringify(manifest, null, 2));
  writeFileSync(
    join(dir, 'index.js'),
    `import { defineExtension } from '@cinatra/sdk';
const ITEM = ${JSON.stringify(ITEM)};
export default defineExtension({
  activate: () => ({
    tools: {
      item: async () => ({ content: [{ type: 'text', text: JSON.stringify(ITEM) }], structuredContent: ITEM }),
    },
  }),
});
`,
  );
}

async function platformServer() {
  const { createPlatform, EXTENSION_MANAGER, extensionToolName } = await import('@cinatra/host');
  const { TRUST_STORE } = await import('../host/dist/extensions/trust/TrustStore.js');
  const { generateSigningKey, packExtension, signExtension } = await import('@cinatra/sdk');
  const k = await import('@cinatra/kernel');
  const dataDir = mkdtempSync(join(tmpdir(), 'cinatra-bench-'));
  chmodSync(dataDir, 0o755); // embedded Postgres runs as `postgres` when we are root
  process.once('exit', () => rmSync(dataDir, { recursive: true, force: true }));
  // Every benchmark client is the same admin: allow more sessions than the default cap of 16.
  const overrides = {
    dataDir,
    logLevel: 'warn',
    server: LISTEN,
    auth: { passwordHashCost: 14 },
    mcp: { sessionsPerPrincipal: 256 },
  };
  overrides.databaseUrl = process.env.BENCH_DATABASE_URL || undefined; // unset: embedded Postgres
  const platform = await createPlatform(k.loadConfig({ env: {}, overrides }));
  try {
    const { kernel } = platform;
    // A cheap read-only primitive with a real classification: every call is validated,
    // authorized (level `read` on the workspace), audited as `bench.read` and its output checked.
    kernel.resolve(k.CLASSIFICATION_REGISTRY).register({
      resourceType: 'bench',
      action: 'read',
      level: 'read',
      description: 'Read the benchmark item (bench/mcp.js)',
    });
    kernel.resolve(k.PRIMITIVE_REGISTRY).register({
      name: 'bench.item',
      ...TOOL,
      classification: { resourceType: 'bench', action: 'read' },
      handler: async () => ITEM,
    });
    const admin = await kernel.resolve(k.FIRST_ADMIN_SETUP).createAdmin(ADMIN);
    const token = await k.runAsActor(k.systemActor(), async () => {
      const key = generateSigningKey();
      await kernel
        .resolve(TRUST_STORE)
        .addKey({ publicKeyPem: key.publicKeyPem, publisher: 'cinatra-bench', tier: 'private' });
      const source = join(dataDir, 'extension-source');
      writeExtension(source);
      const { tarball } = await packExtension(source);
      const bundle = await signExtension({ tarball, privateKeyPem: key.privateKeyPem });
      const manager = kernel.resolve(EXTENSION_MANAGER);
      await manager.install(tarball, bundle);
      await manager.enable(EXTENSION);
      await manager.activate(EXTENSION); // measured calls find the process running
      const tokens = kernel.resolve(k.API_TOKEN_SERVICE);
      return (await tokens.create({ userId: admin.id, name: 'bench', scopes: ['*'], expiresAt: null })).token;
    });
    const auditCounts = async () => {
      await kernel.resolve(k.AUDIT_LOG).flush(); // every event recorded so far is durable
      const rows = await kernel.db
        .knex('auditEvents')
        .whereIn('operation', ['bench.read', 'extension.call_tool'])
        .select('operation')
        .count('* as n')
        .groupBy('operation');
      return Object.fromEntries(rows.map((row) => [row.operation, Number(row.n)]));
    };
    const { url } = await platform.start();
    return {
      url,
      token,
      extensionTool: extensionToolName(EXTENSION, 'item'),
      auditCounts,
      stop: () => platform.stop(),
    };
  } catch (error) {
    await platform.stop();
    throw error;
  }
}

async function serve(mode) {
  const server = await (mode === 'bare' ? bareServer() : platformServer());
  stopOnSignals(() => server.stop());
  process.on('message', async () => process.send({ auditCounts: await server.auditCounts() }));
  process.send({ url: server.url, token: server.token, extensionTool: server.extensionTool });
}

// ---- MCP clients (parent process) -----------------------------------------------------
const children = [];

const start = (mode, env) => forkServer(SELF, mode, env, children);

const auditCounts = (child) =>
  new Promise((resolve) => child.once('message', (m) => resolve(m.auditCounts)).send('count'));

/**
 * CALLERS + 1 SDK clients, each with its own MCP session: CALLERS for throughput, one for the
 * sequential loop. Each lists the tools first, as a real client does, so the SDK client checks
 * structured results against the advertised output schema on every target alike.
 */
async function connectAll(url, token, tool) {
  const clients = [];
  for (let i = 0; i <= CALLERS; i++) {
    const transport = new StreamableHTTPClientTransport(new URL('/mcp', url), {
      requestInit: { headers: { authorization: `Bearer ${token}` } }, // the bare server ignores it
    });
    const client = new Client({ name: 'cinatra-bench', version: '1.0.0' });
    await client.connect(transport);
    const { tools } = await client.listTools();
    if (!tools.some((t) => t.name === tool)) throw new Error(`${url}/mcp does not list ${tool}`);
    clients.push(client);
  }
  return clients;
}

async function callOnce(client, name) {
  const result = await client.callTool({ name, arguments: {} });
  if (result.isError || result.structuredContent?.id !== ITEM.id) {
    throw new Error(`${name} answered ${JSON.stringify(result).slice(0, 300)}`);
  }
}

/** CPU time (user + system) of process `pid` so far, in µs, from /proc (clock ticks of 10 ms). */
function cpuMicros(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'latin1').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

/** CPU time in µs of every `postgres` process on the machine (the audit log's and the extension row's cost). */
function postgresCpuMicros() {
  let total = 0;
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      if (readFileSync(`/proc/${pid}/comm`, 'latin1').trim() === 'postgres') total += cpuMicros(pid);
    } catch {
      // the process ended meanwhile
    }
  }
  return total;
}

/**
 * calls/s of CALLERS clients calling in a loop for `ms` (every call started is awaited and
 * counted), and the CPU time per call of the server process (not of Postgres or the extension).
 */
async function throughput(target, ms) {
  const until = performance.now() + ms;
  let calls = 0;
  const [cpu, postgresCpu] = [cpuMicros(target.pid), postgresCpuMicros()];
  const started = performance.now();
  const lane = async (client) => {
    while (performance.now() < until) {
      await callOnce(client, target.tool);
      calls += 1;
    }
  };
  await Promise.all(target.clients.slice(0, CALLERS).map(lane));
  target.calls += calls;
  return {
    perSecond: calls / ((performance.now() - started) / 1000),
    cpu: (cpuMicros(target.pid) - cpu) / calls,
    postgresCpu: (postgresCpuMicros() - postgresCpu) / calls,
  };
}

/** p50/p99 in µs of SEQUENTIAL calls one after the other (after SEQUENTIAL_WARMUP unmeasured ones). */
async function latency(target) {
  const client = target.clients[CALLERS];
  for (let i = 0; i < SEQUENTIAL_WARMUP; i++) await callOnce(client, target.tool);
  const samples = new Float64Array(SEQUENTIAL);
  for (let i = 0; i < SEQUENTIAL; i++) {
    const started = performance.now();
    await callOnce(client, target.tool);
    samples[i] = (performance.now() - started) * 1000;
  }
  samples.sort();
  target.calls += SEQUENTIAL_WARMUP + SEQUENTIAL;
  return { p50: samples[Math.floor(SEQUENTIAL * 0.5)], p99: samples[Math.floor(SEQUENTIAL * 0.99)] };
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const us = (value) => Math.round(value);

async function main() {
  const db = await benchDatabase({ embeddedFallback: true });
  const clients = [];
  const cleanup = async () => {
    await Promise.allSettled(clients.map((client) => client.close()));
    await Promise.all(children.map(stopChild));
    await db.drop?.();
  };
  process.once('SIGINT', () => cleanup().finally(() => process.exit(130)));
  try {
    const [bare, platform] = await Promise.all([
      start('bare', {}),
      start('platform', { BENCH_DATABASE_URL: db.url }),
    ]);
    console.log(`Node ${process.version}, ${availableParallelism()} CPUs, Postgres: ${db.label}`);
    console.log(
      `${CALLERS} concurrent SDK clients: ${WARMUP_MS / 1000} s warm-up, ${MEASURE_MS / 1000} s measured;` +
        ` then ${SEQUENTIAL} sequential calls after ${SEQUENTIAL_WARMUP} warm-up; ${ROUNDS} rounds\n`,
    );
    const targets = [
      { label: 'bare SDK server    bench.item', server: bare, tool: 'bench.item' },
      { label: 'platform primitive bench.item', server: platform, tool: 'bench.item' },
      {
        label: `platform extension ${platform.extensionTool}`,
        server: platform,
        tool: platform.extensionTool,
      },
    ];
    for (const target of targets) {
      target.clients = await connectAll(target.server.url, platform.token, target.tool);
      clients.push(...target.clients);
      Object.assign(target, { pid: target.server.child.pid, calls: 0, rounds: [] });
    }
    const auditBefore = await auditCounts(platform.child);
    process.stdout.write('warm-up … ');
    for (const target of targets) await throughput(target, 3 * WARMUP_MS); // JIT of servers and clients
    console.log('done');
    for (let round = 0; round < ROUNDS; round++) {
      // Alternate the order, so no target always runs right after the same one.
      const order = round % 2 === 0 ? targets : [...targets].reverse();
      for (const target of order) {
        process.stdout.write(`round ${round + 1}/${ROUNDS}: ${target.label} … `);
        await throughput(target, WARMUP_MS);
        const { perSecond, cpu, postgresCpu } = await throughput(target, MEASURE_MS);
        const { p50, p99 } = await latency(target);
        target.rounds.push({ perSecond, cpu, postgresCpu, p50, p99 });
        console.log(`${Math.round(perSecond)} calls/s, p50 ${us(p50)} µs`);
      }
    }
    const audited = await auditCounts(platform.child);
    const written = (operation) => (audited[operation] ?? 0) - (auditBefore[operation] ?? 0);

    console.log();
    console.table(
      targets.map(({ label, rounds, calls }) => ({
        target: label,
        'calls/s': Math.round(median(rounds.map((r) => r.perSecond))),
        'p50 µs': us(median(rounds.map((r) => r.p50))),
        'p99 µs': us(median(rounds.map((r) => r.p99))),
        'server CPU µs/call': us(median(rounds.map((r) => r.cpu))),
        'Postgres CPU µs/call': us(median(rounds.map((r) => r.postgresCpu))),
        'calls (all runs)': calls,
      })),
    );
    const [base, primitive, extension] = targets;
    const ratios = base.rounds.map((r, i) => primitive.rounds[i].perSecond / r.perSecond);
    const overheads = primitive.rounds.map((r, i) => extension.rounds[i].p50 - r.p50);
    const ratio = median(ratios);
    const verdict = ratio >= TARGET ? 'PASS' : 'BELOW TARGET';
    const range = `rounds ${Math.min(...ratios).toFixed(3)}–${Math.max(...ratios).toFixed(3)}`;
    console.log(
      `ratio platform primitive / bare SDK, calls/s: ${ratio.toFixed(3)} (${range})  ${verdict} (target ≥ ${TARGET})`,
    );
    console.log(
      `isolation overhead, p50 extension tool − p50 primitive: ${us(median(overheads))} µs` +
        ` (rounds ${overheads.map(us).join(', ')} µs)`,
    );
    console.log(
      `audit events during the runs: bench.read ${written('bench.read')} for ${primitive.calls} primitive calls,` +
        ` extension.call_tool ${written('extension.call_tool')} for ${extension.calls} extension calls`,
    );
  } finally {
    await cleanup();
  }
}

runBench(main, serve);
