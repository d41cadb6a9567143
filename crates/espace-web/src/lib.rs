//! The HTTP layer of Espace. It only translates: parse the request, call
//! one use case, render the answer. Pages are server-rendered and work
//! without JavaScript; JavaScript only enhances.

mod assets;
mod cookies;
mod ctx;
mod error;
mod extract;
mod form;
pub mod i18n;
mod middleware;
mod pages;
pub mod paths;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::{from_fn, from_fn_with_state, map_request};
use axum::routing::get;
use espace_app::App;
use ipnet::IpNet;
use serde::{Deserialize, Serialize};
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

pub use ctx::Ctx;
pub use middleware::context::client_ip;
pub use paths::safe_return_to;

/// Configuration of the HTTP layer.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WebConfig {
    /// Proxies whose `X-Forwarded-For` is believed (CIDR list). Empty: the
    /// peer address is always the client address.
    pub trusted_proxies: Vec<IpNet>,
    /// The origin browsers see (`https://espace.example`). When unset, the
    /// `Origin` of a form must match the request's `Host`.
    pub public_origin: Option<String>,
    /// Time zone in which times are shown (lock end, session expiry).
    pub display_timezone: String,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
}

impl Default for WebConfig {
    fn default() -> Self {
        Self {
            trusted_proxies: Vec::new(),
            public_origin: None,
            display_timezone: "Europe/Paris".into(),
            max_body_bytes: 64 * 1024,
        }
    }
}

impl WebConfig {
    pub fn validate(&self) -> Result<(), String> {
        jiff::tz::TimeZone::get(&self.display_timezone).map_err(|_| {
            format!(
                "web.display_timezone: unknown time zone {:?}",
                self.display_timezone
            )
        })?;
        if let Some(origin) = &self.public_origin
            && (!(origin.starts_with("https://") || origin.starts_with("http://"))
                || origin.ends_with('/'))
        {
            return Err(
                "web.public_origin must look like https://espace.example (no trailing slash)"
                    .into(),
            );
        }
        if self.max_body_bytes < 1024 {
            return Err("web.max_body_bytes must be at least 1024".into());
        }
        Ok(())
    }
}

#[derive(Clone)]
pub struct AppState {
    pub app: App,
    pub config: Arc<WebConfig>,
    pub tz: jiff::tz::TimeZone,
    /// `serve --demo`: the demo outbox page exists.
    pub demo: bool,
    /// The Content-Security-Policy of every page.
    pub csp: HeaderValue,
}

impl AppState {
    pub fn new(app: App, config: WebConfig) -> Result<Self, String> {
        config.validate()?;
        let tz = jiff::tz::TimeZone::get(&config.display_timezone).map_err(|e| e.to_string())?;
        let app_fc_origin = app.franceconnect_origin();
        Ok(Self {
            app,
            config: Arc::new(config),
            tz,
            demo: false,
            csp: middleware::security::content_security_policy(app_fc_origin.as_deref())?,
        })
    }

    /// Demo mode: adds `/dev/outbox`.
    pub fn with_demo(mut self, demo: bool) -> Self {
        self.demo = demo;
        self
    }
}

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The whole application as an axum router. Serve it with
/// `into_make_service_with_connect_info::<SocketAddr>()` so that client
/// addresses are known.
pub fn router(state: AppState) -> Router {
    let mut pages = Router::new()
        .merge(pages::home::routes())
        .merge(pages::login::routes())
        .merge(pages::franceconnect::routes())
        .merge(pages::second_factor::routes())
        .merge(pages::companion::routes())
        .merge(pages::two_factor::routes())
        .merge(pages::two_factor_rules::routes())
        .merge(pages::account::routes())
        .merge(pages::sessions::routes())
        .merge(pages::activity::routes())
        .merge(pages::password::routes())
        .merge(pages::contact::routes())
        .merge(pages::links::routes())
        .merge(pages::recovery::routes())
        .merge(pages::security::routes())
        .merge(pages::company::routes())
        .merge(pages::unlock::routes())
        .merge(pages::assisted::routes())
        .merge(pages::users::routes())
        .merge(pages::misc::routes());
    if state.demo {
        // The demo outbox: what would have been sent, for people trying it.
        pages = pages.merge(pages::outbox::routes());
    }
    let pages = pages
        .fallback(error::not_found)
        .method_not_allowed_fallback(error::method_not_allowed)
        .layer(
            ServiceBuilder::new()
                .layer(from_fn_with_state(
                    state.clone(),
                    middleware::context::resolve,
                ))
                .layer(from_fn_with_state(
                    state.clone(),
                    middleware::security::csrf,
                ))
                .layer(from_fn(error::render_errors)),
        );

    Router::new()
        .route("/healthz", get(pages::misc::healthz))
        .route("/readyz", get(pages::misc::readyz))
        .route("/static/{file}", get(assets::serve))
        .merge(pages)
        .layer(
            ServiceBuilder::new()
                .layer(CatchPanicLayer::custom(error::panic_response))
                // The operation reference is ours: a client-sent id is dropped.
                .layer(map_request(|mut req: Request| async move {
                    req.headers_mut().remove(REQUEST_ID);
                    req
                }))
                .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
                .layer(PropagateRequestIdLayer::new(REQUEST_ID))
                .layer(
                    TraceLayer::new_for_http().make_span_with(|req: &Request| {
                        // Path only: query strings may carry one-time codes.
                        let id = req.headers().get(REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("");
                        tracing::info_span!("request", method = %req.method(), path = %paths::loggable(req.uri().path()), request_id = %id)
                    }),
                )
                .layer(from_fn_with_state(state.clone(), middleware::security::headers))
                .layer(from_fn(middleware::security::metrics)),
        )
        .with_state(state)
}

/// Serves the router until `shutdown` resolves.
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}

/// How long the periodic clean-up waits between runs.
pub const HOUSEKEEPING_EVERY: Duration = Duration::from_secs(300);
