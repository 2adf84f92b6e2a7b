// Where `GET /tasks` reads task states: the process's own task runner (memory), or Redis, which
// every process folding the tasks topic mirrors into so that any process answers the same. The
// mirror writes a task only when its record offset is newer than the stored one, so processes
// folding at different speeds never move a task backwards.
import type { RedisConnection } from '#adapters/redis.ts';
import type { TaskState, TaskTable } from '#core/tasks/task-projection.ts';
import type { TaskRunner } from './task-runner.ts';

export interface TaskStore {
  readonly kind: 'memory' | 'redis';
  table(): Promise<TaskTable>;
  get(uid: number): Promise<TaskState | undefined>;
}

export function createMemoryTaskStore(runner: TaskRunner): TaskStore {
  return {
    kind: 'memory',
    table: () => Promise.resolve(runner.state()),
    get: (uid) => Promise.resolve(runner.state().get(uid)),
  };
}

// KEYS[1] states hash, KEYS[2] offsets hash; ARGV uid, offset, state JSON.
const WRITE_IF_NEWER = `
local stored = redis.call('HGET', KEYS[2], ARGV[1])
if stored and tonumber(stored) >= tonumber(ARGV[2]) then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
return 1`;

export interface RedisTaskStore extends TaskStore {
  /** Queues a task state folded at `offset`; written by the next flush. */
  mirror(state: TaskState, offset: number): void;
  /** Writes every queued state; calls are serialized. */
  flush(): Promise<void>;
}

export function createRedisTaskStore(redis: RedisConnection, namespace: string): RedisTaskStore {
  const statesKey = `${namespace}tasks:state`;
  const offsetsKey = `${namespace}tasks:offset`;
  let pending = new Map<number, { state: TaskState; offset: number }>();
  let chain: Promise<void> = Promise.resolve();

  const writePending = async (): Promise<void> => {
    if (pending.size === 0) return;
    const batch = pending;
    pending = new Map();
    const pipeline = redis.client.pipeline();
    for (const [uid, { state, offset }] of batch)
      pipeline.eval(
        WRITE_IF_NEWER,
        2,
        statesKey,
        offsetsKey,
        String(uid),
        String(offset),
        JSON.stringify(state),
      );
    const results = await pipeline.exec();
    const failed = results?.find(([err]) => err !== null);
    if (failed) throw failed[0] as Error;
  };

  return {
    kind: 'redis',
    mirror(state, offset) {
      pending.set(state.uid, { state, offset });
    },
    flush() {
      const run = chain.then(writePending);
      chain = run.catch(() => undefined);
      return run;
    },
    async table() {
      const all = await redis.client.hgetall(statesKey);
      const table = new Map<number, TaskState>();
      for (const [uid, json] of Object.entries(all)) table.set(Number(uid), JSON.parse(json) as TaskState);
      return table;
    },
    async get(uid) {
      const json = await redis.client.hget(statesKey, String(uid));
      return json === null ? undefined : (JSON.parse(json) as TaskState);
    },
  };
}
