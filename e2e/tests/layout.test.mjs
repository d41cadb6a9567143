// Layout and accessibility of issue 16: reflow at 320 px on the pages that
// overflowed (every role that sees them), text resized to 200 %, the error
// summary, the notification banners, the compact header of small screens
// and the sections of the main navigation. axe (with its reflow check) runs
// on every page visited.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { axeCheck, reflowCheck } from '../lib/axe.mjs';
import {
  LOCALE, done, expectFocus, jsLabel, newestMessageTo, signIn, text, useEnvironment,
} from '../lib/app.mjs';

const W = {
  en: { success: 'Success', information: 'Information', signOut: 'Sign out' },
  fr: { success: 'Succès', information: 'Information', signOut: 'Se déconnecter' },
};

const unique = () => `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;

async function go(page, path) {
  const res = await page.goto(path);
  assert.equal(res.status(), 200, `${path} answers 200`);
}

async function submit(page, form) {
  await Promise.all([page.waitForNavigation(), form.locator('button[type=submit]').first().click()]);
}

/** Relative luminance contrast of an `rgb(...)` colour against white. */
function contrastOnWhite(rgb) {
  const [r, g, b] = rgb.match(/\d+(\.\d+)?/g).slice(0, 3).map(Number).map((v) => {
    const c = v / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  const l = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  return 1.05 / (l + 0.05);
}

/** Every control of <main> that is rendered, with its size and font size. */
function controls(page) {
  return page.evaluate(() => [...document.querySelectorAll('main input:not([type=hidden]), main select, main textarea, main button')]
    .filter((el) => el.getClientRects().length > 0)
    .map((el) => {
      const r = el.getBoundingClientRect();
      return {
        what: `${el.localName}[type=${el.type}]#${el.id || el.name}`,
        type: el.type,
        font: parseFloat(getComputedStyle(el).fontSize),
        width: r.width,
        height: r.height,
        left: r.left,
        right: r.right,
      };
    }));
}

