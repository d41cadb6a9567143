//! `/account/two-factor` (every login of the person with its 2FA status,
//! SPEC §4.3) and `/company/two-factor` (the security manager's, or
//! support's, view of a company: forcing rules and every login).

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use espace_app::error::FormRejection;
use espace_app::rights::policy::Helper;
use espace_app::strong::{LoginStatus, NewScope, RuleView};
use espace_domain::rights::{Profile, Section};
use espace_domain::strong::Status;
use jiff::Timestamp;
use serde::Deserialize;
use uuid::Uuid;

use super::forms::{Fields, rejection_fields};
use super::{Chrome, Notice, local_datetime, parse_id, render};
use crate::AppState;
use crate::ctx::Ctx;
use crate::error::app_error;
use crate::extract::{Authenticated, IdPath};
use crate::form::HtmlForm;
use crate::i18n::{Arg, Tr};

pub struct StatusRow {
    pub id: Uuid,
    pub identifier: String,
    pub name: String,
    pub company: String,
    pub status: &'static str,
    /// Two-factor authentication is required (a rule covers the login).
    pub required: bool,
    pub status_name: String,
    pub explain: String,
    pub methods: usize,
    pub requested: Option<String>,
    pub current: bool,
    /// A pending assisted reset of its methods, as a sentence.
    pub reset: Option<String>,
}

/// One row of a status table. `manage`: the company view of a security
/// manager or support, who turn it on themselves (not "ask your security
/// manager").
pub(super) fn status_row(state: &AppState, t: &Tr, s: LoginStatus, manage: bool) -> StatusRow {
    let explain = match s.status {
        Status::Disabled if manage && s.methods > 0 => {
            t.get("company-2fa-explain-disabled-methods")
        }
        Status::Disabled if manage => t.get("company-2fa-explain-disabled"),
        Status::Enabled => t.get("two-factor-explain-enabled"),
        Status::Pending { deadline: Some(d) } => t.fmt(
            "two-factor-explain-pending-deadline",
            &[("time", Arg::S(&local_datetime(state, t, d)))],
        ),
        Status::Pending { deadline: None } => t.get("two-factor-explain-pending"),
        Status::Disabled if s.methods > 0 => t.get("two-factor-explain-disabled-methods"),
        Status::Disabled => t.get("two-factor-explain-disabled"),
    };
    StatusRow {
        id: s.login.id,
        name: format!("{} {}", s.login.first_name, s.login.last_name)
            .trim()
            .to_owned(),
        identifier: s.login.identifier,
        company: s.company.unwrap_or_default(),
        status: s.status.code(),
        required: s.status != Status::Disabled,
        status_name: t.get(&format!("two-factor-status-{}", s.status.code())),
        explain,
        methods: s.methods,
        requested: s.requested_at.map(|at| {
            t.fmt(
                "two-factor-requested-on",
                &[("time", Arg::S(&local_datetime(state, t, at)))],
            )
        }),
        current: s.current,
        reset: s.reset.map(|r| {
            t.fmt(
                "two-factor-reset-pending",
                &[
                    ("name", Arg::S(&r.by)),
                    ("time", Arg::S(&local_datetime(state, t, r.effective_at))),
                ],
            )
        }),
    }
}

#[derive(Template)]
#[template(path = "mfa/two_factor.html")]
struct MinePage {
    c: Chrome,
    rows: Vec<StatusRow>,
    /// The rows' actions are a helper's (company view), not the person's.
    manage: bool,
    company_param: String,
    notice: Option<Notice>,
}

#[derive(Deserialize, Default)]
pub struct NoticeQuery {
    notice: Option<String>,
}

pub async fn mine(
    State(state): State<AppState>,
    Authenticated(session, ctx): Authenticated,
    q: Result<Query<NoticeQuery>, QueryRejection>,
) -> Response {
    let t = ctx.tr();
    let notice = q.ok().and_then(|q| q.0.notice);
    // A security manager is not told to ask his security manager.
    let manager = match state.app.manages_own_strong_auth(&session).await {
        Ok(m) => m,
        Err(e) => return app_error(&ctx, &e),
    };
    match state.app.my_two_factor(&session).await {
        Ok(list) => render(
            &ctx,
            &MinePage {
                c: Chrome::new(&state, &ctx, "two-factor-title", "account"),
                rows: list
                    .into_iter()
                    .map(|s| status_row(&state, &t, s, manager))
                    .collect(),
                manage: false,
                company_param: String::new(),
                notice: notice
                    .filter(|n| n == "reset-cancelled")
                    .map(|n| Notice::success(t.get(&format!("two-factor-notice-{n}")))),
            },
        ),
        Err(e) => app_error(&ctx, &e),
    }
}

