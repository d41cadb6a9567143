// The second step of sign-in (issue 16 item 7): it must not look signed
// in (no name, no navigation, no menu, no "Stay signed in"), it says where
// a code goes (masked), a wrong code turns the button into "Send a new
// code", and a method whose label is its kind is named once. Both
// languages, with and without JavaScript, axe-checked (which also checks
// reflow at 320 px).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { axeCheck } from '../lib/axe.mjs';
import { LOCALE, PASSWORD, done, jsLabel, newestMessageTo, requireFor, signIn, submitLogin, summary, text, useEnvironment } from '../lib/app.mjs';

const ADDRESS = 'alice.martin@acme.example';
const MASKED = 'a•••@acme.example';

const WORDS = {
  en: {
    kind: 'Code by e-mail', goes: `The code goes to ${MASKED}.`, sent: `A code is sent to ${MASKED}.`,
    send: 'Send me a code', resend: 'Send a new code', submit: 'Continue', stay: 'Stay signed in', who: 'Signed in as',
  },
  fr: {
    kind: 'Code par courriel', goes: `Le code est envoyé à ${MASKED}.`, sent: `Un code est envoyé à ${MASKED}.`,
    send: 'M’envoyer un code', resend: 'Envoyer un nouveau code', submit: 'Continuer', stay: 'Rester connecté', who: 'Connecté en tant que',
  },
};

async function click(page, locator) {
  await Promise.all([page.waitForNavigation(), locator.click()]);
}

const code = async (baseURL) => (await newestMessageTo(baseURL, ADDRESS)).match(/\b(\d{6})\b/)[1];

describe('the second step of sign-in', { timeout: 180_000 }, () => {
  const env = useEnvironment();

  it('alice adds a code by e-mail, keeping the label the form offers; it is then required of her', async () => {
    const page = await env.page({ locale: LOCALE.en });
    try {
      await signIn(page, 'alice.martin');
      await page.goto('/account/security');
      await click(page, page.locator('form[action="/account/security/code-method/email"] button'));
      assert.equal(await page.locator('#label').inputValue(), 'Code by e-mail', 'the label offered is the kind');
      await page.locator('#code').fill(await code(env.baseURL));
      await click(page, page.locator('main form.form button[type=submit]'));
      assert.equal(new URL(page.url()).pathname, '/account/security');
    } finally {
      await done(page);
    }
    // Her security manager requires two-factor authentication of her: her
    // sign-ins now pass a second step.
    const bruno = await env.page({ locale: LOCALE.en });
    try {
      await signIn(bruno, 'bruno.leroy');
      await bruno.goto('/company/two-factor');
      await requireFor(bruno, 'alice.martin');
      assert.match(await text(bruno.locator('p.notice')), /now required/);
    } finally {
      await done(bruno);
    }
  });

  for (const [lang, js] of [['en', true], ['fr', false], ['en', false], ['fr', true]]) {
    it(`${lang}, ${jsLabel(js)}: signed-out header, where the code goes, a new code after a wrong one`, async () => {
      const w = WORDS[lang];
      const page = await env.page({ locale: LOCALE[lang], js });
      try {
        await page.goto('/login');
        await submitLogin(page, 'alice.martin', PASSWORD);
        assert.equal(new URL(page.url()).pathname, '/login/second-factor');
        // Nothing of a signed-in header.
        for (const sel of ['.site-header .who', 'nav.main-nav', 'details.menu', 'form.logout', '#session-warning', '.session-notice']) {
          assert.equal(await page.locator(sel).count(), 0, `${sel} on the second step`);
        }
        const body = await text(page.locator('body'));
        assert.ok(!body.includes(w.stay) && !body.includes(w.who), 'no session tools, no name');
        assert.equal(await page.locator('body[data-session-expires]').count(), 0);
        // The method named once, and where its code goes.
        const card = page.locator('section.method-choice', { has: page.locator('form[action="/login/second-factor/send"]') });
        const heading = await text(card.locator('h2'));
        assert.ok(heading.startsWith(w.kind) && !heading.includes('('), `named once: ${heading}`);
        assert.ok((await text(card)).includes(w.goes), await text(card));
        assert.ok(!(await text(page.locator('main'))).includes(ADDRESS), 'never the whole address');
        await axeCheck(page, `/login/second-factor (${lang}, ${jsLabel(js)})`);

        await click(page, card.getByRole('button', { name: w.send }));
        const sentCard = page.locator('section.method-choice', { has: page.locator('form[action="/login/second-factor/send"]') });
        assert.ok((await text(sentCard.locator('p.notice'))).startsWith(w.sent), 'where it was sent');
        assert.match(await text(sentCard.locator('form[action="/login/second-factor/send"] button')), new RegExp(`^${w.resend}`));

        // A wrong code: the error, and the button offers a new code.
        await sentCard.locator('input[name=code]').fill('000000');
        await click(page, sentCard.locator('form.form button[type=submit]'));
        assert.ok((await summary(page)).items.length >= 1, 'the wrong code is told');
        const again = page.locator('section.method-choice', { has: page.locator('form[action="/login/second-factor/send"]') });
        assert.match(await text(again.locator('form[action="/login/second-factor/send"] button')), new RegExp(`^${w.resend}`));
        assert.equal(await page.locator('.site-header .who').count(), 0, 'still signed out after the error');
        await axeCheck(page, `/login/second-factor after a wrong code (${lang}, ${jsLabel(js)})`);

        // The right code signs in: now the header is signed in.
        await again.locator('input[name=code]').fill(await code(env.baseURL));
        await click(page, again.locator('form.form button[type=submit]'));
        assert.equal(new URL(page.url()).pathname, '/');
        assert.equal(await page.locator('.site-header .who').count() >= 1, true, 'signed in now');
      } finally {
        await done(page);
      }
    });
  }
});
