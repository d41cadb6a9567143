//! One error type for the use cases, with stable codes that support can
//! look up. The web layer maps it twice: to an HTML page and to JSON.

use crate::ports::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The configuration is inconsistent; names the key.
    #[error("configuration: {0}")]
    Config(String),
    /// Too many password hashes are waiting: answer "try again shortly".
    #[error("the password service is busy")]
    Busy,
    /// Not signed in, or the session ended.
    #[error("not signed in")]
    Unauthenticated,
    /// Signed in, but not allowed. Never used to hide existence: foreign
    /// objects are [`AppError::NotFound`].
    #[error("forbidden")]
    Forbidden,
    #[error("not found")]
    NotFound,
    #[error("unexpected: {0}")]
    Unexpected(String),
}

impl AppError {
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Config(_) => "APP-0001",
            AppError::Busy => "AUTH-0003",
            AppError::Unauthenticated => "AUTH-0001",
            AppError::Forbidden => "AUTHZ-0001",
            AppError::NotFound => "APP-0404",
            AppError::Unexpected(_) => "APP-0500",
        }
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        AppError::Unexpected(e.to_string())
    }
}
