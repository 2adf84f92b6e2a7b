// vitest globalSetup of the `conformance` project: the int tier's Kafka broker and Redis, shared.
// Each project runs its own global setup, so when the `int` project is in the same run and set
// up first, its services are reused; otherwise the int setup starts them here, and an `int`
// project set up later finds them through the KAFKA_BROKERS / REDIS_URL it honours. Either way a
// whole `npm test` runs one broker.
import type { TestProject } from 'vitest/node';
import intSetup from '../helpers/global-setup.ts';
import type {} from '../helpers/services.ts';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const siblings = project.vitest.projects.filter((p) => p !== project);
  const provider = siblings.find((p) => p.getProvidedContext().kafkaBrokers);
  if (provider !== undefined) {
    const context = provider.getProvidedContext();
    project.provide('kafkaBrokers', context.kafkaBrokers);
    project.provide('redisUrl', context.redisUrl);
    console.log(`[conformance setup] using the ${provider.name} project's Kafka at ${context.kafkaBrokers}`);
    return async () => {};
  }
  const teardown = await intSetup(project);
  if (siblings.some((p) => p.name === 'int')) {
    const context = project.getProvidedContext();
    process.env.KAFKA_BROKERS ??= context.kafkaBrokers;
    process.env.REDIS_URL ??= context.redisUrl;
  }
  return teardown;
}
