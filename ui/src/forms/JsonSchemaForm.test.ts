import { render, screen, within } from '@testing-library/vue';
import userEvent from '@testing-library/user-event';
import { describe, expect, test } from 'vitest';
import { defineComponent, h, nextTick, ref } from 'vue';
import JsonSchemaForm from './JsonSchemaForm.vue';
import { validateAgainstSchema, type JsonSchema } from './jsonSchema';

/** Renders the form bound to a ref, like a view's v-model, with a submit that validates. */
async function renderForm(
  schema: JsonSchema,
  initial: Record<string, unknown> = {},
  options: { disabled?: boolean; idPrefix?: string; errors?: Record<string, string> } = {},
) {
  const value = ref<Record<string, unknown>>(initial);
  const errors = ref<Record<string, string>>(options.errors ?? {});
  const Harness = defineComponent({
    setup() {
      return () =>
        h(
          'form',
          {
            novalidate: true,
            onSubmit: (event: Event) => {
              event.preventDefault();
              errors.value = validateAgainstSchema(schema, value.value);
            },
          },
          [
            h(JsonSchemaForm, {
              schema,
              modelValue: value.value,
              'onUpdate:modelValue': (next: Record<string, unknown>) => (value.value = next),
              errors: errors.value,
              disabled: options.disabled,
              idPrefix: options.idPrefix,
            }),
            h('button', { type: 'submit' }, 'Save'),
          ],
        );
    },
  });
  const result = render(Harness);
  await nextTick(); // the defaults are filled in once mounted
  return { ...result, value, errors };
}

const SETTINGS: JsonSchema = {
  type: 'object',
  properties: {
    baseUrl: {
      type: 'string',
      format: 'uri',
      description: 'Where the API lives',
      default: 'https://api.example.com',
    },
    tokenSecret: { type: 'string', description: 'Secret holding the token', 'x-cinatra-secret': true },
    pageSize: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
    verbose: { type: 'boolean', title: 'Verbose logging', description: 'Log every request' },
  },
  required: ['baseUrl', 'tokenSecret'],
};

