//! Error pages: localised, with an operation reference support can look
//! up in the logs, never a stack trace.

use std::any::Any;
use std::sync::Arc;

use askama::Template;
use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use espace_app::AppError;
use espace_domain::locale::Locale;

use crate::ctx::Ctx;
use crate::i18n::{Arg, Tr};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    BadRequest,
    Csrf,
    NotFound,
    MethodNotAllowed,
    TooLarge,
    UnsupportedMedia,
    Busy,
    Internal,
}

impl ErrorKind {
    fn status(self) -> StatusCode {
        match self {
            ErrorKind::BadRequest => StatusCode::BAD_REQUEST,
            ErrorKind::Csrf => StatusCode::FORBIDDEN,
            ErrorKind::NotFound => StatusCode::NOT_FOUND,
            ErrorKind::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ErrorKind::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ErrorKind::UnsupportedMedia => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorKind::Busy => StatusCode::SERVICE_UNAVAILABLE,
            ErrorKind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn keys(self) -> (&'static str, &'static str) {
        match self {
            ErrorKind::BadRequest | ErrorKind::UnsupportedMedia => {
                ("error-400-title", "error-400-text")
            }
            ErrorKind::Csrf => ("error-403-csrf-title", "error-403-csrf-text"),
            ErrorKind::NotFound => ("error-404-title", "error-404-text"),
            ErrorKind::MethodNotAllowed => ("error-405-title", "error-405-text"),
            ErrorKind::TooLarge => ("error-413-title", "error-413-text"),
            ErrorKind::Busy => ("error-503-title", "error-503-text"),
            ErrorKind::Internal => ("error-title", "error-500-text"),
        }
    }
}

/// A stand-alone page (no session chrome): errors can happen before the
/// request context exists.
#[derive(Template)]
#[template(path = "common/error.html")]
struct ErrorPage {
    lang: &'static str,
    title: String,
    text: String,
    reference: Option<String>,
    t: Tr,
}

pub fn error_page(locale: Locale, request_id: &str, kind: ErrorKind) -> Response {
    let t = Tr::new(locale);
    let (title, text) = kind.keys();
    let reference = (kind == ErrorKind::Internal && !request_id.is_empty())
        .then(|| t.fmt("error-operation-id", &[("id", Arg::S(request_id))]));
    let page = ErrorPage {
        lang: locale.code(),
        title: t.get(title),
        text: t.get(text),
        reference,
        t,
    };
    match page.render() {
        Ok(html) => {
            let mut res = (kind.status(), Html(html)).into_response();
            if kind == ErrorKind::MethodNotAllowed {
                res.headers_mut().insert(
                    header::ALLOW,
                    header::HeaderValue::from_static("GET, HEAD, POST"),
                );
            }
            res
        }
        Err(_) => kind.status().into_response(),
    }
}

/// Marks the answer that sends a refused request to the step-up.
#[derive(Debug, Clone, Copy)]
pub struct StepUpAsked;

/// What a handler answers when a use case fails: it returns
/// `Result<_, HtmlError>` and uses `?`. The answer is marked, and
/// [`render_errors`], which knows the request's language, its operation id
/// and the page to come back to, turns it into the localised page (or the
/// step-up detour).
#[derive(Debug)]
pub struct HtmlError(pub AppError);

impl From<AppError> for HtmlError {
    fn from(e: AppError) -> Self {
        HtmlError(e)
    }
}

/// The failure a marked answer stands for (a response extension must be
/// `Clone`).
#[derive(Clone)]
struct Failed(Arc<AppError>);

impl IntoResponse for HtmlError {
    fn into_response(self) -> Response {
        let mut res = StatusCode::INTERNAL_SERVER_ERROR.into_response();
        res.extensions_mut().insert(Failed(Arc::new(self.0)));
        res
    }
}

/// The innermost layer of the pages: renders what a handler answered as
/// an [`HtmlError`]. Inside the CSRF layer, so that a step-up detour still
/// keeps the refused form for after it.
pub async fn render_errors(req: Request, next: Next) -> Response {
    let page = req
        .extensions()
        .get::<Ctx>()
        .map(|c| (c.locale, c.client.request_id.clone(), c.back.clone()));
    let res = next.run(req).await;
    match (res.extensions().get::<Failed>(), page) {
        (Some(Failed(e)), Some((locale, request_id, back))) => {
            error_response(locale, &request_id, &back, e)
        }
        (Some(Failed(e)), None) => error_response(Locale::default(), "", "/", e),
        (None, _) => res,
    }
}

/// Maps a use-case error to a page.
pub fn app_error(ctx: &Ctx, e: &AppError) -> Response {
    error_response(ctx.locale, &ctx.client.request_id, &ctx.back, e)
}

/// Maps a use-case error to a page in `locale`, with the operation
/// reference `request_id`; a step-up comes back to `back`.
fn error_response(locale: Locale, request_id: &str, back: &str, e: &AppError) -> Response {
    let kind = match e {
        AppError::StepUpRequired => {
            // Confirm who you are, then come back to the page (SPEC §4.5).
            let next = serde_urlencoded::to_string([("next", back)]).unwrap_or_default();
            let mut res =
                axum::response::Redirect::to(&format!("/account/confirm?{next}")).into_response();
            // The CSRF layer, which holds the form's body, keeps it for
            // after the step-up.
            res.extensions_mut().insert(StepUpAsked);
            return res;
        }
        AppError::Busy => ErrorKind::Busy,
        AppError::NotFound | AppError::Forbidden => ErrorKind::NotFound,
        AppError::Unauthenticated => ErrorKind::Csrf,
        AppError::Config(_) | AppError::Unexpected(_) => {
            tracing::error!(code = e.code(), error = %e, "request failed");
            ErrorKind::Internal
        }
    };
    error_page(locale, request_id, kind)
}

pub async fn not_found(ctx: Ctx) -> Response {
    error_page(ctx.locale, &ctx.client.request_id, ErrorKind::NotFound)
}

pub async fn method_not_allowed(ctx: Ctx) -> Response {
    error_page(
        ctx.locale,
        &ctx.client.request_id,
        ErrorKind::MethodNotAllowed,
    )
}

/// Last resort: a handler panicked. The process survives, the user gets a
/// generic page in both languages (ASVS 16.5.4).
pub fn panic_response(_: Box<dyn Any + Send + 'static>) -> Response {
    tracing::error!("a request handler panicked");
    error_page(Locale::Fr, "", ErrorKind::Internal)
}
