//! Delivery ports (SPEC §9): the outbox worker hands finished messages to
//! a [`Mailer`] or an [`SmsSender`]; a [`Composer`] turns a [`Notice`]
//! into the words of one language. Adapters live in `espace-notify`.

use std::sync::Arc;

use async_trait::async_trait;
use espace_domain::locale::Locale;
use uuid::Uuid;

use crate::notify::Notice;

/// An e-mail ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// The outbox id: the same on every retry, so a receiver can drop a
    /// duplicate (it becomes the `Message-ID`).
    pub idempotency_key: Uuid,
}

/// An SMS ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sms {
    pub to: String,
    pub text: String,
    /// Sent as the `Idempotency-Key` header of the gateway call.
    pub idempotency_key: Uuid,
}

/// Why a delivery did not happen.
#[derive(Debug, Clone, thiserror::Error)]
pub enum DeliveryError {
    /// Worth retrying later (server down, timeout, 4xx greylisting, 5xx).
    #[error("temporary failure: {0}")]
    Transient(String),
    /// Retrying cannot help (address refused, request rejected).
    #[error("permanent failure: {0}")]
    Permanent(String),
}

#[async_trait]
pub trait Mailer: Send + Sync {
    async fn send(&self, email: &Email) -> Result<(), DeliveryError>;
}

#[async_trait]
pub trait SmsSender: Send + Sync {
    async fn send(&self, sms: &Sms) -> Result<(), DeliveryError>;
}

/// A browser's push subscription (the Push API's `PushSubscription`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PushSubscription {
    pub endpoint: String,
    /// `keys.p256dh`, base64url.
    pub p256dh: String,
    /// `keys.auth`, base64url.
    pub auth: String,
}

/// Web Push (RFC 8030) with encrypted messages (RFC 8291) and VAPID
/// (RFC 8292): the companion app's wake-up call.
#[async_trait]
pub trait PushSender: Send + Sync {
    /// The application server key, for the browser's `applicationServerKey`.
    fn public_key(&self) -> String;
    /// Whether Espace may send to this endpoint: push services only, never
    /// an address inside the operator's network.
    fn accepts(&self, sub: &PushSubscription) -> bool;
    /// Sends `payload`, encrypted for the subscription, kept by the push
    /// service for `ttl_secs` at most.
    async fn push(
        &self,
        sub: &PushSubscription,
        payload: &[u8],
        ttl_secs: u32,
    ) -> Result<(), DeliveryError>;
}

/// The words of a message in one language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Composed {
    pub subject: String,
    pub text: String,
    /// `None` for SMS.
    pub html: Option<String>,
}

pub trait Composer: Send + Sync {
    fn email(&self, notice: &Notice, locale: Locale) -> Result<Composed, String>;
    fn sms(&self, notice: &Notice, locale: Locale) -> Result<String, String>;
}

/// What the application delivers through. A channel without a transport
/// keeps its messages queued (never dropped) until one is configured.
#[derive(Clone)]
pub struct Outlets {
    pub composer: Arc<dyn Composer>,
    pub mailer: Option<Arc<dyn Mailer>>,
    pub sms: Option<Arc<dyn SmsSender>>,
    /// Unset: companion devices learn of requests by polling only.
    pub push: Option<Arc<dyn PushSender>>,
}
