// My Account: signed-in devices, the security timeline and the language of
// one's messages (issue 26), with JavaScript on and off, in both
// languages, with axe on each page.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { axeCheck } from '../lib/axe.mjs';
import { LOCALE, done, h1, jsLabel, signIn, text, useEnvironment } from '../lib/app.mjs';

const TITLES = {
  en: { rights: 'My rights', sessions: 'Signed-in devices', activity: 'Security activity', signOut: 'Sign out', others: 'Sign out all other devices', none: 'No other device is signed in.', thisDevice: 'This device', signedIn: 'Signed in' },
  fr: { rights: 'Mes droits', sessions: 'Appareils connectés', activity: 'Activité de sécurité', signOut: 'Déconnecter', others: 'Déconnecter tous les autres appareils', none: 'Aucun autre appareil n’est connecté.', thisDevice: 'Cet appareil', signedIn: 'Connexion' },
};

for (const js of [true, false]) {
  describe(`my account: devices and activity (${jsLabel(js)})`, { timeout: 120_000 }, () => {
    const env = useEnvironment();

    for (const l of ['en', 'fr']) {
      const t = TITLES[l];
      it(`${l}: another device is listed, signed out, and the timeline says so`, async () => {
        const login = l === 'en' ? 'bruno.leroy' : 'chloe.dubois';
        const other = await env.page({ js, locale: LOCALE[l] });
        const page = await env.page({ js, locale: LOCALE[l] });
        try {
          await signIn(page, login);

          // From the My Account hub to the devices page, by its link.
          await page.goto('/account');
          await Promise.all([page.waitForNavigation(), page.getByRole('link', { name: t.sessions }).click()]);
          assert.equal(await h1(page), t.sessions);
          // Sessions left by other test files on a shared database go first,
          // with "Sign out all other devices".
          const all = page.getByRole('button', { name: t.others });
          if (await all.count()) {
            await Promise.all([page.waitForNavigation(), all.click()]);
          }
          assert.match(await text(page.locator('main')), new RegExp(t.none));

          await signIn(other, login);
          await page.reload();
          assert.match(await text(page.locator('tbody')), new RegExp(t.thisDevice));
          await axeCheck(page, `/account/sessions (${l})`);

          // Sign the other device out with its own button.
          const buttons = page.locator('tbody button');
          assert.equal(await buttons.count(), 1);
          await Promise.all([page.waitForNavigation(), buttons.first().click()]);
          // A success banner (issue 16, item 5: an alert that takes the focus, no longer role=status).
          assert.equal(await page.locator('#notice[role=alert] p.notice').count(), 1);
          await axeCheck(page, `/account/sessions after signing out a device (${l})`);
          assert.equal(await text(page.locator('main')).then((m) => m.includes(t.none)), true);

          await other.goto('/account');
          assert.equal(new URL(other.url()).pathname, '/login', 'the other device is signed out');

          await page.goto('/account/rights');
          assert.equal(await h1(page), t.rights);
          await axeCheck(page, `/account/rights (${l})`);

          await page.goto('/account/activity');
          assert.equal(await h1(page), t.activity);
          assert.match(await text(page.locator('tbody')), new RegExp(t.signedIn));
          await axeCheck(page, `/account/activity (${l})`);
        } finally {
          await done(other);
          await done(page);
        }
      });

      it(`${l}: the language of one's messages is chosen on My account`, async () => {
        const page = await env.page({ js, locale: LOCALE[l] });
        const other = l === 'en' ? 'fr' : 'en';
        const W = {
          en: { legend: 'Language of your e-mails and text messages', saved: /Your language is saved/, label: 'English', changed: 'Language of messages changed' },
          fr: { legend: 'Langue de vos courriels et SMS', saved: /Votre langue est enregistrée/, label: 'Français', changed: 'Langue des messages modifiée' },
        };
        try {
          await signIn(page, 'alice.martin');
          await page.goto('/account');
          const group = page.getByRole('group', { name: W[l].legend });
          assert.equal(await group.count(), 1);
          await axeCheck(page, `/account with the language form (${l})`);
          await group.getByRole('radio', { name: W[other].label }).check();
          await Promise.all([page.waitForNavigation(), page.locator('form[action="/account/language"] button').click()]);
          assert.equal(new URL(page.url()).searchParams.get('notice'), 'language');
          // The pages follow the chosen language at once.
          assert.match(await text(page.locator('p.notice[role=status]')), W[other].saved);
          assert.equal(await page.getByRole('group', { name: W[other].legend }).getByRole('radio', { name: W[other].label }).isChecked(), true);
          await axeCheck(page, `/account after choosing the language (${other})`);
          await page.goto('/account/activity');
          assert.match(await text(page.locator('tbody')), new RegExp(W[other].changed));
        } finally {
          await done(page);
        }
      });
    }
  });
}
