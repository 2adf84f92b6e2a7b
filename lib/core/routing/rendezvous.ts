// Rendezvous (highest random weight) placement of a shard inside one replica group: every node
// gets a pseudo-random score per shard and the RF highest scores own it. Adding or removing a
// node only moves the shards whose top-RF set that node enters or leaves.
import { miroirError } from '../errors.ts';
import { xxh64 } from './hash.ts';

/**
 * The placement contract: score(shard, node) = xxh64(UTF-8 bytes of `${shard}:${nodeId}`,
 * seed 0), shard in decimal without leading zeros. The separator keeps (1, "2x") and (12, "x")
 * apart: the decimal part never contains ':'.
 */
export function rendezvousKey(shard: number, nodeId: string): string {
  return `${shard}:${nodeId}`;
}

export function rendezvousScore(shard: number, nodeId: string): bigint {
  return xxh64(rendezvousKey(shard, nodeId));
}

function assertShard(shard: number): void {
  if (!Number.isInteger(shard) || shard < 0) {
    throw miroirError(
      'miroir_invalid_topology',
      `A shard id must be a non-negative integer, got ${String(shard)}.`,
    );
  }
}

function assertNodes(nodes: readonly string[]): void {
  const seen = new Set<string>();
  for (const node of nodes) {
    if (typeof node !== 'string' || node.length === 0) {
      throw miroirError('miroir_invalid_topology', 'A node id must be a non-empty string.');
    }
    if (seen.has(node))
      throw miroirError('miroir_invalid_topology', `Node \`${node}\` is listed twice in one group.`);
    seen.add(node);
  }
}

/**
 * Every node of the group, best first: descending score, ties (a 2^-64 event) broken by node id
 * in ascending UTF-16 code unit order so that every process agrees.
 */
export function rankNodes(shard: number, groupNodes: readonly string[]): string[] {
  assertShard(shard);
  assertNodes(groupNodes);
  return groupNodes
    .map((node) => ({ node, score: rendezvousScore(shard, node) }))
    .sort((a, b) => (a.score === b.score ? compareIds(a.node, b.node) : a.score > b.score ? -1 : 1))
    .map((entry) => entry.node);
}

function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function assertReplicationFactor(rf: number, groupSize: number, group = 'the group'): void {
  if (!Number.isInteger(rf) || rf < 1) {
    throw miroirError(
      'miroir_invalid_topology',
      `The replication factor must be a positive integer, got ${String(rf)}.`,
    );
  }
  if (rf > groupSize) {
    throw miroirError(
      'miroir_invalid_topology',
      `The replication factor ${rf} exceeds the ${groupSize} placement node(s) of ${group}.`,
    );
  }
}

/** The RF owners of `shard` among `groupNodes`, best first. RF above the group size is an error. */
export function ownersOf(shard: number, groupNodes: readonly string[], rf: number): string[] {
  assertReplicationFactor(rf, groupNodes.length);
  return rankNodes(shard, groupNodes).slice(0, rf);
}
