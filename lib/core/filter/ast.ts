// The parsed form of a Meilisearch filter (string or array syntax). Shared by devnode (evaluation)
// and Miroir's query planner (primary-key pinning). Values keep their source text: Meilisearch
// compares numerically when both sides parse as numbers and as strings otherwise.

export type CompareOp = '=' | '!=' | '>' | '>=' | '<' | '<=';

export type FilterExpr =
  | { type: 'and'; children: FilterExpr[] }
  | { type: 'or'; children: FilterExpr[] }
  | { type: 'not'; child: FilterExpr }
  | { type: 'compare'; attribute: string; op: CompareOp; value: string }
  | { type: 'range'; attribute: string; from: string; to: string }
  | { type: 'in'; attribute: string; values: string[] }
  | { type: 'exists'; attribute: string }
  | { type: 'isNull'; attribute: string }
  | { type: 'isEmpty'; attribute: string }
  | { type: 'contains'; attribute: string; value: string }
  | { type: 'startsWith'; attribute: string; value: string }
  | { type: 'geoRadius'; lat: number; lng: number; radius: number; resolution?: number }
  | { type: 'geoBoundingBox'; topRight: [number, number]; bottomLeft: [number, number] }
  | { type: 'geoPolygon'; points: [number, number][] };

/** A filter as clients send it: a string, or an array of strings/arrays (outer AND, inner OR). */
export type FilterInput = string | (string | string[])[];
