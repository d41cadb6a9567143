//! Wiring of the `espace` binary: configuration in, a running server out.
//! Also used by the test harness so that tests boot exactly what ships.

pub mod config;

use std::sync::Arc;

use espace_app::ports::{Clock, Store, SystemClock};
use espace_app::{App, AppError};
use espace_db::Database;

pub use config::Settings;

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Config(#[from] config::ConfigError),
    #[error("{0}")]
    Database(String),
    #[error("{0}")]
    App(#[from] AppError),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// Opens the database (creating the data dir for SQLite), migrates it, and
/// builds the application.
/// The demo's sealing key (32 bytes of 0x01..0x20): public, so only for
/// `--demo`.
const DEMO_SECRETS_KEY: &str = "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=";

pub async fn open(
    settings: &Settings,
    demo: bool,
    clock: Arc<dyn Clock>,
) -> Result<(App, Database), StartError> {
    let url = settings.database_url(demo);
    if url.starts_with("sqlite:") {
        std::fs::create_dir_all(&settings.data_dir)?;
    }
    let db = Database::connect(&url, settings.database_max_connections)
        .await
        .map_err(|e| StartError::Database(e.to_string()))?;
    db.migrate()
        .await
        .map_err(|e| StartError::Database(e.to_string()))?;
    let tz = jiff::tz::TimeZone::get(&settings.web.display_timezone)
        .map_err(|e| AppError::Config(format!("web.display_timezone: {e}")))?;
    let vapid = vapid_key(settings, db.store().as_ref()).await?;
    let outlets = settings
        .notify
        .outlets(tz, &vapid)
        .map_err(AppError::Config)?;
    let mut config = settings.app.clone();
    config.public_url = settings.public_url();
    if demo && settings.notify.smtp.is_none() && settings.notify.sms.is_none() {
        // Nothing leaves the demo: its outbox page shows every message whole.
        config.outbox.keep_sent_bodies = true;
    }
    if demo && config.strong.staff_required && config.strong.staff_deadline.is_none() {
        // The demo's staff logins have no method yet: they are invited to
        // set one up at sign-in and may go on, for some weeks (issue 15).
        config.strong.staff_deadline =
            Some(clock.now() + jiff::SignedDuration::from_hours(24 * 42));
    }
    if demo && config.secrets_key.is_none() {
        // A fixed, public key: the demo's authenticator seeds protect
        // nothing. A real deployment sets its own (CONFIGURATION.md).
        tracing::warn!("app.secrets_key is not set: the demo uses a public key");
        config.secrets_key = Some(espace_app::config::KeyMaterial(DEMO_SECRETS_KEY.into()));
    }
    let identity: Option<Arc<dyn espace_app::ports::IdentityProvider>> =
        if config.franceconnect.enabled {
            Some(Arc::new(
                espace_oidc::OidcClient::new(&config.franceconnect).map_err(AppError::Config)?,
            ))
        } else {
            None
        };
    let paths = Arc::new(espace_web::paths::WebPaths);
    let app = App::build(config, db.store(), clock, outlets, identity, paths).await?;
    // FranceConnect+'s encryption keys: made at first start, rotated here
    // and by the housekeeping.
    app.rotate_encryption_keys().await?;
    Ok((app, db))
}

/// The VAPID key of Web Push: the configured one, else the one kept in the
/// database, made at first start (every instance then shares it, and the
/// devices' subscriptions outlive restarts).
async fn vapid_key(settings: &Settings, store: &dyn Store) -> Result<Vec<u8>, AppError> {
    if let Some(key) = settings
        .notify
        .push
        .configured_key()
        .map_err(AppError::Config)?
    {
        return Ok(key);
    }
    let fresh = espace_notify::webpush::VapidKey::generate()
        .map_err(|e| AppError::Unexpected(e.to_string()))?;
    let mut tx = store.begin().await?;
    tx.insert_secret_if_absent("vapid-v1", &fresh.to_bytes())
        .await?;
    let key = tx
        .secret("vapid-v1")
        .await?
        .ok_or_else(|| AppError::Unexpected("VAPID key missing".into()))?;
    tx.commit().await?;
    Ok(key)
}

pub fn system_clock() -> Arc<dyn Clock> {
    Arc::new(SystemClock)
}
