// My security (issue 5, part): an authenticator app is added by reading
// the key from the page and computing the code with oathtool (an
// independent TOTP implementation), renamed and removed. JavaScript on and
// off, both languages, axe on every page and state.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { axeCheck } from '../lib/axe.mjs';
import { LOCALE, done, h1, jsLabel, signIn, summary, text, useEnvironment } from '../lib/app.mjs';

const W = {
  en: { link: 'My security: two-factor methods', title: 'My security', add: 'Add an authenticator app', totp: 'Add an authenticator app', added: /The method is added/, renamed: /The method is renamed/, removed: /The method is removed/, remove: 'Remove', rename: 'Rename' },
  fr: { link: 'Ma sécurité : méthodes de double authentification', title: 'Ma sécurité', add: 'Ajouter une application d’authentification', totp: 'Ajouter une application d’authentification', added: /La méthode est ajoutée/, renamed: /La méthode est renommée/, removed: /La méthode est supprimée/, remove: 'Supprimer', rename: 'Renommer' },
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
    }
  });
}
