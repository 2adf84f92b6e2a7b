// Composition root of the projections role: builds (or joins) the process's read models and
// serves the routes answered from them (index list and settings, tasks, topology, API keys).
import type { RoleContext, RoleHandle } from '#adapters/role.ts';
import { installRoleAuth } from '#adapters/http-auth.ts';
import { readModelsFor } from '#adapters/read-models/read-models.ts';
import { registerExperimentalFeatureRoutes } from './experimental-features.ts';
import { registerKeyRoutes } from './key-routes.ts';
import { registerReadRoutes } from './read-routes.ts';

export async function start(ctx: RoleContext): Promise<RoleHandle> {
  const models = await readModelsFor({ config: ctx.config, logger: ctx.logger, lifecycle: ctx.lifecycle });
  registerReadRoutes(ctx.app, {
    topology: models.topology,
    taskStore: models.taskStore,
    tasks: models.tasks,
    admin: models.admin,
    topics: models.topics,
  });
  registerExperimentalFeatureRoutes(ctx.app);
  registerKeyRoutes(ctx.app, { keys: models.keys, masterKey: ctx.config.auth.masterKey ?? null });
  installRoleAuth(ctx.app, ctx.config.auth.masterKey, () => models.keys.state());
  // The runners are shared with other roles of the process and stopped by the lifecycle.
  return { close: async () => {} };
}
