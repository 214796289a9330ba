import { screen } from '@testing-library/vue';
import userEvent from '@testing-library/user-event';
import { describe, expect, test } from 'vitest';
import { mockApi, problem } from '../../../test/mockApi';
import { renderView } from '../../../test/render';
import McpView from './McpView.vue';

const INSTANCE = {
  version: '0.4.0',
  publicUrl: 'https://cinatra.example.com',
  mcpUrl: 'https://cinatra.example.com/mcp',
  agentsDir: '/srv/cinatra/agents',
};

describe('McpView', () => {
  test('shows the MCP address and a ready-to-paste client configuration', async () => {
    mockApi({ 'GET /api/instance': { body: INSTANCE } });
    await renderView(McpView, { path: '/mcp-connection', signedIn: { roles: ['member'] } });
    const url = (await screen.findByLabelText('MCP server URL')) as HTMLInputElement;
    expect(url.value).toBe('https://cinatra.example.com/mcp');
    const config = screen.getByLabelText('Client configuration (JSON)') as HTMLTextAreaElement;
    expect(JSON.parse(config.value)).toEqual({
      mcpServers: {
        cinatra: {
          type: 'http',
          url: 'https://cinatra.example.com/mcp',
          headers: { Authorization: 'Bearer <your token>' },
        },
      },
    });
    expect((screen.getByLabelText('Claude Code command') as HTMLInputElement).value).toBe(
      'claude mcp add --transport http cinatra https://cinatra.example.com/mcp --header "Authorization: Bearer <your token>"',
    );
    expect(screen.getByText('Cinatra 0.4.0.', { exact: false })).toBeTruthy();
    expect(screen.queryByText('This address uses plain HTTP')).toBeNull();
  });

  test('links to creating a token and says which scopes it needs', async () => {
    mockApi({ 'GET /api/instance': { body: INSTANCE } });
    await renderView(McpView, { path: '/mcp-connection' });
    const create = await screen.findByRole('link', { name: 'Create a token for an MCP client' });
    expect(create.getAttribute('href')).toBe('/tokens?create=mcp');
    expect(screen.getByRole('link', { name: 'Manage your tokens' }).getAttribute('href')).toBe('/tokens');
    expect(screen.getByRole('heading', { name: 'Scopes the token needs' })).toBeTruthy();
    expect(screen.getByText('extension:call_tool')).toBeTruthy();
    expect(screen.getByText('extension:call_tool:@acme/crm/create_issue')).toBeTruthy();
  });

  test('copies the configuration', async () => {
    const user = userEvent.setup();
    mockApi({ 'GET /api/instance': { body: INSTANCE } });
    await renderView(McpView, { path: '/mcp-connection' });
    await user.click(await screen.findByRole('button', { name: 'Copy Client configuration (JSON)' }));
    expect(JSON.parse(await navigator.clipboard.readText()).mcpServers.cinatra.url).toBe(INSTANCE.mcpUrl);
    expect(await screen.findByText('Client configuration (JSON) copied')).toBeTruthy();
  });

  test('warns when clients would send tokens over plain HTTP to another machine', async () => {
    mockApi({
      'GET /api/instance': {
        body: { ...INSTANCE, publicUrl: 'http://cinatra.internal', mcpUrl: 'http://cinatra.internal/mcp' },
      },
    });
    await renderView(McpView, { path: '/mcp-connection' });
    expect(await screen.findByText('This address uses plain HTTP')).toBeTruthy();
  });

  test('does not warn about plain HTTP on this machine', async () => {
    mockApi({
      'GET /api/instance': {
        body: { ...INSTANCE, publicUrl: 'http://127.0.0.1:8080', mcpUrl: 'http://127.0.0.1:8080/mcp' },
      },
    });
    await renderView(McpView, { path: '/mcp-connection' });
    await screen.findByLabelText('MCP server URL');
    expect(screen.queryByText('This address uses plain HTTP')).toBeNull();
  });

  test('shows a failed load in words', async () => {
    mockApi({
      'GET /api/instance': problem(503, 'unavailable', 'The platform is starting; try again shortly.'),
    });
    await renderView(McpView, { path: '/mcp-connection' });
    expect((await screen.findByRole('alert')).textContent).toContain(
      'The platform is starting; try again shortly.',
    );
    expect(screen.getByRole('button', { name: 'Retry' })).toBeTruthy();
  });
});
