//! Forcing of strong authentication and the 2FA status (SPEC §4.2, §4.3).
//!
//! The security manager (for the logins of their company) and support
//! (for every company) force strong authentication on one login, on every
//! login of a company, or on the holders of a right, optionally with a
//! deadline. The status of a login follows from the rules and from its
//! verified methods; it is never stored, so a rule on rights covers a
//! login from the moment it gets the right.

use espace_domain::rights::{CompanyRole, Profile, Section};
use espace_domain::strong::{Forced, Rule, Scope, Stage, Status, forcing};
use jiff::Timestamp;
use serde_json::json;
use uuid::Uuid;

use crate::App;
use crate::audit::{ActingRole, AuditEvent, AuditKind, ClientInfo};
use crate::company::display_name;
use crate::error::{AppError, FormRejection, Problem};
use crate::factor_reset::PendingReset;
use crate::notify::Notice;
use crate::ports::{LinkTo, LoginRecord, StrongAuthRuleRecord, Tx};
use crate::rights::policy::{self, Helper};
use crate::session::CurrentSession;

/// One login with its 2FA status, as `/account/two-factor` and the
/// company view list it.
#[derive(Debug, Clone)]
pub struct LoginStatus {
    pub login: LoginRecord,
    pub company: Option<String>,
    pub status: Status,
    /// Verified methods (recovery codes aside).
    pub methods: usize,
    /// The person asked for strong authentication to be turned on.
    pub requested_at: Option<Timestamp>,
    /// The login of the request itself.
    pub current: bool,
    /// An assisted reset of its methods is waiting (SPEC §5).
    pub reset: Option<PendingReset>,
}

/// A forcing rule as its page shows it.
#[derive(Debug, Clone)]
pub struct RuleView {
    pub record: StrongAuthRuleRecord,
    /// For a rule on one login: its identifier.
    pub login: Option<String>,
    pub by: String,
}

/// What the security manager (or support) sees for one company.
#[derive(Debug, Clone)]
pub struct CompanyStrongAuth {
    pub company_id: Uuid,
    pub company: String,
    pub rules: Vec<RuleView>,
    pub logins: Vec<LoginStatus>,
    /// Who is looking: support or the security manager.
    pub helper: Helper,
    /// How long an assisted reset of a lost second factor waits.
    pub reset_wait_hours: i64,
}

/// A rule, and what turning it off would change.
#[derive(Debug, Clone)]
pub struct RuleRelease {
    pub rule: RuleView,
    /// The identifiers of the logins no longer required once it is off.
    pub released: Vec<String>,
}

/// What a new rule covers, as typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NewScope {
    Login(Uuid),
    Company,
    Rights {
        section: String,
        profile: Option<String>,
    },
}

fn rule_of(r: &StrongAuthRuleRecord) -> Rule<Uuid> {
    let scope = match (r.scope.as_str(), r.login_id, &r.section) {
        ("login", Some(id), _) => Scope::Login(id),
        ("rights", _, Some(section)) => Scope::Rights {
            section: section.clone(),
            profile: r.profile.clone(),
        },
        // A rule the code does not know covers every login: fail closed.
        _ => Scope::Company,
    };
    Rule {
        scope,
        deadline: r.deadline,
    }
}

/// Why a login without a method is asked for one, as My security tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StaffPolicy {
    /// Until when it may still wait (none: at once).
    pub deadline: Option<Timestamp>,
}

impl App {
    /// Whether strong authentication is forced on `login`: by a rule of
    /// its company, or by the provider's policy on its staff roles (from
    /// the configuration, for every instance, with no row per login).
    pub(crate) async fn forced(
        &self,
        tx: &mut dyn Tx,
        login: &LoginRecord,
    ) -> Result<Option<Forced>, AppError> {
        let staff = self.staff_policy_of(tx, login).await?.map(|p| Forced {
            deadline: p.deadline,
        });
        let company = match login.company_id {
            Some(company) => {
                let rules = Self::rules_of(tx, company).await?;
                Self::forced_by(tx, &rules, login).await?
            }
            None => None,
        };
        Ok(Forced::strictest(staff, company))
    }

