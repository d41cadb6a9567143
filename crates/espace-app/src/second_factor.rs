//! The second factor at sign-in (SPEC §3.2, §4.3) and the step-up before
//! sensitive actions (SPEC §4.5), with recovery codes (SPEC §4.1, §5).
//!
//! Both end the same way: the session is replaced by a new one (new id)
//! at assurance level 2, authenticated now. Wrong second factors have
//! their own counter and lock, apart from the password's.

use espace_domain::lockout::{FailureOutcome, Gate};
use espace_domain::mfa::MethodKind;
use espace_domain::onetime::normalize_code;
use espace_domain::phone::PhoneE164;
use espace_domain::totp;
use jiff::Timestamp;
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;
use uuid::Uuid;

use crate::App;
use crate::account::masked_email;
use crate::audit::{AuditEvent, AuditKind, ClientInfo};
use crate::auth::{PasswordAttempt, Verdict};
use crate::crypto::{random_bytes, random_token, sha256_hex};
use crate::error::{AppError, FormRejection, Problem};
use crate::limits::CodeSender;
use crate::notify::{Notice, Recipient};
use crate::ports::{LoginRecord, SessionRecord, Tx};
use crate::recovery::TOKEN_RESET;
use crate::security::{MethodView, code_recipient, view};
use crate::session::CurrentSession;

/// Recovery codes issued at once.
pub const RECOVERY_CODES: usize = 10;
/// How long a form refused for a step-up is kept.
const PENDING_FORM_TTL: jiff::SignedDuration = jiff::SignedDuration::from_mins(10);
const CODE_PURPOSE: &str = "second-factor";

/// Why a second factor is asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    SignIn,
    StepUp,
    /// A password reset of a login whose strong authentication is on
    /// (SPEC §5: an e-mail inbox alone must not bypass it).
    PasswordReset,
}

impl Purpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::SignIn => "sign-in",
            Purpose::StepUp => "step-up",
            Purpose::PasswordReset => "password-reset",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Purpose::SignIn, Purpose::StepUp, Purpose::PasswordReset]
            .into_iter()
            .find(|p| p.as_str() == s)
    }
}

/// Who proves a second factor, and what passing it unlocks.
#[derive(Debug, Clone, Copy)]
pub enum Asker<'a> {
    /// A session: the second step of signing in, or the step-up. Passing
    /// replaces the session by a new one at level 2.
    Session(&'a CurrentSession, Purpose),
    /// A password-reset link (its token) opened in a browser (the raw
    /// value its CSRF token derives from). Passing marks the link, which
    /// may then set the password from that browser only. A code by e-mail
    /// does not count here: the link already came by e-mail.
    Reset { token: &'a str, browser: &'a str },
}

impl Asker<'_> {
    pub fn purpose(&self) -> Purpose {
        match self {
            Asker::Session(_, p) => *p,
            Asker::Reset { .. } => Purpose::PasswordReset,
        }
    }

    /// Whether a method of this kind may serve.
    fn accepts(&self, kind: MethodKind) -> bool {
        !matches!(self, Asker::Reset { .. }) || kind != MethodKind::Email
    }
}

/// What the person typed or presented.
#[derive(Debug, Clone, Copy)]
pub enum Proof<'a> {
    /// A code of a method: authenticator app, or code by e-mail or SMS.
    Code {
        method: Uuid,
        code: &'a str,
    },
    RecoveryCode(&'a str),
}

/// The second-factor page: the methods (default first), and the lock.
#[derive(Debug, Clone)]
pub struct FactorChoices {
    pub methods: Vec<MethodView>,
    pub recovery_codes_left: i64,
    pub locked_until: Option<Timestamp>,
    /// Linked phones not seen for a while (SPEC §4.6): the method, and
    /// whole days since; their approval may never arrive.
    pub unseen_phones: Vec<(Uuid, i64)>,
    /// Where each code method sends its code, masked (`a•••@acme.example`,
    /// `+33 6 •• •• •• 78`): the page says where to look.
    pub sent_to: Vec<(Uuid, String)>,
}

pub(crate) fn factor_attempt_key(login: Uuid) -> String {
    format!("second-factor:{login}")
}

