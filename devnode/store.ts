// devnode's durable state in one SQLite file (WAL): indexes with their settings, documents in
// internal-id order, tasks and the payloads of tasks not yet run. Every method is synchronous;
// callers group writes with `transaction` so a task's effects and its final status commit together.
import Database from 'better-sqlite3';
import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { IndexSettings } from '#core/meili/settings.ts';
import type { Document } from '#devnode/engine/types.ts';
import type { TaskPayload, TaskRecord } from '#devnode/tasks/types.ts';

export interface IndexRow {
  uid: string;
  primaryKey: string | null;
  settings: IndexSettings;
  createdAt: string;
  updatedAt: string;
}

interface TaskRow {
  uid: number;
  batch_uid: number | null;
  index_uid: string | null;
  status: string;
  type: string;
  canceled_by: number | null;
  details: string;
  error: string | null;
  duration: string | null;
  enqueued_at: string;
  started_at: string | null;
  finished_at: string | null;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS indexes (
  uid TEXT PRIMARY KEY, primary_key TEXT, settings TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS documents (
  internal_id INTEGER PRIMARY KEY AUTOINCREMENT, index_uid TEXT NOT NULL, doc_id TEXT NOT NULL, body TEXT NOT NULL,
  UNIQUE (index_uid, doc_id)
);
CREATE TABLE IF NOT EXISTS tasks (
  uid INTEGER PRIMARY KEY, batch_uid INTEGER, index_uid TEXT, status TEXT NOT NULL, type TEXT NOT NULL,
  canceled_by INTEGER, details TEXT NOT NULL, error TEXT, duration TEXT,
  enqueued_at TEXT NOT NULL, started_at TEXT, finished_at TEXT
);
CREATE TABLE IF NOT EXISTS task_payloads (task_uid INTEGER PRIMARY KEY, payload TEXT NOT NULL);
`;

// A name no valid index uid can take, used to park documents while two indexes swap.
const SWAP_PARKING = '\u0000swap';

export class DevnodeStore {
  readonly path: string;
  private readonly db: Database.Database;
  private readonly stmts;

  constructor(dataDir: string) {
    mkdirSync(dataDir, { recursive: true });
    this.path = join(dataDir, 'devnode.sqlite');
    this.db = new Database(this.path);
    // WAL + NORMAL: a commit survives a killed process (the WAL is in the OS cache); only a power
    // loss can drop the last commits, which a development node accepts for the write speed.
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(SCHEMA);
    const db = this.db;
    this.stmts = {
      indexes: db.prepare(
        'SELECT uid, primary_key, settings, created_at, updated_at FROM indexes ORDER BY uid',
      ),
      putIndex: db.prepare(
        `INSERT INTO indexes (uid, primary_key, settings, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT(uid) DO UPDATE SET primary_key = excluded.primary_key, settings = excluded.settings, updated_at = excluded.updated_at`,
      ),
      deleteIndex: db.prepare('DELETE FROM indexes WHERE uid = ?'),
      renameIndex: db.prepare('UPDATE indexes SET uid = ? WHERE uid = ?'),
      documents: db.prepare('SELECT body FROM documents WHERE index_uid = ? ORDER BY internal_id'),
      upsertDocument: db.prepare(
        'INSERT INTO documents (index_uid, doc_id, body) VALUES (?, ?, ?) ON CONFLICT(index_uid, doc_id) DO UPDATE SET body = excluded.body',
      ),
      deleteDocument: db.prepare('DELETE FROM documents WHERE index_uid = ? AND doc_id = ?'),
      clearDocuments: db.prepare('DELETE FROM documents WHERE index_uid = ?'),
      renameDocuments: db.prepare('UPDATE documents SET index_uid = ? WHERE index_uid = ?'),
      documentBytes: db.prepare(
        'SELECT COALESCE(SUM(LENGTH(body)), 0) AS bytes, COUNT(*) AS count FROM documents WHERE index_uid = ?',
      ),
      tasks: db.prepare('SELECT * FROM tasks ORDER BY uid'),
      insertTask: db.prepare(
        `INSERT INTO tasks (uid, batch_uid, index_uid, status, type, canceled_by, details, error, duration, enqueued_at, started_at, finished_at)
         VALUES (@uid, @batch_uid, @index_uid, @status, @type, @canceled_by, @details, @error, @duration, @enqueued_at, @started_at, @finished_at)`,
      ),
      updateTask: db.prepare(
        `UPDATE tasks SET batch_uid = @batch_uid, index_uid = @index_uid, status = @status, canceled_by = @canceled_by, details = @details,
         error = @error, duration = @duration, started_at = @started_at, finished_at = @finished_at WHERE uid = @uid`,
      ),
      deleteTask: db.prepare('DELETE FROM tasks WHERE uid = ?'),
      insertPayload: db.prepare('INSERT INTO task_payloads (task_uid, payload) VALUES (?, ?)'),
      payload: db.prepare('SELECT payload FROM task_payloads WHERE task_uid = ?'),
      deletePayload: db.prepare('DELETE FROM task_payloads WHERE task_uid = ?'),
      renameTaskIndex: db.prepare('UPDATE tasks SET index_uid = ? WHERE index_uid = ?'),
    };
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  loadIndexes(): IndexRow[] {
    return (
      this.stmts.indexes.all() as {
        uid: string;
        primary_key: string | null;
        settings: string;
        created_at: string;
        updated_at: string;
      }[]
    ).map((r) => ({
      uid: r.uid,
      primaryKey: r.primary_key,
      settings: JSON.parse(r.settings) as IndexSettings,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
    }));
  }

  putIndex(row: IndexRow): void {
    this.stmts.putIndex.run(
      row.uid,
      row.primaryKey,
      JSON.stringify(row.settings),
      row.createdAt,
      row.updatedAt,
    );
  }

  deleteIndex(uid: string): void {
    this.stmts.clearDocuments.run(uid);
    this.stmts.deleteIndex.run(uid);
  }

  /** Renames `from` to `to` (documents and task history follow); `to` must not exist. */
  renameIndex(from: string, to: string): void {
    this.stmts.renameIndex.run(to, from);
    this.stmts.renameDocuments.run(to, from);
    this.stmts.renameTaskIndex.run(to, from);
  }

  swapIndexes(a: string, b: string): void {
    for (const stmt of [this.stmts.renameIndex, this.stmts.renameDocuments, this.stmts.renameTaskIndex]) {
      stmt.run(SWAP_PARKING, a);
      stmt.run(a, b);
      stmt.run(b, SWAP_PARKING);
    }
  }

  *documents(uid: string): IterableIterator<Document> {
    for (const row of this.stmts.documents.iterate(uid) as IterableIterator<{ body: string }>)
      yield JSON.parse(row.body) as Document;
  }

  upsertDocuments(uid: string, docs: Iterable<{ id: string; body: Document }>): void {
    for (const d of docs) this.stmts.upsertDocument.run(uid, d.id, JSON.stringify(d.body));
  }

  deleteDocuments(uid: string, ids: Iterable<string>): void {
    for (const id of ids) this.stmts.deleteDocument.run(uid, id);
  }

  clearDocuments(uid: string): void {
    this.stmts.clearDocuments.run(uid);
  }

  documentBytes(uid: string): { bytes: number; count: number } {
    return this.stmts.documentBytes.get(uid) as { bytes: number; count: number };
  }

  loadTasks(): TaskRecord[] {
    return (this.stmts.tasks.all() as TaskRow[]).map((r) => ({
      uid: r.uid,
      batchUid: r.batch_uid,
      indexUid: r.index_uid,
      status: r.status as TaskRecord['status'],
      type: r.type as TaskRecord['type'],
      canceledBy: r.canceled_by,
      details: JSON.parse(r.details) as Record<string, unknown>,
      error: r.error === null ? null : (JSON.parse(r.error) as TaskRecord['error']),
      duration: r.duration,
      enqueuedAt: r.enqueued_at,
      startedAt: r.started_at,
      finishedAt: r.finished_at,
    }));
  }

  private taskParams(t: TaskRecord): Record<string, unknown> {
    return {
      uid: t.uid,
      batch_uid: t.batchUid,
      index_uid: t.indexUid,
      status: t.status,
      type: t.type,
      canceled_by: t.canceledBy,
      details: JSON.stringify(t.details),
      error: t.error === null ? null : JSON.stringify(t.error),
      duration: t.duration,
      enqueued_at: t.enqueuedAt,
      started_at: t.startedAt,
      finished_at: t.finishedAt,
    };
  }

  /** Persists a new task with its payload in one commit: it then survives a crash and runs on restart. */
  insertTask(task: TaskRecord, payload: TaskPayload): void {
    this.transaction(() => {
      this.stmts.insertTask.run(this.taskParams(task));
      this.stmts.insertPayload.run(task.uid, JSON.stringify(payload));
    });
  }

  /** Updates a task; a finished task's payload is dropped (it is never needed again). */
  updateTask(task: TaskRecord): void {
    this.stmts.updateTask.run(this.taskParams(task));
    if (task.status !== 'enqueued' && task.status !== 'processing') this.stmts.deletePayload.run(task.uid);
  }

  deleteTask(uid: number): void {
    this.stmts.deleteTask.run(uid);
    this.stmts.deletePayload.run(uid);
  }

  loadPayload(taskUid: number): TaskPayload | undefined {
    const row = this.stmts.payload.get(taskUid) as { payload: string } | undefined;
    return row ? (JSON.parse(row.payload) as TaskPayload) : undefined;
  }

  /** Bytes on disk: the database file plus its WAL. */
  fileSize(): number {
    let total = 0;
    for (const suffix of ['', '-wal']) {
      try {
        total += statSync(this.path + suffix).size;
      } catch {
        // the WAL file may not exist yet
      }
    }
    return total;
  }

  close(): void {
    this.db.close();
  }
}
