//! Storage port: a unit of work ([`Tx`]) with the operations the use cases
//! compose, so that a change and its audit record are written in the same
//! transaction.

use async_trait::async_trait;
use espace_domain::lockout::AttemptState;
use espace_domain::mfa::MethodKind;
use espace_domain::ratelimit::RateWindow;
use espace_domain::rights::{CompanyRole, StaffRole};
use espace_domain::throttle::IpWindow;
use jiff::Timestamp;
use uuid::Uuid;

use crate::audit::AuditEvent;

/// Why the storage failed, by kind, so that a use case never guesses a
/// conflict from a failure (DESIGN §3).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// A unique index or primary key refused the row. `constraint` is what
    /// the engine names: the index on PostgreSQL, the columns on SQLite
    /// (`table.column, table.column`), which does not name its indexes.
    #[error("storage: conflict on {constraint}")]
    Conflict { constraint: String },
    /// The database is locked by another writer, or the transaction lost a
    /// serialisation race: trying again may succeed.
    #[error("storage: busy: {0}")]
    Busy(String),
    /// The database cannot be reached (pool exhausted or closed, network).
    #[error("storage: unavailable: {0}")]
    Unavailable(String),
    /// A stored value could not be read back into its type.
    #[error("storage: cannot decode: {0}")]
    Decode(String),
    /// Anything else: a failed statement, a migration, a configuration.
    #[error("storage: {0}")]
    Other(String),
}

impl StoreError {
    pub fn is_conflict(&self) -> bool {
        matches!(self, StoreError::Conflict { .. })
    }

    /// What the engine said, without the kind.
    pub fn detail(&self) -> &str {
        match self {
            StoreError::Conflict { constraint } => constraint,
            StoreError::Busy(m)
            | StoreError::Unavailable(m)
            | StoreError::Decode(m)
            | StoreError::Other(m) => m,
        }
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

/// One page of a login's security timeline: its events of some kinds,
/// since a time, next to a cursor, in time order (`at`, then `id`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditPage {
    pub subject: Uuid,
    /// The kinds shown, as `|kind|kind|` (every kind if `None`).
    pub kinds: Option<String>,
    /// Only what someone else did on the login (staff, administrators).
    pub by_others: bool,
    /// Events at or after this time only.
    pub since: Option<Timestamp>,
    /// The event next to which the page starts (excluded), and the side:
    /// older (newest first) or newer (oldest first). No cursor: the newest.
    pub cursor: Option<(Timestamp, Uuid)>,
    pub older: bool,
    pub limit: i64,
}

#[async_trait]
pub trait Store: Send + Sync {
    /// A transaction that will write (on SQLite: `BEGIN IMMEDIATE`).
    async fn begin(&self) -> StoreResult<Box<dyn Tx>>;
    /// A transaction that only reads.
    async fn begin_read(&self) -> StoreResult<Box<dyn Tx>>;
    async fn ping(&self) -> StoreResult<()>;
}

/// A login as the sign-in flow and the pages see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginRecord {
    pub id: Uuid,
    pub person_id: Uuid,
    pub company_id: Option<Uuid>,
    pub identifier: String,
    pub password_hash: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub title: String,
    pub first_name: String,
    pub last_name: String,
    pub locale: Option<String>,
    pub disabled: bool,
    pub email_verified: bool,
    pub phone_verified: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    /// SHA-256 of the token, hex: the token itself is never stored.
    pub id_hash: String,
    pub login_id: Uuid,
    pub created_at: Timestamp,
    pub last_seen_at: Timestamp,
    pub authenticated_at: Timestamp,
    /// Authentication assurance level reached: 1 password, 2 two factors.
    pub aal: i32,
    pub ip: String,
    pub user_agent: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompanyRecord {
    pub id: Uuid,
    pub name: String,
    pub siren: Option<String>,
    pub vat_number: Option<String>,
    pub billing_address: String,
    pub web_account_manager_id: Option<Uuid>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContractRecord {
    pub id: Uuid,
    pub reference: String,
    pub offer_name: String,
    pub status: String,
    pub commitment_end: Option<String>,
    pub referent_login_id: Option<Uuid>,
}

/// One (contract, section, profile) right of a login.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RightRecord {
    pub contract_id: Uuid,
    pub section: String,
    pub profile: String,
}

/// One e-mail or SMS in the durable outbox (SPEC §9).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxRecord {
    /// Also the idempotency key handed to the peer.
    pub id: Uuid,
    /// `email` or `sms`.
    pub channel: String,
    pub recipient: String,
    pub login_id: Option<Uuid>,
    pub kind: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: Option<String>,
    /// `pending`, `sent` or `failed`.
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: Timestamp,
    pub last_error: Option<String>,
    pub created_at: Timestamp,
    pub sent_at: Option<Timestamp>,
}

