import { createServer } from 'node:net';

export interface PortProblem {
  problem: string;
  fix: string;
}

/** Whether the server could listen on `host:port` right now; null when it could. */
export async function checkPortFree(host: string, port: number): Promise<PortProblem | null> {
  const server = createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host, port, exclusive: true }, resolve);
    });
    return null;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') {
      return {
        problem: `port ${port} on ${host} is already in use`,
        fix: 'stop the process listening there (perhaps a running `cinatra start`) or set CINATRA_PORT to a free port',
      };
    }
    if (code === 'EACCES') {
      return {
        problem: `not allowed to listen on port ${port} on ${host}`,
        fix: 'set CINATRA_PORT to a port above 1023, or put a reverse proxy in front',
      };
    }
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
      return {
        problem: `${host} is not an address of this machine`,
        fix: 'set CINATRA_HOST to a local interface such as 127.0.0.1 or 0.0.0.0',
      };
    }
    return {
      problem: `cannot listen on ${host}:${port} (${code ?? (error as Error).message})`,
      fix: 'check CINATRA_HOST and CINATRA_PORT',
    };
  } finally {
    await new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve()));
  }
}
