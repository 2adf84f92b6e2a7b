// Tenant tokens as Meilisearch verifies them (jsonwebtoken with HS256/384/512 only): a JWT whose
// `apiKeyUid` claim names the API key whose derived value signed it, `searchRules` restricting
// indexes and adding filters, optional `exp`. Verification is a few lines of HMAC over node:crypto
// with a fixed algorithm allowlist (`none` and asymmetric algorithms never verify), constant-time
// signature comparison, and the token's own header never choosing the key.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { isIndexUidPattern, parseUuid, patternMatches } from './key-requests.ts';

/** `searchRules`: a list of index patterns, or patterns mapped to null or `{ filter }`. */
export type SearchRules =
  { kind: 'set'; patterns: string[] } | { kind: 'map'; rules: Map<string, { filter?: unknown } | null> };

export interface TenantClaims {
  apiKeyUid: string;
  searchRules: SearchRules;
  exp: number | null;
}

/** Why a token failed, with the text Meilisearch puts after `Could not decode tenant token, `. */
export class TenantTokenError extends Error {
  constructor(
    readonly kind: 'not-a-token' | 'undecodable' | 'expired',
    message: string,
  ) {
    super(message);
    this.name = 'TenantTokenError';
  }
}

const HASHES = { HS256: 'sha256', HS384: 'sha384', HS512: 'sha512' } as const;
/** jsonwebtoken's `Algorithm` variants, as serde lists them when `alg` is something else. */
const JWT_ALGORITHMS = [
  'HS256',
  'HS384',
  'HS512',
  'ES256',
  'ES384',
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'EdDSA',
];
const B64URL = /^[A-Za-z0-9_-]*$/;

function undecodable(detail: string): TenantTokenError {
  return new TenantTokenError('undecodable', `Could not decode tenant token, ${detail}.`);
}

function decodePart(part: string): Buffer {
  if (!B64URL.test(part) || part.length % 4 === 1) throw undecodable('Base64 error: Invalid input');
  return Buffer.from(part, 'base64url');
}

