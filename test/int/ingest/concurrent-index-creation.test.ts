// Two ingest processes on one Kafka that both see the first write of the same unknown index: the
// control log's order decides. One index results; an explicit duplicate `POST /indexes` fails with
// `index_already_exists` as a task failure; an implicit creation by a document write succeeds;
// both processes end with the same view, the one the first `IndexCreated` record describes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IndexCreatedEvent } from '#core/events/control-events.ts';
import { initRouting } from '#core/routing/hash.ts';
import { kafkaBrokers, uniqueName } from '#test/helpers/services.ts';
import { readTopic, startCluster, waitFor, type Cluster } from './harness.ts';

let a: Cluster;
let b: Cluster;

beforeAll(async () => {
  await initRouting();
  const prefix = `${uniqueName('race')}.`;
  a = await startCluster({}, { prefix });
  b = await startCluster({}, { prefix });
});
afterAll(async () => {
  await b?.close();
  await a?.close();
});

interface TaskView {
  uid: number;
  status: string;
  type: string;
  indexUid: string;
  error: { message: string; code: string; type: string; link: string } | null;
}

async function finishedTask(cluster: Cluster, taskUid: number): Promise<TaskView> {
  let task: TaskView | undefined;
  await waitFor(`task ${taskUid} to finish`, async () => {
    const res = await cluster.app.inject({ method: 'GET', url: `/tasks/${taskUid}` });
    if (res.statusCode !== 200) return false;
    task = res.json<TaskView>();
    return task.status === 'succeeded' || task.status === 'failed';
  });
  return task as TaskView;
}

/** Every `IndexCreated` record of `uid` in the control topic, in log order. */
async function creations(uid: string): Promise<IndexCreatedEvent[]> {
  const records = await readTopic(kafkaBrokers(), a.models.topics.control, a.admin);
  return records
    .map((r) => r.event)
    .filter((e): e is IndexCreatedEvent => e?.type === 'IndexCreated' && e.indexUid === uid);
}

/** Both processes folded the whole control topic and hold the same record of `uid`. */
async function sameView(uid: string) {
  await a.models.topology.waitCaughtUp();
  await b.models.topology.waitCaughtUp();
  const onA = a.models.topology.state().indexes[uid];
  const onB = b.models.topology.state().indexes[uid];
  expect(onA).toBeDefined();
  expect(onB).toEqual(onA);
  const viewA = await a.app.inject({ method: 'GET', url: `/indexes/${uid}` });
  const viewB = await b.app.inject({ method: 'GET', url: `/indexes/${uid}` });
  expect(viewA.statusCode).toBe(200);
  expect(viewB.json()).toEqual(viewA.json());
  return onA;
}

