// Task routes: list with Meilisearch's filters and `from`/`next` paging, get one, cancel
// enqueued tasks and delete finished ones (both are tasks themselves).
import type { FastifyInstance } from 'fastify';
import { miroirError } from '#core/errors.ts';
import { taskView } from '#devnode/tasks/queue.ts';
import { parseTaskQuery } from '#devnode/validate/tasks-query.ts';
import { queryOf } from '#adapters/meili-request.ts';
import type { DevnodeContext } from '#devnode/routes/context.ts';

/** `?` + the raw query string, as Meilisearch echoes it in `details.originalFilter`. */
function originalFilter(url: string): string {
  const at = url.indexOf('?');
  return at < 0 ? '?' : url.slice(at);
}

export function registerTaskRoutes(app: FastifyInstance, ctx: DevnodeContext): void {
  app.get('/tasks', async (req) => {
    const query = parseTaskQuery(queryOf(req), 'list');
    const all = [...ctx.queue.tasks.values()].filter(query.matches);
    all.sort((a, b) => (query.reverse ? a.uid - b.uid : b.uid - a.uid));
    const start =
      query.from === null
        ? all
        : all.filter((t) => (query.reverse ? t.uid >= query.from! : t.uid <= query.from!));
    const page = start.slice(0, query.limit);
    const next = start[query.limit];
    return {
      results: page.map(taskView),
      total: all.length,
      limit: query.limit,
      from: page[0]?.uid ?? null,
      next: next?.uid ?? null,
    };
  });

  app.get('/tasks/:taskUid', async (req) => {
    const raw = (req.params as { taskUid: string }).taskUid;
    if (!/^\d+$/.test(raw))
      throw miroirError(
        'invalid_task_uids',
        `Task uid \`${raw}\` is invalid. It should only contain numeric characters.`,
      );
    const task = ctx.queue.tasks.get(Number(raw));
    if (!task) throw miroirError('task_not_found', `Task \`${raw}\` not found.`);
    return taskView(task);
  });

  app.post('/tasks/cancel', async (req, reply) => {
    const query = parseTaskQuery(queryOf(req), 'cancel');
    const uids = [...ctx.queue.tasks.values()]
      .filter((t) => query.matches(t) && (t.status === 'enqueued' || t.status === 'processing'))
      .map((t) => t.uid);
    const details = {
      matchedTasks: uids.length,
      canceledTasks: null,
      originalFilter: originalFilter(req.url),
    };
    return reply
      .code(202)
      .send(ctx.queue.enqueue('taskCancelation', null, details, { kind: 'cancelTasks', uids }));
  });

  app.delete('/tasks', async (req, reply) => {
    const query = parseTaskQuery(queryOf(req), 'delete');
    const uids = [...ctx.queue.tasks.values()].filter((t) => query.matches(t)).map((t) => t.uid);
    const details = {
      matchedTasks: uids.length,
      deletedTasks: null,
      originalFilter: originalFilter(req.url),
    };
    return reply
      .code(202)
      .send(ctx.queue.enqueue('taskDeletion', null, details, { kind: 'deleteTasks', uids }));
  });
}
