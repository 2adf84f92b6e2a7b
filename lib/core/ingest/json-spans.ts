// Finds the exact text of each document in a JSON or NDJSON payload that already parsed, so the
// log carries the client's bytes untouched (number spellings, key order, big integers) instead
// of a re-serialization. Only structure is scanned: strings are skipped, nesting is counted.
// The results are views into the request body (no copy); strings are skipped with a native
// search for the closing quote. A body that is not valid UTF-8 is scanned as the UTF-8 encoding
// of its parsed text (see `ingest/routes/write-routes.ts`).

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;

function isSpaceByte(c: number | undefined): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/** Index just past the closing quote of the string whose opening quote is at `open`. */
function stringEndBytes(bytes: Uint8Array, open: number): number {
  let at = open;
  for (;;) {
    at = bytes.indexOf(QUOTE, at + 1);
    if (at < 0) return bytes.length;
    // The quote closes the string unless an odd number of backslashes escapes it.
    let slashes = 0;
    while (bytes[at - 1 - slashes] === BACKSLASH) slashes += 1;
    if (slashes % 2 === 0) return at + 1;
  }
}

/** Index just past the JSON value starting at `start` (which is not whitespace). */
function valueEndBytes(bytes: Uint8Array, start: number): number {
  const first = bytes[start];
  if (first === QUOTE) return stringEndBytes(bytes, start);
  if (first === OPEN_BRACE || first === OPEN_BRACKET) {
    let depth = 0;
    for (let i = start; i < bytes.length; i += 1) {
      const c = bytes[i];
      if (c === QUOTE) i = stringEndBytes(bytes, i) - 1;
      else if (c === OPEN_BRACE || c === OPEN_BRACKET) depth += 1;
      else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
        depth -= 1;
        if (depth === 0) return i + 1;
      }
    }
    return bytes.length;
  }
  // A scalar: runs until a delimiter.
  let i = start;
  while (i < bytes.length) {
    const c = bytes[i];
    if (isSpaceByte(c) || c === COMMA || c === CLOSE_BRACKET || c === CLOSE_BRACE) break;
    i += 1;
  }
  return i;
}

function skipSpaceBytes(bytes: Uint8Array, i: number): number {
  let j = i;
  while (j < bytes.length && isSpaceByte(bytes[j])) j += 1;
  return j;
}

/** Bytes of the documents of a JSON payload (the object itself, or each array element), as views into `bytes`. */
export function jsonDocumentBodies(bytes: Buffer): Buffer[] {
  const start = skipSpaceBytes(bytes, 0);
  if (bytes[start] !== OPEN_BRACKET) return [bytes.subarray(start, valueEndBytes(bytes, start))];
  const out: Buffer[] = [];
  let i = skipSpaceBytes(bytes, start + 1);
  while (i < bytes.length && bytes[i] !== CLOSE_BRACKET) {
    const end = valueEndBytes(bytes, i);
    out.push(bytes.subarray(i, end));
    i = skipSpaceBytes(bytes, end);
    if (bytes[i] === COMMA) i = skipSpaceBytes(bytes, i + 1);
  }
  return out;
}

/** Bytes of the documents of an NDJSON payload (whitespace-separated JSON values), as views into `bytes`. */
export function ndjsonDocumentBodies(bytes: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let i = skipSpaceBytes(bytes, 0);
  while (i < bytes.length) {
    const end = valueEndBytes(bytes, i);
    out.push(bytes.subarray(i, end));
    i = skipSpaceBytes(bytes, end);
  }
  return out;
}
