import { defineConfig } from 'vitest/config';

const shared = ['**/node_modules/**', '**/dist/**'];

// CI sets AURORA_TEST_REPORT_DIR to collect a JSON report per script (test:unit, test:int).
const reportDir = process.env.AURORA_TEST_REPORT_DIR;
const reportName = (process.env.npm_lifecycle_event ?? 'vitest').replace(/[^a-z0-9-]/gi, '-');

// Two projects: `unit` (no servers, fast) and `int` (real PostgreSQL, Redis, s3rver, …).
export default defineConfig({
  test: {
    ...(reportDir ? { reporters: ['default', 'json'], outputFile: { json: `${reportDir}/${reportName}.json` } } : {}),
    projects: [
      {
        test: {
          name: 'unit',
          include: ['packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts'],
          exclude: [...shared, '**/*.int.test.ts'],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'int',
          include: ['packages/*/src/**/*.int.test.ts', 'packages/*/test/**/*.int.test.ts'],
          exclude: shared,
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
