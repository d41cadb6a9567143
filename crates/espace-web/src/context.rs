//! What every page needs to know about its request, resolved once by a
//! middleware: the client address, the language, the session, and the
//! basis of the CSRF token.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use espace_app::audit::ClientInfo;
use espace_app::crypto::random_token;
use espace_app::navigation::Navigation;
use espace_app::session::{CurrentSession, Resolved};
use espace_domain::locale::Locale;
use espace_domain::strong::Stage;
use ipnet::IpNet;

use crate::AppState;
use crate::error::{ErrorKind, error_page};
use crate::i18n::Tr;

pub const SESSION_COOKIE: &str = "__Host-espace-session";
pub const ANON_COOKIE: &str = "__Host-espace-anon";
pub const LANG_COOKIE: &str = "__Host-espace-lang";
/// A long-lived random id of the browser, to notice sign-ins from a new
/// device (SPEC §3.3). Only its hash is stored.
pub const DEVICE_COOKIE: &str = "__Host-espace-device";

/// The request context, available to every page handler.
#[derive(Clone)]
pub struct Ctx {
    pub locale: Locale,
    pub client: ClientInfo,
    /// The session, once it may go everywhere its rights allow.
    pub session: Option<Arc<CurrentSession>>,
    /// A session still owing its second factor or its first method: it
    /// reaches only those steps and signing out (SPEC §4.3).
    pub partial: Option<Arc<CurrentSession>>,
    /// The cookie named a session that has timed out.
    pub session_ended: bool,
    /// Raw token the CSRF token derives from (session, else anonymous).
    pub csrf_basis: String,
    pub csrf_token: String,
    /// Path and query of the request, for "come back here" links.
    pub path: String,
    /// The device cookie, as sent.
    pub device: Option<String>,
    /// The page to come back to after a detour (the step-up): this page
    /// for a GET, the page the form was on for a POST.
    pub back: String,
    /// What the signed-in login may reach (main navigation, staff tools),
    /// as the app layer decides it; the default for anyone else.
    pub navigation: Arc<Navigation>,
}

impl Ctx {
    pub fn tr(&self) -> Tr {
        Tr::new(self.locale)
    }

    /// The session whatever its stage (for signing out, say).
    pub fn any_session(&self) -> Option<&Arc<CurrentSession>> {
        self.session.as_ref().or(self.partial.as_ref())
    }

    /// The session the header shows as signed in ("Signed in as", sign
    /// out, "Stay signed in"): a full one, or one owing only its first
    /// method; not one still owing its second factor, whose person has not
    /// proved who they are yet (its page offers "Cancel" instead).
    pub fn shown_session(&self) -> Option<&Arc<CurrentSession>> {
        self.session.as_ref().or(self
            .partial
            .as_ref()
            .filter(|p| p.stage != Stage::SecondFactor))
    }

    /// Where a session that owes a step is sent.
    pub fn owed_step(&self) -> Option<String> {
        let partial = self.partial.as_ref()?;
        let next = serde_urlencoded::to_string([("next", self.path.as_str())]).unwrap_or_default();
        Some(match partial.stage {
            Stage::Enrolment => format!("/account/security?{next}"),
            _ => format!("/login/second-factor?{next}"),
        })
    }
}

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

fn plausible_token(t: &str) -> bool {
    t.len() == 43
        && t.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The client address: the peer, unless the peer is a trusted proxy; then
/// the right-most address in `X-Forwarded-For` that is not itself a
/// trusted proxy (anything left of it could be forged by the client).
pub fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let forwarded: Vec<IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    forwarded
        .into_iter()
        .rev()
        .find(|ip| !is_trusted(ip))
        .unwrap_or(peer)
}

/// The path of a same-site `Referer` (the page a form was on), checked as
/// a local return path; `/` otherwise.
fn referer_path(headers: &HeaderMap) -> String {
    let referer = headers
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let rest = referer
        .strip_prefix("https://")
        .or_else(|| referer.strip_prefix("http://"))
        .and_then(|r| r.strip_prefix(host))
        .filter(|_| !host.is_empty());
    crate::security::safe_return_to(rest)
}

fn negotiate_locale(
    headers: &HeaderMap,
    query: Option<&str>,
    session: Option<&CurrentSession>,
) -> Locale {
    let from_query = query.and_then(|q| {
        serde_urlencoded::from_str::<Vec<(String, String)>>(q)
            .ok()?
            .into_iter()
            .find(|(k, _)| k == "lang")
            .and_then(|(_, v)| Locale::parse(&v))
    });
    from_query
        .or_else(|| {
            session
                .and_then(|s| s.login.locale.as_deref())
                .and_then(Locale::parse)
        })
        .or_else(|| cookie(headers, LANG_COOKIE).and_then(Locale::parse))
        .or_else(|| {
            headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .and_then(Locale::negotiate)
        })
        .unwrap_or_default()
}

