import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_RESOURCES,
  isGranted,
  parsePermission,
  requiredPermission,
  RpcError,
  type CallMeta,
  type CallToolResult,
  type HostMethod,
  type HostMethods,
} from '@cinatra/sdk';
import {
  EgressProxy,
  ExtensionProcess,
  isInternalAddress,
  type EgressTarget,
  type ExtensionProcessExit,
  type ExtensionProcessOptions,
  type PermissionDenial,
} from '@cinatra/sdk/process';

const FIXTURES = resolve(import.meta.dirname, 'fixtures/extensions');
const ACTOR = { principalId: '00000000-0000-4000-8000-0000000000aa', principalType: 'user' };
const GRANTED = ['storage', 'secrets.read:granted-secret', 'network:127.0.0.1'];

let root: string;
let granted: Server;
let undeclared: Server;
const running: ExtensionProcess[] = [];

function listen(body: string): Promise<Server> {
  const server = createServer((_request, response) => response.end(body));
  return new Promise((done) => server.listen(0, '127.0.0.1', () => done(server)));
}
const portOf = (server: Server) => (server.address() as AddressInfo).port;
const traceId = () => crypto.randomUUID().replaceAll('-', '');

interface Harness {
  process: ExtensionProcess;
  hostCalls: Array<{ method: string; params: unknown; meta: CallMeta }>;
  denied: Array<{ method: string; reason: string; meta: CallMeta }>;
  egressDenied: EgressTarget[];
  /** Sandbox refusals the runtime reported (what the platform audits). */
  sandboxDenied: PermissionDenial[];
  logs: Array<Record<string, unknown>>;
  exit: Promise<ExtensionProcessExit>;
}

/** Starts the probe fixture with a host API that, like the platform's, checks every grant itself. */
async function startProbe(
  overrides: Partial<ExtensionProcessOptions> = {},
  permissions = GRANTED,
): Promise<Harness> {
  const dataDir = join(root, 'extensions/data/@cinatra-test__probe');
  mkdirSync(dataDir, { recursive: true });
  const hostCalls: Harness['hostCalls'] = [];
  const denied: Harness['denied'] = [];
  const egressDenied: EgressTarget[] = [];
  const sandboxDenied: PermissionDenial[] = [];
  const logs: Harness['logs'] = [];
  const logger = pino(
    { level: 'debug' },
    new Writable({
      write(chunk: Buffer, _encoding, callback) {
        logs.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        callback();
      },
    }),
  );
  const process = await ExtensionProcess.start({
    extensionId: '@cinatra-test/probe',
    version: '1.0.0',
    packageDir: join(FIXTURES, 'probe'),
    dataDir,
    entry: 'index.js',
    resources: { ...DEFAULT_RESOURCES, memoryMb: 64, callTimeoutMs: 5_000, concurrency: 4 },
    networkHosts: [`127.0.0.1:${portOf(granted)}`],
    settings: { greeting: 'hi' },
    permissions: permissions.map(parsePermission),
    hostApi: async (method, params, meta) => {
      const required = requiredPermission(method as HostMethod, params as HostMethods[HostMethod]['params']);
      if (!isGranted(permissions, required.capability, required.qualifier)) {
        const reason = `${method} needs ${required.capability}:${required.qualifier ?? ''}`;
        denied.push({ method, reason, meta });
        throw new RpcError('permission_denied', reason);
      }
      hostCalls.push({ method, params, meta });
      if (method === 'secrets.read') return { value: `value of ${(params as { name: string }).name}` };
      return {};
    },
    logger,
    onEgressDenied: (target) => egressDenied.push(target),
    onPermissionDenied: (denial) => sandboxDenied.push(denial),
    heartbeat: { intervalMs: 200, missedPongs: 3 },
    ...overrides,
  });
  running.push(process);
  const exit = new Promise<ExtensionProcessExit>((done) => process.once('exit', done));
  await process.call('activate', {}, { meta: meta(null) });
  return { process, hostCalls, denied, egressDenied, sandboxDenied, logs, exit };
}

