//! The audit trail (SPEC §9): who, what, when, from where — written in the
//! same transaction as the change it records, and shown to the person in
//! their activity timeline.

use jiff::Timestamp;
use serde::Serialize;
use uuid::Uuid;

/// What happened. The text form is stable: it is stored, translated on
/// the activity page and exported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum AuditKind {
    SignInSucceeded,
    SignInFailed,
    SignInRefusedLocked,
    SignInThrottled,
    LoginLocked,
    LoginUnlocked,
    SignedOut,
    SessionExpired,
    PasswordRehashed,
    CsrfRejected,
    SessionRevoked,
    OtherSessionsRevoked,
    PasswordChanged,
    PasswordChangeFailed,
    PasswordSet,
    TitleChanged,
    /// The language of the login's messages (and pages) was chosen.
    LanguageChanged,
    EmailChangeRequested,
    EmailChanged,
    PhoneChangeRequested,
    PhoneChanged,
    ContactChangeUndone,
    CodeRejected,
    SendThrottled,
    SmsBreakerTripped,
    NewDevice,
    NotMeReported,
    ManagerContacted,
    ManagerReplied,
    UserInvited,
    RightsChanged,
    ReferentChanged,
    AccessRemoved,
    PasswordResetRequested,
    PasswordReset,
    LoginReminderSent,
    RecoveryThrottled,
    RecoveryCaseOpened,
    RecoveryIdentityVerified,
    RecoveryCodeSent,
    RecoveryAddressLinked,
    RecoveryCaseRejected,
    MethodAdded,
    MethodRemoved,
    MethodChanged,
    StrongAuthForced,
    StrongAuthUnforced,
    StrongAuthRequested,
    /// A staff login signed in without a method, under the provider's
    /// policy (invited to set one up, or required to).
    StrongAuthStaffOwed,
    FactorCodeSent,
    SecondFactorPassed,
    SecondFactorFailed,
    SecondFactorLocked,
    SteppedUp,
    StepUpFailed,
    RecoveryCodesGenerated,
    RecoveryCodeUsed,
    FactorResetRequested,
    FactorResetCancelled,
    FactorResetDone,
    FactorResetWaitChanged,
    PushRequested,
    PushApproved,
    PushRefused,
    FranceConnectRefused,
}

