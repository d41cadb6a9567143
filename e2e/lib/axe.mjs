// axe-core checks (WCAG 2.1 A and AA) that fail with every violation listed.
import assert from 'node:assert/strict';
import AxeBuilder from '@axe-core/playwright';
import { contextOptions, newContext } from './browser.mjs';

export const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

function list(violations) {
  return violations.map((v) => {
    const nodes = v.nodes.map((n) => `    - ${JSON.stringify(n.target)}: ${n.failureSummary?.replace(/\s+/g, ' ') ?? ''}`);
    return `  * ${v.id} (${v.impact}): ${v.help}\n    ${v.helpUrl}\n${nodes.join('\n')}`;
  }).join('\n');
}

// Legacy mode runs axe in the page itself instead of opening an extra blank
// page per check to merge frame results: Espace's pages have no frames, and
// this halves the time of a check.
const analyze = (page) => new AxeBuilder({ page }).withTags(AXE_TAGS).setLegacyMode(true).analyze();

// One JavaScript-enabled "mirror" context per browser, locale and viewport,
// for checking pages rendered without JavaScript (see axeCheck).
const mirrors = new WeakMap();

async function mirrorPage(browser, locale, viewport) {
  let byKey = mirrors.get(browser);
  if (!byKey) mirrors.set(browser, (byKey = new Map()));
  const key = `${locale} ${viewport?.width}x${viewport?.height}`;
  let m = byKey.get(key);
  if (!m) {
    const ctx = await newContext(browser, { js: true, locale, viewport: viewport ?? undefined });
    const pending = new Map();
    await ctx.route('**/*', async (route) => {
      const req = route.request();
      if (req.isNavigationRequest() && pending.has(req.url())) {
        const body = pending.get(req.url());
        pending.delete(req.url());
        return route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body });
      }
      // The page's own script: the copy must stay as it was without JavaScript.
      if (new URL(req.url()).pathname.endsWith('.js')) return route.abort();
      return route.continue();
    });
    m = { page: await ctx.newPage(), pending };
    byKey.set(key, m);
  }
  return m;
}

/**
 * Runs axe on the page as it is and fails listing every violation.
 *
 * In a context with JavaScript disabled, Chromium runs no timer, and axe
 * needs timers; so the DOM the browser built without JavaScript is copied
 * into a JavaScript-enabled page at the same address, with the page's own
 * script (/static/espace.js, its only one: the CSP allows no inline script)
 * blocked, and axe checks that copy: the same HTML, CSS, language and viewport.
 */
export async function axeCheck(page, label = page.url()) {
  const opts = contextOptions(page);
  let results;
  if (opts.js) {
    results = await analyze(page);
  } else {
    // The request never carries the fragment: key the copy without it.
    const url = page.url().split('#')[0];
    const { page: copy, pending } = await mirrorPage(page.context().browser(), opts.locale, page.viewportSize());
    pending.set(url, await page.content());
    await copy.goto(url);
    assert.equal(pending.has(url), false, `the copy of ${url} was not served`);
    results = await analyze(copy);
  }
  assert.equal(results.violations.length, 0,
    `axe found ${results.violations.length} violation(s) on ${label} ` +
    `(JavaScript ${opts.js ? 'on' : 'off'}, ${opts.locale}):\n${list(results.violations)}`);
  return results;
}
