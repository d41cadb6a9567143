//! Signing in with an identifier and a password (SPEC §3.1–3.2).
//!
//! The order of the steps is what makes the answers uniform: the lock is
//! checked per typed identifier before anything else; unknown identifiers
//! are verified against a dummy hash; the failure is recorded in the same
//! transaction as its audit record. No transaction is held while hashing.

mod device;

pub use device::{NOT_ME_WINDOW, NotMe};

use std::time::Duration;

use espace_domain::identifier::{LoginIdentifier, attempt_key};
use espace_domain::lockout::{FailureOutcome, Gate};
use espace_domain::password::PasswordPolicy;
use jiff::Timestamp;
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;
use uuid::Uuid;

use crate::App;
use crate::audit::{AuditEvent, AuditKind, ClientInfo};
use crate::error::AppError;
use crate::ports::LoginRecord;

/// Longest password input considered, in bytes; longer is refused without
/// hashing (DoS guard; the policy's own maximum is 128 characters).
pub const MAX_PASSWORD_INPUT: usize = 1024;

#[derive(Debug)]
pub struct SignInRequest {
    pub identifier: String,
    pub password: SecretString,
    pub client: ClientInfo,
    /// The session this browser had (its id hash), ended by the sign-in so
    /// that no earlier session survives a new one (ASVS 7.2.4).
    pub replaces_session: Option<String>,
    /// The browser's long-lived device cookie, if it has one.
    pub device: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignInError {
    /// A field was left empty (nothing is counted).
    Missing { identifier: bool, password: bool },
    /// Identifier or password wrong — never says which.
    WrongCredentials {
        /// Tries left before the temporary lock.
        remaining: u32,
        /// The same wrong password as a previous try (counted once).
        repeated: bool,
    },
    /// Temporarily locked until then (SPEC §3.2).
    Locked { until: Timestamp },
}

#[derive(Debug)]
pub struct SignedIn {
    /// The raw session token for the cookie.
    pub session_token: String,
    pub login_id: Uuid,
    pub locale: Option<String>,
    /// A new device cookie to set (this browser had none).
    pub new_device_token: Option<String>,
    /// What the person must do before going anywhere.
    pub next_step: NextStep,
}

/// Where a sign-in leads (SPEC §4.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NextStep {
    /// Nothing owed.
    Continue,
    /// The second factor.
    SecondFactor,
    /// Setting up a first method, now.
    Enrol,
    /// Setting up a first method, which may wait until the deadline.
    EnrolBefore(Timestamp),
}

impl App {
    /// The step a freshly signed-in login owes.
    pub(crate) async fn next_step(
        &self,
        tx: &mut dyn crate::ports::Tx,
        login: &LoginRecord,
        aal: i32,
        now: Timestamp,
        client: &ClientInfo,
    ) -> Result<NextStep, AppError> {
        use espace_domain::strong::{Stage, Status};
        let (status, _) = self.strong_status(tx, login).await?;
        let step = match (Stage::of(aal, status, now), status) {
            (Stage::SecondFactor, _) => NextStep::SecondFactor,
            (Stage::Enrolment, _) => NextStep::Enrol,
            (Stage::Complete, Status::Pending { deadline: Some(d) }) if aal < 2 => {
                NextStep::EnrolBefore(d)
            }
            _ => NextStep::Continue,
        };
        self.audit_staff_owed(tx, login, step, now, client).await?;
        Ok(step)
    }
}

/// The answer, and how long to hold it (per-address throttling).
#[derive(Debug)]
pub struct SignInOutcome {
    pub result: Result<SignedIn, SignInError>,
    pub delay: Duration,
}

