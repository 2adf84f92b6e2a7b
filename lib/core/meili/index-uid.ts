// Meilisearch's index uid rule: 1 to 400 bytes of ASCII alphanumerics, `-` and `_` (the
// message says 512 bytes, as Meilisearch's does).
import { miroirError, type MiroirError } from '#core/errors.ts';

const UID_PATTERN = /^[A-Za-z0-9_-]+$/;

export function indexUidMessage(uid: string): string {
  return `\`${uid}\` is not a valid index uid. Index uid can be an integer or a string containing only alphanumeric characters, hyphens (-) and underscores (_), and can not be more than 512 bytes.`;
}

export function isValidIndexUid(uid: string): boolean {
  return uid.length > 0 && uid.length <= 400 && UID_PATTERN.test(uid);
}

export function indexUidError(uid: string): MiroirError {
  return miroirError('invalid_index_uid', indexUidMessage(uid));
}

export function validateIndexUid(uid: string): string {
  if (!isValidIndexUid(uid)) throw indexUidError(uid);
  return uid;
}
