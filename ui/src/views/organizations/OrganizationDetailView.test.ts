import { screen, within } from '@testing-library/vue';
import userEvent from '@testing-library/user-event';
import { describe, expect, test, vi } from 'vitest';
import { mockApi, problem } from '../../../test/mockApi';
import { TEST_USER_ID, renderView } from '../../../test/render';
import { useSessionStore } from '../../stores/session';
import OrganizationDetailView from './OrganizationDetailView.vue';

const ORG_ID = '10000000-0000-4000-8000-000000000001';
const ACME = { id: ORG_ID, slug: 'acme', name: 'Acme', createdAt: '2026-01-01T00:00:00.000Z' };
const GRACE_ID = '00000000-0000-4000-8000-000000000002';
const LINUS_ID = '00000000-0000-4000-8000-000000000003';
const OWNER = {
  userId: TEST_USER_ID,
  email: 'ada@example.com',
  displayName: 'Ada Admin',
  role: 'org_owner',
  since: '2026-01-01T00:00:00.000Z',
};
const GRACE = {
  userId: GRACE_ID,
  email: 'grace@example.com',
  displayName: 'Grace',
  role: 'member',
  since: '2026-01-02T00:00:00.000Z',
};
const PLATFORM = {
  id: '20000000-0000-4000-8000-000000000001',
  organizationId: ORG_ID,
  slug: 'platform',
  name: 'Platform',
  createdAt: '2026-01-03T00:00:00.000Z',
};
const USERS = [
  { id: TEST_USER_ID, email: 'ada@example.com', displayName: 'Ada Admin' },
  { id: GRACE_ID, email: 'grace@example.com', displayName: 'Grace' },
  { id: LINUS_ID, email: 'linus@example.com', displayName: 'Linus' },
].map((u) => ({ ...u, kind: 'human', platformRole: 'member', disabled: false, createdAt: ACME.createdAt }));

const PATH = `/organizations/${ORG_ID}`;

function api(extra: Parameters<typeof mockApi>[0] = {}) {
  return mockApi({
    'GET /api/organizations/:id': { body: ACME },
    'GET /api/organizations/:id/members': { body: [OWNER, GRACE] },
    'GET /api/organizations/:id/teams': { body: [PLATFORM] },
    'GET /api/users': { body: USERS },
    ...extra,
  });
}

/** Renders as a member whose role in Acme is `role`. */
async function renderAsMember(role: string) {
  const result = await renderView(OrganizationDetailView, { path: PATH, signedIn: { roles: ['member'] } });
  useSessionStore().session!.organizations = [{ id: ORG_ID, role }];
  return result;
}

const memberRow = (name: string) =>
  within(screen.getByRole('table', { name: 'Members' }))
    .getByRole('cell', { name })
    .closest('tr')!;

