//! What a signed-in login may reach: the sections of the main navigation
//! and, for provider staff, their back-office tools. Decided here from the
//! login's company and staff roles, so that no page or template compares
//! role names; each page still checks its own access in its use case.

use espace_domain::rights::{CompanyRole, StaffRole};

use crate::App;
use crate::error::AppError;
use crate::session::CurrentSession;

/// A section of the main navigation, in the order it is shown. Service
/// sections (contracts, invoices, consumption, requests…) join here as
/// they land.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Dashboard,
    Users,
    BackOffice,
    Account,
}

/// A back-office tool of provider staff.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StaffTool {
    /// Find a login, see why it is locked, unlock it (support agents).
    Logins,
    /// Assisted account recovery cases (support agents).
    RecoveryCases,
    /// Messages from the companies a web account manager looks after.
    Messages,
    /// Find an audit event by the reference a person reads from their
    /// timeline (support agents; see `rights::policy::event_lookup`).
    Events,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Navigation {
    pub sections: Vec<Section>,
    /// Empty for customers; for staff, the tools their roles give.
    pub tools: Vec<StaffTool>,
    /// Whether the login holds any staff role (a staff login without a
    /// tool yet still gets the back office, which says so).
    pub staff: bool,
    /// Whether the login is its company's security manager (the company's
    /// two-factor page).
    pub company_security: bool,
}

impl Default for Navigation {
    /// What every signed-in login has.
    fn default() -> Self {
        Self {
            sections: vec![Section::Dashboard, Section::Account],
            tools: Vec::new(),
            staff: false,
            company_security: false,
        }
    }
}

/// The navigation that company roles and staff roles give (pure rule).
pub fn navigation_for(company: &[CompanyRole], staff: &[StaffRole]) -> Navigation {
    let mut tools = Vec::new();
    for role in staff {
        let given: &[StaffTool] = match role {
            StaffRole::SupportAgent => &[
                StaffTool::Logins,
                StaffTool::RecoveryCases,
                StaffTool::Events,
            ],
            StaffRole::WebAccountManager => &[StaffTool::Messages],
            StaffRole::Moderator | StaffRole::Administrator => &[],
        };
        for t in given {
            if !tools.contains(t) {
                tools.push(*t);
            }
        }
    }
    let mut sections = vec![Section::Dashboard];
    if company.contains(&CompanyRole::Administrator) {
        sections.push(Section::Users);
    }
    if !staff.is_empty() {
        sections.push(Section::BackOffice);
    }
    sections.push(Section::Account);
    Navigation {
        sections,
        tools,
        staff: !staff.is_empty(),
        company_security: company.contains(&CompanyRole::SecurityManager),
    }
}

impl App {
    /// The sections and tools `session`'s login may use, from its roles.
    pub async fn navigation(&self, session: &CurrentSession) -> Result<Navigation, AppError> {
        let mut tx = self.store().begin_read().await?;
        let company = tx.company_roles_of(session.login.id).await?;
        let staff = tx.staff_roles_of(session.login.id).await?;
        Ok(navigation_for(&company, &staff))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_customer_has_the_dashboard_and_their_account() {
        assert_eq!(navigation_for(&[], &[]), Navigation::default());
        let n = navigation_for(&[CompanyRole::SecurityManager], &[]);
        assert!(n.company_security);
        assert!(!navigation_for(&[CompanyRole::Administrator], &[]).company_security);
        assert_eq!(n.sections, vec![Section::Dashboard, Section::Account]);
    }

    #[test]
    fn an_administrator_gets_users() {
        let n = navigation_for(&[CompanyRole::Administrator], &[]);
        assert_eq!(
            n.sections,
            vec![Section::Dashboard, Section::Users, Section::Account]
        );
        assert!(n.tools.is_empty());
        assert!(!n.staff);
    }

    #[test]
    fn staff_get_the_back_office_with_the_tools_of_their_roles() {
        let n = navigation_for(&[], &[StaffRole::SupportAgent]);
        assert_eq!(
            n.sections,
            vec![Section::Dashboard, Section::BackOffice, Section::Account]
        );
        assert_eq!(
            n.tools,
            vec![
                StaffTool::Logins,
                StaffTool::RecoveryCases,
                StaffTool::Events
            ]
        );
        let n = navigation_for(
            &[],
            &[StaffRole::WebAccountManager, StaffRole::SupportAgent],
        );
        assert_eq!(
            n.tools,
            vec![
                StaffTool::Messages,
                StaffTool::Logins,
                StaffTool::RecoveryCases,
                StaffTool::Events
            ]
        );
        let n = navigation_for(&[], &[StaffRole::Moderator]);
        assert!(n.staff);
        assert!(n.tools.is_empty());
        assert!(n.sections.contains(&Section::BackOffice));
    }
}
