// The companion app (issue 6, SPEC §4.6). bruno forces strong
// authentication on alice; alice links a phone (a second browser context
// with Chromium's virtual authenticator, user verification on) from My
// security, then approves her next sign-in on it by picking the number
// her screen shows: English with JavaScript (server-sent events), French
// without JavaScript on the computer (the waiting page refreshes itself),
// where the phone denies. Signing out of Espace in the phone's own browser
// leaves the phone linked (device tokens, service worker) and its browser
// known (issue 26); "this wasn't me" tells the computer why it is back at
// the sign-in page. The installable app: manifest, service worker,
// offline shell. Axe on every page of the way.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { axeCheck } from '../lib/axe.mjs';
import { LOCALE, PASSWORD, T, done, h1, requireFor, submitLogin, text, useEnvironment } from '../lib/app.mjs';

/** How many "new sign-in" e-mails bruno has in the demo outbox. */
async function newDeviceMailsToBruno(baseURL) {
  const html = await (await fetch(`${baseURL}/dev/outbox`)).text();
  return html.split('<article')
    .filter((a) => a.includes('class="outbox-to">bruno.leroy@acme.example<'))
    .filter((a) => /nouvelle connexion à votre identifiant|new sign-in to your login/.test(a))
    .length;
}

async function click(page, locator) {
  await Promise.all([page.waitForNavigation(), locator.click()]);
}

async function withAuthenticator(page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2', transport: 'internal', hasResidentKey: true,
      hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true,
    },
  });
}