describe('concurrent creation of one index by two ingest processes', () => {
  it('explicit creates: the first IndexCreated in the log wins, the other task fails with index_already_exists', async () => {
    // Several rounds, so both orders of the race are likely to occur.
    for (let round = 0; round < 4; round += 1) {
      const uid = uniqueName(`explicit${round}`);
      const [resA, resB] = await Promise.all([
        a.app.inject({ method: 'POST', url: '/indexes', payload: { uid, primaryKey: 'id' } }),
        b.app.inject({ method: 'POST', url: '/indexes', payload: { uid, primaryKey: 'sku' } }),
      ]);
      expect(resA.statusCode).toBe(202);
      expect(resB.statusCode).toBe(202);
      const taskA = await finishedTask(a, resA.json<{ taskUid: number }>().taskUid);
      const taskB = await finishedTask(b, resB.json<{ taskUid: number }>().taskUid);
      const tasks = [taskA, taskB];
      expect(tasks.map((t) => t.status).sort()).toEqual(['failed', 'succeeded']);

      const first = (await creations(uid))[0];
      if (first === undefined) throw new Error(`no IndexCreated record for ${uid}`);
      const winner = tasks.find((t) => t.uid === first.taskUid);
      const loser = tasks.find((t) => t.uid !== first.taskUid);
      expect(winner?.status).toBe('succeeded');
      expect(loser?.status).toBe('failed');
      expect(loser?.error).toEqual({
        message: `Index \`${uid}\` already exists.`,
        code: 'index_already_exists',
        type: 'invalid_request',
        link: 'https://docs.meilisearch.com/errors#index_already_exists',
      });
      const index = await sameView(uid);
      expect(index?.primaryKey).toBe(first.primaryKey);
      expect(index?.generation).toBe(0);
      // The task that failed may be read from either process: both answer the same.
      const loserOnOther = await finishedTask(loser === taskA ? b : a, loser?.uid ?? -1);
      expect(loserOnOther.error?.code).toBe('index_already_exists');
    }
  });

  it('implicit creates by document writes both succeed into the one index', async () => {
    const uid = uniqueName('implicit');
    const docsA = Array.from({ length: 30 }, (_, i) => ({ id: `a${i}` }));
    const docsB = Array.from({ length: 20 }, (_, i) => ({ id: `b${i}` }));
    const [resA, resB] = await Promise.all([
      a.app.inject({ method: 'POST', url: `/indexes/${uid}/documents?primaryKey=id`, payload: docsA }),
      b.app.inject({ method: 'POST', url: `/indexes/${uid}/documents?primaryKey=id`, payload: docsB }),
    ]);
    expect(resA.statusCode, resA.body).toBe(202);
    expect(resB.statusCode, resB.body).toBe(202);
    const index = await sameView(uid);
    expect(index?.generation).toBe(0);
    expect(index?.primaryKey).toBe('id');
    // Both writes went to the index's one document topic, none to another generation.
    const generationOne = a.models.topics.docs(uid, 1);
    expect(await a.admin.listTopics()).not.toContain(generationOne);
    const records = await readTopic(kafkaBrokers(), a.models.topics.docs(uid, 0), a.admin);
    const ids = records.flatMap((r) =>
      r.event?.type === 'DocumentsUpserted'
        ? r.event.documents.map((d) => (JSON.parse(d.toString()) as { id: string }).id)
        : [],
    );
    expect(ids.sort()).toEqual([...docsA, ...docsB].map((d) => d.id).sort());
    // A creation record each at most, and only the first one counts.
    expect((await creations(uid)).length).toBeGreaterThanOrEqual(1);
  });

  it('an explicit create racing a document write: the task outcome follows the control log order', async () => {
    for (let round = 0; round < 3; round += 1) {
      const uid = uniqueName(`mixed${round}`);
      const [created, written] = await Promise.all([
        a.app.inject({ method: 'POST', url: '/indexes', payload: { uid, primaryKey: 'id' } }),
        b.app.inject({ method: 'POST', url: `/indexes/${uid}/documents`, payload: [{ id: 1 }] }),
      ]);
      expect(written.statusCode, written.body).toBe(202);
      const task = await finishedTask(a, created.json<{ taskUid: number }>().taskUid);
      const first = (await creations(uid))[0];
      if (first === undefined) throw new Error(`no IndexCreated record for ${uid}`);
      if (first.taskUid === task.uid) expect(task.status).toBe('succeeded');
      else {
        expect(task.status).toBe('failed');
        expect(task.error?.code).toBe('index_already_exists');
      }
      await sameView(uid);
    }
  });

  it('a duplicate explicit create after the index exists fails on either process', async () => {
    const uid = uniqueName('dup');
    const created = await a.app.inject({ method: 'POST', url: '/indexes', payload: { uid } });
    expect((await finishedTask(a, created.json<{ taskUid: number }>().taskUid)).status).toBe('succeeded');
    await b.models.topology.waitCaughtUp();
    const again = await b.app.inject({ method: 'POST', url: '/indexes', payload: { uid } });
    const task = await finishedTask(b, again.json<{ taskUid: number }>().taskUid);
    expect(task.status).toBe('failed');
    expect(task.error?.code).toBe('index_already_exists');
    expect(await creations(uid)).toHaveLength(1);
  });
});
