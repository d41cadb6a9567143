//! Assisted recovery (SPEC §5, issue 4): someone whose e-mail on file is
//! outdated asks support for help. The request becomes a case with a
//! reference the requester follows it with. A support agent matches it to
//! a login, records how identity was verified, and sends a code to the new
//! address; once the requester types that code back, the address is linked
//! (verified), the old address and every other verified channel are told,
//! and a reset link goes to the new address. Nothing changes on the login
//! before the code is typed.

use espace_domain::email::EmailAddress;
use espace_domain::locale::Locale;
use espace_domain::phone::PhoneE164;
use jiff::Timestamp;
use serde_json::json;
use uuid::Uuid;

use crate::App;
use crate::account::masked_email;
use crate::audit::{ActingRole, AuditEvent, AuditKind, ClientInfo};
use crate::company::display_name;
use crate::crypto::{normalize_reference, random_reference};
use crate::error::{AppError, FieldProblem, FormRejection, Problem};
use crate::notify::{Notice, Recipient};
use crate::ports::RecoveryRequestRecord;
use crate::ports::{LoginRecord, RecoveryCaseRecord, Tx};
use crate::recovery::FORM_ASSISTED_ACK;
use crate::rights::policy;
use crate::session::CurrentSession;

/// Where a case stands. Completed and rejected cases are closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseStatus {
    /// Waiting for an agent.
    Received,
    /// The agent matched a login and recorded how identity was verified.
    IdentityVerified,
    /// A code went to the new address; the requester types it back.
    CodeSent,
    /// The new address is linked and a reset link went to it.
    Completed,
    /// Closed without a change (identity not verified).
    Rejected,
}

impl CaseStatus {
    pub const ALL: [CaseStatus; 5] = [
        CaseStatus::Received,
        CaseStatus::IdentityVerified,
        CaseStatus::CodeSent,
        CaseStatus::Completed,
        CaseStatus::Rejected,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CaseStatus::Received => "received",
            CaseStatus::IdentityVerified => "identity-verified",
            CaseStatus::CodeSent => "code-sent",
            CaseStatus::Completed => "completed",
            CaseStatus::Rejected => "rejected",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }

    pub fn is_open(self) -> bool {
        !matches!(self, CaseStatus::Completed | CaseStatus::Rejected)
    }

    /// Identity may be (re)recorded until a code is out.
    pub fn accepts_identity(self) -> bool {
        matches!(self, CaseStatus::Received | CaseStatus::IdentityVerified)
    }

    /// A code may be sent (again) once identity is recorded.
    pub fn accepts_code(self) -> bool {
        matches!(self, CaseStatus::IdentityVerified | CaseStatus::CodeSent)
    }
}

/// How the agent verified identity (the choices of the case page).
pub const VERIFICATION_METHODS: [&str; 4] = [
    "call-back",
    "identity-document",
    "company-administrator",
    "other",
];

const MAX_NAME: usize = 200;
const MAX_MESSAGE: usize = 2000;
const MAX_NOTE: usize = 1000;

/// The public form.
#[derive(Debug, Clone, Default)]
pub struct AssistedRequest {
    /// A login or a name.
    pub who: String,
    pub company: String,
    pub new_email: String,
    /// How to reach the requester (optional).
    pub phone: String,
    pub message: String,
}

/// What the requester sees of their case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseFollow {
    pub reference: String,
    pub status: CaseStatus,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub new_email_masked: String,
}

/// What the agent records when identity is verified.
#[derive(Debug, Clone, Default)]
pub struct IdentityCheck {
    pub login_id: String,
    pub method: String,
    pub note: String,
}

/// A case as the agent sees it.
#[derive(Debug, Clone)]
pub struct CaseView {
    pub case: RecoveryCaseRecord,
    pub status: CaseStatus,
    pub login: Option<LoginRecord>,
    pub agent: Option<String>,
    /// Customer logins matching the search (or what the requester typed).
    pub candidates: Vec<LoginRecord>,
}

fn status_of(case: &RecoveryCaseRecord) -> Result<CaseStatus, AppError> {
    CaseStatus::parse(&case.status)
        .ok_or_else(|| AppError::Unexpected(format!("case status {:?}", case.status)))
}

/// The code's purpose is bound to the case, so a code of one case never
/// completes another.
fn code_purpose(case: &RecoveryCaseRecord) -> String {
    format!("assisted-recovery:{}", case.id)
}

