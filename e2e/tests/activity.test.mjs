// The security timeline (issue 16 item 17) at 320 px, in both languages,
// with and without JavaScript: 25 events a page, "older" and "newer"
// links that keep the filters, a GET filter form, a clear message for a
// bad address, each line's reference; and support finding an event by
// that reference in the back office. Axe on every state (reflow included).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { REFLOW_WIDTH, axeCheck } from '../lib/axe.mjs';
import { LOCALE, PASSWORD, done, h1, jsLabel, signIn, submitLogin, summary, text, useEnvironment } from '../lib/app.mjs';

const WORDS = {
  en: { title: 'Security activity', older: 'Older events', newer: 'Newer events', show: 'Show', badKind: 'Choose a kind of event from the list.', find: 'Find an event', signedIn: 'Signed in' },
  fr: { title: 'Activité de sécurité', older: 'Événements plus anciens', newer: 'Événements plus récents', show: 'Afficher', badKind: 'Choisissez un type d’événement dans la liste.', find: 'Retrouver un événement', signedIn: 'Connexion réussie' },
};

const PHONE = { width: REFLOW_WIDTH, height: 640 };

async function click(page, locator) {
  await Promise.all([page.waitForNavigation(), locator.click()]);
}

describe('the security timeline', { timeout: 240_000 }, () => {
  const env = useEnvironment();
  let reference = null;

  it('chloe signs in and out enough to fill more than a page', async () => {
    const page = await env.page({ locale: LOCALE.en });
    try {
      for (let i = 0; i < 14; i++) {
        await page.goto('/login');
        await submitLogin(page, 'chloe.dubois', PASSWORD);
        await click(page, page.locator('form.logout button'));
      }
    } finally {
      await done(page);
    }
  });

  for (const [lang, js] of [['en', true], ['fr', false], ['en', false], ['fr', true]]) {
    it(`${lang}, ${jsLabel(js)}, ${REFLOW_WIDTH} px: pages, filters, a bad address`, async () => {
      const w = WORDS[lang];
      const page = await env.page({ locale: LOCALE[lang], js, viewport: PHONE });
      try {
        await signIn(page, 'chloe.dubois');
        await page.goto('/account/activity');
        assert.equal(await h1(page), w.title);
        assert.equal(await page.locator('main table tbody tr').count(), 25, 'a page of 25');
        const older = page.locator('nav.pager a[rel=next]');
        assert.equal(await text(older), w.older);
        assert.ok((await older.getAttribute('aria-label')).startsWith(w.older), 'its name starts with its text');
        assert.equal(await page.locator('nav.pager a[rel=prev]').count(), 0, 'nothing newer than the newest');
        const refs = await page.locator('main td.reference').allInnerTexts();
        assert.ok(refs.every((r) => /^[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}$/.test(r.trim())), refs.join(' '));
        reference ??= refs[0].trim();
        await axeCheck(page, `/account/activity (${lang}, ${jsLabel(js)})`);

        await click(page, older);
        assert.match(page.url(), /before=/);
        assert.ok(await page.locator('main table tbody tr').count() >= 1);
        await click(page, page.locator('nav.pager a[rel=prev]'));
        assert.deepEqual((await page.locator('main td.reference').allInnerTexts()).map((r) => r.trim()), refs.map((r) => r.trim()), 'newer leads back');

        // The GET form: sign-ins of the last 7 days; the pages keep it.
        await page.locator('#kind').selectOption('sign-ins');
        await page.locator('#period').selectOption('7d');
        await click(page, page.getByRole('button', { name: w.show }));
        const url = new URL(page.url());
        assert.equal(url.searchParams.get('kind'), 'sign-ins');
        assert.equal(url.searchParams.get('period'), '7d');
        assert.equal(await page.locator('#kind').inputValue(), 'sign-ins', 'the choice is kept');
        assert.equal(await page.locator('main table tbody tr').count(), 25);
        await click(page, page.locator('nav.pager a[rel=next]'));
        const next = new URL(page.url());
        assert.equal(next.searchParams.get('kind'), 'sign-ins');
        assert.equal(next.searchParams.get('period'), '7d');
        await axeCheck(page, `/account/activity filtered, older page (${lang}, ${jsLabel(js)})`);

        // A bad address: told, tied to the field, the events still shown.
        await page.goto('/account/activity?kind=nonsense');
        const s = await summary(page);
        assert.deepEqual(s.items, [w.badKind]);
        assert.equal(await page.locator('#kind').getAttribute('aria-invalid'), 'true');
        assert.ok(await page.locator('main table tbody tr').count() > 0);
        assert.match(await page.title(), /^(Error|Erreur)/);
        await axeCheck(page, `/account/activity with a bad kind (${lang}, ${jsLabel(js)})`);
      } finally {
        await done(page);
      }
    });
  }

  for (const [lang, js] of [['fr', false], ['en', true]]) {
    it(`${lang}, ${jsLabel(js)}: support finds an event by the reference the person reads`, async () => {
      assert.ok(reference, 'a reference read from the timeline');
      const w = WORDS[lang];
      const page = await env.page({ locale: LOCALE[lang], js, viewport: PHONE });
      try {
        await signIn(page, 'support.agent');
        await page.goto('/backoffice');
        await click(page, page.locator('main a[href="/backoffice/events"]'));
        assert.equal(await h1(page), w.find);
        await axeCheck(page, `/backoffice/events (${lang}, ${jsLabel(js)})`);
        await page.locator('#reference').fill(reference.toLowerCase().replace(/-/g, ' '));
        await click(page, page.locator('main form.search button'));
        const card = page.locator('main section.card');
        assert.equal(await card.count(), 1);
        assert.match(await text(card), /chloe\.dubois/);
        assert.match(await text(card), new RegExp(reference));
        await axeCheck(page, `/backoffice/events, found (${lang}, ${jsLabel(js)})`);
        await page.locator('#reference').fill('not a reference');
        await click(page, page.locator('main form.search button'));
        assert.equal((await summary(page)).items.length, 1);
        assert.equal(await page.locator('#reference').getAttribute('aria-invalid'), 'true');
        await axeCheck(page, `/backoffice/events, a bad reference (${lang}, ${jsLabel(js)})`);
      } finally {
        await done(page);
      }
    });
  }
});
