//! The HTTP layer of Espace. It only translates: parse the request, call
//! one use case, render the answer. Pages are server-rendered and work
//! without JavaScript; JavaScript only enhances.

mod assets;
mod context;
mod error;
mod extract;
mod form;
pub mod i18n;
mod pages;
mod security;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue};
use axum::middleware;
use axum::routing::{get, post};
use espace_app::App;
use ipnet::IpNet;
use serde::{Deserialize, Serialize};
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

pub use context::{Ctx, client_ip};
pub use security::safe_return_to;

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
            csp: security::content_security_policy(app_fc_origin.as_deref())?,
        })
    }

    /// Demo mode: adds `/dev/outbox`.
    pub fn with_demo(mut self, demo: bool) -> Self {
        self.demo = demo;
        self
    }
}

/// A path as logged: the secret part of single-use links is left out.
fn loggable_path(path: &str) -> &str {
    for prefix in [
        "/account/undo/",
        "/account/not-me/",
        "/invitation/",
        "/reset-password/",
        "/factor-reset/",
        "/recover-account/case/",
        "/companion/link/",
    ] {
        if path.starts_with(prefix) {
            return prefix;
        }
    }
    path
}

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The whole application as an axum router. Serve it with
/// `into_make_service_with_connect_info::<SocketAddr>()` so that client
/// addresses are known.
pub fn router(state: AppState) -> Router {
    let mut pages = Router::new()
        .route("/", get(pages::home::dashboard))
        .route("/login", get(pages::login::show).post(pages::login::submit))
        .route("/logout", post(pages::login::logout))
        .route("/login/franceconnect", post(pages::franceconnect::sign_in))
        .route(
            "/login/franceconnect/callback",
            get(pages::franceconnect::callback),
        )
        .route(
            "/login/franceconnect/logged-out",
            get(pages::franceconnect::logged_out),
        )
        .route(
            "/login/second-factor/franceconnect",
            post(pages::franceconnect::second_factor),
        )
        .route(
            "/account/confirm/franceconnect",
            post(pages::franceconnect::step_up),
        )
        .route(
            "/account/security/franceconnect",
            post(pages::franceconnect::link),
        )
        .route(
            "/recover-account/case/{reference}/franceconnect",
            post(pages::franceconnect::recovery),
        )
        .route(
            "/reset-password/{token}/factor/franceconnect",
            post(pages::franceconnect::reset),
        )
        .route("/.well-known/jwks.json", get(pages::franceconnect::jwks))
        .route(
            "/login/second-factor",
            get(pages::second_factor::sign_in_show).post(pages::second_factor::sign_in_submit),
        )
        .route(
            "/login/second-factor/send",
            post(pages::second_factor::sign_in_send),
        )
        .route(
            "/login/second-factor/passkey",
            post(pages::second_factor::sign_in_passkey_options),
        )
        .route(
            "/login/second-factor/push",
            post(pages::second_factor::sign_in_push),
        )
        .route(
            "/login/second-factor/push/{id}",
            get(pages::second_factor::sign_in_push_wait),
        )
        .route(
            "/login/second-factor/push/{id}/events",
            get(pages::second_factor::sign_in_push_events),
        )
        .route(
            "/account/confirm/push",
            post(pages::second_factor::step_up_push),
        )
        .route(
            "/account/confirm/push/{id}",
            get(pages::second_factor::step_up_push_wait),
        )
        .route(
            "/account/confirm/push/{id}/events",
            get(pages::second_factor::step_up_push_events),
        )
        .route(
            "/reset-password/{token}/factor/push",
            post(pages::second_factor::reset_push),
        )
        .route(
            "/reset-password/{token}/factor/push/{id}",
            get(pages::second_factor::reset_push_wait),
        )
        .route(
            "/reset-password/{token}/factor/push/{id}/events",
            get(pages::second_factor::reset_push_events),
        )
        .route("/companion", get(pages::companion::home))
        .route("/companion/requests", get(pages::companion::waiting))
        .route("/companion/requests/{id}", post(pages::companion::answer))
        .route(
            "/companion/requests/{id}/options",
            post(pages::companion::approve_options),
        )
        .route(
            "/companion/link/{id}/{mac}",
            get(pages::companion::phone_link_show).post(pages::companion::phone_link_finish),
        )
        .route(
            "/companion/link/{id}/{mac}/options",
            post(pages::companion::phone_link_options),
        )
        .route("/companion/offline", get(pages::companion::offline))
        .route(
            "/companion/manifest.webmanifest",
            get(pages::companion::manifest),
        )
        .route("/companion/sw.js", get(pages::companion::service_worker))
        .route(
            "/account/security/companion",
            post(pages::companion::start_link),
        )
        .route(
            "/account/security/companion/{id}",
            get(pages::companion::link_show),
        )
        .route(
            "/login/passkey/options",
            post(pages::second_factor::passwordless_options),
        )
        .route("/login/passkey", post(pages::second_factor::passwordless))
        .route(
            "/account/confirm",
            get(pages::second_factor::step_up_show).post(pages::second_factor::step_up_submit),
        )
        .route("/account/confirm/resume", get(pages::second_factor::resume))
        .route(
            "/account/confirm/send",
            post(pages::second_factor::step_up_send),
        )
        .route(
            "/account/confirm/passkey",
            post(pages::second_factor::step_up_passkey_options),
        )
        .route("/account/two-factor", get(pages::two_factor::mine))
        .route("/company/two-factor", get(pages::two_factor::company))
        .route(
            "/company/two-factor/rules",
            post(pages::two_factor::add_rule),
        )
        .route(
            "/company/two-factor/rules/{id}/remove",
            get(pages::two_factor_rules::rule_remove_form).post(pages::two_factor::remove_rule),
        )
        .route(
            "/company/two-factor/logins/{id}/require",
            get(pages::two_factor_rules::require_form),
        )
        .route("/account", get(pages::account::hub))
        .route("/account/language", post(pages::account::set_language))
        .route("/account/rights", get(pages::account::rights))
        .route("/account/sessions", get(pages::sessions::list))
        .route("/account/sessions/revoke", post(pages::sessions::revoke))
        .route(
            "/account/sessions/revoke-others",
            post(pages::sessions::revoke_others),
        )
        .route("/account/activity", get(pages::activity::activity))
        .route(
            "/account/password",
            get(pages::password::show).post(pages::password::submit),
        )
        .route("/account/password/check", post(pages::password::check))
        .route("/account/password/changed", get(pages::password::changed))
        .route("/account/contact", get(pages::contact::show))
        .route("/account/contact/title", post(pages::contact::title))
        .route("/account/contact/{what}", post(pages::contact::change))
        .route(
            "/account/contact/{what}/confirm",
            post(pages::contact::confirm),
        )
        .route(
            "/account/undo/{token}",
            get(pages::links::undo_show).post(pages::links::undo_confirm),
        )
        .route(
            "/account/not-me/{token}",
            get(pages::links::not_me_show).post(pages::links::not_me_confirm),
        )
        .route(
            "/invitation/{token}",
            get(pages::links::invitation_show).post(pages::links::invitation_accept),
        )
        .route(
            "/forgot-password",
            get(pages::recovery::forgot_password).post(pages::recovery::forgot_password_submit),
        )
        .route(
            "/forgot-login",
            get(pages::recovery::forgot_login).post(pages::recovery::forgot_login_submit),
        )
        .route(
            "/reset-password/{token}",
            get(pages::recovery::reset_show).post(pages::recovery::reset_submit),
        )
        .route(
            "/reset-password/{token}/factor",
            post(pages::second_factor::reset_submit),
        )
        .route(
            "/reset-password/{token}/factor/send",
            post(pages::second_factor::reset_send),
        )
        .route(
            "/reset-password/{token}/factor/passkey",
            post(pages::second_factor::reset_passkey_options),
        )
        .route(
            "/factor-reset/{token}",
            get(pages::links::factor_reset_show).post(pages::links::factor_reset_cancel),
        )
        .route(
            "/account/two-factor/reset/cancel",
            post(pages::two_factor::cancel_mine),
        )
        .route(
            "/company/two-factor/wait",
            post(pages::two_factor::set_wait),
        )
        .route(
            "/company/two-factor/logins/{id}/reset",
            get(pages::two_factor::reset_form).post(pages::two_factor::reset_request),
        )
        .route(
            "/company/two-factor/logins/{id}/reset/withdraw",
            post(pages::two_factor::reset_withdraw),
        )
        .route("/account/security", get(pages::security::show))
        .route("/account/security/totp", post(pages::security::start_totp))
        .route(
            "/account/security/totp/{id}",
            get(pages::security::totp).post(pages::security::totp_confirm),
        )
        .route(
            "/account/security/methods/{id}/{action}",
            get(pages::security::confirm_change).post(pages::security::change),
        )
        .route(
            "/account/security/request",
            post(pages::two_factor::request),
        )
        .route(
            "/account/security/code-method/{kind}",
            post(pages::security::start_code),
        )
        .route(
            "/account/security/code/{id}",
            get(pages::security::code).post(pages::security::code_confirm),
        )
        .route(
            "/account/security/passkeys/options",
            post(pages::security::passkey_options),
        )
        .route(
            "/account/security/passkeys",
            post(pages::security::passkey_add),
        )
        .route(
            "/account/security/recovery-codes",
            post(pages::security::recovery_codes),
        )
        .route("/account/company", get(pages::company::show))
        .route("/account/company/contact", post(pages::company::contact))
        .route("/backoffice", get(pages::home::backoffice))
        .route("/backoffice/messages", get(pages::company::inbox))
        .route(
            "/backoffice/messages/{id}",
            get(pages::company::conversation).post(pages::company::reply),
        )
        .route("/logins/{id}/lock", get(pages::unlock::show))
        .route("/logins/{id}/unlock", post(pages::unlock::unlock))
        .route("/backoffice/logins", get(pages::unlock::search))
        .route("/backoffice/events", get(pages::activity::find_event))
        .route(
            "/recover-account",
            get(pages::assisted::request).post(pages::assisted::request_submit),
        )
        .route(
            "/recover-account/follow",
            get(pages::assisted::follow).post(pages::assisted::follow_submit),
        )
        .route(
            "/recover-account/case/{reference}",
            get(pages::assisted::case),
        )
        .route(
            "/recover-account/case/{reference}/code",
            post(pages::assisted::case_code),
        )
        .route("/backoffice/recovery", get(pages::assisted::cases))
        .route("/backoffice/recovery/{id}", get(pages::assisted::case_show))
        .route(
            "/backoffice/recovery/{id}/{action}",
            post(pages::assisted::case_action),
        )
        .route("/users", get(pages::users::list))
        .route(
            "/users/invite",
            get(pages::users::invite_show).post(pages::users::invite_person),
        )
        .route("/users/invite/confirm", post(pages::users::invite_confirm))
        .route("/users/{id}", get(pages::users::show))
        .route("/users/{id}/rights", post(pages::users::rights))
        .route("/users/{id}/referent", post(pages::users::referent))
        .route(
            "/users/{id}/remove",
            get(pages::users::remove_form).post(pages::users::remove),
        )
        .route("/accessibility", get(pages::misc::accessibility))
        .route("/whats-new", get(pages::misc::whats_new))
        .route("/language", post(pages::misc::language))
        .route("/session/extend", post(pages::misc::extend_session));
    if state.demo {
        pages = pages
            .route("/dev/outbox", get(pages::outbox::list))
            .route("/dev/outbox/{id}", get(pages::outbox::html));
    }
    let pages = pages
        .fallback(error::not_found)
        .method_not_allowed_fallback(error::method_not_allowed)
        .layer(
            ServiceBuilder::new()
                .layer(middleware::from_fn_with_state(
                    state.clone(),
                    context::resolve,
                ))
                .layer(middleware::from_fn_with_state(
                    state.clone(),
                    security::csrf,
                ))
                .layer(middleware::from_fn(error::render_errors)),
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
                .layer(middleware::map_request(|mut req: Request| async move {
                    req.headers_mut().remove(REQUEST_ID);
                    req
                }))
                .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
                .layer(PropagateRequestIdLayer::new(REQUEST_ID))
                .layer(
                    TraceLayer::new_for_http().make_span_with(|req: &Request| {
                        // Path only: query strings may carry one-time codes.
                        let id = req.headers().get(REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("");
                        tracing::info_span!("request", method = %req.method(), path = %loggable_path(req.uri().path()), request_id = %id)
                    }),
                )
                .layer(middleware::from_fn_with_state(state.clone(), security::headers))
                .layer(middleware::from_fn(security::metrics)),
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
