import { screen, within } from '@testing-library/vue';
import userEvent from '@testing-library/user-event';
import { defineComponent } from 'vue';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { mockApi, problem, type RecordedCall } from '../../../test/mockApi';
import { renderView } from '../../../test/render';
import { useSessionStore } from '../../stores/session';
import UsageView from './UsageView.vue';

const NOW = '2026-03-10T12:00:00.000Z';
const ORG = '00000000-0000-4000-8000-00000000a001';

const zero = {
  calls: 0,
  errors: 0,
  inputTokens: 0,
  outputTokens: 0,
  cachedInputTokens: 0,
  reasoningTokens: 0,
};

function row(key: string | null, calls: number, costUsd: number, extra: Partial<typeof zero> = {}) {
  return { ...zero, key, calls, costUsd, inputTokens: calls * 100, outputTokens: calls * 10, ...extra };
}

/** A summary as the server answers it, for the query it was asked. */
function summary(call: RecordedCall, rows: ReturnType<typeof row>[]) {
  const total = { ...zero, costUsd: 0 };
  for (const r of rows) {
    for (const key of Object.keys(total) as Array<keyof typeof total>) total[key] += r[key];
  }
  return {
    body: {
      from: `${call.query.get('from')}T00:00:00.000Z`,
      to: NOW,
      groupBy: call.query.get('groupBy'),
      organizationId: call.query.get('organizationId'),
      rows,
      total,
    },
  };
}

const ORGANIZATIONS = {
  body: [{ id: ORG, name: 'Acme', slug: 'acme', createdAt: '2026-01-01T00:00:00.000Z' }],
};

