//! Assisted recovery (SPEC §5): the public request form and the page the
//! requester follows their case on (`/recover-account`), and the support
//! agent's cases (`/backoffice/recovery`).

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use espace_app::AppError;
use espace_app::assisted::{AssistedRequest, CaseStatus, IdentityCheck, VERIFICATION_METHODS};
use espace_app::company::display_name;
use espace_app::error::{FormRejection, Problem};
use serde::Deserialize;
use uuid::Uuid;

use super::forms::{Fields, Input, rejection_fields};
use super::recovery::PublicForm;
use super::{Chrome, local_datetime, render};
use crate::AppState;
use crate::ctx::Ctx;
use crate::error::app_error;
use crate::extract::Authenticated;
use crate::extract::{IdAnd, IdPath};
use crate::form::HtmlForm;
use crate::i18n::Arg;

#[derive(Deserialize, Default)]
pub struct RequestForm {
    #[serde(default)]
    who: String,
    #[serde(default)]
    company: String,
    #[serde(default)]
    new_email: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    message: String,
}

fn request_page(state: &AppState, ctx: &Ctx, form: &RequestForm, f: Fields) -> Response {
    let t = ctx.tr();
    let k = "recover";
    let inputs = vec![
        Input::new(&t, &f, k, "who", "text", 200, &form.who).hinted(&t),
        Input::new(&t, &f, k, "company", "text", 200, &form.company).autocomplete("organization"),
        Input::new(&t, &f, k, "new_email", "email", 254, &form.new_email)
            .hinted(&t)
            .autocomplete("email"),
        Input::new(&t, &f, k, "phone", "tel", 30, &form.phone)
            .hinted(&t)
            .autocomplete("tel")
            .optional(),
        Input::new(&t, &f, k, "message", "textarea", 2000, &form.message)
            .hinted(&t)
            .optional(),
    ];
    render(
        ctx,
        &PublicForm {
            c: Chrome::new(state, ctx, "recover-title", "login"),
            heading: t.get("recover-title"),
            notice: None,
            intro: vec![t.get("recover-intro"), t.get("recover-next")],
            facts: Vec::new(),
            action: "/recover-account".into(),
            inputs,
            submit: t.get("recover-submit"),
            links: vec![
                ("/recover-account/follow", t.get("recover-follow-link")),
                ("/forgot-password", t.get("forgot-password-link")),
                ("/login", t.get("link-to-login")),
            ],
            franceconnect: None,
            f,
        },
    )
}

pub async fn request(State(state): State<AppState>, ctx: Ctx) -> Response {
    request_page(&state, &ctx, &RequestForm::default(), Fields::default())
}

pub async fn request_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    HtmlForm(form): HtmlForm<RequestForm>,
) -> Response {
    let req = AssistedRequest {
        who: form.who.clone(),
        company: form.company.clone(),
        new_email: form.new_email.clone(),
        phone: form.phone.clone(),
        message: form.message.clone(),
    };
    match state
        .app
        .open_recovery_case(&req, ctx.locale, &ctx.csrf_basis, &ctx.client)
        .await
    {
        Ok(reference) => Redirect::to(&format!("/recover-account/case/{reference}?notice=opened"))
            .into_response(),
        Err(r) => match rejection_fields(&ctx.tr(), r) {
            Ok(f) => request_page(&state, &ctx, &form, f),
            Err(e) => app_error(&ctx, &e),
        },
    }
}

fn follow_page(state: &AppState, ctx: &Ctx, typed: &str, f: Fields) -> Response {
    let t = ctx.tr();
    render(
        ctx,
        &PublicForm {
            c: Chrome::new(state, ctx, "recover-follow-title", "login"),
            heading: t.get("recover-follow-title"),
            notice: None,
            intro: vec![t.get("recover-follow-intro")],
            facts: Vec::new(),
            action: "/recover-account/follow".into(),
            inputs: vec![Input::new(&t, &f, "recover", "reference", "text", 20, typed).hinted(&t)],
            submit: t.get("recover-follow-submit"),
            links: vec![
                ("/recover-account", t.get("recover-link")),
                ("/login", t.get("link-to-login")),
            ],
            franceconnect: None,
            f,
        },
    )
}

pub async fn follow(State(state): State<AppState>, ctx: Ctx) -> Response {
    follow_page(&state, &ctx, "", Fields::default())
}

