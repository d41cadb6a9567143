//! Sessions (SPEC §3.3, ASVS V7).

use espace_testkit::{DEMO_PASSWORD, Engine, TestApp};
use jiff::SignedDuration;

use crate::{audit_kinds, scalar_i64};

#[espace_testkit::test]
async fn sign_out_kills_the_session_on_the_server(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let b = app.browser();
    b.sign_in("alice.martin", DEMO_PASSWORD).await;
    let token = b.cookie("__Host-espace-session").unwrap();
    let out = b.submit("/", "/logout", &[]).await;
    assert_eq!(out.status, 303);
    assert!(
        out.location()
            .unwrap()
            .starts_with("/login?notice=signed-out")
    );
    // Only what the session owns is cleared (issue 26): the cache, and
    // its cookie, expired; never "cookies" or "storage" wholesale.
    let clear = out.header("clear-site-data").unwrap();
    assert!(clear.contains("\"cache\""), "{clear}");
    assert!(
        !clear.contains("\"cookies\"") && !clear.contains("\"storage\"") && !clear.contains('*'),
        "{clear}"
    );
    assert!(
        out.set_cookies()
            .iter()
            .any(|c| c.starts_with("__Host-espace-session=;") && c.contains("Max-Age=0"))
    );
    // Replaying the old cookie gets nothing.
    let replay = app.browser();
    replay.set_cookie("__Host-espace-session", &token);
    let r = replay.get("/account").await;
    assert_eq!(r.status, 303);
    assert!(r.location().unwrap().starts_with("/login"));
    assert_eq!(scalar_i64(&app, "SELECT COUNT(*) FROM sessions").await, 0);
    assert!(
        audit_kinds(&app, "alice.martin")
            .await
            .contains(&"session.signed-out".to_owned())
    );
}

#[espace_testkit::test]
async fn a_sign_out_keeps_the_device_cookie_so_the_next_sign_in_is_no_news(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let new_device_mails = || async {
        app.outbox()
            .await
            .iter()
            .filter(|m| m.kind == "new-device")
            .count()
    };
    // A first browser: the first device ever is not news.
    let first = app.browser();
    first.sign_in("alice.martin", DEMO_PASSWORD).await;
    assert_eq!(new_device_mails().await, 0);
    // Another browser: news, once.
    let b = app.browser();
    b.sign_in("alice.martin", DEMO_PASSWORD).await;
    assert_eq!(new_device_mails().await, 1);
    let device = b.cookie("__Host-espace-device").unwrap();
    // Signing out leaves the device cookie (the test browser honours
    // Clear-Site-Data as a browser does).
    let out = b.submit("/", "/logout", &[]).await;
    assert_eq!(out.status, 303);
    assert_eq!(b.cookie("__Host-espace-device"), Some(device));
    assert!(b.cookie("__Host-espace-session").is_none());
    // Signing in again from it, twice: still one alert.
    for _ in 0..2 {
        assert_eq!(b.sign_in("alice.martin", DEMO_PASSWORD).await.status, 303);
        b.submit("/", "/logout", &[]).await;
    }
    assert_eq!(
        new_device_mails().await,
        1,
        "a sign-out does not make the browser new"
    );
    let kinds = audit_kinds(&app, "alice.martin").await;
    assert_eq!(
        kinds.iter().filter(|k| *k == "signin.new-device").count(),
        1
    );
}

#[espace_testkit::test]
async fn the_session_ends_after_thirty_idle_minutes(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let b = app.browser();
    b.sign_in("alice.martin", DEMO_PASSWORD).await;
    app.clock.advance(SignedDuration::from_mins(29));
    assert_eq!(b.get("/").await.status, 200, "activity at 29 min");
    app.clock.advance(SignedDuration::from_mins(29));
    assert_eq!(
        b.get("/").await.status,
        200,
        "idle time counts from the last activity"
    );
    app.clock.advance(SignedDuration::from_mins(30));
    let r = b.get("/account").await;
    assert_eq!(r.status, 303);
    assert_eq!(r.location(), Some("/login?next=%2Faccount&notice=expired"));
    assert!(
        audit_kinds(&app, "alice.martin")
            .await
            .contains(&"session.expired".to_owned())
    );
    let login = b.get("/login?notice=expired").await;
    assert!(login.body.contains("role=\"status\""));
}

