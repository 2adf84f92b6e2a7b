// What a start says about authentication, as Meilisearch prints it at launch: running open
// without a master key (every start but `miroir dev`), or a master key too short for production.
import type { Config } from '#core/config/index.ts';
import { MASTER_KEY_MIN_BYTES } from '#core/config/schema.ts';

export const OPEN_WARNING = `No master key was found. The server will accept unidentified requests. A master key of at least ${MASTER_KEY_MIN_BYTES} bytes will be required when switching to a production environment.`;
export const SHORT_KEY_WARNING = `Miroir started with a master key considered unsafe for use in a production environment. A master key of at least ${MASTER_KEY_MIN_BYTES} bytes will be required when switching to a production environment.`;

/** Warnings for this start; `development` (`miroir dev`) does not warn about running open. */
export function authStartupWarnings(auth: Config['auth'], development: boolean): string[] {
  if (auth.masterKey === undefined) return development ? [] : [OPEN_WARNING];
  return new TextEncoder().encode(auth.masterKey).length < MASTER_KEY_MIN_BYTES ? [SHORT_KEY_WARNING] : [];
}
