// What the tests know about Espace: demo logins, texts in both languages,
// and small page helpers shared by the test files.
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { launchBrowser, newContext } from './browser.mjs';
import { startServer } from './server.mjs';

export const PASSWORD = 'Espace#2026';

/** Locales for Accept-Language: `de-DE` matches nothing, so Espace falls back to French. */
export const LOCALE = { en: 'en-GB', fr: 'fr-FR', none: 'de-DE' };

export const T = {
  en: {
    loginTitle: 'Sign in',
    dashboardTitle: 'Dashboard',
    accountTitle: 'My account',
    a11yTitle: 'Accessibility statement',
    hello: 'Hello Alice',
    company: 'Acme Industries',
    signedInAs: 'Signed in as Alice Martin',
    signOut: 'Sign out',
    signedOut: 'You are signed out.',
    summaryTitle: 'There is a problem',
    missingLogin: 'Enter your login.',
    missingPassword: 'Enter your password.',
    wrong: 'The login or the password is incorrect.',
    remaining: (n) => (n === 1
      ? 'You have 1 more try before your login is locked for 30 minutes.'
      : `You have ${n} more tries before your login is locked for 30 minutes.`),
    repeated: 'same wrong password again',
    locked: /Your login is temporarily locked after too many wrong passwords\. It unlocks by itself at (\d{2}):(\d{2}) \(in (\d+) min\)\./,
    lockedHelp: 'no password is checked, even a correct one',
    showPassword: 'Show password',
    hidePassword: 'Hide password',
    notFound: 'Page not found',
    csrf: 'This form has expired',
    skip: 'Skip to main content',
    sections: ['My personal information', 'My company', 'My security'],
    sessionWarningTitle: 'Your session is about to end',
    sessionWarningText: /^You will be signed out at (\d{2}:\d{2}) unless you stay signed in\.$/,
    sessionStay: 'Stay signed in',
    sessionExtended: 'Your session has been extended.',
  },
  fr: {
    loginTitle: 'Se connecter',
    dashboardTitle: 'Tableau de bord',
    accountTitle: 'Mon compte',
    a11yTitle: 'Déclaration d’accessibilité',
    hello: 'Bonjour Alice',
    company: 'Acme Industries',
    signedInAs: 'Connecté en tant que Alice Martin',
    signOut: 'Se déconnecter',
    signedOut: 'Vous êtes déconnecté.',
    summaryTitle: 'Il y a un problème',
    missingLogin: 'Saisissez votre identifiant.',
    missingPassword: 'Saisissez votre mot de passe.',
    wrong: 'L’identifiant ou le mot de passe est incorrect.',
    remaining: (n) => (n === 1
      ? 'Il vous reste 1 essai avant que votre identifiant soit bloqué pendant 30 minutes.'
      : `Il vous reste ${n} essais avant que votre identifiant soit bloqué pendant 30 minutes.`),
    repeated: 'même mauvais mot de passe',
    locked: /Votre identifiant est temporairement bloqué après trop de mots de passe erronés\. Il se débloque de lui-même à (\d{2}):(\d{2}) \(dans (\d+) min\)\./,
    lockedHelp: 'aucun mot de passe n’est vérifié, même correct',
    showPassword: 'Afficher le mot de passe',
    hidePassword: 'Masquer le mot de passe',
    notFound: 'Page introuvable',
    csrf: 'Ce formulaire a expiré',
    skip: 'Aller au contenu principal',
    sections: ['Mes informations personnelles', 'Ma société', 'Ma sécurité'],
    sessionWarningTitle: 'Votre session va bientôt se terminer',
    sessionWarningText: /^Vous serez déconnecté à (\d{2}:\d{2}) si vous ne restez pas connecté\.$/,
    sessionStay: 'Rester connecté',
    sessionExtended: 'Votre session a été prolongée.',
  },
};

/** Text with white space collapsed (and Unicode bidi isolation marks dropped). */
export const norm = (s) => (s ?? '').replace(/[\u2068\u2069]/g, '').replace(/\s+/g, ' ').trim();

export async function text(locator) {
  return norm(await locator.innerText());
}

/**
 * One server and one browser for the tests of the enclosing describe():
 * returns an object whose fields are filled in before the tests run.
 * `serverEnv`: extra environment variables for the server.
 */
