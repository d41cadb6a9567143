// Temporary lock after five distinct wrong passwords, with JavaScript on and
// off; an unknown login behaves exactly the same (no enumeration).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  LOCALE, PASSWORD, T, done, expectFocus, jsLabel, submitLogin, summary, useEnvironment,
} from '../lib/app.mjs';

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
        await submitLogin(page, unknown, PASSWORD);
        await assertLocked(page, T.en, 'any password while locked');
      } finally {
        await done(page);
      }
    });
  });
}
