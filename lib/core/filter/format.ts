// Prints a filter AST back as a filter string that Meilisearch parses to the same AST: used to
// forward a (possibly rewritten) filter to nodes and for parse/format round-trip tests.
import type { FilterExpr } from './ast.ts';
import { isBareWord, isKeyword, rustFloat } from './lexical.ts';

/**
 * A token as the parser reads it. Bare words stay bare (so `_vectors.x EXISTS` keeps its meaning);
 * anything else is double-quoted, with `\` doubled for the value unescaper and `"` escaped.
 */
function token(text: string): string {
  if (isBareWord(text) && !isKeyword(text) && !text.startsWith('_geo') && !text.startsWith('_foreign'))
    return text;
  return `"${text.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}

function num(n: number): string {
  return rustFloat(n);
}

/** Children that would re-associate without parentheses are wrapped. */
function group(expr: FilterExpr): string {
  return expr.type === 'and' || expr.type === 'or' ? `(${formatFilter(expr)})` : formatFilter(expr);
}

function negated(child: FilterExpr): string {
  switch (child.type) {
    case 'in':
      return `${token(child.attribute)} NOT IN [${child.values.map(token).join(', ')}]`;
    case 'exists':
      return `${token(child.attribute)} NOT EXISTS`;
    case 'isNull':
      return `${token(child.attribute)} IS NOT NULL`;
    case 'isEmpty':
      return `${token(child.attribute)} IS NOT EMPTY`;
    case 'contains':
      return `${token(child.attribute)} NOT CONTAINS ${token(child.value)}`;
    case 'startsWith':
      return `${token(child.attribute)} NOT STARTS WITH ${token(child.value)}`;
    default:
      return `NOT ${group(child)}`;
  }
}

export function formatFilter(expr: FilterExpr): string {
  switch (expr.type) {
    case 'and':
    case 'or': {
      if (expr.children.length === 0)
        throw new Error(`formatFilter: an empty ${expr.type} has no filter syntax`);
      if (expr.children.length === 1) return formatFilter(expr.children[0] as FilterExpr);
      const keyword = expr.type === 'and' ? ' AND ' : ' OR ';
      return expr.children.map(group).join(keyword);
    }
    case 'not':
      return negated(expr.child);
    case 'compare':
      return `${token(expr.attribute)} ${expr.op} ${token(expr.value)}`;
    case 'range':
      return `${token(expr.attribute)} ${token(expr.from)} TO ${token(expr.to)}`;
    case 'in':
      return `${token(expr.attribute)} IN [${expr.values.map(token).join(', ')}]`;
    case 'exists':
      return `${token(expr.attribute)} EXISTS`;
    case 'isNull':
      return `${token(expr.attribute)} IS NULL`;
    case 'isEmpty':
      return `${token(expr.attribute)} IS EMPTY`;
    case 'contains':
      return `${token(expr.attribute)} CONTAINS ${token(expr.value)}`;
    case 'startsWith':
      return `${token(expr.attribute)} STARTS WITH ${token(expr.value)}`;
    case 'geoRadius': {
      const args = [
        expr.lat,
        expr.lng,
        expr.radius,
        ...(expr.resolution === undefined ? [] : [expr.resolution]),
      ];
      return `_geoRadius(${args.map(num).join(', ')})`;
    }
    case 'geoBoundingBox':
      return `_geoBoundingBox([${num(expr.topRight[0])}, ${num(expr.topRight[1])}], [${num(expr.bottomLeft[0])}, ${num(expr.bottomLeft[1])}])`;
    case 'geoPolygon':
      return `_geoPolygon(${expr.points.map(([lat, lng]) => `[${num(lat)}, ${num(lng)}]`).join(', ')})`;
  }
}
