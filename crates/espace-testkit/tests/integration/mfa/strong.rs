//! Strong authentication (issue 5): forcing by the security manager, the
//! enrolment it leads to, the second factor at sign-in with its own
//! counter, recovery codes, the status across a person's logins, and the
//! step-up before each sensitive action.

use espace_testkit::{Browser, DEMO_PASSWORD, Engine, TestApp};
use jiff::SignedDuration;

use crate::audit_kinds;
use crate::mfa::security::{oathtool, start};

const SESSION: &str = "__Host-espace-session";

pub(crate) async fn signed_in(app: &TestApp, login: &str) -> Browser {
    let b = app.browser().with_header("accept-language", "en");
    b.sign_in(login, DEMO_PASSWORD).await;
    b
}

/// bruno.leroy (security manager of Acme) forces strong authentication
/// on alice.martin; returns the id of her login.
pub(crate) async fn force_alice(app: &TestApp) -> String {
    let bruno = signed_in(app, "alice.martin").await;
    drop(bruno);
    let bruno = signed_in(app, "bruno.leroy").await;
    let id = crate::login_id(app, "alice.martin").await.to_string();
    // "Require" on her row leads to her own page, whose form requires it.
    let page = bruno.get("/company/two-factor").await;
    assert_eq!(page.status, 200);
    let require = format!("/company/two-factor/logins/{id}/require");
    assert!(page.body.contains(&require), "Require on her row");
    let r = bruno
        .submit(
            &require,
            "/company/two-factor/rules",
            &[("scope", "login"), ("login", &id), ("deadline", "")],
        )
        .await;
    assert_eq!(r.location(), Some("/company/two-factor?notice=forced"));
    id
}

