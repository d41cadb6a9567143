//! The one integration-test binary of Espace. Every test runs on SQLite and
//! on PostgreSQL (`#[espace_testkit::test]`), through HTTP against the real router.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

mod account;
mod activity;
mod auth;
mod backoffice;
mod dashboard;
mod franceconnect;
mod mfa;
mod recovery;
mod rights;
mod storage;
mod web;

/// Audit kinds recorded for a login, oldest first.
pub async fn audit_kinds(app: &espace_testkit::TestApp, login: &str) -> Vec<String> {
    let id = login_id(app, login).await;
    let mut kinds: Vec<String> = app
        .app
        .recent_events(id, 500)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .collect();
    kinds.reverse();
    kinds
}

pub async fn login_id(app: &espace_testkit::TestApp, login: &str) -> uuid::Uuid {
    let sql = "SELECT id FROM logins WHERE identifier_norm = $1";
    espace_testkit::with_pool!(app, |pool| sqlx::query_scalar(sql)
        .bind(login)
        .fetch_one(pool)
        .await
        .unwrap())
}

/// A login's e-mail address and whether it is verified.
pub async fn email_of(app: &espace_testkit::TestApp, login: &str) -> (Option<String>, bool) {
    let sql = "SELECT email, email_verified FROM logins WHERE identifier_norm = $1";
    espace_testkit::with_pool!(app, |pool| sqlx::query_as(sql)
        .bind(login)
        .fetch_one(pool)
        .await
        .unwrap())
}

/// A binary scalar on either engine.
pub async fn scalar_bytes(app: &espace_testkit::TestApp, sql: &'static str) -> Vec<u8> {
    espace_testkit::with_pool!(app, |pool| {
        sqlx::query_scalar(sql).fetch_one(pool).await.unwrap()
    })
}

/// Runs a scalar query on either engine.
pub async fn scalar_i64(app: &espace_testkit::TestApp, sql: &'static str) -> i64 {
    espace_testkit::with_pool!(app, |pool| {
        sqlx::query_scalar(sql).fetch_one(pool).await.unwrap()
    })
}

/// The login id of alice.martin in `app` (helper for closures).
pub async fn login_id_of(app: &espace_app::App) -> uuid::Uuid {
    // alice.martin's fixed demo id.
    let _ = app;
    uuid::Uuid::from_u128(0x0000_0000_0000_4000_8000_0000_0000_a101)
}

/// Runs a statement on either engine (test set-up only).
pub async fn exec(app: &espace_testkit::TestApp, sql: &str) {
    let sql = sqlx::AssertSqlSafe(sql.to_owned());
    espace_testkit::with_pool!(app, |pool| {
        sqlx::query(sql).execute(pool).await.unwrap();
    })
}

/// A UUID literal for raw SQL on either engine.
pub fn uuid_sql(app: &espace_testkit::TestApp, id: uuid::Uuid) -> String {
    match app.engine {
        espace_testkit::Engine::Sqlite => format!("X'{}'", id.simple()),
        espace_testkit::Engine::Postgres => format!("'{id}'"),
    }
}
