import { connect as connectTcp, isIP, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';

/**
 * Checks that a Redis server answers at `url` by speaking just enough RESP to
 * authenticate (when the URL carries credentials) and `PING` it; no client library.
 * Resolves on `+PONG`; rejects with an error whose message says what went wrong.
 */
export async function pingRedis(url: string, timeoutMs = 3000): Promise<void> {
  const parsed = new URL(url);
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = Number(parsed.port || 6379);
  const user = decodeURIComponent(parsed.username);
  const password = decodeURIComponent(parsed.password);

  const requests: Array<{ bytes: string; expect: string }> = [];
  if (password) {
    requests.push({
      bytes: encodeCommand(user ? ['AUTH', user, password] : ['AUTH', password]),
      expect: '+OK',
    });
  }
  requests.push({ bytes: 'PING\r\n', expect: '+PONG' });

  const socket: Socket =
    parsed.protocol === 'rediss:'
      ? connectTls({ host, port, servername: isIP(host) ? undefined : host })
      : connectTcp({ host, port });
  try {
    await new Promise<void>((resolve, reject) => {
      let buffered = '';
      let answered = 0;
      socket.setTimeout(timeoutMs, () => reject(new Error(`no answer within ${timeoutMs / 1000} s`)));
      socket.once('error', (error: NodeJS.ErrnoException) => reject(new Error(error.code ?? error.message)));
      socket.once('close', () => reject(new Error('the server closed the connection')));
      socket.once(parsed.protocol === 'rediss:' ? 'secureConnect' : 'connect', () =>
        socket.write(requests.map((r) => r.bytes).join('')),
      );
      socket.on('data', (chunk: Buffer) => {
        buffered += chunk.toString('utf8');
        let end: number;
        while ((end = buffered.indexOf('\r\n')) >= 0) {
          const reply = buffered.slice(0, end);
          buffered = buffered.slice(end + 2);
          const expected = requests[answered]!.expect;
          if (reply !== expected) {
            reject(new Error(`Redis answered "${reply}" where "${expected}" was expected`));
            return;
          }
          answered += 1;
          if (answered === requests.length) {
            resolve();
            return;
          }
        }
      });
    });
  } finally {
    socket.destroy();
  }
}

/** A RESP array of bulk strings, safe for passwords with spaces or quotes. */
function encodeCommand(parts: string[]): string {
  return `*${parts.length}\r\n${parts.map((p) => `$${Buffer.byteLength(p)}\r\n${p}\r\n`).join('')}`;
}