impl App {
    pub async fn sign_in(&self, req: SignInRequest) -> Result<SignInOutcome, AppError> {
        let missing_id = req.identifier.trim().is_empty();
        let missing_pw = req.password.expose_secret().is_empty();
        if missing_id || missing_pw {
            return Ok(SignInOutcome {
                result: Err(SignInError::Missing {
                    identifier: missing_id,
                    password: missing_pw,
                }),
                delay: Duration::ZERO,
            });
        }
        let config = self.config();
        let key = attempt_key(&req.identifier);
        let ip = req.client.ip.clone();

        // 1. Lock and address window, read without holding a write lock.
        let (gate, login, delay) = {
            let now = self.clock().now();
            let mut tx = self.store().begin_read().await?;
            let state = tx.attempt_state(&key).await?.refreshed(now);
            let window = tx.ip_window(&ip).await?;
            let login = match LoginIdentifier::parse(&req.identifier) {
                Ok(id) => tx.login_by_identifier(id.normalized()).await?,
                Err(_) => None,
            };
            (
                state.gate(now),
                login,
                config.ip_throttle.delay(window, now),
            )
        };
        if !delay.is_zero() {
            let mut tx = self.store().begin().await?;
            tx.append_audit(
                &AuditEvent::new(AuditKind::SignInThrottled, self.clock().now(), &req.client)
                    .identifier(&req.identifier)
                    .subject(login.as_ref().map(|l| l.id))
                    .detail(json!({ "delay_ms": delay.as_millis() as u64 })),
            )
            .await?;
            tx.commit().await?;
        }
        if let Gate::Locked { until } = gate {
            self.refuse_locked(&req, login.as_ref(), until).await?;
            return Ok(SignInOutcome {
                result: Err(SignInError::Locked { until }),
                delay,
            });
        }

        // 2. Verify (dummy hash for unknown logins), outside any transaction.
        let password = PasswordPolicy::normalize(req.password.expose_secret());
        let too_long = password.len() > MAX_PASSWORD_INPUT;
        let verification = if too_long {
            None
        } else {
            let stored = login.as_ref().and_then(|l| l.password_hash.clone());
            Some(
                self.hasher()
                    .verify(stored, SecretString::from(password.clone()))
                    .await?,
            )
        };
        let usable = login.as_ref().filter(|l| !l.disabled);
        let valid = verification.is_some_and(|v| v.valid) && usable.is_some();
        let rehash = match (valid, verification) {
            (true, Some(v)) if v.needs_rehash => Some(
                self.hasher()
                    .hash(SecretString::from(password.clone()))
                    .await?,
            ),
            _ => None,
        };

        // 3. Record the outcome with its audit record, re-checking the lock
        //    (a concurrent attempt may have set it meanwhile).
        let now = self.clock().now();
        let mut tx = self.store().begin().await?;
        let stored = tx.attempt_state_for_update(&key).await?;
        if let Some(until) = stored.locked_until.filter(|u| *u <= now) {
            // The lock lifted by itself: the timeline says so.
            tx.append_audit(
                &AuditEvent::new(AuditKind::LoginUnlocked, now, &req.client)
                    .identifier(&req.identifier)
                    .subject(login.as_ref().map(|l| l.id))
                    .detail(json!({ "reason": "lock-expired", "locked_until": until.to_string() })),
            )
            .await?;
        }
        let mut state = stored.refreshed(now);
        if let Gate::Locked { until } = state.gate(now) {
            tx.commit().await?;
            self.refuse_locked(&req, login.as_ref(), until).await?;
            return Ok(SignInOutcome {
                result: Err(SignInError::Locked { until }),
                delay,
            });
        }
        if let (true, Some(login)) = (valid, usable) {
            state = Default::default();
            tx.save_attempt_state(&key, &state, now).await?;
            if let Some(phc) = rehash {
                tx.set_password_hash(login.id, &phc).await?;
                tx.append_audit(
                    &AuditEvent::new(AuditKind::PasswordRehashed, now, &req.client)
                        .by_self(login.id),
                )
                .await?;
            }
            if let Some(previous) = &req.replaces_session {
                tx.delete_session(previous).await?;
            }
            // A reset of its methods whose waiting period is over applies
            // now, before the session's next step is decided.
            self.settle_factor_reset(tx.as_mut(), login, &req.client)
                .await?;
            let session_token = self
                .open_session(tx.as_mut(), login, &req.client, now)
                .await?;
            tx.append_audit(
                &AuditEvent::new(AuditKind::SignInSucceeded, now, &req.client)
                    .by_self(login.id)
                    .detail(json!({ "method": "password" })),
            )
            .await?;
            let new_device_token = self
                .note_device(
                    tx.as_mut(),
                    login,
                    &session_token,
                    req.device.as_deref(),
                    &req.client,
                )
                .await?;
            let next_step = self
                .next_step(tx.as_mut(), login, 1, now, &req.client)
                .await?;
            tx.commit().await?;
            metrics::counter!("espace_signin_total", "outcome" => "success").increment(1);
            return Ok(SignInOutcome {
                result: Ok(SignedIn {
                    session_token,
                    login_id: login.id,
                    locale: login.locale.clone(),
                    new_device_token,
                    next_step,
                }),
                delay,
            });
        }

        let fingerprint = self.keys().attempt_fingerprint(&key, &password)?;
        let outcome = state.record_failure(fingerprint, &config.lockout, now);
        tx.save_attempt_state(&key, &state, now).await?;
        let window = config
            .ip_throttle
            .after_failure(tx.ip_window(&ip).await?, now);
        tx.save_ip_window(&ip, &window).await?;
        let subject = login.as_ref().map(|l| l.id);
        let reason = match (&login, too_long) {
            (_, true) => "password-too-long",
            (None, _) => "unknown-identifier",
            (Some(l), _) if l.disabled => "login-disabled",
            _ => "wrong-password",
        };
        tx.append_audit(
            &AuditEvent::new(AuditKind::SignInFailed, now, &req.client)
                .identifier(&req.identifier)
                .subject(subject)
                .detail(json!({ "method": "password", "reason": reason,
                    "repeated": matches!(outcome, FailureOutcome::Repeated { .. }) })),
        )
        .await?;
        let result = match outcome {
            FailureOutcome::Counted { remaining } => SignInError::WrongCredentials {
                remaining,
                repeated: false,
            },
            FailureOutcome::Repeated { remaining } => SignInError::WrongCredentials {
                remaining,
                repeated: true,
            },
            FailureOutcome::LockedNow { until } => {
                tx.append_audit(
                    &AuditEvent::new(AuditKind::LoginLocked, now, &req.client)
                        .identifier(&req.identifier)
                        .subject(subject)
                        .detail(json!({ "until": until.to_string(), "failures": config.lockout.max_failures })),
                )
                .await?;
                SignInError::Locked { until }
            }
        };
        tx.commit().await?;
        metrics::counter!("espace_signin_total", "outcome" => "failure").increment(1);
        Ok(SignInOutcome {
            result: Err(result),
            delay,
        })
    }