/// A live one-time code (SPEC §4.1): stored as an HMAC, with its target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeRecord {
    pub login_id: Uuid,
    pub purpose: String,
    /// What the code proves possession of (the new address).
    pub target: String,
    pub code_hash: String,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    pub tries: i32,
}

/// A single-use link: only the SHA-256 of its token is stored.
#[derive(Debug, Clone, PartialEq)]
pub struct ActionTokenRecord {
    pub token_hash: String,
    pub purpose: String,
    pub login_id: Uuid,
    pub payload: serde_json::Value,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    pub used_at: Option<Timestamp>,
}

/// Whether a login had signed in from a browser before.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceSeen {
    Known,
    /// New, and the login knows other devices: worth a notice.
    New,
    /// The login's very first device: nothing to compare with.
    First,
}

/// One message of a conversation with the web account manager.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WamMessageRecord {
    pub id: Uuid,
    pub company_id: Uuid,
    pub customer_login_id: Uuid,
    pub author_login_id: Uuid,
    pub from_staff: bool,
    pub body: String,
    pub created_at: Timestamp,
}

/// An assisted-recovery request (SPEC §5) and how support handled it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecoveryCaseRecord {
    pub id: Uuid,
    /// What the requester follows the case with (60 random bits).
    pub reference: String,
    /// See [`crate::assisted::CaseStatus`].
    pub status: String,
    /// The login or the name, as the requester typed it.
    pub typed_who: String,
    pub company_name: String,
    pub new_email: String,
    pub phone: Option<String>,
    pub message: String,
    /// The language of the form, for the messages to the requester.
    pub locale: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// The login the agent matched, once identity is verified.
    pub login_id: Option<Uuid>,
    pub agent_id: Option<Uuid>,
    pub verification_method: Option<String>,
    pub verification_note: Option<String>,
    /// Why the case was closed without linking.
    pub closing_note: Option<String>,
    /// Hash of the CSRF basis of the browser that opened the case.
    pub opener_hash: Option<String>,
}

/// A strong-authentication method of a login (SPEC §4.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthMethodRecord {
    pub id: Uuid,
    pub login_id: Uuid,
    pub kind: MethodKind,
    /// The name the person gave it.
    pub label: String,
    /// The TOTP seed (sealed), or the passkey's public credential (JSON).
    pub secret: Option<Vec<u8>>,
    /// A passkey's credential id (base64url), to find it at sign-in.
    pub credential_id: Option<String>,
    pub is_default: bool,
    pub created_at: Timestamp,
    /// `None` while the enrolment waits for proof of possession.
    pub verified_at: Option<Timestamp>,
    pub last_used_at: Option<Timestamp>,
    /// The TOTP step last accepted.
    pub last_step: Option<i64>,
}

/// A rule forcing strong authentication (SPEC §4.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StrongAuthRuleRecord {
    pub id: Uuid,
    pub company_id: Uuid,
    /// `login`, `company` or `rights`.
    pub scope: String,
    pub login_id: Option<Uuid>,
    pub section: Option<String>,
    pub profile: Option<String>,
    pub deadline: Option<Timestamp>,
    pub created_by: Uuid,
    pub created_at: Timestamp,
}

