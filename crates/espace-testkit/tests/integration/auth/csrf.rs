//! Cross-site request forgery (SPEC §3.3, ASVS 3.5.1).

use espace_testkit::{DEMO_PASSWORD, Engine, TestApp};

use crate::scalar_i64;

#[espace_testkit::test]
async fn a_form_without_its_token_is_refused_with_an_explanation(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let b = app.browser().with_header("accept-language", "en");
    b.get("/login").await;
    let r = b
        .post_form(
            "/login",
            &[("login", "alice.martin"), ("password", DEMO_PASSWORD)],
        )
        .await;
    assert_eq!(r.status, 403);
    assert!(r.body.contains("This form has expired"));
    assert!(b.cookie("__Host-espace-session").is_none());
    let fr = app
        .browser()
        .post_form("/login", &[("login", "alice.martin")])
        .await;
    assert_eq!(fr.status, 403);
    assert!(fr.body.contains("Ce formulaire a expiré"));
    assert_eq!(
        scalar_i64(
            &app,
            "SELECT COUNT(*) FROM audit_events WHERE kind = 'request.csrf-rejected'"
        )
        .await,
        2
    );
}

#[espace_testkit::test]
async fn a_token_from_another_browser_is_refused(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let victim = app.browser();
    victim.get("/login").await;
    let attacker = app.browser();
    let token = attacker.get("/login").await.csrf_token().unwrap();
    let r = victim
        .post_form(
            "/login",
            &[
                ("login", "alice.martin"),
                ("password", DEMO_PASSWORD),
                ("csrf_token", &token),
            ],
        )
        .await;
    assert_eq!(r.status, 403);
}

#[espace_testkit::test]
async fn cross_site_fetch_metadata_and_foreign_origins_are_refused(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    for (name, value) in [
        ("sec-fetch-site", "cross-site"),
        ("sec-fetch-site", "same-site"),
        ("origin", "http://evil.example"),
        ("origin", "null"),
    ] {
        let b = app.browser().with_header(name, value);
        let r = b.sign_in("alice.martin", DEMO_PASSWORD).await;
        assert_eq!(r.status, 403, "{name}: {value}");
    }
    let own = format!("http://{}", app.addr);
    let ok = app
        .browser()
        .with_header("origin", &own)
        .with_header("sec-fetch-site", "same-origin");
    assert_eq!(ok.sign_in("alice.martin", DEMO_PASSWORD).await.status, 303);
}

#[espace_testkit::test]
async fn the_token_changes_with_the_session(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let b = app.browser();
    let before = b.get("/login").await.csrf_token().unwrap();
    b.sign_in("alice.martin", DEMO_PASSWORD).await;
    let after = b.get("/").await.csrf_token().unwrap();
    assert_ne!(before, after);
    // The anonymous token no longer works for the signed-in session.
    let r = b.post_form("/logout", &[("csrf_token", &before)]).await;
    assert_eq!(r.status, 403);
    let r = b.post_form("/logout", &[("csrf_token", &after)]).await;
    assert_eq!(r.status, 303);
}
