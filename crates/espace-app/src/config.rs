//! Configuration of the use cases. Passed in at start, never global.

use espace_domain::lockout::LockoutPolicy;
use espace_domain::password::{PasswordPolicy, PasswordRules};
use espace_domain::profile::SecurityProfile;
use espace_domain::session::{SessionOverrides, SessionPolicy};
use espace_domain::throttle::IpThrottlePolicy;
use jiff::SignedDuration;
use serde::{Deserialize, Serialize};

use crate::limits::LimitsConfig;
use crate::notify::OutboxConfig;
use crate::recovery::RecoveryConfig;
use espace_domain::onetime::CodePolicy;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AppConfig {
    /// `guide` (default) or `nist-aal2` (SPEC §3.1).
    pub security_profile: SecurityProfile,
    pub password: PasswordRules,
    pub lockout: LockoutPolicy,
    pub ip_throttle: IpThrottlePolicy,
    /// Session lifetimes; each unset one follows the security profile.
    pub session: SessionOverrides,
    pub argon2: Argon2Config,
    /// The address people reach Espace at, for links in e-mails
    /// (`https://espace.example`, no trailing slash). Not configured here:
    /// the binary sets it from `web.public_origin` (or the listen address).
    #[serde(skip)]
    pub public_url: String,
    /// One-time codes (SPEC §4.1).
    pub codes: CodePolicy,
    pub outbox: OutboxConfig,
    /// Forgotten password and login (SPEC §5).
    pub recovery: RecoveryConfig,
    /// Sending limits: codes, phone requests, anonymous e-mails, SMS.
    pub limits: LimitsConfig,
    /// The key that seals authenticator seeds in the database: 32 random
    /// bytes in base64 (`openssl rand -base64 32`). Without it,
    /// authenticator apps cannot be added. Never written out.
    #[serde(skip_serializing)]
    pub secrets_key: Option<KeyMaterial>,
    /// Strong authentication (SPEC §4).
    pub strong: StrongAuthConfig,
    /// FranceConnect+ (SPEC §4.7): off unless configured.
    pub franceconnect: FranceConnectConfig,
}

/// The OpenID provider Espace relies on for FranceConnect+ (SPEC §4.7).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FranceConnectConfig {
    pub enabled: bool,
    /// The provider's discovery document
    /// (`…/.well-known/openid-configuration`).
    pub discovery_url: String,
    pub client_id: String,
    /// Never written out.
    #[serde(skip_serializing)]
    pub client_secret: Option<KeyMaterial>,
    /// The level asked for (`acr_values`): `eidas2` or `eidas3`. The
    /// returned `acr` must be at least this.
    pub acr: String,
    /// The identity claims asked for (FranceConnect scopes), besides
    /// `openid`.
    pub scopes: Vec<String>,
    /// How long an encryption key of Espace is the newest before a new
    /// one is made, in days.
    pub key_lifetime_days: u32,
    /// How long a replaced key is still published and accepted, in days.
    pub key_overlap_days: u32,
    /// Plain `http://` provider addresses (tests and the demo's provider on
    /// the loopback only). Never in production.
    pub allow_http: bool,
    /// Timeout of one call to the provider, in seconds.
    pub timeout_secs: u64,
}

impl Default for FranceConnectConfig {
    fn default() -> Self {
        Self {
            enabled: false,
            discovery_url: String::new(),
            client_id: String::new(),
            client_secret: None,
            acr: "eidas2".into(),
            scopes: ["given_name", "family_name", "birthdate", "email"]
                .map(String::from)
                .to_vec(),
            key_lifetime_days: 90,
            key_overlap_days: 7,
            allow_http: false,
            timeout_secs: 10,
        }
    }
}

impl FranceConnectConfig {
    fn validate(&self) -> Result<(), String> {
        if !self.enabled {
            return Ok(());
        }
        let https = self.discovery_url.starts_with("https://");
        let http = self.discovery_url.starts_with("http://") && self.allow_http;
        if !(https || http) {
            return Err(format!(
                "franceconnect.discovery_url must be an https:// address: {:?}",
                self.discovery_url
            ));
        }
        if self.client_id.trim().is_empty() {
            return Err("franceconnect.client_id is required".into());
        }
        if self.client_secret.as_ref().is_none_or(|s| s.0.is_empty()) {
            return Err("franceconnect.client_secret is required".into());
        }
        if !matches!(self.acr.as_str(), "eidas2" | "eidas3") {
            return Err(format!(
                "franceconnect.acr must be eidas2 or eidas3: {:?}",
                self.acr
            ));
        }
        if self.key_lifetime_days == 0 || self.key_overlap_days == 0 {
            return Err(
                "franceconnect.key_lifetime_days and key_overlap_days must be at least 1".into(),
            );
        }
        Ok(())
    }
}

/// Strong authentication settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StrongAuthConfig {
    /// How recent the last authentication must be for a sensitive action
    /// (SPEC §4.5), in seconds.
    #[serde(with = "espace_domain::session::duration_secs")]
    pub step_up_window: SignedDuration,
    /// Strong authentication is enforced on every login holding a provider
    /// staff role (support, web account manager, moderator): they act on
    /// the security of others (issue 15).
    pub staff_required: bool,
    /// Until when a staff login without a method may still go on after the
    /// invitation to set one up; none: it must set one up at once.
    pub staff_deadline: Option<jiff::Timestamp>,
}