/// An assisted reset of a login's second factor (SPEC §5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FactorResetRecord {
    pub id: Uuid,
    pub login_id: Uuid,
    pub requested_by: Uuid,
    pub reason: String,
    /// `pending`, `cancelled` or `done`.
    pub status: String,
    pub requested_at: Timestamp,
    pub effective_at: Timestamp,
    pub closed_at: Option<Timestamp>,
    pub closed_by: Option<Uuid>,
}

/// A request to approve a second factor on a companion device (SPEC §4.6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushRequestRecord {
    pub id: Uuid,
    pub login_id: Uuid,
    pub method_id: Uuid,
    /// Hash of who waits for the answer (see `companion.rs`).
    pub waiter: String,
    /// The waiting session, ended if the person says "this wasn't me".
    pub session_hash: Option<String>,
    /// The waiting reset link, used up if the person says "this wasn't me".
    pub link_hash: Option<String>,
    pub purpose: String,
    pub number: i64,
    /// The three numbers the device offers, space-separated.
    pub choices: String,
    pub ip: String,
    pub user_agent: String,
    /// `pending`, `approved`, `denied`, `reported`, `mismatch`, `used`
    /// or `void`.
    pub status: String,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    pub answered_at: Option<Timestamp>,
}

/// One of Espace's encryption keys for FranceConnect+ (SPEC §4.7).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JoseKeyRecord {
    pub kid: String,
    pub alg: String,
    pub public_jwk: String,
    /// The private JWK, sealed with `app.secrets_key`.
    pub private_sealed: Vec<u8>,
    pub created_at: Timestamp,
}

/// A FranceConnect+ identity linked to a login: a method of kind
/// `franceconnect` (SPEC §4.7). One identity, one login.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdpLinkRecord {
    pub method_id: Uuid,
    pub login_id: Uuid,
    pub issuer: String,
    pub subject: String,
    pub given_name: String,
    pub family_name: String,
    pub birthdate: String,
    pub created_at: Timestamp,
}

/// An anonymous recovery request waiting for the delivery worker: the
/// form (`forgot-password`, `forgot-login`, `assisted-ack`), what was typed
/// (or the case id), and the client, for the audit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecoveryRequestRecord {
    pub id: Uuid,
    pub form: String,
    pub typed: String,
    pub ip: String,
    pub user_agent: String,
    pub request_id: String,
    pub created_at: Timestamp,
}

/// A WebAuthn ceremony in progress: webauthn-rs's state, as JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CeremonyRecord {
    pub id: Uuid,
    /// Hash of the cookie of the browser that started it.
    pub binding: String,
    pub login_id: Option<Uuid>,
    pub purpose: String,
    pub state: String,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
}

#[async_trait]
pub trait Tx: Send {
    async fn commit(self: Box<Self>) -> StoreResult<()>;

    // Server keys.
    async fn secret(&mut self, name: &str) -> StoreResult<Option<Vec<u8>>>;
    async fn insert_secret_if_absent(&mut self, name: &str, value: &[u8]) -> StoreResult<()>;

    // Logins.
    async fn login_by_identifier(&mut self, normalized: &str) -> StoreResult<Option<LoginRecord>>;
    async fn login_by_id(&mut self, id: Uuid) -> StoreResult<Option<LoginRecord>>;
    async fn set_password_hash(&mut self, login_id: Uuid, phc: &str) -> StoreResult<()>;
    async fn set_login_locale(&mut self, login_id: Uuid, locale: &str) -> StoreResult<()>;
    async fn set_title(&mut self, login_id: Uuid, title: &str) -> StoreResult<()>;
    /// Sets the e-mail (normalised column too) and whether it is verified.
    async fn set_email(
        &mut self,
        login_id: Uuid,
        email: Option<&str>,
        verified: bool,
    ) -> StoreResult<()>;
    async fn set_phone(
        &mut self,
        login_id: Uuid,
        phone: Option<&str>,
        verified: bool,
    ) -> StoreResult<()>;
    async fn set_disabled(&mut self, login_id: Uuid, disabled: bool) -> StoreResult<()>;
    /// Logins whose verified e-mail is this one (normalised), any company.
    async fn logins_by_verified_email(&mut self, normalized: &str)
    -> StoreResult<Vec<LoginRecord>>;
    async fn logins_of_company(&mut self, company_id: Uuid) -> StoreResult<Vec<LoginRecord>>;
    /// Logins whose identifier, names or e-mail contain `needle`
    /// (case-insensitive), for support.
    async fn search_logins(&mut self, needle: &str, limit: i64) -> StoreResult<Vec<LoginRecord>>;

