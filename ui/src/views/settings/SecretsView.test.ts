import { screen, within } from '@testing-library/vue';
import userEvent from '@testing-library/user-event';
import { describe, expect, test, vi } from 'vitest';
import { mockApi, problem } from '../../../test/mockApi';
import { renderView, TEST_USER_ID } from '../../../test/render';
import SecretsView from './SecretsView.vue';

const ACME = '10000000-0000-4000-8000-000000000001';
const BOB = '20000000-0000-4000-8000-000000000002';
const BOT = '20000000-0000-4000-8000-000000000003';
const SECRET_ID = '30000000-0000-4000-8000-000000000001';
const SECRET_VALUE = 'sk-live-very-secret-value';
const PEM_BODY = 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7';
const PEM = `-----BEGIN PRIVATE KEY-----\n${PEM_BODY}\nq3VfN0tAReAlKeY0nLyAtEsT+/=\n-----END PRIVATE KEY-----\n`;
const MULTILINE = 'Multi-line value (a PEM key, a certificate)';

/** Whether the text is anywhere in the page: in its markup or in a form control's value. */
const onPage = (text: string) =>
  document.body.innerHTML.includes(text) ||
  [...document.querySelectorAll<HTMLInputElement | HTMLTextAreaElement>('input, textarea')].some((control) =>
    control.value.includes(text),
  );

const secret = (id: string, name: string, owner: unknown, version = 1) => ({
  id,
  name,
  owner,
  version,
  createdBy: TEST_USER_ID,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-02T00:00:00.000Z',
});
const SECRETS = [
  secret(SECRET_ID, 'openai-api-key', { tier: 'workspace' }, 2),
  secret('30000000-0000-4000-8000-000000000002', 'acme-token', {
    tier: 'organization',
    organizationId: ACME,
  }),
  secret('30000000-0000-4000-8000-000000000003', 'my-key', { tier: 'user', userId: TEST_USER_ID }),
];
const USERS = [
  {
    id: BOB,
    email: 'bob@example.com',
    displayName: 'Bob',
    kind: 'human',
    platformRole: 'member',
    disabled: false,
    createdAt: '2026-01-01T00:00:00.000Z',
  },
  {
    id: BOT,
    email: 'bot@example.com',
    displayName: 'Deploy bot',
    kind: 'service_account',
    platformRole: 'member',
    disabled: false,
    createdAt: '2026-01-01T00:00:00.000Z',
  },
];
const grant = (granteeType: string, granteeId: string) => ({
  secretId: SECRET_ID,
  granteeType,
  granteeId,
  grantedBy: TEST_USER_ID,
  createdAt: '2026-01-03T00:00:00.000Z',
});

function api(overrides: Record<string, unknown> = {}) {
  let secrets = [...SECRETS];
  let grants = [grant('user', BOB), grant('extension', '@cinatra/openai')];
  return mockApi({
    'GET /api/secrets': () => ({ body: secrets }),
    'GET /api/organizations': {
      body: [{ id: ACME, name: 'Acme', slug: 'acme', createdAt: '2026-01-01T00:00:00.000Z' }],
    },
    'POST /api/secrets': (call) => {
      const { name, owner } = call.body as { name: string; owner: { tier: string; id?: string } };
      const created = secret(
        '30000000-0000-4000-8000-000000000009',
        name,
        owner.tier === 'organization' ? { tier: 'organization', organizationId: owner.id } : owner,
      );
      secrets = [...secrets, created];
      return { status: 201, body: created };
    },
    'PUT /api/secrets/:id/value': () => ({ body: { ...SECRETS[0], version: 3 } }),
    'DELETE /api/secrets/:id': (call) => {
      secrets = secrets.filter((s) => !call.path.endsWith(s.id));
      return { status: 204 };
    },
    'GET /api/users': { body: USERS },
    'GET /api/secrets/:id/grants': () => ({ body: grants }),
    'POST /api/secrets/:id/grants': (call) => {
      const body = call.body as { granteeType: string; granteeId: string };
      grants = [...grants, grant(body.granteeType, body.granteeId)];
      return { status: 201, body: grant(body.granteeType, body.granteeId) };
    },
    'DELETE /api/secrets/:id/grants/:type/:grantee': (call) => {
      grants = grants.filter((g) => !call.path.endsWith(`/${g.granteeType}/${g.granteeId}`));
      return { status: 204 };
    },
    ...overrides,
  });
}