export function useEnvironment({ serverEnv, host } = {}) {
  const env = { server: null, browser: null, baseURL: null };
  before(async () => {
    env.server = await startServer({ env: serverEnv, host });
    env.baseURL = env.server.baseURL;
    env.browser = await launchBrowser();
  });
  after(async () => {
    await env.browser?.close();
    await env.server?.stop();
  });
  /** A fresh page in a fresh context (own cookies). */
  env.page = async (opts = {}) => {
    const ctx = await newContext(env.browser, { baseURL: env.baseURL, ...opts });
    return ctx.newPage();
  };
  return env;
}

/** The newest message of the demo outbox sent to `to`, as text. */
export async function newestMessageTo(baseURL, to) {
  const html = await (await fetch(`${baseURL}/dev/outbox`)).text();
  const article = html.split('<article').find((a) => a.includes(`class="outbox-to">${to}<`));
  assert.ok(article, `a message to ${to} in the outbox`);
  return article.replace(/&#(\d+);/g, (_, n) => String.fromCharCode(Number(n))).replace(/&amp;/g, '&');
}

/** Closes the page's context (and its cookies). */
export async function done(page) {
  await page.context().close();
}

/** The language of the page, from <html lang>. */
export async function lang(page) {
  return page.locator('html').getAttribute('lang');
}

export async function h1(page) {
  return text(page.locator('h1'));
}

/** Fills the sign-in form on the current page and submits it with the mouse. */
export async function submitLogin(page, login, password) {
  await page.locator('#login').fill(login);
  await page.locator('#password').fill(password);
  await Promise.all([
    page.waitForNavigation(),
    page.locator('form.form button[type=submit]').click(),
  ]);
}

/**
 * The provider's staff logins: strong authentication is enforced on them by
 * policy, and the demo's have no method yet, so their sign-in passes through
 * the invitation to set one up (its deadline is weeks ahead).
 */
export const STAFF = ['support.agent', 'wam.paris', 'moderator.dsa'];

/**
 * Right after a sign-in: a staff login is invited to set up a method and
 * goes on with "later"; anyone else sees no invitation.
 */
export async function passInvitation(page, login) {
  const invited = new URL(page.url()).pathname === '/account/security'
    && (await page.locator('#enrol-invitation').count()) === 1;
  assert.equal(invited, STAFF.includes(login), `the invitation to enrol for ${login}`);
  if (invited) {
    await Promise.all([page.waitForNavigation(), page.locator('#enrol-later').click()]);
  }
}

/** Opens /login and signs in; asserts the dashboard is shown. */
export async function signIn(page, login, password = PASSWORD) {
  await page.goto('/login');
  await submitLogin(page, login, password);
  await passInvitation(page, login);
  assert.equal(new URL(page.url()).pathname, '/', `sign-in as ${login} should land on the dashboard`);
}

/** The texts of the error summary: its list items and help paragraphs. */
export async function summary(page) {
  const box = page.locator('#error-summary');
  return {
    items: (await box.locator('li').allInnerTexts()).map(norm),
    help: (await box.locator('p').allInnerTexts()).map(norm),
    all: await text(box),
  };
}

/** The id of the focused element. */
export function focusedId(page) {
  return page.evaluate(() => document.activeElement?.id ?? null);
}

/**
 * Asserts that the element with this id gets the focus. `autofocus` is
 * applied at the first rendering update, which may come just after the load
 * event: poll from here (in-page polling needs timers, which do not run
 * without JavaScript).
 */
export async function expectFocus(page, id, message) {
  let seen = null;
  for (const started = Date.now(); Date.now() - started < 3_000;) {
    seen = await focusedId(page);
    if (seen === id) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.equal(seen, id, message ?? `#${id} should have the focus`);
}

/** A label for test names. */
export const jsLabel = (js) => (js ? 'JavaScript on' : 'JavaScript off');

/// On the company two-factor page: "Require" on the row of `identifier`,
/// then the button of its page (issue 16 item 9). Returns the login's id.
export async function requireFor(page, identifier) {
  const row = page.locator('table.data tbody tr', { has: page.locator('th', { hasText: identifier }) });
  const link = row.locator('a[href$="/require"]');
  const id = (await link.getAttribute('href')).split('/')[4];
  await Promise.all([page.waitForNavigation(), link.click()]);
  await Promise.all([page.waitForNavigation(), page.locator('main form[action="/company/two-factor/rules"] button[type=submit]').click()]);
  return id;
}
