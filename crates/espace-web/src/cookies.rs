//! Espace's cookies: their names, reading them, and setting them with the
//! attributes every one of them has.

use axum::http::{HeaderMap, HeaderValue, header};

pub const SESSION_COOKIE: &str = "__Host-espace-session";
pub const ANON_COOKIE: &str = "__Host-espace-anon";
pub const LANG_COOKIE: &str = "__Host-espace-lang";
/// A long-lived random id of the browser, to notice sign-ins from a new
/// device (SPEC §3.3). Only its hash is stored.
pub const DEVICE_COOKIE: &str = "__Host-espace-device";

pub fn cookies(headers: &HeaderMap) -> impl Iterator<Item = (&str, &str)> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
}

pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    cookies(headers).find(|(n, _)| *n == name).map(|(_, v)| v)
}

/// A `Set-Cookie` value with the attributes every Espace cookie has:
/// `__Host-` prefix, Secure, HttpOnly, SameSite=Lax, Path=/.
pub fn set_cookie(name: &str, value: &str, max_age: Option<i64>) -> HeaderValue {
    let age = max_age
        .map(|s| format!("; Max-Age={s}"))
        .unwrap_or_default();
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/; Secure; HttpOnly; SameSite=Lax{age}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static(""))
}
