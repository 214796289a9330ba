import { screen, within } from '@testing-library/vue';
import userEvent from '@testing-library/user-event';
import { describe, expect, test, vi } from 'vitest';
import { mockApi, problem } from '../../../test/mockApi';
import { renderView } from '../../../test/render';
import ConnectorSetupDialog from './ConnectorSetupDialog.vue';
import ExtensionDetailView from './ExtensionDetailView.vue';
import { extensionFixture, GITHUB_ID } from './extensionFixtures';
import type { Connector, Extension } from './extensionModel';

const SETUP_SCHEMA = {
  type: 'object',
  properties: {
    baseUrl: { type: 'string', format: 'uri', description: 'CRM API base URL' },
    tokenSecret: { type: 'string', 'x-cinatra-secret': true, description: 'Secret with the API token' },
    region: { type: 'string', enum: ['eu', 'us'], default: 'eu' },
    sync: {
      type: 'object',
      properties: { interval: { type: 'integer', minimum: 5, description: 'Minutes between syncs' } },
    },
  },
  required: ['baseUrl', 'tokenSecret'],
  additionalProperties: false,
};

function connector(overrides: Partial<Connector> = {}): Connector {
  return {
    id: 'crm',
    displayName: 'CRM',
    description: 'Syncs contacts.',
    setupSchema: SETUP_SCHEMA,
    setup: null,
    ...overrides,
  };
}

const LEDGER = connector({
  id: 'ledger',
  displayName: 'Ledger',
  description: undefined,
  setupSchema: null,
  setup: null,
});

function withConnectors(...connectors: Connector[]): Extension {
  return extensionFixture({ contributions: { ...extensionFixture().contributions, connectors } });
}

const SETUP_PATH = `/api/extensions/${GITHUB_ID}/connectors/crm/setup`;

/** The detail page with `initial`; GET answers with `current()` so a save can change it. */
async function renderPage(initial: Extension, put?: Parameters<typeof mockApi>[0][string]) {
  let current = initial;
  const calls = mockApi({
    'GET /api/extensions/:id': () => ({ body: current }),
    'GET /api/extensions/:id/logs': { body: { lines: [] } },
    ...(put ? { 'PUT /api/extensions/:id/connectors/:connector/setup': put } : {}),
  });
  await renderView(ExtensionDetailView, { path: `/extensions/${initial.id}` });
  await screen.findByRole('heading', { level: 1, name: initial.displayName });
  return {
    calls,
    set: (next: Extension) => (current = next),
    puts: () => calls.filter((c) => c.method === 'PUT' && c.path === SETUP_PATH),
    gets: () => calls.filter((c) => c.method === 'GET' && c.path === `/api/extensions/${GITHUB_ID}`).length,
  };
}

function connectorCard(name: string): HTMLElement {
  const contributions = screen.getByRole('region', { name: 'Contributions' });
  return within(contributions)
    .getByText(name, { selector: '.contributions__name, .contributions__name *' })
    .closest('li')!;
}

