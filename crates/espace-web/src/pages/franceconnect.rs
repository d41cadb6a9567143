//! FranceConnect+ (SPEC §4.7): the buttons that send the browser to the
//! provider, its way back, and Espace's public encryption keys.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use espace_app::error::{FormRejection, Problem};
use espace_app::franceconnect::{FcCallback, FcDone, FcGoal, FcProblem, FcStart};
use serde::Deserialize;

use super::forms::rejection_fields;
use super::second_factor::{Prompt, with_session};
use super::security::added;
use super::{Chrome, render};
use crate::AppState;
use crate::ctx::Ctx;
use crate::error::app_error;
use crate::extract::{Authenticated, Enrolling, SecondStep};
use crate::form::HtmlForm;
use crate::paths::safe_return_to;

#[derive(Template)]
#[template(path = "franceconnect/franceconnect.html")]
struct ResultPage {
    c: Chrome,
    text: String,
    back: String,
    back_label: String,
}

/// A page that says what went wrong, with the way back.
fn result_page(
    state: &AppState,
    ctx: &Ctx,
    (text, status): (String, StatusCode),
    back: &str,
    nav: &'static str,
) -> Response {
    let t = ctx.tr();
    let mut c = Chrome::new(state, ctx, "franceconnect-title", nav);
    // The callback's address holds a spent code and state: the language
    // switch and "stay signed in" come back to the way back instead.
    c.here = back.to_owned();
    let page = ResultPage {
        c,
        text,
        back: back.to_owned(),
        back_label: t.get("franceconnect-back"),
    };
    let mut res = render(ctx, &page);
    *res.status_mut() = status;
    res
}

/// The status of a result page: a cancel is an ordinary outcome, an
/// unreachable provider is a service unavailable for now; the rest are
/// refusals of the request as made.
fn problem_status(problem: FcProblem) -> StatusCode {
    match problem {
        FcProblem::Cancelled => StatusCode::OK,
        FcProblem::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        FcProblem::Expired
        | FcProblem::Refused
        | FcProblem::NotLinked
        | FcProblem::OtherIdentity
        | FcProblem::Taken
        | FcProblem::AlreadyLinked
        | FcProblem::Locked => StatusCode::BAD_REQUEST,
    }
}

#[derive(Deserialize, Default)]
pub struct StartForm {
    next: Option<String>,
}

/// Sends the browser to the provider, or says why not.
async fn start(
    state: &AppState,
    ctx: &Ctx,
    what: FcStart<'_>,
    next: &str,
    back: &str,
    nav: &'static str,
) -> Response {
    match state
        .app
        .start_franceconnect(what, &ctx.csrf_basis, next)
        .await
    {
        Ok(url) => Redirect::to(&url).into_response(),
        Err(r) => {
            let unreachable = matches!(&r, FormRejection::Invalid(problems)
                if problems.iter().any(|p| matches!(p.problem, Problem::ProviderUnavailable)));
            let status = if unreachable {
                StatusCode::SERVICE_UNAVAILABLE
            } else {
                StatusCode::BAD_REQUEST
            };
            match rejection_fields(&ctx.tr(), r) {
                Ok(f) => {
                    let text = f
                        .get("franceconnect")
                        .map(str::to_owned)
                        .unwrap_or_default();
                    result_page(state, ctx, (text, status), back, nav)
                }
                Err(e) => app_error(ctx, &e),
            }
        }
    }
}

/// `POST /login/franceconnect`: sign in without a password.
pub async fn sign_in(
    State(state): State<AppState>,
    ctx: Ctx,
    HtmlForm(form): HtmlForm<StartForm>,
) -> Response {
    let next = safe_return_to(form.next.as_deref());
    start(&state, &ctx, FcStart::SignIn, &next, "/login", "login").await
}

/// A second factor: sends the browser to the provider from the step's
/// page (sign-in, step-up, password reset).
async fn factor(state: &AppState, ctx: &Ctx, step: Prompt, form: StartForm) -> Response {
    let next = safe_return_to(form.next.as_deref());
    let back = match &step {
        Prompt::Reset(..) => step.page(),
        _ => format!(
            "{}?{}",
            step.page(),
            serde_urlencoded::to_string([("next", next.as_str())]).unwrap_or_default()
        ),
    };
    // After a reset's factor: back to its link, for the new password.
    let next = match &step {
        Prompt::Reset(..) => step.page(),
        _ => next,
    };
    let what = FcStart::Factor(step.asker());
    start(state, ctx, what, &next, &back, step.nav()).await
}

/// `POST /login/second-factor/franceconnect`.
pub async fn second_factor(
    State(state): State<AppState>,
    SecondStep(session, ctx): SecondStep,
    HtmlForm(form): HtmlForm<StartForm>,
) -> Response {
    factor(&state, &ctx, Prompt::SignIn(session), form).await
}

/// `POST /account/confirm/franceconnect`: the step-up.
pub async fn step_up(
    State(state): State<AppState>,
    Authenticated(session, ctx): Authenticated,
    HtmlForm(form): HtmlForm<StartForm>,
) -> Response {
    factor(&state, &ctx, Prompt::StepUp(session), form).await
}

