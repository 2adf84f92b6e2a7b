// The whole service configuration as one zod schema: shape, defaults, bounds and the meaning of
// every key (descriptions feed docs/config.md and the JSON Schema used by the Helm chart).
// Cross-key rules (node groups, Redis-backed stores) live in the refinement at the bottom.
import { z } from 'zod';

export const ROLES = ['ingest', 'query', 'indexer', 'projections', 'changelog'] as const;
export type Role = (typeof ROLES)[number];

export const AUTH_ENVS = ['development', 'production'] as const;
/** Meilisearch's MASTER_KEY_MIN_SIZE: the shortest master key production accepts. */
export const MASTER_KEY_MIN_BYTES = 16;

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const MiB = 1024 * 1024;
const port = z.number().int().min(0).max(65535);
const positiveInt = z.number().int().min(1);
const nonNegativeInt = z.number().int().min(0);
/** Node and group ids, as the topology model accepts them. */
const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** PEM text, or the path of a file holding it (read when the client is built). */
const pem = z.string().min(1);

/** TLS material of a backing-service client (Kafka, Redis). */
const tlsFields = {
  ca: pem
    .optional()
    .describe(
      'CA certificate(s) the server is checked against, PEM text or a file path; unset trusts the system CAs.',
    ),
  cert: pem.optional().describe('Client certificate for mutual TLS, PEM text or a file path.'),
  key: pem
    .optional()
    .describe(
      'Private key of the client certificate, PEM text or a file path (set it from the environment).',
    ),
  rejectUnauthorized: z
    .boolean()
    .default(true)
    .describe('Refuse a server whose certificate does not verify; false is for tests only.'),
};

/** A client certificate is useless without its key, and the reverse. */
function checkClientCertificate(
  tls: { cert?: string | undefined; key?: string | undefined },
  ctx: z.RefinementCtx,
): void {
  if ((tls.cert === undefined) !== (tls.key === undefined))
    ctx.addIssue({
      code: 'custom',
      path: [tls.cert === undefined ? 'cert' : 'key'],
      message: 'a client certificate needs both cert and key',
    });
}

const NodeSchema = z.strictObject({
  id: z
    .string()
    .regex(ID_PATTERN, 'node ids are 1-64 characters of letters, digits, "-" and "_"')
    .describe('Stable node id; placement hashes it, so it is never reused for another server.'),
  url: z.url({ protocol: /^https?$/ }).describe('Base URL of the Meilisearch node.'),
  group: z
    .string()
    .regex(ID_PATTERN, 'group ids are 1-64 characters of letters, digits, "-" and "_"')
    .default('g1')
    .describe('Replica group of the node; a group holds every shard replicationFactor times.'),
  apiKey: z
    .string()
    .min(1)
    .optional()
    .describe('Key Miroir sends to this node; never shown to clients (set it from the environment).'),
});

const CROSS_CHECKED = new Set(['nodes', 'cluster', 'tasks', 'redis', 'auth']);

