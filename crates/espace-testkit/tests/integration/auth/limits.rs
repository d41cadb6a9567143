//! Sending limits (issue 15 items 2, 4 and 6; issue 26 item 3): codes to
//! contacts, SMS regions and the SMS breaker, the cap per inbox of the
//! anonymous forms, and the timing of the forgotten-password form.

use espace_domain::ratelimit::RateLimit;
use espace_testkit::{Browser, DEMO_PASSWORD, Engine, TestApp};
use jiff::SignedDuration;

async fn alice(app: &TestApp) -> Browser {
    let b = app.browser().with_header("accept-language", "en");
    assert_eq!(b.sign_in("alice.martin", DEMO_PASSWORD).await.status, 303);
    b
}

async fn sent_to(app: &TestApp, kind: &str, to: &str) -> usize {
    app.outbox()
        .await
        .iter()
        .filter(|m| m.kind == kind && m.recipient.eq_ignore_ascii_case(to))
        .count()
}

#[espace_testkit::test]
async fn contact_codes_stop_per_address_and_per_login_and_say_when_to_retry(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let b = alice(&app).await;
    // Three codes to one address (limits.contact_codes.per_target).
    for _ in 0..3 {
        let r = b
            .submit(
                "/account/contact",
                "/account/contact/email",
                &[("email", "victim@elsewhere.example")],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
    }
    let r = b
        .submit(
            "/account/contact",
            "/account/contact/email",
            &[("email", "victim@elsewhere.example")],
        )
        .await;
    let summary = r.error_summary().expect("refused with a field error");
    assert!(summary.contains("try again in 60 min"), "{summary}");
    assert_eq!(
        sent_to(&app, "verification-code", "victim@elsewhere.example").await,
        3
    );
    // The refused one counted too: one more to another address reaches
    // the login's limit of five.
    let r = b
        .submit(
            "/account/contact",
            "/account/contact/email",
            &[("email", "other@elsewhere.example")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    app.clock.advance(SignedDuration::from_mins(20));
    assert_eq!(b.step_up_with_password(DEMO_PASSWORD).await.status, 303);
    let r = b
        .submit(
            "/account/contact",
            "/account/contact/phone",
            &[("phone", "06 11 22 33 44")],
        )
        .await;
    let summary = r
        .error_summary()
        .expect("the login's limit covers the phone too");
    assert!(summary.contains("try again in 40 min"), "{summary}");
    assert_eq!(sent_to(&app, "verification-code", "+33611223344").await, 0);
    assert!(
        crate::audit_kinds(&app, "alice.martin")
            .await
            .contains(&"code.send-throttled".to_owned())
    );
    // The window ends: codes go again.
    app.clock.advance(SignedDuration::from_mins(41));
    let b = alice(&app).await;
    let r = b
        .submit(
            "/account/contact",
            "/account/contact/phone",
            &[("phone", "06 11 22 33 44")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(sent_to(&app, "verification-code", "+33611223344").await, 1);
}

#[espace_testkit::test]
async fn sms_go_only_to_allowed_countries(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let b = alice(&app).await;
    let r = b
        .submit(
            "/account/contact",
            "/account/contact/phone",
            &[("phone", "+44 7400 123456")],
        )
        .await;
    let summary = r.error_summary().expect("a UK mobile is refused");
    assert!(
        summary.contains("cannot send SMS to numbers of this country"),
        "{summary}"
    );
    assert!(
        !app.outbox()
            .await
            .iter()
            .any(|m| m.channel == "sms" && m.recipient == "+447400123456")
    );
    let r = b
        .submit(
            "/account/contact",
            "/account/contact/phone",
            &[("phone", "+32 470 12 34 56")],
        )
        .await;
    assert_eq!(r.status, 303, "a Belgian mobile is in the EU: {}", r.body);
    assert_eq!(sent_to(&app, "verification-code", "+32470123456").await, 1);
}

#[espace_testkit::test]
async fn the_sms_breaker_refuses_past_the_global_volume_and_alerts_the_operator(engine: Engine) {
    let app = TestApp::spawn_with(engine, |s| {
        s.app.limits.sms_breaker = RateLimit::per_hour(2);
        s.app.limits.alert_email = Some("ops@provider.example".into());
    })
    .await;
    let b = alice(&app).await;
    for number in ["06 11 22 33 44", "06 11 22 33 55"] {
        let r = b
            .submit(
                "/account/contact",
                "/account/contact/phone",
                &[("phone", number)],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
    }
    for number in ["06 11 22 33 66", "06 11 22 33 77"] {
        let r = b
            .submit(
                "/account/contact",
                "/account/contact/phone",
                &[("phone", number)],
            )
            .await;
        let summary = r.error_summary().expect("the breaker refuses");
        assert!(
            summary.contains("SMS sending is paused") && summary.contains("60 min"),
            "{summary}"
        );
    }
    let alerts = sent_to(&app, "sms-breaker-tripped", "ops@provider.example").await;
    assert_eq!(alerts, 1, "one alert per window, not one per refused SMS");
    let trips = crate::scalar_i64(
        &app,
        "SELECT COUNT(*) FROM audit_events WHERE kind = 'sms.breaker-tripped'",
    )
    .await;
    assert_eq!(trips, 1);
    // E-mail codes are not affected.
    let r = b
        .submit(
            "/account/contact",
            "/account/contact/email",
            &[("email", "alice@new.example")],
        )
        .await;
    assert_eq!(r.status, 303);
    app.clock.advance(SignedDuration::from_mins(61));
    let b = alice(&app).await;
    let r = b
        .submit(
            "/account/contact",
            "/account/contact/phone",
            &[("phone", "06 11 22 33 66")],
        )
        .await;
    assert_eq!(r.status, 303, "the next window sends again: {}", r.body);
}

#[espace_testkit::test]
async fn one_inbox_gets_at_most_three_anonymous_e_mails_an_hour_across_every_form(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let b = app.browser().with_header("accept-language", "en");
    let inbox = "alice.martin@acme.example";
    // Five requests by four routes, each within its own key's limit.
    b.submit(
        "/forgot-password",
        "/forgot-password",
        &[("login", "alice.martin")],
    )
    .await;
    b.submit("/forgot-password", "/forgot-password", &[("login", inbox)])
        .await;
    b.submit("/forgot-login", "/forgot-login", &[("email", inbox)])
        .await;
    b.submit(
        "/forgot-password",
        "/forgot-password",
        &[("login", "Alice.Martin")],
    )
    .await;
    b.submit("/forgot-login", "/forgot-login", &[("email", inbox)])
        .await;
    let mails = app
        .outbox()
        .await
        .iter()
        .filter(|m| m.recipient == inbox)
        .count();
    assert_eq!(mails, 3, "the inbox cap holds across forms");
    assert!(
        crate::audit_kinds(&app, "alice.martin")
            .await
            .contains(&"recovery.throttled".to_owned())
    );
    app.clock.advance(SignedDuration::from_mins(61));
    b.submit("/forgot-login", "/forgot-login", &[("email", inbox)])
        .await;
    let mails = app
        .outbox()
        .await
        .iter()
        .filter(|m| m.recipient == inbox)
        .count();
    assert_eq!(mails, 4, "the next hour sends again");
}

#[espace_testkit::test]
async fn the_assisted_acknowledgement_is_mailed_only_to_an_address_a_login_holds(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let b = app.browser().with_header("accept-language", "en");
    let mut pages = Vec::new();
    for email in ["stranger@victim.example", "bruno.leroy@acme.example"] {
        let r = b
            .submit(
                "/recover-account",
                "/recover-account",
                &[
                    ("who", "Someone"),
                    ("company", "Acme"),
                    ("new_email", email),
                    ("phone", ""),
                    ("message", ""),
                ],
            )
            .await;
        let to = r
            .location()
            .unwrap_or_else(|| panic!("{}", r.body))
            .to_owned();
        pages.push(b.get(&to).await);
    }
    assert!(
        !app.outbox()
            .await
            .iter()
            .any(|m| m.recipient == "stranger@victim.example"),
        "never mails a stranger"
    );
    assert_eq!(
        sent_to(&app, "recovery-case-opened", "bruno.leroy@acme.example").await,
        1
    );
    // The same answer on screen either way.
    for p in &pages {
        assert_eq!(p.status, 200);
        assert!(
            p.body.contains("Note its reference below") && p.body.contains("If "),
            "{}",
            p.body
        );
    }
}

/// Mann–Whitney U of two samples, as the z of its normal approximation
/// (no ties in nanosecond timings worth correcting for).
fn mann_whitney_z(a: &[f64], b: &[f64]) -> f64 {
    let mut all: Vec<(f64, bool)> = a
        .iter()
        .map(|x| (*x, true))
        .chain(b.iter().map(|x| (*x, false)))
        .collect();
    all.sort_by(|x, y| x.0.total_cmp(&y.0));
    let rank_sum_a: f64 = all
        .iter()
        .enumerate()
        .filter(|(_, (_, is_a))| *is_a)
        .map(|(i, _)| (i + 1) as f64)
        .sum();
    let (n1, n2) = (a.len() as f64, b.len() as f64);
    let u = rank_sum_a - n1 * (n1 + 1.0) / 2.0;
    let mean = n1 * n2 / 2.0;
    let sd = (n1 * n2 * (n1 + n2 + 1.0) / 12.0).sqrt();
    (u - mean) / sd
}

#[espace_testkit::test]
async fn forgot_password_and_forgot_login_take_the_same_time_for_known_and_unknown_targets(
    engine: Engine,
) {
    let app = TestApp::spawn_with(engine, |s| {
        s.app.recovery.per_target = 100_000;
        s.app.recovery.per_client = 100_000;
        s.app.limits.inbox_per_hour = RateLimit::per_hour(100_000);
        s.app.limits.inbox_per_day = RateLimit::per_day(100_000);
    })
    .await;
    let b = app.browser().with_header("accept-language", "en");
    for (form, field, known, unknown) in [
        ("/forgot-password", "login", "alice.martin", "nobody.here"),
        (
            "/forgot-login",
            "email",
            "alice.martin@acme.example",
            "nobody@acme.example",
        ),
    ] {
        // Warm up both paths.
        for t in [known, unknown, known, unknown] {
            b.submit(form, form, &[(field, t)]).await;
        }
        app.app.handle_recovery_requests().await.unwrap();
        let (mut k, mut u) = (Vec::new(), Vec::new());
        for i in 0..60 {
            // Interleaved, the order alternating.
            let order = if i % 2 == 0 {
                [true, false]
            } else {
                [false, true]
            };
            for is_known in order {
                let typed = if is_known { known } else { unknown };
                let start = std::time::Instant::now();
                let r = b.submit(form, form, &[(field, typed)]).await;
                let took = start.elapsed().as_secs_f64();
                assert_eq!(r.status, 303);
                if is_known {
                    k.push(took)
                } else {
                    u.push(took)
                }
                // The worker's share, outside the measured request.
                app.app.handle_recovery_requests().await.unwrap();
            }
        }
        let z = mann_whitney_z(&k, &u);
        // Two-sided p > 0.001 ⇔ |z| < 3.29.
        assert!(
            z.abs() < 3.29,
            "{form}: known and unknown targets differ in time (z = {z:.2})"
        );
    }
    // The work was done by the worker: the known target got its mails.
    assert!(
        app.outbox()
            .await
            .iter()
            .any(|m| m.kind == "password-reset" && m.recipient == "alice.martin@acme.example")
    );
    assert!(
        app.outbox()
            .await
            .iter()
            .any(|m| m.kind == "login-reminder" && m.recipient == "alice.martin@acme.example")
    );
}

#[espace_testkit::test]
async fn adding_a_code_method_is_limited_like_any_code_sender(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let b = alice(&app).await;
    // Three codes to her address (limits.contact_codes.per_target),
    // each a new attempt to add the method (a resend is the same).
    for _ in 0..3 {
        let r = b
            .submit(
                "/account/security",
                "/account/security/code-method/email",
                &[],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
    }
    let r = b
        .submit(
            "/account/security",
            "/account/security/code-method/email",
            &[],
        )
        .await;
    let page = if r.status == 303 {
        b.get(r.location().unwrap()).await
    } else {
        r
    };
    let summary = page
        .error_summary()
        .unwrap_or_else(|| panic!("refused: {}", page.body));
    assert!(summary.contains("try again in"), "{summary}");
    assert_eq!(
        sent_to(&app, "verification-code", "alice.martin@acme.example").await,
        3
    );
    assert!(
        crate::audit_kinds(&app, "alice.martin")
            .await
            .contains(&"code.send-throttled".to_owned())
    );
}

#[espace_testkit::test]
async fn second_factor_codes_are_limited_per_login(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let (_, email_method) = crate::mfa::factor_reset::alice_enrolled(&app).await;
    let before = sent_to(&app, "verification-code", "alice.martin@acme.example").await;
    let b = app.browser().with_header("accept-language", "en");
    b.sign_in("alice.martin", DEMO_PASSWORD).await;
    // Five codes (limits.factor_codes.per_login), then a refusal that
    // says when; none of the refused ones is sent.
    let mut refused = None;
    for _ in 0..7 {
        let r = b
            .submit(
                "/login/second-factor",
                "/login/second-factor/send",
                &[("method", &email_method), ("next", "/")],
            )
            .await;
        let page = if r.status == 303 {
            b.get(r.location().unwrap()).await
        } else {
            r
        };
        if let Some(s) = page.error_summary().filter(|s| s.contains("try again in")) {
            refused = Some(s);
            break;
        }
    }
    assert!(refused.is_some(), "refused before seven codes");
    assert_eq!(
        sent_to(&app, "verification-code", "alice.martin@acme.example").await - before,
        5
    );
}
