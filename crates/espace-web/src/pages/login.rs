//! `/login` and `/logout` (SPEC §3).

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use espace_app::AppError;
use espace_app::auth::{NextStep, SignInError, SignInRequest, SignedIn};
use secrecy::SecretString;
use serde::Deserialize;

use super::forms::Fields;
use super::{Chrome, FormError, local_time, render};
use crate::AppState;
use crate::cookies::{DEVICE_COOKIE, LANG_COOKIE, SESSION_COOKIE, set_cookie};
use crate::ctx::Ctx;
use crate::error::app_error;
use crate::form::{CheckedForm, cleaned, refused_errors};
use crate::i18n::{Arg, Tr};
use crate::paths::safe_return_to;

#[derive(Template)]
#[template(path = "auth/login.html")]
struct LoginPage {
    c: Chrome,
    next: String,
    notice: Option<String>,
    login_value: String,
    login_error: Option<String>,
    password_error: Option<String>,
    /// Passwordless sign-in is offered (needs JavaScript).
    passkeys: bool,
    /// Sign-in with FranceConnect+ is offered.
    franceconnect: bool,
    /// The typed identifier is locked: no password form (none is checked),
    /// the way out instead.
    locked: bool,
    f: Fields,
}

#[derive(Deserialize, Default)]
pub struct LoginQuery {
    next: Option<String>,
    notice: Option<String>,
    #[allow(dead_code)]
    lang: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct LoginForm {
    #[serde(default)]
    login: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
    #[allow(dead_code)]
    csrf_token: Option<String>,
}

impl LoginPage {
    fn new(state: &AppState, ctx: &Ctx, next: String) -> Self {
        Self {
            c: Chrome::new(state, ctx, "login-title", "login"),
            next,
            notice: None,
            login_value: String::new(),
            login_error: None,
            password_error: None,
            passkeys: state.app.passkeys_available(),
            franceconnect: state.app.franceconnect_available(),
            locked: false,
            f: Fields::default(),
        }
    }
}

pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    query: Result<Query<LoginQuery>, QueryRejection>,
) -> Response {
    let query = query.map(|q| q.0).unwrap_or_default();
    let next = safe_return_to(query.next.as_deref());
    if ctx.session.is_some() {
        return Redirect::to(&next).into_response();
    }
    if let Some(step) = ctx.owed_step() {
        return Redirect::to(&step).into_response();
    }
    let t = ctx.tr();
    let mut page = LoginPage::new(&state, &ctx, next);
    page.notice = match query.notice.as_deref() {
        Some("signed-out") => Some(t.get("login-notice-signed-out")),
        Some("expired") => Some(t.get("login-notice-expired")),
        Some("password-set") => Some(t.get("login-notice-password-set")),
        Some("password-reset") => Some(t.get("login-notice-password-reset")),
        Some("push-reported") => Some(t.get("push-state-reported")),
        _ if ctx.session_ended => Some(t.get("login-notice-expired")),
        _ => None,
    };
    render(&ctx, &page)
}

pub async fn submit(
    State(state): State<AppState>,
    ctx: Ctx,
    CheckedForm { form, refused }: CheckedForm<LoginForm>,
) -> Response {
    let t = ctx.tr();
    let next = safe_return_to(form.next.as_deref());
    // A field holding a control character is refused (see `form`), but the
    // attempt still goes through the sign-in, to be counted and audited:
    // such a password never matches (it is only hashed), and such an
    // identifier is sent with its control characters replaced, so that it
    // names no login and never reaches the database as typed.
    // (`next` is checked where it is used; undeclared fields are ignored.)
    let refused: Vec<_> = refused
        .into_iter()
        .filter(|r| r.name == "login" || r.name == "password")
        .collect();
    let refused_login = refused.iter().any(|r| r.name == "login");
    let identifier = if refused_login {
        form.login
            .chars()
            .map(|c| {
                if crate::form::allowed("login", c) {
                    c
                } else {
                    '\u{FFFD}'
                }
            })
            .collect()
    } else {
        form.login.clone()
    };
    let outcome = state
        .app
        .sign_in(SignInRequest {
            identifier,
            password: SecretString::from(form.password),
            client: ctx.client.clone(),
            replaces_session: ctx.any_session().map(|s| s.id_hash.clone()),
            device: ctx.device.clone(),
        })
        .await;
    let outcome = match outcome {
        Ok(o) => o,
        Err(AppError::Busy) => {
            let mut page = LoginPage::new(&state, &ctx, next);
            page.login_value = form.login;
            page.f.errors.push(FormError {
                field: None,
                message: t.get("login-busy"),
            });
            let mut res = render(&ctx, &page);
            *res.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
            return res;
        }
        Err(e) => return app_error(&ctx, &e),
    };
    let outcome_device = outcome.new_device_token;
    let error = match outcome.result {
        Ok(signed_in) if refused.is_empty() || !refused_login => {
            let q = serde_urlencoded::to_string([("next", next.as_str())]).unwrap_or_default();
            let to = match signed_in.next_step {
                NextStep::Continue => next,
                NextStep::SecondFactor => format!("/login/second-factor?{q}"),
                NextStep::Enrol | NextStep::EnrolBefore(_) => format!("/account/security?{q}"),
            };
            return signed_in_to(&to, signed_in);
        }
        Ok(_) => SignInError::WrongCredentials {
            remaining: 0,
            repeated: false,
        },
        Err(e) => e,
    };
    if !refused.is_empty() && !matches!(error, SignInError::Locked { .. }) {
        let mut page = LoginPage::new(&state, &ctx, next);
        page.login_value = cleaned("login", &form.login).chars().take(200).collect();
        page.f = refused_errors(&t, &refused);
        page.login_error = page.f.get("login").map(str::to_owned);
        page.password_error = page.f.get("password").map(str::to_owned);
        let mut res = render(&ctx, &page);
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        return res;
    }

    let minutes = state.app.config().lockout.lock_duration.as_mins();
    let mut page = LoginPage::new(&state, &ctx, next);
    page.login_value = form.login.chars().take(200).collect();
    match error {
        SignInError::Missing {
            identifier,
            password,
        } => {
            if identifier {
                let m = t.get("login-missing-identifier");
                page.login_error = Some(m.clone());
                page.f.errors.push(FormError {
                    field: Some("login"),
                    message: m,
                });
            }
            if password {
                let m = t.get("login-missing-password");
                page.password_error = Some(m.clone());
                page.f.errors.push(FormError {
                    field: Some("password"),
                    message: m,
                });
            }
        }
        SignInError::WrongCredentials {
            remaining,
            repeated,
        } => {
            let m = t.get("login-wrong");
            page.password_error = Some(m.clone());
            page.f.errors.push(FormError {
                field: Some("password"),
                message: m,
            });
            if repeated {
                page.f.help.push(t.get("login-repeated"));
            }
            page.f.help.push(t.fmt(
                "login-remaining",
                &[
                    ("remaining", Arg::N(i64::from(remaining))),
                    ("minutes", Arg::N(minutes)),
                ],
            ));
        }
        SignInError::Throttled { until } => {
            page.f
                .errors
                .push(until_message(&state, &t, "login-throttled", until));
            page.f.help.push(t.get("login-throttled-help"));
            let mut res = render(&ctx, &page);
            *res.status_mut() = StatusCode::TOO_MANY_REQUESTS;
            let secs = until
                .duration_since(state.app.clock().now())
                .as_secs()
                .max(1);
            if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
                res.headers_mut().insert(header::RETRY_AFTER, v);
            }
            return with_device(res, outcome_device.as_deref());
        }
        SignInError::Locked { until } => {
            page.f
                .errors
                .push(until_message(&state, &t, "login-locked", until));
            page.f.help.push(t.get("login-locked-help"));
            page.locked = true;
        }
    }
    with_device(render(&ctx, &page), outcome_device.as_deref())
}

