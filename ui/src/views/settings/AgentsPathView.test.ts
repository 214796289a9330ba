import { screen } from '@testing-library/vue';
import { describe, expect, test } from 'vitest';
import { mockApi, problem } from '../../../test/mockApi';
import { renderView } from '../../../test/render';
import AgentsPathView from './AgentsPathView.vue';

const DIR = '/srv/cinatra/agents';
const INSTANCE = {
  version: '0.1.0',
  publicUrl: 'https://cinatra.example.com',
  mcpUrl: 'https://cinatra.example.com/mcp',
  agentsDir: DIR,
};
const agent = (slug: string, valid: boolean) => ({
  vendor: 'acme',
  slug,
  path: `acme/${slug}/cinatra/oas.json`,
  packageName: `@acme/${slug}`,
  packageVersion: '1.0.0',
  name: slug,
  description: null,
  agentSpecVersion: '26.1.0',
  validation: { valid, errors: valid ? 0 : 2, warnings: 0 },
  review: { blockers: 0, warnings: 0, advisories: 0 },
});

describe('AgentsPathView', () => {
  test('shows the path, how to change it, and what was found there', async () => {
    mockApi({
      'GET /api/instance': { body: INSTANCE },
      'GET /api/agents': {
        body: {
          dir: DIR,
          agents: [agent('triage', true), agent('draft', true), agent('broken', false)],
          problems: [{ path: 'acme/odd', message: 'acme/odd/cinatra/oas.json cannot be read: EACCES' }],
        },
      },
    });
    await renderView(AgentsPathView, { path: '/settings/agents' });
    expect(((await screen.findByLabelText('Agents directory')) as HTMLInputElement).value).toBe(DIR);
    expect(screen.getByRole('button', { name: 'Copy Agents directory' })).toBeTruthy();
    expect(screen.getByText('CINATRA_AGENTS_DIR=/srv/cinatra/agents')).toBeTruthy();
    expect(screen.getByText('agents.dir')).toBeTruthy();
    expect(screen.getByText(/Restart the platform/)).toBeTruthy();
    expect(await screen.findByText('3 agents:')).toBeTruthy();
    expect(screen.getByText('2 valid')).toBeTruthy();
    expect(screen.getByText('1 with errors')).toBeTruthy();
    expect(screen.getByText(/cannot be read: EACCES/)).toBeTruthy();
    expect(screen.getByRole('link', { name: 'Open the agent catalogue' }).getAttribute('href')).toBe(
      '/agents',
    );
  });

  test('says when the directory holds no agents, and why', async () => {
    mockApi({
      'GET /api/instance': { body: INSTANCE },
      'GET /api/agents': {
        body: {
          dir: DIR,
          agents: [],
          problems: [{ path: '.', message: `The agents directory ${DIR} does not exist.` }],
        },
      },
    });
    await renderView(AgentsPathView, { path: '/settings/agents' });
    expect(await screen.findByText('No agent packages were found in this directory.')).toBeTruthy();
    expect(screen.getByText('A problem reading the directory')).toBeTruthy();
    expect(screen.getByText(/does not exist/)).toBeTruthy();
  });

  test('still shows the path when the catalogue cannot be read', async () => {
    mockApi({
      'GET /api/instance': { body: INSTANCE },
      'GET /api/agents': problem(500, 'internal_error', 'Something went wrong reading the agents.'),
    });
    await renderView(AgentsPathView, { path: '/settings/agents' });
    expect(((await screen.findByLabelText('Agents directory')) as HTMLInputElement).value).toBe(DIR);
    expect((await screen.findByRole('alert')).textContent).toContain(
      'Something went wrong reading the agents.',
    );
  });
});
