import { screen } from '@testing-library/vue';
import userEvent from '@testing-library/user-event';
import { describe, expect, test, vi } from 'vitest';
import { mockApi, problem } from '../../test/mockApi';
import { renderView } from '../../test/render';
import { useSessionStore } from '../stores/session';
import LoginView from './LoginView.vue';

const SESSION = {
  user: {
    id: '00000000-0000-4000-8000-000000000002',
    email: 'ada@example.com',
    displayName: 'Ada',
    kind: 'human',
    platformRole: 'platform_admin',
    disabled: false,
    createdAt: '2026-01-01T00:00:00.000Z',
  },
  csrfToken: 'csrf-1',
  authSource: 'session',
  roles: ['platform_admin'],
  organizations: [],
  teams: [],
  tokenScopes: null,
};

describe('LoginView', () => {
  test('checks the form before sending anything', async () => {
    const calls = mockApi({
      'GET /api/auth/session': problem(401, 'unauthenticated', 'Sign in.'),
      'GET /api/auth/setup': { body: { needsSetup: false } },
    });
    await renderView(LoginView, { path: '/login', signedIn: null });
    await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByText('Enter an email address.')).toBeTruthy();
    expect(screen.getByLabelText(/Email/).getAttribute('aria-invalid')).toBe('true');
    expect(calls.filter((c) => c.path === '/api/auth/login')).toHaveLength(0);
  });

  test('shows the server refusal in words and keeps what was typed', async () => {
    mockApi({
      'GET /api/auth/session': problem(401, 'unauthenticated', 'Sign in.'),
      'GET /api/auth/setup': { body: { needsSetup: false } },
      'POST /api/auth/login': problem(401, 'invalid_credentials', 'The email or password is wrong.'),
    });
    await renderView(LoginView, { path: '/login', signedIn: null });
    await userEvent.type(screen.getByLabelText(/Email/), 'ada@example.com');
    await userEvent.type(screen.getByLabelText(/Password/), 'wrong password');
    await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect((await screen.findByRole('alert')).textContent).toContain('The email or password is wrong.');
    expect((screen.getByLabelText(/Email/) as HTMLInputElement).value).toBe('ada@example.com');
  });

  test('signs in and goes where the user was headed', async () => {
    let signedIn = false;
    const calls = mockApi({
      'GET /api/auth/session': () =>
        signedIn ? { body: SESSION } : problem(401, 'unauthenticated', 'Sign in.'),
      'GET /api/auth/setup': { body: { needsSetup: false } },
      'POST /api/auth/login': () => {
        signedIn = true;
        return { body: { user: SESSION.user, csrfToken: 'csrf-1', expiresAt: '2026-01-02T00:00:00.000Z' } };
      },
    });
    const { router } = await renderView(LoginView, { path: '/login?next=/tokens', signedIn: null });
    await userEvent.type(screen.getByLabelText(/Email/), 'ada@example.com');
    await userEvent.type(screen.getByLabelText(/Password/), 'correct horse battery');
    await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    await vi.waitFor(() => expect(router.currentRoute.value.path).toBe('/tokens'));
    expect(calls.find((c) => c.path === '/api/auth/login')?.body).toEqual({
      email: 'ada@example.com',
      password: 'correct horse battery',
    });
    expect(useSessionStore().isPlatformAdmin).toBe(true);
  });

  test('says when the session ended', async () => {
    mockApi({
      'GET /api/auth/session': problem(401, 'unauthenticated', 'Sign in.'),
      'GET /api/auth/setup': { body: { needsSetup: false } },
    });
    await renderView(LoginView, { path: '/login', signedIn: null });
    useSessionStore().expired = true;
    expect(await screen.findByText('Your session ended')).toBeTruthy();
  });
});
