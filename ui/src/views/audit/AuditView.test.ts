import { screen, within } from '@testing-library/vue';
import userEvent from '@testing-library/user-event';
import { describe, expect, test } from 'vitest';
import type { Schemas } from '../../api/client';
import { mockApi, problem } from '../../../test/mockApi';
import { renderView, TEST_USER_ID } from '../../../test/render';
import AuditView from './AuditView.vue';

type AuditEvent = Schemas['AuditEvent'];

let nextSeq = 100;
function event(overrides: Partial<AuditEvent> = {}): AuditEvent {
  const seq = nextSeq--;
  return {
    id: `01900000-0000-7000-8000-${String(seq).padStart(12, '0')}`,
    seq,
    occurredAt: new Date(Date.UTC(2026, 2, 1, 12, 0, seq)).toISOString(),
    actorId: TEST_USER_ID,
    actorType: 'user',
    authSource: 'session',
    operation: 'extension.install',
    resourceType: 'extension',
    resourceId: 'acme/search',
    organizationId: null,
    decision: 'allow',
    reason: 'platform_admin',
    metadata: {},
    requestId: `req-${seq}`,
    ip: '203.0.113.7',
    hash: `hash-${seq}`,
    prevHash: `hash-${seq - 1}`,
    ...overrides,
  };
}

const page = (events: AuditEvent[], nextCursor: string | null = null) => ({ body: { events, nextCursor } });
const eventCalls = (calls: ReturnType<typeof mockApi>) => calls.filter((c) => c.path === '/api/audit/events');

