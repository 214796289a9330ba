import { render, screen, within } from '@testing-library/vue';
import userEvent from '@testing-library/user-event';
import { describe, expect, test } from 'vitest';
import CFormDialog from './CFormDialog.vue';

describe('CFormDialog', () => {
  test('shows its fields, the form error and both buttons; submitting and cancelling are events', async () => {
    const { emitted } = render(CFormDialog, {
      props: { open: true, title: 'Add a key', submitLabel: 'Trust key', error: 'The key is revoked.' },
      slots: { default: '<label>Publisher <input /></label>' },
    });
    const dialog = await screen.findByRole('dialog', { name: 'Add a key' });
    expect(within(dialog).getByLabelText('Publisher')).toBeTruthy();
    expect(within(dialog).getByRole('alert').textContent).toContain('The key is revoked.');

    await userEvent.click(within(dialog).getByRole('button', { name: 'Trust key' }));
    expect(emitted('submit')).toHaveLength(1);
    await userEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(emitted('close')).toHaveLength(1);
  });

  test('a busy dialog cannot be sent twice', async () => {
    render(CFormDialog, {
      props: {
        open: true,
        title: 'Revoke',
        submitLabel: 'Revoke version',
        submitVariant: 'danger',
        busy: true,
      },
    });
    const button = await screen.findByRole('button', { name: 'Revoke version' });
    expect((button as HTMLButtonElement).disabled).toBe(true);
  });
});