impl AuditKind {
    pub const ALL: &'static [AuditKind] = &[
        AuditKind::SignInSucceeded,
        AuditKind::SignInFailed,
        AuditKind::SignInRefusedLocked,
        AuditKind::SignInThrottled,
        AuditKind::LoginLocked,
        AuditKind::LoginUnlocked,
        AuditKind::SignedOut,
        AuditKind::SessionExpired,
        AuditKind::PasswordRehashed,
        AuditKind::CsrfRejected,
        AuditKind::SessionRevoked,
        AuditKind::OtherSessionsRevoked,
        AuditKind::PasswordChanged,
        AuditKind::PasswordChangeFailed,
        AuditKind::PasswordSet,
        AuditKind::TitleChanged,
        AuditKind::LanguageChanged,
        AuditKind::EmailChangeRequested,
        AuditKind::EmailChanged,
        AuditKind::PhoneChangeRequested,
        AuditKind::PhoneChanged,
        AuditKind::ContactChangeUndone,
        AuditKind::CodeRejected,
        AuditKind::SendThrottled,
        AuditKind::SmsBreakerTripped,
        AuditKind::NewDevice,
        AuditKind::NotMeReported,
        AuditKind::ManagerContacted,
        AuditKind::ManagerReplied,
        AuditKind::UserInvited,
        AuditKind::RightsChanged,
        AuditKind::ReferentChanged,
        AuditKind::AccessRemoved,
        AuditKind::PasswordResetRequested,
        AuditKind::PasswordReset,
        AuditKind::LoginReminderSent,
        AuditKind::RecoveryThrottled,
        AuditKind::RecoveryCaseOpened,
        AuditKind::RecoveryIdentityVerified,
        AuditKind::RecoveryCodeSent,
        AuditKind::RecoveryAddressLinked,
        AuditKind::RecoveryCaseRejected,
        AuditKind::MethodAdded,
        AuditKind::MethodRemoved,
        AuditKind::MethodChanged,
        AuditKind::StrongAuthForced,
        AuditKind::StrongAuthUnforced,
        AuditKind::StrongAuthRequested,
        AuditKind::StrongAuthStaffOwed,
        AuditKind::FactorCodeSent,
        AuditKind::SecondFactorPassed,
        AuditKind::SecondFactorFailed,
        AuditKind::SecondFactorLocked,
        AuditKind::SteppedUp,
        AuditKind::StepUpFailed,
        AuditKind::RecoveryCodesGenerated,
        AuditKind::RecoveryCodeUsed,
        AuditKind::FactorResetRequested,
        AuditKind::FactorResetCancelled,
        AuditKind::FactorResetDone,
        AuditKind::FactorResetWaitChanged,
        AuditKind::PushRequested,
        AuditKind::PushApproved,
        AuditKind::PushRefused,
        AuditKind::FranceConnectRefused,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AuditKind::SignInSucceeded => "signin.succeeded",
            AuditKind::SignInFailed => "signin.failed",
            AuditKind::SignInRefusedLocked => "signin.refused-locked",
            AuditKind::SignInThrottled => "signin.throttled",
            AuditKind::LoginLocked => "login.locked",
            AuditKind::LoginUnlocked => "login.unlocked",
            AuditKind::SignedOut => "session.signed-out",
            AuditKind::SessionExpired => "session.expired",
            AuditKind::PasswordRehashed => "password.rehashed",
            AuditKind::CsrfRejected => "request.csrf-rejected",
            AuditKind::SessionRevoked => "session.revoked",
            AuditKind::OtherSessionsRevoked => "session.others-revoked",
            AuditKind::PasswordChanged => "password.changed",
            AuditKind::PasswordChangeFailed => "password.change-failed",
            AuditKind::PasswordSet => "password.set",
            AuditKind::TitleChanged => "contact.title-changed",
            AuditKind::LanguageChanged => "contact.language-changed",
            AuditKind::EmailChangeRequested => "contact.email-change-requested",
            AuditKind::EmailChanged => "contact.email-changed",
            AuditKind::PhoneChangeRequested => "contact.phone-change-requested",
            AuditKind::PhoneChanged => "contact.phone-changed",
            AuditKind::ContactChangeUndone => "contact.change-undone",
            AuditKind::CodeRejected => "code.rejected",
            AuditKind::SendThrottled => "code.send-throttled",
            AuditKind::SmsBreakerTripped => "sms.breaker-tripped",
            AuditKind::NewDevice => "signin.new-device",
            AuditKind::NotMeReported => "session.not-me",
            AuditKind::ManagerContacted => "company.manager-contacted",
            AuditKind::ManagerReplied => "company.manager-replied",
            AuditKind::UserInvited => "users.invited",
            AuditKind::RightsChanged => "users.rights-changed",
            AuditKind::ReferentChanged => "users.referent-changed",
            AuditKind::AccessRemoved => "users.access-removed",
            AuditKind::PasswordResetRequested => "password.reset-requested",
            AuditKind::PasswordReset => "password.reset",
            AuditKind::LoginReminderSent => "login.reminder-sent",
            AuditKind::RecoveryThrottled => "recovery.throttled",
            AuditKind::RecoveryCaseOpened => "recovery.case-opened",
            AuditKind::RecoveryIdentityVerified => "recovery.identity-verified",
            AuditKind::RecoveryCodeSent => "recovery.code-sent",
            AuditKind::RecoveryAddressLinked => "recovery.address-linked",
            AuditKind::RecoveryCaseRejected => "recovery.case-rejected",
            AuditKind::MethodAdded => "mfa.method-added",
            AuditKind::MethodRemoved => "mfa.method-removed",
            AuditKind::MethodChanged => "mfa.method-changed",
            AuditKind::StrongAuthForced => "mfa.forced",
            AuditKind::StrongAuthUnforced => "mfa.unforced",
            AuditKind::StrongAuthRequested => "mfa.requested",
            AuditKind::StrongAuthStaffOwed => "mfa.staff-owed",
            AuditKind::FactorCodeSent => "signin.factor-code-sent",
            AuditKind::SecondFactorPassed => "signin.second-factor",
            AuditKind::SecondFactorFailed => "signin.second-factor-failed",
            AuditKind::SecondFactorLocked => "signin.second-factor-locked",
            AuditKind::SteppedUp => "session.stepped-up",
            AuditKind::StepUpFailed => "session.step-up-failed",
            AuditKind::RecoveryCodesGenerated => "mfa.recovery-codes-generated",
            AuditKind::RecoveryCodeUsed => "mfa.recovery-code-used",
            AuditKind::FactorResetRequested => "mfa.reset-requested",
            AuditKind::FactorResetCancelled => "mfa.reset-cancelled",
            AuditKind::FactorResetDone => "mfa.reset-done",
            AuditKind::FactorResetWaitChanged => "mfa.reset-wait-changed",
            AuditKind::PushRequested => "mfa.push-requested",
            AuditKind::PushApproved => "mfa.push-approved",
            AuditKind::PushRefused => "mfa.push-refused",
            AuditKind::FranceConnectRefused => "mfa.franceconnect-refused",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|k| k.as_str() == s)
    }
}

