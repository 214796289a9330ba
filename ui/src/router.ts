import {
  createRouter,
  createWebHistory,
  type RouteRecordRaw,
  type Router,
  type RouterHistory,
} from 'vue-router';
import { useSessionStore } from './stores/session';

declare module 'vue-router' {
  interface RouteMeta {
    /** The page title (also the document title). */
    title?: string;
    /** Reachable without signing in (setup, login). */
    public?: boolean;
    /** For platform admins; others see a "not allowed" page instead. */
    admin?: boolean;
  }
}

const page = (path: string, title: string, component: RouteRecordRaw['component'], admin = false) =>
  ({ path, component, meta: { title, admin } }) as RouteRecordRaw;

export const routes: RouteRecordRaw[] = [
  {
    path: '/setup',
    name: 'setup',
    component: () => import('./views/SetupView.vue'),
    meta: { title: 'Create the first administrator', public: true },
  },
  {
    path: '/login',
    name: 'login',
    component: () => import('./views/LoginView.vue'),
    meta: { title: 'Sign in', public: true },
  },
  {
    path: '/',
    component: () => import('./layouts/AppShell.vue'),
    children: [
      {
        path: '',
        name: 'home',
        redirect: () => (useSessionStore().isPlatformAdmin ? '/extensions' : '/tokens'),
      },
      page('users', 'Users', () => import('./views/users/UsersView.vue'), true),
      page(
        'organizations',
        'Organizations and teams',
        () => import('./views/organizations/OrganizationsView.vue'),
      ),
      page(
        'organizations/:organizationId',
        'Organization',
        () => import('./views/organizations/OrganizationDetailView.vue'),
      ),
      page('teams/:teamId', 'Team', () => import('./views/organizations/TeamDetailView.vue')),
      page('tokens', 'API tokens', () => import('./views/tokens/TokensView.vue')),
      // Not /mcp: that path is the MCP endpoint itself.
      page('mcp-connection', 'MCP connection', () => import('./views/mcp/McpView.vue')),
      page('extensions', 'Installed extensions', () => import('./views/extensions/ExtensionsView.vue'), true),
      page(
        'extensions/:extensionId',
        'Extension',
        () => import('./views/extensions/ExtensionDetailView.vue'),
        true,
      ),
      page('marketplace', 'Marketplace', () => import('./views/marketplace/MarketplaceView.vue'), true),
      page(
        'marketplace/package/:source/:name(.*)',
        'Package',
        () => import('./views/marketplace/PackageDetailView.vue'),
        true,
      ),
      page(
        'marketplace/github',
        'Install from GitHub',
        () => import('./views/marketplace/GitHubInstallView.vue'),
        true,
      ),
      page(
        'marketplace/operations',
        'Installs and approvals',
        () => import('./views/marketplace/OperationsView.vue'),
        true,
      ),
      page(
        'marketplace/promotions',
        'Promotions',
        () => import('./views/marketplace/PromotionsView.vue'),
        true,
      ),
      page('agents', 'Agents', () => import('./views/agents/AgentsView.vue'), true),
      page('agents/:vendor/:slug', 'Agent', () => import('./views/agents/AgentDetailView.vue'), true),
      page('notifications', 'Notifications', () => import('./views/notifications/NotificationsView.vue')),
      page('audit', 'Audit log', () => import('./views/audit/AuditView.vue'), true),
      page('usage', 'Usage and cost', () => import('./views/usage/UsageView.vue')),
      page('settings/llm', 'LLM providers', () => import('./views/settings/LlmSettingsView.vue'), true),
      page('settings/prices', 'Prices', () => import('./views/settings/PricesView.vue'), true),
      page('settings/budgets', 'Budgets', () => import('./views/settings/BudgetsView.vue')),
      page('settings/secrets', 'Secrets', () => import('./views/settings/SecretsView.vue')),
      page('settings/trust', 'Trust store', () => import('./views/settings/TrustView.vue'), true),
      page('settings/registries', 'Registries', () => import('./views/settings/RegistriesView.vue'), true),
      page('settings/agents', 'Agents path', () => import('./views/settings/AgentsPathView.vue'), true),
      page(':unknown(.*)*', 'Page not found', () => import('./views/NotFoundView.vue')),
    ],
  },
];

/**
 * Signed-out visitors go to the login page (or to setup while there is no administrator),
 * and come back to where they were headed after signing in.
 */
export function installGuards(router: Router): void {
  router.beforeEach(async (to) => {
    const session = useSessionStore();
    if (to.meta.public) return true;
    if (!session.signedIn) await session.load();
    if (session.signedIn) return true;
    if (await session.checkSetup()) return { name: 'setup' };
    return { name: 'login', query: to.fullPath === '/' ? {} : { next: to.fullPath } };
  });
  router.afterEach((to) => {
    document.title = to.meta.title ? `${to.meta.title} · Cinatra` : 'Cinatra';
  });
}

export function createAppRouter(history: RouterHistory = createWebHistory()): Router {
  const router = createRouter({ history, routes });
  installGuards(router);
  return router;
}
