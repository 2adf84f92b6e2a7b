// Test tiers: unit (offline, pure), int (real Kafka, Redis and devnode, started once per run
// by the global setup unless KAFKA_BROKERS / REDIS_URL point at running services) and
// conformance (answers compared with Meilisearch 1.50's).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
        },
      },
      {
        test: {
          name: 'devnode',
          include: ['test/int/devnode/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'int',
          include: ['test/int/**/*.test.ts', 'test/e2e/**/*.test.ts'],
          exclude: ['test/int/devnode/**'],
          globalSetup: ['test/helpers/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
      {
        // Answers compared with Meilisearch 1.50 (recorded, and a real binary when one is found);
        // the Miroir parts use the int tier's broker (see test/conformance/global-setup.ts).
        test: {
          name: 'conformance',
          include: ['test/conformance/**/*.test.ts'],
          globalSetup: ['test/conformance/global-setup.ts'],
          testTimeout: 300_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
