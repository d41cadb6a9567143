//! Users and rights (SPEC §6, `/users`): company administrators list and
//! search their company's logins, invite a user, change rights, hand over
//! the contract referent role and remove access. Everything is scoped to
//! the administrator's own company — another company's login or contract
//! is "not found" — and nobody grants what they do not hold.

use std::collections::BTreeMap;

use espace_domain::email::EmailAddress;
use espace_domain::identifier::{LoginIdentifier, suggest_identifier, with_number};
use espace_domain::rights::{CompanyRole, Profile, Section};
use jiff::SignedDuration;
use secrecy::SecretString;
use serde_json::json;
use uuid::Uuid;

use crate::App;
use crate::audit::{ActingRole, AuditEvent, AuditKind, ClientInfo};
use crate::company::display_name;
use crate::error::{AppError, FieldProblem, FormRejection, Problem};
use crate::notify::{Notice, Recipient};
use crate::ports::{ContractRecord, LinkTo, LoginRecord, RightRecord, Tx};
use crate::rights::policy;
use crate::session::CurrentSession;

const TOKEN_INVITATION: &str = "set-password";
/// How long an invitation link works.
pub const INVITATION_WINDOW: SignedDuration = SignedDuration::from_hours(7 * 24);

/// A login of the company as the administrator sees it.
#[derive(Debug, Clone)]
pub struct UserSummary {
    pub login: LoginRecord,
    pub rights: Vec<RightRecord>,
    pub roles: Vec<CompanyRole>,
    /// References of the contracts this login is the referent of.
    pub referent_of: Vec<String>,
    /// Invited, no password chosen yet.
    pub invited: bool,
}

#[derive(Debug, Clone)]
pub struct Directory {
    pub contracts: Vec<ContractRecord>,
    pub users: Vec<UserSummary>,
    /// The administrator's own rights: what they may grant.
    pub own_rights: Vec<RightRecord>,
}

/// Step one of an invitation: who.
#[derive(Debug, Clone, Default)]
pub struct NewUser {
    pub title: String,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
}

/// One cell of the rights form: `None` removes the right.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RightChoice {
    pub contract_id: Uuid,
    pub section: String,
    pub profile: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invited {
    pub login_id: Uuid,
    pub identifier: String,
    /// An existing login of the company with this e-mail got the rights.
    pub reused: bool,
}

/// What the invitation link shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvitationOffer {
    pub identifier: String,
    pub company: String,
}

struct Scope {
    company_id: Uuid,
    own_rights: Vec<RightRecord>,
}

fn profile_on(rights: &[RightRecord], contract: Uuid, section: &str) -> Option<Profile> {
    rights
        .iter()
        .find(|r| r.contract_id == contract && r.section == section)
        .and_then(|r| Profile::parse(&r.profile))
}

impl App {
    /// The administrator's company, or Forbidden for anyone else.
    async fn admin_scope(
        &self,
        tx: &mut dyn Tx,
        session: &CurrentSession,
    ) -> Result<Scope, AppError> {
        let holder = Self::holder(tx, &session.login).await?;
        let scope = policy::admin_scope(&holder).ok_or(AppError::Forbidden)?;
        Ok(Scope {
            company_id: scope.company(),
            own_rights: tx.rights_of(session.login.id).await?,
        })
    }

    /// A login of the administrator's company; anything else is not found.
    async fn company_login(
        tx: &mut dyn Tx,
        scope: &Scope,
        id: Uuid,
    ) -> Result<LoginRecord, AppError> {
        tx.login_by_id(id)
            .await?
            .filter(|l| l.company_id == Some(scope.company_id))
            .ok_or(AppError::NotFound)
    }

