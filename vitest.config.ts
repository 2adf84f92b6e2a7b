// Test tiers: unit (offline, pure) and int (real Kafka, Redis and devnode, started once per run
// by the global setup unless KAFKA_BROKERS / REDIS_URL point at running services).
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
    ],
  },
});
