//! What a signed-in person sees of their own login: the dashboard and the
//! My Account hub read this. Everything is scoped to the session's login.

use espace_domain::rights::{CompanyRole, StaffRole};

use crate::App;
use crate::error::AppError;
use crate::ports::{CompanyRecord, ContractRecord, LoginRecord, RightRecord};
use crate::session::CurrentSession;

#[derive(Debug, Clone)]
pub struct Overview {
    pub login: LoginRecord,
    pub company: Option<CompanyRecord>,
    pub contracts: Vec<ContractRecord>,
    pub rights: Vec<RightRecord>,
    pub company_roles: Vec<CompanyRole>,
    pub staff_roles: Vec<StaffRole>,
}

impl App {
    pub async fn overview(&self, session: &CurrentSession) -> Result<Overview, AppError> {
        let login = session.login.clone();
        let mut tx = self.store().begin_read().await?;
        let company = match login.company_id {
            Some(id) => tx.company(id).await?,
            None => None,
        };
        let contracts = tx.contracts_visible_to(login.id).await?;
        let rights = tx.rights_of(login.id).await?;
        let company_roles = tx.company_roles_of(login.id).await?;
        let staff_roles = tx.staff_roles_of(login.id).await?;
        Ok(Overview {
            login,
            company,
            contracts,
            rights,
            company_roles,
            staff_roles,
        })
    }
}