/// `value` trimmed, with its problem if empty or longer than `max`.
fn bounded(
    value: &str,
    field: &'static str,
    max: usize,
    required: bool,
    problems: &mut Vec<FieldProblem>,
) -> String {
    let value = value.trim();
    if required && value.is_empty() {
        problems.push(FieldProblem {
            field,
            problem: Problem::Required,
        });
    } else if value.chars().count() > max {
        problems.push(FieldProblem {
            field,
            problem: Problem::TooLong { max },
        });
    }
    value.to_owned()
}

impl App {
    /// Support agents only; everyone else gets "not found" (ADR 0011).
    pub(crate) async fn require_support(
        tx: &mut dyn Tx,
        session: &CurrentSession,
    ) -> Result<policy::Support, AppError> {
        policy::support(&Self::holder(tx, &session.login).await?).ok_or(AppError::NotFound)
    }

    /// `/recover-account`: opens a case and returns its reference. The
    /// requester is sent the reference at the new address; nothing on any
    /// login changes. `browser` is the CSRF basis of the browser filling the
    /// form (only it may later prove the requester's identity).
    pub async fn open_recovery_case(
        &self,
        req: &AssistedRequest,
        locale: Locale,
        browser: &str,
        client: &ClientInfo,
    ) -> Result<String, FormRejection> {
        let mut problems = Vec::new();
        let who = bounded(&req.who, "who", MAX_NAME, true, &mut problems);
        let company = bounded(&req.company, "company", MAX_NAME, true, &mut problems);
        let email = match req.new_email.trim() {
            "" => {
                problems.push(FieldProblem {
                    field: "new_email",
                    problem: Problem::Required,
                });
                None
            }
            raw => match EmailAddress::parse(raw) {
                Ok(e) => Some(e),
                Err(e) => {
                    problems.push(FieldProblem {
                        field: "new_email",
                        problem: Problem::Email(e),
                    });
                    None
                }
            },
        };
        let phone = match req.phone.trim() {
            "" => None,
            raw => match PhoneE164::parse(raw) {
                Ok(p) => Some(p.as_str().to_owned()),
                Err(e) => {
                    problems.push(FieldProblem {
                        field: "phone",
                        problem: Problem::Phone(e),
                    });
                    None
                }
            },
        };
        let message = bounded(&req.message, "message", MAX_MESSAGE, false, &mut problems);
        let Some(email) = email.filter(|_| problems.is_empty()) else {
            return Err(FormRejection::Invalid(problems));
        };
        let now = self.clock().now();
        let mut tx = self.store().begin().await?;
        if let Err(until) = self
            .within_limits(tx.as_mut(), "assisted", email.normalized(), client)
            .await?
        {
            tx.append_audit(
                &AuditEvent::new(AuditKind::RecoveryThrottled, now, client)
                    .detail(json!({ "form": "recover-account" })),
            )
            .await?;
            tx.commit().await?;
            return Err(FormRejection::one("new_email", self.throttled(until)));
        }
        let case = RecoveryCaseRecord {
            id: Uuid::now_v7(),
            reference: random_reference()?,
            status: CaseStatus::Received.as_str().into(),
            typed_who: who,
            company_name: company,
            new_email: email.as_str().to_owned(),
            phone,
            message,
            locale: locale.code().into(),
            created_at: now,
            updated_at: now,
            login_id: None,
            agent_id: None,
            verification_method: None,
            verification_note: None,
            closing_note: None,
            opener_hash: Some(crate::crypto::sha256_hex(browser)),
        };
        tx.insert_recovery_case(&case).await?;
        tx.append_audit(
            &AuditEvent::new(AuditKind::RecoveryCaseOpened, now, client)
                .detail(json!({ "case": case.id, "reference": case.reference })),
        )
        .await?;
        // The acknowledgement is decided by the worker, the same work here
        // whatever the address (see `acknowledge_case`).
        tx.insert_recovery_request(&RecoveryRequestRecord {
            id: Uuid::now_v7(),
            form: FORM_ASSISTED_ACK.into(),
            typed: case.id.to_string(),
            ip: client.ip.clone(),
            user_agent: client.user_agent.clone(),
            request_id: client.request_id.clone(),
            created_at: now,
        })
        .await?;
        tx.commit().await?;
        Ok(case.reference)
    }

