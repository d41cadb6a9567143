//! The second step of signing in (`/login/second-factor`), the step-up
//! before sensitive actions (`/account/confirm`, SPEC §4.5), and the
//! passwordless sign-in with a passkey (`/login/passkey`).
//!
//! Both steps offer the login's methods, default first; each method is
//! its own small form. Passkeys need JavaScript (their form stays hidden
//! without it); every other method works without.

use std::sync::Arc;

use askama::Template;
use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};
use espace_app::AppError;
use espace_app::companion::PushState;
use espace_app::error::FormRejection;
use espace_app::passkeys::Ceremony;
use espace_app::second_factor::{Asker, Proof, Purpose};
use espace_app::session::CurrentSession;
use espace_domain::locale::Locale;
use secrecy::SecretString;
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use super::forms::{Fields, rejection_fields};
use super::{Chrome, local_time, render};
use crate::AppState;
use crate::cookies::{SESSION_COOKIE, set_cookie};
use crate::ctx::Ctx;
use crate::error::app_error;
use crate::extract::{Authenticated, SecondStep};
use crate::form::HtmlForm;
use crate::i18n::{Arg, Tr};
use crate::paths::safe_return_to;

struct MethodChoice {
    id: Uuid,
    kind: &'static str,
    kind_name: String,
    label: String,
    is_default: bool,
    /// A code was just sent for this method.
    sent: bool,
    /// Where its code goes, masked, as a sentence (code methods only):
    /// "A code is sent to a•••@acme.example…" once sent.
    sent_to: Option<String>,
    /// A code was refused for this method: offer a new one.
    refused: bool,
    /// `code` (or `passkey`) on the method whose try was refused and on
    /// the first of its kind otherwise, so that the error summary leads
    /// there; unique per row.
    input_id: String,
    error: Option<String>,
    /// A linked phone not seen for a while: its approval may not arrive.
    unseen: Option<String>,
}

#[derive(Template)]
#[template(path = "mfa/second_factor.html")]
struct FactorPage {
    c: Chrome,
    /// Where the forms post (see [`Prompt::base`]).
    base: String,
    /// `sign-in`, `step-up` or `reset`.
    mode: &'static str,
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

/// Which second step a page serves.
pub(crate) enum Prompt {
    /// `/login/second-factor`.
    SignIn(Arc<CurrentSession>),
    /// `/account/confirm`.
    StepUp(Arc<CurrentSession>),
    /// The second factor of a password reset: its link's token, and the
    /// browser's CSRF basis (the proof holds for that browser only).
    Reset(String, String),
}

impl Prompt {
    pub(crate) fn asker(&self) -> Asker<'_> {
        match self {
            Prompt::SignIn(s) => Asker::Session(s, Purpose::SignIn),
            Prompt::StepUp(s) => Asker::Session(s, Purpose::StepUp),
            Prompt::Reset(token, browser) => Asker::Reset { token, browser },
        }
    }

    /// Where the forms post; `/send` and `/passkey` hang below.
    fn base(&self) -> String {
        match self {
            Prompt::SignIn(_) => "/login/second-factor".into(),
            Prompt::StepUp(_) => "/account/confirm".into(),
            Prompt::Reset(token, _) => format!("/reset-password/{token}/factor"),
        }
    }

    /// The page that shows the step.
    pub(crate) fn page(&self) -> String {
        match self {
            Prompt::Reset(token, _) => format!("/reset-password/{token}"),
            _ => self.base(),
        }
    }

    pub(crate) fn nav(&self) -> &'static str {
        match self {
            Prompt::SignIn(_) => "login",
            Prompt::StepUp(_) => "account",
            Prompt::Reset(..) => "link",
        }
    }

    fn mode(&self) -> &'static str {
        match self {
            Prompt::SignIn(_) => "sign-in",
            Prompt::StepUp(_) => "step-up",
            Prompt::Reset(..) => "reset",
        }
    }

    /// An error of the application: a dead reset link says so plainly.
    fn error(&self, state: &AppState, ctx: &Ctx, e: &AppError) -> Response {
        match (self, e) {
            (Prompt::Reset(..), AppError::NotFound) => super::links::dead(state, ctx),
            _ => app_error(ctx, e),
        }
    }
}

