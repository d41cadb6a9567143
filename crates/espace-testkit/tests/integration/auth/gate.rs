//! The one password gate (issue 15): the lock holds wherever a password is
//! checked, known devices keep their owner in, the per-address throttle
//! refuses early and counts exactly, and wrong one-time codes always count.

use espace_testkit::{Browser, DEMO_PASSWORD, Engine, TestApp};
use jiff::SignedDuration;

use crate::{audit_kinds, scalar_i64};

const SESSION: &str = "__Host-espace-session";
const DEVICE: &str = "__Host-espace-device";

fn en(app: &TestApp) -> Browser {
    app.browser().with_header("accept-language", "en")
}

/// Five distinct wrong passwords for `login` from a new browser: the
/// identifier's own counter locks.
async fn lock_from_elsewhere(app: &TestApp, login: &str) -> Browser {
    let attacker = en(app);
    for i in 0..5 {
        attacker.sign_in(login, &format!("Guess#{i}abc")).await;
    }
    let r = attacker.sign_in(login, DEMO_PASSWORD).await;
    assert!(
        r.error_summary().unwrap().contains("temporarily locked"),
        "locked for the attacker"
    );
    attacker
}

#[espace_testkit::test]
async fn a_step_up_counts_wrong_passwords_and_checks_none_while_locked(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let b = en(&app);
    assert_eq!(b.sign_in("alice.martin", DEMO_PASSWORD).await.status, 303);
    app.clock.advance(SignedDuration::from_mins(6));
    for i in 0..4 {
        let r = b.step_up_with_password(&format!("Wrong#{i}abc")).await;
        assert!(r.error_summary().unwrap().contains("incorrect"), "try {i}");
    }
    let r = b.step_up_with_password("Wrong#4abc").await;
    assert!(
        r.error_summary().unwrap().contains("locked"),
        "the fifth locks"
    );
    // Locked: even the right password is not checked.
    let r = b.step_up_with_password(DEMO_PASSWORD).await;
    assert_ne!(r.location(), Some("/account"));
    assert!(r.error_summary().unwrap().contains("locked"));
    assert_eq!(
        b.get("/account/password").await.status,
        303,
        "still not confirmed"
    );
    let kinds = audit_kinds(&app, "alice.martin").await;
    assert_eq!(
        kinds
            .iter()
            .filter(|k| *k == "session.step-up-failed")
            .count(),
        6
    );
    assert!(kinds.contains(&"login.locked".to_owned()));
    // The lock lifts by itself.
    app.clock.advance(SignedDuration::from_mins(31));
    assert_eq!(b.sign_in("alice.martin", DEMO_PASSWORD).await.status, 303);
}

#[espace_testkit::test]
async fn a_stolen_session_is_no_password_oracle(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let owner = en(&app);
    owner.sign_in("alice.martin", DEMO_PASSWORD).await;
    app.clock.advance(SignedDuration::from_mins(6));
    // The session cookie alone, in another browser.
    let thief = en(&app);
    thief.set_cookie(SESSION, &owner.cookie(SESSION).unwrap());
    for i in 0..5 {
        thief.step_up_with_password(&format!("Wrong#{i}abc")).await;
    }
    let r = thief.step_up_with_password(DEMO_PASSWORD).await;
    assert!(
        r.error_summary()
            .unwrap_or_else(|| panic!("{} {:?} {}", r.status, r.location(), r.body))
            .contains("locked")
    );
    // Any new browser is locked out too...
    let other = en(&app);
    let r = other.sign_in("alice.martin", DEMO_PASSWORD).await;
    assert!(r.error_summary().unwrap().contains("temporarily locked"));
    // ...but not the owner's own browser, which signed in before: it
    // confirms, and signs in again.
    assert_eq!(
        owner.step_up_with_password(DEMO_PASSWORD).await.location(),
        Some("/account")
    );
    owner.submit("/account", "/logout", &[]).await;
    assert_eq!(
        owner.sign_in("alice.martin", DEMO_PASSWORD).await.status,
        303
    );
}

#[espace_testkit::test]
async fn a_wrong_current_password_on_the_password_page_counts(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let b = en(&app);
    b.sign_in("alice.martin", DEMO_PASSWORD).await;
    let change = |current: String| {
        let b = &b;
        async move {
            b.submit(
                "/account/password",
                "/account/password",
                &[
                    ("current_password", current.as_str()),
                    ("new_password", "Brand#New2026pass"),
                    ("new_password_confirm", "Brand#New2026pass"),
                ],
            )
            .await
        }
    };
    for i in 0..4 {
        let r = change(format!("Wrong#{i}abc")).await;
        assert!(r.error_summary().unwrap().contains("incorrect"), "try {i}");
    }
    let r = change("Wrong#4abc".into()).await;
    assert!(r.error_summary().unwrap().contains("locked"));
    let r = change(DEMO_PASSWORD.into()).await;
    assert_eq!(r.status, 200, "refused while locked");
    assert!(r.error_summary().unwrap().contains("locked"));
    let kinds = audit_kinds(&app, "alice.martin").await;
    assert!(!kinds.contains(&"password.changed".to_owned()));
    assert_eq!(
        kinds
            .iter()
            .filter(|k| *k == "password.change-failed")
            .count(),
        6
    );
    // The demo password still works once the lock has lifted.
    app.clock.advance(SignedDuration::from_mins(31));
    assert_eq!(
        en(&app).sign_in("alice.martin", DEMO_PASSWORD).await.status,
        303
    );
}