/// Where a request came from, as the web layer saw it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientInfo {
    pub ip: String,
    pub user_agent: String,
    pub request_id: String,
    /// The language this browser chose (the header's switch), if it did:
    /// at sign-in it wins over the login's and becomes its preference.
    pub chosen_locale: Option<espace_domain::locale::Locale>,
}

impl ClientInfo {
    pub fn new(ip: impl Into<String>, user_agent: &str, request_id: impl Into<String>) -> Self {
        Self {
            ip: ip.into(),
            // Bounded, and without control characters: a header is
            // attacker-controlled, and PostgreSQL refuses a NUL in text.
            user_agent: user_agent
                .chars()
                .filter(|c| !c.is_control())
                .take(400)
                .collect(),
            request_id: request_id.into(),
            chosen_locale: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct AuditEvent {
    pub id: Uuid,
    pub at: Timestamp,
    pub kind: String,
    /// Who acted (the person themself, or staff acting on their login).
    pub actor_login_id: Option<Uuid>,
    /// Whose login it concerns.
    pub subject_login_id: Option<Uuid>,
    /// The identifier as typed, for sign-in events (bounded).
    pub identifier: Option<String>,
    pub ip: String,
    pub user_agent: String,
    pub request_id: String,
    pub detail: serde_json::Value,
    /// The role under which someone else acted on the login (staff or a
    /// company role), as it was when they acted; `None` for the person
    /// themself, nobody, or events older than the record of roles.
    pub actor_role: Option<ActingRole>,
}

impl AuditEvent {
    pub fn new(kind: AuditKind, at: Timestamp, client: &ClientInfo) -> Self {
        Self {
            // Time-ordered, so events of the same instant keep their order.
            id: Uuid::now_v7(),
            at,
            kind: kind.as_str().to_owned(),
            actor_login_id: None,
            subject_login_id: None,
            identifier: None,
            ip: client.ip.clone(),
            user_agent: client.user_agent.clone(),
            request_id: client.request_id.clone(),
            detail: serde_json::Value::Null,
            actor_role: None,
        }
    }

    /// The role under which the actor acted (see [`Self::by`]).
    pub fn acting_as(mut self, role: ActingRole) -> Self {
        self.actor_role = Some(role);
        self
    }

    /// The event's reference: what the person reads on its line of the
    /// timeline and support types in the back office to find it. The last
    /// 12 hexadecimal digits of its id (random in a UUIDv7), in capitals.
    pub fn reference(&self) -> String {
        let hex = self.id.simple().to_string().to_ascii_uppercase();
        hex[hex.len().saturating_sub(REFERENCE_LEN)..].to_owned()
    }

    /// The person acted on their own login.
    pub fn by_self(mut self, login_id: Uuid) -> Self {
        self.actor_login_id = Some(login_id);
        self.subject_login_id = Some(login_id);
        self
    }

    /// `actor` acted on `subject`'s login (an administrator, staff).
    pub fn by(mut self, actor: Uuid, subject: Uuid) -> Self {
        self.actor_login_id = Some(actor);
        self.subject_login_id = Some(subject);
        self
    }

    pub fn subject(mut self, login_id: Option<Uuid>) -> Self {
        self.subject_login_id = login_id;
        self
    }

    pub fn identifier(mut self, typed: &str) -> Self {
        self.identifier = Some(typed.chars().take(128).collect());
        self
    }

    pub fn detail(mut self, detail: serde_json::Value) -> Self {
        self.detail = detail;
        self
    }

    pub fn kind(&self) -> Option<AuditKind> {
        AuditKind::parse(&self.kind)
    }
}

impl crate::App {
    /// Records a security event that is not part of another change (e.g. a
    /// refused cross-site request).
    pub async fn record(
        &self,
        kind: AuditKind,
        subject: Option<Uuid>,
        client: &ClientInfo,
        detail: serde_json::Value,
    ) -> Result<(), crate::AppError> {
        let mut tx = self.store().begin().await?;
        tx.append_audit(
            &AuditEvent::new(kind, self.clock().now(), client)
                .subject(subject)
                .detail(detail),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The newest `limit` events of a login, newest first, as stored (the
    /// timeline with who acted is [`App::activity_page`]).
    pub async fn recent_events(
        &self,
        login_id: Uuid,
        limit: i64,
    ) -> Result<Vec<AuditEvent>, crate::AppError> {
        let mut tx = self.store().begin_read().await?;
        Ok(tx.audit_for_login(login_id, limit).await?)
    }
}

/// How many hexadecimal digits an event's reference has.
pub const REFERENCE_LEN: usize = 12;

/// A reference for people: `A1B2-C3D4-E5F6`.
pub fn format_reference(reference: &str) -> String {
    reference
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join("-")
}

/// A reference as typed (any case, with spaces or dashes), as stored;
/// `None` if it cannot be one.
pub fn parse_reference(typed: &str) -> Option<String> {
    let clean: String = typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect::<String>()
        .to_ascii_uppercase();
    (clean.len() == REFERENCE_LEN && clean.chars().all(|c| c.is_ascii_hexdigit())).then_some(clean)
}

/// The role under which someone acted on another person's login.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum ActingRole {
    /// Provider staff: a support agent.
    SupportAgent,
    /// Provider staff: the web account manager of the company.
    WebAccountManager,
    /// The company's security manager.
    SecurityManager,
    /// A company administrator (users and rights).
    CompanyAdministrator,
}

impl ActingRole {
    pub const ALL: &'static [ActingRole] = &[
        ActingRole::SupportAgent,
        ActingRole::WebAccountManager,
        ActingRole::SecurityManager,
        ActingRole::CompanyAdministrator,
    ];

    /// The stored name (stable).
    pub fn as_str(self) -> &'static str {
        match self {
            ActingRole::SupportAgent => "support-agent",
            ActingRole::WebAccountManager => "web-account-manager",
            ActingRole::SecurityManager => "security-manager",
            ActingRole::CompanyAdministrator => "company-administrator",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|r| r.as_str() == s)
    }

    /// Whether the provider's staff acted (not the customer's company).
    pub fn is_staff(self) -> bool {
        matches!(
            self,
            ActingRole::SupportAgent | ActingRole::WebAccountManager
        )
    }
}

/// Who acted, as the timeline says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    You,
    /// Provider staff.
    Staff,
    /// A company administrator.
    Administrator,
    /// Nobody signed in (a failed sign-in, an undo link).
    Nobody,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_agent_is_kept_without_control_characters() {
        let c = ClientInfo::new("127.0.0.1", "Evil\0Agent\t\u{7f}/1.0", "r");
        assert_eq!(c.user_agent, "EvilAgent/1.0");
    }

    #[test]
    fn a_reference_is_the_end_of_the_id_and_reads_back_however_typed() {
        let mut e = AuditEvent::new(
            AuditKind::SignInFailed,
            Timestamp::UNIX_EPOCH,
            &ClientInfo::default(),
        );
        e.id = Uuid::parse_str("01890a5d-ac96-774b-bcce-b302099a8057").unwrap();
        assert_eq!(e.reference(), "B302099A8057");
        assert_eq!(format_reference(&e.reference()), "B302-099A-8057");
        assert_eq!(
            parse_reference(" b302-099a-8057 ").as_deref(),
            Some("B302099A8057")
        );
        assert_eq!(
            parse_reference("B302 099A 8057").as_deref(),
            Some("B302099A8057")
        );
        assert_eq!(parse_reference("B302-099A-805"), None);
        assert_eq!(parse_reference("G302-099A-8057"), None);
        assert_eq!(parse_reference(""), None);
    }

    #[test]
    fn acting_roles_round_trip() {
        for r in ActingRole::ALL {
            assert_eq!(ActingRole::parse(r.as_str()), Some(*r));
        }
        assert!(ActingRole::SupportAgent.is_staff());
        assert!(!ActingRole::SecurityManager.is_staff());
    }
}