    /// The worker's acknowledgement of a new case: by e-mail only where an
    /// active login holds the case's address, verified, and within the
    /// cap of that inbox. Otherwise nothing is sent: the requester has the
    /// reference on screen. An anonymous form never mails a stranger
    /// (issue 15, item 6; docs/SECURITY.md).
    pub(crate) async fn acknowledge_case(
        &self,
        tx: &mut dyn Tx,
        case_id: &str,
        client: &ClientInfo,
    ) -> Result<(), AppError> {
        let Some(case) = (match Uuid::parse_str(case_id) {
            Ok(id) => tx.recovery_case(id).await?,
            Err(_) => None,
        }) else {
            return Ok(());
        };
        let known = match EmailAddress::parse(&case.new_email) {
            Ok(e) => tx
                .logins_by_verified_email(e.normalized())
                .await?
                .into_iter()
                .any(|l| !l.disabled && l.email_verified),
            Err(_) => false,
        };
        if !known {
            return Ok(());
        }
        if !self.inbox_allows(tx, &case.new_email).await? {
            return self.inbox_capped(tx, "recover-account", None, client).await;
        }
        self.tell_requester(tx, &case, CaseStatus::Received).await
    }

    /// Tells the requester, at the new address, that the case was opened
    /// or closed without a change.
    async fn tell_requester(
        &self,
        tx: &mut dyn Tx,
        case: &RecoveryCaseRecord,
        status: CaseStatus,
    ) -> Result<(), AppError> {
        let url = format!(
            "{}/recover-account/case/{}",
            self.config().public_url,
            case.reference
        );
        let notice = if status == CaseStatus::Rejected {
            Notice::RecoveryCaseRejected {
                reference: case.reference.clone(),
                url,
            }
        } else {
            Notice::RecoveryCaseOpened {
                reference: case.reference.clone(),
                url,
            }
        };
        let locale = Locale::parse(&case.locale).unwrap_or_default();
        self.queue(
            tx,
            Recipient::Email(&case.new_email),
            case.login_id,
            locale,
            &notice,
        )
        .await
    }

    /// The requester's view of a case, by its reference (typed leniently).
    pub async fn follow_case(&self, typed: &str) -> Result<CaseFollow, AppError> {
        let reference = normalize_reference(typed).ok_or(AppError::NotFound)?;
        let mut tx = self.store().begin_read().await?;
        let case = tx
            .recovery_case_by_reference(&reference)
            .await?
            .ok_or(AppError::NotFound)?;
        Ok(CaseFollow {
            status: status_of(&case)?,
            reference: case.reference,
            created_at: case.created_at,
            updated_at: case.updated_at,
            new_email_masked: masked_email(&case.new_email),
        })
    }

