//! The second step of signing in (`/login/second-factor`), the step-up
//! before sensitive actions (`/account/confirm`, SPEC §4.5), and the
//! passwordless sign-in with a passkey (`/login/passkey`).
//!
//! Both steps offer the login's methods, default first; each method is
//! its own small form. Passkeys need JavaScript (their form stays hidden
//! without it); every other method works without.

use askama::Template;
use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use espace_app::error::FormRejection;
use espace_app::passkeys::Ceremony;
use espace_app::second_factor::{Proof, Purpose};
use espace_app::session::CurrentSession;
use secrecy::SecretString;
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use super::forms::{Fields, rejection_fields};
use super::{Chrome, local_time, render};
use crate::AppState;
use crate::context::{
    Authenticated, Ctx, DEVICE_COOKIE, LANG_COOKIE, SESSION_COOKIE, SecondStep, set_cookie,
};
use crate::error::app_error;
use crate::form::HtmlForm;
use crate::i18n::Arg;
use crate::security::safe_return_to;

struct MethodChoice {
    id: Uuid,
    kind: String,
    kind_name: String,
    label: String,
    is_default: bool,
    /// A code was just sent for this method.
    sent: bool,
    /// `code` (or `passkey`) on the method whose try was refused and on
    /// the first of its kind otherwise, so that the error summary leads
    /// there; unique per row.
    input_id: String,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "second_factor.html")]
struct FactorPage {
    c: Chrome,
    /// `/login/second-factor` or `/account/confirm`.
    base: &'static str,
    step_up: bool,
    next: String,
    methods: Vec<MethodChoice>,
    recovery_codes_left: i64,
    locked: Option<String>,
    /// The step-up of a login without second factor: its password.
    password_only: bool,
    f: Fields,
}

#[derive(Deserialize, Default)]
pub struct StepQuery {
    next: Option<String>,
    sent: Option<String>,
}

fn base(purpose: Purpose) -> &'static str {
    match purpose {
        Purpose::SignIn => "/login/second-factor",
        Purpose::StepUp => "/account/confirm",
    }
}

async fn factor_page(
    state: &AppState,
    ctx: &Ctx,
    session: &CurrentSession,
    purpose: Purpose,
    next: String,
    // The method a code was just sent for, and the one whose try was refused.
    (sent, refused): (Option<Uuid>, Option<Uuid>),
    f: Fields,
) -> Response {
    let t = ctx.tr();
    let choices = match state.app.factor_choices(session).await {
        Ok(c) => c,
        Err(e) => return app_error(ctx, &e),
    };
    let step_up = purpose == Purpose::StepUp;
    let password_only = step_up && choices.methods.is_empty();
    let mut anchored = [false, false];
    let methods: Vec<MethodChoice> = choices
        .methods
        .into_iter()
        .map(|m| {
            let passkey = m.kind == "passkey";
            let field = if passkey { "passkey" } else { "code" };
            let slot = usize::from(passkey);
            let here = match refused {
                Some(r) => r == m.id || (passkey && !anchored[1]),
                None => !anchored[slot],
            };
            let anchor = here && !anchored[slot];
            if anchor {
                anchored[slot] = true;
            }
            (m, anchor, field)
        })
        .map(|(m, anchor, field)| MethodChoice {
            input_id: if anchor {
                field.to_owned()
            } else {
                format!("{field}-{}", m.id)
            },
            error: f.get(field).filter(|_| anchor).map(str::to_owned),
            sent: sent == Some(m.id),
            kind_name: t.get(&format!("security-kind-{}", m.kind)),
            id: m.id,
            kind: m.kind,
            label: m.label,
            is_default: m.is_default,
        })
        .collect();
    let (title, nav) = if step_up {
        ("confirm-title", "account")
    } else {
        ("second-factor-title", "login")
    };
    render(
        ctx,
        &FactorPage {
            c: Chrome::new(state, ctx, title, nav),
            base: base(purpose),
            step_up,
            next,
            methods,
            recovery_codes_left: if step_up {
                0
            } else {
                choices.recovery_codes_left
            },
            locked: choices.locked_until.map(|until| {
                t.fmt(
                    "second-factor-locked",
                    &[("time", Arg::S(&local_time(state, until)))],
                )
            }),
            password_only,
            f,
        },
    )
}

