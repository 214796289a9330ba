import { afterEach, describe, expect, it } from 'vitest';
import { createKernel, NOTIFICATION_SERVICE, PG_LISTENER, type Kernel } from '../src/index.js';
import { createTestDatabase, testConfig } from '../src/testing/index.js';

const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function freshKernel(): Promise<Kernel> {
  const database = await createTestDatabase();
  cleanups.push(() => database.drop());
  const kernel = await createKernel(testConfig({ databaseUrl: database.url }));
  cleanups.push(() => kernel.close());
  return kernel;
}

/** Ends the listener's Postgres session from the server side, as a failover or restart would. */
async function dropListenerConnection(kernel: Kernel): Promise<number> {
  const { rows } = await kernel.db.knex.raw<{ rows: Array<{ pg_terminate_backend: boolean }> }>(
    `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
      WHERE application_name = 'cinatra-listener' AND datname = current_database()`,
  );
  return rows.filter((row) => row.pg_terminate_backend).length;
}

/** The next value pushed by the returned `push`, as a promise. */
function inbox<T>() {
  const items: T[] = [];
  const waiting: Array<(item: T) => void> = [];
  return {
    push: (item: T) => (waiting.length > 0 ? waiting.shift()!(item) : items.push(item)),
    next: () =>
      new Promise<T>((resolve) => (items.length > 0 ? resolve(items.shift()!) : waiting.push(resolve))),
  };
}

describe('PgListener', () => {
  it('delivers notifications to every subscriber of a channel, and only while subscribed', async () => {
    const kernel = await freshKernel();
    const listener = kernel.resolve(PG_LISTENER);
    const [a, b] = [inbox<string>(), inbox<string>()];
    const stopA = await listener.listen('test_channel', a.push);
    await listener.listen('test_channel', b.push);
    await listener.notify('test_channel', 'one');
    expect([await a.next(), await b.next()]).toEqual(['one', 'one']);

    await stopA();
    await listener.notify('test_channel', 'two');
    expect(await b.next()).toBe('two');
    await listener.notify('test_channel', 'three');
    expect(await b.next()).toBe('three'); // a got neither: its inbox would hold them first
    const late = await Promise.race([a.next(), new Promise((r) => setTimeout(r, 50, 'nothing'))]);
    expect(late).toBe('nothing');
  });

  it('reconnects after the server drops its connection, listens again and tells subscribers', async () => {
    const kernel = await freshKernel();
    const listener = kernel.resolve(PG_LISTENER);
    const received = inbox<string>();
    const reconnected = inbox<true>();
    await listener.listen('test_channel', received.push, () => reconnected.push(true));

    expect(await dropListenerConnection(kernel)).toBe(1);
    expect(await reconnected.next()).toBe(true);
    await listener.notify('test_channel', 'after the drop');
    expect(await received.next()).toBe('after the drop');
  });

  it('rejects channel names that are not plain identifiers', async () => {
    const kernel = await freshKernel();
    await expect(kernel.resolve(PG_LISTENER).listen('bad channel; DROP', () => {})).rejects.toThrow(
      /Invalid notification channel/,
    );
  });
});

describe('notifications across a dropped listener connection', () => {
  it('delivers a notification written while the listener was away (re-read on reconnect)', async () => {
    const kernel = await freshKernel();
    const notifications = kernel.resolve(NOTIFICATION_SERVICE);
    const [user] = (await kernel.db
      .knex('users')
      .insert({ email: 'ada@example.com', displayName: 'Ada' })
      .returning('id')) as Array<{ id: string }>;
    const controller = new AbortController();
    const feed = notifications.subscribe(user!.id, { after: 0, signal: controller.signal });
    cleanups.push(async () => {
      controller.abort();
      await feed.return(undefined);
    });
    await notifications.notify(user!.id, { level: 'info', title: 'before' });
    expect((await feed.next()).value).toMatchObject({ title: 'before' });

    expect(await dropListenerConnection(kernel)).toBe(1);
    await notifications.notify(user!.id, { level: 'info', title: 'during the outage' });
    expect((await feed.next()).value).toMatchObject({ title: 'during the outage' });
  });
});
