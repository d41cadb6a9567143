// My security (issue 5, part): an authenticator app is added by reading
// the key from the page and computing the code with oathtool (an
// independent TOTP implementation), renamed and removed. JavaScript on and
// off, both languages, axe on every page and state.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { axeCheck } from '../lib/axe.mjs';
import { LOCALE, done, h1, jsLabel, newestMessageTo, signIn, summary, text, useEnvironment } from '../lib/app.mjs';

const W = {
  en: { link: 'My security: two-factor methods', title: 'My security', add: 'Add an authenticator app', totp: 'Add an authenticator app', added: /The method is added/, renamed: /The method is renamed/, removed: /The method is removed/, remove: 'Remove', rename: 'Rename',
    addTitle: 'Add a method', off: 'Not enabled', email: 'Code by e-mail', sms: 'Code by SMS', app: 'Authenticator app', addEmail: 'Add codes by e-mail', sentTo: 'Codes sent to', code: 'Confirm the code we sent' },
  fr: { link: 'Ma sécurité : méthodes de double authentification', title: 'Ma sécurité', add: 'Ajouter une application d’authentification', totp: 'Ajouter une application d’authentification', added: /La méthode est ajoutée/, renamed: /La méthode est renommée/, removed: /La méthode est supprimée/, remove: 'Supprimer', rename: 'Renommer',
    addTitle: 'Ajouter une méthode', off: 'Non activée', email: 'Code par courriel', sms: 'Code par SMS', app: 'Application d’authentification', addEmail: 'Ajouter les codes par courriel', sentTo: 'Codes envoyés à', code: 'Confirmez le code envoyé' },
};

const oathtool = (key) => execFileSync('oathtool', ['--totp', '-b', key]).toString().trim();

async function click(page, locator) {
  await Promise.all([page.waitForNavigation(), locator.click()]);
}

for (const js of [true, false]) {
  describe(`my security (${jsLabel(js)})`, { timeout: 180_000 }, () => {
    const env = useEnvironment();
    for (const l of ['en', 'fr']) {
      const t = W[l];
      it(`${l}: adds an authenticator app from the key on the page, renames and removes it`, async () => {
        const page = await env.page({ js, locale: LOCALE[l] });
        const name = `App ${l} ${js ? 'js' : 'nojs'}`;
        try {
          await signIn(page, 'alice.martin');
          await page.goto('/account');
          await click(page, page.getByRole('link', { name: t.link }));
          assert.equal(await h1(page), t.title);
          await axeCheck(page, `/account/security (${l})`);
          await click(page, page.getByRole('button', { name: t.add }));
          assert.equal(await h1(page), t.totp);
          assert.equal(await page.locator('figure.qr svg[role=img]').count(), 1);
          await axeCheck(page, `/account/security/totp/{id} (${l})`);
          await click(page, page.locator('main form.form button[type=submit]'));
          assert.equal((await summary(page)).items.length, 2);
          await axeCheck(page, `/account/security/totp/{id} refused (${l})`);
          const key = (await text(page.locator('#totp-secret'))).replace(/\s/g, '');
          await page.locator('#label').fill(name);
          await page.locator('#code').fill(oathtool(key));
          await click(page, page.locator('main form.form button[type=submit]'));
          assert.match(await text(page.locator('p.notice')), t.added);
          await axeCheck(page, `/account/security with a method (${l})`);
          const card = page.locator('ul.methods > li', { hasText: name });
          await card.locator('input[name=label]').fill(`${name} (renamed)`);
          await click(page, card.locator('button', { hasText: t.rename }));
          assert.match(await text(page.locator('p.notice')), t.renamed);
          // Removing asks first (issue 16 item 12), then the page's button does it.
          await click(page, page.locator('ul.methods > li', { hasText: `${name} (renamed)` }).locator('a', { hasText: t.remove }));
          await axeCheck(page, `/account/security/methods/{id}/remove (${l}, ${jsLabel(js)})`);
          await click(page, page.locator('main form button.danger'));
          assert.match(await text(page.locator('p.notice')), t.removed);
          assert.equal(await page.locator('ul.methods > li', { hasText: name }).count(), 0);
        } finally {
          await done(page);
        }
      });

      it(`${l}: each method to add has a heading, a line and one action; codes by e-mail go to a masked address`, async () => {
        const page = await env.page({ js, locale: LOCALE[l] });
        try {
          await signIn(page, 'chloe.dubois');
          await page.goto('/account/security');
          // Not enabled, at a glance: an icon and a word.
          const state = page.locator('#security-state');
          assert.match(await text(state), new RegExp(`✕ ${t.off}`));
          const add = page.locator('section', { has: page.getByRole('heading', { level: 2, name: t.addTitle }) });
          const cards = add.locator('li.add-method');
          assert.ok((await cards.count()) >= 3);
          for (const card of await cards.all()) {
            assert.equal(await card.locator('h3').count(), 1);
            assert.ok((await card.locator('h3 + p').count()) === 1, 'one line of what it is');
            assert.ok((await card.locator('button:visible').count()) <= 1, 'one action');
          }
          for (const name of [t.app, t.email, t.sms]) {
            assert.equal(await add.getByRole('heading', { level: 3, name }).count(), 1, name);
          }
          const email = add.locator('li#add-email');
          assert.match(await text(email), /c•••@bistro-lumiere\.example/);
          await click(page, email.getByRole('button', { name: t.addEmail }));
          assert.equal(await h1(page), t.code);
          assert.equal(await page.locator('main form.form button[type=submit]').innerText(), t.addEmail);
          await axeCheck(page, `/account/security/code/{id} (${l})`);
          const code = (await newestMessageTo(env.baseURL, 'chloe.dubois@bistro-lumiere.example')).match(/\b(\d{6})\b/)[1];
          await page.locator('#code').fill(code);
          await click(page, page.locator('main form.form button[type=submit]'));
          assert.match(await text(page.locator('p.notice')), t.added);
          const card = page.locator('ul.methods > li').first();
          assert.match(await text(card), new RegExp(`${t.sentTo}.*c•••@bistro-lumiere\\.example`));
          await axeCheck(page, `/account/security with a code method (${l})`);
          // Removing goes through its confirmation page (item 12).
          await click(page, card.getByRole('link', { name: new RegExp(`^${t.remove}`) }));
          await click(page, page.locator('main form button.danger'));
          assert.match(await text(page.locator('p.notice')), t.removed);
        } finally {
          await done(page);
        }
      });
    }
  });
}
