//! A lost second factor, reset with help (SPEC §5): the security manager
//! (for the logins of their company) or support (for any company) asks
//! for the reset; it takes effect only after the company's waiting
//! period. Meanwhile the person is alerted on every verified channel and
//! can cancel it, from the link in the alert or from their two-factor
//! page; so can whoever helps them. When the period is over, every method
//! and recovery code of the login is removed and its sessions end: where
//! strong authentication is enforced, the next sign-in leads to enrolment.
//!
//! Recovery codes and the login's other methods are the self-service
//! paths; this one is for when none is left.

use jiff::{SignedDuration, Timestamp};
use serde_json::json;
use uuid::Uuid;

use crate::App;
use crate::audit::{AuditEvent, AuditKind, ClientInfo};
use crate::company::display_name;
use crate::error::{AppError, FormRejection, Problem};
use crate::notify::Notice;
use crate::ports::{FactorResetRecord, LinkTo, LoginRecord, Tx};
use crate::session::CurrentSession;

const TOKEN_CANCEL: &str = "cancel-factor-reset";
/// The waiting period a company may choose, in hours.
pub const WAIT_HOURS: std::ops::RangeInclusive<i64> = 1..=720;
/// The longest reason kept with a reset.
pub const REASON_MAX: usize = 500;
const PENDING: &str = "pending";

/// What the cancel link shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CancelOffer {
    pub identifier: String,
    pub effective_at: Timestamp,
}

/// A pending reset as the pages show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingReset {
    pub id: Uuid,
    pub effective_at: Timestamp,
    pub by: String,
}

/// Parses a waiting period typed in hours.
fn wait_hours(typed: &str) -> Result<i64, FormRejection> {
    let typed = typed.trim();
    if typed.is_empty() {
        return Err(FormRejection::one("wait_hours", Problem::Required));
    }
    match typed.parse::<i64>() {
        Ok(h) if WAIT_HOURS.contains(&h) => Ok(h),
        _ => Err(FormRejection::one(
            "wait_hours",
            Problem::Range {
                min: *WAIT_HOURS.start(),
                max: *WAIT_HOURS.end(),
            },
        )),
    }
}

impl App {
    /// The pending reset of a login, if any, for its pages.
    pub(crate) async fn pending_reset_view(
        tx: &mut dyn Tx,
        login_id: Uuid,
    ) -> Result<Option<PendingReset>, AppError> {
        let Some(r) = tx.pending_factor_reset(login_id).await? else {
            return Ok(None);
        };
        let by = tx
            .login_by_id(r.requested_by)
            .await?
            .map(|l| display_name(&l))
            .unwrap_or_default();
        Ok(Some(PendingReset {
            id: r.id,
            effective_at: r.effective_at,
            by,
        }))
    }

    /// The company's waiting period, in hours.
    pub(crate) async fn reset_wait_hours(
        tx: &mut dyn Tx,
        company_id: Uuid,
    ) -> Result<i64, AppError> {
        let secs = tx
            .factor_reset_wait(company_id)
            .await?
            .ok_or(AppError::NotFound)?;
        Ok(secs / 3600)
    }

