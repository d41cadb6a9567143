//! Ways back in (SPEC §5): a forgotten password (a single-use link valid
//! 30 minutes, the newest one only), a forgotten login (the logins of an
//! address are sent to it). The answer on screen is always the same, so
//! the forms tell nothing about which logins or addresses exist.

use espace_domain::email::EmailAddress;
use espace_domain::identifier::{LoginIdentifier, attempt_key};
use espace_domain::lockout::AttemptState;
use espace_domain::strong::Status;
use jiff::SignedDuration;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::App;
use crate::audit::{AuditEvent, AuditKind, ClientInfo};
use crate::auth::plausible_token;
use crate::crypto::{random_token, sha256_hex};
use crate::error::{AppError, FormRejection, Problem};
use crate::notify::{Notice, Recipient};
use crate::ports::{ActionTokenRecord, LoginRecord, Tx};
use crate::second_factor::factor_attempt_key;

pub(crate) const TOKEN_RESET: &str = "reset-password";

/// `app.recovery.*`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RecoveryConfig {
    /// How long a reset link works (SPEC §5: 30 minutes).
    #[serde(with = "espace_domain::session::duration_secs")]
    pub reset_valid_for: SignedDuration,
    /// Requests per typed login or address in `window`.
    pub per_target: i64,
    /// Requests per client address in `window`.
    pub per_client: i64,
    #[serde(with = "espace_domain::session::duration_secs")]
    pub window: SignedDuration,
}

impl Default for RecoveryConfig {
    fn default() -> Self {
        Self {
            reset_valid_for: SignedDuration::from_mins(30),
            per_target: 5,
            per_client: 30,
            window: SignedDuration::from_hours(1),
        }
    }
}

/// What the reset page shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResetOffer {
    pub identifier: String,
    /// Strong authentication is on for this login and no second factor
    /// was proven on this link yet: that comes before the new password.
    pub owes_factor: bool,
}

/// A password set from a reset link.
#[derive(Debug)]
pub struct PasswordResetDone {
    pub identifier: String,
    /// A device cookie for a browser that had none.
    pub new_device_token: Option<String>,
}

impl App {
    /// Counts a request against both limits; false when either is spent.
    pub(crate) async fn within_limits(
        &self,
        tx: &mut dyn Tx,
        form: &str,
        target: &str,
        client: &ClientInfo,
    ) -> Result<bool, AppError> {
        let c = &self.config().recovery;
        let now = self.clock().now();
        let before = now - c.window;
        let by_target = tx
            .hit_rate_limit(&format!("{form}:target:{target}"), now, before)
            .await?;
        let by_client = tx
            .hit_rate_limit(&format!("{form}:client:{}", client.ip), now, before)
            .await?;
        Ok(by_target <= c.per_target && by_client <= c.per_client)
    }

    /// The logins a typed login or address designates: by identifier, or
    /// every login whose verified e-mail it is. Disabled logins and logins
    /// without a verified address get nothing.
    async fn recipients(tx: &mut dyn Tx, typed: &str) -> Result<Vec<LoginRecord>, AppError> {
        let logins = if typed.contains('@') {
            match EmailAddress::parse(typed) {
                Ok(e) => tx.logins_by_verified_email(e.normalized()).await?,
                Err(_) => Vec::new(),
            }
        } else {
            match LoginIdentifier::parse(typed) {
                Ok(id) => tx
                    .login_by_identifier(id.normalized())
                    .await?
                    .into_iter()
                    .collect(),
                Err(_) => Vec::new(),
            }
        };
        Ok(logins
            .into_iter()
            .filter(|l| !l.disabled && l.email_verified && l.email.is_some())
            .collect())
    }

    /// Sends a reset link to `email`, voiding any older one: only the
    /// newest link works.
    pub(crate) async fn send_reset_link(
        &self,
        tx: &mut dyn Tx,
        login: &LoginRecord,
        email: &str,
    ) -> Result<(), AppError> {
        let now = self.clock().now();
        tx.void_action_tokens(login.id, TOKEN_RESET, now).await?;
        let valid_for = self.config().recovery.reset_valid_for;
        let token = self
            .issue_link(tx, login.id, TOKEN_RESET, json!({}), valid_for)
            .await?;
        self.queue(
            tx,
            Recipient::Email(email),
            Some(login.id),
            Self::locale_of(login),
            &Notice::PasswordReset {
                identifier: login.identifier.clone(),
                url: format!("{}/reset-password/{token}", self.config().public_url),
                until: now + valid_for,
            },
        )
        .await
    }