    // Sign-in counters (per typed identifier) and per-address windows.
    async fn attempt_state(&mut self, key: &str) -> StoreResult<AttemptState>;
    /// Reads the counters of `key`, locking the row until commit.
    async fn attempt_state_for_update(&mut self, key: &str) -> StoreResult<AttemptState>;
    async fn save_attempt_state(
        &mut self,
        key: &str,
        state: &AttemptState,
        now: Timestamp,
    ) -> StoreResult<()>;
    /// Forgets the counters of every known device of `key` (see
    /// `auth::gate`): an unlock or a reset lifts those locks too.
    async fn clear_device_attempts(&mut self, key: &str) -> StoreResult<()>;
    async fn ip_window(&mut self, ip: &str) -> StoreResult<Option<IpWindow>>;
    /// Counts one failure from `ip` atomically (a single upsert, so that
    /// concurrent instances never lose a count); a window that started at
    /// or before `cutoff` has ended and a new one starts at `now`. Returns
    /// the window with this failure.
    async fn count_ip_failure(
        &mut self,
        ip: &str,
        now: Timestamp,
        cutoff: Timestamp,
    ) -> StoreResult<IpWindow>;
    /// Deletes unlocked counters untouched since `idle_before`, and address
    /// windows that started before `window_before`.
    async fn purge_counters(
        &mut self,
        idle_before: Timestamp,
        now: Timestamp,
        window_before: Timestamp,
    ) -> StoreResult<u64>;

    /// Counts a hit in the fixed window of `key` (a new window starts when
    /// the current one began at or before `window_before`), atomically (one
    /// upsert, no read-then-write); returns the window, this hit included.
    async fn hit_rate_limit(
        &mut self,
        key: &str,
        now: Timestamp,
        window_before: Timestamp,
    ) -> StoreResult<RateWindow>;
    /// Takes back one hit of `key` counted at `counted_at`, if its window
    /// is still the one that counted it (an approved phone request, say).
    async fn refund_rate_limit(&mut self, key: &str, counted_at: Timestamp) -> StoreResult<()>;

    /// Records an anonymous recovery request for the delivery worker.
    async fn insert_recovery_request(&mut self, r: &RecoveryRequestRecord) -> StoreResult<()>;
    /// Takes (deletes and returns) up to `limit` of the oldest recovery
    /// requests; the caller handles them in the same transaction, so each
    /// is handled once even with several instances.
    async fn take_recovery_requests(
        &mut self,
        limit: i64,
    ) -> StoreResult<Vec<RecoveryRequestRecord>>;

    // Sessions.
    async fn insert_session(&mut self, session: &SessionRecord) -> StoreResult<()>;
    async fn session_by_hash(&mut self, id_hash: &str) -> StoreResult<Option<SessionRecord>>;
    async fn touch_session(&mut self, id_hash: &str, now: Timestamp) -> StoreResult<()>;
    async fn delete_session(&mut self, id_hash: &str) -> StoreResult<bool>;
    async fn sessions_of(&mut self, login_id: Uuid) -> StoreResult<Vec<SessionRecord>>;
    /// Deletes a session only if it belongs to `login_id`.
    async fn delete_session_of(&mut self, login_id: Uuid, id_hash: &str) -> StoreResult<bool>;
    async fn delete_other_sessions(&mut self, login_id: Uuid, keep: &str) -> StoreResult<u64>;
    async fn delete_expired_sessions(
        &mut self,
        idle_before: Timestamp,
        created_before: Timestamp,
    ) -> StoreResult<u64>;