#[derive(Deserialize)]
pub struct FollowForm {
    #[serde(default)]
    reference: String,
}

pub async fn follow_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    HtmlForm(form): HtmlForm<FollowForm>,
) -> Response {
    let t = ctx.tr();
    let mut f = Fields::default();
    if form.reference.trim().is_empty() {
        f.push("reference", t.get("problem-required-reference"));
        return follow_page(&state, &ctx, &form.reference, f);
    }
    match state.app.follow_case(&form.reference).await {
        Ok(case) => {
            Redirect::to(&format!("/recover-account/case/{}", case.reference)).into_response()
        }
        Err(AppError::NotFound) => {
            f.push("reference", t.get("recover-follow-unknown"));
            follow_page(&state, &ctx, &form.reference, f)
        }
        Err(e) => app_error(&ctx, &e),
    }
}

#[derive(Deserialize, Default)]
pub struct NoticeQuery {
    notice: Option<String>,
}

async fn case_page(
    state: &AppState,
    ctx: &Ctx,
    reference: &str,
    f: Fields,
    notice: Option<&str>,
) -> Response {
    let case = match state.app.follow_case(reference).await {
        Ok(c) => c,
        Err(e) => return app_error(ctx, &e),
    };
    let t = ctx.tr();
    let status = case.status.as_str();
    let email = Arg::S(&case.new_email_masked);
    let inputs = if case.status == CaseStatus::CodeSent {
        vec![
            Input::new(&t, &f, "recover", "code", "text", 12, "")
                .hinted(&t)
                .autocomplete("one-time-code"),
        ]
    } else {
        Vec::new()
    };
    let mut links = vec![("/login", t.get("link-to-login"))];
    if case.status == CaseStatus::Completed {
        links.insert(0, ("/forgot-password", t.get("forgot-password-link")));
    }
    if case.status == CaseStatus::Rejected {
        links.insert(0, ("/recover-account", t.get("recover-again")));
    }
    render(
        ctx,
        &PublicForm {
            c: Chrome::new(state, ctx, "recover-case-title", "login"),
            heading: t.get("recover-case-title"),
            notice: notice
                .filter(|n| matches!(*n, "opened" | "linked" | "franceconnect"))
                .map(|n| t.fmt(&format!("recover-notice-{n}"), &[("email", email)])),
            intro: vec![t.fmt(
                &format!("recover-status-{status}-explain"),
                &[("email", Arg::S(&case.new_email_masked))],
            )],
            facts: vec![
                (t.get("recover-case-reference"), case.reference.clone()),
                (
                    t.get("recover-case-status"),
                    t.get(&format!("recover-status-{status}")),
                ),
                (
                    t.get("recover-case-received"),
                    local_datetime(state, &t, case.created_at),
                ),
                (
                    t.get("recover-case-updated"),
                    local_datetime(state, &t, case.updated_at),
                ),
            ],
            action: format!("/recover-account/case/{}/code", case.reference),
            inputs,
            submit: t.get("recover-code-submit"),
            links,
            franceconnect: (state.app.franceconnect_available() && case.status.accepts_identity())
                .then(|| format!("/recover-account/case/{}/franceconnect", case.reference)),
            f,
        },
    )
}

pub async fn case(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(reference): Path<String>,
    q: Result<Query<NoticeQuery>, QueryRejection>,
) -> Response {
    let q = q.map(|q| q.0).unwrap_or_default();
    case_page(
        &state,
        &ctx,
        &reference,
        Fields::default(),
        q.notice.as_deref(),
    )
    .await
}

#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
}

pub async fn case_code(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(reference): Path<String>,
    HtmlForm(form): HtmlForm<CodeForm>,
) -> Response {
    match state
        .app
        .confirm_case_code(&reference, &form.code, &ctx.client)
        .await
    {
        Ok(()) => Redirect::to(&format!(
            "/recover-account/case/{}?notice=linked",
            reference.trim()
        ))
        .into_response(),
        Err(r) => {
            // No form here asks for a new code: the agent sends it.
            let void = matches!(&r, FormRejection::Invalid(p) if p.iter().any(|p| p.problem == Problem::CodeVoid));
            match rejection_fields(&ctx.tr(), r) {
                Ok(mut f) => {
                    if void {
                        f = Fields::default();
                        f.push("code", ctx.tr().get("recover-code-void"));
                    }
                    case_page(&state, &ctx, &reference, f, None).await
                }
                Err(e) => app_error(&ctx, &e),
            }
        }
    }
}

