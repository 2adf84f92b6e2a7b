// Plans a batch of inbox records (raw JSON documents keyed by primary key, written by any Kafka
// producer; a null value is a delete) into ordered runs of writes plus the records to reject.
// Consecutive records of the same kind share one write (one task), so per-key order is kept.
import { documentIdOf } from '../documents/document-id.ts';
import { inferPrimaryKey } from '../documents/primary-key.ts';
import { errorBody, miroirError } from '../errors.ts';
import type { ErrorBody } from '../errors.ts';
import type { DocumentInput } from '../log/plan-write.ts';
import { assertNoReservedFields } from './reserved-fields.ts';

export interface InboxRecord {
  readonly offset: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
}

export type InboxRun =
  | { readonly kind: 'upsert'; readonly documents: DocumentInput[]; readonly offsets: number[] }
  | { readonly kind: 'deleteIds'; readonly ids: string[]; readonly offsets: number[] };

export interface InboxReject {
  readonly offset: number;
  readonly error: ErrorBody;
}

export interface InboxPlan {
  /** The index's primary key after this batch (inferred from the first document when it had none). */
  readonly primaryKey: string | null;
  /** True when the batch sets the index's primary key. */
  readonly setsPrimaryKey: boolean;
  readonly runs: InboxRun[];
  readonly rejects: InboxReject[];
}

function parseDocument(value: Buffer): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.toString('utf8'));
  } catch (err) {
    throw miroirError(
      'malformed_payload',
      `The \`json\` payload provided is malformed. \`Couldn't serialize document value: ${(err as Error).message}\`.`,
    );
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw miroirError(
      'malformed_payload',
      "The `json` payload provided is malformed. `Couldn't serialize document value: data are neither an object nor a list of objects`.",
    );
  }
  return parsed as Record<string, unknown>;
}

export function planInboxBatch(records: readonly InboxRecord[], indexPrimaryKey: string | null): InboxPlan {
  let primaryKey = indexPrimaryKey;
  let setsPrimaryKey = false;
  const runs: InboxRun[] = [];
  const rejects: InboxReject[] = [];
  const push = (kind: 'upsert' | 'deleteIds', offset: number, item: DocumentInput | string): void => {
    const last = runs.at(-1);
    if (last !== undefined && last.kind === kind) {
      if (last.kind === 'upsert') last.documents.push(item as DocumentInput);
      else last.ids.push(item as string);
      last.offsets.push(offset);
      return;
    }
    runs.push(
      kind === 'upsert'
        ? { kind, documents: [item as DocumentInput], offsets: [offset] }
        : { kind, ids: [item as string], offsets: [offset] },
    );
  };
  for (const record of records) {
    try {
      const key = record.key === null ? null : record.key.toString('utf8');
      if (record.value === null) {
        if (key === null || key === '')
          throw miroirError(
            'missing_document_id',
            'A tombstone (delete) record needs the document id as its key.',
          );
        push('deleteIds', record.offset, key);
        continue;
      }
      const document = parseDocument(record.value);
      assertNoReservedFields(document);
      if (primaryKey === null) {
        primaryKey = inferPrimaryKey(document);
        setsPrimaryKey = true;
      }
      const id = documentIdOf(document, primaryKey);
      if (key !== null && key !== id) {
        throw miroirError(
          'invalid_document_id',
          `The record key \`${key}\` differs from the document's \`${primaryKey}\` value \`${id}\`: the key must be the primary key value.`,
        );
      }
      push('upsert', record.offset, { id, body: record.value });
    } catch (err) {
      rejects.push({ offset: record.offset, error: errorBody(err) });
    }
  }
  return { primaryKey, setsPrimaryKey, runs, rejects };
}
