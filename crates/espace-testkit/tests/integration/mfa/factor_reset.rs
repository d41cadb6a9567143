//! A lost second factor (SPEC §5, issue 5): the password reset of a login
//! under strong authentication asks for a second factor (an inbox alone
//! is not enough), and the assisted reset by the security manager waits
//! out the company's period, alerting the person, who can cancel it.

use espace_testkit::{Browser, DEMO_PASSWORD, Engine, TestApp};
use jiff::SignedDuration;

use crate::audit_kinds;
use crate::mfa::security::{oathtool, start};
use crate::mfa::strong::{force_alice, signed_in};

/// alice.martin, forced, enrols an authenticator app and a code by
/// e-mail; returns the app's key and the e-mail method's id.
pub(crate) async fn alice_enrolled(app: &TestApp) -> (String, String) {
    force_alice(app).await;
    let b = signed_in(app, "alice.martin").await;
    let (path, key) = start(&b).await;
    let r = b
        .submit(
            &path,
            &path,
            &[("label", "Phone"), ("code", &oathtool(app, &key, 0))],
        )
        .await;
    assert_eq!(r.location(), Some("/account/security?notice=enrolled"));
    let r = b
        .submit(
            "/account/security",
            "/account/security/code-method/email",
            &[],
        )
        .await;
    let path = r.location().unwrap().to_owned();
    let id = path.rsplit('/').next().unwrap().to_owned();
    let code = app.last_code_to("alice.martin@acme.example").await;
    let r = b
        .submit(&path, &path, &[("label", "Inbox"), ("code", &code)])
        .await;
    assert!(
        r.location().unwrap().starts_with("/account/security"),
        "{:?}",
        r.location()
    );
    (key, id)
}

fn method_id_of(page: &str, label: &str) -> String {
    let at = page.find(label).unwrap();
    let v = page[at..].find("name=\"method\" value=\"").unwrap() + at + 21;
    page[v..v + 36].to_owned()
}

async fn reset_link(app: &TestApp, b: &Browser) -> String {
    let r = b
        .submit(
            "/forgot-password",
            "/forgot-password",
            &[("login", "alice.martin")],
        )
        .await;
    assert_eq!(r.location(), Some("/forgot-password?notice=sent"));
    let link = app.last_link("password-reset", "/reset-password/").await;
    link[link.find("/reset-password/").unwrap()..].to_owned()
}

#[espace_testkit::test]
async fn a_password_reset_under_strong_authentication_asks_for_a_second_factor(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let (key, email_method) = alice_enrolled(&app).await;
    let b = app.browser().with_header("accept-language", "en");
    let path = reset_link(&app, &b).await;

    // The link alone leads to the second factor, not to the password.
    let page = b.get(&path).await;
    assert_eq!(page.status, 200);
    assert!(
        page.body
            .contains("Confirm it is you before choosing a password")
    );
    assert!(!page.body.contains("new_password"), "no password form yet");
    assert!(
        page.body.contains("Phone") && !page.body.contains("Inbox"),
        "a code by e-mail does not count"
    );
    let r = b
        .submit(
            &path,
            &path,
            &[
                ("new_password", "Reprise#2026"),
                ("new_password_confirm", "Reprise#2026"),
            ],
        )
        .await;
    assert_eq!(
        r.location(),
        Some(path.as_str()),
        "a forged password post goes back to the second factor"
    );
    let factor = format!("{path}/factor");
    let r = b
        .submit(
            &path,
            &format!("{factor}/send"),
            &[("method", &email_method)],
        )
        .await;
    assert_eq!(r.status, 404, "no code by e-mail is sent for a reset");
    let r = b
        .submit(
            &path,
            &factor,
            &[("method", &email_method), ("code", "123456")],
        )
        .await;
    assert_eq!(r.status, 404);

    // A wrong code counts on the second factor's own counter.
    let totp = method_id_of(&page.body, "Phone");
    let code = oathtool(&app, &key, 30);
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let r = b
        .submit(&path, &factor, &[("method", &totp), ("code", wrong)])
        .await;
    assert!(
        r.error_summary().unwrap().contains("4 more tries"),
        "{:?}",
        r.error_summary()
    );
    app.clock.advance(SignedDuration::from_secs(30));
    let r = b
        .submit(&path, &factor, &[("method", &totp), ("code", &code)])
        .await;
    assert_eq!(r.location(), Some(path.as_str()));

    // The proof holds for this browser only: the link elsewhere asks again.
    let other = app.browser().with_header("accept-language", "en");
    assert!(
        other
            .get(&path)
            .await
            .body
            .contains("Confirm it is you before choosing a password")
    );
    let r = other
        .submit(
            &path,
            &path,
            &[
                ("new_password", "Reprise#2026"),
                ("new_password_confirm", "Reprise#2026"),
            ],
        )
        .await;
    assert_eq!(r.location(), Some(path.as_str()));

    // Then the password.
    let page = b.get(&path).await;
    assert!(page.body.contains("Choose a new password") && page.body.contains("new_password"));
    let r = b
        .submit(
            &path,
            &path,
            &[
                ("new_password", "Reprise#2026"),
                ("new_password_confirm", "Reprise#2026"),
            ],
        )
        .await;
    assert_eq!(r.location(), Some("/login?notice=password-reset"));
    let r = app.browser().sign_in("alice.martin", "Reprise#2026").await;
    assert_eq!(
        r.location(),
        Some("/login/second-factor?next=%2F"),
        "and the second factor at sign-in still"
    );
    let kinds = audit_kinds(&app, "alice.martin").await;
    for k in [
        "signin.second-factor-failed",
        "signin.second-factor",
        "password.reset",
    ] {
        assert!(kinds.contains(&k.to_owned()), "{k}");
    }

    // A login without strong authentication goes straight to its password.
    let b = app.browser().with_header("accept-language", "en");
    b.submit(
        "/forgot-password",
        "/forgot-password",
        &[("login", "bruno.leroy")],
    )
    .await;
    let link = app.last_link("password-reset", "/reset-password/").await;
    let page = b.get(&link[link.find("/reset-password/").unwrap()..]).await;
    assert!(page.body.contains("Choose a new password") && page.body.contains("new_password"));
}

