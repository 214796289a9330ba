import { lookup } from 'node:dns/promises';
import { chmod, rm } from 'node:fs/promises';
import net from 'node:net';

/** Largest request head the proxy reads before refusing the connection. */
const MAX_HEAD_BYTES = 16 * 1024;
const DEFAULT_PORTS = [80, 443];

export interface EgressTarget {
  host: string;
  port: number;
}

/** A resolved address, as `dns.lookup(host, { all: true })` gives them. */
export interface ResolvedAddress {
  address: string;
  family: number;
}

/** Resolves a host name to its addresses (default: the system resolver, `dns.lookup` with `all`). */
export type HostLookup = (hostname: string) => Promise<ResolvedAddress[]>;

export interface EgressProxyOptions {
  /** Unix socket to listen on; the extension process connects to it (it has no other way out). */
  socketPath: string;
  /** Granted hosts: `host` (ports 80 and 443) or `host:port`; IPv6 literals in brackets. */
  allowedHosts: readonly string[];
  /** Called for every refused target, so the platform can audit it. */
  onDenied?: (target: EgressTarget, reason: string) => void;
  /** Name resolution; replaceable so tests can map a name to an internal address. */
  lookup?: HostLookup;
}

const systemLookup: HostLookup = (hostname) => lookup(hostname, { all: true, verbatim: true });

/**
 * Addresses a granted host *name* may not lead to: loopback, private (RFC 1918, unique local),
 * link-local (cloud metadata services live at 169.254.169.254), carrier-grade NAT, "this network"
 * (0.0.0.0 reaches the local machine) and unspecified. Only a grant that names such an address
 * literally, or `localhost`, reaches it.
 */
const INTERNAL = new net.BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
] as const)
  INTERNAL.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
] as const)
  INTERNAL.addSubnet(network, prefix, 'ipv6');

/** Whether `address` (an IP literal) is loopback, private, link-local or otherwise internal. */
export function isInternalAddress(address: string): boolean {
  const family = net.isIP(address);
  if (family === 4) return INTERNAL.check(address, 'ipv4');
  if (family !== 6) return false;
  // IPv4-mapped (::ffff:127.0.0.1, ::ffff:7f00:1) and IPv4-compatible forms reach the IPv4 address.
  const dotted = /^(?:::ffff:(?:0:)?|::)(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (dotted) return INTERNAL.check(dotted[1]!, 'ipv4');
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
  if (hex) {
    const [high, low] = [parseInt(hex[1]!, 16), parseInt(hex[2]!, 16)];
    return INTERNAL.check(`${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`, 'ipv4');
  }
  return INTERNAL.check(address, 'ipv6');
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
 *
 * A granted host *name* cannot be turned against the platform's own network by DNS: the proxy
 * resolves it once, refuses (403, reported like any refusal) when every address it resolves to is
 * internal (`isInternalAddress`: loopback, private, link-local…), and connects to the address it
 * checked, never resolving again (no window for DNS rebinding). Internal addresses stay reachable
 * through a grant that names them: an IP literal (`127.0.0.1:8080`) or `localhost`.
 */
export class EgressProxy {
  private readonly sockets = new Set<net.Socket>();
  private readonly lookup: HostLookup;

  private constructor(
    private readonly server: net.Server,
    private readonly options: EgressProxyOptions,
    private readonly allowed: Map<string, Set<number>>,
  ) {
    this.lookup = options.lookup ?? systemLookup;
  }

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
      void this.resolve(client, parsed).then((address) => {
        if (address)
          this.tunnel(
            client,
            parsed,
            address,
            Buffer.from(`${version} 200 Connection Established\r\n\r\n`),
            rest,
          );
      });
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
    void this.resolve(client, parsed).then((address) => {
      if (address) this.tunnel(client, parsed, address, forwarded, rest, true);
    });
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
   * The address to connect to for a granted target, or null when the request was answered
   * (refused: a name resolving to internal addresses only; 502: it does not resolve). An IP
   * literal is its own address; `localhost` may resolve to loopback because the grant names it.
   */
  private async resolve(client: net.Socket, target: EgressTarget): Promise<string | null> {
    const host = normalizeHost(target.host);
    if (net.isIP(host)) return host;
    let addresses: ResolvedAddress[];
    try {
      addresses = await this.lookup(host);
    } catch (error) {
      if (!client.destroyed)
        reply(
          client,
          502,
          `cannot resolve ${host}: ${error instanceof Error ? error.message : String(error)}`,
        );
      return null;
    }
    if (client.destroyed) return null;
    const usable = host === 'localhost' ? addresses : addresses.filter((a) => !isInternalAddress(a.address));
    if (usable.length > 0) return usable[0]!.address;
    if (addresses.length === 0) {
      reply(client, 502, `cannot resolve ${host}: no address`);
      return null;
    }
    const reason = `${formatTarget(target)} resolves to ${addresses
      .map((a) => a.address)
      .join(
        ', ',
      )}, internal to the platform's network; a granted host name may only reach public addresses (an internal one needs a grant naming that address, or localhost)`;
    this.options.onDenied?.(target, reason);
    reply(client, 403, reason);
    return null;
  }

  /**
   * Connects to the target's checked `address` and splices the two sockets. `greeting` goes to the client (CONNECT)
   * or, when `toUpstream`, to the upstream (a rewritten plain-http request head).
   */
  private tunnel(
    client: net.Socket,
    target: EgressTarget,
    address: string,
    greeting: Buffer,
    rest: Buffer,
    toUpstream = false,
  ): void {
    // The address checked by `resolve`: connecting by name would resolve it a second time.
    const upstream = net.connect({ host: address, port: target.port });
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
