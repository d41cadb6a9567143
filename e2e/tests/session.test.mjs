// Session-expiry warning (RGAA 13.1): with JavaScript, a dialog warns before
// the idle timeout and extends the session in place; without JavaScript, the
// footer's "Stay signed in" form does the same through a redirect.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { axeCheck } from '../lib/axe.mjs';
import { LOCALE, T, done, h1, jsLabel, signIn, text, useEnvironment } from '../lib/app.mjs';

// Signed out after 130 s without activity, warned 120 s before: the warning
// shows about 10 s after the last request. The three go together (the server
// refuses a warning not shorter than the idle timeout).
const SESSION_ENV = {
  ESPACE__APP__SESSION__IDLE_TIMEOUT: '130',
  ESPACE__APP__SESSION__ABSOLUTE_TIMEOUT: '43200',
  ESPACE__APP__SESSION__WARN_BEFORE: '120',
};
const LOGIN = 'bruno.leroy';

/** The expiry the page was rendered with, from <body data-session-expires> (ms). */
async function expiresMs(page) {
  return Number(await page.locator('body').getAttribute('data-session-expires'));
}

/** Whether the element of `locator` has the focus. */
function hasFocus(locator) {
  return locator.evaluate((el) => el === document.activeElement);
}

describe('session-expiry warning', { timeout: 120_000 }, () => {
  const env = useEnvironment({ serverEnv: SESSION_ENV });

  for (const l of ['en', 'fr']) {
    const t = T[l];
    it(`warns before the session ends and extends it in place (${jsLabel(true)}, ${l})`, async () => {
      const page = await env.page({ js: true, locale: LOCALE[l] });
      try {
        await signIn(page, LOGIN);
        await page.goto('/account');
        assert.equal(await h1(page), t.accountTitle);
        const before = await expiresMs(page);
        assert.ok(before > Date.now(), 'the page knows when the session ends');
        assert.equal(Number(await page.locator('body').getAttribute('data-session-warn')), 120_000);

        // Where the user was: the focus comes back here afterwards.
        const origin = page.locator('nav.main-nav').getByRole('link', { name: t.accountTitle });
        await origin.focus();

        const warning = page.locator('#session-warning');
        assert.equal(await warning.isVisible(), false, 'no warning at first');
        await warning.waitFor({ state: 'visible', timeout: 20_000 });

        // An alert dialog named by its heading, the time, and the focused button.
        const dialog = page.getByRole('alertdialog', { name: t.sessionWarningTitle });
        assert.equal(await dialog.count(), 1, 'the warning is an alertdialog named by its heading');
        assert.equal(await text(warning.locator('h2')), t.sessionWarningTitle);
        const message = await text(page.locator('#session-warning-text'));
        const m = message.match(t.sessionWarningText);
        assert.ok(m, `warning text: ${message}`);
        // Times are shown in the server's display time zone (Europe/Paris by
        // default), like every other time in Espace, whatever the browser's.
        const hhmm = new Intl.DateTimeFormat('en-GB', {
          timeZone: 'Europe/Paris', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
        }).format(new Date(before));
        assert.equal(m[1], hhmm, 'the warning gives the time the session ends, in Paris time');
        const stay = warning.getByRole('button', { name: t.sessionStay });
        assert.equal(await stay.isVisible(), true);
        assert.ok(await hasFocus(stay), `"${t.sessionStay}" should have the focus`);

        if (l === 'en') await axeCheck(page, '/account with the session warning');

        // Keyboard: Enter on the focused button extends the session without leaving the page.
        const [res] = await Promise.all([
          page.waitForResponse((r) => new URL(r.url()).pathname === '/session/extend' && r.request().method() === 'POST'),
          page.keyboard.press('Enter'),
        ]);
        assert.equal(res.status(), 200);
        const json = await res.json();
        assert.equal(json.signed_in, true);
        assert.ok(json.expires_at_ms > before, `extended: ${json.expires_at_ms} > ${before}`);
        await warning.waitFor({ state: 'hidden' });
        assert.equal(await page.getByRole('alertdialog').count(), 0, 'no alertdialog once hidden');
        assert.equal(new URL(page.url()).pathname, '/account', 'still on the same page');
        const status = page.locator('#session-status');
        assert.equal(await status.getAttribute('role'), 'status');
        await page.waitForFunction(
          (want) => document.getElementById('session-status')?.textContent.trim() === want,
          t.sessionExtended,
          { timeout: 5_000 },
        );
        assert.ok(await hasFocus(origin), 'the focus goes back where it was');

        // Still signed in, with a later expiry.
        await page.reload();
        assert.equal(new URL(page.url()).pathname, '/account');
        assert.equal(await h1(page), t.accountTitle);
        assert.ok(await expiresMs(page) > before, 'the session ends later than before');
      } finally {
        await done(page);
      }
    });
  }

  it(`extends the session from the footer, back on the same page (${jsLabel(false)})`, async () => {
    const t = T.en;
    const page = await env.page({ js: false, locale: LOCALE.en });
    try {
      await signIn(page, LOGIN);
      await page.goto('/account');
      assert.equal(await h1(page), t.accountTitle);
      const before = await expiresMs(page);
      assert.equal(await page.locator('#session-warning').isVisible(), false, 'the dialog needs JavaScript');

      const stay = page.locator('footer').getByRole('button', { name: t.sessionStay });
      assert.equal(await stay.count(), 1, `the footer has a "${t.sessionStay}" button`);
      const [res] = await Promise.all([
        page.waitForResponse((r) => new URL(r.url()).pathname === '/session/extend' && r.request().method() === 'POST'),
        page.waitForNavigation(),
        stay.click(),
      ]);
      assert.equal(res.status(), 303);
      assert.equal(new URL(res.headers().location, env.baseURL).pathname, '/account');
      assert.equal(new URL(page.url()).pathname, '/account', 'back on the same page');
      assert.equal(await h1(page), t.accountTitle);
      assert.equal(await page.getByRole('button', { name: t.signOut }).count(), 1, 'still signed in');
      assert.ok(await expiresMs(page) > before, 'the session ends later than before');
    } finally {
      await done(page);
    }
  });
});