#[espace_testkit::test]
async fn a_lost_second_factor_is_reset_after_the_waiting_period_unless_cancelled(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let alice = force_alice(&app).await;
    let key = {
        let b = signed_in(&app, "alice.martin").await;
        let (path, key) = start(&b).await;
        b.submit(
            &path,
            &path,
            &[("label", "Phone"), ("code", &oathtool(&app, &key, 0))],
        )
        .await;
        key
    };
    let bruno = signed_in(&app, "bruno.leroy").await;
    let page = bruno.get("/company/two-factor").await.body;
    assert!(page.contains(&format!("/company/two-factor/logins/{alice}/reset")));
    assert!(page.contains("value=\"24\""), "24 hours by default");

    // The waiting period: whole hours from 1 to 720.
    for bad in ["0", "721", "1.5", "deux"] {
        let r = bruno
            .submit(
                "/company/two-factor",
                "/company/two-factor/wait",
                &[("wait_hours", bad)],
            )
            .await;
        assert!(
            r.error_summary().unwrap().contains("between 1 and 720"),
            "{bad}"
        );
        assert!(
            r.body.contains(&format!("value=\"{bad}\"")),
            "what was typed stays"
        );
    }
    let r = bruno
        .submit(
            "/company/two-factor",
            "/company/two-factor/wait",
            &[("wait_hours", "48")],
        )
        .await;
    assert_eq!(r.location(), Some("/company/two-factor?notice=wait"));
    assert!(
        audit_kinds(&app, "bruno.leroy")
            .await
            .contains(&"mfa.reset-wait-changed".to_owned())
    );

    // The request: a reason, not one's own login, one at a time.
    let form = format!("/company/two-factor/logins/{alice}/reset");
    let page = bruno.get(&form).await;
    assert!(page.body.contains("alice.martin") && page.body.contains("48 hours"));
    let r = bruno.submit(&form, &form, &[("reason", "  ")]).await;
    assert!(r.error_summary().unwrap().contains("Say why"));
    let own = crate::login_id(&app, "bruno.leroy").await;
    let mine = format!("/company/two-factor/logins/{own}/reset");
    let r = bruno.submit(&mine, &mine, &[("reason", "lost")]).await;
    assert!(r.error_summary().unwrap().contains("your own"));
    let r = bruno
        .submit(
            &form,
            &form,
            &[("reason", "Phone stolen; called her back on her desk line")],
        )
        .await;
    assert_eq!(r.location(), Some("/company/two-factor?notice=reset"));
    let r = bruno.submit(&form, &form, &[("reason", "again")]).await;
    assert!(r.error_summary().unwrap().contains("already waiting"));

    // Alerted on every channel, with a link to cancel.
    let outbox = app.outbox().await;
    let alerts: Vec<_> = outbox
        .iter()
        .filter(|m| m.kind == "factor-reset-requested")
        .collect();
    let mut channels: Vec<_> = alerts
        .iter()
        .map(|m| (m.channel.as_str(), m.recipient.as_str()))
        .collect();
    channels.sort();
    assert_eq!(
        channels,
        [
            ("email", "alice.martin@acme.example"),
            ("sms", "+33612345678")
        ]
    );
    let mail = alerts.iter().find(|m| m.channel == "email").unwrap();
    let at = mail.body_text.find("/factor-reset/").unwrap();
    let cancel = mail.body_text[at..]
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned();
    assert!(
        audit_kinds(&app, "alice.martin")
            .await
            .contains(&"mfa.reset-requested".to_owned())
    );
    let b = app.browser().with_header("accept-language", "en");
    let page = b.get(&cancel).await;
    assert!(page.body.contains("alice.martin") && page.body.contains("Cancel the reset"));
    let r = b.submit(&cancel, &cancel, &[]).await;
    assert_eq!(r.status, 200);
    assert!(r.body.contains("Reset cancelled"));
    assert_eq!(b.get(&cancel).await.status, 404, "single use");
    let told =
        app.outbox().await.into_iter().any(|m| {
            m.kind == "factor-reset-cancelled" && m.recipient == "bruno.leroy@acme.example"
        });
    assert!(told, "whoever asked is told");
    app.clock.advance(SignedDuration::from_hours(49));
    let r = app.browser().sign_in("alice.martin", DEMO_PASSWORD).await;
    assert_eq!(
        r.location(),
        Some("/login/second-factor?next=%2F"),
        "a cancelled reset never applies"
    );

    // Asked again, withdrawn by a helper, asked again, cancelled from
    // her two-factor page; asked a last time, and it applies.
    let bruno = signed_in(&app, "bruno.leroy").await;
    bruno
        .submit(&form, &form, &[("reason", "Lost again")])
        .await;
    let r = bruno
        .submit("/company/two-factor", &format!("{form}/withdraw"), &[])
        .await;
    assert_eq!(r.location(), Some("/company/two-factor?notice=withdrawn"));
    bruno
        .submit(&form, &form, &[("reason", "Lost again")])
        .await;
    let b = app.browser().with_header("accept-language", "en");
    b.sign_in("alice.martin", DEMO_PASSWORD).await;
    let page = b.get("/login/second-factor").await;
    let totp = method_id_of(&page.body, "Phone");
    app.clock.advance(SignedDuration::from_secs(60));
    b.submit(
        "/login/second-factor",
        "/login/second-factor",
        &[("method", &totp), ("code", &oathtool(&app, &key, 0))],
    )
    .await;
    let page = b.get("/account/two-factor").await.body;
    assert!(page.contains("asked to reset the methods"), "{page}");
    let r = b
        .submit(
            "/account/two-factor",
            "/account/two-factor/reset/cancel",
            &[],
        )
        .await;
    assert_eq!(
        r.location(),
        Some("/account/two-factor?notice=reset-cancelled")
    );

    bruno
        .submit(&form, &form, &[("reason", "Lost for good")])
        .await;
    // Meanwhile a sign-in: the reset applies at the first sign-in
    // after its period, not before.
    app.clock.advance(SignedDuration::from_hours(47));
    let r = app.browser().sign_in("alice.martin", DEMO_PASSWORD).await;
    assert_eq!(
        r.location(),
        Some("/login/second-factor?next=%2F"),
        "not before the period is over"
    );
    app.clock.advance(SignedDuration::from_hours(2));
    // The housekeeping applies it, without waiting for a sign-in.
    app.app.housekeeping().await.unwrap();
    let outbox = app.outbox().await;
    assert!(
        outbox
            .iter()
            .any(|m| m.kind == "factor-reset-done" && m.channel == "sms")
    );
    assert!(
        outbox
            .iter()
            .any(|m| m.kind == "factor-reset-done" && m.channel == "email")
    );
    assert_eq!(
        b.get("/account")
            .await
            .location()
            .map(|l| l.starts_with("/login")),
        Some(true),
        "her sessions ended"
    );
    let r = app.browser().sign_in("alice.martin", DEMO_PASSWORD).await;
    assert_eq!(
        r.location(),
        Some("/account/security?next=%2F"),
        "methods gone: enrolment"
    );
    let kinds = audit_kinds(&app, "alice.martin").await;
    for k in ["mfa.reset-cancelled", "mfa.reset-done"] {
        assert!(kinds.contains(&k.to_owned()), "{k}");
    }
    let timeline = signed_in(&app, "bruno.leroy")
        .await
        .get("/company/two-factor")
        .await
        .body;
    assert!(
        !timeline.contains("asked to reset the methods"),
        "nothing pending any more"
    );
}

