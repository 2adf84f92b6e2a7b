// The task read model of a process: every record of the `tasks` topic folded into a table of
// task states (uid -> state) with the pure task projection. The table is mutated in place
// (one entry per record), so folding millions of tasks stays linear.
import type { KafkaClient, LogAdmin } from '#adapters/kafka.ts';
import type { Logger } from '#adapters/logger.ts';
import type { EventCodec } from '#core/events/codec.ts';
import { isTaskEvent } from '#core/events/event.ts';
import type { TaskEvent } from '#core/events/task-events.ts';
import { applyTaskRecord, type TaskState } from '#core/tasks/task-projection.ts';
import { createProjectionRunner, type ProjectionRunner } from './runner.ts';

export type TaskRunner = ProjectionRunner<Map<number, TaskState>>;

export interface TaskRunnerOptions {
  readonly kafka: Pick<KafkaClient, 'partitionConsumer'>;
  readonly admin: Pick<LogAdmin, 'fetchEndOffsets'>;
  readonly codec: EventCodec;
  readonly logger: Logger;
  readonly tasksTopic: string;
  readonly topicPrefix: string;
  /** Called with every task state a record changed (e.g. to mirror it into Redis). */
  readonly onTask?: (state: TaskState, offset: number) => void;
}

export function createTaskRunner(opts: TaskRunnerOptions): TaskRunner {
  return createProjectionRunner<Map<number, TaskState>, TaskEvent>({
    name: 'tasks',
    topic: opts.tasksTopic,
    topicPrefix: opts.topicPrefix,
    kafka: opts.kafka,
    admin: opts.admin,
    logger: opts.logger,
    initialState: new Map(),
    decode: (message) => {
      if (message.value === null) return null;
      const event = opts.codec.decode(message.value);
      return isTaskEvent(event) ? event : null;
    },
    evolve: (table, offset, event) => {
      const state = applyTaskRecord(table, { offset, event });
      opts.onTask?.(state, offset);
      return table;
    },
  });
}
