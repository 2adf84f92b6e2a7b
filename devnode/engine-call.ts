// Runs an engine call and turns its EngineError (which carries a Meilisearch code) into the
// registry's MiroirError, so routes and tasks answer with Meilisearch's status and type.
import { isErrorCode, miroirError } from '#core/errors.ts';
import { EngineError } from '#devnode/engine/types.ts';

export function engineCall<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof EngineError)
      throw miroirError(isErrorCode(err.code) ? err.code : 'internal', err.message);
    throw err;
  }
}