    /// The provider's policy, if it covers `login` (it holds a staff role).
    pub(crate) async fn staff_policy_of(
        &self,
        tx: &mut dyn Tx,
        login: &LoginRecord,
    ) -> Result<Option<StaffPolicy>, AppError> {
        let config = &self.config().strong;
        if !config.staff_required || tx.staff_roles_of(login.id).await?.is_empty() {
            return Ok(None);
        }
        Ok(Some(StaffPolicy {
            deadline: config.staff_deadline,
        }))
    }

    /// A staff login signing in without a method, under the provider's
    /// policy, leaves a trace in its timeline and the audit log.
    pub(crate) async fn audit_staff_owed(
        &self,
        tx: &mut dyn Tx,
        login: &LoginRecord,
        step: crate::auth::NextStep,
        now: Timestamp,
        client: &ClientInfo,
    ) -> Result<(), AppError> {
        use crate::auth::NextStep;
        let deadline = match step {
            NextStep::Enrol => None,
            NextStep::EnrolBefore(d) => Some(d),
            _ => return Ok(()),
        };
        if self.staff_policy_of(tx, login).await?.is_none() {
            return Ok(());
        }
        tx.append_audit(
            &AuditEvent::new(AuditKind::StrongAuthStaffOwed, now, client)
                .by_self(login.id)
                .detail(json!({
                    "deadline": deadline.map(|d| d.to_string()),
                    "required_now": deadline.is_none(),
                })),
        )
        .await?;
        Ok(())
    }

    /// For My security: the staff policy covering the session's login.
    pub async fn my_staff_policy(
        &self,
        session: &CurrentSession,
    ) -> Result<Option<StaffPolicy>, AppError> {
        let mut tx = self.store().begin_read().await?;
        self.staff_policy_of(tx.as_mut(), &session.login).await
    }

    /// Whether the session's login acts on the security of others (it
    /// holds the security-manager right or a staff role) while it has no
    /// verified method itself: the dashboard and the company's two-factor
    /// page then warn it, prominently (issue 15).
    pub async fn unprotected_helper(&self, session: &CurrentSession) -> Result<bool, AppError> {
        let login = &session.login;
        let mut tx = self.store().begin_read().await?;
        if Self::verified_methods(tx.as_mut(), login.id).await? > 0 {
            return Ok(false);
        }
        Ok(policy::guards_others(
            &Self::holder(tx.as_mut(), login).await?,
        ))
    }

    async fn rules_of(tx: &mut dyn Tx, company: Uuid) -> Result<Vec<Rule<Uuid>>, AppError> {
        Ok(tx
            .strong_auth_rules_of(company)
            .await?
            .iter()
            .map(rule_of)
            .collect())
    }

    /// Whether `rules` (of the login's company) force it; reads its rights
    /// only when a rule is about rights.
    async fn forced_by(
        tx: &mut dyn Tx,
        rules: &[Rule<Uuid>],
        login: &LoginRecord,
    ) -> Result<Option<Forced>, AppError> {
        if rules.is_empty() {
            return Ok(None);
        }
        let rights: Vec<(String, String)> = if rules
            .iter()
            .any(|r| matches!(r.scope, Scope::Rights { .. }))
        {
            tx.rights_of(login.id)
                .await?
                .into_iter()
                .map(|r| (r.section, r.profile))
                .collect()
        } else {
            Vec::new()
        };
        Ok(forcing(rules, &login.id, &rights))
    }

    /// Which logins of a company are forced now.
    async fn forced_logins(
        tx: &mut dyn Tx,
        company: Uuid,
        logins: &[LoginRecord],
    ) -> Result<Vec<bool>, AppError> {
        let rules = Self::rules_of(tx, company).await?;
        let mut out = Vec::with_capacity(logins.len());
        for login in logins {
            out.push(Self::forced_by(tx, &rules, login).await?.is_some());
        }
        Ok(out)
    }

