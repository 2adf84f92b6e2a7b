// loadConfig: defaults, precedence (defaults < file < env < overrides), env typing, and a single
// error that lists every bad key at once.
import { describe, expect, it } from 'vitest';
import { InvalidConfigError, loadConfig } from '#core/config/index.ts';
import { isMiroirError } from '#core/errors.ts';

function issuesOf(fn: () => unknown): Array<{ path: string; message: string }> {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidConfigError);
    return [...(err as InvalidConfigError).issues];
  }
  throw new Error('expected loadConfig to throw');
}

describe('loadConfig defaults', () => {
  it('gives a complete config from nothing', () => {
    const config = loadConfig();
    expect(config.roles).toEqual(['ingest', 'query', 'indexer', 'projections', 'changelog']);
    expect(config.http).toEqual({ host: '0.0.0.0', port: 7700, requestTimeoutMs: 30_000 });
    expect(config.kafka.topicPrefix).toBe('miroir.');
    expect(config.redis.url).toBeUndefined();
    expect(config.ingest).toEqual({ payloadLimitBytes: 100_000_000, autoCreateIndex: true, spareTopics: 4 });
    expect(config.query).toEqual({
      perShardTimeoutMs: 5000,
      coalesceSearches: false,
      hedgeDelayMs: 0,
      unavailableShards: 'partial',
      maxConcurrentSearchesPerClient: 100,
    });
    expect(config.kafka.tls).toEqual({ enabled: false, rejectUnauthorized: true });
    expect(config.kafka.sasl).toEqual({ mechanism: 'none' });
    expect(config.redis.tls).toEqual({ rejectUnauthorized: true });
    expect(config.nodes).toEqual([]);
  });

  it('treats an empty file as no file', () => {
    expect(loadConfig({ file: '' })).toEqual(loadConfig());
    expect(loadConfig({ file: '# only a comment\n' })).toEqual(loadConfig());
  });
});

describe('loadConfig precedence', () => {
  const file = [
    'http:',
    '  port: 8000',
    '  host: 127.0.0.1',
    'kafka:',
    '  brokers: [a:9092]',
    'nodes:',
    '  - id: n1',
    '    url: http://n1:7700',
    '  - id: n2',
    '    url: http://n2:7700',
  ].join('\n');

  it('file overrides defaults', () => {
    const config = loadConfig({ file });
    expect(config.http.port).toBe(8000);
    expect(config.http.requestTimeoutMs).toBe(30_000);
    expect(config.kafka.brokers).toEqual(['a:9092']);
    expect(config.nodes.map((n) => n.group)).toEqual(['g1', 'g1']);
  });

  it('accepts JSON text as well as YAML', () => {
    expect(loadConfig({ file: '{"http":{"port":8001}}' }).http.port).toBe(8001);
  });

  it('env overrides file, overrides override env', () => {
    const env = { MIROIR_HTTP__PORT: '9000', MIROIR_KAFKA__BROKERS: 'b:9092, c:9092' };
    const config = loadConfig({ file, env });
    expect(config.http.port).toBe(9000);
    expect(config.http.host).toBe('127.0.0.1');
    expect(config.kafka.brokers).toEqual(['b:9092', 'c:9092']);
    expect(loadConfig({ file, env, overrides: { http: { port: 1234 } } }).http.port).toBe(1234);
  });

  it('indexed env variables patch one list element and keep the rest from the file', () => {
    const config = loadConfig({
      file,
      env: { MIROIR_NODES__1__API_KEY: 'secret-2', MIROIR_NODES__1__GROUP: 'g1' },
    });
    expect(config.nodes[0]).toEqual({ id: 'n1', url: 'http://n1:7700', group: 'g1' });
    expect(config.nodes[1]).toEqual({ id: 'n2', url: 'http://n2:7700', group: 'g1', apiKey: 'secret-2' });
  });

  it('a list of objects can come whole from JSON in the environment', () => {
    const config = loadConfig({ env: { MIROIR_NODES: '[{"id":"x","url":"http://x:7700"}]' } });
    expect(config.nodes).toEqual([{ id: 'x', url: 'http://x:7700', group: 'g1' }]);
  });

  it('types env values by the schema and ignores empty and foreign variables', () => {
    const config = loadConfig({
      env: {
        MIROIR_INGEST__AUTO_CREATE_INDEX: 'false',
        MIROIR_METRICS__ENABLED: '0',
        MIROIR_ROLES: 'query,ingest',
        MIROIR_REDIS__URL: '',
        PATH: '/usr/bin',
        KAFKA_BROKERS: 'ignored:1',
      },
    });
    expect(config.ingest.autoCreateIndex).toBe(false);
    expect(config.metrics.enabled).toBe(false);
    expect(config.roles).toEqual(['query', 'ingest']);
    expect(config.redis.url).toBeUndefined();
    expect(config.kafka.brokers).toEqual(['127.0.0.1:9092']);
  });
});