/// The person cancels the pending reset of their own login's methods.
pub async fn cancel_mine(
    State(state): State<AppState>,
    Authenticated(session, ctx): Authenticated,
) -> Response {
    match state
        .app
        .cancel_my_factor_reset(&session, &ctx.client)
        .await
    {
        Ok(()) => Redirect::to("/account/two-factor?notice=reset-cancelled").into_response(),
        Err(e) => app_error(&ctx, &e),
    }
}

pub(super) struct RuleRow {
    pub id: Uuid,
    pub what: String,
    pub deadline: String,
    pub by: String,
    pub at: String,
}

/// A rule as its table row and its confirmation page name it.
pub(super) fn rule_row(state: &AppState, t: &Tr, r: &RuleView) -> RuleRow {
    let rec = &r.record;
    let what = match rec.scope.as_str() {
        "login" => t.fmt(
            "company-2fa-rule-login",
            &[("identifier", Arg::S(r.login.as_deref().unwrap_or("")))],
        ),
        "rights" => t.fmt(
            "company-2fa-rule-rights",
            &[
                (
                    "section",
                    Arg::S(&t.get(&format!("section-{}", rec.section.as_deref().unwrap_or("")))),
                ),
                (
                    "profile",
                    Arg::S(&match rec.profile.as_deref() {
                        Some(p) => t.get(&format!("profile-{p}")),
                        None => t.get("company-2fa-any-profile"),
                    }),
                ),
            ],
        ),
        _ => t.get("company-2fa-rule-company"),
    };
    RuleRow {
        id: rec.id,
        what,
        deadline: rec.deadline.map_or_else(
            || t.get("company-2fa-no-deadline"),
            |d| local_datetime(state, t, d),
        ),
        by: r.by.clone(),
        at: local_datetime(state, t, rec.created_at),
    }
}

