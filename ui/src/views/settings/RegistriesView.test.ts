import { screen, within } from '@testing-library/vue';
import userEvent from '@testing-library/user-event';
import { describe, expect, test } from 'vitest';
import { mockApi, problem } from '../../../test/mockApi';
import { renderView } from '../../../test/render';
import RegistriesView from './RegistriesView.vue';

const TOKEN_ID = '30000000-0000-4000-8000-000000000001';
const OTHER_ID = '30000000-0000-4000-8000-000000000002';
const secret = (id: string, name: string) => ({
  id,
  name,
  owner: { tier: 'workspace' },
  version: 1,
  createdBy: null,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
});
const DESTINATION = {
  url: 'https://registry.example.com/',
  tokenSecretId: TOKEN_ID,
  updatedBy: 'u1',
  updatedAt: '2026-01-05T00:00:00.000Z',
};

function api(destination: typeof DESTINATION | null, overrides: Record<string, unknown> = {}) {
  let current = destination;
  return mockApi({
    'GET /api/registry/destinations': () => ({ body: { public: current } }),
    'GET /api/secrets': { body: [secret(TOKEN_ID, 'npm-token'), secret(OTHER_ID, 'npm-token-2')] },
    'PUT /api/registry/destinations/public': (call) => {
      current = { ...DESTINATION, ...(call.body as object) };
      return { body: current };
    },
    'DELETE /api/registry/destinations/public': () => {
      current = null;
      return { status: 204 };
    },
    ...overrides,
  });
}

describe('RegistriesView', () => {
  test('shows the current destination and its token secret by name', async () => {
    const calls = api(DESTINATION);
    await renderView(RegistriesView, { path: '/settings/registries' });
    expect(await screen.findByText('https://registry.example.com/')).toBeTruthy();
    expect(screen.getByText('npm-token', { selector: 'dd' })).toBeTruthy();
    expect((screen.getByLabelText(/^Registry URL/) as HTMLInputElement).value).toBe(
      'https://registry.example.com/',
    );
    expect((screen.getByLabelText(/^Token secret/) as HTMLSelectElement).value).toBe(TOKEN_ID);
    expect(calls.find((c) => c.path === '/api/secrets')?.query.get('ownerTier')).toBe('workspace');
  });

  test('sets the registry when none is set', async () => {
    const calls = api(null);
    await renderView(RegistriesView, { path: '/settings/registries' });
    expect(await screen.findByText('No public registry set')).toBeTruthy();
    await userEvent.type(screen.getByLabelText(/^Registry URL/), 'https://registry.npmjs.org/');
    await userEvent.selectOptions(screen.getByLabelText(/^Token secret/), 'npm-token-2');
    await userEvent.click(screen.getByRole('button', { name: 'Set public registry' }));
    expect(await screen.findByText('Promotions now go to https://registry.npmjs.org/.')).toBeTruthy();
    expect(calls.find((c) => c.method === 'PUT')?.body).toEqual({
      url: 'https://registry.npmjs.org/',
      tokenSecretId: OTHER_ID,
    });
  });

  test('sends no token when none is chosen', async () => {
    const calls = api(DESTINATION);
    await renderView(RegistriesView, { path: '/settings/registries' });
    await userEvent.selectOptions(await screen.findByLabelText(/^Token secret/), 'No token');
    await userEvent.click(screen.getByRole('button', { name: 'Save changes' }));
    await screen.findByText(/Promotions now go to/);
    expect(calls.find((c) => c.method === 'PUT')?.body).toEqual({
      url: 'https://registry.example.com/',
      tokenSecretId: null,
    });
  });

  test('checks the URL before sending', async () => {
    const calls = api(null);
    await renderView(RegistriesView, { path: '/settings/registries' });
    await userEvent.click(await screen.findByRole('button', { name: 'Set public registry' }));
    expect(screen.getByText(/Enter the registry URL/)).toBeTruthy();
    await userEvent.type(screen.getByLabelText(/^Registry URL/), 'ftp://registry');
    await userEvent.click(screen.getByRole('button', { name: 'Set public registry' }));
    expect(screen.getByText('Enter the registry URL starting with https://.')).toBeTruthy();
    expect(calls.filter((c) => c.method === 'PUT')).toHaveLength(0);
  });

  test('shows the server refusal next to the field', async () => {
    api(null, {
      'PUT /api/registry/destinations/public': problem(
        422,
        'validation_failed',
        'The registry settings are invalid.',
        [{ path: '/body/tokenSecretId', message: 'must be a workspace secret' }],
      ),
    });
    await renderView(RegistriesView, { path: '/settings/registries' });
    await userEvent.type(await screen.findByLabelText(/^Registry URL/), 'https://registry.npmjs.org/');
    await userEvent.selectOptions(screen.getByLabelText(/^Token secret/), 'npm-token');
    await userEvent.click(screen.getByRole('button', { name: 'Set public registry' }));
    expect((await screen.findByRole('alert')).textContent).toContain('The registry settings are invalid.');
    expect(screen.getByText('must be a workspace secret')).toBeTruthy();
  });

  test('clears the registry after confirming that promotions stay public', async () => {
    const calls = api(DESTINATION);
    await renderView(RegistriesView, { path: '/settings/registries' });
    await userEvent.click(await screen.findByRole('button', { name: 'Clear public registry' }));
    const dialog = screen.getByRole('dialog', { name: 'Clear the public registry?' });
    expect(dialog.textContent).toContain('Versions already promoted stay public');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Clear registry' }));
    expect(await screen.findByText(/The public registry was cleared/)).toBeTruthy();
    expect(calls.some((c) => c.method === 'DELETE')).toBe(true);
    expect(await screen.findByText('No public registry set')).toBeTruthy();
  });

  test('points to the secrets page when there is no workspace secret', async () => {
    api(null, { 'GET /api/secrets': { body: [] } });
    await renderView(RegistriesView, { path: '/settings/registries' });
    expect(await screen.findByText(/There are no workspace secrets yet/)).toBeTruthy();
    expect(
      screen.getByRole('link', { name: 'Add the token as a workspace secret' }).getAttribute('href'),
    ).toBe('/settings/secrets');
  });
});
