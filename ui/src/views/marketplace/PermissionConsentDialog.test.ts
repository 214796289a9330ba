import { fireEvent, screen, within } from '@testing-library/vue';
import userEvent from '@testing-library/user-event';
import { describe, expect, test, vi } from 'vitest';
import { renderView } from '../../../test/render';
import PermissionConsentDialog from './PermissionConsentDialog.vue';

const ALL = [
  'secrets.read:github-token',
  'secrets.read:gh-*',
  'queue.enqueue:github-sync',
  'llm.invoke',
  'notifications.send',
  'storage',
  'network:api.github.com',
  'network:api.example.com:8443',
  'network:${settings.baseUrl}',
];

function props(overrides: Record<string, unknown> = {}) {
  return {
    open: true,
    title: 'Install GitHub 1.0.0?',
    packageName: '@cinatra/github',
    version: '1.0.0',
    publisher: 'cinatra',
    tier: 'first-party',
    signature: { status: 'verified', keyId: 'sha256:k1', detail: null },
    permissions: ALL,
    action: vi.fn(async () => {}),
    ...overrides,
  };
}

describe('PermissionConsentDialog', () => {
  test('explains every permission, the publisher, tier and signature', async () => {
    await renderView(PermissionConsentDialog, { props: props() });
    const dialog = await screen.findByRole('dialog', { name: 'Install GitHub 1.0.0?' });
    const titles = within(within(dialog).getByRole('list', { name: 'Requested permissions' }))
      .getAllByRole('listitem')
      .map((item) => item.querySelector('strong')?.textContent);
    expect(titles).toEqual([
      'Read the secret “github-token”',
      'Read secrets matching “gh-*”',
      'Add jobs to the queue “github-sync”',
      'Call language models',
      'Send notifications',
      'Keep files on this server',
      'Connect to api.github.com',
      'Connect to api.example.com on port 8443',
      'Connect to the server in its “baseUrl” setting',
    ]);
    expect(dialog.textContent).toContain('cinatra');
    expect(dialog.textContent).toContain('First-party');
    expect(dialog.textContent).toContain('Published by the Cinatra project.');
    expect(dialog.textContent).toContain('Verified');
    expect(dialog.textContent).toContain('sha256:k1');
    expect(within(dialog).getByRole('heading', { name: 'It asks for 9 permissions' })).toBeTruthy();
  });

  test('focus starts inside; Esc and Cancel close without acting', async () => {
    const action = vi.fn(async () => {});
    const { emitted } = await renderView(PermissionConsentDialog, { props: props({ action }) });
    const dialog = await screen.findByRole('dialog');
    await vi.waitFor(() => expect(dialog.contains(document.activeElement)).toBe(true));

    await fireEvent(dialog, new Event('cancel', { cancelable: true }));
    await userEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(emitted().close).toHaveLength(2);
    expect(action).not.toHaveBeenCalled();
  });

  test('granting needs the box ticked and hands over exactly the listed permissions', async () => {
    const action = vi.fn(async () => {});
    await renderView(PermissionConsentDialog, { props: props({ action, permissions: ['llm.invoke'] }) });
    const dialog = await screen.findByRole('dialog');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Install' }));
    expect(within(dialog).getByRole('alert').textContent).toContain('Tick “I grant these permissions”');
    expect(action).not.toHaveBeenCalled();

    await userEvent.click(within(dialog).getByLabelText('I grant these permissions'));
    expect(within(dialog).queryByRole('alert')).toBeNull();
    await userEvent.click(within(dialog).getByRole('button', { name: 'Install' }));
    expect(action).toHaveBeenCalledWith(['llm.invoke']);
  });

  test('a package asking for nothing needs no grant; a refusal stays in the dialog', async () => {
    const action = vi.fn(async () => {
      throw new Error('The platform refused.');
    });
    await renderView(PermissionConsentDialog, { props: props({ action, permissions: [] }) });
    const dialog = await screen.findByRole('dialog');
    expect(within(dialog).getByRole('heading', { name: 'It asks for no permissions' })).toBeTruthy();
    expect(within(dialog).queryByLabelText('I grant these permissions')).toBeNull();
    await userEvent.click(within(dialog).getByRole('button', { name: 'Install' }));
    expect(action).toHaveBeenCalledWith([]);
    expect((await within(dialog).findByRole('alert')).textContent).toContain('The platform refused.');
  });

  test('an unknown publisher and an unsigned package are said plainly', async () => {
    await renderView(PermissionConsentDialog, {
      props: props({ publisher: null, tier: null, signature: { status: 'unsigned' } }),
    });
    const dialog = await screen.findByRole('dialog');
    expect(dialog.textContent).toContain('Not stated by the package');
    expect(dialog.textContent).toContain('Unknown');
    expect(dialog.textContent).toContain('Unsigned');
    expect(dialog.textContent).toContain('Cinatra installs signed packages only.');
  });
});
