import { defineConfig } from 'vitest/config';

// Tests import workspace packages from their TypeScript sources through the
// "@cinatra/source" export condition, so `vitest` never runs against stale builds.
export default defineConfig({
  resolve: { conditions: ['@cinatra/source'] },
  ssr: { resolve: { conditions: ['@cinatra/source'] } },
  test: {
    include: ['{sdk,kernel,registry,host}/{src,test}/**/*.test.ts', 'extensions/*/test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // In CI a JSON report lets .ci/run print the plain 'N passed, N failed' summary line.
    reporters: process.env.CI
      ? ['default', ['json', { outputFile: 'test-results/vitest.json' }]]
      : ['default'],
  },
});
