import { screen, within } from '@testing-library/vue';
import userEvent from '@testing-library/user-event';
import { describe, expect, test, vi } from 'vitest';
import { mockApi, problem } from '../../../test/mockApi';
import { TEST_USER_ID, renderView } from '../../../test/render';
import { useSessionStore } from '../../stores/session';
import TeamDetailView from './TeamDetailView.vue';

const ORG_ID = '10000000-0000-4000-8000-000000000001';
const TEAM_ID = '20000000-0000-4000-8000-000000000001';
const TEAM = {
  id: TEAM_ID,
  organizationId: ORG_ID,
  slug: 'platform',
  name: 'Platform',
  createdAt: '2026-01-03T00:00:00.000Z',
};
const GRACE_ID = '00000000-0000-4000-8000-000000000002';
const LINUS_ID = '00000000-0000-4000-8000-000000000003';
const since = '2026-01-04T00:00:00.000Z';
const ADA_IN_TEAM = {
  userId: TEST_USER_ID,
  email: 'ada@example.com',
  displayName: 'Ada Admin',
  role: 'team_admin',
  since,
};
const GRACE_IN_TEAM = {
  userId: GRACE_ID,
  email: 'grace@example.com',
  displayName: 'Grace',
  role: 'member',
  since,
};
const ORG_MEMBERS = [
  { ...ADA_IN_TEAM, role: 'org_owner' },
  { ...GRACE_IN_TEAM, role: 'member' },
  { userId: LINUS_ID, email: 'linus@example.com', displayName: 'Linus', role: 'member', since },
];
const PATH = `/teams/${TEAM_ID}`;

function api(extra: Parameters<typeof mockApi>[0] = {}) {
  return mockApi({
    'GET /api/teams/:id': { body: TEAM },
    'GET /api/teams/:id/members': { body: [ADA_IN_TEAM, GRACE_IN_TEAM] },
    'GET /api/organizations/:id/members': { body: ORG_MEMBERS },
    ...extra,
  });
}

const memberRow = (name: string) =>
  within(screen.getByRole('table', { name: 'Team members' }))
    .getByRole('cell', { name })
    .closest('tr')!;