    /// The summaries of the company's logins that `keep` keeps, read with
    /// one query per table whatever their number (not two per login).
    async fn summaries(
        tx: &mut dyn Tx,
        company_id: Uuid,
        contracts: &[ContractRecord],
        keep: impl Fn(&LoginRecord) -> bool,
    ) -> Result<Vec<UserSummary>, AppError> {
        let mut rights: BTreeMap<Uuid, Vec<RightRecord>> = BTreeMap::new();
        for (login, right) in tx.rights_in_company(company_id).await? {
            rights.entry(login).or_default().push(right);
        }
        let mut roles: BTreeMap<Uuid, Vec<CompanyRole>> = BTreeMap::new();
        for (login, role) in tx.company_roles_in_company(company_id).await? {
            roles.entry(login).or_default().push(role);
        }
        Ok(tx
            .logins_of_company(company_id)
            .await?
            .into_iter()
            .filter(|l| keep(l))
            .map(|login| UserSummary {
                rights: rights.remove(&login.id).unwrap_or_default(),
                roles: roles.remove(&login.id).unwrap_or_default(),
                referent_of: contracts
                    .iter()
                    .filter(|c| c.referent_login_id == Some(login.id))
                    .map(|c| c.reference.clone())
                    .collect(),
                invited: login.password_hash.is_none() && !login.disabled,
                login,
            })
            .collect())
    }

    /// `/users`: the company's logins, filtered by `search` (identifier,
    /// name or e-mail, case-insensitive).
    pub async fn directory(
        &self,
        session: &CurrentSession,
        search: &str,
    ) -> Result<Directory, AppError> {
        let mut tx = self.store().begin_read().await?;
        let scope = self.admin_scope(tx.as_mut(), session).await?;
        let contracts = tx.contracts_of_company(scope.company_id).await?;
        let needle = search.trim().to_lowercase();
        let users = Self::summaries(tx.as_mut(), scope.company_id, &contracts, |login| {
            needle.is_empty()
                || format!(
                    "{} {} {} {}",
                    login.identifier,
                    login.first_name,
                    login.last_name,
                    login.email.as_deref().unwrap_or("")
                )
                .to_lowercase()
                .contains(&needle)
        })
        .await?;
        Ok(Directory {
            contracts,
            users,
            own_rights: scope.own_rights,
        })
    }

    /// One login of the company, with what the administrator may grant.
    pub async fn company_user(
        &self,
        session: &CurrentSession,
        id: Uuid,
    ) -> Result<(Directory, UserSummary), AppError> {
        let mut tx = self.store().begin_read().await?;
        let scope = self.admin_scope(tx.as_mut(), session).await?;
        let login = Self::company_login(tx.as_mut(), &scope, id).await?;
        let contracts = tx.contracts_of_company(scope.company_id).await?;
        let mut everyone = Self::summaries(tx.as_mut(), scope.company_id, &contracts, |l| {
            l.id == login.id || (!l.disabled && l.password_hash.is_some())
        })
        .await?;
        let user = everyone
            .iter()
            .find(|u| u.login.id == login.id)
            .cloned()
            .ok_or(AppError::NotFound)?;
        everyone.retain(|u| !u.login.disabled && u.login.password_hash.is_some());
        Ok((
            Directory {
                contracts,
                users: everyone,
                own_rights: scope.own_rights,
            },
            user,
        ))
    }

    /// Step one: checks who is invited. Returns the company login that
    /// already has this e-mail, if any (it will be reused).
    pub async fn check_new_user(
        &self,
        session: &CurrentSession,
        who: &NewUser,
    ) -> Result<Option<LoginRecord>, FormRejection> {
        let mut tx = self.store().begin_read().await?;
        let scope = self.admin_scope(tx.as_mut(), session).await?;
        self.recent_auth_in(tx.as_mut(), session).await?;
        let mut problems = Vec::new();
        let mut push = |field, problem| problems.push(FieldProblem { field, problem });
        if !["mr", "mrs", "unspecified"].contains(&who.title.as_str()) {
            push("title", Problem::Choice);
        }
        for (field, value) in [
            ("first_name", &who.first_name),
            ("last_name", &who.last_name),
        ] {
            let v = value.trim();
            if v.is_empty() {
                push(field, Problem::Required);
            } else if v.chars().count() > 100 {
                push(field, Problem::TooLong { max: 100 });
            }
        }
        let email = if who.email.trim().is_empty() {
            push("email", Problem::Required);
            None
        } else {
            match EmailAddress::parse(&who.email) {
                Ok(e) => Some(e),
                Err(e) => {
                    push("email", Problem::Email(e));
                    None
                }
            }
        };
        if !problems.is_empty() {
            return Err(FormRejection::Invalid(problems));
        }
        let email = email.ok_or(AppError::Unexpected("unreachable".into()))?;
        Ok(tx
            .logins_of_company(scope.company_id)
            .await?
            .into_iter()
            .find(|l| {
                !l.disabled
                    && l.email
                        .as_deref()
                        .is_some_and(|e| e.eq_ignore_ascii_case(email.normalized()))
            }))
    }

