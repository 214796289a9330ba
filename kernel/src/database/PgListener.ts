import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { inject, injectable, type InjectionToken } from 'tsyringe';
import { LIFECYCLE, type Lifecycle } from '../lifecycle/Lifecycle.js';
import { LOGGER, type Logger } from '../logging/Logger.js';
import { DATABASE, type Database } from './Database.js';

export type NotificationHandler = (payload: string) => void;

const RECONNECT_DELAY_MS = 250;

/**
 * Postgres LISTEN/NOTIFY for the whole process over one dedicated connection (LISTEN
 * does not work through a pool). Any number of subscribers share a channel. When the
 * connection drops it reconnects and listens again, then calls every subscriber's
 * `onReconnect`, because notifications sent while it was away are lost: subscribers must
 * re-read what they track (NOTIFY is only a wake-up, never the data of record).
 *
 * Channel names are Postgres identifiers chosen by the kernel (`[a-z0-9_]`, at most 63
 * characters); payloads are at most 8000 bytes.
 */
@injectable()
export class PgListener {
  private client: pg.Client | null = null;
  private connecting: Promise<pg.Client> | null = null;
  private readonly channels = new Map<string, Set<Subscriber>>();
  private closed = false;
  private removeCloser: (() => void) | null = null;

  constructor(
    @inject(DATABASE) private readonly db: Database,
    @inject(LIFECYCLE) private readonly lifecycle: Lifecycle,
    @inject(LOGGER) private readonly logger: Logger,
  ) {}

  /**
   * Calls `handler` with the payload of every NOTIFY on `channel` from now on. Resolves
   * once the LISTEN is in effect. Returns the function that stops listening.
   */
  async listen(
    channel: string,
    handler: NotificationHandler,
    onReconnect: () => void = () => {},
  ): Promise<() => Promise<void>> {
    assertChannel(channel);
    const subscriber: Subscriber = { handler, onReconnect };
    let set = this.channels.get(channel);
    const first = !set;
    if (!set) this.channels.set(channel, (set = new Set()));
    set.add(subscriber);
    if (first) {
      const client = await this.connection();
      if (this.channels.get(channel) === set) await client.query(`LISTEN ${channel}`);
    } else {
      await this.connection();
    }
    return async () => {
      set.delete(subscriber);
      if (set.size > 0 || this.channels.get(channel) !== set) return;
      this.channels.delete(channel);
      await this.client?.query(`UNLISTEN ${channel}`).catch(() => {});
    };
  }

  /** Sends a notification through the pool (inside `trx` when given, so it fires on commit). */
  async notify(channel: string, payload: string, trx?: { raw: Database['knex']['raw'] }): Promise<void> {
    assertChannel(channel);
    await (trx ?? this.db.knex).raw('SELECT pg_notify(?, ?)', [channel, payload]);
  }

  private connection(): Promise<pg.Client> {
    if (this.client) return Promise.resolve(this.client);
    this.connecting ??= this.connect().finally(() => (this.connecting = null));
    return this.connecting;
  }

  private async connect(): Promise<pg.Client> {
    if (this.closed) throw new Error('The Postgres listener is closed.');
    const client = new pg.Client({ connectionString: this.db.url, application_name: 'cinatra-listener' });
    client.on('notification', (message) => {
      for (const subscriber of this.channels.get(message.channel) ?? []) {
        try {
          subscriber.handler(message.payload ?? '');
        } catch (error) {
          this.logger.error({ err: error, channel: message.channel }, 'notification handler failed');
        }
      }
    });
    client.on('error', (error) => {
      this.logger.warn({ err: error }, 'Postgres listener connection failed; reconnecting');
      if (this.client === client) this.client = null;
      void client.end().catch(() => {});
      void this.reconnect();
    });
    await client.connect();
    for (const channel of this.channels.keys()) await client.query(`LISTEN ${channel}`);
    this.client = client;
    this.removeCloser ??= this.lifecycle.onClose('Postgres listener', () => this.close());
    return client;
  }

  private async reconnect(): Promise<void> {
    while (!this.closed && this.channels.size > 0 && !this.client) {
      try {
        await this.connection();
        for (const set of this.channels.values()) for (const s of set) s.onReconnect();
        return;
      } catch (error) {
        this.logger.warn({ err: error }, 'Postgres listener could not reconnect; retrying');
        await sleep(RECONNECT_DELAY_MS);
      }
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.channels.clear();
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => {});
  }
}

interface Subscriber {
  handler: NotificationHandler;
  onReconnect: () => void;
}

function assertChannel(channel: string): void {
  if (!/^[a-z0-9_]{1,63}$/.test(channel)) throw new Error(`Invalid notification channel "${channel}"`);
}

export const PG_LISTENER: InjectionToken<PgListener> = PgListener;
