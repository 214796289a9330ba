import { afterEach, describe, expect, it } from 'vitest';
import {
  createKernel,
  KernelError,
  NOTIFICATION_SERVICE,
  NOTIFICATIONS,
  NotificationService,
  type Kernel,
  type NotificationInput,
  type NotificationView,
} from '../src/index.js';
import { createTestDatabase, testConfig, type TestDatabase } from '../src/testing/index.js';

const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function freshDatabase(): Promise<TestDatabase> {
  const database = await createTestDatabase();
  cleanups.push(() => database.drop());
  return database;
}

async function kernelOn(
  database: TestDatabase,
): Promise<{ kernel: Kernel; notifications: NotificationService }> {
  const kernel = await createKernel(testConfig({ databaseUrl: database.url }));
  cleanups.push(() => kernel.close());
  return { kernel, notifications: kernel.resolve(NOTIFICATION_SERVICE) };
}

async function freshKernel() {
  return kernelOn(await freshDatabase());
}

async function createUser(
  kernel: Kernel,
  email: string,
  extra: { platformRole?: 'platform_admin' | 'member'; disabledAt?: Date } = {},
): Promise<string> {
  const [row] = (await kernel.db
    .knex('users')
    .insert({ email, displayName: email, ...extra })
    .returning('id')) as Array<{ id: string }>;
  return row!.id;
}

const info = (title: string, extra: Partial<NotificationInput> = {}): NotificationInput => ({
  level: 'info',
  title,
  ...extra,
});

/**
 * A subscription the test pulls from one change at a time; ended at cleanup. `after`
 * defaults to 0 (the whole feed), so nothing a test sends races the subscription's start.
 */
function subscription(notifications: NotificationService, userId: string, after: number | 'now' = 0) {
  const controller = new AbortController();
  const iterator = notifications.subscribe(userId, {
    after: after === 'now' ? undefined : after,
    signal: controller.signal,
  });
  cleanups.push(async () => {
    controller.abort();
    await iterator.return();
  });
  return {
    async next(): Promise<NotificationView> {
      const result = await iterator.next();
      expect(result.done, 'the subscription is still open').toBe(false);
      return result.value as NotificationView;
    },
    iterator,
  };
}

async function expectKernelError(promise: Promise<unknown>, code: string): Promise<KernelError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(KernelError);
  expect((error as KernelError).code).toBe(code);
  return error as KernelError;
}

