//! `/dev/outbox` (SPEC §10): every e-mail and SMS of the demo, newest
//! first. Routed only with `--demo`; anywhere else it does not exist.

use askama::Template;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};

use super::{Chrome, local_datetime, render};
use crate::AppState;
use crate::ctx::Ctx;
use crate::error::app_error;
use crate::extract::IdPath;

#[derive(Template)]
#[template(path = "common/outbox.html")]
struct OutboxPage {
    c: Chrome,
    rows: Vec<OutboxRow>,
}

struct OutboxRow {
    id: String,
    channel: String,
    to: String,
    subject: String,
    when: String,
    when_iso: String,
    status: String,
    text: String,
    has_html: bool,
}

/// How many messages the page lists.
const SHOWN: i64 = 100;

pub async fn list(State(state): State<AppState>, ctx: Ctx) -> Response {
    let messages = match state.app.outbox_recent(SHOWN).await {
        Ok(m) => m,
        Err(e) => return app_error(&ctx, &e),
    };
    let t = ctx.tr();
    let rows = messages
        .into_iter()
        .map(|m| OutboxRow {
            id: m.id.to_string(),
            channel: t.get(&format!("outbox-channel-{}", m.channel)),
            to: m.recipient,
            subject: m.subject,
            when: local_datetime(&state, &t, m.created_at),
            when_iso: m.created_at.to_string(),
            status: t.get(&format!("outbox-status-{}", m.status)),
            text: m.body_text,
            has_html: m.body_html.is_some(),
        })
        .collect();
    render(
        &ctx,
        &OutboxPage {
            c: Chrome::new(&state, &ctx, "outbox-title", "outbox"),
            rows,
        },
    )
}

/// The HTML version of one e-mail, as a mail client would show it: no
/// script, no form, nothing loaded from elsewhere.
pub async fn html(State(state): State<AppState>, ctx: Ctx, IdPath(id): IdPath) -> Response {
    match state.app.outbox_message(id).await {
        Ok(m) => match m.body_html {
            Some(body) => {
                let mut res = Html(body).into_response();
                res.headers_mut().insert(
                    header::CONTENT_SECURITY_POLICY,
                    HeaderValue::from_static(
                        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox",
                    ),
                );
                res
            }
            None => app_error(&ctx, &espace_app::AppError::NotFound),
        },
        Err(e) => app_error(&ctx, &e),
    }
}

/// The routes of these pages, merged into the router in `lib.rs`.
pub fn routes() -> axum::Router<crate::AppState> {
    use axum::routing::get;
    axum::Router::new()
        .route("/dev/outbox", get(list))
        .route("/dev/outbox/{id}", get(html))
}