#[espace_testkit::test]
async fn the_session_ends_after_twelve_hours_whatever_the_activity(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let b = app.browser();
    b.sign_in("alice.martin", DEMO_PASSWORD).await;
    for _ in 0..35 {
        app.clock.advance(SignedDuration::from_mins(20));
        assert_eq!(b.get("/").await.status, 200);
    }
    app.clock.advance(SignedDuration::from_mins(20));
    assert_eq!(b.get("/").await.status, 303, "12 h absolute limit");
}

#[espace_testkit::test]
async fn the_nist_profile_uses_one_hour_idle(engine: Engine) {
    let app = TestApp::spawn_with(engine, |s| {
        s.app.security_profile = espace_domain::profile::SecurityProfile::NistAal2
    })
    .await;
    let b = app.browser();
    b.sign_in("alice.martin", DEMO_PASSWORD).await;
    app.clock.advance(SignedDuration::from_mins(59));
    assert_eq!(b.get("/").await.status, 200);
    app.clock.advance(SignedDuration::from_mins(61));
    assert_eq!(b.get("/").await.status, 303);
}

#[espace_testkit::test]
async fn stay_signed_in_extends_the_idle_timeout(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let b = app.browser().with_header("accept", "application/json");
    b.sign_in("alice.martin", DEMO_PASSWORD).await;
    let page = b.get("/").await;
    assert!(page.body.contains("data-session-expires="));
    app.clock.advance(SignedDuration::from_mins(28));
    let token = page.csrf_token().unwrap();
    let r = b
        .post_form("/session/extend", &[("csrf_token", &token)])
        .await;
    assert_eq!(r.status, 200);
    let json: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(json["signed_in"], true);
    let now_ms = jiff::Timestamp::from_second(1_795_424_400)
        .unwrap()
        .as_millisecond()
        + 28 * 60_000;
    assert_eq!(json["expires_at_ms"].as_i64(), Some(now_ms + 30 * 60_000));
    app.clock.advance(SignedDuration::from_mins(20));
    assert_eq!(
        b.get("/").await.status,
        200,
        "48 min after sign-in, 20 after extending"
    );
    // Without JavaScript: a redirect back.
    let plain = app.browser();
    plain.sign_in("bruno.leroy", DEMO_PASSWORD).await;
    let r = plain
        .submit("/account", "/session/extend", &[("return_to", "/account")])
        .await;
    assert_eq!((r.status, r.location()), (303, Some("/account")));
}

#[espace_testkit::test]
async fn sign_in_issues_a_new_token_and_ignores_a_planted_one(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let b = app.browser();
    let planted = "A".repeat(43);
    b.set_cookie("__Host-espace-session", &planted);
    let login = b.get("/login").await;
    assert!(
        login
            .set_cookies()
            .iter()
            .any(|c| c.starts_with("__Host-espace-session=;")),
        "unknown token cleared"
    );
    let anon = b.cookie("__Host-espace-anon").unwrap();
    b.set_cookie("__Host-espace-session", &planted);
    b.sign_in("alice.martin", DEMO_PASSWORD).await;
    let token = b.cookie("__Host-espace-session").unwrap();
    assert_ne!(token, planted);
    assert_ne!(token, anon);
    assert_eq!(token.len(), 43, "256-bit token, base64url");
    // Only the SHA-256 of the token is stored.
    let stored: String = espace_testkit::with_pool!(app, |pool| sqlx::query_scalar(
        "SELECT id_hash FROM sessions"
    )
    .fetch_one(pool)
    .await
    .unwrap());
    assert_eq!(stored, espace_app::crypto::sha256_hex(&token));
}