/// A typed recovery code in canonical form: ten characters of Crockford's
/// base 32, read leniently (case, spaces, dashes, O for 0, I and L for 1).
fn normalize_recovery(typed: &str) -> Option<String> {
    let chars: String = typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            c => c,
        })
        .collect();
    (chars.len() == 10
        && chars
            .chars()
            .all(|c| c.is_ascii_digit() || (c.is_ascii_uppercase() && c != 'U')))
    .then_some(chars)
}

/// Ten random recovery codes, `XXXXX-XXXXX` (50 bits each).
fn new_recovery_codes() -> Result<Vec<String>, AppError> {
    const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let mut out = Vec::with_capacity(RECOVERY_CODES);
    for _ in 0..RECOVERY_CODES {
        let bytes = random_bytes::<10>()?;
        let mut code = String::with_capacity(11);
        for (i, b) in bytes.iter().enumerate() {
            if i == 5 {
                code.push('-');
            }
            code.push(char::from(ALPHABET[usize::from(b & 31)]));
        }
        out.push(code);
    }
    Ok(out)
}

impl App {
    fn recovery_hash(&self, login: Uuid, normalized: &str) -> Result<String, AppError> {
        self.keys()
            .code_hash(login, "recovery-code", "", normalized)
    }

    /// The login that must prove a second factor: the session's, or the
    /// one of a live reset link that needs it (else "not found").
    pub(crate) async fn asker_login(
        &self,
        tx: &mut dyn Tx,
        asker: Asker<'_>,
    ) -> Result<LoginRecord, AppError> {
        match asker {
            Asker::Session(session, _) => Ok(session.login.clone()),
            Asker::Reset { token, browser } => {
                let (link, login) = self.live_link(tx, token, TOKEN_RESET).await?;
                if self.reset_owes_factor(tx, &link, &login, browser).await? {
                    Ok(login)
                } else {
                    Err(AppError::NotFound)
                }
            }
        }
    }

    /// What `/login/second-factor`, the step-up page and the second step
    /// of a password reset offer.
    pub async fn factor_choices(&self, asker: Asker<'_>) -> Result<FactorChoices, AppError> {
        let now = self.clock().now();
        let mut tx = self.store().begin_read().await?;
        let login = self.asker_login(tx.as_mut(), asker).await?;
        let mut methods: Vec<MethodView> = tx
            .auth_methods_of(login.id)
            .await?
            .into_iter()
            .filter(|m| m.verified_at.is_some() && asker.accepts(m.kind))
            .map(view)
            .collect();
        methods.sort_by_key(|m| !m.is_default);
        let state = tx
            .attempt_state(&factor_attempt_key(login.id))
            .await?
            .refreshed(now);
        let sent_to = methods
            .iter()
            .filter_map(|m| {
                let masked = match code_recipient(&login, m.kind)? {
                    Recipient::Email(address) => masked_email(address),
                    Recipient::Sms(number) => PhoneE164::parse(number)
                        .map_or_else(|_| masked_email(number), |p| p.masked()),
                };
                Some((m.id, masked))
            })
            .collect();
        Ok(FactorChoices {
            sent_to,
            unseen_phones: self.unseen_phones(tx.as_mut(), &methods).await?,
            methods,
            recovery_codes_left: tx.recovery_codes_left(login.id).await?,
            locked_until: match state.gate(now) {
                Gate::Locked { until } => Some(until),
                Gate::Open => None,
            },
        })
    }

