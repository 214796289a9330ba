import { defineConfig } from 'vitest/config';

// Two projects: the platform (Node, real Postgres/Redis/Chromium) and the admin UI's
// component tests (happy-dom). Platform tests import workspace packages from their
// TypeScript sources through the "@cinatra/source" export condition, so `vitest` never
// runs against stale builds.
export default defineConfig({
  test: {
    projects: [
      {
        resolve: { conditions: ['@cinatra/source'] },
        ssr: { resolve: { conditions: ['@cinatra/source'] } },
        test: {
          name: 'platform',
          include: ['{sdk,kernel,registry,host}/{src,test}/**/*.test.ts', 'extensions/*/test/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          pool: 'forks',
        },
      },
      'ui/vitest.config.ts',
    ],
    // In CI a JSON report lets .ci/run print the plain 'N passed, N failed' summary line.
    reporters: process.env.CI
      ? ['default', ['json', { outputFile: 'test-results/vitest.json' }]]
      : ['default'],
  },
});