describe('NotificationService', () => {
  it('is what the NOTIFICATIONS token resolves to', async () => {
    const { kernel, notifications } = await freshKernel();
    expect(kernel.resolve(NOTIFICATIONS)).toBe(notifications);
    expect(kernel.resolve(NotificationService)).toBe(notifications);
  });

  it('stores a notification with every field', async () => {
    const { kernel, notifications } = await freshKernel();
    const alice = await createUser(kernel, 'alice@example.com');
    const view = await notifications.notify(alice, {
      level: 'warning',
      title: 'Disk almost full',
      body: '93% used',
      link: '/settings/storage',
    });
    expect(view).toMatchObject({
      userId: alice,
      level: 'warning',
      title: 'Disk almost full',
      body: '93% used',
      link: '/settings/storage',
      dedupeKey: null,
      inProgress: false,
      read: false,
    });
    expect(view.changeSeq).toBeGreaterThan(0);
    expect((await notifications.list(alice)).notifications).toEqual([view]);
  });

  it('updates the unread row with the same dedupe key in place: in progress, then done', async () => {
    const { kernel, notifications } = await freshKernel();
    const alice = await createUser(kernel, 'alice@example.com');
    const bob = await createUser(kernel, 'bob@example.com');

    const running = await notifications.notify(
      alice,
      info('Import running', { dedupeKey: 'import:42', inProgress: true }),
    );
    // Same key for another user is another user's row.
    const bobs = await notifications.notify(
      bob,
      info('Import running', { dedupeKey: 'import:42', inProgress: true }),
    );
    const done = await notifications.notify(alice, {
      level: 'success',
      title: 'Import finished',
      body: '1200 rows',
      dedupeKey: 'import:42',
      inProgress: false,
    });

    expect(done.id).toBe(running.id);
    expect(done).toMatchObject({
      level: 'success',
      title: 'Import finished',
      body: '1200 rows',
      inProgress: false,
    });
    expect(done.changeSeq).toBeGreaterThan(running.changeSeq);
    expect(done.createdAt).toBe(running.createdAt);
    expect((await notifications.list(alice)).notifications).toEqual([done]);
    expect((await notifications.list(bob)).notifications).toEqual([bobs]);

    // Once read, the same key starts a new row; the read one stays as it was.
    await notifications.markRead(alice, [done.id]);
    const again = await notifications.notify(
      alice,
      info('Import running', { dedupeKey: 'import:42', inProgress: true }),
    );
    expect(again.id).not.toBe(done.id);
    const feed = (await notifications.list(alice)).notifications;
    expect(feed.map((n) => [n.id, n.read, n.inProgress])).toEqual([
      [again.id, false, true],
      [done.id, true, false],
    ]);
  });

  it('keeps one unread row per key when the same key is notified concurrently', async () => {
    const { kernel, notifications } = await freshKernel();
    const alice = await createUser(kernel, 'alice@example.com');
    const views = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        notifications.notify(alice, info(`step ${i}`, { dedupeKey: 'job:1' })),
      ),
    );
    expect(new Set(views.map((v) => v.id)).size).toBe(1);
    expect(new Set(views.map((v) => v.changeSeq)).size).toBe(10);
    expect(await notifications.unreadCount(alice)).toBe(1);
  });

  it('refuses bad input with validation_failed and unknown users with not_found', async () => {
    const { kernel, notifications } = await freshKernel();
    const alice = await createUser(kernel, 'alice@example.com');
    const offSite = await expectKernelError(
      notifications.notify(alice, info('x', { link: '//evil.example/phish' })),
      'validation_failed',
    );
    expect(offSite.details.errors).toEqual([{ path: '/link', message: expect.any(String) }]);
    await expectKernelError(
      notifications.notify(alice, info('x', { link: 'https://evil.example' })),
      'validation_failed',
    );
    await expectKernelError(notifications.notify(alice, info('   ')), 'validation_failed');
    await expectKernelError(
      notifications.notify(alice, { level: 'fatal' as never, title: 'x' }),
      'validation_failed',
    );
    await expectKernelError(notifications.notify('not-a-uuid', info('x')), 'validation_failed');
    await expectKernelError(
      notifications.notify('00000000-0000-4000-8000-000000000000', info('x')),
      'not_found',
    );
    expect(await notifications.unreadCount(alice)).toBe(0);
  });

  it('lists newest first with cursor pagination, optionally unread only', async () => {
    const { kernel, notifications } = await freshKernel();
    const alice = await createUser(kernel, 'alice@example.com');
    const bob = await createUser(kernel, 'bob@example.com');
    const created: NotificationView[] = [];
    for (let i = 1; i <= 5; i++) {
      created.push(await notifications.notify(alice, info(`n${i}`)));
      await notifications.notify(bob, info(`bob ${i}`));
    }

    const titles: string[][] = [];
    let cursor: string | undefined;
    do {
      const page = await notifications.list(alice, { limit: 2, cursor });
      titles.push(page.notifications.map((n) => n.title));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(titles).toEqual([['n5', 'n4'], ['n3', 'n2'], ['n1']]);

    await notifications.markRead(alice, [created[4]!.id, created[1]!.id]);
    const unread = await notifications.list(alice, { unreadOnly: true });
    expect(unread.notifications.map((n) => n.title)).toEqual(['n4', 'n3', 'n1']);
    expect(unread.nextCursor).toBeNull();

    await expectKernelError(notifications.list(alice, { cursor: 'abc' }), 'validation_failed');
    await expectKernelError(notifications.list(alice, { limit: 0 }), 'validation_failed');
  });

  it('marks only the caller’s own notifications read', async () => {
    const { kernel, notifications } = await freshKernel();
    const alice = await createUser(kernel, 'alice@example.com');
    const bob = await createUser(kernel, 'bob@example.com');
    const a1 = await notifications.notify(alice, info('a1'));
    const a2 = await notifications.notify(alice, info('a2'));
    const b1 = await notifications.notify(bob, info('b1'));

    expect(await notifications.markRead(alice, [b1.id])).toBe(0);
    expect((await notifications.list(bob)).notifications[0]).toEqual(b1);

    expect(await notifications.markRead(alice, [a1.id, b1.id])).toBe(1);
    // Already read: nothing changes, nothing counted.
    expect(await notifications.markRead(alice, [a1.id])).toBe(0);
    expect(await notifications.markRead(alice, 'all')).toBe(1);
    expect(await notifications.unreadCount(alice)).toBe(0);
    expect(await notifications.unreadCount(bob)).toBe(1);
    const [readA2] = (await notifications.list(alice)).notifications;
    expect(readA2).toMatchObject({ id: a2.id, read: true });
    expect(readA2!.changeSeq).toBeGreaterThan(a2.changeSeq);

    await expectKernelError(notifications.markRead(alice, ['nope']), 'validation_failed');
  });

  it('notifies every active platform admin and nobody else', async () => {
    const { kernel, notifications } = await freshKernel();
    const admin1 = await createUser(kernel, 'admin1@example.com', { platformRole: 'platform_admin' });
    const admin2 = await createUser(kernel, 'admin2@example.com', { platformRole: 'platform_admin' });
    const disabled = await createUser(kernel, 'old-admin@example.com', {
      platformRole: 'platform_admin',
      disabledAt: new Date(),
    });
    const member = await createUser(kernel, 'member@example.com');

    await notifications.notifyPlatformAdmins({
      level: 'error',
      title: 'Job dead-lettered',
      dedupeKey: 'dlq:1',
    });
    await notifications.notifyPlatformAdmins({
      level: 'error',
      title: 'Job dead-lettered twice',
      dedupeKey: 'dlq:1',
    });

    for (const admin of [admin1, admin2]) {
      const feed = (await notifications.list(admin)).notifications;
      expect(feed.map((n) => n.title)).toEqual(['Job dead-lettered twice']);
    }
    expect(await notifications.unreadCount(disabled)).toBe(0);
    expect(await notifications.unreadCount(member)).toBe(0);
  });

  it('delivers live to each subscriber only its own user’s changes', async () => {
    const { kernel, notifications } = await freshKernel();
    const alice = await createUser(kernel, 'alice@example.com');
    const bob = await createUser(kernel, 'bob@example.com');
    const aliceFeed = subscription(notifications, alice);
    const aliceSecondTab = subscription(notifications, alice);
    const bobFeed = subscription(notifications, bob);
    const pending = [aliceFeed.next(), aliceSecondTab.next(), bobFeed.next()];

    const forAlice = await notifications.notify(alice, info('for alice'));
    const forBob = await notifications.notify(bob, info('for bob'));
    const [a, a2, b] = await Promise.all(pending);
    expect(a).toEqual(forAlice);
    expect(a2).toEqual(forAlice);
    expect(b).toEqual(forBob);

    // Updates in place and read marks are changes too, in order.
    const bobNext = bobFeed.next();
    await notifications.notify(alice, info('alice again', { dedupeKey: 'k' }));
    await notifications.markRead(bob, [forBob.id]);
    expect(await bobNext).toMatchObject({ id: forBob.id, read: true });
    expect(await aliceFeed.next()).toMatchObject({ title: 'alice again' });
  });

  it('fans out across processes: a kernel sees what another kernel on the same database wrote', async () => {
    const database = await freshDatabase();
    const writer = await kernelOn(database);
    const reader = await kernelOn(database);
    const alice = await createUser(writer.kernel, 'alice@example.com');
    const bob = await createUser(writer.kernel, 'bob@example.com');
    const aliceFeed = subscription(reader.notifications, alice);
    const bobFeed = subscription(reader.notifications, bob);
    const aliceNext = aliceFeed.next();
    const bobNext = bobFeed.next();

    const sent = await writer.notifications.notify(alice, info('from another process'));
    expect(await aliceNext).toEqual(sent);
    const toBob = await writer.notifications.notify(bob, info('for bob'));
    expect(await bobNext).toEqual(toBob);

    const running = await writer.notifications.notify(
      alice,
      info('build', { dedupeKey: 'b', inProgress: true }),
    );
    expect(await aliceFeed.next()).toEqual(running);
    const done = await writer.notifications.notify(alice, info('build done', { dedupeKey: 'b' }));
    expect(await aliceFeed.next()).toEqual(done);
    expect(done.id).toBe(running.id);
  });

  it('resumes after a change sequence: catches up, then follows live without gaps or repeats', async () => {
    const { kernel, notifications } = await freshKernel();
    const alice = await createUser(kernel, 'alice@example.com');
    const first = await notifications.notify(alice, info('one'));
    const second = await notifications.notify(alice, info('two'));
    const third = await notifications.notify(alice, info('three', { dedupeKey: 'k', inProgress: true }));

    const resumed = subscription(notifications, alice, first.changeSeq);
    expect(await resumed.next()).toEqual(second);
    expect(await resumed.next()).toEqual(third);
    const live = resumed.next();
    const thirdDone = await notifications.notify(alice, info('three done', { dedupeKey: 'k' }));
    expect(await live).toEqual(thirdDone);

    const fromStart = subscription(notifications, alice);
    const seen: string[] = [];
    for (let i = 0; i < 3; i++) seen.push((await fromStart.next()).title);
    // The in-place update replaced "three": it is delivered once, at its latest change.
    expect(seen).toEqual(['one', 'two', 'three done']);
  });

  it('without a starting point, delivers only what changes from now on', async () => {
    const { kernel, notifications } = await freshKernel();
    const alice = await createUser(kernel, 'alice@example.com');
    await notifications.notify(alice, info('before subscribing'));
    const live = subscription(notifications, alice, 'now');
    let first: NotificationView | undefined;
    const next = live.next().then((view) => (first = view));
    // The subscription starts asynchronously: keep changing one row until it is live.
    for (let i = 0; first === undefined; i++) {
      await notifications.notify(alice, info(`tick ${i}`, { dedupeKey: 'tick' }));
      await new Promise((resolve) => setImmediate(resolve));
    }
    await next;
    expect(first.title).toMatch(/^tick /);
  });

  it('hands over from a listed page to a subscription without a gap', async () => {
    const { kernel, notifications } = await freshKernel();
    const alice = await createUser(kernel, 'alice@example.com');
    await notifications.notify(alice, info('old'));
    const page = await notifications.list(alice);
    expect(page.changeSeq).toBe(page.notifications[0]!.changeSeq);
    const missedWhileConnecting = await notifications.notify(alice, info('new'));
    const live = subscription(notifications, alice, page.changeSeq);
    expect(await live.next()).toEqual(missedWhileConnecting);
  });

  it('ends open subscriptions when the kernel closes', async () => {
    const database = await freshDatabase();
    const kernel = await createKernel(testConfig({ databaseUrl: database.url }));
    const notifications = kernel.resolve(NOTIFICATION_SERVICE);
    const alice = await createUser(kernel, 'alice@example.com');
    const iterator = notifications.subscribe(alice, { after: 0 });
    const next = iterator.next();
    await notifications.notify(alice, info('hello'));
    expect((await next).value).toMatchObject({ title: 'hello' });
    const waiting = iterator.next();
    await kernel.close();
    expect(await waiting).toEqual({ done: true, value: undefined });
  });
});