describe('UsageView', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date(NOW));
  });
  afterEach(() => vi.useRealTimers());

  test('shows every day of the period in order, days without calls as zero', async () => {
    const calls = mockApi({
      'GET /api/organizations': ORGANIZATIONS,
      'GET /api/llm/usage/summary': (call) =>
        summary(call, [row('2026-03-09', 2, 0.5, { errors: 1 }), row('2026-03-05', 4, 1.25)]),
    });
    await renderView(UsageView, { path: '/usage' });
    await screen.findByRole('table');
    expect(calls.find((c) => c.path === '/api/llm/usage/summary')?.query.get('from')).toBe('2026-02-09');

    await userEvent.click(screen.getByRole('radio', { name: 'Last 7 days' }));
    await vi.waitFor(() => expect(screen.getByRole('table').textContent).not.toContain('Feb'));
    const last = calls.filter((c) => c.path === '/api/llm/usage/summary').at(-1)!;
    expect(Object.fromEntries(last.query)).toEqual({ groupBy: 'day', from: '2026-03-04' });

    const table = screen.getByRole('table', { name: /Usage by day, last 7 days/ });
    const body = within(table).getAllByRole('rowgroup')[1]!;
    const days = within(body)
      .getAllByRole('rowheader')
      .map((cell) => cell.querySelector('time')?.getAttribute('datetime'));
    expect(days).toEqual([
      '2026-03-04',
      '2026-03-05',
      '2026-03-06',
      '2026-03-07',
      '2026-03-08',
      '2026-03-09',
      '2026-03-10',
    ]);
    const cells = within(body)
      .getAllByRole('row')
      .map((r) =>
        within(r)
          .getAllByRole('cell')
          .map((c) => c.textContent?.trim()),
      );
    expect(cells[0]).toEqual(['0', '0', '0', '0', '$0.00']);
    expect(cells[1]).toEqual(['4', '0', '400', '40', '$1.25']);
    expect(cells[5]).toEqual(['2', '1', '200', '20', '$0.50']);

    // Totals, and the chart summarised in words.
    expect(within(screen.getByRole('table')).getByRole('rowheader', { name: 'Total' })).toBeTruthy();
    const totals = screen.getByRole('region', { name: 'Totals' });
    expect(totals.textContent).toContain('$1.75');
    expect(totals.textContent).toContain('6');
    expect(totals.textContent).toContain('16.7% of calls');
    const chart = screen.getByRole('img');
    expect(chart.getAttribute('aria-label')).toBe(
      'Cost in USD by day, last 7 days: 7 bars. Highest: Mar 5, $1.25. Total $1.75.',
    );
  });

  test('groups by model, sorted by cost, and charts calls on request', async () => {
    const calls = mockApi({
      'GET /api/organizations': ORGANIZATIONS,
      'GET /api/llm/usage/summary': (call) =>
        call.query.get('groupBy') === 'model'
          ? summary(call, [row('openai/gpt-4o-mini', 40, 0.02), row('anthropic/claude-sonnet', 3, 0.9)])
          : summary(call, []),
    });
    await renderView(UsageView, { path: '/usage' });
    expect(await screen.findByText('No LLM calls in this period')).toBeTruthy();

    await userEvent.click(screen.getByRole('radio', { name: 'Model' }));
    const table = await screen.findByRole('table', { name: /Usage by model/ });
    expect(
      calls
        .filter((c) => c.path === '/api/llm/usage/summary')
        .at(-1)
        ?.query.get('groupBy'),
    ).toBe('model');
    const names = within(table)
      .getAllByRole('rowheader')
      .map((cell) => cell.textContent?.trim());
    expect(names).toEqual(['anthropic/claude-sonnet', 'openai/gpt-4o-mini', 'Total']);
    expect(within(table).getByRole('columnheader', { name: 'Provider / model' })).toBeTruthy();

    await userEvent.click(screen.getByRole('radio', { name: 'Calls' }));
    expect(screen.getByRole('heading', { name: 'Calls by model' })).toBeTruthy();
    expect(screen.getByRole('img').getAttribute('aria-label')).toBe(
      'Calls by model, last 30 days: 2 bars. Highest: openai/gpt-4o-mini, 40. Total 43.',
    );
  });

  test('names calls without an agent', async () => {
    mockApi({
      'GET /api/organizations': ORGANIZATIONS,
      'GET /api/llm/usage/summary': (call) =>
        summary(
          call,
          call.query.get('groupBy') === 'agent' ? [row(null, 1, 0.001), row('acme/helper', 2, 0.002)] : [],
        ),
    });
    await renderView(UsageView, { path: '/usage' });
    await screen.findByText('No LLM calls in this period');
    await userEvent.click(screen.getByRole('radio', { name: 'Agent' }));
    const table = await screen.findByRole('table', { name: /Usage by agent/ });
    expect(within(table).getByRole('rowheader', { name: 'No agent' })).toBeTruthy();
    expect(within(table).getByRole('rowheader', { name: 'acme/helper' })).toBeTruthy();
  });

  test('this month starts on the first, and an organization can be chosen', async () => {
    const calls = mockApi({
      'GET /api/organizations': ORGANIZATIONS,
      'GET /api/llm/usage/summary': (call) => summary(call, []),
    });
    await renderView(UsageView, { path: '/usage' });
    await screen.findByText('No LLM calls in this period');
    await userEvent.click(screen.getByRole('radio', { name: 'This month' }));
    await userEvent.selectOptions(await screen.findByLabelText('Organization'), 'Acme');
    await vi.waitFor(() =>
      expect(
        calls
          .filter((c) => c.path === '/api/llm/usage/summary')
          .at(-1)
          ?.query.get('organizationId'),
      ).toBe(ORG),
    );
    expect(
      calls
        .filter((c) => c.path === '/api/llm/usage/summary')
        .at(-1)
        ?.query.get('from'),
    ).toBe('2026-03-01');
  });

  test('an organization admin sees their organization', async () => {
    const calls = mockApi({
      'GET /api/organizations': ORGANIZATIONS,
      'GET /api/llm/usage/summary': (call) => summary(call, [row('2026-03-01', 1, 0.1)]),
    });
    const AsOrgAdmin = defineComponent({
      components: { UsageView },
      setup() {
        useSessionStore().session!.organizations = [{ id: ORG, role: 'org_admin' }];
      },
      template: '<UsageView />',
    });
    await renderView(AsOrgAdmin, { path: '/usage', signedIn: { roles: ['member'] } });
    await screen.findByRole('table');
    expect(calls.find((c) => c.path === '/api/llm/usage/summary')?.query.get('organizationId')).toBe(ORG);
    expect(await screen.findByText('Organization: Acme')).toBeTruthy();
    expect(screen.queryByLabelText('Organization')).toBeNull();
  });

  test('a member without access sees the not-allowed state', async () => {
    mockApi({
      'GET /api/organizations': { body: [] },
      'GET /api/llm/usage/summary': problem(
        403,
        'forbidden',
        "The instance's usage is for platform administrators.",
      ),
    });
    await renderView(UsageView, { path: '/usage', signedIn: { roles: ['member'] } });
    expect(await screen.findByText('Not allowed')).toBeTruthy();
    expect(screen.getByText("The instance's usage is for platform administrators.")).toBeTruthy();
    expect(screen.queryByLabelText('Organization')).toBeNull();
  });

  test('shows a failure in words, with Retry', async () => {
    let fail = true;
    mockApi({
      'GET /api/organizations': ORGANIZATIONS,
      'GET /api/llm/usage/summary': (call) =>
        fail ? problem(500, 'internal', 'The usage store is not reachable.') : summary(call, []),
    });
    await renderView(UsageView, { path: '/usage' });
    expect((await screen.findByRole('alert')).textContent).toContain('The usage store is not reachable.');
    fail = false;
    await userEvent.click(screen.getByRole('button', { name: 'Retry' }));
    expect(await screen.findByText('No LLM calls in this period')).toBeTruthy();
  });
});
