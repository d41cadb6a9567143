//! `/account/security` (SPEC §4.4): the two-factor methods of the login,
//! and adding an authenticator app with a QR code or its key as text.

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use espace_app::error::FormRejection;
use espace_app::passkeys::PasskeyName;
use espace_app::security::{MAX_LABEL, MethodChange};
use espace_app::session::CurrentSession;
use espace_domain::mfa::MethodKind;
use qrcode::QrCode;
use qrcode::render::svg;
use serde::Deserialize;
use uuid::Uuid;

use super::forms::{Fields, rejection_fields};
use super::{Chrome, Notice, local_datetime, local_time, render};
use crate::AppState;
use crate::cookies::{SESSION_COOKIE, set_cookie};
use crate::ctx::Ctx;
use crate::error::app_error;
use crate::extract::{Authenticated, Enrolling};
use crate::extract::{IdAnd, IdPath};
use crate::form::HtmlForm;
use crate::i18n::Arg;
use crate::paths::safe_return_to;
use axum::http::{StatusCode, header};
use espace_domain::strong::{Stage, Status};

struct MethodRow {
    id: Uuid,
    kind: String,
    label: String,
    is_default: bool,
    added: String,
    last_used: String,
    /// Where a code method's codes go, masked.
    target: Option<String>,
    /// `label` on the row whose rename was refused (the error summary
    /// links there), else unique per row.
    input_id: String,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "mfa/security.html")]
struct SecurityPage {
    c: Chrome,
    notice: Option<Notice>,
    methods: Vec<MethodRow>,
    totp_available: bool,
    passkeys_available: bool,
    /// FranceConnect+ is configured and not linked yet.
    franceconnect_available: bool,
    max_label: usize,
    /// `enabled`, `pending` or `disabled`.
    status: &'static str,
    /// The status explained (deadline included).
    status_text: String,
    /// The session may go no further than setting up a first method.
    enrolling: bool,
    /// Right after a sign-in that owes a method by a deadline: the
    /// invitation to set one up, and where "later" goes on to.
    later: Option<String>,
    requested: Option<String>,
    /// The login is its company's security manager: it requires two-factor
    /// authentication itself; the link to do so for its own login.
    require_own: Option<String>,
    recovery_text: String,
    /// Where codes by e-mail or SMS would go (masked), when they can be
    /// added.
    add_email: Option<String>,
    add_sms: Option<String>,
    /// Already methods of the login.
    has_email: bool,
    has_sms: bool,
    has_franceconnect: bool,
    /// The only method stays: strong authentication is enforced.
    last_method_kept: bool,
    f: Fields,
}

#[derive(Deserialize, Default)]
pub struct NoticeQuery {
    notice: Option<String>,
    next: Option<String>,
}