/// The answer after a passed step: the new session's cookie, and on.
fn raised(token: &str, next: &str) -> Response {
    let mut res = Redirect::to(next).into_response();
    res.headers_mut()
        .append(header::SET_COOKIE, set_cookie(SESSION_COOKIE, token, None));
    res
}

pub async fn sign_in_show(
    State(state): State<AppState>,
    SecondStep(session, ctx): SecondStep,
    q: Result<Query<StepQuery>, QueryRejection>,
) -> Response {
    let q = q.map(|q| q.0).unwrap_or_default();
    let sent = q.sent.as_deref().and_then(|s| Uuid::parse_str(s).ok());
    let next = safe_return_to(q.next.as_deref());
    factor_page(
        &state,
        &ctx,
        &session,
        Purpose::SignIn,
        next,
        (sent, None),
        Fields::default(),
    )
    .await
}

pub async fn step_up_show(
    State(state): State<AppState>,
    Authenticated(session, ctx): Authenticated,
    q: Result<Query<StepQuery>, QueryRejection>,
) -> Response {
    let q = q.map(|q| q.0).unwrap_or_default();
    let sent = q.sent.as_deref().and_then(|s| Uuid::parse_str(s).ok());
    let next = safe_return_to(q.next.as_deref());
    factor_page(
        &state,
        &ctx,
        &session,
        Purpose::StepUp,
        next,
        (sent, None),
        Fields::default(),
    )
    .await
}

#[derive(Deserialize, Default)]
pub struct FactorForm {
    #[serde(default)]
    method: String,
    code: Option<String>,
    recovery_code: Option<String>,
    password: Option<String>,
    ceremony: Option<String>,
    response: Option<String>,
    next: Option<String>,
}

async fn prove(
    state: &AppState,
    ctx: &Ctx,
    session: &CurrentSession,
    purpose: Purpose,
    form: FactorForm,
) -> Response {
    let next = safe_return_to(form.next.as_deref());
    let refused = Uuid::parse_str(&form.method).ok();
    let outcome = if let Some(password) = form.password {
        match state
            .app
            .step_up_password(session, SecretString::from(password), &ctx.client)
            .await
        {
            Ok(()) => return Redirect::to(&next).into_response(),
            Err(r) => Err(r),
        }
    } else if let (Some(ceremony), Some(response)) = (&form.ceremony, &form.response) {
        let Ok(ceremony) = Uuid::parse_str(ceremony) else {
            return app_error(ctx, &espace_app::AppError::NotFound);
        };
        state
            .app
            .finish_passkey_check(
                session,
                purpose,
                &ctx.csrf_basis,
                ceremony,
                response,
                &ctx.client,
            )
            .await
    } else if let Some(code) = &form.recovery_code {
        state
            .app
            .prove_factor(session, purpose, Proof::RecoveryCode(code), &ctx.client)
            .await
    } else {
        let Ok(method) = Uuid::parse_str(&form.method) else {
            return app_error(ctx, &espace_app::AppError::NotFound);
        };
        let code = form.code.as_deref().unwrap_or("");
        state
            .app
            .prove_factor(session, purpose, Proof::Code { method, code }, &ctx.client)
            .await
    };
    match outcome {
        Ok(token) => raised(&token, &next),
        Err(r) => match rejection_fields(&ctx.tr(), r) {
            Ok(f) => factor_page(state, ctx, session, purpose, next, (None, refused), f).await,
            Err(e) => app_error(ctx, &e),
        },
    }
}

pub async fn sign_in_submit(
    State(state): State<AppState>,
    SecondStep(session, ctx): SecondStep,
    HtmlForm(form): HtmlForm<FactorForm>,
) -> Response {
    prove(&state, &ctx, &session, Purpose::SignIn, form).await
}

pub async fn step_up_submit(
    State(state): State<AppState>,
    Authenticated(session, ctx): Authenticated,
    HtmlForm(form): HtmlForm<FactorForm>,
) -> Response {
    prove(&state, &ctx, &session, Purpose::StepUp, form).await
}

