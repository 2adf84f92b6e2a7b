// Consumer group naming of the indexer: one group per node, so a node's committed offset per
// document partition is exactly its applied progress (lag = end offset - committed offset).

/** `<prefix>indexer.<nodeId>`, e.g. `miroir.indexer.node-1`. */
export function indexerGroupId(prefix: string, nodeId: string): string {
  return `${prefix}indexer.${nodeId}`;
}
