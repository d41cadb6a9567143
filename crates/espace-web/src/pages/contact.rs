//! `/account/contact` (SPEC §6): title, e-mail, phone. A new e-mail or
//! mobile takes effect once the code sent to it is typed here; the page
//! shows what is waiting for its code.

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use espace_app::account::{ContactOutcome, PURPOSE_EMAIL, PURPOSE_PHONE};
use espace_app::error::FormRejection;
use serde::Deserialize;

use super::forms::{Fields, rejection_fields};
use super::{Chrome, Notice, local_datetime, render};
use crate::AppState;
use crate::ctx::Ctx;
use crate::error::app_error;
use crate::extract::Authenticated;
use crate::form::HtmlForm;

#[derive(Template)]
#[template(path = "account/contact.html")]
struct ContactPage {
    c: Chrome,
    notice: Option<Notice>,
    title: String,
    email: String,
    email_verified: bool,
    phone: String,
    phone_verified: bool,
    /// The address or number waiting for its code, and until when.
    pending_email: Option<(String, String)>,
    pending_phone: Option<(String, String)>,
    /// Values typed, given back when refused.
    email_value: String,
    phone_value: String,
    f: Fields,
}

#[derive(Deserialize, Default)]
pub struct NoticeQuery {
    notice: Option<String>,
}

async fn page(
    state: &AppState,
    ctx: &Ctx,
    session: &espace_app::session::CurrentSession,
    form: &'static str,
    f: Fields,
    notice: Option<Notice>,
    typed: Option<String>,
) -> Response {
    let l = &session.login;
    let t = ctx.tr();
    let pending = |p| state.app.pending_change(session, p);
    let (pe, pp) = match (pending(PURPOSE_EMAIL).await, pending(PURPOSE_PHONE).await) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(e), _) | (_, Err(e)) => return app_error(ctx, &e),
    };
    let shown_phone = espace_domain::phone::for_people;
    let phone = l.phone.as_deref().map(shown_phone).unwrap_or_default();
    let page = ContactPage {
        c: Chrome::new(state, ctx, "contact-title", "account"),
        notice,
        title: l.title.clone(),
        email: l.email.clone().unwrap_or_default(),
        email_verified: l.email_verified,
        phone_verified: l.phone_verified,
        pending_email: pe.map(|p| (p.target, local_datetime(state, &t, p.expires_at))),
        pending_phone: pp.map(|p| {
            (
                shown_phone(&p.target),
                local_datetime(state, &t, p.expires_at),
            )
        }),
        email_value: if form == "email" {
            typed.clone().unwrap_or_default()
        } else {
            String::new()
        },
        phone_value: if form == "phone" {
            typed.unwrap_or_default()
        } else {
            phone.clone()
        },
        phone,
        f,
    };
    render(ctx, &page)
}

pub async fn show(
    State(state): State<AppState>,
    Authenticated(session, ctx): Authenticated,
    query: Result<Query<NoticeQuery>, QueryRejection>,
) -> Response {
    let q = query.map(|q| q.0).unwrap_or_default();
    // Confirm who you are before typing anything (SPEC §4.5).
    if q.notice.is_none()
        && let Err(e) = state.app.require_recent_auth(&session).await
    {
        return app_error(&ctx, &e);
    }
    let t = ctx.tr();
    let notice = match q.notice.as_deref() {
        // A code on its way, or nothing to change: information.
        Some(n @ ("email-code-sent" | "phone-code-sent" | "unchanged")) => {
            Some(Notice::info(t.get(&format!("contact-notice-{n}"))))
        }
        Some(n @ ("title-saved" | "email-changed" | "phone-changed" | "phone-removed")) => {
            Some(Notice::success(t.get(&format!("contact-notice-{n}"))))
        }
        _ => None,
    };
    page(&state, &ctx, &session, "", Fields::default(), notice, None).await
}

#[derive(Deserialize)]
pub struct ValueForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    code: String,
}

