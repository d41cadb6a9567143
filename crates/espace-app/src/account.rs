//! My personal information (SPEC §6): password, title, e-mail and phone.
//! A new e-mail or mobile number takes effect only once a code sent to it
//! is typed back; the previous address is told, with a link that undoes
//! the change for 72 hours.

use espace_domain::email::EmailAddress;
use espace_domain::lockout::FailureOutcome;
use espace_domain::onetime::{CodeOutcome, normalize_code};
use espace_domain::password::{PasswordContext, PasswordPolicy};
use espace_domain::phone::{LineKind, PhoneE164};
use jiff::{SignedDuration, Timestamp};
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;
use uuid::Uuid;

use crate::App;
use crate::audit::{AuditEvent, AuditKind, ClientInfo};
use crate::auth::{PasswordAttempt, Verdict};
use crate::crypto::random_code;
use crate::error::{AppError, FieldProblem, FormRejection, Problem};
use crate::limits::CodeSender;
use crate::notify::{Notice, Recipient};
use crate::ports::{CodeRecord, LinkTo, LoginRecord, Tx};
use crate::session::CurrentSession;

/// How long the previous address may undo a change (SPEC §6).
pub const UNDO_WINDOW: SignedDuration = SignedDuration::from_hours(72);

pub const PURPOSE_EMAIL: &str = "verify-email";
pub const PURPOSE_PHONE: &str = "verify-phone";
const TOKEN_UNDO: &str = "undo-contact";

#[derive(Debug)]
pub struct PasswordChange {
    pub current: SecretString,
    pub new: SecretString,
    pub confirm: SecretString,
    /// The browser's device cookie (the password lock counts per browser
    /// for known devices).
    pub device: Option<String>,
}

/// What a contact change did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContactOutcome {
    /// A code went to the new address or mobile; nothing changed yet.
    CodeSent {
        masked: String,
    },
    /// Changed at once (a landline, or the number removed).
    Changed,
    Unchanged,
}

/// A pending e-mail or phone change, as the contact page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingChange {
    pub target: String,
    pub expires_at: Timestamp,
}

/// What an undo link offers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UndoOffer {
    pub identifier: String,
    pub field: String,
    pub restore: Option<String>,
}

pub(crate) fn masked_email(address: &str) -> String {
    match address.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}•••@{domain}")
        }
        None => "•••".into(),
    }
}

impl App {
    /// The policy context of a login: its identifier, e-mail and names.
    pub(crate) fn password_words(login: &LoginRecord) -> Vec<String> {
        [&login.first_name, &login.last_name]
            .into_iter()
            .filter(|w| w.chars().count() >= 3)
            .cloned()
            .collect()
    }

    /// Checks a candidate password against the policy for this login.
    pub fn check_new_password(
        &self,
        login: &LoginRecord,
        candidate: &str,
    ) -> espace_domain::password::Evaluation {
        let words = Self::password_words(login);
        let words: Vec<&str> = words.iter().map(String::as_str).collect();
        self.config().password_policy().evaluate(
            candidate,
            &PasswordContext {
                identifier: Some(&login.identifier),
                email: login.email.as_deref(),
                personal_words: &words,
                strong_auth_enforced: false,
            },
        )
    }

    /// Checks a new password typed twice (`new_password`,
    /// `new_password_confirm`) against the policy for `login`: adds the
    /// problems of both fields, returns the normalised password.
    pub(crate) fn check_password_pair(
        &self,
        login: &LoginRecord,
        new: &SecretString,
        confirm: &SecretString,
        problems: &mut Vec<FieldProblem>,
    ) -> String {
        let new = PasswordPolicy::normalize(new.expose_secret());
        let confirm = PasswordPolicy::normalize(confirm.expose_secret());
        let mut push = |field, problem| problems.push(FieldProblem { field, problem });
        if new.is_empty() {
            push("new_password", Problem::Required);
        } else {
            let evaluation = self.check_new_password(login, &new);
            if !evaluation.is_acceptable() {
                push("new_password", Problem::Policy(evaluation.violations));
            }
        }
        if confirm.is_empty() {
            push("new_password_confirm", Problem::Required);
        } else if !new.is_empty() && confirm != new {
            push("new_password_confirm", Problem::Mismatch);
        }
        new
    }

