//! My Account: signed-in devices and the security timeline (SPEC §6).

use espace_testkit::{DEMO_PASSWORD, Engine, TestApp};

use crate::{audit_kinds, scalar_i64};

const CHROME_UA: &str = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36";

#[espace_testkit::test]
async fn the_devices_page_lists_sessions_and_signs_out_others(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let here = app
        .browser()
        .with_header("accept-language", "en")
        .with_header("user-agent", CHROME_UA);
    let phone = app.browser();
    let laptop = app.browser();
    phone.sign_in("alice.martin", DEMO_PASSWORD).await;
    laptop.sign_in("alice.martin", DEMO_PASSWORD).await;
    here.sign_in("alice.martin", DEMO_PASSWORD).await;
    app.browser().sign_in("bruno.leroy", DEMO_PASSWORD).await;

    let page = here.get("/account/sessions").await;
    assert_eq!(page.status, 200);
    assert_eq!(
        page.body.matches("name=\"session\"").count(),
        2,
        "two other devices, not the current one nor Bruno's"
    );
    assert!(page.body.contains("Chrome 156 on Linux") && page.body.contains("This device"));

    // Sign out one: its cookie dies at once.
    let id = {
        let at = page.body.find("name=\"session\" value=\"").unwrap()
            + "name=\"session\" value=\"".len();
        page.body[at..at + 64].to_owned()
    };
    let r = here
        .submit(
            "/account/sessions",
            "/account/sessions/revoke",
            &[("session", &id)],
        )
        .await;
    assert_eq!(r.location(), Some("/account/sessions?notice=revoked"));
    let alive = [phone.get("/").await.status, laptop.get("/").await.status];
    assert!(alive.contains(&303) && alive.contains(&200), "{alive:?}");

    // Sign out all others.
    let r = here
        .submit("/account/sessions", "/account/sessions/revoke-others", &[])
        .await;
    assert_eq!(
        r.location(),
        Some("/account/sessions?notice=others-revoked&count=1")
    );
    assert_eq!(
        (phone.get("/").await.status, laptop.get("/").await.status),
        (303, 303)
    );
    assert_eq!(here.get("/").await.status, 200);
    let done = here
        .get("/account/sessions?notice=others-revoked&count=1")
        .await;
    assert!(done.body.contains("1 other device has been signed out."));
    assert!(done.body.contains("No other device is signed in."));
    let kinds = audit_kinds(&app, "alice.martin").await;
    assert!(
        kinds.contains(&"session.revoked".to_owned())
            && kinds.contains(&"session.others-revoked".to_owned())
    );
    assert_eq!(
        scalar_i64(&app, "SELECT COUNT(*) FROM sessions").await,
        2,
        "alice here, and bruno"
    );
}

#[espace_testkit::test]
async fn a_session_of_another_login_cannot_be_signed_out(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let chloe = app.browser();
    chloe.sign_in("chloe.dubois", DEMO_PASSWORD).await;
    let victim = espace_app::crypto::sha256_hex(&chloe.cookie("__Host-espace-session").unwrap());
    let alice = app.browser();
    alice.sign_in("alice.martin", DEMO_PASSWORD).await;
    for id in [victim.as_str(), "0000", ""] {
        let r = alice
            .submit(
                "/account/sessions",
                "/account/sessions/revoke",
                &[("session", id)],
            )
            .await;
        assert_eq!(r.status, 404, "{id:?}");
    }
    assert_eq!(chloe.get("/").await.status, 200, "untouched");
    // Nor the current one through this form (that is "Sign out").
    let own = espace_app::crypto::sha256_hex(&alice.cookie("__Host-espace-session").unwrap());
    assert_eq!(
        alice
            .submit(
                "/account/sessions",
                "/account/sessions/revoke",
                &[("session", &own)]
            )
            .await
            .status,
        404
    );
}

#[espace_testkit::test]
async fn the_timeline_shows_security_events_in_the_person_s_language(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    app.browser().sign_in("alice.martin", "Wrong#2026x").await;
    let b = app.browser().with_header("accept-language", "en");
    b.sign_in("alice.martin", DEMO_PASSWORD).await;
    let page = b.get("/account/activity").await;
    assert_eq!(page.status, 200);
    let signed_in = page.body.find("Signed in").unwrap();
    let failed = page.body.find("Failed sign-in").unwrap();
    assert!(signed_in < failed, "newest first");
    assert!(
        page.body.contains("23 November 2026, 10:00"),
        "Europe/Paris time, in words"
    );
    assert!(page.body.contains("You") && page.body.contains("Not signed in"));
    // Only the own login's events.
    app.browser().sign_in("bruno.leroy", "Wrong#2026x").await;
    let again = b.get("/account/activity").await.body;
    assert_eq!(again.matches("Failed sign-in").count(), 1);
    let fr = app.browser().with_header("accept-language", "fr");
    fr.sign_in("chloe.dubois", DEMO_PASSWORD).await;
    assert!(
        fr.get("/account/activity")
            .await
            .body
            .contains("Activité de sécurité")
    );
    assert_eq!(
        app.browser().get("/account/activity").await.status,
        303,
        "signed-in only"
    );
}

#[espace_testkit::test]
async fn my_rights_show_the_own_matrix_and_roles_only(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let alice = app.browser().with_header("accept-language", "en");
    alice.sign_in("alice.martin", DEMO_PASSWORD).await;
    let page = alice.get("/account/rights").await;
    assert_eq!(page.status, 200);
    let body = &page.body;
    assert!(body.contains("ACME-FIB-001 — Fibre Pro 1 Gb/s") && body.contains("ACME-MOB-002"));
    assert!(!body.contains("BIST-"), "never another company's contracts");
    assert_eq!(
        body.matches("Manager (acts)").count(),
        2,
        "invoices on two contracts"
    );
    assert_eq!(
        body.matches("Visitor (reads)").count(),
        2,
        "consumption on two contracts"
    );
    assert_eq!(
        body.matches(">No access<").count(),
        10,
        "5 other sections × 2 contracts"
    );
    assert!(body.contains("You have no company role."));
    let bruno = app.browser().with_header("accept-language", "fr");
    bruno.sign_in("bruno.leroy", DEMO_PASSWORD).await;
    let page = bruno.get("/account/rights").await.body;
    assert_eq!(page.matches("Gestionnaire (agit)").count(), 14);
    assert!(
        page.contains("Administrateur de la société") && page.contains("Gestionnaire de sécurité")
    );
    assert_eq!(
        app.browser().get("/account/rights").await.status,
        303,
        "signed-in only"
    );
}
