//! Telling people things (SPEC §9 "Delivery"): a [`Notice`] is composed in
//! the recipient's language and written to the durable outbox in the same
//! transaction as the change that causes it; [`App::deliver_due`] hands
//! due messages to SMTP or the SMS gateway, retrying with exponential
//! back-off, and never loses one.

use espace_domain::locale::Locale;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::App;
use crate::error::AppError;
use crate::ports::{DeliveryError, Email, LoginRecord, OutboxRecord, Sms, Tx};

/// Something to tell a person. Composed by the `Composer` port.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Notice {
    /// A code proving the person holds an address or a phone.
    VerificationCode {
        code: String,
        minutes: i64,
    },
    PasswordChanged {
        identifier: String,
        at: Timestamp,
        device: String,
        ip: String,
    },
    /// To the previous address, with a link to undo (SPEC §6).
    EmailChanged {
        identifier: String,
        new_email: String,
        undo_url: String,
        until: Timestamp,
    },
    PhoneChanged {
        identifier: String,
        new_phone: String,
        undo_url: String,
        until: Timestamp,
    },
    /// SPEC §3.3: "was this you?", with a link that signs that session out.
    NewDevice {
        identifier: String,
        at: Timestamp,
        device: String,
        ip: String,
        not_me_url: String,
    },
    /// A customer wrote to their web account manager.
    ManagerMessage {
        customer: String,
        company: String,
        body: String,
        url: String,
    },
    /// The manager answered.
    ManagerReply {
        manager: String,
        body: String,
        url: String,
    },
    /// A link to choose a new password (SPEC §5).
    PasswordReset {
        identifier: String,
        url: String,
        until: Timestamp,
    },
    /// To the new address of an assisted-recovery case.
    RecoveryCaseOpened {
        reference: String,
        url: String,
    },
    RecoveryCaseRejected {
        reference: String,
        url: String,
    },
    /// To the old address and every other verified channel: support
    /// linked a new address to the login.
    AddressLinkedBySupport {
        identifier: String,
        new_email: String,
    },
    /// A strong-authentication method was added to or removed from a login.
    MethodChanged {
        identifier: String,
        method: String,
        added: bool,
        at: Timestamp,
    },
    /// A security manager or support lifted the temporary lock.
    Unlocked {
        identifier: String,
        by: String,
    },
    /// The logins tied to an address.
    LoginReminder {
        identifiers: Vec<String>,
        url: String,
    },
    Invitation {
        inviter: String,
        company: String,
        identifier: String,
        url: String,
        until: Timestamp,
    },
    /// Strong authentication was turned on (or off) for a login.
    StrongAuthForced {
        identifier: String,
        by: String,
        /// Until then, enrolment may wait.
        deadline: Option<Timestamp>,
        on: bool,
    },
    /// To a security manager: a person asks for strong authentication.
    StrongAuthRequested {
        identifier: String,
        name: String,
        url: String,
    },
    RecoveryCodesGenerated {
        identifier: String,
        at: Timestamp,
    },
    RecoveryCodeUsed {
        identifier: String,
        left: i64,
        at: Timestamp,
    },
    /// On every channel: the second factor of a login will be reset
    /// (SPEC §5) unless the person cancels before `effective_at`.
    FactorResetRequested {
        identifier: String,
        by: String,
        effective_at: Timestamp,
        cancel_url: String,
    },
    /// On every channel: the reset was cancelled (to the person), or to
    /// whoever asked for it.
    FactorResetCancelled {
        identifier: String,
    },
    /// On every channel: the methods were removed; the next sign-in sets
    /// up a new one.
    FactorResetDone {
        identifier: String,
        url: String,
    },
    /// The text of a push to a companion device (SPEC §4.6): a request
    /// waits for approval (`purpose`: sign-in, step-up, password-reset).
    PushRequest {
        identifier: String,
        purpose: String,
    },
    /// A request was denied (`answer`: denied, reported, mismatch) on
    /// the companion app.
    /// To the operator (`limits.alert_email`): the SMS circuit breaker
    /// tripped; no SMS code goes out until `until`.
    SmsBreakerTripped {
        limit: i64,
        minutes: i64,
        until: Timestamp,
    },
    PushRefused {
        identifier: String,
        answer: String,
        at: Timestamp,
        ip: String,
        /// The waiting browser's `User-Agent`.
        browser: String,
    },
}

