//! `/account/company` (SPEC §6): the company's information, its web
//! account manager and the conversation with them; and the manager's
//! side, `/backoffice/messages`.

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use espace_app::company::{MessageView, display_name};
use serde::Deserialize;
use uuid::Uuid;

use super::forms::{Fields, rejection_fields};
use super::{Chrome, local_datetime, render};
use crate::AppState;
use crate::ctx::Ctx;
use crate::error::app_error;
use crate::extract::Authenticated;
use crate::extract::IdPath;
use crate::form::HtmlForm;
use crate::i18n::Tr;

pub struct MessageRow {
    pub author: String,
    pub from_staff: bool,
    pub when: String,
    pub when_iso: String,
    pub body: String,
}

fn rows(state: &AppState, t: &Tr, messages: &[MessageView]) -> Vec<MessageRow> {
    messages
        .iter()
        .map(|m| MessageRow {
            author: m.author.clone(),
            from_staff: m.record.from_staff,
            when: local_datetime(state, t, m.record.created_at),
            when_iso: m.record.created_at.to_string(),
            body: m.record.body.clone(),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "account/company.html")]
struct CompanyPage {
    c: Chrome,
    notice: Option<String>,
    company: Option<CompanyView>,
    manager: Option<(String, String)>,
    messages: Vec<MessageRow>,
    message_value: String,
    f: Fields,
}

struct CompanyView {
    name: String,
    siren: String,
    vat: String,
    address: String,
}

#[derive(Deserialize, Default)]
pub struct NoticeQuery {
    notice: Option<String>,
}

async fn company_page(
    state: &AppState,
    ctx: &Ctx,
    session: &espace_app::session::CurrentSession,
    f: Fields,
    typed: String,
    notice: Option<String>,
) -> Response {
    let mine = match state.app.my_company(session).await {
        Ok(m) => m,
        Err(e) => return app_error(ctx, &e),
    };
    let t = ctx.tr();
    let not_set = || t.get("account-not-set");
    let page = CompanyPage {
        c: Chrome::new(state, ctx, "company-title", "account"),
        notice,
        company: mine.as_ref().map(|m| CompanyView {
            name: m.company.name.clone(),
            siren: m.company.siren.clone().unwrap_or_else(not_set),
            vat: m.company.vat_number.clone().unwrap_or_else(not_set),
            address: m.company.billing_address.clone(),
        }),
        manager: mine
            .as_ref()
            .and_then(|m| m.manager.as_ref())
            .map(|l| (display_name(l), l.email.clone().unwrap_or_default())),
        messages: mine
            .as_ref()
            .map(|m| rows(state, &t, &m.conversation))
            .unwrap_or_default(),
        message_value: typed,
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
    let notice = (q.notice.as_deref() == Some("sent")).then(|| ctx.tr().get("company-notice-sent"));
    company_page(
        &state,
        &ctx,
        &session,
        Fields::default(),
        String::new(),
        notice,
    )
    .await
}

#[derive(Deserialize)]
pub struct MessageForm {
    #[serde(default)]
    message: String,
}

pub async fn contact(
    State(state): State<AppState>,
    Authenticated(session, ctx): Authenticated,
    HtmlForm(form): HtmlForm<MessageForm>,
) -> Response {
    match state
        .app
        .contact_manager(&session, &form.message, &ctx.client)
        .await
    {
        Ok(()) => Redirect::to("/account/company?notice=sent#conversation").into_response(),
        Err(r) => match rejection_fields(&ctx.tr(), r) {
            Ok(f) => company_page(&state, &ctx, &session, f, form.message, None).await,
            Err(e) => app_error(&ctx, &e),
        },
    }
}

#[derive(Template)]
#[template(path = "backoffice/backoffice_inbox.html")]
struct InboxPage {
    c: Chrome,
    rows: Vec<InboxRow>,
}

struct InboxRow {
    customer_id: Uuid,
    customer: String,
    company: String,
    when: String,
    when_iso: String,
    excerpt: String,
    awaiting: bool,
}

pub async fn inbox(
    State(state): State<AppState>,
    Authenticated(session, ctx): Authenticated,
) -> Response {
    let entries = match state.app.manager_inbox(&session).await {
        Ok(e) => e,
        Err(e) => return app_error(&ctx, &e),
    };
    let t = ctx.tr();
    let rows = entries
        .iter()
        .map(|e| InboxRow {
            customer_id: e.customer.id,
            customer: display_name(&e.customer),
            company: e.company.clone(),
            when: local_datetime(&state, &t, e.last.record.created_at),
            when_iso: e.last.record.created_at.to_string(),
            excerpt: {
                let s: String = e.last.record.body.chars().take(120).collect();
                if e.last.record.body.chars().count() > 120 {
                    format!("{s}…")
                } else {
                    s
                }
            },
            awaiting: !e.last.record.from_staff,
        })
        .collect();
    render(
        &ctx,
        &InboxPage {
            c: Chrome::new(&state, &ctx, "inbox-title", "backoffice"),
            rows,
        },
    )
}

#[derive(Template)]
#[template(path = "backoffice/backoffice_conversation.html")]
struct ConversationPage {
    c: Chrome,
    customer_id: Uuid,
    customer: String,
    company: String,
    notice: Option<String>,
    messages: Vec<MessageRow>,
    message_value: String,
    f: Fields,
}

async fn conversation_page(
    state: &AppState,
    ctx: &Ctx,
    session: &espace_app::session::CurrentSession,
    id: Uuid,
    f: Fields,
    typed: String,
    notice: Option<String>,
) -> Response {
    let conv = match state.app.manager_conversation(session, id).await {
        Ok(c) => c,
        Err(e) => return app_error(ctx, &e),
    };
    let page = ConversationPage {
        c: Chrome::new(state, ctx, "conversation-title", "backoffice")
            .about(&display_name(&conv.customer)),
        customer_id: id,
        customer: display_name(&conv.customer),
        company: conv.company.name.clone(),
        notice,
        messages: rows(state, &ctx.tr(), &conv.messages),
        message_value: typed,
        f,
    };
    render(ctx, &page)
}

pub async fn conversation(
    State(state): State<AppState>,
    Authenticated(session, ctx): Authenticated,
    IdPath(id): IdPath,
    query: Result<Query<NoticeQuery>, QueryRejection>,
) -> Response {
    let q = query.map(|q| q.0).unwrap_or_default();
    let notice =
        (q.notice.as_deref() == Some("sent")).then(|| ctx.tr().get("conversation-notice-sent"));
    conversation_page(
        &state,
        &ctx,
        &session,
        id,
        Fields::default(),
        String::new(),
        notice,
    )
    .await
}

pub async fn reply(
    State(state): State<AppState>,
    Authenticated(session, ctx): Authenticated,
    IdPath(id): IdPath,
    HtmlForm(form): HtmlForm<MessageForm>,
) -> Response {
    match state
        .app
        .manager_reply(&session, id, &form.message, &ctx.client)
        .await
    {
        Ok(()) => Redirect::to(&format!("/backoffice/messages/{id}?notice=sent")).into_response(),
        Err(r) => match rejection_fields(&ctx.tr(), r) {
            Ok(f) => conversation_page(&state, &ctx, &session, id, f, form.message, None).await,
            Err(e) => app_error(&ctx, &e),
        },
    }
}

/// The routes of these pages, merged into the router in `lib.rs`.
pub fn routes() -> axum::Router<crate::AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route(crate::paths::COMPANY_ACCOUNT, get(show))
        .route("/account/company/contact", post(contact))
        .route("/backoffice/messages", get(inbox))
        .route("/backoffice/messages/{id}", get(conversation).post(reply))
}
