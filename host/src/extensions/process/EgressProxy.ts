import { chmod, rm } from 'node:fs/promises';
import net from 'node:net';

/** Largest request head the proxy reads before refusing the connection. */
const MAX_HEAD_BYTES = 16 * 1024;
const DEFAULT_PORTS = [80, 443];

export interface EgressTarget {
  host: string;
  port: number;
}

export interface EgressProxyOptions {
  /** Unix socket to listen on; the extension process connects to it (it has no other way out). */
  socketPath: string;
  /** Granted hosts: `host` (ports 80 and 443) or `host:port`; IPv6 literals in brackets. */
  allowedHosts: readonly string[];
  /** Called for every refused target, so the platform can audit it. */
  onDenied?: (target: EgressTarget, reason: string) => void;
}

/**
 * The only network exit of an extension process: a forward proxy on a Unix socket that lets
 * through HTTP CONNECT tunnels (https and anything else over TLS) and absolute-URI plain http
 * requests to the hosts the extension was granted, and answers everything else with 403 and the
 * reason. The extension's network namespace has no interfaces up, so bypassing the proxy is not
 * possible; the proxy only sees target host and port, never tunnelled content.
 *
 * A plain-http request is forwarded with `Connection: close`: one request per connection, so a
 * connection bound to an allowed upstream never carries a request meant for another host.
 */
export class EgressProxy {
  private readonly sockets = new Set<net.Socket>();

  private constructor(
    private readonly server: net.Server,
    private readonly options: EgressProxyOptions,
    private readonly allowed: Map<string, Set<number>>,
  ) {}

  static async listen(options: EgressProxyOptions): Promise<EgressProxy> {
    const allowed = parseAllowedHosts(options.allowedHosts);
    await rm(options.socketPath, { force: true });
    const server = net.createServer();
    const proxy = new EgressProxy(server, options, allowed);
    server.on('connection', (socket) => proxy.accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.socketPath, () => {
        server.off('error', reject);
        resolve();
      });
    });
    await chmod(options.socketPath, 0o600);
    return proxy;
  }

  /** Whether `host:port` is among the granted targets. */
  allows({ host, port }: EgressTarget): boolean {
    return this.allowed.get(normalizeHost(host))?.has(port) ?? false;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await rm(this.options.socketPath, { force: true });
  }

  private accept(client: net.Socket): void {
    this.track(client);
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) {
        if (head.length > MAX_HEAD_BYTES) reply(client, 431, 'request head too large');
        return;
      }
      client.off('data', onData);
      client.pause();
      this.route(client, head.subarray(0, end + 4), head.subarray(end + 4));
    };
    client.on('data', onData);
    client.on('error', () => client.destroy());
  }

  private route(client: net.Socket, head: Buffer, rest: Buffer): void {
    const text = head.toString('latin1');
    const lineEnd = text.indexOf('\r\n');
    const [method, target, version] = text.slice(0, lineEnd).split(' ');
    if (!method || !target || !version?.startsWith('HTTP/1.')) {
      reply(client, 400, 'the egress proxy speaks HTTP/1.1 CONNECT and absolute-URI http requests only');
      return;
    }
    if (method === 'CONNECT') {
      const parsed = parseAuthority(target);
      if (!parsed) {
        reply(client, 400, `invalid CONNECT target "${target}"`);
        return;
      }
      if (!this.permit(client, parsed)) return;
      this.tunnel(client, parsed, Buffer.from(`${version} 200 Connection Established\r\n\r\n`), rest);
      return;
    }
    let url: URL;
    try {
      url = new URL(target);
    } catch {
      reply(
        client,
        400,
        'plain http requests through the egress proxy need an absolute URI; use CONNECT for https',
      );
      return;
    }
    if (url.protocol !== 'http:') {
      reply(client, 400, `absolute-URI requests must be http:, use CONNECT for ${url.protocol}`);
      return;
    }
    const parsed = { host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port) || 80 };
    if (!this.permit(client, parsed)) return;
    const headers = text
      .slice(lineEnd + 2)
      .split('\r\n')
      .filter((line) => line && !/^(proxy-[a-z-]*|connection|keep-alive):/i.test(line));
    // One request per connection: the upstream closes after answering, so a client cannot send a
    // second request for another host down a connection already bound to this one.
    const forwarded = Buffer.from(
      `${method} ${url.pathname}${url.search} ${version}\r\n${headers.join('\r\n')}\r\nConnection: close\r\n\r\n`,
      'latin1',
    );
    this.tunnel(client, parsed, forwarded, rest, true);
  }

  private permit(client: net.Socket, target: EgressTarget): boolean {
    if (this.allows(target)) return true;
    const granted = [...this.allowed].flatMap(([host, ports]) => [...ports].map((port) => `${host}:${port}`));
    const reason = `${formatTarget(target)} is not among this extension's granted network hosts (${
      granted.length ? granted.join(', ') : 'none'
    }); the manifest must declare network:${target.host} and an admin must grant it`;
    this.options.onDenied?.(target, reason);
    reply(client, 403, reason);
    return false;
  }

  /**
   * Connects to the target and splices the two sockets. `greeting` goes to the client (CONNECT)
   * or, when `toUpstream`, to the upstream (a rewritten plain-http request head).
   */
  private tunnel(
    client: net.Socket,
    target: EgressTarget,
    greeting: Buffer,
    rest: Buffer,
    toUpstream = false,
  ): void {
    const upstream = net.connect({ host: target.host, port: target.port });
    this.track(upstream);
    upstream.once('error', (error) => {
      if (!client.destroyed && upstream.bytesRead === 0)
        reply(client, 502, `cannot reach ${formatTarget(target)}: ${error.message}`);
      else client.destroy();
    });
    upstream.once('connect', () => {
      if (toUpstream) upstream.write(greeting);
      else client.write(greeting);
      if (rest.length > 0) upstream.write(rest);
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
      client.once('close', () => upstream.destroy());
      upstream.once('close', () => client.destroy());
    });
  }

  private track(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
  }
}

