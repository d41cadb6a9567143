// Recovery (issue 4): forgotten password (link from the demo outbox, new
// password, signed in) and forgotten login, with JavaScript on and off, in
// both languages, axe on every page and state.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { axeCheck } from '../lib/axe.mjs';
import { LOCALE, PASSWORD, done, h1, jsLabel, newestMessageTo, signIn, summary, text, useEnvironment } from '../lib/app.mjs';

const W = {
  en: { lockTitle: 'Lock status', unlocked: /The login is unlocked/, lockLink: 'Lock status and unlock', forgot: 'Forgot your password', forgotLink: 'Forgot your password?', sent: /a link has been sent to it/, reset: 'Choose a new password', done: /Your new password is saved/, login: 'Forgot your login', loginSent: /they have been sent to it/ },
  fr: { lockTitle: 'État du blocage', unlocked: /L’identifiant est débloqué/, lockLink: 'État du blocage et déblocage', forgot: 'Mot de passe oublié', forgotLink: 'Mot de passe oublié ?', sent: /un lien y a été envoyé/, reset: 'Choisissez un nouveau mot de passe', done: /Votre nouveau mot de passe est enregistré/, login: 'Identifiant oublié', loginSent: /ils y ont été envoyés/ },
};

async function submit(page) {
  await Promise.all([page.waitForNavigation(), page.locator('main form button[type=submit]').first().click()]);
}

for (const js of [true, false]) {
  describe(`recovery (${jsLabel(js)})`, { timeout: 180_000 }, () => {
    // Every journey here mails alice's one inbox (both languages, both
    // forms): more than the anonymous cap per inbox (3 an hour), which the
    // integration tests cover.
    const env = useEnvironment({ serverEnv: { ESPACE__APP__LIMITS__INBOX_PER_HOUR__MAX: '50' } });
    for (const l of ['en', 'fr']) {
      const t = W[l];
      it(`${l}: forgot password, the link from the outbox, a new password, signed in`, async () => {
        const page = await env.page({ js, locale: LOCALE[l] });
        try {
          await page.goto('/login');
          await Promise.all([page.waitForNavigation(), page.getByRole('link', { name: t.forgotLink }).click()]);
          assert.equal(await h1(page), t.forgot);
          await axeCheck(page, `/forgot-password (${l})`);
          await submit(page);
          assert.equal((await summary(page)).items.length, 1);
          await axeCheck(page, `/forgot-password empty (${l})`);
          // alice.bistro shares alice.martin's address; the link names the login.
          await page.locator('#login').fill('alice.bistro');
          await submit(page);
          assert.match(await text(page.locator('p.notice')), t.sent);
          await axeCheck(page, `/forgot-password sent (${l})`);
          const path = (await newestMessageTo(env.baseURL, 'alice.martin@acme.example')).match(/\/reset-password\/[A-Za-z0-9_-]{43}/)[0];
          await page.goto(path);
          assert.equal(await h1(page), t.reset);
          await axeCheck(page, `/reset-password/{token} (${l})`);
          await page.locator('#new_password').fill('short');
          await page.locator('#new_password_confirm').fill('short');
          await submit(page);
          assert.ok((await summary(page)).items.length >= 1);
          await axeCheck(page, `/reset-password/{token} refused (${l})`);
          // The demo password again, so that other files can still sign in.
          await page.locator('#new_password').fill(PASSWORD);
          await page.locator('#new_password_confirm').fill(PASSWORD);
          await submit(page);
          assert.match(await text(page.locator('p.notice')), t.done);
          await signIn(page, 'alice.bistro');
        } finally {
          await done(page);
        }
      });

      it(`${l}: the security manager sees why a login is locked and unlocks it`, async () => {
        const page = await env.page({ js, locale: LOCALE[l] });
        const locked = await env.page({ js, locale: LOCALE[l] });
        try {
          await locked.goto('/login');
          for (let i = 1; i <= 5; i++) {
            await locked.locator('#login').fill('alice.martin');
            await locked.locator('#password').fill(`Wrong-unlock-${i}`);
            await Promise.all([locked.waitForNavigation(), locked.locator('form.form button[type=submit]').click()]);
          }
          await signIn(page, 'bruno.leroy');
          await page.goto('/users?q=alice.martin');
          await Promise.all([page.waitForNavigation(), page.locator('tbody a').first().click()]);
          await Promise.all([page.waitForNavigation(), page.getByRole('link', { name: t.lockLink }).click()]);
          assert.match(await h1(page), new RegExp(t.lockTitle));
          await axeCheck(page, `/logins/{id}/lock (${l})`);
          await submit(page);
          assert.match(await text(page.locator('p.notice')), t.unlocked);
          await axeCheck(page, `/logins/{id}/lock unlocked (${l})`);
          await signIn(locked, 'alice.martin');
        } finally {
          await done(page);
          await done(locked);
        }
      });

      it(`${l}: forgot login`, async () => {
        const page = await env.page({ js, locale: LOCALE[l] });
        try {
          await page.goto('/forgot-login');
          assert.equal(await h1(page), t.login);
          await axeCheck(page, `/forgot-login (${l})`);
          await page.locator('#email').fill('alice.martin@acme.example');
          await submit(page);
          assert.match(await text(page.locator('p.notice')), t.loginSent);
          await axeCheck(page, `/forgot-login sent (${l})`);
          const mail = await newestMessageTo(env.baseURL, 'alice.martin@acme.example');
          assert.match(mail, /alice\.bistro/);
        } finally {
          await done(page);
        }
      });
    }
  });
}
