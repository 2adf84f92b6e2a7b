// Filter syntax errors rendered exactly as Meilisearch's filter-parser prints them: one diagnostic
// line, then `start:end input` where the columns count Unicode scalar values from the line start.
// Kept apart from the grammar so parse.ts reads as the grammar alone.

export type ErrorKind =
  | { kind: 'ReservedGeo'; name: string }
  | { kind: 'GeoRadius' }
  | { kind: 'GeoRadiusArgumentCount'; count: number }
  | { kind: 'GeoBoundingBox' }
  | { kind: 'GeoPolygon' }
  | { kind: 'GeoPolygonNotEnoughPoints'; count: number }
  | { kind: 'GeoCoordinatesNotPair'; count: number }
  | { kind: 'MisusedGeoRadius' }
  | { kind: 'MisusedGeoBoundingBox' }
  | { kind: 'InvalidPrimary' }
  | { kind: 'InvalidEscapedNumber' }
  | { kind: 'ExpectedEof' }
  | { kind: 'ExpectedValue'; reserved: boolean }
  | { kind: 'MalformedValue' }
  | { kind: 'InOpeningBracket' }
  | { kind: 'InClosingBracket' }
  | { kind: 'NonFiniteFloat' }
  | { kind: 'InExpectedValue'; reserved: boolean }
  | { kind: 'ReservedKeyword'; word: string }
  | { kind: 'MissingClosingDelimiter'; char: string }
  | { kind: 'Char'; char: string }
  | { kind: 'Internal' }
  | { kind: 'DepthLimitReached' }
  | { kind: 'Incomplete' }
  | { kind: 'External'; message: string };

/** A parse error: what went wrong and the slice of the input it points at. */
export interface FilterSyntaxError {
  error: ErrorKind;
  start: number;
  end: number;
}

const OPERATIONS =
  '`=`, `!=`, `>=`, `>`, `<=`, `<`, `IN`, `NOT IN`, `TO`, `EXISTS`, `NOT EXISTS`, `IS NULL`, `IS NOT NULL`, ' +
  '`IS EMPTY`, `IS NOT EMPTY`, `CONTAINS`, `NOT CONTAINS`, `STARTS WITH`, `NOT STARTS WITH`, `_geoRadius`, ' +
  '`_geoBoundingBox` or `_geoPolygon`';

const GEO_HINT =
  'Use the `_geoRadius(latitude, longitude, distance)` or `_geoBoundingBox([latitude, longitude], [latitude, longitude])` built-in rules to filter on `_geo` coordinates.';

/** Rust's `str::escape_debug`, which Meilisearch applies to the quoted part of its messages. */
export function escapeDebug(text: string): string {
  let out = '';
  for (const ch of text) {
    const cp = ch.codePointAt(0) ?? 0;
    if (ch === '\\') out += '\\\\';
    else if (ch === "'") out += "\\'";
    else if (ch === '"') out += '\\"';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\0') out += '\\0';
    else if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) out += `\\u{${cp.toString(16)}}`;
    else out += ch;
  }
  return out;
}

function describe(error: ErrorKind, fragment: string): string {
  const escaped = escapeDebug(fragment);
  switch (error.kind) {
    case 'ExpectedValue':
      if (fragment.trim() === '') return 'Was expecting a value but instead got nothing.';
      return error.reserved
        ? `Was expecting a value but instead got \`${escaped}\`, which is a reserved keyword. To use \`${escaped}\` as a field name or a value, surround it by quotes.`
        : `Was expecting a value but instead got \`${escaped}\`.`;
    case 'MalformedValue':
      return `Malformed value: \`${escaped}\`.`;
    case 'MissingClosingDelimiter':
      return `Expression \`${escaped}\` is missing the following closing delimiter: \`${error.char}\`.`;
    case 'InvalidPrimary': {
      const tail = fragment.trim() === '' ? 'but instead got nothing.' : `at \`${escaped}\`.`;
      return `Was expecting an operation ${OPERATIONS} ${tail}`;
    }
    case 'InvalidEscapedNumber':
      return `Found an invalid escaped sequence number: \`${escaped}\`.`;
    case 'ExpectedEof':
      return `Found unexpected characters at the end of the filter: \`${escaped}\`. You probably forgot an \`OR\` or an \`AND\` rule.`;
    case 'GeoRadius':
      return 'The `_geoRadius` filter must be in the form: `_geoRadius(latitude, longitude, radius, optionalResolution)`.';
    case 'GeoRadiusArgumentCount':
      return `Was expecting 3 or 4 arguments for \`_geoRadius\`, but instead found ${error.count}.`;
    case 'GeoBoundingBox':
      return 'The `_geoBoundingBox` filter expects two pairs of arguments: `_geoBoundingBox([latitude, longitude], [latitude, longitude])`.';
    case 'GeoPolygon':
      return "The `_geoPolygon` filter doesn't match the expected format: `_geoPolygon([latitude, longitude], [latitude, longitude])`.";
    case 'GeoPolygonNotEnoughPoints':
      return `The \`_geoPolygon\` filter expects at least 3 points but only ${error.count} were specified`;
    case 'GeoCoordinatesNotPair':
      return `Was expecting 2 coordinates but instead found ${error.count}.`;
    case 'ReservedGeo':
      return `\`${escapeDebug(error.name)}\` is a reserved keyword and thus can't be used as a filter expression. ${GEO_HINT}`;
    case 'MisusedGeoRadius':
      return "The `_geoRadius` filter is an operation and can't be used as a value.";
    case 'MisusedGeoBoundingBox':
      return "The `_geoBoundingBox` filter is an operation and can't be used as a value.";
    case 'ReservedKeyword':
      return `\`${error.word}\` is a reserved keyword and thus cannot be used as a field name unless it is put inside quotes. Use "${error.word}" or '${error.word}' instead.`;
    case 'InOpeningBracket':
      return 'Expected `[` after `IN` keyword.';
    case 'InClosingBracket':
      return 'Expected matching `]` after the list of field names given to `IN[`';
    case 'NonFiniteFloat':
      return 'Non finite floats are not supported';
    case 'InExpectedValue':
      return error.reserved
        ? `Expected only comma-separated field names inside \`IN[..]\` but instead found \`${escaped}\`, which is a keyword. To use \`${escaped}\` as a field name or a value, surround it by quotes.`
        : `Expected only comma-separated field names inside \`IN[..]\` but instead found \`${escaped}\`.`;
    case 'DepthLimitReached':
      return 'The filter exceeded the maximum depth limit. Try rewriting the filter so that it contains fewer nested conditions.';
    case 'Incomplete':
      return 'The filter is incomplete and requires Unknown additional bytes to be parsed.';
    case 'External':
      return error.message;
    case 'Char':
    case 'Internal':
      // Meilisearch never shows these: they are always remapped before reaching the user.
      return 'Encountered an internal error while parsing your filter. Please fill an issue';
  }
}

/** Column of `offset` as nom_locate's `get_utf8_column`: 1 + scalar values since the last newline. */
function utf8Column(input: string, offset: number): number {
  const lineStart = input.lastIndexOf('\n', offset - 1) + 1;
  return [...input.slice(lineStart, offset)].length + 1;
}

export function renderSyntaxError(input: string, err: FilterSyntaxError): string {
  const fragment = input.slice(err.start, err.end);
  const column = utf8Column(input, err.start);
  const size = [...fragment].length;
  return `${describe(err.error, fragment)}\n${column}:${column + size} ${input}`;
}
