import { fireEvent, screen, within } from '@testing-library/vue';
import userEvent from '@testing-library/user-event';
import { describe, expect, test } from 'vitest';
import { mockApi, problem } from '../../../test/mockApi';
import { TEST_USER_ID, renderView } from '../../../test/render';
import TokensView from './TokensView.vue';

const DAY = 24 * 60 * 60 * 1000;
const token = (over: Record<string, unknown>) => ({
  id: '30000000-0000-4000-8000-000000000001',
  userId: TEST_USER_ID,
  name: 'Claude Code',
  prefix: 'cin_ab12cd',
  scopes: ['extension:call_tool'],
  expiresAt: null,
  revokedAt: null,
  lastUsedAt: null,
  createdAt: '2026-01-01T00:00:00.000Z',
  ...over,
});
const ACTIVE = token({});
const REVOKED = token({
  id: '30000000-0000-4000-8000-000000000002',
  name: 'Old laptop',
  prefix: 'cin_zz99yy',
  scopes: ['*'],
  revokedAt: '2026-01-05T00:00:00.000Z',
  lastUsedAt: '2026-01-04T10:00:00.000Z',
});
const EXPIRED = token({
  id: '30000000-0000-4000-8000-000000000003',
  name: 'CI',
  prefix: 'cin_ci0001',
  scopes: ['extension:call_tool:@acme/crm'],
  expiresAt: '2026-01-02T00:00:00.000Z',
});
const NEW_TOKEN = token({ id: '30000000-0000-4000-8000-000000000009', name: 'Cursor', prefix: 'cin_new123' });
const SECRET = 'cin_new123secretsecretsecret';

const row = (name: string) => screen.getByRole('cell', { name }).closest('tr')!;

async function openDialog() {
  await userEvent.click(await screen.findByRole('button', { name: 'New token' }));
  return screen.getByRole('dialog', { name: 'New API token' });
}

