// Seeded search requests over the npm index, for the differential test: the same seed gives the
// same requests, and every search parameter the fixtures' index can take appears in a good share
// of them. Query words come from the documents themselves, so most queries match something.
import type { ConformanceRequest } from './compare.ts';
import { NPM_INDEX, type Doc } from './fixtures.ts';

/** mulberry32: small, fast and good enough to spread requests over the parameter space. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Vocabulary {
  words: string[];
  /** Two words that follow each other in a summary, for phrase queries. */
  pairs: Array<[string, string]>;
  scopes: string[];
}

function vocabularyOf(docs: readonly Doc[], random: () => number): Vocabulary {
  const words = new Set<string>();
  const pairs: Array<[string, string]> = [];
  const scopes = new Set<string>();
  // A sample of the corpus is enough and keeps the word list representative of common words.
  for (let i = 0; i < docs.length; i += 7) {
    const doc = docs[i] as Doc;
    const summary = typeof doc.summary === 'string' ? doc.summary.toLowerCase() : '';
    const tokens = summary.split(/[^a-z0-9]+/).filter((w) => w.length >= 2 && w.length <= 14);
    tokens.forEach((w) => words.add(w));
    if (tokens.length >= 2 && random() < 0.2) {
      const at = Math.floor(random() * (tokens.length - 1));
      pairs.push([tokens[at] as string, tokens[at + 1] as string]);
    }
    if (typeof doc.scope === 'string') scopes.add(doc.scope);
  }
  return { words: [...words].sort(), pairs, scopes: [...scopes].sort() };
}

/** Generates `count` search requests (POST /indexes/npm/search) from `seed`. */
export function generateSearches(docs: readonly Doc[], count: number, seed: number): ConformanceRequest[] {
  const random = seededRandom(seed);
  const vocab = vocabularyOf(docs, random);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const chance = (p: number): boolean => random() < p;
  const int = (min: number, max: number): number => min + Math.floor(random() * (max - min + 1));

  const typo = (word: string): string => {
    if (word.length < 5) return word;
    const at = int(1, word.length - 2);
    const kind = int(0, 2);
    if (kind === 0) return word.slice(0, at) + word.slice(at + 1); // deletion
    if (kind === 1) return word.slice(0, at) + pick([...'aeiourstln']) + word.slice(at + 1); // substitution
    return word.slice(0, at) + (word[at + 1] ?? '') + (word[at] ?? '') + word.slice(at + 2); // transposition
  };
  const query = (): string => {
    const shape = int(0, 9);
    if (shape === 0) return '';
    if (shape === 1) return pick(vocab.words).slice(0, int(2, 4)); // prefix
    if (shape === 2) return typo(pick(vocab.words));
    if (shape === 3) {
      const [a, b] = pick(vocab.pairs);
      return `"${a} ${b}"`;
    }
    if (shape === 4) return `${pick(vocab.words)} -${pick(vocab.words)}`;
    const words = Array.from({ length: int(1, 3) }, () =>
      chance(0.15) ? typo(pick(vocab.words)) : pick(vocab.words),
    );
    if (chance(0.3)) words[words.length - 1] = (words[words.length - 1] as string).slice(0, 3); // trailing prefix
    return words.join(' ');
  };
  const condition = (): string => {
    switch (int(0, 7)) {
      case 0:
        return `major = ${int(0, 5)}`;
      case 1:
        return `downloads > ${pick([100, 1000, 10_000, 100_000])}`;
      case 2:
        return `downloads ${int(1000, 5000)} TO ${int(10_000, 2_000_000)}`;
      case 3:
        return 'scope EXISTS';
      case 4:
        return 'scope IS NULL';
      case 5:
        return `scope = ${JSON.stringify(pick(vocab.scopes))}`;
      case 6:
        return `major IN [${int(0, 2)}, ${int(3, 6)}]`;
      default:
        return `NOT major = ${int(0, 2)}`;
    }
  };
  // The array form: outer items AND-ed, inner arrays OR-ed.
  const filter = (): string | Array<string | string[]> => {
    const shape = int(0, 3);
    if (shape === 0) return condition();
    if (shape === 1) return `${condition()} AND ${condition()}`;
    if (shape === 2) return `(${condition()} OR ${condition()}) AND NOT major = ${int(6, 9)}`;
    return [condition(), [condition(), condition()]];
  };

  const requests: ConformanceRequest[] = [];
  for (let n = 0; n < count; n += 1) {
    const body: Record<string, unknown> = { q: query() };
    // Scores decide what counts as a tie, so most requests show them.
    if (chance(0.85)) body.showRankingScore = true;
    if (chance(0.4)) body.showRankingScoreDetails = true;
    if (chance(0.35)) body.filter = filter();
    if (chance(0.25)) body.sort = [pick(['downloads:desc', 'downloads:asc', 'name:asc', 'name:desc'])];
    // `*` is rare: Meilisearch refuses it unless every attribute is filterable, which is one case.
    if (chance(0.3))
      body.facets = pick([
        ['major'],
        ['scope'],
        ['downloads'],
        ['major', 'scope'],
        ['major', 'scope'],
        ['major', 'downloads'],
        ['scope', 'major'],
        ['*'],
      ]);
    if (chance(0.25)) {
      body.page = int(1, 4);
      body.hitsPerPage = pick([5, 10, 20]);
    } else {
      body.limit = pick([5, 10, 20, 50]);
      body.offset = pick([0, 0, 0, 5, 20, 45]);
    }
    if (chance(0.15)) body.matchingStrategy = pick(['last', 'all', 'frequency']);
    if (chance(0.15)) {
      body.attributesToHighlight = pick([['name'], ['summary'], ['name', 'summary'], ['*']]);
      if (chance(0.6)) {
        body.attributesToCrop = pick([['summary'], ['summary:4'], ['*']]);
        body.cropLength = int(3, 10);
      }
      if (chance(0.5)) body.showMatchesPosition = true;
    }
    if (chance(0.1)) body.distinct = pick(['scope', 'major']);
    if (chance(0.1))
      body.attributesToSearchOn = pick([['name'], ['summary'], ['scope'], ['name', 'summary']]);
    if (chance(0.08)) body.rankingScoreThreshold = pick([0.2, 0.5, 0.8, 0.95]);
    requests.push({ method: 'POST', path: `/indexes/${NPM_INDEX.uid}/search`, body });
  }
  return requests;
}