#[espace_testkit::test]
async fn a_due_reset_applies_at_the_next_sign_in_before_its_second_step(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let alice = force_alice(&app).await;
    {
        let b = signed_in(&app, "alice.martin").await;
        let (path, key) = start(&b).await;
        b.submit(
            &path,
            &path,
            &[("label", "Phone"), ("code", &oathtool(&app, &key, 0))],
        )
        .await;
        b.submit("/account/security", "/account/security/recovery-codes", &[])
            .await;
    }
    let bruno = signed_in(&app, "bruno.leroy").await;
    bruno
        .submit(
            "/company/two-factor",
            "/company/two-factor/wait",
            &[("wait_hours", "1")],
        )
        .await;
    let form = format!("/company/two-factor/logins/{alice}/reset");
    let r = bruno
        .submit(&form, &form, &[("reason", "Phone and codes lost")])
        .await;
    assert_eq!(r.location(), Some("/company/two-factor?notice=reset"));
    app.clock.advance(SignedDuration::from_mins(61));
    let r = app.browser().sign_in("alice.martin", DEMO_PASSWORD).await;
    assert_eq!(
        r.location(),
        Some("/account/security?next=%2F"),
        "no second step: straight to enrolment"
    );
    assert!(
        audit_kinds(&app, "alice.martin")
            .await
            .contains(&"mfa.reset-done".to_owned())
    );
    let bruno = signed_in(&app, "bruno.leroy").await;
    let r = bruno.submit(&form, &form, &[("reason", "again")]).await;
    assert!(
        r.error_summary().unwrap().contains("nothing")
            || r.error_summary().unwrap().contains("no two-factor method"),
        "{:?}",
        r.error_summary()
    );
}