#[espace_testkit::test]
async fn forced_login_enrols_then_always_passes_a_second_factor(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    force_alice(&app).await;
    let mail = app
        .outbox()
        .await
        .into_iter()
        .find(|m| m.kind == "strong-auth-on")
        .unwrap();
    assert_eq!(mail.recipient, "alice.martin@acme.example");
    assert!(
        audit_kinds(&app, "alice.martin")
            .await
            .contains(&"mfa.forced".to_owned())
    );
    let bruno = signed_in(&app, "bruno.leroy").await;
    let company = bruno
        .get("/company/two-factor?filter=unprotected")
        .await
        .body;
    assert!(company.contains("alice.martin") && company.contains("Pending"));

    // Her next sign-in leads straight to enrolment; nothing else is reachable.
    let b = app.browser().with_header("accept-language", "en");
    let r = b.sign_in("alice.martin", DEMO_PASSWORD).await;
    assert_eq!(r.location(), Some("/account/security?next=%2F"));
    for path in [
        "/",
        "/account",
        "/account/sessions",
        "/account/activity",
        "/users",
    ] {
        let r = b.get(path).await;
        assert!(
            r.location().unwrap().starts_with("/account/security?next="),
            "{path}"
        );
    }
    let r = b
        .post_form(
            "/account/password/check",
            &[
                ("new_password", "x"),
                (
                    "csrf_token",
                    &b.get("/account/security").await.csrf_token().unwrap(),
                ),
            ],
        )
        .await;
    assert!(
        r.location().unwrap().starts_with("/account/security"),
        "no API either"
    );
    let page = b.get("/account/security").await;
    assert!(page.body.contains("set up a two-factor method below"));
    let before = b.cookie(SESSION).unwrap();
    let (path, key) = start(&b).await;
    let r = b
        .submit(
            &path,
            &path,
            &[("label", "Phone"), ("code", &oathtool(&app, &key, 0))],
        )
        .await;
    assert_eq!(r.location(), Some("/account/security?notice=enrolled"));
    assert_ne!(
        b.cookie(SESSION).unwrap(),
        before,
        "the session id changes with its level"
    );
    assert_eq!(b.get("/account").await.status, 200);

    // Signing in again asks for the second factor first.
    let b = app.browser().with_header("accept-language", "en");
    let r = b.sign_in("alice.martin", DEMO_PASSWORD).await;
    assert_eq!(r.location(), Some("/login/second-factor?next=%2F"));
    assert_eq!(
        b.get("/account").await.location(),
        Some("/login/second-factor?next=%2Faccount")
    );
    let page = b.get("/login/second-factor").await;
    assert!(page.body.contains("Phone") && page.body.contains("Second step of signing in"));
    let method = {
        let at = page.body.find("name=\"method\" value=\"").unwrap() + 21;
        page.body[at..at + 36].to_owned()
    };
    let code = oathtool(&app, &key, 0);
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let r = b
        .submit(
            "/login/second-factor",
            "/login/second-factor",
            &[("method", &method), ("code", wrong)],
        )
        .await;
    assert!(
        r.error_summary().unwrap().contains("4 more tries"),
        "{:?}",
        r.error_summary()
    );
    // The code of the enrolment's time step is not accepted again.
    let r = b
        .submit(
            "/login/second-factor",
            "/login/second-factor",
            &[("method", &method), ("code", &code)],
        )
        .await;
    assert!(
        r.error_summary()
            .unwrap()
            .contains("This code is not right"),
        "a code is never accepted twice"
    );
    app.clock.advance(SignedDuration::from_secs(30));
    let code = oathtool(&app, &key, 0);
    let before = b.cookie(SESSION).unwrap();
    let r = b
        .submit(
            "/login/second-factor",
            "/login/second-factor",
            &[("method", &method), ("code", &code), ("next", "/account")],
        )
        .await;
    assert_eq!(r.location(), Some("/account"));
    assert_ne!(
        b.cookie(SESSION).unwrap(),
        before,
        "the session id changes at the second factor"
    );
    assert_eq!(b.get("/account").await.status, 200);
    // The same code in another browser: refused.
    let other = app.browser().with_header("accept-language", "en");
    other.sign_in("alice.martin", DEMO_PASSWORD).await;
    let r = other
        .submit(
            "/login/second-factor",
            "/login/second-factor",
            &[("method", &method), ("code", &code)],
        )
        .await;
    assert!(
        r.error_summary()
            .unwrap()
            .contains("This code is not right")
    );

    // Her two-factor credentials: both of her logins, with their status.
    let page = b.get("/account/two-factor").await.body;
    let martin = page.find(">alice.martin").unwrap();
    let bistro = page.find(">alice.bistro").unwrap();
    assert!(page[martin..bistro].contains("Enabled") && page[bistro..].contains("Disabled"));

    // The last method stays while forced.
    let r = b
        .submit(
            "/account/security",
            &format!("/account/security/methods/{method}/remove"),
            &[],
        )
        .await;
    assert!(
        r.error_summary()
            .unwrap()
            .contains("last two-factor method")
    );
    let kinds = audit_kinds(&app, "alice.martin").await;
    for k in ["signin.second-factor", "signin.second-factor-failed"] {
        assert!(kinds.contains(&k.to_owned()), "{k}");
    }
}

#[espace_testkit::test]
async fn wrong_second_factors_lock_the_second_step_only_and_recovery_codes_serve_once(
    engine: Engine,
) {
    let app = TestApp::spawn(engine).await;
    force_alice(&app).await;
    let b = signed_in(&app, "alice.martin").await;
    let (path, key) = start(&b).await;
    b.submit(
        &path,
        &path,
        &[("label", "Phone"), ("code", &oathtool(&app, &key, 0))],
    )
    .await;
    let r = b
        .submit("/account/security", "/account/security/recovery-codes", &[])
        .await;
    assert_eq!(r.status, 200);
    let codes: Vec<String> = r
        .body
        .split("<li><code>")
        .skip(1)
        .map(|c| c.split('<').next().unwrap().to_owned())
        .collect();
    assert_eq!(codes.len(), 10);
    assert!(
        b.get("/account/security")
            .await
            .body
            .contains("You have 10 unused recovery codes.")
    );

    let b = signed_in(&app, "alice.martin").await;
    for i in 0..5 {
        let r = b
            .submit(
                "/login/second-factor",
                "/login/second-factor",
                &[("recovery_code", &format!("AAAAA-0000{i}"))],
            )
            .await;
        assert_eq!(r.status, 200, "{i} {:?}", r.location());
    }
    let r = b
        .submit(
            "/login/second-factor",
            "/login/second-factor",
            &[("recovery_code", &codes[0])],
        )
        .await;
    assert!(
        r.error_summary().unwrap().contains("locked"),
        "locked: even a right code waits"
    );
    assert!(
        audit_kinds(&app, "alice.martin")
            .await
            .contains(&"signin.second-factor-locked".to_owned())
    );
    // The password step is untouched: another sign-in passes it.
    let again = app.browser().with_header("accept-language", "en");
    assert_eq!(
        again
            .sign_in("alice.martin", DEMO_PASSWORD)
            .await
            .location(),
        Some("/login/second-factor?next=%2F")
    );
    app.clock.advance(SignedDuration::from_mins(31));
    let again = signed_in(&app, "alice.martin").await;
    let r = again
        .submit(
            "/login/second-factor",
            "/login/second-factor",
            &[("recovery_code", &codes[0].to_lowercase())],
        )
        .await;
    assert_eq!(r.location(), Some("/"));
    let used = app
        .outbox()
        .await
        .into_iter()
        .find(|m| m.kind == "recovery-code-used")
        .unwrap();
    assert!(
        used.body_text
            .replace(['\u{2068}', '\u{2069}'], "")
            .contains("Il reste 9 codes de secours"),
        "in her language (French, never chosen otherwise)"
    );
    let third = signed_in(&app, "alice.martin").await;
    let r = third
        .submit(
            "/login/second-factor",
            "/login/second-factor",
            &[("recovery_code", &codes[0])],
        )
        .await;
    assert!(
        r.error_summary()
            .unwrap()
            .contains("This code is not right"),
        "a recovery code serves once"
    );
}

