//! The companion app (SPEC §4.6): linking a phone from My security, and
//! the app itself at `/companion` — an installable web app (manifest,
//! service worker, offline shell) where the phone answers requests.
//!
//! The phone is not signed in: it holds device tokens in a cookie scoped
//! to `/companion`, one per linked login.

use askama::Template;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use espace_app::AppError;
use espace_app::companion::{Answer, MAX_DEVICE_TOKENS};
use espace_app::second_factor::Purpose;
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use super::forms::{Fields, rejection_fields};
use super::second_factor::ceremony_json;
use super::{Chrome, local_datetime, local_time, parse_id, render};
use crate::AppState;
use crate::cookies::cookie;
use crate::ctx::Ctx;
use crate::error::app_error;
use crate::extract::Enrolling;
use crate::extract::IdPath;
use crate::form::HtmlForm;
use crate::i18n::Arg;

/// The phone's device tokens, dot-separated.
pub const COMPANION_COOKIE: &str = "espace-companion";
const SW: &str = include_str!("../../static/companion-sw.js");

fn device_tokens(headers: &HeaderMap) -> Vec<String> {
    cookie(headers, COMPANION_COOKIE)
        .unwrap_or_default()
        .split('.')
        .filter(|t| t.len() == 43)
        .take(MAX_DEVICE_TOKENS)
        .map(str::to_owned)
        .collect()
}

/// The cookie with `token` added (the newest first; the oldest beyond the
/// limit dropped).
fn with_token(headers: &HeaderMap, token: &str) -> HeaderValue {
    let mut tokens = vec![token.to_owned()];
    tokens.extend(device_tokens(headers).into_iter().filter(|t| t != token));
    tokens.truncate(MAX_DEVICE_TOKENS);
    HeaderValue::from_str(&format!(
        "{COMPANION_COOKIE}={}; Path=/companion; Secure; HttpOnly; SameSite=Strict; Max-Age=63072000",
        tokens.join(".")
    ))
    .unwrap_or_else(|_| HeaderValue::from_static(""))
}

// ---- My security, on the computer -------------------------------------

#[derive(Template)]
#[template(path = "mfa/security_companion.html")]
struct LinkPage {
    c: Chrome,
    id: Uuid,
    qr_svg: String,
    url: String,
    until: String,
    /// "Linked: …", once linked.
    linked: Option<String>,
}

pub async fn start_link(
    State(state): State<AppState>,
    Enrolling(session, ctx): Enrolling,
) -> Response {
    match state.app.start_companion_link(&session).await {
        Ok(id) => Redirect::to(&format!("/account/security/companion/{id}")).into_response(),
        Err(r) => match rejection_fields(&ctx.tr(), r) {
            Ok(_) => Redirect::to("/account/security#add").into_response(),
            Err(e) => app_error(&ctx, &e),
        },
    }
}

pub async fn link_show(
    State(state): State<AppState>,
    Enrolling(session, ctx): Enrolling,
    IdPath(id): IdPath,
) -> Response {
    let link = match state.app.companion_link(&session, id).await {
        Ok(l) => l,
        Err(e) => return app_error(&ctx, &e),
    };
    let t = ctx.tr();
    render(
        &ctx,
        &LinkPage {
            c: Chrome::new(&state, &ctx, "companion-link-title", "account"),
            id: link.method,
            qr_svg: super::security::qr_svg(&link.url).unwrap_or_default(),
            until: t.fmt(
                "companion-link-until",
                &[("time", Arg::S(&local_time(&state, link.expires_at)))],
            ),
            url: link.url,
            linked: link
                .linked
                .map(|d| t.fmt("companion-link-done", &[("device", Arg::S(&d))])),
        },
    )
}

// ---- Linking, on the phone --------------------------------------------

#[derive(Template)]
#[template(path = "mfa/companion_link.html")]
struct PhoneLinkPage {
    c: Chrome,
    action: String,
    intro: String,
    until: String,
    label: String,
    push_key: String,
    f: Fields,
}

fn link_action(id: Uuid, mac: &str) -> String {
    format!("/companion/link/{id}/{mac}")
}

async fn phone_link_page(
    state: &AppState,
    ctx: &Ctx,
    id: Uuid,
    mac: &str,
    label: String,
    f: Fields,
) -> Response {
    let offer = match state.app.companion_link_offer(id, mac).await {
        Ok(o) => o,
        Err(AppError::NotFound) => return super::links::dead(state, ctx),
        Err(e) => return app_error(ctx, &e),
    };
    let t = ctx.tr();
    render(
        ctx,
        &PhoneLinkPage {
            c: Chrome::new(state, ctx, "companion-phone-link-title", "companion"),
            action: link_action(id, mac),
            intro: t.fmt(
                "companion-phone-link-intro",
                &[("identifier", Arg::S(&offer.identifier))],
            ),
            until: t.fmt(
                "companion-link-until",
                &[("time", Arg::S(&local_time(state, offer.expires_at)))],
            ),
            label: if label.is_empty() {
                t.get("companion-default-label")
            } else {
                label
            },
            push_key: state.app.push_key().unwrap_or_default(),
            f,
        },
    )
}