async fn security_page(
    state: &AppState,
    ctx: &Ctx,
    session: &CurrentSession,
    notice: Option<&str>,
    refused: Option<Uuid>,
    f: Fields,
) -> Response {
    let overview = match state.app.security_overview(session).await {
        Ok(o) => o,
        Err(e) => return app_error(ctx, &e),
    };
    let staff = match state.app.my_staff_policy(session).await {
        Ok(s) => s,
        Err(e) => return app_error(ctx, &e),
    };
    let require_own = match state.app.manages_own_strong_auth(session).await {
        Ok(true) => Some(format!(
            "/company/two-factor/logins/{}/require",
            session.login.id
        )),
        Ok(false) => None,
        Err(e) => return app_error(ctx, &e),
    };
    // The invitation after a sign-in (`?next=`): a method owed by a
    // deadline still ahead may wait, and "later" goes on where the person
    // was going.
    let later = match overview.status {
        Status::Pending { deadline: Some(d) }
            if session.stage == Stage::Complete && state.app.clock().now() < d =>
        {
            ctx.path
                .split_once('?')
                .and_then(|(_, q)| serde_urlencoded::from_str::<NoticeQuery>(q).ok())
                .and_then(|q| q.next)
                .map(|n| safe_return_to(Some(&n)))
        }
        _ => None,
    };
    let t = ctx.tr();
    let never = t.get("security-never");
    let has = |kind: MethodKind| overview.methods.iter().any(|m| m.kind == kind);
    let (has_email, has_sms, has_franceconnect) = (
        has(MethodKind::Email),
        has(MethodKind::Sms),
        has(MethodKind::FranceConnect),
    );
    let methods = overview
        .methods
        .into_iter()
        .map(|m| MethodRow {
            input_id: if refused == Some(m.id) {
                "label".into()
            } else {
                format!("label-{}", m.id)
            },
            error: f
                .get("label")
                .filter(|_| refused == Some(m.id))
                .map(str::to_owned),
            id: m.id,
            kind: t.get(&format!("security-kind-{}", m.kind)),
            label: m.label,
            target: m.target,
            is_default: m.is_default,
            added: local_datetime(state, &t, m.created_at),
            last_used: m
                .last_used_at
                .map_or_else(|| never.clone(), |at| local_datetime(state, &t, at)),
        })
        .collect();
    let status_text = match overview.status {
        Status::Pending { deadline: Some(d) } if staff.is_some() => t.fmt(
            "security-status-staff-deadline",
            &[("time", Arg::S(&local_datetime(state, &t, d)))],
        ),
        Status::Pending { deadline: None } if staff.is_some() => t.get("security-status-staff-now"),
        Status::Enabled => t.get("security-status-on-text"),
        Status::Pending { deadline: Some(d) } => t.fmt(
            "security-status-pending-deadline",
            &[("time", Arg::S(&local_datetime(state, &t, d)))],
        ),
        Status::Pending { deadline: None } => t.get("security-status-pending-text"),
        Status::Disabled => t.get("security-status-off-text"),
    };
    render(
        ctx,
        &SecurityPage {
            c: Chrome::new(state, ctx, "security-title", "account"),
            notice: notice
                .filter(|n| {
                    matches!(
                        *n,
                        "added" | "removed" | "renamed" | "default" | "requested" | "enrolled"
                    )
                })
                .map(|n| {
                    let text = t.get(&format!("security-notice-{n}"));
                    // A request passed on is information; the rest are done.
                    if n == "requested" {
                        Notice::info(text)
                    } else {
                        Notice::success(text)
                    }
                }),
            methods,
            totp_available: overview.totp_available,
            passkeys_available: overview.passkeys_available,
            franceconnect_available: overview.franceconnect_available,
            max_label: MAX_LABEL,
            status: overview.status.code(),
            status_text,
            enrolling: session.stage == Stage::Enrolment,
            later,
            require_own,
            requested: overview.requested_at.map(|at| {
                t.fmt(
                    "two-factor-requested-on",
                    &[("time", Arg::S(&local_datetime(state, &t, at)))],
                )
            }),
            recovery_text: t.fmt(
                "security-recovery-left",
                &[("count", Arg::N(overview.recovery_codes_left))],
            ),
            add_email: overview.email_target,
            add_sms: overview.sms_target,
            has_email,
            has_sms,
            has_franceconnect,
            last_method_kept: overview.last_method_kept,
            f,
        },
    )
}

pub async fn show(
    State(state): State<AppState>,
    Enrolling(session, ctx): Enrolling,
    q: Result<Query<NoticeQuery>, QueryRejection>,
) -> Response {
    let q = q.map(|q| q.0).unwrap_or_default();
    security_page(
        &state,
        &ctx,
        &session,
        q.notice.as_deref(),
        None,
        Fields::default(),
    )
    .await
}

pub async fn start_totp(
    State(state): State<AppState>,
    Enrolling(session, ctx): Enrolling,
) -> Response {
    match state.app.start_totp(&session).await {
        Ok(id) => Redirect::to(&format!("/account/security/totp/{id}")).into_response(),
        Err(r) => match rejection_fields(&ctx.tr(), r) {
            Ok(f) => security_page(&state, &ctx, &session, None, None, f).await,
            Err(e) => app_error(&ctx, &e),
        },
    }
}

#[derive(Template)]
#[template(path = "mfa/security_totp.html")]
struct TotpPage {
    c: Chrome,
    id: Uuid,
    qr_svg: String,
    secret_text: String,
    until: String,
    label: String,
    max_label: usize,
    f: Fields,
}

/// The QR code as inline SVG, named for assistive technologies by the
/// element `qr-caption`.
pub(crate) fn qr_svg(uri: &str) -> Option<String> {
    let code = QrCode::new(uri.as_bytes()).ok()?;
    let svg = code
        .render::<svg::Color>()
        .min_dimensions(220, 220)
        .quiet_zone(true)
        .build();
    let start = svg.find("<svg")?;
    Some(svg[start..].replacen(
        "<svg ",
        "<svg role=\"img\" aria-labelledby=\"qr-caption\" focusable=\"false\" ",
        1,
    ))
}

