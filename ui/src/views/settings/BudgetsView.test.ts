import { screen, within } from '@testing-library/vue';
import userEvent from '@testing-library/user-event';
import { describe, expect, test, vi } from 'vitest';
import { mockApi, problem } from '../../../test/mockApi';
import { renderView } from '../../../test/render';
import { useSessionStore } from '../../stores/session';
import BudgetsView from './BudgetsView.vue';

const ACME = '10000000-0000-4000-8000-000000000001';
const GLOBEX = '10000000-0000-4000-8000-000000000002';
const ORGANIZATIONS = [
  { id: ACME, name: 'Acme', slug: 'acme', createdAt: '2026-01-01T00:00:00.000Z' },
  { id: GLOBEX, name: 'Globex', slug: 'globex', createdAt: '2026-01-01T00:00:00.000Z' },
];
const budget = (organizationId: string, period: 'day' | 'month', limitUsd: number, spentUsd: number) => ({
  organizationId,
  period,
  limitUsd,
  spentUsd,
  periodStart: '2026-03-01T00:00:00.000Z',
  updatedBy: null,
  updatedAt: '2026-02-01T00:00:00.000Z',
});
const BUDGETS = [budget(ACME, 'month', 50, 12.4), budget(GLOBEX, 'day', 10, 10)];

function api(overrides: Record<string, unknown> = {}) {
  let budgets = [...BUDGETS];
  return mockApi({
    'GET /api/organizations': { body: ORGANIZATIONS },
    'GET /api/llm/budgets': (call) => {
      const org = call.query.get('organizationId');
      return { body: { budgets: org ? budgets.filter((b) => b.organizationId === org) : budgets } };
    },
    'PUT /api/llm/budgets/:organizationId/:period': (call) => {
      const [, , , , organizationId, period] = call.path.split('/');
      const saved = budget(organizationId!, period as 'day', (call.body as { limitUsd: number }).limitUsd, 0);
      budgets = [
        ...budgets.filter((b) => !(b.organizationId === organizationId && b.period === period)),
        saved,
      ];
      return { body: saved };
    },
    'DELETE /api/llm/budgets/:organizationId/:period': (call) => {
      const [, , , , organizationId, period] = call.path.split('/');
      budgets = budgets.filter((b) => !(b.organizationId === organizationId && b.period === period));
      return { status: 204 };
    },
    ...overrides,
  });
}

