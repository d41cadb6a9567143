//! Storage on both engines.

use espace_testkit::{Engine, TestApp, fresh_database};

use crate::scalar_i64;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_engines_have_the_same_tables_and_columns() {
    let mut schemas = Vec::new();
    for engine in [Engine::Sqlite, Engine::Postgres] {
        let db = espace_db::Database::connect(&fresh_database(engine).await, 2)
            .await
            .unwrap();
        db.migrate().await.unwrap();
        schemas.push(db.schema().await.unwrap());
    }
    assert!(schemas[0].len() > 50);
    assert_eq!(schemas[0], schemas[1]);
}

#[espace_testkit::test]
async fn demo_data_is_seeded_once(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let logins = scalar_i64(&app, "SELECT COUNT(*) FROM logins").await;
    assert_eq!(logins, 7);
    assert!(
        !app.app.seed_demo().await.unwrap(),
        "second seed adds nothing"
    );
    let again = app.spawn_sibling(|_| {}).await;
    assert_eq!(scalar_i64(&again, "SELECT COUNT(*) FROM logins").await, 7);
    assert_eq!(
        scalar_i64(&again, "SELECT COUNT(*) FROM contracts").await,
        3
    );
    // Same e-mail, same person: alice.martin and alice.bistro.
    assert_eq!(scalar_i64(&app, "SELECT COUNT(DISTINCT person_id) FROM logins WHERE email_norm = 'alice.martin@acme.example'").await, 1);
    // No default administrator account (ASVS 6.3.2).
    assert_eq!(scalar_i64(&app, "SELECT COUNT(*) FROM logins WHERE identifier_norm IN ('admin', 'root', 'administrator')").await, 0);
}

#[espace_testkit::test]
async fn server_keys_are_created_once_and_shared(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let sibling = app.spawn_sibling(|_| {}).await;
    assert_eq!(
        scalar_i64(&app, "SELECT COUNT(*) FROM server_secrets").await,
        4,
        "csrf, attempt fingerprints, one-time codes, VAPID"
    );
    assert_eq!(
        app.app.push_key(),
        sibling.app.push_key(),
        "one VAPID key for every instance"
    );
    assert!(app.app.push_key().is_some());
    // A CSRF token from one instance is accepted by the other.
    let b = app.browser();
    let token = b.get("/login").await.csrf_token().unwrap();
    let mut other = sibling.browser();
    for (k, v) in b.cookies.lock().unwrap().iter() {
        other.set_cookie(k, v);
    }
    other.addr = sibling.addr;
    let r = other
        .post_form(
            "/login",
            &[
                ("login", "alice.martin"),
                ("password", espace_testkit::DEMO_PASSWORD),
                ("csrf_token", &token),
            ],
        )
        .await;
    assert_eq!(r.status, 303);
}

/// Issue 17: a unique violation is a conflict naming its constraint on
/// both engines, never a bare failure; a read that fails for another
/// reason is not a conflict.
#[espace_testkit::test]
async fn a_unique_violation_is_a_conflict_with_its_constraint(engine: Engine) {
    use espace_app::ports::{IdpLinkRecord, StoreError};
    let app = TestApp::spawn(engine).await;
    let store = app.db.store();
    let mut tx = store.begin().await.unwrap();
    let alice = tx
        .login_by_identifier("alice.martin")
        .await
        .unwrap()
        .unwrap();
    let bruno = tx
        .login_by_identifier("bruno.leroy")
        .await
        .unwrap()
        .unwrap();
    let link = |login_id, subject: &str| IdpLinkRecord {
        method_id: uuid::Uuid::now_v7(),
        login_id,
        issuer: "https://op.test".into(),
        subject: subject.into(),
        given_name: "A".into(),
        family_name: "B".into(),
        birthdate: "1980-01-01".into(),
        created_at: jiff::Timestamp::now(),
    };
    tx.insert_idp_link(&link(alice.id, "one")).await.unwrap();
    tx.commit().await.unwrap();

    // The same identity for another login, then a second identity for
    // the same login: each names what refused it.
    for (login, subject, names) in [(bruno.id, "one", "subject"), (alice.id, "two", "login")] {
        let mut tx = store.begin().await.unwrap();
        let e = tx.insert_idp_link(&link(login, subject)).await.unwrap_err();
        let StoreError::Conflict { constraint } = &e else {
            panic!("not a conflict: {e:?}")
        };
        assert!(
            constraint.contains("idp_links") && constraint.contains(names),
            "{constraint}"
        );
        assert!(e.is_conflict());
    }

    // A statement that fails otherwise is not a conflict.
    let mut tx = store.begin().await.unwrap();
    let e = tx
        .insert_idp_link(&link(uuid::Uuid::now_v7(), "three"))
        .await
        .unwrap_err();
    assert!(
        !e.is_conflict(),
        "a missing login breaks a foreign key, not a unique index: {e:?}"
    );
}
