//! Storage port: a unit of work ([`Tx`]) with the operations the use cases
//! compose, so that a change and its audit record are written in the same
//! transaction.

use async_trait::async_trait;
use espace_domain::lockout::AttemptState;
use espace_domain::throttle::IpWindow;
use jiff::Timestamp;
use uuid::Uuid;

use crate::audit::AuditEvent;

#[derive(Debug, thiserror::Error)]
#[error("storage: {0}")]
pub struct StoreError(pub String);

pub type StoreResult<T> = Result<T, StoreError>;

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
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContractRecord {
    pub id: Uuid,
    pub reference: String,
    pub offer_name: String,
    pub status: String,
    pub commitment_end: Option<String>,
}

/// One (contract, section, profile) right of a login.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RightRecord {
    pub contract_id: Uuid,
    pub section: String,
    pub profile: String,
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
    async fn ip_window(&mut self, ip: &str) -> StoreResult<Option<IpWindow>>;
    async fn save_ip_window(&mut self, ip: &str, window: &IpWindow) -> StoreResult<()>;
    /// Deletes unlocked counters untouched since `idle_before`, and address
    /// windows that started before `window_before`.
    async fn purge_counters(
        &mut self,
        idle_before: Timestamp,
        now: Timestamp,
        window_before: Timestamp,
    ) -> StoreResult<u64>;

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

    // Audit.
    async fn append_audit(&mut self, event: &AuditEvent) -> StoreResult<()>;
    async fn audit_for_login(&mut self, login_id: Uuid, limit: i64)
    -> StoreResult<Vec<AuditEvent>>;

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
    async fn grant_company_role(
        &mut self,
        login_id: Uuid,
        company_id: Uuid,
        role: &str,
    ) -> StoreResult<()>;
    async fn grant_staff_role(&mut self, login_id: Uuid, role: &str) -> StoreResult<()>;
    async fn set_web_account_manager(
        &mut self,
        company_id: Uuid,
        login_id: Uuid,
    ) -> StoreResult<()>;

    // Read models.
    async fn company(&mut self, id: Uuid) -> StoreResult<Option<CompanyRecord>>;
    async fn contracts_visible_to(&mut self, login_id: Uuid) -> StoreResult<Vec<ContractRecord>>;
    async fn rights_of(&mut self, login_id: Uuid) -> StoreResult<Vec<RightRecord>>;
    async fn company_roles_of(&mut self, login_id: Uuid) -> StoreResult<Vec<String>>;
    async fn staff_roles_of(&mut self, login_id: Uuid) -> StoreResult<Vec<String>>;
}
