//! `/forgot-password`, `/reset-password/{token}` and `/forgot-login`
//! (SPEC §5). The forms answer the same whatever was typed, so that they
//! cannot be used to learn which logins or addresses exist.

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use espace_app::AppError;
use espace_app::error::FormRejection;
use secrecy::SecretString;
use serde::Deserialize;

use super::forms::{Fields, Input, password_rules, rejection_fields};
use super::links::{SetPasswordPage, dead};
use super::login::device_cookie;
use super::second_factor::StepQuery;
use super::{Chrome, render};
use crate::AppState;
use crate::ctx::Ctx;
use crate::error::app_error;
use crate::form::HtmlForm;

/// A public page with one form (or none): the recovery pages.
#[derive(Template)]
#[template(path = "recovery/public_form.html")]
pub(crate) struct PublicForm {
    pub c: Chrome,
    pub heading: String,
    pub notice: Option<String>,
    pub intro: Vec<String>,
    pub facts: Vec<(String, String)>,
    pub action: String,
    pub inputs: Vec<Input>,
    pub submit: String,
    pub links: Vec<(&'static str, String)>,
    /// Where a "prove it with FranceConnect+" form posts (the assisted
    /// recovery's case page).
    pub franceconnect: Option<String>,
    pub f: Fields,
}

/// Which of the two forms.
#[derive(Clone, Copy)]
enum Form {
    Password,
    Login,
}

impl Form {
    fn key(self) -> &'static str {
        match self {
            Form::Password => "forgot-password",
            Form::Login => "forgot-login",
        }
    }
}

fn page(
    state: &AppState,
    ctx: &Ctx,
    form: Form,
    f: Fields,
    value: String,
    notice: Option<String>,
) -> Response {
    let t = ctx.tr();
    let k = form.key();
    let input = match form {
        Form::Password => {
            Input::new(&t, &f, k, "login", "text", 254, &value).autocomplete("username")
        }
        Form::Login => Input::new(&t, &f, k, "email", "email", 254, &value).autocomplete("email"),
    };
    let other = match form {
        Form::Password => ("/forgot-login", t.get("forgot-login-link")),
        Form::Login => ("/forgot-password", t.get("forgot-password-link")),
    };
    render(
        ctx,
        &PublicForm {
            c: Chrome::new(state, ctx, &format!("{k}-title"), "login"),
            heading: t.get(&format!("{k}-title")),
            notice,
            intro: vec![t.get(&format!("{k}-intro"))],
            facts: Vec::new(),
            action: format!("/{k}"),
            inputs: vec![input.hinted(&t)],
            submit: t.get(&format!("{k}-submit")),
            links: vec![
                other,
                ("/recover-account", t.get("recover-link")),
                ("/login", t.get("link-to-login")),
            ],
            franceconnect: None,
            f,
        },
    )
}

#[derive(Deserialize, Default)]
pub struct NoticeQuery {
    notice: Option<String>,
}

fn notice(ctx: &Ctx, form: Form, q: Result<Query<NoticeQuery>, QueryRejection>) -> Option<String> {
    let q = q.map(|q| q.0).unwrap_or_default();
    (q.notice.as_deref() == Some("sent")).then(|| ctx.tr().get(&format!("{}-sent", form.key())))
}

pub async fn forgot_password(
    State(state): State<AppState>,
    ctx: Ctx,
    q: Result<Query<NoticeQuery>, QueryRejection>,
) -> Response {
    let n = notice(&ctx, Form::Password, q);
    page(
        &state,
        &ctx,
        Form::Password,
        Fields::default(),
        String::new(),
        n,
    )
}

pub async fn forgot_login(
    State(state): State<AppState>,
    ctx: Ctx,
    q: Result<Query<NoticeQuery>, QueryRejection>,
) -> Response {
    let n = notice(&ctx, Form::Login, q);
    page(
        &state,
        &ctx,
        Form::Login,
        Fields::default(),
        String::new(),
        n,
    )
}

#[derive(Deserialize)]
pub struct ForgotForm {
    #[serde(default)]
    login: String,
    #[serde(default)]
    email: String,
}

