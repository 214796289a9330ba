import { screen, within } from '@testing-library/vue';
import userEvent from '@testing-library/user-event';
import { describe, expect, test } from 'vitest';
import { mockApi, problem } from '../../../test/mockApi';
import { TEST_USER_ID, renderView } from '../../../test/render';
import UsersView from './UsersView.vue';

const ADA = {
  id: TEST_USER_ID,
  email: 'ada@example.com',
  displayName: 'Ada Admin',
  kind: 'human',
  platformRole: 'platform_admin',
  disabled: false,
  createdAt: '2026-01-01T00:00:00.000Z',
};
const GRACE = {
  id: '00000000-0000-4000-8000-000000000002',
  email: 'grace@example.com',
  displayName: 'Grace',
  kind: 'human',
  platformRole: 'member',
  disabled: false,
  createdAt: '2026-01-02T00:00:00.000Z',
};
const BOT = {
  id: '00000000-0000-4000-8000-000000000003',
  email: 'ci@example.com',
  displayName: 'CI pipeline',
  kind: 'service_account',
  platformRole: 'member',
  disabled: true,
  createdAt: '2026-01-03T00:00:00.000Z',
};

const row = (name: string) => screen.getByRole('cell', { name: new RegExp(`^${name}`) }).closest('tr')!;

