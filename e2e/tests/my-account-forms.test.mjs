// My Account forms (issue 3): password, contact information with codes
// from the demo outbox, My company and the manager's inbox, users and
// invitations — with JavaScript on and off, in both languages, axe on
// every page and state.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { axeCheck } from '../lib/axe.mjs';
import { LOCALE, PASSWORD, done, h1, jsLabel, newestMessageTo, signIn, summary, text, useEnvironment } from '../lib/app.mjs';

const W = {
  en: {
    password: 'Change my password', contact: 'My contact information', company: 'My company', users: 'Users and rights',
    inbox: 'Messages from my customers', invite: 'Invite a user', outbox: 'Demo outbox', dead: 'This link no longer works',
    invitation: 'Choose your password', dollar: 'This character is not allowed: “$”', level: /Level: too weak/,
    rules5: 'The new password does not follow 5 rules', wrongCurrent: 'The current password is incorrect.',
    changed: 'Your password has been changed', back: 'Back to My account', show: 'Show password', hide: 'Hide password',
    codeSent: 'A 6-digit code has been sent to the new address', emailChanged: 'Your e-mail address has been changed',
    sent: 'Your message has been sent', needMessage: 'Write your message.', step2: 'Step 2 of 2', invited: 'The invitation has been sent',
    passwordSet: 'Your password is set', undo: 'Undo a change of contact information', undone: 'The change has been undone',
  },
  fr: {
    password: 'Modifier mon mot de passe', contact: 'Mes coordonnées', company: 'Ma société', users: 'Utilisateurs et droits',
    inbox: 'Messages de mes clients', invite: 'Inviter un utilisateur', outbox: 'Boîte d’envoi de la démonstration', dead: 'Ce lien ne fonctionne plus',
    invitation: 'Choisissez votre mot de passe', dollar: 'Ce caractère n’est pas autorisé : « $ »', level: /Niveau : trop faible/,
    rules5: 'Le nouveau mot de passe ne respecte pas 5 règles', wrongCurrent: 'Le mot de passe actuel est incorrect.',
    changed: 'Votre mot de passe a été modifié', back: 'Retour à Mon compte', show: 'Afficher le mot de passe', hide: 'Masquer le mot de passe',
    codeSent: 'Un code à 6 chiffres a été envoyé à la nouvelle adresse', emailChanged: 'Votre adresse électronique a été modifiée',
    sent: 'Votre message a été envoyé', needMessage: 'Écrivez votre message.', step2: 'Étape 2 sur 2', invited: 'L’invitation a été envoyée',
    passwordSet: 'Votre mot de passe est enregistré', undo: 'Annuler une modification de coordonnées', undone: 'La modification a été annulée',
  },
};

