import { screen, within } from '@testing-library/vue';
import userEvent from '@testing-library/user-event';
import { describe, expect, test } from 'vitest';
import { mockApi, problem } from '../../../test/mockApi';
import { renderView } from '../../../test/render';
import TrustView from './TrustView.vue';

const KEY_ID = `sha256:${'a'.repeat(64)}`;
const OLD_KEY_ID = `sha256:${'b'.repeat(64)}`;
const PEM = [
  '-----BEGIN PUBLIC KEY-----',
  'MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEx8Ob1v3T7o1xZQm8N2e3lq4b3Yx1',
  'w5c4m2F9l0c3e1a5pJq7vYx2mL3k4j5h6g7f8e9d0c1b2a3Z4Y5X6W7V8U9T0S==',
  '-----END PUBLIC KEY-----',
].join('\n');

const key = (keyId: string, publisher: string, revoked = false) => ({
  keyId,
  publisher,
  tier: 'partner',
  publicKeyPem: PEM,
  addedBy: 'u1',
  addedAt: '2026-01-01T00:00:00.000Z',
  revokedAt: revoked ? '2026-02-01T00:00:00.000Z' : null,
  revokedBy: revoked ? 'u1' : null,
  revokedReason: revoked ? 'key leaked' : null,
});

function api(overrides: Record<string, unknown> = {}) {
  return mockApi({
    'GET /api/trust': {
      body: {
        keys: [key(KEY_ID, 'acme'), key(OLD_KEY_ID, 'globex', true)],
        revokedVersions: [
          {
            name: '@acme/github',
            version: '1.2.0',
            reason: 'leaks tokens',
            revokedAt: '2026-02-02T00:00:00.000Z',
            revokedBy: 'u1',
          },
        ],
      },
    },
    'POST /api/trust/keys': (call) => ({
      status: 201,
      body: { ...key(KEY_ID, 'initech'), ...(call.body as object) },
    }),
    'POST /api/trust/key-revocations': { body: key(KEY_ID, 'acme', true) },
    'POST /api/trust/version-revocations': (call) => ({
      status: 201,
      body: { ...(call.body as object), revokedAt: '2026-03-01T00:00:00.000Z', revokedBy: 'u1' },
    }),
    ...overrides,
  });
}

