import { screen, within } from '@testing-library/vue';
import userEvent from '@testing-library/user-event';
import { describe, expect, test, vi } from 'vitest';
import { mockApi, problem } from '../../../test/mockApi';
import { renderView } from '../../../test/render';
import MarketplaceView from './MarketplaceView.vue';
import { EXTENSION_ID, catalogueEntry, extension } from './testFixtures';

const PRIVATE = catalogueEntry();
const PUBLIC = catalogueEntry({
  name: 'weather',
  displayName: null,
  source: 'public',
  visibility: 'public',
  description: null,
  latest: '0.3.0',
  versions: ['0.3.0'],
  publisher: null,
  tier: null,
  signature: { status: 'untrusted', keyId: 'sha256:def', detail: 'unknown_key: …' },
  permissions: [],
});

describe('MarketplaceView', () => {
  test('lists the catalogue with versions, publishers, registries and what is installed', async () => {
    const calls = mockApi({
      'GET /api/registry/packages': { body: { packages: [PRIVATE, PUBLIC] } },
      'GET /api/extensions': { body: [extension({ version: '1.0.0' })] },
    });
    await renderView(MarketplaceView, { path: '/marketplace' });

    const table = await screen.findByRole('table', { name: 'Packages in the catalogue' });
    const rows = within(table).getAllByRole('row');
    expect(rows).toHaveLength(3);
    const acme = rows[1]!;
    expect(within(acme).getByRole('link', { name: 'Acme tools' }).getAttribute('href')).toBe(
      '/marketplace/package/instance/@acme/tools',
    );
    expect(acme.textContent).toContain('1.2.0');
    expect(acme.textContent).toContain('Tools for the Acme API');
    expect(acme.textContent).toContain('acme');
    expect(acme.textContent).toContain('Partner');
    expect(acme.textContent).toContain('Private');
    expect(acme.textContent).toContain('Verified');
    expect(
      within(acme)
        .getByRole('link', { name: /Installed 1\.0\.0/ })
        .getAttribute('href'),
    ).toBe(`/extensions/${EXTENSION_ID}`);
    expect(acme.textContent).toContain('1.2.0 available');

    const weather = rows[2]!;
    expect(within(weather).getByRole('link', { name: 'weather' }).getAttribute('href')).toBe(
      '/marketplace/package/public/weather',
    );
    expect(weather.textContent).toContain('Public');
    expect(weather.textContent).toContain('Unknown signer');
    expect(weather.textContent).toContain('Not installed');
    expect(screen.getByRole('status').textContent).toContain('2 packages');

    expect(screen.getByRole('link', { name: 'Install from GitHub' }).getAttribute('href')).toBe(
      '/marketplace/github',
    );
    expect(screen.getByRole('link', { name: 'Installs and approvals' }).getAttribute('href')).toBe(
      '/marketplace/operations',
    );
    expect(screen.getByRole('link', { name: 'Promotions' }).getAttribute('href')).toBe(
      '/marketplace/promotions',
    );
    expect(calls.find((c) => c.path === '/api/registry/packages')?.query.get('q')).toBeNull();
  });

  test('searches by text and narrows to one registry', async () => {
    const calls = mockApi({
      'GET /api/registry/packages': (call) => ({
        body: { packages: call.query.get('q') === 'acme' ? [PRIVATE, { ...PRIVATE, source: 'public' }] : [] },
      }),
      'GET /api/extensions': { body: [] },
    });
    const { router } = await renderView(MarketplaceView, { path: '/marketplace' });
    await screen.findByText('No packages yet.');

    await userEvent.type(screen.getByLabelText('Search packages'), 'acme');
    await userEvent.click(screen.getByRole('button', { name: 'Search' }));
    await screen.findByRole('table', { name: 'Packages in the catalogue' });
    expect(router.currentRoute.value.query).toEqual({ q: 'acme' });
    expect(
      calls
        .filter((c) => c.path === '/api/registry/packages')
        .at(-1)
        ?.query.get('q'),
    ).toBe('acme');
    expect(screen.getAllByRole('row')).toHaveLength(3);

    await userEvent.selectOptions(screen.getByLabelText('Registry'), 'public');
    await vi.waitFor(() => expect(screen.getAllByRole('row')).toHaveLength(2));
    expect(router.currentRoute.value.query).toEqual({ q: 'acme', source: 'public' });
    expect(within(screen.getAllByRole('row')[1]!).getByRole('link').getAttribute('href')).toBe(
      '/marketplace/package/public/@acme/tools',
    );
  });

  test('says when nothing matches', async () => {
    mockApi({
      'GET /api/registry/packages': { body: { packages: [] } },
      'GET /api/extensions': { body: [] },
    });
    await renderView(MarketplaceView, { path: '/marketplace?q=zzz' });
    expect(await screen.findByText('No packages match “zzz”.')).toBeTruthy();
    expect((screen.getByLabelText('Search packages') as HTMLInputElement).value).toBe('zzz');
    expect(screen.getByRole('link', { name: 'install one from a GitHub release' })).toBeTruthy();
  });

  test('checks the search text before sending it', async () => {
    const calls = mockApi({
      'GET /api/registry/packages': { body: { packages: [] } },
      'GET /api/extensions': { body: [] },
    });
    await renderView(MarketplaceView, { path: '/marketplace' });
    await screen.findByText('No packages yet.');
    await userEvent.click(screen.getByLabelText('Search packages'));
    await userEvent.paste('x'.repeat(201));
    await userEvent.click(screen.getByRole('button', { name: 'Search' }));
    expect(await screen.findByText('Use at most 200 characters.')).toBeTruthy();
    expect(screen.getByLabelText('Search packages').getAttribute('aria-invalid')).toBe('true');
    expect(calls.filter((c) => c.path === '/api/registry/packages')).toHaveLength(1);
  });

  test('shows a refusal in words, and the not-allowed state', async () => {
    mockApi({
      'GET /api/registry/packages': problem(502, 'unavailable', 'The public registry did not answer.'),
      'GET /api/extensions': problem(403, 'forbidden', 'Only platform admins may list extensions.'),
    });
    await renderView(MarketplaceView, { path: '/marketplace' });
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('Could not load the catalogue');
    expect(alert.textContent).toContain('The public registry did not answer.');
    expect(within(alert).getByRole('button', { name: 'Retry' })).toBeTruthy();
    expect(await screen.findByText(/Only platform admins may list extensions/)).toBeTruthy();
  });

  test('shows the not-allowed state when the catalogue is forbidden', async () => {
    mockApi({
      'GET /api/registry/packages': problem(403, 'forbidden', 'You may not list registry packages.'),
      'GET /api/extensions': { body: [] },
    });
    await renderView(MarketplaceView, { path: '/marketplace' });
    expect(await screen.findByText('Not allowed')).toBeTruthy();
    expect(screen.getByText('You may not list registry packages.')).toBeTruthy();
  });
});
