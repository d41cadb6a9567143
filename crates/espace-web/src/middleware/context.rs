//! The middleware that resolves the request context ([`Ctx`]) once: the
//! client address, the language, the session, and the basis of the CSRF
//! token.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, header};
use axum::middleware::Next;
use axum::response::Response;
use espace_app::audit::ClientInfo;
use espace_app::crypto::random_token;
use espace_app::navigation::Navigation;
use espace_app::session::{CurrentSession, Resolved};
use espace_domain::locale::Locale;
use espace_domain::strong::Stage;
use ipnet::IpNet;

use crate::AppState;
use crate::cookies::{ANON_COOKIE, DEVICE_COOKIE, LANG_COOKIE, SESSION_COOKIE, cookie, set_cookie};
use crate::ctx::Ctx;
use crate::error::{ErrorKind, error_page};

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
    crate::paths::safe_return_to(rest)
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