describe('TeamDetailView', () => {
  test('shows the team and its members, with a way back to the organization', async () => {
    api();
    await renderView(TeamDetailView, { path: PATH });
    expect(await screen.findByRole('heading', { level: 1, name: 'Platform' })).toBeTruthy();
    expect(screen.getByRole('link', { name: 'Back to the organization' }).getAttribute('href')).toBe(
      `/organizations/${ORG_ID}`,
    );
    expect(
      within(await screen.findByRole('table', { name: 'Team members' })).getByText('Team administrator'),
    ).toBeTruthy();
    expect(within(memberRow('Grace')).getByText('Member')).toBeTruthy();
  });

  test('says so when the team has no members', async () => {
    api({ 'GET /api/teams/:id/members': { body: [] } });
    await renderView(TeamDetailView, { path: PATH });
    expect(await screen.findByText('No members yet. Add people from the organization below.')).toBeTruthy();
  });

  test('renames the team after checking the name', async () => {
    const calls = api({ 'PATCH /api/teams/:id': { body: { ...TEAM, name: 'Platform engineering' } } });
    await renderView(TeamDetailView, { path: PATH });
    const name = await screen.findByLabelText(/Team name/);
    await userEvent.clear(name);
    await userEvent.click(screen.getByRole('button', { name: 'Rename' }));
    expect(screen.getByText('Enter a name.')).toBeTruthy();
    expect(calls.filter((c) => c.method === 'PATCH')).toHaveLength(0);
    await userEvent.type(name, 'Platform engineering');
    await userEvent.click(screen.getByRole('button', { name: 'Rename' }));
    expect(await screen.findByText('Renamed to Platform engineering.')).toBeTruthy();
    expect(calls.find((c) => c.method === 'PATCH')?.body).toEqual({ name: 'Platform engineering' });
  });

  test("adds one of the organization's members", async () => {
    const calls = api({
      'PUT /api/teams/:id/members/:userId': {
        body: {
          userId: LINUS_ID,
          email: 'linus@example.com',
          displayName: 'Linus',
          role: 'team_admin',
          since,
        },
      },
    });
    await renderView(TeamDetailView, { path: PATH });
    await screen.findByRole('table', { name: 'Team members' });
    const pick = screen.getByLabelText(/Organization member/);
    await vi.waitFor(() =>
      expect(
        within(pick)
          .getAllByRole('option')
          .map((o) => o.textContent?.trim()),
      ).toEqual(['Choose a member', 'Linus (linus@example.com)']),
    );
    await userEvent.click(screen.getByRole('button', { name: 'Add member' }));
    expect(screen.getByText('Choose who to add.')).toBeTruthy();
    expect(calls.filter((c) => c.method === 'PUT')).toHaveLength(0);

    await userEvent.selectOptions(pick, LINUS_ID);
    await userEvent.selectOptions(screen.getByLabelText('Role'), 'team_admin');
    await userEvent.click(screen.getByRole('button', { name: 'Add member' }));
    expect(await screen.findByText('Added Linus as team administrator.')).toBeTruthy();
    const put = calls.find((c) => c.method === 'PUT');
    expect(put?.path).toBe(`/api/teams/${TEAM_ID}/members/${LINUS_ID}`);
    expect(put?.body).toEqual({ role: 'team_admin' });
    expect(memberRow('Linus')).toBeTruthy();
  });

  test('shows a refusal to add a member in words', async () => {
    api({
      'PUT /api/teams/:id/members/:userId': problem(
        409,
        'conflict',
        'Only members of the organization can join its teams; add the user to the organization first.',
      ),
    });
    await renderView(TeamDetailView, { path: PATH });
    await screen.findByRole('table', { name: 'Team members' });
    const pick = screen.getByLabelText(/Organization member/);
    await vi.waitFor(() => expect(within(pick).getAllByRole('option')).toHaveLength(2));
    await userEvent.selectOptions(pick, LINUS_ID);
    await userEvent.click(screen.getByRole('button', { name: 'Add member' }));
    expect((await screen.findByRole('alert')).textContent).toContain(
      'Only members of the organization can join its teams',
    );
  });

  test('changes the role of a member and removes one after confirming', async () => {
    const calls = api({
      'PUT /api/teams/:id/members/:userId': { body: { ...GRACE_IN_TEAM, role: 'team_admin' } },
      'DELETE /api/teams/:id/members/:userId': { status: 204 },
    });
    await renderView(TeamDetailView, { path: PATH });
    await userEvent.click(await screen.findByRole('button', { name: 'Change role of Grace' }));
    const roleDialog = screen.getByRole('dialog', { name: 'Change the role of Grace' });
    await userEvent.selectOptions(within(roleDialog).getByLabelText('Role'), 'team_admin');
    await userEvent.click(within(roleDialog).getByRole('button', { name: 'Save role' }));
    expect(await screen.findByText('Grace is now team administrator.')).toBeTruthy();
    expect(calls.find((c) => c.method === 'PUT')?.body).toEqual({ role: 'team_admin' });

    await userEvent.click(screen.getByRole('button', { name: 'Remove Grace' }));
    const removeDialog = screen.getByRole('dialog', { name: 'Remove Grace?' });
    expect(calls.filter((c) => c.method === 'DELETE')).toHaveLength(0);
    await userEvent.click(within(removeDialog).getByRole('button', { name: 'Remove member' }));
    expect(await screen.findByText('Removed Grace from the team.')).toBeTruthy();
    expect(calls.find((c) => c.method === 'DELETE')?.path).toBe(`/api/teams/${TEAM_ID}/members/${GRACE_ID}`);
  });

  test('deletes the team after confirming and returns to the organization', async () => {
    const calls = api({ 'DELETE /api/teams/:id': { status: 204 } });
    const { router } = await renderView(TeamDetailView, { path: PATH });
    await userEvent.click(await screen.findByRole('button', { name: 'Delete team' }));
    const dialog = screen.getByRole('dialog', { name: 'Delete Platform?' });
    await userEvent.click(within(dialog).getByRole('button', { name: 'Delete team' }));
    await vi.waitFor(() => expect(router.currentRoute.value.path).toBe(`/organizations/${ORG_ID}`));
    expect(calls.find((c) => c.method === 'DELETE')?.path).toBe(`/api/teams/${TEAM_ID}`);
  });

  test('a team admin manages members but cannot delete the team', async () => {
    api();
    await renderView(TeamDetailView, { path: PATH, signedIn: { roles: ['member'] } });
    const session = useSessionStore().session!;
    session.organizations = [{ id: ORG_ID, role: 'member' }];
    session.teams = [{ id: TEAM_ID, organizationId: ORG_ID, role: 'team_admin' }];
    expect(await screen.findByRole('button', { name: 'Change role of Grace' })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Add member' })).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Delete team' })).toBeNull();
  });

  test('a plain team member only reads', async () => {
    api();
    await renderView(TeamDetailView, { path: PATH, signedIn: { roles: ['member'] } });
    const session = useSessionStore().session!;
    session.organizations = [{ id: ORG_ID, role: 'member' }];
    session.teams = [{ id: TEAM_ID, organizationId: ORG_ID, role: 'member' }];
    await screen.findByRole('table', { name: 'Team members' });
    expect(screen.queryByLabelText(/Team name/)).toBeNull();
    expect(screen.queryByRole('button', { name: /Change role/ })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Add member' })).toBeNull();
  });

  test('shows the not-allowed state to someone outside the team', async () => {
    const refusal = problem(403, 'forbidden', 'You are not a member of this team.');
    mockApi({ 'GET /api/teams/:id': refusal, 'GET /api/teams/:id/members': refusal });
    await renderView(TeamDetailView, { path: PATH, signedIn: { roles: ['member'] } });
    expect(await screen.findByText('Not allowed')).toBeTruthy();
    expect(screen.getByText('You are not a member of this team.')).toBeTruthy();
  });
});
