// Finds the exact text of each document in a JSON or NDJSON payload that already parsed, so the
// log carries the client's bytes untouched (number spellings, key order, big integers) instead
// of a re-serialization. Only structure is scanned: strings are skipped, nesting is counted.

/** Index just past the JSON value starting at `start` (which is not whitespace). */
function valueEnd(text: string, start: number): number {
  let i = start;
  const first = text[i];
  if (first === '"') {
    for (i += 1; i < text.length; i += 1) {
      if (text[i] === '\\') i += 1;
      else if (text[i] === '"') return i + 1;
    }
    return text.length;
  }
  if (first === '{' || first === '[') {
    let depth = 0;
    let inString = false;
    for (; i < text.length; i += 1) {
      const c = text[i];
      if (inString) {
        if (c === '\\') i += 1;
        else if (c === '"') inString = false;
      } else if (c === '"') inString = true;
      else if (c === '{' || c === '[') depth += 1;
      else if (c === '}' || c === ']') {
        depth -= 1;
        if (depth === 0) return i + 1;
      }
    }
    return text.length;
  }
  // A scalar: runs until a delimiter.
  while (i < text.length && !/[\s,\]}]/.test(text[i] as string)) i += 1;
  return i;
}

function skipSpace(text: string, i: number): number {
  let j = i;
  while (j < text.length && (text[j] === ' ' || text[j] === '\n' || text[j] === '\r' || text[j] === '\t'))
    j += 1;
  return j;
}

/** Texts of the documents of a JSON payload: the object itself, or each element of the array. */
export function jsonDocumentTexts(text: string): string[] {
  const start = skipSpace(text, 0);
  if (text[start] !== '[') return [text.slice(start, valueEnd(text, start))];
  const out: string[] = [];
  let i = skipSpace(text, start + 1);
  while (i < text.length && text[i] !== ']') {
    const end = valueEnd(text, i);
    out.push(text.slice(i, end));
    i = skipSpace(text, end);
    if (text[i] === ',') i = skipSpace(text, i + 1);
  }
  return out;
}

/** Texts of the documents of an NDJSON payload (whitespace-separated JSON values). */
export function ndjsonDocumentTexts(text: string): string[] {
  const out: string[] = [];
  let i = skipSpace(text, 0);
  while (i < text.length) {
    const end = valueEnd(text, i);
    out.push(text.slice(i, end));
    i = skipSpace(text, end);
  }
  return out;
}