impl Default for StrongAuthConfig {
    fn default() -> Self {
        Self {
            step_up_window: SignedDuration::from_mins(5),
            staff_required: true,
            staff_deadline: None,
        }
    }
}

/// Key material from the configuration: never shown in logs.
#[derive(Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct KeyMaterial(pub String);

impl std::fmt::Debug for KeyMaterial {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KeyMaterial(..)")
    }
}

impl Default for AppConfig {
    fn default() -> Self {
        Self {
            security_profile: SecurityProfile::default(),
            password: PasswordRules::default(),
            lockout: LockoutPolicy::default(),
            ip_throttle: IpThrottlePolicy::default(),
            session: SessionOverrides::default(),
            argon2: Argon2Config::default(),
            public_url: "http://127.0.0.1:8080".into(),
            codes: CodePolicy::default(),
            outbox: OutboxConfig::default(),
            recovery: RecoveryConfig::default(),
            limits: LimitsConfig::default(),
            secrets_key: None,
            strong: StrongAuthConfig::default(),
            franceconnect: FranceConnectConfig::default(),
        }
    }
}

/// Argon2id cost. SPEC §3.1: at least m = 19 MiB, t = 2, p = 1.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct Argon2Config {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
    /// Threads hashing at once; `0` means one less than the CPUs (at least
    /// one), so that a storm of sign-ins never takes every core from page
    /// rendering.
    pub workers: usize,
    /// Hash requests allowed to wait for a worker; beyond, sign-in answers
    /// "busy, try again" at once instead of queueing without bound.
    pub max_waiting: usize,
}

impl Default for Argon2Config {
    fn default() -> Self {
        Self {
            memory_kib: 19 * 1024,
            iterations: 2,
            parallelism: 1,
            workers: 0,
            max_waiting: 512,
        }
    }
}

impl Argon2Config {
    pub fn effective_workers(&self) -> usize {
        if self.workers > 0 {
            return self.workers;
        }
        let cpus = std::thread::available_parallelism().map_or(1, usize::from);
        cpus.saturating_sub(1).max(1)
    }
}

impl AppConfig {
    pub fn session_policy(&self) -> SessionPolicy {
        self.session
            .apply(SessionPolicy::for_profile(self.security_profile))
    }

    pub fn password_policy(&self) -> PasswordPolicy {
        PasswordPolicy::new(self.security_profile, self.password.clone())
    }

    /// Checks what serde cannot: names the offending key.
    pub fn validate(&self) -> Result<(), String> {
        let a = &self.argon2;
        if a.memory_kib < 19 * 1024 {
            return Err("argon2.memory_kib must be at least 19456 (19 MiB)".into());
        }
        if a.iterations < 2 {
            return Err("argon2.iterations must be at least 2".into());
        }
        if a.parallelism < 1 {
            return Err("argon2.parallelism must be at least 1".into());
        }
        if self.lockout.max_failures < 1 {
            return Err("lockout.max_failures must be at least 1".into());
        }
        let p = &self.password;
        if p.guide_medium_length < 8 || p.guide_strong_length < p.guide_medium_length {
            return Err("password.guide_medium_length must be at least 8 and not above password.guide_strong_length".into());
        }
        if p.nist_single_factor_length < 15 || p.nist_multi_factor_length < 8 {
            return Err("password.nist_single_factor_length must be at least 15 and password.nist_multi_factor_length at least 8".into());
        }
        if !(self.public_url.starts_with("https://") || self.public_url.starts_with("http://"))
            || self.public_url.ends_with('/')
        {
            return Err(
                "public_url must look like https://espace.example (no trailing slash)".into(),
            );
        }
        if self.strong.step_up_window.as_secs() < 30 {
            return Err("strong.step_up_window must be at least 30 s".into());
        }
        self.franceconnect.validate()?;
        if self.codes.max_tries < 1 || self.codes.ttl.as_secs() < 60 {
            return Err("codes: max_tries must be at least 1 and ttl at least 60 s".into());
        }
        let o = &self.outbox;
        if o.batch < 1
            || o.max_attempts < 1
            || o.retry_base.as_secs() < 1
            || o.retry_max < o.retry_base
            || o.lease.as_secs() < 10
        {
            return Err("outbox: batch and max_attempts at least 1, retry_base at least 1 s and not above retry_max, lease at least 10 s".into());
        }
        let r = &self.recovery;
        if r.per_target < 1
            || r.per_client < 1
            || r.window.as_secs() < 60
            || r.reset_valid_for.as_secs() < 300
        {
            return Err("recovery: per_target and per_client at least 1, window at least 60 s, reset_valid_for at least 300 s".into());
        }
        self.limits.validate()?;
        let s = self.session_policy();
        if s.idle_timeout > s.absolute_timeout {
            return Err("session.idle_timeout must not exceed session.absolute_timeout".into());
        }
        if s.warn_before >= s.idle_timeout {
            return Err("session.warn_before must be shorter than session.idle_timeout".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_weak_argon2_is_refused_naming_the_key() {
        assert!(AppConfig::default().validate().is_ok());
        let mut c = AppConfig::default();
        c.argon2.memory_kib = 4096;
        assert!(c.validate().unwrap_err().contains("argon2.memory_kib"));
    }
}