export const ConfigSchema = z
  .strictObject({
    roles: z
      .array(z.enum(ROLES))
      .min(1)
      .default([...ROLES])
      .describe('Roles this process runs: ingest, query, indexer, projections, changelog.'),
    http: z
      .strictObject({
        host: z.string().min(1).default('0.0.0.0').describe('Address the HTTP server binds.'),
        port: port
          .default(7700)
          .describe('Port of the Meilisearch-compatible HTTP API (0 picks a free port).'),
        requestTimeoutMs: positiveInt
          .default(30_000)
          .describe(
            "Longest time from a request's arrival to its answer, body upload included; past it the answer is 503 miroir_request_timeout.",
          ),
      })
      .prefault({}),
    auth: z
      .strictObject({
        masterKey: z
          .string()
          .min(1)
          .optional()
          .describe(
            "Client-facing master key, as Meilisearch's; unset means no authentication (refused when auth.env is production).",
          ),
        env: z
          .enum(AUTH_ENVS)
          .default('development')
          .describe(
            "As Meilisearch's --env: production refuses to start without a master key of at least 16 bytes; development takes any key and warns when it is shorter.",
          ),
      })
      .prefault({}),
    kafka: z
      .strictObject({
        brokers: z
          .array(z.string().min(1))
          .min(1)
          .default(['127.0.0.1:9092'])
          .describe('Bootstrap brokers, host:port.'),
        clientId: z.string().min(1).default('miroir').describe('Kafka client id prefix of this process.'),
        topicPrefix: z
          .string()
          .regex(/^[A-Za-z0-9._-]*$/, 'Kafka topic names allow only letters, digits, ".", "_" and "-"')
          .default('miroir.')
          .describe('Prefix of every topic name (control, tasks, docs.<index>.g<N>, inbox.<index>).'),
        docsRetentionMs: z
          .number()
          .int()
          .min(-1)
          .default(-1)
          .describe('Retention of document topics; -1 keeps the log forever.'),
        tasksRetentionMs: z
          .number()
          .int()
          .min(-1)
          .default(7 * 24 * 3600 * 1000)
          .describe('Retention of the tasks topic; -1 keeps it forever.'),
        compression: z
          .enum(['none', 'gzip', 'lz4'])
          .default('lz4')
          .describe('Record-batch compression of the records Miroir produces; consumers read every kind.'),
        tls: z
          .strictObject({
            enabled: z
              .boolean()
              .default(false)
              .describe('Connect to the brokers over TLS (an SSL or SASL_SSL listener).'),
            ...tlsFields,
          })
          .superRefine((tls, ctx) => {
            checkClientCertificate(tls, ctx);
            // Material without `enabled` would be ignored: a plaintext connection the operator did not mean.
            if (!tls.enabled && (tls.ca ?? tls.cert ?? tls.key) !== undefined)
              ctx.addIssue({
                code: 'custom',
                path: ['enabled'],
                message: 'TLS material is set but kafka.tls.enabled is false',
              });
          })
          .prefault({}),
        sasl: z
          .strictObject({
            mechanism: z
              .enum(['none', 'plain', 'scram-sha-256', 'scram-sha-512'])
              .default('none')
              .describe(
                "SASL mechanism of the brokers' SASL_PLAINTEXT or SASL_SSL listener; none skips SASL.",
              ),
            username: z.string().min(1).optional().describe('SASL user name.'),
            password: z.string().min(1).optional().describe('SASL password (set it from the environment).'),
          })
          .superRefine((sasl, ctx) => {
            if (sasl.mechanism === 'none') return;
            for (const key of ['username', 'password'] as const)
              if (sasl[key] === undefined)
                ctx.addIssue({
                  code: 'custom',
                  path: [key],
                  message: `SASL ${sasl.mechanism} needs a ${key}`,
                });
          })
          .prefault({}),
      })
      .prefault({}),
    redis: z
      .strictObject({
        url: z
          .url({ protocol: /^rediss?$/ })
          .optional()
          .describe(
            'Redis URL for shared stores; unset uses in-process stores (one process only). rediss:// connects over TLS.',
          ),
        username: z
          .string()
          .min(1)
          .optional()
          .describe('ACL user of Redis 6+; unset authenticates as the default user.'),
        password: z
          .string()
          .min(1)
          .optional()
          .describe('Password sent with AUTH; overrides one in the URL (set it from the environment).'),
        tls: z
          .strictObject(tlsFields)
          .superRefine(checkClientCertificate)
          .prefault({})
          .describe('TLS settings of a rediss:// URL.'),
      })
      .superRefine((redis, ctx) => {
        const material = redis.tls.ca ?? redis.tls.cert ?? redis.tls.key;
        if (material !== undefined && redis.url !== undefined && !redis.url.startsWith('rediss:'))
          ctx.addIssue({
            code: 'custom',
            path: ['tls'],
            message: 'TLS material is set but redis.url is not a rediss:// URL',
          });
      })
      .prefault({}),
    nodes: z.array(NodeSchema).default([]).describe('Meilisearch nodes of the cluster.'),
    cluster: z
      .strictObject({
        shards: z
          .number()
          .int()
          .min(1)
          .max(1024)
          .default(16)
          .describe('Shards of a new index (Kafka partitions of its document topic).'),
        replicationFactor: z
          .number()
          .int()
          .min(1)
          .max(16)
          .default(1)
          .describe('Copies of each shard inside one replica group.'),
        replicaGroups: z
          .number()
          .int()
          .min(1)
          .max(16)
          .default(1)
          .describe('Replica groups; each holds every shard replicationFactor times.'),
      })
      .prefault({}),
    ingest: z
      .strictObject({
        payloadLimitBytes: positiveInt
          .default(100_000_000)
          .describe(
            "Largest accepted request body; 100 MB (decimal), as Meilisearch's --http-payload-size-limit.",
          ),
        autoCreateIndex: z
          .boolean()
          .default(true)
          .describe('A write to a missing index creates it, as Meilisearch does.'),
        spareTopics: nonNegativeInt
          .max(64)
          .default(4)
          .describe(
            'Document topics kept created ahead of any index, so creating an index waits for no topic creation (0: none).',
          ),
      })
      .prefault({}),
    indexer: z
      .strictObject({
        batchMaxDocs: positiveInt.default(10_000).describe('Most documents in one batch sent to a node.'),
        batchMaxBytes: positiveInt
          .default(10 * MiB)
          .describe('Most payload bytes in one batch sent to a node.'),
        lingerMs: nonNegativeInt.default(50).describe('How long a partial batch waits for more records.'),
        retryInitialMs: positiveInt
          .default(200)
          .describe('First back-off after a failed node call; doubles each retry.'),
        retryMaxMs: positiveInt.default(30_000).describe('Longest back-off between retries of a node call.'),
        maxAnsweredAttempts: positiveInt
          .default(5)
          .describe(
            'Attempts of a request that a reachable node keeps failing (5xx, its own task error) before the task fails with that error; an unreachable node is retried without limit.',
          ),
      })
      .prefault({}),
    cdc: z
      .strictObject({
        partitions: positiveInt
          .max(10_000)
          .default(6)
          .describe(
            "Partitions of an index's changelog topic, fixed when the topic is created; a key's partition is Kafka's murmur2 of it, whatever the index's shard count.",
          ),
        dataDir: z
          .string()
          .min(1)
          .default('.miroir/changelog')
          .describe(
            "Directory of the changelog role's on-disk document state: a cache, restored from the changelog topic when lost.",
          ),
        schemaRegistryUrl: z
          .url({ protocol: /^https?$/ })
          .optional()
          .describe(
            'Confluent-compatible schema registry; when set, changelog values are Avro in the Confluent wire format (subject `<topic>-value`), else JSON.',
          ),
      })
      .prefault({}),
    query: z
      .strictObject({
        perShardTimeoutMs: positiveInt
          .default(5_000)
          .describe('Time one shard has to answer before it counts as unavailable.'),
        hedgeDelayMs: nonNegativeInt
          .default(0)
          .describe('Send a duplicate request to another replica after this delay; 0 turns hedging off.'),
        coalesceSearches: z
          .boolean()
          .default(false)
          .describe(
            'Send the searches bound for one node in the same event-loop turn as one /multi-search (at most 8): saves per-request cost on nodes with few cores, serializes them on the node.',
          ),
        unavailableShards: z
          .enum(['partial', 'error'])
          .default('partial')
          .describe(
            'partial: answer with covered shards and X-Miroir-Degraded; error: 503 miroir_shard_unavailable.',
          ),
        maxConcurrentSearchesPerClient: nonNegativeInt
          .default(100)
          .describe(
            'Searches one client (its Authorization header, else its address) may have running at once; more get 429 too_many_search_requests. 0 turns the limit off.',
          ),
      })
      .prefault({}),
    tasks: z
      .strictObject({
        store: z
          .enum(['memory', 'redis'])
          .default('memory')
          .describe('Where the task projection is kept; redis requires redis.url.'),
        waitTimeoutMs: positiveInt
          .default(5_000)
          .describe('Longest wait for X-Miroir-Wait-For-Task before answering anyway.'),
      })
      .prefault({}),
    shutdown: z
      .strictObject({
        timeoutMs: positiveInt
          .default(30_000)
          .describe(
            'On SIGTERM or SIGINT, time allowed to finish in-flight work and commit before giving up.',
          ),
      })
      .prefault({}),
    logging: z
      .strictObject({
        level: z.enum(LOG_LEVELS).default('info').describe('Lowest level written to the JSON log.'),
      })
      .prefault({}),
    metrics: z
      .strictObject({
        enabled: z.boolean().default(true).describe('Serve Prometheus metrics on /metrics.'),
        defaultMetrics: z
          .boolean()
          .default(true)
          .describe('Include Node.js process metrics (memory, event loop, GC).'),
        prefix: z
          .string()
          .regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/, 'not a valid Prometheus metric name prefix')
          .default('miroir_')
          .describe('Prefix of every metric name.'),
      })
      .prefault({}),
  })
  // Cross-key rules also run when unrelated keys are invalid, so one pass reports everything;
  // they are skipped only when a key they read is itself broken.
  .superRefine(
    (config, ctx) => {
      const seen = new Set<string>();
      config.nodes.forEach((node, i) => {
        if (seen.has(node.id))
          ctx.addIssue({
            code: 'custom',
            path: ['nodes', i, 'id'],
            message: `duplicate node id "${node.id}"`,
          });
        seen.add(node.id);
      });
      // Checked only when nodes are declared here: dev and tests add nodes later through the
      // control topic. Every group holds every shard, replicationFactor times.
      if (config.nodes.length > 0) {
        const perGroup = new Map<string, number>();
        for (const node of config.nodes) perGroup.set(node.group, (perGroup.get(node.group) ?? 0) + 1);
        if (perGroup.size !== config.cluster.replicaGroups) {
          ctx.addIssue({
            code: 'custom',
            path: ['cluster', 'replicaGroups'],
            message: `the nodes form ${perGroup.size} replica group(s) (${[...perGroup.keys()].join(', ')}), not ${config.cluster.replicaGroups}`,
          });
        }
        for (const [group, count] of perGroup) {
          if (count < config.cluster.replicationFactor) {
            ctx.addIssue({
              code: 'custom',
              path: ['cluster', 'replicationFactor'],
              message: `replica group ${group} has ${count} node(s), fewer than replicationFactor ${config.cluster.replicationFactor}`,
            });
          }
        }
      }
      // Meilisearch's start-up check of --env production, with its messages.
      if (config.auth.env === 'production') {
        const key = config.auth.masterKey;
        const bytes = key === undefined ? 0 : new TextEncoder().encode(key).length;
        if (key === undefined)
          ctx.addIssue({
            code: 'custom',
            path: ['auth', 'masterKey'],
            message:
              'You must provide a master key to secure your instance in a production environment (auth.masterKey, MIROIR_AUTH__MASTER_KEY).',
          });
        else if (bytes < MASTER_KEY_MIN_BYTES)
          ctx.addIssue({
            code: 'custom',
            path: ['auth', 'masterKey'],
            message: `The master key must be at least ${MASTER_KEY_MIN_BYTES} bytes in a production environment. The provided key is only ${bytes} bytes.`,
          });
      }
      if (config.tasks.store === 'redis' && config.redis.url === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['tasks', 'store'],
          message: 'the redis task store needs redis.url',
        });
      }
    },
    { when: (payload) => !payload.issues.some((i) => CROSS_CHECKED.has(String(i.path?.[0]))) },
  );

export type Config = z.output<typeof ConfigSchema>;
export type ConfigInput = z.input<typeof ConfigSchema>;
export type NodeConfig = Config['nodes'][number];

/** JSON Schema of the accepted input (defaults make keys optional), for the Helm chart's values.schema.json. */
export function configJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(ConfigSchema, { io: 'input', unrepresentable: 'any' });
}