impl Notice {
    pub fn kind(&self) -> &'static str {
        match self {
            Notice::VerificationCode { .. } => "verification-code",
            Notice::PasswordChanged { .. } => "password-changed",
            Notice::EmailChanged { .. } => "email-changed",
            Notice::PhoneChanged { .. } => "phone-changed",
            Notice::NewDevice { .. } => "new-device",
            Notice::ManagerMessage { .. } => "manager-message",
            Notice::ManagerReply { .. } => "manager-reply",
            Notice::Invitation { .. } => "invitation",
            Notice::PasswordReset { .. } => "password-reset",
            Notice::LoginReminder { .. } => "login-reminder",
            Notice::Unlocked { .. } => "unlocked",
            Notice::RecoveryCaseOpened { .. } => "recovery-case-opened",
            Notice::RecoveryCaseRejected { .. } => "recovery-case-rejected",
            Notice::AddressLinkedBySupport { .. } => "address-linked",
            Notice::MethodChanged { added: true, .. } => "method-added",
            Notice::MethodChanged { added: false, .. } => "method-removed",
            Notice::StrongAuthForced { on: true, .. } => "strong-auth-on",
            Notice::StrongAuthForced { on: false, .. } => "strong-auth-off",
            Notice::StrongAuthRequested { .. } => "strong-auth-requested",
            Notice::RecoveryCodesGenerated { .. } => "recovery-codes-generated",
            Notice::RecoveryCodeUsed { .. } => "recovery-code-used",
            Notice::FactorResetRequested { .. } => "factor-reset-requested",
            Notice::FactorResetCancelled { .. } => "factor-reset-cancelled",
            Notice::FactorResetDone { .. } => "factor-reset-done",
            Notice::PushRequest { .. } => "push-request",
            Notice::PushRefused { .. } => "push-refused",
            Notice::SmsBreakerTripped { .. } => "sms-breaker-tripped",
        }
    }
}

/// The outbox worker's settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OutboxConfig {
    /// Messages taken per pass.
    pub batch: i64,
    /// First retry delay; doubled on every failure up to `retry_max`.
    #[serde(with = "espace_domain::session::duration_secs")]
    pub retry_base: SignedDuration,
    #[serde(with = "espace_domain::session::duration_secs")]
    pub retry_max: SignedDuration,
    /// Transient failures tolerated before a message is marked failed
    /// (with the defaults, about three days of trying).
    pub max_attempts: i32,
    /// How long a worker holds a message it is sending; after a crash the
    /// message is sent again once this passes (at least once).
    #[serde(with = "espace_domain::session::duration_secs")]
    pub lease: SignedDuration,
    /// Keep the bodies of sent messages (they may hold one-time codes). On
    /// for the demo outbox; off otherwise.
    pub keep_sent_bodies: bool,
}

impl Default for OutboxConfig {
    fn default() -> Self {
        Self {
            batch: 20,
            retry_base: SignedDuration::from_secs(5),
            retry_max: SignedDuration::from_mins(30),
            max_attempts: 150,
            lease: SignedDuration::from_mins(2),
            keep_sent_bodies: false,
        }
    }
}

impl OutboxConfig {
    /// The wait after the `attempt`-th failure: base × 2^(attempt−1),
    /// capped.
    pub fn backoff(&self, attempt: i32) -> SignedDuration {
        let exp = u32::try_from(attempt.saturating_sub(1))
            .unwrap_or(0)
            .min(20);
        let secs = self.retry_base.as_secs().saturating_mul(1_i64 << exp);
        SignedDuration::from_secs(secs).min(self.retry_max)
    }
}

/// What one pass of the worker did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeliveryReport {
    pub sent: u32,
    pub retried: u32,
    pub failed: u32,
}

