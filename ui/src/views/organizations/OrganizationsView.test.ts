import { screen, within } from '@testing-library/vue';
import userEvent from '@testing-library/user-event';
import { describe, expect, test } from 'vitest';
import { mockApi, problem } from '../../../test/mockApi';
import { renderView } from '../../../test/render';
import { useSessionStore } from '../../stores/session';
import OrganizationsView from './OrganizationsView.vue';

const ACME = {
  id: '10000000-0000-4000-8000-000000000001',
  slug: 'acme',
  name: 'Acme',
  createdAt: '2026-01-01T00:00:00.000Z',
};
const GLOBEX = {
  id: '10000000-0000-4000-8000-000000000002',
  slug: 'globex',
  name: 'Globex',
  createdAt: '2026-01-02T00:00:00.000Z',
};

describe('OrganizationsView', () => {
  test('lists organizations with links and your role', async () => {
    mockApi({ 'GET /api/organizations': { body: [ACME, GLOBEX] } });
    await renderView(OrganizationsView, { path: '/organizations', signedIn: { roles: ['member'] } });
    useSessionStore().session!.organizations = [{ id: ACME.id, role: 'org_admin' }];
    const table = await screen.findByRole('table', { name: 'Organizations' });
    expect(within(table).getByRole('link', { name: 'Acme' }).getAttribute('href')).toBe(
      `/organizations/${ACME.id}`,
    );
    const acme = within(table).getByRole('link', { name: 'Acme' }).closest('tr')!;
    expect(within(acme).getByText('Administrator')).toBeTruthy();
    const globex = within(table).getByRole('link', { name: 'Globex' }).closest('tr')!;
    expect(within(globex).getByText('Not a member')).toBeTruthy();
    // Only platform admins create organizations.
    expect(screen.queryByRole('button', { name: 'New organization' })).toBeNull();
  });

  test('tells a member with no organizations what to do', async () => {
    mockApi({ 'GET /api/organizations': { body: [] } });
    await renderView(OrganizationsView, { path: '/organizations', signedIn: { roles: ['member'] } });
    expect(await screen.findByText(/You are not a member of any organization yet/)).toBeTruthy();
  });

  test('shows a failed load in words with a retry', async () => {
    let fail = true;
    mockApi({
      'GET /api/organizations': () =>
        fail ? problem(500, 'internal', 'The database is not reachable.') : { body: [ACME] },
    });
    await renderView(OrganizationsView, { path: '/organizations' });
    expect((await screen.findByRole('alert')).textContent).toContain('The database is not reachable.');
    fail = false;
    await userEvent.click(screen.getByRole('button', { name: 'Retry' }));
    expect(await screen.findByRole('link', { name: 'Acme' })).toBeTruthy();
  });

  test('checks the form, derives the slug from the name and creates the organization', async () => {
    const calls = mockApi({
      'GET /api/organizations': { body: [GLOBEX] },
      'POST /api/organizations': { status: 201, body: { ...ACME, name: 'Acme Inc.', slug: 'acme-inc' } },
    });
    await renderView(OrganizationsView, { path: '/organizations' });
    await screen.findByRole('table', { name: 'Organizations' });
    await userEvent.click(screen.getByRole('button', { name: 'New organization' }));
    const dialog = screen.getByRole('dialog', { name: 'New organization' });
    await userEvent.click(within(dialog).getByRole('button', { name: 'Create organization' }));
    expect(within(dialog).getByText('Enter a name.')).toBeTruthy();
    expect(calls.filter((c) => c.method === 'POST')).toHaveLength(0);

    await userEvent.type(within(dialog).getByLabelText(/Name/), 'Acme Inc.');
    expect((within(dialog).getByLabelText(/Slug/) as HTMLInputElement).value).toBe('acme-inc');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Create organization' }));

    expect(await screen.findByText('Organization created')).toBeTruthy();
    expect(calls.find((c) => c.method === 'POST')?.body).toEqual({ name: 'Acme Inc.', slug: 'acme-inc' });
    expect(screen.getByRole('link', { name: 'Add members and teams' }).getAttribute('href')).toBe(
      `/organizations/${ACME.id}`,
    );
    expect(screen.getByRole('link', { name: 'Acme Inc.' })).toBeTruthy();
  });

  test('refuses a malformed slug before sending and shows a server conflict in words', async () => {
    const calls = mockApi({
      'GET /api/organizations': { body: [] },
      'POST /api/organizations': problem(
        409,
        'conflict',
        'An organization with the slug "acme" already exists.',
      ),
    });
    await renderView(OrganizationsView, { path: '/organizations' });
    await screen.findByText(/No organizations yet/);
    await userEvent.click(screen.getByRole('button', { name: 'New organization' }));
    const dialog = screen.getByRole('dialog', { name: 'New organization' });
    await userEvent.type(within(dialog).getByLabelText(/Name/), 'Acme');
    const slugField = within(dialog).getByLabelText(/Slug/);
    await userEvent.clear(slugField);
    await userEvent.type(slugField, 'Acme_');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Create organization' }));
    expect(within(dialog).getByText(/Use lowercase letters, digits and hyphens/)).toBeTruthy();
    expect(calls.filter((c) => c.method === 'POST')).toHaveLength(0);

    await userEvent.clear(slugField);
    await userEvent.type(slugField, 'acme');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Create organization' }));
    expect((await within(dialog).findByRole('alert')).textContent).toContain(
      'An organization with the slug "acme" already exists.',
    );
  });
});
