import { screen, within } from '@testing-library/vue';
import userEvent from '@testing-library/user-event';
import { describe, expect, test } from 'vitest';
import { mockApi, problem } from '../../../test/mockApi';
import { renderView } from '../../../test/render';
import AgentDetailView from './AgentDetailView.vue';

const DETAIL = {
  vendor: 'acme',
  slug: 'triage',
  path: 'acme/triage/cinatra/oas.json',
  packageName: '@acme/triage',
  packageVersion: '1.2.0',
  name: 'Ticket triage',
  description: 'Sorts incoming tickets',
  agentSpecVersion: '26.1.0',
  validation: { valid: true, errors: 0, warnings: 1 },
  review: { blockers: 0, warnings: 1, advisories: 1 },
  issues: [
    {
      severity: 'warning',
      code: 'legacy_file_name',
      message: 'agent.json is the legacy name; move it to cinatra/oas.json.',
      file: 'agent.json',
      path: null,
    },
  ],
  findings: [
    {
      level: 'warning',
      code: 'untrusted_external_url',
      message: 'Calls https://example.com, which is not allowed.',
      file: 'cinatra/oas.json',
      path: '/nodes/2/url',
    },
    {
      level: 'advisory',
      code: 'missing_description',
      message: 'Describe the input topic.',
      file: 'cinatra/oas.json',
      path: '/inputs/0',
    },
  ],
  inputSchema: {
    type: 'object',
    properties: {
      topic: { title: 'topic', type: 'string', description: 'What the tickets are about' },
      limit: { title: 'limit', type: 'integer', default: 10 },
    },
    required: ['topic'],
    additionalProperties: false,
  },
  outputSchema: {
    type: 'object',
    properties: { summary: { title: 'summary', type: 'string', description: 'The triage summary' } },
    required: ['summary'],
    additionalProperties: false,
  },
  approvalPolicy: {
    steps: [
      {
        step: '3',
        nodeId: 'send',
        name: 'Send replies',
        componentType: 'ApiNode',
        path: '/nodes/3',
        reason: 'requires_approval',
        renderer: null,
        hitlOwnedBy: 'self',
        riskClass: 'send_external_message',
        sideEffects: ['email'],
        responseSchema: null,
        childAgent: null,
      },
    ],
  },
};

describe('AgentDetailView', () => {
  test('shows facts, issues, findings, outputs and the approval policy in words', async () => {
    const calls = mockApi({ 'GET /api/agents/:vendor/:slug': { body: DETAIL } });
    await renderView(AgentDetailView, { path: '/agents/acme/triage' });
    expect(await screen.findByRole('heading', { level: 1, name: 'Ticket triage' })).toBeTruthy();
    expect(calls[0]?.path).toBe('/api/agents/acme/triage');
    expect(screen.getByText('@acme/triage')).toBeTruthy();
    expect(screen.getByText('Valid: the platform can run it')).toBeTruthy();

    const issues = screen.getByRole('table', { name: 'Validation issues' });
    expect(within(issues).getByRole('row', { name: /legacy name/ }).textContent).toContain('Warning');
    const findings = screen.getByRole('table', { name: 'Review findings' });
    const external = within(findings).getByRole('row', { name: /not allowed/ });
    expect(external.textContent).toContain('untrusted_external_url');
    expect(external.textContent).toContain('cinatra/oas.json /nodes/2/url');
    expect(within(findings).getByRole('row', { name: /Describe the input/ }).textContent).toContain(
      'Advisory',
    );

    const outputs = screen.getByRole('table', { name: 'What a finished run returns' });
    expect(within(outputs).getByRole('row', { name: /summary/ }).textContent).toContain('The triage summary');

    expect(
      screen.getByText('Step 3, “Send replies”, waits for a person to approve it before it runs.'),
    ).toBeTruthy();
    expect(screen.getByText(/Risk: send external message · Side effects: email/)).toBeTruthy();
  });

  test('renders the input form from the schema and shows the JSON a run would receive', async () => {
    const calls = mockApi({ 'GET /api/agents/:vendor/:slug': { body: DETAIL } });
    await renderView(AgentDetailView, { path: '/agents/acme/triage' });
    expect(await screen.findByText(/Runs start in a later release/)).toBeTruthy();
    expect((screen.getByLabelText(/^limit/) as HTMLInputElement).value).toBe('10');

    await userEvent.click(screen.getByRole('button', { name: 'Check input' }));
    expect(screen.getByText('The input is not valid')).toBeTruthy();
    expect(screen.getByLabelText(/^topic/).getAttribute('aria-invalid')).toBe('true');
    expect(screen.queryByLabelText('Run input (JSON)')).toBeNull();

    await userEvent.type(screen.getByLabelText(/^topic/), 'billing');
    await userEvent.click(screen.getByRole('button', { name: 'Check input' }));
    expect(screen.getByText('The input is valid')).toBeTruthy();
    const json = screen.getByLabelText('Run input (JSON)') as HTMLTextAreaElement;
    expect(JSON.parse(json.value)).toEqual({ topic: 'billing', limit: 10 });
    expect(json.readOnly).toBe(true);
    // Nothing is sent: the only call is the one that loaded the agent.
    expect(calls).toHaveLength(1);
  });

  test('says there is no form when the agent does not compile', async () => {
    mockApi({
      'GET /api/agents/:vendor/:slug': {
        body: {
          ...DETAIL,
          validation: { valid: false, errors: 1, warnings: 0 },
          issues: [
            {
              severity: 'error',
              code: 'unreachable_node',
              message: 'Node "x" cannot be reached from the start node.',
              file: 'cinatra/oas.json',
              path: '/nodes/4',
            },
          ],
          findings: [],
          inputSchema: null,
          outputSchema: null,
          approvalPolicy: null,
        },
      },
    });
    await renderView(AgentDetailView, { path: '/agents/acme/triage' });
    expect(await screen.findByText('1 error')).toBeTruthy();
    expect(screen.getByText('No input form')).toBeTruthy();
    expect(screen.getByText('The review found nothing to report.')).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Check input' })).toBeNull();
    expect(screen.getAllByText('Unknown: the agent does not compile.')).toHaveLength(2);
  });

  test('says when a run never stops for a person', async () => {
    mockApi({ 'GET /api/agents/:vendor/:slug': { body: { ...DETAIL, approvalPolicy: { steps: [] } } } });
    await renderView(AgentDetailView, { path: '/agents/acme/triage' });
    expect(
      await screen.findByText('A run goes from start to finish without stopping for a person.'),
    ).toBeTruthy();
  });

  test('shows an unknown agent in words with a way back', async () => {
    mockApi({
      'GET /api/agents/:vendor/:slug': problem(
        404,
        'not_found',
        'Agent acme/nope (in /srv/agents) was not found.',
      ),
    });
    await renderView(AgentDetailView, { path: '/agents/acme/nope' });
    expect((await screen.findByRole('alert')).textContent).toContain(
      'Agent acme/nope (in /srv/agents) was not found.',
    );
    expect(screen.getByRole('link', { name: 'Back to the catalogue' }).getAttribute('href')).toBe('/agents');
  });
});