async fn send(
    state: &AppState,
    ctx: &Ctx,
    session: &CurrentSession,
    purpose: Purpose,
    form: FactorForm,
) -> Response {
    let next = safe_return_to(form.next.as_deref());
    let Ok(method) = Uuid::parse_str(&form.method) else {
        return app_error(ctx, &espace_app::AppError::NotFound);
    };
    match state
        .app
        .send_factor_code(session, method, &ctx.client)
        .await
    {
        Ok(()) => {
            let q = serde_urlencoded::to_string([
                ("next", next.as_str()),
                ("sent", &method.to_string()),
            ])
            .unwrap_or_default();
            Redirect::to(&format!("{}?{q}", base(purpose))).into_response()
        }
        Err(r) => match rejection_fields(&ctx.tr(), r) {
            Ok(f) => factor_page(state, ctx, session, purpose, next, (None, Some(method)), f).await,
            Err(e) => app_error(ctx, &e),
        },
    }
}

pub async fn sign_in_send(
    State(state): State<AppState>,
    SecondStep(session, ctx): SecondStep,
    HtmlForm(form): HtmlForm<FactorForm>,
) -> Response {
    send(&state, &ctx, &session, Purpose::SignIn, form).await
}

pub async fn step_up_send(
    State(state): State<AppState>,
    Authenticated(session, ctx): Authenticated,
    HtmlForm(form): HtmlForm<FactorForm>,
) -> Response {
    send(&state, &ctx, &session, Purpose::StepUp, form).await
}

/// The options of a WebAuthn ceremony, for the page's script.
pub fn ceremony_json(ctx: &Ctx, c: Result<Ceremony, espace_app::AppError>) -> Response {
    match c {
        Ok(c) => Json(json!({ "ceremony": c.id, "options": c.options })).into_response(),
        Err(e) => app_error(ctx, &e),
    }
}

pub async fn sign_in_passkey_options(
    State(state): State<AppState>,
    SecondStep(session, ctx): SecondStep,
) -> Response {
    let c = state
        .app
        .start_passkey_check(&session, &ctx.csrf_basis)
        .await;
    ceremony_json(&ctx, c)
}

pub async fn step_up_passkey_options(
    State(state): State<AppState>,
    Authenticated(session, ctx): Authenticated,
) -> Response {
    let c = state
        .app
        .start_passkey_check(&session, &ctx.csrf_basis)
        .await;
    ceremony_json(&ctx, c)
}

/// Passwordless sign-in, first half: the options (anyone may ask).
pub async fn passwordless_options(State(state): State<AppState>, ctx: Ctx) -> Response {
    let c = state.app.start_passkey_sign_in(&ctx.csrf_basis).await;
    ceremony_json(&ctx, c)
}

#[derive(Deserialize, Default)]
pub struct PasskeyForm {
    #[serde(default)]
    ceremony: String,
    #[serde(default)]
    response: String,
    next: Option<String>,
}

/// Passwordless sign-in, second half: the browser's answer. A refusal
/// goes back to the sign-in page with the reason.
pub async fn passwordless(
    State(state): State<AppState>,
    ctx: Ctx,
    HtmlForm(form): HtmlForm<PasskeyForm>,
) -> Response {
    let next = safe_return_to(form.next.as_deref());
    let Ok(ceremony) = Uuid::parse_str(&form.ceremony) else {
        return app_error(&ctx, &espace_app::AppError::NotFound);
    };
    let outcome = state
        .app
        .finish_passkey_sign_in(
            &ctx.csrf_basis,
            ceremony,
            &form.response,
            &ctx.client,
            ctx.any_session().map(|s| s.id_hash.as_str()),
            ctx.device.as_deref(),
        )
        .await;
    match outcome {
        Ok(signed_in) => {
            let mut res = raised(&signed_in.session_token, &next);
            let h = res.headers_mut();
            if let Some(device) = &signed_in.new_device_token {
                h.append(
                    header::SET_COOKIE,
                    set_cookie(DEVICE_COOKIE, device, Some(63_072_000)),
                );
            }
            if let Some(locale) = signed_in.locale {
                h.append(
                    header::SET_COOKIE,
                    set_cookie(LANG_COOKIE, &locale, Some(31_536_000)),
                );
            }
            res
        }
        Err(FormRejection::Invalid(problems)) => {
            let f = Fields::from_problems(&ctx.tr(), &problems);
            super::login::with_errors(&state, &ctx, next, f)
        }
        Err(FormRejection::App(e)) => app_error(&ctx, &e),
    }
}