async fn totp_page(
    state: &AppState,
    ctx: &Ctx,
    session: &CurrentSession,
    id: Uuid,
    label: String,
    f: Fields,
) -> Response {
    let t = ctx.tr();
    let enrolment = match state.app.totp_enrolment(session, id, &t.get("brand")).await {
        Ok(e) => e,
        Err(e) => return app_error(ctx, &e),
    };
    let Some(qr_svg) = qr_svg(&enrolment.uri) else {
        return app_error(ctx, &espace_app::AppError::Unexpected("QR code".into()));
    };
    render(
        ctx,
        &TotpPage {
            c: Chrome::new(state, ctx, "totp-title", "account"),
            id,
            qr_svg,
            secret_text: enrolment.secret_text,
            until: t.fmt(
                "totp-until",
                &[("time", Arg::S(&local_time(state, enrolment.expires_at)))],
            ),
            label,
            max_label: MAX_LABEL,
            f,
        },
    )
}

pub async fn totp(
    State(state): State<AppState>,
    Enrolling(session, ctx): Enrolling,
    IdPath(id): IdPath,
) -> Response {
    totp_page(&state, &ctx, &session, id, String::new(), Fields::default()).await
}

#[derive(Deserialize)]
pub struct TotpForm {
    #[serde(default)]
    label: String,
    #[serde(default)]
    code: String,
}

pub async fn totp_confirm(
    State(state): State<AppState>,
    Enrolling(session, ctx): Enrolling,
    IdPath(id): IdPath,
    HtmlForm(form): HtmlForm<TotpForm>,
) -> Response {
    match state
        .app
        .confirm_totp(&session, id, &form.label, &form.code, &ctx.client)
        .await
    {
        Ok(token) => added(&session, token),
        Err(r) => match rejection_fields(&ctx.tr(), r) {
            Ok(f) => totp_page(&state, &ctx, &session, id, form.label, f).await,
            Err(e) => app_error(&ctx, &e),
        },
    }
}

/// After a method is added: on to My security; with the new session's
/// cookie when the session rose to level 2.
pub fn added(session: &CurrentSession, token: Option<String>) -> Response {
    let notice = if session.stage == Stage::Enrolment {
        "enrolled"
    } else {
        "added"
    };
    let mut res = Redirect::to(&format!("/account/security?notice={notice}")).into_response();
    if let Some(token) = token {
        res.headers_mut()
            .append(header::SET_COOKIE, set_cookie(SESSION_COOKIE, &token, None));
    }
    res
}

#[derive(Deserialize)]
pub struct MethodForm {
    #[serde(default)]
    label: String,
}

pub async fn change(
    State(state): State<AppState>,
    Authenticated(session, ctx): Authenticated,
    IdAnd(id, action): IdAnd,
    HtmlForm(form): HtmlForm<MethodForm>,
) -> Response {
    let (change, notice) = match action.as_str() {
        "rename" => (MethodChange::Rename(&form.label), "renamed"),
        "default" => (MethodChange::MakeDefault, "default"),
        "remove" => (MethodChange::Remove, "removed"),
        _ => return app_error(&ctx, &espace_app::AppError::NotFound),
    };
    match state
        .app
        .change_method(&session, id, change, &ctx.client)
        .await
    {
        Ok(()) => Redirect::to(&format!("/account/security?notice={notice}")).into_response(),
        Err(FormRejection::Invalid(p)) if p.iter().all(|p| p.field == "label") => {
            let f = Fields::from_problems(&ctx.tr(), &p);
            security_page(&state, &ctx, &session, None, Some(id), f).await
        }
        Err(FormRejection::Invalid(p)) => {
            // A rule refused it (the last method while strong
            // authentication is enforced): 409, with its stable code.
            let t = ctx.tr();
            let mut f = Fields::from_problems(&t, &p);
            let codes: Vec<&str> = p.iter().filter_map(|p| p.problem.code()).collect();
            for code in &codes {
                f.help
                    .push(t.fmt("error-operation-id", &[("id", Arg::S(code))]));
            }
            let mut res = security_page(&state, &ctx, &session, None, None, f).await;
            if !codes.is_empty() && res.status() == StatusCode::OK {
                *res.status_mut() = StatusCode::CONFLICT;
            }
            res
        }
        Err(FormRejection::App(e)) => app_error(&ctx, &e),
    }
}