/// Where a message goes.
pub enum Recipient<'a> {
    Email(&'a str),
    Sms(&'a str),
}

impl App {
    /// The language a login reads its messages in.
    pub(crate) fn locale_of(login: &LoginRecord) -> Locale {
        login
            .locale
            .as_deref()
            .and_then(Locale::parse)
            .unwrap_or_default()
    }

    /// Tells a login by e-mail, if its address is verified (else nothing),
    /// in its language, inside the caller's transaction.
    pub(crate) async fn email_login(
        &self,
        tx: &mut dyn Tx,
        login: &LoginRecord,
        notice: &Notice,
    ) -> Result<(), AppError> {
        let Some(email) = login.email.as_deref().filter(|_| login.email_verified) else {
            return Ok(());
        };
        self.queue(
            tx,
            Recipient::Email(email),
            Some(login.id),
            Self::locale_of(login),
            notice,
        )
        .await
    }

    /// Tells a login on `email` (when given) and on its verified mobile,
    /// in the login's language, inside the caller's transaction.
    pub(crate) async fn tell_channels(
        &self,
        tx: &mut dyn Tx,
        login: &LoginRecord,
        email: Option<&str>,
        notice: &Notice,
    ) -> Result<(), AppError> {
        let locale = Self::locale_of(login);
        if let Some(email) = email {
            self.queue(tx, Recipient::Email(email), Some(login.id), locale, notice)
                .await?;
        }
        if let (Some(phone), true) = (&login.phone, login.phone_verified) {
            self.queue(tx, Recipient::Sms(phone), Some(login.id), locale, notice)
                .await?;
        }
        Ok(())
    }

    /// Composes `notice` and queues it inside the caller's transaction: it
    /// is sent if and only if the change commits.
    pub(crate) async fn queue(
        &self,
        tx: &mut dyn Tx,
        to: Recipient<'_>,
        login_id: Option<Uuid>,
        locale: Locale,
        notice: &Notice,
    ) -> Result<(), AppError> {
        let composer = &self.outlets().composer;
        let now = self.clock().now();
        let (channel, recipient, subject, text, html) = match to {
            Recipient::Email(address) => {
                let c = composer
                    .email(notice, locale)
                    .map_err(AppError::Unexpected)?;
                ("email", address, c.subject, c.text, c.html)
            }
            Recipient::Sms(number) => {
                let text = composer.sms(notice, locale).map_err(AppError::Unexpected)?;
                ("sms", number, String::new(), text, None)
            }
        };
        tx.enqueue(&OutboxRecord {
            id: Uuid::now_v7(),
            channel: channel.into(),
            recipient: recipient.into(),
            login_id,
            kind: notice.kind().into(),
            subject,
            body_text: text,
            body_html: html,
            status: "pending".into(),
            attempts: 0,
            next_attempt_at: now,
            last_error: None,
            created_at: now,
            sent_at: None,
        })
        .await?;
        metrics::counter!("espace_outbox_queued_total", "channel" => channel).increment(1);
        Ok(())
    }

    /// One pass of the delivery worker: claims due messages, sends them,
    /// and records each outcome. Safe to run on several instances at once.
    pub async fn deliver_due(&self) -> Result<DeliveryReport, AppError> {
        let outlets = self.outlets();
        let mut channels = Vec::new();
        if outlets.mailer.is_some() {
            channels.push("email");
        }
        if outlets.sms.is_some() {
            channels.push("sms");
        }
        let mut report = DeliveryReport::default();
        if channels.is_empty() {
            return Ok(report);
        }
        let config = &self.config().outbox;
        let now = self.clock().now();
        let mut tx = self.store().begin().await?;
        let claimed = tx
            .claim_outbox(&channels, now, now + config.lease, config.batch)
            .await?;
        tx.commit().await?;

        for m in claimed {
            let outcome = match (m.channel.as_str(), &outlets.mailer, &outlets.sms) {
                ("email", Some(mailer), _) => {
                    mailer
                        .send(&Email {
                            to: m.recipient.clone(),
                            subject: m.subject.clone(),
                            text: m.body_text.clone(),
                            html: m.body_html.clone().unwrap_or_default(),
                            idempotency_key: m.id,
                        })
                        .await
                }
                ("sms", _, Some(sms)) => {
                    sms.send(&Sms {
                        to: m.recipient.clone(),
                        text: m.body_text.clone(),
                        idempotency_key: m.id,
                    })
                    .await
                }
                _ => Err(DeliveryError::Permanent("no transport".into())),
            };
            let done_at = self.clock().now();
            let mut tx = self.store().begin().await?;
            let channel = if m.channel == "sms" { "sms" } else { "email" };
            match outcome {
                Ok(()) => {
                    tx.outbox_sent(m.id, done_at, config.keep_sent_bodies)
                        .await?;
                    report.sent += 1;
                    metrics::counter!("espace_outbox_sent_total", "channel" => channel)
                        .increment(1);
                }
                Err(DeliveryError::Transient(e)) if m.attempts < config.max_attempts => {
                    tracing::warn!(id = %m.id, attempt = m.attempts, error = %e, "delivery failed, will retry");
                    tx.outbox_retry(m.id, done_at + config.backoff(m.attempts), &e)
                        .await?;
                    report.retried += 1;
                    metrics::counter!("espace_outbox_retries_total", "channel" => channel)
                        .increment(1);
                }
                Err(e) => {
                    tracing::error!(id = %m.id, attempt = m.attempts, error = %e, "delivery failed for good");
                    tx.outbox_failed(m.id, &e.to_string()).await?;
                    report.failed += 1;
                    metrics::counter!("espace_outbox_failed_total", "channel" => channel)
                        .increment(1);
                }
            }
            tx.commit().await?;
        }
        let mut tx = self.store().begin_read().await?;
        for (channel, n) in tx.outbox_pending().await? {
            metrics::gauge!("espace_outbox_pending", "channel" => channel).set(n as f64);
        }
        Ok(report)
    }

    /// The latest messages, for the demo outbox page only.
    /// Recovery requests still waiting for the worker are handled first,
    /// so that the page shows what they send.
    pub async fn outbox_recent(&self, limit: i64) -> Result<Vec<OutboxRecord>, AppError> {
        self.handle_recovery_requests().await?;
        let mut tx = self.store().begin_read().await?;
        Ok(tx.outbox_recent(limit).await?)
    }

    pub async fn outbox_message(&self, id: Uuid) -> Result<OutboxRecord, AppError> {
        let mut tx = self.store().begin_read().await?;
        tx.outbox_by_id(id).await?.ok_or(AppError::NotFound)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn back_off_doubles_then_caps() {
        let c = OutboxConfig::default();
        assert_eq!(c.backoff(1), SignedDuration::from_secs(5));
        assert_eq!(c.backoff(2), SignedDuration::from_secs(10));
        assert_eq!(c.backoff(5), SignedDuration::from_secs(80));
        assert_eq!(c.backoff(40), SignedDuration::from_mins(30));
    }
}