    /// `/account/password`: on success every other session is signed out
    /// and the person is told by e-mail. Returns how many were signed out.
    pub async fn change_password(
        &self,
        session: &CurrentSession,
        change: PasswordChange,
        client: &ClientInfo,
    ) -> Result<u64, FormRejection> {
        self.require_recent_auth(session).await?;
        let login = &session.login;
        let current = change.current.expose_secret();
        let mut problems = Vec::new();
        if current.is_empty() {
            problems.push(FieldProblem {
                field: "current_password",
                problem: Problem::Required,
            });
        }
        let new = self.check_password_pair(login, &change.new, &change.confirm, &mut problems);
        // Every problem is reported in one round (issue 16 item 10): the
        // current password goes through the one gate even when the new one
        // breaks a rule, so a lock holds here too and a wrong one counts
        // towards it; the new one's problems come with its verdict.
        if !current.is_empty() {
            let now = self.clock().now();
            let gated = self
                .password_gate(PasswordAttempt {
                    identifier: &login.identifier,
                    login: Some(login),
                    password: current,
                    device: change.device.as_deref(),
                    client,
                    failure: AuditEvent::new(AuditKind::PasswordChangeFailed, now, client)
                        .by_self(login.id)
                        .detail(json!({})),
                })
                .await?;
            let mut tx = gated.tx;
            let problem = match gated.verdict {
                Verdict::Valid => None,
                Verdict::Locked { until } => {
                    tx.append_audit(
                        &AuditEvent::new(AuditKind::PasswordChangeFailed, now, client)
                            .by_self(login.id)
                            .detail(json!({ "reason": "locked" })),
                    )
                    .await?;
                    Some(self.password_locked_problem(until))
                }
                Verdict::Wrong {
                    outcome: FailureOutcome::LockedNow { until },
                } => Some(self.password_locked_problem(until)),
                Verdict::Wrong { .. } => Some(Problem::WrongPassword),
            };
            tx.commit().await?;
            if let Some(problem) = problem {
                problems.insert(
                    0,
                    FieldProblem {
                        field: "current_password",
                        problem,
                    },
                );
            }
        }
        if !problems.is_empty() {
            return Err(FormRejection::Invalid(problems));
        }
        if PasswordPolicy::normalize(current) == new {
            return Err(FormRejection::one("new_password", Problem::SameAsBefore));
        }
        let now = self.clock().now();
        let phc = self.hasher().hash(SecretString::from(new)).await?;
        let mut tx = self.store().begin().await?;
        tx.set_password_hash(login.id, &phc).await?;
        let others = tx.delete_other_sessions(login.id, &session.id_hash).await?;
        tx.append_audit(
            &AuditEvent::new(AuditKind::PasswordChanged, now, client)
                .by_self(login.id)
                .detail(json!({ "other_sessions_signed_out": others })),
        )
        .await?;
        if let Some(email) = &login.email {
            self.queue(
                tx.as_mut(),
                Recipient::Email(email),
                Some(login.id),
                Self::locale_of(login),
                &Notice::PasswordChanged {
                    identifier: login.identifier.clone(),
                    at: now,
                    device: client.user_agent.clone(),
                    ip: client.ip.clone(),
                },
            )
            .await?;
        }
        tx.commit().await?;
        Ok(others)
    }

