// Tasks of an index that are not final yet. Meilisearch runs an index's tasks in order, so an
// index deletion comes after every task enqueued before it; Miroir's deletion waits for those
// (they are being applied) and fails whatever is still open when it gives up, so no task is left
// `enqueued` or `processing` after its index is gone.
import { isTerminal, type TaskState } from './task-projection.ts';

/** Uids of the non-final tasks of `indexUid` enqueued before `beforeUid`, ascending. */
export function openTasksBefore(
  table: ReadonlyMap<number, TaskState>,
  indexUid: string,
  beforeUid: number,
): number[] {
  const open: number[] = [];
  for (const [uid, state] of table) {
    if (uid >= beforeUid || isTerminal(state)) continue;
    if (state.enqueued?.indexUid === indexUid) open.push(uid);
  }
  return open.sort((a, b) => a - b);
}
