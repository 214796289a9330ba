import type { Knex } from 'knex';
import type { PgListener } from '../database/PgListener.js';
import type { Logger } from '../logging/Logger.js';

/** Where changes to the LLM settings, prices and budgets are announced; the payload is the topic. */
export const LLM_CONFIG_CHANNEL = 'cinatra_llm_config';

export type LlmConfigTopic = 'settings' | 'prices' | 'budgets';

/** After failing to listen, how long reads go to the database before listening is tried again. */
const LISTEN_RETRY_MS = 5000;

/**
 * One small LLM configuration table (the settings row, the price table, the budget limits) held
 * in memory, so the orchestrator reads it without a database round trip per call.
 *
 * Every change is announced with `announce(trx)` inside the transaction that makes it: a Postgres
 * NOTIFY on `LLM_CONFIG_CHANNEL`, delivered on commit to every process of the instance, which
 * drops its copy; the process that made the change also drops its copy itself once the
 * transaction has committed (`invalidate`), so its next read sees the change. Another process sees
 * it once the notification has arrived (normally within milliseconds of the commit).
 *
 * Nothing is cached until the LISTEN is in effect (the first read waits for it), so no change can
 * slip between listening and loading. When the listener connection drops, notifications sent
 * meanwhile are lost: on reconnect every copy is dropped and re-read. If listening fails, reads
 * go to the database every time, and listening is tried again after a few seconds.
 */
export class LlmConfigCache<T> {
  private value: { data: T } | null = null;
  private loading: Promise<T> | null = null;
  /** Bumped by every invalidation: a load that started before one is returned but not kept. */
  private generation = 0;
  private listening: Promise<boolean> | null = null;
  private listenFailedAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly topic: LlmConfigTopic,
    private readonly load: () => Promise<T>,
    private readonly listener: PgListener,
    private readonly logger: Logger,
  ) {}

  /** The table as of the last change this process knows of. */
  get(): Promise<T> {
    if (this.value) return Promise.resolve(this.value.data);
    if (!this.loading) {
      const loading: Promise<T> = this.refresh().finally(() => {
        if (this.loading === loading) this.loading = null;
      });
      this.loading = loading;
    }
    return this.loading;
  }

  /** Drops the copy: the next `get` reads the table again. */
  invalidate(): void {
    this.generation += 1;
    this.value = null;
    this.loading = null;
  }

  /** Tells every process (on commit of `trx`) that the table changed. */
  async announce(trx: Knex.Transaction): Promise<void> {
    await this.listener.notify(LLM_CONFIG_CHANNEL, this.topic, trx);
  }

  private async refresh(): Promise<T> {
    const live = await this.listen();
    const generation = this.generation;
    const data = await this.load();
    if (live && generation === this.generation) this.value = { data };
    return data;
  }

  private listen(): Promise<boolean> {
    if (!this.listening && Date.now() - this.listenFailedAt < LISTEN_RETRY_MS) return Promise.resolve(false);
    this.listening ??= this.listener
      .listen(
        LLM_CONFIG_CHANNEL,
        (topic) => {
          if (topic === this.topic) this.invalidate();
        },
        // Notifications sent while the connection was down are lost: read everything again.
        () => this.invalidate(),
      )
      .then(
        () => true,
        (error: unknown) => {
          this.listening = null;
          this.listenFailedAt = Date.now();
          this.logger.warn(
            { err: error, topic: this.topic },
            'cannot listen for LLM configuration changes; reading it from the database on every use',
          );
          return false;
        },
      );
    return this.listening;
  }
}
