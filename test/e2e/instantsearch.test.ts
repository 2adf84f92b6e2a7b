// InstantSearch (instantsearch.js + @meilisearch/instant-meilisearch) in a real Chromium, on a page
// served from another origin than Miroir's: every search crosses origins, so the browser sends
// real CORS preflights and checks Miroir's answers. Typed queries, refinement lists that filter,
// and the pagination widget must show what a direct API call answers.
// Needs Debian's `chromium` (/usr/bin/chromium): without it the test is skipped, except in CI.
// MIROIR_BROWSER_SCREENSHOT=<file.png> saves the page as the first test leaves it.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { startTestCluster, waitAll, type TestCluster } from '#test/helpers/cluster.ts';
import { npmPackages } from '#test/helpers/npm-packages.ts';
import { uniqueName } from '#test/helpers/services.ts';
import { bundlePage, startPageServer, type PageServer } from '#test/fixtures/browser/page-server.ts';

const CHROMIUM = '/usr/bin/chromium';
// Without the background-networking flags Chromium keeps dialling Google's hosts on a closed network.
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const DOCS = 300;
const HITS_PER_PAGE = 4;
const QUERY = 'protocol';
const SETTLE_MS = 20_000;

const chromiumMissing = !existsSync(CHROMIUM);
if (chromiumMissing) {
  const reason = `${CHROMIUM} not found (Debian: apt-get install chromium)`;
  // CI installs Chromium (.ci/run): there a missing browser is a failure, not a skip.
  if (process.env.CI) throw new Error(`InstantSearch browser test: ${reason}`);
  console.warn(`[instantsearch] skipped: ${reason}`);
}

interface PageState {
  nbHits: number | null;
  ids: string[];
  scopes: string[];
  scopeCounts: Record<string, number>;
  majorCounts: Record<string, number>;
  currentPage: string | null;
}

/** One request to Miroir as Chromium's network stack saw it (preflights included). */
interface SeenRequest {
  requestId: string;
  preflight: boolean;
  method: string;
  url: string;
  requestHeaders: Record<string, string>;
  status?: number;
  responseHeaders?: Record<string, string>;
}

let cluster: TestCluster;
let pageServer: PageServer;
let context: BrowserContext;
let page: Page;
let userDataDir: string;
const indexUid = uniqueName('instantsearch');
const seen = new Map<string, SeenRequest>();
const extraRequestHeaders = new Map<string, Record<string, string>>();
const pageProblems: string[] = [];

/** Everything the test reads from the DOM, in one snapshot. */
async function readPage(): Promise<PageState> {
  const nbHits = await page.locator('#stats [data-nb-hits]').getAttribute('data-nb-hits', { timeout: 1_000 });
  const hitEls = await page.locator('#hits .hit').all();
  const facetCounts = async (container: string): Promise<Record<string, number>> => {
    const out: Record<string, number> = {};
    for (const item of await page.locator(`${container} .ais-RefinementList-item`).all()) {
      const value = await item.locator('.ais-RefinementList-labelText').textContent();
      const count = await item.locator('.ais-RefinementList-count').textContent();
      out[value ?? ''] = Number(count?.replaceAll(/\D/g, ''));
    }
    return out;
  };
  const currentPage = (await page.locator('#pagination .ais-Pagination-item--selected').count())
    ? await page.locator('#pagination .ais-Pagination-item--selected').textContent()
    : null;
  return {
    nbHits: nbHits === null ? null : Number(nbHits),
    ids: await Promise.all(hitEls.map(async (el) => (await el.getAttribute('data-id')) ?? '')),
    scopes: await Promise.all(hitEls.map(async (el) => (await el.getAttribute('data-scope')) ?? '')),
    scopeCounts: await facetCounts('#scope'),
    majorCounts: await facetCounts('#major'),
    currentPage: currentPage?.trim() ?? null,
  };
}

/** What the page must show, from the same search sent straight to Miroir's API. */
async function expectedState(filter: string | undefined, page0: number): Promise<Omit<PageState, 'scopes'>> {
  const index = cluster.sdk.index(indexUid);
  const shown = await index.search(QUERY, {
    ...(filter ? { filter } : {}),
    facets: ['major'],
    limit: HITS_PER_PAGE,
    offset: page0 * HITS_PER_PAGE,
  });
  // A refinement list is disjunctive: its counts come from the search without its own filter.
  const scopeFacets = await index.search(QUERY, { facets: ['scope'], limit: 0 });
  return {
    nbHits: shown.estimatedTotalHits ?? null,
    ids: shown.hits.map((hit) => String(hit.id)),
    scopeCounts: scopeFacets.facetDistribution?.scope ?? {},
    majorCounts: shown.facetDistribution?.major ?? {},
    currentPage: String(page0 + 1),
  };
}

function lowerCaseKeys(headers: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), String(v)]));
}

async function expectPageToShow(expected: Omit<PageState, 'scopes'>): Promise<PageState> {
  await expect
    .poll(
      async () => {
        const { scopes: _scopes, ...state } = await readPage().catch(() => ({ scopes: [], nbHits: null }));
        return state;
      },
      { timeout: SETTLE_MS, interval: 100 },
    )
    .toEqual(expected);
  return readPage();
}