    async fn refuse_locked(
        &self,
        req: &SignInRequest,
        login: Option<&LoginRecord>,
        until: Timestamp,
    ) -> Result<(), AppError> {
        let mut tx = self.store().begin().await?;
        tx.append_audit(
            &AuditEvent::new(
                AuditKind::SignInRefusedLocked,
                self.clock().now(),
                &req.client,
            )
            .identifier(&req.identifier)
            .subject(login.map(|l| l.id))
            .detail(json!({ "until": until.to_string() })),
        )
        .await?;
        tx.commit().await?;
        metrics::counter!("espace_signin_total", "outcome" => "locked").increment(1);
        Ok(())
    }
}

/// Why a passwordless sign-in (passkey, FranceConnect+) is refused before
/// it opens a session.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum PasswordlessRefusal {
    /// The login's methods were reset a moment ago: the method is gone.
    MethodsReset,
    /// Its second factors are locked: how the person is told.
    Locked(crate::error::Problem),
}

impl App {
    /// The checks of a passwordless sign-in with `method`: the password lock
    /// does not apply (no password is tried), the second-factor lock does.
    /// A refusal is audited (`signin.failed`, with the reason).
    pub(crate) async fn passwordless_refusal(
        &self,
        tx: &mut dyn crate::ports::Tx,
        login: &LoginRecord,
        method: &str,
        client: &ClientInfo,
    ) -> Result<Option<PasswordlessRefusal>, AppError> {
        let refusal = if self.settle_factor_reset(tx, login, client).await? {
            PasswordlessRefusal::MethodsReset
        } else if let Some(problem) = self.factor_lock(tx, login.id).await? {
            PasswordlessRefusal::Locked(problem)
        } else {
            return Ok(None);
        };
        let reason = match refusal {
            PasswordlessRefusal::MethodsReset => "methods-reset",
            PasswordlessRefusal::Locked(_) => "second-factor-locked",
        };
        tx.append_audit(
            &AuditEvent::new(AuditKind::SignInFailed, self.clock().now(), client)
                .subject(Some(login.id))
                .detail(json!({ "method": method, "reason": reason })),
        )
        .await?;
        Ok(Some(refusal))
    }

    /// Opens a session at level 2 for a passwordless sign-in with `method`
    /// (`detail` is audited with it), ending the browser's previous one,
    /// and notes the device. The caller commits.
    pub(crate) async fn open_passwordless(
        &self,
        tx: &mut dyn crate::ports::Tx,
        login: &LoginRecord,
        replaces_session: Option<&str>,
        detail: serde_json::Value,
        device: Option<&str>,
        client: &ClientInfo,
    ) -> Result<SignedIn, AppError> {
        let now = self.clock().now();
        if let Some(previous) = replaces_session {
            tx.delete_session(previous).await?;
        }
        let session_token = self.open_session_at(tx, login, client, now, 2).await?;
        tx.append_audit(
            &AuditEvent::new(AuditKind::SignInSucceeded, now, client)
                .by_self(login.id)
                .detail(detail),
        )
        .await?;
        let new_device_token = self
            .note_device(tx, login, &session_token, device, client)
            .await?;
        Ok(SignedIn {
            session_token,
            login_id: login.id,
            locale: login.locale.clone(),
            new_device_token,
            next_step: NextStep::Continue,
        })
    }
}