// The back office.

#[derive(Template)]
#[template(path = "backoffice/backoffice_recovery.html")]
struct CasesPage {
    c: Chrome,
    all: bool,
    rows: Vec<CaseRow>,
}

struct CaseRow {
    id: Uuid,
    reference: String,
    received: String,
    received_iso: String,
    who: String,
    company: String,
    email: String,
    status: String,
    open: bool,
}

#[derive(Deserialize, Default)]
pub struct CasesQuery {
    all: Option<String>,
    q: Option<String>,
    notice: Option<String>,
}

pub async fn cases(
    State(state): State<AppState>,
    Authenticated(session, ctx): Authenticated,
    query: Result<Query<CasesQuery>, QueryRejection>,
) -> Response {
    let all = query.map(|q| q.0).unwrap_or_default().all.is_some();
    let list = match state.app.recovery_cases(&session, !all).await {
        Ok(l) => l,
        Err(e) => return app_error(&ctx, &e),
    };
    let t = ctx.tr();
    let rows = list
        .into_iter()
        .map(|c| {
            let status = CaseStatus::parse(&c.status);
            CaseRow {
                id: c.id,
                received: local_datetime(&state, &t, c.created_at),
                received_iso: c.created_at.to_string(),
                who: c.typed_who,
                company: c.company_name,
                email: c.new_email,
                status: t.get(&format!("recover-status-{}", c.status)),
                open: status.is_some_and(CaseStatus::is_open),
                reference: c.reference,
            }
        })
        .collect();
    render(
        &ctx,
        &CasesPage {
            c: Chrome::new(&state, &ctx, "cases-title", "backoffice"),
            all,
            rows,
        },
    )
}