async fn refused(
    state: &AppState,
    ctx: &Ctx,
    session: &espace_app::session::CurrentSession,
    form: &'static str,
    typed: Option<String>,
    r: FormRejection,
) -> Response {
    match rejection_fields(&ctx.tr(), r) {
        Ok(mut f) => {
            if form == "phone-code" {
                // The SMS code field has its own id on this page.
                for e in &mut f.errors {
                    if e.field == Some("code") {
                        e.field = Some("phone-code");
                    }
                }
            }
            page(state, ctx, session, form, f, None, typed).await
        }
        Err(e) => app_error(ctx, &e),
    }
}

pub async fn title(
    State(state): State<AppState>,
    Authenticated(session, ctx): Authenticated,
    HtmlForm(form): HtmlForm<ValueForm>,
) -> Response {
    match state
        .app
        .set_title(&session, &form.title, &ctx.client)
        .await
    {
        Ok(_) => Redirect::to("/account/contact?notice=title-saved").into_response(),
        Err(r) => refused(&state, &ctx, &session, "title", None, r).await,
    }
}

/// `/account/contact/{what}`: starts an e-mail or phone change.
pub async fn change(
    State(state): State<AppState>,
    Authenticated(session, ctx): Authenticated,
    Path(what): Path<String>,
    HtmlForm(form): HtmlForm<ValueForm>,
) -> Response {
    let (outcome, form_name, typed) = match what.as_str() {
        "email" => (
            state
                .app
                .request_email_change(&session, &form.email, &ctx.client)
                .await,
            "email",
            form.email,
        ),
        "phone" => (
            state
                .app
                .request_phone_change(&session, &form.phone, &ctx.client)
                .await,
            "phone",
            form.phone,
        ),
        _ => return app_error(&ctx, &espace_app::AppError::NotFound),
    };
    let notice = match (&outcome, form_name) {
        (Ok(ContactOutcome::CodeSent { .. }), "email") => "email-code-sent",
        (Ok(ContactOutcome::CodeSent { .. }), _) => "phone-code-sent",
        (Ok(ContactOutcome::Changed), _) if typed.trim().is_empty() => "phone-removed",
        (Ok(ContactOutcome::Changed), _) => "phone-changed",
        (Ok(ContactOutcome::Unchanged), _) => "unchanged",
        (Err(_), _) => "",
    };
    match outcome {
        // No fragment: the page opens on its notice (focused), which the
        // code field follows; jumping to the section scrolled past it.
        Ok(_) => Redirect::to(&format!("/account/contact?notice={notice}")).into_response(),
        Err(r) => refused(&state, &ctx, &session, form_name, Some(typed), r).await,
    }
}

/// `/account/contact/{what}/confirm`: the code typed back.
pub async fn confirm(
    State(state): State<AppState>,
    Authenticated(session, ctx): Authenticated,
    Path(what): Path<String>,
    HtmlForm(form): HtmlForm<ValueForm>,
) -> Response {
    let (purpose, form_name, done) = match what.as_str() {
        "email" => (PURPOSE_EMAIL, "email-code", "email-changed"),
        "phone" => (PURPOSE_PHONE, "phone-code", "phone-changed"),
        _ => return app_error(&ctx, &espace_app::AppError::NotFound),
    };
    match state
        .app
        .confirm_contact_change(&session, purpose, &form.code, &ctx.client)
        .await
    {
        Ok(()) => Redirect::to(&format!("/account/contact?notice={done}")).into_response(),
        Err(r) => refused(&state, &ctx, &session, form_name, None, r).await,
    }
}

/// The routes of these pages, merged into the router in `lib.rs`.
pub fn routes() -> axum::Router<crate::AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/account/contact", get(show))
        .route("/account/contact/title", post(title))
        .route("/account/contact/{what}", post(change))
        .route("/account/contact/{what}/confirm", post(confirm))
}