describe('UsersView', () => {
  test('lists users with their kind, role and status in words', async () => {
    mockApi({ 'GET /api/users': { body: [ADA, GRACE, BOT] } });
    await renderView(UsersView, { path: '/users' });
    const table = await screen.findByRole('table', { name: 'Users' });
    expect(
      within(table)
        .getAllByRole('columnheader')
        .map((th) => th.textContent?.trim()),
    ).toEqual(['Name', 'Email', 'Kind', 'Platform role', 'Status', 'Created', 'Actions']);
    expect(within(row('Ada Admin')).getByText('(you)')).toBeTruthy();
    // No locking yourself out.
    expect(screen.queryByRole('button', { name: 'Disable Ada Admin' })).toBeNull();
    expect(within(row('Ada Admin')).getByText('Platform administrator')).toBeTruthy();
    expect(within(row('CI pipeline')).getByText('Service account')).toBeTruthy();
    expect(within(row('CI pipeline')).getByText('Disabled')).toBeTruthy();
    expect(within(row('Grace')).getByText('Active')).toBeTruthy();
    expect(
      within(row('CI pipeline'))
        .getByRole('link', { name: 'API tokens of CI pipeline' })
        .getAttribute('href'),
    ).toBe(`/tokens?userId=${BOT.id}`);
  });

  test('says so when there are no users', async () => {
    mockApi({ 'GET /api/users': { body: [] } });
    await renderView(UsersView, { path: '/users' });
    expect(await screen.findByText('No users yet.')).toBeTruthy();
  });

  test('shows the not-allowed state when the server refuses the list', async () => {
    mockApi({
      'GET /api/users': problem(403, 'forbidden', 'Listing users requires platform_admin.'),
    });
    await renderView(UsersView, { path: '/users', signedIn: { roles: ['member'] } });
    expect(await screen.findByText('Not allowed')).toBeTruthy();
    expect(screen.getByText('Listing users requires platform_admin.')).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'New user' })).toBeNull();
  });

  test('checks the new user before sending, then creates them', async () => {
    const calls = mockApi({
      'GET /api/users': { body: [ADA] },
      'POST /api/users': { status: 201, body: GRACE },
    });
    await renderView(UsersView, { path: '/users' });
    await screen.findByRole('table', { name: 'Users' });
    await userEvent.click(screen.getByRole('button', { name: 'New user' }));
    const dialog = screen.getByRole('dialog', { name: 'New user' });
    await userEvent.type(within(dialog).getByLabelText(/Email/), 'not an email');
    await userEvent.type(within(dialog).getByLabelText(/Initial password/), 'short');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Create user' }));
    expect(within(dialog).getByText('Enter a name.')).toBeTruthy();
    expect(within(dialog).getByText('Enter an email address like name@example.com.')).toBeTruthy();
    expect(within(dialog).getByText('Use at least 12 characters for the password.')).toBeTruthy();
    expect(calls.filter((c) => c.method === 'POST')).toHaveLength(0);

    await userEvent.type(within(dialog).getByLabelText(/Name/), 'Grace');
    await userEvent.clear(within(dialog).getByLabelText(/Email/));
    await userEvent.type(within(dialog).getByLabelText(/Email/), 'grace@example.com');
    await userEvent.type(within(dialog).getByLabelText(/Initial password/), ' and long enough');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Create user' }));

    expect(await screen.findByText(/Created Grace \(grace@example.com\)/)).toBeTruthy();
    expect(calls.find((c) => c.method === 'POST')?.body).toEqual({
      kind: 'human',
      displayName: 'Grace',
      email: 'grace@example.com',
      password: 'short and long enough',
      platformRole: 'member',
    });
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(row('Grace')).toBeTruthy();
  });

  test('creates a service account without a password', async () => {
    const calls = mockApi({
      'GET /api/users': { body: [ADA] },
      'POST /api/users': { status: 201, body: { ...BOT, disabled: false } },
    });
    await renderView(UsersView, { path: '/users' });
    await screen.findByRole('table', { name: 'Users' });
    await userEvent.click(screen.getByRole('button', { name: 'New user' }));
    const dialog = screen.getByRole('dialog', { name: 'New user' });
    await userEvent.selectOptions(within(dialog).getByLabelText('Kind'), 'service_account');
    expect(within(dialog).queryByLabelText(/password/i)).toBeNull();
    await userEvent.type(within(dialog).getByLabelText(/Name/), 'CI pipeline');
    await userEvent.type(within(dialog).getByLabelText(/Email/), 'ci@example.com');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Create service account' }));
    expect(await screen.findByText(/Created the service account CI pipeline/)).toBeTruthy();
    expect(calls.find((c) => c.method === 'POST')?.body).toEqual({
      kind: 'service_account',
      displayName: 'CI pipeline',
      email: 'ci@example.com',
      platformRole: 'member',
    });
  });

  test('shows the server refusal in the dialog, next to the field it names', async () => {
    mockApi({
      'GET /api/users': { body: [ADA] },
      'POST /api/users': problem(409, 'conflict', 'A user with the email grace@example.com already exists.', [
        { path: '/body/email', message: 'is already taken' },
      ]),
    });
    await renderView(UsersView, { path: '/users' });
    await screen.findByRole('table', { name: 'Users' });
    await userEvent.click(screen.getByRole('button', { name: 'New user' }));
    const dialog = screen.getByRole('dialog', { name: 'New user' });
    await userEvent.type(within(dialog).getByLabelText(/Name/), 'Grace');
    await userEvent.type(within(dialog).getByLabelText(/Email/), 'grace@example.com');
    await userEvent.type(within(dialog).getByLabelText(/Initial password/), 'correct horse battery');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Create user' }));
    expect((await within(dialog).findByRole('alert')).textContent).toContain(
      'A user with the email grace@example.com already exists.',
    );
    expect(within(dialog).getByText('is already taken')).toBeTruthy();
    expect(within(dialog).getByLabelText(/Email/).getAttribute('aria-invalid')).toBe('true');
  });

  test('changes the platform role', async () => {
    const calls = mockApi({
      'GET /api/users': { body: [ADA, GRACE] },
      'PATCH /api/users/:id': { body: { ...GRACE, platformRole: 'platform_admin' } },
    });
    await renderView(UsersView, { path: '/users' });
    await userEvent.click(await screen.findByRole('button', { name: 'Change role of Grace' }));
    const dialog = screen.getByRole('dialog', { name: 'Change the role of Grace' });
    await userEvent.selectOptions(within(dialog).getByLabelText('Platform role'), 'platform_admin');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Save role' }));
    expect(await screen.findByText('Grace is now platform administrator.')).toBeTruthy();
    const patch = calls.find((c) => c.method === 'PATCH');
    expect(patch?.path).toBe(`/api/users/${GRACE.id}`);
    expect(patch?.body).toEqual({ platformRole: 'platform_admin' });
    expect(within(row('Grace')).getByText('Platform administrator')).toBeTruthy();
  });

  test('disables a user only after confirming, and shows a refusal in words', async () => {
    let refuse = true;
    const calls = mockApi({
      'GET /api/users': { body: [ADA, GRACE] },
      'PATCH /api/users/:id': () =>
        refuse
          ? problem(409, 'conflict', 'This is the last platform admin; make another admin first.')
          : { body: { ...GRACE, disabled: true } },
    });
    await renderView(UsersView, { path: '/users' });
    await userEvent.click(await screen.findByRole('button', { name: 'Disable Grace' }));
    const dialog = screen.getByRole('dialog', { name: 'Disable Grace?' });
    expect(calls.filter((c) => c.method === 'PATCH')).toHaveLength(0);

    await userEvent.click(within(dialog).getByRole('button', { name: 'Disable user' }));
    expect((await within(dialog).findByRole('alert')).textContent).toContain(
      'This is the last platform admin; make another admin first.',
    );

    refuse = false;
    await userEvent.click(within(dialog).getByRole('button', { name: 'Disable user' }));
    expect(await screen.findByText(/Disabled Grace\./)).toBeTruthy();
    expect(calls.filter((c) => c.method === 'PATCH').at(-1)?.body).toEqual({ disabled: true });
    expect(within(row('Grace')).getByText('Disabled')).toBeTruthy();
    expect(screen.queryByRole('dialog')).toBeNull();
  });

  test('enables a disabled account at once', async () => {
    const calls = mockApi({
      'GET /api/users': { body: [ADA, BOT] },
      'PATCH /api/users/:id': { body: { ...BOT, disabled: false } },
    });
    await renderView(UsersView, { path: '/users' });
    await userEvent.click(await screen.findByRole('button', { name: 'Enable CI pipeline' }));
    expect(await screen.findByText(/Enabled CI pipeline\./)).toBeTruthy();
    expect(calls.find((c) => c.method === 'PATCH')?.body).toEqual({ disabled: false });
    expect(within(row('CI pipeline')).getByText('Active')).toBeTruthy();
  });
});
