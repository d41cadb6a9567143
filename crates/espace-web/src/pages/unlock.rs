//! `/logins/{id}/lock`: why a login is locked, and the unlock button, for
//! the company's security manager and for support; `/backoffice/logins`:
//! support's search over every login.

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use espace_app::company::display_name;
use espace_app::rights::policy::Helper;
use serde::Deserialize;
use uuid::Uuid;

use super::{Chrome, local_datetime, render};
use crate::AppState;
use crate::error::app_error;
use crate::extract::Authenticated;
use crate::extract::IdPath;
use crate::i18n::{Arg, device_name};

#[derive(Template)]
#[template(path = "backoffice/lock.html")]
struct LockPage {
    c: Chrome,
    notice: Option<String>,
    id: Uuid,
    name: String,
    identifier: String,
    status: String,
    locked: bool,
    failures: String,
    rows: Vec<(String, String, String, String)>,
    back: (String, String),
}

#[derive(Deserialize, Default)]
pub struct LockQuery {
    notice: Option<String>,
    q: Option<String>,
}

pub async fn show(
    State(state): State<AppState>,
    Authenticated(session, ctx): Authenticated,
    IdPath(id): IdPath,
    query: Result<Query<LockQuery>, QueryRejection>,
) -> Response {
    let view = match state.app.lock_view(&session, id).await {
        Ok(v) => v,
        Err(e) => return app_error(&ctx, &e),
    };
    let t = ctx.tr();
    let q = query.map(|q| q.0).unwrap_or_default();
    let page = LockPage {
        c: Chrome::new(&state, &ctx, "lock-title", "users"),
        notice: match q.notice.as_deref() {
            Some("unlocked") => Some(t.get("lock-notice-unlocked")),
            Some("nothing") => Some(t.get("lock-notice-nothing")),
            _ => None,
        },
        id,
        name: display_name(&view.login),
        identifier: view.login.identifier.clone(),
        status: match view.locked_until {
            Some(until) => t.fmt(
                "lock-status-locked",
                &[("time", Arg::S(&local_datetime(&state, &t, until)))],
            ),
            None => t.get("lock-status-open"),
        },
        locked: view.locked_until.is_some(),
        failures: t.fmt(
            "lock-failures",
            &[("count", Arg::N(i64::from(view.failures)))],
        ),
        rows: view
            .recent
            .iter()
            .map(|e| {
                (
                    local_datetime(&state, &t, e.at),
                    e.at.to_string(),
                    t.get(&format!("activity-kind-{}", e.kind.replace('.', "-"))),
                    format!("{} — {}", device_name(&t, &e.user_agent), e.ip),
                )
            })
            .collect(),
        back: if view.helper == Helper::Support {
            ("/backoffice/logins".into(), t.get("support-title"))
        } else {
            (format!("/users/{id}"), display_name(&view.login))
        },
    };
    render(&ctx, &page)
}

pub async fn unlock(
    State(state): State<AppState>,
    Authenticated(session, ctx): Authenticated,
    IdPath(id): IdPath,
) -> Response {
    match state.app.unlock_login(&session, id, &ctx.client).await {
        Ok(done) => Redirect::to(&format!(
            "/logins/{id}/lock?notice={}",
            if done { "unlocked" } else { "nothing" }
        ))
        .into_response(),
        Err(e) => app_error(&ctx, &e),
    }
}

#[derive(Template)]
#[template(path = "backoffice/support_logins.html")]
struct SupportPage {
    c: Chrome,
    q: String,
    rows: Vec<(Uuid, String, String, String)>,
    searched: bool,
}

pub async fn search(
    State(state): State<AppState>,
    Authenticated(session, ctx): Authenticated,
    query: Result<Query<LockQuery>, QueryRejection>,
) -> Response {
    let q: String = query
        .map(|q| q.0)
        .unwrap_or_default()
        .q
        .unwrap_or_default()
        .chars()
        .take(100)
        .collect();
    let found = match state.app.support_search(&session, &q).await {
        Ok(f) => f,
        Err(e) => return app_error(&ctx, &e),
    };
    let rows = found
        .iter()
        .map(|l| {
            (
                l.id,
                l.identifier.clone(),
                display_name(l),
                l.email.clone().unwrap_or_default(),
            )
        })
        .collect();
    render(
        &ctx,
        &SupportPage {
            c: Chrome::new(&state, &ctx, "support-title", "backoffice"),
            searched: !q.trim().is_empty(),
            q,
            rows,
        },
    )
}

/// The routes of these pages, merged into the router in `lib.rs`.
pub fn routes() -> axum::Router<crate::AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/logins/{id}/lock", get(show))
        .route("/logins/{id}/unlock", post(unlock))
        .route("/backoffice/logins", get(search))
}
