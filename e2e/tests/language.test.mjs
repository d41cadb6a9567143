// Language: French by default, English on request, the choice kept in a
// cookie and, once signed in, with the login.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  LOCALE, T, done, h1, jsLabel, lang, passInvitation, signIn, submitLogin, PASSWORD, text, useEnvironment,
} from '../lib/app.mjs';

async function switchTo(page, code) {
  const button = page.locator(`form.lang-switch button[name=lang][value=${code}]`);
  await Promise.all([page.waitForNavigation(), button.click()]);
  assert.equal(await lang(page), code);
  assert.equal(await page.locator(`form.lang-switch button[value=${code}]`).getAttribute('aria-current'), 'true');
}

for (const js of [true, false]) {
  describe(`language (${jsLabel(js)})`, { timeout: 120_000 }, () => {
    const env = useEnvironment();

    it('speaks French by default, English once chosen, and keeps English after signing in', async () => {
      const page = await env.page({ js, locale: LOCALE.none });
      try {
        await page.goto('/login');
        assert.equal(await lang(page), 'fr');
        assert.equal(await h1(page), T.fr.loginTitle);
        assert.equal(await page.locator('form.lang-switch button[value=fr]').getAttribute('aria-current'), 'true');

        await switchTo(page, 'en');
        assert.equal(new URL(page.url()).pathname, '/login', 'back on the same page');
        assert.equal(await h1(page), T.en.loginTitle);

        await submitLogin(page, 'alice.martin', PASSWORD);
        assert.equal(new URL(page.url()).pathname, '/');
        assert.equal(await lang(page), 'en');
        assert.equal(await h1(page), T.en.dashboardTitle);
        assert.match(await text(page.locator('main')), new RegExp(T.en.hello));

        // No language is switched while alice.martin is signed in: that would
        // store a preference with her login (tested below with other logins).
      } finally {
        await done(page);
      }
    });

    it('follows the browser language (Accept-Language) when nothing was chosen', async () => {
      for (const [locale, code] of [[LOCALE.en, 'en'], [LOCALE.fr, 'fr'], [LOCALE.none, 'fr']]) {
        const page = await env.page({ js, locale });
        try {
          await page.goto('/login');
          assert.equal(await lang(page), code, `Accept-Language ${locale}`);
          assert.equal(await h1(page), T[code].loginTitle);
        } finally {
          await done(page);
        }
      }
    });

    it('remembers the language chosen while signed in for the next sign-in, in another browser', async () => {
      // A login of its own per variant: its preference changes here.
      const login = js ? 'support.agent' : 'moderator.dsa';
      let page = await env.page({ js, locale: LOCALE.fr });
      try {
        await signIn(page, login);
        assert.equal(await lang(page), 'fr');
        await switchTo(page, 'en');
        assert.equal(await h1(page), T.en.dashboardTitle);
        await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: T.en.signOut }).click()]);
        assert.equal(await lang(page), 'en', 'the sign-out notice is in the language in use');
        assert.equal(await text(page.locator('.notice[role=status]')), T.en.signedOut);
      } finally {
        await done(page);
      }

      // A fresh browser context that prefers French: French until signed in,
      // then the login's English.
      page = await env.page({ js, locale: LOCALE.fr });
      try {
        await page.goto('/login');
        assert.equal(await lang(page), 'fr');
        await submitLogin(page, login, PASSWORD);
        await passInvitation(page, login);
        assert.equal(new URL(page.url()).pathname, '/');
        assert.equal(await lang(page), 'en');
        assert.equal(await h1(page), T.en.dashboardTitle);
        // Put the preference back.
        await switchTo(page, 'fr');
        assert.equal(await h1(page), T.fr.dashboardTitle);
      } finally {
        await done(page);
      }
    });
  });
}