    // Outbox.
    async fn enqueue(&mut self, message: &OutboxRecord) -> StoreResult<()>;
    /// Takes up to `limit` due messages of `channels` for this worker: their
    /// next attempt moves to `lease_until` and their attempt count goes up,
    /// so a crash mid-send retries them after the lease (at least once).
    async fn claim_outbox(
        &mut self,
        channels: &[&str],
        now: Timestamp,
        lease_until: Timestamp,
        limit: i64,
    ) -> StoreResult<Vec<OutboxRecord>>;
    async fn outbox_sent(&mut self, id: Uuid, now: Timestamp, keep_body: bool) -> StoreResult<()>;
    async fn outbox_retry(
        &mut self,
        id: Uuid,
        next_attempt_at: Timestamp,
        error: &str,
    ) -> StoreResult<()>;
    async fn outbox_failed(&mut self, id: Uuid, error: &str) -> StoreResult<()>;
    /// Newest first.
    async fn outbox_recent(&mut self, limit: i64) -> StoreResult<Vec<OutboxRecord>>;
    async fn outbox_by_id(&mut self, id: Uuid) -> StoreResult<Option<OutboxRecord>>;
    /// Pending messages per channel.
    async fn outbox_pending(&mut self) -> StoreResult<Vec<(String, i64)>>;

    // One-time codes.
    /// Replaces any live code of the same login and purpose.
    async fn put_code(&mut self, code: &CodeRecord) -> StoreResult<()>;
    async fn code(&mut self, login_id: Uuid, purpose: &str) -> StoreResult<Option<CodeRecord>>;
    async fn set_code_tries(
        &mut self,
        login_id: Uuid,
        purpose: &str,
        tries: i32,
    ) -> StoreResult<()>;
    async fn delete_code(&mut self, login_id: Uuid, purpose: &str) -> StoreResult<()>;

    // Single-use links.
    async fn insert_action_token(&mut self, token: &ActionTokenRecord) -> StoreResult<()>;
    async fn action_token(&mut self, token_hash: &str) -> StoreResult<Option<ActionTokenRecord>>;
    /// Replaces the payload of an unused link (a step proven on the way).
    async fn set_action_token_payload(
        &mut self,
        token_hash: &str,
        payload: &serde_json::Value,
    ) -> StoreResult<bool>;
    /// Marks a token used; false if it was already used (a race lost).
    async fn use_action_token(&mut self, token_hash: &str, now: Timestamp) -> StoreResult<bool>;
    /// Marks every unused token of this login and purpose used.
    async fn void_action_tokens(
        &mut self,
        login_id: Uuid,
        purpose: &str,
        now: Timestamp,
    ) -> StoreResult<()>;

    // Known devices.
    /// Whether this login has signed in from this device before.
    async fn device_known(&mut self, login_id: Uuid, device_hash: &str) -> StoreResult<bool>;
    /// Records a device and says whether this login had seen it.
    async fn remember_device(
        &mut self,
        login_id: Uuid,
        device_hash: &str,
        now: Timestamp,
    ) -> StoreResult<DeviceSeen>;

    // Web account manager conversations.
    async fn insert_wam_message(&mut self, message: &WamMessageRecord) -> StoreResult<()>;
    /// Oldest first.
    async fn wam_conversation(
        &mut self,
        customer_login_id: Uuid,
    ) -> StoreResult<Vec<WamMessageRecord>>;
    /// The latest message of every conversation of the companies this
    /// manager is assigned to, newest first.
    async fn wam_inbox(&mut self, manager_login_id: Uuid) -> StoreResult<Vec<WamMessageRecord>>;

    // Assisted recovery.
    async fn insert_recovery_case(&mut self, case: &RecoveryCaseRecord) -> StoreResult<()>;
    /// Writes every field that handling a case changes.
    async fn update_recovery_case(&mut self, case: &RecoveryCaseRecord) -> StoreResult<()>;
    /// Locks the row until commit in a writing transaction.
    async fn recovery_case(&mut self, id: Uuid) -> StoreResult<Option<RecoveryCaseRecord>>;
    async fn recovery_case_by_reference(
        &mut self,
        reference: &str,
    ) -> StoreResult<Option<RecoveryCaseRecord>>;
    /// Newest first: the open ones (neither completed nor rejected), or all.
    async fn recovery_cases(
        &mut self,
        open_only: bool,
        limit: i64,
    ) -> StoreResult<Vec<RecoveryCaseRecord>>;

