import { defineConfig } from 'vitest/config';

// Unit tests run against TypeScript sources; e2e/fault tests start the built
// binaries (`pnpm build` runs first in `pnpm test`).
export default defineConfig({
  test: {
    include: ['{shared,agent,collector,scripts}/test/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: process.env.CI ? ['default'] : ['default'],
  },
});
