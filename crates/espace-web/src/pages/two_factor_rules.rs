//! The steps of `/company/two-factor` that stand on their own page:
//! requiring two-factor authentication for one login (the "Require" of its
//! row) and the confirmation before a rule is turned off (issue 16 items 9
//! and 12). Both read the company through the same authorisation as the
//! action they lead to, so a login or rule one may not act on is not found.

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::Response;
use espace_app::session::CurrentSession;
use uuid::Uuid;

use super::forms::Fields;
use super::two_factor::{CompanyQuery, RuleRow, StatusRow, company_of, rule_row, status_row};
use super::{Chrome, render};
use crate::AppState;
use crate::ctx::Ctx;
use crate::error::app_error;
use crate::extract::{Authenticated, IdPath};
use crate::i18n::Arg;

#[derive(Template)]
#[template(path = "mfa/company_require.html")]
struct RequirePage {
    c: Chrome,
    row: StatusRow,
    title: String,
    company: String,
    company_param: String,
    deadline: String,
    f: Fields,
}

/// The page of "Require" on a login's row: who, what happens, an optional
/// deadline. A refused deadline comes back here.
pub(super) async fn require_page(
    state: &AppState,
    ctx: &Ctx,
    session: &CurrentSession,
    (company, login): (Option<Uuid>, Uuid),
    deadline: String,
    f: Fields,
) -> Response {
    let t = ctx.tr();
    let view = match state.app.company_strong_auth(session, company, false).await {
        Ok(v) => v,
        Err(e) => return app_error(ctx, &e),
    };
    let Some(row) = view.logins.into_iter().find(|l| l.login.id == login) else {
        return app_error(ctx, &espace_app::AppError::NotFound);
    };
    let row = status_row(state, &t, row, true);
    let who = if row.name.is_empty() {
        row.identifier.clone()
    } else {
        row.name.clone()
    };
    let title = t.fmt("company-2fa-require-title", &[("name", Arg::S(&who))]);
    let c = Chrome::new(state, ctx, "company-2fa-require", "account").about(&who);
    render(
        ctx,
        &RequirePage {
            c,
            row,
            title,
            company: view.company,
            company_param: company.map(|c| c.to_string()).unwrap_or_default(),
            deadline,
            f,
        },
    )
}

pub async fn require_form(
    State(state): State<AppState>,
    Authenticated(session, ctx): Authenticated,
    IdPath(id): IdPath,
    q: Result<Query<CompanyQuery>, QueryRejection>,
) -> Response {
    let q = q.map(|q| q.0).unwrap_or_default();
    match company_of(q.company.as_deref()).map(|c| (c, id)) {
        Ok(ids) => {
            require_page(
                &state,
                &ctx,
                &session,
                ids,
                String::new(),
                Fields::default(),
            )
            .await
        }
        Err(e) => app_error(&ctx, &e),
    }
}

#[derive(Template)]
#[template(path = "mfa/company_rule_remove.html")]
struct RuleRemovePage {
    c: Chrome,
    rule: RuleRow,
    company: String,
    company_param: String,
    /// The logins no longer required once the rule is off.
    released: Vec<String>,
}

/// The confirmation step of turning a rule off: the rule, and whom it
/// releases.
pub async fn rule_remove_form(
    State(state): State<AppState>,
    Authenticated(session, ctx): Authenticated,
    IdPath(id): IdPath,
    q: Result<Query<CompanyQuery>, QueryRejection>,
) -> Response {
    let q = q.map(|q| q.0).unwrap_or_default();
    let (company, rule) = match company_of(q.company.as_deref()).map(|c| (c, id)) {
        Ok(ids) => ids,
        Err(e) => return app_error(&ctx, &e),
    };
    let release = match state
        .app
        .strong_auth_rule_release(&session, company, rule)
        .await
    {
        Ok(r) => r,
        Err(e) => return app_error(&ctx, &e),
    };
    let view = match state
        .app
        .company_strong_auth(&session, company, false)
        .await
    {
        Ok(v) => v,
        Err(e) => return app_error(&ctx, &e),
    };
    let t = ctx.tr();
    let rule = rule_row(&state, &t, &release.rule);
    render(
        &ctx,
        &RuleRemovePage {
            c: Chrome::new(&state, &ctx, "company-2fa-remove-title", "account").about(&rule.what),
            rule,
            company: view.company,
            company_param: company.map(|c| c.to_string()).unwrap_or_default(),
            released: release.released,
        },
    )
}

/// The routes of these pages, merged into the router in `lib.rs`.
pub fn routes() -> axum::Router<crate::AppState> {
    use axum::routing::get;
    axum::Router::new()
        .route(
            "/company/two-factor/rules/{id}/remove",
            get(rule_remove_form).post(super::two_factor::remove_rule),
        )
        .route("/company/two-factor/logins/{id}/require", get(require_form))
}
