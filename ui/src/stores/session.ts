import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { api, setCsrfToken, unwrap, type Schemas } from '../api/client';
import { ApiProblem } from '../api/problem';

type SessionView = Awaited<ReturnType<typeof fetchSession>>;

async function fetchSession() {
  return unwrap(api.GET('/api/auth/session'));
}

/**
 * Who is signed in. `load()` asks the server (the session lives in an httpOnly cookie, never
 * in JavaScript); the CSRF token it returns is handed to the API client for changes.
 */
export const useSessionStore = defineStore('session', () => {
  const session = ref<SessionView | null>(null);
  const needsSetup = ref<boolean | null>(null);
  /** Set when a signed-in call was refused because the session ended; the login page says so. */
  const expired = ref(false);

  const user = computed<Schemas['User'] | null>(() => session.value?.user ?? null);
  const isPlatformAdmin = computed(() => session.value?.roles.includes('platform_admin') ?? false);
  const signedIn = computed(() => session.value !== null);

  function apply(view: SessionView | null): void {
    session.value = view;
    setCsrfToken(view?.csrfToken ?? null);
  }

  /** Reads the session; null (not an error) when nobody is signed in. */
  async function load(): Promise<SessionView | null> {
    try {
      apply(await fetchSession());
    } catch (error) {
      if (!(error instanceof ApiProblem && error.status === 401)) throw error;
      apply(null);
    }
    return session.value;
  }

  async function checkSetup(): Promise<boolean> {
    needsSetup.value = (await unwrap(api.GET('/api/auth/setup'))).needsSetup;
    return needsSetup.value;
  }

  async function login(email: string, password: string): Promise<void> {
    await unwrap(api.POST('/api/auth/login', { body: { email, password } }));
    expired.value = false;
    await load();
  }

  async function setup(input: { setupToken: string; email: string; displayName: string; password: string }) {
    await unwrap(api.POST('/api/auth/setup', { body: input }));
    needsSetup.value = false;
  }

  async function logout(): Promise<void> {
    try {
      await unwrap(api.POST('/api/auth/logout'));
    } finally {
      apply(null);
    }
  }

  /** The server ended the session: forget it locally and remember to tell the user. */
  function markExpired(): void {
    if (session.value) expired.value = true;
    apply(null);
  }

  return {
    session,
    user,
    needsSetup,
    expired,
    isPlatformAdmin,
    signedIn,
    load,
    checkSetup,
    login,
    setup,
    logout,
    markExpired,
  };
});
