// `miroir dev`: the whole pipeline on one machine. Starts a local Kafka broker (or reuses
// KAFKA_BROKERS), N devnodes (or real Meilisearch nodes with --meilisearch) over replica groups,
// and every role in this process on one port of 127.0.0.1; prints where everything listens and,
// on Ctrl-C, stops it all (broker included).
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { InvalidConfigError } from '#core/config/index.ts';
import { startKafka, waitUntilAnswering } from '../../scripts/kafka.ts';
import {
  localClusterConfig,
  planNodes,
  startLocalCluster,
  type LocalClusterOptions,
} from '../local-cluster.ts';
import { withStartupSignals } from '#adapters/lifecycle.ts';
import { authStartupWarnings } from '#core/auth/startup.ts';
import { findMeilisearchBinary, isExecutableFile } from '#adapters/meilisearch-process.ts';
import { runUntilSignalled, StartupAbortedError } from './serve.ts';
import { parseCommandArgs } from '../args.ts';

const USAGE = `usage: miroir dev [options]

  --port N        port of the Meilisearch API on 127.0.0.1 (default 7700; 0 picks a free one)
  --nodes N       nodes to run (default 3)
  --groups N      replica groups the nodes are dealt to (default 1)
  --shards N      shards of a new index (default: cluster.shards of the configuration)
  --rf N          copies of each shard per group (default: cluster.replicationFactor)
  --data DIR      devnode and Kafka data (default .data/dev); a later run finds it again
  --config FILE   configuration file (YAML or JSON); MIROIR_* variables apply too
  --master-key KEY
                  secure the API as Meilisearch's --master-key does (/keys, tenant tokens)
  --meilisearch [PATH]
                  run the nodes on real Meilisearch instead of devnodes; without PATH the
                  binary is MEILISEARCH_BIN, else \`meilisearch\` on the PATH
  KAFKA_BROKERS=host:port uses a running broker instead of starting one.
`;

interface Broker {
  brokers: string;
  /** Stops a broker this command started; reused brokers are left running. */
  stop(): Promise<void>;
}

async function obtainBroker(dataDir: string): Promise<Broker> {
  const given = process.env.KAFKA_BROKERS;
  if (given) {
    process.stdout.write(`[kafka] using KAFKA_BROKERS=${given}\n`);
    if (!(await waitUntilAnswering(given, 10_000))) throw new Error(`KAFKA_BROKERS=${given} does not answer`);
    return { brokers: given, stop: async () => {} };
  }
  const kafka = await startKafka({
    dataDir: join(dataDir, 'kafka'),
    log: (line) => process.stdout.write(`[kafka] ${line}\n`),
  });
  return { brokers: kafka.brokers, stop: () => kafka.stop() };
}

/** A flag holding a whole number within bounds, or an error message. */
function intFlag(
  name: string,
  raw: string | undefined,
  min: number,
  max: number,
): number | undefined | string {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || n < min || n > max)
    return `--${name} must be a whole number from ${min} to ${max}, got '${raw}'`;
  return n;
}

/**
 * `--meilisearch` takes an optional path, which node:util parseArgs cannot express: a bare flag
 * (last, or followed by another flag) is rewritten to `--meilisearch=`, read as "find one".
 */
export function withOptionalMeilisearchPath(argv: readonly string[]): string[] {
  return argv.map((arg, i) => {
    if (arg !== '--meilisearch') return arg;
    const next = argv[i + 1];
    return next === undefined || next.startsWith('-') ? '--meilisearch=' : arg;
  });
}

/**
 * The binary `--meilisearch [PATH]` names: the PATH given, else the one findMeilisearchBinary
 * finds; undefined without the flag; an error message when there is none to run.
 */
export function resolveMeilisearchFlag(
  value: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): { path: string } | undefined | string {
  if (value === undefined) return undefined;
  if (value !== '') {
    const path = resolve(value);
    return isExecutableFile(path) ? { path } : `--meilisearch ${value}: not an executable file`;
  }
  try {
    const found = findMeilisearchBinary(env);
    if (found !== undefined) return { path: found.path };
  } catch (err) {
    return `--meilisearch: ${(err as Error).message}`;
  }
  return '--meilisearch: no Meilisearch binary found; set MEILISEARCH_BIN, put `meilisearch` on the PATH, or give its path (--meilisearch PATH)';
}

