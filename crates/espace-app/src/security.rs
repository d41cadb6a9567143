//! My security (SPEC §4.1, §4.4): the strong-authentication methods of a
//! login. A method counts only once the person has proved possession of
//! it. Authenticator apps (TOTP) are the first kind; passkeys, codes by
//! e-mail or SMS and recovery codes plug into the same rows.

use espace_domain::totp;
use jiff::{SignedDuration, Timestamp};
use serde_json::json;
use uuid::Uuid;

use crate::App;
use crate::audit::{AuditEvent, AuditKind, ClientInfo};
use crate::crypto::random_bytes;
use crate::error::{AppError, FieldProblem, FormRejection, Problem};
use crate::notify::{Notice, Recipient};
use crate::ports::{AuthMethodRecord, Tx};
use crate::session::CurrentSession;

pub const KIND_TOTP: &str = "totp";
/// How long an enrolment waits for its first code.
pub const ENROLMENT_WINDOW: SignedDuration = SignedDuration::from_mins(10);
pub const MAX_LABEL: usize = 60;
/// Verified methods per login.
pub const MAX_METHODS: usize = 10;

/// A verified method, as My security lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MethodView {
    pub id: Uuid,
    pub kind: String,
    pub label: String,
    pub is_default: bool,
    pub created_at: Timestamp,
    pub last_used_at: Option<Timestamp>,
}

/// My security: the verified methods, and whether authenticator apps can
/// be added here (they need `app.secrets_key`).
#[derive(Debug, Clone)]
pub struct SecurityOverview {
    pub methods: Vec<MethodView>,
    pub totp_available: bool,
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

/// What a change on an existing method is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MethodChange<'a> {
    Rename(&'a str),
    MakeDefault,
    Remove,
}

fn view(m: AuthMethodRecord) -> MethodView {
    MethodView {
        id: m.id,
        kind: m.kind,
        label: m.label,
        is_default: m.is_default,
        created_at: m.created_at,
        last_used_at: m.last_used_at,
    }
}

/// The label typed, trimmed, or its problem.
fn label(typed: &str) -> Result<String, FieldProblem> {
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

impl App {
    pub async fn security_overview(
        &self,
        session: &CurrentSession,
    ) -> Result<SecurityOverview, AppError> {
        let mut tx = self.store().begin_read().await?;
        let methods = tx
            .auth_methods_of(session.login.id)
            .await?
            .into_iter()
            .filter(|m| m.verified_at.is_some())
            .map(view)
            .collect();
        Ok(SecurityOverview {
            methods,
            totp_available: self.sealer().available(),
        })
    }

    /// Starts adding an authenticator app: a new seed, sealed, waiting for
    /// its first code. An older unfinished enrolment is dropped.
    pub async fn start_totp(&self, session: &CurrentSession) -> Result<Uuid, FormRejection> {
        if !self.sealer().available() {
            // The page offers no button then; a forged request finds nothing.
            return Err(AppError::NotFound.into());
        }
        let login = &session.login;
        let now = self.clock().now();
        let mut tx = self.store().begin().await?;
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
        let id = Uuid::now_v7();
        let seed = random_bytes::<{ totp::SECRET_LEN }>()?;
        tx.insert_auth_method(&AuthMethodRecord {
            id,
            login_id: login.id,
            kind: KIND_TOTP.into(),
            label: String::new(),
            secret: Some(self.sealer().seal(&seed, id.as_bytes())?),
            is_default: false,
            created_at: now,
            verified_at: None,
            last_used_at: None,
            last_step: None,
        })
        .await?;
        tx.commit().await?;
        Ok(id)
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
                m.kind == KIND_TOTP
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
    ) -> Result<(), FormRejection> {
        let login = &session.login;
        let mut problems = Vec::new();
        let label = label(typed_label).map_err(|p| problems.push(p)).ok();
        let code = Self::typed_code(typed_code, "code")
            .map_err(|r| {
                if let FormRejection::Invalid(p) = r {
                    problems.extend(p);
                }
            })
            .ok();
        let (Some(label), Some(code)) = (label, code) else {
            return Err(FormRejection::Invalid(problems));
        };
        let now = self.clock().now();
        let mut tx = self.store().begin().await?;
        let (mut method, seed) = self.pending_totp(tx.as_mut(), session, id).await?;
        let Some(step) = totp::verify(&seed, &code, now, None) else {
            tx.append_audit(
                &AuditEvent::new(AuditKind::CodeRejected, now, client)
                    .by_self(login.id)
                    .detail(json!({ "purpose": "totp-enrolment", "outcome": "Wrong" })),
            )
            .await?;
            tx.commit().await?;
            return Err(FormRejection::one("code", Problem::TotpWrong));
        };
        let others = tx.auth_methods_of(login.id).await?;
        method.label = label;
        method.is_default = !others
            .iter()
            .any(|m| m.verified_at.is_some() && m.is_default);
        method.verified_at = Some(now);
        method.last_used_at = Some(now);
        method.last_step = Some(step);
        tx.update_auth_method(&method).await?;
        self.method_audit_and_notice(tx.as_mut(), session, &method, true, client)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Audits an added or removed method and tells the person by e-mail.
    async fn method_audit_and_notice(
        &self,
        tx: &mut dyn Tx,
        session: &CurrentSession,
        method: &AuthMethodRecord,
        added: bool,
        client: &ClientInfo,
    ) -> Result<(), AppError> {
        let login = &session.login;
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
        let Some(email) = login.email.as_deref().filter(|_| login.email_verified) else {
            return Ok(());
        };
        let notice = Notice::MethodChanged {
            identifier: login.identifier.clone(),
            method: method.label.clone(),
            added,
            at: now,
        };
        self.queue(
            tx,
            Recipient::Email(email),
            Some(login.id),
            Self::locale_of(login),
            &notice,
        )
        .await
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
                self.method_audit_and_notice(tx.as_mut(), session, &method, false, client)
                    .await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }
}