#[derive(Template)]
#[template(path = "mfa/company_two_factor.html")]
struct CompanyPage {
    c: Chrome,
    company: String,
    /// Support names the company in every link and form.
    company_param: String,
    rules: Vec<RuleRow>,
    rows: Vec<StatusRow>,
    manage: bool,
    /// Support looks at the company (the wording is theirs).
    support: bool,
    unprotected_only: bool,
    /// The viewer's own login has no method (shown prominently).
    unprotected: bool,
    /// The waiting period of an assisted reset, as shown or as typed.
    wait_hours: String,
    sections: Vec<(&'static str, String)>,
    profiles: Vec<(&'static str, String)>,
    notice: Option<String>,
    /// The form as typed, after a refusal.
    typed: RuleForm,
    f: Fields,
}

#[derive(Deserialize, Default)]
pub struct CompanyQuery {
    pub(super) company: Option<String>,
    filter: Option<String>,
    notice: Option<String>,
}

#[derive(Deserialize, Default, Clone)]
pub struct RuleForm {
    #[serde(default)]
    pub scope: String,
    #[serde(default)]
    pub login: String,
    #[serde(default)]
    pub section: String,
    #[serde(default)]
    pub profile: String,
    #[serde(default)]
    pub deadline: String,
    pub company: Option<String>,
}

pub(super) fn company_of(raw: Option<&str>) -> Result<Option<Uuid>, espace_app::AppError> {
    raw.filter(|s| !s.is_empty()).map(parse_id).transpose()
}

#[allow(clippy::too_many_arguments)]
async fn company_page(
    state: &AppState,
    ctx: &Ctx,
    session: &espace_app::session::CurrentSession,
    company: Option<Uuid>,
    unprotected_only: bool,
    notice: Option<&str>,
    (typed, typed_wait): (RuleForm, Option<String>),
    f: Fields,
) -> Response {
    let t = ctx.tr();
    let view = match state
        .app
        .company_strong_auth(session, company, unprotected_only)
        .await
    {
        Ok(v) => v,
        Err(e) => return app_error(ctx, &e),
    };
    let unprotected = match state.app.unprotected_helper(session).await {
        Ok(u) => u,
        Err(e) => return app_error(ctx, &e),
    };
    let rules = view
        .rules
        .into_iter()
        .map(|r| rule_row(state, &t, &r))
        .collect();
    let company_param = if view.helper == Helper::Support {
        view.company_id.to_string()
    } else {
        String::new()
    };
    render(
        ctx,
        &CompanyPage {
            c: Chrome::new(state, ctx, "company-2fa-title", "account"),
            company: view.company,
            company_param,
            rules,
            rows: view
                .logins
                .into_iter()
                .map(|s| status_row(state, &t, s, true))
                .collect(),
            manage: true,
            support: view.helper == Helper::Support,
            unprotected_only,
            unprotected,
            wait_hours: typed_wait.unwrap_or_else(|| view.reset_wait_hours.to_string()),
            sections: Section::ALL
                .iter()
                .map(|s| (s.as_str(), t.get(&format!("section-{}", s.as_str()))))
                .collect(),
            profiles: Profile::ALL
                .iter()
                .map(|p| (p.as_str(), t.get(&format!("profile-{}", p.as_str()))))
                .collect(),
            notice: notice
                .filter(|n| matches!(*n, "forced" | "removed" | "wait" | "reset" | "withdrawn"))
                .map(|n| t.get(&format!("company-2fa-notice-{n}"))),
            typed,
            f,
        },
    )
}

pub async fn company(
    State(state): State<AppState>,
    Authenticated(session, ctx): Authenticated,
    q: Result<Query<CompanyQuery>, QueryRejection>,
) -> Response {
    let q = q.map(|q| q.0).unwrap_or_default();
    let company = match company_of(q.company.as_deref()) {
        Ok(c) => c,
        Err(e) => return app_error(&ctx, &e),
    };
    company_page(
        &state,
        &ctx,
        &session,
        company,
        q.filter.as_deref() == Some("unprotected"),
        q.notice.as_deref(),
        (RuleForm::default(), None),
        Fields::default(),
    )
    .await
}

/// The end of the chosen day, in the display time zone.
fn deadline_of(state: &AppState, typed: &str) -> Result<Option<Timestamp>, ()> {
    let typed = typed.trim();
    if typed.is_empty() {
        return Ok(None);
    }
    let date: jiff::civil::Date = typed.parse().map_err(|_| ())?;
    date.at(23, 59, 59, 0)
        .to_zoned(state.tz.clone())
        .map(|z| Some(z.timestamp()))
        .map_err(|_| ())
}

pub(super) fn back_to(company: Option<Uuid>, notice: &str) -> String {
    match company {
        Some(c) => format!("/company/two-factor?company={c}&notice={notice}"),
        None => format!("/company/two-factor?notice={notice}"),
    }
}

/// The input a refused field of a rule form is: each kind of rule has its
/// own form (company-wide, by right, one login from its row).
fn rule_field(scope: &str, field: &str) -> &'static str {
    match (scope, field) {
        ("company", _) => "company-deadline",
        ("rights", "deadline") => "rights-deadline",
        ("rights", _) => "rights-section",
        ("login", _) => "deadline",
        _ => "add-title",
    }
}

pub async fn add_rule(
    State(state): State<AppState>,
    Authenticated(session, ctx): Authenticated,
    HtmlForm(form): HtmlForm<RuleForm>,
) -> Response {
    let t = ctx.tr();
    let company = match company_of(form.company.as_deref()) {
        Ok(c) => c,
        Err(e) => return app_error(&ctx, &e),
    };
    let login = match form.scope.as_str() {
        "login" => match parse_id(&form.login) {
            Ok(id) => Some(id),
            Err(e) => return app_error(&ctx, &e),
        },
        _ => None,
    };
    let scope = match form.scope.as_str() {
        "company" => Some(NewScope::Company),
        "login" => login.map(NewScope::Login),
        "rights" => Some(NewScope::Rights {
            section: form.section.clone(),
            profile: Some(form.profile.clone()).filter(|p| !p.is_empty() && p != "any"),
        }),
        _ => None,
    };
    let refused = match (scope, deadline_of(&state, &form.deadline)) {
        (None, _) => ("scope", "company-2fa-problem-scope"),
        (_, Err(())) => ("deadline", "company-2fa-problem-deadline"),
        (Some(scope), Ok(deadline)) => match state
            .app
            .force_strong_auth(&session, company, scope, deadline, &ctx.client)
            .await
        {
            Ok(()) => return Redirect::to(&back_to(company, "forced")).into_response(),
            Err(FormRejection::Invalid(p)) if p.iter().any(|p| p.field == "deadline") => {
                ("deadline", "company-2fa-problem-past")
            }
            Err(r) => {
                let mut f = match rejection_fields(&t, r) {
                    Ok(f) => f,
                    Err(e) => return app_error(&ctx, &e),
                };
                for e in &mut f.errors {
                    e.field = e.field.map(|name| rule_field(&form.scope, name));
                }
                return refused_rule(&state, &ctx, &session, (company, login), form, f).await;
            }
        },
    };
    let mut f = Fields::default();
    f.push(rule_field(&form.scope, refused.0), t.get(refused.1));
    refused_rule(&state, &ctx, &session, (company, login), form, f).await
}

/// A refused rule comes back on the form it came from: the login's own
/// page for a rule on one login, else the company page.
async fn refused_rule(
    state: &AppState,
    ctx: &Ctx,
    session: &espace_app::session::CurrentSession,
    (company, login): (Option<Uuid>, Option<Uuid>),
    form: RuleForm,
    f: Fields,
) -> Response {
    match login {
        Some(login) => {
            super::two_factor_rules::require_page(
                state,
                ctx,
                session,
                (company, login),
                form.deadline,
                f,
            )
            .await
        }
        None => company_page(state, ctx, session, company, false, None, (form, None), f).await,
    }
}

#[derive(Deserialize, Default)]
pub struct RemoveForm {
    pub(super) company: Option<String>,
}

pub async fn remove_rule(
    State(state): State<AppState>,
    Authenticated(session, ctx): Authenticated,
    IdPath(id): IdPath,
    HtmlForm(form): HtmlForm<RemoveForm>,
) -> Response {
    let company = match company_of(form.company.as_deref()) {
        Ok(c) => c,
        Err(e) => return app_error(&ctx, &e),
    };
    match state
        .app
        .remove_strong_auth_rule(&session, company, id, &ctx.client)
        .await
    {
        Ok(()) => Redirect::to(&back_to(company, "removed")).into_response(),
        Err(e) => app_error(&ctx, &e),
    }
}

/// "Ask for two-factor authentication" (My security).
pub async fn request(
    State(state): State<AppState>,
    Authenticated(session, ctx): Authenticated,
) -> Response {
    // A security manager does not ask himself: he requires it for his own
    // login, on the company's page.
    match state.app.manages_own_strong_auth(&session).await {
        Ok(true) => {
            return Redirect::to(&format!(
                "/company/two-factor/logins/{}/require",
                session.login.id
            ))
            .into_response();
        }
        Ok(false) => {}
        Err(e) => return app_error(&ctx, &e),
    }
    match state.app.request_strong_auth(&session, &ctx.client).await {
        Ok(_) => Redirect::to("/account/security?notice=requested").into_response(),
        Err(e) => app_error(&ctx, &e),
    }
}

#[derive(Deserialize, Default)]
pub struct WaitForm {
    #[serde(default)]
    wait_hours: String,
    company: Option<String>,
}

/// The company's waiting period before an assisted reset takes effect.
pub async fn set_wait(
    State(state): State<AppState>,
    Authenticated(session, ctx): Authenticated,
    HtmlForm(form): HtmlForm<WaitForm>,
) -> Response {
    let company = match company_of(form.company.as_deref()) {
        Ok(c) => c,
        Err(e) => return app_error(&ctx, &e),
    };
    match state
        .app
        .set_factor_reset_wait(&session, company, &form.wait_hours, &ctx.client)
        .await
    {
        Ok(()) => Redirect::to(&back_to(company, "wait")).into_response(),
        Err(r) => match rejection_fields(&ctx.tr(), r) {
            Ok(f) => {
                let typed = (RuleForm::default(), Some(form.wait_hours));
                company_page(&state, &ctx, &session, company, false, None, typed, f).await
            }
            Err(e) => app_error(&ctx, &e),
        },
    }
}

#[derive(Template)]
#[template(path = "mfa/company_factor_reset.html")]
struct ResetPage {
    c: Chrome,
    row: StatusRow,
    company: String,
    company_param: String,
    /// What happens, and after how long.
    intro: String,
    reason: String,
    f: Fields,
}

#[derive(Deserialize, Default)]
pub struct ResetForm {
    #[serde(default)]
    reason: String,
    company: Option<String>,
}

async fn reset_page(
    state: &AppState,
    ctx: &Ctx,
    session: &espace_app::session::CurrentSession,
    (company, login): (Option<Uuid>, Uuid),
    reason: String,
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
    render(
        ctx,
        &ResetPage {
            c: Chrome::new(state, ctx, "company-2fa-reset-title", "account"),
            row: status_row(state, &t, row, true),
            company: view.company,
            company_param: company.map(|c| c.to_string()).unwrap_or_default(),
            intro: t.fmt(
                "company-2fa-reset-intro",
                &[("hours", Arg::N(view.reset_wait_hours))],
            ),
            reason,
            f,
        },
    )
}

/// The form to reset a login's lost methods.
pub async fn reset_form(
    State(state): State<AppState>,
    Authenticated(session, ctx): Authenticated,
    IdPath(id): IdPath,
    q: Result<Query<CompanyQuery>, QueryRejection>,
) -> Response {
    let q = q.map(|q| q.0).unwrap_or_default();
    match company_of(q.company.as_deref()).map(|c| (c, id)) {
        Ok(ids) => {
            reset_page(
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

pub async fn reset_request(
    State(state): State<AppState>,
    Authenticated(session, ctx): Authenticated,
    IdPath(id): IdPath,
    HtmlForm(form): HtmlForm<ResetForm>,
) -> Response {
    let (company, login) = match company_of(form.company.as_deref()).map(|c| (c, id)) {
        Ok(ids) => ids,
        Err(e) => return app_error(&ctx, &e),
    };
    match state
        .app
        .request_factor_reset(&session, company, login, &form.reason, &ctx.client)
        .await
    {
        Ok(_) => Redirect::to(&back_to(company, "reset")).into_response(),
        Err(r) => match rejection_fields(&ctx.tr(), r) {
            Ok(f) => reset_page(&state, &ctx, &session, (company, login), form.reason, f).await,
            Err(e) => app_error(&ctx, &e),
        },
    }
}

/// A helper withdraws the pending reset they (or another helper) asked.
pub async fn reset_withdraw(
    State(state): State<AppState>,
    Authenticated(session, ctx): Authenticated,
    IdPath(id): IdPath,
    HtmlForm(form): HtmlForm<RemoveForm>,
) -> Response {
    let (company, login) = match company_of(form.company.as_deref()).map(|c| (c, id)) {
        Ok(ids) => ids,
        Err(e) => return app_error(&ctx, &e),
    };
    match state
        .app
        .withdraw_factor_reset(&session, company, login, &ctx.client)
        .await
    {
        Ok(()) => Redirect::to(&back_to(company, "withdrawn")).into_response(),
        Err(e) => app_error(&ctx, &e),
    }
}

/// The routes of these pages, merged into the router in `lib.rs`.
pub fn routes() -> axum::Router<crate::AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/account/two-factor", get(mine))
        .route(crate::paths::COMPANY_TWO_FACTOR, get(company))
        .route("/company/two-factor/rules", post(add_rule))
        .route("/account/two-factor/reset/cancel", post(cancel_mine))
        .route("/company/two-factor/wait", post(set_wait))
        .route(
            "/company/two-factor/logins/{id}/reset",
            get(reset_form).post(reset_request),
        )
        .route(
            "/company/two-factor/logins/{id}/reset/withdraw",
            post(reset_withdraw),
        )
        .route("/account/security/request", post(request))
}
