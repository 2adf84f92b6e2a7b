// Finds and loads each role's composition root for the process shell (`miroir serve`, `miroir
// dev`), and hands the indexer the process's topology feed: the control-topic projection the
// other roles of the process share, so every role of one process sees the same topology.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Logger } from '#adapters/logger.ts';
import { ROLE_MODULE_PATHS, type RoleContext, type RoleModule } from '#adapters/role.ts';
import type { Role } from '#core/config/index.ts';
import type { Topology } from '#core/topology.ts';
import type { TopologyFeed } from '#adapters/read-models/topology-feed.ts';
import { readModelsFor } from '#adapters/read-models/read-models.ts';
import type { TopologyRunner } from '#adapters/read-models/topology-runner.ts';

const repoRoot = new URL('../', import.meta.url);

/** The indexer's view of a topology runner: the placed topology and each change of it. */
export function topologyFeedOf(runner: TopologyRunner): TopologyFeed {
  return {
    state: () => runner.topology(),
    onChange(listener) {
      let last: Topology | null = runner.topology();
      return runner.onChange(() => {
        const next = runner.topology();
        // Placement is derived once per state: the same object means nothing moved.
        if (next !== null && next !== last) {
          last = next;
          listener(next);
        }
      });
    },
  };
}

/** Loads a role's module; undefined (logged) when the role is not built yet. */
export async function loadRoleModule(role: Role, logger: Logger): Promise<RoleModule | undefined> {
  const path = ROLE_MODULE_PATHS[role];
  const url = new URL(path, repoRoot);
  if (!existsSync(fileURLToPath(url))) {
    logger.warn({ role }, `role ${role}: not yet available`);
    return undefined;
  }
  // A module that exists but fails to import is a real error and propagates.
  const mod = (await import(url.href)) as Partial<RoleModule>;
  const start = mod.start;
  if (typeof start !== 'function') {
    logger.warn({ role }, `role ${role}: not yet available (${path} exports no start function)`);
    return undefined;
  }
  // The log readers (indexer, changelog) follow the process's topology projection.
  if (role !== 'indexer' && role !== 'changelog') return { start };
  return {
    async start(ctx: RoleContext) {
      const models = await readModelsFor({
        config: ctx.config,
        logger: ctx.logger,
        lifecycle: ctx.lifecycle,
      });
      return start({ ...ctx, topology: topologyFeedOf(models.topology) } as RoleContext);
    },
  };
}