/// A refusal that lasts until `until`: the time of day and the minutes left.
fn until_message(state: &AppState, t: &Tr, key: &str, until: jiff::Timestamp) -> FormError {
    let left = until
        .duration_since(state.app.clock().now())
        .as_mins()
        .max(0)
        + 1;
    FormError {
        field: None,
        message: t.fmt(
            key,
            &[
                ("time", Arg::S(&local_time(state, until))),
                ("minutes", Arg::N(left)),
            ],
        ),
    }
}

/// The answer to a sign-in: on to `to`, with the new session's cookie,
/// the device cookie of a browser that had none, and the login's language.
pub fn signed_in_to(to: &str, signed_in: SignedIn) -> Response {
    let mut res = Redirect::to(to).into_response();
    let h = res.headers_mut();
    h.append(
        header::SET_COOKIE,
        set_cookie(SESSION_COOKIE, &signed_in.session_token, None),
    );
    if let Some(device) = &signed_in.new_device_token {
        h.append(header::SET_COOKIE, device_cookie(device));
    }
    if let Some(locale) = signed_in.locale {
        h.append(
            header::SET_COOKIE,
            set_cookie(LANG_COOKIE, &locale, Some(31_536_000)),
        );
    }
    res
}

/// Sets the device cookie of a browser that had none on a refused sign-in:
/// the next wrong password it repeats is recognised as its own.
fn with_device(mut res: Response, device: Option<&str>) -> Response {
    if let Some(device) = device {
        res.headers_mut()
            .append(header::SET_COOKIE, device_cookie(device));
    }
    res
}

/// The device cookie: two years, how long a browser stays "known".
pub fn device_cookie(token: &str) -> HeaderValue {
    set_cookie(DEVICE_COOKIE, token, Some(63_072_000))
}

/// The sign-in page with refused fields (a refused passkey, say).
pub fn with_errors(state: &AppState, ctx: &Ctx, next: String, f: Fields) -> Response {
    let mut page = LoginPage::new(state, ctx, next);
    page.f = f;
    render(ctx, &page)
}

pub async fn logout(State(state): State<AppState>, ctx: Ctx) -> Response {
    let mut end_session = None;
    if let Some(session) = ctx.any_session() {
        match state.app.sign_out(session, &ctx.client).await {
            Ok(url) => end_session = url,
            Err(e) => return app_error(&ctx, &e),
        }
    }
    // A session that came through FranceConnect+ ends there too, and comes
    // back to /login/franceconnect/logged-out.
    let to = end_session
        .unwrap_or_else(|| format!("/login?notice=signed-out&lang={}", ctx.locale.code()));
    let mut res = Redirect::to(&to).into_response();
    let h = res.headers_mut();
    // Only what the session owns is cleared (ASVS 14.3.1): its cookie,
    // expired here, and the pages it was shown (the HTTP cache). Not
    // "cookies" nor "storage" wholesale: the device cookie (a known
    // browser, SPEC §3.3), the language, and the companion app's device
    // tokens and service worker on a phone (SPEC §4.6) are not the
    // session's, and erasing them would unlink the phone.
    h.append(header::SET_COOKIE, set_cookie(SESSION_COOKIE, "", Some(0)));
    h.insert("clear-site-data", HeaderValue::from_static("\"cache\""));
    res
}

/// The routes of these pages, merged into the router in `lib.rs`.
pub fn routes() -> axum::Router<crate::AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route(crate::paths::SIGN_IN, get(show).post(submit))
        .route("/logout", post(logout))
}
