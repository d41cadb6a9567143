//! Signing in, sessions, CSRF, the password gate and the rate limits.

mod csrf;
mod gate;
mod limits;
mod sessions;
mod signin;
