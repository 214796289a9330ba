import { render, type RenderOptions } from '@testing-library/vue';
import { createPinia, setActivePinia } from 'pinia';
import { createMemoryHistory, createRouter, type Router } from 'vue-router';
import type { Component } from 'vue';
import { setCsrfToken } from '../src/api/client';
import { routes } from '../src/router';
import { useSessionStore } from '../src/stores/session';

export interface SignedInAs {
  roles?: string[];
  displayName?: string;
}

const USER_ID = '00000000-0000-4000-8000-000000000001';

/**
 * Renders a view or component with the app's router (in memory, at `path`) and a fresh
 * Pinia, signed in as a platform admin unless `signedIn` says otherwise (null: signed out).
 */
export async function renderView(
  component: Component,
  options: { path?: string; signedIn?: SignedInAs | null } & RenderOptions<Component> = {},
): Promise<ReturnType<typeof render> & { router: Router }> {
  const { path = '/', signedIn = {}, ...renderOptions } = options;
  const pinia = createPinia();
  setActivePinia(pinia);
  if (signedIn) {
    const session = useSessionStore();
    session.session = {
      user: {
        id: USER_ID,
        email: 'ada@example.com',
        displayName: signedIn.displayName ?? 'Ada Admin',
        kind: 'human',
        platformRole: (signedIn.roles ?? ['platform_admin']).includes('platform_admin')
          ? 'platform_admin'
          : 'member',
        disabled: false,
        createdAt: '2026-01-01T00:00:00.000Z',
      },
      csrfToken: 'csrf-test-token',
      authSource: 'session',
      roles: signedIn.roles ?? ['platform_admin'],
      organizations: [],
      teams: [],
      tokenScopes: null,
    };
    setCsrfToken('csrf-test-token');
  }
  const router = createRouter({ history: createMemoryHistory(), routes });
  await router.push(path);
  await router.isReady();
  const result = render(component, {
    ...renderOptions,
    global: { plugins: [pinia, router], ...renderOptions.global },
  });
  return { ...result, router };
}

export const TEST_USER_ID = USER_ID;