export async function run(argv: string[]): Promise<number> {
  const values = parseCommandArgs(
    'dev',
    withOptionalMeilisearchPath(argv),
    {
      port: { type: 'string', default: '7700' },
      nodes: { type: 'string', default: '3' },
      groups: { type: 'string', default: '1' },
      shards: { type: 'string' },
      rf: { type: 'string' },
      config: { type: 'string', short: 'c' },
      data: { type: 'string', default: '.data/dev' },
      meilisearch: { type: 'string' },
      'master-key': { type: 'string' },
    },
    USAGE,
  );
  if (typeof values === 'number') return values;
  const flags = {
    port: intFlag('port', values.port, 0, 65535),
    nodes: intFlag('nodes', values.nodes, 1, 64),
    groups: intFlag('groups', values.groups, 1, 16),
    shards: intFlag('shards', values.shards, 1, 1024),
    rf: intFlag('rf', values.rf, 1, 16),
    meilisearch: resolveMeilisearchFlag(values.meilisearch, process.env),
  };
  const bad = Object.values(flags).filter((v): v is string => typeof v === 'string');
  if (bad.length > 0) {
    process.stderr.write(`miroir dev: ${bad.join('\n')}\n${USAGE}`);
    return 2;
  }
  const num = (v: number | string | undefined): number | undefined => (typeof v === 'number' ? v : undefined);
  let file: string | undefined;
  if (values.config !== undefined) {
    try {
      file = readFileSync(values.config, 'utf8');
    } catch (err) {
      process.stderr.write(
        `miroir dev: cannot read config file ${values.config}: ${(err as Error).message}\n`,
      );
      return 2;
    }
  }
  const dataDir = resolve(values.data);
  const nodes = num(flags.nodes) ?? 3;
  const groups = num(flags.groups) ?? 1;
  const shards = num(flags.shards);
  const rf = num(flags.rf);
  const meilisearch = typeof flags.meilisearch === 'object' ? flags.meilisearch.path : undefined;
  const opts: Omit<LocalClusterOptions, 'brokers'> = {
    nodes,
    ...(meilisearch !== undefined ? { meilisearch } : {}),
    groups,
    ...(shards !== undefined ? { shards } : {}),
    ...(rf !== undefined ? { replicationFactor: rf } : {}),
    dataDir,
    port: num(flags.port) ?? 7700,
    env: process.env,
    ...(file !== undefined ? { file, fileName: values.config } : {}),
    ...(values['master-key'] !== undefined
      ? { overrides: { auth: { masterKey: values['master-key'] } } }
      : {}),
  };

  // Everything that can be checked is checked before paying for a broker start.
  try {
    const placeholder = planNodes(nodes, groups).map((n) => ({ ...n, url: 'http://127.0.0.1:1' }));
    localClusterConfig({ ...opts, brokers: '127.0.0.1:9092' }, placeholder);
  } catch (err) {
    process.stderr.write(`miroir dev: ${(err as Error).message}\n`);
    return 2;
  }

  // Ctrl-C during startup stops what already runs (broker, devnodes, roles) instead of leaving it behind.
  const started = await withStartupSignals(async (signal) => {
    let broker: Broker;
    try {
      broker = await obtainBroker(dataDir);
    } catch (err) {
      process.stderr.write(`miroir dev: cannot start Kafka: ${(err as Error).message}\n`);
      return 1;
    }
    // A signal while the broker started: nothing else runs yet.
    if (signal.aborted) {
      await broker.stop();
      return 0;
    }
    try {
      return { broker, cluster: await startLocalCluster({ ...opts, brokers: broker.brokers, signal }) };
    } catch (err) {
      await broker.stop();
      if (err instanceof StartupAbortedError) return err.result.exitCode;
      const text = err instanceof InvalidConfigError ? err.message : ((err as Error).stack ?? String(err));
      process.stderr.write(`miroir dev: startup failed: ${text}\n`);
      return 1;
    }
  });
  if (typeof started === 'number') return started;
  const { broker, cluster } = started;
  // Last of all: the broker outlives every consumer commit, client close and devnode.
  cluster.server.lifecycle.register('close-clients', 'kafka broker', () => broker.stop());
  const { config } = cluster;
  const lines = [
    `Miroir dev: Meilisearch API on ${cluster.url}`,
    `  roles: ${cluster.server.started.join(', ')}; Kafka ${broker.brokers} (topics ${config.kafka.topicPrefix}*)`,
    `  new indexes: ${config.cluster.shards} shards, RF ${config.cluster.replicationFactor}, ${config.cluster.replicaGroups} replica group(s)`,
    ...(meilisearch !== undefined ? [`  nodes: Meilisearch ${meilisearch}`] : []),
    ...cluster.nodes.map((n) => `  ${n.kind} ${n.id} (${n.group}) ${n.url}  data ${n.dir}`),
    `  topology: ${cluster.url}/_miroir/topology. Ctrl-C stops everything.`,
    config.auth.masterKey !== undefined
      ? '  auth: master key set; every route but /health needs a key (see GET /keys)'
      : '  auth: none (no --master-key); every route is open',
    ...authStartupWarnings(config.auth, true).map((w) => `  warning: ${w}`),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  return runUntilSignalled(cluster.server);
}