    /// Checks a rights form against what the administrator holds and the
    /// company's contracts; returns the rights the login will have.
    fn plan_rights(
        scope: &Scope,
        contracts: &[ContractRecord],
        current: &[RightRecord],
        wanted: &[RightChoice],
    ) -> Result<Vec<RightRecord>, FormRejection> {
        let mut cells: BTreeMap<(Uuid, String), String> = current
            .iter()
            .map(|r| ((r.contract_id, r.section.clone()), r.profile.clone()))
            .collect();
        for choice in wanted {
            // Another company's contract does not exist from here.
            if !contracts.iter().any(|c| c.id == choice.contract_id) {
                return Err(AppError::NotFound.into());
            }
            let Some(section) = Section::parse(&choice.section) else {
                return Err(FormRejection::one("rights", Problem::Choice));
            };
            let new = match choice.profile.as_deref() {
                None => None,
                Some(p) => Some(
                    Profile::parse(p)
                        .ok_or_else(|| FormRejection::one("rights", Problem::Choice))?,
                ),
            };
            let key = (choice.contract_id, section.as_str().to_owned());
            let old = cells.get(&key).and_then(|p| Profile::parse(p));
            if new == old {
                continue;
            }
            let mine = profile_on(&scope.own_rights, choice.contract_id, section.as_str());
            let allowed = match new {
                Some(p) => mine.is_some_and(|m| m.covers(p)),
                None => mine.is_some(),
            };
            if !allowed {
                return Err(FormRejection::one("rights", Problem::BeyondOwnRights));
            }
            match new {
                Some(p) => cells.insert(key, p.as_str().to_owned()),
                None => cells.remove(&key),
            };
        }
        Ok(cells
            .into_iter()
            .map(|((contract_id, section), profile)| RightRecord {
                contract_id,
                section,
                profile,
            })
            .collect())
    }

    async fn write_rights(
        tx: &mut dyn Tx,
        login_id: Uuid,
        rights: &[RightRecord],
    ) -> Result<(), AppError> {
        tx.revoke_all_rights(login_id).await?;
        for r in rights {
            tx.grant_right(login_id, r).await?;
        }
        Ok(())
    }

