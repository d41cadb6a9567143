// Temporary lock after five distinct wrong passwords, with JavaScript on and
// off; an unknown login behaves exactly the same (no enumeration).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  LOCALE, PASSWORD, T, done, expectFocus, jsLabel, signIn, submitLogin, summary, useEnvironment,
} from '../lib/app.mjs';
import { axeCheck } from '../lib/axe.mjs';

/** Five distinct wrong passwords: tries left 4, 3, 2, 1, then the lock. */
async function lockOut(page, login, t) {
  await page.goto('/login');
  for (let i = 1; i <= 4; i++) {
    await submitLogin(page, login, `Wrong-password-${i}`);
    const s = await summary(page);
    assert.deepEqual(s.items, [t.wrong], `attempt ${i}`);
    assert.deepEqual(s.help, [t.remaining(5 - i)], `attempt ${i}`);
  }
  await submitLogin(page, login, 'Wrong-password-5');
  await assertLocked(page, t, 'the fifth distinct wrong password');
}

async function assertLocked(page, t, when) {
  const s = await summary(page);
  assert.equal(s.items.length, 1, `${when}: ${JSON.stringify(s)}`);
  const m = s.items[0].match(t.locked);
  assert.ok(m, `${when}: lock message expected, got ${JSON.stringify(s)}`);
  const [, hh, mm, minutes] = m.map(Number);
  assert.ok(hh < 24 && mm < 60, `a time of day: ${m[1]}:${m[2]}`);
  assert.ok(minutes >= 1 && minutes <= 31, `about 30 minutes left: ${minutes}`);
  assert.ok(s.help.some((h) => h.includes(t.lockedHelp)), `${when}: help ${JSON.stringify(s.help)}`);
  await expectFocus(page, 'error-summary');
  return s.items[0];
}

for (const js of [true, false]) {
  describe(`lockout (${jsLabel(js)})`, { timeout: 120_000 }, () => {
    const env = useEnvironment();
    // Each variant locks a login of its own (no test elsewhere uses them).
    const login = js ? 'chloe.dubois' : 'alice.bistro';
    const unknown = `nobody.here${js ? '' : '.nojs'}`;

    it(`locks ${login} after five distinct wrong passwords, then refuses even the right one`, async () => {
      const page = await env.page({ js, locale: LOCALE.en });
      try {
        await lockOut(page, login, T.en);
        // No password form while locked (none is checked): the way out instead.
        assert.equal(await page.locator('#password').count(), 0, 'no password form while locked');
        assert.equal(await page.locator('.locked-actions a[href="/forgot-password"]').count(), 1, 'the reset is offered');
        await axeCheck(page, 'locked sign-in (en)');
        await page.goto('/login');
        await submitLogin(page, login, PASSWORD);
        assert.equal(new URL(page.url()).pathname, '/login', 'still on the sign-in page');
        await assertLocked(page, T.en, 'the right password while locked');
        await page.goto('/');
        assert.equal(new URL(page.url()).pathname, '/login', 'not signed in');
      } finally {
        await done(page);
      }
      // The lock is told in French too.
      const fr = await env.page({ js, locale: LOCALE.fr });
      try {
        await fr.goto('/login');
        await submitLogin(fr, login, PASSWORD);
        await assertLocked(fr, T.fr, 'the right password while locked, in French');
      } finally {
        await done(fr);
      }
    });

    it(`treats an unknown login (${unknown}) the same way`, async () => {
      const page = await env.page({ js, locale: LOCALE.en });
      try {
        await lockOut(page, unknown, T.en);
        await page.goto('/login');
        await submitLogin(page, unknown, PASSWORD);
        await assertLocked(page, T.en, 'any password while locked');
      } finally {
        await done(page);
      }
    });
  });
}

// Past the per-address threshold the address is refused at once (HTTP 429),
// with the time to try again, in both languages (issue 15).
for (const js of [true, false]) {
  describe(`per-address refusal (${jsLabel(js)})`, { timeout: 120_000 }, () => {
    const env = useEnvironment({ serverEnv: { ESPACE__APP__IP_THROTTLE__THRESHOLD: '3' } });

    it('answers 429 with a page that says until when, even to the right password', async () => {
      const page = await env.page({ js, locale: LOCALE.en });
      try {
        await page.goto('/login');
        for (let i = 1; i <= 3; i++) await submitLogin(page, `nobody${i}.here`, `Wrong-password-${i}`);
        const answer = page.waitForResponse((r) => r.url().endsWith('/login') && r.request().method() === 'POST');
        await submitLogin(page, 'alice.martin', PASSWORD);
        const res = await answer;
        assert.equal(res.status(), 429);
        assert.ok(Number(res.headers()['retry-after']) > 0, 'Retry-After');
        const s = await summary(page);
        assert.match(s.items[0], /Sign-in is paused for it until \d{2}:\d{2} \(in \d+ min\)\./);
        await expectFocus(page, 'error-summary');
        await axeCheck(page, 'throttled sign-in (en)');
      } finally {
        await done(page);
      }
      const fr = await env.page({ js, locale: LOCALE.fr });
      try {
        await fr.goto('/login');
        await submitLogin(fr, 'alice.martin', PASSWORD);
        const s = await summary(fr);
        assert.match(s.items[0], /La connexion y est suspendue jusqu’à \d{2}:\d{2} \(dans \d+ min\)\./);
        await axeCheck(fr, 'throttled sign-in (fr)');
      } finally {
        await done(fr);
      }
    });
  });
}

// Someone who only knows the identifier locks it for everyone else, but not
// for the owner's browser that signed in before (issue 15, SPEC §3.2).
describe('the owner\'s known browser', { timeout: 120_000 }, () => {
  const env = useEnvironment();

  it('still signs in while another browser keeps the identifier locked', async () => {
    const owner = await env.page({ js: true, locale: LOCALE.en });
    const attacker = await env.page({ js: false, locale: LOCALE.en });
    try {
      await signIn(owner, 'bruno.leroy');
      // The session ends (expired, say); the device cookie stays.
      await owner.context().clearCookies({ name: '__Host-espace-session' });
      await lockOut(attacker, 'bruno.leroy', T.en);
      await attacker.goto('/login');
      await submitLogin(attacker, 'bruno.leroy', PASSWORD);
      await assertLocked(attacker, T.en, 'the attacker, with the right password');
      // Only the browser that typed a wrong password hears that it repeated.
      await owner.goto('/login');
      await submitLogin(owner, 'bruno.leroy', 'Wrong-password-5');
      assert.ok(!(await summary(owner)).help.some((h) => h.includes('same wrong password')), 'no hint for another browser');
      await submitLogin(owner, 'bruno.leroy', PASSWORD);
      assert.notEqual(new URL(owner.url()).pathname, '/login', 'the owner is in');
    } finally {
      await done(owner);
      await done(attacker);
    }
  });
});
