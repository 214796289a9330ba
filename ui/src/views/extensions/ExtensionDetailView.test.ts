import { screen, within } from '@testing-library/vue';
import userEvent from '@testing-library/user-event';
import { describe, expect, test, vi } from 'vitest';
import { mockApi, problem, type RecordedCall } from '../../../test/mockApi';
import { renderView } from '../../../test/render';
import ExtensionDetailView from './ExtensionDetailView.vue';
import { BROKEN_ID, brokenFixture, extensionFixture, GITHUB_ID, operationFixture } from './extensionFixtures';
import type { Extension } from './extensionModel';

const LOGS = {
  lines: [
    { at: '2026-01-05T10:00:00.000Z', level: 'info', message: 'Started in 120 ms' },
    { at: '2026-01-05T10:00:05.000Z', level: 'error', message: 'GitHub answered 502' },
  ],
};

type Handlers = Parameters<typeof mockApi>[0];

/** Renders the page for `initial`; GET answers with `current()` so actions can change it. */
async function renderDetail(initial: Extension = extensionFixture(), handlers: Handlers = {}) {
  let current = initial;
  const calls = mockApi({
    ...handlers,
    'GET /api/extensions/:id': () => ({ body: current }),
    'GET /api/extensions/:id/logs': { body: LOGS },
  });
  const view = await renderView(ExtensionDetailView, { path: `/extensions/${initial.id}` });
  await screen.findByRole('heading', { level: 1, name: initial.displayName });
  return {
    ...view,
    calls,
    set: (next: Extension) => (current = next),
    sent: (method: string, path: string) => calls.filter((c) => c.method === method && c.path === path),
  };
}

const gets = (calls: RecordedCall[], id = GITHUB_ID) =>
  calls.filter((c) => c.method === 'GET' && c.path === `/api/extensions/${id}`).length;

function section(name: string): HTMLElement {
  return screen.getByRole('region', { name });
}