    /// `/forgot-password`: sends a reset link to each designated login's
    /// verified address. The caller always shows the same answer.
    pub async fn request_password_reset(
        &self,
        typed: &str,
        client: &ClientInfo,
    ) -> Result<(), FormRejection> {
        let typed = typed.trim();
        if typed.is_empty() {
            return Err(FormRejection::one("login", Problem::Required));
        }
        let key = attempt_key(typed);
        let now = self.clock().now();
        let mut tx = self.store().begin().await?;
        if !self
            .within_limits(tx.as_mut(), "reset", &key, client)
            .await?
        {
            tx.append_audit(
                &AuditEvent::new(AuditKind::RecoveryThrottled, now, client)
                    .identifier(typed)
                    .detail(json!({ "form": "forgot-password" })),
            )
            .await?;
            tx.commit().await?;
            return Ok(());
        }
        for login in Self::recipients(tx.as_mut(), typed).await? {
            let Some(email) = login.email.clone() else {
                continue;
            };
            self.send_reset_link(tx.as_mut(), &login, &email).await?;
            tx.append_audit(
                &AuditEvent::new(AuditKind::PasswordResetRequested, now, client)
                    .subject(Some(login.id))
                    .identifier(typed),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// `/forgot-login`: the logins of a verified address are sent to it.
    pub async fn request_login_reminder(
        &self,
        typed: &str,
        client: &ClientInfo,
    ) -> Result<(), FormRejection> {
        let typed = typed.trim();
        if typed.is_empty() {
            return Err(FormRejection::one("email", Problem::Required));
        }
        let email = EmailAddress::parse(typed)
            .map_err(|e| FormRejection::one("email", Problem::Email(e)))?;
        let now = self.clock().now();
        let mut tx = self.store().begin().await?;
        if !self
            .within_limits(tx.as_mut(), "login", email.normalized(), client)
            .await?
        {
            tx.append_audit(
                &AuditEvent::new(AuditKind::RecoveryThrottled, now, client)
                    .identifier(typed)
                    .detail(json!({ "form": "forgot-login" })),
            )
            .await?;
            tx.commit().await?;
            return Ok(());
        }
        let logins = Self::recipients(tx.as_mut(), email.normalized()).await?;
        if let Some(first) = logins.first() {
            // To the address as the login stores it, not as typed.
            let to = first
                .email
                .clone()
                .unwrap_or_else(|| email.as_str().to_owned());
            self.queue(
                tx.as_mut(),
                Recipient::Email(&to),
                Some(first.id),
                Self::locale_of(first),
                &Notice::LoginReminder {
                    identifiers: logins.iter().map(|l| l.identifier.clone()).collect(),
                    url: format!("{}/login", self.config().public_url),
                },
            )
            .await?;
            for l in &logins {
                tx.append_audit(
                    &AuditEvent::new(AuditKind::LoginReminderSent, now, client).subject(Some(l.id)),
                )
                .await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    /// What a reset link offers (nothing changes on GET).
    pub async fn reset_offer(&self, token: &str, browser: &str) -> Result<ResetOffer, AppError> {
        let mut tx = self.store().begin_read().await?;
        let (link, login) = self.live_link(tx.as_mut(), token, TOKEN_RESET).await?;
        Ok(ResetOffer {
            owes_factor: self
                .reset_owes_factor(tx.as_mut(), &link, &login, browser)
                .await?,
            identifier: login.identifier,
        })
    }

    /// Whether a reset link must first prove a second factor (SPEC §5):
    /// strong authentication is on for its login (enforced, with a method)
    /// and none was proven on this link, in this browser, yet.
    pub(crate) async fn reset_owes_factor(
        &self,
        tx: &mut dyn Tx,
        link: &ActionTokenRecord,
        login: &LoginRecord,
        browser: &str,
    ) -> Result<bool, AppError> {
        if link.payload.get("factor").is_some()
            && link.payload["browser"] == json!(sha256_hex(browser))
        {
            return Ok(false);
        }
        Ok(self.strong_status(tx, login).await?.0 == Status::Enabled)
    }

    /// The second factor was proven on a reset link: noted on the link,
    /// for this browser (not on the login), and audited.
    pub(crate) async fn reset_factor_passed(
        &self,
        tx: &mut dyn Tx,
        token: &str,
        browser: &str,
        kind: &str,
        client: &ClientInfo,
    ) -> Result<(), AppError> {
        let (link, login) = self.live_link(tx, token, TOKEN_RESET).await?;
        let now = self.clock().now();
        let payload = json!({ "factor": kind, "at": now.to_string(),
            "browser": sha256_hex(browser) });
        if !tx
            .set_action_token_payload(&link.token_hash, &payload)
            .await?
        {
            return Err(AppError::NotFound);
        }
        tx.save_attempt_state(&factor_attempt_key(login.id), &Default::default(), now)
            .await?;
        tx.append_audit(
            &AuditEvent::new(AuditKind::SecondFactorPassed, now, client)
                .subject(Some(login.id))
                .detail(json!({ "method": kind, "purpose": "password-reset" })),
        )
        .await
        .map_err(Into::into)
    }

    /// Sets the new password from a reset link: the policy applies, the
    /// temporary lock is cleared, every session ends, and every verified
    /// channel is told. The browser that did it becomes a known device of
    /// the login, so that a lock set by someone else's failures does not
    /// hold it back (see `auth::gate`). Where strong authentication is on,
    /// the link must have proven a second factor first
    /// ([`AppError::StepUpRequired`] otherwise).
    pub async fn reset_password(
        &self,
        token: &str,
        browser: &str,
        device: Option<&str>,
        new: SecretString,
        confirm: SecretString,
        client: &ClientInfo,
    ) -> Result<PasswordResetDone, FormRejection> {
        let login = {
            let mut tx = self.store().begin_read().await?;
            let (link, login) = self.live_link(tx.as_mut(), token, TOKEN_RESET).await?;
            if self
                .reset_owes_factor(tx.as_mut(), &link, &login, browser)
                .await?
            {
                return Err(AppError::StepUpRequired.into());
            }
            login
        };
        let mut problems = Vec::new();
        let new = self.check_password_pair(&login, &new, &confirm, &mut problems);
        if !problems.is_empty() {
            return Err(FormRejection::Invalid(problems));
        }
        let phc = self.hasher().hash(SecretString::from(new)).await?;
        let now = self.clock().now();
        let mut tx = self.store().begin().await?;
        let (link, login) = self.take_link(tx.as_mut(), token, TOKEN_RESET).await?;
        if self
            .reset_owes_factor(tx.as_mut(), &link, &login, browser)
            .await?
        {
            // A method appeared, or forcing began, since the page was shown.
            return Err(AppError::StepUpRequired.into());
        }
        tx.set_password_hash(login.id, &phc).await?;
        let key = attempt_key(&login.identifier);
        let was_locked = tx
            .attempt_state_for_update(&key)
            .await?
            .locked_until
            .is_some_and(|u| u > now);
        tx.save_attempt_state(&key, &AttemptState::default(), now)
            .await?;
        tx.clear_device_attempts(&key).await?;
        let new_device_token = match device.filter(|d| plausible_token(d)) {
            Some(_) => None,
            None => Some(random_token()?),
        };
        if let Some(device) = new_device_token.as_deref().or(device) {
            tx.remember_device(login.id, &sha256_hex(device), now)
                .await?;
        }
        let sessions = tx.delete_other_sessions(login.id, "").await?;
        tx.append_audit(
            &AuditEvent::new(AuditKind::PasswordReset, now, client)
                .subject(Some(login.id))
                .detail(json!({ "sessions_signed_out": sessions, "lock_cleared": was_locked })),
        )
        .await?;
        let notice = Notice::PasswordChanged {
            identifier: login.identifier.clone(),
            at: now,
            device: client.user_agent.clone(),
            ip: client.ip.clone(),
        };
        self.tell_channels(tx.as_mut(), &login, login.email.as_deref(), &notice)
            .await?;
        tx.commit().await?;
        Ok(PasswordResetDone {
            identifier: login.identifier,
            new_device_token,
        })
    }
}
