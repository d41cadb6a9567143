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

/** The width at which every page must reflow (WCAG 1.4.10: 320 CSS px). */
export const REFLOW_WIDTH = 320;

/**
 * Fails unless the page, laid out at 320 px wide, fits: the document is
 * not wider than the viewport (WCAG 1.4.10). The viewport is narrowed for
 * the check and given back afterwards; the message names the page and the
 * element reaching furthest right.
 */
export async function reflowCheck(page, label = page.url()) {
  const before = page.viewportSize();
  const resize = before && before.width !== REFLOW_WIDTH;
  if (resize) await page.setViewportSize({ width: REFLOW_WIDTH, height: before.height });
  try {
    const m = await page.evaluate(() => {
      const root = document.documentElement;
      const inner = window.innerWidth;
      let widest = null;
      if (root.scrollWidth > inner) {
        // Elements, and the text inside them (a long word overflows its box).
        const texts = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
        const range = document.createRange();
        for (let n = texts.nextNode(); n; n = texts.nextNode()) {
          if (!n.textContent.trim() || !n.parentElement) continue;
          range.selectNodeContents(n);
          const r = range.getBoundingClientRect();
          const right = r.right + window.scrollX;
          if (right > inner && (!widest || right > widest.right)) {
            const el = n.parentElement;
            widest = { right: Math.round(right), width: Math.round(r.width), what: `text in <${el.localName}${el.id ? `#${el.id}` : ''}> "${n.textContent.trim().slice(0, 60)}"` };
          }
        }
        for (const el of document.querySelectorAll('body *')) {
          const r = el.getBoundingClientRect();
          if (r.width === 0 && r.height === 0) continue;
          const right = r.right + window.scrollX;
          // On a tie the deeper element wins: it is the likelier cause.
          if (right > inner && (!widest || right >= widest.right)) {
            const id = el.id ? `#${el.id}` : '';
            const cls = typeof el.className === 'string' && el.className.trim()
              ? `.${el.className.trim().split(/\s+/).join('.')}` : '';
            const words = (el.textContent ?? '').replace(/\s+/g, ' ').trim().slice(0, 60);
            widest = { right: Math.round(right), width: Math.round(r.width), what: `<${el.localName}${id}${cls}> "${words}"` };
          }
        }
      }
      return { scroll: root.scrollWidth, inner, widest };
    });
    assert.ok(m.scroll <= m.inner,
      `${label} (${page.url()}): the page scrolls sideways at ${REFLOW_WIDTH} px (WCAG 1.4.10): document ${m.scroll} px wide ` +
      `for a ${m.inner} px viewport; widest element: ${m.widest ? `${m.widest.what}, ${m.widest.width} px wide, ` +
      `reaching ${m.widest.right} px` : 'none found'}`);
  } finally {
    if (resize) await page.setViewportSize(before);
  }
}

/**
 * Checks that the page reflows at 320 px (see reflowCheck), then runs axe
 * on the page as it is and fails listing every violation.
 *
 * In a context with JavaScript disabled, Chromium runs no timer, and axe
 * needs timers; so the DOM the browser built without JavaScript is copied
 * into a JavaScript-enabled page at the same address, with the page's own
 * script (/static/espace.js, its only one: the CSP allows no inline script)
 * blocked, and axe checks that copy: the same HTML, CSS, language and viewport.
 */
export async function axeCheck(page, label = page.url()) {
  const opts = contextOptions(page);
  await reflowCheck(page, label);
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
