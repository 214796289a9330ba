import { defineProject, mergeConfig } from 'vitest/config';
import viteConfig from './vite.config.js';

// Component tests: happy-dom, queried by role and label through @testing-library/vue.
export default mergeConfig(
  viteConfig,
  defineProject({
    test: {
      name: 'ui',
      environment: 'happy-dom',
      environmentOptions: { happyDOM: { url: 'http://localhost:3000/' } },
      include: ['src/**/*.test.ts'],
      setupFiles: ['test/setup.ts'],
      restoreMocks: true,
    },
  }),
);
