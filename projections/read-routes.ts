// Read routes answered from this process's read models: `GET /indexes`, `GET /indexes/{uid}`,
// `GET /indexes/{uid}/settings` (+ sub-routes), `GET /tasks`, `GET /tasks/{uid}`, `GET /batches`,
// `GET /batches/{uid}` and `GET /_miroir/topology`. Settings show what the client asked for, over Meilisearch's defaults.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { LogAdmin } from '#adapters/kafka.ts';
import { miroirError } from '#core/errors.ts';
import { getTask, parseTasksQuery, queryTasks, type RawQuery } from '#core/tasks/task-query.ts';
import { getBatch, queryBatches } from '#core/tasks/batch-view.ts';
import { formatTaskDate } from '#core/tasks/task-view.ts';
import type { TopicNames } from '#core/log/topics.ts';
import type { IndexRecord } from '#core/topology-projection.ts';
import { defaultSettings } from '#core/meili/settings.ts';
import { sendJson } from '#adapters/json-reply.ts';
import { pathIndexUid, queryOf } from '#adapters/meili-request.ts';
import { requestAllowsIndex, requestSeesAllIndexes } from '#adapters/http-auth.ts';
import type { TaskTable } from '#core/tasks/task-projection.ts';
import { QueryFields } from '#core/meili/deserr.ts';
import { mergeSettings, SETTINGS_ROUTES, settingsView } from '#core/meili/settings-validate.ts';
import type { TaskStore } from '#adapters/read-models/task-store.ts';
import { topologyView } from './topology-view.ts';
import type { TopologyRunner } from '#adapters/read-models/topology-runner.ts';
import type { TaskRunner } from '#adapters/read-models/task-runner.ts';

export const SETTINGS_VERSION_HEADER = 'x-miroir-settings-version';

/**
 * How long `GET /tasks/{uid}` waits for this process's task projection to fold a uid it does not
 * know yet: a client that got its 202 from another process (or a moment ago) asks right away.
 */
export const TASK_LOOKUP_WAIT_MS = 2_000;

export interface ReadRoutesDeps {
  readonly topology: TopologyRunner;
  readonly taskStore: TaskStore;
  /** This process's task projection (its table, and the offset it folded up to). */
  readonly tasks: Pick<TaskRunner, 'state' | 'waitForOffset'>;
  readonly admin: Pick<LogAdmin, 'fetchLag' | 'fetchEndOffsets'>;
  readonly topics: TopicNames;
}

export function indexView(index: IndexRecord): Record<string, unknown> {
  return {
    uid: index.uid,
    createdAt: formatTaskDate(index.createdAt),
    updatedAt: formatTaskDate(index.updatedAt),
    primaryKey: index.primaryKey,
  };
}

/** The client's settings as Meilisearch shows them: every key, defaults where the client set nothing. */
export function clientSettingsView(index: IndexRecord): Record<string, unknown> {
  const stored = index.settings;
  const view: Record<string, unknown> = settingsView(mergeSettings(defaultSettings(), stored));
  // Settings devnode does not model are shown as the client stored them.
  if (stored.embedders !== undefined) view.embedders = stored.embedders;
  if (stored.localizedAttributes !== undefined) view.localizedAttributes = stored.localizedAttributes;
  return view;
}

/**
 * The tasks a request's key may see, as Meilisearch's `get_task_ids_from_authorized_indexes`: a key
 * limited to some indexes sees only tasks of one of them (index-less tasks such as swaps are hidden).
 */
function visibleTasks(req: FastifyRequest, table: TaskTable): TaskTable {
  if (requestSeesAllIndexes(req)) return table;
  return new Map(
    [...table].filter(([, state]) => {
      const uid = state.enqueued?.indexUid;
      return uid !== undefined && uid !== null && requestAllowsIndex(req, uid);
    }),
  );
}

