//! My security (SPEC §4.1, §4.4): the strong-authentication methods of a
//! login. A method counts only once the person has proved possession of
//! it. Authenticator apps (TOTP) are the first kind; passkeys, codes by
//! e-mail or SMS and recovery codes plug into the same rows.

use espace_domain::mfa::MethodKind;
use espace_domain::totp;
use jiff::{SignedDuration, Timestamp};
use serde_json::json;
use uuid::Uuid;

use crate::App;
use crate::audit::{AuditEvent, AuditKind, ClientInfo};
use crate::crypto::random_bytes;
use crate::error::{AppError, FieldProblem, FormRejection, Problem};
use crate::limits::CodeSender;
use crate::notify::{Notice, Recipient};
use crate::ports::{AuthMethodRecord, LoginRecord, Tx};
use crate::second_factor::Purpose;
use crate::session::CurrentSession;

/// How long an enrolment waits for its first code.
pub const ENROLMENT_WINDOW: SignedDuration = SignedDuration::from_mins(10);
pub const MAX_LABEL: usize = 60;
/// Verified methods per login.
pub const MAX_METHODS: usize = 10;

/// A verified method, as My security lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MethodView {
    pub id: Uuid,
    pub kind: MethodKind,
    pub label: String,
    pub is_default: bool,
    pub created_at: Timestamp,
    pub last_used_at: Option<Timestamp>,
    /// Where a code method's codes go, masked (`a•••@acme.example`,
    /// `+33 6 •• •• •• 78`); `None` for other kinds.
    pub target: Option<String>,
}

/// My security: the verified methods, and whether authenticator apps can
/// be added here (they need `app.secrets_key`).
#[derive(Debug, Clone)]
pub struct SecurityOverview {
    pub methods: Vec<MethodView>,
    pub totp_available: bool,
    pub passkeys_available: bool,
    /// FranceConnect+ is configured and not linked to this login yet.
    pub franceconnect_available: bool,
    /// The 2FA status of the login (SPEC §4.3).
    pub status: espace_domain::strong::Status,
    /// The person asked for strong authentication to be turned on.
    pub requested_at: Option<Timestamp>,
    pub recovery_codes_left: i64,
    /// Where codes by e-mail or SMS would go (verified only, masked), if
    /// not already a method.
    pub email_target: Option<String>,
    pub sms_target: Option<String>,
    /// The only method left cannot be removed: strong authentication is
    /// enforced for this login (SPEC §4.1).
    pub last_method_kept: bool,
}

/// An authenticator-app enrolment waiting for its first code.
#[derive(Debug, Clone)]
pub struct TotpEnrolment {
    pub id: Uuid,
    /// The seed in base 32, grouped by four for reading.
    pub secret_text: String,
    /// `otpauth://` URI for the QR code.
    pub uri: String,
    pub expires_at: Timestamp,
}

/// A code method (e-mail or SMS) waiting for the code it was sent.
#[derive(Debug, Clone)]
pub struct CodeEnrolment {
    pub id: Uuid,
    pub kind: MethodKind,
    /// The address or number the code went to.
    pub target: String,
    pub expires_at: Timestamp,
}

const ENROL_PURPOSE: &str = "enrol-method";

/// What a change on an existing method is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MethodChange<'a> {
    Rename(&'a str),
    MakeDefault,
    Remove,
}

pub(crate) fn view(m: AuthMethodRecord) -> MethodView {
    MethodView {
        id: m.id,
        kind: m.kind,
        label: m.label,
        is_default: m.is_default,
        created_at: m.created_at,
        last_used_at: m.last_used_at,
        target: None,
    }
}

/// Where the codes of a method by e-mail or SMS go, masked for display;
/// `None` for other kinds or unverified channels.
pub(crate) fn masked_target(login: &LoginRecord, kind: MethodKind) -> Option<String> {
    match code_recipient(login, kind)? {
        Recipient::Email(address) => Some(crate::account::masked_email(address)),
        Recipient::Sms(number) => Some(espace_domain::phone::masked_for_people(number)),
    }
}

