// FranceConnect+ (SPEC §4.7), against the test provider of op/ (README
// there) started on a free port for this file, Espace pointed at it.
// English with JavaScript: alice links FranceConnect+ from My security,
// signs out through the provider's logout page, and signs in with
// FranceConnect+ alone. French without JavaScript: an identity linked to no
// login is refused at sign-in and at assisted recovery. Cancelling at the
// provider changes nothing. Once forced, alice passes her second factor
// with it (French, without JavaScript). Espace's public encryption keys.
// Last, the provider goes down after the first contact (issue 26): signing
// out still signs out of Espace, on Espace's own page, and signing in with
// it shows Espace's own page (503) with the way back. Axe on every Espace
// page of the way.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { axeCheck } from '../lib/axe.mjs';
import { freePort } from '../lib/server.mjs';
import { LOCALE, PASSWORD, T, done, h1, requireFor, signIn, submitLogin, text, useEnvironment } from '../lib/app.mjs';

const OP_SCRIPT = fileURLToPath(new URL('../op/fcplus-op.mjs', import.meta.url));
const CLIENT_ID = 'espace-e2e';
const CLIENT_SECRET = 'espace-e2e-secret-0123456789abcdef';

const W = {
  en: {
    section: 'Sign in with FranceConnect+', button: 'Sign in with FranceConnect+', link: 'Link FranceConnect+',
    back: 'Go back', added: /The method is added/, cancelled: 'You cancelled at FranceConnect+. Nothing was changed.',
  },
  fr: {
    section: 'Se connecter avec FranceConnect+', button: 'S’identifier avec FranceConnect+', back: 'Revenir',
    recovery: 'Prouver votre identité avec FranceConnect+', caseTitle: 'Votre demande d’aide',
    notLinked: 'Cette identité FranceConnect+ n’est liée à aucun identifiant.',
  },
};

/** Starts the test provider; resolves once it prints its READY line. */
function startProvider(env) {
  const child = spawn(process.execPath, [OP_SCRIPT], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const log = [];
  child.stderr.on('data', (chunk) => {
    log.push(chunk.toString());
    if (process.env.E2E_SERVER_LOG) process.stderr.write(chunk);
  });
  const ready = new Promise((ok, fail) => {
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const m = /FCPLUS-OP READY (\S+)/.exec(out);
      if (m) ok(m[1]);
    });
    child.on('exit', (code, signal) => fail(new Error(`the test provider exited (${code ?? signal}):\n${log.join('')}`)));
  });
  return { child, ready, log: () => log.join('') };
}

async function click(page, locator) {
  await Promise.all([page.waitForNavigation(), locator.click()]);
}

// The provider's port is chosen first: Espace reads its discovery document
// only when it is first needed, so the provider may start after Espace.
const opPort = await freePort();