    /// The requester types the code sent to the new address: the address
    /// is linked to the login, the old address and every other verified
    /// channel are told, and a reset link goes to the new address.
    pub async fn confirm_case_code(
        &self,
        reference: &str,
        typed: &str,
        client: &ClientInfo,
    ) -> Result<(), FormRejection> {
        let reference = normalize_reference(reference).ok_or(AppError::NotFound)?;
        let code = Self::typed_code(typed, "code")?;
        let now = self.clock().now();
        let mut tx = self.store().begin().await?;
        let mut case = tx
            .recovery_case_by_reference(&reference)
            .await?
            .ok_or(AppError::NotFound)?;
        // The agent, or the requester themself (FranceConnect+).
        let (CaseStatus::CodeSent, Some(login_id)) = (status_of(&case)?, case.login_id) else {
            return Err(FormRejection::one("code", Problem::State));
        };
        let login = tx.login_by_id(login_id).await?.ok_or(AppError::NotFound)?;
        if let Err(problem) = self
            .check_code(
                tx.as_mut(),
                login.id,
                None,
                &code_purpose(&case),
                &code,
                client,
            )
            .await?
        {
            tx.commit().await?;
            return Err(FormRejection::one("code", problem));
        }
        tx.set_email(login.id, Some(&case.new_email), true).await?;
        case.status = CaseStatus::Completed.as_str().into();
        case.updated_at = now;
        tx.update_recovery_case(&case).await?;
        tx.append_audit(
            &AuditEvent::new(AuditKind::RecoveryAddressLinked, now, client)
                .by(case.agent_id.unwrap_or(login.id), login.id)
                .detail(json!({
                    "case": case.id,
                    "reference": case.reference,
                    "method": case.verification_method,
                    "to": masked_email(&case.new_email),
                })),
        )
        .await?;
        let notice = Notice::AddressLinkedBySupport {
            identifier: login.identifier.clone(),
            new_email: masked_email(&case.new_email),
        };
        // The old address (if it is not the new one) and the mobile.
        let old = login
            .email
            .as_deref()
            .filter(|old| !old.eq_ignore_ascii_case(&case.new_email));
        self.tell_channels(tx.as_mut(), &login, old, &notice)
            .await?;
        self.send_reset_link(tx.as_mut(), &login, &case.new_email)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// `/backoffice/recovery`: newest first, the open ones or all.
    pub async fn recovery_cases(
        &self,
        session: &CurrentSession,
        open_only: bool,
    ) -> Result<Vec<RecoveryCaseRecord>, AppError> {
        let mut tx = self.store().begin_read().await?;
        Self::require_support(tx.as_mut(), session).await?;
        Ok(tx.recovery_cases(open_only, 200).await?)
    }

    /// One case, with the customer logins matching `search` (by default,
    /// what the requester typed) for the agent to pick from.
    pub async fn recovery_case_view(
        &self,
        session: &CurrentSession,
        id: Uuid,
        search: Option<&str>,
    ) -> Result<CaseView, AppError> {
        let mut tx = self.store().begin_read().await?;
        Self::require_support(tx.as_mut(), session).await?;
        let case = tx.recovery_case(id).await?.ok_or(AppError::NotFound)?;
        let status = status_of(&case)?;
        let login = match case.login_id {
            Some(l) => tx.login_by_id(l).await?,
            None => None,
        };
        let agent = match case.agent_id {
            Some(a) => tx.login_by_id(a).await?.map(|l| display_name(&l)),
            None => None,
        };
        let needle = search.unwrap_or(&case.typed_who);
        let candidates = if status.is_open() {
            Self::customer_logins_matching(tx.as_mut(), needle).await?
        } else {
            Vec::new()
        };
        Ok(CaseView {
            case,
            status,
            login,
            agent,
            candidates,
        })
    }

    /// Customer logins whose identifier, names and e-mail together hold
    /// every word of `needle` ("Alice Martin" finds alice.martin).
    async fn customer_logins_matching(
        tx: &mut dyn Tx,
        needle: &str,
    ) -> Result<Vec<LoginRecord>, AppError> {
        let words: Vec<String> = needle
            .split_whitespace()
            .map(str::to_lowercase)
            .take(5)
            .collect();
        let Some(first) = words.first() else {
            return Ok(Vec::new());
        };
        Ok(tx
            .search_logins(first, 200)
            .await?
            .into_iter()
            .filter(|l| {
                let hay = format!(
                    "{} {} {} {}",
                    l.identifier,
                    l.first_name,
                    l.last_name,
                    l.email.as_deref().unwrap_or_default()
                )
                .to_lowercase();
                l.company_id.is_some() && words.iter().all(|w| hay.contains(w.as_str()))
            })
            .take(20)
            .collect())
    }

    /// The case, locked for the change, if it is open; with the agent check.
    async fn open_case(
        tx: &mut dyn Tx,
        session: &CurrentSession,
        id: Uuid,
    ) -> Result<(RecoveryCaseRecord, CaseStatus), FormRejection> {
        Self::require_support(tx, session).await?;
        let case = tx.recovery_case(id).await?.ok_or(AppError::NotFound)?;
        let status = status_of(&case)?;
        if !status.is_open() {
            return Err(FormRejection::one("case", Problem::State));
        }
        Ok((case, status))
    }

    /// The agent matches the case to a customer login and records how
    /// identity was verified. Nothing changes on the login yet.
    pub async fn verify_case_identity(
        &self,
        session: &CurrentSession,
        id: Uuid,
        check: &IdentityCheck,
        client: &ClientInfo,
    ) -> Result<(), FormRejection> {
        let now = self.clock().now();
        let mut tx = self.store().begin().await?;
        let (mut case, status) = Self::open_case(tx.as_mut(), session, id).await?;
        if !status.accepts_identity() {
            return Err(FormRejection::one("case", Problem::State));
        }
        let login = match check.login_id.trim() {
            "" => None,
            raw => match Uuid::parse_str(raw) {
                Ok(l) => tx.login_by_id(l).await?,
                Err(_) => None,
            },
        }
        // Customers only: this path never reaches a staff login.
        .filter(|l| l.company_id.is_some() && !l.disabled && l.id != session.login.id);
        // The problems in the order of the page: login, method, note.
        let mut problems = Vec::new();
        if login.is_none() {
            problems.push(FieldProblem {
                field: "login_id",
                problem: if check.login_id.trim().is_empty() {
                    Problem::Required
                } else {
                    Problem::Choice
                },
            });
        }
        let method = check.method.trim();
        if method.is_empty() {
            problems.push(FieldProblem {
                field: "method",
                problem: Problem::Required,
            });
        } else if !VERIFICATION_METHODS.contains(&method) {
            problems.push(FieldProblem {
                field: "method",
                problem: Problem::Choice,
            });
        }
        let note = bounded(&check.note, "note", MAX_NOTE, true, &mut problems);
        let Some(login) = login.filter(|_| problems.is_empty()) else {
            return Err(FormRejection::Invalid(problems));
        };
        case.status = CaseStatus::IdentityVerified.as_str().into();
        case.login_id = Some(login.id);
        case.agent_id = Some(session.login.id);
        case.verification_method = Some(method.to_owned());
        case.verification_note = Some(note);
        case.updated_at = now;
        tx.update_recovery_case(&case).await?;
        tx.append_audit(
            &AuditEvent::new(AuditKind::RecoveryIdentityVerified, now, client)
                .by(session.login.id, login.id)
                .acting_as(ActingRole::SupportAgent)
                .detail(json!({ "case": case.id, "reference": case.reference, "method": method })),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Sends (or sends again) a code to the new address of a verified case.
    pub async fn send_case_code(
        &self,
        session: &CurrentSession,
        id: Uuid,
        client: &ClientInfo,
    ) -> Result<(), FormRejection> {
        let mut tx = self.store().begin().await?;
        let (mut case, status) = Self::open_case(tx.as_mut(), session, id).await?;
        let login = match case.login_id.filter(|_| status.accepts_code()) {
            Some(l) => tx.login_by_id(l).await?.ok_or(AppError::NotFound)?,
            None => return Err(FormRejection::one("case", Problem::State)),
        };
        self.issue_case_code(
            tx.as_mut(),
            &mut case,
            &login,
            Some(session.login.id),
            client,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Sends a code to the new address of a case whose identity is
    /// verified, by an agent (`actor`) or by the requester themself
    /// (FranceConnect+).
    pub(crate) async fn issue_case_code(
        &self,
        tx: &mut dyn Tx,
        case: &mut RecoveryCaseRecord,
        login: &LoginRecord,
        actor: Option<Uuid>,
        client: &ClientInfo,
    ) -> Result<(), AppError> {
        let now = self.clock().now();
        let purpose = code_purpose(case);
        self.issue_code(
            tx,
            login,
            &purpose,
            &case.new_email,
            Recipient::Email(&case.new_email),
        )
        .await?;
        case.status = CaseStatus::CodeSent.as_str().into();
        case.updated_at = now;
        tx.update_recovery_case(case).await?;
        tx.append_audit(
            &AuditEvent::new(AuditKind::RecoveryCodeSent, now, client)
                .by(actor.unwrap_or(login.id), login.id)
                .detail(json!({ "case": case.id, "reference": case.reference, "to": masked_email(&case.new_email) })),
        )
        .await
        .map_err(AppError::from)
    }

    /// Closes a case without a change; the requester is told why to ask
    /// again with more proof.
    pub async fn reject_case(
        &self,
        session: &CurrentSession,
        id: Uuid,
        note: &str,
        client: &ClientInfo,
    ) -> Result<(), FormRejection> {
        let mut problems = Vec::new();
        let note = bounded(note, "closing_note", MAX_NOTE, true, &mut problems);
        let now = self.clock().now();
        let mut tx = self.store().begin().await?;
        let (mut case, _) = Self::open_case(tx.as_mut(), session, id).await?;
        if !problems.is_empty() {
            return Err(FormRejection::Invalid(problems));
        }
        if let Some(login) = case.login_id {
            // A code already sent must not complete a closed case.
            tx.delete_code(login, &code_purpose(&case)).await?;
        }
        case.status = CaseStatus::Rejected.as_str().into();
        case.closing_note = Some(note);
        case.agent_id = Some(session.login.id);
        case.updated_at = now;
        tx.update_recovery_case(&case).await?;
        let mut event = AuditEvent::new(AuditKind::RecoveryCaseRejected, now, client)
            .detail(json!({ "case": case.id, "reference": case.reference }));
        event.actor_login_id = Some(session.login.id);
        event.subject_login_id = case.login_id;
        tx.append_audit(&event).await?;
        self.tell_requester(tx.as_mut(), &case, CaseStatus::Rejected)
            .await?;
        tx.commit().await?;
        Ok(())
    }
}
