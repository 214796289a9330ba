import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestDatabase, testConfig, type TestDatabase } from '@cinatra/kernel/testing';
import { NOTIFICATION_SERVICE, type NotificationService, type NotificationView } from '@cinatra/kernel';
import { createPlatform, type Platform } from '@cinatra/host';
import {
  anonymous,
  createToken,
  createUser,
  expectProblem,
  setUpAdmin,
  signIn,
  withToken,
  type SessionClient,
} from './support/apiClient.js';

let db: TestDatabase;
let platform: Platform;
let url: string;
let notifications: NotificationService;
let alice: SessionClient;
let bob: SessionClient;

beforeAll(async () => {
  db = await createTestDatabase();
  platform = await createPlatform(testConfig({ databaseUrl: db.url }));
  notifications = platform.kernel.resolve(NOTIFICATION_SERVICE);
  const admin = await setUpAdmin(platform);
  await createUser(admin, 'alice@example.com', 'Alice');
  await createUser(admin, 'bob@example.com', 'Bob');
  alice = await signIn(platform.server, 'alice@example.com');
  bob = await signIn(platform.server, 'bob@example.com');
  url = (await platform.start()).url;
});

afterAll(async () => {
  await platform?.stop();
  await db?.drop();
});

interface Page {
  notifications: NotificationView[];
  nextCursor: string | null;
  changeSeq: number;
  unreadCount: number;
}

interface StreamEvent {
  id: string;
  event: string;
  data: NotificationView;
}

/** An open SSE connection over a real socket; `next()` returns the next event frame. */
async function openStream(cookie: string, headers: Record<string, string> = {}, query = '') {
  const controller = new AbortController();
  const res = await fetch(`${url}/api/notifications/stream${query}`, {
    headers: { cookie, ...headers },
    signal: controller.signal,
  });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  return {
    async next(): Promise<StreamEvent> {
      for (;;) {
        const end = buffer.indexOf('\n\n');
        if (end >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const fields = Object.fromEntries(
            frame
              .split('\n')
              .map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 2)]),
          );
          if (fields.id === undefined) continue; // retry: and heartbeat frames
          return { id: fields.id, event: fields.event!, data: JSON.parse(fields.data!) as NotificationView };
        }
        const { value, done } = await reader.read();
        if (done) throw new Error('the stream ended');
        buffer += value;
      }
    },
    close: () => controller.abort(),
  };
}

