//! `/account/password` (SPEC §3.1, §6): current password, the new one
//! twice, every rule listed before the field and a live level indicator
//! (computed by the server's own policy, `/account/password/check`).

use askama::Template;
use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use espace_app::account::PasswordChange;
use espace_app::error::FormRejection;
use secrecy::SecretString;
use serde::Deserialize;

use super::forms::{Fields, password_rules, rejection_fields, violation_message};
use super::{Chrome, render};
use crate::AppState;
use crate::context::{Authenticated, Ctx};
use crate::error::app_error;
use crate::form::HtmlForm;
use crate::i18n::Arg;

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    c: Chrome,
    notice: Option<String>,
    rules: Vec<String>,
    f: Fields,
}

#[derive(Deserialize, Default)]
pub struct NoticeQuery {
    notice: Option<String>,
    count: Option<i64>,
}

fn page(state: &AppState, ctx: &Ctx, f: Fields, notice: Option<String>) -> PasswordPage {
    let t = ctx.tr();
    PasswordPage {
        c: Chrome::new(state, ctx, "password-title", "account"),
        notice,
        rules: password_rules(&t, &state.app.config().password_policy()),
        f,
    }
}

pub async fn show(
    State(state): State<AppState>,
    Authenticated(session, ctx): Authenticated,
    query: Result<Query<NoticeQuery>, QueryRejection>,
) -> Response {
    let q = query.map(|q| q.0).unwrap_or_default();
    // Confirm who you are before typing anything (SPEC §4.5).
    if q.notice.is_none()
        && let Err(e) = state.app.require_recent_auth(&session).await
    {
        return app_error(&ctx, &e);
    }
    let t = ctx.tr();
    let notice = (q.notice.as_deref() == Some("changed")).then(|| {
        t.fmt(
            "password-changed",
            &[("count", Arg::N(q.count.unwrap_or(0)))],
        )
    });
    render(&ctx, &page(&state, &ctx, Fields::default(), notice))
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    new_password_confirm: String,
}

pub async fn submit(
    State(state): State<AppState>,
    Authenticated(session, ctx): Authenticated,
    HtmlForm(form): HtmlForm<PasswordForm>,
) -> Response {
    let t = ctx.tr();
    let change = PasswordChange {
        current: SecretString::from(form.current_password),
        new: SecretString::from(form.new_password),
        confirm: SecretString::from(form.new_password_confirm),
        device: ctx.device.clone(),
    };
    match state
        .app
        .change_password(&session, change, &ctx.client)
        .await
    {
        Ok(n) => {
            Redirect::to(&format!("/account/password?notice=changed&count={n}")).into_response()
        }
        Err(FormRejection::App(espace_app::AppError::Busy)) => {
            let mut f = Fields::default();
            f.errors.push(super::FormError {
                field: None,
                message: t.get("login-busy"),
            });
            render(&ctx, &page(&state, &ctx, f, None))
        }
        Err(r) => match rejection_fields(&t, r) {
            Ok(f) => render(&ctx, &page(&state, &ctx, f, None)),
            Err(e) => app_error(&ctx, &e),
        },
    }
}

#[derive(Deserialize)]
pub struct CheckForm {
    #[serde(default)]
    new_password: String,
}

/// The live indicator's answer: the level and the unmet rules, worded.
pub async fn check(
    State(state): State<AppState>,
    Authenticated(session, ctx): Authenticated,
    HtmlForm(form): HtmlForm<CheckForm>,
) -> Response {
    let t = ctx.tr();
    let e = state
        .app
        .check_new_password(&session.login, &form.new_password);
    let unmet: Vec<String> = e
        .violations
        .iter()
        .map(|v| violation_message(&t, v))
        .collect();
    Json(serde_json::json!({
        "level": e.strength.as_str(),
        "label": t.fmt("password-level", &[("level", Arg::S(&t.get(&format!("password-level-{}", e.strength.as_str()))))]),
        "unmet": unmet,
    }))
    .into_response()
}