describe('BudgetsView', () => {
  test('lists budgets by organization name with spend as a bar and in words', async () => {
    api();
    await renderView(BudgetsView, { path: '/settings/budgets' });
    const table = await screen.findByRole('table', { name: 'LLM budgets by organization' });
    const acme = within(table).getByRole('row', { name: /Acme/ });
    expect(acme.textContent).toContain('Monthly');
    expect(acme.textContent).toContain('12.40 of 50.00 USD');
    expect(acme.textContent).toContain('Within limit');
    const meter = within(acme).getByLabelText('Acme monthly spend') as HTMLMeterElement;
    expect(meter.tagName).toBe('METER');
    expect(meter.getAttribute('value')).toBe('12.4');
    expect(meter.getAttribute('max')).toBe('50');
    const globex = within(table).getByRole('row', { name: /Globex/ });
    expect(globex.textContent).toContain('Limit reached: calls refused');
  });

  test('sets a budget for an organization', async () => {
    const calls = api();
    await renderView(BudgetsView, { path: '/settings/budgets' });
    await userEvent.click(await screen.findByRole('button', { name: 'Set a budget' }));
    const dialog = screen.getByRole('dialog', { name: 'Set a budget' });
    await userEvent.selectOptions(within(dialog).getByLabelText(/^Organization/), 'Globex');
    await userEvent.selectOptions(within(dialog).getByLabelText(/^Period/), 'month');
    await userEvent.type(within(dialog).getByLabelText(/^Limit/), '250');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Save budget' }));
    expect(await screen.findByText("Globex's monthly budget is now 250.00 USD.")).toBeTruthy();
    const put = calls.find((c) => c.method === 'PUT')!;
    expect(put.path).toBe(`/api/llm/budgets/${GLOBEX}/month`);
    expect(put.body).toEqual({ limitUsd: 250 });
  });

  test('says when a new budget replaces an existing one', async () => {
    api();
    await renderView(BudgetsView, { path: '/settings/budgets' });
    await userEvent.click(await screen.findByRole('button', { name: 'Set a budget' }));
    const dialog = screen.getByRole('dialog', { name: 'Set a budget' });
    await userEvent.selectOptions(within(dialog).getByLabelText(/^Organization/), 'Acme');
    expect(within(dialog).getByText(/already has a monthly budget of 50.00 USD/)).toBeTruthy();
  });

  test('changes a limit', async () => {
    const calls = api();
    await renderView(BudgetsView, { path: '/settings/budgets' });
    await userEvent.click(await screen.findByRole('button', { name: "Change Acme's monthly budget" }));
    const dialog = screen.getByRole('dialog', { name: "Change Acme's monthly budget" });
    const limit = within(dialog).getByLabelText(/^Limit/);
    expect((limit as HTMLInputElement).value).toBe('50');
    await userEvent.clear(limit);
    await userEvent.type(limit, '75.5');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Save budget' }));
    await vi.waitFor(() => expect(calls.find((c) => c.method === 'PUT')?.body).toEqual({ limitUsd: 75.5 }));
  });

  test('checks the form before sending', async () => {
    const calls = api();
    await renderView(BudgetsView, { path: '/settings/budgets' });
    await userEvent.click(await screen.findByRole('button', { name: 'Set a budget' }));
    const dialog = screen.getByRole('dialog', { name: 'Set a budget' });
    await userEvent.type(within(dialog).getByLabelText(/^Limit/), '-5');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Save budget' }));
    expect(within(dialog).getByText('Choose an organization.')).toBeTruthy();
    expect(within(dialog).getByText(/Enter the limit as a number of USD from 0/)).toBeTruthy();
    expect(calls.filter((c) => c.method === 'PUT')).toHaveLength(0);
  });

  test('removes a budget after confirming', async () => {
    const calls = api();
    await renderView(BudgetsView, { path: '/settings/budgets' });
    await userEvent.click(await screen.findByRole('button', { name: "Remove Globex's daily budget" }));
    const dialog = screen.getByRole('dialog', { name: 'Remove this budget?' });
    await userEvent.click(within(dialog).getByRole('button', { name: 'Remove budget' }));
    expect(await screen.findByText(/Globex's daily budget was removed/)).toBeTruthy();
    expect(calls.find((c) => c.method === 'DELETE')?.path).toBe(`/api/llm/budgets/${GLOBEX}/day`);
    await vi.waitFor(() => expect(screen.queryByRole('row', { name: /Globex/ })).toBeNull());
  });

  test('explains an empty list to a platform admin', async () => {
    api({ 'GET /api/llm/budgets': { body: { budgets: [] } } });
    await renderView(BudgetsView, { path: '/settings/budgets' });
    expect(await screen.findByText(/No budgets yet: organizations' LLM calls are not limited/)).toBeTruthy();
  });

  test("shows an organization admin their organizations' budgets read-only", async () => {
    const calls = api({
      // The session lists the organizations the member administers.
      'GET /api/organizations': () => {
        useSessionStore().session!.organizations = [
          { id: ACME, role: 'org_admin' },
          { id: GLOBEX, role: 'member' },
        ];
        return { body: ORGANIZATIONS };
      },
    });
    await renderView(BudgetsView, { path: '/settings/budgets', signedIn: { roles: ['member'] } });
    const table = await screen.findByRole('table', { name: 'LLM budgets by organization' });
    expect(within(table).getByRole('row', { name: /Acme/ }).textContent).toContain('12.40 of 50.00 USD');
    expect(within(table).queryByRole('row', { name: /Globex/ })).toBeNull();
    expect(screen.getByText('Read-only')).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Set a budget' })).toBeNull();
    expect(screen.queryByRole('button', { name: /Change/ })).toBeNull();
    expect(screen.queryByRole('button', { name: /Remove/ })).toBeNull();
    const asked = calls
      .filter((c) => c.path === '/api/llm/budgets')
      .map((c) => c.query.get('organizationId'));
    expect(asked).toEqual([ACME]);
  });

  test('tells a member who administers no organization why nothing is shown', async () => {
    const calls = api();
    await renderView(BudgetsView, { path: '/settings/budgets', signedIn: { roles: ['member'] } });
    expect(await screen.findByText(/you administer no organization/)).toBeTruthy();
    expect(calls.filter((c) => c.path === '/api/llm/budgets')).toHaveLength(0);
  });

  test('shows a load failure in words with a retry', async () => {
    api({ 'GET /api/llm/budgets': problem(500, 'internal_error', 'The database is not reachable.') });
    await renderView(BudgetsView, { path: '/settings/budgets' });
    expect((await screen.findByRole('alert')).textContent).toContain('The database is not reachable.');
    expect(screen.getByRole('button', { name: 'Retry' })).toBeTruthy();
  });
});
