// Destructive actions ask first (issue 16 item 12) and the company
// two-factor page is written for its security manager (item 9). For each
// of removing a person's access, turning off a two-factor requirement and
// removing a method: the button leads to a page that names what will
// happen, Cancel goes back with nothing changed, and the page's button
// does it. In English with JavaScript and in French without; axe (with the
// 320 px reflow check) on every new page.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { axeCheck } from '../lib/axe.mjs';
import { LOCALE, done, h1, requireFor, signIn, summary, text, useEnvironment } from '../lib/app.mjs';

const W = {
  en: {
    cancel: 'Cancel',
    turnOff: 'Turn off',
    turnOffTitle: 'Turn off this requirement?',
    turnOffButton: 'Turn off this requirement',
    everyone: 'Require it for every login',
    removeAccess: 'Remove this person’s access',
    removeAccessTitle: 'Remove Alice Martin’s access?',
    removeAccessButton: 'Remove this access',
    referent: /referent of these contracts/,
    removed: /Access removed/,
    remove: 'Remove',
    removeMethodTitle: 'Remove the method “Phone”?',
    removeMethodButton: 'Remove this method',
    methodRemoved: /The method is removed/,
    manager: /As the security manager, you decide/,
    requireTitle: 'Require two-factor authentication for Alice Martin',
    past: /must be in the future/,
  },
  fr: {
    cancel: 'Annuler',
    turnOff: 'Désactiver',
    turnOffTitle: 'Désactiver cette obligation ?',
    turnOffButton: 'Désactiver cette obligation',
    everyone: 'L’exiger pour tous les identifiants',
    removeAccess: 'Retirer l’accès de cette personne',
    removeAccessTitle: 'Retirer l’accès de Alice Martin ?',
    removeAccessButton: 'Retirer cet accès',
    referent: /référente de ces contrats/,
    removed: /Accès retiré/,
    remove: 'Supprimer',
    removeMethodTitle: 'Supprimer la méthode « Phone » ?',
    removeMethodButton: 'Supprimer cette méthode',
    methodRemoved: /La méthode est supprimée/,
    manager: /En tant que gestionnaire de sécurité, vous décidez/,
    requireTitle: 'Exiger la double authentification pour Alice Martin',
    past: /dans le futur/,
  },
};

async function click(page, locator) {
  await Promise.all([page.waitForNavigation(), locator.click()]);
}

const path = (page) => new URL(page.url()).pathname;