#[derive(Template)]
#[template(path = "backoffice/backoffice_case.html")]
struct CasePage {
    c: Chrome,
    id: Uuid,
    notice: Option<String>,
    reference: String,
    status: String,
    facts: Vec<(String, String)>,
    message: String,
    /// Which steps the page offers.
    can_verify: bool,
    can_send: bool,
    code_sent: bool,
    open: bool,
    q: String,
    candidates: Vec<(Uuid, String, String)>,
    chosen: String,
    methods: Vec<(&'static str, String)>,
    method: String,
    note: String,
    closing_note: String,
    f: Fields,
}

/// What was typed in a refused form, to show again.
#[derive(Default)]
struct Typed {
    login_id: String,
    method: String,
    note: String,
    closing_note: String,
}

async fn case_detail(
    state: &AppState,
    ctx: &Ctx,
    session: &espace_app::session::CurrentSession,
    id: Uuid,
    query: CasesQuery,
    typed: Typed,
    f: Fields,
) -> Response {
    let q = query.q.as_deref();
    let notice = query.notice.as_deref();
    let view = match state.app.recovery_case_view(session, id, q).await {
        Ok(v) => v,
        Err(e) => return app_error(ctx, &e),
    };
    let t = ctx.tr();
    let c = &view.case;
    let none = || t.get("cases-none-yet");
    let mut facts = vec![
        (
            t.get("recover-case-received"),
            local_datetime(state, &t, c.created_at),
        ),
        (t.get("cases-who"), c.typed_who.clone()),
        (t.get("cases-company"), c.company_name.clone()),
        (t.get("cases-new-email"), c.new_email.clone()),
        (
            t.get("cases-phone"),
            c.phone
                .as_deref()
                .map_or_else(none, espace_domain::phone::for_people),
        ),
        (
            t.get("cases-login"),
            view.login
                .as_ref()
                .map_or_else(none, |l| format!("{} — {}", l.identifier, display_name(l))),
        ),
        (
            t.get("cases-agent"),
            view.agent.clone().unwrap_or_else(none),
        ),
        (
            t.get("cases-method"),
            c.verification_method
                .as_deref()
                .map_or_else(none, |m| t.get(&format!("cases-method-{m}"))),
        ),
        (
            t.get("cases-note"),
            c.verification_note.clone().unwrap_or_else(none),
        ),
    ];
    if let Some(n) = &c.closing_note {
        facts.push((t.get("cases-closing-note"), n.clone()));
    }
    let status = view.status;
    let page = CasePage {
        c: Chrome::new(state, ctx, "case-title", "backoffice").about(&c.reference),
        id,
        notice: notice
            .filter(|n| matches!(*n, "verified" | "code-sent" | "rejected"))
            .map(|n| t.get(&format!("cases-notice-{n}"))),
        reference: c.reference.clone(),
        status: t.get(&format!("recover-status-{}", status.as_str())),
        facts,
        message: c.message.clone(),
        can_verify: status.accepts_identity(),
        can_send: status.accepts_code(),
        code_sent: status == CaseStatus::CodeSent,
        open: status.is_open(),
        q: q.unwrap_or(&c.typed_who).chars().take(100).collect(),
        candidates: view
            .candidates
            .iter()
            .map(|l| {
                let email = l.email.clone().unwrap_or_default();
                (
                    l.id,
                    l.identifier.clone(),
                    format!("{} — {email}", display_name(l)),
                )
            })
            .collect(),
        chosen: if typed.login_id.is_empty() {
            c.login_id.map(|l| l.to_string()).unwrap_or_default()
        } else {
            typed.login_id
        },
        methods: VERIFICATION_METHODS
            .iter()
            .map(|m| (*m, t.get(&format!("cases-method-{m}"))))
            .collect(),
        method: typed.method,
        note: typed.note,
        closing_note: typed.closing_note,
        f,
    };
    render(ctx, &page)
}

pub async fn case_show(
    State(state): State<AppState>,
    Authenticated(session, ctx): Authenticated,
    IdPath(id): IdPath,
    query: Result<Query<CasesQuery>, QueryRejection>,
) -> Response {
    let q = query.map(|q| q.0).unwrap_or_default();
    case_detail(
        &state,
        &ctx,
        &session,
        id,
        q,
        Typed::default(),
        Fields::default(),
    )
    .await
}

#[derive(Deserialize, Default)]
pub struct CaseActionForm {
    #[serde(default)]
    login_id: String,
    #[serde(default)]
    method: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    closing_note: String,
}

pub async fn case_action(
    State(state): State<AppState>,
    Authenticated(session, ctx): Authenticated,
    IdAnd(id, action): IdAnd,
    HtmlForm(form): HtmlForm<CaseActionForm>,
) -> Response {
    let (outcome, done): (Result<(), FormRejection>, &str) = match action.as_str() {
        "verify" => (
            state
                .app
                .verify_case_identity(
                    &session,
                    id,
                    &IdentityCheck {
                        login_id: form.login_id.clone(),
                        method: form.method.clone(),
                        note: form.note.clone(),
                    },
                    &ctx.client,
                )
                .await,
            "verified",
        ),
        "code" => (
            state.app.send_case_code(&session, id, &ctx.client).await,
            "code-sent",
        ),
        "reject" => (
            state
                .app
                .reject_case(&session, id, &form.closing_note, &ctx.client)
                .await,
            "rejected",
        ),
        _ => return app_error(&ctx, &AppError::NotFound),
    };
    match outcome {
        Ok(()) => Redirect::to(&format!("/backoffice/recovery/{id}?notice={done}")).into_response(),
        Err(r) => match rejection_fields(&ctx.tr(), r) {
            Ok(f) => {
                let typed = Typed {
                    login_id: form.login_id,
                    method: form.method,
                    note: form.note,
                    closing_note: form.closing_note,
                };
                case_detail(&state, &ctx, &session, id, CasesQuery::default(), typed, f).await
            }
            Err(e) => app_error(&ctx, &e),
        },
    }
}

/// The routes of these pages, merged into the router in `lib.rs`.
pub fn routes() -> axum::Router<crate::AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/recover-account", get(request).post(request_submit))
        .route("/recover-account/follow", get(follow).post(follow_submit))
        .route(crate::paths::RECOVERY_CASE, get(case))
        .route("/recover-account/case/{reference}/code", post(case_code))
        .route("/backoffice/recovery", get(cases))
        .route("/backoffice/recovery/{id}", get(case_show))
        .route("/backoffice/recovery/{id}/{action}", post(case_action))
}