pub async fn phone_link_show(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, mac)): Path<(String, String)>,
) -> Response {
    match parse_id(&id) {
        Ok(id) => phone_link_page(&state, &ctx, id, &mac, String::new(), Fields::default()).await,
        Err(_) => super::links::dead(&state, &ctx),
    }
}

pub async fn phone_link_options(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, mac)): Path<(String, String)>,
) -> Response {
    let c = match parse_id(&id) {
        Ok(id) => {
            state
                .app
                .start_companion_registration(id, &mac, &ctx.csrf_basis)
                .await
        }
        Err(e) => Err(e),
    };
    ceremony_json(&ctx, c)
}

#[derive(Deserialize, Default)]
pub struct LinkForm {
    #[serde(default)]
    label: String,
    #[serde(default)]
    ceremony: String,
    #[serde(default)]
    response: String,
    subscription: Option<String>,
}

pub async fn phone_link_finish(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Path((id, mac)): Path<(String, String)>,
    HtmlForm(form): HtmlForm<LinkForm>,
) -> Response {
    let Ok(id) = parse_id(&id) else {
        return super::links::dead(&state, &ctx);
    };
    let Ok(ceremony) = Uuid::parse_str(&form.ceremony) else {
        let f = Fields::from_problems(
            &ctx.tr(),
            &[espace_app::error::FieldProblem {
                field: "passkey",
                problem: espace_app::error::Problem::PasskeyRefused,
            }],
        );
        return phone_link_page(&state, &ctx, id, &mac, form.label, f).await;
    };
    match state
        .app
        .finish_companion_registration(
            id,
            &mac,
            &ctx.csrf_basis,
            ceremony,
            &form.label,
            &form.response,
            form.subscription.as_deref(),
            &ctx.client,
        )
        .await
    {
        Ok(token) => {
            let mut res = Redirect::to("/companion?linked=1").into_response();
            res.headers_mut()
                .append(header::SET_COOKIE, with_token(&headers, &token));
            res
        }
        Err(r) => match rejection_fields(&ctx.tr(), r) {
            Ok(f) => phone_link_page(&state, &ctx, id, &mac, form.label, f).await,
            Err(AppError::NotFound) => super::links::dead(&state, &ctx),
            Err(e) => app_error(&ctx, &e),
        },
    }
}

// ---- The app ----------------------------------------------------------

struct RequestCard {
    id: Uuid,
    title: String,
    device: String,
    browser: String,
    ip: String,
    at: String,
    until: String,
    choices: Vec<i64>,
    /// The refusal of the last answer to this request.
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "mfa/companion.html")]
struct HomePage {
    c: Chrome,
    /// "login — device" per linked login.
    devices: Vec<String>,
    requests: Vec<RequestCard>,
    push_key: String,
    notice: Option<String>,
    f: Fields,
}

#[derive(Deserialize, Default)]
pub struct HomeQuery {
    linked: Option<String>,
    answered: Option<String>,
}

async fn home_page(
    state: &AppState,
    ctx: &Ctx,
    headers: &HeaderMap,
    notice: Option<String>,
    refused: Option<Uuid>,
    mut f: Fields,
) -> Response {
    let home = match state.app.companion_home(&device_tokens(headers)).await {
        Ok(h) => h,
        Err(e) => return app_error(ctx, &e),
    };
    let t = ctx.tr();
    let requests = home
        .requests
        .into_iter()
        .map(|r| RequestCard {
            title: t.fmt(
                match r.purpose {
                    Purpose::SignIn => "companion-request-sign-in",
                    Purpose::StepUp => "companion-request-step-up",
                    Purpose::PasswordReset => "companion-request-reset",
                },
                &[("identifier", Arg::S(&r.identifier))],
            ),
            device: r.device,
            browser: espace_i18n::device_name(&t, &r.user_agent),
            ip: r.ip,
            at: local_datetime(state, &t, r.created_at),
            until: t.fmt(
                "companion-request-until",
                &[("time", Arg::S(&local_time(state, r.expires_at)))],
            ),
            choices: r.choices,
            error: f
                .get("number")
                .filter(|_| refused == Some(r.id))
                .map(str::to_owned),
            id: r.id,
        })
        .collect::<Vec<RequestCard>>();
    // A refusal that ended its request (a wrong number, say): the request
    // is no longer shown, so the summary names no field that is gone.
    if refused.is_some_and(|id| !requests.iter().any(|r| r.id == id)) {
        for e in &mut f.errors {
            e.field = None;
        }
    }
    render(
        ctx,
        &HomePage {
            c: Chrome::new(state, ctx, "companion-title", "companion"),
            devices: home
                .devices
                .iter()
                .map(|(identifier, device)| {
                    t.fmt(
                        "companion-device-line",
                        &[
                            ("identifier", Arg::S(identifier)),
                            ("device", Arg::S(device)),
                        ],
                    )
                })
                .collect(),
            requests,
            push_key: home.push_key.unwrap_or_default(),
            notice,
            f,
        },
    )
}

