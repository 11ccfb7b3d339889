import { defineConfig } from 'vitest/config';

/**
 * The reliability suite (`npm run test:reliability`, also run by CI): random
 * kills and interrupts under seeded faults, concurrent applies, damaged state,
 * hostile input. Kept apart from `npm test` because it runs the CLI many times.
 */
export default defineConfig({
  test: {
    include: ['test/reliability/**/*.reliability.ts'],
    // A temporary folder per run, removed at the end (as for npm test).
    globalSetup: ['test/setup/global.ts'],
    testTimeout: 120_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
