//! `/`: the dashboard across the login's contracts (and, for provider
//! staff, their tools); `/backoffice`: the tools of staff.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use espace_app::ports::ContractRecord;

use super::{Chrome, ToolItem, render, role_names, tool_items};
use crate::AppState;
use crate::error::app_error;
use crate::extract::Authenticated;
use crate::i18n::Arg;

#[derive(Template)]
#[template(path = "dashboard/dashboard.html")]
struct Dashboard {
    c: Chrome,
    hello: String,
    company: Option<String>,
    contracts: Vec<ContractRow>,
    staff_roles: Option<String>,
    tools: Vec<ToolItem>,
    /// This login acts on others' security without a method of its own.
    unprotected: bool,
}

#[derive(Template)]
#[template(path = "backoffice/backoffice.html")]
struct BackOffice {
    c: Chrome,
    staff_roles: Option<String>,
    tools: Vec<ToolItem>,
}

struct ContractRow {
    reference: String,
    offer: String,
    status: String,
    commitment: String,
}

pub async fn dashboard(
    State(state): State<AppState>,
    Authenticated(session, ctx): Authenticated,
) -> Response {
    let overview = match state.app.overview(&session).await {
        Ok(o) => o,
        Err(e) => return app_error(&ctx, &e),
    };
    let unprotected = match state.app.unprotected_helper(&session).await {
        Ok(u) => u,
        Err(e) => return app_error(&ctx, &e),
    };
    let t = ctx.tr();
    let row = |c: &ContractRecord| ContractRow {
        reference: c.reference.clone(),
        offer: c.offer_name.clone(),
        status: t.get(&format!("contract-status-{}", c.status)),
        commitment: c
            .commitment_end
            .as_deref()
            .map_or_else(|| t.get("contract-no-commitment"), |d| t.date_text(d)),
    };
    // Whether this is staff, and which tools, the app layer decided.
    let staff_roles = ctx.navigation.staff.then(|| {
        let names = role_names(&t, &[], &overview.staff_roles);
        t.fmt(
            "dashboard-staff-roles",
            &[("roles", Arg::S(&names.join(", ")))],
        )
    });
    let page = Dashboard {
        c: Chrome::new(&state, &ctx, "dashboard-title", "dashboard"),
        hello: t.fmt(
            "dashboard-hello",
            &[("name", Arg::S(&overview.login.first_name))],
        ),
        company: overview
            .company
            .as_ref()
            .map(|c| t.fmt("dashboard-company", &[("company", Arg::S(&c.name))])),
        contracts: overview.contracts.iter().map(row).collect(),
        staff_roles,
        tools: tool_items(&t, &ctx.navigation.tools),
        unprotected,
    };
    render(&ctx, &page)
}

/// `/backoffice`: the tools the login's staff roles give; not found for
/// customers.
pub async fn backoffice(
    State(state): State<AppState>,
    Authenticated(session, ctx): Authenticated,
) -> Response {
    if !ctx.navigation.staff {
        return app_error(&ctx, &espace_app::AppError::NotFound);
    }
    let overview = match state.app.overview(&session).await {
        Ok(o) => o,
        Err(e) => return app_error(&ctx, &e),
    };
    let t = ctx.tr();
    let names = role_names(&t, &[], &overview.staff_roles);
    let page = BackOffice {
        c: Chrome::new(&state, &ctx, "backoffice-title", "backoffice"),
        staff_roles: Some(t.fmt(
            "dashboard-staff-roles",
            &[("roles", Arg::S(&names.join(", ")))],
        )),
        tools: tool_items(&t, &ctx.navigation.tools),
    };
    render(&ctx, &page)
}

/// The routes of these pages, merged into the router in `lib.rs`.
pub fn routes() -> axum::Router<crate::AppState> {
    use axum::routing::get;
    axum::Router::new()
        .route("/", get(dashboard))
        .route("/backoffice", get(backoffice))
}