/// Middleware: builds the [`Ctx`] and keeps the cookies in order.
pub async fn resolve(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let headers = req.headers();
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::from([127, 0, 0, 1]), |c| c.0.ip());
    let ip = client_ip(peer, headers, &state.config.trusted_proxies);
    let user_agent = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let request_id = headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let mut client = ClientInfo::new(ip.to_string(), user_agent, request_id);
    client.chosen_locale = cookie(headers, LANG_COOKIE).and_then(Locale::parse);
    // A path or query holding an encoded control character (`%00`) never
    // reaches a page: PostgreSQL refuses a NUL in text (see `form`).
    if req
        .uri()
        .path_and_query()
        .is_some_and(|p| crate::form::uri_has_control(p.as_str()))
    {
        let locale = negotiate_locale(headers, None, None);
        return error_page(locale, &client.request_id, ErrorKind::BadRequest);
    }

    let mut session: Option<Arc<CurrentSession>> = None;
    let mut session_ended = false;
    let mut clear_session_cookie = false;
    let session_token = cookie(headers, SESSION_COOKIE)
        .filter(|t| plausible_token(t))
        .map(str::to_owned);
    if let Some(token) = &session_token {
        match state.app.resolve_session(token, &client).await {
            Ok(Resolved::Active(s)) => session = Some(Arc::<CurrentSession>::from(*s)),
            Ok(Resolved::Expired) => {
                session_ended = true;
                clear_session_cookie = true;
            }
            Ok(Resolved::Unknown) => clear_session_cookie = true,
            Err(e) => {
                tracing::error!(error = %e, "session lookup failed");
                let locale = negotiate_locale(headers, None, None);
                return error_page(locale, &client.request_id, ErrorKind::Internal);
            }
        }
    }
    let anon = cookie(headers, ANON_COOKIE)
        .filter(|t| plausible_token(t))
        .map(str::to_owned);
    let mut new_anon = None;
    let (session, partial) = match session {
        Some(s) if s.stage != Stage::Complete => (None, Some(s)),
        s => (s, None),
    };
    let csrf_basis = match (session.is_some() || partial.is_some(), session_token, anon) {
        (true, Some(token), _) => token,
        (_, _, Some(anon)) => anon,
        _ => match random_token() {
            Ok(t) => {
                new_anon = Some(t.clone());
                t
            }
            Err(e) => {
                tracing::error!(error = %e, "no randomness");
                return error_page(Locale::default(), &client.request_id, ErrorKind::Internal);
            }
        },
    };
    let csrf_token = match state.app.keys().csrf_token(&csrf_basis) {
        Ok(t) => t,
        Err(_) => return error_page(Locale::default(), &client.request_id, ErrorKind::Internal),
    };
    let locale = negotiate_locale(
        headers,
        req.uri().query(),
        session.as_deref().or(partial.as_deref()),
    );
    let path = req
        .uri()
        .path_and_query()
        .map_or("/".to_owned(), |p| p.as_str().to_owned());
    let device = cookie(headers, DEVICE_COOKIE).map(str::to_owned);
    let back = if req.method() == axum::http::Method::GET {
        path.clone()
    } else {
        referer_path(headers)
    };
    let navigation = match &session {
        Some(s) => match state.app.navigation(s).await {
            Ok(n) => n,
            Err(e) => {
                tracing::error!(error = %e, "navigation lookup failed");
                return error_page(locale, &client.request_id, ErrorKind::Internal);
            }
        },
        None => Navigation::default(),
    };
    req.extensions_mut().insert(Ctx {
        locale,
        client,
        session,
        partial,
        session_ended,
        csrf_basis,
        csrf_token,
        path,
        device,
        back,
        navigation: Arc::new(navigation),
    });

    let mut response = next.run(req).await;
    let sets_session = response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .any(|v| v.as_bytes().starts_with(SESSION_COOKIE.as_bytes()));
    if clear_session_cookie && !sets_session {
        response
            .headers_mut()
            .append(header::SET_COOKIE, set_cookie(SESSION_COOKIE, "", Some(0)));
    }
    if let Some(anon) = new_anon {
        response
            .headers_mut()
            .append(header::SET_COOKIE, set_cookie(ANON_COOKIE, &anon, None));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let trusted: Vec<IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        let mut h = HeaderMap::new();
        h.insert(
            "x-forwarded-for",
            "6.6.6.6, 203.0.113.7, 10.0.0.5".parse().unwrap(),
        );
        let proxy: IpAddr = "10.0.0.1".parse().unwrap();
        let stranger: IpAddr = "198.51.100.9".parse().unwrap();
        assert_eq!(
            client_ip(proxy, &h, &trusted),
            "203.0.113.7".parse::<IpAddr>().unwrap()
        );
        assert_eq!(client_ip(stranger, &h, &trusted), stranger);
        assert_eq!(client_ip(proxy, &HeaderMap::new(), &trusted), proxy);
        assert_eq!(client_ip(proxy, &h, &[]), proxy);
    }
}