    // Strong-authentication methods.
    async fn insert_auth_method(&mut self, method: &AuthMethodRecord) -> StoreResult<()>;
    /// Every method of a login, verified or not, oldest first.
    async fn auth_methods_of(&mut self, login_id: Uuid) -> StoreResult<Vec<AuthMethodRecord>>;
    /// One method of this login (locked until commit when writing).
    async fn auth_method(
        &mut self,
        login_id: Uuid,
        id: Uuid,
    ) -> StoreResult<Option<AuthMethodRecord>>;
    /// Writes label, default flag, verification and use of a method.
    async fn update_auth_method(&mut self, method: &AuthMethodRecord) -> StoreResult<()>;
    async fn delete_auth_method(&mut self, login_id: Uuid, id: Uuid) -> StoreResult<bool>;
    /// The passkey with this credential id, whoever it belongs to.
    async fn auth_method_by_credential(
        &mut self,
        credential_id: &str,
    ) -> StoreResult<Option<AuthMethodRecord>>;

    // Forcing of strong authentication.
    async fn insert_strong_auth_rule(&mut self, rule: &StrongAuthRuleRecord) -> StoreResult<()>;
    /// The rules of a company, oldest first.
    async fn strong_auth_rules_of(
        &mut self,
        company_id: Uuid,
    ) -> StoreResult<Vec<StrongAuthRuleRecord>>;
    async fn delete_strong_auth_rule(&mut self, company_id: Uuid, id: Uuid) -> StoreResult<bool>;
    /// Records (`Some`) or clears (`None`) a person's request to be forced.
    async fn set_strong_auth_request(
        &mut self,
        login_id: Uuid,
        at: Option<Timestamp>,
    ) -> StoreResult<()>;
    async fn strong_auth_request(&mut self, login_id: Uuid) -> StoreResult<Option<Timestamp>>;

    // Recovery codes.
    /// Replaces every recovery code of a login with these hashes.
    async fn replace_recovery_codes(
        &mut self,
        login_id: Uuid,
        hashes: &[String],
        now: Timestamp,
    ) -> StoreResult<()>;
    /// Marks an unused code used; false if there is none such.
    async fn use_recovery_code(
        &mut self,
        login_id: Uuid,
        hash: &str,
        now: Timestamp,
    ) -> StoreResult<bool>;
    /// Unused recovery codes of a login.
    async fn recovery_codes_left(&mut self, login_id: Uuid) -> StoreResult<i64>;

    // Assisted reset of a lost second factor.
    /// The company's waiting period before a reset takes effect.
    async fn factor_reset_wait(&mut self, company_id: Uuid) -> StoreResult<Option<i64>>;
    async fn set_factor_reset_wait(&mut self, company_id: Uuid, secs: i64) -> StoreResult<()>;
    /// False when the login already has a pending reset (a race lost).
    async fn insert_factor_reset(&mut self, reset: &FactorResetRecord) -> StoreResult<bool>;
    /// The login's pending reset (at most one), locked for update.
    async fn pending_factor_reset(
        &mut self,
        login_id: Uuid,
    ) -> StoreResult<Option<FactorResetRecord>>;
    /// Pending resets whose waiting period is over, oldest first.
    async fn due_factor_resets(
        &mut self,
        now: Timestamp,
        limit: i64,
    ) -> StoreResult<Vec<FactorResetRecord>>;
    /// Closes a pending reset as `cancelled` or `done`; false if it was
    /// no longer pending (a concurrent close won).
    async fn close_factor_reset(
        &mut self,
        id: Uuid,
        status: &str,
        at: Timestamp,
        by: Option<Uuid>,
    ) -> StoreResult<bool>;
    /// Removes every strong-authentication method and recovery code of a
    /// login; returns the methods removed.
    async fn delete_all_methods(&mut self, login_id: Uuid) -> StoreResult<u64>;

