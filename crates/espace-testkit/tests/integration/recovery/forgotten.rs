//! Recovery (SPEC §5, issue 4): forgotten password and login.

use espace_testkit::{DEMO_PASSWORD, Engine, TestApp};
use jiff::SignedDuration;

use crate::audit_kinds;

fn reset_path(link: &str) -> String {
    link[link.find("/reset-password/").unwrap()..].to_owned()
}

#[espace_testkit::test]
async fn a_forgotten_password_is_reset_by_the_e_mailed_link_which_lifts_the_lock(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    // Locked first: five wrong passwords.
    for i in 0..5 {
        app.browser()
            .sign_in("alice.martin", &format!("Wrong#{i}pass"))
            .await;
    }
    let other = app.browser();
    // (A session opened before the lock, on another device.)
    let b = app.browser().with_header("accept-language", "en");
    let page = b.sign_in("alice.martin", DEMO_PASSWORD).await;
    assert!(
        page.body.contains("temporarily locked") && page.body.contains("/forgot-password"),
        "the lock page offers the reset"
    );
    let r = b
        .submit(
            "/forgot-password",
            "/forgot-password",
            &[("login", "Alice.Martin")],
        )
        .await;
    assert_eq!(r.location(), Some("/forgot-password?notice=sent"));
    let link = app.last_link("password-reset", "/reset-password/").await;
    let path = reset_path(&link);
    let mail = app
        .outbox()
        .await
        .into_iter()
        .find(|m| m.kind == "password-reset")
        .unwrap();
    assert_eq!(mail.recipient, "alice.martin@acme.example");
    let form = b.get(&path).await;
    assert_eq!(form.status, 200, "{}", form.body);

    assert!(form.body.contains("alice.martin") && form.body.contains("Choose a new password"));
    let r = b
        .submit(
            &path,
            &path,
            &[("new_password", "abc$"), ("new_password_confirm", "abc$")],
        )
        .await;
    // The summary counts the broken rules; the field lists them (issue 16 item 10).
    assert!(r.error_summary().unwrap().contains("does not follow"));
    assert!(r.body.contains("id=\"new_password-error\"") && r.body.matches("“$”").count() == 1);
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
    assert_eq!(
        b.sign_in("alice.martin", "Reprise#2026").await.status,
        303,
        "the lock is lifted"
    );
    assert_eq!(b.get(&path).await.status, 404, "single use");
    let _ = other;
    let kinds = audit_kinds(&app, "alice.martin").await;
    assert!(
        kinds.contains(&"password.reset-requested".to_owned())
            && kinds.contains(&"password.reset".to_owned())
    );
    assert!(
        app.outbox()
            .await
            .iter()
            .any(|m| m.kind == "password-changed" && m.recipient == "alice.martin@acme.example")
    );
    assert!(
        app.outbox()
            .await
            .iter()
            .any(|m| m.kind == "password-changed" && m.recipient == "+33612345678"),
        "every verified channel is told"
    );
}

#[espace_testkit::test]
async fn reset_links_expire_are_superseded_and_end_every_session(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let b = app.browser().with_header("accept-language", "en");
    b.submit(
        "/forgot-password",
        "/forgot-password",
        &[("login", "bruno.leroy@acme.example")],
    )
    .await;
    let first = reset_path(&app.last_link("password-reset", "/reset-password/").await);
    b.submit(
        "/forgot-password",
        "/forgot-password",
        &[("login", "bruno.leroy")],
    )
    .await;
    let second = reset_path(&app.last_link("password-reset", "/reset-password/").await);
    assert_ne!(first, second);
    let dead = b.get(&first).await;
    assert_eq!(dead.status, 404, "superseded by the newer link");
    assert!(dead.body.contains("This link no longer works"));
    app.clock.advance(SignedDuration::from_mins(31));
    assert_eq!(b.get(&second).await.status, 404, "expired after 30 minutes");
    b.submit(
        "/forgot-password",
        "/forgot-password",
        &[("login", "bruno.leroy")],
    )
    .await;
    let third = reset_path(&app.last_link("password-reset", "/reset-password/").await);
    let session = app.browser();
    session.sign_in("bruno.leroy", DEMO_PASSWORD).await;
    assert_eq!(session.get("/").await.status, 200);
    let r = b
        .submit(
            &third,
            &third,
            &[
                ("new_password", "Reprise#2026"),
                ("new_password_confirm", "Reprise#2026"),
            ],
        )
        .await;
    assert_eq!(r.status, 303);
    assert_eq!(
        session.get("/").await.status,
        303,
        "every session ends after a reset"
    );
    assert_eq!(b.get("/reset-password/not-a-token").await.status, 404);
}