pub async fn home(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    q: Result<axum::extract::Query<HomeQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let q = q.map(|q| q.0).unwrap_or_default();
    let t = ctx.tr();
    let notice = if q.linked.is_some() {
        Some(t.get("companion-notice-linked"))
    } else {
        q.answered
            .filter(|a| matches!(a.as_str(), "approved" | "denied" | "reported"))
            .map(|a| t.get(&format!("companion-notice-{a}")))
    };
    home_page(&state, &ctx, &headers, notice, None, Fields::default()).await
}

/// The polling fallback: the ids of the waiting requests.
pub async fn waiting(State(state): State<AppState>, ctx: Ctx, headers: HeaderMap) -> Response {
    match state.app.companion_home(&device_tokens(&headers)).await {
        Ok(home) => {
            let ids: Vec<Uuid> = home.requests.iter().map(|r| r.id).collect();
            let mut res = Json(json!({ "requests": ids })).into_response();
            res.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            res
        }
        Err(e) => app_error(&ctx, &e),
    }
}

pub async fn approve_options(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let c = match parse_id(&id) {
        Ok(id) => {
            state
                .app
                .start_push_approval(&device_tokens(&headers), id, &ctx.csrf_basis)
                .await
        }
        Err(e) => Err(e),
    };
    ceremony_json(&ctx, c)
}

#[derive(Deserialize, Default)]
pub struct AnswerForm {
    #[serde(default)]
    answer: String,
    #[serde(default)]
    number: String,
    #[serde(default)]
    ceremony: String,
    #[serde(default)]
    response: String,
}

pub async fn answer(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    IdPath(id): IdPath,
    HtmlForm(form): HtmlForm<AnswerForm>,
) -> Response {
    let ceremony = Uuid::parse_str(&form.ceremony).unwrap_or_default();
    let answer = match form.answer.as_str() {
        "deny" => Answer::Deny,
        "report" => Answer::Report,
        _ => Answer::Approve {
            number: &form.number,
            ceremony,
            response: &form.response,
        },
    };
    let tokens = device_tokens(&headers);
    match state
        .app
        .answer_push(&tokens, id, answer, &ctx.csrf_basis, &ctx.client)
        .await
    {
        Ok(()) => {
            let done = match answer {
                Answer::Approve { .. } => "approved",
                Answer::Deny => "denied",
                Answer::Report => "reported",
            };
            Redirect::to(&format!("/companion?answered={done}")).into_response()
        }
        Err(r) => match rejection_fields(&ctx.tr(), r) {
            Ok(f) => home_page(&state, &ctx, &headers, None, Some(id), f).await,
            Err(e) => app_error(&ctx, &e),
        },
    }
}

#[derive(Template)]
#[template(path = "mfa/companion_offline.html")]
struct OfflinePage {
    c: Chrome,
}

/// The shell the service worker keeps for when the phone is offline.
pub async fn offline(State(state): State<AppState>, ctx: Ctx) -> Response {
    render(
        &ctx,
        &OfflinePage {
            c: Chrome::new(&state, &ctx, "companion-offline-title", "companion"),
        },
    )
}

pub async fn manifest(ctx: Ctx) -> Response {
    let t = ctx.tr();
    let body = json!({
        "name": t.get("companion-app-name"),
        "short_name": t.get("companion-app-short-name"),
        "description": t.get("companion-app-description"),
        "lang": ctx.locale.code(),
        "start_url": "/companion",
        "scope": "/companion",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#1d4ed8",
        "icons": [
            { "src": "/static/companion.svg", "sizes": "any", "type": "image/svg+xml", "purpose": "any" },
            { "src": "/static/companion.svg", "sizes": "any", "type": "image/svg+xml", "purpose": "maskable" }
        ]
    });
    let mut res = body.to_string().into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/manifest+json"),
    );
    res
}

/// The service worker, allowed to control `/companion` (it sits below).
pub async fn service_worker() -> Response {
    let mut res = SW.into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/javascript; charset=utf-8"),
    );
    h.insert(
        "service-worker-allowed",
        HeaderValue::from_static("/companion"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    res
}

/// The routes of these pages, merged into the router in `lib.rs`.
pub fn routes() -> axum::Router<crate::AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/companion", get(home))
        .route("/companion/requests", get(waiting))
        .route("/companion/requests/{id}", post(answer))
        .route("/companion/requests/{id}/options", post(approve_options))
        .route(
            crate::paths::COMPANION_LINK,
            get(phone_link_show).post(phone_link_finish),
        )
        .route(
            "/companion/link/{id}/{mac}/options",
            post(phone_link_options),
        )
        .route("/companion/offline", get(offline))
        .route("/companion/manifest.webmanifest", get(manifest))
        .route("/companion/sw.js", get(service_worker))
        .route("/account/security/companion", post(start_link))
        .route("/account/security/companion/{id}", get(link_show))
}