#[espace_testkit::test]
async fn each_sensitive_action_asks_for_a_recent_authentication(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let b = signed_in(&app, "bruno.leroy").await;
    app.clock.advance(SignedDuration::from_mins(6));
    let confirm = |next: &str| format!("/account/confirm?next={}", next.replace('/', "%2F"));
    // A refused form goes to the step-up, then to its kept copy, then back.
    let kept = |location: Option<&str>, from: &str| {
        let l = location.unwrap_or_default();
        l.starts_with("/account/confirm?next=%2Faccount%2Fconfirm%2Fresume%3Fform%3D")
            && l.ends_with(&format!("%26next%3D{}", from.replace('/', "%252F")))
    };
    assert_eq!(
        b.get("/account/password").await.location(),
        Some(confirm("/account/password").as_str())
    );
    assert_eq!(
        b.get("/account/contact").await.location(),
        Some(confirm("/account/contact").as_str())
    );
    for (from, action, fields) in [
        ("/account/security", "/account/security/totp", vec![]),
        (
            "/users/invite",
            "/users/invite",
            vec![
                ("first_name", "Zoé"),
                ("last_name", "Roux"),
                ("email", "zoe@acme.example"),
            ],
        ),
        (
            "/company/two-factor",
            "/company/two-factor/rules",
            vec![("scope", "company")],
        ),
    ] {
        let r = b.submit(from, action, &fields).await;
        assert!(kept(r.location(), from), "{action}: {:?}", r.location());
    }
    // The password (no second factor yet) confirms; wrong first.
    let r = b
        .submit(
            "/account/confirm",
            "/account/confirm",
            &[("password", "Wrong#2026x")],
        )
        .await;
    assert!(r.error_summary().unwrap().contains("password"));
    let r = b.step_up_with_password(DEMO_PASSWORD).await;
    assert_eq!(r.location(), Some("/account"));
    assert_eq!(b.get("/account/password").await.status, 200);
    let kinds = audit_kinds(&app, "bruno.leroy").await;
    assert!(
        kinds.contains(&"session.stepped-up".to_owned())
            && kinds.contains(&"session.step-up-failed".to_owned())
    );
    // With a second factor, the password no longer suffices.
    let (path, key) = start(&b).await;
    b.submit(
        &path,
        &path,
        &[("label", "Phone"), ("code", &oathtool(&app, &key, 0))],
    )
    .await;
    app.clock.advance(SignedDuration::from_mins(6));
    let r = b
        .submit("/account/security", "/account/security/recovery-codes", &[])
        .await;
    assert!(
        kept(r.location(), "/account/security"),
        "{:?}",
        r.location()
    );
    let r = b
        .submit(
            "/account/confirm",
            "/account/confirm",
            &[("password", DEMO_PASSWORD)],
        )
        .await;
    assert_eq!(r.status, 404, "the strongest factor is asked");
    let page = b.get("/account/confirm").await;
    assert!(page.body.contains("Code shown by your authenticator app"));
}