#[espace_testkit::test]
async fn the_recovery_forms_tell_nothing_about_who_exists(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let b = app.browser().with_header("accept-language", "en");
    let known = b
        .submit(
            "/forgot-password",
            "/forgot-password",
            &[("login", "alice.martin")],
        )
        .await;
    let unknown = b
        .submit(
            "/forgot-password",
            "/forgot-password",
            &[("login", "nobody.here")],
        )
        .await;
    let nonsense = b
        .submit("/forgot-password", "/forgot-password", &[("login", "x@y")])
        .await;
    assert_eq!(known.location(), unknown.location());
    assert_eq!(known.location(), nonsense.location());
    assert_eq!(
        app.outbox()
            .await
            .iter()
            .filter(|m| m.kind == "password-reset")
            .count(),
        1
    );
    let r = b
        .submit("/forgot-password", "/forgot-password", &[("login", " ")])
        .await;
    assert!(
        r.error_summary().unwrap().contains("Enter"),
        "an empty field is the only error"
    );
    // Forgotten login: the logins of the address go to it, both of Alice's.
    let r = b
        .submit(
            "/forgot-login",
            "/forgot-login",
            &[("email", "Alice.Martin@acme.example")],
        )
        .await;
    assert_eq!(r.location(), Some("/forgot-login?notice=sent"));
    let r2 = b
        .submit(
            "/forgot-login",
            "/forgot-login",
            &[("email", "nobody@acme.example")],
        )
        .await;
    assert_eq!(r.location(), r2.location());
    let mail = app
        .outbox()
        .await
        .into_iter()
        .find(|m| m.kind == "login-reminder")
        .unwrap();
    assert_eq!(mail.recipient, "alice.martin@acme.example");
    assert!(mail.body_text.contains("alice.martin") && mail.body_text.contains("alice.bistro"));
    assert!(
        !b.get("/forgot-login?notice=sent")
            .await
            .body
            .contains("alice.bistro"),
        "nothing on screen"
    );
    let r = b
        .submit(
            "/forgot-login",
            "/forgot-login",
            &[("email", "not-an-address")],
        )
        .await;
    assert!(r.error_summary().unwrap().contains("e-mail address like"));
}

#[espace_testkit::test]
async fn recovery_requests_are_limited_per_target_and_audited(engine: Engine) {
    let app = TestApp::spawn_with(engine, |s| s.app.recovery.per_target = 2).await;
    let b = app.browser();
    for _ in 0..4 {
        let r = b
            .submit(
                "/forgot-password",
                "/forgot-password",
                &[("login", "chloe.dubois")],
            )
            .await;
        assert_eq!(
            r.location(),
            Some("/forgot-password?notice=sent"),
            "the same answer when throttled"
        );
    }
    assert_eq!(
        app.outbox()
            .await
            .iter()
            .filter(|m| m.kind == "password-reset")
            .count(),
        2
    );
    assert!(
        audit_kinds(&app, "chloe.dubois")
            .await
            .contains(&"password.reset-requested".to_owned())
    );
    app.clock.advance(SignedDuration::from_mins(61));
    b.submit(
        "/forgot-password",
        "/forgot-password",
        &[("login", "chloe.dubois")],
    )
    .await;
    assert_eq!(
        app.outbox()
            .await
            .iter()
            .filter(|m| m.kind == "password-reset")
            .count(),
        3,
        "a new window"
    );
}
