//! `/account/password` (SPEC §3.1, §6): current password, the new one
//! twice, every rule listed before the field and a live level indicator
//! (computed by the server's own policy, `/account/password/check`), and
//! without JavaScript after submit. Every error comes in one round; a
//! change done leads to its own confirmation page.

use askama::Template;
use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use espace_app::account::PasswordChange;
use espace_app::error::FormRejection;
use espace_domain::password::{PasswordPolicy, Strength};
use secrecy::SecretString;
use serde::Deserialize;

use super::forms::{Fields, password_rules, rejection_fields, violation_message};
use super::{Chrome, render};
use crate::AppState;
use crate::ctx::Ctx;
use crate::error::app_error;
use crate::extract::Authenticated;
use crate::form::HtmlForm;
use crate::i18n::{Arg, Tr};

#[derive(Template)]
#[template(path = "account/password.html")]
struct PasswordPage {
    c: Chrome,
    rules: Vec<String>,
    /// The level of the password just submitted (shown without
    /// JavaScript, SPEC §3.1).
    level: Option<Level>,
    f: Fields,
}

/// A password level, worded.
struct Level {
    /// `too-weak`, `medium` or `strong`.
    code: &'static str,
    label: String,
}

fn level(t: &Tr, strength: Strength) -> Level {
    let name = t.get(&format!("password-level-{}", strength.as_str()));
    Level {
        code: strength.as_str(),
        label: t.fmt("password-level", &[("level", Arg::S(&name))]),
    }
}

fn page(state: &AppState, ctx: &Ctx, f: Fields, level: Option<Level>) -> PasswordPage {
    let t = ctx.tr();
    PasswordPage {
        c: Chrome::new(state, ctx, "password-title", "account"),
        rules: password_rules(&t, &state.app.config().password_policy()),
        level,
        f,
    }
}

pub async fn show(
    State(state): State<AppState>,
    Authenticated(session, ctx): Authenticated,
) -> Response {
    // Confirm who you are before typing anything (SPEC §4.5).
    if let Err(e) = state.app.require_recent_auth(&session).await {
        return app_error(&ctx, &e);
    }
    render(&ctx, &page(&state, &ctx, Fields::default(), None))
}

#[derive(Template)]
#[template(path = "account/password_changed.html")]
struct ChangedPage {
    c: Chrome,
    signed_out: String,
    /// The login has an address the confirmation went to.
    emailed: bool,
}

#[derive(Deserialize, Default)]
pub struct ChangedQuery {
    count: Option<i64>,
}

/// The confirmation after a change: what happened, and the way back.
pub async fn changed(
    State(state): State<AppState>,
    Authenticated(session, ctx): Authenticated,
    query: Result<Query<ChangedQuery>, QueryRejection>,
) -> Response {
    let q = query.map(|q| q.0).unwrap_or_default();
    let t = ctx.tr();
    render(
        &ctx,
        &ChangedPage {
            c: Chrome::new(&state, &ctx, "password-changed-title", "account"),
            signed_out: t.fmt(
                "password-changed-others",
                &[("count", Arg::N(q.count.unwrap_or(0).max(0)))],
            ),
            emailed: session.login.email.is_some(),
        },
    )
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
    let typed = PasswordPolicy::normalize(&form.new_password);
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
        Ok(n) => Redirect::to(&format!("/account/password/changed?count={n}")).into_response(),
        Err(FormRejection::App(espace_app::AppError::Busy)) => {
            let mut f = Fields::default();
            f.errors.push(super::FormError {
                field: None,
                message: t.get("login-busy"),
            });
            render(&ctx, &page(&state, &ctx, f, None))
        }
        Err(r) => match rejection_fields(&t, r) {
            Ok(f) => {
                // The level of what was typed, as the live indicator would
                // have shown it (SPEC §3.1: also without JavaScript).
                let level = (!typed.is_empty()).then(|| {
                    level(
                        &t,
                        state
                            .app
                            .check_new_password(&session.login, &typed)
                            .strength,
                    )
                });
                render(&ctx, &page(&state, &ctx, f, level))
            }
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
    let l = level(&t, e.strength);
    Json(serde_json::json!({
        "level": l.code,
        "label": l.label,
        "unmet": unmet,
    }))
    .into_response()
}

/// The routes of these pages, merged into the router in `lib.rs`.
pub fn routes() -> axum::Router<crate::AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/account/password", get(show).post(submit))
        .route("/account/password/check", post(check))
        .route("/account/password/changed", get(changed))
}
