import { screen, within } from '@testing-library/vue';
import userEvent from '@testing-library/user-event';
import { describe, expect, test } from 'vitest';
import { mockApi, problem } from '../../../test/mockApi';
import { renderView } from '../../../test/render';
import GitHubInstallView from './GitHubInstallView.vue';
import { EXTENSION_ID, OPERATION_ID, extension, heldOperation, operation, release } from './testFixtures';

const URL = 'https://github.com/acme/cinatra-tools';
const SECRET = {
  id: '33333333-3333-4333-8333-333333333333',
  name: 'github-token',
  owner: { tier: 'workspace' },
  version: 1,
  createdBy: null,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
};
const RELEASES = [
  release(),
  release({
    tag: 'v1.1.0',
    name: null,
    prerelease: true,
    packageAsset: null,
    bundleAsset: null,
    installable: false,
    reason: 'The release has no signature bundle asset: only signed packages install.',
  }),
];

async function listReleases(url = URL) {
  await userEvent.type(screen.getByLabelText(/Repository URL/), url);
  await userEvent.click(screen.getByRole('button', { name: 'Show releases' }));
}

describe('GitHubInstallView', () => {
  test('checks the repository URL before sending anything', async () => {
    const calls = mockApi({ 'GET /api/secrets': { body: [] } });
    await renderView(GitHubInstallView, { path: '/marketplace/github' });
    const field = screen.getByLabelText(/Repository URL/);

    await userEvent.click(screen.getByRole('button', { name: 'Show releases' }));
    expect(
      await screen.findByText('Enter the repository’s address, like https://github.com/owner/repo.'),
    ).toBeTruthy();
    expect(field.getAttribute('aria-invalid')).toBe('true');

    await userEvent.type(field, 'github.com/acme/tools');
    await userEvent.click(screen.getByRole('button', { name: 'Show releases' }));
    expect(await screen.findByText('Enter the repository’s address starting with https://.')).toBeTruthy();

    await userEvent.clear(field);
    await userEvent.type(field, 'https://github.com/acme');
    await userEvent.click(screen.getByRole('button', { name: 'Show releases' }));
    expect(await screen.findByText(/with its owner and name/)).toBeTruthy();

    expect(calls.filter((c) => c.path === '/api/extensions/github/releases')).toHaveLength(0);
  });

  test('lists the releases with what each installs, and why one cannot', async () => {
    const calls = mockApi({
      'GET /api/secrets': { body: [] },
      'GET /api/extensions/github/releases': { body: RELEASES },
    });
    await renderView(GitHubInstallView, { path: '/marketplace/github' });
    await listReleases();

    const table = await screen.findByRole('table', { name: 'Releases of acme/cinatra-tools' });
    const [, installable, refused] = within(table).getAllByRole('row');
    expect(installable!.textContent).toContain('Acme tools 1.2.0 (v1.2.0)');
    expect(installable!.textContent).toContain('acme-tools-1.2.0.tgz');
    expect(installable!.textContent).toContain('20.0 KB');
    expect(installable!.textContent).toContain('acme-tools-1.2.0.sigstore.json');
    expect(within(installable!).getByRole('button', { name: 'Install v1.2.0…' })).toBeTruthy();
    expect(refused!.textContent).toContain('Pre-release');
    expect(refused!.textContent).toContain('The repository’s files at this tag');
    expect(refused!.textContent).toContain('only signed packages install');
    expect(within(refused!).queryByRole('button')).toBeNull();

    const sent = calls.find((c) => c.path === '/api/extensions/github/releases');
    expect(sent?.query.get('url')).toBe(URL);
    expect(sent?.query.get('tokenSecretId')).toBeNull();
  });

  test('installs a release: consent first, Cancel sends nothing, then the exact permissions are approved', async () => {
    const held = heldOperation({ requestedPermissions: ['network:api.acme.com'], source: `github ${URL}` });
    const calls = mockApi({
      'GET /api/secrets': { body: [SECRET] },
      'GET /api/extensions/github/releases': { body: RELEASES },
      'POST /api/extensions/install/github': { body: held },
      'POST /api/extension-operations/:id/approve': { body: operation() },
      'GET /api/extensions': { body: [extension()] },
    });
    await renderView(GitHubInstallView, { path: '/marketplace/github' });
    await screen.findByRole('option', { name: 'github-token' });
    await userEvent.selectOptions(screen.getByLabelText(/GitHub token/), SECRET.id);
    await listReleases();
    expect(calls.find((c) => c.path === '/api/extensions/github/releases')?.query.get('tokenSecretId')).toBe(
      SECRET.id,
    );

    await userEvent.click(await screen.findByRole('button', { name: 'Install v1.2.0…' }));
    let dialog = await screen.findByRole('dialog');
    expect(within(dialog).getByRole('heading', { name: 'Install acme/cinatra-tools v1.2.0?' })).toBeTruthy();
    expect(dialog.textContent).toContain('Permissions are checked after download');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(calls.filter((c) => c.method === 'POST')).toHaveLength(0);

    await userEvent.click(screen.getByRole('button', { name: 'Install v1.2.0…' }));
    dialog = await screen.findByRole('dialog');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Download and review' }));
    const list = await within(dialog).findByRole('list', { name: 'Requested permissions' });
    expect(list.textContent).toContain('Connect to api.acme.com');
    expect(dialog.textContent).toContain('@acme/tools');
    expect(dialog.textContent).toContain('Verified');
    expect(calls.find((c) => c.path === '/api/extensions/install/github')?.body).toEqual({
      url: URL,
      tag: 'v1.2.0',
      tokenSecretId: SECRET.id,
    });

    await userEvent.click(within(dialog).getByRole('button', { name: 'Approve and install' }));
    expect(within(dialog).getByRole('alert').textContent).toContain('Tick “I grant these permissions”');
    expect(calls.filter((c) => c.path.endsWith('/approve'))).toHaveLength(0);
    await userEvent.click(within(dialog).getByLabelText('I grant these permissions'));
    await userEvent.click(within(dialog).getByRole('button', { name: 'Approve and install' }));

    expect((await screen.findByRole('link', { name: 'Open @acme/tools' })).getAttribute('href')).toBe(
      `/extensions/${EXTENSION_ID}`,
    );
    expect(calls.find((c) => c.path === `/api/extension-operations/${OPERATION_ID}/approve`)?.body).toEqual({
      permissions: ['network:api.acme.com'],
    });
  });

  test('a release that asks for nothing installs right after download', async () => {
    mockApi({
      'GET /api/secrets': { body: [] },
      'GET /api/extensions/github/releases': { body: [release()] },
      'POST /api/extensions/install/github': { body: operation({ requestedPermissions: [] }) },
      'GET /api/extensions': { body: [extension()] },
    });
    await renderView(GitHubInstallView, { path: '/marketplace/github' });
    await listReleases();
    await userEvent.click(await screen.findByRole('button', { name: 'Install v1.2.0…' }));
    await userEvent.click(
      within(await screen.findByRole('dialog')).getByRole('button', { name: 'Download and review' }),
    );
    expect(await screen.findByText('Installed @acme/tools 1.2.0')).toBeTruthy();
    expect(screen.queryByRole('dialog')).toBeNull();
  });

  test('a failed install is explained in words', async () => {
    mockApi({
      'GET /api/secrets': { body: [] },
      'GET /api/extensions/github/releases': { body: [release()] },
      'POST /api/extensions/install/github': problem(
        409,
        'conflict',
        'install of @acme/tools refused at verify (tarball_digest_mismatch): the files differ from what was signed. Operation 1 was rolled back.',
      ),
    });
    await renderView(GitHubInstallView, { path: '/marketplace/github' });
    await listReleases();
    await userEvent.click(await screen.findByRole('button', { name: 'Install v1.2.0…' }));
    await userEvent.click(
      within(await screen.findByRole('dialog')).getByRole('button', { name: 'Download and review' }),
    );
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('Could not install acme/cinatra-tools');
    expect(alert.textContent).toContain('tarball_digest_mismatch');
  });

  test('an unknown repository is reported in words', async () => {
    mockApi({
      'GET /api/secrets': { body: [] },
      'GET /api/extensions/github/releases': problem(404, 'not_found', 'GitHub has no repository acme/nope.'),
    });
    await renderView(GitHubInstallView, { path: '/marketplace/github' });
    await listReleases('https://github.com/acme/nope');
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('Could not list the releases');
    expect(alert.textContent).toContain('GitHub has no repository acme/nope.');
  });

  test('a repository without releases says what to publish', async () => {
    mockApi({
      'GET /api/secrets': problem(403, 'forbidden', 'You may not list workspace secrets.'),
      'GET /api/extensions/github/releases': { body: [] },
    });
    await renderView(GitHubInstallView, { path: '/marketplace/github' });
    expect(await screen.findByText(/Workspace secrets could not be loaded/)).toBeTruthy();
    await listReleases();
    expect(await screen.findByText(/This repository has no releases/)).toBeTruthy();
  });
});