describe('ExtensionDetailView: facts and states', () => {
  test('shows what it is, who signed it and how it runs', async () => {
    await renderDetail();
    const details = section('Details');
    const fact = (term: string) => within(details).getByText(term).nextElementSibling?.textContent ?? '';
    expect(fact('Package')).toContain('@cinatra/github');
    expect(fact('Version')).toContain('1.2.0');
    expect(fact('Publisher')).toContain('cinatra');
    expect(fact('Trust tier')).toContain('First party');
    expect(fact('Signature')).toContain('Verified');
    expect(fact('Signature')).toContain('sha256:4f2a9c');
    expect(fact('State')).toContain('Active');
    expect(fact('Process')).toContain('Running as process 4242');
    expect(fact('Recent crashes')).toContain('0 in the last 5 minutes');
    expect(fact('Starts')).toContain('onMcpTool:search_issues');
    expect(screen.getByText('@cinatra/github · version 1.2.0')).toBeTruthy();
    expect(screen.getByRole('link', { name: '← All installed extensions' }).getAttribute('href')).toBe(
      '/extensions',
    );
  });

  test('a failed extension shows its last error in an alert and offers Reload', async () => {
    await renderDetail(brokenFixture());
    const alert = screen.getByRole('alert');
    expect(within(alert).getByText('Last error: file_modified')).toBeTruthy();
    expect(alert.textContent).toContain('dist/index.js does not match its signature.');
    expect(within(alert).getByText('dist/index.js').tagName).toBe('CODE');
    expect(within(section('Details')).getByText('Failed')).toBeTruthy();
    expect(within(section('Details')).getByText('Verification failed')).toBeTruthy();
    expect(within(section('Details')).getByText('Not running')).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Reload' })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Disable' })).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Enable' })).toBeNull();
  });

  test('a quarantined extension can be let out; the outcome is said and the page reloads', async () => {
    const quarantined = extensionFixture({
      state: 'quarantined',
      recentCrashes: 3,
      quarantinedAt: '2026-01-05T10:00:00.000Z',
      lastError: {
        code: 'crashed',
        message: 'Exited with code 1.',
        path: null,
        at: '2026-01-05T10:00:00.000Z',
      },
    });
    const { calls, sent, set } = await renderDetail(quarantined, {
      'POST /api/extensions/:id/quarantine/reset': () => {
        set(extensionFixture({ state: 'inactive', pid: null }));
        return { body: extensionFixture({ state: 'inactive', pid: null }) };
      },
    });
    expect(within(section('Details')).getByText('Quarantined', { selector: 'dt' })).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Reload' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Enable' })).toBeNull();
    await userEvent.click(screen.getByRole('button', { name: 'Reset quarantine' }));
    expect(await screen.findByText('Quarantine reset')).toBeTruthy();
    expect(screen.getByText('GitHub may run again; its crash count starts from zero.')).toBeTruthy();
    expect(sent('POST', `/api/extensions/${GITHUB_ID}/quarantine/reset`)).toHaveLength(1);
    await vi.waitFor(() => expect(gets(calls)).toBe(2));
    await vi.waitFor(() => expect(screen.queryByRole('button', { name: 'Reset quarantine' })).toBeNull());
    expect(
      sent('POST', `/api/extensions/${GITHUB_ID}/quarantine/reset`)[0]?.headers.get('x-csrf-token'),
    ).toBe('csrf-test-token');
  });

  test('enabling an extension that then fails to load says why', async () => {
    const disabled = brokenFixture({ enabled: false, state: 'disabled', lastError: null });
    const { set } = await renderDetail(disabled, {
      'POST /api/extensions/:id/enable': () => {
        set(brokenFixture());
        return { body: brokenFixture() };
      },
    });
    await userEvent.click(screen.getByRole('button', { name: 'Enable' }));
    const alert = await screen.findByText('Broken thing failed to load');
    expect(alert.closest('[role="alert"]')?.textContent).toContain(
      'file_modified: dist/index.js does not match its signature.',
    );
  });

  test('enabling says so, and focus moves to the outcome when the button is replaced', async () => {
    const { sent, set } = await renderDetail(
      extensionFixture({ enabled: false, state: 'disabled', pid: null }),
      {
        'POST /api/extensions/:id/enable': () => {
          set(extensionFixture({ state: 'inactive', pid: null }));
          return { body: extensionFixture({ state: 'inactive', pid: null }) };
        },
      },
    );
    await userEvent.click(screen.getByRole('button', { name: 'Enable' }));
    const title = await screen.findByText('Enabled');
    expect(screen.getByText('GitHub was verified; it starts on first use.')).toBeTruthy();
    expect(sent('POST', `/api/extensions/${GITHUB_ID}/enable`)).toHaveLength(1);
    await screen.findByRole('button', { name: 'Disable' });
    await vi.waitFor(() => expect(document.activeElement?.contains(title)).toBe(true));
  });

  test('a refused action is said in words', async () => {
    const { sent } = await renderDetail(extensionFixture(), {
      'POST /api/extensions/:id/disable': problem(409, 'conflict', '@acme/app depends on @cinatra/github.'),
    });
    await userEvent.click(screen.getByRole('button', { name: 'Disable' }));
    const alert = await screen.findByText('Disable was refused');
    expect(alert.closest('[role="alert"]')?.textContent).toContain('@acme/app depends on @cinatra/github.');
    expect(sent('POST', `/api/extensions/${GITHUB_ID}/disable`)).toHaveLength(1);
  });

  test('an archived extension can be restored', async () => {
    const { sent, set } = await renderDetail(
      extensionFixture({ state: 'archived', enabled: false, pid: null }),
      {
        'POST /api/extensions/:id/restore': () => {
          set(extensionFixture({ state: 'inactive' }));
          return { body: operationFixture({ kind: 'restore' }) };
        },
      },
    );
    expect(screen.queryByRole('button', { name: 'Disable' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Archive…' })).toBeNull();
    await userEvent.click(screen.getByRole('button', { name: 'Restore' }));
    expect(await screen.findByText('Restored')).toBeTruthy();
    expect(sent('POST', `/api/extensions/${GITHUB_ID}/restore`)).toHaveLength(1);
  });

  test('an unknown extension says so', async () => {
    mockApi({
      'GET /api/extensions/:id': problem(404, 'not_found', 'No extension has this id.'),
    });
    await renderView(ExtensionDetailView, { path: `/extensions/${BROKEN_ID}` });
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('Could not load the extension');
    expect(alert.textContent).toContain('No extension has this id.');
    expect(screen.getByRole('heading', { level: 1, name: 'Extension' })).toBeTruthy();
  });

  test('shows "not allowed" when the server refuses', async () => {
    mockApi({
      'GET /api/extensions/:id': problem(403, 'forbidden', 'Only platform admins manage extensions.'),
    });
    await renderView(ExtensionDetailView, {
      path: `/extensions/${GITHUB_ID}`,
      signedIn: { roles: ['member'] },
    });
    expect(await screen.findByText('Not allowed')).toBeTruthy();
  });
});

describe('ExtensionDetailView: permissions', () => {
  test('lists requested permissions with what they allow and whether granted', async () => {
    await renderDetail();
    const permissions = section('Permissions');
    expect(
      within(permissions).getByText('2 of 3 requested permissions granted.', { exact: false }),
    ).toBeTruthy();
    const storage = within(permissions).getByLabelText('storage') as HTMLInputElement;
    expect(storage.checked).toBe(false);
    expect(within(permissions).getByText('Keep its own data')).toBeTruthy();
    expect(
      (within(permissions).getByLabelText('secrets.read:github-token') as HTMLInputElement).checked,
    ).toBe(true);
    expect(within(permissions).getByText('Read the secret “github-token”')).toBeTruthy();
    expect(within(permissions).getAllByText('Granted')).toHaveLength(2);
    expect(within(permissions).getByText('Not granted')).toBeTruthy();
  });

  test('taking a permission away saves at once', async () => {
    const { sent } = await renderDetail(extensionFixture(), {
      'PUT /api/extensions/:id/grants': { body: extensionFixture() },
    });
    const permissions = section('Permissions');
    await userEvent.click(within(permissions).getByLabelText('network:api.github.com'));
    await userEvent.click(within(permissions).getByRole('button', { name: 'Save permissions' }));
    expect(
      await within(permissions).findByText(/Permissions saved \(took away network:api\.github\.com\)/),
    ).toBeTruthy();
    expect(sent('PUT', `/api/extensions/${GITHUB_ID}/grants`)[0]?.body).toEqual({
      permissions: ['secrets.read:github-token'],
    });
  });

  test('granting more asks for confirmation first', async () => {
    const { sent } = await renderDetail(extensionFixture(), {
      'PUT /api/extensions/:id/grants': { body: extensionFixture() },
    });
    const permissions = section('Permissions');
    await userEvent.click(within(permissions).getByLabelText('storage'));
    await userEvent.click(within(permissions).getByRole('button', { name: 'Save permissions' }));
    const dialog = await screen.findByRole('dialog', { name: 'Grant 1 more permission?' });
    expect(within(dialog).getByText('storage')).toBeTruthy();
    expect(sent('PUT', `/api/extensions/${GITHUB_ID}/grants`)).toHaveLength(0);
    await userEvent.click(within(dialog).getByRole('button', { name: 'Grant 1 permission' }));
    await vi.waitFor(() => expect(sent('PUT', `/api/extensions/${GITHUB_ID}/grants`)).toHaveLength(1));
    expect(sent('PUT', `/api/extensions/${GITHUB_ID}/grants`)[0]?.body).toEqual({
      permissions: ['secrets.read:github-token', 'network:api.github.com', 'storage'],
    });
    expect(await within(permissions).findByText(/Permissions saved \(granted storage\)/)).toBeTruthy();
  });

  test('a refused grant keeps the dialog open and names the permission', async () => {
    await renderDetail(extensionFixture(), {
      'PUT /api/extensions/:id/grants': problem(422, 'validation_failed', 'It does not request "storage".', [
        { path: '/body/permissions/2', message: 'is not a permission the manifest requests' },
      ]),
    });
    await userEvent.click(within(section('Permissions')).getByLabelText('storage'));
    await userEvent.click(screen.getByRole('button', { name: 'Save permissions' }));
    const dialog = await screen.findByRole('dialog');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Grant 1 permission' }));
    const alert = await within(dialog).findByRole('alert');
    expect(alert.textContent).toContain('storage is not a permission the manifest requests');
  });

  test('an extension that asks for nothing says so', async () => {
    await renderDetail(brokenFixture());
    expect(within(section('Permissions')).getByText('It asks for no permissions.')).toBeTruthy();
  });
});

describe('ExtensionDetailView: settings', () => {
  test('renders the declared settings with current values and defaults', async () => {
    await renderDetail();
    const settings = section('Settings');
    expect((within(settings).getByLabelText('Base URL') as HTMLInputElement).value).toBe(
      'https://github.example.com/api',
    );
    expect((within(settings).getByLabelText('Token secret') as HTMLInputElement).value).toBe('github-token');
    expect((within(settings).getByLabelText('Page size') as HTMLInputElement).value).toBe('30');
    expect(within(settings).getByRole('link', { name: 'Secrets' }).getAttribute('href')).toBe(
      '/settings/secrets',
    );
  });

  test('checks before sending, then sends only what changed; an emptied setting resets', async () => {
    const { sent } = await renderDetail(extensionFixture(), {
      'PUT /api/extensions/:id/settings': { body: extensionFixture() },
    });
    const settings = section('Settings');
    const baseUrl = within(settings).getByLabelText('Base URL');
    await userEvent.clear(baseUrl);
    await userEvent.type(baseUrl, 'not a url');
    await userEvent.click(within(settings).getByRole('button', { name: 'Save settings' }));
    expect(await within(settings).findByText('Enter a full URL, like https://example.com.')).toBeTruthy();
    expect(within(settings).getByText('Check the highlighted settings; nothing was saved.')).toBeTruthy();
    expect(sent('PUT', `/api/extensions/${GITHUB_ID}/settings`)).toHaveLength(0);

    await userEvent.clear(baseUrl);
    const pageSize = within(settings).getByLabelText('Page size');
    await userEvent.clear(pageSize);
    await userEvent.type(pageSize, '50');
    await userEvent.click(within(settings).getByRole('button', { name: 'Save settings' }));
    expect(await within(settings).findByText(/Settings saved \(baseUrl back to the default\)/)).toBeTruthy();
    expect(sent('PUT', `/api/extensions/${GITHUB_ID}/settings`)[0]?.body).toEqual({
      values: { baseUrl: null, pageSize: 50 },
    });
  });

  test('says when nothing changed', async () => {
    const { sent } = await renderDetail();
    await userEvent.click(within(section('Settings')).getByRole('button', { name: 'Save settings' }));
    expect(await screen.findByText('Nothing to save: the settings are unchanged.')).toBeTruthy();
    expect(sent('PUT', `/api/extensions/${GITHUB_ID}/settings`)).toHaveLength(0);
  });

  test('shows a refused setting next to its field', async () => {
    await renderDetail(extensionFixture(), {
      'PUT /api/extensions/:id/settings': problem(
        422,
        'validation_failed',
        'Setting "baseUrl" must be an http(s) URL.',
        [{ path: '/body/values/baseUrl', message: 'must be an http(s) URL' }],
      ),
    });
    const settings = section('Settings');
    const baseUrl = within(settings).getByLabelText('Base URL');
    await userEvent.clear(baseUrl);
    await userEvent.type(baseUrl, 'ftp://files.example.com');
    await userEvent.click(within(settings).getByRole('button', { name: 'Save settings' }));
    expect(await within(settings).findByText('Must be an http(s) URL')).toBeTruthy();
    expect(within(settings).getByRole('alert').textContent).toContain(
      'Setting "baseUrl" must be an http(s) URL.',
    );
    expect(baseUrl.getAttribute('aria-invalid')).toBe('true');
  });

  test('an extension without settings says so', async () => {
    await renderDetail(brokenFixture());
    expect(within(section('Settings')).getByText('It has no settings.')).toBeTruthy();
  });
});

describe('ExtensionDetailView: contributions and logs', () => {
  test('lists contributions under headings with counts; empty ones say none', async () => {
    await renderDetail();
    const contributions = section('Contributions');
    expect(within(contributions).getByRole('heading', { name: 'MCP tools (1)' })).toBeTruthy();
    expect(within(contributions).getByText('search_issues')).toBeTruthy();
    expect(within(contributions).getByText('Finds issues by query.')).toBeTruthy();
    const params = within(contributions).getByText('query').closest('li');
    expect(params?.textContent).toContain('(string, required)');
    expect(params?.textContent).toContain('What to look for');
    expect(within(contributions).getByText('state').closest('li')?.textContent).toContain(
      'one of open, closed',
    );
    expect(within(contributions).getByRole('heading', { name: 'Skills (1)' })).toBeTruthy();
    expect(within(contributions).getByText('Issue triage')).toBeTruthy();
    for (const empty of ['LLM providers (0)', 'Connectors (0)', 'Renderers (0)', 'Dashboard widgets (0)']) {
      const heading = within(contributions).getByRole('heading', { name: empty });
      expect(heading.nextElementSibling?.textContent).toBe('None.');
    }
  });

  test('shows providers with their models', async () => {
    await renderDetail(
      brokenFixture({
        contributions: {
          ...brokenFixture().contributions,
          llmProviders: [
            { id: 'openai', displayName: 'OpenAI', models: ['gpt-5', 'gpt-5-mini'] },
            { id: 'local', displayName: 'Local', models: [] },
          ],
        },
      }),
    );
    const contributions = section('Contributions');
    expect(within(contributions).getByRole('heading', { name: 'LLM providers (2)' })).toBeTruthy();
    expect(within(contributions).getByText('Models: gpt-5, gpt-5-mini')).toBeTruthy();
    expect(within(contributions).getByText('any model the provider offers')).toBeTruthy();
    expect(within(contributions).getByRole('heading', { name: 'Connectors (0)' })).toBeTruthy();
  });

  test('shows recent log lines in a scrollable region and refreshes them', async () => {
    const { calls } = await renderDetail();
    const logs = await screen.findByRole('region', { name: 'Recent log lines' });
    expect(logs.getAttribute('tabindex')).toBe('0');
    expect(within(logs).getByText('Started in 120 ms')).toBeTruthy();
    expect(within(logs).getByText('error')).toBeTruthy();
    expect(within(logs).getByText('GitHub answered 502')).toBeTruthy();
    await userEvent.click(within(section('Recent logs')).getByRole('button', { name: 'Refresh' }));
    expect(await within(section('Recent logs')).findByText(/2 lines, refreshed at/)).toBeTruthy();
    expect(calls.filter((c) => c.path === `/api/extensions/${GITHUB_ID}/logs`)).toHaveLength(2);
  });

  test('says when there are no log lines, and when they cannot load', async () => {
    mockApi({
      'GET /api/extensions/:id': { body: extensionFixture() },
      'GET /api/extensions/:id/logs': { body: { lines: [] } },
    });
    await renderView(ExtensionDetailView, { path: `/extensions/${GITHUB_ID}` });
    expect(await screen.findByText('No log lines yet. Lines appear once it has run.')).toBeTruthy();
  });

  test('a failing log request is said in words', async () => {
    mockApi({
      'GET /api/extensions/:id': { body: extensionFixture() },
      'GET /api/extensions/:id/logs': problem(503, 'unavailable', 'The log is not available right now.'),
    });
    await renderView(ExtensionDetailView, { path: `/extensions/${GITHUB_ID}` });
    const logs = await screen.findByRole('region', { name: 'Recent logs' });
    expect((await within(logs).findByRole('alert')).textContent).toContain(
      'The log is not available right now.',
    );
  });
});

describe('ExtensionDetailView: update, archive, uninstall', () => {
  test('checks the version range before sending', async () => {
    const { sent } = await renderDetail();
    await userEvent.type(screen.getByLabelText('Version or range'), '1.0; rm -rf');
    await userEvent.click(screen.getByRole('button', { name: 'Update' }));
    expect(
      await screen.findByText(
        'Enter a version like 1.4.2, a range like ^1.4, or leave it empty for the latest.',
      ),
    ).toBeTruthy();
    expect(sent('POST', `/api/extensions/${GITHUB_ID}/update`)).toHaveLength(0);
  });

  test('updates to a range and says to which version', async () => {
    const { sent } = await renderDetail(extensionFixture(), {
      'POST /api/extensions/:id/update': { body: operationFixture() },
    });
    await userEvent.type(screen.getByLabelText('Version or range'), '^1.3');
    await userEvent.click(screen.getByRole('button', { name: 'Update' }));
    expect(await screen.findByText('GitHub was updated from 1.2.0 to 1.3.0.')).toBeTruthy();
    expect(sent('POST', `/api/extensions/${GITHUB_ID}/update`)[0]?.body).toEqual({ range: '^1.3' });
  });

  test('an update to the latest that asks for more permissions waits for approval', async () => {
    const { sent } = await renderDetail(extensionFixture(), {
      'POST /api/extensions/:id/update': {
        body: operationFixture({
          status: 'pending_consent',
          stage: 'consent',
          toVersion: '2.0.0',
          addedPermissions: ['llm.invoke'],
        }),
      },
    });
    await userEvent.click(screen.getByRole('button', { name: 'Update' }));
    expect(await screen.findByText('Waiting for your approval')).toBeTruthy();
    expect(
      screen.getByText(/Version 2\.0\.0 asks for permissions GitHub does not have yet: llm\.invoke/),
    ).toBeTruthy();
    expect(screen.getByRole('link', { name: 'Open Installs and approvals' }).getAttribute('href')).toBe(
      '/marketplace/operations',
    );
    expect(sent('POST', `/api/extensions/${GITHUB_ID}/update`)[0]?.body).toEqual({});
  });

  test('a refused update is said in words', async () => {
    await renderDetail(extensionFixture(), {
      'POST /api/extensions/:id/update': problem(
        422,
        'no_matching_version',
        'No version of @cinatra/github matches ^9.',
      ),
    });
    await userEvent.type(screen.getByLabelText('Version or range'), '^9');
    await userEvent.click(screen.getByRole('button', { name: 'Update' }));
    expect((await screen.findByText('Update was refused')).closest('[role="alert"]')?.textContent).toContain(
      'No version of @cinatra/github matches ^9.',
    );
  });

  test('archiving asks first, then says what happened', async () => {
    const { sent } = await renderDetail(extensionFixture(), {
      'POST /api/extensions/:id/archive': { body: operationFixture({ kind: 'archive' }) },
    });
    await userEvent.click(screen.getByRole('button', { name: 'Archive…' }));
    const dialog = await screen.findByRole('dialog', { name: 'Archive GitHub?' });
    expect(sent('POST', `/api/extensions/${GITHUB_ID}/archive`)).toHaveLength(0);
    await userEvent.click(within(dialog).getByRole('button', { name: 'Archive' }));
    expect(await screen.findByText('Archived')).toBeTruthy();
    expect(sent('POST', `/api/extensions/${GITHUB_ID}/archive`)).toHaveLength(1);
  });

  test('a refused archive stays in the dialog, in words', async () => {
    await renderDetail(extensionFixture(), {
      'POST /api/extensions/:id/archive': problem(409, 'has_dependents', '@acme/app needs @cinatra/github.'),
    });
    await userEvent.click(screen.getByRole('button', { name: 'Archive…' }));
    const dialog = await screen.findByRole('dialog');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Archive' }));
    expect((await within(dialog).findByRole('alert')).textContent).toContain(
      '@acme/app needs @cinatra/github.',
    );
  });

  test('uninstalling needs the package name typed and a choice about the data', async () => {
    const { sent } = await renderDetail(extensionFixture(), {
      'POST /api/extensions/:id/uninstall': { body: operationFixture({ kind: 'uninstall' }) },
    });
    await userEvent.click(screen.getByRole('button', { name: 'Uninstall…' }));
    const dialog = await screen.findByRole('dialog', { name: 'Uninstall GitHub?' });
    const confirm = within(dialog).getByRole('button', { name: 'Uninstall' }) as HTMLButtonElement;
    expect((within(dialog).getByLabelText('Keep its data') as HTMLInputElement).checked).toBe(true);
    expect(confirm.disabled).toBe(true);
    await userEvent.type(
      within(dialog).getByLabelText(/Type @cinatra\/github to confirm/),
      '@cinatra/gitlab',
    );
    expect(confirm.disabled).toBe(true);
    await userEvent.clear(within(dialog).getByLabelText(/Type @cinatra\/github to confirm/));
    await userEvent.type(
      within(dialog).getByLabelText(/Type @cinatra\/github to confirm/),
      '@cinatra/github',
    );
    await userEvent.click(within(dialog).getByLabelText('Delete its data'));
    await userEvent.click(confirm);
    expect(await screen.findByText('Uninstalled')).toBeTruthy();
    expect(screen.getByText(/GitHub \(@cinatra\/github\) was removed\. Its data was deleted\./)).toBeTruthy();
    expect(sent('POST', `/api/extensions/${GITHUB_ID}/uninstall`)[0]?.body).toEqual({ data: 'delete' });
    expect(screen.getByRole('link', { name: 'Back to installed extensions' }).getAttribute('href')).toBe(
      '/extensions',
    );
    expect(screen.queryByRole('region', { name: 'Details' })).toBeNull();
  });

  test('a refused uninstall names the dependents in the dialog', async () => {
    await renderDetail(extensionFixture(), {
      'POST /api/extensions/:id/uninstall': problem(
        409,
        'has_dependents',
        '@acme/app and @acme/bot need it.',
      ),
    });
    await userEvent.click(screen.getByRole('button', { name: 'Uninstall…' }));
    const dialog = await screen.findByRole('dialog');
    await userEvent.type(
      within(dialog).getByLabelText(/Type @cinatra\/github to confirm/),
      '@cinatra/github',
    );
    await userEvent.click(within(dialog).getByRole('button', { name: 'Uninstall' }));
    expect((await within(dialog).findByRole('alert')).textContent).toContain(
      '@acme/app and @acme/bot need it.',
    );
  });
});