    /// Tells the logins whose forcing changed, and puts it in their
    /// timeline (`before` and `after` as [`Self::forced_logins`] gives).
    #[allow(clippy::too_many_arguments)]
    async fn tell_forcing_changes(
        &self,
        tx: &mut dyn Tx,
        session: &CurrentSession,
        logins: &[LoginRecord],
        (before, after): (Vec<bool>, Vec<bool>),
        detail: serde_json::Value,
        deadline: Option<Timestamp>,
        role: ActingRole,
        client: &ClientInfo,
    ) -> Result<(), AppError> {
        let now = self.clock().now();
        let by = display_name(&session.login);
        for ((login, was), is) in logins.iter().zip(before).zip(after) {
            if was == is {
                continue;
            }
            if is {
                tx.set_strong_auth_request(login.id, None).await?;
            }
            let kind = if is {
                AuditKind::StrongAuthForced
            } else {
                AuditKind::StrongAuthUnforced
            };
            tx.append_audit(
                &AuditEvent::new(kind, now, client)
                    .by(session.login.id, login.id)
                    .acting_as(role)
                    .detail(detail.clone()),
            )
            .await?;
            let notice = Notice::StrongAuthForced {
                identifier: login.identifier.clone(),
                by: by.clone(),
                deadline: deadline.filter(|_| is),
                on: is,
            };
            self.email_login(tx, login, &notice).await?;
        }
        Ok(())
    }

    /// Verified strong methods of a login.
    pub(crate) async fn verified_methods(
        tx: &mut dyn Tx,
        login_id: Uuid,
    ) -> Result<usize, AppError> {
        Ok(tx
            .auth_methods_of(login_id)
            .await?
            .iter()
            .filter(|m| m.verified_at.is_some())
            .count())
    }

    pub(crate) async fn strong_status(
        &self,
        tx: &mut dyn Tx,
        login: &LoginRecord,
    ) -> Result<(Status, usize), AppError> {
        let forced = self.forced(tx, login).await?;
        let methods = Self::verified_methods(tx, login.id).await?;
        Ok((Status::of(forced, methods > 0), methods))
    }

    /// The 2FA status of the session's login (the account hub shows it).
    pub async fn my_status(&self, session: &CurrentSession) -> Result<Status, AppError> {
        let mut tx = self.store().begin_read().await?;
        Ok(self.strong_status(tx.as_mut(), &session.login).await?.0)
    }

    /// How far a session at `aal` of `login` may go now.
    pub(crate) async fn stage_of(
        &self,
        tx: &mut dyn Tx,
        login: &LoginRecord,
        aal: i32,
    ) -> Result<Stage, AppError> {
        if aal >= 2 {
            return Ok(Stage::Complete);
        }
        let (status, _) = self.strong_status(tx, login).await?;
        Ok(Stage::of(aal, status, self.clock().now()))
    }

    async fn login_status(
        &self,
        tx: &mut dyn Tx,
        login: LoginRecord,
        current: Uuid,
    ) -> Result<LoginStatus, AppError> {
        let (status, methods) = self.strong_status(tx, &login).await?;
        let company = match login.company_id {
            Some(id) => tx.company(id).await?.map(|c| c.name),
            None => None,
        };
        Ok(LoginStatus {
            requested_at: tx.strong_auth_request(login.id).await?,
            reset: Self::pending_reset_view(tx, login.id).await?,
            current: login.id == current,
            company,
            status,
            methods,
            login,
        })
    }

    /// The 2FA status of this login and of the person's other logins
    /// (linked by the same verified e-mail, SPEC §1), this login first.
    pub async fn my_two_factor(
        &self,
        session: &CurrentSession,
    ) -> Result<Vec<LoginStatus>, AppError> {
        let me = &session.login;
        let mut tx = self.store().begin_read().await?;
        let mut logins = vec![me.clone()];
        if let Some(email) = me.email.as_deref().filter(|_| me.email_verified)
            && let Ok(email) = espace_domain::email::EmailAddress::parse(email)
        {
            for other in tx.logins_by_verified_email(email.normalized()).await? {
                if other.id != me.id && !other.disabled {
                    logins.push(other);
                }
            }
        }
        let mut out = Vec::with_capacity(logins.len());
        for login in logins {
            out.push(self.login_status(tx.as_mut(), login, me.id).await?);
        }
        Ok(out)
    }

    /// The company a helper acts on: a security manager's own, or for
    /// support the one asked for; else not found.
    pub(crate) async fn helped_company(
        tx: &mut dyn Tx,
        session: &CurrentSession,
        company: Option<Uuid>,
    ) -> Result<(Uuid, Helper), AppError> {
        let holder = Self::holder(tx, &session.login).await?;
        policy::help_company(&holder, company)
            .map(|scope| (scope.company(), scope.helper()))
            .ok_or(AppError::NotFound)
    }

