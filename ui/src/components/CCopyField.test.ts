import { render, screen } from '@testing-library/vue';
import userEvent from '@testing-library/user-event';
import { describe, expect, test, vi } from 'vitest';
import CCopyField from './CCopyField.vue';

describe('CCopyField', () => {
  test('copies the value and says so', async () => {
    const writeText = vi.fn(async () => {});
    vi.stubGlobal('navigator', { ...navigator, clipboard: { writeText } });
    render(CCopyField, { props: { label: 'MCP URL', value: 'http://127.0.0.1:8080/mcp' } });
    await userEvent.click(screen.getByRole('button', { name: 'Copy MCP URL' }));
    expect(writeText).toHaveBeenCalledWith('http://127.0.0.1:8080/mcp');
    expect(screen.getByRole('button', { name: 'Copy MCP URL' }).textContent).toContain('Copied');
  });

  test('without a clipboard (plain HTTP) it selects the text and tells how to copy', async () => {
    vi.stubGlobal('navigator', { ...navigator, clipboard: undefined });
    render(CCopyField, { props: { label: 'Token', value: 'cin_secret' } });
    await userEvent.click(screen.getByRole('button', { name: 'Copy Token' }));
    expect(screen.getByText(/press Ctrl\+C/)).toBeTruthy();
    expect(document.activeElement).toBe(screen.getByLabelText('Token'));
  });
});