fn answer(
    state: &AppState,
    ctx: &Ctx,
    form: Form,
    typed: String,
    outcome: Result<(), FormRejection>,
) -> Response {
    match outcome {
        Ok(()) => Redirect::to(&format!("/{}?notice=sent", form.key())).into_response(),
        Err(r) => match rejection_fields(&ctx.tr(), r) {
            Ok(f) => page(state, ctx, form, f, typed.chars().take(254).collect(), None),
            Err(e) => app_error(ctx, &e),
        },
    }
}

pub async fn forgot_password_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    HtmlForm(form): HtmlForm<ForgotForm>,
) -> Response {
    let outcome = state
        .app
        .request_password_reset(&form.login, &ctx.client)
        .await;
    answer(&state, &ctx, Form::Password, form.login, outcome)
}

pub async fn forgot_login_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    HtmlForm(form): HtmlForm<ForgotForm>,
) -> Response {
    let outcome = state
        .app
        .request_login_reminder(&form.email, &ctx.client)
        .await;
    answer(&state, &ctx, Form::Login, form.email, outcome)
}

fn reset_page(state: &AppState, ctx: &Ctx, token: &str, identifier: String, f: Fields) -> Response {
    let t = ctx.tr();
    render(
        ctx,
        &SetPasswordPage {
            c: Chrome::new(state, ctx, "reset-title", "link"),
            heading: t.get("reset-title"),
            intro: vec![t.get("reset-intro")],
            identifier,
            action: format!("/reset-password/{token}"),
            submit: t.get("reset-submit"),
            rules: password_rules(&t, &state.app.config().password_policy()),
            f,
        },
    )
}

/// A reset link: its second factor first where strong authentication is
/// on (SPEC §5), then the new password.
pub async fn reset_show(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
    q: Result<Query<StepQuery>, QueryRejection>,
) -> Response {
    match state.app.reset_offer(&token, &ctx.csrf_basis).await {
        Ok(offer) if offer.owes_factor => {
            super::second_factor::reset_show(&state, &ctx, token, q).await
        }
        Ok(offer) => reset_page(&state, &ctx, &token, offer.identifier, Fields::default()),
        Err(AppError::NotFound) => dead(&state, &ctx),
        Err(e) => app_error(&ctx, &e),
    }
}

#[derive(Deserialize)]
pub struct ResetForm {
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    new_password_confirm: String,
}

pub async fn reset_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
    HtmlForm(form): HtmlForm<ResetForm>,
) -> Response {
    let outcome = state
        .app
        .reset_password(
            &token,
            &ctx.csrf_basis,
            ctx.device.as_deref(),
            SecretString::from(form.new_password),
            SecretString::from(form.new_password_confirm),
            &ctx.client,
        )
        .await;
    match outcome {
        Ok(done) => {
            let mut res = Redirect::to("/login?notice=password-reset").into_response();
            if let Some(device) = &done.new_device_token {
                res.headers_mut()
                    .append(header::SET_COOKIE, device_cookie(device));
            }
            res
        }
        Err(FormRejection::App(AppError::NotFound)) => dead(&state, &ctx),
        // The second factor is owed first: the link's page asks for it.
        Err(FormRejection::App(AppError::StepUpRequired)) => {
            Redirect::to(&format!("/reset-password/{token}")).into_response()
        }
        Err(r) => match rejection_fields(&ctx.tr(), r) {
            Ok(f) => match state.app.reset_offer(&token, &ctx.csrf_basis).await {
                Ok(offer) => reset_page(&state, &ctx, &token, offer.identifier, f),
                Err(_) => dead(&state, &ctx),
            },
            Err(e) => app_error(&ctx, &e),
        },
    }
}

/// The routes of these pages, merged into the router in `lib.rs`.
pub fn routes() -> axum::Router<crate::AppState> {
    use axum::routing::get;
    axum::Router::new()
        .route(
            "/forgot-password",
            get(forgot_password).post(forgot_password_submit),
        )
        .route("/forgot-login", get(forgot_login).post(forgot_login_submit))
        .route(
            crate::paths::RESET_PASSWORD,
            get(reset_show).post(reset_submit),
        )
}
