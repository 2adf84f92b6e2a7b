// Query strings of the GET read routes turned into the JSON bodies the POST routes take, as
// Meilisearch converts them: numbers and booleans parsed with its per-parameter codes, comma lists
// split (a `_geoPoint(lat,lng)` sort kept whole), a filter read as JSON when it is a JSON array.
import { miroirError, type ErrorCode } from '#core/errors.ts';

export type QueryParams = Record<string, string | string[] | undefined>;

const SEARCH_PARAMS = {
  q: 'string',
  vector: 'floats',
  offset: 'usize',
  limit: 'usize',
  page: 'usize',
  hitsPerPage: 'usize',
  attributesToRetrieve: 'list',
  retrieveVectors: 'bool',
  attributesToCrop: 'list',
  cropLength: 'usize',
  attributesToHighlight: 'list',
  filter: 'filter',
  sort: 'sort',
  distinct: 'string',
  showMatchesPosition: 'bool',
  showRankingScore: 'bool',
  showRankingScoreDetails: 'bool',
  showPerformanceDetails: 'bool',
  facets: 'list',
  highlightPreTag: 'string',
  highlightPostTag: 'string',
  cropMarker: 'string',
  matchingStrategy: 'string',
  attributesToSearchOn: 'list',
  hybridEmbedder: 'string',
  hybridSemanticRatio: 'ratio',
  rankingScoreThreshold: 'ratio',
  locales: 'list',
  personalizeUserContext: 'string',
  useNetwork: 'bool',
} as const;

const DOCUMENTS_PARAMS = {
  offset: 'usize',
  limit: 'usize',
  fields: 'list',
  retrieveVectors: 'bool',
  ids: 'list',
  filter: 'string',
  sort: 'sort',
  useNetwork: 'bool',
} as const;

type Kind = 'string' | 'usize' | 'bool' | 'float' | 'ratio' | 'floats' | 'list' | 'filter' | 'sort';

const camelToSnake = (name: string): string => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

function quoteList(names: readonly string[]): string {
  return names.map((name) => `\`${name}\``).join(', ');
}

/** Splits a sort list on commas, keeping `_geoPoint(lat,lng):asc` whole. */
export function splitSortParam(value: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of value) {
    if (ch === '(') depth += 1;
    if (ch === ')') depth = Math.max(0, depth - 1);
    if (ch === ',' && depth === 0) {
      if (current.trim() !== '') out.push(current.trim());
      current = '';
    } else current += ch;
  }
  if (current.trim() !== '') out.push(current.trim());
  return out;
}

function convert(
  params: QueryParams,
  spec: Readonly<Record<string, Kind>>,
  codeOf: (name: string) => ErrorCode,
): Record<string, unknown> {
  const accepted = Object.keys(spec);
  const out: Record<string, unknown> = {};
  for (const [key, raw] of Object.entries(params)) {
    const kind = spec[key];
    if (kind === undefined) {
      throw miroirError(
        'bad_request',
        `Unknown parameter \`${key}\`: expected one of ${quoteList(accepted)}`,
      );
    }
    if (raw === undefined) continue;
    const code = codeOf(key);
    if (Array.isArray(raw)) {
      throw miroirError(
        code,
        `Invalid value type for parameter \`${key}\`: expected a string, but found multiple values`,
      );
    }
    const invalid = (reason: string) => miroirError(code, `Invalid value in parameter \`${key}\`: ${reason}`);
    switch (kind) {
      case 'string':
        out[key] = raw;
        break;
      case 'usize':
        if (!/^\+?\d+$/.test(raw) || !Number.isSafeInteger(Number(raw))) {
          throw invalid(`could not parse \`${raw}\` as a positive integer`);
        }
        out[key] = Number(raw);
        break;
      case 'bool':
        if (raw !== 'true' && raw !== 'false') {
          throw invalid(`could not parse \`${raw}\` as a boolean, expected either \`true\` or \`false\``);
        }
        out[key] = raw === 'true';
        break;
      case 'float': {
        const value = Number(raw);
        if (raw.trim() === '' || !Number.isFinite(value))
          throw invalid(`could not parse \`${raw}\` as a float`);
        out[key] = value;
        break;
      }
      case 'ratio': {
        // A float in [0, 1]; Meilisearch names the body field (`semanticRatio`) whatever went wrong.
        const value = Number(raw);
        if (raw.trim() === '' || !(value >= 0 && value <= 1)) {
          const name = key === 'hybridSemanticRatio' ? 'semanticRatio' : key;
          throw invalid(`the value of \`${name}\` is invalid, expected a float between \`0.0\` and \`1.0\`.`);
        }
        out[key] = value;
        break;
      }
      case 'floats':
        out[key] = raw.split(',').map((item) => {
          const value = Number(item);
          if (item.trim() === '' || !Number.isFinite(value))
            throw invalid(`could not parse \`${item}\` as a float`);
          return value;
        });
        break;
      case 'list':
        out[key] = raw.split(',').filter((item) => item !== '');
        break;
      case 'sort':
        out[key] = splitSortParam(raw);
        break;
      case 'filter': {
        let value: unknown = raw;
        try {
          const parsed: unknown = JSON.parse(raw);
          if (Array.isArray(parsed)) value = parsed;
        } catch {
          // Not JSON: a plain filter string.
        }
        out[key] = value;
        break;
      }
    }
  }
  return out;
}

/** `GET /indexes/{uid}/search` parameters as the equivalent POST body. */
export function searchBodyFromQuery(params: QueryParams): Record<string, unknown> {
  const body = convert(params, SEARCH_PARAMS, (name) => {
    if (name === 'hybridEmbedder') return 'invalid_search_embedder';
    if (name === 'hybridSemanticRatio') return 'invalid_search_semantic_ratio';
    if (name === 'personalizeUserContext') return 'invalid_search_personalize_user_context';
    return `invalid_search_${camelToSnake(name)}` as ErrorCode;
  });
  const { hybridEmbedder, hybridSemanticRatio, personalizeUserContext, ...rest } = body;
  if (hybridEmbedder !== undefined) {
    rest.hybrid = {
      embedder: hybridEmbedder,
      ...(hybridSemanticRatio !== undefined ? { semanticRatio: hybridSemanticRatio } : {}),
    };
  } else if (hybridSemanticRatio !== undefined) {
    throw miroirError(
      'missing_search_hybrid',
      '`hybridEmbedder` is mandatory when `hybridSemanticRatio` is present',
    );
  }
  if (personalizeUserContext !== undefined) rest.personalize = { userContext: personalizeUserContext };
  return rest;
}

/** `GET /indexes/{uid}/documents` parameters as the equivalent `POST .../documents/fetch` body. */
export function documentsBodyFromQuery(params: QueryParams): Record<string, unknown> {
  return convert(params, DOCUMENTS_PARAMS, (name) => `invalid_document_${camelToSnake(name)}` as ErrorCode);
}

/** `GET /indexes/{uid}/documents/{id}` parameters. */
export function documentQuery(params: QueryParams): { fields?: string[]; retrieveVectors?: boolean } {
  const body = convert(
    params,
    { fields: 'list', retrieveVectors: 'bool', useNetwork: 'bool' },
    (name) => `invalid_document_${camelToSnake(name)}` as ErrorCode,
  );
  return body;
}