/// `POST /reset-password/{token}/factor/franceconnect`.
pub async fn reset(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
    HtmlForm(form): HtmlForm<StartForm>,
) -> Response {
    let step = Prompt::Reset(token, ctx.csrf_basis.clone());
    factor(&state, &ctx, step, form).await
}

/// `POST /account/security/franceconnect`: link it (after the step-up).
pub async fn link(State(state): State<AppState>, Enrolling(session, ctx): Enrolling) -> Response {
    let what = FcStart::Link(&session);
    start(
        &state,
        &ctx,
        what,
        "/account/security",
        "/account/security",
        "account",
    )
    .await
}

/// `POST /recover-account/case/{reference}/franceconnect`.
pub async fn recovery(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(reference): Path<String>,
) -> Response {
    let back = format!("/recover-account/case/{reference}");
    start(
        &state,
        &ctx,
        FcStart::Recovery(&reference),
        &back,
        &back,
        "link",
    )
    .await
}

#[derive(Deserialize, Default)]
pub struct CallbackQuery {
    #[serde(default)]
    state: String,
    code: Option<String>,
    error: Option<String>,
}

/// `GET /login/franceconnect/callback`: the provider's answer.
pub async fn callback(
    State(state): State<AppState>,
    ctx: Ctx,
    q: Result<Query<CallbackQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let q = q.map(|q| q.0).unwrap_or_default();
    let answer = FcCallback {
        state: &q.state,
        code: q.code.as_deref(),
        error: q.error.as_deref(),
    };
    let outcome = match state
        .app
        .finish_franceconnect(
            answer,
            &ctx.csrf_basis,
            ctx.any_session().map(|s| s.as_ref()),
            ctx.device.as_deref(),
            &ctx.client,
        )
        .await
    {
        Ok(o) => o,
        Err(e) => return app_error(&ctx, &e),
    };
    let next = safe_return_to(Some(&outcome.next));
    match outcome.result {
        Ok(FcDone::Linked { session_token }) => match ctx.any_session() {
            Some(session) => added(session, session_token),
            None => Redirect::to("/account/security").into_response(),
        },
        Ok(FcDone::ResetFactorPassed) => Redirect::to(&next).into_response(),
        Ok(FcDone::Raised { session_token }) => {
            with_session(Redirect::to(&next).into_response(), &session_token)
        }
        Ok(FcDone::SignedIn(signed_in)) => super::login::signed_in_to(&next, signed_in),
        Ok(FcDone::RecoveryProven { reference }) => Redirect::to(&format!(
            "/recover-account/case/{reference}?notice=franceconnect"
        ))
        .into_response(),
        Err(problem) => {
            let t = ctx.tr();
            let text = t.get(&format!("franceconnect-problem-{}", problem.code()));
            let (back, nav) = match outcome.goal {
                FcGoal::Link => ("/account/security".to_owned(), "account"),
                FcGoal::SecondFactor => ("/login/second-factor".to_owned(), "login"),
                // The outcome's `next` is the reset link's page.
                FcGoal::PasswordReset => (next.clone(), "link"),
                FcGoal::StepUp => (
                    format!(
                        "/account/confirm?{}",
                        serde_urlencoded::to_string([("next", next.as_str())]).unwrap_or_default()
                    ),
                    "account",
                ),
                FcGoal::Recovery => (
                    outcome
                        .reference
                        .map_or("/recover-account/follow".to_owned(), |r| {
                            format!("/recover-account/case/{r}")
                        }),
                    "link",
                ),
                FcGoal::SignIn => ("/login".to_owned(), "login"),
            };
            let text = if problem == FcProblem::NotLinked && outcome.goal == FcGoal::SignIn {
                format!("{text} {}", t.get("franceconnect-not-linked-how"))
            } else {
                text
            };
            result_page(&state, &ctx, (text, problem_status(problem)), &back, nav)
        }
    }
}

/// `GET /login/franceconnect/logged-out`: back from the provider's
/// end-session.
pub async fn logged_out(ctx: Ctx) -> Response {
    Redirect::to(&format!(
        "/login?notice=signed-out&lang={}",
        ctx.locale.code()
    ))
    .into_response()
}

/// `GET /.well-known/jwks.json`: Espace's public encryption keys, newest
/// first (the provider encrypts ID tokens and userinfo to them).
pub async fn jwks(State(state): State<AppState>, ctx: Ctx) -> Response {
    match state.app.encryption_jwks().await {
        Ok(Some(body)) => {
            ([(header::CONTENT_TYPE, "application/jwk-set+json")], body).into_response()
        }
        Ok(None) => app_error(&ctx, &espace_app::AppError::NotFound),
        Err(e) => app_error(&ctx, &e),
    }
}

/// The routes of these pages, merged into the router in `lib.rs`.
pub fn routes() -> axum::Router<crate::AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/login/franceconnect", post(sign_in))
        .route(crate::paths::FRANCECONNECT_CALLBACK, get(callback))
        .route(crate::paths::FRANCECONNECT_LOGGED_OUT, get(logged_out))
        .route("/login/second-factor/franceconnect", post(second_factor))
        .route("/account/confirm/franceconnect", post(step_up))
        .route("/account/security/franceconnect", post(link))
        .route(
            "/recover-account/case/{reference}/franceconnect",
            post(recovery),
        )
        .route("/reset-password/{token}/factor/franceconnect", post(reset))
        .route("/.well-known/jwks.json", get(jwks))
}
