// The node executor against scripted nodes: a node that keeps refusing one request (5xx, or a
// task failed for its own reasons) fails that request's task after a bounded number of attempts,
// while a node that cannot be reached is retried until it answers.
import { describe, expect, it } from 'vitest';
import pino from 'pino';
import { NodeApiError, type NodeClient, type NodeTask } from '#adapters/node-client.ts';
import { miroirError } from '#core/errors.ts';
import type { DocumentEvent } from '#core/events/document-events.ts';
import { initialNodeSettings } from '../../../indexers/node-settings.ts';
import { createNodeExecutor } from '../../../indexers/node-executor.ts';
import type { NodeOp } from '../../../indexers/plan-batch.ts';

const retry = { initialMs: 1, maxMs: 2, maxAnsweredAttempts: 3 };
const hooks = { isRunning: () => true };
const logger = pino({ level: 'silent' });

function settingsOp(): NodeOp {
  const event = { type: 'SettingsBarrier', taskUid: 7 } as unknown as DocumentEvent;
  return {
    kind: 'settings',
    settings: { embedders: null },
    settingsVersion: 7,
    records: [{ offset: 0, event }],
  };
}

/** A node whose index is ready and whose settings update behaves as `update` says. */
function node(
  update: () => Promise<{ taskUid: number }>,
  task: NodeTask | null = null,
): { client: NodeClient; calls: () => number } {
  let calls = 0;
  const client = {
    nodeId: 'n1',
    url: 'http://n1.invalid',
    getSettings: async () => initialNodeSettings(),
    updateSettings: () => {
      calls += 1;
      return update();
    },
    waitForTask: async (uid: number) =>
      task ?? { uid, indexUid: 'books', status: 'succeeded', type: 'settingsUpdate' },
  } as unknown as NodeClient;
  return { client, calls: () => calls };
}

describe('node executor', () => {
  it('fails the task with the node error after a bounded number of 5xx answers', async () => {
    const body = { message: 'boom', code: 'internal', type: 'internal', link: '' };
    const { client, calls } = node(() => Promise.reject(new NodeApiError('n1', 500, body)));
    const executor = createNodeExecutor({ client, retry, logger });
    const outcome = await executor.run(settingsOp(), { nodeIndexUid: 'books', primaryKey: 'id' }, hooks);
    expect(calls()).toBe(3);
    expect(outcome.rejected).toHaveLength(1);
    expect(outcome.rejected[0]?.error).toEqual(body);
  });

  it("fails the task after a bounded number of node tasks failed for the node's own reasons", async () => {
    const error = { message: 'disk full', code: 'no_space_left_on_device', type: 'system', link: '' };
    const failed: NodeTask = { uid: 1, indexUid: 'books', status: 'failed', type: 'settingsUpdate', error };
    const { client, calls } = node(() => Promise.resolve({ taskUid: 1 }), failed);
    const executor = createNodeExecutor({ client, retry, logger });
    const outcome = await executor.run(settingsOp(), { nodeIndexUid: 'books', primaryKey: 'id' }, hooks);
    expect(calls()).toBe(3);
    expect(outcome.rejected[0]?.error.code).toBe('no_space_left_on_device');
  });

  it('keeps retrying a node it cannot reach, until it answers', async () => {
    let attempts = 0;
    const { client } = node(() => {
      attempts += 1;
      return attempts < 6
        ? Promise.reject(
            miroirError('remote_could_not_send_request', 'connection refused', { retriable: true }),
          )
        : Promise.resolve({ taskUid: 2 });
    });
    const executor = createNodeExecutor({ client, retry, logger });
    const outcome = await executor.run(settingsOp(), { nodeIndexUid: 'books', primaryKey: 'id' }, hooks);
    expect(attempts).toBe(6);
    expect(outcome.rejected).toEqual([]);
  });
});
