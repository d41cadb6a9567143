// A lost second factor (issue 5, SPEC §5). The password reset of a login
// under strong authentication asks for a second factor before the new
// password (French, without JavaScript). The security manager sets the
// company's waiting period and asks for the reset of alice.martin's
// methods; she cancels it from the link of the alert (English, with
// JavaScript). Axe on every page of the way, refusals included.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { axeCheck } from '../lib/axe.mjs';
import { LOCALE, PASSWORD, done, h1, newestMessageTo, requireFor, signIn, submitLogin, summary, text, useEnvironment } from '../lib/app.mjs';

const code = (key, offset = 'now') => execFileSync('oathtool', ['--totp', '-b', key, '-N', offset]).toString().trim();

async function click(page, locator) {
  await Promise.all([page.waitForNavigation(), locator.click()]);
}

describe('lost second factor', { timeout: 240_000 }, () => {
  const env = useEnvironment();
  let alice = '';

  it('fr, no JS: a password reset of a protected login asks for a second factor first', async () => {
    const bruno = await env.page({ js: false, locale: LOCALE.fr });
    const page = await env.page({ js: false, locale: LOCALE.fr });
    try {
      await signIn(bruno, 'bruno.leroy');
      await bruno.goto('/company/two-factor');
      alice = await requireFor(bruno, 'alice.martin');
      assert.equal(await h1(bruno), 'Double authentification — Acme Industries');
      await axeCheck(bruno, '/company/two-factor (fr, no JS)');
      await bruno.goto('/company/two-factor?filter=unprotected');
      await axeCheck(bruno, '/company/two-factor?filter=unprotected (fr, no JS)');
      await bruno.goto(`/company/two-factor/logins/${alice}/reset`);
      assert.equal(await h1(bruno), 'Réinitialiser des méthodes de double authentification perdues');
      await axeCheck(bruno, '/company/two-factor/logins/{id}/reset (fr, no JS)');
      await bruno.goto('/account/two-factor');
      await axeCheck(bruno, '/account/two-factor (fr, no JS)');
      await bruno.goto('/account/security');
      await axeCheck(bruno, '/account/security (fr, no JS)');

      await page.goto('/login');
      await submitLogin(page, 'alice.martin', PASSWORD);
      assert.equal(new URL(page.url()).pathname, '/account/security', 'forced: enrolment first');
      await click(page, page.locator('form[action="/account/security/totp"] button'));
      const key = (await text(page.locator('#totp-secret'))).replace(/\s/g, '');
      await page.locator('#label').fill('Téléphone');
      await page.locator('#code').fill(code(key));
      await click(page, page.locator('main form.form button[type=submit]'));
      await page.context().clearCookies();

      await page.goto('/forgot-password');
      await page.locator('#login').fill('alice.martin');
      await click(page, page.locator('main form button[type=submit]'));
      const path = (await newestMessageTo(env.baseURL, 'alice.martin@acme.example')).match(/\/reset-password\/[A-Za-z0-9_-]{43}/)[0];
      await page.goto(path);
      assert.equal(await h1(page), 'Confirmez votre identité avant de choisir un mot de passe');
      assert.equal(await page.locator('#new_password').count(), 0, 'no password before the second factor');
      await axeCheck(page, '/reset-password/{token} second factor (fr, no JS)');
      const app = page.locator('section.method-choice', { hasText: 'Téléphone' });
      await app.locator('input[name=code]').fill('12');
      await click(page, app.locator('button[type=submit]'));
      assert.equal((await summary(page)).items.length, 1);
      await axeCheck(page, '/reset-password/{token} second factor refused (fr, no JS)');
      await page.locator('section.method-choice', { hasText: 'Téléphone' }).locator('input[name=code]').fill(code(key, 'now + 30 seconds'));
      await click(page, page.locator('section.method-choice', { hasText: 'Téléphone' }).locator('button[type=submit]'));
      assert.equal(new URL(page.url()).pathname, path);
      assert.equal(await h1(page), 'Choisissez un nouveau mot de passe');
      await page.locator('#new_password').fill(PASSWORD);
      await page.locator('#new_password_confirm').fill(PASSWORD);
      await click(page, page.locator('main form button[type=submit]'));
      assert.equal(new URL(page.url()).pathname, '/login');
    } finally {
      await done(bruno);
      await done(page);
    }
  });

  it('en: the security manager asks for a reset after a waiting period; the person cancels it', async () => {
    const bruno = await env.page({ locale: LOCALE.en });
    const page = await env.page({ locale: LOCALE.en });
    try {
      await signIn(bruno, 'bruno.leroy');
      await bruno.goto('/company/two-factor');
      assert.equal(await bruno.locator('#wait_hours').inputValue(), '24');
      await bruno.locator('#wait_hours').fill('0');
      await click(bruno, bruno.getByRole('button', { name: 'Save the waiting period' }));
      assert.match((await summary(bruno)).items.join(' '), /between 1 and 720/);
      await axeCheck(bruno, '/company/two-factor waiting period refused');
      await bruno.locator('#wait_hours').fill('2');
      await click(bruno, bruno.getByRole('button', { name: 'Save the waiting period' }));
      assert.match(await text(bruno.locator('p.notice')), /waiting period is saved/);

      await click(bruno, bruno.getByRole('link', { name: 'Reset methods — alice.martin' }));
      assert.equal(await h1(bruno), 'Reset lost two-factor methods');
      assert.match(await text(bruno.locator('main')), /in 2 hours/);
      await axeCheck(bruno, '/company/two-factor/logins/{id}/reset');
      await click(bruno, bruno.getByRole('button', { name: 'Reset the methods after the waiting period' }));
      assert.match((await summary(bruno)).items.join(' '), /Say why/);
      await axeCheck(bruno, '/company/two-factor/logins/{id}/reset refused');
      await bruno.locator('#reason').fill('Phone lost; called back on her desk line');
      await click(bruno, bruno.getByRole('button', { name: 'Reset the methods after the waiting period' }));
      assert.match(await text(bruno.locator('p.notice')), /The reset is requested/);
      assert.match(await text(bruno.locator('table.data').last()), /alice\.martin.*asked to reset the methods/s);
      await axeCheck(bruno, '/company/two-factor with a pending reset');

      const mail = await newestMessageTo(env.baseURL, 'alice.martin@acme.example');
      const cancel = mail.match(/\/factor-reset\/[A-Za-z0-9_-]{43}/)[0];
      await page.goto(cancel);
      assert.equal(await h1(page), 'Cancel the reset of your two-factor methods');
      await axeCheck(page, '/factor-reset/{token}');
      await click(page, page.getByRole('button', { name: 'Cancel the reset' }));
      assert.equal(await h1(page), 'Reset cancelled');
      await axeCheck(page, '/factor-reset/{token} cancelled');
      await bruno.reload();
      assert.doesNotMatch(await text(bruno.locator('table.data').last()), /asked to reset the methods/);
    } finally {
      await done(bruno);
      await done(page);
    }
  });
});