/// Where the codes of a method by e-mail or SMS go: the login's verified
/// address or mobile; `None` for other kinds or unverified channels.
pub(crate) fn code_recipient<'a>(
    login: &'a LoginRecord,
    kind: MethodKind,
) -> Option<Recipient<'a>> {
    match kind {
        MethodKind::Email => login
            .email
            .as_deref()
            .filter(|_| login.email_verified)
            .map(Recipient::Email),
        MethodKind::Sms => login
            .phone
            .as_deref()
            .filter(|_| login.phone_verified)
            .map(Recipient::Sms),
        _ => None,
    }
}

/// The label typed, trimmed, or its problem.
pub(crate) fn label(typed: &str) -> Result<String, FieldProblem> {
    let label = typed.trim();
    let problem = if label.is_empty() {
        Problem::Required
    } else if label.chars().count() > MAX_LABEL {
        Problem::TooLong { max: MAX_LABEL }
    } else {
        return Ok(label.to_owned());
    };
    Err(FieldProblem {
        field: "label",
        problem,
    })
}

/// `base`, or `base 2`, `base 3`… the first that no label in `taken`
/// bears, cut to [`MAX_LABEL`] characters.
pub(crate) fn unique_label(base: &str, taken: &[String]) -> String {
    let base: String = base.chars().take(MAX_LABEL - 4).collect();
    let base = if base.trim().is_empty() {
        "Passkey".to_owned()
    } else {
        base
    };
    let free = |l: &str| !taken.iter().any(|t| t.eq_ignore_ascii_case(l));
    if free(&base) {
        return base;
    }
    let mut n = 2;
    loop {
        let label = format!("{base} {n}");
        if free(&label) {
            return label;
        }
        n += 1;
    }
}

impl App {
    pub async fn security_overview(
        &self,
        session: &CurrentSession,
    ) -> Result<SecurityOverview, AppError> {
        let login = &session.login;
        let mut tx = self.store().begin_read().await?;
        let methods: Vec<MethodView> = tx
            .auth_methods_of(login.id)
            .await?
            .into_iter()
            .filter(|m| m.verified_at.is_some())
            .map(|m| MethodView {
                target: masked_target(login, m.kind),
                ..view(m)
            })
            .collect();
        let (status, _) = self.strong_status(tx.as_mut(), login).await?;
        let last_method_kept =
            methods.len() == 1 && self.forced(tx.as_mut(), login).await?.is_some();
        let has = |kind: MethodKind| methods.iter().any(|m| m.kind == kind);
        Ok(SecurityOverview {
            totp_available: self.sealer().available(),
            passkeys_available: self.passkeys().is_some(),
            franceconnect_available: self.franceconnect_available()
                && !has(MethodKind::FranceConnect),
            status,
            requested_at: tx.strong_auth_request(login.id).await?,
            recovery_codes_left: tx.recovery_codes_left(login.id).await?,
            email_target: masked_target(login, MethodKind::Email)
                .filter(|_| !has(MethodKind::Email)),
            sms_target: masked_target(login, MethodKind::Sms).filter(|_| !has(MethodKind::Sms)),
            last_method_kept,
            methods,
        })
    }

