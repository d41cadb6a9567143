//! The security middleware: headers, CSRF defence and request metrics
//! (SPEC §3.3).

use std::time::Instant;

use axum::body::{Body, to_bytes};
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::Response;
use espace_app::audit::AuditKind;
use espace_app::session::CurrentSession;
use serde_json::json;

use crate::AppState;
use crate::ctx::Ctx;
use crate::error::{ErrorKind, StepUpAsked, error_page};

/// The Content-Security-Policy of every page. Forms post to Espace only;
/// with FranceConnect+, some answer with a redirect to the provider (to
/// sign in, or out), which `form-action` must then allow too.
pub fn content_security_policy(provider_origin: Option<&str>) -> Result<HeaderValue, String> {
    let form_action = match provider_origin {
        Some(origin) => format!("'self' {origin}"),
        None => "'self'".into(),
    };
    HeaderValue::from_str(&format!(
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
         font-src 'self'; connect-src 'self'; manifest-src 'self'; form-action {form_action}; \
         frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
    ))
    .map_err(|e| format!("content security policy: {e}"))
}

/// Middleware: the same strict headers on every answer.
pub async fn headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let is_static = req.uri().path().starts_with("/static/");
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    if !h.contains_key("content-security-policy") {
        // A page may bring a stricter one (the demo outbox's e-mail view).
        h.insert("content-security-policy", state.csp.clone());
    }
    let mut set = |name: &'static str, value: &'static str| {
        h.insert(name, HeaderValue::from_static(value));
    };
    set(
        "strict-transport-security",
        "max-age=31536000; includeSubDomains",
    );
    set("x-content-type-options", "nosniff");
    set("x-frame-options", "DENY");
    set("referrer-policy", "strict-origin-when-cross-origin");
    set("cross-origin-opener-policy", "same-origin");
    set("cross-origin-resource-policy", "same-origin");
    set(
        "permissions-policy",
        "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()",
    );
    if !is_static {
        // Pages can hold personal data: never cache them (ASVS 14.3.2).
        set("cache-control", "no-store");
    }
    res
}

/// Middleware: request count and latency per route.
pub async fn metrics(req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let method = req.method().to_string();
    let start = Instant::now();
    let res = next.run(req).await;
    let status = res.status().as_u16().to_string();
    metrics::counter!("espace_http_requests_total", "route" => route.clone(), "method" => method, "status" => status)
        .increment(1);
    metrics::histogram!("espace_http_request_duration_seconds", "route" => route)
        .record(start.elapsed().as_secs_f64());
    res
}

fn origin_allowed(origin: &str, host: Option<&str>, public_origin: Option<&str>) -> bool {
    match public_origin {
        Some(expected) => origin == expected,
        None => {
            let authority = origin
                .strip_prefix("https://")
                .or_else(|| origin.strip_prefix("http://"));
            matches!((authority, host), (Some(a), Some(h)) if a.eq_ignore_ascii_case(h))
        }
    }
}