/// The value of `name` in a URL's query, percent-decoded.
fn query_value(url: &str, name: &str) -> String {
    let query = url.split_once('?').map_or("", |(_, q)| q);
    let raw = query
        .split('&')
        .find_map(|kv| kv.strip_prefix(&format!("{name}=")))
        .unwrap_or_else(|| panic!("no {name} in {url}"));
    let bytes = raw.replace('+', " ").into_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            out.push(
                u8::from_str_radix(std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap(), 16).unwrap(),
            );
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

#[espace_testkit::test]
async fn a_form_refused_for_the_step_up_comes_back_as_typed(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let bruno = signed_in(&app, "bruno.leroy").await;
    app.clock.advance(SignedDuration::from_mins(6));
    let r = bruno
        .submit(
            "/company/two-factor",
            "/company/two-factor/wait",
            &[("wait_hours", "12")],
        )
        .await;
    let confirm = r.location().unwrap().to_owned();
    assert!(confirm.starts_with("/account/confirm?next="), "{confirm}");
    let next = query_value(&confirm, "next");
    assert!(next.starts_with("/account/confirm/resume?form="), "{next}");
    assert!(
        !confirm.contains("12"),
        "the form itself is not in the address"
    );
    let r = bruno
        .submit(
            &confirm,
            "/account/confirm",
            &[("password", DEMO_PASSWORD), ("next", &next)],
        )
        .await;
    assert_eq!(r.location(), Some(next.as_str()));
    let page = bruno.get(&next).await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("action=\"/company/two-factor/wait\""),
        "{}",
        page.body
    );
    assert!(page.body.contains("name=\"wait_hours\" value=\"12\""));
    let token = page.csrf_token().unwrap();
    let r = bruno
        .post_form(
            "/company/two-factor/wait",
            &[("wait_hours", "12"), ("csrf_token", &token)],
        )
        .await;
    assert_eq!(r.location(), Some("/company/two-factor?notice=wait"));
    assert!(
        bruno
            .get("/company/two-factor")
            .await
            .body
            .contains("value=\"12\"")
    );
    // Once only, and for its login only.
    assert_eq!(
        bruno.get(&next).await.location(),
        Some("/company/two-factor")
    );
    app.clock.advance(SignedDuration::from_mins(6));
    let r = bruno
        .submit(
            "/company/two-factor",
            "/company/two-factor/wait",
            &[("wait_hours", "6")],
        )
        .await;
    let next = query_value(r.location().unwrap(), "next");
    // A form holding a password is never written back into a page.
    let r = bruno
        .submit(
            "/company/two-factor",
            "/account/password",
            &[
                ("current_password", DEMO_PASSWORD),
                ("new_password", "Autre#Secret2026"),
                ("new_password_confirm", "Autre#Secret2026"),
            ],
        )
        .await;
    assert_eq!(
        r.location(),
        Some("/account/confirm?next=%2Fcompany%2Ftwo-factor")
    );
    let chloe = signed_in(&app, "chloe.dubois").await;
    assert_eq!(
        chloe.get(&next).await.location(),
        Some("/company/two-factor"),
        "another login's form is not found"
    );
}