    // Forms kept across a step-up.
    async fn insert_pending_form(
        &mut self,
        token_hash: &str,
        login_id: Uuid,
        sealed: &[u8],
        now: Timestamp,
        expires_at: Timestamp,
    ) -> StoreResult<()>;
    /// Removes and returns a live pending form of this login.
    async fn take_pending_form(
        &mut self,
        token_hash: &str,
        login_id: Uuid,
        now: Timestamp,
    ) -> StoreResult<Option<Vec<u8>>>;

    // Companion devices and their push requests (SPEC §4.6).
    async fn insert_companion_device(
        &mut self,
        token_hash: &str,
        method_id: Uuid,
        login_id: Uuid,
        now: Timestamp,
    ) -> StoreResult<()>;
    /// A method by its id alone (a companion link names only the method).
    async fn auth_method_by_id(&mut self, id: Uuid) -> StoreResult<Option<AuthMethodRecord>>;
    /// The verified companion method a device token stands for.
    async fn companion_method(&mut self, token_hash: &str)
    -> StoreResult<Option<AuthMethodRecord>>;
    /// Records that the device holding this token was seen at `now`,
    /// unless it was seen after `since` already (writes stay rare).
    async fn touch_companion_device(
        &mut self,
        token_hash: &str,
        now: Timestamp,
        since: Timestamp,
    ) -> StoreResult<()>;
    /// When a device of this method was last seen (or else linked).
    async fn companion_last_seen(&mut self, method_id: Uuid) -> StoreResult<Option<Timestamp>>;
    async fn insert_push_request(&mut self, r: &PushRequestRecord) -> StoreResult<()>;
    async fn push_request(&mut self, id: Uuid) -> StoreResult<Option<PushRequestRecord>>;
    /// The requests of a device still waiting for an answer.
    async fn pending_push_requests(
        &mut self,
        method_id: Uuid,
        now: Timestamp,
    ) -> StoreResult<Vec<PushRequestRecord>>;
    /// Moves a request from `from` to `to` if it is still in `from`
    /// (a concurrent answer loses the race and gets `false`).
    async fn set_push_status(
        &mut self,
        id: Uuid,
        from: &str,
        to: &str,
        now: Timestamp,
    ) -> StoreResult<bool>;
    /// Voids the pending requests of a waiter (a new one replaces them).
    async fn void_push_requests(&mut self, waiter: &str) -> StoreResult<u64>;

    // FranceConnect+ (SPEC §4.7).
    async fn jose_keys(&mut self) -> StoreResult<Vec<JoseKeyRecord>>;
    async fn insert_jose_key(&mut self, key: &JoseKeyRecord) -> StoreResult<()>;
    async fn delete_jose_key(&mut self, kid: &str) -> StoreResult<bool>;
    /// Fails on a duplicate identity or login (unique indexes).
    async fn insert_idp_link(&mut self, link: &IdpLinkRecord) -> StoreResult<()>;
    async fn idp_link_by_subject(
        &mut self,
        issuer: &str,
        subject: &str,
    ) -> StoreResult<Option<IdpLinkRecord>>;
    async fn idp_link_of_login(&mut self, login_id: Uuid) -> StoreResult<Option<IdpLinkRecord>>;
    /// The ID token a session was opened or raised with, for the
    /// provider's end-session.
    async fn set_idp_session(
        &mut self,
        session_hash: &str,
        id_token: &str,
        now: Timestamp,
    ) -> StoreResult<()>;
    async fn take_idp_session(&mut self, session_hash: &str) -> StoreResult<Option<String>>;
    /// Follows a session that gets a new id.
    async fn move_idp_session(&mut self, from: &str, to: &str) -> StoreResult<()>;
    /// Forgets the ID tokens of sessions that no longer exist.
    async fn purge_idp_sessions(&mut self) -> StoreResult<u64>;

    // Ceremonies: WebAuthn's, and FranceConnect+ authorization requests.
    async fn insert_ceremony(&mut self, ceremony: &CeremonyRecord) -> StoreResult<()>;
    /// Removes and returns the ceremony, if this browser started it.
    async fn take_ceremony(
        &mut self,
        id: Uuid,
        binding: &str,
    ) -> StoreResult<Option<CeremonyRecord>>;

