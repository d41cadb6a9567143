// Debian's Chromium driven by playwright-core (no browser download).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';

export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

/** $CHROMIUM, else `command -v chromium`. */
export function chromiumPath() {
  if (process.env.CHROMIUM) return process.env.CHROMIUM;
  let found = '';
  try {
    found = execFileSync('sh', ['-c', 'command -v chromium || command -v chromium-browser'], { encoding: 'utf8' }).trim();
  } catch { /* not found */ }
  if (!found || !existsSync(found)) {
    throw new Error('Chromium not found: apt-get install -y chromium chromium-driver, or set CHROMIUM');
  }
  return found;
}

/**
 * Launches Chromium. playwright's launch() gives every launch its own fresh
 * --user-data-dir (a mkdtemp directory it deletes on close); each test then
 * works in its own browser context, so cookies never leak between tests.
 */
export function launchBrowser() {
  return chromium.launch({ executablePath: chromiumPath(), headless: true, args: CHROMIUM_ARGS });
}

const jsOf = new WeakMap();

/**
 * A fresh, isolated context. `js: false` disables JavaScript for every page
 * of the context; `locale` sets Accept-Language (default: de-DE, a language
 * Espace does not offer, so the app falls back to its default, French).
 */
export async function newContext(browser, { js = true, locale = 'de-DE', viewport, baseURL } = {}) {
  const ctx = await browser.newContext({
    javaScriptEnabled: js,
    locale,
    viewport: viewport ?? { width: 1280, height: 800 },
    baseURL,
  });
  ctx.setDefaultTimeout(15_000);
  ctx.setDefaultNavigationTimeout(20_000);
  jsOf.set(ctx, { js, locale, baseURL });
  return ctx;
}

/** The options the context of `page` was made with. */
export function contextOptions(page) {
  return jsOf.get(page.context()) ?? { js: true, locale: 'de-DE' };
}