describe('companion app', { timeout: 240_000 }, () => {
  const env = useEnvironment({ host: 'localhost' });
  let phone = null;

  it('en, JS: alice links a phone and approves her sign-in on it by number', async () => {
    const bruno = await env.page({ locale: LOCALE.en });
    const alice = await env.page({ locale: LOCALE.en });
    phone = await env.page({ locale: LOCALE.en });
    try {
      await bruno.goto('/login');
      await submitLogin(bruno, 'bruno.leroy', PASSWORD);
      await bruno.goto('/company/two-factor');
      await requireFor(bruno, 'alice.martin');
      await done(bruno);

      // Forced without a method: her sign-in leads to My security.
      await alice.goto('/login');
      await submitLogin(alice, 'alice.martin', PASSWORD);
      assert.equal(new URL(alice.url()).pathname, '/account/security');
      await click(alice, alice.getByRole('button', { name: 'Link a phone' }));
      assert.equal(await h1(alice), 'Link a phone');
      await axeCheck(alice, '/account/security/companion/{id} (en, JS)');
      const link = await text(alice.locator('#companion-url'));
      assert.match(link, /^http:\/\/localhost:\d+\/companion\/link\//);

      // The phone opens the link and creates its passkey.
      await withAuthenticator(phone);
      await phone.goto(link);
      assert.equal(await h1(phone), 'Link this phone');
      await axeCheck(phone, '/companion/link/{id}/{mac} (en, JS)');
      await phone.locator('#label').fill('Pixel');
      await click(phone, phone.getByRole('button', { name: 'Link this phone' }));
      assert.equal(new URL(phone.url()).pathname, '/companion');
      assert.match(await text(phone.locator('.notice')), /This phone is linked/);
      await axeCheck(phone, '/companion (en, JS, nothing waiting)');

      // Her login is protected now: going on asks for the new method.
      await click(alice, alice.getByRole('link', { name: 'My phone is linked' }));
      assert.equal(new URL(alice.url()).pathname, '/login/second-factor');
      await axeCheck(alice, '/login/second-factor (en, JS, companion)');
      await click(alice, alice.getByRole('button', { name: /Send a request to my phone/ }));
      assert.equal(await h1(alice), 'Approve on your phone');
      await axeCheck(alice, '/login/second-factor/push/{id} (en, JS)');
      const number = await text(alice.locator('.push-digits'));
      assert.match(number, /^\d\d$/);

      // The phone shows it (its polling reloads the page), with three numbers.
      await phone.waitForSelector('.push-request', { timeout: 10_000 });
      assert.match(await text(phone.locator('.push-request h3')), /Sign-in to alice\.martin/);
      assert.equal(await phone.locator('input[name=number]').count(), 3);
      await axeCheck(phone, '/companion (en, JS, a request waiting)');
      await phone.locator(`input[name=number][value="${number}"]`).check();
      await Promise.all([
        alice.waitForURL((u) => u.pathname.startsWith('/account/security/companion/'), { timeout: 15_000 }),
        click(phone, phone.getByRole('button', { name: 'Approve' })),
      ]);
      assert.match(await text(phone.locator('.notice')), /Approved/);
      assert.match(await text(alice.locator('.notice')), /“Pixel” is linked/);
      await axeCheck(alice, '/account/security/companion/{id} linked (en, JS)');
    } finally {
      await done(alice);
    }
  });

  it("en, JS: signing out of Espace in the phone's browser leaves the phone linked and its browser known", async () => {
    const alice = await env.page({ locale: LOCALE.en });
    try {
      // The phone's app is installed (its service worker ready)…
      await phone.goto('/companion');
      await phone.evaluate(() => navigator.serviceWorker.ready.then(() => true));
      const tokens = (await phone.context().cookies()).find((c) => c.name === 'espace-companion');
      assert.ok(tokens, 'the device tokens');
      // …and the same browser signs in to Espace's website, then out.
      await phone.goto('/login');
      await submitLogin(phone, 'bruno.leroy', PASSWORD);
      assert.equal(new URL(phone.url()).pathname, '/');
      const device = (await phone.context().cookies()).find((c) => c.name === '__Host-espace-device');
      assert.ok(device, 'the browser is known from now on');
      const mails = await newDeviceMailsToBruno(env.baseURL);
      await click(phone, phone.getByRole('button', { name: T.en.signOut }));
      assert.equal(new URL(phone.url()).pathname, '/login');
      assert.equal(await text(phone.locator('.notice[role=status]')), T.en.signedOut);
      const after = await phone.context().cookies();
      assert.ok(!after.some((c) => c.name === '__Host-espace-session'), 'the session cookie is gone');
      assert.equal(after.find((c) => c.name === 'espace-companion')?.value, tokens.value, 'the device tokens stay');
      assert.equal(after.find((c) => c.name === '__Host-espace-device')?.value, device.value, 'the device cookie stays');
      assert.ok(await phone.evaluate(() => navigator.serviceWorker.getRegistrations().then((r) => r.length > 0)),
        'the service worker stays');
      // Signing in again from it is no news: no "was this you?" e-mail.
      await phone.goto('/login');
      await submitLogin(phone, 'bruno.leroy', PASSWORD);
      assert.equal(await newDeviceMailsToBruno(env.baseURL), mails);
      await click(phone, phone.getByRole('button', { name: T.en.signOut }));

      // alice's next sign-in is still approved on the phone.
      await alice.goto('/login');
      await submitLogin(alice, 'alice.martin', PASSWORD);
      await click(alice, alice.getByRole('button', { name: /Send a request to my phone/ }));
      const number = await text(alice.locator('.push-digits'));
      assert.match(number, /^\d\d$/);
      await phone.goto('/companion');
      await phone.waitForSelector('.push-request', { timeout: 10_000 });
      assert.match(await text(phone.locator('.push-request h3')), /Sign-in to alice\.martin/);
      await phone.locator(`input[name=number][value="${number}"]`).check();
      await Promise.all([
        alice.waitForURL((u) => u.pathname === '/', { timeout: 15_000 }),
        click(phone, phone.getByRole('button', { name: 'Approve' })),
      ]);
      assert.match(await text(phone.locator('.notice')), /Approved/);
    } finally {
      await done(alice);
    }
  });

  it('fr, no JS on the computer: the waiting page refreshes, the phone denies', async () => {
    const alice = await env.page({ js: false, locale: LOCALE.fr });
    try {
      await alice.goto('/login');
      await submitLogin(alice, 'alice.martin', PASSWORD);
      await axeCheck(alice, '/login/second-factor (fr, no JS, companion)');
      await click(alice, alice.getByRole('button', { name: /Envoyer une demande à mon téléphone/ }));
      assert.equal(await h1(alice), 'Approuvez sur votre téléphone');
      assert.match(await text(alice.locator('.push-wait')), /Cette page se met à jour toutes les 5 secondes/);
      await axeCheck(alice, '/login/second-factor/push/{id} (fr, no JS)');

      // The phone in French: a request cannot be approved without a number.
      await phone.context().setExtraHTTPHeaders({ 'Accept-Language': 'fr-FR' });
      await phone.goto('/companion');
      await phone.waitForSelector('.push-request');
      assert.match(await text(phone.locator('.push-request h3')), /Connexion à alice\.martin/);
      await phone.getByRole('button', { name: 'Approuver' }).click();
      assert.match(await text(phone.locator('[data-passkey-status]')), /Choisissez le nombre affiché/);
      await axeCheck(phone, '/companion (fr, JS, no number chosen)');
      await click(phone, phone.getByRole('button', { name: 'Refuser' }));
      assert.match(await text(phone.locator('.notice')), /Refusé/);

      // The computer's page sees it at its next refresh.
      await alice.waitForSelector('text=La demande a été refusée sur votre téléphone.', { timeout: 12_000 });
      await axeCheck(alice, '/login/second-factor/push/{id} denied (fr, no JS)');
      assert.ok(await alice.getByRole('button', { name: 'Envoyer une nouvelle demande' }).isVisible());
    } finally {
      await done(alice);
    }
  });

  it('fr and en, no JS: linking pages and the app say what needs JavaScript', async () => {
    const alice = await env.page({ js: false, locale: LOCALE.fr });
    const other = await env.page({ js: false, locale: LOCALE.fr });
    const en = await env.page({ js: false, locale: LOCALE.en });
    try {
      // Signing in: approved on the phone, the page refreshing by itself.
      await alice.goto('/login');
      await submitLogin(alice, 'alice.martin', PASSWORD);
      await click(alice, alice.getByRole('button', { name: /Envoyer une demande à mon téléphone/ }));
      const number = await text(alice.locator('.push-digits'));
      await phone.goto('/companion');
      await phone.waitForSelector('.push-request');
      await phone.locator(`input[name=number][value="${number}"]`).check();
      await click(phone, phone.getByRole('button', { name: 'Approuver' }));
      await alice.waitForURL((u) => u.pathname === '/', { timeout: 12_000 });

      await alice.goto('/account/security');
      await click(alice, alice.getByRole('button', { name: 'Lier un téléphone' }));
      assert.equal(await h1(alice), 'Lier un téléphone');
      await axeCheck(alice, '/account/security/companion/{id} (fr, no JS)');
      const link = await text(alice.locator('#companion-url'));
      await other.goto(link);
      assert.equal(await h1(other), 'Lier ce téléphone');
      assert.ok(await other.getByText('Lier un téléphone nécessite JavaScript').isVisible());
      await axeCheck(other, '/companion/link/{id}/{mac} (fr, no JS)');
      await other.goto('/companion');
      assert.match(await text(other.locator('main')), /Ce téléphone n’est lié à aucun identifiant/);
      await axeCheck(other, '/companion not linked (fr, no JS)');
      await en.goto(link);
      assert.equal(await h1(en), 'Link this phone');
      await axeCheck(en, '/companion/link/{id}/{mac} (en, no JS)');
      await en.goto('/companion/offline');
      assert.equal(await h1(en), 'You are offline');
      await axeCheck(en, '/companion/offline (en, no JS)');
    } finally {
      await done(alice);
      await done(other);
      await done(en);
    }
  });

  it('the app installs: manifest, service worker, offline shell', async () => {
    const manifest = await (await fetch(`${env.baseURL}/companion/manifest.webmanifest`, { headers: { 'Accept-Language': 'en' } })).json();
    assert.equal(manifest.start_url, '/companion');
    assert.equal(manifest.display, 'standalone');
    assert.ok(manifest.icons.length > 0);
    await phone.goto('/companion');
    await phone.evaluate(() => navigator.serviceWorker.ready.then(() => true));
    await phone.context().setOffline(true);
    await phone.goto('/companion');
    // The shell was kept at installation, in the language of that moment.
    assert.equal(await h1(phone), 'You are offline');
    await axeCheck(phone, '/companion offline shell');
    await phone.context().setOffline(false);
    await done(phone);
  });
});

// "This wasn't me" (issue 26): its own server, so that the requests of the
// journey above do not count against this login's limits.
describe('companion app: "this wasn\'t me"', { timeout: 240_000 }, () => {
  const env = useEnvironment({ host: 'localhost' });

  it('the computer says why it is back at the sign-in page (en JS, fr no JS)', async () => {
    const bruno = await env.page({ locale: LOCALE.en });
    const alice = await env.page({ locale: LOCALE.en });
    const phone = await env.page({ locale: LOCALE.en });
    try {
      await bruno.goto('/login');
      await submitLogin(bruno, 'bruno.leroy', PASSWORD);
      await bruno.goto('/company/two-factor');
      await requireFor(bruno, 'alice.martin');
      await alice.goto('/login');
      await submitLogin(alice, 'alice.martin', PASSWORD);
      await click(alice, alice.getByRole('button', { name: 'Link a phone' }));
      const link = await text(alice.locator('#companion-url'));
      await withAuthenticator(phone);
      await phone.goto(link);
      await phone.locator('#label').fill('Pixel');
      await click(phone, phone.getByRole('button', { name: 'Link this phone' }));
      assert.equal(new URL(phone.url()).pathname, '/companion');
    } finally {
      await done(bruno);
      await done(alice);
    }

    // A phone not seen for eight days is named at the second step (its
    // app may be gone), in both languages; once it opens its app, it is
    // seen again.
    await phone.goto('about:blank');
    env.server.sql('UPDATE companion_devices SET created_at = created_at - 691200000, last_seen_at = created_at - 691200000');
    for (const [locale, js, seen] of [
      [LOCALE.en, true, /Your phone “Pixel” was last seen 8 days ago\. If the companion app was removed/],
      [LOCALE.fr, false, /Votre téléphone «\s*Pixel\s*» a été vu pour la dernière fois il y a 8 jours\./],
    ]) {
      const computer = await env.page({ js, locale });
      try {
        await computer.goto('/login');
        await submitLogin(computer, 'alice.martin', PASSWORD);
        assert.equal(new URL(computer.url()).pathname, '/login/second-factor');
        assert.match(await text(computer.locator('.push-unseen')), seen);
        const button = computer.locator('form[action="/login/second-factor/push"] button');
        assert.match(await button.getAttribute('aria-describedby'), /-unseen$/);
        await axeCheck(computer, `/login/second-factor, a phone unseen for 8 days (${locale}, ${js ? 'JS' : 'no JS'})`);
      } finally {
        await done(computer);
      }
    }
    await phone.goto('/companion');
    for (const [locale, js, report, said] of [
      [LOCALE.en, true, 'This wasn’t me', /You said on your phone that this was not you/],
      [LOCALE.fr, false, 'Ce n’était pas moi', /Vous avez indiqué sur votre téléphone que ce n’était pas vous/],
    ]) {
      const computer = await env.page({ js, locale });
      const how = `${locale}, ${js ? 'JS' : 'no JS'}`;
      try {
        await computer.goto('/login');
        await submitLogin(computer, 'alice.martin', PASSWORD);
        await click(computer, computer.locator('form[action="/login/second-factor/push"] button'));
        // The number: large, and named for screen readers.
        const number = computer.locator('h2.push-number');
        assert.match(await text(number.locator('.push-digits')), /^\d\d$/);
        assert.match(await text(number), js ? /^Number to pick:\s*\d\d$/ : /^Nombre à choisir\s*:\s*\d\d$/);
        await axeCheck(computer, `/login/second-factor/push/{id} (${how}, the number)`);
        await phone.context().setExtraHTTPHeaders({ 'Accept-Language': locale });
        await phone.goto('/companion');
        await phone.waitForSelector('.push-request', { timeout: 10_000 });
        await Promise.all([
          computer.waitForURL((u) => u.pathname === '/login' && u.searchParams.get('notice') === 'push-reported', { timeout: 15_000 }),
          click(phone, phone.getByRole('button', { name: report })),
        ]);
        assert.match(await text(computer.locator('.notice[role=status]')), said);
        await axeCheck(computer, `/login?notice=push-reported (${how})`);
      } finally {
        await done(computer);
      }
    }
    await done(phone);
  });
});