describe('AuditView', () => {
  test('lists events with actor, operation, resource, decision and reason', async () => {
    const denied = event({
      operation: 'api_token.create',
      resourceType: 'api_token',
      resourceId: null,
      decision: 'deny',
      reason: 'requires org_admin',
      authSource: 'token',
    });
    const calls = mockApi({ 'GET /api/audit/events': page([event(), denied]) });
    await renderView(AuditView, { path: '/audit' });

    const table = await screen.findByRole('table', { name: 'Audit events, newest first' });
    const rows = within(table).getAllByRole('row');
    expect(rows).toHaveLength(3); // header + two events (the closed detail rows are hidden)
    expect(within(rows[1]!).getByText('Allowed')).toBeTruthy();
    expect(within(rows[1]!).getByText('extension.install')).toBeTruthy();
    expect(within(rows[1]!).getByText('acme/search')).toBeTruthy();
    expect(within(rows[2]!).getByText('Denied')).toBeTruthy();
    expect(within(rows[2]!).getByText('requires org_admin')).toBeTruthy();
    expect(within(rows[2]!).getByText('user · token')).toBeTruthy();
    expect(
      within(table)
        .getAllByRole('columnheader')
        .map((h) => h.textContent?.trim()),
    ).toEqual(['Time', 'Actor', 'Operation', 'Resource', 'Decision', 'Reason', 'Details']);
    expect(Object.fromEntries(eventCalls(calls)[0]!.query)).toEqual({ limit: '50' });
    expect(screen.getByText('That is the oldest matching event.')).toBeTruthy();
  });

  test('opens an event to its metadata, request id, address and hash', async () => {
    const one = event({ metadata: { version: '1.2.0', source: 'npm' } });
    mockApi({ 'GET /api/audit/events': page([one]) });
    await renderView(AuditView, { path: '/audit' });
    const toggle = await screen.findByRole('button', { name: /^Details of extension.install at/ });
    expect(toggle.getAttribute('aria-expanded')).toBe('false');
    expect(screen.queryByText(one.hash)).toBeNull();

    await userEvent.click(toggle);
    expect(toggle.getAttribute('aria-expanded')).toBe('true');
    const details = document.getElementById(toggle.getAttribute('aria-controls')!)!;
    expect(details.hidden).toBe(false);
    expect(within(details).getByText(one.requestId!)).toBeTruthy();
    expect(within(details).getByText('203.0.113.7')).toBeTruthy();
    expect(within(details).getByText(one.hash)).toBeTruthy();
    expect(within(details).getByText(one.prevHash)).toBeTruthy();
    expect(details.querySelector('pre')?.textContent).toBe(JSON.stringify(one.metadata, null, 2));

    await userEvent.click(toggle);
    expect(toggle.getAttribute('aria-expanded')).toBe('false');
    expect(details.hidden).toBe(true);
  });

  test('sends the filters, with the times as ISO instants, and exports the same', async () => {
    const calls = mockApi({ 'GET /api/audit/events': page([event()]) });
    await renderView(AuditView, { path: '/audit' });
    await screen.findByRole('table');
    expect(screen.getByRole('link', { name: /Export all events/ }).getAttribute('href')).toBe(
      '/api/audit/export',
    );

    await userEvent.type(screen.getByLabelText('Actor id'), `  ${TEST_USER_ID} `);
    await userEvent.type(screen.getByLabelText('Operation'), 'extension.install');
    await userEvent.type(screen.getByLabelText('Resource type'), 'extension');
    await userEvent.type(screen.getByLabelText('Resource id'), 'acme/search');
    await userEvent.selectOptions(screen.getByLabelText('Decision'), 'Denied');
    await userEvent.type(screen.getByLabelText('Since'), '2026-03-01T08:00');
    await userEvent.type(screen.getByLabelText('Until'), '2026-03-02T18:30');
    await userEvent.click(screen.getByRole('button', { name: 'Apply filters' }));

    const expected = {
      actorId: TEST_USER_ID,
      operation: 'extension.install',
      resourceType: 'extension',
      resourceId: 'acme/search',
      decision: 'deny',
      since: new Date('2026-03-01T08:00').toISOString(),
      until: new Date('2026-03-02T18:30').toISOString(),
    };
    await screen.findByText(/shown \(filtered\)/);
    expect(Object.fromEntries(eventCalls(calls).at(-1)!.query)).toEqual({ ...expected, limit: '50' });
    const href = screen.getByRole('link', { name: /Export matching events/ }).getAttribute('href')!;
    expect(href.startsWith('/api/audit/export?')).toBe(true);
    expect(Object.fromEntries(new URL(href, 'http://localhost').searchParams)).toEqual(expected);

    await userEvent.click(screen.getByRole('button', { name: 'Reset' }));
    await screen.findByText(/^\s*1 event shown\.\s*$/);
    expect(Object.fromEntries(eventCalls(calls).at(-1)!.query)).toEqual({ limit: '50' });
    expect((screen.getByLabelText('Actor id') as HTMLInputElement).value).toBe('');
  });

  test('checks that Since is before Until before sending', async () => {
    const calls = mockApi({ 'GET /api/audit/events': page([event()]) });
    await renderView(AuditView, { path: '/audit' });
    await screen.findByRole('table');
    await userEvent.type(screen.getByLabelText('Since'), '2026-03-05T10:00');
    await userEvent.type(screen.getByLabelText('Until'), '2026-03-01T10:00');
    await userEvent.click(screen.getByRole('button', { name: 'Apply filters' }));
    expect(await screen.findByText('Choose a time after “Since”.')).toBeTruthy();
    expect(screen.getByLabelText('Until').getAttribute('aria-invalid')).toBe('true');
    expect(eventCalls(calls)).toHaveLength(1);
  });

  test('Load more sends the cursor and keeps the earlier events', async () => {
    const first = event({ operation: 'auth.login' });
    const second = event({ operation: 'auth.logout' });
    const calls = mockApi({
      'GET /api/audit/events': ({ query }) =>
        query.get('cursor') === '98' ? page([second]) : page([first], '98'),
    });
    await renderView(AuditView, { path: '/audit' });
    await screen.findByText('auth.login');
    await userEvent.selectOptions(screen.getByLabelText('Decision'), 'Allowed');
    await userEvent.click(screen.getByRole('button', { name: 'Apply filters' }));
    await screen.findByText(/shown \(filtered\)/);

    await userEvent.click(screen.getByRole('button', { name: 'Load more' }));
    expect(await screen.findByText('auth.logout')).toBeTruthy();
    expect(screen.getByText('auth.login')).toBeTruthy();
    expect(Object.fromEntries(eventCalls(calls).at(-1)!.query)).toEqual({
      decision: 'allow',
      cursor: '98',
      limit: '50',
    });
    expect(screen.queryByRole('button', { name: 'Load more' })).toBeNull();
    expect(screen.getByText(/2 events shown/)).toBeTruthy();
  });

  test('verifies the chain and says the result in words', async () => {
    let answer: object = { ok: true, checked: 1234 };
    const calls = mockApi({
      'GET /api/audit/events': page([event()]),
      'POST /api/audit/verify': () => ({ body: answer }),
    });
    await renderView(AuditView, { path: '/audit' });
    await screen.findByRole('table');
    await userEvent.click(screen.getByRole('button', { name: 'Verify chain' }));
    expect(await screen.findByText('The chain is intact')).toBeTruthy();
    expect(screen.getByText(/1,234 events were checked/)).toBeTruthy();
    expect(calls.find((c) => c.path === '/api/audit/verify')?.headers.get('x-csrf-token')).toBe(
      'csrf-test-token',
    );

    answer = {
      ok: false,
      checked: 41,
      brokenAt: {
        seq: 42,
        id: 'evt-42',
        problem: 'event content does not match its hash (the event was modified)',
      },
    };
    await userEvent.click(screen.getByRole('button', { name: 'Verify chain' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('The chain is broken');
    expect(alert.textContent).toContain('It breaks at event #42');
    expect(alert.textContent).toContain('evt-42');
    expect(alert.textContent).toContain('the event was modified');
    expect(alert.textContent).toContain('41 events before it checked out.');
  });

  test('says so when nothing matches', async () => {
    mockApi({
      'GET /api/audit/events': ({ query }) => (query.get('operation') ? page([]) : page([event()])),
    });
    await renderView(AuditView, { path: '/audit' });
    await screen.findByRole('table');
    await userEvent.type(screen.getByLabelText('Operation'), 'nothing.here');
    await userEvent.click(screen.getByRole('button', { name: 'Apply filters' }));
    expect(await screen.findByText('No audit events match these filters')).toBeTruthy();
  });

  test('a member is not allowed', async () => {
    mockApi({
      'GET /api/audit/events': problem(403, 'forbidden', 'The audit log is for platform administrators.'),
    });
    await renderView(AuditView, { path: '/audit', signedIn: { roles: ['member'] } });
    expect(await screen.findByText('Not allowed')).toBeTruthy();
    expect(screen.getByText('The audit log is for platform administrators.')).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Verify chain' })).toBeNull();
    expect(screen.queryByRole('link', { name: /Export/ })).toBeNull();
  });

  test('shows a failure in words', async () => {
    mockApi({ 'GET /api/audit/events': problem(500, 'internal', 'The audit store is not reachable.') });
    await renderView(AuditView, { path: '/audit' });
    expect((await screen.findByRole('alert')).textContent).toContain('The audit store is not reachable.');
    expect(screen.getByRole('button', { name: 'Retry' })).toBeTruthy();
  });
});
