import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { FakeEventSource } from '../../test/fakeEventSource';
import { mockApi, problem } from '../../test/mockApi';
import { note, page } from '../../test/notifications';
import { useNotificationsStore } from './notifications';

describe('notifications store', () => {
  beforeEach(() => setActivePinia(createPinia()));
  afterEach(() => vi.useRealTimers());

  test('loads the first page, then follows the stream from its change sequence', async () => {
    const a = note();
    const b = note({ read: true });
    const calls = mockApi({ 'GET /api/notifications': page([a, b], { unreadCount: 4 }) });
    const store = useNotificationsStore();
    await store.start();

    expect(store.items.map((n) => n.id)).toEqual([b.id, a.id]);
    expect(store.unreadCount).toBe(4);
    expect(calls[0]?.query.get('limit')).toBe('50');
    const source = FakeEventSource.latest();
    expect(source.url).toBe(`/api/notifications/stream?lastEventId=${b.changeSeq}`);
    expect(source.init).toEqual({ withCredentials: true });
    expect(store.status).toBe('connecting');
    source.open();
    expect(store.status).toBe('open');
    // The first open does not read the page again.
    expect(calls).toHaveLength(1);
  });

  test('starting twice opens one stream', async () => {
    mockApi({ 'GET /api/notifications': page([]) });
    const store = useNotificationsStore();
    await Promise.all([store.start(), store.start()]);
    await store.start();
    expect(FakeEventSource.instances).toHaveLength(1);
  });

  test('stopping while the first page loads opens no stream', async () => {
    let release!: () => void;
    mockApi({
      'GET /api/notifications': () => new Promise((resolve) => (release = () => resolve(page([note()])))),
    });
    const store = useNotificationsStore();
    const started = store.start();
    await vi.waitFor(() => expect(release).toBeTypeOf('function'));
    store.stop();
    release();
    await started;
    expect(FakeEventSource.instances).toHaveLength(0);
    expect(store.items).toHaveLength(0);
    expect(store.loaded).toBe(false);
  });

  test('merges changes in place by id and keeps the unread count', async () => {
    const a = note({ inProgress: true, title: 'Running' });
    mockApi({ 'GET /api/notifications': page([a]) });
    const store = useNotificationsStore();
    await store.start();
    const source = FakeEventSource.latest();
    source.open();

    const fresh = note();
    source.emit('notification', fresh, String(fresh.changeSeq));
    expect(store.unreadCount).toBe(2);
    expect(store.lastChange).toEqual({ kind: 'new', notification: fresh });

    source.emit('notification', { ...a, body: 'halfway', changeSeq: 50 }, '50');
    expect(store.items.find((n) => n.id === a.id)?.body).toBe('halfway');
    expect(store.lastChange?.kind).toBe('updated');
    source.emit('notification', { ...a, inProgress: false, changeSeq: 51 }, '51');
    expect(store.lastChange?.kind).toBe('finished');
    expect(store.items).toHaveLength(2);

    // Read elsewhere: the count goes down once, even if the change arrives twice.
    source.emit('notification', { ...a, inProgress: false, read: true, changeSeq: 52 }, '52');
    source.emit('notification', { ...a, inProgress: false, read: true, changeSeq: 52 }, '52');
    expect(store.unreadCount).toBe(1);
  });

  test('a change to a notification below the loaded pages is left for Load more', async () => {
    const newest = note({ createdAt: '2026-02-01T00:00:00.000Z' });
    mockApi({ 'GET /api/notifications': page([newest], { nextCursor: '7', unreadCount: 3 }) });
    const store = useNotificationsStore();
    await store.start();
    store.apply(note({ createdAt: '2025-01-01T00:00:00.000Z', read: true, changeSeq: 90 }));
    expect(store.items).toHaveLength(1);
    expect(store.unreadCount).toBe(3);
  });

  test('reads the first page again after reconnecting, with back-off when the browser gave up', async () => {
    let answer = page([note()]);
    const calls = mockApi({ 'GET /api/notifications': () => answer });
    const store = useNotificationsStore();
    await store.start();
    const first = FakeEventSource.latest();
    first.open();
    const live = note();
    first.emit('notification', live, String(live.changeSeq));

    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    first.fail(true);
    expect(store.status).toBe('reconnecting');
    expect(FakeEventSource.instances).toHaveLength(1);
    vi.advanceTimersByTime(1000);
    const second = FakeEventSource.latest();
    expect(second).not.toBe(first);
    expect(second.url).toBe(`/api/notifications/stream?lastEventId=${live.changeSeq}`);
    vi.useRealTimers();

    const missed = note({ title: 'Missed' });
    answer = page([missed, live]);
    second.open();
    await vi.waitFor(() => expect(store.items.map((n) => n.title)).toContain('Missed'));
    expect(calls).toHaveLength(2);
    expect(store.status).toBe('open');
    expect(store.unreadCount).toBe(2);
  });

  test('keeps the problem in words when the feed cannot be read', async () => {
    mockApi({ 'GET /api/notifications': problem(500, 'internal', 'Something broke on our side.') });
    const store = useNotificationsStore();
    await store.start();
    expect(store.error).toBe('Something broke on our side.');
    expect(store.loaded).toBe(false);
    // The stream still opens; its first open reads the page again.
    expect(FakeEventSource.instances).toHaveLength(1);
  });

  test('loads older pages with the cursor', async () => {
    const newer = note();
    const older = note({ createdAt: '2025-06-01T00:00:00.000Z' });
    const calls = mockApi({
      'GET /api/notifications': ({ query }) =>
        query.get('cursor') ? page([older]) : page([newer], { nextCursor: '12' }),
    });
    const store = useNotificationsStore();
    await store.start();
    await store.loadMore();
    expect(calls.at(-1)?.query.get('cursor')).toBe('12');
    expect(store.items.map((n) => n.id)).toEqual([newer.id, older.id]);
    expect(store.nextCursor).toBeNull();
  });

  test('marks read on the server, then here', async () => {
    const a = note();
    const b = note();
    const calls = mockApi({
      'GET /api/notifications': page([a, b], { unreadCount: 5 }),
      'POST /api/notifications/read': { body: { count: 1 } },
    });
    const store = useNotificationsStore();
    await store.start();
    await store.markRead([a.id]);
    expect(calls.at(-1)?.body).toEqual({ ids: [a.id] });
    expect(store.unreadCount).toBe(4);
    expect(store.items.find((n) => n.id === a.id)?.read).toBe(true);

    await store.markRead('all');
    expect(calls.at(-1)?.body).toEqual({ all: true });
    expect(store.unreadCount).toBe(0);
    expect(store.items.every((n) => n.read)).toBe(true);
  });

  test('stop closes the stream and forgets the feed', async () => {
    mockApi({ 'GET /api/notifications': page([note()]) });
    const store = useNotificationsStore();
    await store.start();
    const source = FakeEventSource.latest();
    store.stop();
    expect(source.readyState).toBe(FakeEventSource.CLOSED);
    expect(store.status).toBe('closed');
    expect(store.items).toHaveLength(0);
    expect(store.unreadCount).toBe(0);
  });
});
