/** One entry of the side navigation; `admin` entries are shown to platform admins only. */
export interface NavItem {
  to: string;
  label: string;
  admin?: boolean;
}

export interface NavGroup {
  label: string;
  items: NavItem[];
}

export const NAVIGATION: NavGroup[] = [
  {
    label: 'Access',
    items: [
      { to: '/users', label: 'Users', admin: true },
      { to: '/organizations', label: 'Organizations and teams' },
      { to: '/tokens', label: 'API tokens' },
      { to: '/mcp-connection', label: 'MCP connection' },
    ],
  },
  {
    label: 'Extensions',
    items: [
      { to: '/extensions', label: 'Installed', admin: true },
      { to: '/marketplace', label: 'Marketplace', admin: true },
      { to: '/marketplace/operations', label: 'Installs and approvals', admin: true },
    ],
  },
  {
    label: 'Agents',
    items: [{ to: '/agents', label: 'Catalogue', admin: true }],
  },
  {
    label: 'Activity',
    items: [
      { to: '/notifications', label: 'Notifications' },
      { to: '/audit', label: 'Audit log', admin: true },
      { to: '/usage', label: 'Usage and cost' },
    ],
  },
  {
    label: 'Settings',
    items: [
      { to: '/settings/llm', label: 'LLM providers', admin: true },
      { to: '/settings/prices', label: 'Prices', admin: true },
      { to: '/settings/budgets', label: 'Budgets' },
      { to: '/settings/secrets', label: 'Secrets' },
      { to: '/settings/trust', label: 'Trust store', admin: true },
      { to: '/settings/registries', label: 'Registries', admin: true },
      { to: '/settings/agents', label: 'Agents path', admin: true },
    ],
  },
];