function jsonPart(part: string): Record<string, unknown> {
  const text = decodePart(part).toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw undecodable(`JSON error: ${(err as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw undecodable('JSON error: invalid type: expected struct');
  return value as Record<string, unknown>;
}

/** serde's 1-based column just past a JSON string value, as its "unknown variant" errors report it. */
function columnAfter(text: string, key: string): number {
  const at = text.indexOf(`"${key}"`);
  if (at < 0) return text.length;
  const valueStart = text.indexOf('"', text.indexOf(':', at) + 1);
  const valueEnd = text.indexOf('"', valueStart + 1);
  return valueEnd + 1;
}

function parseSearchRules(value: unknown): SearchRules | null {
  if (Array.isArray(value)) {
    if (!value.every((p) => typeof p === 'string' && isIndexUidPattern(p))) return null;
    return { kind: 'set', patterns: value as string[] };
  }
  if (typeof value === 'object' && value !== null) {
    const rules = new Map<string, { filter?: unknown } | null>();
    for (const [pattern, rule] of Object.entries(value)) {
      if (!isIndexUidPattern(pattern)) return null;
      if (rule !== null && (typeof rule !== 'object' || Array.isArray(rule))) return null;
      rules.set(pattern, rule === null ? null : (rule as { filter?: unknown }));
    }
    return { kind: 'map', rules };
  }
  return null;
}

/** The `apiKeyUid` of a JWT-shaped token, read before any verification (to find the signing key). */
export function tenantTokenKeyUid(token: string): string {
  return readToken(token).claims.apiKeyUid;
}

interface ReadToken {
  header: Record<string, unknown>;
  claims: TenantClaims;
  signingInput: string;
  signature: string;
}

function readToken(token: string): ReadToken {
  // jsonwebtoken splits from the right: signature, payload, then the rest is the header.
  const lastDot = token.lastIndexOf('.');
  const midDot = lastDot < 0 ? -1 : token.lastIndexOf('.', lastDot - 1);
  if (lastDot < 0 || midDot < 0)
    throw new TenantTokenError('not-a-token', 'The provided API key is invalid.');
  const headerPart = token.slice(0, midDot);
  const header = jsonPart(headerPart);
  const alg = header.alg;
  if (typeof alg !== 'string') throw undecodable('JSON error: missing field `alg`');
  if (!JWT_ALGORITHMS.includes(alg)) {
    const text = decodePart(headerPart).toString('utf8');
    throw undecodable(
      `JSON error: unknown variant \`${alg}\`, expected one of ${JWT_ALGORITHMS.map((a) => `\`${a}\``).join(', ')} at line 1 column ${columnAfter(text, 'alg')}`,
    );
  }
  const payload = jsonPart(token.slice(midDot + 1, lastDot));
  if (payload.searchRules === undefined) throw undecodable('JSON error: missing field `searchRules`');
  if (payload.apiKeyUid === undefined) throw undecodable('JSON error: missing field `apiKeyUid`');
  const searchRules = parseSearchRules(payload.searchRules);
  if (searchRules === null)
    throw undecodable('JSON error: data did not match any variant of untagged enum SearchRules');
  const apiKeyUid = typeof payload.apiKeyUid === 'string' ? parseUuid(payload.apiKeyUid) : null;
  if (apiKeyUid === null) throw undecodable('JSON error: invalid type: expected a UUID for `apiKeyUid`');
  const exp = payload.exp ?? null;
  if (exp !== null && !Number.isInteger(exp))
    throw undecodable('JSON error: invalid type: expected i64 for `exp`');
  return {
    header,
    claims: { apiKeyUid, searchRules, exp: exp as number | null },
    signingInput: token.slice(0, lastDot),
    signature: token.slice(lastDot + 1),
  };
}

/**
 * Verifies a tenant token signed with `signingKey` (the derived value of the key `apiKeyUid`
 * names). Throws TenantTokenError: `not-a-token` when the text is not JWT-shaped (the caller then
 * reads it as an API key), `undecodable` for any decoding or signature failure, `expired` past `exp`.
 */
export function verifyTenantToken(token: string, signingKey: string, nowSeconds: number): TenantClaims {
  const read = readToken(token);
  const alg = read.header.alg as string;
  const hash = HASHES[alg as keyof typeof HASHES];
  if (hash === undefined) throw undecodable('InvalidAlgorithm');
  const expected = createHmac(hash, signingKey).update(read.signingInput).digest();
  const given = B64URL.test(read.signature) ? Buffer.from(read.signature, 'base64url') : Buffer.alloc(0);
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    throw undecodable('InvalidSignature');
  const exp = read.claims.exp;
  if (exp !== null && nowSeconds > exp)
    throw new TenantTokenError(
      'expired',
      `Tenant token expired. Was valid up to \`${exp}\` and we're now \`${nowSeconds}\`.`,
    );
  return read.claims;
}

export function searchRulesAuthorize(rules: SearchRules, indexUid: string): boolean {
  const patterns = rules.kind === 'set' ? rules.patterns : [...rules.rules.keys()];
  return patterns.some((p) => p === '*' || patternMatches(p, indexUid));
}

/** Indexes the rules name, sorted, as Meilisearch lists them in its error. */
export function searchRulesIndexes(rules: SearchRules): string[] {
  return (rules.kind === 'set' ? [...rules.patterns] : [...rules.rules.keys()]).sort();
}

/** The filter a tenant token adds on one index: the most specific matching rule (exact, then longest). */
export function tenantFilterOf(rules: SearchRules, indexUid: string): unknown {
  if (rules.kind === 'set') return undefined;
  let best: { exact: boolean; length: number; rule: { filter?: unknown } | null } | undefined;
  for (const [pattern, rule] of rules.rules) {
    if (!patternMatches(pattern, indexUid)) continue;
    const exact = !pattern.endsWith('*');
    if (
      best === undefined ||
      Number(exact) > Number(best.exact) ||
      (exact === best.exact && pattern.length > best.length)
    )
      best = { exact, length: pattern.length, rule };
  }
  const filter = best?.rule?.filter;
  return filter === null ? undefined : filter;
}

/** Meilisearch's `fuse_filters`: both sides as arrays (an array is an AND of its items), concatenated. */
export function fuseFilters(left: unknown, right: unknown): unknown {
  if (left === undefined || left === null) return right;
  if (right === undefined || right === null) return left;
  const l = Array.isArray(left) ? left : [left];
  const r = Array.isArray(right) ? right : [right];
  return [...l, ...r];
}
