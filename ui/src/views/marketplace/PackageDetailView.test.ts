import { screen, within } from '@testing-library/vue';
import userEvent from '@testing-library/user-event';
import { describe, expect, test, vi } from 'vitest';
import { mockApi, problem } from '../../../test/mockApi';
import { renderView } from '../../../test/render';
import PackageDetailView from './PackageDetailView.vue';
import {
  EXTENSION_ID,
  OPERATION_ID,
  catalogueEntry,
  extension,
  heldOperation,
  operation,
} from './testFixtures';

const PATH = '/marketplace/package/instance/@acme/tools';
const ENTRY = catalogueEntry();
const DESTINATION = {
  url: 'https://registry.example.com/',
  tokenSecretId: null,
  updatedBy: null,
  updatedAt: '2026-01-01T00:00:00.000Z',
};

/** The package page's reads; `installed` answers GET /api/extensions (changeable by the test). */
function catalogue(
  options: { entries?: unknown[]; installed?: () => unknown[]; destination?: unknown } = {},
) {
  return {
    'GET /api/registry/packages': { body: { packages: options.entries ?? [ENTRY] } },
    'GET /api/extensions': () => ({ body: options.installed?.() ?? [] }),
    'GET /api/registry/destinations': {
      body: { public: options.destination === undefined ? DESTINATION : options.destination },
    },
  };
}

async function openInstall(name = /Install 1\.2\.0/) {
  await userEvent.click(await screen.findByRole('button', { name }));
  return screen.findByRole('dialog');
}

