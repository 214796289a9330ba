import net from 'node:net';
import tls from 'node:tls';
import { createRequire } from 'node:module';
import type * as Undici from 'undici';
import type { Agent, buildConnector } from 'undici';

/** The global-dispatcher slot shared by every undici copy in the process, Node's `fetch` included. */
const GLOBAL_DISPATCHER = Symbol.for('undici.globalDispatcher.1');

/** Largest proxy response head the tunnel accepts before giving up. */
const MAX_HEAD_BYTES = 16 * 1024;

/**
 * Routes every `fetch` of the extension process through the host's egress proxy. The process
 * lives in its own network namespace with no interfaces up, so the only way out is the Unix
 * socket `socketPath`, where the host allows only the granted hosts. Each connection is an HTTP
 * CONNECT tunnel (TLS is negotiated end to end through it for https), so the proxy sees only the
 * target host and port, never the content.
 *
 * Installs the dispatcher as undici's global one, which Node's built-in `fetch` shares (and any
 * copy of undici an extension bundles). `node:http`
 * and raw sockets have no route out and fail with ENETUNREACH; extensions use `fetch`.
 */
export function installEgressDispatcher(socketPath: string, caCertificates: readonly string[] = []): void {
  // undici takes ~70 ms to load, more than the rest of the start; it is loaded on first use
  // (the first `fetch` reads the slot). An extension that replaces the dispatcher only loses its
  // way out: the network namespace has no other route.
  let dispatcher: unknown;
  Object.defineProperty(globalThis, GLOBAL_DISPATCHER, {
    configurable: true,
    enumerable: false,
    get: () => (dispatcher ??= createAgent(socketPath, caCertificates)),
    set: (value: unknown) => {
      dispatcher = value;
    },
  });
}

function createAgent(socketPath: string, caCertificates: readonly string[]): Agent {
  // The Agent module alone: undici's index would run its global-dispatcher setup, which reads
  // this very slot while we are still filling it.
  const UndiciAgent = createRequire(import.meta.url)('undici/lib/dispatcher/agent.js') as typeof Undici.Agent;
  // Private CAs are trusted in addition to Node's bundled roots, not instead of them.
  const ca = caCertificates.length > 0 ? [...tls.rootCertificates, ...caCertificates] : undefined;
  return new UndiciAgent({ connect: tunnelConnector(socketPath, ca), keepAliveTimeout: 10_000 });
}

export class EgressDeniedError extends Error {
  override readonly name = 'EgressDeniedError';
  readonly code = 'EGRESS_DENIED';
}

function tunnelConnector(socketPath: string, ca: string[] | undefined): buildConnector.connector {
  return (options, callback) => {
    const https = options.protocol === 'https:';
    const port = Number(options.port) || (https ? 443 : 80);
    const host =
      options.hostname.includes(':') && !options.hostname.startsWith('[')
        ? `[${options.hostname}]`
        : options.hostname;
    const authority = `${host}:${port}`;
    const raw = net.connect(socketPath);
    let head = Buffer.alloc(0);
    let settled = false;
    const done = (error: Error | null, socket?: net.Socket | tls.TLSSocket) => {
      if (settled) return;
      settled = true;
      raw.off('data', onData);
      if (error) {
        raw.destroy();
        callback(error, null);
      } else {
        callback(null, socket!);
      }
    };
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) {
        if (head.length > MAX_HEAD_BYTES) done(new Error('egress proxy sent an oversized response'));
        return;
      }
      const statusLine = head.subarray(0, head.indexOf('\r\n')).toString('latin1');
      const status = Number(statusLine.split(' ')[1]);
      if (status !== 200) {
        const body = head
          .subarray(end + 4)
          .toString('utf8')
          .trim();
        done(new EgressDeniedError(`egress to ${authority} refused by the platform: ${body || statusLine}`));
        return;
      }
      const rest = head.subarray(end + 4);
      raw.off('data', onData);
      raw.pause();
      if (rest.length > 0) raw.unshift(rest);
      if (!https) {
        done(null, raw);
        return;
      }
      const secure = tls.connect({
        socket: raw,
        // The name the certificate is checked against (an IP literal too: without it Node checks
        // against "localhost").
        host: options.hostname.replace(/^\[|\]$/g, ''),
        servername: options.servername || (net.isIP(options.hostname) ? undefined : options.hostname),
        ALPNProtocols: ['http/1.1'],
        ...(ca ? { ca } : {}),
      });
      secure.once('secureConnect', () => done(null, secure));
      secure.once('error', (error) => done(error));
    };
    raw.on('data', onData);
    raw.once('error', (error) => done(error));
    raw.once('close', () => done(new Error(`egress proxy closed the connection to ${authority}`)));
    raw.once('connect', () => raw.write(`CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n\r\n`));
  };
}
