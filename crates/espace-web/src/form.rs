//! Reading HTML forms: a malformed body is a clear, localised 400 page,
//! never a 500 (and never the framework's plain-text rejection).

use axum::extract::{FromRequest, Request};
use axum::http::header;
use axum::response::Response;
use serde::de::DeserializeOwned;

use crate::context::Ctx;
use crate::error::{ErrorKind, error_page};

/// An `application/x-www-form-urlencoded` body. A duplicated field is
/// refused with a 400 (ASVS 5.1.1: parameter pollution is rejected);
/// fields a form does not declare are ignored, never bound.
pub struct HtmlForm<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for HtmlForm<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let ctx = req.extensions().get::<Ctx>().cloned();
        let fail = |kind| {
            let (locale, id) = ctx
                .as_ref()
                .map_or((Default::default(), String::new()), |c| {
                    (c.locale, c.client.request_id.clone())
                });
            error_page(locale, &id, kind)
        };
        let is_form = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"));
        if !is_form {
            return Err(fail(ErrorKind::UnsupportedMedia));
        }
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|_| fail(ErrorKind::TooLarge))?;
        serde_urlencoded::from_bytes(&bytes)
            .map(HtmlForm)
            .map_err(|_| fail(ErrorKind::BadRequest))
    }
}
