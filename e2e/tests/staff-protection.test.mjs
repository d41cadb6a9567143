// Strong authentication for those who act on the security of others
// (issue 15): a staff login is invited to set up a second method at
// sign-in and may go on until the deadline; a security manager without a
// method is told, prominently, that their own login is unprotected. With
// JavaScript on and off, in both languages, with axe on each page.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { axeCheck } from '../lib/axe.mjs';
import { LOCALE, done, h1, jsLabel, signIn, submitLogin, text, useEnvironment, PASSWORD } from '../lib/app.mjs';

const TEXTS = {
  en: {
    invitation: 'Protect your login with a second method',
    policy: 'The provider requires two-factor authentication for the logins of its staff',
    later: 'Later: continue without setting up a method',
    dashboard: 'Dashboard',
    warning: 'Your own login is not protected',
    fix: 'Protect my login in My security',
    security: 'My security',
  },
  fr: {
    invitation: 'Protégez votre compte avec une seconde méthode',
    policy: 'Le fournisseur exige la double authentification pour les comptes de son personnel',
    later: 'Plus tard\u00a0: continuer sans configurer de méthode',
    dashboard: 'Tableau de bord',
    warning: 'Votre propre identifiant n’est pas protégé',
    fix: 'Protéger mon identifiant dans Ma sécurité',
    security: 'Ma sécurité',
  },
};

for (const js of [true, false]) {
  describe(`staff and security managers are protected (${jsLabel(js)})`, { timeout: 120_000 }, () => {
    const env = useEnvironment();

    for (const l of ['en', 'fr']) {
      const t = TEXTS[l];
      const opts = { js, locale: LOCALE[l] };

      it(`${l}: a staff login is invited to set up a method at sign-in, and may go on`, async () => {
        const page = await env.page(opts);
        try {
          await page.goto('/login');
          await submitLogin(page, 'support.agent', PASSWORD);
          const url = new URL(page.url());
          assert.equal(url.pathname, '/account/security');
          assert.equal(url.searchParams.get('next'), '/');
          const invitation = page.locator('#enrol-invitation');
          assert.equal(await text(invitation.locator('h2')), t.invitation);
          assert.match(await text(invitation), new RegExp(t.policy));
          assert.equal(await text(page.locator('#enrol-later')), t.later.replace('\u00a0', ' '));
          await axeCheck(page, `/account/security, the invitation (${l})`);
          await Promise.all([page.waitForNavigation(), page.getByRole('link', { name: t.later }).click()]);
          assert.equal(new URL(page.url()).pathname, '/');
          assert.equal(await h1(page), t.dashboard);
          // Staff act on others' security too: the dashboard says so.
          assert.equal(await text(page.locator('#unprotected-warning h2')), t.warning);
        } finally {
          await done(page);
        }
      });

      it(`${l}: the security manager is told that their own login is unprotected`, async () => {
        const page = await env.page(opts);
        try {
          await signIn(page, 'bruno.leroy');
          const warning = page.locator('#unprotected-warning');
          assert.equal(await text(warning.locator('h2')), t.warning);
          await axeCheck(page, `/ with the warning (${l})`);
          await page.goto('/company/two-factor');
          assert.equal(await text(page.locator('#unprotected-warning h2')), t.warning);
          await axeCheck(page, `/company/two-factor with the warning (${l})`);
          await Promise.all([page.waitForNavigation(), page.getByRole('link', { name: t.fix }).click()]);
          assert.equal(new URL(page.url()).pathname, '/account/security');
          assert.equal(await h1(page), t.security);
        } finally {
          await done(page);
        }
      });
    }
  });
}