describe('connector setup on the extension page', () => {
  test('each connector says whether it is set up; only those with a setup schema offer the dialog', async () => {
    await renderPage(
      withConnectors(
        connector(),
        connector({ id: 'mail', displayName: 'Mail', setup: { baseUrl: 'https://mail.example.com' } }),
        LEDGER,
      ),
    );
    const crm = connectorCard('CRM');
    expect(within(crm).getByText('Not set up')).toBeTruthy();
    expect(within(crm).getByRole('button', { name: 'Set up CRM' })).toBeTruthy();
    const mail = connectorCard('Mail');
    expect(within(mail).getByText('Configured')).toBeTruthy();
    expect(within(mail).getByRole('button', { name: 'Set up Mail' })).toBeTruthy();
    const ledger = connectorCard('Ledger');
    expect(within(ledger).getByText('It has nothing to set up.')).toBeTruthy();
    expect(within(ledger).queryByRole('button')).toBeNull();
    expect(
      within(screen.getByRole('region', { name: 'Contributions' })).getByRole('heading', {
        name: 'Connectors (3)',
      }),
    ).toBeTruthy();
  });

  test('checks the values before sending, saves them, says so and refreshes the page', async () => {
    const values = { baseUrl: 'https://crm.example.com/api', tokenSecret: 'crm-token', region: 'eu' };
    const page = await renderPage(withConnectors(connector()), () => {
      page.set(withConnectors(connector({ setup: values })));
      return { body: withConnectors(connector({ setup: values })) };
    });
    await userEvent.click(screen.getByRole('button', { name: 'Set up CRM' }));
    const dialog = await screen.findByRole('dialog', { name: 'Set up CRM' });
    expect(dialog.textContent).toContain('Syncs contacts.');
    expect((within(dialog).getByLabelText('Region') as HTMLSelectElement).value).toBe('"eu"');

    await userEvent.type(within(dialog).getByLabelText(/Base URL/), 'not a url');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Save' }));
    expect(await within(dialog).findByText('Enter a full URL, like https://example.com.')).toBeTruthy();
    expect(within(dialog).getByText('Token secret is required.')).toBeTruthy();
    expect(within(dialog).getByRole('alert').textContent).toContain(
      'Check the highlighted fields; nothing was saved.',
    );
    expect(page.puts()).toHaveLength(0);

    await userEvent.clear(within(dialog).getByLabelText(/Base URL/));
    await userEvent.type(within(dialog).getByLabelText(/Base URL/), values.baseUrl);
    await userEvent.type(within(dialog).getByLabelText(/Token secret/), values.tokenSecret);
    await userEvent.click(within(dialog).getByRole('button', { name: 'Save' }));

    const notice = await screen.findByText(
      /CRM is set up\. GitHub restarts with the new setup on next use\./,
    );
    expect(notice.closest('[role="status"]')).toBeTruthy();
    expect(screen.queryByRole('dialog', { name: 'Set up CRM' })).toBeNull();
    expect(page.puts()).toHaveLength(1);
    expect(page.puts()[0]?.body).toEqual({ values });
    expect(page.puts()[0]?.headers.get('x-csrf-token')).toBe('csrf-test-token');
    await vi.waitFor(() => expect(page.gets()).toBe(2));
    await vi.waitFor(() => expect(within(connectorCard('CRM')).getByText('Configured')).toBeTruthy());
  });

  test("shows the platform's refusals next to their fields, nested ones too; nothing is saved", async () => {
    const page = await renderPage(
      withConnectors(connector({ setup: { baseUrl: 'https://crm.example.com', tokenSecret: 'crm-token' } })),
      problem(400, 'validation_failed', 'The setup of CRM was refused.', [
        {
          path: '/body/values/tokenSecret',
          message: 'must be the name of a kernel secret, never the secret itself',
        },
        { path: '/body/values/sync/interval', message: 'must be <= 1440' },
      ]),
    );
    await userEvent.click(screen.getByRole('button', { name: 'Set up CRM' }));
    const dialog = await screen.findByRole('dialog', { name: 'Set up CRM' });
    await userEvent.type(within(dialog).getByLabelText(/Interval/), '5000');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Save' }));

    expect(
      await within(dialog).findByText('Must be the name of a kernel secret, never the secret itself'),
    ).toBeTruthy();
    expect(within(dialog).getByText('Must be <= 1440')).toBeTruthy();
    expect(
      within(dialog)
        .getByLabelText(/Token secret/)
        .getAttribute('aria-invalid'),
    ).toBe('true');
    expect(within(dialog).getByRole('alert').textContent).toContain('The setup of CRM was refused.');
    expect(page.puts()[0]?.body).toEqual({
      values: {
        baseUrl: 'https://crm.example.com',
        tokenSecret: 'crm-token',
        region: 'eu',
        sync: { interval: 5000 },
      },
    });
    expect(within(connectorCard('CRM')).getByText('Configured')).toBeTruthy();
    expect(page.gets()).toBe(1);
  });
});

describe('ConnectorSetupDialog', () => {
  const extension = { id: GITHUB_ID, displayName: 'GitHub' };

  test('is prefilled with the stored values; values its schema no longer allows are dropped', async () => {
    const calls = mockApi({
      'PUT /api/extensions/:id/connectors/:connector/setup': { body: withConnectors(connector()) },
    });
    const onSaved = vi.fn();
    await renderView(ConnectorSetupDialog, {
      props: {
        open: true,
        extension,
        connector: connector({
          setup: { baseUrl: 'https://crm.example.com', tokenSecret: 'crm-token', region: 'us', retired: 1 },
        }),
        onSaved,
      },
    });
    const dialog = await screen.findByRole('dialog', { name: 'Set up CRM' });
    expect((within(dialog).getByLabelText(/Base URL/) as HTMLInputElement).value).toBe(
      'https://crm.example.com',
    );
    expect((within(dialog).getByLabelText(/Token secret/) as HTMLInputElement).value).toBe('crm-token');
    expect((within(dialog).getByLabelText('Region') as HTMLSelectElement).value).toBe('"us"');
    expect(within(dialog).getByRole('link', { name: 'Secrets' }).getAttribute('href')).toBe(
      '/settings/secrets',
    );
    await userEvent.click(within(dialog).getByRole('button', { name: 'Save' }));
    await vi.waitFor(() => expect(onSaved).toHaveBeenCalledTimes(1));
    expect(calls[0]?.body).toEqual({
      values: { baseUrl: 'https://crm.example.com', tokenSecret: 'crm-token', region: 'us' },
    });
  });

  test('Cancel closes it and sends nothing', async () => {
    const calls = mockApi({});
    const onClose = vi.fn();
    await renderView(ConnectorSetupDialog, {
      props: { open: true, extension, connector: connector(), onClose },
    });
    const dialog = await screen.findByRole('dialog', { name: 'Set up CRM' });
    await userEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(onClose).toHaveBeenCalledTimes(1);
    expect(calls).toHaveLength(0);
  });
});