describe('OrganizationDetailView', () => {
  test('shows the organization, its members and its teams', async () => {
    api();
    await renderView(OrganizationDetailView, { path: PATH });
    expect(await screen.findByRole('heading', { level: 1, name: 'Acme' })).toBeTruthy();
    expect(within(await screen.findByRole('table', { name: 'Members' })).getByText('Owner')).toBeTruthy();
    expect(within(memberRow('Grace')).getByText('Member')).toBeTruthy();
    const teams = await screen.findByRole('table', { name: 'Teams' });
    expect(within(teams).getByRole('link', { name: 'Platform' }).getAttribute('href')).toBe(
      `/teams/${PLATFORM.id}`,
    );
  });

  test('renames the organization after checking the name', async () => {
    const calls = api({ 'PATCH /api/organizations/:id': { body: { ...ACME, name: 'Acme Corp' } } });
    await renderView(OrganizationDetailView, { path: PATH });
    const name = await screen.findByLabelText(/Organization name/);
    await userEvent.clear(name);
    await userEvent.click(screen.getByRole('button', { name: 'Rename' }));
    expect(screen.getByText('Enter a name.')).toBeTruthy();
    expect(calls.filter((c) => c.method === 'PATCH')).toHaveLength(0);

    await userEvent.type(name, 'Acme Corp');
    await userEvent.click(screen.getByRole('button', { name: 'Rename' }));
    expect(await screen.findByText('Renamed to Acme Corp.')).toBeTruthy();
    expect(calls.find((c) => c.method === 'PATCH')?.body).toEqual({ name: 'Acme Corp' });
    expect(screen.getByRole('heading', { level: 1, name: 'Acme Corp' })).toBeTruthy();
  });

  test('a platform admin adds a member picked from the users', async () => {
    const calls = api({
      'PUT /api/organizations/:id/members/:userId': {
        body: {
          userId: LINUS_ID,
          email: 'linus@example.com',
          displayName: 'Linus',
          role: 'org_admin',
          since: ACME.createdAt,
        },
      },
    });
    await renderView(OrganizationDetailView, { path: PATH });
    await screen.findByRole('table', { name: 'Members' });
    expect(screen.queryByLabelText(/^Email/)).toBeNull();
    const user = await screen.findByLabelText(/^User/);
    // Existing members are not offered.
    await vi.waitFor(() =>
      expect(
        within(user)
          .getAllByRole('option')
          .map((o) => o.textContent?.trim()),
      ).toEqual(['Choose a user', 'Linus (linus@example.com)']),
    );
    await userEvent.click(screen.getByRole('button', { name: 'Add member' }));
    expect(screen.getByText('Choose who to add.')).toBeTruthy();
    expect(calls.filter((c) => c.method === 'PUT')).toHaveLength(0);

    await userEvent.selectOptions(user, LINUS_ID);
    await userEvent.selectOptions(screen.getByLabelText('Role'), 'org_admin');
    await userEvent.click(screen.getByRole('button', { name: 'Add member' }));
    expect(await screen.findByText('Added Linus as administrator.')).toBeTruthy();
    const put = calls.find((c) => c.method === 'PUT');
    expect(put?.path).toBe(`/api/organizations/${ORG_ID}/members/${LINUS_ID}`);
    expect(put?.body).toEqual({ role: 'org_admin' });
    expect(memberRow('Linus')).toBeTruthy();
  });

  test('an org admin adds a member by email, checked first', async () => {
    const LINUS = {
      userId: LINUS_ID,
      email: 'linus@example.com',
      displayName: 'Linus',
      role: 'member',
      since: ACME.createdAt,
    };
    const calls = mockApi({
      'GET /api/organizations/:id': { body: ACME },
      'GET /api/organizations/:id/members': { body: [OWNER, GRACE] },
      'GET /api/organizations/:id/teams': { body: [] },
      'POST /api/organizations/:id/members': { status: 201, body: LINUS },
    });
    await renderAsMember('org_admin');
    await screen.findByRole('table', { name: 'Members' });
    expect(screen.queryByLabelText(/User ID/)).toBeNull();
    const email = screen.getByLabelText(/^Email/);
    await userEvent.type(email, 'linus');
    await userEvent.click(screen.getByRole('button', { name: 'Add member' }));
    expect(screen.getByText('Enter an email address like name@example.com.')).toBeTruthy();
    await userEvent.clear(email);
    await userEvent.type(email, 'Grace@Example.com');
    await userEvent.click(screen.getByRole('button', { name: 'Add member' }));
    expect(screen.getByText('Already a member; change their role in the list instead.')).toBeTruthy();
    expect(calls.filter((c) => c.method === 'POST')).toHaveLength(0);
    // Only owners can make owners.
    const owner = within(screen.getByLabelText('Role')).getByRole('option', {
      name: 'Owner',
    }) as HTMLOptionElement;
    expect(owner.disabled).toBe(true);
    expect(within(memberRow('Ada Admin')).getByText('Only owners can change an owner')).toBeTruthy();

    await userEvent.clear(email);
    await userEvent.type(email, ' linus@example.com ');
    await userEvent.click(screen.getByRole('button', { name: 'Add member' }));
    expect(await screen.findByText('Added Linus as member.')).toBeTruthy();
    const post = calls.find((c) => c.method === 'POST');
    expect(post?.path).toBe(`/api/organizations/${ORG_ID}/members`);
    expect(post?.body).toEqual({ email: 'linus@example.com', role: 'member' });
    expect(memberRow('Linus')).toBeTruthy();
    expect((screen.getByLabelText(/^Email/) as HTMLInputElement).value).toBe('');
    expect(calls.filter((c) => c.path === '/api/users' || c.method === 'PUT')).toHaveLength(0);
  });

  test('an org admin sees in words that an email has no account', async () => {
    const detail = 'No account uses that email; a platform admin creates accounts under Users.';
    mockApi({
      'GET /api/organizations/:id': { body: ACME },
      'GET /api/organizations/:id/members': { body: [OWNER, GRACE] },
      'GET /api/organizations/:id/teams': { body: [] },
      'POST /api/organizations/:id/members': problem(404, 'not_found', detail),
    });
    await renderAsMember('org_admin');
    await userEvent.type(await screen.findByLabelText(/^Email/), 'nobody@example.com');
    await userEvent.click(screen.getByRole('button', { name: 'Add member' }));
    expect((await screen.findByRole('alert')).textContent).toContain(detail);
    expect(
      within(screen.getByRole('table', { name: 'Members' })).queryByText('nobody@example.com'),
    ).toBeNull();
  });

  test('changes the role of a member', async () => {
    const calls = api({
      'PUT /api/organizations/:id/members/:userId': { body: { ...GRACE, role: 'org_admin' } },
    });
    await renderView(OrganizationDetailView, { path: PATH });
    await userEvent.click(await screen.findByRole('button', { name: 'Change role of Grace' }));
    const dialog = screen.getByRole('dialog', { name: 'Change the role of Grace' });
    await userEvent.selectOptions(within(dialog).getByLabelText('Role'), 'org_admin');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Save role' }));
    expect(await screen.findByText('Grace is now administrator.')).toBeTruthy();
    expect(calls.find((c) => c.method === 'PUT')?.body).toEqual({ role: 'org_admin' });
    expect(within(memberRow('Grace')).getByText('Administrator')).toBeTruthy();
  });

  test('re-reads your roles after you change your own membership', async () => {
    const ME = { ...OWNER, role: 'org_admin' };
    const calls = mockApi({
      'GET /api/organizations/:id': { body: ACME },
      'GET /api/organizations/:id/members': { body: [ME, GRACE] },
      'GET /api/organizations/:id/teams': { body: [] },
      'PUT /api/organizations/:id/members/:userId': { body: { ...ME, role: 'member' } },
      'GET /api/auth/session': () => ({
        body: { ...useSessionStore().session, organizations: [{ id: ORG_ID, role: 'member' }] },
      }),
    });
    await renderAsMember('org_admin');
    await userEvent.click(await screen.findByRole('button', { name: 'Change role of Ada Admin' }));
    const dialog = screen.getByRole('dialog', { name: 'Change the role of Ada Admin' });
    await userEvent.selectOptions(within(dialog).getByLabelText('Role'), 'member');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Save role' }));
    expect(await screen.findByText('Ada Admin is now member.')).toBeTruthy();
    expect(calls.some((c) => c.path === '/api/auth/session')).toBe(true);
    await vi.waitFor(() => expect(screen.queryByRole('button', { name: 'Add member' })).toBeNull());
  });

  test('removes a member after confirming', async () => {
    const calls = api({ 'DELETE /api/organizations/:id/members/:userId': { status: 204 } });
    await renderView(OrganizationDetailView, { path: PATH });
    await userEvent.click(await screen.findByRole('button', { name: 'Remove Grace' }));
    const dialog = screen.getByRole('dialog', { name: 'Remove Grace?' });
    expect(within(dialog).getByText(/leaves Acme and every one of its teams/)).toBeTruthy();
    expect(calls.filter((c) => c.method === 'DELETE')).toHaveLength(0);
    await userEvent.click(within(dialog).getByRole('button', { name: 'Remove member' }));
    expect(await screen.findByText('Removed Grace from the organization and its teams.')).toBeTruthy();
    expect(calls.find((c) => c.method === 'DELETE')?.path).toBe(
      `/api/organizations/${ORG_ID}/members/${GRACE_ID}`,
    );
    expect(within(screen.getByRole('table', { name: 'Members' })).queryByText('Grace')).toBeNull();
  });

  test('creates a team', async () => {
    const created = {
      ...PLATFORM,
      id: '20000000-0000-4000-8000-000000000002',
      slug: 'data-team',
      name: 'Data team',
    };
    const calls = api({ 'POST /api/organizations/:id/teams': { status: 201, body: created } });
    await renderView(OrganizationDetailView, { path: PATH });
    await userEvent.click(await screen.findByRole('button', { name: 'New team' }));
    const dialog = screen.getByRole('dialog', { name: 'New team' });
    await userEvent.click(within(dialog).getByRole('button', { name: 'Create team' }));
    expect(within(dialog).getByText('Enter a name.')).toBeTruthy();
    expect(calls.filter((c) => c.method === 'POST')).toHaveLength(0);
    await userEvent.type(within(dialog).getByLabelText(/Name/), 'Data team');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Create team' }));
    expect(await screen.findByText('Team created')).toBeTruthy();
    expect(calls.find((c) => c.method === 'POST')?.body).toEqual({ name: 'Data team', slug: 'data-team' });
    expect(screen.getByRole('link', { name: 'Add its members' }).getAttribute('href')).toBe(
      `/teams/${created.id}`,
    );
    expect(
      within(screen.getByRole('table', { name: 'Teams' })).getByRole('link', { name: 'Data team' }),
    ).toBeTruthy();
  });

  test('deletes the organization only after its name is typed', async () => {
    const calls = api({ 'DELETE /api/organizations/:id': { status: 204 } });
    const { router } = await renderView(OrganizationDetailView, { path: PATH });
    await userEvent.click(await screen.findByRole('button', { name: 'Delete organization' }));
    const dialog = screen.getByRole('dialog', { name: 'Delete Acme?' });
    const confirm = within(dialog).getByRole('button', { name: 'Delete organization' }) as HTMLButtonElement;
    expect(confirm.disabled).toBe(true);
    await userEvent.type(within(dialog).getByLabelText(/Type Acme to confirm/), 'Acme');
    expect(confirm.disabled).toBe(false);
    await userEvent.click(confirm);
    await vi.waitFor(() => expect(router.currentRoute.value.path).toBe('/organizations'));
    expect(calls.find((c) => c.method === 'DELETE')?.path).toBe(`/api/organizations/${ORG_ID}`);
  });

  test('a plain member sees the organization but no management controls', async () => {
    mockApi({
      'GET /api/organizations/:id': { body: ACME },
      'GET /api/organizations/:id/members': { body: [OWNER, GRACE] },
      'GET /api/organizations/:id/teams': { body: [] },
    });
    await renderAsMember('member');
    expect(await screen.findByText('You are not in any team of this organization.')).toBeTruthy();
    await screen.findByRole('table', { name: 'Members' });
    expect(screen.queryByLabelText(/Organization name/)).toBeNull();
    expect(screen.queryByRole('button', { name: 'Add member' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'New team' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Delete organization' })).toBeNull();
  });

  test('shows the not-allowed state to someone outside the organization', async () => {
    const refusal = problem(403, 'forbidden', 'You are not a member of this organization.');
    mockApi({
      'GET /api/organizations/:id': refusal,
      'GET /api/organizations/:id/members': refusal,
      'GET /api/organizations/:id/teams': refusal,
    });
    await renderView(OrganizationDetailView, { path: PATH, signedIn: { roles: ['member'] } });
    expect(await screen.findByText('Not allowed')).toBeTruthy();
    expect(screen.getByText('You are not a member of this organization.')).toBeTruthy();
    expect(screen.queryByRole('table')).toBeNull();
  });
});
