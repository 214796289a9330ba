import { Redis, type RedisOptions } from 'ioredis';
import { inject, injectable, type InjectionToken } from 'tsyringe';
import { CONFIG, type CinatraConfig } from '../config/CinatraConfig.js';
import { LIFECYCLE, type Lifecycle } from '../lifecycle/Lifecycle.js';
import { LOGGER, type Logger } from '../logging/Logger.js';

/**
 * The instance's Redis clients (`REDIS_URL`), all closed with the kernel. Each purpose
 * gets its own connection: blocking reads (XREAD BLOCK, BullMQ workers) hold theirs for
 * as long as they wait. Connections use `maxRetriesPerRequest: null`, as BullMQ requires,
 * so commands wait through a reconnect instead of failing.
 */
@injectable()
export class RedisConnections {
  private readonly clients = new Set<Redis>();
  private removeCloser: (() => void) | null = null;

  constructor(
    @inject(CONFIG) private readonly config: CinatraConfig,
    @inject(LIFECYCLE) private readonly lifecycle: Lifecycle,
    @inject(LOGGER) private readonly logger: Logger,
  ) {}

  get url(): string {
    if (!this.config.redisUrl) throw new Error('Redis is not configured: set REDIS_URL.');
    return this.config.redisUrl;
  }

  /** A new client for `purpose` (shown in `CLIENT LIST` as `cinatra:<purpose>`). */
  open(purpose: string, options: RedisOptions = {}): Redis {
    const client = new Redis(this.url, {
      maxRetriesPerRequest: null,
      connectionName: `cinatra:${purpose}`,
      ...options,
    });
    client.on('error', (error) => this.logger.warn({ err: error, purpose }, 'Redis connection error'));
    client.once('end', () => this.clients.delete(client));
    this.clients.add(client);
    this.removeCloser ??= this.lifecycle.onClose('Redis connections', () => this.close());
    return client;
  }

  /** Closes a client opened here (QUIT, then disconnect if it does not answer). */
  async release(client: Redis): Promise<void> {
    this.clients.delete(client);
    await quit(client);
  }

  async close(): Promise<void> {
    const clients = [...this.clients];
    this.clients.clear();
    await Promise.all(clients.map(quit));
  }
}

async function quit(client: Redis): Promise<void> {
  if (client.status === 'end') return;
  try {
    await client.quit();
  } catch {
    client.disconnect();
  }
}

export const REDIS_CONNECTIONS: InjectionToken<RedisConnections> = RedisConnections;
