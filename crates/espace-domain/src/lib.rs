//! Pure rules and types of Espace.
//!
//! Nothing here does I/O, reads a clock or draws randomness: time and
//! secrets are passed in, so every rule is testable with plain values.

pub mod device;
pub mod email;
pub mod identifier;
pub mod locale;
pub mod lockout;
pub mod oidc;
pub mod onetime;
pub mod password;
pub mod phone;
pub mod profile;
pub mod ratelimit;
pub mod rights;
pub mod session;
pub mod strong;
pub mod throttle;
pub mod totp;

pub use jiff::{SignedDuration, Timestamp};