describe('a form refused for the step-up', { timeout: 120_000 }, () => {
  // The shortest step-up window the configuration allows.
  const env = useEnvironment({ serverEnv: { ESPACE__APP__STRONG__STEP_UP_WINDOW: '30' } });

  it('fr, no JS: comes back as typed after the confirmation', async () => {
    const bruno = await env.page({ js: false, locale: LOCALE.fr });
    try {
      await signIn(bruno, 'bruno.leroy');
      await bruno.goto('/company/two-factor');
      await new Promise((r) => setTimeout(r, 31_000));
      await bruno.locator('#wait_hours').fill('36');
      await click(bruno, bruno.locator('form[action="/company/two-factor/wait"] button'));
      assert.equal(new URL(bruno.url()).pathname, '/account/confirm');
      await bruno.locator('#password').fill(PASSWORD);
      await click(bruno, bruno.locator('main form button[type=submit]'));
      assert.equal(new URL(bruno.url()).pathname, '/account/confirm/resume');
      assert.equal(await h1(bruno), 'Terminez ce que vous aviez commencé');
      await axeCheck(bruno, '/account/confirm/resume (fr, no JS)');
      await click(bruno, bruno.getByRole('button', { name: 'Envoyer le formulaire' }));
      assert.match(await text(bruno.locator('p.notice')), /délai d’attente est enregistré/);
      assert.equal(await bruno.locator('#wait_hours').inputValue(), '36');
    } finally {
      await done(bruno);
    }
  });
});
