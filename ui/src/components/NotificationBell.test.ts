import { screen } from '@testing-library/vue';
import { describe, expect, test } from 'vitest';
import { renderView } from '../../test/render';
import { useNotificationsStore } from '../stores/notifications';
import NotificationBell from './NotificationBell.vue';

describe('NotificationBell', () => {
  test('links to the feed and names the unread count', async () => {
    await renderView(NotificationBell, { path: '/tokens' });
    const link = screen.getByRole('link', { name: 'Notifications' });
    expect(link.getAttribute('href')).toBe('/notifications');
    expect(link.textContent).not.toMatch(/\d/);

    useNotificationsStore().unreadCount = 3;
    expect(await screen.findByRole('link', { name: 'Notifications, 3 unread' })).toBeTruthy();
    expect(link.textContent).toContain('3');
  });

  test('caps the visible count but says the real one', async () => {
    await renderView(NotificationBell, { path: '/tokens' });
    useNotificationsStore().unreadCount = 120;
    const link = await screen.findByRole('link', { name: 'Notifications, 120 unread' });
    expect(link.textContent).toContain('99+');
  });
});
