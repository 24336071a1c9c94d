import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Most files wait on servers, child processes and Chromium more than they compute: two workers on two
    // cores (vitest's default is cores - 1, one here) keep the suite under its time budget.
    maxWorkers: 2,
    env: { KEYHAVEN_LOG_LEVEL: 'silent', KEYHAVEN_VALIDATE_RESPONSES: '1' },
  },
});