describe.skipIf(chromiumMissing)('InstantSearch in Chromium, from another origin', () => {
  beforeAll(async () => {
    const [started, bundle] = await Promise.all([
      startTestCluster({ nodes: 3, shards: 4, rf: 1 }),
      bundlePage(),
    ]);
    cluster = started;
    const index = cluster.sdk.index(indexUid);
    await waitAll(cluster.sdk, [
      (await cluster.sdk.createIndex(indexUid, { primaryKey: 'id' })).taskUid,
      (await index.updateFilterableAttributes(['scope', 'major'])).taskUid,
      (await index.addDocuments(npmPackages(DOCS), { primaryKey: 'id' })).taskUid,
    ]);
    pageServer = await startPageServer({ host: cluster.url, indexUid, hitsPerPage: HITS_PER_PAGE }, bundle);
    expect(new URL(pageServer.url).origin).not.toBe(new URL(cluster.url).origin);

    userDataDir = mkdtempSync(join(tmpdir(), 'miroir-chromium-'));
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1000, height: 700 },
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (err) => pageProblems.push(`page error: ${err.message}`));
    page.on('console', (msg) => {
      if (msg.type() === 'error') pageProblems.push(`console: ${msg.text()} (${msg.location().url})`);
    });
    page.on('requestfailed', (req) =>
      pageProblems.push(`failed: ${req.method()} ${req.url()} ${req.failure()?.errorText}`),
    );
    // Playwright's own request events leave preflights out; the DevTools protocol reports them.
    const cdp = await context.newCDPSession(page);
    const miroir = new URL(cluster.url).origin;
    cdp.on('Network.requestWillBeSent', (e) => {
      if (!e.request.url.startsWith(miroir)) return;
      seen.set(e.requestId, {
        requestId: e.requestId,
        preflight: e.initiator.type === 'preflight',
        method: e.request.method,
        url: e.request.url,
        requestHeaders: lowerCaseKeys(e.request.headers),
      });
    });
    // Headers the network stack adds (`Origin` on a fetch among them) arrive in a separate event.
    cdp.on('Network.requestWillBeSentExtraInfo', (e) => {
      extraRequestHeaders.set(e.requestId, lowerCaseKeys(e.headers));
    });
    cdp.on('Network.responseReceived', (e) => {
      const request = seen.get(e.requestId);
      if (request === undefined) return;
      request.status = e.response.status;
      request.responseHeaders = lowerCaseKeys(e.response.headers);
    });
    await cdp.send('Network.enable');
  });

  afterAll(async () => {
    await context?.close();
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
    await pageServer?.close();
    await cluster?.close();
  });

  it('shows hits for a typed query, filters by a facet value and turns to page 2', async () => {
    await page.goto(pageServer.url);
    // Placeholder search: every document, before anything is typed.
    await expect
      .poll(async () => (await readPage().catch(() => undefined))?.nbHits, { timeout: SETTLE_MS })
      .toBe(DOCS);

    await page.locator('#searchbox input[type="search"]').fill(QUERY);
    const typed = await expectPageToShow(await expectedState(undefined, 0));
    expect(typed.nbHits).toBeGreaterThan(HITS_PER_PAGE);
    expect(typed.nbHits).toBeLessThan(DOCS);
    expect(typed.ids).toHaveLength(HITS_PER_PAGE);

    // The most frequent scope: enough hits for a second page once refined.
    const [scope, scopeCount] = Object.entries(typed.scopeCounts)[0] ?? ['', 0];
    expect(scopeCount).toBeGreaterThan(HITS_PER_PAGE);
    await page.locator(`#scope input.ais-RefinementList-checkbox[value=${JSON.stringify(scope)}]`).click();
    const filter = `scope = ${JSON.stringify(scope)}`;
    const refined = await expectPageToShow(await expectedState(filter, 0));
    expect(refined.nbHits).toBe(scopeCount);
    expect(new Set(refined.scopes)).toEqual(new Set([scope]));

    await page.getByRole('link', { name: 'Page 2', exact: true }).click();
    const second = await expectPageToShow(await expectedState(filter, 1));
    expect(new Set(second.scopes)).toEqual(new Set([scope]));
    expect(second.ids.filter((id) => refined.ids.includes(id))).toEqual([]);

    const screenshot = process.env.MIROIR_BROWSER_SCREENSHOT;
    if (screenshot) await page.screenshot({ path: screenshot, fullPage: true });
    expect(pageProblems).toEqual([]);
  });

  it('went through real CORS preflights and cross-origin answers', () => {
    const requests = [...seen.values()].map((r) => ({
      ...r,
      requestHeaders: { ...r.requestHeaders, ...extraRequestHeaders.get(r.requestId) },
    }));
    const pageOrigin = new URL(pageServer.url).origin;
    const preflights = requests.filter((r) => r.preflight);
    const searches = requests.filter((r) => r.method === 'POST' && r.url.endsWith('/multi-search'));
    expect(preflights.length, JSON.stringify(requests, null, 2)).toBeGreaterThan(0);
    for (const preflight of preflights) {
      expect(preflight.method).toBe('OPTIONS');
      expect(preflight.requestHeaders.origin).toBe(pageOrigin);
      expect(preflight.requestHeaders['access-control-request-method']).toBe('POST');
      expect(preflight.status).toBe(200);
      expect(preflight.responseHeaders).toMatchObject({
        'access-control-allow-origin': '*',
        'access-control-max-age': '86400',
        'access-control-allow-headers': preflight.requestHeaders['access-control-request-headers'],
      });
      expect(preflight.responseHeaders?.['access-control-allow-methods']?.split(', ')).toContain('POST');
    }
    expect(searches.length).toBeGreaterThan(2);
    for (const search of searches) {
      expect(search.requestHeaders.origin).toBe(pageOrigin);
      expect(search.status).toBe(200);
      expect(search.responseHeaders?.['access-control-allow-origin']).toBe('*');
    }
  });
});
