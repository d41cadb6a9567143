//! Small pages and actions: health, readiness, accessibility statement,
//! language switch, "stay signed in".

use askama::Template;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Json, Redirect, Response};
use espace_domain::locale::Locale;
use serde::Deserialize;
use serde_json::json;

use super::{Chrome, local_time, render};
use crate::AppState;
use crate::cookies::{LANG_COOKIE, set_cookie};
use crate::ctx::Ctx;
use crate::error::{ErrorKind, app_error, error_page};
use crate::form::HtmlForm;
use crate::paths::safe_return_to;

pub async fn healthz() -> &'static str {
    "ok"
}

pub async fn readyz(State(state): State<AppState>) -> Response {
    match state.app.ready().await {
        Ok(()) => "ready".into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "not ready");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "common/accessibility.html")]
struct Accessibility {
    c: Chrome,
}

pub async fn accessibility(State(state): State<AppState>, ctx: Ctx) -> Response {
    render(
        &ctx,
        &Accessibility {
            c: Chrome::new(&state, &ctx, "a11y-title", "accessibility"),
        },
    )
}

#[derive(Template)]
#[template(path = "common/whats_new.html")]
struct WhatsNew {
    c: Chrome,
}

pub async fn whats_new(State(state): State<AppState>, ctx: Ctx) -> Response {
    render(
        &ctx,
        &WhatsNew {
            c: Chrome::new(&state, &ctx, "whats-new-title", "whats-new"),
        },
    )
}

#[derive(Deserialize)]
pub struct LanguageForm {
    lang: String,
    return_to: Option<String>,
    #[allow(dead_code)]
    csrf_token: Option<String>,
}

/// Chooses the language; remembered per login when signed in, and in a
/// cookie otherwise.
pub async fn language(
    State(state): State<AppState>,
    ctx: Ctx,
    HtmlForm(form): HtmlForm<LanguageForm>,
) -> Response {
    let Some(locale) = Locale::parse(&form.lang) else {
        return error_page(ctx.locale, &ctx.client.request_id, ErrorKind::BadRequest);
    };
    if let Some(session) = &ctx.session
        && let Err(e) = state.app.set_locale(session, locale, &ctx.client).await
    {
        return app_error(&ctx, &e);
    }
    let mut res = Redirect::to(&safe_return_to(form.return_to.as_deref())).into_response();
    res.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(LANG_COOKIE, locale.code(), Some(31_536_000)),
    );
    res
}

#[derive(Deserialize)]
pub struct ExtendForm {
    return_to: Option<String>,
    #[allow(dead_code)]
    csrf_token: Option<String>,
}

/// "Stay signed in": JSON for the script, a redirect without JavaScript.
pub async fn extend_session(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: axum::http::HeaderMap,
    HtmlForm(form): HtmlForm<ExtendForm>,
) -> Response {
    let wants_json = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("application/json"));
    let Some(session) = &ctx.session else {
        if wants_json {
            return (
                StatusCode::UNAUTHORIZED,
                Json(json!({ "signed_in": false })),
            )
                .into_response();
        }
        return Redirect::to("/login?notice=expired").into_response();
    };
    match state.app.extend_session(session).await {
        Ok(expires_at) if wants_json => Json(json!({
            "signed_in": true,
            "expires_at_ms": expires_at.as_millisecond(),
            "expires_at_text": local_time(&state, expires_at),
            "message": ctx.tr().get("session-extended"),
        }))
        .into_response(),
        Ok(_) => Redirect::to(&safe_return_to(form.return_to.as_deref())).into_response(),
        Err(e) => app_error(&ctx, &e),
    }
}

/// The routes of these pages, merged into the router in `lib.rs`.
pub fn routes() -> axum::Router<crate::AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/accessibility", get(accessibility))
        .route("/whats-new", get(whats_new))
        .route("/language", post(language))
        .route("/session/extend", post(extend_session))
}
