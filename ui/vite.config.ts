import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vite';

// `npm run dev -w ui` serves the app with hot reload and forwards the API to a platform
// started with `npm start` (CINATRA_DEV_API overrides where it runs).
const api = process.env.CINATRA_DEV_API ?? 'http://127.0.0.1:8080';

export default defineConfig({
  plugins: [vue()],
  server: {
    host: '127.0.0.1',
    proxy: { '/api': { target: api, changeOrigin: false }, '/mcp': { target: api } },
  },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true, target: 'es2022' },
});
