import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import { api, unwrap } from '../api/client';
import { openEventStream, type EventStream, type StreamStatus } from '../api/eventStream';
import { problemMessage } from '../api/problem';

type NotificationPage = Awaited<ReturnType<typeof fetchPage>>;
export type Notification = NotificationPage['notifications'][number];

/** What a stream event did to the feed, for views that announce changes (one per event). */
export interface NotificationChange {
  kind: 'new' | 'finished' | 'updated';
  notification: Notification;
}

export const PAGE_SIZE = 50;

async function fetchPage(cursor?: string) {
  return unwrap(
    api.GET('/api/notifications', { params: { query: { limit: PAGE_SIZE, cursor, unreadOnly: false } } }),
  );
}

const newestFirst = (a: Notification, b: Notification) =>
  b.createdAt.localeCompare(a.createdAt) || b.changeSeq - a.changeSeq;

/**
 * The signed-in user's notifications, live: the first page from the API, then every new or
 * changed notification from the stream, merged in place by id (in-progress rows update
 * where they are). Each time the stream comes back after a dropped connection the first page
 * is read again, so nothing missed stays stale. `start()` is idempotent: the app shell starts
 * the feed, and a view may call it too.
 */
export const useNotificationsStore = defineStore('notifications', () => {
  const byId = ref(new Map<string, Notification>());
  const unreadCount = ref(0);
  const nextCursor = ref<string | null>(null);
  /** Why the feed could not be read, in words; null when it could. */
  const error = ref<string | null>(null);
  const loaded = ref(false);
  const loadingMore = ref(false);
  /** The last change the stream delivered (not set by page reads). */
  const lastChange = shallowRef<NotificationChange | null>(null);
  const stream = shallowRef<EventStream | null>(null);
  const status = computed<StreamStatus>(() => stream.value?.status.value ?? 'closed');
  /** Bumped by `stop()`, so an answer that arrives afterwards is dropped. */
  let generation = 0;
  let starting: Promise<void> | null = null;

  const items = computed(() => [...byId.value.values()].sort(newestFirst));

  function setUnread(count: number): void {
    unreadCount.value = Math.max(0, count);
  }

  /** Reads the first page again (replacing what is shown) and the unread count. */
  async function refresh(): Promise<NotificationPage | null> {
    const mine = generation;
    try {
      const page = await fetchPage();
      if (mine !== generation) return null;
      const next = new Map<string, Notification>();
      for (const notification of page.notifications) next.set(notification.id, notification);
      byId.value = next;
      setUnread(page.unreadCount);
      nextCursor.value = page.nextCursor;
      error.value = null;
      loaded.value = true;
      return page;
    } catch (failure) {
      if (mine === generation) error.value = problemMessage(failure);
      return null;
    }
  }

  /** The next (older) page, added below what is shown. Throws the problem when it fails. */
  async function loadMore(): Promise<void> {
    if (!nextCursor.value || loadingMore.value) return;
    const mine = generation;
    loadingMore.value = true;
    try {
      const page = await fetchPage(nextCursor.value);
      if (mine !== generation) return;
      for (const notification of page.notifications) {
        const known = byId.value.get(notification.id);
        if (!known || known.changeSeq < notification.changeSeq) byId.value.set(notification.id, notification);
      }
      nextCursor.value = page.nextCursor;
    } finally {
      loadingMore.value = false;
    }
  }

  /** Merges one notification from the stream; older versions than the one shown are ignored. */
  function apply(notification: Notification): void {
    const previous = byId.value.get(notification.id);
    if (previous && previous.changeSeq >= notification.changeSeq) return;
    if (!previous) {
      // A change to an old notification below the loaded pages (e.g. marked read elsewhere):
      // it shows up in its place when that page is loaded.
      const oldest = items.value.at(-1);
      const belowLoaded = nextCursor.value !== null && oldest && notification.createdAt < oldest.createdAt;
      if (!notification.read) setUnread(unreadCount.value + 1);
      if (belowLoaded) return;
    } else if (previous.read !== notification.read) {
      setUnread(unreadCount.value + (notification.read ? -1 : 1));
    }
    byId.value.set(notification.id, notification);
    lastChange.value = {
      kind: !previous ? 'new' : previous.inProgress && !notification.inProgress ? 'finished' : 'updated',
      notification,
    };
  }

  /** Loads the feed and follows it live until `stop()`. */
  function start(): Promise<void> {
    if (stream.value) return Promise.resolve();
    starting ??= (async () => {
      const mine = generation;
      const page = await refresh();
      if (mine !== generation) return;
      let first = true;
      stream.value = openEventStream('/api/notifications/stream', {
        lastEventId: page ? String(page.changeSeq) : undefined,
        on: { notification: (data) => apply(data as Notification) },
        resync: async () => {
          // The first page was just read; read it again only after a reconnection (or when
          // that first read failed).
          if (first && page) {
            first = false;
            return;
          }
          first = false;
          await refresh();
        },
      });
    })().finally(() => {
      starting = null;
    });
    return starting;
  }

  function stop(): void {
    generation += 1;
    starting = null;
    stream.value?.close();
    stream.value = null;
    byId.value = new Map();
    unreadCount.value = 0;
    nextCursor.value = null;
    error.value = null;
    loaded.value = false;
    lastChange.value = null;
  }

  /** Marks the given notifications (or all) read on the server, then here. */
  async function markRead(ids: string[] | 'all'): Promise<void> {
    if (ids !== 'all' && ids.length === 0) return;
    await unwrap(api.POST('/api/notifications/read', { body: ids === 'all' ? { all: true } : { ids } }));
    let unread = unreadCount.value;
    for (const notification of byId.value.values()) {
      if ((ids === 'all' || ids.includes(notification.id)) && !notification.read) {
        unread -= 1;
        byId.value.set(notification.id, { ...notification, read: true });
      }
    }
    setUnread(ids === 'all' ? 0 : unread);
  }

  return {
    items,
    unreadCount,
    nextCursor,
    error,
    loaded,
    loadingMore,
    lastChange,
    status,
    refresh,
    loadMore,
    start,
    stop,
    markRead,
    apply,
  };
});
