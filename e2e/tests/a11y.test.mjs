// Accessibility: axe-core (WCAG 2.1 A and AA) finds nothing on any page, in
// both languages, with JavaScript on and off; pages reflow at 320 px.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { axeCheck, reflowCheck } from '../lib/axe.mjs';
import {
  LOCALE, PASSWORD, T, done, h1, jsLabel, lang, signIn, submitLogin, summary, useEnvironment,
} from '../lib/app.mjs';

const LANGS = ['fr', 'en'];

const noHorizontalScroll = reflowCheck;

for (const js of [true, false]) {
  describe(`accessibility (${jsLabel(js)})`, { timeout: 180_000 }, () => {
    const env = useEnvironment();

    it('the axe check itself reports a violation put in the page (self-test)', async () => {
      const page = await env.page({ js, locale: LOCALE.en });
      try {
        await page.goto('/login');
        // An input without its label, and an image without a text alternative.
        await page.evaluate(() => {
          document.querySelector('label[for=login]').remove();
          document.querySelector('main').insertAdjacentHTML('beforeend', '<img src="/static/favicon.svg">');
        });
        await assert.rejects(axeCheck(page, 'a broken copy of /login'), (e) => {
          assert.match(e.message, /\blabel\b/);
          assert.match(e.message, /image-alt/);
          assert.match(e.message, /#login/);
          return true;
        });
      } finally {
        await done(page);
      }
    });

    it('the reflow check itself reports a page wider than 320 px (self-test)', async () => {
      const page = await env.page({ js, locale: LOCALE.en });
      try {
        await page.goto('/login');
        await page.evaluate(() => {
          // (Styled from script: the CSP refuses inline style attributes.)
          const p = document.createElement('p');
          p.id = 'too-wide';
          p.textContent = 'wide';
          p.style.width = '700px';
          document.querySelector('main').append(p);
        });
        await assert.rejects(reflowCheck(page, 'a widened /login'), (e) => {
          assert.match(e.message, /a widened \/login \(http:\/\/[^)]*\/login\)/);
          assert.match(e.message, /<p#too-wide>/);
          return true;
        });
        assert.equal(page.viewportSize().width, 1280, 'the viewport is given back');
        await assert.rejects(axeCheck(page, 'a widened /login'), /scrolls sideways/);
      } finally {
        await done(page);
      }
    });

    for (const l of LANGS) {
      const t = T[l];
      const opts = { js, locale: LOCALE[l] };

      it(`${l}: the sign-in page, empty, with errors, with a wrong password, and locked`, async () => {
        let page = await env.page(opts);
        try {
          await page.goto('/login');
          assert.equal(await lang(page), l);
          assert.equal(await h1(page), t.loginTitle);
          await axeCheck(page, '/login');

          await Promise.all([page.waitForNavigation(), page.locator('form.form button[type=submit]').click()]);
          assert.equal((await summary(page)).items.length, 2);
          await axeCheck(page, '/login with both fields missing');

          await submitLogin(page, 'bruno.leroy', 'Not-the-password');
          assert.deepEqual((await summary(page)).items, [t.wrong]);
          await submitLogin(page, 'bruno.leroy', 'Not-the-password');
          assert.equal((await summary(page)).help.length, 2, 'the same wrong password again is explained');
          await axeCheck(page, '/login with a wrong password given twice');
          await submitLogin(page, 'bruno.leroy', PASSWORD); // the count starts afresh
        } finally {
          await done(page);
        }

        // An unknown login locks like any other (and no real login is harmed).
        page = await env.page(opts);
        try {
          await page.goto('/login');
          const unknown = `nobody.axe.${js ? 'js' : 'nojs'}`;
          let locked = false;
          for (let i = 1; i <= 6 && !locked; i++) {
            await submitLogin(page, unknown, `Wrong-${l}-${i}`);
            locked = t.locked.test((await summary(page)).items[0] ?? '');
          }
          assert.ok(locked, 'locked after at most six wrong passwords');
          await axeCheck(page, '/login locked');
        } finally {
          await done(page);
        }
      });

      it(`${l}: the dashboard, my account, the accessibility statement and what's new`, async () => {
        const page = await env.page(opts);
        try {
          await page.goto('/accessibility');
          assert.equal(await h1(page), t.a11yTitle);
          await axeCheck(page, '/accessibility (signed out)');

          await page.goto('/whats-new');
          assert.equal(await h1(page), l === 'en' ? 'What’s new' : 'Nouveautés');
          await axeCheck(page, '/whats-new (signed out)');

          await signIn(page, 'alice.martin');
          assert.equal(await lang(page), l);
          assert.equal(await h1(page), t.dashboardTitle);
          await axeCheck(page, '/');

          await page.goto('/account');
          assert.equal(await h1(page), t.accountTitle);
          await axeCheck(page, '/account');

          await page.goto('/accessibility');
          assert.equal(await h1(page), t.a11yTitle);
          await axeCheck(page, '/accessibility (signed in)');

          await page.goto('/whats-new');
          await axeCheck(page, '/whats-new (signed in)');

          // The page after signing out, with its notice.
          await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: t.signOut }).click()]);
          assert.equal(await lang(page), l);
          await axeCheck(page, '/login after sign-out');
        } finally {
          await done(page);
        }
      });

      it(`${l}: the 404 and 403 (expired form) pages`, async () => {
        const page = await env.page(opts);
        try {
          const res = await page.goto('/no-such-page');
          assert.equal(res.status(), 404);
          assert.equal(await h1(page), t.notFound);
          await axeCheck(page, '404 page');

          await page.goto('/login');
          await page.evaluate(() => document.querySelector('form.form input[name=csrf_token]').remove());
          const [post] = await Promise.all([
            page.waitForNavigation(),
            page.locator('form.form button[type=submit]').click(),
          ]);
          assert.equal(post.status(), 403);
          assert.equal(await h1(page), t.csrf);
          await axeCheck(page, '403 page (form without its CSRF token)');
        } finally {
          await done(page);
        }
      });

      it(`${l}: at 320 px wide, nothing scrolls sideways and axe still finds nothing`, async () => {
        const page = await env.page({ ...opts, viewport: { width: 320, height: 640 } });
        try {
          await page.goto('/login');
          await noHorizontalScroll(page, '/login');
          await axeCheck(page, '/login at 320 px');

          await Promise.all([page.waitForNavigation(), page.locator('form.form button[type=submit]').click()]);
          await noHorizontalScroll(page, '/login with errors');

          await submitLogin(page, 'alice.martin', PASSWORD);
          assert.equal(new URL(page.url()).pathname, '/');
          await noHorizontalScroll(page, '/');
          await axeCheck(page, '/ at 320 px');

          await page.goto('/account');
          await noHorizontalScroll(page, '/account');
        } finally {
          await done(page);
        }
      });
    }
  });
}
