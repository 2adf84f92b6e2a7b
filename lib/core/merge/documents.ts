// Document listing across shards (`GET /indexes/{uid}/documents`, `POST .../documents/fetch`).
// A node lists by internal id (insertion order); across shards Miroir interleaves the shards'
// lists position by position (shard id breaks ties), or orders by the `sort` values first. Both
// are stable, so pages of a listing neither overlap nor skip while the documents stay unchanged.
import { isMiroirError, miroirError } from '#core/errors.ts';
import { cleanHit, fieldsToAdd } from './fields.ts';
import { kwayMerge, type MergeList } from './kway-merge.ts';
import { checkShardAnswers } from './merge-search.ts';
import { readCount } from './pagination.ts';
import {
  compareSortValues,
  documentSortValue,
  parseSort,
  type FieldSort,
  type SortValue,
} from './sort-values.ts';
import type { Hit, ShardAnswer } from './types.ts';

export interface DocumentsRequest {
  offset?: number;
  limit?: number;
  /** Fields to return; GET sends a comma-separated string. */
  fields?: string[] | string | null;
  sort?: string[] | string | null;
  [param: string]: unknown;
}

export interface DocumentsResponseBody {
  results: Hit[];
  offset: number;
  limit: number;
  total: number;
  [field: string]: unknown;
}

const DEFAULT_DOCUMENTS_LIMIT = 20;

function listParam(value: string[] | string | null | undefined): string[] | null {
  if (value === undefined || value === null) return null;
  return typeof value === 'string' ? value.split(',').map((item) => item.trim()) : value;
}

function sortCriteria(request: DocumentsRequest): FieldSort[] {
  let criteria;
  try {
    criteria = parseSort(listParam(request.sort));
  } catch (err) {
    // Same syntax rules as search, under the documents route's own code.
    throw isMiroirError(err) ? miroirError('invalid_document_sort', err.message) : err;
  }
  for (const criterion of criteria) {
    if (criterion.kind === 'geo')
      throw miroirError('invalid_document_sort', 'Geo sort is not supported when listing documents.');
  }
  return criteria as FieldSort[];
}

function window(request: DocumentsRequest): { offset: number; limit: number } {
  return {
    offset: readCount(request.offset, 'offset', 'invalid_document_offset') ?? 0,
    limit: readCount(request.limit, 'limit', 'invalid_document_limit') ?? DEFAULT_DOCUMENTS_LIMIT,
  };
}

/** The listing each shard receives: its first offset+limit documents, with the sort fields. */
export function planShardDocumentsRequest(clientRequest: DocumentsRequest): DocumentsRequest {
  const { offset, limit } = window(clientRequest);
  const criteria = sortCriteria(clientRequest);
  const request: DocumentsRequest = { ...clientRequest, offset: 0, limit: offset + limit };
  const fields = listParam(clientRequest.fields);
  if (fields !== null) {
    const added = fieldsToAdd(
      criteria.map((criterion) => criterion.field),
      fields,
    );
    request.fields =
      typeof clientRequest.fields === 'string' ? [...fields, ...added].join(',') : [...fields, ...added];
  }
  return request;
}

function checkDocumentsBody(body: DocumentsResponseBody): string | null {
  if (!Array.isArray(body.results)) return '`results` is not an array';
  if (typeof body.total !== 'number') return '`total` is not a number';
  return null;
}

interface Listed {
  doc: Hit;
  position: number;
  values: SortValue[];
}

export function mergeDocumentLists(
  clientRequest: DocumentsRequest,
  shardResponses: readonly ShardAnswer<DocumentsResponseBody>[],
): DocumentsResponseBody {
  const { offset, limit } = window(clientRequest);
  const criteria = sortCriteria(clientRequest);
  checkShardAnswers(shardResponses, checkDocumentsBody);
  const lists: MergeList<Listed>[] = shardResponses.map((answer) => ({
    shard: answer.shard,
    items: answer.body.results.map((doc, position) => ({ doc, position, values: [] })),
  }));
  const keyOf = (item: Listed): Listed => {
    if (criteria.length > 0 && item.values.length === 0)
      item.values = criteria.map((criterion) => documentSortValue(item.doc, criterion));
    return item;
  };
  const compare = (a: Listed, b: Listed): number => {
    for (let i = 0; i < criteria.length; i++) {
      const order = compareSortValues(
        (criteria[i] as FieldSort).asc,
        a.values[i] ?? null,
        b.values[i] ?? null,
      );
      if (order !== 0) return order;
    }
    return a.position - b.position;
  };
  const cleanup = {
    showRankingScore: false,
    showRankingScoreDetails: false,
    added: fieldsToAdd(
      criteria.map((c) => c.field),
      listParam(clientRequest.fields),
    ),
  };
  const results: Hit[] = [];
  let index = 0;
  for (const merged of kwayMerge(lists, keyOf, compare)) {
    if (index >= offset + limit) break;
    if (index >= offset) results.push(cleanHit(merged.item.doc, cleanup));
    index += 1;
  }
  const total = shardResponses.reduce((sum, answer) => sum + answer.body.total, 0);
  return { results, offset, limit, total };
}