    /// Step two: creates the login (or reuses the company's login with this
    /// e-mail), gives the rights, and e-mails a single-use link to choose a
    /// password.
    pub async fn invite_user(
        &self,
        session: &CurrentSession,
        who: &NewUser,
        rights: &[RightChoice],
        client: &ClientInfo,
    ) -> Result<Invited, FormRejection> {
        // Authorisation, then the step-up, then the form (in this call).
        let existing = self.check_new_user(session, who).await?;
        let email = EmailAddress::parse(&who.email)
            .map_err(|e| FormRejection::one("email", Problem::Email(e)))?;
        let now = self.clock().now();
        let mut tx = self.store().begin().await?;
        let scope = self.admin_scope(tx.as_mut(), session).await?;
        let contracts = tx.contracts_of_company(scope.company_id).await?;
        let company = tx
            .company(scope.company_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let (login, reused) = match existing {
            Some(l) => {
                let current = tx.rights_of(l.id).await?;
                let planned = Self::plan_rights(&scope, &contracts, &current, rights)?;
                Self::write_rights(tx.as_mut(), l.id, &planned).await?;
                (l, true)
            }
            None => {
                let planned = Self::plan_rights(&scope, &contracts, &[], rights)?;
                // The same verified e-mail means the same person (SPEC §1).
                let person_id = match tx
                    .logins_by_verified_email(email.normalized())
                    .await?
                    .first()
                {
                    Some(other) => other.person_id,
                    None => {
                        let id = Uuid::now_v7();
                        tx.insert_person(id, now).await?;
                        id
                    }
                };
                let base = suggest_identifier(&who.first_name, &who.last_name);
                let mut identifier = base.clone();
                let mut n = 1;
                while tx
                    .login_by_identifier(&identifier.to_ascii_lowercase())
                    .await?
                    .is_some()
                {
                    n += 1;
                    identifier = with_number(&base, n);
                }
                LoginIdentifier::parse(&identifier)
                    .map_err(|e| AppError::Unexpected(e.to_string()))?;
                let login = LoginRecord {
                    id: Uuid::now_v7(),
                    person_id,
                    company_id: Some(scope.company_id),
                    identifier,
                    password_hash: None,
                    email: Some(email.as_str().to_owned()),
                    phone: None,
                    title: who.title.clone(),
                    first_name: who.first_name.trim().to_owned(),
                    last_name: who.last_name.trim().to_owned(),
                    // The browser decides until the person picks a language.
                    locale: None,
                    disabled: false,
                    email_verified: false,
                    phone_verified: false,
                };
                tx.insert_login(&login, now).await?;
                Self::write_rights(tx.as_mut(), login.id, &planned).await?;
                (login, false)
            }
        };
        if login.password_hash.is_none() {
            tx.void_action_tokens(login.id, TOKEN_INVITATION, now)
                .await?;
            let until = now + INVITATION_WINDOW;
            let payload = json!({ "invited_by": session.login.id });
            let token = self
                .issue_link(
                    tx.as_mut(),
                    login.id,
                    TOKEN_INVITATION,
                    payload,
                    INVITATION_WINDOW,
                )
                .await?;
            self.queue(
                tx.as_mut(),
                Recipient::Email(email.as_str()),
                Some(login.id),
                Self::locale_of(&login),
                &Notice::Invitation {
                    inviter: display_name(&session.login),
                    company: company.name.clone(),
                    identifier: login.identifier.clone(),
                    url: self.link_to(LinkTo::Invitation(&token)),
                    until,
                },
            )
            .await?;
        }
        let audit = |kind| {
            AuditEvent::new(kind, now, client)
                .by(session.login.id, login.id)
                .acting_as(ActingRole::CompanyAdministrator)
        };
        tx.append_audit(&audit(AuditKind::UserInvited).detail(json!({ "reused": reused })))
            .await?;
        tx.commit().await?;
        Ok(Invited {
            login_id: login.id,
            identifier: login.identifier,
            reused,
        })
    }

    /// Replaces the rights of a company login with the form's choices.
    pub async fn set_user_rights(
        &self,
        session: &CurrentSession,
        id: Uuid,
        wanted: &[RightChoice],
        client: &ClientInfo,
    ) -> Result<(), FormRejection> {
        let now = self.clock().now();
        let mut tx = self.store().begin().await?;
        let scope = self.admin_scope(tx.as_mut(), session).await?;
        self.recent_auth_in(tx.as_mut(), session).await?;
        let login = Self::company_login(tx.as_mut(), &scope, id).await?;
        let contracts = tx.contracts_of_company(scope.company_id).await?;
        let current = tx.rights_of(login.id).await?;
        let planned = Self::plan_rights(&scope, &contracts, &current, wanted)?;
        if planned == current {
            return Ok(());
        }
        Self::write_rights(tx.as_mut(), login.id, &planned).await?;
        tx.append_audit(
            &AuditEvent::new(AuditKind::RightsChanged, now, client)
                .by(session.login.id, login.id)
                .acting_as(ActingRole::CompanyAdministrator)
                .detail(json!({ "before": current.len(), "after": planned.len() })),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Hands the referent role of a contract to another login of the company.
    pub async fn hand_over_referent(
        &self,
        session: &CurrentSession,
        contract_id: Uuid,
        to: Uuid,
        client: &ClientInfo,
    ) -> Result<(), FormRejection> {
        let now = self.clock().now();
        let mut tx = self.store().begin().await?;
        let scope = self.admin_scope(tx.as_mut(), session).await?;
        let contract = tx
            .contracts_of_company(scope.company_id)
            .await?
            .into_iter()
            .find(|c| c.id == contract_id)
            .ok_or(AppError::NotFound)?;
        if profile_on(&scope.own_rights, contract.id, "contracts").is_none() {
            return Err(FormRejection::one("referent", Problem::BeyondOwnRights));
        }
        let target = Self::company_login(tx.as_mut(), &scope, to).await?;
        if target.disabled || target.password_hash.is_none() {
            return Err(FormRejection::one("referent", Problem::Choice));
        }
        if contract.referent_login_id == Some(target.id) {
            return Ok(());
        }
        tx.set_referent(contract.id, target.id).await?;
        let detail = json!({ "contract": contract.reference });
        tx.append_audit(
            &AuditEvent::new(AuditKind::ReferentChanged, now, client)
                .by(session.login.id, target.id)
                .acting_as(ActingRole::CompanyAdministrator)
                .detail(detail.clone()),
        )
        .await?;
        if let Some(previous) = contract.referent_login_id {
            tx.append_audit(
                &AuditEvent::new(AuditKind::ReferentChanged, now, client)
                    .by(session.login.id, previous)
                    .acting_as(ActingRole::CompanyAdministrator)
                    .detail(detail),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Removes a login's access: rights and roles go, the login is disabled
    /// and its sessions end. Not one's own, not the last administrator, not
    /// a contract referent (hand over first).
    pub async fn remove_access(
        &self,
        session: &CurrentSession,
        id: Uuid,
        client: &ClientInfo,
    ) -> Result<(), FormRejection> {
        let now = self.clock().now();
        let mut tx = self.store().begin().await?;
        let scope = self.admin_scope(tx.as_mut(), session).await?;
        self.recent_auth_in(tx.as_mut(), session).await?;
        let login = Self::company_login(tx.as_mut(), &scope, id).await?;
        if login.id == session.login.id {
            return Err(FormRejection::one("login", Problem::OwnLogin));
        }
        let contracts = tx.contracts_of_company(scope.company_id).await?;
        if contracts
            .iter()
            .any(|c| c.referent_login_id == Some(login.id))
        {
            return Err(FormRejection::one("login", Problem::Referent));
        }
        if login.disabled {
            return Ok(());
        }
        tx.revoke_all_rights(login.id).await?;
        tx.revoke_company_roles(login.id).await?;
        tx.set_disabled(login.id, true).await?;
        tx.void_action_tokens(login.id, TOKEN_INVITATION, now)
            .await?;
        let sessions = tx.delete_other_sessions(login.id, "").await?;
        tx.append_audit(
            &AuditEvent::new(AuditKind::AccessRemoved, now, client)
                .by(session.login.id, login.id)
                .acting_as(ActingRole::CompanyAdministrator)
                .detail(json!({ "sessions_signed_out": sessions })),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn invitation_offer(
        &self,
        token: &str,
    ) -> Result<(InvitationOffer, LoginRecord), AppError> {
        let mut tx = self.store().begin_read().await?;
        let (_, login) = self.live_link(tx.as_mut(), token, TOKEN_INVITATION).await?;
        let company = match login.company_id {
            Some(id) => tx.company(id).await?.map(|c| c.name).unwrap_or_default(),
            None => String::new(),
        };
        Ok((
            InvitationOffer {
                identifier: login.identifier.clone(),
                company,
            },
            login,
        ))
    }

    /// The invitee chooses a password through the single-use link; the
    /// e-mail it was sent to is thereby verified.
    pub async fn accept_invitation(
        &self,
        token: &str,
        new: SecretString,
        confirm: SecretString,
        client: &ClientInfo,
    ) -> Result<String, FormRejection> {
        let (_, login) = self.invitation_offer(token).await?;
        let mut problems = Vec::new();
        let new = self.check_password_pair(&login, &new, &confirm, &mut problems);
        if !problems.is_empty() {
            return Err(FormRejection::Invalid(problems));
        }
        let phc = self.hasher().hash(SecretString::from(new)).await?;
        let now = self.clock().now();
        let mut tx = self.store().begin().await?;
        let (_, login) = self.take_link(tx.as_mut(), token, TOKEN_INVITATION).await?;
        tx.set_password_hash(login.id, &phc).await?;
        tx.set_email(login.id, login.email.as_deref(), true).await?;
        tx.append_audit(&AuditEvent::new(AuditKind::PasswordSet, now, client).by_self(login.id))
            .await?;
        tx.commit().await?;
        Ok(login.identifier)
    }
}
