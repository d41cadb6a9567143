// Strong authentication (issue 5), the "done when" of the issue: the
// security manager bruno.leroy forces two-factor authentication on
// alice.martin; her next sign-in leads to enrolment; she enrols an
// authenticator app (key read from the page, code from oathtool) and a
// passkey (Chromium's DevTools virtual authenticator); she then signs in
// with either, and her two-factor credentials show both of her logins.
// A passkey answer naming another user, or made for another origin, is
// refused. Axe on every new page; the second step also without JavaScript.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { axeCheck } from '../lib/axe.mjs';
import { LOCALE, PASSWORD, done, h1, requireFor, submitLogin, signIn, text, useEnvironment } from '../lib/app.mjs';

// The code of the next time step: the enrolment used the current one, and
// a step is never accepted twice.
const nextCode = (key) => execFileSync('oathtool', ['--totp', '-b', key, '-N', 'now + 30 seconds']).toString().trim();

async function click(page, locator) {
  await Promise.all([page.waitForNavigation(), locator.click()]);
}

async function signOut(page) {
  await click(page, page.locator('form.logout button'));
}

describe('two-factor authentication', { timeout: 240_000 }, () => {
  // Passkeys need a domain name: the browser reaches Espace as localhost.
  const env = useEnvironment({ host: 'localhost' });
  // Alice's recovery codes, made in the first test, used in the second.
  let recoveryCodes = [];

  it('en: forced by the security manager, enrolled with an app and a passkey, used at sign-in', async () => {
    const bruno = await env.page({ locale: LOCALE.en });
    const page = await env.page({ locale: LOCALE.en });
    try {
      await signIn(bruno, 'bruno.leroy');
      await bruno.goto('/company/two-factor');
      assert.match(await h1(bruno), /Two-factor authentication/);
      await axeCheck(bruno, '/company/two-factor');
      await requireFor(bruno, 'alice.martin');
      assert.match(await text(bruno.locator('p.notice')), /now required/);
      assert.match(await text(bruno.locator('table.data').last()), /alice\.martin.*Pending/s);
      await axeCheck(bruno, '/company/two-factor with a rule');

      const cdp = await page.context().newCDPSession(page);
      await cdp.send('WebAuthn.enable');
      await cdp.send('WebAuthn.addVirtualAuthenticator', {
        options: {
          protocol: 'ctap2', transport: 'internal', hasResidentKey: true,
          hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true,
        },
      });
      await page.goto('/login');
      await submitLogin(page, 'alice.martin', PASSWORD);
      assert.equal(new URL(page.url()).pathname, '/account/security', 'straight to enrolment');
      assert.match(await text(page.locator('p.notice.warning')), /To continue, set up a two-factor method/);
      await axeCheck(page, '/account/security (enrolment)');
      await page.goto('/account');
      assert.equal(new URL(page.url()).pathname, '/account/security', 'nothing else before a method');

      await click(page, page.getByRole('button', { name: 'Add an authenticator app' }));
      const key = (await text(page.locator('#totp-secret'))).replace(/\s/g, '');
      await page.locator('#label').fill('Phone');
      await page.locator('#code').fill(execFileSync('oathtool', ['--totp', '-b', key]).toString().trim());
      await click(page, page.locator('main form.form button[type=submit]'));
      assert.match(await text(page.locator('p.notice')), /Two-factor authentication is set up/);

      // The passkey's name: empty, not page-wide, with a hint (issue 16 item 11).
      const nameField = page.locator('#passkey-label');
      assert.equal(await nameField.inputValue(), '');
      assert.ok((await nameField.boundingBox()).width <= 330, `${(await nameField.boundingBox()).width} px`);
      assert.match(await text(page.locator('#passkey-label-hint')), /Left empty/);
      await nameField.fill('Laptop');
      await click(page, page.getByRole('button', { name: 'Add a passkey' }));
      assert.match(await text(page.locator('p.notice')), /The method is added/);
      assert.match(await text(page.locator('ul.methods')), /Laptop.*Passkey/s);
      await axeCheck(page, '/account/security (enabled, two methods)');

      await click(page, page.getByRole('button', { name: 'Generate new recovery codes' }));
      assert.equal(await h1(page), 'Recovery codes');
      recoveryCodes = await page.locator('#recovery-codes code').allTextContents();
      assert.equal(recoveryCodes.length, 10);
      await axeCheck(page, '/account/security/recovery-codes');

      await page.goto('/account/two-factor');
      const rows = await text(page.locator('table.data tbody'));
      assert.match(rows, /alice\.martin.*Enabled.*alice\.bistro.*Disabled/s);
      await axeCheck(page, '/account/two-factor');

      // Passwordless, with the passkey.
      await signOut(page);
      await page.goto('/login');
      await click(page, page.getByRole('button', { name: 'Sign in with a passkey' }));
      assert.equal(new URL(page.url()).pathname, '/');
      assert.equal(await h1(page), 'Dashboard');

      // A passkey answer for another user or made for another origin: refused.
      await signOut(page);
      await page.goto('/login');
      const statuses = await page.evaluate(async () => {
        const csrf = document.querySelector('input[name=csrf_token]').value;
        const b64 = (s) => btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
        const unb64 = (s) => atob(s.replace(/-/g, '+').replace(/_/g, '/'));
        async function attempt(change) {
          const o = await (await fetch('/login/passkey/options', {
            method: 'POST', body: new URLSearchParams({ csrf_token: csrf }),
          })).json();
          const cred = await navigator.credentials.get({ publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(o.options.publicKey) });
          const answer = cred.toJSON();
          change(answer);
          const r = await fetch('/login/passkey', {
            method: 'POST', redirect: 'manual',
            body: new URLSearchParams({ csrf_token: csrf, ceremony: o.ceremony, response: JSON.stringify(answer) }),
          });
          return r.type === 'opaqueredirect' ? 'signed in' : `${r.status} ${(await r.text()).includes('This passkey was not accepted') ? 'refused' : 'other'}`;
        }
        const otherUser = await attempt((a) => { a.response.userHandle = b64('0123456789abcdef'); });
        const otherOrigin = await attempt((a) => {
          const c = JSON.parse(unb64(a.response.clientDataJSON));
          c.origin = 'https://evil.example';
          a.response.clientDataJSON = b64(JSON.stringify(c));
        });
        return { otherUser, otherOrigin };
      });
      assert.deepEqual(statuses, { otherUser: '200 refused', otherOrigin: '200 refused' });

      // Password, then the app's code.
      await page.goto('/login');
      await submitLogin(page, 'alice.martin', PASSWORD);
      assert.equal(new URL(page.url()).pathname, '/login/second-factor');
      await axeCheck(page, '/login/second-factor');
      const app = page.locator('section.method-choice', { hasText: 'Phone' });
      await app.locator('input[name=code]').fill(nextCode(key));
      await click(page, app.locator('button[type=submit]'));
      assert.equal(await h1(page), 'Dashboard');
    } finally {
      await done(bruno);
      await done(page);
    }
  });

  it('fr: the second step, the step-up and a code by e-mail without JavaScript', async () => {
    const page = await env.page({ js: false, locale: LOCALE.fr });
    try {
      await page.goto('/login');
      await submitLogin(page, 'alice.martin', PASSWORD);
      assert.equal(new URL(page.url()).pathname, '/login/second-factor');
      assert.equal(await h1(page), 'Deuxième étape de la connexion');
      assert.equal(await page.locator('form[data-passkey]').isVisible(), false, 'passkeys need JavaScript');
      await click(page, page.getByRole('button', { name: 'Utiliser ce code de secours' }).or(page.locator('section.method-choice', { hasText: 'Phone' }).locator('button[type=submit]')).first());
      assert.ok((await text(page.locator('#error-summary'))).length > 0);
      await axeCheck(page, '/login/second-factor refused (fr, no JS)');
      await page.locator('#recovery_code').fill(recoveryCodes[0]);
      await click(page, page.getByRole('button', { name: 'Utiliser ce code de secours' }));
      assert.equal(await h1(page), 'Tableau de bord');
      await page.goto('/account/confirm?next=/account/security');
      assert.equal(await h1(page), 'Confirmez votre identité');
      await axeCheck(page, '/account/confirm (fr, no JS)');
      await page.goto('/account/security');
      await click(page, page.getByRole('button', { name: /Ajouter les codes par courriel/ }));
      assert.equal(await h1(page), 'Confirmez le code envoyé');
      await axeCheck(page, '/account/security/code/{id} (fr, no JS)');
      await click(page, page.locator('main form.form button[type=submit]'));
      assert.ok((await text(page.locator('#error-summary'))).length > 0);
      await axeCheck(page, '/account/security/code/{id} refused (fr, no JS)');
    } finally {
      await done(page);
    }
  });
});