/// Middleware: every state-changing request must come from a page of this
/// site (Fetch metadata and Origin) and carry the synchronizer token of
/// this browser's session, in the `csrf_token` field or the
/// `X-CSRF-Token` header. Refusals are audited and explained.
pub async fn csrf(State(state): State<AppState>, req: Request, next: Next) -> Response {
    // TRACE changes nothing and no route takes it: it gets a plain 405.
    if matches!(
        *req.method(),
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    ) {
        return next.run(req).await;
    }
    let Some(ctx) = req.extensions().get::<Ctx>().cloned() else {
        return error_page(Default::default(), "", ErrorKind::Internal);
    };
    let h = req.headers();
    let site = h.get("sec-fetch-site").and_then(|v| v.to_str().ok());
    if let Some(site) = site
        && site != "same-origin"
        && site != "none"
    {
        return refuse(&state, &ctx, "sec-fetch-site").await;
    }
    if let Some(origin) = h.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        let host = h.get(header::HOST).and_then(|v| v.to_str().ok());
        if !origin_allowed(origin, host, state.config.public_origin.as_deref()) {
            return refuse(&state, &ctx, "origin").await;
        }
    }
    let header_token = h
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let is_form = h
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"));
    let (parts, body) = req.into_parts();
    let Ok(bytes) = to_bytes(body, state.config.max_body_bytes).await else {
        return error_page(ctx.locale, &ctx.client.request_id, ErrorKind::TooLarge);
    };
    let presented = header_token.or_else(|| {
        is_form
            .then(|| serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes).ok())
            .flatten()
            .and_then(|pairs| {
                pairs
                    .into_iter()
                    .find(|(k, _)| k == "csrf_token")
                    .map(|(_, v)| v)
            })
    });
    match presented {
        Some(token) if state.app.keys().csrf_matches(&ctx.csrf_basis, &token) => {
            let target = parts.uri.path_and_query().map(|p| p.as_str().to_owned());
            let res = next
                .run(Request::from_parts(parts, Body::from(bytes.clone())))
                .await;
            match (&ctx.session, target, is_form) {
                (Some(session), Some(target), true)
                    if res.extensions().get::<StepUpAsked>().is_some() =>
                {
                    keep_for_step_up(&state, &ctx, session, &target, &bytes, res).await
                }
                _ => res,
            }
        }
        Some(_) => refuse(&state, &ctx, "token-mismatch").await,
        None => refuse(&state, &ctx, "token-missing").await,
    }
}

/// A form refused for a step-up is kept (sealed), and the step-up leads
/// on to `/account/confirm/resume`, which offers it again as typed (SPEC
/// §4.5). Without a sealing key, or on any trouble, the answer stays as it
/// was: back to the form's page, to type it again.
async fn keep_for_step_up(
    state: &AppState,
    ctx: &Ctx,
    session: &CurrentSession,
    target: &str,
    body: &[u8],
    mut res: Response,
) -> Response {
    let Ok(fields) = serde_urlencoded::from_bytes::<Vec<(String, String)>>(body) else {
        return res;
    };
    let fields: Vec<_> = fields
        .into_iter()
        .filter(|(k, _)| k != "csrf_token")
        .collect();
    let token = match state.app.keep_pending_form(session, target, &fields).await {
        Ok(Some(token)) => token,
        Ok(None) => return res,
        Err(e) => {
            tracing::warn!(error = %e, "could not keep a form across the step-up");
            return res;
        }
    };
    let resume = serde_urlencoded::to_string([("form", token.as_str()), ("next", &ctx.back)])
        .unwrap_or_default();
    let next = serde_urlencoded::to_string([("next", format!("/account/confirm/resume?{resume}"))])
        .unwrap_or_default();
    if let Ok(v) = HeaderValue::from_str(&format!("/account/confirm?{next}")) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    res
}

async fn refuse(state: &AppState, ctx: &Ctx, reason: &'static str) -> Response {
    tracing::warn!(reason, "cross-site request refused");
    metrics::counter!("espace_csrf_rejected_total", "reason" => reason).increment(1);
    let subject = ctx.any_session().map(|s| s.login.id);
    if let Err(e) = state
        .app
        .record(
            AuditKind::CsrfRejected,
            subject,
            &ctx.client,
            json!({ "reason": reason, "path": ctx.path.split('?').next().unwrap_or("/") }),
        )
        .await
    {
        tracing::error!(error = %e, "could not audit a refused request");
    }
    error_page(ctx.locale, &ctx.client.request_id, ErrorKind::Csrf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origin_must_match_host_or_the_configured_origin() {
        assert!(origin_allowed(
            "http://127.0.0.1:8080",
            Some("127.0.0.1:8080"),
            None
        ));
        assert!(!origin_allowed(
            "http://evil.example",
            Some("127.0.0.1:8080"),
            None
        ));
        assert!(!origin_allowed("null", Some("127.0.0.1:8080"), None));
        assert!(origin_allowed(
            "https://espace.example",
            Some("internal:8080"),
            Some("https://espace.example")
        ));
        assert!(!origin_allowed(
            "https://espace.example.evil",
            None,
            Some("https://espace.example")
        ));
    }
}
