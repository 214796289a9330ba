// Platform → extension → platform RPC over the real extension process (ExtensionProcess: unshare +
// permission model + typed RPC with deadlines, concurrency and actor binding) versus raw Node IPC
// to a child started the same way answering the same JSON messages, measured side by side in one
// run; plus cold activation time and resident memory per extension process. See README.md.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { DEFAULT_RESOURCES, parsePermission } from '@cinatra/sdk';
import { ExtensionProcess } from '@cinatra/sdk/process';

const HERE = dirname(fileURLToPath(import.meta.url));
const RAW_CHILD = join(HERE, 'fixtures', 'raw-ipc-child.js');
const FIXTURE = join(HERE, 'fixtures', 'echo-extension');
const [WARMUP, SEQUENTIAL, PIPELINED, WINDOW, ROUNDS, COLD_STARTS] = [1000, 5000, 20000, 64, 5, 5];
const TARGET_RATIO = 0.7;
const TARGET_P50_OVERHEAD_US = 30;
const META = {
  extensionId: '@cinatra-bench/echo',
  extensionVersion: '1.0.0',
  actor: { principalId: '00000000-0000-4000-8000-00000000b0b0', principalType: 'user' },
  traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
};

/** Starts the raw child exactly like an extension: unshare -rn, permission model, IPC, empty env. */
async function startRaw() {
  const child = spawn(
    'unshare',
    ['-rn', '--', process.execPath, '--permission', `--allow-fs-read=${RAW_CHILD}`, RAW_CHILD],
    { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env: { PATH: '/usr/bin:/bin' }, serialization: 'json' },
  );
  let nextId = 1;
  const pending = new Map();
  await new Promise((resolve, reject) => {
    child.once('error', reject);
    child.on('message', (message) => {
      if (message.kind === 'ready') resolve();
      else if (message.kind === 'response') {
        pending.get(message.id)(message.result);
        pending.delete(message.id);
      } else if (message.kind === 'request') child.send({ kind: 'response', id: message.id, result: {} });
    });
  });
  return {
    pid: child.pid,
    call: (name, n) =>
      new Promise((resolve) => {
        const id = nextId++;
        pending.set(id, resolve);
        child.send({
          kind: 'request',
          id,
          method: 'mcp.callTool',
          params: { name, arguments: { n } },
          meta: META,
          deadlineMs: 30_000,
        });
      }),
    stop: () => new Promise((resolve) => (child.once('exit', resolve), child.kill('SIGKILL'))),
  };
}

async function startExtension() {
  const started = performance.now();
  const extension = await ExtensionProcess.start({
    extensionId: META.extensionId,
    version: META.extensionVersion,
    packageDir: FIXTURE,
    dataDir: null,
    entry: 'index.js',
    resources: { ...DEFAULT_RESOURCES, concurrency: 256 },
    networkHosts: [],
    settings: {},
    permissions: [parsePermission('notifications.send')],
    hostApi: async () => ({}),
    logger: pino({ level: 'warn' }),
  });
  const ready = performance.now();
  await extension.call('activate', {}, { meta: { ...META, actor: null } });
  const activated = performance.now();
  return {
    extension,
    pid: extension.pid,
    readyMs: ready - started,
    activateMs: activated - started,
    call: (name, n) => extension.call('mcp.callTool', { name, arguments: { n } }, { meta: META }),
    stop: () => extension.stop(),
  };
}

async function sequential(target, name) {
  for (let n = 0; n < WARMUP; n++) await target.call(name, n);
  const samples = new Float64Array(SEQUENTIAL);
  for (let n = 0; n < SEQUENTIAL; n++) {
    const started = performance.now();
    await target.call(name, n);
    samples[n] = (performance.now() - started) * 1000;
  }
  samples.sort();
  return { p50: samples[Math.floor(SEQUENTIAL * 0.5)], p99: samples[Math.floor(SEQUENTIAL * 0.99)] };
}

/** CPU time (user + system) of process `pid` so far, in µs, from /proc (clock ticks of 10 ms). */
function childCpuMicros(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'latin1').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

/** calls/s with WINDOW calls in flight, and the CPU each call cost the platform and the child. */
async function pipelined(target, name) {
  let next = 0;
  const cpu = process.cpuUsage();
  const childCpu = childCpuMicros(target.pid);
  const started = performance.now();
  const lane = async () => {
    while (next < PIPELINED) await target.call(name, next++);
  };
  await Promise.all(Array.from({ length: WINDOW }, lane));
  const elapsed = performance.now() - started;
  const used = process.cpuUsage(cpu);
  return {
    throughput: PIPELINED / (elapsed / 1000),
    parentCpu: (used.user + used.system) / PIPELINED,
    childCpu: (childCpuMicros(target.pid) - childCpu) / PIPELINED,
  };
}

function vmRss(pid) {
  const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
  return Number(match[1]) / 1024;
}

const mean = (values) => values.reduce((a, b) => a + b, 0) / values.length;
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const us = (value) => `${value.toFixed(1)} µs`;
const perSecond = (value) => `${Math.round(value).toLocaleString('en-US')}/s`;

