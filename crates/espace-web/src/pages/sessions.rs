//! `/account/sessions`: signed-in devices, sign out one or all others
//! (SPEC §6, ASVS 7.5.2). The security timeline is in `activity`.

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::{Chrome, Notice, local_datetime, render};
use crate::AppState;
use crate::error::app_error;
use crate::extract::Authenticated;
use crate::form::HtmlForm;
use crate::i18n::{Arg, device_name};

#[derive(Template)]
#[template(path = "auth/sessions.html")]
struct SessionsPage {
    c: Chrome,
    notice: Option<Notice>,
    rows: Vec<SessionRow>,
    others: usize,
}

struct SessionRow {
    id: String,
    device: String,
    address: String,
    signed_in: String,
    signed_in_iso: String,
    last_seen: String,
    last_seen_iso: String,
    current: bool,
}

#[derive(Deserialize, Default)]
pub struct NoticeQuery {
    notice: Option<String>,
    count: Option<i64>,
}

pub async fn list(
    State(state): State<AppState>,
    Authenticated(session, ctx): Authenticated,
    query: Result<Query<NoticeQuery>, QueryRejection>,
) -> Response {
    let query = query.map(|q| q.0).unwrap_or_default();
    let entries = match state.app.my_sessions(&session).await {
        Ok(e) => e,
        Err(e) => return app_error(&ctx, &e),
    };
    let t = ctx.tr();
    let rows: Vec<SessionRow> = entries
        .iter()
        .map(|e| SessionRow {
            id: e.record.id_hash.clone(),
            device: device_name(&t, &e.record.user_agent),
            address: e.record.ip.clone(),
            signed_in: local_datetime(&state, &t, e.record.created_at),
            signed_in_iso: e.record.created_at.to_string(),
            last_seen: local_datetime(&state, &t, e.record.last_seen_at),
            last_seen_iso: e.record.last_seen_at.to_string(),
            current: e.current,
        })
        .collect();
    let notice = match query.notice.as_deref() {
        Some("revoked") => Some(Notice::success(t.get("sessions-notice-revoked"))),
        Some("others-revoked") => Some(Notice::success(t.fmt(
            "sessions-notice-others-revoked",
            &[("count", Arg::N(query.count.unwrap_or(0)))],
        ))),
        _ => None,
    };
    let others = rows.iter().filter(|r| !r.current).count();
    render(
        &ctx,
        &SessionsPage {
            c: Chrome::new(&state, &ctx, "sessions-title", "account"),
            notice,
            rows,
            others,
        },
    )
}

#[derive(Deserialize)]
pub struct RevokeForm {
    session: String,
    #[allow(dead_code)]
    csrf_token: Option<String>,
}

pub async fn revoke(
    State(state): State<AppState>,
    Authenticated(session, ctx): Authenticated,
    HtmlForm(form): HtmlForm<RevokeForm>,
) -> Response {
    match state
        .app
        .revoke_session(&session, &form.session, &ctx.client)
        .await
    {
        Ok(()) => Redirect::to("/account/sessions?notice=revoked").into_response(),
        Err(e) => app_error(&ctx, &e),
    }
}

pub async fn revoke_others(
    State(state): State<AppState>,
    Authenticated(session, ctx): Authenticated,
) -> Response {
    match state.app.revoke_other_sessions(&session, &ctx.client).await {
        Ok(n) => Redirect::to(&format!(
            "/account/sessions?notice=others-revoked&count={n}"
        ))
        .into_response(),
        Err(e) => app_error(&ctx, &e),
    }
}

/// The routes of these pages, merged into the router in `lib.rs`.
pub fn routes() -> axum::Router<crate::AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/account/sessions", get(list))
        .route("/account/sessions/revoke", post(revoke))
        .route("/account/sessions/revoke-others", post(revoke_others))
}
