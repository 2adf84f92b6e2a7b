// `miroir dev [--port 7700] [--config FILE] [--data DIR]`: the whole pipeline on one machine.
// Starts a local Kafka broker (or reuses KAFKA_BROKERS), runs every role in this process on
// one port, prints where it listens, and on Ctrl-C stops everything, broker included.
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ROLES } from '#core/config/index.ts';
import { startKafka, waitUntilAnswering } from '../../scripts/kafka.ts';
import { loadConfigFromCli, runUntilSignalled, startServer, type RunningServer } from './serve.ts';

const USAGE = 'usage: miroir dev [--port 7700] [--config FILE] [--data DIR]\n';

interface Broker {
  brokers: string;
  /** Stops a broker this command started; reused brokers are left running. */
  stop(): Promise<void>;
}

async function obtainBroker(dataDir: string | undefined): Promise<Broker> {
  const given = process.env.KAFKA_BROKERS;
  if (given) {
    process.stdout.write(`[kafka] using KAFKA_BROKERS=${given}\n`);
    if (!(await waitUntilAnswering(given, 10_000))) throw new Error(`KAFKA_BROKERS=${given} does not answer`);
    return { brokers: given, stop: async () => {} };
  }
  const kafka = await startKafka({
    ...(dataDir ? { dataDir: join(dataDir, 'kafka') } : {}),
    log: (line) => process.stdout.write(`[kafka] ${line}\n`),
  });
  return { brokers: kafka.brokers, stop: () => kafka.stop() };
}

export async function run(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        port: { type: 'string', default: '7700' },
        config: { type: 'string', short: 'c' },
        data: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (err) {
    process.stderr.write(`miroir dev: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  // Validate the configuration before paying for a broker start.
  const overrides = { roles: [...ROLES], http: { port: Number(values.port) } };
  if (!loadConfigFromCli('dev', values.config, overrides)) return 2;

  let broker: Broker;
  try {
    broker = await obtainBroker(values.data);
  } catch (err) {
    process.stderr.write(`miroir dev: cannot start Kafka: ${(err as Error).message}\n`);
    return 1;
  }
  const config = loadConfigFromCli('dev', values.config, {
    ...overrides,
    kafka: { brokers: broker.brokers.split(',').map((b) => b.trim()) },
  });
  if (!config) {
    await broker.stop();
    return 2;
  }

  let server: RunningServer;
  try {
    server = await startServer(config);
  } catch (err) {
    process.stderr.write(`miroir dev: startup failed: ${(err as Error).stack ?? String(err)}\n`);
    await broker.stop();
    return 1;
  }
  // Last phase: the broker outlives every consumer commit and client close.
  server.lifecycle.register('close-clients', 'kafka broker', () => broker.stop());
  const roles = server.started.length > 0 ? server.started.join(', ') : 'none available yet';
  process.stdout.write(
    `Miroir dev: Meilisearch API on ${server.url} (Kafka ${broker.brokers}; roles: ${roles}). Ctrl-C stops.\n`,
  );
  return runUntilSignalled(server);
}