#[espace_testkit::test]
async fn protected_pages_send_anonymous_visitors_to_sign_in_and_back(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let b = app.browser();
    let r = b.get("/account").await;
    assert_eq!(
        (r.status, r.location()),
        (303, Some("/login?next=%2Faccount"))
    );
    let page = b.get("/login?next=%2Faccount").await;
    let token = page.csrf_token().unwrap();
    let signed = b
        .post_form(
            "/login",
            &[
                ("login", "alice.martin"),
                ("password", DEMO_PASSWORD),
                ("next", "/account"),
                ("csrf_token", &token),
            ],
        )
        .await;
    assert_eq!(signed.location(), Some("/account"));
    // No open redirect.
    let c = app.browser();
    let page = c.get("/login").await;
    let token = page.csrf_token().unwrap();
    let evil = c
        .post_form(
            "/login",
            &[
                ("login", "alice.martin"),
                ("password", DEMO_PASSWORD),
                ("next", "//evil.example/x"),
                ("csrf_token", &token),
            ],
        )
        .await;
    assert_eq!(evil.location(), Some("/"));
}

#[espace_testkit::test]
async fn a_disabled_login_loses_its_sessions_at_once(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let b = app.browser();
    b.sign_in("alice.martin", DEMO_PASSWORD).await;
    assert_eq!(b.get("/").await.status, 200);
    let sql = "UPDATE logins SET disabled = TRUE WHERE identifier_norm = 'alice.martin'";
    espace_testkit::with_pool!(app, |pool| {
        sqlx::query(sql).execute(pool).await.unwrap();
    });
    assert_eq!(b.get("/").await.status, 303);
    let again = app
        .browser()
        .with_header("accept-language", "en")
        .sign_in("alice.martin", DEMO_PASSWORD)
        .await;
    assert!(again.error_summary().unwrap().contains("incorrect"));
}

#[espace_testkit::test]
async fn a_new_sign_in_ends_the_session_the_browser_had(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let b = app.browser();
    b.sign_in("alice.martin", DEMO_PASSWORD).await;
    let first = b.cookie("__Host-espace-session").unwrap();
    // /login redirects a signed-in browser, so the form comes from a page.
    let r = b
        .submit(
            "/",
            "/login",
            &[("login", "bruno.leroy"), ("password", DEMO_PASSWORD)],
        )
        .await;
    assert_eq!(r.status, 303);
    assert_ne!(b.cookie("__Host-espace-session").unwrap(), first);
    assert_eq!(scalar_i64(&app, "SELECT COUNT(*) FROM sessions").await, 1);
    let old = app.browser();
    old.set_cookie("__Host-espace-session", &first);
    assert_eq!(old.get("/").await.status, 303);
}

#[espace_testkit::test]
async fn housekeeping_removes_expired_sessions_and_stale_counters(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    app.browser().sign_in("alice.martin", DEMO_PASSWORD).await;
    app.browser().sign_in("bruno.leroy", "Typo#2026x").await;
    assert_eq!(
        scalar_i64(&app, "SELECT COUNT(*) FROM signin_attempts").await,
        1
    );
    app.clock.advance(SignedDuration::from_hours(23));
    app.app.housekeeping().await.unwrap();
    assert_eq!(
        scalar_i64(&app, "SELECT COUNT(*) FROM sessions").await,
        0,
        "idle sessions go"
    );
    assert_eq!(
        scalar_i64(&app, "SELECT COUNT(*) FROM signin_attempts").await,
        1,
        "a recent series stays"
    );
    app.clock.advance(SignedDuration::from_hours(2));
    app.app.housekeeping().await.unwrap();
    assert_eq!(
        scalar_i64(&app, "SELECT COUNT(*) FROM signin_attempts").await,
        0,
        "forgotten after 24 h"
    );
    assert_eq!(scalar_i64(&app, "SELECT COUNT(*) FROM ip_windows").await, 0);
    let r = app
        .browser()
        .with_header("accept-language", "en")
        .sign_in("bruno.leroy", "Other#2026x")
        .await;
    assert!(r.error_summary().unwrap().contains("4 more tries"));
}