    /// Sets the company's waiting period (step-up first); audited.
    pub async fn set_factor_reset_wait(
        &self,
        session: &CurrentSession,
        company: Option<Uuid>,
        typed_hours: &str,
        client: &ClientInfo,
    ) -> Result<(), FormRejection> {
        let now = self.clock().now();
        let mut tx = self.store().begin().await?;
        let (company_id, helper) = Self::helped_company(tx.as_mut(), session, company).await?;
        self.recent_auth_in(tx.as_mut(), session).await?;
        let hours = wait_hours(typed_hours)?;
        let before = Self::reset_wait_hours(tx.as_mut(), company_id).await?;
        if before == hours {
            return Ok(());
        }
        tx.set_factor_reset_wait(company_id, hours * 3600).await?;
        tx.append_audit(
            &AuditEvent::new(AuditKind::FactorResetWaitChanged, now, client)
                .by_self(session.login.id)
                .detail(json!({ "company": company_id, "by": helper.as_str(),
                    "hours": hours, "before": before })),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Asks for the reset of a login's methods (step-up first). It takes
    /// effect after the company's waiting period; the person is alerted on
    /// every channel with a link to cancel. Returns when it takes effect.
    pub async fn request_factor_reset(
        &self,
        session: &CurrentSession,
        company: Option<Uuid>,
        login_id: Uuid,
        reason: &str,
        client: &ClientInfo,
    ) -> Result<Timestamp, FormRejection> {
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(FormRejection::one("reason", Problem::Required));
        }
        if reason.chars().count() > REASON_MAX {
            return Err(FormRejection::one(
                "reason",
                Problem::TooLong { max: REASON_MAX },
            ));
        }
        let now = self.clock().now();
        let mut tx = self.store().begin().await?;
        let (company_id, helper) = Self::helped_company(tx.as_mut(), session, company).await?;
        self.recent_auth_in(tx.as_mut(), session).await?;
        let target = tx
            .login_by_id(login_id)
            .await?
            .filter(|l| l.company_id == Some(company_id))
            .ok_or(AppError::NotFound)?;
        let problem = if target.id == session.login.id {
            Some(Problem::OwnReset)
        } else if tx.pending_factor_reset(target.id).await?.is_some() {
            Some(Problem::ResetPending)
        } else if Self::verified_methods(tx.as_mut(), target.id).await? == 0
            && tx.recovery_codes_left(target.id).await? == 0
        {
            Some(Problem::NothingToReset)
        } else {
            None
        };
        if let Some(problem) = problem {
            return Err(FormRejection::one("reason", problem));
        }
        let wait =
            SignedDuration::from_hours(Self::reset_wait_hours(tx.as_mut(), company_id).await?);
        let effective_at = now + wait;
        let reset = FactorResetRecord {
            id: Uuid::now_v7(),
            login_id: target.id,
            requested_by: session.login.id,
            reason: reason.to_owned(),
            status: PENDING.into(),
            requested_at: now,
            effective_at,
            closed_at: None,
            closed_by: None,
        };
        if !tx.insert_factor_reset(&reset).await? {
            return Err(FormRejection::one("reason", Problem::ResetPending));
        }
        tx.void_action_tokens(target.id, TOKEN_CANCEL, now).await?;
        let token = self
            .issue_link(
                tx.as_mut(),
                target.id,
                TOKEN_CANCEL,
                json!({ "reset": reset.id }),
                wait,
            )
            .await?;
        tx.append_audit(
            &AuditEvent::new(AuditKind::FactorResetRequested, now, client)
                .by(session.login.id, target.id)
                .acting_as(helper.acting_role())
                .detail(json!({ "reset": reset.id, "by": helper.as_str(),
                    "effective_at": effective_at.to_string(), "reason": reason })),
        )
        .await?;
        let notice = Notice::FactorResetRequested {
            identifier: target.identifier.clone(),
            by: display_name(&session.login),
            effective_at,
            cancel_url: self.link_to(LinkTo::FactorReset(&token)),
        };
        self.tell_channels(tx.as_mut(), &target, target.email.as_deref(), &notice)
            .await?;
        tx.commit().await?;
        Ok(effective_at)
    }

    /// The login's reset that may still be cancelled: pending, and its
    /// waiting period not over (`reset`: that one only).
    async fn cancellable(
        &self,
        tx: &mut dyn Tx,
        login: Uuid,
        reset: Option<&serde_json::Value>,
    ) -> Result<FactorResetRecord, AppError> {
        let now = self.clock().now();
        tx.pending_factor_reset(login)
            .await?
            .filter(|r| r.effective_at > now && reset.is_none_or(|id| *id == json!(r.id)))
            .ok_or(AppError::NotFound)
    }

    /// What the cancel link shows: the reset still pending, else "not
    /// found" (it was cancelled, or has taken effect).
    pub async fn factor_reset_offer(&self, token: &str) -> Result<CancelOffer, AppError> {
        let mut tx = self.store().begin_read().await?;
        let (link, login) = self.live_link(tx.as_mut(), token, TOKEN_CANCEL).await?;
        let reset = self
            .cancellable(tx.as_mut(), login.id, Some(&link.payload["reset"]))
            .await?;
        Ok(CancelOffer {
            identifier: login.identifier,
            effective_at: reset.effective_at,
        })
    }

    /// Cancels a pending reset from the link of its alert.
    pub async fn cancel_factor_reset_by_link(
        &self,
        token: &str,
        client: &ClientInfo,
    ) -> Result<String, AppError> {
        let mut tx = self.store().begin().await?;
        let (link, login) = self.take_link(tx.as_mut(), token, TOKEN_CANCEL).await?;
        let reset = self
            .cancellable(tx.as_mut(), login.id, Some(&link.payload["reset"]))
            .await?;
        self.cancel_reset(tx.as_mut(), &reset, &login, login.id, "link", client)
            .await?;
        tx.commit().await?;
        Ok(login.identifier)
    }

    /// Cancels the pending reset of the session's own login (from
    /// `/account/two-factor`).
    pub async fn cancel_my_factor_reset(
        &self,
        session: &CurrentSession,
        client: &ClientInfo,
    ) -> Result<(), AppError> {
        let mut tx = self.store().begin().await?;
        let reset = self
            .cancellable(tx.as_mut(), session.login.id, None)
            .await?;
        self.cancel_reset(
            tx.as_mut(),
            &reset,
            &session.login,
            session.login.id,
            "account",
            client,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// A helper withdraws a pending reset of a login of the company.
    pub async fn withdraw_factor_reset(
        &self,
        session: &CurrentSession,
        company: Option<Uuid>,
        login_id: Uuid,
        client: &ClientInfo,
    ) -> Result<(), AppError> {
        let mut tx = self.store().begin().await?;
        let (company_id, _) = Self::helped_company(tx.as_mut(), session, company).await?;
        let target = tx
            .login_by_id(login_id)
            .await?
            .filter(|l| l.company_id == Some(company_id))
            .ok_or(AppError::NotFound)?;
        let reset = self.cancellable(tx.as_mut(), target.id, None).await?;
        self.cancel_reset(
            tx.as_mut(),
            &reset,
            &target,
            session.login.id,
            "helper",
            client,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Closes a reset as cancelled: audited, the person told on every
    /// channel, whoever asked told by e-mail, the cancel link voided.
    async fn cancel_reset(
        &self,
        tx: &mut dyn Tx,
        reset: &FactorResetRecord,
        login: &LoginRecord,
        by: Uuid,
        via: &str,
        client: &ClientInfo,
    ) -> Result<(), AppError> {
        let now = self.clock().now();
        if !tx
            .close_factor_reset(reset.id, "cancelled", now, Some(by))
            .await?
        {
            return Err(AppError::NotFound);
        }
        tx.void_action_tokens(login.id, TOKEN_CANCEL, now).await?;
        tx.append_audit(
            &AuditEvent::new(AuditKind::FactorResetCancelled, now, client)
                .by(by, login.id)
                .detail(json!({ "reset": reset.id, "via": via })),
        )
        .await?;
        let notice = Notice::FactorResetCancelled {
            identifier: login.identifier.clone(),
        };
        self.tell_channels(tx, login, login.email.as_deref(), &notice)
            .await?;
        if reset.requested_by != by
            && let Some(helper) = tx.login_by_id(reset.requested_by).await?
        {
            self.email_login(tx, &helper, &notice).await?;
        }
        Ok(())
    }

    /// Applies the login's pending reset if its waiting period is over.
    /// Returns whether it did. Called where the methods matter (sign-in)
    /// and by the housekeeping, inside the caller's transaction.
    pub(crate) async fn settle_factor_reset(
        &self,
        tx: &mut dyn Tx,
        login: &LoginRecord,
        client: &ClientInfo,
    ) -> Result<bool, AppError> {
        let now = self.clock().now();
        let Some(reset) = tx
            .pending_factor_reset(login.id)
            .await?
            .filter(|r| r.effective_at <= now)
        else {
            return Ok(false);
        };
        if !tx.close_factor_reset(reset.id, "done", now, None).await? {
            return Ok(false);
        }
        let methods = tx.delete_all_methods(login.id).await?;
        tx.void_action_tokens(login.id, TOKEN_CANCEL, now).await?;
        tx.save_attempt_state(
            &crate::second_factor::factor_attempt_key(login.id),
            &Default::default(),
            now,
        )
        .await?;
        let sessions = tx.delete_other_sessions(login.id, "").await?;
        tx.append_audit(
            &AuditEvent::new(AuditKind::FactorResetDone, now, client)
                .by(reset.requested_by, login.id)
                .detail(json!({ "reset": reset.id, "methods_removed": methods,
                    "sessions_signed_out": sessions })),
        )
        .await?;
        let notice = Notice::FactorResetDone {
            identifier: login.identifier.clone(),
            url: self.link_to(LinkTo::SignIn),
        };
        self.tell_channels(tx, login, login.email.as_deref(), &notice)
            .await?;
        Ok(true)
    }

    async fn settle_one(&self, login_id: Uuid, client: &ClientInfo) -> Result<bool, AppError> {
        let mut tx = self.store().begin().await?;
        let Some(login) = tx.login_by_id(login_id).await? else {
            return Ok(false);
        };
        let done = self
            .settle_factor_reset(tx.as_mut(), &login, client)
            .await?;
        tx.commit().await?;
        Ok(done)
    }

    /// Housekeeping: applies every reset whose waiting period is over,
    /// each in its own transaction. Returns how many.
    pub async fn settle_due_factor_resets(&self) -> Result<u64, AppError> {
        let client = ClientInfo::new("", "espace housekeeping", "");
        let mut done = 0;
        loop {
            let due = {
                let mut tx = self.store().begin_read().await?;
                tx.due_factor_resets(self.clock().now(), 50).await?
            };
            if due.is_empty() {
                return Ok(done);
            }
            let mut settled = 0;
            for reset in due {
                match self.settle_one(reset.login_id, &client).await {
                    Ok(true) => settled += 1,
                    Ok(false) => {}
                    // One failing reset must not hold back the others.
                    Err(e) => {
                        tracing::warn!(reset = %reset.id, error = %e, "a due reset could not be applied")
                    }
                }
            }
            if settled == 0 {
                return Ok(done);
            }
            done += settled;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waiting_periods_are_whole_hours_in_range() {
        assert_eq!(wait_hours(" 48 ").ok(), Some(48));
        assert_eq!(wait_hours("1").ok(), Some(1));
        assert_eq!(wait_hours("720").ok(), Some(720));
        for bad in ["0", "721", "-3", "1.5", "deux", ""] {
            assert!(wait_hours(bad).is_err(), "{bad}");
        }
    }
}
