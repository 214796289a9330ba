import { screen, within } from '@testing-library/vue';
import userEvent from '@testing-library/user-event';
import { describe, expect, test, vi } from 'vitest';
import { FakeEventSource } from '../../../test/fakeEventSource';
import { mockApi, problem } from '../../../test/mockApi';
import { note, page } from '../../../test/notifications';
import { renderView } from '../../../test/render';
import NotificationBell from '../../components/NotificationBell.vue';
import NotificationsView from './NotificationsView.vue';

/** The view with the header bell next to it, as in the app shell. */
const WithBell = {
  components: { NotificationsView, NotificationBell },
  template: '<div><NotificationBell /><NotificationsView /></div>',
};

describe('NotificationsView', () => {
  test('shows the feed with level, body, link and unread state', async () => {
    const unread = note({
      level: 'error',
      title: 'Install failed',
      body: 'The package signature did not match.',
      link: '/marketplace/operations',
    });
    const read = note({ level: 'success', title: 'Agent published', read: true });
    mockApi({ 'GET /api/notifications': page([read, unread]) });
    await renderView(NotificationsView, { path: '/notifications' });

    const list = await screen.findByRole('list', { name: /Notifications/ });
    const items = within(list).getAllByRole('listitem');
    expect(items).toHaveLength(2);
    // Newest first.
    expect(within(items[0]!).getByRole('heading').textContent).toContain('Agent published');
    expect(within(items[1]!).getByRole('heading').textContent).toBe('Unread: Install failed');
    expect(within(items[1]!).getByText('Error')).toBeTruthy();
    expect(within(items[1]!).getByText('The package signature did not match.')).toBeTruthy();
    expect(within(items[1]!).getByRole('link', { name: 'Open: Install failed' }).getAttribute('href')).toBe(
      '/marketplace/operations',
    );
    expect(within(items[0]!).queryByRole('button', { name: /Mark read/ })).toBeNull();
    expect(screen.getByText('1 unread')).toBeTruthy();
  });

  test('says so when there is nothing yet', async () => {
    mockApi({ 'GET /api/notifications': page([]) });
    await renderView(NotificationsView, { path: '/notifications' });
    expect(await screen.findByText('No notifications yet')).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Mark all read' }).hasAttribute('disabled')).toBe(true);
  });

  test('shows why the feed could not be loaded, and retries', async () => {
    let fail = true;
    mockApi({
      'GET /api/notifications': () =>
        fail
          ? problem(503, 'unavailable', 'The database is not reachable.')
          : page([note({ title: 'Back' })]),
    });
    await renderView(NotificationsView, { path: '/notifications' });
    expect((await screen.findByRole('alert')).textContent).toContain('The database is not reachable.');
    fail = false;
    await userEvent.click(screen.getByRole('button', { name: 'Retry' }));
    expect(await screen.findByText('Back')).toBeTruthy();
  });

  test('a live notification appears, bumps the unread badge and is announced', async () => {
    const first = note({ title: 'Older', read: true });
    mockApi({ 'GET /api/notifications': page([first], { unreadCount: 2 }) });
    await renderView(WithBell, { path: '/notifications' });
    await screen.findByText('Older');
    expect(screen.getByRole('link', { name: 'Notifications, 2 unread' })).toBeTruthy();

    const source = FakeEventSource.latest();
    expect(source.url).toContain(`lastEventId=${first.changeSeq}`);
    source.open();
    const live = note({ title: 'Run finished', level: 'success' });
    source.emit('notification', live, String(live.changeSeq));

    expect(await screen.findByText('Run finished')).toBeTruthy();
    expect(screen.getByRole('link', { name: 'Notifications, 3 unread' })).toBeTruthy();
    expect(screen.getByText('3 unread')).toBeTruthy();
    expect(screen.getByText('New notification: Run finished')).toBeTruthy();
    const items = within(screen.getByRole('list', { name: /Notifications/ })).getAllByRole('listitem');
    expect(within(items[0]!).getByRole('heading').textContent).toBe('Unread: Run finished');
  });

  test('an in-progress notification updates in place and is announced once when it finishes', async () => {
    const running = note({ title: 'Installing acme/search', body: 'Downloading…', inProgress: true });
    const other = note({ title: 'Other' });
    mockApi({ 'GET /api/notifications': page([running, other]) });
    await renderView(NotificationsView, { path: '/notifications' });
    const row = await screen.findByTestId(`notification-${running.id}`);
    expect(within(row).getByText('In progress')).toBeTruthy();

    const source = FakeEventSource.latest();
    source.open();
    source.emit('notification', { ...running, body: 'Verifying signature…', changeSeq: 10 }, '10');
    await vi.waitFor(() => expect(within(row).getByText('Verifying signature…')).toBeTruthy());
    expect(screen.getAllByRole('listitem')).toHaveLength(2);
    // Progress text is not announced.
    expect(screen.queryByText(/Finished:/)).toBeNull();

    source.emit(
      'notification',
      { ...running, body: 'Installed.', level: 'success', inProgress: false, changeSeq: 11 },
      '11',
    );
    await vi.waitFor(() => expect(within(row).getByText('Installed.')).toBeTruthy());
    expect(within(row).queryByText('In progress')).toBeNull();
    expect(screen.getByText('Finished: Installing acme/search')).toBeTruthy();
    // The same row, still in its place.
    expect(screen.getByTestId(`notification-${running.id}`)).toBe(row);

    // A late, older version of the row is ignored.
    source.emit('notification', { ...running, body: 'Stale', changeSeq: 9 }, '9');
    await Promise.resolve();
    expect(within(row).queryByText('Stale')).toBeNull();
  });

  test('says when the connection dropped and reads the list again when it is back', async () => {
    let answer = page([note({ title: 'Before' })]);
    const calls = mockApi({ 'GET /api/notifications': () => answer });
    await renderView(NotificationsView, { path: '/notifications' });
    await screen.findByText('Before');
    const source = FakeEventSource.latest();
    source.open();

    source.fail();
    expect(
      await screen.findByText('Reconnecting… the list will refresh when the connection is back.'),
    ).toBeTruthy();

    answer = page([note({ title: 'Missed while away' }), note({ title: 'Before' })]);
    source.open();
    expect(await screen.findByText('Missed while away')).toBeTruthy();
    expect(screen.queryByText(/Reconnecting/)).toBeNull();
    expect(calls.filter((c) => c.path === '/api/notifications')).toHaveLength(2);
  });

  test('marks one notification read, then all of them', async () => {
    const a = note({ title: 'Budget at 80%' });
    const b = note({ title: 'Approval needed' });
    const calls = mockApi({
      'GET /api/notifications': page([a, b]),
      'POST /api/notifications/read': { body: { count: 1 } },
    });
    await renderView(WithBell, { path: '/notifications' });
    await userEvent.click(await screen.findByRole('button', { name: 'Mark read: Budget at 80%' }));

    await vi.waitFor(() => expect(screen.getByText('1 unread')).toBeTruthy());
    const reads = calls.filter((c) => c.path === '/api/notifications/read');
    expect(reads[0]?.body).toEqual({ ids: [a.id] });
    expect(reads[0]?.headers.get('x-csrf-token')).toBe('csrf-test-token');
    expect(screen.queryByRole('button', { name: 'Mark read: Budget at 80%' })).toBeNull();
    expect(within(screen.getByTestId(`notification-${a.id}`)).getByRole('heading').textContent).toBe(
      'Budget at 80%',
    );

    await userEvent.click(screen.getByRole('button', { name: 'Mark all read' }));
    await vi.waitFor(() => expect(screen.getByText('All caught up')).toBeTruthy());
    expect(calls.filter((c) => c.path === '/api/notifications/read')[1]?.body).toEqual({ all: true });
    expect(screen.getByRole('link', { name: 'Notifications' })).toBeTruthy();
    expect(screen.queryAllByRole('button', { name: /Mark read/ })).toHaveLength(0);
  });

  test('shows a refused mark-read in words', async () => {
    const a = note({ title: 'Budget at 80%' });
    mockApi({
      'GET /api/notifications': page([a]),
      'POST /api/notifications/read': problem(403, 'forbidden', 'This token may not change notifications.'),
    });
    await renderView(NotificationsView, { path: '/notifications' });
    await userEvent.click(await screen.findByRole('button', { name: 'Mark read: Budget at 80%' }));
    expect((await screen.findByRole('alert')).textContent).toContain(
      'This token may not change notifications.',
    );
    expect(screen.getByText('1 unread')).toBeTruthy();
  });

  test('loads older notifications with the cursor and keeps the first page', async () => {
    const newer = note({ title: 'Newer' });
    const older = note({ title: 'Older', createdAt: '2025-12-01T00:00:00.000Z' });
    const calls = mockApi({
      'GET /api/notifications': ({ query }) =>
        query.get('cursor') === '41' ? page([older]) : page([newer], { nextCursor: '41' }),
    });
    await renderView(NotificationsView, { path: '/notifications' });
    await screen.findByText('Newer');
    await userEvent.click(screen.getByRole('button', { name: 'Load more' }));
    expect(await screen.findByText('Older')).toBeTruthy();
    expect(screen.getByText('Newer')).toBeTruthy();
    expect(calls.at(-1)?.query.get('cursor')).toBe('41');
    expect(screen.queryByRole('button', { name: 'Load more' })).toBeNull();
  });
});
