//! Unlocking (SPEC §3.2, issue 4): the company's security manager and
//! support see why a login is locked and lift the lock; the person is told.

use espace_testkit::{DEMO_PASSWORD, Engine, TestApp};

use crate::{audit_kinds, login_id};

async fn lock(app: &TestApp, login: &str) {
    for i in 0..5 {
        app.browser()
            .sign_in(login, &format!("Wrong#{i}pass"))
            .await;
    }
    assert_eq!(
        app.browser().sign_in(login, DEMO_PASSWORD).await.status,
        200,
        "locked"
    );
}

#[espace_testkit::test]
async fn the_security_manager_unlocks_a_login_of_the_company_and_it_is_told(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    lock(&app, "alice.martin").await;
    let alice = login_id(&app, "alice.martin").await;
    let bruno = app.browser().with_header("accept-language", "en");
    bruno.sign_in("bruno.leroy", DEMO_PASSWORD).await;
    assert!(
        bruno
            .get(&format!("/users/{alice}"))
            .await
            .body
            .contains("Lock status and unlock")
    );
    let page = bruno.get(&format!("/logins/{alice}/lock")).await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("Locked until")
            && page.body.contains("5 distinct wrong passwords counted.")
    );
    assert!(
        page.body.contains("Failed sign-in"),
        "why: the failed attempts"
    );
    let r = bruno
        .submit(
            &format!("/logins/{alice}/lock"),
            &format!("/logins/{alice}/unlock"),
            &[],
        )
        .await;
    assert_eq!(
        r.location(),
        Some(format!("/logins/{alice}/lock?notice=unlocked").as_str())
    );
    assert_eq!(
        app.browser()
            .sign_in("alice.martin", DEMO_PASSWORD)
            .await
            .status,
        303
    );
    let mail = app
        .outbox()
        .await
        .into_iter()
        .find(|m| m.kind == "unlocked")
        .unwrap();
    assert_eq!(mail.recipient, "alice.martin@acme.example");
    assert!(
        audit_kinds(&app, "alice.martin")
            .await
            .contains(&"login.unlocked".to_owned())
    );
    let timeline = app.browser().with_header("accept-language", "en");
    timeline.sign_in("alice.martin", DEMO_PASSWORD).await;
    // The role under which he acted (issue 16 item 17), not a guess.
    assert!(
        timeline
            .get("/account/activity")
            .await
            .body
            .contains("s security manager")
    );
}

#[espace_testkit::test]
async fn only_security_managers_of_the_company_and_support_may_unlock(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    lock(&app, "chloe.dubois").await;
    let chloe = login_id(&app, "chloe.dubois").await;
    let path = format!("/logins/{chloe}/lock");
    // Another company's security manager, and a plain user: not found.
    let bruno = app.browser();
    bruno.sign_in("bruno.leroy", DEMO_PASSWORD).await;
    assert_eq!(bruno.get(&path).await.status, 404);
    assert_eq!(
        bruno
            .submit("/account", &format!("/logins/{chloe}/unlock"), &[])
            .await
            .status,
        404
    );
    let alice = app.browser();
    alice.sign_in("alice.martin", DEMO_PASSWORD).await;
    assert_eq!(alice.get(&path).await.status, 404);
    assert_eq!(alice.get("/backoffice/logins?q=chloe").await.status, 404);
    assert_eq!(
        app.browser()
            .sign_in("chloe.dubois", DEMO_PASSWORD)
            .await
            .status,
        200,
        "still locked"
    );
    // Support finds and unlocks anyone.
    let support = app.browser().with_header("accept-language", "en");
    support.sign_in("support.agent", DEMO_PASSWORD).await;
    let found = support.get("/backoffice/logins?q=DUBOIS").await;
    assert!(found.body.contains(&path));
    let r = support
        .submit(&path, &format!("/logins/{chloe}/unlock"), &[])
        .await;
    assert_eq!(r.status, 303);
    assert_eq!(
        app.browser()
            .sign_in("chloe.dubois", DEMO_PASSWORD)
            .await
            .status,
        303
    );
    let b = app.browser().with_header("accept-language", "en");
    b.sign_in("chloe.dubois", DEMO_PASSWORD).await;
    assert!(
        b.get("/account/activity")
            .await
            .body
            .contains("Provider staff"),
        "a staff action on the login is shown"
    );
    // The LIKE pattern is escaped.
    assert!(
        !support
            .get("/backoffice/logins?q=%25")
            .await
            .body
            .contains("/logins/")
    );
}
