// What every devnode route needs: the live indexes, the task queue and the store.
import type { DevnodeState } from '#devnode/state.ts';
import type { DevnodeStore } from '#devnode/store.ts';
import type { TaskQueue } from '#devnode/tasks/queue.ts';

export interface DevnodeContext {
  state: DevnodeState;
  queue: TaskQueue;
  store: DevnodeStore;
  masterKey: string | null;
}
