//! Rights (SPEC §1): who may do what. The decisions live in [`policy`];
//! a use case asks it for a proof and cannot act without one.

pub mod policy;

use crate::App;
use crate::error::AppError;
use crate::ports::{LoginRecord, Tx};

impl App {
    /// What `login` holds, read for [`policy`] to decide on.
    pub(crate) async fn holder(
        tx: &mut dyn Tx,
        login: &LoginRecord,
    ) -> Result<policy::Holder, AppError> {
        Ok(policy::Holder {
            login: login.id,
            company: login.company_id,
            company_roles: tx.company_roles_of(login.id).await?,
            staff_roles: tx.staff_roles_of(login.id).await?,
        })
    }
}
