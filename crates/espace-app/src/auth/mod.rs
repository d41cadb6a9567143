//! Signing in with an identifier and a password (SPEC §3.1–3.2).
//!
//! The order of the steps is what makes the answers uniform: the lock is
//! checked per typed identifier before anything else; unknown identifiers
//! are verified against a dummy hash; the failure is recorded in the same
//! transaction as its audit record. No transaction is held while hashing.

mod device;
mod gate;

pub(crate) use device::plausible_token;
pub use device::{NOT_ME_WINDOW, NotMe};
pub(crate) use gate::{PasswordAttempt, Verdict};

use espace_domain::identifier::LoginIdentifier;
use espace_domain::lockout::FailureOutcome;
use jiff::Timestamp;
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;
use uuid::Uuid;

use crate::App;
use crate::audit::{AuditEvent, AuditKind, ClientInfo};
use crate::crypto::random_token;
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
    /// Too many failures from this address: refused until then, without
    /// checking anything (SPEC §3.2).
    Throttled { until: Timestamp },
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

/// The answer to a sign-in, and the device cookie to set: every browser
/// that tries gets one, so that a wrong password it repeats is recognised
/// as its own (and only it is told so).
#[derive(Debug)]
pub struct SignInOutcome {
    pub result: Result<SignedIn, SignInError>,
    /// A new device cookie for a browser that had none.
    pub new_device_token: Option<String>,
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
                new_device_token: None,
            });
        }
        let minted = match req.device.as_deref().filter(|d| plausible_token(d)) {
            Some(_) => None,
            None => Some(random_token()?),
        };
        let device = minted.as_deref().or(req.device.as_deref());
        let result = self.sign_in_with(&req, device).await?;
        Ok(SignInOutcome {
            result: result.map(|mut signed_in| {
                signed_in.new_device_token = minted.clone();
                signed_in
            }),
            new_device_token: minted,
        })
    }

    async fn sign_in_with(
        &self,
        req: &SignInRequest,
        device: Option<&str>,
    ) -> Result<Result<SignedIn, SignInError>, AppError> {
        let config = self.config();
        let ip = req.client.ip.clone();

        // 1. Per address: past the threshold, refused at once.
        let login = {
            let now = self.clock().now();
            let mut tx = self.store().begin_read().await?;
            let window = tx.ip_window(&ip).await?;
            let login = match LoginIdentifier::parse(&req.identifier) {
                Ok(id) => tx.login_by_identifier(id.normalized()).await?,
                Err(_) => None,
            };
            if let Some(until) = config.ip_throttle.refused_until(window, now) {
                drop(tx);
                let mut tx = self.store().begin().await?;
                tx.append_audit(
                    &AuditEvent::new(AuditKind::SignInThrottled, now, &req.client)
                        .identifier(&req.identifier)
                        .subject(login.as_ref().map(|l| l.id))
                        .detail(json!({ "until": until.to_string() })),
                )
                .await?;
                tx.commit().await?;
                metrics::counter!("espace_signin_total", "outcome" => "throttled").increment(1);
                return Ok(Err(SignInError::Throttled { until }));
            }
            login
        };

        // 2. The password, through the one gate.
        let now = self.clock().now();
        let gated = self
            .password_gate(PasswordAttempt {
                identifier: &req.identifier,
                login: login.as_ref(),
                password: req.password.expose_secret(),
                device,
                client: &req.client,
                failure: AuditEvent::new(AuditKind::SignInFailed, now, &req.client)
                    .identifier(&req.identifier)
                    .subject(login.as_ref().map(|l| l.id))
                    .detail(json!({ "method": "password" })),
            })
            .await?;
        let mut tx = gated.tx;
        let outcome = match gated.verdict {
            Verdict::Locked { until } => {
                self.refuse_locked(tx.as_mut(), req, login.as_ref(), until)
                    .await?;
                tx.commit().await?;
                return Ok(Err(SignInError::Locked { until }));
            }
            Verdict::Wrong { outcome } => outcome,
            Verdict::Valid => {
                let login = login.as_ref().ok_or(AppError::NotFound)?;
                let signed_in = self.open_signed_in(tx.as_mut(), login, req, device).await?;
                tx.commit().await?;
                metrics::counter!("espace_signin_total", "outcome" => "success").increment(1);
                return Ok(Ok(signed_in));
            }
        };

        // 3. A wrong password also counts for the address, atomically.
        tx.count_ip_failure(&ip, now, config.ip_throttle.cutoff(now))
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
            FailureOutcome::LockedNow { until } => SignInError::Locked { until },
        };
        tx.commit().await?;
        metrics::counter!("espace_signin_total", "outcome" => "failure").increment(1);
        Ok(Err(result))
    }

    /// The session of a right password: ends the browser's previous one,
    /// settles a due reset of the methods, notes the device.
    async fn open_signed_in(
        &self,
        tx: &mut dyn crate::ports::Tx,
        login: &LoginRecord,
        req: &SignInRequest,
        device: Option<&str>,
    ) -> Result<SignedIn, AppError> {
        let now = self.clock().now();
        if let Some(previous) = &req.replaces_session {
            tx.delete_session(previous).await?;
        }
        // A reset of its methods whose waiting period is over applies
        // now, before the session's next step is decided.
        self.settle_factor_reset(tx, login, &req.client).await?;
        let session_token = self.open_session(tx, login, &req.client, now).await?;
        tx.append_audit(
            &AuditEvent::new(AuditKind::SignInSucceeded, now, &req.client)
                .by_self(login.id)
                .detail(json!({ "method": "password" })),
        )
        .await?;
        let new_device_token = self
            .note_device(tx, login, &session_token, device, &req.client)
            .await?;
        let next_step = self.next_step(tx, login, 1, now, &req.client).await?;
        let locale = self.adopt_chosen_locale(tx, login, &req.client).await?;
        Ok(SignedIn {
            session_token,
            login_id: login.id,
            locale,
            new_device_token,
            next_step,
        })
    }

    async fn refuse_locked(
        &self,
        tx: &mut dyn crate::ports::Tx,
        req: &SignInRequest,
        login: Option<&LoginRecord>,
        until: Timestamp,
    ) -> Result<(), AppError> {
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
        metrics::counter!("espace_signin_total", "outcome" => "locked").increment(1);
        Ok(())
    }
}

impl App {
    /// The language a sign-in leads to: the one this browser chose, if it
    /// chose one, which then becomes the login's preference (audited);
    /// else the login's own.
    async fn adopt_chosen_locale(
        &self,
        tx: &mut dyn crate::ports::Tx,
        login: &LoginRecord,
        client: &ClientInfo,
    ) -> Result<Option<String>, AppError> {
        let Some(chosen) = client.chosen_locale.map(|l| l.code()) else {
            return Ok(login.locale.clone());
        };
        if login.locale.as_deref() != Some(chosen) {
            tx.set_login_locale(login.id, chosen).await?;
            tx.append_audit(
                &AuditEvent::new(AuditKind::LanguageChanged, self.clock().now(), client)
                    .by_self(login.id)
                    .detail(json!({ "from": login.locale, "to": chosen, "at": "sign-in" })),
            )
            .await?;
        }
        Ok(Some(chosen.to_owned()))
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
        let locale = self.adopt_chosen_locale(tx, login, client).await?;
        Ok(SignedIn {
            session_token,
            login_id: login.id,
            locale,
            new_device_token,
            next_step: NextStep::Continue,
        })
    }
}
