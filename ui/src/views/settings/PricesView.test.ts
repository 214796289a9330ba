import { screen, within } from '@testing-library/vue';
import userEvent from '@testing-library/user-event';
import { describe, expect, test, vi } from 'vitest';
import { mockApi, problem } from '../../../test/mockApi';
import { renderView } from '../../../test/render';
import PricesView from './PricesView.vue';

const PRICES = [
  {
    provider: 'openai',
    model: 'gpt-5.4',
    inputPerMTok: 1.25,
    cachedInputPerMTok: 0.125,
    outputPerMTok: 10,
    source: 'builtin',
    updatedBy: null,
    updatedAt: '2026-01-01T00:00:00.000Z',
  },
  {
    provider: 'openai',
    model: '*',
    inputPerMTok: 2,
    cachedInputPerMTok: null,
    outputPerMTok: 8,
    source: 'admin',
    updatedBy: 'u1',
    updatedAt: '2026-01-02T00:00:00.000Z',
  },
];

function api(overrides: Record<string, unknown> = {}) {
  let prices = [...PRICES];
  return mockApi({
    'GET /api/llm/prices': () => ({ body: { prices } }),
    'GET /api/llm/providers': {
      body: { providers: [{ id: 'openai', displayName: 'OpenAI', extension: null, models: [] }] },
    },
    'PUT /api/llm/prices': (call) => {
      const saved = { ...PRICES[0]!, ...(call.body as { model: string }), source: 'admin' };
      prices = [...prices.filter((p) => p.model !== saved.model), saved];
      return { body: saved };
    },
    'DELETE /api/llm/prices': (call) => {
      prices = prices.filter((p) => p.model !== call.query.get('model'));
      return { status: 204 };
    },
    ...overrides,
  });
}

