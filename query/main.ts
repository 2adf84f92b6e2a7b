// Composition root of the query role: configuration -> node clients (API keys from config, never
// from events) and the process's read models (topology and task projections) -> the query service
// -> the read routes on the shared HTTP app.
import { installRoleAuth } from '#adapters/http-auth.ts';
import { createNodeClient, type NodeClient } from '#adapters/node-client.ts';
import type { RoleContext, RoleHandle } from '#adapters/role.ts';
import type { TopologyState } from '#core/topology-projection.ts';
import { readModelsFor } from '#adapters/read-models/read-models.ts';
import { ReplicaSelector } from './covering.ts';
import { queryMetrics } from './metrics.ts';
import { registerQueryRoutes } from './routes.ts';
import { installSearchLimiter } from './search-limiter.ts';
import { buildQueryService } from './service.ts';
import { viewOfTopologyState, type QueryView } from './view.ts';

/** Node clients by id, rebuilt when the topology moves a node to another URL. */
export function createNodePool(apiKeys: ReadonlyMap<string, string>, timeoutMs: number) {
  const clients = new Map<string, NodeClient>();
  return {
    get(nodeId: string, url: string | undefined): NodeClient | undefined {
      const existing = clients.get(nodeId);
      if (existing !== undefined && (url === undefined || existing.url === url)) return existing;
      if (url === undefined) return undefined;
      if (existing !== undefined) void existing.close();
      const apiKey = apiKeys.get(nodeId);
      const client = createNodeClient({
        nodeId,
        url,
        timeoutMs,
        ...(apiKey !== undefined ? { apiKey } : {}),
      });
      clients.set(nodeId, client);
      return client;
    },
    async close(): Promise<void> {
      await Promise.all([...clients.values()].map((client) => client.close()));
      clients.clear();
    },
  };
}

export async function start(ctx: RoleContext): Promise<RoleHandle> {
  const { config, logger } = ctx;
  const models = await readModelsFor({ config, logger, lifecycle: ctx.lifecycle });
  const apiKeys = new Map<string, string>();
  for (const node of config.nodes) if (node.apiKey !== undefined) apiKeys.set(node.id, node.apiKey);
  // The node client's own deadline stays above the per-shard one, which is enforced by the fan-out.
  const pool = createNodePool(apiKeys, Math.max(config.query.perShardTimeoutMs * 2, 1000));

  let viewOf: TopologyState | undefined;
  let view: QueryView | null = null;
  const currentView = (): QueryView | null => {
    const state = models.topology.state();
    if (state !== viewOf) {
      viewOf = state;
      try {
        view = viewOfTopologyState(state);
      } catch (err) {
        // A state that cannot be placed yet keeps the last good view.
        logger.warn({ err, offset: state.offset }, 'topology cannot be placed; keeping the previous view');
      }
    }
    return view;
  };

  const service = await buildQueryService({
    view: currentView,
    node: (nodeId) => pool.get(nodeId, currentView()?.topology.nodeById.get(nodeId)?.url),
    perShardTimeoutMs: config.query.perShardTimeoutMs,
    hedgeDelayMs: config.query.hedgeDelayMs,
    coalesceSearches: config.query.coalesceSearches,
    unavailableShards: config.query.unavailableShards,
    waitTimeoutMs: config.tasks.waitTimeoutMs,
    tasks: (uid) => models.taskStore.get(uid),
    selector: new ReplicaSelector(),
    logger,
    metrics: queryMetrics(ctx.metrics),
  });
  registerQueryRoutes(ctx.app, service);
  installRoleAuth(ctx.app, config.auth.masterKey, () => models.keys.state());
  installSearchLimiter(ctx.app, config.query.maxConcurrentSearchesPerClient);

  let closing: Promise<void> | undefined;
  return {
    close() {
      closing ??= pool.close();
      return closing;
    },
  };
}
