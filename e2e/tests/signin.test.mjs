// Sign-in journeys, with JavaScript on and off.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  LOCALE, PASSWORD, T, done, expectFocus, h1, jsLabel, lang, norm, passInvitation, submitLogin, summary, text, useEnvironment,
} from '../lib/app.mjs';

for (const js of [true, false]) {
  describe(`sign-in (${jsLabel(js)})`, { timeout: 120_000 }, () => {
    const env = useEnvironment();
    const en = { js, locale: LOCALE.en };
    const t = T.en;

    it('signs alice.martin in to her dashboard, then signs her out', async () => {
      const page = await env.page(en);
      try {
        // Anonymous: the dashboard sends to the sign-in page, coming back afterwards.
        await page.goto('/');
        const u = new URL(page.url());
        assert.equal(u.pathname, '/login');
        assert.equal(u.searchParams.get('next'), '/');
        assert.equal(await h1(page), t.loginTitle);

        await submitLogin(page, 'alice.martin', PASSWORD);
        assert.equal(new URL(page.url()).pathname, '/');
        assert.equal(await h1(page), t.dashboardTitle);
        const main = await text(page.locator('main'));
        assert.match(main, new RegExp(t.hello));
        assert.match(main, /Acme Industries/);
        const refs = (await page.locator('main table tbody th[scope=row]').allInnerTexts()).map(norm);
        assert.ok(refs.includes('ACME-FIB-001'), `contracts: ${refs}`);
        assert.ok(refs.includes('ACME-MOB-002'), `contracts: ${refs}`);
        assert.match(await text(page.locator('header')), new RegExp(t.signedInAs));
        const nav = page.locator('nav.main-nav');
        assert.equal(await nav.getByRole('link', { name: t.dashboardTitle }).getAttribute('aria-current'), 'page');
        assert.equal(await nav.getByRole('link', { name: t.accountTitle }).getAttribute('aria-current'), null);

        // My account, through the main menu.
        await Promise.all([page.waitForNavigation(), nav.getByRole('link', { name: t.accountTitle }).click()]);
        assert.equal(new URL(page.url()).pathname, '/account');
        assert.equal(await h1(page), t.accountTitle);
        const h2s = (await page.locator('main h2').allInnerTexts()).map(norm);
        for (const s of t.sections) assert.ok(h2s.includes(s), `account sections: ${h2s}`);
        assert.ok(await page.locator('main table').count() >= 1, 'the rights table is shown');
        assert.equal(await nav.getByRole('link', { name: t.accountTitle }).getAttribute('aria-current'), 'page');

        // Sign out.
        await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: t.signOut }).click()]);
        assert.equal(new URL(page.url()).pathname, '/login');
        assert.equal(await text(page.locator('.notice[role=status]')), t.signedOut);
        assert.equal(await lang(page), 'en');
        assert.equal(await page.getByRole('button', { name: t.signOut }).count(), 0);

        // Protected pages are closed again.
        for (const path of ['/', '/account']) {
          await page.goto(path);
          const after = new URL(page.url());
          assert.equal(after.pathname, '/login', `${path} after sign-out`);
          assert.equal(after.searchParams.get('next'), path);
        }
      } finally {
        await done(page);
      }
    });

    it('says the password is wrong, with the tries left, and spots the same wrong password again', async () => {
      // A login of its own per variant, so the counts start from zero.
      const login = js ? 'bruno.leroy' : 'wam.paris';
      const page = await env.page(en);
      try {
        await page.goto('/login');
        await submitLogin(page, login, 'Not-the-password-1');
        let s = await summary(page);
        assert.deepEqual(s.items, [t.wrong]);
        assert.deepEqual(s.help, [t.remaining(4)]);
        await expectFocus(page, 'error-summary');
        assert.equal(await page.locator('#password').getAttribute('aria-invalid'), 'true');
        assert.match(await page.locator('#password').getAttribute('aria-describedby'), /\bpassword-error\b/);
        assert.equal(await text(page.locator('#password-error')), t.wrong);
        assert.equal(await page.locator('#login').inputValue(), login, 'the login typed is kept');
        assert.equal(await page.locator('#password').inputValue(), '', 'the password is never sent back');
        assert.equal(await page.locator('#error-summary a[href="#password"]').count(), 1);

        // The same wrong password again: not counted twice, and explained.
        await submitLogin(page, login, 'Not-the-password-1');
        s = await summary(page);
        assert.deepEqual(s.items, [t.wrong]);
        assert.equal(s.help.length, 2, `help: ${s.help}`);
        assert.match(s.help[0], new RegExp(t.repeated));
        assert.equal(s.help[1], t.remaining(4));

        // A new wrong password counts.
        await submitLogin(page, login, 'Not-the-password-2');
        s = await summary(page);
        assert.deepEqual(s.help, [t.remaining(3)]);

        // The right password still works, and starts the count afresh.
        await submitLogin(page, login, PASSWORD);
        await passInvitation(page, login);
        assert.equal(new URL(page.url()).pathname, '/');
      } finally {
        await done(page);
      }
    });

    it('lists both missing fields in a focused error summary linked to the fields', async () => {
      for (const l of ['en', 'fr']) {
        const page = await env.page({ js, locale: LOCALE[l] });
        try {
          await page.goto('/login');
          const clean = await page.title();
          await Promise.all([page.waitForNavigation(), page.locator('form.form button[type=submit]').click()]);
          // The title says there are errors first (non-breaking space before the French colon).
          assert.equal(await page.title(), `${l === 'fr' ? 'Erreur\u00a0:' : 'Error:'} ${clean}`);
          const s = await summary(page);
          assert.equal(norm(await page.locator('#error-summary h2').innerText()), T[l].summaryTitle);
          assert.deepEqual(s.items, [T[l].missingLogin, T[l].missingPassword]);
          await expectFocus(page, 'error-summary', 'the summary has the focus after the page loads');
          assert.equal(await page.locator('#error-summary a[href="#login"]').count(), 1);
          assert.equal(await page.locator('#error-summary a[href="#password"]').count(), 1);
          for (const f of ['login', 'password']) {
            const input = page.locator(`#${f}`);
            assert.equal(await input.getAttribute('aria-invalid'), 'true', `#${f} aria-invalid`);
            assert.match(await input.getAttribute('aria-describedby'), new RegExp(`\\b${f}-error\\b`));
            assert.equal(await text(page.locator(`#${f}-error`)), f === 'login' ? T[l].missingLogin : T[l].missingPassword);
          }
          // The summary's link takes the focus to the field.
          await page.locator('#error-summary a[href="#login"]').click();
          await expectFocus(page, 'login');
        } finally {
          await done(page);
        }
      }
    });

    it('signs in with the keyboard alone, the skip link first', async () => {
      const page = await env.page(en);
      try {
        await page.goto('/login');
        await page.keyboard.press('Tab');
        const first = await page.evaluate(() => ({
          cls: document.activeElement.className,
          href: document.activeElement.getAttribute('href'),
          text: document.activeElement.textContent.trim(),
          top: document.activeElement.getBoundingClientRect().top,
        }));
        assert.equal(first.cls, 'skip-link');
        assert.equal(first.href, '#main');
        assert.equal(first.text, t.skip);
        assert.ok(first.top >= 0, 'the skip link is visible when focused');

        await page.keyboard.press('Enter'); // to the main content
        await page.keyboard.press('Tab');
        await expectFocus(page, 'login', 'the first field follows the main content');
        await page.keyboard.type('alice.martin');
        await page.keyboard.press('Tab');
        await expectFocus(page, 'password');
        await page.keyboard.type(PASSWORD);
        await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
        assert.equal(new URL(page.url()).pathname, '/');
        assert.equal(await h1(page), t.dashboardTitle);
      } finally {
        await done(page);
      }
    });

    it(`${js ? 'offers' : 'does not offer'} the show-password button`, async () => {
      const page = await env.page(en);
      try {
        await page.goto('/login');
        const toggle = page.locator('.toggle-password');
        if (!js) {
          assert.equal(await toggle.isVisible(), false, 'without JavaScript the button would do nothing: hidden');
          return;
        }
        assert.equal(await toggle.isVisible(), true);
        assert.equal(await text(toggle), t.showPassword);
        assert.equal(await toggle.getAttribute('aria-pressed'), 'false');
        await page.locator('#password').fill('secret-value');
        await toggle.click();
        assert.equal(await page.locator('#password').getAttribute('type'), 'text');
        assert.equal(await toggle.getAttribute('aria-pressed'), 'true');
        assert.equal(await text(toggle), t.hidePassword);
        await toggle.click();
        assert.equal(await page.locator('#password').getAttribute('type'), 'password');
        assert.equal(await toggle.getAttribute('aria-pressed'), 'false');
      } finally {
        await done(page);
      }
    });

    it('answers an unknown address with a localized 404 page', async () => {
      for (const [l, title] of [['en', T.en.notFound], ['fr', T.fr.notFound]]) {
        const page = await env.page({ js, locale: LOCALE[l] });
        try {
          const res = await page.goto('/no-such-page');
          assert.equal(res.status(), 404);
          assert.equal(await lang(page), l);
          assert.equal(await h1(page), title);
        } finally {
          await done(page);
        }
      }
    });

    it('refuses a form sent without its CSRF token with a 403 page', async () => {
      for (const l of ['en', 'fr']) {
        const page = await env.page({ js, locale: LOCALE[l] });
        try {
          await page.goto('/login');
          await page.evaluate(() => document.querySelector('form.form input[name=csrf_token]').remove());
          await page.locator('#login').fill('alice.martin');
          await page.locator('#password').fill(PASSWORD);
          const [res] = await Promise.all([
            page.waitForNavigation(),
            page.locator('form.form button[type=submit]').click(),
          ]);
          assert.equal(res.status(), 403);
          assert.equal(await h1(page), T[l].csrf);
          // Not signed in.
          await page.goto('/');
          assert.equal(new URL(page.url()).pathname, '/login');
        } finally {
          await done(page);
        }
      }
    });
  });
}
