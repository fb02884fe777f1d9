import { defineConfig } from 'vitest/config';

/**
 * The suites about storage, numbers, timers, the inbox and the outbox, run a second time on PostgreSQL (project `pg`:
 * every test app gets a fresh database, test/helpers/app.ts testDatabaseUrl). The whole suite runs on SQLite.
 */
const ON_POSTGRES = [
  'test/roster.test.ts',
  'test/jobs/timers.test.ts',
  'test/jobs/reconcile.test.ts',
  'test/jobs/unit-of-work.test.ts',
  'test/jobs/fresh-db.test.ts',
  'test/workflows/numbers.test.ts',
  'test/workflows/directive.test.ts',
  'test/workflows/drill.test.ts',
  'test/outbox-rate.test.ts',
  'test/platform/console-ui-api.test.ts',
  'test/platform/console-attachments.test.ts',
  'test/db/pg-*.test.ts',
];

export default defineConfig({
  test: {
    // long fault loops run only with `npm run test:faults` (FAULTS=long)
    globalSetup: ['test/faults/summary.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results/vitest.json' },
    projects: [
      { extends: true, test: { name: 'sqlite', include: ['test/**/*.test.ts'], exclude: ['test/db/pg-*.test.ts'] } },
      {
        extends: true,
        test: {
          name: 'pg',
          include: ON_POSTGRES,
          env: { GRIDRELAY_TEST_DB: 'pg' },
          globalSetup: ['test/helpers/pg-teardown.ts'],
        },
      },
    ],
  },
});