function reply(socket: net.Socket, status: number, reason: string): void {
  const titles: Record<number, string> = {
    400: 'Bad Request',
    403: 'Forbidden',
    431: 'Request Header Fields Too Large',
    502: 'Bad Gateway',
  };
  const body = Buffer.from(`${reason}\n`);
  socket.end(
    Buffer.concat([
      Buffer.from(
        `HTTP/1.1 ${status} ${titles[status] ?? 'Error'}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`,
      ),
      body,
    ]),
  );
}

function parseAuthority(authority: string): EgressTarget | null {
  const match = /^(\[[0-9a-fA-F:.]+\]|[^:[\]/\s]+):(\d{1,5})$/.exec(authority);
  if (!match) return null;
  const port = Number(match[2]);
  if (port < 1 || port > 65_535) return null;
  return { host: match[1]!.replace(/^\[|\]$/g, ''), port };
}

/** `api.github.com` → ports 80 and 443; `127.0.0.1:8080` → that port; `[::1]:8080` likewise. */
export function parseAllowedHosts(hosts: readonly string[]): Map<string, Set<number>> {
  const allowed = new Map<string, Set<number>>();
  for (const entry of hosts) {
    const withPort = parseAuthority(entry);
    const host = normalizeHost(withPort ? withPort.host : entry.replace(/^\[|\]$/g, ''));
    const ports = withPort ? [withPort.port] : DEFAULT_PORTS;
    const set = allowed.get(host) ?? new Set<number>();
    for (const port of ports) set.add(port);
    allowed.set(host, set);
  }
  return allowed;
}

function normalizeHost(host: string): string {
  return host.toLowerCase().replace(/\.$/, '');
}

function formatTarget({ host, port }: EgressTarget): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