for (const js of [true, false]) {
  describe(`layout and accessibility of issue 16 (${jsLabel(js)})`, { timeout: 300_000 }, () => {
    const env = useEnvironment();

    for (const l of ['en', 'fr']) {
      const opts = { js, locale: LOCALE[l] };
      const w = W[l];

      it(`${l}: the pages that scrolled sideways reflow at 320 px for every role that sees them`, async () => {
        // alice.martin: her own pages, with a second device signed in.
        const alice = await env.page(opts);
        const other = await env.page(opts);
        try {
          await signIn(alice, 'alice.martin');
          await signIn(other, 'alice.martin');
          for (const path of ['/', '/account', '/account/two-factor', '/account/sessions', '/account/rights', '/account/security', '/account/contact', '/account/activity']) {
            await go(alice, path);
            await axeCheck(alice, `${path} (alice.martin, ${l})`);
          }
          // At 320 px each device's "Sign out" is on screen, not past its edge.
          await alice.setViewportSize({ width: 320, height: 640 });
          await go(alice, '/account/sessions');
          const buttons = alice.locator('tbody button');
          assert.ok(await buttons.count() >= 1, 'another device to sign out');
          for (const b of await buttons.all()) {
            await b.scrollIntoViewIfNeeded();
            const box = await b.boundingBox();
            assert.ok(box.x >= 0 && box.x + box.width <= 320, `the sign-out button fits in 320 px (${JSON.stringify(box)})`);
          }
          await reflowCheck(alice, `/account/sessions at 320 px (${l})`);
        } finally {
          await done(alice);
          await done(other);
        }

        // bruno.leroy: administrator and security manager of Acme.
        const bruno = await env.page(opts);
        try {
          await signIn(bruno, 'bruno.leroy');
          for (const path of ['/company/two-factor', '/users', '/users/invite', '/account/rights', '/account/two-factor', '/account/sessions']) {
            await go(bruno, path);
            await axeCheck(bruno, `${path} (bruno.leroy, ${l})`);
          }
          await go(bruno, '/users');
          const aliceLink = bruno.locator('main a[href^="/users/"]', { hasText: 'Alice' }).first();
          const href = await aliceLink.getAttribute('href');
          await go(bruno, href);
          await axeCheck(bruno, `/users/{id} (bruno.leroy, ${l})`);
          // The rights matrix of selects is usable at 320 px: every select
          // is on screen, each with its section named next to it.
          await bruno.setViewportSize({ width: 320, height: 640 });
          const selects = (await controls(bruno)).filter((c) => c.what.startsWith('select'));
          assert.ok(selects.length >= 7, `the rights matrix has its selects (${selects.length})`);
          for (const s of selects) {
            assert.ok(s.left >= 0 && s.right <= 320, `${s.what} fits in 320 px (${s.left}–${s.right})`);
          }
          await reflowCheck(bruno, `/users/{id} at 320 px (${l})`);
        } finally {
          await done(bruno);
        }

        // support.agent: a long e-mail address in a button, and the back office.
        const support = await env.page(opts);
        try {
          await signIn(support, 'support.agent');
          for (const path of ['/', '/account/security', '/backoffice', '/backoffice/logins', '/backoffice/recovery', '/account/sessions']) {
            await go(support, path);
            await axeCheck(support, `${path} (support.agent, ${l})`);
          }
        } finally {
          await done(support);
        }

        // wam.paris: the messages of the companies looked after.
        const wam = await env.page(opts);
        try {
          await signIn(wam, 'wam.paris');
          for (const path of ['/', '/backoffice', '/backoffice/messages', '/account/security']) {
            await go(wam, path);
            await axeCheck(wam, `${path} (wam.paris, ${l})`);
          }
        } finally {
          await done(wam);
        }
      });

      it(`${l}: the error summary is an alert inside a focusable box whose focus is not yellow alone`, async () => {
        const page = await env.page(opts);
        try {
          await go(page, '/login');
          await submit(page, page.locator('form.form'));
          await expectFocus(page, 'error-summary');
          const box = page.locator('#error-summary');
          assert.equal(await box.getAttribute('aria-labelledby'), null, 'no name on a generic element');
          assert.equal(await box.locator('[role=alert] h2').count(), 1, 'the heading inside an alert');
          assert.equal(await box.locator('[role=alert] li').count(), 2, 'the errors inside the alert');
          const style = await box.evaluate((el) => {
            const s = getComputedStyle(el);
            return { style: s.outlineStyle, width: parseFloat(s.outlineWidth), color: s.outlineColor };
          });
          assert.notEqual(style.style, 'none');
          assert.ok(style.width >= 2, `a thick outline (${style.width} px)`);
          assert.ok(contrastOnWhite(style.color) >= 3, `the focus outline ${style.color} contrasts 3:1 on white`);
        } finally {
          await done(page);
        }
      });

      it(`${l}: notices are banners that take the focus; success and information differ by more than colour`, async () => {
        const page = await env.page(opts);
        const other = await env.page(opts);
        try {
          await signIn(page, 'alice.martin');
          await signIn(other, 'alice.martin');
          await go(page, '/account/sessions');
          await submit(page, page.locator('tbody form').first());
          await expectFocus(page, 'notice');
          const banner = page.locator('#notice');
          assert.equal(await banner.getAttribute('role'), 'alert');
          assert.equal(await text(banner.locator('h2')), w.success);
          const success = await banner.evaluate((el) => getComputedStyle(el).borderLeftWidth);
          await axeCheck(page, `/account/sessions with its notice (${l})`);

          // A new e-mail address: "code sent" informs, "changed" succeeds,
          // and the page opens on its notice, not scrolled past it.
          const address = `alice.${unique()}@example.org`;
          await go(page, '/account/contact');
          await page.locator('#email').fill(address);
          await submit(page, page.locator('form[action="/account/contact/email"]'));
          assert.equal(new URL(page.url()).hash, '', 'no jump past the notice');
          await expectFocus(page, 'notice');
          assert.equal(await banner.getAttribute('role'), 'region');
          assert.equal(await text(banner.locator('h2')), w.information);
          const info = await banner.evaluate((el) => getComputedStyle(el).borderLeftWidth);
          assert.notEqual(info, success, 'the borders differ, not only the colours');
          assert.notEqual(w.information, w.success);
          assert.ok(await banner.isVisible());
          const top = await banner.evaluate((el) => el.getBoundingClientRect().top);
          assert.ok(top >= 0 && top < 640, `the notice is on screen (top ${top})`);
          await axeCheck(page, `/account/contact code sent (${l})`);

          const code = (await newestMessageTo(env.baseURL, address)).match(/\b(\d{6})\b/)[1];
          await page.locator('#code').fill(code);
          await submit(page, page.locator('form[action="/account/contact/email/confirm"]'));
          await expectFocus(page, 'notice');
          assert.equal(await text(banner.locator('h2')), w.success);
          const after = await banner.evaluate((el) => el.getBoundingClientRect().top);
          assert.ok(after >= 0 && after < 640, `the notice of the change is on screen (top ${after})`);
          assert.equal(await page.evaluate(() => window.scrollX), 0);
        } finally {
          await done(page);
          await done(other);
        }
      });

      it(`${l}: on a phone the header is one line with a menu that works ${js ? 'with' : 'without'} JavaScript`, async () => {
        const page = await env.page({ ...opts, viewport: { width: 320, height: 640 } });
        try {
          await signIn(page, 'bruno.leroy');
          const height = await page.locator('header.site-header').evaluate((el) => el.getBoundingClientRect().height);
          assert.ok(height <= 80, `the header is compact (${height} px)`);
          assert.equal(await page.locator('nav.main-nav').isVisible(), false);
          // The skip link comes first, as before.
          await page.keyboard.press('Tab');
          assert.equal(await page.evaluate(() => document.activeElement.className), 'skip-link');
          const menu = page.locator('details.menu');
          const summary = menu.locator('summary');
          assert.equal(await text(summary), 'Menu');
          assert.equal(await page.locator('.menu-panel').isVisible(), false);
          await summary.click();
          assert.ok(await page.locator('.menu-panel').isVisible());
          // (By address: the login's stored language may differ from the browser's.)
          const users = menu.locator('a[href="/users"]');
          assert.ok(await users.isVisible(), 'the Users section is in the menu');
          await reflowCheck(page, `/ with its menu open (${l})`);
          await axeCheck(page, `/ with its menu open (${l})`);
          await Promise.all([page.waitForNavigation(), users.click()]);
          assert.equal(new URL(page.url()).pathname, '/users');
          await summary.click();
          assert.equal(await menu.locator('a[href="/users"]').getAttribute('aria-current'), 'page');
          // The language switch and signing out are in the menu.
          const was = await page.locator('html').getAttribute('lang');
          const other = was === 'en' ? 'fr' : 'en';
          await Promise.all([page.waitForNavigation(), menu.locator(`button[name=lang][value=${other}]`).click()]);
          assert.equal(await page.locator('html').getAttribute('lang'), other);
          // (Chosen back, so that the login keeps the language it had.)
          await summary.click();
          await Promise.all([page.waitForNavigation(), menu.locator(`button[name=lang][value=${was}]`).click()]);
          assert.equal(await page.locator('html').getAttribute('lang'), was);
          await summary.click();
          const signOut = menu.locator('.menu-logout button');
          assert.equal(await text(signOut), W[was].signOut);
          await Promise.all([page.waitForNavigation(), signOut.click()]);
          assert.equal(new URL(page.url()).pathname, '/login');
        } finally {
          await done(page);
        }
      });

      it(`${l}: the main navigation has the sections of the login, marked current on their pages`, async () => {
        const bruno = await env.page(opts);
        const support = await env.page(opts);
        try {
          await signIn(bruno, 'bruno.leroy');
          const nav = bruno.locator('nav.main-nav');
          assert.equal(await nav.locator('a[href="/backoffice"]').count(), 0);
          await go(bruno, '/users');
          assert.equal(await nav.locator('a[href="/users"]').getAttribute('aria-current'), 'page');
          assert.equal(await nav.locator('[aria-current=page]').count(), 1);

          await signIn(support, 'support.agent');
          assert.ok(await support.locator('main a[href="/backoffice/logins"]').count() >= 1, 'the dashboard lists the tools');
          const snav = support.locator('nav.main-nav');
          assert.equal(await snav.locator('a[href="/users"]').count(), 0);
          await Promise.all([support.waitForNavigation(), support.locator('main a[href="/backoffice/recovery"]').first().click()]);
          assert.equal(await snav.locator('a[href="/backoffice"]').getAttribute('aria-current'), 'page');
          await Promise.all([support.waitForNavigation(), snav.locator('a[href="/backoffice"]').click()]);
          assert.equal(new URL(support.url()).pathname, '/backoffice');
          await axeCheck(support, `/backoffice (${l})`);
        } finally {
          await done(bruno);
          await done(support);
        }
      });
    }

    if (js) {
      it('at 200 % text size, controls grow with the text and radios are large', async () => {
        const page = await env.page({ js, locale: LOCALE.en });
        try {
          // The browser's default font size doubled (not a zoom): what a
          // person sets in the browser's settings.
          const cdp = await page.context().newCDPSession(page);
          await cdp.send('Page.setFontSizes', { fontSizes: { standard: 32, fixed: 26 } });
          await go(page, '/login');
          assert.equal(await page.evaluate(() => getComputedStyle(document.documentElement).fontSize), '32px');
          const check = async (label) => {
            const all = await controls(page);
            assert.ok(all.length > 0, `${label}: controls`);
            for (const c of all) {
              assert.ok(c.font >= 24, `${label}: ${c.what} grew with the text (${c.font} px)`);
              if (c.type === 'radio' || c.type === 'checkbox') {
                assert.ok(c.width >= 24 && c.height >= 24, `${label}: ${c.what} is at least 24 px (${c.width}×${c.height})`);
              }
            }
            return all;
          };
          await check('/login');
          await signIn(page, 'bruno.leroy');
          for (const path of ['/account/contact', '/company/two-factor', '/users/invite', '/account/password']) {
            await go(page, path);
            const all = await check(path);
            const types = new Set(all.map((c) => c.what.split('#')[0]));
            if (path === '/company/two-factor') assert.ok(types.has('select[type=select-one]'), 'a select was checked');
            if (path === '/users/invite') assert.ok(types.has('input[type=radio]'), 'radios were checked');
          }
        } finally {
          await done(page);
        }
      });

      it('at the default text size, radios are about 40 px and selects as tall as inputs', async () => {
        const page = await env.page({ js, locale: LOCALE.en });
        try {
          await signIn(page, 'bruno.leroy');
          // Selects: the by-right rule form of the company two-factor page
          // (beside its date field); radios: the invitation's title.
          await go(page, '/company/two-factor');
          const rules = await controls(page);
          const selects = rules.filter((c) => c.what.startsWith('select'));
          const inputs = rules.filter((c) => ['text', 'email', 'date'].includes(c.type));
          await go(page, '/users/invite');
          const radios = (await controls(page)).filter((c) => c.type === 'radio');
          assert.ok(radios.length > 0 && selects.length > 0);
          for (const r of radios) assert.ok(r.width >= 38 && r.height >= 38, `${r.what}: ${r.width}×${r.height}`);
          const inputHeight = inputs.length ? Math.min(...inputs.map((c) => c.height)) : 44;
          for (const s of selects) assert.ok(s.height >= inputHeight - 1, `${s.what} is as tall as an input (${s.height} < ${inputHeight})`);
          // A radio keeps the app's focus ring.
          await page.locator('input[type=radio]').first().focus();
          await page.keyboard.press('ArrowDown');
          await page.keyboard.press('ArrowUp');
          const ring = await page.evaluate(() => {
            const s = getComputedStyle(document.activeElement);
            return { type: document.activeElement.type, outline: s.outlineStyle, shadow: s.boxShadow };
          });
          assert.equal(ring.type, 'radio');
          assert.notEqual(ring.outline, 'none');
          assert.notEqual(ring.shadow, 'none');
        } finally {
          await done(page);
        }
      });
    }
  });
}
