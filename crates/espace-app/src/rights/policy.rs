//! Authorisation decided in one place (DESIGN §1): each function takes
//! what a login holds and returns a proof of what it may do, or nothing.
//! A proof cannot be built elsewhere (its field is private), so a use case
//! that needs one is only reachable through the check.

use espace_domain::rights::{CompanyRole, StaffRole};
use uuid::Uuid;

use crate::audit::ActingRole;

/// What a login holds: its company (if a customer's) and its roles.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Holder {
    pub login: Uuid,
    pub company: Option<Uuid>,
    pub company_roles: Vec<CompanyRole>,
    pub staff_roles: Vec<StaffRole>,
}

impl Holder {
    fn is(&self, role: CompanyRole) -> bool {
        self.company_roles.contains(&role)
    }

    fn is_staff(&self, role: StaffRole) -> bool {
        self.staff_roles.contains(&role)
    }
}

/// Proof that a login administers the users and rights of a company (its
/// own).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AdminScope {
    company: Uuid,
}

impl AdminScope {
    pub fn company(&self) -> Uuid {
        self.company
    }
}

/// A company administrator, over their own company only.
pub fn admin_scope(holder: &Holder) -> Option<AdminScope> {
    holder
        .company
        .filter(|_| holder.is(CompanyRole::Administrator))
        .map(|company| AdminScope { company })
}

/// Who helps the logins of a company with their security (unlocking,
/// strong-authentication rules, a reset of lost methods).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Helper {
    /// Provider support, for any company it is asked about.
    Support,
    /// The company's own security manager.
    SecurityManager,
}

impl Helper {
    /// The stable name written in audit details (`"by"`).
    pub fn as_str(self) -> &'static str {
        match self {
            Helper::Support => "support",
            Helper::SecurityManager => "security-manager",
        }
    }

    /// The role recorded on the events of the helped login.
    pub fn acting_role(self) -> ActingRole {
        match self {
            Helper::Support => ActingRole::SupportAgent,
            Helper::SecurityManager => ActingRole::SecurityManager,
        }
    }
}

/// Proof that a login may help the logins of `company`, and as whom.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HelpScope {
    company: Uuid,
    helper: Helper,
}

impl HelpScope {
    pub fn company(&self) -> Uuid {
        self.company
    }

    pub fn helper(&self) -> Helper {
        self.helper
    }
}

/// Support helps the company it asks about (it must name one); a security
/// manager helps their own company, named or not.
pub fn help_company(holder: &Holder, asked: Option<Uuid>) -> Option<HelpScope> {
    if holder.is_staff(StaffRole::SupportAgent) {
        return asked.map(|company| HelpScope {
            company,
            helper: Helper::Support,
        });
    }
    let own = holder.company?;
    (holder.is(CompanyRole::SecurityManager) && asked.is_none_or(|c| c == own)).then_some(
        HelpScope {
            company: own,
            helper: Helper::SecurityManager,
        },
    )
}

/// Support helps any login; a security manager the logins of their own
/// company. `target` is the helped login's company.
pub fn help_login(holder: &Holder, target: Option<Uuid>) -> Option<Helper> {
    if holder.is_staff(StaffRole::SupportAgent) {
        return Some(Helper::Support);
    }
    (holder.is(CompanyRole::SecurityManager) && target.is_some() && target == holder.company)
        .then_some(Helper::SecurityManager)
}

/// Proof that a login answers the messages of the companies it looks after
/// (a web account manager).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccountManager {
    manager: Uuid,
}

impl AccountManager {
    pub fn manager(&self) -> Uuid {
        self.manager
    }
}

pub fn account_manager(holder: &Holder) -> Option<AccountManager> {
    holder
        .is_staff(StaffRole::WebAccountManager)
        .then_some(AccountManager {
            manager: holder.login,
        })
}

/// Proof that a login is a support agent (back-office logins and assisted
/// recovery cases).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Support {
    agent: Uuid,
}

impl Support {
    pub fn agent(&self) -> Uuid {
        self.agent
    }
}

pub fn support(holder: &Holder) -> Option<Support> {
    holder.is_staff(StaffRole::SupportAgent).then_some(Support {
        agent: holder.login,
    })
}

/// Whether a login guards others (a security manager, or any provider
/// staff): it is warned while it has no second method of its own.
pub fn guards_others(holder: &Holder) -> bool {
    holder.is(CompanyRole::SecurityManager) || !holder.staff_roles.is_empty()
}

/// Proof that a login may look audit events up by their reference in the
/// back office: provider support (the reference is what a person reads to
/// them from their timeline). The events it finds concern any login.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventLookup {
    agent: Uuid,
}

