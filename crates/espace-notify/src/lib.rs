//! Delivery adapters of Espace (SPEC §9): SMTP through lettre, SMS through
//! an HTTP gateway, and the e-mail and SMS texts in both languages. The
//! outbox and its worker are in `espace-app`; this crate only speaks to
//! the outside world.

mod compose;
mod sms;
mod smtp;
pub mod webpush;

use std::path::PathBuf;
use std::sync::Arc;

use espace_app::ports::Outlets;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

pub use compose::{Branding, FluentComposer};
pub use sms::HttpSmsGateway;
pub use smtp::SmtpMailer;

/// `notify.*` in the configuration.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NotifyConfig {
    /// The provider's name in messages.
    pub brand_name: String,
    /// Accent colour of the HTML e-mails.
    pub brand_colour: String,
    /// `From:` of every e-mail.
    pub from: String,
    /// The help link in every message's footer.
    pub help_url: String,
    /// Unset: e-mails wait in the outbox (the demo shows them at
    /// `/dev/outbox`).
    pub smtp: Option<SmtpConfig>,
    /// Unset: SMS wait in the outbox.
    pub sms: Option<SmsGatewayConfig>,
    /// Web Push to companion devices.
    pub push: PushConfig,
}

/// `notify.push`: Web Push to companion devices (SPEC §4.6).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PushConfig {
    /// Whether to push at all; off, devices learn of requests by polling.
    pub enabled: bool,
    /// How push services may reach the operator (`mailto:` or `https:`),
    /// sent in the VAPID claims.
    pub subject: String,
    /// A file holding the VAPID private key (the 32-byte P-256 scalar in
    /// base64url). Unset: generated at first start and kept in the
    /// database, shared by every instance.
    pub vapid_key_file: Option<PathBuf>,
    /// Hosts push endpoints may be on: a name, or a suffix starting with a
    /// dot. Espace posts to no other host (a subscription names its own
    /// endpoint: anything else would let a device make Espace call into
    /// the operator's network).
    pub endpoint_hosts: Vec<String>,
    /// Accept `http://` endpoints (tests only).
    pub allow_http: bool,
    pub timeout_secs: u64,
}

impl Default for PushConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            subject: "mailto:security@espace.example".into(),
            vapid_key_file: None,
            endpoint_hosts: vec![
                "fcm.googleapis.com".into(),
                "updates.push.services.mozilla.com".into(),
                ".push.apple.com".into(),
                ".notify.windows.com".into(),
            ],
            allow_http: false,
            timeout_secs: 10,
        }
    }
}

impl PushConfig {
    /// The configured VAPID key, if a file is set.
    pub fn configured_key(&self) -> Result<Option<Vec<u8>>, String> {
        use base64::Engine;
        let Some(path) = &self.vapid_key_file else {
            return Ok(None);
        };
        let text = read_secret(path, "notify.push.vapid_key_file")?;
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(secrecy::ExposeSecret::expose_secret(&text).trim_end_matches('='))
            .map(Some)
            .map_err(|_| "notify.push.vapid_key_file: not base64url".into())
    }
}

impl Default for NotifyConfig {
    fn default() -> Self {
        Self {
            brand_name: "Espace".into(),
            brand_colour: "#1d4ed8".into(),
            from: "Espace <no-reply@espace.example>".into(),
            help_url: "https://espace.example/help".into(),
            smtp: None,
            sms: None,
            push: PushConfig::default(),
        }
    }
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum SmtpSecurity {
    /// No TLS: only for a relay on the same host or network.
    None,
    /// STARTTLS on the submission port (587), required.
    #[default]
    Starttls,
    /// Implicit TLS (port 465).
    Tls,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpConfig {
    pub host: String,
    #[serde(default = "default_smtp_port")]
    pub port: u16,
    #[serde(default)]
    pub security: SmtpSecurity,
    #[serde(default)]
    pub username: Option<String>,
    /// A file holding the password (secrets stay out of the config file).
    #[serde(default)]
    pub password_file: Option<PathBuf>,
    #[serde(default = "default_timeout")]
    pub timeout_secs: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmsGatewayConfig {
    /// The webhook, `https://…`.
    pub url: String,
    /// A file holding the bearer token, if the gateway wants one.
    #[serde(default)]
    pub token_file: Option<PathBuf>,
    #[serde(default = "default_timeout")]
    pub timeout_secs: u64,
}

fn default_smtp_port() -> u16 {
    587
}

fn default_timeout() -> u64 {
    15
}

fn read_secret(path: &PathBuf, key: &str) -> Result<SecretString, String> {
    std::fs::read_to_string(path)
        .map(|s| SecretString::from(s.trim().to_owned()))
        .map_err(|e| format!("{key}: cannot read {}: {e}", path.display()))
}

impl SmtpConfig {
    fn password(&self) -> Result<SecretString, String> {
        match &self.password_file {
            Some(p) => read_secret(p, "notify.smtp.password_file"),
            None => Err("notify.smtp.username is set but notify.smtp.password_file is not".into()),
        }
    }
}

impl SmsGatewayConfig {
    fn token(&self) -> Result<Option<SecretString>, String> {
        self.token_file
            .as_ref()
            .map(|p| read_secret(p, "notify.sms.token_file"))
            .transpose()
    }
}

impl NotifyConfig {
    pub fn validate(&self) -> Result<(), String> {
        self.from
            .parse::<lettre::message::Mailbox>()
            .map_err(|e| format!("notify.from: {e}"))?;
        if let Some(sms) = &self.sms
            && !(sms.url.starts_with("https://") || sms.url.starts_with("http://"))
        {
            return Err("notify.sms.url must be an http(s) URL".into());
        }
        if self.push.enabled
            && !(self.push.subject.starts_with("mailto:")
                || self.push.subject.starts_with("https://"))
        {
            return Err("notify.push.subject must be a mailto: or https: URL".into());
        }
        Ok(())
    }

    /// The composer and the configured transports. `vapid` is the VAPID
    /// private key (see [`PushConfig::vapid_key_file`]).
    pub fn outlets(&self, tz: jiff::tz::TimeZone, vapid: &[u8]) -> Result<Outlets, String> {
        self.validate()?;
        let composer = FluentComposer::new(
            Branding {
                name: self.brand_name.clone(),
                colour: self.brand_colour.clone(),
                help_url: self.help_url.clone(),
            },
            tz,
        );
        Ok(Outlets {
            composer: Arc::new(composer),
            mailer: match &self.smtp {
                Some(c) => Some(Arc::new(SmtpMailer::new(c, &self.from)?)),
                None => None,
            },
            sms: match &self.sms {
                Some(c) => Some(Arc::new(HttpSmsGateway::new(c)?)),
                None => None,
            },
            push: if self.push.enabled {
                let key = webpush::VapidKey::from_bytes(vapid)
                    .map_err(|e| format!("notify.push: VAPID key: {e}"))?;
                Some(Arc::new(webpush::WebPushSender::new(&self.push, key)?))
            } else {
                None
            },
        })
    }
}
