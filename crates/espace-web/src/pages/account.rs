//! `/account`: the My Account hub (personal information, company,
//! security), read-only until the My Account issue adds the forms.

use askama::Template;
use axum::extract::State;
use axum::response::Response;

use super::{Chrome, render, role_names};
use crate::AppState;
use crate::context::Authenticated;
use crate::error::app_error;

#[derive(Template)]
#[template(path = "account.html")]
struct AccountHub {
    c: Chrome,
    identifier: String,
    name: String,
    title: String,
    email: String,
    phone: String,
    language: String,
    company: Option<CompanyView>,
    roles: Vec<String>,
    rights: Vec<RightRow>,
    is_admin: bool,
    is_manager: bool,
    is_support: bool,
    is_security_manager: bool,
    /// The 2FA status of this login, in words.
    two_factor: String,
}

struct CompanyView {
    name: String,
    siren: String,
    vat: String,
    address: String,
}

struct RightRow {
    contract: String,
    section: String,
    profile: String,
}

pub async fn hub(
    State(state): State<AppState>,
    Authenticated(session, ctx): Authenticated,
) -> Response {
    let o = match state.app.overview(&session).await {
        Ok(o) => o,
        Err(e) => return app_error(&ctx, &e),
    };
    let status = match state.app.my_status(&session).await {
        Ok(s) => s,
        Err(e) => return app_error(&ctx, &e),
    };
    let t = ctx.tr();
    let not_set = || t.get("account-not-set");
    let contract_name = |id: uuid::Uuid| {
        o.contracts.iter().find(|c| c.id == id).map_or_else(
            || id.to_string(),
            |c| format!("{} — {}", c.reference, c.offer_name),
        )
    };
    let page = AccountHub {
        c: Chrome::new(&state, &ctx, "account-title", "account"),
        identifier: o.login.identifier.clone(),
        name: format!("{} {}", o.login.first_name, o.login.last_name)
            .trim()
            .to_owned(),
        title: t.get(&format!("title-{}", o.login.title)),
        email: o.login.email.clone().unwrap_or_else(not_set),
        phone: o.login.phone.clone().unwrap_or_else(not_set),
        language: t.get(&format!("language-{}", ctx.locale.code())),
        company: o.company.as_ref().map(|c| CompanyView {
            name: c.name.clone(),
            siren: c.siren.clone().unwrap_or_else(not_set),
            vat: c.vat_number.clone().unwrap_or_else(not_set),
            address: c.billing_address.clone(),
        }),
        roles: role_names(&t, o.company_roles.iter().chain(&o.staff_roles)),
        is_admin: o.company_roles.iter().any(|r| r == "administrator"),
        is_manager: o.staff_roles.iter().any(|r| r == "web-account-manager"),
        is_support: o.staff_roles.iter().any(|r| r == "support-agent"),
        is_security_manager: o.company_roles.iter().any(|r| r == "security-manager"),
        two_factor: t.get(&format!("two-factor-status-{}", status.code())),
        rights: o
            .rights
            .iter()
            .map(|r| RightRow {
                contract: contract_name(r.contract_id),
                section: t.get(&format!("section-{}", r.section)),
                profile: t.get(&format!("profile-{}", r.profile)),
            })
            .collect(),
    };
    render(&ctx, &page)
}

#[derive(Template)]
#[template(path = "rights.html")]
struct RightsPage {
    c: Chrome,
    sections: Vec<String>,
    rows: Vec<MatrixRow>,
    roles: Vec<String>,
}

struct MatrixRow {
    contract: String,
    cells: Vec<Option<String>>,
}

/// `/account/rights`: the same information as the profile, as a matrix of
/// contracts and sections (SPEC §6), read-only. Only the own login's rights.
pub async fn rights(
    State(state): State<AppState>,
    Authenticated(session, ctx): Authenticated,
) -> Response {
    let o = match state.app.overview(&session).await {
        Ok(o) => o,
        Err(e) => return app_error(&ctx, &e),
    };
    let t = ctx.tr();
    let sections = espace_domain::rights::Section::ALL;
    let rows = o
        .contracts
        .iter()
        .filter(|c| o.rights.iter().any(|r| r.contract_id == c.id))
        .map(|c| MatrixRow {
            contract: format!("{} — {}", c.reference, c.offer_name),
            cells: sections
                .iter()
                .map(|s| {
                    o.rights
                        .iter()
                        .find(|r| r.contract_id == c.id && r.section == s.as_str())
                        .map(|r| t.get(&format!("profile-{}", r.profile)))
                })
                .collect(),
        })
        .collect();
    let page = RightsPage {
        c: Chrome::new(&state, &ctx, "rights-title", "account"),
        sections: sections
            .iter()
            .map(|s| t.get(&format!("section-{}", s.as_str())))
            .collect(),
        rows,
        roles: role_names(&t, o.company_roles.iter().chain(&o.staff_roles)),
    };
    render(&ctx, &page)
}