#[derive(Template)]
#[template(path = "mfa/security_remove.html")]
struct RemovePage {
    c: Chrome,
    method: MethodRow,
    title: String,
    /// The last method while two-factor authentication is required: it
    /// stays (SPEC §4.1), the page says why instead of offering removal.
    kept: bool,
    /// The last method: signing in asks for the password only after.
    last: bool,
    /// Another method becomes the default (the sentence that says so).
    next_default: Option<String>,
}

/// The confirmation step of removing a method (issue 16 item 12): which
/// method, and what its removal changes. Only the person's own verified
/// methods are found.
pub async fn confirm_change(
    State(state): State<AppState>,
    Authenticated(session, ctx): Authenticated,
    IdAnd(id, action): IdAnd,
) -> Response {
    if action != "remove" {
        return app_error(&ctx, &espace_app::AppError::NotFound);
    }
    let overview = match state.app.security_overview(&session).await {
        Ok(o) => o,
        Err(e) => return app_error(&ctx, &e),
    };
    let count = overview.methods.len();
    let Some(m) = overview.methods.iter().find(|m| m.id == id).cloned() else {
        return app_error(&ctx, &espace_app::AppError::NotFound);
    };
    let next_default = overview
        .methods
        .iter()
        .find(|o| m.is_default && o.id != m.id)
        .map(|o| o.label.clone());
    let t = ctx.tr();
    let next_default = next_default
        .map(|label| t.fmt("security-remove-next-default", &[("label", Arg::S(&label))]));
    let title = t.fmt("security-remove-title", &[("label", Arg::S(&m.label))]);
    let never = t.get("security-never");
    let page = RemovePage {
        c: Chrome::new(&state, &ctx, "security-remove-page", "account").about(&m.label),
        method: MethodRow {
            id: m.id,
            kind: t.get(&format!("security-kind-{}", m.kind)),
            label: m.label,
            target: m.target,
            is_default: m.is_default,
            added: local_datetime(&state, &t, m.created_at),
            last_used: m
                .last_used_at
                .map_or(never, |at| local_datetime(&state, &t, at)),
            input_id: String::new(),
            error: None,
        },
        title,
        kept: count == 1 && overview.status == Status::Enabled,
        last: count == 1,
        next_default,
    };
    render(&ctx, &page)
}

/// Adding a code by e-mail or SMS: a code goes to the verified address
/// or mobile at once.
pub async fn start_code(
    State(state): State<AppState>,
    Enrolling(session, ctx): Enrolling,
    Path(kind): Path<String>,
) -> Response {
    // Not a kind at all: not found (the use case refuses the other kinds).
    let Some(kind) = MethodKind::parse(&kind) else {
        return app_error(&ctx, &espace_app::AppError::NotFound);
    };
    match state
        .app
        .start_code_method(&session, kind, &ctx.client)
        .await
    {
        Ok(id) => Redirect::to(&format!("/account/security/code/{id}")).into_response(),
        Err(r) => match rejection_fields(&ctx.tr(), r) {
            Ok(f) => security_page(&state, &ctx, &session, None, None, f).await,
            Err(e) => app_error(&ctx, &e),
        },
    }
}

#[derive(Template)]
#[template(path = "mfa/security_code.html")]
struct CodePage {
    c: Chrome,
    id: Uuid,
    intro: String,
    until: String,
    label: String,
    max_label: usize,
    /// The button: what is added (not "this app").
    submit: String,
    f: Fields,
}

async fn code_page(
    state: &AppState,
    ctx: &Ctx,
    session: &CurrentSession,
    id: Uuid,
    label: String,
    f: Fields,
) -> Response {
    let t = ctx.tr();
    let e = match state.app.code_enrolment(session, id).await {
        Ok(e) => e,
        Err(e) => return app_error(ctx, &e),
    };
    let label = if label.is_empty() && f.errors.is_empty() {
        t.get(&format!("security-kind-{}", e.kind))
    } else {
        label
    };
    let submit = t.get(&format!("code-method-submit-{}", e.kind));
    render(
        ctx,
        &CodePage {
            c: Chrome::new(state, ctx, "code-method-title", "account"),
            id,
            intro: t.fmt(
                &format!("code-method-intro-{}", e.kind),
                &[("target", Arg::S(&e.target))],
            ),
            until: t.fmt(
                "totp-until",
                &[("time", Arg::S(&local_time(state, e.expires_at)))],
            ),
            label,
            max_label: MAX_LABEL,
            submit,
            f,
        },
    )
}

