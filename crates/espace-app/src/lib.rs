//! Espace use cases and the ports they need.
//!
//! A use case never sees HTTP: the web layer parses a request, calls one
//! function here and renders what comes back. Authorisation is decided
//! here, never only in a route or a template.

pub mod account;
pub mod activity;
pub mod assisted;
pub mod audit;
pub mod auth;
pub mod companion;
pub mod company;
pub mod config;
pub mod crypto;
pub mod demo;
pub mod error;
pub mod factor_reset;
pub mod franceconnect;
pub mod limits;
mod links;
pub mod navigation;
pub mod notify;
pub mod overview;
pub mod passkeys;
pub mod ports;
pub mod recovery;
pub mod rights;
pub mod second_factor;
pub mod security;
pub mod session;
pub mod strong;
pub mod unlock;
pub mod users;

use std::sync::Arc;

pub use config::AppConfig;
pub use error::AppError;

use crate::crypto::{PasswordHasherPool, SecretSealer, ServerKeys};
use crate::ports::{Clock, IdentityProvider, LinkTo, Outlets, Paths, Store};

/// Everything the use cases need, built once at start and shared.
#[derive(Clone)]
pub struct App {
    inner: Arc<Inner>,
}

struct Inner {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    hasher: PasswordHasherPool,
    keys: ServerKeys,
    sealer: SecretSealer,
    config: AppConfig,
    outlets: Outlets,
    /// The WebAuthn relying party, when the public address allows one.
    passkeys: Option<webauthn_rs::Webauthn>,
    /// FranceConnect+, when configured.
    identity: Option<Arc<dyn IdentityProvider>>,
    /// The paths of the pages that messages link to (the web layer's).
    paths: Arc<dyn Paths>,
}

impl App {
    /// Builds the application: loads (or creates, on first start) the
    /// server keys kept in the database and prepares the hashing pool.
    pub async fn build(
        config: AppConfig,
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        outlets: Outlets,
        identity: Option<Arc<dyn IdentityProvider>>,
        paths: Arc<dyn Paths>,
    ) -> Result<Self, AppError> {
        config.validate().map_err(AppError::Config)?;
        let sealer = SecretSealer::new(config.secrets_key.as_ref().map(|k| k.0.as_str()))
            .map_err(AppError::Config)?;
        let keys = ServerKeys::load_or_create(store.as_ref()).await?;
        let hasher = PasswordHasherPool::new(&config.argon2).await?;
        let passkeys = match passkeys::relying_party(&config.public_url, "Espace") {
            Ok(rp) => Some(rp),
            Err(why) => {
                tracing::warn!(%why, "passkeys are unavailable");
                None
            }
        };
        Ok(Self {
            inner: Arc::new(Inner {
                store,
                clock,
                hasher,
                keys,
                sealer,
                config,
                outlets,
                passkeys,
                identity,
                paths,
            }),
        })
    }

    pub fn config(&self) -> &AppConfig {
        &self.inner.config
    }

    pub fn clock(&self) -> &dyn Clock {
        self.inner.clock.as_ref()
    }

    pub fn hasher(&self) -> &PasswordHasherPool {
        &self.inner.hasher
    }

    pub fn keys(&self) -> &ServerKeys {
        &self.inner.keys
    }

    pub(crate) fn sealer(&self) -> &SecretSealer {
        &self.inner.sealer
    }

    /// Whether passkeys can be used (the public address has a domain name).
    pub fn passkeys_available(&self) -> bool {
        self.inner.passkeys.is_some()
    }

    pub(crate) fn passkeys(&self) -> Option<&webauthn_rs::Webauthn> {
        self.inner.passkeys.as_ref()
    }

    pub(crate) fn identity(&self) -> Option<&dyn IdentityProvider> {
        self.inner.identity.as_deref()
    }

    pub(crate) fn outlets(&self) -> &Outlets {
        &self.inner.outlets
    }

    /// The address of a page linked from a message: the public origin and
    /// the web layer's path.
    pub(crate) fn link_to(&self, to: LinkTo<'_>) -> String {
        format!("{}{}", self.config().public_url, self.inner.paths.path(to))
    }

    pub(crate) fn store(&self) -> &dyn Store {
        self.inner.store.as_ref()
    }

    /// Readiness: the database answers.
    pub async fn ready(&self) -> Result<(), AppError> {
        self.store().ping().await.map_err(AppError::from)
    }
}