describe('loadConfig errors', () => {
  it('reports every bad key of file and env in one MiroirError', () => {
    const file = [
      'http:',
      '  port: 99999',
      'kafka:',
      '  brokerz: [x]',
      'cluster:',
      '  shards: 0',
      'nodes:',
      '  - id: "bad id!"',
      '    url: ftp://n1',
      'unknownTop: 1',
    ].join('\n');
    const env = {
      MIROIR_QUERY__PER_SHARD_TIMEOUT_MS: 'soon',
      MIROIR_HTTP__PORTT: '1',
      MIROIR_LOGGING__LEVEL: 'loud',
      MIROIR_INGEST__AUTO_CREATE_INDEX: 'yes',
    };
    let thrown: unknown;
    try {
      loadConfig({ file, env, fileName: 'miroir.yaml' });
    } catch (err) {
      thrown = err;
    }
    expect(isMiroirError(thrown)).toBe(true);
    const err = thrown as InvalidConfigError;
    expect(err.code).toBe('miroir_invalid_config');
    const paths = err.issues.map((i) => i.path).sort();
    expect(paths).toEqual(
      [
        'MIROIR_HTTP__PORTT',
        'MIROIR_INGEST__AUTO_CREATE_INDEX',
        'MIROIR_QUERY__PER_SHARD_TIMEOUT_MS',
        'cluster.shards',
        'http.port',
        'kafka.brokerz',
        'logging.level',
        'nodes.0.id',
        'nodes.0.url',
        'unknownTop',
      ].sort(),
    );
    // The message names each key so an operator can fix them all in one go.
    for (const p of paths) expect(err.message).toContain(p);
    expect(err.issues.find((i) => i.path === 'logging.level')?.message).toContain('MIROIR_LOGGING__LEVEL');
    expect(err.issues.find((i) => i.path === 'kafka.brokerz')?.message).toBe('unknown key');
  });

  it('reports cross-key rules together with unrelated bad keys', () => {
    const file = [
      'http: { port: -1 }',
      'nodes:',
      '  - { id: a, url: "http://a:1", group: g2 }',
      '  - { id: a, url: "http://b:1" }',
    ].join('\n');
    const issues = issuesOf(() => loadConfig({ file, env: { MIROIR_TASKS__STORE: 'redis' } }));
    expect(issues.map((i) => i.path).sort()).toEqual([
      'cluster.replicaGroups',
      'http.port',
      'nodes.1.id',
      'tasks.store',
    ]);
    expect(issues.find((i) => i.path === 'cluster.replicaGroups')?.message).toBe(
      'the nodes form 2 replica group(s) (g2, g1), not 1',
    );
  });

  it('rejects a group id that the topology would not accept', () => {
    const file = 'nodes:\n  - { id: a, url: "http://a:1", group: "bad group" }\n';
    expect(issuesOf(() => loadConfig({ file })).map((i) => i.path)).toEqual(['nodes.0.group']);
  });

  it('checks replication factor against the nodes of each group', () => {
    const file = [
      'cluster: { replicationFactor: 2, replicaGroups: 2 }',
      'nodes:',
      '  - { id: a, url: "http://a:1", group: east }',
      '  - { id: b, url: "http://b:1", group: east }',
      '  - { id: c, url: "http://c:1", group: west }',
    ].join('\n');
    const issues = issuesOf(() => loadConfig({ file }));
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ path: 'cluster.replicationFactor' });
    expect(issues[0]?.message).toContain('replica group west has 1 node');
  });

  it('reports a syntax error of the file with the file name', () => {
    const issues = issuesOf(() =>
      loadConfig({ file: 'http: [unclosed', fileName: 'bad.yaml', env: { MIROIR_NOPE: '1' } }),
    );
    expect(issues.map((i) => i.path)).toEqual(['bad.yaml', 'MIROIR_NOPE']);
    expect(issues[0]?.message).toMatch(/not valid YAML or JSON/);
  });

  it('rejects a file that is not a mapping', () => {
    const issues = issuesOf(() => loadConfig({ file: '- a\n- b\n' }));
    expect(issues).toEqual([{ path: 'config file', message: expect.stringContaining('mapping') }]);
  });

  it('rejects malformed JSON for a list of objects in the environment', () => {
    const issues = issuesOf(() => loadConfig({ env: { MIROIR_NODES: '[{' } }));
    expect(issues[0]).toMatchObject({
      path: 'MIROIR_NODES',
      message: expect.stringContaining('expected JSON'),
    });
  });

  it('rejects an index on something that is not a list of objects', () => {
    const issues = issuesOf(() =>
      loadConfig({ env: { MIROIR_KAFKA__BROKERS__0: 'x:1', MIROIR_HTTP__PORT__X: '1' } }),
    );
    expect(issues.map((i) => i.path).sort()).toEqual(['MIROIR_HTTP__PORT__X', 'MIROIR_KAFKA__BROKERS__0']);
  });
});