    /// The title (Mr, Mrs, not specified): takes effect at once.
    pub async fn set_title(
        &self,
        session: &CurrentSession,
        title: &str,
        client: &ClientInfo,
    ) -> Result<bool, FormRejection> {
        if !["mr", "mrs", "unspecified"].contains(&title) {
            return Err(FormRejection::one("title", Problem::Choice));
        }
        if session.login.title == title {
            return Ok(false);
        }
        let mut tx = self.store().begin().await?;
        tx.set_title(session.login.id, title).await?;
        tx.append_audit(
            &AuditEvent::new(AuditKind::TitleChanged, self.clock().now(), client)
                .by_self(session.login.id)
                .detail(json!({ "from": session.login.title, "to": title })),
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Issues a code for `purpose` (replacing any live one) and queues it.
    pub(crate) async fn issue_code(
        &self,
        tx: &mut dyn Tx,
        login: &LoginRecord,
        purpose: &str,
        target: &str,
        to: Recipient<'_>,
    ) -> Result<(), AppError> {
        let policy = self.config().codes;
        let now = self.clock().now();
        let code = random_code()?;
        tx.put_code(&CodeRecord {
            login_id: login.id,
            purpose: purpose.into(),
            target: target.into(),
            code_hash: self.keys().code_hash(login.id, purpose, target, &code)?,
            created_at: now,
            expires_at: now + policy.ttl,
            tries: 0,
        })
        .await?;
        self.queue(
            tx,
            to,
            Some(login.id),
            Self::locale_of(login),
            &Notice::VerificationCode {
                code,
                minutes: policy.ttl.as_mins(),
            },
        )
        .await
    }

    /// Starts an e-mail change: a code goes to the new address.
    pub async fn request_email_change(
        &self,
        session: &CurrentSession,
        raw: &str,
        client: &ClientInfo,
    ) -> Result<ContactOutcome, FormRejection> {
        self.require_recent_auth(session).await?;
        let login = &session.login;
        if raw.trim().is_empty() {
            return Err(FormRejection::one("email", Problem::Required));
        }
        let email =
            EmailAddress::parse(raw).map_err(|e| FormRejection::one("email", Problem::Email(e)))?;
        if login
            .email
            .as_deref()
            .is_some_and(|e| e.eq_ignore_ascii_case(email.normalized()))
        {
            return Ok(ContactOutcome::Unchanged);
        }
        let mut tx = self.store().begin().await?;
        let to = Recipient::Email(email.as_str());
        if let Err(problem) = self
            .guard_code_send(tx.as_mut(), CodeSender::Contact, login, &to, client)
            .await?
        {
            tx.commit().await?;
            return Err(FormRejection::one("email", problem));
        }
        self.issue_code(
            tx.as_mut(),
            login,
            PURPOSE_EMAIL,
            email.as_str(),
            Recipient::Email(email.as_str()),
        )
        .await?;
        tx.append_audit(
            &AuditEvent::new(AuditKind::EmailChangeRequested, self.clock().now(), client)
                .by_self(login.id)
                .detail(json!({ "to": masked_email(email.as_str()) })),
        )
        .await?;
        tx.commit().await?;
        Ok(ContactOutcome::CodeSent {
            masked: email.as_str().to_owned(),
        })
    }

    /// Starts a phone change: a mobile gets a code by SMS; a landline (no
    /// SMS) takes effect at once, unverified; an empty field removes it.
    pub async fn request_phone_change(
        &self,
        session: &CurrentSession,
        raw: &str,
        client: &ClientInfo,
    ) -> Result<ContactOutcome, FormRejection> {
        self.require_recent_auth(session).await?;
        let login = &session.login;
        if raw.trim().is_empty() {
            if login.phone.is_none() {
                return Ok(ContactOutcome::Unchanged);
            }
            let mut tx = self.store().begin().await?;
            self.apply_contact_change(tx.as_mut(), login, "phone", None, false, client)
                .await?;
            tx.commit().await?;
            return Ok(ContactOutcome::Changed);
        }
        let phone =
            PhoneE164::parse(raw).map_err(|e| FormRejection::one("phone", Problem::Phone(e)))?;
        if login.phone.as_deref() == Some(phone.as_str()) {
            return Ok(ContactOutcome::Unchanged);
        }
        let mut tx = self.store().begin().await?;
        if phone.kind() == LineKind::Landline {
            self.apply_contact_change(
                tx.as_mut(),
                login,
                "phone",
                Some(phone.as_str()),
                false,
                client,
            )
            .await?;
            tx.commit().await?;
            return Ok(ContactOutcome::Changed);
        }
        let to = Recipient::Sms(phone.as_str());
        if let Err(problem) = self
            .guard_code_send(tx.as_mut(), CodeSender::Contact, login, &to, client)
            .await?
        {
            tx.commit().await?;
            return Err(FormRejection::one("phone", problem));
        }
        self.issue_code(
            tx.as_mut(),
            login,
            PURPOSE_PHONE,
            phone.as_str(),
            Recipient::Sms(phone.as_str()),
        )
        .await?;
        tx.append_audit(
            &AuditEvent::new(AuditKind::PhoneChangeRequested, self.clock().now(), client)
                .by_self(login.id)
                .detail(json!({ "to": phone.masked() })),
        )
        .await?;
        tx.commit().await?;
        Ok(ContactOutcome::CodeSent {
            masked: phone.international().to_owned(),
        })
    }

    /// The change waiting for its code, if any (live codes only).
    pub async fn pending_change(
        &self,
        session: &CurrentSession,
        purpose: &str,
    ) -> Result<Option<PendingChange>, AppError> {
        let now = self.clock().now();
        let mut tx = self.store().begin_read().await?;
        let code = tx.code(session.login.id, purpose).await?;
        Ok(code
            .filter(|c| {
                c.expires_at > now
                    && u32::try_from(c.tries).unwrap_or(u32::MAX) < self.config().codes.max_tries
            })
            .map(|c| PendingChange {
                target: c.target,
                expires_at: c.expires_at,
            }))
    }

    /// The six digits of a typed code, or the field's problem.
    pub(crate) fn typed_code(typed: &str, field: &'static str) -> Result<String, FormRejection> {
        normalize_code(typed).ok_or_else(|| {
            FormRejection::one(
                field,
                if typed.trim().is_empty() {
                    Problem::Required
                } else {
                    Problem::CodeShape
                },
            )
        })
    }

    /// Judges a typed code of `purpose` for `login_id` in the caller's
    /// transaction: an accepted code is used up; a wrong try is counted; an
    /// exhausted or expired code is deleted; every refusal is audited (with
    /// `actor` as who typed it, if known). The caller commits either way.
    pub(crate) async fn check_code(
        &self,
        tx: &mut dyn Tx,
        login_id: Uuid,
        actor: Option<Uuid>,
        purpose: &str,
        code: &str,
        client: &ClientInfo,
    ) -> Result<Result<CodeRecord, Problem>, AppError> {
        let (problem, outcome) = match self.judge_code(tx, login_id, purpose, code).await? {
            Ok(stored) => return Ok(Ok(stored)),
            // No code to judge: nothing happened to record.
            Err((problem, None)) => return Ok(Err(problem)),
            Err((problem, Some(outcome))) => (problem, outcome),
        };
        let now = self.clock().now();
        let mut event = AuditEvent::new(AuditKind::CodeRejected, now, client)
            .subject(Some(login_id))
            .detail(json!({ "purpose": purpose, "outcome": outcome }));
        event.actor_login_id = actor;
        tx.append_audit(&event).await?;
        Ok(Err(problem))
    }

    /// [`Self::check_code`] without its audit record, for a caller that
    /// records the refusal itself as one event (the second step: a wrong
    /// code is one "second step failed", not two events). Returns the
    /// problem and the outcome's name (none if there was no code).
    pub(crate) async fn judge_code(
        &self,
        tx: &mut dyn Tx,
        login_id: Uuid,
        purpose: &str,
        code: &str,
    ) -> Result<Result<CodeRecord, (Problem, Option<String>)>, AppError> {
        let now = self.clock().now();
        let Some(stored) = tx.code(login_id, purpose).await? else {
            return Ok(Err((Problem::CodeVoid, None)));
        };
        let matches =
            self.keys()
                .code_matches(&stored.code_hash, login_id, purpose, &stored.target, code);
        let tries = u32::try_from(stored.tries).unwrap_or(u32::MAX);
        let outcome = self
            .config()
            .codes
            .judge(stored.expires_at, tries, now, matches);
        let problem = match outcome {
            CodeOutcome::Accepted => {
                tx.delete_code(login_id, purpose).await?;
                return Ok(Ok(stored));
            }
            CodeOutcome::Wrong { remaining } => {
                tx.set_code_tries(login_id, purpose, stored.tries + 1)
                    .await?;
                Problem::CodeWrong { remaining }
            }
            CodeOutcome::Exhausted | CodeOutcome::Expired => {
                tx.delete_code(login_id, purpose).await?;
                Problem::CodeVoid
            }
        };
        Ok(Err((problem, Some(format!("{outcome:?}")))))
    }

    /// Checks the code of a pending change and applies it.
    pub async fn confirm_contact_change(
        &self,
        session: &CurrentSession,
        purpose: &'static str,
        typed: &str,
        client: &ClientInfo,
    ) -> Result<(), FormRejection> {
        let login = &session.login;
        let code = Self::typed_code(typed, "code")?;
        let mut tx = self.store().begin().await?;
        let stored = match self
            .check_code(
                tx.as_mut(),
                login.id,
                Some(login.id),
                purpose,
                &code,
                client,
            )
            .await?
        {
            Ok(stored) => stored,
            Err(problem) => {
                tx.commit().await?;
                return Err(FormRejection::one("code", problem));
            }
        };
        let which = if purpose == PURPOSE_EMAIL {
            "email"
        } else {
            "phone"
        };
        self.apply_contact_change(
            tx.as_mut(),
            login,
            which,
            Some(&stored.target),
            true,
            client,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Writes a new e-mail or phone, audits it, and tells the previous
    /// e-mail address with an undo link valid 72 hours.
    async fn apply_contact_change(
        &self,
        tx: &mut dyn Tx,
        login: &LoginRecord,
        which: &str,
        value: Option<&str>,
        verified: bool,
        client: &ClientInfo,
    ) -> Result<(), AppError> {
        let now = self.clock().now();
        let (previous, previous_verified, kind) = if which == "email" {
            tx.set_email(login.id, value, verified).await?;
            (
                login.email.clone(),
                login.email_verified,
                AuditKind::EmailChanged,
            )
        } else {
            tx.set_phone(login.id, value, verified).await?;
            (
                login.phone.clone(),
                login.phone_verified,
                AuditKind::PhoneChanged,
            )
        };
        tx.append_audit(
            &AuditEvent::new(kind, now, client)
                .by_self(login.id)
                .detail(json!({ "verified": verified, "removed": value.is_none() })),
        )
        .await?;
        let Some(notify_to) = login.email.clone() else {
            return Ok(());
        };
        let until = now + UNDO_WINDOW;
        let payload = json!({
            "field": which,
            "previous": previous,
            "previous_verified": previous_verified,
            "new": value,
        });
        let token = self
            .issue_link(tx, login.id, TOKEN_UNDO, payload, UNDO_WINDOW)
            .await?;
        let undo_url = self.link_to(LinkTo::Undo(&token));
        let shown = value.map_or_else(String::new, |v| {
            if which == "email" {
                masked_email(v)
            } else {
                PhoneE164::parse(v).map_or_else(|_| v.to_owned(), |p| p.masked())
            }
        });
        let notice = if which == "email" {
            Notice::EmailChanged {
                identifier: login.identifier.clone(),
                new_email: shown,
                undo_url,
                until,
            }
        } else {
            Notice::PhoneChanged {
                identifier: login.identifier.clone(),
                new_phone: shown,
                undo_url,
                until,
            }
        };
        self.queue(
            tx,
            Recipient::Email(&notify_to),
            Some(login.id),
            Self::locale_of(login),
            &notice,
        )
        .await
    }

    /// What an undo link would restore (nothing changes on GET).
    pub async fn undo_offer(&self, token: &str) -> Result<UndoOffer, AppError> {
        let mut tx = self.store().begin_read().await?;
        let (record, login) = self.live_link(tx.as_mut(), token, TOKEN_UNDO).await?;
        Ok(UndoOffer {
            identifier: login.identifier,
            field: record.payload["field"]
                .as_str()
                .unwrap_or("email")
                .to_owned(),
            restore: record.payload["previous"].as_str().map(str::to_owned),
        })
    }

    /// Undoes a contact change from the link sent to the previous address:
    /// the previous value comes back and every session of the login is
    /// signed out (whoever made the change is out).
    pub async fn undo_contact_change(
        &self,
        token: &str,
        client: &ClientInfo,
    ) -> Result<UndoOffer, AppError> {
        let now = self.clock().now();
        let mut tx = self.store().begin().await?;
        let (record, login) = self.take_link(tx.as_mut(), token, TOKEN_UNDO).await?;
        let field = record.payload["field"]
            .as_str()
            .unwrap_or("email")
            .to_owned();
        let previous = record.payload["previous"].as_str().map(str::to_owned);
        let verified = record.payload["previous_verified"]
            .as_bool()
            .unwrap_or(false);
        if field == "email" {
            tx.set_email(login.id, previous.as_deref(), verified)
                .await?;
            tx.delete_code(login.id, PURPOSE_EMAIL).await?;
        } else {
            tx.set_phone(login.id, previous.as_deref(), verified)
                .await?;
            tx.delete_code(login.id, PURPOSE_PHONE).await?;
        }
        let signed_out = tx.delete_other_sessions(login.id, "").await?;
        tx.append_audit(
            &AuditEvent::new(AuditKind::ContactChangeUndone, now, client)
                .subject(Some(login.id))
                .detail(json!({ "field": field, "sessions_signed_out": signed_out })),
        )
        .await?;
        tx.commit().await?;
        Ok(UndoOffer {
            identifier: login.identifier,
            field,
            restore: previous,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masked_addresses_keep_the_first_letter_and_domain() {
        assert_eq!(masked_email("alice@acme.example"), "a•••@acme.example");
        assert_eq!(masked_email("nope"), "•••");
    }
}
