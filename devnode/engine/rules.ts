// Resolves the index's rankingRules into the rules one search applies, as milli does: legacy
// `attribute` = attributeRank + wordPosition reported as one rule, duplicates skipped, `words`
// forced in before the first relevancy rule (never with matchingStrategy `all`), and only sort
// rules kept for placeholder searches.

export type RuleKind =
  | 'words'
  | 'typo'
  | 'proximity'
  | 'attributeRank'
  | 'wordPosition'
  | 'attribute'
  | 'exactness'
  | 'sort'
  | 'fieldSort';

export interface ResolvedRule {
  kind: RuleKind;
  /** For fieldSort (`price:asc` in rankingRules). */
  field?: string;
  ascending?: boolean;
}

const RELEVANCY = new Set(['typo', 'proximity', 'attribute', 'attributeRank', 'wordPosition', 'exactness']);

export function parseFieldRule(rule: string): { field: string; ascending: boolean } | null {
  const m = /^(.+):(asc|desc)$/.exec(rule);
  return m ? { field: m[1] as string, ascending: m[2] === 'asc' } : null;
}

export function resolveRules(
  rankingRules: readonly string[],
  strategy: 'last' | 'all' | 'frequency',
  placeholder: boolean,
): ResolvedRule[] {
  const out: ResolvedRule[] = [];
  const seen = new Set<string>();
  let wordsPresent = rankingRules.includes('words');
  for (const rule of rankingRules) {
    const field = parseFieldRule(rule);
    if (field) {
      out.push({ kind: 'fieldSort', field: field.field, ascending: field.ascending });
      continue;
    }
    if (placeholder && rule !== 'sort') continue;
    if (rule === 'words' && strategy === 'all') continue;
    if (!wordsPresent && strategy !== 'all' && !placeholder && RELEVANCY.has(rule)) {
      out.push({ kind: 'words' });
      seen.add('words');
      wordsPresent = true;
    }
    if (rule === 'attribute') {
      if (seen.has('attributeRank') || seen.has('wordPosition') || seen.has('attribute')) continue;
      seen.add('attributeRank');
      seen.add('wordPosition');
    } else if (rule === 'attributeRank' || rule === 'wordPosition') {
      if (seen.has('attribute') || seen.has(rule)) continue;
    } else if (seen.has(rule)) continue;
    seen.add(rule);
    out.push({ kind: rule as RuleKind });
  }
  return out;
}