    /// Moves a session to a new assurance level and authentication time.
    async fn set_session_auth(
        &mut self,
        id_hash: &str,
        authenticated_at: Timestamp,
        aal: i32,
    ) -> StoreResult<()>;

    // Audit.
    async fn append_audit(&mut self, event: &AuditEvent) -> StoreResult<()>;
    async fn audit_for_login(&mut self, login_id: Uuid, limit: i64)
    -> StoreResult<Vec<AuditEvent>>;
    /// One page of a login's timeline (see [`AuditPage`]).
    async fn audit_page(&mut self, page: &AuditPage) -> StoreResult<Vec<AuditEvent>>;
    /// One event of a login's timeline, if it is one of that login's.
    async fn audit_event_of(&mut self, subject: Uuid, id: Uuid) -> StoreResult<Option<AuditEvent>>;
    /// The events of a reference (one, but a reference is short: maybe
    /// more), newest first.
    async fn audit_by_reference(&mut self, reference: &str) -> StoreResult<Vec<AuditEvent>>;

    // Provisioning (demo data now; invitations and back office later).
    async fn insert_person(&mut self, id: Uuid, now: Timestamp) -> StoreResult<bool>;
    async fn insert_company(
        &mut self,
        company: &CompanyRecord,
        now: Timestamp,
    ) -> StoreResult<bool>;
    async fn insert_login(&mut self, login: &LoginRecord, now: Timestamp) -> StoreResult<bool>;
    async fn insert_contract(
        &mut self,
        company_id: Uuid,
        contract: &ContractRecord,
        referent: Option<Uuid>,
        now: Timestamp,
    ) -> StoreResult<bool>;
    async fn grant_right(&mut self, login_id: Uuid, right: &RightRecord) -> StoreResult<()>;
    async fn revoke_right(
        &mut self,
        login_id: Uuid,
        contract_id: Uuid,
        section: &str,
    ) -> StoreResult<bool>;
    async fn revoke_all_rights(&mut self, login_id: Uuid) -> StoreResult<u64>;
    async fn revoke_company_roles(&mut self, login_id: Uuid) -> StoreResult<u64>;
    async fn set_referent(&mut self, contract_id: Uuid, login_id: Uuid) -> StoreResult<()>;
    async fn grant_company_role(
        &mut self,
        login_id: Uuid,
        company_id: Uuid,
        role: CompanyRole,
    ) -> StoreResult<()>;
    async fn grant_staff_role(&mut self, login_id: Uuid, role: StaffRole) -> StoreResult<()>;
    async fn set_web_account_manager(
        &mut self,
        company_id: Uuid,
        login_id: Uuid,
    ) -> StoreResult<()>;

    // Read models.
    async fn company(&mut self, id: Uuid) -> StoreResult<Option<CompanyRecord>>;
    async fn contracts_visible_to(&mut self, login_id: Uuid) -> StoreResult<Vec<ContractRecord>>;
    async fn contracts_of_company(&mut self, company_id: Uuid) -> StoreResult<Vec<ContractRecord>>;
    async fn rights_of(&mut self, login_id: Uuid) -> StoreResult<Vec<RightRecord>>;
    async fn company_roles_of(&mut self, login_id: Uuid) -> StoreResult<Vec<CompanyRole>>;
    /// The rights of every login of a company, in one query, as
    /// `(login, right)` ordered like [`Tx::rights_of`] within a login.
    async fn rights_in_company(
        &mut self,
        company_id: Uuid,
    ) -> StoreResult<Vec<(Uuid, RightRecord)>>;
    /// The company roles of every login of a company, in one query.
    async fn company_roles_in_company(
        &mut self,
        company_id: Uuid,
    ) -> StoreResult<Vec<(Uuid, CompanyRole)>>;
    async fn staff_roles_of(&mut self, login_id: Uuid) -> StoreResult<Vec<StaffRole>>;
}