    /// Sends a sign-in code for a method by e-mail or SMS.
    pub async fn send_factor_code(
        &self,
        asker: Asker<'_>,
        method: Uuid,
        client: &ClientInfo,
    ) -> Result<(), FormRejection> {
        let mut tx = self.store().begin().await?;
        let login = &self.asker_login(tx.as_mut(), asker).await?;
        let method = tx
            .auth_method(login.id, method)
            .await?
            .filter(|m| m.verified_at.is_some() && asker.accepts(m.kind))
            .ok_or(AppError::NotFound)?;
        let to = code_recipient(login, method.kind).ok_or(AppError::NotFound)?;
        if let Err(problem) = self
            .guard_code_send(tx.as_mut(), CodeSender::Factor, login, &to, client)
            .await?
        {
            tx.commit().await?;
            return Err(FormRejection::one("code", problem));
        }
        let target = method.id.to_string();
        self.issue_code(tx.as_mut(), login, CODE_PURPOSE, &target, to)
            .await?;
        tx.append_audit(
            &AuditEvent::new(AuditKind::FactorCodeSent, self.clock().now(), client)
                .by_self(login.id)
                .detail(json!({ "kind": method.kind, "label": method.label })),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Checks a second factor. On success what it unlocks follows (see
    /// [`Asker`]): for a session, the new session's token is returned. A
    /// wrong factor is counted (its own counter) and audited.
    pub async fn prove_factor(
        &self,
        asker: Asker<'_>,
        proof: Proof<'_>,
        client: &ClientInfo,
    ) -> Result<Option<String>, FormRejection> {
        let purpose = asker.purpose();
        let field = match proof {
            Proof::Code { .. } => "code",
            Proof::RecoveryCode(_) => "recovery_code",
        };
        // Shape first: a malformed entry is not a try.
        match proof {
            Proof::Code { code, .. } if normalize_code(code).is_none() => {
                return Err(Self::typed_code(code, field)
                    .err()
                    .unwrap_or_else(|| FormRejection::one(field, Problem::CodeShape)));
            }
            Proof::RecoveryCode(code) if normalize_recovery(code).is_none() => {
                let problem = if code.trim().is_empty() {
                    Problem::Required
                } else {
                    Problem::RecoveryShape
                };
                return Err(FormRejection::one(field, problem));
            }
            _ => {}
        }
        let now = self.clock().now();
        let mut tx = self.store().begin().await?;
        let login = &self.asker_login(tx.as_mut(), asker).await?;
        if let Some(problem) = self.factor_lock(tx.as_mut(), login.id).await? {
            tx.commit().await?;
            return Err(FormRejection::one(field, problem));
        }
        let accepted = match proof {
            Proof::Code { method, code } => {
                self.check_method_code(tx.as_mut(), login, method, code, asker)
                    .await?
            }
            Proof::RecoveryCode(code) => {
                let normalized = normalize_recovery(code).unwrap_or_default();
                let hash = self.recovery_hash(login.id, &normalized)?;
                if tx.use_recovery_code(login.id, &hash, now).await? {
                    self.recovery_code_used(tx.as_mut(), login, client).await?;
                    Some("recovery-code".to_owned())
                } else {
                    None
                }
            }
        };
        let Some(kind) = accepted else {
            let problem = self
                .count_factor_failure(tx.as_mut(), login.id, purpose, field, client)
                .await?;
            tx.commit().await?;
            return Err(FormRejection::one(field, problem));
        };
        let token = self
            .factor_passed(tx.as_mut(), asker, &kind, client)
            .await?;
        tx.commit().await?;
        Ok(token)
    }

    /// What passing a second factor unlocks (see [`Asker`]).
    pub(crate) async fn factor_passed(
        &self,
        tx: &mut dyn Tx,
        asker: Asker<'_>,
        kind: &str,
        client: &ClientInfo,
    ) -> Result<Option<String>, AppError> {
        match asker {
            Asker::Session(session, purpose) => Ok(Some(
                self.raise_session(tx, session, purpose, kind, client)
                    .await?,
            )),
            Asker::Reset { token, browser } => {
                self.reset_factor_passed(tx, token, browser, kind, client)
                    .await?;
                Ok(None)
            }
        }
    }

    async fn recovery_code_used(
        &self,
        tx: &mut dyn Tx,
        login: &LoginRecord,
        client: &ClientInfo,
    ) -> Result<(), AppError> {
        let now = self.clock().now();
        let left = tx.recovery_codes_left(login.id).await?;
        tx.append_audit(
            &AuditEvent::new(AuditKind::RecoveryCodeUsed, now, client)
                .by_self(login.id)
                .detail(json!({ "left": left })),
        )
        .await?;
        let notice = Notice::RecoveryCodeUsed {
            identifier: login.identifier.clone(),
            left,
            at: now,
        };
        self.email_login(tx, login, &notice).await
    }

    /// The second step's lock, if it is on.
    pub(crate) async fn factor_lock(
        &self,
        tx: &mut dyn Tx,
        login: Uuid,
    ) -> Result<Option<Problem>, AppError> {
        let now = self.clock().now();
        let state = tx
            .attempt_state(&factor_attempt_key(login))
            .await?
            .refreshed(now);
        Ok(match state.gate(now) {
            Gate::Locked { until } => Some(self.locked_problem(until)),
            Gate::Open => None,
        })
    }

    /// Counts a wrong second factor (its own counter, apart from the
    /// password's), audits it, and says what the person is told.
    pub(crate) async fn count_factor_failure(
        &self,
        tx: &mut dyn Tx,
        login: Uuid,
        purpose: Purpose,
        proof: &str,
        client: &ClientInfo,
    ) -> Result<Problem, AppError> {
        let now = self.clock().now();
        let key = factor_attempt_key(login);
        let mut state = tx.attempt_state_for_update(&key).await?.refreshed(now);
        // Every wrong one-time code counts: a code typed again is no
        // browser's autofill, and may have become right since.
        let outcome = state.record_failure(None, &self.config().lockout, now);
        tx.save_attempt_state(&key, &state, now).await?;
        tx.append_audit(
            &AuditEvent::new(AuditKind::SecondFactorFailed, now, client)
                .by_self(login)
                .detail(json!({ "purpose": purpose.as_str(), "proof": proof })),
        )
        .await?;
        Ok(match outcome {
            FailureOutcome::Counted { remaining } | FailureOutcome::Repeated { remaining } => {
                Problem::FactorWrong { remaining }
            }
            FailureOutcome::LockedNow { until } => {
                tx.append_audit(
                    &AuditEvent::new(AuditKind::SecondFactorLocked, now, client)
                        .by_self(login)
                        .detail(json!({ "until": until.to_string() })),
                )
                .await?;
                self.locked_problem(until)
            }
        })
    }

    fn locked_problem(&self, until: Timestamp) -> Problem {
        Problem::FactorLocked {
            minutes: until.duration_since(self.clock().now()).as_mins().max(0) + 1,
        }
    }

    /// Whether `code` is right for `method` of `login`; marks the method
    /// used (and, for an app, remembers the step: never twice).
    async fn check_method_code(
        &self,
        tx: &mut dyn Tx,
        login: &LoginRecord,
        method: Uuid,
        code: &str,
        asker: Asker<'_>,
    ) -> Result<Option<String>, AppError> {
        let now = self.clock().now();
        let Some(mut m) = tx
            .auth_method(login.id, method)
            .await?
            .filter(|m| m.verified_at.is_some() && asker.accepts(m.kind))
        else {
            return Err(AppError::NotFound);
        };
        let code = normalize_code(code).unwrap_or_default();
        let ok = match m.kind {
            MethodKind::Totp => {
                let sealed = m.secret.as_deref().ok_or(AppError::NotFound)?;
                let seed = self.sealer().open(sealed, m.id.as_bytes())?;
                match totp::verify(&seed, &code, now, m.last_step) {
                    Some(step) => {
                        m.last_step = Some(step);
                        true
                    }
                    None => false,
                }
            }
            MethodKind::Email | MethodKind::Sms => {
                // Not audited here: the refusal is recorded once, as the
                // second step's failure (see `count_factor_failure`).
                let checked = self.judge_code(tx, login.id, CODE_PURPOSE, &code).await?;
                match checked {
                    Ok(c) if c.target == m.id.to_string() => {
                        if let Some(Recipient::Email(to) | Recipient::Sms(to)) =
                            code_recipient(login, m.kind)
                        {
                            self.refund_factor_code(tx, login, to, c.created_at).await?;
                        }
                        true
                    }
                    _ => false,
                }
            }
            _ => false,
        };
        if !ok {
            return Ok(None);
        }
        m.last_used_at = Some(now);
        tx.update_auth_method(&m).await?;
        Ok(Some(m.kind.as_str().to_owned()))
    }

    /// Replaces the session by a new one at level 2, authenticated now,
    /// keeping its start (the absolute timeout still counts from the
    /// sign-in). Clears the second-factor counter. Returns the new token.
    pub(crate) async fn raise_session(
        &self,
        tx: &mut dyn Tx,
        session: &CurrentSession,
        purpose: Purpose,
        kind: &str,
        client: &ClientInfo,
    ) -> Result<String, AppError> {
        let now = self.clock().now();
        let login = &session.login;
        tx.save_attempt_state(&factor_attempt_key(login.id), &Default::default(), now)
            .await?;
        tx.delete_session(&session.id_hash).await?;
        let token = random_token()?;
        tx.move_idp_session(&session.id_hash, &sha256_hex(&token))
            .await?;
        tx.insert_session(&SessionRecord {
            id_hash: sha256_hex(&token),
            login_id: login.id,
            created_at: session.created_at,
            last_seen_at: now,
            authenticated_at: now,
            aal: 2,
            ip: client.ip.clone(),
            user_agent: client.user_agent.clone(),
        })
        .await?;
        let kind_code = match purpose {
            Purpose::SignIn | Purpose::PasswordReset => AuditKind::SecondFactorPassed,
            Purpose::StepUp => AuditKind::SteppedUp,
        };
        tx.append_audit(
            &AuditEvent::new(kind_code, now, client)
                .by_self(login.id)
                .detail(json!({ "method": kind })),
        )
        .await?;
        Ok(token)
    }

    /// The step-up for a login without any second factor: its password,
    /// through the one gate (a lock holds here too, and a wrong password
    /// counts towards it). `device` is the browser's device cookie.
    pub async fn step_up_password(
        &self,
        session: &CurrentSession,
        password: SecretString,
        device: Option<&str>,
        client: &ClientInfo,
    ) -> Result<(), FormRejection> {
        let login = &session.login;
        if password.expose_secret().is_empty() {
            return Err(FormRejection::one("password", Problem::Required));
        }
        {
            let mut tx = self.store().begin_read().await?;
            if Self::verified_methods(tx.as_mut(), login.id).await? > 0 {
                // The strongest factor available is asked, not the password.
                return Err(AppError::NotFound.into());
            }
        }
        let now = self.clock().now();
        let gated = self
            .password_gate(PasswordAttempt {
                identifier: &login.identifier,
                login: Some(login),
                password: password.expose_secret(),
                device,
                client,
                failure: AuditEvent::new(AuditKind::StepUpFailed, now, client)
                    .by_self(login.id)
                    .detail(json!({ "method": "password" })),
            })
            .await?;
        let mut tx = gated.tx;
        match gated.verdict {
            Verdict::Valid => {}
            Verdict::Locked { until } => {
                tx.append_audit(
                    &AuditEvent::new(AuditKind::StepUpFailed, now, client)
                        .by_self(login.id)
                        .detail(json!({ "method": "password", "reason": "locked" })),
                )
                .await?;
                tx.commit().await?;
                return Err(FormRejection::one(
                    "password",
                    self.password_locked_problem(until),
                ));
            }
            Verdict::Wrong { outcome } => {
                tx.commit().await?;
                let problem = match outcome {
                    FailureOutcome::LockedNow { until } => self.password_locked_problem(until),
                    _ => Problem::WrongPassword,
                };
                return Err(FormRejection::one("password", problem));
            }
        }
        tx.set_session_auth(&session.id_hash, now, session.aal)
            .await?;
        tx.append_audit(
            &AuditEvent::new(AuditKind::SteppedUp, now, client)
                .by_self(login.id)
                .detail(json!({ "method": "password" })),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// What a person is told when their password is locked: for how long.
    pub(crate) fn password_locked_problem(&self, until: Timestamp) -> Problem {
        Problem::PasswordLocked {
            minutes: until.duration_since(self.clock().now()).as_mins().max(0) + 1,
        }
    }

    /// Sensitive actions call this first (SPEC §4.5): the strongest factor
    /// the login has — a second factor if it has one, else the password —
    /// within the last `strong.step_up_window`. An action that needs a
    /// right decides that first and then calls [`App::recent_auth_in`], so
    /// that someone without the right is never asked to confirm.
    pub async fn require_recent_auth(&self, session: &CurrentSession) -> Result<(), AppError> {
        let mut tx = self.store().begin_read().await?;
        self.recent_auth_in(tx.as_mut(), session).await
    }

    /// [`App::require_recent_auth`] in the caller's transaction.
    pub(crate) async fn recent_auth_in(
        &self,
        tx: &mut dyn Tx,
        session: &CurrentSession,
    ) -> Result<(), AppError> {
        let now = self.clock().now();
        if now.duration_since(session.authenticated_at) > self.config().strong.step_up_window {
            return Err(AppError::StepUpRequired);
        }
        if session.aal >= 2 {
            return Ok(());
        }
        if Self::verified_methods(tx, session.login.id).await? > 0 {
            return Err(AppError::StepUpRequired);
        }
        Ok(())
    }

    /// Keeps a form refused for a step-up, so that it can be sent again as
    /// typed once the person has confirmed it is them. Returns its token,
    /// or `None` when no sealing key is configured or the form holds a
    /// secret (the form is then typed again). `path` must be a path of
    /// this site.
    pub async fn keep_pending_form(
        &self,
        session: &CurrentSession,
        path: &str,
        fields: &[(String, String)],
    ) -> Result<Option<String>, AppError> {
        // A form holding a secret (a password, a code, a passkey's answer)
        // is typed again: it is never written back into a page.
        let secret = |name: &str| {
            ["password", "code", "secret", "response"]
                .iter()
                .any(|s| name.contains(s))
        };
        if !self.sealer().available()
            || !path.starts_with('/')
            || path.starts_with("//")
            || fields.iter().any(|(name, _)| secret(name))
        {
            return Ok(None);
        }
        let now = self.clock().now();
        let plain = serde_json::to_vec(&json!({ "path": path, "fields": fields }))
            .map_err(|e| AppError::Unexpected(e.to_string()))?;
        let sealed = self.sealer().seal(&plain, session.login.id.as_bytes())?;
        let token = random_token()?;
        let mut tx = self.store().begin().await?;
        tx.insert_pending_form(
            &sha256_hex(&token),
            session.login.id,
            &sealed,
            now,
            now + PENDING_FORM_TTL,
        )
        .await?;
        tx.commit().await?;
        Ok(Some(token))
    }

    /// The kept form of this login behind `token` (taken: it serves once),
    /// as its path and fields.
    pub async fn take_pending_form(
        &self,
        session: &CurrentSession,
        token: &str,
    ) -> Result<(String, Vec<(String, String)>), AppError> {
        let now = self.clock().now();
        let mut tx = self.store().begin().await?;
        let sealed = tx
            .take_pending_form(&sha256_hex(token), session.login.id, now)
            .await?
            .ok_or(AppError::NotFound)?;
        tx.commit().await?;
        let plain = self.sealer().open(&sealed, session.login.id.as_bytes())?;
        #[derive(serde::Deserialize)]
        struct Kept {
            path: String,
            fields: Vec<(String, String)>,
        }
        let kept: Kept =
            serde_json::from_slice(&plain).map_err(|e| AppError::Unexpected(e.to_string()))?;
        Ok((kept.path, kept.fields))
    }

    /// New recovery codes (the old ones stop working), shown once. Needs a
    /// recent authentication and at least one method to recover.
    pub async fn generate_recovery_codes(
        &self,
        session: &CurrentSession,
        client: &ClientInfo,
    ) -> Result<Vec<String>, AppError> {
        self.require_recent_auth(session).await?;
        let login = &session.login;
        let now = self.clock().now();
        let codes = new_recovery_codes()?;
        let hashes = codes
            .iter()
            .map(|c| self.recovery_hash(login.id, &c.replace('-', "")))
            .collect::<Result<Vec<_>, _>>()?;
        let mut tx = self.store().begin().await?;
        if Self::verified_methods(tx.as_mut(), login.id).await? == 0 {
            return Err(AppError::NotFound);
        }
        tx.replace_recovery_codes(login.id, &hashes, now).await?;
        tx.append_audit(
            &AuditEvent::new(AuditKind::RecoveryCodesGenerated, now, client)
                .by_self(login.id)
                .detail(json!({ "count": RECOVERY_CODES })),
        )
        .await?;
        let notice = Notice::RecoveryCodesGenerated {
            identifier: login.identifier.clone(),
            at: now,
        };
        self.email_login(tx.as_mut(), login, &notice).await?;
        tx.commit().await?;
        Ok(codes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovery_codes_are_read_leniently() {
        assert_eq!(
            normalize_recovery("abcde-fghjk").as_deref(),
            Some("ABCDEFGHJK")
        );
        assert_eq!(
            normalize_recovery(" o1l2i 34567 ").as_deref(),
            Some("0112134567")
        );
        assert_eq!(normalize_recovery("ABCDE-FGHJ"), None);
        assert_eq!(normalize_recovery("ABCDE-FGHJU"), None);
        let codes = new_recovery_codes().unwrap();
        assert_eq!(codes.len(), RECOVERY_CODES);
        assert!(codes.iter().all(|c| normalize_recovery(c).is_some()));
    }
}
