//! The layers every page passes through, outermost first: `context`
//! resolves the request context, `security` checks the CSRF token (and sets
//! the headers and metrics of every answer); `crate::error::render_errors`,
//! innermost, renders the errors handlers return.

pub mod context;
pub mod security;