describe('PackageDetailView', () => {
  test('shows the package: facts, signature, requested permissions in words and versions', async () => {
    const calls = mockApi(catalogue());
    await renderView(PackageDetailView, { path: PATH });

    expect(await screen.findByRole('heading', { level: 1, name: 'Acme tools' })).toBeTruthy();
    expect(calls.find((c) => c.path === '/api/registry/packages')?.query.get('name')).toBe('@acme/tools');
    const about = screen.getByRole('region', { name: 'About' });
    expect(about.textContent).toContain('This instance’s registry (private)');
    expect(about.textContent).toContain('Partner');
    expect(about.textContent).toContain('Verified');
    expect(about.textContent).toContain('sha256:abc123');
    expect(about.textContent).toContain('Not installed');

    const permissions = screen.getByRole('list', { name: 'Permissions the latest version requests' });
    expect(permissions.textContent).toContain('Read the secret “acme-token”');
    expect(permissions.textContent).toContain('Connect to api.acme.com');

    const versions = screen.getByRole('table', { name: 'Versions of @acme/tools' });
    expect(
      within(versions)
        .getAllByRole('rowheader')
        .map((cell) => cell.textContent),
    ).toEqual(['1.2.0', '1.1.0', '1.0.0']);
  });

  test('Install asks for consent; Cancel sends nothing', async () => {
    const calls = mockApi(catalogue());
    await renderView(PackageDetailView, { path: PATH });
    const dialog = await openInstall();

    expect(within(dialog).getByRole('heading', { name: 'Install Acme tools 1.2.0?' })).toBeTruthy();
    expect(dialog.textContent).toContain('acme');
    expect(dialog.textContent).toContain('Partner');
    expect(dialog.textContent).toContain('Verified');
    const list = within(dialog).getByRole('list', { name: 'Requested permissions' });
    expect(within(list).getAllByRole('listitem')).toHaveLength(2);
    expect(list.textContent).toContain('Read the secret “acme-token”');
    expect(list.textContent).toContain('secrets.read:acme-token');
    expect(dialog.contains(document.activeElement)).toBe(true);

    await userEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(calls.filter((c) => c.method === 'POST')).toHaveLength(0);
  });

  test('Install needs the grant ticked, then sends the granted permissions and links to the extension', async () => {
    let installed: unknown[] = [];
    const calls = mockApi({
      ...catalogue({ installed: () => installed }),
      'POST /api/extensions/install': () => {
        installed = [extension()];
        return { body: operation() };
      },
    });
    await renderView(PackageDetailView, { path: PATH });
    const dialog = await openInstall();

    await userEvent.click(within(dialog).getByRole('button', { name: 'Grant and install' }));
    expect(within(dialog).getByRole('alert').textContent).toContain('Tick “I grant these permissions”');
    expect(calls.filter((c) => c.method === 'POST')).toHaveLength(0);

    await userEvent.click(within(dialog).getByLabelText('I grant these permissions'));
    await userEvent.click(within(dialog).getByRole('button', { name: 'Grant and install' }));

    const link = await screen.findByRole('link', { name: 'Open @acme/tools' });
    expect(link.getAttribute('href')).toBe(`/extensions/${EXTENSION_ID}`);
    expect(screen.getByText('Installed @acme/tools 1.2.0')).toBeTruthy();
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(calls.find((c) => c.path === '/api/extensions/install')?.body).toEqual({
      name: '@acme/tools',
      range: '1.2.0',
      approvePermissions: ['secrets.read:acme-token', 'network:api.acme.com'],
    });
  });

  test('an older version is downloaded first, then its exact permissions are approved', async () => {
    const held = heldOperation({ toVersion: '1.0.0', requestedPermissions: ['llm.invoke', 'storage'] });
    const calls = mockApi({
      ...catalogue(),
      'POST /api/extensions/install': { body: held },
      'POST /api/extension-operations/:id/approve': {
        body: operation({ toVersion: '1.0.0', requestedPermissions: ['llm.invoke', 'storage'] }),
      },
    });
    await renderView(PackageDetailView, { path: PATH });
    await userEvent.selectOptions(await screen.findByLabelText('Version'), '1.0.0');
    const dialog = await openInstall(/Install 1\.0\.0/);

    expect(dialog.textContent).toContain('Permissions are checked after download');
    expect(within(dialog).queryByLabelText('I grant these permissions')).toBeNull();
    await userEvent.click(within(dialog).getByRole('button', { name: 'Download and review' }));

    const list = await within(dialog).findByRole('list', { name: 'Requested permissions' });
    expect(list.textContent).toContain('Call language models');
    expect(list.textContent).toContain('Keep files on this server');
    expect(within(dialog).getByRole('heading', { name: 'It asks for 2 permissions' })).toBeTruthy();
    expect(calls.find((c) => c.path === '/api/extensions/install')?.body).toEqual({
      name: '@acme/tools',
      range: '1.0.0',
    });

    await userEvent.click(within(dialog).getByLabelText('I grant these permissions'));
    await userEvent.click(within(dialog).getByRole('button', { name: 'Approve and install' }));
    expect(await screen.findByText('Installed @acme/tools 1.0.0')).toBeTruthy();
    const approve = calls.find((c) => c.path === `/api/extension-operations/${OPERATION_ID}/approve`);
    expect(approve?.body).toEqual({ permissions: ['llm.invoke', 'storage'] });
  });

  test('a held install left without approval says so and can be reviewed again', async () => {
    const calls = mockApi({
      ...catalogue(),
      'POST /api/extensions/install': { body: heldOperation({ toVersion: '1.1.0' }) },
    });
    await renderView(PackageDetailView, { path: PATH });
    await userEvent.selectOptions(await screen.findByLabelText('Version'), '1.1.0');
    const dialog = await openInstall(/Install 1\.1\.0/);
    await userEvent.click(within(dialog).getByRole('button', { name: 'Download and review' }));
    await within(dialog).findByRole('list', { name: 'Requested permissions' });
    await userEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }));

    expect(screen.getByText('@acme/tools 1.1.0 is waiting for your approval')).toBeTruthy();
    expect(
      screen.getByRole('link', { name: 'Approve later in Installs and approvals' }).getAttribute('href'),
    ).toBe('/marketplace/operations');
    expect(calls.filter((c) => c.path.endsWith('/approve'))).toHaveLength(0);

    await userEvent.click(screen.getByRole('button', { name: 'Review permissions' }));
    expect(await screen.findByRole('dialog')).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Approve and install' })).toBeTruthy();
  });

  test('a refused install is explained in words', async () => {
    mockApi({
      ...catalogue(),
      'POST /api/extensions/install': problem(
        409,
        'conflict',
        'install of @acme/tools refused at verify (unknown_key): the signing key is not in the trust store. Operation 2222 was rolled back.',
      ),
    });
    await renderView(PackageDetailView, { path: PATH });
    const dialog = await openInstall();
    await userEvent.click(within(dialog).getByLabelText('I grant these permissions'));
    await userEvent.click(within(dialog).getByRole('button', { name: 'Grant and install' }));

    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('Could not install @acme/tools');
    expect(alert.textContent).toContain('refused at verify (unknown_key)');
    expect(within(alert).getByRole('link', { name: 'trust store' }).getAttribute('href')).toBe(
      '/settings/trust',
    );
  });

  test('an installed extension is updated, with the new permissions marked', async () => {
    const calls = mockApi({
      ...catalogue({
        installed: () => [extension({ version: '1.0.0', requestedPermissions: ['secrets.read:acme-token'] })],
      }),
      'POST /api/extensions/:id/update': { body: operation({ kind: 'update', fromVersion: '1.0.0' }) },
    });
    await renderView(PackageDetailView, { path: PATH });
    const dialog = await openInstall(/Update to 1\.2\.0/);
    expect(dialog.textContent).toContain('1 of them is new');
    const added = within(within(dialog).getByRole('list', { name: 'Requested permissions' })).getAllByRole(
      'listitem',
    )[1]!;
    expect(added.textContent).toContain('New');
    await userEvent.click(within(dialog).getByLabelText('I grant these permissions'));
    await userEvent.click(within(dialog).getByRole('button', { name: 'Grant and update' }));
    expect(await screen.findByText('Updated @acme/tools 1.2.0')).toBeTruthy();
    const update = calls.find((c) => c.path === `/api/extensions/${EXTENSION_ID}/update`);
    expect(update?.body).toEqual({
      range: '1.2.0',
      approvePermissions: ['secrets.read:acme-token', 'network:api.acme.com'],
    });
  });

  test('an installed version offers no install', async () => {
    mockApi(catalogue({ installed: () => [extension()] }));
    await renderView(PackageDetailView, { path: PATH });
    expect(await screen.findByText(/Version 1\.2\.0 is installed\./)).toBeTruthy();
    expect(screen.getByRole('link', { name: 'Manage it' }).getAttribute('href')).toBe(
      `/extensions/${EXTENSION_ID}`,
    );
    expect(screen.queryByRole('button', { name: /Install/ })).toBeNull();
  });

  test('a package signed by an unknown key cannot be installed, and says why', async () => {
    mockApi(
      catalogue({
        entries: [catalogueEntry({ signature: { status: 'untrusted', keyId: 'sha256:x', detail: null } })],
      }),
    );
    await renderView(PackageDetailView, { path: PATH });
    expect(await screen.findByText('1.2.0 cannot be installed: unknown signer')).toBeTruthy();
    expect(screen.queryByRole('button', { name: /Install 1\.2\.0/ })).toBeNull();
  });

  test('a package only in the public registry explains that installs come from this instance', async () => {
    mockApi(catalogue({ entries: [catalogueEntry({ source: 'public', visibility: 'public' })] }));
    await renderView(PackageDetailView, { path: '/marketplace/package/public/@acme/tools' });
    expect(await screen.findByText('Not in this instance’s registry')).toBeTruthy();
    expect(screen.queryByRole('button', { name: /Install/ })).toBeNull();
    expect(screen.queryByRole('region', { name: 'Promote to public' })).toBeNull();
  });

  test('says when the package is not in that registry, and links to the other one', async () => {
    mockApi(catalogue({ entries: [catalogueEntry({ source: 'public', visibility: 'public' })] }));
    await renderView(PackageDetailView, { path: PATH });
    expect(await screen.findByText('@acme/tools is not in this instance’s registry (private)')).toBeTruthy();
    expect(screen.getByRole('link', { name: 'open it there' }).getAttribute('href')).toBe(
      '/marketplace/package/public/@acme/tools',
    );
  });

  test('an unknown package is reported in words', async () => {
    mockApi({
      ...catalogue(),
      'GET /api/registry/packages': problem(
        404,
        'not_found',
        'No registry visible to this instance has @acme/nope.',
      ),
    });
    await renderView(PackageDetailView, { path: '/marketplace/package/instance/@acme/nope' });
    expect((await screen.findByRole('alert')).textContent).toContain(
      'No registry visible to this instance has @acme/nope.',
    );
  });

  test('Promote to public needs the name typed, then promotes that version', async () => {
    const calls = mockApi({
      ...catalogue(),
      'POST /api/registry/promotions': (call) => ({
        status: 201,
        body: {
          ...(call.body as object),
          destinationUrl: DESTINATION.url,
          integrity: 'sha512-x',
          promotedBy: null,
          promotedAt: '2026-01-05T00:00:00.000Z',
        },
      }),
    });
    await renderView(PackageDetailView, { path: PATH });
    await userEvent.selectOptions(await screen.findByLabelText('Version to promote'), '1.1.0');
    await userEvent.click(screen.getByRole('button', { name: 'Promote to public…' }));
    const dialog = await screen.findByRole('dialog');
    expect(dialog.textContent).toContain('Promotion is one-way');
    expect(dialog.textContent).toContain(DESTINATION.url);
    const confirm = within(dialog).getByRole('button', { name: 'Promote to public' });
    expect((confirm as HTMLButtonElement).disabled).toBe(true);

    await userEvent.type(within(dialog).getByLabelText(/Type @acme\/tools to confirm/), '@acme/tools');
    await userEvent.click(confirm);
    expect(await screen.findByText('@acme/tools 1.1.0 is public')).toBeTruthy();
    expect(calls.find((c) => c.path === '/api/registry/promotions' && c.method === 'POST')?.body).toEqual({
      name: '@acme/tools',
      version: '1.1.0',
    });
  });

  test('a refused promotion is explained in the dialog, with where to fix it', async () => {
    mockApi({
      ...catalogue(),
      'POST /api/registry/promotions': problem(
        409,
        'conflict',
        'No public registry is configured: set one under Administration → registries first.',
      ),
    });
    await renderView(PackageDetailView, { path: PATH });
    await userEvent.click(await screen.findByRole('button', { name: 'Promote to public…' }));
    const dialog = await screen.findByRole('dialog');
    await userEvent.type(within(dialog).getByLabelText(/Type @acme\/tools to confirm/), '@acme/tools');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Promote to public' }));
    expect((await within(dialog).findByRole('alert')).textContent).toContain(
      'No public registry is configured',
    );
    await vi.waitFor(() =>
      expect(within(dialog).getByRole('link', { name: 'Settings → Registries' }).getAttribute('href')).toBe(
        '/settings/registries',
      ),
    );
  });

  test('without a public registry, promotion points to the settings', async () => {
    mockApi(catalogue({ destination: null }));
    await renderView(PackageDetailView, { path: PATH });
    expect(await screen.findByText('No public registry is configured')).toBeTruthy();
    expect(screen.getByRole('link', { name: 'Settings → Registries' }).getAttribute('href')).toBe(
      '/settings/registries',
    );
    expect(screen.queryByRole('button', { name: 'Promote to public…' })).toBeNull();
  });
});
