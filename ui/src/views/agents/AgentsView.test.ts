import { screen, within } from '@testing-library/vue';
import { describe, expect, test } from 'vitest';
import { mockApi, problem } from '../../../test/mockApi';
import { renderView } from '../../../test/render';
import AgentsView from './AgentsView.vue';

const DIR = '/srv/cinatra/agents';

const summary = (vendor: string, slug: string, overrides: Record<string, unknown> = {}) => ({
  vendor,
  slug,
  path: `${vendor}/${slug}/cinatra/oas.json`,
  packageName: `@${vendor}/${slug}`,
  packageVersion: '1.0.0',
  name: `${slug} agent`,
  description: `Does ${slug} things`,
  agentSpecVersion: '26.1.0',
  validation: { valid: true, errors: 0, warnings: 0 },
  review: { blockers: 0, warnings: 0, advisories: 0 },
  ...overrides,
});

describe('AgentsView', () => {
  test('lists agents with validation and review status in words', async () => {
    mockApi({
      'GET /api/agents': {
        body: {
          dir: DIR,
          agents: [
            summary('acme', 'triage', { review: { blockers: 0, warnings: 1, advisories: 2 } }),
            summary('cinatra', 'broken', {
              description: null,
              agentSpecVersion: null,
              validation: { valid: false, errors: 3, warnings: 1 },
              review: { blockers: 1, warnings: 0, advisories: 0 },
            }),
          ],
          problems: [],
        },
      },
    });
    await renderView(AgentsView, { path: '/agents' });
    const table = await screen.findByRole('table', { name: 'Agents in the agents directory' });
    const triage = within(table).getByRole('row', { name: /triage agent/ });
    expect(within(triage).getByRole('link', { name: 'triage agent' }).getAttribute('href')).toBe(
      '/agents/acme/triage',
    );
    expect(triage.textContent).toContain('acme/triage');
    expect(triage.textContent).toContain('26.1.0');
    expect(triage.textContent).toContain('Valid');
    expect(triage.textContent).toContain('1 warning');
    expect(triage.textContent).toContain('2 advisories');
    expect(triage.textContent).toContain('Does triage things');
    const broken = within(table).getByRole('row', { name: /broken agent/ });
    expect(broken.textContent).toContain('3 errors');
    expect(broken.textContent).toContain('1 blocker');
    expect(broken.textContent).toContain('Unknown');
    expect(broken.textContent).toContain('No description');
    expect(screen.getByText(/1 valid, 1 with errors/)).toBeTruthy();
  });

  test('explains where agents go when there are none, and lists problems', async () => {
    mockApi({
      'GET /api/agents': {
        body: {
          dir: DIR,
          agents: [],
          problems: [{ path: '.', message: `The agents directory ${DIR} does not exist.` }],
        },
      },
    });
    await renderView(AgentsView, { path: '/agents' });
    expect(await screen.findByText('No agents yet')).toBeTruthy();
    expect(screen.getByText(new RegExp(`${DIR}/<vendor>/<slug>/cinatra/oas.json`))).toBeTruthy();
    const problems = screen.getByText('Some of the directory could not be read').closest('[role="status"]')!;
    expect(problems.textContent).toContain(`The agents directory ${DIR} does not exist.`);
    expect(screen.getByRole('link', { name: 'Where agents are read from' }).getAttribute('href')).toBe(
      '/settings/agents',
    );
  });

  test('shows a refusal in words', async () => {
    mockApi({
      'GET /api/agents': problem(403, 'forbidden', 'Only platform administrators read the agent catalogue.'),
    });
    await renderView(AgentsView, { path: '/agents' });
    expect(await screen.findByText('Not allowed')).toBeTruthy();
    expect(screen.getByText('Only platform administrators read the agent catalogue.')).toBeTruthy();
  });
});