impl EventLookup {
    /// Who looks.
    pub fn agent(&self) -> Uuid {
        self.agent
    }
}

/// Support agents look events up; no other role, staff or customer, may.
pub fn event_lookup(holder: &Holder) -> Option<EventLookup> {
    holder
        .is_staff(StaffRole::SupportAgent)
        .then_some(EventLookup {
            agent: holder.login,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn holder(company: Option<Uuid>, roles: &[CompanyRole], staff: &[StaffRole]) -> Holder {
        Holder {
            login: Uuid::from_u128(1),
            company,
            company_roles: roles.to_vec(),
            staff_roles: staff.to_vec(),
        }
    }

    #[test]
    fn administrators_administer_their_own_company_only() {
        let acme = Some(Uuid::from_u128(7));
        let admin = holder(acme, &[CompanyRole::Administrator], &[]);
        assert_eq!(admin_scope(&admin).map(|s| s.company()), acme);
        assert!(admin_scope(&holder(acme, &[CompanyRole::SecurityManager], &[])).is_none());
        assert!(admin_scope(&holder(None, &[CompanyRole::Administrator], &[])).is_none());
        assert!(admin_scope(&holder(None, &[], &[StaffRole::Administrator])).is_none());
    }

    #[test]
    fn support_helps_the_company_it_names_a_security_manager_their_own() {
        let (acme, other) = (Uuid::from_u128(7), Uuid::from_u128(8));
        let agent = holder(None, &[], &[StaffRole::SupportAgent]);
        assert!(
            help_company(&agent, None).is_none(),
            "support names the company"
        );
        let s = help_company(&agent, Some(other)).unwrap();
        assert_eq!((s.company(), s.helper()), (other, Helper::Support));
        let manager = holder(Some(acme), &[CompanyRole::SecurityManager], &[]);
        assert_eq!(help_company(&manager, None).unwrap().company(), acme);
        assert_eq!(
            help_company(&manager, Some(acme)).unwrap().helper(),
            Helper::SecurityManager
        );
        assert!(help_company(&manager, Some(other)).is_none());
        let admin = holder(Some(acme), &[CompanyRole::Administrator], &[]);
        assert!(help_company(&admin, None).is_none());
        assert!(
            help_company(
                &holder(None, &[], &[StaffRole::WebAccountManager]),
                Some(acme)
            )
            .is_none()
        );

        assert_eq!(help_login(&agent, None), Some(Helper::Support));
        assert_eq!(
            help_login(&manager, Some(acme)),
            Some(Helper::SecurityManager)
        );
        assert_eq!(help_login(&manager, Some(other)), None);
        assert_eq!(
            help_login(&manager, None),
            None,
            "a staff login is not the company's"
        );
        assert_eq!(help_login(&admin, Some(acme)), None);
        assert_eq!(Helper::Support.as_str(), "support");
        assert_eq!(
            Helper::SecurityManager.acting_role(),
            ActingRole::SecurityManager
        );
    }

    #[test]
    fn staff_tools_go_to_their_roles_only() {
        let manager = holder(None, &[], &[StaffRole::WebAccountManager]);
        assert!(account_manager(&manager).is_some() && support(&manager).is_none());
        let agent = holder(None, &[], &[StaffRole::SupportAgent]);
        assert!(support(&agent).is_some() && account_manager(&agent).is_none());
        let customer = holder(Some(Uuid::from_u128(7)), &[CompanyRole::Administrator], &[]);
        assert!(support(&customer).is_none() && account_manager(&customer).is_none());
        assert!(!guards_others(&customer));
        assert!(guards_others(&holder(
            Some(Uuid::from_u128(7)),
            &[CompanyRole::SecurityManager],
            &[]
        )));
        assert!(guards_others(&holder(None, &[], &[StaffRole::Moderator])));
    }

    #[test]
    fn only_support_agents_look_events_up() {
        let staff = |roles: &[StaffRole]| holder(None, &[], roles);
        assert!(event_lookup(&staff(&[StaffRole::SupportAgent])).is_some());
        assert!(
            event_lookup(&staff(&[
                StaffRole::WebAccountManager,
                StaffRole::SupportAgent
            ]))
            .is_some()
        );
        for other in [
            StaffRole::WebAccountManager,
            StaffRole::Moderator,
            StaffRole::Administrator,
        ] {
            assert!(event_lookup(&staff(&[other])).is_none(), "{other:?}");
        }
        assert!(event_lookup(&staff(&[])).is_none());
        let customer = holder(
            Some(Uuid::nil()),
            &[CompanyRole::Administrator, CompanyRole::SecurityManager],
            &[],
        );
        assert!(event_lookup(&customer).is_none());
    }
}