    /// The company view: its rules and every login with its status.
    pub async fn company_strong_auth(
        &self,
        session: &CurrentSession,
        company: Option<Uuid>,
        unprotected_only: bool,
    ) -> Result<CompanyStrongAuth, AppError> {
        let mut tx = self.store().begin_read().await?;
        let (company_id, helper) = Self::helped_company(tx.as_mut(), session, company).await?;
        let record = tx.company(company_id).await?.ok_or(AppError::NotFound)?;
        let mut rules = Vec::new();
        for r in tx.strong_auth_rules_of(company_id).await? {
            let login = match r.login_id {
                Some(id) => tx.login_by_id(id).await?.map(|l| l.identifier),
                None => None,
            };
            let by = tx
                .login_by_id(r.created_by)
                .await?
                .map(|l| display_name(&l))
                .unwrap_or_default();
            rules.push(RuleView {
                record: r,
                login,
                by,
            });
        }
        let mut logins = Vec::new();
        for login in tx.logins_of_company(company_id).await? {
            let row = self
                .login_status(tx.as_mut(), login, session.login.id)
                .await?;
            if !unprotected_only || row.status != Status::Enabled {
                logins.push(row);
            }
        }
        Ok(CompanyStrongAuth {
            company_id,
            company: record.name,
            rules,
            logins,
            helper,
            reset_wait_hours: Self::reset_wait_hours(tx.as_mut(), company_id).await?,
        })
    }

