// JSON and NDJSON document payloads with Meilisearch's rules and messages: a JSON body is one object
// or an array of objects; NDJSON is a stream of whitespace-separated objects. Syntax errors are
// reported as serde_json would ("... at line L column C"), as closely as JSON.parse lets us tell.
import { miroirError } from '#core/errors.ts';

export type Document = Record<string, unknown>;

const NOT_OBJECTS = 'data are neither an object nor a list of objects';

/** Meilisearch shortens long parser messages to 50 + "..." + 85 characters. */
function truncate(message: string): string {
  const prefix = 50;
  const suffix = 85;
  if (message.length <= prefix + suffix + 3) return message;
  return `${message.slice(0, prefix)}...${message.slice(message.length - suffix)}`;
}

export function malformed(format: 'json' | 'ndjson', detail: string): never {
  throw miroirError(
    'malformed_payload',
    `The \`${format}\` payload provided is malformed. \`Couldn't serialize document value: ${truncate(detail)}\`.`,
  );
}

/** 1-based line and column (in characters) of a string offset. */
function lineColumn(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - (before.lastIndexOf('\n') + 1) + 1;
  return `line ${line} column ${column}`;
}

/** What serde_json was inside when the text ended: the innermost unclosed container. */
function openContainer(text: string): string {
  const stack: string[] = [];
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{' || c === '[') stack.push(c);
    else if (c === '}' || c === ']') stack.pop();
  }
  if (inString) return 'a string';
  const top = stack.at(-1);
  return top === '{' ? 'an object' : top === '[' ? 'a list' : 'a value';
}

/** Maps V8's JSON.parse error onto serde_json's wording and position style. */
function syntaxDetail(text: string, base: number, end: number, error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const at = /position (\d+)/.exec(message);
  const offset = at ? base + Number(at[1]) : end;
  if (offset >= end || /Unexpected end of JSON input|Unterminated string/.test(message)) {
    return `EOF while parsing ${openContainer(text.slice(base, end))} at ${lineColumn(text, Math.max(end - 1, 0))}`;
  }
  if (/non-whitespace character after JSON/.test(message))
    return `trailing characters at ${lineColumn(text, offset)}`;
  if (/Bad control character/.test(message))
    return `control character (\\u0000-\\u001F) found while parsing a string at ${lineColumn(text, offset)}`;
  return `expected value at ${lineColumn(text, offset)}`;
}

function isDocument(v: unknown): v is Document {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function parseJsonDocuments(body: string): Document[] {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (e) {
    malformed('json', syntaxDetail(body, 0, body.length, e));
  }
  if (isDocument(value)) return [value];
  if (Array.isArray(value) && value.every(isDocument)) return value;
  return malformed('json', NOT_OBJECTS);
}

/** Splits a stream of concatenated JSON values (serde's StreamDeserializer) into their texts. */
function splitValues(body: string): { text: string; start: number }[] {
  const out: { text: string; start: number }[] = [];
  let i = 0;
  const n = body.length;
  const isSpace = (c: string | undefined): boolean => c === ' ' || c === '\n' || c === '\r' || c === '\t';
  while (i < n) {
    while (i < n && isSpace(body[i])) i++;
    if (i >= n) break;
    const start = i;
    const open = body[i];
    if (open === '{' || open === '[') {
      let depth = 0;
      let inString = false;
      for (; i < n; i++) {
        const c = body[i];
        if (inString) {
          if (c === '\\') i++;
          else if (c === '"') inString = false;
        } else if (c === '"') inString = true;
        else if (c === '{' || c === '[') depth++;
        else if (c === '}' || c === ']') {
          depth--;
          if (depth === 0) {
            i++;
            break;
          }
        }
      }
    } else if (open === '"') {
      for (i++; i < n; i++) {
        if (body[i] === '\\') i++;
        else if (body[i] === '"') {
          i++;
          break;
        }
      }
    } else {
      while (i < n && !isSpace(body[i]) && body[i] !== '{' && body[i] !== '[' && body[i] !== '"') i++;
    }
    out.push({ text: body.slice(start, i), start });
  }
  return out;
}

export function parseNdjsonDocuments(body: string): Document[] {
  const docs: Document[] = [];
  for (const { text, start } of splitValues(body)) {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      malformed('ndjson', syntaxDetail(body, start, start + text.length, e));
    }
    if (!isDocument(value)) malformed('ndjson', NOT_OBJECTS);
    docs.push(value);
  }
  return docs;
}