describe('TrustView', () => {
  test('lists keys with their status, and revoked versions', async () => {
    api();
    await renderView(TrustView, { path: '/settings/trust' });
    const keys = await screen.findByRole('table', { name: /Trusted publisher keys/ });
    const acme = within(keys).getByRole('row', { name: /acme/ });
    expect(acme.textContent).toContain('Partner');
    expect(acme.textContent).toContain(KEY_ID);
    expect(acme.textContent).toContain('Trusted');
    const globex = within(keys).getByRole('row', { name: /globex/ });
    expect(globex.textContent).toContain('Revoked');
    expect(globex.textContent).toContain('key leaked');
    expect(within(globex).queryByRole('button', { name: /Revoke/ })).toBeNull();
    const versions = screen.getByRole('table', { name: 'Revoked extension versions' });
    expect(within(versions).getByRole('row', { name: /@acme\/github/ }).textContent).toContain(
      'leaks tokens',
    );
  });

  test('adds a key after checking it looks like a PEM public key', async () => {
    const calls = api();
    await renderView(TrustView, { path: '/settings/trust' });
    await userEvent.click(await screen.findByRole('button', { name: 'Add a key' }));
    const dialog = screen.getByRole('dialog', { name: 'Add a publisher key' });
    const pem = within(dialog).getByLabelText(/^Public key/);
    await userEvent.type(pem, '-----BEGIN PRIVATE KEY-----');
    await userEvent.type(within(dialog).getByLabelText(/^Publisher/), 'Not Valid');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Trust key' }));
    expect(within(dialog).getByText(/This is a private key/)).toBeTruthy();
    expect(within(dialog).getByText(/Use lowercase letters, digits/)).toBeTruthy();
    expect(within(dialog).getByText('Choose how far to trust this publisher.')).toBeTruthy();
    expect(calls.filter((c) => c.method === 'POST')).toHaveLength(0);

    await userEvent.clear(pem);
    await userEvent.type(pem, 'hello');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Trust key' }));
    expect(within(dialog).getByText(/Paste a PEM public key/)).toBeTruthy();

    await userEvent.clear(pem);
    await userEvent.click(pem);
    await userEvent.paste(PEM);
    const publisher = within(dialog).getByLabelText(/^Publisher/);
    await userEvent.clear(publisher);
    await userEvent.type(publisher, 'initech');
    await userEvent.selectOptions(within(dialog).getByLabelText(/^Tier/), 'community');
    expect(within(dialog).getByText('Anyone else whose extensions you choose to run.')).toBeTruthy();
    await userEvent.click(within(dialog).getByRole('button', { name: 'Trust key' }));
    expect(await screen.findByText(/of initech is now trusted \(community\)/)).toBeTruthy();
    expect(calls.find((c) => c.path === '/api/trust/keys')?.body).toEqual({
      publicKeyPem: `${PEM}\n`,
      publisher: 'initech',
      tier: 'community',
    });
  });

  test('revokes a key once the publisher is typed, with a reason and a warning', async () => {
    const calls = api();
    await renderView(TrustView, { path: '/settings/trust' });
    await userEvent.click(await screen.findByRole('button', { name: `Revoke key ${KEY_ID} of acme` }));
    const dialog = screen.getByRole('dialog', { name: "Revoke acme's key?" });
    expect(dialog.textContent).toContain('will install or load any more');
    const confirm = within(dialog).getByRole('button', { name: 'Revoke key' }) as HTMLButtonElement;
    await userEvent.type(within(dialog).getByLabelText(/Type acme to confirm/), 'acme');
    expect(confirm.disabled).toBe(false);
    await userEvent.click(confirm);
    expect((await within(dialog).findByRole('alert')).textContent).toContain('Enter why the key is revoked');
    expect(calls.filter((c) => c.method === 'POST')).toHaveLength(0);

    await userEvent.type(within(dialog).getByLabelText(/^Reason/), 'key leaked');
    await userEvent.click(confirm);
    expect(await screen.findByText(/is revoked: nothing it signed installs or loads any more/)).toBeTruthy();
    expect(calls.find((c) => c.path === '/api/trust/key-revocations')?.body).toEqual({
      keyId: KEY_ID,
      reason: 'key leaked',
    });
  });

  test('revokes a version, checked first', async () => {
    const calls = api();
    await renderView(TrustView, { path: '/settings/trust' });
    await userEvent.click(await screen.findByRole('button', { name: 'Revoke a version' }));
    const dialog = screen.getByRole('dialog', { name: 'Revoke an extension version' });
    await userEvent.type(within(dialog).getByLabelText(/^Package/), '@Acme/GitHub');
    await userEvent.type(within(dialog).getByLabelText(/^Version/), '^1.2');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Revoke version' }));
    expect(within(dialog).getByText(/Enter an npm package name in lowercase/)).toBeTruthy();
    expect(within(dialog).getByText(/Enter an exact version like 1.2.0/)).toBeTruthy();
    expect(within(dialog).getByText('Enter why it is revoked.')).toBeTruthy();
    expect(calls.filter((c) => c.method === 'POST')).toHaveLength(0);

    const name = within(dialog).getByLabelText(/^Package/);
    await userEvent.clear(name);
    await userEvent.type(name, '@acme/github');
    const version = within(dialog).getByLabelText(/^Version/);
    await userEvent.clear(version);
    await userEvent.type(version, '1.3.0');
    await userEvent.type(within(dialog).getByLabelText(/^Reason/), 'ships a miner');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Revoke version' }));
    expect(
      await screen.findByText(
        '@acme/github 1.3.0 is revoked: it never installs or loads again on this instance.',
      ),
    ).toBeTruthy();
    expect(calls.find((c) => c.path === '/api/trust/version-revocations')?.body).toEqual({
      name: '@acme/github',
      version: '1.3.0',
      reason: 'ships a miner',
    });
  });

  test('shows a refusal in words', async () => {
    api({ 'POST /api/trust/keys': problem(409, 'conflict', 'This key is already in the trust store.') });
    await renderView(TrustView, { path: '/settings/trust' });
    await userEvent.click(await screen.findByRole('button', { name: 'Add a key' }));
    const dialog = screen.getByRole('dialog', { name: 'Add a publisher key' });
    await userEvent.click(within(dialog).getByLabelText(/^Public key/));
    await userEvent.paste(PEM);
    await userEvent.type(within(dialog).getByLabelText(/^Publisher/), 'acme');
    await userEvent.selectOptions(within(dialog).getByLabelText(/^Tier/), 'partner');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Trust key' }));
    expect((await within(dialog).findByRole('alert')).textContent).toContain(
      'This key is already in the trust store.',
    );
  });

  test('explains an empty trust store', async () => {
    api({ 'GET /api/trust': { body: { keys: [], revokedVersions: [] } } });
    await renderView(TrustView, { path: '/settings/trust' });
    expect(await screen.findByText(/No publisher key is trusted yet/)).toBeTruthy();
    expect(screen.getByText('No extension version is revoked.')).toBeTruthy();
  });

  test('shows the not-allowed state', async () => {
    api({
      'GET /api/trust': problem(403, 'forbidden', 'Only platform administrators manage the trust store.'),
    });
    await renderView(TrustView, { path: '/settings/trust' });
    expect(await screen.findByText('Not allowed')).toBeTruthy();
  });
});