for (const [l, js] of [['en', true], ['fr', false]]) {
  const w = W[l];
  describe(`confirmation steps (${l}, JavaScript ${js ? 'on' : 'off'})`, { timeout: 240_000 }, () => {
    const env = useEnvironment();

    it(`${l}: the company two-factor page, and turning a requirement off`, async () => {
      const bruno = await env.page({ js, locale: LOCALE[l] });
      try {
        await signIn(bruno, 'bruno.leroy');
        await bruno.goto('/company/two-factor');
        assert.match(await text(bruno.locator('#helper-intro')), w.manager);
        // One form per kind of rule: no radios, no select of another choice.
        assert.equal(await bruno.locator('#rule-company, #rule-rights').count(), 2);
        assert.equal(await bruno.locator('main input[type=radio]').count(), 0);
        assert.equal(await bruno.locator('#rule-company select').count(), 0);
        assert.equal(await bruno.locator('#rule-rights select:visible').count(), 2);
        // Rows: Require everywhere (nothing required yet), no reset without a method.
        assert.equal(await bruno.locator('table.data a[href$="/require"]').count(), 2);
        assert.equal(await bruno.locator('table.data a[href$="/reset"]').count(), 0);
        await axeCheck(bruno, `/company/two-factor (${l})`);

        // A refused deadline comes back on its own form (nothing is created:
        // a rule for everyone would cover the manager too).
        await bruno.locator('#company-deadline').fill('2020-01-01');
        await click(bruno, bruno.getByRole('button', { name: w.everyone }));
        assert.match((await summary(bruno)).items.join(' '), w.past);
        assert.equal(await bruno.locator('#company-deadline').getAttribute('aria-invalid'), 'true');
        assert.equal(await bruno.locator('#rights-deadline').getAttribute('aria-invalid'), null, 'the other form is untouched');
        await axeCheck(bruno, `/company/two-factor refused (${l})`);

        // Require for one login: "Require" on its row leads to its own page.
        const row = bruno.locator('table.data tbody tr', { hasText: 'alice.martin' });
        await click(bruno, row.locator('a[href$="/require"]'));
        assert.equal(await h1(bruno), w.requireTitle);
        await axeCheck(bruno, `/company/two-factor/logins/{id}/require (${l})`);
        await click(bruno, bruno.getByRole('link', { name: w.cancel, exact: true }));
        assert.equal(path(bruno), '/company/two-factor');
        await requireFor(bruno, 'alice.martin');
        assert.equal(await row.locator('a[href$="/require"]').count(), 0, 'required now');

        // Turning it off asks first, naming whom it releases.
        const turnOff = bruno.locator('table.data a', { hasText: w.turnOff });
        await click(bruno, turnOff.first());
        assert.equal(await h1(bruno), w.turnOffTitle);
        assert.match(await text(bruno.locator('#released')), /alice\.martin/);
        await axeCheck(bruno, `/company/two-factor/rules/{id}/remove (${l})`);
        await click(bruno, bruno.getByRole('link', { name: w.cancel, exact: true }));
        assert.equal(path(bruno), '/company/two-factor');
        assert.equal(await turnOff.count(), 1, 'cancel changed nothing');
        await click(bruno, turnOff.first());
        await click(bruno, bruno.getByRole('button', { name: w.turnOffButton }));
        assert.equal(path(bruno), '/company/two-factor');
        assert.equal(await turnOff.count(), 0, 'turned off');
        assert.equal(await row.locator('a[href$="/require"]').count(), 1);

        // Required again, for the next test.
        await requireFor(bruno, 'alice.martin');
      } finally {
        await done(bruno);
      }
    });

    it(`${l}: removing a method, then a person's access`, async () => {
      const alice = await env.page({ js, locale: LOCALE[l] });
      const bruno = await env.page({ js, locale: LOCALE[l] });
      try {
        // Alice (required since the first test) sets up an app, then tries to remove it.
        await alice.goto('/login');
        await alice.locator('#login').fill('alice.martin');
        await alice.locator('#password').fill('Espace#2026');
        await click(alice, alice.locator('main form button[type=submit]').first());
        assert.equal(path(alice), '/account/security');
        await click(alice, alice.locator('form[action="/account/security/totp"] button'));
        const key = (await text(alice.locator('#totp-secret'))).replace(/\s/g, '');
        await alice.locator('#label').fill('Phone');
        await alice.locator('#code').fill(execFileSync('oathtool', ['--totp', '-b', key]).toString().trim());
        await click(alice, alice.locator('main form.form button[type=submit]'));
        const card = alice.locator('ul.methods > li', { hasText: 'Phone' });
        // Required, her only method: My security offers no "Remove" and says
        // why; its confirmation page, reached anyway, says the same.
        assert.equal(await card.getByRole('link', { name: new RegExp(`^${w.remove}`) }).count(), 0);
        assert.equal(await card.locator('#remove').count(), 1, 'the reason instead of the button');
        const rename = await card.locator('form[action$="/rename"]').getAttribute('action');
        await alice.goto(rename.replace(/\/rename$/, '/remove'));
        assert.equal(await h1(alice), w.removeMethodTitle);
        assert.equal(await alice.locator('#method-kept').count(), 1, 'required, her only method: it stays');
        assert.equal(await alice.locator('main form').count(), 0);
        await axeCheck(alice, `/account/security/methods/{id}/remove kept (${l})`);

        // Bruno turns the requirement off; now she may remove it.
        await signIn(bruno, 'bruno.leroy');
        await bruno.goto('/company/two-factor');
        await click(bruno, bruno.locator('table.data a', { hasText: w.turnOff }).first());
        await click(bruno, bruno.getByRole('button', { name: w.turnOffButton }));
        await alice.goto('/account/security');
        await click(alice, card.getByRole('link', { name: new RegExp(`^${w.remove}`) }));
        assert.equal(await h1(alice), w.removeMethodTitle);
        await axeCheck(alice, `/account/security/methods/{id}/remove (${l})`);
        await click(alice, alice.getByRole('link', { name: w.cancel, exact: true }));
        assert.equal(path(alice), '/account/security');
        assert.equal(await card.count(), 1, 'cancel changed nothing');
        await click(alice, card.getByRole('link', { name: new RegExp(`^${w.remove}`) }));
        await click(alice, alice.getByRole('button', { name: w.removeMethodButton }));
        assert.match(await text(alice.locator('main')), w.methodRemoved);
        assert.equal(await card.count(), 0);

        // Removing Alice's access: first the referent role, said on the page.
        await bruno.goto('/users');
        await click(bruno, bruno.locator('main a', { hasText: 'Alice Martin' }));
        const alicePage = path(bruno);
        await click(bruno, bruno.locator('form[action$="/referent"] button').first());
        await click(bruno, bruno.getByRole('link', { name: w.removeAccess }));
        assert.equal(await h1(bruno), w.removeAccessTitle);
        assert.match(await text(bruno.locator('main')), w.referent);
        assert.equal(await bruno.locator('main form').count(), 0);
        await axeCheck(bruno, `/users/{id}/remove referent (${l})`);
        await bruno.goto('/users');
        await click(bruno, bruno.locator('main a', { hasText: 'Bruno Leroy' }));
        while (await bruno.locator('form[action$="/referent"] button').count() > 0) {
          await click(bruno, bruno.locator('form[action$="/referent"] button').first());
        }
        await bruno.goto(`${alicePage}/remove`);
        assert.equal(await h1(bruno), w.removeAccessTitle);
        await axeCheck(bruno, `/users/{id}/remove (${l})`);
        await click(bruno, bruno.getByRole('link', { name: w.cancel, exact: true }));
        assert.equal(path(bruno), alicePage);
        await alice.goto('/account');
        assert.equal(path(alice), '/account', 'cancel changed nothing: she is still signed in');
        await click(bruno, bruno.getByRole('link', { name: w.removeAccess }));
        await click(bruno, bruno.getByRole('button', { name: w.removeAccessButton }));
        assert.equal(path(bruno), alicePage);
        assert.match(await text(bruno.locator('main')), w.removed);
        await alice.goto('/account');
        assert.equal(path(alice), '/login', 'her sessions ended');
      } finally {
        await done(alice);
        await done(bruno);
      }
    });
  });
}
