//! Extractors of the pages' requests that are not the request context.

use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use espace_app::AppError;
use uuid::Uuid;

use crate::error::HtmlError;

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