function meta(actor: CallMeta['actor'], trace = traceId()): CallMeta {
  return { extensionId: '@cinatra-test/probe', extensionVersion: '1.0.0', actor, traceId: trace };
}

async function probe(
  harness: Harness,
  args: Record<string, unknown>,
  options: { deadlineMs?: number; actor?: CallMeta['actor']; traceId?: string } = {},
): Promise<Record<string, unknown>> {
  const result: CallToolResult = await harness.process.call(
    'mcp.callTool',
    { name: 'probe', arguments: args },
    { meta: meta(options.actor ?? ACTOR, options.traceId), deadlineMs: options.deadlineMs },
  );
  return result.structuredContent!;
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'cinatra-extproc-'));
  const other = join(root, 'extensions/data/@cinatra-test__other');
  mkdirSync(other, { recursive: true });
  writeFileSync(join(other, 'private.txt'), 'another extension’s data');
  granted = await listen('granted host says hi');
  undeclared = await listen('should never be seen');
});

afterEach(async () => {
  await Promise.all(running.splice(0).map((process) => process.stop(500)));
});

afterAll(async () => {
  granted.close();
  undeclared.close();
  rmSync(root, { recursive: true, force: true });
});

describe('ExtensionProcess', () => {
  it('round-trips a tool call with the actor and trace id visible to the extension', async () => {
    const harness = await startProbe();
    const trace = traceId();
    const result = await harness.process.call(
      'mcp.callTool',
      { name: 'echo', arguments: { hello: 'world' } },
      { meta: meta(ACTOR, trace) },
    );
    expect(result.structuredContent).toEqual({
      args: { hello: 'world' },
      actor: ACTOR,
      traceId: trace,
      extensionId: '@cinatra-test/probe',
    });
    expect(harness.process.pid).toBeGreaterThan(0);
    expect(harness.process.rssBytes()).toBeGreaterThan(10 * 1024 * 1024);
    // host.log.info from activate reaches the platform's log.
    expect(harness.logs.some((line) => line.msg === 'probe activated')).toBe(true);
  });

  it('reports an unknown tool as not_found', async () => {
    const harness = await startProbe();
    await expect(
      harness.process.call('mcp.callTool', { name: 'nope', arguments: {} }, { meta: meta(ACTOR) }),
    ).rejects.toMatchObject({ code: 'not_found' });
  });

  it('gives the extension a scrubbed environment', async () => {
    process.env.DATABASE_URL = 'postgres://secret@db/cinatra';
    process.env.CINATRA_MASTER_KEY = 'do-not-leak';
    try {
      const harness = await startProbe();
      const { env } = (await probe(harness, { op: 'env' })) as { env: Record<string, string> };
      expect(Object.keys(env).sort()).toEqual(['NODE_ENV', 'PATH']);
    } finally {
      delete process.env.DATABASE_URL;
      delete process.env.CINATRA_MASTER_KEY;
    }
  });

  describe('file system', () => {
    it('writes and reads back its own data directory', async () => {
      const harness = await startProbe();
      expect(await probe(harness, { op: 'writeStorage' })).toEqual({ ok: true, value: 'kept' });
    });

    it('cannot write outside its data directory, and the refusal is reported with its call', async () => {
      const harness = await startProbe();
      expect(harness.sandboxDenied).toEqual([]); // loading and activating touched nothing outside the grants
      const target = join(root, 'escaped.txt');
      const trace = traceId();
      expect(await probe(harness, { op: 'write', path: target }, { traceId: trace })).toMatchObject({
        ok: false,
        code: 'ERR_ACCESS_DENIED',
      });
      expect(harness.sandboxDenied).toEqual([
        { permission: 'FileSystemWrite', resource: target, traceId: trace },
      ]);
      expect(await probe(harness, { op: 'write', path: join(FIXTURES, 'probe/changed.js') })).toMatchObject({
        ok: false,
        code: 'ERR_ACCESS_DENIED',
      });
      expect(existsSync(target)).toBe(false);
    });

    it("cannot read another extension's data directory", async () => {
      const harness = await startProbe();
      const path = join(root, 'extensions/data/@cinatra-test__other/private.txt');
      expect(await probe(harness, { op: 'read', path })).toMatchObject({
        ok: false,
        code: 'ERR_ACCESS_DENIED',
      });
      expect(harness.sandboxDenied).toContainEqual(
        expect.objectContaining({ permission: 'FileSystemRead', resource: path }),
      );
    });

    it('cannot read outside its package', async () => {
      const harness = await startProbe();
      expect(await probe(harness, { op: 'read', path: '/etc/passwd' })).toMatchObject({
        ok: false,
        code: 'ERR_ACCESS_DENIED',
      });
      expect(await probe(harness, { op: 'read', path: join(FIXTURES, 'probe/package.json') })).toMatchObject({
        ok: true,
      });
    });

    it('has no writable directory without the storage permission', async () => {
      const harness = await startProbe({ dataDir: null }, ['secrets.read:granted-secret']);
      expect(await probe(harness, { op: 'writeStorage' })).toMatchObject({ ok: false });
      expect(
        await probe(harness, { op: 'write', path: join(root, 'extensions/data/@cinatra-test__probe/x') }),
      ).toMatchObject({
        ok: false,
        code: 'ERR_ACCESS_DENIED',
      });
    });
  });

  describe('processes', () => {
    it('cannot spawn a process', async () => {
      const harness = await startProbe();
      expect(await probe(harness, { op: 'spawn' })).toMatchObject({ ok: false, code: 'ERR_ACCESS_DENIED' });
      expect(harness.sandboxDenied.map((d) => d.permission)).toEqual(['ChildProcess']);
    });

    it('cannot start a worker thread', async () => {
      const harness = await startProbe();
      expect(await probe(harness, { op: 'worker' })).toMatchObject({ ok: false, code: 'ERR_ACCESS_DENIED' });
      expect(harness.sandboxDenied.map((d) => d.permission)).toEqual(['WorkerThreads']);
    });
  });

  describe('network', () => {
    it('has no route to a socket listening on 127.0.0.1, even a granted one', async () => {
      const harness = await startProbe();
      expect(await probe(harness, { op: 'connect', port: portOf(undeclared) })).toMatchObject({
        ok: false,
        code: 'ENETUNREACH',
      });
      expect(await probe(harness, { op: 'connect', port: portOf(granted) })).toMatchObject({
        ok: false,
        code: 'ENETUNREACH',
      });
    });

    it('fetches a granted host through the egress proxy', async () => {
      const harness = await startProbe();
      expect(await probe(harness, { op: 'fetch', url: `http://127.0.0.1:${portOf(granted)}/` })).toEqual({
        ok: true,
        status: 200,
        body: 'granted host says hi',
      });
      expect(harness.egressDenied).toEqual([]);
    });

    it('is refused an undeclared host with a reason, and the refusal is reported', async () => {
      const harness = await startProbe();
      const outcome = await probe(harness, { op: 'fetch', url: `http://127.0.0.1:${portOf(undeclared)}/` });
      expect(outcome).toMatchObject({ ok: false, code: 'EGRESS_DENIED' });
      expect(outcome.cause).toContain(
        `127.0.0.1:${portOf(undeclared)} is not among this extension's granted network hosts`,
      );
      expect(harness.egressDenied).toContainEqual({ host: '127.0.0.1', port: portOf(undeclared) });
    });

    it('fetches https from a granted host through a CONNECT tunnel, TLS end to end with the CA it was given', async () => {
      // A self-signed certificate for 127.0.0.1, standing for an operator's private CA.
      const dir = mkdtempSync(join(root, 'tls-'));
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'ec',
          '-pkeyopt',
          'ec_paramgen_curve:prime256v1',
          '-nodes',
          '-days',
          '1',
          '-subj',
          '/CN=127.0.0.1',
          '-addext',
          'subjectAltName=IP:127.0.0.1',
          '-keyout',
          join(dir, 'key.pem'),
          '-out',
          join(dir, 'cert.pem'),
        ],
        { stdio: 'ignore' },
      );
      const cert = readFileSync(join(dir, 'cert.pem'), 'utf8');
      const server = createHttpsServer(
        { key: readFileSync(join(dir, 'key.pem')), cert },
        (_request, response) => response.end('hello over tls'),
      );
      await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
      const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/`;
      const networkHosts = [`127.0.0.1:${(server.address() as AddressInfo).port}`];
      try {
        const trusting = await startProbe({ networkHosts, caCertificates: [cert] });
        expect(await probe(trusting, { op: 'fetch', url })).toEqual({
          ok: true,
          status: 200,
          body: 'hello over tls',
        });
        // Without the CA the extension's TLS check refuses the certificate: the proxy only tunnels.
        const untrusting = await startProbe({ networkHosts });
        const refused = await probe(untrusting, { op: 'fetch', url });
        expect(refused).toMatchObject({ ok: false, code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
        expect(untrusting.egressDenied).toEqual([]);
      } finally {
        server.close();
      }
    });
  });

  describe('host API', () => {
    it('serves a granted host call on behalf of the actor of the tool call', async () => {
      const harness = await startProbe();
      expect(await probe(harness, { op: 'secret', name: 'granted-secret' })).toEqual({
        value: 'value of granted-secret',
      });
      expect(harness.hostCalls).toEqual([
        {
          method: 'secrets.read',
          params: { name: 'granted-secret' },
          meta: expect.objectContaining({
            extensionId: '@cinatra-test/probe',
            extensionVersion: '1.0.0',
            actor: ACTOR,
          }),
        },
      ]);
    });

    it('refuses a host API call without its grant, in the extension already', async () => {
      const harness = await startProbe();
      const call = probe(harness, { op: 'secret', name: 'other-secret' });
      await expect(call).rejects.toMatchObject({
        code: 'permission_denied',
        message: expect.stringContaining('secrets.read:other-secret'),
      });
      await expect(probe(harness, { op: 'notify' })).rejects.toMatchObject({ code: 'permission_denied' });
      expect(harness.hostCalls).toEqual([]);
    });

    it('refuses a forged request that bypasses the SDK, and pins the caller identity', async () => {
      const harness = await startProbe();
      const answer = await probe(harness, { op: 'forgeSecret', name: 'other-secret' });
      expect(answer).toMatchObject({ error: { code: 'permission_denied' } });
      expect(harness.denied).toHaveLength(1);
      // The extension claimed to be someone else; the platform saw who it really is.
      expect(harness.denied[0]!.meta).toMatchObject({
        extensionId: '@cinatra-test/probe',
        extensionVersion: '1.0.0',
      });
    });

    it('refuses a host call that claims an actor of no call in flight', async () => {
      const harness = await startProbe();
      const admin = { principalId: '00000000-0000-4000-8000-00000000ad00', principalType: 'user' };
      const answer = await probe(harness, { op: 'forgeActor', name: 'granted-secret', actor: admin });
      expect(answer).toMatchObject({ error: { code: 'permission_denied' } });
      expect(harness.hostCalls).toEqual([]);
    });
  });

  describe('resources and failures', () => {
    it('answers a hung call with deadline_exceeded, cancels it in the extension, and keeps serving', async () => {
      const harness = await startProbe();
      await expect(probe(harness, { op: 'hang' }, { deadlineMs: 300 })).rejects.toMatchObject({
        code: 'deadline_exceeded',
      });
      // The handler's signal aborted: by the extension's own deadline timer or the platform's cancel.
      await expect
        .poll(async () => (await probe(harness, { op: 'lastAbort' })).lastAbort)
        .toMatch(/^(cancelled|deadline_exceeded)$/);
      expect(harness.process.running).toBe(true);
    });

    it('queues calls beyond its concurrency and runs them as slots free up', async () => {
      const harness = await startProbe();
      const hung = Array.from({ length: 4 }, () => probe(harness, { op: 'hang' }, { deadlineMs: 400 }));
      // The fifth waits for a slot, then runs once the hung ones time out.
      const queued = harness.process.call(
        'mcp.callTool',
        { name: 'echo', arguments: { n: 5 } },
        { meta: meta(ACTOR), deadlineMs: 3_000 },
      );
      for (const call of hung) await expect(call).rejects.toMatchObject({ code: 'deadline_exceeded' });
      expect((await queued).structuredContent).toMatchObject({ args: { n: 5 } });
    });

    it('is killed with memory_limit when its heap blows up', async () => {
      const harness = await startProbe();
      await expect(probe(harness, { op: 'heap' }, { deadlineMs: 30_000 })).rejects.toMatchObject({
        code: 'extension_unavailable',
      });
      expect(await harness.exit).toMatchObject({ reason: 'memory_limit' });
    });

    it('is killed with memory_limit when its resident memory outgrows the limit outside the heap', async () => {
      const harness = await startProbe();
      await expect(probe(harness, { op: 'buffers' }, { deadlineMs: 30_000 })).rejects.toMatchObject({
        code: 'extension_unavailable',
      });
      expect(await harness.exit).toMatchObject({ reason: 'memory_limit', signal: 'SIGKILL' });
    });

    it('is killed with heartbeat_timeout when it blocks its event loop', async () => {
      const harness = await startProbe();
      await expect(probe(harness, { op: 'busy' }, { deadlineMs: 30_000 })).rejects.toMatchObject({
        code: 'extension_unavailable',
      });
      expect(await harness.exit).toMatchObject({ reason: 'heartbeat_timeout' });
    });

    it('reports a crash as crashed and refuses later calls', async () => {
      const harness = await startProbe();
      await probe(harness, { op: 'crash' });
      const exit = await harness.exit;
      expect(exit.reason).toBe('crashed');
      expect(exit.detail).toContain('probe crashed on purpose');
      await expect(probe(harness, { op: 'env' })).rejects.toMatchObject({ code: 'extension_unavailable' });
    });

    it('reports stop as stopped', async () => {
      const harness = await startProbe();
      await harness.process.stop();
      expect(await harness.exit).toMatchObject({ reason: 'stopped' });
    });

    it('fails to start with the reason when the entry cannot load', async () => {
      await expect(
        ExtensionProcess.start({
          extensionId: '@cinatra-test/broken',
          version: '1.0.0',
          packageDir: join(FIXTURES, 'broken'),
          dataDir: null,
          entry: 'index.js',
          resources: DEFAULT_RESOURCES,
          networkHosts: [],
          settings: {},
          permissions: [],
          hostApi: () => Promise.reject(new Error('unused')),
          logger: pino({ level: 'silent' }),
        }),
      ).rejects.toMatchObject({
        code: 'extension_unavailable',
        message: expect.stringContaining('ERR_ACCESS_DENIED'),
      });
    });
  });
});

describe('EgressProxy', () => {
  /** A plain-http request in absolute-URI form through the proxy socket, as `HTTP_PROXY` clients send it. */
  function viaProxy(socketPath: string, url: string): Promise<{ status: number; body: string }> {
    return new Promise((done, fail) => {
      const outgoing = request(
        { socketPath, path: url, headers: { host: new URL(url).host } },
        (response) => {
          let body = '';
          response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
          response.on('end', () => done({ status: response.statusCode!, body }));
        },
      );
      outgoing.on('error', fail).end();
    });
  }

  it('forwards absolute-URI http requests to granted host:port only, reporting the others', async () => {
    const denied: EgressTarget[] = [];
    const socketPath = join(root, 'proxy.sock');
    const proxy = await EgressProxy.listen({
      socketPath,
      allowedHosts: [`127.0.0.1:${portOf(granted)}`, 'example.test'],
      onDenied: (target) => denied.push(target),
    });
    try {
      expect(await viaProxy(socketPath, `http://127.0.0.1:${portOf(granted)}/x`)).toEqual({
        status: 200,
        body: 'granted host says hi',
      });
      const refused = await viaProxy(socketPath, `http://127.0.0.1:${portOf(undeclared)}/x`);
      expect(refused.status).toBe(403);
      expect(refused.body).toContain(
        `127.0.0.1:${portOf(undeclared)} is not among this extension's granted network hosts`,
      );
      expect(denied).toEqual([{ host: '127.0.0.1', port: portOf(undeclared) }]);
      // A bare host grants its default ports only.
      expect(proxy.allows({ host: 'example.test', port: 443 })).toBe(true);
      expect(proxy.allows({ host: 'EXAMPLE.test', port: 80 })).toBe(true);
      expect(proxy.allows({ host: 'example.test', port: 8443 })).toBe(false);
    } finally {
      await proxy.close();
    }
  });

  it('refuses a granted name that resolves to an internal address, and connects to the address it checked', async () => {
    const denied: Array<{ target: EgressTarget; reason: string }> = [];
    const lookups: string[] = [];
    const port = portOf(granted);
    const socketPath = join(root, 'proxy-dns.sock');
    const proxy = await EgressProxy.listen({
      socketPath,
      allowedHosts: [`rebound.example:${port}`, `localhost:${port}`, `mixed.example:${port}`],
      onDenied: (target, reason) => denied.push({ target, reason }),
      // A resolver under the test's control: the name an attacker points at 127.0.0.1.
      lookup: async (hostname) => {
        lookups.push(hostname);
        if (hostname === 'rebound.example') return [{ address: '127.0.0.1', family: 4 }];
        if (hostname === 'mixed.example')
          return [
            { address: '10.1.2.3', family: 4 },
            { address: '::1', family: 6 },
          ];
        if (hostname === 'localhost') return [{ address: '127.0.0.1', family: 4 }];
        throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
      },
    });
    try {
      const rebound = await viaProxy(socketPath, `http://rebound.example:${port}/x`);
      expect(rebound.status).toBe(403);
      expect(rebound.body).toContain(`rebound.example:${port} resolves to 127.0.0.1`);
      const mixed = await viaProxy(socketPath, `http://mixed.example:${port}/x`);
      expect(mixed.status).toBe(403);
      expect(denied.map(({ target }) => target)).toEqual([
        { host: 'rebound.example', port },
        { host: 'mixed.example', port },
      ]);

      // A grant naming localhost reaches loopback, through the address resolved once (the
      // upstream connection is made to 127.0.0.1, not by name: no second resolution).
      lookups.length = 0;
      expect(await viaProxy(socketPath, `http://localhost:${port}/x`)).toEqual({
        status: 200,
        body: 'granted host says hi',
      });
      expect(lookups).toEqual(['localhost']);
    } finally {
      await proxy.close();
    }
  });

  it('knows which addresses are internal', () => {
    for (const address of [
      '127.0.0.1',
      '127.8.9.10',
      '10.0.0.1',
      '172.16.0.1',
      '172.31.255.255',
      '192.168.1.1',
      '169.254.169.254',
      '0.0.0.0',
      '::1',
      '::',
      'fc00::1',
      'fd12:3456::1',
      'fe80::1',
      '::ffff:127.0.0.1',
      '::ffff:10.0.0.1',
      '::ffff:7f00:1',
      '::ffff:a9fe:a9fe',
    ])
      expect(isInternalAddress(address), address).toBe(true);
    for (const address of [
      '140.82.112.6',
      '172.32.0.1',
      '8.8.8.8',
      '2606:4700::1111',
      '::ffff:8.8.8.8',
      '::ffff:808:808',
    ])
      expect(isInternalAddress(address), address).toBe(false);
  });
});
