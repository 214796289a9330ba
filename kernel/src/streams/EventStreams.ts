import { inject, injectable, type InjectionToken } from 'tsyringe';
import { CONFIG, type CinatraConfig } from '../config/CinatraConfig.js';
import { driverFor } from '../config/loadConfig.js';
import { DATABASE, type Database } from '../database/Database.js';
import { PG_LISTENER, type PgListener } from '../database/PgListener.js';
import { LIFECYCLE, type Lifecycle } from '../lifecycle/Lifecycle.js';
import { LOGGER, type Logger } from '../logging/Logger.js';
import { REDIS_CONNECTIONS, type RedisConnections } from '../redis/RedisConnections.js';
import { PostgresEventStreams } from './PostgresEventStreams.js';
import { RedisEventStreams } from './RedisEventStreams.js';

/** One event of a stream, as `read` and `subscribe` return it. */
export interface StreamEvent {
  /** Opaque, strictly increasing within the key; send it back as `after` to resume. */
  id: string;
  /** What was appended (any JSON value), after a JSON round trip. */
  data: unknown;
  /** True for the stream's last event (appended with `{ terminal: true }`). */
  terminal: boolean;
}

export interface AppendOptions {
  /**
   * Marks the stream's last event: subscribers end after delivering it, later appends are
   * refused with `conflict`, and the whole stream expires `streams.terminalTtlSeconds` later.
   */
  terminal?: boolean;
}

export interface ReadOptions {
  /** Only events after this id (exclusive); from the oldest kept event when omitted. */
  after?: string;
  /** At most this many events (default 1000, at most 10,000). */
  limit?: number;
}

export interface SubscribeOptions {
  /** Resume after this id (exclusive); from the oldest kept event when omitted. */
  after?: string;
  /** Aborting ends the iteration and releases its connection, even while it waits. */
  signal?: AbortSignal;
}

/**
 * Append-only event streams keyed by a name (a run's progress, a log, a chat): producers
 * append, any number of consumers read pages or subscribe. Keys are 1–200 characters of
 * `[A-Za-z0-9:._-]`. Each key keeps its newest `streams.maxLength` events.
 */
export interface EventStreams {
  /** Appends `data` (JSON-serialisable) to `key`; returns its id. */
  append(key: string, data: unknown, options?: AppendOptions): Promise<string>;
  /** A page of events in id order. */
  read(key: string, options?: ReadOptions): Promise<StreamEvent[]>;
  /**
   * Every event after `after`, in order, each exactly once: the kept backlog first, then
   * live events as they are appended. Ends after the terminal event (at once when it was
   * already delivered before `after`), or when `signal` aborts or the loop breaks.
   */
  subscribe(key: string, options?: SubscribeOptions): AsyncIterable<StreamEvent>;
  /** `text` as an id of this driver (e.g. from `Last-Event-ID`), or null when it cannot be one. */
  parseId(text: string): string | null;
  /** Subscriptions currently open in this process (each holds a wake-up or a connection). */
  readonly activeSubscriptions: number;
}

/**
 * The instance's event streams on the configured driver (`driverFor(config, 'streams')`):
 * Redis Streams when Redis is configured, else Postgres. Both pass the same contract tests.
 */
@injectable()
export class ConfiguredEventStreams implements EventStreams {
  private readonly driver: EventStreams;

  constructor(
    @inject(CONFIG) config: CinatraConfig,
    @inject(DATABASE) db: Database,
    @inject(PG_LISTENER) listener: PgListener,
    @inject(REDIS_CONNECTIONS) redis: RedisConnections,
    @inject(LIFECYCLE) lifecycle: Lifecycle,
    @inject(LOGGER) logger: Logger,
  ) {
    this.driver =
      driverFor(config, 'streams') === 'redis'
        ? new RedisEventStreams(config, redis)
        : new PostgresEventStreams(config, db, listener, lifecycle, logger);
  }

  /** Which driver serves the streams (`postgres` or `redis`). */
  get driverName(): 'postgres' | 'redis' {
    return this.driver instanceof RedisEventStreams ? 'redis' : 'postgres';
  }

  append(key: string, data: unknown, options?: AppendOptions): Promise<string> {
    return this.driver.append(key, data, options);
  }

  read(key: string, options?: ReadOptions): Promise<StreamEvent[]> {
    return this.driver.read(key, options);
  }

  subscribe(key: string, options?: SubscribeOptions): AsyncIterable<StreamEvent> {
    return this.driver.subscribe(key, options);
  }

  parseId(text: string): string | null {
    return this.driver.parseId(text);
  }

  get activeSubscriptions(): number {
    return this.driver.activeSubscriptions;
  }
}

export const EVENT_STREAMS: InjectionToken<ConfiguredEventStreams> = ConfiguredEventStreams;