#[espace_testkit::test]
async fn the_owners_known_browser_signs_in_while_an_attacker_keeps_the_identifier_locked(
    engine: Engine,
) {
    let app = TestApp::spawn(engine).await;
    let owner = en(&app);
    assert_eq!(
        owner.sign_in("bruno.leroy", DEMO_PASSWORD).await.status,
        303
    );
    owner.submit("/account", "/logout", &[]).await;
    let attacker = lock_from_elsewhere(&app, "bruno.leroy").await;
    // The owner's browser (its device cookie) is not held back.
    assert_eq!(
        owner.sign_in("bruno.leroy", DEMO_PASSWORD).await.status,
        303
    );
    owner.submit("/account", "/logout", &[]).await;
    // The attacker goes on guessing: still locked, nothing checked.
    for i in 5..12 {
        let r = attacker
            .sign_in("bruno.leroy", &format!("Guess#{i}abc"))
            .await;
        assert!(r.error_summary().unwrap().contains("temporarily locked"));
    }
    let r = attacker.sign_in("bruno.leroy", DEMO_PASSWORD).await;
    assert!(r.error_summary().unwrap().contains("temporarily locked"));
    // A forged or stolen-looking device cookie of another login is no key.
    let forger = en(&app);
    let mallory = en(&app);
    mallory.sign_in("chloe.dubois", DEMO_PASSWORD).await;
    forger.set_cookie(DEVICE, &mallory.cookie(DEVICE).unwrap());
    let r = forger.sign_in("bruno.leroy", DEMO_PASSWORD).await;
    assert!(r.error_summary().unwrap().contains("temporarily locked"));
    // The owner's own wrong passwords lock the owner's browser only.
    for i in 0..5 {
        owner.sign_in("bruno.leroy", &format!("Typo#{i}abc")).await;
    }
    let r = owner.sign_in("bruno.leroy", DEMO_PASSWORD).await;
    assert!(r.error_summary().unwrap().contains("temporarily locked"));
}

