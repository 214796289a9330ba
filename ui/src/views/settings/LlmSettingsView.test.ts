import { screen, within } from '@testing-library/vue';
import userEvent from '@testing-library/user-event';
import { describe, expect, test } from 'vitest';
import { mockApi, problem } from '../../../test/mockApi';
import { renderView } from '../../../test/render';
import LlmSettingsView from './LlmSettingsView.vue';

const PROVIDERS = [
  { id: 'openai', displayName: 'OpenAI', extension: '@cinatra/openai', models: ['gpt-5.4', 'gpt-5.4-mini'] },
  { id: 'ollama', displayName: 'Ollama', extension: '@acme/ollama', models: [] },
];

const SETTINGS = {
  defaultTarget: { provider: 'openai', model: 'gpt-5.4' },
  fallback: null,
  maxAttempts: 3,
  attemptTimeoutMs: 120000,
  skillJudge: null,
  updatedBy: null,
  updatedAt: '2026-01-01T00:00:00.000Z',
};

function api(overrides: Record<string, unknown> = {}) {
  return mockApi({
    'GET /api/llm/providers': { body: { providers: PROVIDERS } },
    'GET /api/llm/settings': { body: SETTINGS },
    'PATCH /api/llm/settings': (call) => ({
      body: { ...SETTINGS, ...(call.body as object), updatedAt: '2026-02-01T00:00:00.000Z' },
    }),
    ...overrides,
  });
}

const patches = (calls: ReturnType<typeof mockApi>) => calls.filter((c) => c.method === 'PATCH');

describe('LlmSettingsView', () => {
  test('lists the providers enabled extensions serve with their models', async () => {
    api();
    await renderView(LlmSettingsView, { path: '/settings/llm' });
    const table = await screen.findByRole('table', { name: 'LLM providers served by enabled extensions' });
    const openai = within(table).getByRole('row', { name: /OpenAI/ });
    expect(openai.textContent).toContain('@cinatra/openai');
    expect(openai.textContent).toContain('gpt-5.4-mini');
    expect(within(table).getByRole('row', { name: /Ollama/ }).textContent).toContain('Any model id');
  });

  test('says what to do when no extension serves a provider', async () => {
    api({
      'GET /api/llm/providers': { body: { providers: [] } },
      'GET /api/llm/settings': { body: { ...SETTINGS, defaultTarget: null } },
    });
    await renderView(LlmSettingsView, { path: '/settings/llm' });
    expect(await screen.findByText(/No extension serves an LLM provider yet/)).toBeTruthy();
    expect(screen.getByRole('link', { name: /Find a provider in the marketplace/ })).toBeTruthy();
    expect(screen.getByText('No default model')).toBeTruthy();
  });

  test('fills the form from the settings and saves a change', async () => {
    const calls = api();
    await renderView(LlmSettingsView, { path: '/settings/llm' });
    const provider = (await screen.findByLabelText(/^Default provider/)) as HTMLSelectElement;
    expect(provider.value).toBe('openai');
    expect((screen.getByLabelText(/^Default model/) as HTMLSelectElement).value).toBe('gpt-5.4');

    await userEvent.selectOptions(screen.getByLabelText(/^Fallback provider/), 'openai');
    await userEvent.selectOptions(screen.getByLabelText(/^Fallback model/), 'gpt-5.4-mini');
    const attempts = screen.getByLabelText(/^Attempts per model/);
    await userEvent.clear(attempts);
    await userEvent.type(attempts, '5');
    const timeout = screen.getByLabelText(/^Timeout per attempt/);
    await userEvent.clear(timeout);
    await userEvent.type(timeout, '90');
    await userEvent.click(screen.getByRole('button', { name: 'Save settings' }));

    expect(await screen.findByText('LLM settings saved')).toBeTruthy();
    expect(patches(calls)[0]?.body).toEqual({
      defaultTarget: { provider: 'openai', model: 'gpt-5.4' },
      fallback: { provider: 'openai', model: 'gpt-5.4-mini' },
      skillJudge: null,
      maxAttempts: 5,
      attemptTimeoutMs: 90000,
    });
  });

  test('takes a free-text model for a provider that accepts any', async () => {
    const calls = api();
    await renderView(LlmSettingsView, { path: '/settings/llm' });
    await userEvent.selectOptions(await screen.findByLabelText(/^Skill judge provider/), 'ollama');
    const model = screen.getByLabelText(/^Skill judge model/);
    expect(model.tagName).toBe('INPUT');
    await userEvent.type(model, 'llama3.3:70b');
    await userEvent.click(screen.getByRole('button', { name: 'Save settings' }));
    await screen.findByText('LLM settings saved');
    expect((patches(calls)[0]?.body as { skillJudge: unknown }).skillJudge).toEqual({
      provider: 'ollama',
      model: 'llama3.3:70b',
    });
  });

  test('checks the values before sending', async () => {
    const calls = api();
    await renderView(LlmSettingsView, { path: '/settings/llm' });
    await userEvent.selectOptions(await screen.findByLabelText(/^Skill judge provider/), 'ollama');
    await userEvent.selectOptions(screen.getByLabelText(/^Fallback provider/), 'openai');
    await userEvent.selectOptions(screen.getByLabelText(/^Fallback model/), 'gpt-5.4');
    const attempts = screen.getByLabelText(/^Attempts per model/);
    await userEvent.clear(attempts);
    await userEvent.type(attempts, '11');
    const timeout = screen.getByLabelText(/^Timeout per attempt/);
    await userEvent.clear(timeout);
    await userEvent.click(screen.getByRole('button', { name: 'Save settings' }));

    expect(await screen.findByText('Choose the skill judge model.')).toBeTruthy();
    expect(screen.getByText('Choose a fallback other than the default model, or no fallback.')).toBeTruthy();
    expect(screen.getByText('Enter a whole number of attempts from 1 to 10.')).toBeTruthy();
    expect(screen.getByText('Enter a timeout from 1 to 3600 seconds.')).toBeTruthy();
    expect(screen.getByLabelText(/^Attempts per model/).getAttribute('aria-invalid')).toBe('true');
    expect(patches(calls)).toHaveLength(0);
  });

  test('shows a refusal in words', async () => {
    api({
      'PATCH /api/llm/settings': problem(
        422,
        'validation_failed',
        'LLM settings: /maxAttempts must be an integer from 1 to 10.',
        [{ path: '/maxAttempts', message: 'must be an integer from 1 to 10' }],
      ),
    });
    await renderView(LlmSettingsView, { path: '/settings/llm' });
    await userEvent.click(await screen.findByRole('button', { name: 'Save settings' }));
    expect((await screen.findByRole('alert')).textContent).toContain(
      'LLM settings: /maxAttempts must be an integer from 1 to 10.',
    );
    expect(screen.getByText(/The platform refused this: must be an integer from 1 to 10/)).toBeTruthy();
  });

  test('shows the not-allowed state', async () => {
    api({
      'GET /api/llm/settings': problem(403, 'forbidden', 'You may not read the LLM settings.'),
    });
    await renderView(LlmSettingsView, { path: '/settings/llm' });
    expect(await screen.findByText('Not allowed')).toBeTruthy();
    expect(screen.getByText('You may not read the LLM settings.')).toBeTruthy();
  });
});