describe('FranceConnect+', { timeout: 240_000 }, () => {
  const env = useEnvironment({
    host: 'localhost',
    serverEnv: {
      ESPACE__APP__FRANCECONNECT__ENABLED: 'true',
      ESPACE__APP__FRANCECONNECT__DISCOVERY_URL: `http://127.0.0.1:${opPort}/.well-known/openid-configuration`,
      ESPACE__APP__FRANCECONNECT__CLIENT_ID: CLIENT_ID,
      ESPACE__APP__FRANCECONNECT__CLIENT_SECRET: CLIENT_SECRET,
      ESPACE__APP__FRANCECONNECT__ALLOW_HTTP: 'true',
    },
  });
  let op = null;
  let issuer = null;

  before(async () => {
    // Espace names itself http://localhost:<port> (its public origin when it
    // listens on a loopback address): the provider knows it by that name.
    op = startProvider({
      OP_PORT: String(opPort),
      OP_CLIENT_ID: CLIENT_ID,
      OP_CLIENT_SECRET: CLIENT_SECRET,
      OP_REDIRECT_URIS: `${env.baseURL}/login/franceconnect/callback`,
      OP_POST_LOGOUT_REDIRECT_URIS: `${env.baseURL}/login/franceconnect/logged-out`,
      OP_CLIENT_JWKS_URI: `${env.baseURL}/.well-known/jwks.json`,
      OP_ENC_ALG: 'RSA-OAEP-256',
    });
    issuer = await op.ready;
    assert.equal(issuer, `http://127.0.0.1:${opPort}`);
  });

  after(async () => {
    if (op && op.child.exitCode === null && op.child.signalCode === null) {
      const exit = new Promise((r) => op.child.on('exit', r));
      op.child.kill('SIGTERM');
      await exit;
    }
  });

  /** Follows the button to the provider and picks a test account there (or cancels). */
  async function atProvider(page, button, account) {
    await Promise.all([
      page.waitForURL((u) => u.origin === issuer && u.pathname.startsWith('/interaction/')),
      button.click(),
    ]);
    await Promise.all([
      page.waitForURL((u) => u.origin === env.baseURL),
      page.getByRole('button', { name: account, exact: true }).click(),
    ]);
    await page.waitForLoadState();
  }

  it('en, JS: alice links FranceConnect+, signs out through the provider and signs in with it', async () => {
    const page = await env.page({ locale: LOCALE.en });
    const visited = [];
    page.on('framenavigated', (f) => { if (f === page.mainFrame()) visited.push(f.url()); });
    try {
      await signIn(page, 'alice.martin', PASSWORD);
      await page.goto('/account/security');
      await axeCheck(page, '/account/security (en, JS, FranceConnect+ offered)');
      await atProvider(page, page.getByRole('button', { name: W.en.link }), 'Alice Martin (eidas2)');
      const url = new URL(page.url());
      assert.equal(url.pathname, '/account/security');
      assert.equal(url.searchParams.get('notice'), 'added');
      assert.match(await text(page.locator('p.notice')), W.en.added);
      const card = page.locator('ul.methods > li', { hasText: 'Alice Martin' });
      assert.equal(await card.count(), 1);
      assert.match(await text(card.locator('h3')), /^Alice Martin\b/);
      assert.match(await text(card.locator('dl')), /FranceConnect\+/);
      await axeCheck(page, '/account/security with FranceConnect+ linked (en, JS)');

      // Signing out goes through the provider's logout page, which submits itself.
      visited.length = 0;
      await Promise.all([
        page.waitForURL((u) => u.origin === env.baseURL && u.pathname === '/login', { timeout: 15_000 }),
        page.getByRole('button', { name: T.en.signOut }).click(),
      ]);
      assert.ok(visited.some((u) => u.startsWith(`${issuer}/session/end`)),
        `the sign-out passes through the provider's logout page: ${visited.join(', ')}`);
      assert.equal(new URL(page.url()).searchParams.get('notice'), 'signed-out');
      assert.equal(await text(page.locator('.notice[role=status]')), T.en.signedOut);
      assert.equal(await text(page.locator('#fc-title')), W.en.section);
      await axeCheck(page, '/login after signing out through FranceConnect+ (en, JS)');

      // Signing in with FranceConnect+ alone.
      await atProvider(page, page.getByRole('button', { name: W.en.button }), 'Alice Martin (eidas2)');
      assert.equal(new URL(page.url()).pathname, '/');
      assert.equal(await h1(page), T.en.dashboardTitle);
      assert.match(await text(page.locator('main')), new RegExp(T.en.hello));
      assert.match(await text(page.locator('header')), new RegExp(T.en.signedInAs));
      await axeCheck(page, '/ signed in with FranceConnect+ (en, JS)');
    } finally {
      await done(page);
    }
  });

  it('fr, no JS: an identity linked to no login is refused at sign-in and at assisted recovery', async () => {
    let page = await env.page({ js: false, locale: LOCALE.fr });
    try {
      await page.goto('/login');
      assert.equal(await text(page.locator('#fc-title')), W.fr.section);
      await axeCheck(page, '/login with FranceConnect+ (fr, no JS)');
      await atProvider(page, page.getByRole('button', { name: W.fr.button }), 'Claire Durand (eidas3)');
      assert.equal(new URL(page.url()).pathname, '/login/franceconnect/callback');
      assert.equal(await h1(page), 'FranceConnect+');
      assert.ok((await text(page.locator('main p.notice'))).startsWith(W.fr.notLinked));
      assert.equal(await page.getByRole('link', { name: W.fr.back }).getAttribute('href'), '/login');
      await axeCheck(page, '/login/franceconnect/callback not linked, sign-in (fr, no JS)');
    } finally {
      await done(page);
    }

    page = await env.page({ js: false, locale: LOCALE.fr });
    try {
      await page.goto('/recover-account');
      await page.locator('#who').fill('Claire Durand');
      await page.locator('#company').fill('Acme Industries');
      await page.locator('#new_email').fill(`claire.${Date.now().toString(36)}@new-home.example`);
      await page.locator('#phone').fill('06 12 34 56 78');
      await page.locator('#message').fill('Mon ancienne boîte aux lettres est fermée.');
      await click(page, page.locator('main form.form button[type=submit]'));
      assert.equal(await h1(page), W.fr.caseTitle);
      const casePath = new URL(page.url()).pathname;
      assert.match(casePath, /^\/recover-account\/case\//);
      assert.equal(await text(page.locator('#fc-title')), W.fr.recovery);
      await axeCheck(page, '/recover-account/case/{reference} with FranceConnect+ (fr, no JS)');
      await atProvider(page, page.getByRole('button', { name: W.fr.button }), 'Claire Durand (eidas3)');
      assert.equal(await h1(page), 'FranceConnect+');
      assert.equal(await text(page.locator('main p.notice')), W.fr.notLinked);
      assert.equal(await page.getByRole('link', { name: W.fr.back }).getAttribute('href'), casePath);
      await axeCheck(page, '/login/franceconnect/callback not linked, recovery (fr, no JS)');
    } finally {
      await done(page);
    }
  });

  it('fr, no JS: forced, alice passes her second factor with FranceConnect+', async () => {
    const bruno = await env.page({ locale: LOCALE.fr });
    try {
      await bruno.goto('/login');
      await submitLogin(bruno, 'bruno.leroy', PASSWORD);
      await bruno.goto('/company/two-factor');
      await requireFor(bruno, 'alice.martin');
    } finally {
      await done(bruno);
    }
    const page = await env.page({ js: false, locale: LOCALE.fr });
    try {
      await page.goto('/login');
      await submitLogin(page, 'alice.martin', PASSWORD);
      assert.equal(new URL(page.url()).pathname, '/login/second-factor');
      assert.equal(await page.locator('form[action="/login/second-factor/franceconnect"]').count(), 1);
      await axeCheck(page, '/login/second-factor with FranceConnect+ (fr, no JS)');
      await atProvider(page, page.locator('form[action="/login/second-factor/franceconnect"] button'), 'Alice Martin (eidas2)');
      assert.equal(new URL(page.url()).pathname, '/');
      assert.equal(await h1(page), T.fr.dashboardTitle);
      await axeCheck(page, '/ after the second factor by FranceConnect+ (fr, no JS)');
    } finally {
      await done(page);
    }
  });

  it('en, JS: cancelling at the provider changes nothing', async () => {
    const page = await env.page({ locale: LOCALE.en });
    try {
      await page.goto('/login');
      await atProvider(page, page.getByRole('button', { name: W.en.button }), 'Cancel');
      assert.equal(await h1(page), 'FranceConnect+');
      assert.equal(await text(page.locator('main p.notice')), W.en.cancelled);
      assert.equal(await page.getByRole('link', { name: W.en.back }).getAttribute('href'), '/login');
      await axeCheck(page, '/login/franceconnect/callback cancelled (en, JS)');
    } finally {
      await done(page);
    }
  });

  it('the other halves: en without JS, fr with JS', async () => {
    // English without JavaScript: the sign-in section, an unlinked identity,
    // the recovery case's section, and the second step of forced alice.
    let page = await env.page({ js: false, locale: LOCALE.en });
    try {
      await page.goto('/login');
      assert.equal(await text(page.locator('#fc-title')), W.en.section);
      await axeCheck(page, '/login with FranceConnect+ (en, no JS)');
      await atProvider(page, page.getByRole('button', { name: W.en.button }), 'Claire Durand (eidas3)');
      assert.equal(await h1(page), 'FranceConnect+');
      assert.match(await text(page.locator('main p.notice')), /not linked to any login/);
      await axeCheck(page, '/login/franceconnect/callback not linked (en, no JS)');
      await page.goto('/recover-account');
      await page.locator('#who').fill('Claire Durand');
      await page.locator('#company').fill('Acme Industries');
      await page.locator('#new_email').fill(`claire.${Date.now().toString(36)}@elsewhere.example`);
      await page.locator('#message').fill('My old mailbox is closed.');
      await click(page, page.locator('main form.form button[type=submit]'));
      assert.equal(await text(page.locator('#fc-title')), 'Prove your identity with FranceConnect+');
      await axeCheck(page, '/recover-account/case/{reference} with FranceConnect+ (en, no JS)');
      await page.goto('/login');
      await submitLogin(page, 'alice.martin', PASSWORD);
      assert.equal(new URL(page.url()).pathname, '/login/second-factor');
      assert.equal(await page.locator('form[action="/login/second-factor/franceconnect"]').count(), 1);
      await axeCheck(page, '/login/second-factor with FranceConnect+ (en, no JS)');
    } finally {
      await done(page);
    }
    // French with JavaScript: the second step, then a cancel at the provider.
    page = await env.page({ locale: LOCALE.fr });
    try {
      await page.goto('/login');
      await submitLogin(page, 'alice.martin', PASSWORD);
      assert.equal(new URL(page.url()).pathname, '/login/second-factor');
      await axeCheck(page, '/login/second-factor with FranceConnect+ (fr, JS)');
      await atProvider(page, page.locator('form[action="/login/second-factor/franceconnect"] button'), 'Cancel');
      assert.equal(await h1(page), 'FranceConnect+');
      assert.match(await text(page.locator('main p.notice')), /Vous avez annulé sur FranceConnect\+/);
      assert.equal(await page.getByRole('link', { name: W.fr.back }).getAttribute('href'), '/login/second-factor');
      await axeCheck(page, '/login/franceconnect/callback cancelled (fr, JS)');
    } finally {
      await done(page);
    }
  });

  it("Espace's public encryption keys", async () => {
    const res = await fetch(`${env.baseURL}/.well-known/jwks.json`);
    assert.equal(res.status, 200);
    const { keys } = await res.json();
    assert.equal(keys.length, 2);
    assert.deepEqual(keys.map((k) => k.alg).sort(), ['ECDH-ES', 'RSA-OAEP-256']);
    for (const k of keys) {
      assert.equal(k.use, 'enc');
      assert.ok(k.kid, 'each key has a kid');
      assert.equal(k.d, undefined, 'no private part');
    }
  });
  it('the provider goes down after the first contact: Espace signs out and says so on its own pages', async () => {
    const page = await env.page({ locale: LOCALE.en });
    const fr = await env.page({ js: false, locale: LOCALE.fr });
    try {
      // Signed in through the provider (its documents are known now).
      await page.goto('/login');
      await atProvider(page, page.getByRole('button', { name: W.en.button }), 'Alice Martin (eidas2)');
      assert.equal(new URL(page.url()).pathname, '/');
      await fr.goto('/login');

      const exit = new Promise((r) => op.child.on('exit', r));
      op.child.kill('SIGTERM');
      await exit;

      // Signing out: out of Espace, on Espace's signed-out page.
      await Promise.all([
        page.waitForNavigation(),
        page.getByRole('button', { name: T.en.signOut }).click(),
      ]);
      assert.equal(new URL(page.url()).origin, env.baseURL);
      assert.equal(new URL(page.url()).pathname, '/login');
      assert.equal(await text(page.locator('.notice[role=status]')), T.en.signedOut);
      await page.goto('/account');
      assert.equal(new URL(page.url()).pathname, '/login', 'signed out of Espace');

      // Signing in with it: Espace's own page, with the way back.
      await page.goto('/login');
      const [res] = await Promise.all([
        page.waitForNavigation(),
        page.getByRole('button', { name: W.en.button }).click(),
      ]);
      assert.equal(res.status(), 503);
      assert.equal(await h1(page), 'FranceConnect+');
      assert.match(await text(page.locator('main p.notice')), /FranceConnect\+ cannot be reached right now/);
      assert.equal(await page.getByRole('link', { name: W.en.back }).getAttribute('href'), '/login');
      await axeCheck(page, '/login/franceconnect provider unreachable (en, JS)');

      const [resFr] = await Promise.all([
        fr.waitForNavigation(),
        fr.getByRole('button', { name: W.fr.button }).click(),
      ]);
      assert.equal(resFr.status(), 503);
      assert.match(await text(fr.locator('main p.notice')), /FranceConnect\+ est injoignable pour le moment/);
      assert.equal(await fr.getByRole('link', { name: W.fr.back }).getAttribute('href'), '/login');
      await axeCheck(fr, '/login/franceconnect provider unreachable (fr, no JS)');
    } finally {
      await done(page);
      await done(fr);
    }
  });

});
