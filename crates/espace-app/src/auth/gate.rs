//! The one gate every password check goes through (SPEC §3.2): signing in,
//! the step-up and the password change.
//!
//! - While the counter that applies is locked, no password is checked, not
//!   even a right one, and nothing is hashed.
//! - Every wrong password counts towards that same lock, whichever page it
//!   was typed on. The same wrong password typed again by the same browser
//!   (its device cookie) counts once; only that browser is told so.
//! - Two counters per identifier: the identifier's own, for every client,
//!   and one per browser that has already signed in to this login (a
//!   *known device*). A known device answers to its own counter only, so
//!   that someone who only knows the identifier can lock it for everyone
//!   else but not for its owner's own browser; failures from that browser
//!   lock that browser.

use espace_domain::identifier::attempt_key;
use espace_domain::lockout::{FailureOutcome, Gate};
use espace_domain::password::PasswordPolicy;
use jiff::Timestamp;
use secrecy::SecretString;
use serde_json::json;

use super::device::plausible_token;
use crate::App;
use crate::audit::{AuditEvent, AuditKind, ClientInfo};
use crate::crypto::sha256_hex;
use crate::error::AppError;
use crate::ports::{LoginRecord, Tx};

use super::MAX_PASSWORD_INPUT;

/// A password to check.
#[derive(Debug)]
pub(crate) struct PasswordAttempt<'a> {
    /// The typed identifier, or the login's own: the key of the lock.
    pub identifier: &'a str,
    /// The login it designates, if any (else a dummy hash is verified).
    pub login: Option<&'a LoginRecord>,
    /// As typed (normalised here).
    pub password: &'a str,
    /// The browser's device cookie, if it has one.
    pub device: Option<&'a str>,
    pub client: &'a ClientInfo,
    /// The audit record of a wrong password; the gate adds its `reason`
    /// and whether it `repeated`, and records the lock it may cause.
    pub failure: AuditEvent,
}

/// What the gate found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Locked: nothing was checked.
    Locked { until: Timestamp },
    /// Right, for a usable login; its counter is cleared.
    Valid,
    /// Wrong (or no usable login), counted and audited.
    Wrong { outcome: FailureOutcome },
}

/// The verdict, and the open write transaction that recorded it: the
/// caller adds its own change (a session, a new password) and commits.
pub(crate) struct Gated {
    pub tx: Box<dyn Tx>,
    pub verdict: Verdict,
}

/// The counter of a known device: the identifier's key and the device.
fn device_key(key: &str, device_hash: &str) -> String {
    format!("{key}|{}", &device_hash[..32])
}

impl App {
    /// The counter that applies to this attempt: the device's own when the
    /// login has signed in from it before, else the identifier's.
    async fn counter_key(
        tx: &mut dyn Tx,
        key: &str,
        login: Option<&LoginRecord>,
        device: Option<&str>,
    ) -> Result<String, AppError> {
        if let (Some(login), Some(device)) = (login, device.filter(|d| plausible_token(d))) {
            let hash = sha256_hex(device);
            if tx.device_known(login.id, &hash).await? {
                return Ok(device_key(key, &hash));
            }
        }
        Ok(key.to_owned())
    }

    /// Checks a password through the lock (see the module's rules).
    pub(crate) async fn password_gate(&self, a: PasswordAttempt<'_>) -> Result<Gated, AppError> {
        let key = attempt_key(a.identifier);
        let lockout = &self.config().lockout;

        // 1. The lock, read without holding a write lock.
        let counter = {
            let now = self.clock().now();
            let mut tx = self.store().begin_read().await?;
            let counter = Self::counter_key(tx.as_mut(), &key, a.login, a.device).await?;
            let state = tx.attempt_state(&counter).await?.refreshed(now);
            if let Gate::Locked { until } = state.gate(now) {
                drop(tx);
                return Ok(Gated {
                    tx: self.store().begin().await?,
                    verdict: Verdict::Locked { until },
                });
            }
            counter
        };

        // 2. Verify (a dummy hash for unknown logins), outside any transaction.
        let password = PasswordPolicy::normalize(a.password);
        let too_long = password.len() > MAX_PASSWORD_INPUT;
        let verification = if too_long {
            None
        } else {
            let stored = a.login.and_then(|l| l.password_hash.clone());
            Some(
                self.hasher()
                    .verify(stored, SecretString::from(password.clone()))
                    .await?,
            )
        };
        let usable = a.login.filter(|l| !l.disabled);
        let valid = verification.is_some_and(|v| v.valid) && usable.is_some();
        let rehash = match (valid, verification) {
            (true, Some(v)) if v.needs_rehash => Some(
                self.hasher()
                    .hash(SecretString::from(password.clone()))
                    .await?,
            ),
            _ => None,
        };

        // 3. Record the outcome, re-checking the lock: a concurrent attempt
        //    may have set it meanwhile.
        let now = self.clock().now();
        let subject = a.login.map(|l| l.id);
        let mut tx = self.store().begin().await?;
        let stored = tx.attempt_state_for_update(&counter).await?;
        if let Some(until) = stored.locked_until.filter(|u| *u <= now) {
            // The lock lifted by itself: the timeline says so.
            tx.append_audit(
                &AuditEvent::new(AuditKind::LoginUnlocked, now, a.client)
                    .identifier(a.identifier)
                    .subject(subject)
                    .detail(
                        json!({ "reason": "lock-expired", "locked_until": until.to_string(),
                        "device": counter != key }),
                    ),
            )
            .await?;
        }
        let mut state = stored.refreshed(now);
        if let Gate::Locked { until } = state.gate(now) {
            return Ok(Gated {
                tx,
                verdict: Verdict::Locked { until },
            });
        }
        if let (true, Some(login)) = (valid, usable) {
            tx.save_attempt_state(&counter, &Default::default(), now)
                .await?;
            if let Some(phc) = rehash {
                tx.set_password_hash(login.id, &phc).await?;
                tx.append_audit(
                    &AuditEvent::new(AuditKind::PasswordRehashed, now, a.client).by_self(login.id),
                )
                .await?;
            }
            return Ok(Gated {
                tx,
                verdict: Verdict::Valid,
            });
        }

        let fingerprint = match a.device.filter(|d| plausible_token(d)) {
            Some(device) => Some(self.keys().attempt_fingerprint(&key, device, &password)?),
            None => None,
        };
        let outcome = state.record_failure(fingerprint, lockout, now);
        tx.save_attempt_state(&counter, &state, now).await?;
        let reason = match (a.login, too_long) {
            (_, true) => "password-too-long",
            (None, _) => "unknown-identifier",
            (Some(l), _) if l.disabled => "login-disabled",
            _ => "wrong-password",
        };
        let mut failure = a.failure;
        if let Some(detail) = failure.detail.as_object_mut() {
            detail.insert("reason".into(), json!(reason));
            detail.insert(
                "repeated".into(),
                json!(matches!(outcome, FailureOutcome::Repeated { .. })),
            );
        }
        tx.append_audit(&failure).await?;
        if let FailureOutcome::LockedNow { until } = outcome {
            tx.append_audit(
                &AuditEvent::new(AuditKind::LoginLocked, now, a.client)
                    .identifier(a.identifier)
                    .subject(subject)
                    .detail(
                        json!({ "until": until.to_string(), "failures": lockout.max_failures,
                        "device": counter != key }),
                    ),
            )
            .await?;
        }
        Ok(Gated {
            tx,
            verdict: Verdict::Wrong { outcome },
        })
    }
}