describe('PricesView', () => {
  test('lists prices in USD per million tokens', async () => {
    api();
    await renderView(PricesView, { path: '/settings/prices' });
    const table = await screen.findByRole('table', { name: /2 prices, in USD per million tokens/ });
    const row = within(table).getByRole('row', { name: /gpt-5\.4/ });
    expect(row.textContent).toContain('1.25');
    expect(row.textContent).toContain('0.125');
    expect(row.textContent).toContain('10.00');
    expect(row.textContent).toContain('Built in');
    const star = within(table).getByRole('row', { name: /Every other model/ });
    expect(star.textContent).toContain('Same as input');
    expect(star.textContent).toContain('Set by an admin');
  });

  test('filters by provider or model', async () => {
    api();
    await renderView(PricesView, { path: '/settings/prices' });
    await userEvent.type(await screen.findByLabelText('Filter by provider or model'), 'gpt');
    expect(screen.getByRole('table', { name: /1 of 2 prices/ })).toBeTruthy();
    await userEvent.type(screen.getByLabelText('Filter by provider or model'), 'zzz');
    expect(screen.getByText(/No price matches/)).toBeTruthy();
  });

  test('adds a price from the dialog', async () => {
    const calls = api();
    await renderView(PricesView, { path: '/settings/prices' });
    await userEvent.click(await screen.findByRole('button', { name: 'Add a price' }));
    const dialog = screen.getByRole('dialog', { name: 'Add a price' });
    await userEvent.type(within(dialog).getByLabelText(/^Provider/), 'openai');
    await userEvent.type(within(dialog).getByLabelText(/^Model/), 'openai/gpt-oss-120b');
    await userEvent.type(within(dialog).getByLabelText(/^Input/), '0.15');
    await userEvent.type(within(dialog).getByLabelText(/^Output/), '0.6');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Save price' }));
    expect(await screen.findByText(/Price of openai openai\/gpt-oss-120b saved/)).toBeTruthy();
    expect(calls.find((c) => c.method === 'PUT')?.body).toEqual({
      provider: 'openai',
      model: 'openai/gpt-oss-120b',
      inputPerMTok: 0.15,
      cachedInputPerMTok: null,
      outputPerMTok: 0.6,
    });
    expect(await screen.findByRole('table', { name: /3 prices/ })).toBeTruthy();
  });

  test('edits a price with provider and model fixed', async () => {
    const calls = api();
    await renderView(PricesView, { path: '/settings/prices' });
    await userEvent.click(await screen.findByRole('button', { name: 'Edit the price of openai gpt-5.4' }));
    const dialog = screen.getByRole('dialog', { name: /Edit the price of openai gpt-5\.4/ });
    expect((within(dialog).getByLabelText(/^Model/) as HTMLInputElement).readOnly).toBe(true);
    const output = within(dialog).getByLabelText(/^Output/);
    await userEvent.clear(output);
    await userEvent.type(output, '12');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Save price' }));
    await vi.waitFor(() => expect(calls.find((c) => c.method === 'PUT')).toBeTruthy());
    expect(calls.find((c) => c.method === 'PUT')?.body).toMatchObject({
      provider: 'openai',
      model: 'gpt-5.4',
      inputPerMTok: 1.25,
      cachedInputPerMTok: 0.125,
      outputPerMTok: 12,
    });
  });

  test('checks the form before sending', async () => {
    const calls = api();
    await renderView(PricesView, { path: '/settings/prices' });
    await userEvent.click(await screen.findByRole('button', { name: 'Add a price' }));
    const dialog = screen.getByRole('dialog', { name: 'Add a price' });
    await userEvent.type(within(dialog).getByLabelText(/^Model/), 'bad model');
    await userEvent.type(within(dialog).getByLabelText(/^Input/), '-1');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Save price' }));
    expect(within(dialog).getByText('Enter the provider id, e.g. openai.')).toBeTruthy();
    expect(within(dialog).getByText(/Use letters, digits and .* for the model id/)).toBeTruthy();
    expect(within(dialog).getByText(/Enter the input price as a number from 0/)).toBeTruthy();
    expect(within(dialog).getByText('Enter the output price.')).toBeTruthy();
    expect(calls.filter((c) => c.method === 'PUT')).toHaveLength(0);
  });

  test('removes a price after confirming, provider and model in the query', async () => {
    const calls = api();
    await renderView(PricesView, { path: '/settings/prices' });
    await userEvent.click(await screen.findByRole('button', { name: 'Remove the price of openai gpt-5.4' }));
    const dialog = screen.getByRole('dialog', { name: 'Remove this price?' });
    expect(dialog.textContent).toContain("the provider's * price");
    await userEvent.click(within(dialog).getByRole('button', { name: 'Remove price' }));
    expect(await screen.findByText('Price of openai gpt-5.4 removed.')).toBeTruthy();
    const call = calls.find((c) => c.method === 'DELETE')!;
    expect(call.query.get('provider')).toBe('openai');
    expect(call.query.get('model')).toBe('gpt-5.4');
    expect(await screen.findByRole('table', { name: /^1 price,/ })).toBeTruthy();
  });

  test('shows a refusal in the confirm dialog', async () => {
    api({
      'DELETE /api/llm/prices': problem(404, 'not_found', 'There is no price for openai model gpt-5.4.'),
    });
    await renderView(PricesView, { path: '/settings/prices' });
    await userEvent.click(await screen.findByRole('button', { name: 'Remove the price of openai gpt-5.4' }));
    await userEvent.click(screen.getByRole('button', { name: 'Remove price' }));
    expect((await screen.findByRole('alert')).textContent).toContain(
      'There is no price for openai model gpt-5.4.',
    );
  });

  test('explains an empty table', async () => {
    api({ 'GET /api/llm/prices': { body: { prices: [] } } });
    await renderView(PricesView, { path: '/settings/prices' });
    expect(await screen.findByText(/No prices yet: model calls cost nothing/)).toBeTruthy();
  });
});