describe('JsonSchemaForm', async () => {
  test('renders a labelled control per property with hints and required markers', async () => {
    await renderForm(SETTINGS);
    const baseUrl = screen.getByLabelText(/Base URL/) as HTMLInputElement;
    expect(baseUrl.type).toBe('url');
    expect(baseUrl.required).toBe(true);
    expect(
      screen.getByText(/Where the API lives\. Leave empty for the default: https:\/\/api\.example\.com\./),
    ).toBeTruthy();
    const pageSize = screen.getByLabelText('Page size') as HTMLInputElement;
    expect(pageSize.type).toBe('number');
    expect([pageSize.min, pageSize.max, pageSize.step]).toEqual(['1', '100', '1']);
    expect(pageSize.required).toBe(false);
    expect((screen.getByLabelText('Verbose logging') as HTMLInputElement).type).toBe('checkbox');
    // The hint is tied to the control for screen readers.
    const hintId = baseUrl.getAttribute('aria-describedby');
    expect(hintId && document.getElementById(hintId)?.textContent).toMatch(/Where the API lives/);
  });

  test('fills the defaults into the value and shows them', async () => {
    const { value } = await renderForm(SETTINGS, { tokenSecret: 'gh' });
    expect(value.value).toEqual({ tokenSecret: 'gh', baseUrl: 'https://api.example.com', pageSize: 20 });
    expect((screen.getByLabelText(/Base URL/) as HTMLInputElement).value).toBe('https://api.example.com');
    expect((screen.getByLabelText('Page size') as HTMLInputElement).value).toBe('20');
  });

  test('a secret setting asks for the name of a secret, not its value', async () => {
    await renderForm(SETTINGS);
    const secret = screen.getByLabelText(/Token secret/) as HTMLInputElement;
    expect(secret.type).toBe('text');
    expect(
      screen.getByText(/name of a secret from Settings › Secrets, never the secret value itself/),
    ).toBeTruthy();
  });

  test('a writeOnly string is a password input', async () => {
    await renderForm({ properties: { apiKey: { type: 'string', writeOnly: true } } });
    expect((screen.getByLabelText('API key') as HTMLInputElement).type).toBe('password');
  });

  test('typing emits values of the right type; emptying removes the key', async () => {
    const { value } = await renderForm(SETTINGS, { tokenSecret: 'gh' });
    const pageSize = screen.getByLabelText('Page size');
    await userEvent.clear(pageSize);
    expect(value.value).not.toHaveProperty('pageSize');
    await userEvent.type(pageSize, '42');
    expect(value.value.pageSize).toBe(42);
    await userEvent.clear(screen.getByLabelText(/Token secret/));
    expect(value.value).not.toHaveProperty('tokenSecret');
    await userEvent.click(screen.getByLabelText('Verbose logging'));
    expect(value.value.verbose).toBe(true);
    await userEvent.click(screen.getByLabelText('Verbose logging'));
    expect(value.value.verbose).toBe(false);
  });

  test('long text is multi-line', async () => {
    await renderForm({ properties: { prompt: { type: 'string', maxLength: 4000 } } });
    expect(screen.getByLabelText('Prompt').tagName).toBe('TEXTAREA');
  });

  test('enum and oneOf of consts are selects that keep the value type', async () => {
    const { value } = await renderForm({
      properties: {
        region: {
          type: 'string',
          oneOf: [
            { const: 'eu', title: 'Europe' },
            { const: 'us', title: 'United States' },
          ],
        },
        retries: { type: 'integer', enum: [1, 3, 5], default: 3 },
      },
      required: ['region'],
    });
    const region = screen.getByLabelText(/Region/) as HTMLSelectElement;
    expect(
      within(region)
        .getAllByRole('option')
        .map((o) => o.textContent?.trim()),
    ).toEqual(['Choose…', 'Europe', 'United States']);
    await userEvent.selectOptions(region, 'United States');
    expect(value.value.region).toBe('us');
    const retries = screen.getByLabelText('Retries') as HTMLSelectElement;
    expect(retries.selectedOptions[0]?.textContent?.trim()).toBe('3');
    await userEvent.selectOptions(retries, '5');
    expect(value.value.retries).toBe(5);
    await userEvent.selectOptions(retries, 'Default (3)');
    expect(value.value).not.toHaveProperty('retries');
  });

  test('an array of choices is a group of checkboxes in a fieldset', async () => {
    const { value } = await renderForm({
      properties: {
        scopes: {
          type: 'array',
          title: 'Scopes',
          description: 'What it may do',
          items: { type: 'string', enum: ['read', 'write', 'admin'] },
        },
      },
      required: ['scopes'],
    });
    const group = screen.getByRole('group', { name: /Scopes/ });
    expect(within(group).getByText('What it may do.')).toBeTruthy();
    await userEvent.click(within(group).getByLabelText('admin'));
    await userEvent.click(within(group).getByLabelText('read'));
    expect(value.value.scopes).toEqual(['read', 'admin']);
    await userEvent.click(within(group).getByLabelText('read'));
    await userEvent.click(within(group).getByLabelText('admin'));
    expect(value.value).not.toHaveProperty('scopes');
  });

  test('an array of strings is one per line', async () => {
    const { value } = await renderForm(
      { properties: { hosts: { type: 'array', items: { type: 'string' } } } },
      {
        hosts: ['a.example'],
      },
    );
    const hosts = screen.getByLabelText('Hosts') as HTMLTextAreaElement;
    expect(hosts.value).toBe('a.example');
    expect(screen.getByText('One per line.')).toBeTruthy();
    await userEvent.type(hosts, '{Enter}{Enter}b.example');
    expect(value.value.hosts).toEqual(['a.example', 'b.example']);
    expect(hosts.value).toBe('a.example\n\nb.example');
  });

  test('a nested object is a fieldset with its own fields, errors by dotted path', async () => {
    const schema: JsonSchema = {
      properties: {
        address: {
          type: 'object',
          title: 'Postal address',
          properties: { city: { type: 'string' }, zip: { type: 'string', pattern: '^[0-9]{5}$' } },
          required: ['city'],
        },
      },
      required: ['address'],
    };
    const { value } = await renderForm(schema);
    const group = screen.getByRole('group', { name: /Postal address/ });
    await userEvent.type(within(group).getByLabelText('Zip'), '12');
    expect(value.value).toEqual({ address: { zip: '12' } });
    await userEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(await within(group).findByText('City is required.')).toBeTruthy();
    expect(within(group).getByText('Use the expected format (^[0-9]{5}$).')).toBeTruthy();
    expect(within(group).getByLabelText(/City/).getAttribute('aria-invalid')).toBe('true');
  });

  test('an optional object gets its defaults once the user starts filling it in', async () => {
    const { value } = await renderForm({
      properties: {
        proxy: {
          type: 'object',
          properties: { host: { type: 'string' }, port: { type: 'integer', default: 8080 } },
        },
      },
    });
    expect(value.value).toEqual({});
    await userEvent.type(screen.getByLabelText('Host'), 'p');
    expect(value.value).toEqual({ proxy: { host: 'p', port: 8080 } });
  });

  test('an unsupported shape is edited as JSON, with a note, and bad JSON is named', async () => {
    const { value } = await renderForm({
      properties: {
        rules: { type: 'array', items: { type: 'object', properties: { a: { type: 'string' } } } },
      },
    });
    const rules = screen.getByLabelText('Rules') as HTMLTextAreaElement;
    expect(screen.getByText(/cannot show this field as controls .*enter its value as JSON/)).toBeTruthy();
    await userEvent.type(rules, '[[{{"a": "x"}');
    expect(await screen.findByText(/This is not valid JSON yet/)).toBeTruthy();
    await userEvent.type(rules, ']');
    expect(value.value.rules).toEqual([{ a: 'x' }]);
    expect(screen.queryByText(/This is not valid JSON yet/)).toBeNull();
  });

  test('shows validation errors next to the fields, tied to the controls', async () => {
    await renderForm(SETTINGS, { baseUrl: 'not a url' });
    await userEvent.type(screen.getByLabelText('Page size'), '0');
    await userEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(await screen.findByText('Enter a full URL, like https://example.com.')).toBeTruthy();
    expect(screen.getByText('Token secret is required.')).toBeTruthy();
    expect(screen.getByText('Enter 100 or less.')).toBeTruthy();
    const tokenSecret = screen.getByLabelText(/Token secret/);
    expect(tokenSecret.getAttribute('aria-invalid')).toBe('true');
    expect(tokenSecret.getAttribute('aria-describedby')).toContain('-error');
  });

  test('shows errors passed in (e.g. from the server) on booleans too', async () => {
    await renderForm(
      SETTINGS,
      {},
      { errors: { verbose: 'must be a boolean', baseUrl: 'must be an http(s) URL' } },
    );
    expect(screen.getByText('must be a boolean')).toBeTruthy();
    expect(screen.getByText('must be an http(s) URL')).toBeTruthy();
  });

  test('disabled disables every control', async () => {
    await renderForm(
      {
        properties: {
          a: { type: 'string' },
          b: { type: 'number' },
          c: { type: 'boolean' },
          d: { enum: ['x'] },
          e: { type: 'array', items: { enum: ['y'] } },
        },
      },
      {},
      { disabled: true },
    );
    for (const label of ['A', 'B', 'C', 'D', 'y']) {
      expect((screen.getByLabelText(label) as HTMLInputElement).disabled, label).toBe(true);
    }
  });

  test('idPrefix makes stable ids', async () => {
    await renderForm(
      { properties: { address: { type: 'object', properties: { city: { type: 'string' } } } } },
      {},
      { idPrefix: 'agent-input' },
    );
    expect(screen.getByLabelText('City').id).toBe('agent-input-address_city');
  });

  test('a schema with no properties says there is nothing to fill in', async () => {
    await renderForm({ type: 'object' });
    expect(screen.getByText('There is nothing to fill in.')).toBeTruthy();
  });

  test('a hostile schema renders without crashing', async () => {
    const schema = JSON.parse(
      '{"properties":{"__proto__":{"type":"string"},"a":null,"b":{"type":"object","properties":{}},"c":{"enum":[]}}}',
    ) as JsonSchema;
    await renderForm(schema);
    expect(screen.getByLabelText('A').tagName).toBe('TEXTAREA');
    expect(screen.getByLabelText('B').tagName).toBe('TEXTAREA');
    expect(screen.getByLabelText('C').tagName).toBe('TEXTAREA');
  });
});