describe('SecretsView', () => {
  test('lists metadata: name, owner, version and update time', async () => {
    api();
    await renderView(SecretsView, { path: '/settings/secrets' });
    const table = await screen.findByRole('table', { name: /Secrets you can see/ });
    const workspace = within(table).getByRole('row', { name: /openai-api-key/ });
    expect(workspace.textContent).toContain('Workspace');
    expect(within(workspace).getAllByRole('cell')[1]?.textContent).toBe('2');
    expect(within(table).getByRole('row', { name: /acme-token/ }).textContent).toContain(
      'Organization: Acme',
    );
    expect(within(table).getByRole('row', { name: /my-key/ }).textContent).toContain('You (personal)');
  });

  test('stores a secret: the value goes in the POST body, is cleared and never shown', async () => {
    const calls = api();
    await renderView(SecretsView, { path: '/settings/secrets' });
    await userEvent.click(await screen.findByRole('button', { name: 'Add a secret' }));
    const dialog = screen.getByRole('dialog', { name: 'Add a secret' });
    await userEvent.type(within(dialog).getByLabelText(/^Name/), 'anthropic-key');
    await userEvent.selectOptions(within(dialog).getByLabelText(/^Owner/), 'Organization: Acme');
    const value = within(dialog).getByLabelText(/^Value/) as HTMLInputElement;
    expect(value.type).toBe('password');
    await userEvent.type(value, SECRET_VALUE);
    await userEvent.click(within(dialog).getByRole('button', { name: 'Save secret' }));

    expect(await screen.findByText(/Secret “anthropic-key” saved/)).toBeTruthy();
    expect(screen.getByText(/was cleared from this page: it is never shown again/)).toBeTruthy();
    expect(calls.find((c) => c.method === 'POST')?.body).toEqual({
      name: 'anthropic-key',
      owner: { tier: 'organization', id: ACME },
      value: SECRET_VALUE,
    });
    await screen.findByRole('row', { name: /anthropic-key/ });
    expect(document.body.innerHTML).not.toContain(SECRET_VALUE);
    // Opening the form again starts empty.
    await userEvent.click(screen.getByRole('button', { name: 'Add a secret' }));
    expect((screen.getByLabelText(/^Value/) as HTMLInputElement).value).toBe('');
  });

  test('stores a multi-line value with its newlines, typed in a text area, and clears it', async () => {
    const calls = api();
    await renderView(SecretsView, { path: '/settings/secrets' });
    await userEvent.click(await screen.findByRole('button', { name: 'Add a secret' }));
    const dialog = screen.getByRole('dialog', { name: 'Add a secret' });
    await userEvent.type(within(dialog).getByLabelText(/^Name/), 'deploy-key');
    await userEvent.selectOptions(within(dialog).getByLabelText(/^Owner/), 'Organization: Acme');
    const multiline = within(dialog).getByLabelText(MULTILINE);
    expect(multiline.getAttribute('aria-describedby')).toBeTruthy();
    expect(
      within(dialog).getByText(/visible while you type it; once saved it is never shown again/),
    ).toBeTruthy();
    await userEvent.click(multiline);
    const value = within(dialog).getByLabelText(/^Value/);
    expect(value.tagName).toBe('TEXTAREA');
    await userEvent.click(value);
    await userEvent.paste(PEM);
    await userEvent.click(within(dialog).getByRole('button', { name: 'Save secret' }));

    expect(await screen.findByText(/Secret “deploy-key” saved/)).toBeTruthy();
    expect(calls.find((c) => c.method === 'POST')?.body).toMatchObject({ name: 'deploy-key', value: PEM });
    expect(onPage(PEM_BODY)).toBe(false);
    // Opening the form again starts empty, with a password field.
    await userEvent.click(screen.getByRole('button', { name: 'Add a secret' }));
    expect((screen.getByLabelText(MULTILINE) as HTMLInputElement).checked).toBe(false);
    const again = screen.getByLabelText(/^Value/) as HTMLInputElement;
    expect(again.type).toBe('password');
    expect(again.value).toBe('');
  });

  test('checks the form before sending', async () => {
    const calls = api();
    await renderView(SecretsView, { path: '/settings/secrets' });
    await userEvent.click(await screen.findByRole('button', { name: 'Add a secret' }));
    const dialog = screen.getByRole('dialog', { name: 'Add a secret' });
    await userEvent.type(within(dialog).getByLabelText(/^Name/), 'has spaces');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Save secret' }));
    expect(within(dialog).getByText(/Use letters, digits, dots, dashes and underscores/)).toBeTruthy();
    expect(within(dialog).getByText('Enter the value.')).toBeTruthy();
    expect(calls.filter((c) => c.method === 'POST')).toHaveLength(0);
  });

  test('shows a refusal in words and keeps the dialog open', async () => {
    api({
      'POST /api/secrets': problem(
        409,
        'conflict',
        'A secret named openai-api-key already exists for this owner.',
      ),
    });
    await renderView(SecretsView, { path: '/settings/secrets' });
    await userEvent.click(await screen.findByRole('button', { name: 'Add a secret' }));
    const dialog = screen.getByRole('dialog', { name: 'Add a secret' });
    await userEvent.type(within(dialog).getByLabelText(/^Name/), 'openai-api-key');
    await userEvent.type(within(dialog).getByLabelText(/^Value/), SECRET_VALUE);
    await userEvent.click(within(dialog).getByRole('button', { name: 'Save secret' }));
    expect((await within(dialog).findByRole('alert')).textContent).toContain('already exists for this owner');
  });

  test('offers the workspace owner to platform admins only', async () => {
    api();
    await renderView(SecretsView, { path: '/settings/secrets', signedIn: { roles: ['member'] } });
    await userEvent.click(await screen.findByRole('button', { name: 'Add a secret' }));
    const owner = screen.getByLabelText(/^Owner/);
    expect(within(owner).queryByRole('option', { name: /Workspace/ })).toBeNull();
    expect(within(owner).getByRole('option', { name: 'Just me (personal)' })).toBeTruthy();
  });

  test('replaces a value after a warning, and clears the field', async () => {
    const calls = api();
    await renderView(SecretsView, { path: '/settings/secrets' });
    await userEvent.click(await screen.findByRole('button', { name: 'Replace the value of openai-api-key' }));
    const dialog = screen.getByRole('dialog', { name: 'Replace the value of openai-api-key' });
    expect(dialog.textContent).toContain('It cannot be recovered');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Replace value' }));
    expect(within(dialog).getByText('Enter the value.')).toBeTruthy();
    await userEvent.type(within(dialog).getByLabelText(/^New value/), 'rotated-value');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Replace value' }));
    expect(await screen.findByText(/replaced \(now version 3\)/)).toBeTruthy();
    const put = calls.find((c) => c.method === 'PUT')!;
    expect(put.path).toBe(`/api/secrets/${SECRET_ID}/value`);
    expect(put.body).toEqual({ value: 'rotated-value' });
    expect(document.body.innerHTML).not.toContain('rotated-value');
  });

  test('replaces a value with a multi-line one, newlines kept, and clears it', async () => {
    const calls = api();
    await renderView(SecretsView, { path: '/settings/secrets' });
    await userEvent.click(await screen.findByRole('button', { name: 'Replace the value of openai-api-key' }));
    const dialog = screen.getByRole('dialog', { name: 'Replace the value of openai-api-key' });
    expect((within(dialog).getByLabelText(/^New value/) as HTMLInputElement).type).toBe('password');
    await userEvent.click(within(dialog).getByLabelText(MULTILINE));
    const value = within(dialog).getByLabelText(/^New value/);
    expect(value.tagName).toBe('TEXTAREA');
    await userEvent.click(value);
    await userEvent.paste(PEM);
    await userEvent.click(within(dialog).getByRole('button', { name: 'Replace value' }));

    expect(await screen.findByText(/replaced \(now version 3\)/)).toBeTruthy();
    expect(calls.find((c) => c.method === 'PUT')?.body).toEqual({ value: PEM });
    expect(onPage(PEM_BODY)).toBe(false);
  });

  test('deletes a secret once its name is typed', async () => {
    const calls = api();
    await renderView(SecretsView, { path: '/settings/secrets' });
    await userEvent.click(await screen.findByRole('button', { name: 'Delete openai-api-key' }));
    const dialog = screen.getByRole('dialog', { name: 'Delete openai-api-key?' });
    const confirm = within(dialog).getByRole('button', { name: 'Delete secret' }) as HTMLButtonElement;
    expect(confirm.disabled).toBe(true);
    await userEvent.type(within(dialog).getByLabelText(/Type openai-api-key to confirm/), 'openai-api-key');
    await userEvent.click(confirm);
    expect(await screen.findByText('Secret “openai-api-key” deleted, with its grants.')).toBeTruthy();
    expect(calls.find((c) => c.method === 'DELETE')?.path).toBe(`/api/secrets/${SECRET_ID}`);
  });

  test('lists, adds and revokes grants', async () => {
    const calls = api();
    await renderView(SecretsView, { path: '/settings/secrets' });
    await userEvent.click(await screen.findByRole('button', { name: 'Who may use openai-api-key' }));
    const dialog = screen.getByRole('dialog', { name: 'Who may use openai-api-key' });
    const table = await within(dialog).findByRole('table', { name: 'Grants of openai-api-key' });
    expect(within(table).getByRole('row', { name: /Bob/ })).toBeTruthy();
    expect(within(table).getByRole('row', { name: /@cinatra\/openai/ }).textContent).toContain(
      "Managed on the extension's page",
    );

    await userEvent.selectOptions(within(dialog).getByLabelText(/^Kind/), 'service_account');
    await userEvent.selectOptions(within(dialog).getByLabelText(/^Service account/), 'Deploy bot');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Grant access' }));
    expect(await within(dialog).findByText('Access granted.')).toBeTruthy();
    expect(calls.find((c) => c.method === 'POST')?.body).toEqual({
      granteeType: 'service_account',
      granteeId: BOT,
    });
    expect(within(dialog).getByRole('row', { name: /Deploy bot/ })).toBeTruthy();

    await userEvent.click(within(dialog).getByRole('button', { name: 'Revoke access of Bob' }));
    const confirm = screen.getByRole('dialog', { name: 'Revoke access?' });
    await userEvent.click(within(confirm).getByRole('button', { name: 'Revoke access' }));
    await vi.waitFor(() => expect(within(dialog).queryByRole('row', { name: /Bob/ })).toBeNull());
    expect(calls.find((c) => c.method === 'DELETE')?.path).toBe(
      `/api/secrets/${SECRET_ID}/grants/user/${BOB}`,
    );
  });

  test('asks non-admins for an id when granting, and checks it', async () => {
    const calls = api();
    await renderView(SecretsView, { path: '/settings/secrets', signedIn: { roles: ['member'] } });
    await userEvent.click(await screen.findByRole('button', { name: 'Who may use my-key' }));
    const dialog = screen.getByRole('dialog', { name: 'Who may use my-key' });
    await userEvent.type(within(dialog).getByLabelText(/^User id/), 'bob');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Grant access' }));
    expect(within(dialog).getByText(/Enter an id like/)).toBeTruthy();
    expect(calls.filter((c) => c.method === 'POST')).toHaveLength(0);
    expect(calls.filter((c) => c.path === '/api/users')).toHaveLength(0);
  });

  test('explains an empty list', async () => {
    api({ 'GET /api/secrets': { body: [] } });
    await renderView(SecretsView, { path: '/settings/secrets' });
    expect(await screen.findByText(/No secrets yet/)).toBeTruthy();
  });
});
