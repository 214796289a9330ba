import { screen } from '@testing-library/vue';
import { describe, expect, test } from 'vitest';
import { mockApi } from '../../test/mockApi';
import { renderView } from '../../test/render';
import App from '../App.vue';

function notificationsApi() {
  return mockApi({
    'GET /api/notifications': { body: { notifications: [], nextCursor: null, changeSeq: 0, unreadCount: 0 } },
    'GET /api/registry/packages': { body: { packages: [] } },
    'GET /api/extensions': { body: [] },
    'GET /api/extension-operations': { body: [] },
  });
}

// Rendered through App, as in the browser: the shell is the parent route of every page.
describe('AppShell', () => {
  test('marks the navigation entry of the page, also on pages below it', async () => {
    notificationsApi();
    await renderView(App, { path: '/marketplace/package/instance/@acme/hello' });
    const nav = screen.getByRole('navigation', { name: 'Main' });
    const current = nav.querySelectorAll('[aria-current="page"]');
    expect([...current].map((link) => link.textContent?.trim())).toEqual(['Marketplace']);
  });

  test('a separate entry below another one is the current one on its own page', async () => {
    notificationsApi();
    await renderView(App, { path: '/marketplace/operations' });
    const current = screen
      .getByRole('navigation', { name: 'Main' })
      .querySelectorAll('[aria-current="page"]');
    expect([...current].map((link) => link.textContent?.trim())).toEqual(['Installs and approvals']);
  });

  test('members do not see admin-only entries, and admin pages say they are not allowed', async () => {
    notificationsApi();
    await renderView(App, { path: '/audit', signedIn: { roles: ['member'] } });
    expect(screen.queryByRole('link', { name: 'Audit log' })).toBeNull();
    expect(screen.getByRole('link', { name: 'API tokens' })).toBeTruthy();
    expect(screen.getByText(/This page is for platform administrators/)).toBeTruthy();
  });
});
