import { screen, within } from '@testing-library/vue';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { mockApi, problem, type RecordedCall } from '../../../test/mockApi';
import { renderView } from '../../../test/render';
import OperationsView from './OperationsView.vue';
import { extension, heldOperation, operation } from './testFixtures';

const HELD_UPDATE = heldOperation({
  id: '44444444-4444-4444-8444-444444444444',
  kind: 'update',
  fromVersion: '1.2.0',
  toVersion: '1.3.0',
  requestedPermissions: ['secrets.read:acme-token', 'network:api.acme.com', 'llm.invoke'],
  addedPermissions: ['llm.invoke'],
});
const FAILED = operation({
  id: '55555555-5555-4555-8555-555555555555',
  extension: '@acme/broken',
  status: 'rolled_back',
  stage: 'verify',
  actorId: 'system:cli',
  error: { code: 'unknown_key', message: 'The signing key is not in the trust store.' },
  stages: [
    {
      stage: 'verify',
      status: 'failed',
      error: { code: 'unknown_key', message: 'The signing key is not in the trust store.' },
      startedAt: '2026-01-03T09:00:00.000Z',
      finishedAt: '2026-01-03T09:00:01.000Z',
    },
  ],
});
const DONE = operation();

function journalCalls(calls: RecordedCall[]) {
  return calls.filter((c) => c.method === 'GET' && c.path === '/api/extension-operations');
}

afterEach(() => {
  vi.useRealTimers();
});

