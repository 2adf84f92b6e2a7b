// How the log readers of a process (indexer, changelog) follow its topology projection: the feed
// the process shell hands them, and one way to reconcile on the current layout and on each change.
import type { Logger } from '#adapters/logger.ts';
import { createTopology, type Topology, type TopologySpec } from '#core/topology.ts';

/** What a log reader needs from the topology projection: the current layout and its changes. */
export interface TopologyFeed {
  state(): Topology | TopologySpec | null;
  /** Calls `listener` after every change; returns an unsubscribe function. */
  onChange(listener: (topology: Topology | TopologySpec) => void): () => void;
}

export function asTopology(value: Topology | TopologySpec): Topology {
  return 'tables' in value ? value : createTopology(value);
}

/**
 * Reconciles on the current topology (awaited, so the role starts in step) and after every change
 * (failures logged); returns the unsubscribe function. Without a feed the role idles and says so.
 */
export async function followTopology(
  feed: TopologyFeed | undefined,
  reconcile: (topology: Topology) => Promise<void>,
  logger: Logger,
  role: string,
): Promise<() => void> {
  if (feed === undefined) {
    logger.warn(`no topology feed in the role context: the ${role} has nothing to do until one is wired`);
    return () => undefined;
  }
  const unsubscribe = feed.onChange((value) => {
    reconcile(asTopology(value)).catch((err: unknown) => logger.error({ err }, `${role} reconcile failed`));
  });
  const current = feed.state();
  if (current !== null) await reconcile(asTopology(current));
  return unsubscribe;
}