    /// Starts adding an authenticator app: a new seed, sealed, waiting for
    /// its first code. An older unfinished enrolment is dropped.
    pub async fn start_totp(&self, session: &CurrentSession) -> Result<Uuid, FormRejection> {
        if !self.sealer().available() {
            // The page offers no button then; a forged request finds nothing.
            return Err(AppError::NotFound.into());
        }
        let id = Uuid::now_v7();
        let seed = random_bytes::<{ totp::SECRET_LEN }>()?;
        let secret = self.sealer().seal(&seed, id.as_bytes())?;
        let mut tx = self.store().begin().await?;
        self.start_method(tx.as_mut(), session, id, MethodKind::Totp, Some(secret))
            .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Starts an enrolment (after the step-up): a row waiting for proof of
    /// possession. Older unfinished enrolments are dropped.
    pub(crate) async fn start_method(
        &self,
        tx: &mut dyn Tx,
        session: &CurrentSession,
        id: Uuid,
        kind: MethodKind,
        secret: Option<Vec<u8>>,
    ) -> Result<(), FormRejection> {
        self.require_recent_auth(session).await?;
        let login = &session.login;
        let now = self.clock().now();
        let methods = tx.auth_methods_of(login.id).await?;
        if methods.iter().filter(|m| m.verified_at.is_some()).count() >= MAX_METHODS {
            return Err(FormRejection::one(
                "add",
                Problem::TooMany { max: MAX_METHODS },
            ));
        }
        for pending in methods.iter().filter(|m| m.verified_at.is_none()) {
            tx.delete_auth_method(login.id, pending.id).await?;
        }
        tx.insert_auth_method(&AuthMethodRecord {
            id,
            login_id: login.id,
            kind,
            label: String::new(),
            secret,
            is_default: false,
            created_at: now,
            verified_at: None,
            last_used_at: None,
            last_step: None,
            credential_id: None,
        })
        .await?;
        Ok(())
    }

    /// The pending enrolment `id` of this login, with its opened seed.
    async fn pending_totp(
        &self,
        tx: &mut dyn Tx,
        session: &CurrentSession,
        id: Uuid,
    ) -> Result<(AuthMethodRecord, Vec<u8>), AppError> {
        let now = self.clock().now();
        let method = tx
            .auth_method(session.login.id, id)
            .await?
            .filter(|m| {
                m.kind == MethodKind::Totp
                    && m.verified_at.is_none()
                    && now < m.created_at + ENROLMENT_WINDOW
            })
            .ok_or(AppError::NotFound)?;
        let sealed = method.secret.as_deref().ok_or(AppError::NotFound)?;
        let seed = self.sealer().open(sealed, method.id.as_bytes())?;
        Ok((method, seed))
    }

    /// What the enrolment page shows: the QR code's URI and the seed.
    pub async fn totp_enrolment(
        &self,
        session: &CurrentSession,
        id: Uuid,
        issuer: &str,
    ) -> Result<TotpEnrolment, AppError> {
        let mut tx = self.store().begin_read().await?;
        let (method, seed) = self.pending_totp(tx.as_mut(), session, id).await?;
        let text = totp::base32(&seed);
        Ok(TotpEnrolment {
            id,
            secret_text: text
                .as_bytes()
                .chunks(4)
                .map(|c| String::from_utf8_lossy(c).into_owned())
                .collect::<Vec<_>>()
                .join(" "),
            uri: totp::otpauth_uri(issuer, &session.login.identifier, &seed),
            expires_at: method.created_at + ENROLMENT_WINDOW,
        })
    }

    /// Finishes adding an authenticator app with its first code: the
    /// method counts from now on (the first one becomes the default), and
    /// the person is told by e-mail.
    pub async fn confirm_totp(
        &self,
        session: &CurrentSession,
        id: Uuid,
        typed_label: &str,
        typed_code: &str,
        client: &ClientInfo,
    ) -> Result<Option<String>, FormRejection> {
        let (label, code) = Self::label_and_code(typed_label, typed_code)?;
        let now = self.clock().now();
        let mut tx = self.store().begin().await?;
        let (mut method, seed) = self.pending_totp(tx.as_mut(), session, id).await?;
        let Some(step) = totp::verify(&seed, &code, now, None) else {
            tx.append_audit(
                &AuditEvent::new(AuditKind::CodeRejected, now, client)
                    .by_self(session.login.id)
                    .detail(json!({ "purpose": "totp-enrolment", "outcome": "Wrong" })),
            )
            .await?;
            tx.commit().await?;
            return Err(FormRejection::one("code", Problem::TotpWrong));
        };
        method.last_step = Some(step);
        let token = self
            .finish_enrolment(tx.as_mut(), session, method, label, client)
            .await?;
        tx.commit().await?;
        Ok(token)
    }

    fn label_and_code(
        typed_label: &str,
        typed_code: &str,
    ) -> Result<(String, String), FormRejection> {
        let mut problems = Vec::new();
        let label = label(typed_label).map_err(|p| problems.push(p)).ok();
        let code = Self::typed_code(typed_code, "code")
            .map_err(|r| {
                if let FormRejection::Invalid(p) = r {
                    problems.extend(p);
                }
            })
            .ok();
        match (label, code) {
            (Some(label), Some(code)) => Ok((label, code)),
            _ => Err(FormRejection::Invalid(problems)),
        }
    }

    /// The method counts from now on (the first one becomes the default);
    /// audited and told by e-mail. A session below level 2 has just shown
    /// a second factor: it is replaced by one at level 2, whose token is
    /// returned.
    pub(crate) async fn finish_enrolment(
        &self,
        tx: &mut dyn Tx,
        session: &CurrentSession,
        mut method: AuthMethodRecord,
        label: String,
        client: &ClientInfo,
    ) -> Result<Option<String>, AppError> {
        method.label = label;
        self.verify_method(tx, &session.login, &mut method, client)
            .await?;
        if session.aal >= 2 {
            return Ok(None);
        }
        let token = self
            .raise_session(tx, session, Purpose::SignIn, method.kind.as_str(), client)
            .await?;
        Ok(Some(token))
    }

    /// A proven method counts from now on (the first one becomes the
    /// default); audited and told by e-mail.
    pub(crate) async fn verify_method(
        &self,
        tx: &mut dyn Tx,
        login: &LoginRecord,
        method: &mut AuthMethodRecord,
        client: &ClientInfo,
    ) -> Result<(), AppError> {
        let now = self.clock().now();
        let others = tx.auth_methods_of(login.id).await?;
        method.is_default = !others
            .iter()
            .any(|m| m.verified_at.is_some() && m.is_default);
        method.verified_at = Some(now);
        method.last_used_at = Some(now);
        tx.update_auth_method(method).await?;
        self.method_audit_and_notice(tx, login, method, true, client)
            .await
    }

    /// Starts adding a code by e-mail or SMS, to the login's verified
    /// address or mobile: a code goes there at once.
    pub async fn start_code_method(
        &self,
        session: &CurrentSession,
        kind: MethodKind,
        client: &ClientInfo,
    ) -> Result<Uuid, FormRejection> {
        let login = &session.login;
        let to = code_recipient(login, kind).ok_or(AppError::NotFound)?;
        let id = Uuid::now_v7();
        let mut tx = self.store().begin().await?;
        if let Err(problem) = self
            .guard_code_send(tx.as_mut(), CodeSender::Contact, login, &to, client)
            .await?
        {
            tx.commit().await?;
            return Err(FormRejection::one("add", problem));
        }
        self.start_method(tx.as_mut(), session, id, kind, None)
            .await?;
        self.issue_code(tx.as_mut(), login, ENROL_PURPOSE, &id.to_string(), to)
            .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The pending code method `id` of this login.
    pub async fn code_enrolment(
        &self,
        session: &CurrentSession,
        id: Uuid,
    ) -> Result<CodeEnrolment, AppError> {
        let now = self.clock().now();
        let mut tx = self.store().begin_read().await?;
        let m = tx
            .auth_method(session.login.id, id)
            .await?
            .filter(|m| {
                (m.kind == MethodKind::Email || m.kind == MethodKind::Sms)
                    && m.verified_at.is_none()
                    && now < m.created_at + ENROLMENT_WINDOW
            })
            .ok_or(AppError::NotFound)?;
        let login = &session.login;
        let target = if m.kind == MethodKind::Email {
            login.email.clone()
        } else {
            // As people write it, never raw E.164.
            login.phone.as_deref().map(espace_domain::phone::for_people)
        };
        Ok(CodeEnrolment {
            id,
            kind: m.kind,
            target: target.unwrap_or_default(),
            expires_at: m.created_at + ENROLMENT_WINDOW,
        })
    }

    /// Finishes adding a code method with the code it received.
    pub async fn confirm_code_method(
        &self,
        session: &CurrentSession,
        id: Uuid,
        typed_label: &str,
        typed_code: &str,
        client: &ClientInfo,
    ) -> Result<Option<String>, FormRejection> {
        let (label, code) = Self::label_and_code(typed_label, typed_code)?;
        self.code_enrolment(session, id).await?;
        let mut tx = self.store().begin().await?;
        let method = tx
            .auth_method(session.login.id, id)
            .await?
            .ok_or(AppError::NotFound)?;
        match self
            .check_code(
                tx.as_mut(),
                session.login.id,
                Some(session.login.id),
                ENROL_PURPOSE,
                &code,
                client,
            )
            .await?
        {
            Ok(stored) if stored.target == id.to_string() => {}
            Ok(_) => return Err(FormRejection::one("code", Problem::CodeVoid)),
            Err(problem) => {
                tx.commit().await?;
                return Err(FormRejection::one("code", problem));
            }
        }
        let token = self
            .finish_enrolment(tx.as_mut(), session, method, label, client)
            .await?;
        tx.commit().await?;
        Ok(token)
    }

    /// Audits an added or removed method and tells the person by e-mail.
    async fn method_audit_and_notice(
        &self,
        tx: &mut dyn Tx,
        login: &LoginRecord,
        method: &AuthMethodRecord,
        added: bool,
        client: &ClientInfo,
    ) -> Result<(), AppError> {
        let now = self.clock().now();
        let kind = if added {
            AuditKind::MethodAdded
        } else {
            AuditKind::MethodRemoved
        };
        tx.append_audit(
            &AuditEvent::new(kind, now, client)
                .by_self(login.id)
                .detail(json!({ "kind": method.kind, "label": method.label })),
        )
        .await?;
        let notice = Notice::MethodChanged {
            identifier: login.identifier.clone(),
            method: method.label.clone(),
            added,
            at: now,
        };
        self.email_login(tx, login, &notice).await
    }

    /// Renames a method, makes it the default, or removes it (the default
    /// then passes to the oldest remaining method).
    pub async fn change_method(
        &self,
        session: &CurrentSession,
        id: Uuid,
        change: MethodChange<'_>,
        client: &ClientInfo,
    ) -> Result<(), FormRejection> {
        let login = &session.login;
        let now = self.clock().now();
        let mut tx = self.store().begin().await?;
        let mut method = tx
            .auth_method(login.id, id)
            .await?
            .filter(|m| m.verified_at.is_some())
            .ok_or(AppError::NotFound)?;
        if !matches!(change, MethodChange::Rename(_)) {
            self.require_recent_auth(session).await?;
        }
        if change == MethodChange::Remove
            && Self::verified_methods(tx.as_mut(), login.id).await? == 1
            && self.forced(tx.as_mut(), login).await?.is_some()
        {
            // The last strong method stays while strong authentication is
            // enforced (SPEC §4.1).
            return Err(FormRejection::one("remove", Problem::LastMethod));
        }
        match change {
            MethodChange::Rename(typed) => {
                let new = label(typed).map_err(|p| FormRejection::Invalid(vec![p]))?;
                let old = std::mem::replace(&mut method.label, new);
                tx.update_auth_method(&method).await?;
                tx.append_audit(
                    &AuditEvent::new(AuditKind::MethodChanged, now, client)
                        .by_self(login.id)
                        .detail(json!({ "renamed_from": old, "label": method.label })),
                )
                .await?;
            }
            MethodChange::MakeDefault => {
                for mut other in tx.auth_methods_of(login.id).await? {
                    if other.is_default != (other.id == id) && other.verified_at.is_some() {
                        other.is_default = other.id == id;
                        tx.update_auth_method(&other).await?;
                    }
                }
                tx.append_audit(
                    &AuditEvent::new(AuditKind::MethodChanged, now, client)
                        .by_self(login.id)
                        .detail(json!({ "default": method.label })),
                )
                .await?;
            }
            MethodChange::Remove => {
                tx.delete_auth_method(login.id, id).await?;
                if method.is_default
                    && let Some(mut next) = tx
                        .auth_methods_of(login.id)
                        .await?
                        .into_iter()
                        .find(|m| m.verified_at.is_some())
                {
                    next.is_default = true;
                    tx.update_auth_method(&next).await?;
                }
                method.is_default = false;
                self.method_audit_and_notice(tx.as_mut(), login, &method, false, client)
                    .await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_default_label_is_numbered_when_taken() {
        let taken = vec![
            "Chrome · Linux".to_owned(),
            "Passkey".to_owned(),
            "passkey 2".to_owned(),
        ];
        assert_eq!(
            unique_label("Firefox · Windows 10", &taken),
            "Firefox · Windows 10"
        );
        assert_eq!(unique_label("Chrome · Linux", &taken), "Chrome · Linux 2");
        assert_eq!(unique_label("Passkey", &taken), "Passkey 3");
        assert_eq!(unique_label("  ", &[]), "Passkey");
        assert!(unique_label(&"x".repeat(200), &[]).chars().count() <= MAX_LABEL);
    }
}