async function main() {
  console.log(
    `Node ${process.version}; ${SEQUENTIAL} sequential calls after ${WARMUP} warm-up, ${PIPELINED} pipelined calls with ${WINDOW} in flight, ${ROUNDS} rounds (raw → extension, then extension → raw)`,
  );
  const raw = await startRaw();
  const ext = await startExtension();
  try {
    const results = { raw: { echo: [], callback: [] }, ext: { echo: [], callback: [] } };
    for (let round = 0; round < ROUNDS; round++) {
      for (const name of ['echo', 'callback']) {
        // Alternate which side goes first, so neither always runs on a warmer (or busier) machine.
        const order = [
          ['raw', raw],
          ['ext', ext],
        ];
        if (round % 2 === 1) order.reverse();
        for (const [label, target] of order) {
          const latency = await sequential(target, name);
          const throughput = await pipelined(target, name);
          results[label][name].push({ ...latency, ...throughput });
        }
      }
    }

    // Each round measures raw and extension back to back, so their ratio is taken per round (the
    // load of a shared machine drifts between rounds far more than within one); the table shows
    // the median of the rounds.
    const rows = [];
    for (const name of ['echo', 'callback']) {
      const summary = (label) => {
        const runs = results[label][name];
        return {
          p50: median(runs.map((r) => r.p50)),
          p99: median(runs.map((r) => r.p99)),
          throughput: median(runs.map((r) => r.throughput)),
          // Means: /proc counts the child's CPU in 10 ms ticks, coarse for one run alone.
          parentCpu: mean(runs.map((r) => r.parentCpu)),
          childCpu: mean(runs.map((r) => r.childCpu)),
        };
      };
      const ratios = results.ext[name].map((e, round) => e.throughput / results.raw[name][round].throughput);
      const overheads = results.ext[name].map((e, round) => e.p50 - results.raw[name][round].p50);
      rows.push({
        name,
        r: summary('raw'),
        e: summary('ext'),
        ratio: median(ratios),
        ratios,
        overhead: median(overheads),
      });
    }
    console.log('');
    console.log(
      'call                             |     p50 raw / ext      |     p99 raw / ext      |  calls/s raw / ext       | ratio (rounds)    | p50 overhead',
    );
    for (const { name, r, e, ratio, ratios, overhead } of rows) {
      const label = name === 'echo' ? '(a) platform → extension echo' : '(b) … + one host call back';
      const range = `${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}`;
      console.log(
        `${label.padEnd(32)} | ${us(r.p50).padStart(9)} / ${us(e.p50).padStart(9)} | ${us(r.p99).padStart(9)} / ${us(e.p99).padStart(9)} | ${perSecond(r.throughput).padStart(10)} / ${perSecond(e.throughput).padStart(10)} | ${ratio.toFixed(2)} (${range}) | ${us(overhead)} ${ratio >= TARGET_RATIO && overhead <= TARGET_P50_OVERHEAD_US ? 'PASS' : 'BELOW TARGET'}`,
      );
    }
    console.log(
      `targets: throughput ratio ≥ ${TARGET_RATIO}, p50 overhead ≤ ${TARGET_P50_OVERHEAD_US} µs over raw (medians of ${ROUNDS} rounds, ratio and overhead taken per round)`,
    );
    console.log('');
    console.log('CPU per pipelined call (user + system; less sensitive to other load than calls/s):');
    for (const { name, r, e } of rows) {
      console.log(
        `  ${name.padEnd(8)}  platform side raw ${r.parentCpu.toFixed(2)} µs / ext ${e.parentCpu.toFixed(2)} µs, child raw ${r.childCpu.toFixed(2)} µs / ext ${e.childCpu.toFixed(2)} µs`,
      );
    }

    console.log('');
    console.log(
      `resident memory after the runs (heap grown by the pipelined runs): extension process ${vmRss(ext.pid).toFixed(1)} MiB, raw child ${vmRss(raw.pid).toFixed(1)} MiB`,
    );
  } finally {
    await ext.stop();
    await raw.stop();
  }

  const colds = [];
  for (let i = 0; i < COLD_STARTS; i++) {
    const cold = await startExtension();
    await sleep(200);
    colds.push({ ...cold, rssMiB: cold.extension.rssBytes() / 1024 / 1024 });
    await cold.stop();
  }
  const rawColds = [];
  for (let i = 0; i < COLD_STARTS; i++) {
    const started = performance.now();
    const child = await startRaw();
    rawColds.push(performance.now() - started);
    await child.stop();
  }
  console.log(
    `resident memory of a freshly activated extension process: ${median(colds.map((c) => c.rssMiB)).toFixed(1)} MiB`,
  );
  console.log(
    `cold activation (spawn → ready → activate), median of ${COLD_STARTS}: ${median(colds.map((c) => c.activateMs)).toFixed(1)} ms (ready after ${median(colds.map((c) => c.readyMs)).toFixed(1)} ms); raw child until ready: ${median(rawColds).toFixed(1)} ms`,
  );
}

await main();