describe('OperationsView', () => {
  test('lists the journal: kind, extension, versions, step, status in words, error, actor and steps', async () => {
    const calls = mockApi({ 'GET /api/extension-operations': { body: [FAILED, DONE] } });
    await renderView(OperationsView, { path: '/marketplace/operations' });

    const table = await screen.findByRole('table', { name: 'Install journal, newest first' });
    const [, failed, done] = within(table).getAllByRole('row');
    expect(failed!.textContent).toContain('@acme/broken');
    expect(failed!.textContent).toContain('Install');
    expect(failed!.textContent).toContain('verify');
    expect(failed!.textContent).toContain('Failed, rolled back');
    expect(failed!.textContent).toContain('The signing key is not in the trust store.');
    expect(failed!.textContent).toContain('system:cli');
    expect(done!.textContent).toContain('Succeeded');
    expect(done!.textContent).toContain('You');

    const steps = within(failed!).getByText(/1 step/);
    expect(steps.tagName).toBe('SUMMARY');
    expect(within(failed!).getByRole('listitem').textContent).toContain('Failed');
    expect(screen.queryByRole('region', { name: 'Held updates waiting for approval' })).toBeNull();
    expect(journalCalls(calls)[0]?.query.get('limit')).toBe('100');
  });

  test('shows held updates first with their new permissions; Cancel sends nothing, Approve sends the requested set', async () => {
    let journal = [HELD_UPDATE, DONE];
    const calls = mockApi({
      'GET /api/extension-operations': () => ({ body: journal }),
      'POST /api/extension-operations/:id/approve': () => {
        journal = [{ ...HELD_UPDATE, status: 'succeeded', stage: 'cleanup' }, DONE];
        return { body: journal[0] };
      },
      'GET /api/extensions': { body: [extension({ version: '1.3.0' })] },
    });
    await renderView(OperationsView, { path: '/marketplace/operations' });

    const held = await screen.findByRole('region', { name: 'Held updates waiting for approval' });
    expect(held.textContent).toContain('Update @acme/tools 1.2.0 → 1.3.0');
    const added = within(held).getByRole('list', { name: 'New permissions of @acme/tools' });
    expect(added.textContent).toContain('Call language models');
    expect(added.textContent).not.toContain('acme-token');

    await userEvent.click(within(held).getByRole('button', { name: /^Approve @acme\/tools 1\.3\.0/ }));
    let dialog = await screen.findByRole('dialog');
    expect(
      within(dialog).getByRole('heading', { name: 'Approve the update of @acme/tools to 1.3.0?' }),
    ).toBeTruthy();
    expect(dialog.textContent).toContain('1 of them is new');
    expect(within(within(dialog).getByRole('list')).getAllByRole('listitem')).toHaveLength(3);
    await userEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(calls.filter((c) => c.method === 'POST')).toHaveLength(0);

    await userEvent.click(within(held).getByRole('button', { name: /^Approve @acme\/tools 1\.3\.0/ }));
    dialog = await screen.findByRole('dialog');
    await userEvent.click(within(dialog).getByLabelText('I grant these permissions'));
    await userEvent.click(within(dialog).getByRole('button', { name: 'Approve and update' }));

    expect(await screen.findByText('Updated @acme/tools 1.3.0')).toBeTruthy();
    expect(calls.find((c) => c.method === 'POST')?.path).toBe(
      `/api/extension-operations/${HELD_UPDATE.id}/approve`,
    );
    expect(calls.find((c) => c.method === 'POST')?.body).toEqual({
      permissions: ['secrets.read:acme-token', 'network:api.acme.com', 'llm.invoke'],
    });
    await vi.waitFor(() =>
      expect(screen.queryByRole('region', { name: 'Held updates waiting for approval' })).toBeNull(),
    );
  });

  test('a refused approval is explained in words', async () => {
    mockApi({
      'GET /api/extension-operations': { body: [heldOperation()] },
      'POST /api/extension-operations/:id/approve': problem(
        409,
        'conflict',
        '@acme/tools changed since this operation was held: install it again.',
      ),
    });
    await renderView(OperationsView, { path: '/marketplace/operations' });
    await userEvent.click(await screen.findByRole('button', { name: /^Approve @acme\/tools 1\.2\.0/ }));
    const dialog = await screen.findByRole('dialog');
    await userEvent.click(within(dialog).getByLabelText('I grant these permissions'));
    await userEvent.click(within(dialog).getByRole('button', { name: 'Approve and install' }));
    expect((await screen.findByRole('alert')).textContent).toContain('changed since this operation was held');
  });

  test('reads the journal again every 2 seconds while an operation runs, and stops when none does', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const running = operation({ status: 'running', stage: 'activate', finishedAt: null });
    const answers = [[running], [running], [DONE]];
    const calls = mockApi({
      'GET /api/extension-operations': () => ({ body: answers.shift() ?? [DONE] }),
    });
    await renderView(OperationsView, { path: '/marketplace/operations' });
    await vi.waitFor(() => expect(screen.getByText(/this list updates every 2 seconds/)).toBeTruthy());
    expect(journalCalls(calls)).toHaveLength(1);

    await vi.advanceTimersByTimeAsync(2000);
    await vi.waitFor(() => expect(journalCalls(calls)).toHaveLength(2));
    await vi.advanceTimersByTimeAsync(2000);
    await vi.waitFor(() => expect(journalCalls(calls)).toHaveLength(3));
    await vi.waitFor(() => expect(screen.queryByText(/this list updates every 2 seconds/)).toBeNull());

    await vi.advanceTimersByTimeAsync(10_000);
    expect(journalCalls(calls)).toHaveLength(3);
  });

  test('stops polling when the page is left', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const running = operation({ status: 'running', stage: 'fetch', finishedAt: null });
    const calls = mockApi({ 'GET /api/extension-operations': { body: [running] } });
    const { unmount } = await renderView(OperationsView, { path: '/marketplace/operations' });
    await vi.waitFor(() => expect(screen.getByText(/this list updates every 2 seconds/)).toBeTruthy());
    unmount();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(journalCalls(calls)).toHaveLength(1);
  });

  test('Refresh reads the journal again', async () => {
    const calls = mockApi({ 'GET /api/extension-operations': { body: [DONE] } });
    await renderView(OperationsView, { path: '/marketplace/operations' });
    await screen.findByRole('table');
    await userEvent.click(screen.getByRole('button', { name: 'Refresh' }));
    await vi.waitFor(() => expect(journalCalls(calls)).toHaveLength(2));
  });

  test('says when nothing was installed yet, and when the journal cannot be read', async () => {
    mockApi({ 'GET /api/extension-operations': { body: [] } });
    const view = await renderView(OperationsView, { path: '/marketplace/operations' });
    expect(await screen.findByText('Nothing has been installed yet.')).toBeTruthy();
    view.unmount();

    mockApi({
      'GET /api/extension-operations': problem(
        403,
        'forbidden',
        'Only platform admins may read the journal.',
      ),
    });
    await renderView(OperationsView, { path: '/marketplace/operations' });
    expect(await screen.findByText('Not allowed')).toBeTruthy();
    expect(screen.getByText('Only platform admins may read the journal.')).toBeTruthy();
  });
});
