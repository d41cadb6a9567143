//! Server-side sessions (SPEC §3.3): tokens are random, only their SHA-256
//! is stored, idle and absolute timeouts are enforced here on every
//! request, and signing out deletes the row.

use espace_domain::strong::Stage;
use jiff::{SignedDuration, Timestamp};

use crate::App;
use crate::audit::{AuditEvent, AuditKind, ClientInfo};
use crate::crypto::{random_token, sha256_hex};
use crate::error::AppError;
use crate::ports::{LoginRecord, SessionRecord, Tx};

/// Activity is written back at most this often, so that a busy page does
/// not write on every request; the idle timeout is exact to this much.
const TOUCH_EVERY: SignedDuration = SignedDuration::from_secs(15);

/// The session behind a request.
#[derive(Debug, Clone)]
pub struct CurrentSession {
    pub id_hash: String,
    pub login: LoginRecord,
    pub created_at: Timestamp,
    pub authenticated_at: Timestamp,
    pub aal: i32,
    /// How far it may go: a session still owing its second factor (or its
    /// first method) reaches nothing else (SPEC §4.3).
    pub stage: Stage,
    /// When the session ends if nothing happens.
    pub expires_at: Timestamp,
    /// Whether that end is the absolute limit, which cannot be extended.
    pub at_absolute_limit: bool,
}

/// One signed-in device, as "My sessions" shows it.
#[derive(Debug, Clone)]
pub struct SessionEntry {
    pub record: SessionRecord,
    /// The session of the request itself.
    pub current: bool,
    pub expires_at: Timestamp,
}

#[derive(Debug, Clone)]
pub enum Resolved {
    Active(Box<CurrentSession>),
    /// The cookie named a session that timed out (it is now deleted).
    Expired,
    /// Unknown token: forged, or signed out elsewhere.
    Unknown,
}

impl App {
    /// Opens a session for `login` inside the caller's transaction (so that
    /// its audit record commits with it) and returns the raw token for the
    /// cookie.
    pub(crate) async fn open_session(
        &self,
        tx: &mut dyn Tx,
        login: &LoginRecord,
        client: &ClientInfo,
        now: Timestamp,
    ) -> Result<String, AppError> {
        self.open_session_at(tx, login, client, now, 1).await
    }

    /// Opens a session at assurance level `aal`.
    pub(crate) async fn open_session_at(
        &self,
        tx: &mut dyn Tx,
        login: &LoginRecord,
        client: &ClientInfo,
        now: Timestamp,
        aal: i32,
    ) -> Result<String, AppError> {
        let token = random_token()?;
        tx.insert_session(&SessionRecord {
            id_hash: sha256_hex(&token),
            login_id: login.id,
            created_at: now,
            last_seen_at: now,
            authenticated_at: now,
            aal,
            ip: client.ip.clone(),
            user_agent: client.user_agent.clone(),
        })
        .await?;
        Ok(token)
    }

    /// Finds the session of a cookie, enforcing both timeouts server-side.
    pub async fn resolve_session(
        &self,
        token: &str,
        client: &ClientInfo,
    ) -> Result<Resolved, AppError> {
        let policy = self.config().session_policy();
        let now = self.clock().now();
        let id_hash = sha256_hex(token);
        let mut tx = self.store().begin_read().await?;
        let Some(record) = tx.session_by_hash(&id_hash).await? else {
            return Ok(Resolved::Unknown);
        };
        let login = tx.login_by_id(record.login_id).await?;
        let stage = match &login {
            Some(login) => self.stage_of(tx.as_mut(), login, record.aal).await?,
            None => Stage::Complete,
        };
        drop(tx);
        let expired = policy.is_expired(record.created_at, record.last_seen_at, now);
        let login = match login {
            Some(login) if !expired && !login.disabled => login,
            _ => {
                let mut tx = self.store().begin().await?;
                if tx.delete_session(&id_hash).await? {
                    tx.append_audit(
                        &AuditEvent::new(AuditKind::SessionExpired, now, client)
                            .subject(Some(record.login_id)),
                    )
                    .await?;
                }
                tx.commit().await?;
                return Ok(Resolved::Expired);
            }
        };
        let mut last_seen = record.last_seen_at;
        if now.duration_since(last_seen) >= TOUCH_EVERY {
            let mut tx = self.store().begin().await?;
            tx.touch_session(&id_hash, now).await?;
            tx.commit().await?;
            last_seen = now;
        }
        Ok(Resolved::Active(Box::new(CurrentSession {
            id_hash,
            login,
            created_at: record.created_at,
            authenticated_at: record.authenticated_at,
            aal: record.aal,
            stage,
            expires_at: policy.expires_at(record.created_at, last_seen),
            at_absolute_limit: policy.ends_at_absolute_limit(record.created_at, last_seen),
        })))
    }