describe('TokensView', () => {
  test('lists tokens with their scopes, expiry, last use and status in words', async () => {
    mockApi({ 'GET /api/tokens': { body: [ACTIVE, REVOKED, EXPIRED] } });
    await renderView(TokensView, { path: '/tokens', signedIn: { roles: ['member'] } });
    const table = await screen.findByRole('table', { name: 'API tokens' });
    expect(
      within(table)
        .getAllByRole('columnheader')
        .map((th) => th.textContent?.trim()),
    ).toEqual(['Name', 'Token', 'Scopes', 'Expires', 'Last used', 'Status', 'Actions']);
    const active = row('Claude Code');
    expect(within(active).getByText('cin_ab12cd…')).toBeTruthy();
    expect(within(active).getByText(/Call extension tools/)).toBeTruthy();
    expect(within(active).getByText('Never')).toBeTruthy();
    expect(within(active).getByText('Not used yet')).toBeTruthy();
    expect(within(active).getByText('Active')).toBeTruthy();
    expect(within(row('Old laptop')).getByText('Revoked')).toBeTruthy();
    expect(within(row('Old laptop')).getByText(/Full access/)).toBeTruthy();
    expect(within(row('Old laptop')).queryByRole('button', { name: /Revoke/ })).toBeNull();
    expect(within(row('CI')).getByText('Expired')).toBeTruthy();
    expect(within(row('CI')).getByText('extension:call_tool:@acme/crm')).toBeTruthy();
  });

  test('says so when there are no tokens', async () => {
    mockApi({ 'GET /api/tokens': { body: [] } });
    await renderView(TokensView, { path: '/tokens' });
    expect(await screen.findByText(/No API tokens yet/)).toBeTruthy();
  });

  test('checks name, scopes and narrower scopes before sending', async () => {
    const calls = mockApi({ 'GET /api/tokens': { body: [] } });
    await renderView(TokensView, { path: '/tokens' });
    const dialog = await openDialog();
    await userEvent.click(within(dialog).getByRole('button', { name: 'Create token' }));
    expect(within(dialog).getByText('Enter a name for the token.')).toBeTruthy();
    expect(within(dialog).getByText('Choose at least one scope, or enter a narrower one.')).toBeTruthy();

    await userEvent.type(within(dialog).getByLabelText('Narrower scopes'), 'Extension call tool');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Create token' }));
    expect(within(dialog).getByText(/Not a scope: Extension, call, tool\./)).toBeTruthy();
    expect(calls.filter((c) => c.method === 'POST')).toHaveLength(0);
  });

  test('creates a token and shows its secret once', async () => {
    const calls = mockApi({
      'GET /api/tokens': { body: [ACTIVE] },
      'POST /api/tokens': { status: 201, body: { token: SECRET, apiToken: NEW_TOKEN } },
    });
    await renderView(TokensView, { path: '/tokens' });
    const dialog = await openDialog();
    await userEvent.type(within(dialog).getByLabelText(/Name/), 'Cursor');
    await userEvent.click(within(dialog).getByLabelText('Call extension tools'));
    await userEvent.type(
      within(dialog).getByLabelText('Narrower scopes'),
      'extension:call_tool:@acme/crm/create_issue',
    );
    await userEvent.selectOptions(within(dialog).getByLabelText('Expires'), '30');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Create token' }));

    const shown = await screen.findByRole('dialog', { name: 'Copy your new token' });
    expect(within(shown).getByText('This is the only time the token is shown')).toBeTruthy();
    expect((within(shown).getByLabelText('API token') as HTMLInputElement).value).toBe(SECRET);
    const body = calls.find((c) => c.method === 'POST')?.body as Record<string, unknown>;
    expect(body).toMatchObject({
      name: 'Cursor',
      scopes: ['extension:call_tool', 'extension:call_tool:@acme/crm/create_issue'],
    });
    expect(Math.abs(Date.parse(body.expiresAt as string) - (Date.now() + 30 * DAY))).toBeLessThan(60_000);
    expect(body).not.toHaveProperty('userId');

    await userEvent.click(within(shown).getByRole('button', { name: 'Done' }));
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(screen.queryByDisplayValue(SECRET)).toBeNull();
    expect(within(row('Cursor')).getByText('Active')).toBeTruthy();
  });

  test('full access sends only "*", and a chosen date ends that day', async () => {
    const calls = mockApi({
      'GET /api/tokens': { body: [] },
      'POST /api/tokens': { status: 201, body: { token: SECRET, apiToken: NEW_TOKEN } },
    });
    await renderView(TokensView, { path: '/tokens' });
    const dialog = await openDialog();
    await userEvent.type(within(dialog).getByLabelText(/Name/), 'Everything');
    await userEvent.click(within(dialog).getByLabelText('Call extension tools'));
    await userEvent.click(within(dialog).getByLabelText('Full access'));
    expect((within(dialog).getByLabelText('Call extension tools') as HTMLInputElement).disabled).toBe(true);
    await userEvent.selectOptions(within(dialog).getByLabelText('Expires'), 'date');
    await fireEvent.update(within(dialog).getByLabelText(/Expiry date/), '2099-12-31');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Create token' }));
    await screen.findByRole('dialog', { name: 'Copy your new token' });
    expect(calls.find((c) => c.method === 'POST')?.body).toEqual({
      name: 'Everything',
      scopes: ['*'],
      expiresAt: new Date('2099-12-31T23:59:59.999').toISOString(),
    });
  });

  test('a token without expiry is sent as null, with a warning first', async () => {
    const calls = mockApi({
      'GET /api/tokens': { body: [] },
      'POST /api/tokens': { status: 201, body: { token: SECRET, apiToken: NEW_TOKEN } },
    });
    await renderView(TokensView, { path: '/tokens' });
    const dialog = await openDialog();
    await userEvent.type(within(dialog).getByLabelText(/Name/), 'Forever');
    await userEvent.click(within(dialog).getByLabelText('Read your notifications'));
    await userEvent.selectOptions(within(dialog).getByLabelText('Expires'), 'never');
    expect(within(dialog).getByText(/A token that never expires works until you revoke it/)).toBeTruthy();
    await userEvent.click(within(dialog).getByRole('button', { name: 'Create token' }));
    await screen.findByRole('dialog', { name: 'Copy your new token' });
    expect(calls.find((c) => c.method === 'POST')?.body).toEqual({
      name: 'Forever',
      scopes: ['notification:read'],
      expiresAt: null,
    });
  });

  test('shows a refusal in words next to the field it names', async () => {
    mockApi({
      'GET /api/tokens': { body: [] },
      'POST /api/tokens': problem(400, 'validation_failed', 'The expiry must be in the future.', [
        { path: '/body/expiresAt', message: 'must be a future date-time' },
      ]),
    });
    await renderView(TokensView, { path: '/tokens' });
    const dialog = await openDialog();
    await userEvent.type(within(dialog).getByLabelText(/Name/), 'Cursor');
    await userEvent.click(within(dialog).getByLabelText('Call extension tools'));
    await userEvent.click(within(dialog).getByRole('button', { name: 'Create token' }));
    expect((await within(dialog).findByRole('alert')).textContent).toContain(
      'The expiry must be in the future.',
    );
    expect(within(dialog).getByText('must be a future date-time')).toBeTruthy();
  });

  test('revokes a token after confirming', async () => {
    const calls = mockApi({
      'GET /api/tokens': { body: [ACTIVE] },
      'DELETE /api/tokens/:id': { body: { ...ACTIVE, revokedAt: '2026-02-01T00:00:00.000Z' } },
    });
    await renderView(TokensView, { path: '/tokens' });
    await userEvent.click(await screen.findByRole('button', { name: 'Revoke Claude Code' }));
    const dialog = screen.getByRole('dialog', { name: 'Revoke Claude Code?' });
    expect(calls.filter((c) => c.method === 'DELETE')).toHaveLength(0);
    await userEvent.click(within(dialog).getByRole('button', { name: 'Revoke token' }));
    expect(await screen.findByText(/Revoked Claude Code\./)).toBeTruthy();
    expect(calls.find((c) => c.method === 'DELETE')?.path).toBe(`/api/tokens/${ACTIVE.id}`);
    expect(within(row('Claude Code')).getByText('Revoked')).toBeTruthy();
  });

  test("a platform admin manages a service account's tokens", async () => {
    const botId = '00000000-0000-4000-8000-000000000003';
    const calls = mockApi({
      'GET /api/users/:id': {
        body: {
          id: botId,
          email: 'ci@example.com',
          displayName: 'CI pipeline',
          kind: 'service_account',
          platformRole: 'member',
          disabled: false,
          createdAt: '2026-01-01T00:00:00.000Z',
        },
      },
      'GET /api/tokens': { body: [] },
      'POST /api/tokens': { status: 201, body: { token: SECRET, apiToken: { ...NEW_TOKEN, userId: botId } } },
    });
    await renderView(TokensView, { path: `/tokens?userId=${botId}` });
    expect(await screen.findByText('Tokens of CI pipeline')).toBeTruthy();
    expect(calls.find((c) => c.path === '/api/tokens')?.query.get('userId')).toBe(botId);
    const dialog = await openDialog();
    await userEvent.type(within(dialog).getByLabelText(/Name/), 'Deploy');
    await userEvent.click(within(dialog).getByLabelText('Manage extensions'));
    await userEvent.click(within(dialog).getByRole('button', { name: 'Create token' }));
    await screen.findByRole('dialog', { name: 'Copy your new token' });
    expect(calls.find((c) => c.method === 'POST')?.body).toMatchObject({
      name: 'Deploy',
      scopes: ['extension:admin'],
      userId: botId,
    });
  });

  test("shows the not-allowed state for someone else's tokens", async () => {
    const refusal = problem(403, 'forbidden', "You may not list another user's API tokens.");
    mockApi({ 'GET /api/users/:id': refusal, 'GET /api/tokens': refusal });
    await renderView(TokensView, {
      path: '/tokens?userId=00000000-0000-4000-8000-000000000003',
      signedIn: { roles: ['member'] },
    });
    expect(await screen.findByText('Not allowed')).toBeTruthy();
    expect(screen.getByText("You may not list another user's API tokens.")).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'New token' })).toBeNull();
  });

  test('opens a ready-made MCP client token from the MCP page', async () => {
    mockApi({ 'GET /api/tokens': { body: [] } });
    await renderView(TokensView, { path: '/tokens?create=mcp', signedIn: { roles: ['member'] } });
    const dialog = await screen.findByRole('dialog', { name: 'New API token' });
    expect((within(dialog).getByLabelText(/Name/) as HTMLInputElement).value).toBe('MCP client');
    expect((within(dialog).getByLabelText('Call extension tools') as HTMLInputElement).checked).toBe(true);
    // Admin-only scopes are not offered to members.
    expect(within(dialog).queryByLabelText('Manage extensions')).toBeNull();
  });
});
