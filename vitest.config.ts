import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Every AWS request the CLI sends in the tests is checked against AWS's API models
    // (first, so its log folder is outside the per-run temporary folder).
    // A temporary folder per run, removed at the end; no SDK Node 20 notice.
    globalSetup: ['test/conformance/global-setup.ts', 'test/setup/global.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Integration tests start emulators on port 0 and spawn the built CLI; two cores here.
    maxWorkers: 2,
  },
});