    /// "Stay signed in" (RGAA 13.1): records activity now and returns the
    /// new expiry.
    pub async fn extend_session(&self, session: &CurrentSession) -> Result<Timestamp, AppError> {
        let now = self.clock().now();
        let mut tx = self.store().begin().await?;
        tx.touch_session(&session.id_hash, now).await?;
        tx.commit().await?;
        Ok(self
            .config()
            .session_policy()
            .expires_at(session.created_at, now))
    }

    /// Signs out: the session row is deleted, so the old cookie is dead. A
    /// session that came through FranceConnect+ also ends at the provider:
    /// the address of its end-session is returned.
    pub async fn sign_out(
        &self,
        session: &CurrentSession,
        client: &ClientInfo,
    ) -> Result<Option<String>, AppError> {
        let now = self.clock().now();
        let mut tx = self.store().begin().await?;
        let id_token = tx.take_idp_session(&session.id_hash).await?;
        tx.delete_session(&session.id_hash).await?;
        tx.append_audit(
            &AuditEvent::new(AuditKind::SignedOut, now, client).by_self(session.login.id),
        )
        .await?;
        tx.commit().await?;
        // The provider is asked outside the transaction.
        match id_token {
            Some(id_token) => self.end_session_url(&id_token).await,
            None => Ok(None),
        }
    }

    /// The devices where this login is signed in (SPEC §6), live ones only,
    /// most recently active first.
    pub async fn my_sessions(
        &self,
        session: &CurrentSession,
    ) -> Result<Vec<SessionEntry>, AppError> {
        let policy = self.config().session_policy();
        let now = self.clock().now();
        let mut tx = self.store().begin_read().await?;
        let records = tx.sessions_of(session.login.id).await?;
        Ok(records
            .into_iter()
            .filter(|r| !policy.is_expired(r.created_at, r.last_seen_at, now))
            .map(|r| SessionEntry {
                current: r.id_hash == session.id_hash,
                expires_at: policy.expires_at(r.created_at, r.last_seen_at),
                record: r,
            })
            .collect())
    }

    /// Signs out one other device of the same login. Another login's
    /// session, or an unknown one, is "not found" — never touched.
    pub async fn revoke_session(
        &self,
        session: &CurrentSession,
        id_hash: &str,
        client: &ClientInfo,
    ) -> Result<(), AppError> {
        if id_hash == session.id_hash {
            // The current device signs out with "Sign out".
            return Err(AppError::NotFound);
        }
        let now = self.clock().now();
        let mut tx = self.store().begin().await?;
        if !tx.delete_session_of(session.login.id, id_hash).await? {
            return Err(AppError::NotFound);
        }
        tx.append_audit(
            &AuditEvent::new(AuditKind::SessionRevoked, now, client).by_self(session.login.id),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Signs out every other device of the login; returns how many.
    pub async fn revoke_other_sessions(
        &self,
        session: &CurrentSession,
        client: &ClientInfo,
    ) -> Result<u64, AppError> {
        let now = self.clock().now();
        let mut tx = self.store().begin().await?;
        let n = tx
            .delete_other_sessions(session.login.id, &session.id_hash)
            .await?;
        tx.append_audit(
            &AuditEvent::new(AuditKind::OtherSessionsRevoked, now, client)
                .by_self(session.login.id)
                .detail(serde_json::json!({ "count": n })),
        )
        .await?;
        tx.commit().await?;
        Ok(n)
    }

    /// Periodic clean-up: sessions past either timeout, failure series
    /// forgotten after `lockout.forget_after`, ended address windows.
    /// Returns how many rows went.
    pub async fn housekeeping(&self) -> Result<u64, AppError> {
        let policy = self.config().session_policy();
        let config = self.config();
        let now = self.clock().now();
        let mut tx = self.store().begin().await?;
        let sessions = tx
            .delete_expired_sessions(now - policy.idle_timeout, now - policy.absolute_timeout)
            .await?;
        let counters = tx
            .purge_counters(
                now - config.lockout.forget_after,
                now,
                now - config.ip_throttle.window,
            )
            .await?;
        tx.commit().await?;
        let resets = self.settle_due_factor_resets().await?;
        let keys = self.rotate_encryption_keys().await?;
        Ok(sessions + counters + resets + keys)
    }

    /// The remembered language of a login (SPEC §9), chosen in the header
    /// or on My account: its pages, and every message it is sent (e-mail,
    /// SMS, push). Audited when it changes.
    pub async fn set_locale(
        &self,
        session: &CurrentSession,
        locale: espace_domain::locale::Locale,
        client: &ClientInfo,
    ) -> Result<(), AppError> {
        let before = session.login.locale.as_deref();
        if before == Some(locale.code()) {
            return Ok(());
        }
        let mut tx = self.store().begin().await?;
        tx.set_login_locale(session.login.id, locale.code()).await?;
        tx.append_audit(
            &AuditEvent::new(AuditKind::LanguageChanged, self.clock().now(), client)
                .by_self(session.login.id)
                .detail(serde_json::json!({ "from": before, "to": locale.code() })),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
