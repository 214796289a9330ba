import { createPinia } from 'pinia';
import { createApp } from 'vue';
import App from './App.vue';
import { setSessionExpiredHandler } from './api/client';
import { createAppRouter } from './router';
import { useSessionStore } from './stores/session';
import './styles/tokens.css';
import './styles/base.css';

const app = createApp(App);
const pinia = createPinia();
const router = createAppRouter();
app.use(pinia).use(router);

// A signed-in call answered 401: the session ended. Say so on the login page and come
// back here after signing in again.
setSessionExpiredHandler(() => {
  const session = useSessionStore(pinia);
  if (!session.signedIn) return;
  session.markExpired();
  const current = router.currentRoute.value;
  if (!current.meta.public) void router.push({ name: 'login', query: { next: current.fullPath } });
});

app.mount('#app');