const unique = () => `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;

async function submit(page, form) {
  await Promise.all([page.waitForNavigation(), form.locator('button[type=submit]').first().click()]);
}

for (const js of [true, false]) {
  describe(`my account forms (${jsLabel(js)})`, { timeout: 240_000 }, () => {
    const env = useEnvironment();

    for (const l of ['en', 'fr']) {
      const t = W[l];
      const opts = { js, locale: LOCALE[l] };

      it(`${l}: a refused new password lists every unmet rule and names "$"`, async () => {
        const page = await env.page(opts);
        try {
          await signIn(page, 'alice.martin');
          await page.goto('/account');
          await Promise.all([page.waitForNavigation(), page.getByRole('link', { name: t.password }).click()]);
          assert.equal(await h1(page), t.password);
          await axeCheck(page, `/account/password (${l})`);
          await page.locator('#current_password').fill(PASSWORD);
          await page.locator('#new_password').fill('abc$');
          if (js) {
            await page.locator('#new_password-level').waitFor({ state: 'visible' });
            assert.match(await text(page.locator('#new_password-level')), t.level);
            assert.match(await text(page.locator('#new_password-level')), /« \$ »|“\$”/);
            await axeCheck(page, `/account/password with the live level (${l})`);
          }
          await page.locator('#new_password_confirm').fill('abc$');
          await submit(page, page.locator('main form'));
          // One round, each error once (issue 16 item 10): the summary
          // counts the broken rules, the field lists them.
          const s = await summary(page);
          assert.ok(s.all.includes(t.rules5), s.all);
          assert.ok(!s.all.includes(t.dollar), 'not repeated in the summary');
          const rules = (await page.locator('#new_password-error li').allInnerTexts()).map((x) => x.replace(/\s+/g, ' ').trim());
          assert.equal(rules.length, 5, rules.join(' | '));
          assert.ok(rules.some((r) => r.includes(t.dollar)), rules.join(' | '));
          assert.equal((await text(page.locator('main'))).split(t.dollar).length - 1, 1, 'shown once');
          assert.equal(await page.locator('#new_password').getAttribute('aria-invalid'), 'true');
          // The level after submit, also without JavaScript (SPEC §3.1).
          assert.ok(await page.locator('#new_password-level').isVisible());
          assert.match(await text(page.locator('#new_password-level')), t.level);
          // An underscore inside an underlined link stays visible: the
          // underline sits below the descenders.
          const offset = await page.locator('#error-summary a').first().evaluate((a) => {
            const cs = getComputedStyle(a);
            return parseFloat(cs.textUnderlineOffset) / parseFloat(cs.fontSize);
          });
          assert.ok(offset >= 0.25, `underline offset ${offset}em`);
          await axeCheck(page, `/account/password refused (${l})`);

          // A wrong current password and a weak new one: both in one round.
          await page.locator('#current_password').fill('Wrong#2026x');
          await page.locator('#new_password').fill('abc$');
          await page.locator('#new_password_confirm').fill('abc$');
          await submit(page, page.locator('main form'));
          const both = await summary(page);
          assert.equal(both.items.length, 2, both.all);
          assert.equal(both.items[0], t.wrongCurrent);
          assert.ok(both.items[1].startsWith(t.rules5), both.all);
          await axeCheck(page, `/account/password, two fields refused (${l})`);

          // "Show password", as on sign-in: only with JavaScript.
          const toggle = page.locator('button.toggle-password[aria-controls=current_password]');
          if (js) {
            await page.locator('#current_password').fill(PASSWORD);
            await toggle.click();
            assert.equal(await page.locator('#current_password').getAttribute('type'), 'text');
            assert.equal(await toggle.getAttribute('aria-pressed'), 'true');
            assert.match(await text(toggle), new RegExp(t.hide));
            await toggle.click();
            assert.equal(await page.locator('#current_password').getAttribute('type'), 'password');
            assert.equal(await page.locator('button.toggle-password').count(), 3);
          } else {
            assert.equal(await toggle.isVisible(), false);
          }

          // Done: a confirmation page with the way back; then back to the
          // demo password for the other tests.
          const changeTo = async (from, to) => {
            await page.goto('/account/password');
            await page.locator('#current_password').fill(from);
            await page.locator('#new_password').fill(to);
            await page.locator('#new_password_confirm').fill(to);
            await submit(page, page.locator('main form'));
          };
          await changeTo(PASSWORD, 'Lumen#Fibre42_x');
          assert.equal(new URL(page.url()).pathname, '/account/password/changed');
          assert.equal(await h1(page), t.changed);
          assert.equal(await page.locator('form input[name=current_password]').count(), 0, 'not the form again');
          await axeCheck(page, `/account/password/changed (${l})`);
          await Promise.all([page.waitForNavigation(), page.getByRole('link', { name: t.back }).click()]);
          assert.equal(new URL(page.url()).pathname, '/account');
          await changeTo('Lumen#Fibre42_x', PASSWORD);
          assert.equal(await h1(page), t.changed);
        } finally {
          await done(page);
        }
      });

      it(`${l}: a new e-mail takes effect with the code from the outbox`, async () => {
        const page = await env.page(opts);
        // (Not chloe.dubois: lockout.test.mjs locks her for 30 minutes, and
        // the PostgreSQL run shares one database across files.)
        const address = `alice.${unique()}@example.org`;
        try {
          await signIn(page, 'alice.martin');
          await page.goto('/account/contact');
          assert.equal(await h1(page), t.contact);
          await axeCheck(page, `/account/contact (${l})`);
          const previous = (await text(page.locator('#email-section strong').first()));
          const emailForm = page.locator('form[action="/account/contact/email"]');
          await page.locator('#email').fill('not an address');
          await submit(page, emailForm);
          assert.equal((await summary(page)).items.length, 1);
          await axeCheck(page, `/account/contact with a bad address (${l})`);
          await page.locator('#email').fill(address);
          await submit(page, page.locator('form[action="/account/contact/email"]'));
          assert.match(await text(page.locator('p.notice')), new RegExp(t.codeSent));
          await axeCheck(page, `/account/contact waiting for the code (${l})`);
          const code = (await newestMessageTo(env.baseURL, address)).match(/\b(\d{6})\b/)[1];
          await page.locator('#code').fill(code);
          await submit(page, page.locator('form[action="/account/contact/email/confirm"]'));
          assert.match(await text(page.locator('p.notice')), new RegExp(t.emailChanged));
          assert.match(await text(page.locator('main')), new RegExp(address.replace(/\./g, '\\.')));
          await axeCheck(page, `/account/contact changed (${l})`);
          // The previous address got an undo link: it offers, then undoes.
          const undo = (await newestMessageTo(env.baseURL, previous)).match(/\/account\/undo\/[A-Za-z0-9_-]{43}/)[0];
          const owner = await env.page(opts);
          try {
            await owner.goto(undo);
            assert.equal(await h1(owner), t.undo);
            await axeCheck(owner, `/account/undo/{token} (${l})`);
            await submit(owner, owner.locator('main form'));
            assert.equal(await h1(owner), t.undone);
            await axeCheck(owner, `/account/undo/{token} done (${l})`);
            await page.goto('/account/contact');
            assert.equal(new URL(page.url()).pathname, '/login', 'undoing signs every device out');
            await signIn(page, 'alice.martin');
            await page.goto('/account/contact');
            assert.equal(await text(page.locator('#email-section strong').first()), previous);
          } finally {
            await done(owner);
          }
          // A used or made-up link has its own page.
          await page.goto(undo);
          assert.equal(await h1(page), t.dead);
          await axeCheck(page, `a dead link (${l})`);
        } finally {
          await done(page);
        }
      });

      it(`${l}: a customer writes to the web account manager, who answers`, async () => {
        const page = await env.page(opts);
        const wam = await env.page(opts);
        const words = `question ${unique()}`;
        try {
          await signIn(page, 'alice.martin');
          await page.goto('/account/company');
          assert.equal(await h1(page), t.company);
          await axeCheck(page, `/account/company (${l})`);
          await submit(page, page.locator('form[action="/account/company/contact"]'));
          assert.deepEqual((await summary(page)).items, [t.needMessage]);
          await axeCheck(page, `/account/company with an empty message (${l})`);
          await page.locator('#message').fill(`Bonjour, ${words}`);
          await submit(page, page.locator('form[action="/account/company/contact"]'));
          assert.match(await text(page.locator('p.notice')), new RegExp(t.sent));
          await axeCheck(page, `/account/company with a conversation (${l})`);

          await signIn(wam, 'wam.paris');
          await wam.goto('/backoffice/messages');
          assert.equal(await h1(wam), t.inbox);
          await axeCheck(wam, `/backoffice/messages (${l})`);
          await Promise.all([wam.waitForNavigation(), wam.locator('tbody a').first().click()]);
          assert.match(await text(wam.locator('main')), new RegExp(words));
          await wam.locator('#message').fill(`Réponse à ${words}`);
          await submit(wam, wam.locator('main form'));
          await axeCheck(wam, `/backoffice/messages/{id} answered (${l})`);
          await page.reload();
          assert.match(await text(page.locator('#conversation')), new RegExp(`Réponse à ${words}`));
        } finally {
          await done(page);
          await done(wam);
        }
      });

      it(`${l}: an administrator invites a user, who chooses a password`, async () => {
        const page = await env.page(opts);
        const invitee = await env.page(opts);
        const email = `ines.${unique()}@example.org`;
        try {
          await signIn(page, 'bruno.leroy');
          await page.goto('/account');
          await Promise.all([page.waitForNavigation(), page.getByRole('link', { name: t.users }).click()]);
          assert.equal(await h1(page), t.users);
          await axeCheck(page, `/users (${l})`);
          await Promise.all([page.waitForNavigation(), page.getByRole('link', { name: t.invite }).click()]);
          await axeCheck(page, `/users/invite (${l})`);
          await submit(page, page.locator('main form'));
          assert.ok((await summary(page)).items.length >= 3);
          await axeCheck(page, `/users/invite with errors (${l})`);
          await page.locator('#first_name').fill('Inès');
          await page.locator('#last_name').fill('Durand');
          await page.locator('#email').fill(email);
          await submit(page, page.locator('main form'));
          assert.match(await text(page.locator('main')), new RegExp(t.step2));
          await page.locator('select[name$=":invoices"]').first().selectOption('visitor');
          await axeCheck(page, `/users/invite step 2 (${l})`);
          await submit(page, page.locator('main form'));
          assert.match(await text(page.locator('p.notice')), new RegExp(t.invited));
          await axeCheck(page, `/users/{id} (${l})`);

          const mail = await newestMessageTo(env.baseURL, email);
          const path = mail.match(/\/invitation\/[A-Za-z0-9_-]{43}/)[0];
          await invitee.goto(path);
          assert.equal(await h1(invitee), t.invitation);
          await axeCheck(invitee, `/invitation/{token} (${l})`);
          await invitee.locator('#new_password').fill('Lumen#Fibre42');
          await invitee.locator('#new_password_confirm').fill('Lumen#Fibre42');
          await submit(invitee, invitee.locator('main form'));
          assert.match(await text(invitee.locator('p.notice')), new RegExp(t.passwordSet));
        } finally {
          await done(page);
          await done(invitee);
        }
      });

      it(`${l}: the demo outbox lists what was sent`, async () => {
        const page = await env.page(opts);
        try {
          await page.goto('/dev/outbox');
          assert.equal(await h1(page), t.outbox);
          await axeCheck(page, `/dev/outbox (${l})`);
        } finally {
          await done(page);
        }
      });
    }
  });
}