pub async fn code(
    State(state): State<AppState>,
    Enrolling(session, ctx): Enrolling,
    IdPath(id): IdPath,
) -> Response {
    code_page(&state, &ctx, &session, id, String::new(), Fields::default()).await
}

pub async fn code_confirm(
    State(state): State<AppState>,
    Enrolling(session, ctx): Enrolling,
    IdPath(id): IdPath,
    HtmlForm(form): HtmlForm<TotpForm>,
) -> Response {
    match state
        .app
        .confirm_code_method(&session, id, &form.label, &form.code, &ctx.client)
        .await
    {
        Ok(token) => added(&session, token),
        Err(r) => match rejection_fields(&ctx.tr(), r) {
            Ok(f) => code_page(&state, &ctx, &session, id, form.label, f).await,
            Err(e) => app_error(&ctx, &e),
        },
    }
}

/// Adding a passkey, first half: the options for the browser (JSON).
pub async fn passkey_options(
    State(state): State<AppState>,
    Enrolling(session, ctx): Enrolling,
) -> Response {
    let c = state
        .app
        .start_passkey_registration(&session, &ctx.csrf_basis)
        .await
        .map_err(|r| match r {
            FormRejection::App(e) => e,
            // Too many methods: the page's own form says so on submit.
            FormRejection::Invalid(_) => espace_app::AppError::NotFound,
        });
    super::second_factor::ceremony_json(&ctx, c)
}

#[derive(Deserialize)]
pub struct PasskeyForm {
    #[serde(default)]
    label: String,
    #[serde(default)]
    ceremony: String,
    #[serde(default)]
    response: String,
}

/// Adding a passkey, second half: the browser's answer and its name.
pub async fn passkey_add(
    State(state): State<AppState>,
    Enrolling(session, ctx): Enrolling,
    HtmlForm(form): HtmlForm<PasskeyForm>,
) -> Response {
    let Ok(ceremony) = Uuid::parse_str(&form.ceremony) else {
        let mut f = Fields::default();
        f.push("passkey", ctx.tr().get("problem-passkey-refused"));
        return security_page(&state, &ctx, &session, None, None, f).await;
    };
    match state
        .app
        .finish_passkey_registration(
            &session,
            &ctx.csrf_basis,
            ceremony,
            PasskeyName {
                typed: &form.label,
                fallback: &ctx.tr().get("security-kind-passkey"),
            },
            &form.response,
            &ctx.client,
        )
        .await
    {
        Ok(token) => added(&session, token),
        Err(r) => match rejection_fields(&ctx.tr(), r) {
            Ok(f) => security_page(&state, &ctx, &session, None, None, f).await,
            Err(e) => app_error(&ctx, &e),
        },
    }
}

#[derive(Template)]
#[template(path = "mfa/security_recovery_codes.html")]
struct RecoveryCodesPage {
    c: Chrome,
    codes: Vec<String>,
}

/// New recovery codes, shown once (after the step-up).
pub async fn recovery_codes(
    State(state): State<AppState>,
    Authenticated(session, ctx): Authenticated,
) -> Response {
    match state
        .app
        .generate_recovery_codes(&session, &ctx.client)
        .await
    {
        Ok(codes) => {
            let mut res = render(
                &ctx,
                &RecoveryCodesPage {
                    c: Chrome::new(&state, &ctx, "recovery-codes-title", "account"),
                    codes,
                },
            );
            res.headers_mut().insert(
                header::CACHE_CONTROL,
                axum::http::HeaderValue::from_static("no-store"),
            );
            res
        }
        Err(e) => app_error(&ctx, &e),
    }
}

/// The routes of these pages, merged into the router in `lib.rs`.
pub fn routes() -> axum::Router<crate::AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/account/security", get(show))
        .route("/account/security/totp", post(start_totp))
        .route("/account/security/totp/{id}", get(totp).post(totp_confirm))
        .route(
            "/account/security/methods/{id}/{action}",
            get(confirm_change).post(change),
        )
        .route("/account/security/code-method/{kind}", post(start_code))
        .route("/account/security/code/{id}", get(code).post(code_confirm))
        .route("/account/security/passkeys/options", post(passkey_options))
        .route("/account/security/passkeys", post(passkey_add))
        .route("/account/security/recovery-codes", post(recovery_codes))
}