describe('notification routes', () => {
  test('need a signed-in user', async () => {
    const client = anonymous(platform.server);
    expectProblem(await client.get('/api/notifications'), 401, 'unauthenticated');
    expectProblem(await client.post('/api/notifications/read', { all: true }), 401, 'unauthenticated');
    expectProblem(await client.get('/api/notifications/stream'), 401, 'unauthenticated');
  });

  test('list your own feed with pagination; marking read touches only your own', async () => {
    const first = await notifications.notify(alice.user.id, { level: 'info', title: 'a1' });
    await notifications.notify(alice.user.id, { level: 'warning', title: 'a2', link: '/runs/2' });
    const forBob = await notifications.notify(bob.user.id, { level: 'error', title: 'b1' });

    let res = await alice.get('/api/notifications?limit=1');
    expect(res.statusCode, res.body).toBe(200);
    const page = res.json<Page>();
    expect(page.notifications.map((n) => n.title)).toEqual(['a2']);
    expect(page.notifications[0]).toMatchObject({ level: 'warning', link: '/runs/2', read: false });
    expect(page.unreadCount).toBe(2);
    res = await alice.get(`/api/notifications?limit=1&cursor=${page.nextCursor}`);
    expect(res.json<Page>().notifications.map((n) => n.title)).toEqual(['a1']);
    expect(res.json<Page>().nextCursor).toBeNull();

    res = await alice.post('/api/notifications/read', { ids: [forBob.id] });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ count: 0 });
    const bobsFeed = (await bob.get('/api/notifications')).json<Page>();
    expect(bobsFeed.notifications).toEqual([forBob]);
    expect(bobsFeed.unreadCount).toBe(1);

    res = await alice.post('/api/notifications/read', { ids: [first.id, forBob.id] });
    expect(res.json()).toEqual({ count: 1 });
    res = await alice.get('/api/notifications?unreadOnly=true');
    expect(res.json<Page>().notifications.map((n) => n.title)).toEqual(['a2']);
    res = await alice.post('/api/notifications/read', { all: true });
    expect(res.json()).toEqual({ count: 1 });
    expect((await alice.get('/api/notifications')).json<Page>().unreadCount).toBe(0);
    expect((await bob.get('/api/notifications')).json<Page>().unreadCount).toBe(1);
  });

  test('refuse bad input with a validation problem', async () => {
    for (const query of ['limit=0', 'limit=999', 'cursor=abc', 'unreadOnly=maybe', 'other=1']) {
      expectProblem(await alice.get(`/api/notifications?${query}`), 400, 'validation_failed');
    }
    for (const body of [{}, { ids: [] }, { ids: ['not-a-uuid'] }, { all: false }, { all: true, ids: [] }]) {
      expectProblem(await alice.post('/api/notifications/read', body), 400, 'validation_failed');
    }
  });

  test('an API token needs notification scopes: read to list, write to mark read', async () => {
    const { token } = await createToken(alice, { name: 'reader', scopes: ['notification:read'] });
    const reader = withToken(platform.server, token);
    expect((await reader.get('/api/notifications')).statusCode).toBe(200);
    expectProblem(await reader.post('/api/notifications/read', { all: true }), 403, 'forbidden');
    const other = await createToken(alice, { name: 'other', scopes: ['organization:read'] });
    expectProblem(await withToken(platform.server, other.token).get('/api/notifications'), 403, 'forbidden');
  });

  test('the stream delivers to each user only their own notifications, with the change as event id', async () => {
    const start = (await alice.get('/api/notifications')).json<Page>().changeSeq;
    const bobStart = (await bob.get('/api/notifications')).json<Page>().changeSeq;
    const aliceStream = await openStream(alice.cookie, { 'last-event-id': String(start) });
    const bobStream = await openStream(bob.cookie, {}, `?lastEventId=${bobStart}`);
    try {
      const a1 = await notifications.notify(alice.user.id, { level: 'info', title: 'live a1' });
      const b1 = await notifications.notify(bob.user.id, { level: 'info', title: 'live b1' });
      const a2 = await notifications.notify(alice.user.id, {
        level: 'info',
        title: 'export running',
        dedupeKey: 'export',
        inProgress: true,
      });
      expect(await aliceStream.next()).toEqual({ id: String(a1.changeSeq), event: 'notification', data: a1 });
      expect((await aliceStream.next()).data).toEqual(a2);
      expect((await bobStream.next()).data).toEqual(b1);

      const done = await notifications.notify(alice.user.id, {
        level: 'success',
        title: 'export done',
        dedupeKey: 'export',
      });
      expect((await aliceStream.next()).data).toEqual(done);
      expect(done.id).toBe(a2.id);
      const read = await alice.post('/api/notifications/read', { ids: [done.id] });
      expect(read.json()).toEqual({ count: 1 });
      expect((await aliceStream.next()).data).toMatchObject({ id: done.id, read: true });
    } finally {
      aliceStream.close();
      bobStream.close();
    }
  });

  test('a reconnecting client resumes after its Last-Event-ID', async () => {
    const one = await notifications.notify(alice.user.id, { level: 'info', title: 'resume 1' });
    const two = await notifications.notify(alice.user.id, { level: 'info', title: 'resume 2' });
    const three = await notifications.notify(alice.user.id, { level: 'info', title: 'resume 3' });
    const stream = await openStream(alice.cookie, { 'last-event-id': String(one.changeSeq) });
    try {
      expect((await stream.next()).data).toEqual(two);
      expect((await stream.next()).data).toEqual(three);
    } finally {
      stream.close();
    }
  });

  test('a malformed Last-Event-ID is a 400 validation problem before the stream starts', async () => {
    for (const id of ['abc', '-1', '1.5', '01', '99999999999999999999']) {
      const res = await alice.get('/api/notifications/stream', { 'last-event-id': id });
      const problem = expectProblem(res, 400, 'validation_failed');
      expect(problem.errors?.[0]?.path).toBe('/headers/last-event-id');
    }
    expectProblem(await alice.get('/api/notifications/stream?lastEventId=x'), 400, 'validation_failed');
  });

  test('are described in the OpenAPI document', async () => {
    const doc = (await anonymous(platform.server).get('/api/openapi.json')).json<{
      paths: Record<string, Record<string, { summary?: string; responses: Record<string, unknown> }>>;
    }>();
    expect(Object.keys(doc.paths['/api/notifications'] ?? {})).toContain('get');
    expect(Object.keys(doc.paths['/api/notifications/read'] ?? {})).toContain('post');
    const stream = doc.paths['/api/notifications/stream']?.get;
    expect(stream?.responses['200']).toMatchObject({ content: { 'text/event-stream': expect.any(Object) } });
  });
});
