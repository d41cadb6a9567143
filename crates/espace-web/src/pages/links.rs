//! Pages reached from a link in an e-mail, without being signed in: undo a
//! contact change (72 h), "this was not me" (new device), and choosing the
//! first password of an invitation. A GET only shows what the link does;
//! the change needs the button (link scanners in mail systems follow GETs).

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use espace_app::AppError;
use secrecy::SecretString;
use serde::Deserialize;

use super::forms::{Fields, password_rules, rejection_fields};
use super::{Chrome, render};
use crate::AppState;
use crate::ctx::Ctx;
use crate::error::app_error;
use crate::form::HtmlForm;
use crate::i18n::Arg;

#[derive(Template)]
#[template(path = "common/link.html")]
struct LinkPage {
    c: Chrome,
    heading: String,
    lines: Vec<String>,
    /// The button, when there is something to confirm.
    action: Option<(String, String)>,
    next: Option<(String, String)>,
}

fn link_page(
    state: &AppState,
    ctx: &Ctx,
    title: &str,
    lines: Vec<String>,
    action: Option<(String, String)>,
    next: Option<(String, String)>,
) -> Response {
    let t = ctx.tr();
    render(
        ctx,
        &LinkPage {
            c: Chrome::new(state, ctx, title, "link"),
            heading: t.get(title),
            lines,
            action,
            next,
        },
    )
}

/// A dead link: used, expired or never issued — one answer for all.
pub fn dead(state: &AppState, ctx: &Ctx) -> Response {
    let t = ctx.tr();
    let mut res = link_page(
        state,
        ctx,
        "link-dead-title",
        vec![t.get("link-dead-text")],
        None,
        Some(("/login".into(), t.get("link-to-login"))),
    );
    *res.status_mut() = axum::http::StatusCode::NOT_FOUND;
    res
}

pub async fn undo_show(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
) -> Response {
    let t = ctx.tr();
    match state.app.undo_offer(&token).await {
        Ok(offer) => {
            let what = t.get(&format!("undo-field-{}", offer.field));
            let restore = offer
                .restore
                .clone()
                .unwrap_or_else(|| t.get("undo-nothing"));
            link_page(
                &state,
                &ctx,
                "undo-title",
                vec![
                    t.fmt(
                        "undo-text",
                        &[
                            ("identifier", Arg::S(&offer.identifier)),
                            ("what", Arg::S(&what)),
                            ("value", Arg::S(&restore)),
                        ],
                    ),
                    t.get("undo-consequence"),
                ],
                Some((format!("/account/undo/{token}"), t.get("undo-button"))),
                None,
            )
        }
        Err(AppError::NotFound) => dead(&state, &ctx),
        Err(e) => app_error(&ctx, &e),
    }
}

pub async fn undo_confirm(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
) -> Response {
    let t = ctx.tr();
    match state.app.undo_contact_change(&token, &ctx.client).await {
        Ok(_) => link_page(
            &state,
            &ctx,
            "undo-done-title",
            vec![t.get("undo-done-text")],
            None,
            Some((
                "/login?next=/account/password".into(),
                t.get("link-sign-in-and-change"),
            )),
        ),
        Err(AppError::NotFound) => dead(&state, &ctx),
        Err(e) => app_error(&ctx, &e),
    }
}

pub async fn not_me_show(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
) -> Response {
    let t = ctx.tr();
    match state.app.not_me_is_live(&token).await {
        Ok(true) => link_page(
            &state,
            &ctx,
            "not-me-title",
            vec![t.get("not-me-text")],
            Some((format!("/account/not-me/{token}"), t.get("not-me-button"))),
            None,
        ),
        Ok(false) => dead(&state, &ctx),
        Err(e) => app_error(&ctx, &e),
    }
}

pub async fn not_me_confirm(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
) -> Response {
    let t = ctx.tr();
    match state.app.report_not_me(&token, &ctx.client).await {
        Ok(done) => link_page(
            &state,
            &ctx,
            "not-me-done-title",
            vec![
                t.get(if done.signed_out {
                    "not-me-done-signed-out"
                } else {
                    "not-me-done-already"
                }),
                t.get("not-me-done-next"),
            ],
            None,
            Some((
                "/login?next=/account/password".into(),
                t.get("link-sign-in-and-change"),
            )),
        ),
        Err(AppError::NotFound) => dead(&state, &ctx),
        Err(e) => app_error(&ctx, &e),
    }
}

