//! Unlocking (SPEC §3.2, issue 4): a company's security manager (for its
//! own logins) and support agents (for any) see why a login is locked and
//! lift the lock. The person is told, and the action is in their timeline.

use espace_domain::identifier::attempt_key;
use espace_domain::lockout::AttemptState;
use jiff::Timestamp;
use serde_json::json;
use uuid::Uuid;

use crate::App;
use crate::audit::{AuditEvent, AuditKind, ClientInfo};
use crate::company::display_name;
use crate::error::AppError;
use crate::notify::{Notice, Recipient};
use crate::ports::{LoginRecord, Tx};
use crate::rights::policy::{self, Helper};
use crate::session::CurrentSession;

/// A login's lock, as its helpers see it.
#[derive(Debug, Clone)]
pub struct LockView {
    pub login: LoginRecord,
    /// `Some` while locked.
    pub locked_until: Option<Timestamp>,
    /// Distinct wrong passwords counted now.
    pub failures: u32,
    /// The latest failed or refused sign-ins: when and from where.
    pub recent: Vec<AuditEvent>,
    /// Who is looking: support or the security manager.
    pub helper: Helper,
}

impl App {
    /// The login if `session` may help it: support for every login, a
    /// security manager for the logins of their company; else not found.
    async fn helped_login(
        tx: &mut dyn Tx,
        session: &CurrentSession,
        id: Uuid,
    ) -> Result<(LoginRecord, Helper), AppError> {
        let target = tx.login_by_id(id).await?.ok_or(AppError::NotFound)?;
        let holder = Self::holder(tx, &session.login).await?;
        let helper = policy::help_login(&holder, target.company_id).ok_or(AppError::NotFound)?;
        Ok((target, helper))
    }

    pub async fn lock_view(
        &self,
        session: &CurrentSession,
        id: Uuid,
    ) -> Result<LockView, AppError> {
        let now = self.clock().now();
        let mut tx = self.store().begin_read().await?;
        let (login, helper) = Self::helped_login(tx.as_mut(), session, id).await?;
        let state = tx
            .attempt_state(&attempt_key(&login.identifier))
            .await?
            .refreshed(now);
        let recent = tx
            .audit_for_login(login.id, 200)
            .await?
            .into_iter()
            .filter(|e| {
                matches!(
                    e.kind.as_str(),
                    "signin.failed" | "signin.refused-locked" | "login.locked"
                )
            })
            .take(10)
            .collect();
        Ok(LockView {
            locked_until: state.locked_until.filter(|u| *u > now),
            failures: state.failures,
            recent,
            helper,
            login,
        })
    }

    /// Lifts the lock and forgets the failures; tells the person.
    pub async fn unlock_login(
        &self,
        session: &CurrentSession,
        id: Uuid,
        client: &ClientInfo,
    ) -> Result<bool, AppError> {
        let now = self.clock().now();
        let mut tx = self.store().begin().await?;
        let (login, helper) = Self::helped_login(tx.as_mut(), session, id).await?;
        let key = attempt_key(&login.identifier);
        let state = tx.attempt_state_for_update(&key).await?;
        let was_locked = state.locked_until.is_some_and(|u| u > now);
        if !was_locked && state.failures == 0 {
            return Ok(false);
        }
        tx.save_attempt_state(&key, &AttemptState::default(), now)
            .await?;
        tx.clear_device_attempts(&key).await?;
        tx.append_audit(
            &AuditEvent::new(AuditKind::LoginUnlocked, now, client)
                .by(session.login.id, login.id)
                .acting_as(helper.acting_role())
                .detail(json!({ "reason": format!("unlocked-by-{}", helper.as_str()), "was_locked": was_locked, "failures": state.failures })),
        )
        .await?;
        if let Some(email) = &login.email {
            self.queue(
                tx.as_mut(),
                Recipient::Email(email),
                Some(login.id),
                Self::locale_of(&login),
                &Notice::Unlocked {
                    identifier: login.identifier.clone(),
                    by: display_name(&session.login),
                },
            )
            .await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// Support's search over every login (identifier, name or e-mail).
    pub async fn support_search(
        &self,
        session: &CurrentSession,
        q: &str,
    ) -> Result<Vec<LoginRecord>, AppError> {
        let mut tx = self.store().begin_read().await?;
        Self::require_support(tx.as_mut(), session).await?;
        let q = q.trim();
        if q.is_empty() {
            return Ok(Vec::new());
        }
        Ok(tx.search_logins(q, 50).await?)
    }
}
