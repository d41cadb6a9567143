//! Ways back in (SPEC §5): a forgotten password (a single-use link valid
//! 30 minutes, the newest one only), a forgotten login (the logins of an
//! address are sent to it). The answer on screen is always the same, so
//! the forms tell nothing about which logins or addresses exist.

use espace_domain::email::EmailAddress;
use espace_domain::identifier::{LoginIdentifier, attempt_key};
use espace_domain::lockout::AttemptState;
use espace_domain::ratelimit::RateLimit;
use espace_domain::strong::Status;
use jiff::{SignedDuration, Timestamp};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use crate::App;
use crate::audit::{AuditEvent, AuditKind, ClientInfo};
use crate::auth::plausible_token;
use crate::crypto::{random_token, sha256_hex};
use crate::error::{AppError, FormRejection, Problem};
use crate::limits::Limit;
use crate::notify::{Notice, Recipient};
use crate::ports::{ActionTokenRecord, LinkTo, LoginRecord, RecoveryRequestRecord, Tx};
use crate::second_factor::factor_attempt_key;

pub(crate) const TOKEN_RESET: &str = "reset-password";
const FORM_RESET: &str = "forgot-password";
const FORM_LOGIN: &str = "forgot-login";
/// The acknowledgement of an assisted-recovery case (its id is `typed`).
pub(crate) const FORM_ASSISTED_ACK: &str = "assisted-ack";
/// Requests the worker takes per transaction.
const BATCH: i64 = 50;

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
    /// Counts an anonymous request of `form` against its limits per typed
    /// target and per client (`app.recovery`); the time it is possible
    /// again when either is spent.
    pub(crate) async fn within_limits(
        &self,
        tx: &mut dyn Tx,
        form: &str,
        target: &str,
        client: &ClientInfo,
    ) -> Result<Result<(), Timestamp>, AppError> {
        let c = &self.config().recovery;
        let keys = [
            Limit::new(
                format!("{form}:target:{target}"),
                RateLimit::new(c.per_target, c.window),
            ),
            Limit::new(
                format!("{form}:client:{}", client.ip),
                RateLimit::new(c.per_client, c.window),
            ),
        ];
        self.hit_limits(tx, &keys).await
    }

    /// Records an anonymous recovery request for the worker
    /// ([`App::handle_recovery_requests`]): the same work whoever it
    /// designates, so that neither the answer nor its timing tells whether
    /// a login or address exists (issue 15, item 4).
    async fn record_recovery_request(
        &self,
        form: &str,
        key: &str,
        typed: &str,
        client: &ClientInfo,
    ) -> Result<(), AppError> {
        let now = self.clock().now();
        let mut tx = self.store().begin().await?;
        if self
            .within_limits(tx.as_mut(), form, key, client)
            .await?
            .is_err()
        {
            tx.append_audit(
                &AuditEvent::new(AuditKind::RecoveryThrottled, now, client)
                    .identifier(typed)
                    .detail(json!({ "form": form })),
            )
            .await?;
        } else {
            tx.insert_recovery_request(&RecoveryRequestRecord {
                id: Uuid::now_v7(),
                form: form.into(),
                typed: typed.into(),
                ip: client.ip.clone(),
                user_agent: client.user_agent.clone(),
                request_id: client.request_id.clone(),
                created_at: now,
            })
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The worker's side of the anonymous forms: takes the recorded
    /// requests, looks up whom they designate and sends what is due, each
    /// message subject to the cap per destination inbox. Run by the
    /// delivery loop; safe on several instances at once. Returns how many
    /// requests were handled.
    pub async fn handle_recovery_requests(&self) -> Result<u64, AppError> {
        let mut handled = 0;
        loop {
            let mut tx = self.store().begin().await?;
            let batch = tx.take_recovery_requests(BATCH).await?;
            if batch.is_empty() {
                return Ok(handled);
            }
            for r in &batch {
                let client = ClientInfo::new(r.ip.clone(), &r.user_agent, r.request_id.clone());
                match r.form.as_str() {
                    FORM_RESET => self.handle_reset(tx.as_mut(), &r.typed, &client).await?,
                    FORM_LOGIN => self.handle_reminder(tx.as_mut(), &r.typed, &client).await?,
                    FORM_ASSISTED_ACK => {
                        self.acknowledge_case(tx.as_mut(), &r.typed, &client)
                            .await?
                    }
                    other => tracing::warn!(form = other, "unknown recovery request dropped"),
                }
                handled += 1;
            }
            tx.commit().await?;
        }
    }

    /// Records that an anonymous e-mail to `inbox` was not sent: its cap
    /// is spent (issue 15, item 6).
    pub(crate) async fn inbox_capped(
        &self,
        tx: &mut dyn Tx,
        form: &str,
        login: Option<Uuid>,
        client: &ClientInfo,
    ) -> Result<(), AppError> {
        tx.append_audit(
            &AuditEvent::new(AuditKind::RecoveryThrottled, self.clock().now(), client)
                .subject(login)
                .detail(json!({ "form": form, "cap": "inbox" })),
        )
        .await
        .map_err(Into::into)
    }

    async fn handle_reset(
        &self,
        tx: &mut dyn Tx,
        typed: &str,
        client: &ClientInfo,
    ) -> Result<(), AppError> {
        let now = self.clock().now();
        for login in Self::recipients(tx, typed).await? {
            let Some(email) = login.email.clone() else {
                continue;
            };
            if !self.inbox_allows(tx, &email).await? {
                self.inbox_capped(tx, FORM_RESET, Some(login.id), client)
                    .await?;
                continue;
            }
            self.send_reset_link(tx, &login, &email).await?;
            tx.append_audit(
                &AuditEvent::new(AuditKind::PasswordResetRequested, now, client)
                    .subject(Some(login.id))
                    .identifier(typed),
            )
            .await?;
        }
        Ok(())
    }

    async fn handle_reminder(
        &self,
        tx: &mut dyn Tx,
        typed: &str,
        client: &ClientInfo,
    ) -> Result<(), AppError> {
        let now = self.clock().now();
        let logins = Self::recipients(tx, typed).await?;
        let Some(first) = logins.first() else {
            return Ok(());
        };
        // To the address as the login stores it, not as typed.
        let to = first.email.clone().unwrap_or_else(|| typed.to_owned());
        if !self.inbox_allows(tx, &to).await? {
            return self
                .inbox_capped(tx, FORM_LOGIN, Some(first.id), client)
                .await;
        }
        self.queue(
            tx,
            Recipient::Email(&to),
            Some(first.id),
            Self::locale_of(first),
            &Notice::LoginReminder {
                identifiers: logins.iter().map(|l| l.identifier.clone()).collect(),
                url: self.link_to(LinkTo::SignIn),
            },
        )
        .await?;
        for l in &logins {
            tx.append_audit(
                &AuditEvent::new(AuditKind::LoginReminderSent, now, client).subject(Some(l.id)),
            )
            .await?;
        }
        Ok(())
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
                url: self.link_to(LinkTo::ResetPassword(&token)),
                until: now + valid_for,
            },
        )
        .await
    }

    /// `/forgot-password`: a reset link will go to each designated
    /// login's verified address. The request is only recorded here; the
    /// caller always shows the same answer.
    pub async fn request_password_reset(
        &self,
        typed: &str,
        client: &ClientInfo,
    ) -> Result<(), FormRejection> {
        let typed = typed.trim();
        if typed.is_empty() {
            return Err(FormRejection::one("login", Problem::Required));
        }
        self.record_recovery_request(FORM_RESET, &attempt_key(typed), typed, client)
            .await?;
        Ok(())
    }

    /// `/forgot-login`: the logins of a verified address will be sent to
    /// it. Only recorded here, as above.
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
        self.record_recovery_request(FORM_LOGIN, email.normalized(), email.normalized(), client)
            .await?;
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
