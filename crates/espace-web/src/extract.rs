//! The extractors of the pages: the request context, the stage the
//! session must be at, and ids from the path.

use std::sync::Arc;

use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use espace_app::AppError;
use espace_app::session::CurrentSession;
use espace_domain::strong::Stage;
use uuid::Uuid;

use crate::ctx::Ctx;
use crate::error::HtmlError;

impl<S: Send + Sync> FromRequestParts<S> for Ctx {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<Ctx>().cloned().ok_or_else(|| {
            tracing::error!("request context missing: middleware not installed");
            axum::http::StatusCode::INTERNAL_SERVER_ERROR.into_response()
        })
    }
}

/// A signed-in request. Pages that need it redirect anonymous visitors to
/// the sign-in page, coming back afterwards.
pub struct Authenticated(pub Arc<CurrentSession>, pub Ctx);

impl<S: Send + Sync> FromRequestParts<S> for Authenticated {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let ctx = Ctx::from_request_parts(parts, state).await?;
        if let Some(to) = ctx.owed_step() {
            return Err(Redirect::to(&to).into_response());
        }
        match &ctx.session {
            Some(s) => Ok(Authenticated(Arc::clone(s), ctx)),
            None => {
                let next =
                    serde_urlencoded::to_string([("next", ctx.path.as_str())]).unwrap_or_default();
                let notice = if ctx.session_ended {
                    "&notice=expired"
                } else {
                    ""
                };
                Err(Redirect::to(&format!("/login?{next}{notice}")).into_response())
            }
        }
    }
}

/// A signed-in request that may also be a session owing its first method
/// (the enrolment pages of My security).
pub struct Enrolling(pub Arc<CurrentSession>, pub Ctx);

impl<S: Send + Sync> FromRequestParts<S> for Enrolling {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let ctx = Ctx::from_request_parts(parts, state).await?;
        if let Some(p) = &ctx.partial
            && p.stage == Stage::Enrolment
        {
            return Ok(Enrolling(Arc::clone(p), ctx));
        }
        let Authenticated(s, ctx) = Authenticated::from_request_parts(parts, state).await?;
        Ok(Enrolling(s, ctx))
    }
}

/// A session owing its second factor (`/login/second-factor`). Others go
/// where they belong: signed-in ones on, anonymous ones to `/login`.
pub struct SecondStep(pub Arc<CurrentSession>, pub Ctx);

impl<S: Send + Sync> FromRequestParts<S> for SecondStep {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let ctx = Ctx::from_request_parts(parts, state).await?;
        match &ctx.partial {
            Some(p) if p.stage == Stage::SecondFactor => Ok(SecondStep(Arc::clone(p), ctx)),
            Some(_) => Err(Redirect::to(&ctx.owed_step().unwrap_or_default()).into_response()),
            None if ctx.session.is_some() => Err(Redirect::to("/").into_response()),
            None => Err(Redirect::to("/login").into_response()),
        }
    }
}

/// The one `{id}` of a path: anything that is not an id is simply not
/// found (404), never a 400 that would tell a guessed path from a real one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdPath(pub Uuid);

impl<S: Send + Sync> FromRequestParts<S> for IdPath {
    type Rejection = HtmlError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Path(raw) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|_| AppError::NotFound)?;
        Uuid::parse_str(&raw)
            .map(IdPath)
            .map_err(|_| AppError::NotFound.into())
    }
}

/// An `{id}` and the segment after it (`/users/{id}/{action}`), the id
/// read as [`IdPath`] reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdAnd(pub Uuid, pub String);

impl<S: Send + Sync> FromRequestParts<S> for IdAnd {
    type Rejection = HtmlError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Path((raw, then)) = Path::<(String, String)>::from_request_parts(parts, state)
            .await
            .map_err(|_| AppError::NotFound)?;
        let id = Uuid::parse_str(&raw).map_err(|_| AppError::NotFound)?;
        Ok(IdAnd(id, then))
    }
}
