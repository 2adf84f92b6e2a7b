// CSV document payloads as Meilisearch reads them: the header row names the fields, optionally
// typed `name:number`, `name:boolean` or `name:string` (split on the last colon); empty cells are
// null; every record must have as many fields as the header.
import { parse } from 'csv-parse/sync';
import { miroirError } from '#core/errors.ts';
import type { Document } from './json-payload.ts';

type FieldType = 'string' | 'number' | 'boolean';

function malformedCsv(detail: string): never {
  throw miroirError('malformed_payload', `The \`csv\` payload provided is malformed: \`${detail}\`.`);
}

export function parseCsvHeader(header: string): { name: string; type: FieldType } {
  const colon = header.lastIndexOf(':');
  if (colon >= 0) {
    const type = header.slice(colon + 1);
    if (type === 'string' || type === 'number' || type === 'boolean')
      return { name: header.slice(0, colon), type };
  }
  return { name: header, type: 'string' };
}

/** Rust's f64 grammar, including `inf`/`NaN`, which JSON cannot hold and so become null. */
const RUST_F64 = /^[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|inf|infinity|nan)$/i;
const RUST_I64 = /^[+-]?\d+$/;

/** Rust's `{:?}` of a string, which the number and boolean errors quote the cell with. */
function debugString(text: string): string {
  return JSON.stringify(text);
}

function convert(cell: string, type: FieldType, line: number): unknown {
  const trimmed = cell.trim();
  if (type === 'string') return cell === '' ? null : cell;
  if (trimmed === '') return null;
  if (type === 'boolean') {
    if (trimmed === 'true') return true;
    if (trimmed === 'false') return false;
    return malformedCsv(
      `Error parsing boolean ${debugString(cell)} at line ${line}: provided string was not \`true\` or \`false\``,
    );
  }
  if (RUST_I64.test(trimmed)) {
    const big = BigInt(trimmed);
    if (big >= -(2n ** 63n) && big < 2n ** 63n) return Number(big);
  }
  if (!RUST_F64.test(trimmed))
    return malformedCsv(`Error parsing number ${debugString(cell)} at line ${line}: invalid float literal`);
  const n = Number(/^[+-]?inf/i.test(trimmed) ? `${trimmed.startsWith('-') ? '-' : ''}Infinity` : trimmed);
  return Number.isFinite(n) ? n : null;
}

/** UTF-8 byte offset of the start of 1-based `line`, for the csv crate's error position. */
function byteOfLine(body: string, line: number): number {
  let index = 0;
  for (let l = 1; l < line; l++) {
    const next = body.indexOf('\n', index);
    if (next < 0) break;
    index = next + 1;
  }
  return new TextEncoder().encode(body.slice(0, index)).length;
}

interface CsvParseError {
  code?: string;
  lines?: number;
  records?: number;
  record?: unknown[];
}

export function parseCsvDocuments(body: string, delimiter = ','): Document[] {
  let rows: string[][];
  try {
    const parsed: unknown = parse(body, { delimiter, bom: true, skip_empty_lines: true, relax_quotes: true });
    rows = parsed as string[][];
  } catch (e) {
    const err = e as CsvParseError;
    if (err.code === 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH') {
      const line = err.lines ?? 0;
      const header = body.split('\n', 1)[0] ?? '';
      const expected = parse(header, { delimiter, bom: true, relax_quotes: true })[0]?.length ?? 0;
      return malformedCsv(
        `CSV error: record ${err.records ?? 0} (line: ${line}, byte: ${byteOfLine(body, line)}): found record with ${err.record?.length ?? 0} fields, but the previous record has ${expected} fields`,
      );
    }
    return malformedCsv(`CSV error: ${e instanceof Error ? e.message : String(e)}`);
  }
  const [header, ...records] = rows;
  if (!header) return [];
  const fields = header.map(parseCsvHeader);
  return records.map((record, index) => {
    const doc: Document = {};
    fields.forEach((field, i) => {
      doc[field.name] = convert(record[i] ?? '', field.type, index + 1);
    });
    return doc;
  });
}