/// Choosing a password from a link: an invitation or a reset.
#[derive(Template)]
#[template(path = "account/set_password.html")]
pub struct SetPasswordPage {
    pub c: Chrome,
    pub heading: String,
    pub intro: Vec<String>,
    pub identifier: String,
    pub action: String,
    pub submit: String,
    pub rules: Vec<String>,
    pub f: Fields,
}

async fn invitation_page(state: &AppState, ctx: &Ctx, token: String, f: Fields) -> Response {
    let t = ctx.tr();
    match state.app.invitation_offer(&token).await {
        Ok((offer, _)) => render(
            ctx,
            &SetPasswordPage {
                c: Chrome::new(state, ctx, "invitation-title", "link"),
                heading: t.get("invitation-title"),
                intro: vec![format!(
                    "{} {}.",
                    t.get("invitation-welcome"),
                    offer.company
                )],
                identifier: offer.identifier,
                action: format!("/invitation/{token}"),
                submit: t.get("invitation-submit"),
                rules: password_rules(&t, &state.app.config().password_policy()),
                f,
            },
        ),
        Err(AppError::NotFound) => dead(state, ctx),
        Err(e) => app_error(ctx, &e),
    }
}

pub async fn invitation_show(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
) -> Response {
    invitation_page(&state, &ctx, token, Fields::default()).await
}

#[derive(Deserialize)]
pub struct SetPasswordForm {
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    new_password_confirm: String,
}

pub async fn invitation_accept(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
    HtmlForm(form): HtmlForm<SetPasswordForm>,
) -> Response {
    let result = state
        .app
        .accept_invitation(
            &token,
            SecretString::from(form.new_password),
            SecretString::from(form.new_password_confirm),
            &ctx.client,
        )
        .await;
    match result {
        Ok(_) => Redirect::to("/login?notice=password-set").into_response(),
        Err(espace_app::error::FormRejection::App(AppError::NotFound)) => dead(&state, &ctx),
        Err(r) => match rejection_fields(&ctx.tr(), r) {
            Ok(f) => invitation_page(&state, &ctx, token, f).await,
            Err(e) => app_error(&ctx, &e),
        },
    }
}

/// The link of a factor-reset alert (SPEC §5): what will happen, when,
/// and the button to cancel it.
pub async fn factor_reset_show(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
) -> Response {
    let t = ctx.tr();
    match state.app.factor_reset_offer(&token).await {
        Ok(offer) => link_page(
            &state,
            &ctx,
            "factor-reset-cancel-title",
            vec![
                t.fmt(
                    "factor-reset-cancel-text",
                    &[
                        ("identifier", Arg::S(&offer.identifier)),
                        (
                            "time",
                            Arg::S(&super::local_datetime(&state, &t, offer.effective_at)),
                        ),
                    ],
                ),
                t.get("factor-reset-cancel-consequence"),
            ],
            Some((
                format!("/factor-reset/{token}"),
                t.get("factor-reset-cancel-button"),
            )),
            None,
        ),
        Err(AppError::NotFound) => dead(&state, &ctx),
        Err(e) => app_error(&ctx, &e),
    }
}

pub async fn factor_reset_cancel(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
) -> Response {
    let t = ctx.tr();
    match state
        .app
        .cancel_factor_reset_by_link(&token, &ctx.client)
        .await
    {
        Ok(_) => link_page(
            &state,
            &ctx,
            "factor-reset-cancelled-title",
            vec![t.get("factor-reset-cancelled-text")],
            None,
            Some(("/login".into(), t.get("link-to-login"))),
        ),
        Err(AppError::NotFound) => dead(&state, &ctx),
        Err(e) => app_error(&ctx, &e),
    }
}

/// The routes of these pages, merged into the router in `lib.rs`.
pub fn routes() -> axum::Router<crate::AppState> {
    use axum::routing::get;
    axum::Router::new()
        .route(crate::paths::UNDO, get(undo_show).post(undo_confirm))
        .route(crate::paths::NOT_ME, get(not_me_show).post(not_me_confirm))
        .route(
            crate::paths::INVITATION,
            get(invitation_show).post(invitation_accept),
        )
        .route(
            crate::paths::FACTOR_RESET,
            get(factor_reset_show).post(factor_reset_cancel),
        )
}