    /// Turns forcing on: a new rule. Every login it newly covers is told
    /// and sees it in its timeline.
    pub async fn force_strong_auth(
        &self,
        session: &CurrentSession,
        company: Option<Uuid>,
        scope: NewScope,
        deadline: Option<Timestamp>,
        client: &ClientInfo,
    ) -> Result<(), FormRejection> {
        let now = self.clock().now();
        let mut tx = self.store().begin().await?;
        let (company_id, helper) = Self::helped_company(tx.as_mut(), session, company).await?;
        self.recent_auth_in(tx.as_mut(), session).await?;
        if deadline.is_some_and(|d| d <= now) {
            return Err(FormRejection::one("deadline", Problem::State));
        }
        let (scope_code, login_id, section, profile) = match &scope {
            NewScope::Login(id) => {
                let target = tx.login_by_id(*id).await?.ok_or(AppError::NotFound)?;
                if target.company_id != Some(company_id) {
                    return Err(AppError::NotFound.into());
                }
                ("login", Some(*id), None, None)
            }
            NewScope::Company => ("company", None, None, None),
            NewScope::Rights { section, profile } => {
                if Section::parse(section).is_none()
                    || profile
                        .as_deref()
                        .is_some_and(|p| Profile::parse(p).is_none())
                {
                    return Err(FormRejection::one("section", Problem::Choice));
                }
                ("rights", None, Some(section.clone()), profile.clone())
            }
        };
        let logins = tx.logins_of_company(company_id).await?;
        let before = Self::forced_logins(tx.as_mut(), company_id, &logins).await?;
        let rule = StrongAuthRuleRecord {
            id: Uuid::now_v7(),
            company_id,
            scope: scope_code.into(),
            login_id,
            section,
            profile,
            deadline,
            created_by: session.login.id,
            created_at: now,
        };
        tx.insert_strong_auth_rule(&rule).await?;
        let after = Self::forced_logins(tx.as_mut(), company_id, &logins).await?;
        let detail = json!({ "rule": rule.id, "scope": scope_code, "by": helper.as_str(),
            "deadline": deadline.map(|d| d.to_string()) });
        self.tell_forcing_changes(
            tx.as_mut(),
            session,
            &logins,
            (before, after),
            detail,
            deadline,
            helper.acting_role(),
            client,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Turns a rule off. The logins no longer forced by any rule are told.
    pub async fn remove_strong_auth_rule(
        &self,
        session: &CurrentSession,
        company: Option<Uuid>,
        rule_id: Uuid,
        client: &ClientInfo,
    ) -> Result<(), AppError> {
        let mut tx = self.store().begin().await?;
        let (company_id, helper) = Self::helped_company(tx.as_mut(), session, company).await?;
        self.recent_auth_in(tx.as_mut(), session).await?;
        let logins = tx.logins_of_company(company_id).await?;
        let before = Self::forced_logins(tx.as_mut(), company_id, &logins).await?;
        if !tx.delete_strong_auth_rule(company_id, rule_id).await? {
            return Err(AppError::NotFound);
        }
        let after = Self::forced_logins(tx.as_mut(), company_id, &logins).await?;
        let detail = json!({ "rule": rule_id, "by": helper.as_str() });
        self.tell_forcing_changes(
            tx.as_mut(),
            session,
            &logins,
            (before, after),
            detail,
            None,
            helper.acting_role(),
            client,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The confirmation step of turning a rule off (issue 16 item 12): the
    /// rule, and the logins it alone requires, which turning it off
    /// releases. Authorised as turning it off is (the security manager of
    /// the company, or support naming it); an unknown rule is not found.
    pub async fn strong_auth_rule_release(
        &self,
        session: &CurrentSession,
        company: Option<Uuid>,
        rule_id: Uuid,
    ) -> Result<RuleRelease, AppError> {
        let mut tx = self.store().begin_read().await?;
        let (company_id, _) = Self::helped_company(tx.as_mut(), session, company).await?;
        let records = tx.strong_auth_rules_of(company_id).await?;
        let record = records
            .iter()
            .find(|r| r.id == rule_id)
            .cloned()
            .ok_or(AppError::NotFound)?;
        let all: Vec<Rule<Uuid>> = records.iter().map(rule_of).collect();
        let others: Vec<Rule<Uuid>> = records
            .iter()
            .filter(|r| r.id != rule_id)
            .map(rule_of)
            .collect();
        let mut released = Vec::new();
        for login in tx.logins_of_company(company_id).await? {
            if login.disabled {
                continue;
            }
            if Self::forced_by(tx.as_mut(), &all, &login).await?.is_some()
                && Self::forced_by(tx.as_mut(), &others, &login)
                    .await?
                    .is_none()
            {
                released.push(login.identifier);
            }
        }
        let login = match record.login_id {
            Some(id) => tx.login_by_id(id).await?.map(|l| l.identifier),
            None => None,
        };
        let by = tx
            .login_by_id(record.created_by)
            .await?
            .map(|l| display_name(&l))
            .unwrap_or_default();
        Ok(RuleRelease {
            rule: RuleView { record, login, by },
            released,
        })
    }

    /// Whether the session's login is the security manager of its own
    /// company: they require two-factor authentication themselves rather
    /// than ask for it.
    pub async fn manages_own_strong_auth(
        &self,
        session: &CurrentSession,
    ) -> Result<bool, AppError> {
        let mut tx = self.store().begin_read().await?;
        match Self::helped_company(tx.as_mut(), session, None).await {
            Ok(_) => Ok(true),
            Err(AppError::NotFound) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// "Ask for two-factor authentication" on My security: recorded, shown
    /// to the security manager and support, and sent to the company's
    /// security managers. Asking twice changes nothing.
    pub async fn request_strong_auth(
        &self,
        session: &CurrentSession,
        client: &ClientInfo,
    ) -> Result<bool, AppError> {
        let login = &session.login;
        let now = self.clock().now();
        let mut tx = self.store().begin().await?;
        if tx.strong_auth_request(login.id).await?.is_some()
            || self.forced(tx.as_mut(), login).await?.is_some()
        {
            return Ok(false);
        }
        tx.set_strong_auth_request(login.id, Some(now)).await?;
        tx.append_audit(
            &AuditEvent::new(AuditKind::StrongAuthRequested, now, client).by_self(login.id),
        )
        .await?;
        if let Some(company) = login.company_id {
            let notice = Notice::StrongAuthRequested {
                identifier: login.identifier.clone(),
                name: display_name(login),
                url: self.link_to(LinkTo::CompanyTwoFactor),
            };
            for manager in tx.logins_of_company(company).await? {
                let is_manager = tx
                    .company_roles_of(manager.id)
                    .await?
                    .contains(&CompanyRole::SecurityManager);
                if is_manager && manager.id != login.id {
                    self.email_login(tx.as_mut(), &manager, &notice).await?;
                }
            }
        }
        tx.commit().await?;
        Ok(true)
    }
}