#[espace_testkit::test]
async fn a_password_reset_makes_its_browser_known_so_the_attacker_cannot_lock_it_again(
    engine: Engine,
) {
    let app = TestApp::spawn(engine).await;
    let attacker = lock_from_elsewhere(&app, "alice.martin").await;
    // The owner resets from a browser never used before.
    let owner = en(&app);
    owner
        .submit(
            "/forgot-password",
            "/forgot-password",
            &[("login", "alice.martin")],
        )
        .await;
    let link = app.last_link("password-reset", "/reset-password/").await;
    let page = owner.get(&link).await;
    assert_eq!(page.status, 200);
    let r = owner
        .submit(
            &link,
            &link,
            &[
                ("new_password", "Fresh#Start2026x"),
                ("new_password_confirm", "Fresh#Start2026x"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{:?}", r.error_summary());
    assert!(owner.cookie(DEVICE).is_some());
    // The attacker locks the identifier again at once...
    for i in 20..25 {
        attacker
            .sign_in("alice.martin", &format!("Guess#{i}abc"))
            .await;
    }
    assert!(
        attacker
            .sign_in("alice.martin", "Fresh#Start2026x")
            .await
            .error_summary()
            .unwrap()
            .contains("temporarily locked")
    );
    // ...but the browser that reset still signs in.
    assert_eq!(
        owner
            .sign_in("alice.martin", "Fresh#Start2026x")
            .await
            .status,
        303
    );
}

#[espace_testkit::test]
async fn only_the_browser_that_typed_a_wrong_password_is_told_it_repeated(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let first = en(&app);
    let r = first.sign_in("alice.martin", "OldSaved#2020").await;
    assert!(
        r.set_cookies().iter().any(|c| c.starts_with(DEVICE)),
        "a device cookie on the first try"
    );
    let r = first.sign_in("alice.martin", "OldSaved#2020").await;
    assert!(
        r.error_summary()
            .unwrap()
            .contains("same wrong password again")
    );
    // Another client typing the same password learns nothing, and counts.
    let other = en(&app);
    let r = other.sign_in("alice.martin", "OldSaved#2020").await;
    let s = r.error_summary().unwrap();
    assert!(!s.contains("same wrong password again"), "{s}");
    assert!(s.contains("3 more tries"), "{s}");
    // A client that sends no cookie back never hears it either.
    for _ in 0..2 {
        let fresh = en(&app);
        let s = fresh
            .sign_in("chloe.dubois", "OldSaved#2020")
            .await
            .error_summary()
            .unwrap();
        assert!(!s.contains("same wrong password again"), "{s}");
    }
}

#[espace_testkit::test]
async fn past_the_per_address_threshold_sign_ins_are_refused_at_once(engine: Engine) {
    let app = TestApp::spawn_with(engine, |s| s.app.ip_throttle.threshold = 3).await;
    for i in 0..3 {
        let r = en(&app)
            .sign_in(&format!("someone{i}.else"), "Bad#1pass")
            .await;
        assert_eq!(r.status, 200);
    }
    // Refused before anything is checked, even the right password.
    let r = en(&app).sign_in("alice.martin", DEMO_PASSWORD).await;
    assert_eq!(r.status, 429);
    let wait: i64 = r.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=600).contains(&wait), "{wait}");
    let s = r.error_summary().unwrap();
    assert!(s.contains("paused"), "{s}");
    assert_eq!(
        scalar_i64(
            &app,
            "SELECT COUNT(*) FROM audit_events WHERE kind = 'signin.throttled'"
        )
        .await,
        1
    );
    assert_eq!(
        scalar_i64(
            &app,
            "SELECT COUNT(*) FROM audit_events WHERE kind = 'signin.succeeded'"
        )
        .await,
        0
    );
    assert_eq!(
        scalar_i64(&app, "SELECT CAST(failures AS BIGINT) FROM ip_windows").await,
        3,
        "refusals do not count"
    );
    // When the window ends, the address may try again.
    app.clock.advance(SignedDuration::from_mins(10));
    assert_eq!(
        en(&app).sign_in("alice.martin", DEMO_PASSWORD).await.status,
        303
    );
}

#[espace_testkit::test]
async fn fifty_parallel_failures_on_two_instances_count_exactly_fifty(engine: Engine) {
    let one = TestApp::spawn_with(engine, |s| s.app.ip_throttle.threshold = 1000).await;
    let two = one.spawn_sibling(|_| {}).await;
    let mut tasks = Vec::new();
    for i in 0..50 {
        let b = if i % 2 == 0 {
            one.browser()
        } else {
            two.browser()
        };
        tasks.push(tokio::spawn(async move {
            b.sign_in(&format!("nobody{i}.here"), "Bad#1pass")
                .await
                .status
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), 200);
    }
    assert_eq!(
        scalar_i64(
            &one,
            "SELECT COUNT(*) FROM audit_events WHERE kind = 'signin.failed'"
        )
        .await,
        50
    );
    assert_eq!(
        scalar_i64(&one, "SELECT CAST(failures AS BIGINT) FROM ip_windows").await,
        50
    );
}

#[espace_testkit::test]
async fn every_wrong_second_factor_code_counts_even_the_same_one(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    crate::mfa::strong::force_alice(&app).await;
    let b = en(&app);
    b.sign_in("alice.martin", DEMO_PASSWORD).await;
    let (path, key) = crate::mfa::security::start(&b).await;
    b.submit(
        &path,
        &path,
        &[
            ("label", "Phone"),
            ("code", &crate::mfa::security::oathtool(&app, &key, 0)),
        ],
    )
    .await;
    b.submit("/account", "/logout", &[]).await;
    let b = en(&app);
    assert_eq!(
        b.sign_in("alice.martin", DEMO_PASSWORD)
            .await
            .location()
            .map(|l| l.starts_with("/login/second-factor")),
        Some(true)
    );
    let page = b.get("/login/second-factor").await.body;
    let at = page.find("name=\"method\" value=\"").unwrap() + 21;
    let method = page[at..at + 36].to_owned();
    let mut last = String::new();
    for _ in 0..5 {
        let r = b
            .submit(
                "/login/second-factor",
                "/login/second-factor",
                &[("method", &method), ("code", "000000")],
            )
            .await;
        last = r.error_summary().unwrap_or_default();
    }
    assert!(
        last.contains("locked"),
        "five times the same wrong code lock: {last}"
    );
    let kinds = audit_kinds(&app, "alice.martin").await;
    assert_eq!(
        kinds
            .iter()
            .filter(|k| *k == "signin.second-factor-failed")
            .count(),
        5
    );
    assert!(kinds.contains(&"signin.second-factor-locked".to_owned()));
}

#[espace_testkit::test]
async fn a_caller_without_the_right_gets_not_found_before_any_step_up(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let b = en(&app);
    // alice.martin is neither an administrator nor a security manager.
    b.sign_in("alice.martin", DEMO_PASSWORD).await;
    app.clock.advance(SignedDuration::from_mins(6));
    // (Her own pages give the form token; the forms are not hers.)
    for (action, fields) in [
        (
            "/users/invite",
            vec![
                ("first_name", "Zoé"),
                ("last_name", "Roux"),
                ("email", "zoe@acme.example"),
            ],
        ),
        ("/company/two-factor/rules", vec![("scope", "company")]),
    ] {
        let r = b.submit("/account", action, &fields).await;
        assert_eq!(r.status, 404, "{action}: {:?}", r.location());
    }
    assert_eq!(
        scalar_i64(&app, "SELECT COUNT(*) FROM pending_forms").await,
        0,
        "no form kept"
    );
}