pub(crate) async fn factor_page(
    state: &AppState,
    ctx: &Ctx,
    step: &Prompt,
    next: String,
    // The method a code was just sent for, and the one whose try was refused.
    (sent, refused): (Option<Uuid>, Option<Uuid>),
    f: Fields,
) -> Response {
    let t = ctx.tr();
    let choices = match state.app.factor_choices(step.asker()).await {
        Ok(c) => c,
        Err(e) => return step.error(state, ctx, &e),
    };
    let step_up = matches!(step, Prompt::StepUp(_));
    let password_only = step_up && choices.methods.is_empty();
    let mut anchored = [false, false, false];
    let methods: Vec<MethodChoice> = choices
        .methods
        .into_iter()
        .map(|m| {
            let (field, slot) = match m.kind.as_str() {
                "passkey" => ("passkey", 1),
                "companion" | "franceconnect" => ("push", 2),
                _ => ("code", 0),
            };
            let here = match refused {
                Some(r) => r == m.id || (slot == 1 && !anchored[1]),
                None => !anchored[slot],
            };
            let anchor = here && !anchored[slot];
            if anchor {
                anchored[slot] = true;
            }
            (m, anchor, field)
        })
        .map(|(m, anchor, field)| {
            let kind_name = t.get(&format!("security-kind-{}", m.kind));
            // A label that is only the kind's name (in any language) is
            // shown once, in the page's language.
            let plain = Locale::ALL
                .iter()
                .any(|l| Tr::new(*l).get(&format!("security-kind-{}", m.kind)) == m.label);
            (m, anchor, field, kind_name, plain)
        })
        .map(|(m, anchor, field, kind_name, plain)| MethodChoice {
            sent_to: choices
                .sent_to
                .iter()
                .find(|(id, _)| *id == m.id)
                .map(|(_, to)| {
                    let key = if sent == Some(m.id) {
                        "second-factor-code-sent-to"
                    } else {
                        "second-factor-code-goes-to"
                    };
                    t.fmt(key, &[("to", Arg::S(to))])
                }),
            refused: refused == Some(m.id),
            input_id: if anchor {
                field.to_owned()
            } else {
                format!("{field}-{}", m.id)
            },
            error: f.get(field).filter(|_| anchor).map(str::to_owned),
            unseen: choices
                .unseen_phones
                .iter()
                .find(|(id, _)| *id == m.id)
                .map(|(_, days)| {
                    t.fmt(
                        "second-factor-push-unseen",
                        &[("device", Arg::S(&m.label)), ("days", Arg::N(*days))],
                    )
                }),
            sent: sent == Some(m.id),
            label: if plain { kind_name.clone() } else { m.label },
            kind_name: if plain { String::new() } else { kind_name },
            id: m.id,
            kind: m.kind.as_str(),
            is_default: m.is_default,
        })
        .collect();
    let title = match step {
        Prompt::SignIn(_) => "second-factor-title",
        Prompt::StepUp(_) => "confirm-title",
        Prompt::Reset(..) => "reset-factor-title",
    };
    render(
        ctx,
        &FactorPage {
            c: Chrome::new(state, ctx, title, step.nav()),
            base: step.base(),
            mode: step.mode(),
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

/// The answer after a passed step: for a session, the new session's
/// cookie, and on; for a reset, back to its link (the password now).
fn passed(step: &Prompt, token: Option<String>, next: &str) -> Response {
    let to = match step {
        Prompt::Reset(..) => step.page(),
        _ => next.to_owned(),
    };
    let res = Redirect::to(&to).into_response();
    match token {
        Some(token) => with_session(res, &token),
        None => res,
    }
}

/// The answer carries the new session's cookie.
pub(crate) fn with_session(mut res: Response, token: &str) -> Response {
    res.headers_mut()
        .append(header::SET_COOKIE, set_cookie(SESSION_COOKIE, token, None));
    res
}

fn sent_of(q: Result<Query<StepQuery>, QueryRejection>) -> (Option<Uuid>, String) {
    let q = q.map(|q| q.0).unwrap_or_default();
    let sent = q.sent.as_deref().and_then(|s| Uuid::parse_str(s).ok());
    (sent, safe_return_to(q.next.as_deref()))
}

pub async fn sign_in_show(
    State(state): State<AppState>,
    SecondStep(session, ctx): SecondStep,
    q: Result<Query<StepQuery>, QueryRejection>,
) -> Response {
    let (sent, next) = sent_of(q);
    let step = Prompt::SignIn(session);
    factor_page(&state, &ctx, &step, next, (sent, None), Fields::default()).await
}

pub async fn step_up_show(
    State(state): State<AppState>,
    Authenticated(session, ctx): Authenticated,
    q: Result<Query<StepQuery>, QueryRejection>,
) -> Response {
    let (sent, next) = sent_of(q);
    let step = Prompt::StepUp(session);
    factor_page(&state, &ctx, &step, next, (sent, None), Fields::default()).await
}

/// The second factor of a reset link, shown by `/reset-password/{token}`
/// while it is owed.
pub(crate) async fn reset_show(
    state: &AppState,
    ctx: &Ctx,
    token: String,
    q: Result<Query<StepQuery>, QueryRejection>,
) -> Response {
    let (sent, next) = sent_of(q);
    let step = Prompt::Reset(token, ctx.csrf_basis.clone());
    factor_page(state, ctx, &step, next, (sent, None), Fields::default()).await
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

async fn prove(state: &AppState, ctx: &Ctx, step: Prompt, form: FactorForm) -> Response {
    let next = safe_return_to(form.next.as_deref());
    let refused = Uuid::parse_str(&form.method).ok();
    let asker = step.asker();
    let outcome = if let (Some(password), Prompt::StepUp(session)) = (form.password, &step) {
        match state
            .app
            .step_up_password(
                session,
                SecretString::from(password),
                ctx.device.as_deref(),
                &ctx.client,
            )
            .await
        {
            Ok(()) => return Redirect::to(&next).into_response(),
            Err(r) => Err(r),
        }
    } else if let (Some(ceremony), Some(response)) = (&form.ceremony, &form.response) {
        let Ok(ceremony) = Uuid::parse_str(ceremony) else {
            return step.error(state, ctx, &AppError::NotFound);
        };
        state
            .app
            .finish_passkey_check(asker, &ctx.csrf_basis, ceremony, response, &ctx.client)
            .await
    } else if let Some(code) = &form.recovery_code {
        state
            .app
            .prove_factor(asker, Proof::RecoveryCode(code), &ctx.client)
            .await
    } else {
        let Ok(method) = Uuid::parse_str(&form.method) else {
            return step.error(state, ctx, &AppError::NotFound);
        };
        let code = form.code.as_deref().unwrap_or("");
        state
            .app
            .prove_factor(asker, Proof::Code { method, code }, &ctx.client)
            .await
    };
    match outcome {
        Ok(token) => passed(&step, token, &next),
        Err(r) => match rejection_fields(&ctx.tr(), r) {
            Ok(f) => factor_page(state, ctx, &step, next, (None, refused), f).await,
            Err(e) => step.error(state, ctx, &e),
        },
    }
}

pub async fn sign_in_submit(
    State(state): State<AppState>,
    SecondStep(session, ctx): SecondStep,
    HtmlForm(form): HtmlForm<FactorForm>,
) -> Response {
    prove(&state, &ctx, Prompt::SignIn(session), form).await
}

pub async fn step_up_submit(
    State(state): State<AppState>,
    Authenticated(session, ctx): Authenticated,
    HtmlForm(form): HtmlForm<FactorForm>,
) -> Response {
    prove(&state, &ctx, Prompt::StepUp(session), form).await
}

pub async fn reset_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
    HtmlForm(form): HtmlForm<FactorForm>,
) -> Response {
    prove(
        &state,
        &ctx,
        Prompt::Reset(token, ctx.csrf_basis.clone()),
        form,
    )
    .await
}

async fn send(state: &AppState, ctx: &Ctx, step: Prompt, form: FactorForm) -> Response {
    let next = safe_return_to(form.next.as_deref());
    let Ok(method) = Uuid::parse_str(&form.method) else {
        return step.error(state, ctx, &AppError::NotFound);
    };
    match state
        .app
        .send_factor_code(step.asker(), method, &ctx.client)
        .await
    {
        Ok(()) => {
            let q = serde_urlencoded::to_string([
                ("next", next.as_str()),
                ("sent", &method.to_string()),
            ])
            .unwrap_or_default();
            Redirect::to(&format!("{}?{q}", step.page())).into_response()
        }
        Err(r) => match rejection_fields(&ctx.tr(), r) {
            Ok(f) => factor_page(state, ctx, &step, next, (None, Some(method)), f).await,
            Err(e) => step.error(state, ctx, &e),
        },
    }
}

pub async fn sign_in_send(
    State(state): State<AppState>,
    SecondStep(session, ctx): SecondStep,
    HtmlForm(form): HtmlForm<FactorForm>,
) -> Response {
    send(&state, &ctx, Prompt::SignIn(session), form).await
}

pub async fn step_up_send(
    State(state): State<AppState>,
    Authenticated(session, ctx): Authenticated,
    HtmlForm(form): HtmlForm<FactorForm>,
) -> Response {
    send(&state, &ctx, Prompt::StepUp(session), form).await
}

pub async fn reset_send(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
    HtmlForm(form): HtmlForm<FactorForm>,
) -> Response {
    send(
        &state,
        &ctx,
        Prompt::Reset(token, ctx.csrf_basis.clone()),
        form,
    )
    .await
}

/// The options of a WebAuthn ceremony, for the page's script.
pub fn ceremony_json(ctx: &Ctx, c: Result<Ceremony, espace_app::AppError>) -> Response {
    match c {
        Ok(c) => Json(json!({ "ceremony": c.id, "options": c.options })).into_response(),
        Err(e) => app_error(ctx, &e),
    }
}

async fn passkey_options(state: &AppState, ctx: &Ctx, step: Prompt) -> Response {
    let c = state
        .app
        .start_passkey_check(step.asker(), &ctx.csrf_basis)
        .await;
    ceremony_json(ctx, c)
}

pub async fn sign_in_passkey_options(
    State(state): State<AppState>,
    SecondStep(session, ctx): SecondStep,
) -> Response {
    passkey_options(&state, &ctx, Prompt::SignIn(session)).await
}

pub async fn step_up_passkey_options(
    State(state): State<AppState>,
    Authenticated(session, ctx): Authenticated,
) -> Response {
    passkey_options(&state, &ctx, Prompt::StepUp(session)).await
}

pub async fn reset_passkey_options(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
) -> Response {
    passkey_options(&state, &ctx, Prompt::Reset(token, ctx.csrf_basis.clone())).await
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
        return app_error(&ctx, &AppError::NotFound);
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
        Ok(signed_in) => super::login::signed_in_to(&next, signed_in),
        Err(FormRejection::Invalid(problems)) => {
            let f = Fields::from_problems(&ctx.tr(), &problems);
            super::login::with_errors(&state, &ctx, next, f)
        }
        Err(FormRejection::App(e)) => app_error(&ctx, &e),
    }
}

#[derive(Template)]
#[template(path = "mfa/resume.html")]
struct ResumePage {
    c: Chrome,
    action: String,
    fields: Vec<(String, String)>,
    back: String,
}

#[derive(Deserialize, Default)]
pub struct ResumeQuery {
    #[serde(default)]
    form: String,
    next: Option<String>,
}

/// After a step-up, the form it interrupted, as typed, to send again
/// (one button; the fields are hidden). A form already sent, expired or
/// of another login leads back to its page instead.
pub async fn resume(
    State(state): State<AppState>,
    Authenticated(session, ctx): Authenticated,
    q: Result<Query<ResumeQuery>, QueryRejection>,
) -> Response {
    let q = q.map(|q| q.0).unwrap_or_default();
    let back = safe_return_to(q.next.as_deref());
    match state.app.take_pending_form(&session, &q.form).await {
        Ok((action, fields)) => render(
            &ctx,
            &ResumePage {
                c: Chrome::new(&state, &ctx, "resume-title", "account"),
                action: safe_return_to(Some(&action)),
                fields,
                back,
            },
        ),
        Err(AppError::NotFound) => Redirect::to(&back).into_response(),
        Err(e) => app_error(&ctx, &e),
    }
}

// ---- Push approval on the companion app (SPEC §4.6) --------------------

#[derive(Template)]
#[template(path = "mfa/push_wait.html")]
struct PushWaitPage {
    c: Chrome,
    /// The step's page (other methods).
    back: String,
    /// Where "send again" posts.
    base: String,
    /// This page, for the script to come back to.
    here: String,
    events: String,
    next: String,
    method: String,
    number: i64,
    /// "Pick this number on …".
    pick: String,
    /// What became of the request, once final.
    state_text: String,
    /// `waiting`, `approved`, `denied`, `reported`, `mismatch`,
    /// `expired` or `gone`.
    state: &'static str,
    until: String,
}

#[derive(Deserialize, Default)]
pub struct PushQuery {
    next: Option<String>,
    method: Option<String>,
}

fn push_path(step: &Prompt, id: Uuid) -> String {
    format!("{}/push/{id}", step.base())
}

async fn push_send(state: &AppState, ctx: &Ctx, step: Prompt, form: FactorForm) -> Response {
    let next = safe_return_to(form.next.as_deref());
    let Ok(method) = Uuid::parse_str(&form.method) else {
        return step.error(state, ctx, &AppError::NotFound);
    };
    match state.app.send_push(step.asker(), method, &ctx.client).await {
        Ok(id) => {
            let q = serde_urlencoded::to_string([
                ("next", next.as_str()),
                ("method", &method.to_string()),
            ])
            .unwrap_or_default();
            Redirect::to(&format!("{}?{q}", push_path(&step, id))).into_response()
        }
        Err(r) => match rejection_fields(&ctx.tr(), r) {
            Ok(f) => factor_page(state, ctx, &step, next, (None, Some(method)), f).await,
            Err(e) => step.error(state, ctx, &e),
        },
    }
}

/// The waiting page: the number to pick, until the phone answers. An
/// approval is taken here (once) and leads on.
async fn push_wait(
    state: &AppState,
    ctx: &Ctx,
    step: Prompt,
    id: &str,
    q: Result<Query<PushQuery>, QueryRejection>,
) -> Response {
    let q = q.map(|q| q.0).unwrap_or_default();
    let next = safe_return_to(q.next.as_deref());
    let Ok(id) = Uuid::parse_str(id) else {
        return step.error(state, ctx, &AppError::NotFound);
    };
    let view = match state.app.push_state(step.asker(), id).await {
        Ok(v) => v,
        Err(e) => return step.error(state, ctx, &e),
    };
    if view.state == PushState::Approved {
        return match state
            .app
            .take_push_approval(step.asker(), id, &ctx.client)
            .await
        {
            Ok(token) => passed(&step, token, &next),
            Err(e) => step.error(state, ctx, &e),
        };
    }
    let query = serde_urlencoded::to_string([
        ("next", next.as_str()),
        ("method", q.method.as_deref().unwrap_or_default()),
    ])
    .unwrap_or_default();
    let here = format!("{}?{query}", push_path(&step, id));
    let t = ctx.tr();
    let mut res = render(
        ctx,
        &PushWaitPage {
            c: Chrome::new(state, ctx, "push-wait-title", step.nav()),
            back: format!(
                "{}?{}",
                step.page(),
                serde_urlencoded::to_string([("next", next.as_str())]).unwrap_or_default()
            ),
            base: step.base(),
            events: format!("{}/events", push_path(&step, id)),
            here,
            next,
            method: q.method.unwrap_or_default(),
            number: view.number,
            pick: t.fmt("push-wait-pick", &[("device", Arg::S(&view.device))]),
            state_text: t.get(&format!("push-state-{}", view.state.as_str())),
            state: view.state.as_str(),
            until: t.fmt(
                "push-wait-until",
                &[("time", Arg::S(&local_time(state, view.expires_at)))],
            ),
        },
    );
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    res
}

/// Server-sent events for the waiting page's script: the request's state
/// when it changes, until it is final.
fn push_events(state: AppState, step: Prompt, id: &str) -> Response {
    use axum::response::sse::{Event, KeepAlive, Sse};
    let Ok(id) = Uuid::parse_str(id) else {
        return axum::http::StatusCode::NOT_FOUND.into_response();
    };
    let stream = futures_util::stream::unfold(
        (state, step, None::<PushState>, false),
        move |(state, step, last, done)| async move {
            if done {
                return None;
            }
            loop {
                let now = match state.app.push_state(step.asker(), id).await {
                    Ok(v) => v.state,
                    Err(_) => PushState::Gone,
                };
                if Some(now) != last {
                    let event = Event::default().event("state").data(now.as_str());
                    return Some((
                        Ok::<_, std::convert::Infallible>(event),
                        (state, step, Some(now), now.is_final()),
                    ));
                }
                tokio::time::sleep(std::time::Duration::from_millis(750)).await;
            }
        },
    );
    Sse::new(stream)
        .keep_alive(KeepAlive::default())
        .into_response()
}

pub async fn sign_in_push(
    State(state): State<AppState>,
    SecondStep(session, ctx): SecondStep,
    HtmlForm(form): HtmlForm<FactorForm>,
) -> Response {
    push_send(&state, &ctx, Prompt::SignIn(session), form).await
}

pub async fn step_up_push(
    State(state): State<AppState>,
    Authenticated(session, ctx): Authenticated,
    HtmlForm(form): HtmlForm<FactorForm>,
) -> Response {
    push_send(&state, &ctx, Prompt::StepUp(session), form).await
}

pub async fn reset_push(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
    HtmlForm(form): HtmlForm<FactorForm>,
) -> Response {
    let step = Prompt::Reset(token, ctx.csrf_basis.clone());
    push_send(&state, &ctx, step, form).await
}

/// The waiting page of a session that is gone: if "this wasn't me" on
/// the phone ended it, the sign-in page says so; otherwise the usual way.
async fn session_gone(
    state: &AppState,
    ctx: &Ctx,
    headers: &HeaderMap,
    id: &str,
    otherwise: Response,
) -> Response {
    let token = crate::cookies::cookie(headers, SESSION_COOKIE);
    let reported = match (token, Uuid::parse_str(id)) {
        (Some(token), Ok(id)) if ctx.any_session().is_none() => state
            .app
            .push_reported_for(id, token)
            .await
            .unwrap_or(false),
        _ => false,
    };
    if reported {
        Redirect::to(&format!(
            "/login?notice=push-reported&lang={}",
            ctx.locale.code()
        ))
        .into_response()
    } else {
        otherwise
    }
}

pub async fn sign_in_push_wait(
    State(state): State<AppState>,
    step: Result<SecondStep, Response>,
    ctx: Ctx,
    headers: HeaderMap,
    Path(id): Path<String>,
    q: Result<Query<PushQuery>, QueryRejection>,
) -> Response {
    match step {
        Ok(SecondStep(session, ctx)) => {
            push_wait(&state, &ctx, Prompt::SignIn(session), &id, q).await
        }
        Err(otherwise) => session_gone(&state, &ctx, &headers, &id, otherwise).await,
    }
}

pub async fn step_up_push_wait(
    State(state): State<AppState>,
    step: Result<Authenticated, Response>,
    ctx: Ctx,
    headers: HeaderMap,
    Path(id): Path<String>,
    q: Result<Query<PushQuery>, QueryRejection>,
) -> Response {
    match step {
        Ok(Authenticated(session, ctx)) => {
            push_wait(&state, &ctx, Prompt::StepUp(session), &id, q).await
        }
        Err(otherwise) => session_gone(&state, &ctx, &headers, &id, otherwise).await,
    }
}

pub async fn reset_push_wait(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((token, id)): Path<(String, String)>,
    q: Result<Query<PushQuery>, QueryRejection>,
) -> Response {
    let step = Prompt::Reset(token, ctx.csrf_basis.clone());
    push_wait(&state, &ctx, step, &id, q).await
}

pub async fn sign_in_push_events(
    State(state): State<AppState>,
    SecondStep(session, _): SecondStep,
    Path(id): Path<String>,
) -> Response {
    push_events(state, Prompt::SignIn(session), &id)
}

pub async fn step_up_push_events(
    State(state): State<AppState>,
    Authenticated(session, _): Authenticated,
    Path(id): Path<String>,
) -> Response {
    push_events(state, Prompt::StepUp(session), &id)
}

pub async fn reset_push_events(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((token, id)): Path<(String, String)>,
) -> Response {
    push_events(state, Prompt::Reset(token, ctx.csrf_basis), &id)
}

/// The routes of these pages, merged into the router in `lib.rs`.
pub fn routes() -> axum::Router<crate::AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route(
            "/login/second-factor",
            get(sign_in_show).post(sign_in_submit),
        )
        .route("/login/second-factor/send", post(sign_in_send))
        .route(
            "/login/second-factor/passkey",
            post(sign_in_passkey_options),
        )
        .route("/login/second-factor/push", post(sign_in_push))
        .route("/login/second-factor/push/{id}", get(sign_in_push_wait))
        .route(
            "/login/second-factor/push/{id}/events",
            get(sign_in_push_events),
        )
        .route("/account/confirm/push", post(step_up_push))
        .route("/account/confirm/push/{id}", get(step_up_push_wait))
        .route(
            "/account/confirm/push/{id}/events",
            get(step_up_push_events),
        )
        .route("/reset-password/{token}/factor/push", post(reset_push))
        .route(
            "/reset-password/{token}/factor/push/{id}",
            get(reset_push_wait),
        )
        .route(
            "/reset-password/{token}/factor/push/{id}/events",
            get(reset_push_events),
        )
        .route("/login/passkey/options", post(passwordless_options))
        .route("/login/passkey", post(passwordless))
        .route("/account/confirm", get(step_up_show).post(step_up_submit))
        .route("/account/confirm/resume", get(resume))
        .route("/account/confirm/send", post(step_up_send))
        .route("/account/confirm/passkey", post(step_up_passkey_options))
        .route("/reset-password/{token}/factor", post(reset_submit))
        .route("/reset-password/{token}/factor/send", post(reset_send))
        .route(
            "/reset-password/{token}/factor/passkey",
            post(reset_passkey_options),
        )
}
