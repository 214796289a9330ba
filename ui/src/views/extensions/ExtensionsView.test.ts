import { screen, within } from '@testing-library/vue';
import userEvent from '@testing-library/user-event';
import { describe, expect, test } from 'vitest';
import { mockApi, problem } from '../../../test/mockApi';
import { renderView } from '../../../test/render';
import ExtensionsView from './ExtensionsView.vue';
import { brokenFixture, extensionFixture, GITHUB_ID } from './extensionFixtures';

const QUARANTINED = extensionFixture({
  id: '44444444-4444-4444-8444-444444444444',
  name: '@acme/flaky',
  displayName: 'Flaky',
  publisher: 'acme',
  tier: 'partner',
  signature: { status: 'unknown', keyId: null, publisher: null, tier: null },
  state: 'quarantined',
  recentCrashes: 3,
  lastError: {
    code: 'crashed',
    message: 'Exited with code 1 three times.',
    path: null,
    at: '2026-01-04T10:00:00.000Z',
  },
});

async function renderList(extensions: unknown[]) {
  const calls = mockApi({ 'GET /api/extensions': { body: extensions } });
  const view = await renderView(ExtensionsView, { path: '/extensions' });
  await screen.findByRole('table', { name: 'Installed extensions' });
  return { ...view, calls };
}

function rowOf(name: string): HTMLElement {
  return screen.getByRole('row', { name: new RegExp(name) });
}

describe('ExtensionsView', () => {
  test('lists each extension with its package, version, publisher, tier, state, signature and crashes', async () => {
    await renderList([extensionFixture(), brokenFixture(), QUARANTINED]);
    expect(screen.getByRole('heading', { level: 1, name: 'Installed extensions' })).toBeTruthy();
    const headers = screen.getAllByRole('columnheader').map((h) => h.textContent?.trim());
    expect(headers).toEqual(['Extension', 'Version', 'Publisher', 'State', 'Signature', 'Recent crashes']);

    const github = rowOf('GitHub');
    const link = within(github).getByRole('link', { name: 'GitHub' });
    expect(link.getAttribute('href')).toBe(`/extensions/${GITHUB_ID}`);
    expect(within(github).getByText('@cinatra/github')).toBeTruthy();
    expect(within(github).getByText('1.2.0')).toBeTruthy();
    expect(within(github).getByText('First party')).toBeTruthy();
    expect(within(github).getByText('Active')).toBeTruthy();
    expect(within(github).getByText('Verified')).toBeTruthy();
    expect(screen.getByText('3 extensions installed.')).toBeTruthy();
  });

  test('a failed extension shows the named reason; a quarantined one its crashes', async () => {
    await renderList([brokenFixture(), QUARANTINED]);
    const broken = rowOf('Broken thing');
    expect(within(broken).getByText('Failed')).toBeTruthy();
    expect(
      within(broken).getByText('Reason: file_modified: dist/index.js does not match its signature.'),
    ).toBeTruthy();
    expect(within(broken).getByText('Verification failed')).toBeTruthy();
    expect(within(broken).getByText('Community')).toBeTruthy();

    const flaky = rowOf('Flaky');
    expect(within(flaky).getByText('Quarantined')).toBeTruthy();
    expect(within(flaky).getByText('3')).toBeTruthy();
    expect(within(flaky).getByText('No readable signature')).toBeTruthy();
  });

  test('filters by state and by name, and clears the filters', async () => {
    await renderList([extensionFixture(), brokenFixture(), QUARANTINED]);
    const state = screen.getByLabelText('State');
    expect(within(state).getByRole('option', { name: 'Failed (1)' })).toBeTruthy();
    await userEvent.selectOptions(state, 'Failed (1)');
    expect(screen.getAllByRole('row')).toHaveLength(2); // header + one
    expect(rowOf('Broken thing')).toBeTruthy();
    expect(screen.getByText('1 of 3 extensions shown.')).toBeTruthy();

    await userEvent.selectOptions(state, 'Disabled (0)');
    expect(screen.getByText('No installed extension matches these filters.')).toBeTruthy();
    await userEvent.click(screen.getByRole('button', { name: 'Show all extensions' }));
    expect(screen.getAllByRole('row')).toHaveLength(4);

    await userEvent.type(screen.getByLabelText('Search'), 'acme/fl');
    expect(screen.getAllByRole('row')).toHaveLength(2);
    expect(rowOf('Flaky')).toBeTruthy();
    await userEvent.click(screen.getByRole('button', { name: 'Clear filters' }));
    expect(screen.getAllByRole('row')).toHaveLength(4);
  });

  test('with nothing installed, points to the Marketplace', async () => {
    mockApi({ 'GET /api/extensions': { body: [] } });
    await renderView(ExtensionsView, { path: '/extensions' });
    expect(await screen.findByRole('heading', { name: 'No extensions are installed yet' })).toBeTruthy();
    const link = screen.getByRole('link', { name: 'Find extensions in the Marketplace' });
    expect(link.getAttribute('href')).toBe('/marketplace');
    expect(screen.queryByRole('table')).toBeNull();
  });

  test('says why the list could not load, and retries', async () => {
    let fail = true;
    const calls = mockApi({
      'GET /api/extensions': () =>
        fail
          ? problem(503, 'unavailable', 'The extension host is starting; try again in a moment.')
          : { body: [] },
    });
    await renderView(ExtensionsView, { path: '/extensions' });
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('Could not load installed extensions');
    expect(alert.textContent).toContain('The extension host is starting; try again in a moment.');
    fail = false;
    await userEvent.click(within(alert).getByRole('button', { name: 'Retry' }));
    expect(await screen.findByText('No extensions are installed yet')).toBeTruthy();
    expect(calls).toHaveLength(2);
  });

  test('shows "not allowed" when the server refuses', async () => {
    mockApi({
      'GET /api/extensions': problem(403, 'forbidden', 'Only platform admins manage extensions.'),
    });
    await renderView(ExtensionsView, { path: '/extensions', signedIn: { roles: ['member'] } });
    expect(await screen.findByText('Not allowed')).toBeTruthy();
    expect(screen.getByText('Only platform admins manage extensions.')).toBeTruthy();
  });
});