export function registerReadRoutes(app: FastifyInstance, deps: ReadRoutesDeps): void {
  const requireIndex = (uid: string): IndexRecord => {
    const index = deps.topology.state().indexes[uid];
    if (index === undefined) throw miroirError('index_not_found', `Index \`${uid}\` not found.`);
    return index;
  };

  app.get('/indexes', async (req) => {
    const q = new QueryFields(queryOf(req), ['offset', 'limit']);
    const offset = q.usize('offset', 'invalid_index_offset') ?? 0;
    const limit = q.usize('limit', 'invalid_index_limit') ?? 20;
    // A key scoped to some indexes lists only those, as Meilisearch's index list does.
    const all = Object.values(deps.topology.state().indexes)
      .filter((index) => requestAllowsIndex(req, index.uid))
      .sort((a, b) => (a.uid < b.uid ? -1 : a.uid > b.uid ? 1 : 0));
    return { results: all.slice(offset, offset + limit).map(indexView), offset, limit, total: all.length };
  });

  app.get('/indexes/:indexUid', async (req) => indexView(requireIndex(pathIndexUid(req))));

  app.get('/indexes/:indexUid/settings', async (req, reply) => {
    const index = requireIndex(pathIndexUid(req));
    reply.header(SETTINGS_VERSION_HEADER, String(index.settingsVersion));
    return clientSettingsView(index);
  });
  for (const route of SETTINGS_ROUTES) {
    app.get(`/indexes/:indexUid/settings/${route.path}`, async (req, reply) => {
      const index = requireIndex(pathIndexUid(req));
      reply.header(SETTINGS_VERSION_HEADER, String(index.settingsVersion));
      return sendJson(reply, clientSettingsView(index)[route.key]);
    });
  }

  app.get('/tasks', async (req) =>
    queryTasks(visibleTasks(req, await deps.taskStore.table()), parseTasksQuery(req.query as RawQuery)),
  );
  app.get('/tasks/:taskUid', async (req) => {
    const { taskUid } = req.params as { taskUid: string };
    // One lookup instead of the whole table; getTask still owns the uid validation and 404.
    let state = /^\d{1,10}$/.test(taskUid) ? await deps.taskStore.get(Number(taskUid)) : undefined;
    if (state === undefined && /^\d{1,10}$/.test(taskUid)) {
      // The uid is the offset of its TaskEnqueued: a uid below the log's end exists, and once the
      // projection folded that offset it is known here; a uid past the end is a 404 at once.
      const uid = Number(taskUid);
      const end = (await deps.admin.fetchEndOffsets(deps.topics.tasks)).get(0) ?? 0;
      const folded =
        uid < end &&
        (await deps.tasks.waitForOffset(uid, TASK_LOOKUP_WAIT_MS).then(
          () => true,
          () => false,
        ));
      if (folded) state = (await deps.taskStore.get(uid)) ?? deps.tasks.state().get(uid);
    }
    return getTask(visibleTasks(req, new Map(state === undefined ? [] : [[state.uid, state]])), taskUid);
  });

  // Meilisearch serves it only with its `getTaskDocumentsRoute` experimental feature, which Miroir does not offer.
  app.get('/tasks/:taskUid/documents', async () => {
    throw miroirError(
      'feature_not_enabled',
      'Getting the documents of an enqueued task requires enabling the `get task documents route` experimental feature. See https://github.com/orgs/meilisearch/discussions/808',
    );
  });
  app.get('/batches', async (req) =>
    queryBatches(visibleTasks(req, await deps.taskStore.table()), parseTasksQuery(req.query as RawQuery)),
  );
  app.get('/batches/:batchUid', async (req) => {
    const { batchUid } = req.params as { batchUid: string };
    return getBatch(await deps.taskStore.table(), batchUid);
  });

  app.get('/_miroir/topology', async () =>
    topologyView(deps.topology.state(), deps.topology.topology(), deps.admin, deps.topics),
  );
}
