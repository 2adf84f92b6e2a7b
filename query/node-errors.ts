// Errors nodes send, as the client must see them: the node's Meilisearch code and message, with
// the node-side index name (`books--g0`) turned back into the client's uid and Miroir's reserved
// fields (`_miroir_shard`) taken out of attribute lists. Nothing node-internal reaches the client.
import { isNodeApiError } from '#adapters/node-client.ts';
import { isErrorCode, isMiroirError, miroirError, type MiroirError } from '#core/errors.ts';
import { RESERVED_FIELD_PREFIX } from '#core/ingest/reserved-fields.ts';

/**
 * Removes `_miroir_…` names from a node's attribute lists, whether each name is quoted
 * (`` `a`, `_miroir_shard` ``) or the whole list is (`` `_miroir_shard, a` ``, as the distinct error
 * lists filterable patterns).
 */
export function hideReservedFields(message: string): string {
  if (!message.includes(RESERVED_FIELD_PREFIX)) return message;
  return message
    .replace(/`_miroir_[A-Za-z0-9_.]*`, /g, '')
    .replace(/, `_miroir_[A-Za-z0-9_.]*`/g, '')
    .replace(/`_miroir_[A-Za-z0-9_.]*`/g, '')
    .replace(/`_miroir_[A-Za-z0-9_.]*, /g, '`')
    .replace(/, _miroir_[A-Za-z0-9_.]*(?=[,`])/g, '');
}

/** The node's message with the node index name replaced by the client's uid. */
export function clientMessage(
  message: string,
  nodeIndexUid: string | undefined,
  uid: string | undefined,
): string {
  let text = message;
  if (nodeIndexUid !== undefined && uid !== undefined && nodeIndexUid !== uid)
    text = text.split(nodeIndexUid).join(uid);
  return hideReservedFields(text);
}

/** Any failure of a node call as a client-facing MiroirError (node codes kept when Meilisearch has them). */
export function clientError(err: unknown, names: { nodeIndexUid?: string; uid?: string } = {}): MiroirError {
  if (isMiroirError(err)) return err;
  if (isNodeApiError(err)) {
    const message = clientMessage(err.body.message, names.nodeIndexUid, names.uid);
    if (isErrorCode(err.code) && !err.code.startsWith('miroir_'))
      return miroirError(err.code, message, { cause: err });
    return miroirError('remote_remote_error', message, { cause: err });
  }
  return miroirError('internal', err instanceof Error ? err.message : String(err), { cause: err });
}

/** Meilisearch's multi-search prefix for an error of one query. */
export function inQuery(err: MiroirError, position: number): MiroirError {
  return miroirError(err.code, `Inside \`.queries[${position}]\`: ${err.message}`, {
    cause: err,
    retriable: err.retriable,
  });
}
