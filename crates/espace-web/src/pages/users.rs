//! `/users` (SPEC §6): company administrators manage their company's
//! logins. Authorisation lives in the use cases; these handlers only
//! translate.

use std::collections::HashSet;

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use espace_app::AppError;
use espace_app::company::display_name;
use espace_app::error::{FormRejection, Problem};
use espace_app::ports::{ContractRecord, RightRecord};
use espace_app::users::{Directory, NewUser, RightChoice, UserSummary};
use espace_domain::rights::{Profile, Section};
use serde::Deserialize;
use uuid::Uuid;

use super::forms::{Fields, rejection_fields};
use super::{Chrome, Notice, render, role_names};
use crate::AppState;
use crate::ctx::Ctx;
use crate::error::app_error;
use crate::extract::Authenticated;
use crate::extract::IdPath;
use crate::form::HtmlForm;
use crate::i18n::{Arg, Tr};

type Session = espace_app::session::CurrentSession;

struct UserRow {
    id: Uuid,
    name: String,
    identifier: String,
    email: String,
    roles: Vec<String>,
    rights: usize,
    status: String,
}

fn status(t: &Tr, u: &UserSummary) -> String {
    t.get(if u.login.disabled {
        "users-status-removed"
    } else if u.invited {
        "users-status-invited"
    } else {
        "users-status-active"
    })
}

#[derive(Template)]
#[template(path = "rights/users.html")]
struct UsersPage {
    c: Chrome,
    q: String,
    count_text: String,
    rows: Vec<UserRow>,
}

#[derive(Deserialize, Default)]
pub struct SearchQuery {
    q: Option<String>,
    notice: Option<String>,
}

pub async fn list(
    State(state): State<AppState>,
    Authenticated(session, ctx): Authenticated,
    query: Result<Query<SearchQuery>, QueryRejection>,
) -> Response {
    let q = query.map(|q| q.0).unwrap_or_default().q.unwrap_or_default();
    let dir = match state.app.directory(&session, &q).await {
        Ok(d) => d,
        Err(e) => return app_error(&ctx, &e),
    };
    let t = ctx.tr();
    let rows = dir
        .users
        .iter()
        .map(|u| UserRow {
            id: u.login.id,
            name: display_name(&u.login),
            identifier: u.login.identifier.clone(),
            email: u.login.email.clone().unwrap_or_default(),
            roles: role_names(&t, &u.roles, &[]),
            rights: u.rights.len(),
            status: status(&t, u),
        })
        .collect();
    let rows: Vec<UserRow> = rows;
    let count_text = t.fmt("users-count", &[("count", Arg::N(rows.len() as i64))]);
    render(
        &ctx,
        &UsersPage {
            c: Chrome::new(&state, &ctx, "users-title", "users"),
            q: q.chars().take(100).collect(),
            count_text,
            rows,
        },
    )
}

/// One row of a rights matrix form.
struct MatrixRow {
    contract: String,
    cells: Vec<MatrixCell>,
}

struct MatrixCell {
    name: String,
    label: String,
    value: String,
    /// The administrator holds nothing here: shown, not editable.
    locked: bool,
    /// The profiles the administrator may give here.
    options: Vec<(String, String)>,
}

fn matrix(
    t: &Tr,
    contracts: &[ContractRecord],
    own: &[RightRecord],
    current: &[RightRecord],
) -> (Vec<String>, Vec<MatrixRow>) {
    let sections: Vec<String> = Section::ALL
        .iter()
        .map(|s| t.get(&format!("section-{}", s.as_str())))
        .collect();
    let find = |rights: &[RightRecord], c: Uuid, s: &str| {
        rights
            .iter()
            .find(|r| r.contract_id == c && r.section == s)
            .and_then(|r| Profile::parse(&r.profile))
    };
    let rows = contracts
        .iter()
        .map(|c| MatrixRow {
            contract: format!("{} — {}", c.reference, c.offer_name),
            cells: Section::ALL
                .iter()
                .map(|s| {
                    let mine = find(own, c.id, s.as_str());
                    let value = find(current, c.id, s.as_str())
                        .map_or("none", |p| p.as_str())
                        .to_owned();
                    let mut options = vec![("none".to_owned(), t.get("profile-none"))];
                    for p in Profile::ALL {
                        if mine.is_some_and(|m| m.covers(*p)) || value == p.as_str() {
                            options.push((
                                p.as_str().to_owned(),
                                t.get(&format!("profile-{}", p.as_str())),
                            ));
                        }
                    }
                    MatrixCell {
                        name: format!("right:{}:{}", c.id, s.as_str()),
                        label: format!(
                            "{} — {}",
                            t.get(&format!("section-{}", s.as_str())),
                            c.reference
                        ),
                        value,
                        locked: mine.is_none(),
                        options,
                    }
                })
                .collect(),
        })
        .collect();
    (sections, rows)
}

/// The `right:{contract}:{section}` fields of a form.
fn choices(fields: &[(String, String)]) -> Result<Vec<RightChoice>, FormRejection> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for (name, value) in fields {
        let Some(rest) = name.strip_prefix("right:") else {
            continue;
        };
        let Some((contract, section)) = rest.split_once(':') else {
            continue;
        };
        let contract_id =
            Uuid::parse_str(contract).map_err(|_| FormRejection::one("rights", Problem::Choice))?;
        if !seen.insert((contract_id, section.to_owned())) {
            return Err(FormRejection::one("rights", Problem::Choice));
        }
        out.push(RightChoice {
            contract_id,
            section: section.to_owned(),
            profile: (value != "none").then(|| value.clone()),
        });
    }
    Ok(out)
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> &'a str {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

#[derive(Template)]
#[template(path = "rights/users_invite.html")]
struct InvitePage {
    c: Chrome,
    step: u8,
    step_text: String,
    title: String,
    first_name: String,
    last_name: String,
    email: String,
    reused: Option<String>,
    sections: Vec<String>,
    rows: Vec<MatrixRow>,
    f: Fields,
}

#[allow(clippy::too_many_arguments)]
async fn invite_page(
    state: &AppState,
    ctx: &Ctx,
    session: &Session,
    step: u8,
    who: NewUser,
    reused: Option<String>,
    current: Vec<RightRecord>,
    f: Fields,
) -> Response {
    let dir: Directory = match state.app.directory(session, "").await {
        Ok(d) => d,
        Err(e) => return app_error(ctx, &e),
    };
    let t = ctx.tr();
    let (sections, rows) = matrix(&t, &dir.contracts, &dir.own_rights, &current);
    render(
        ctx,
        &InvitePage {
            c: Chrome::new(state, ctx, "invite-title", "users"),
            step,
            step_text: t.fmt(
                "invite-step",
                &[("step", Arg::N(i64::from(step))), ("count", Arg::N(2))],
            ),
            title: if who.title.is_empty() {
                "unspecified".into()
            } else {
                who.title
            },
            first_name: who.first_name,
            last_name: who.last_name,
            email: who.email,
            reused: reused.map(|id| t.fmt("invite-reused", &[("identifier", Arg::S(&id))])),
            sections,
            rows,
            f,
        },
    )
}

pub async fn invite_show(
    State(state): State<AppState>,
    Authenticated(session, ctx): Authenticated,
) -> Response {
    invite_page(
        &state,
        &ctx,
        &session,
        1,
        NewUser::default(),
        None,
        Vec::new(),
        Fields::default(),
    )
    .await
}

fn new_user(fields: &[(String, String)]) -> NewUser {
    NewUser {
        title: field(fields, "title").to_owned(),
        first_name: field(fields, "first_name").chars().take(200).collect(),
        last_name: field(fields, "last_name").chars().take(200).collect(),
        email: field(fields, "email").chars().take(300).collect(),
    }
}

/// Step one posted: who. Shows step two (rights) or the refused fields.
pub async fn invite_person(
    State(state): State<AppState>,
    Authenticated(session, ctx): Authenticated,
    HtmlForm(fields): HtmlForm<Vec<(String, String)>>,
) -> Response {
    let who = new_user(&fields);
    match state.app.check_new_user(&session, &who).await {
        Ok(existing) => {
            let current = match &existing {
                Some(l) => match state.app.company_user(&session, l.id).await {
                    Ok((_, u)) => u.rights,
                    Err(e) => return app_error(&ctx, &e),
                },
                None => Vec::new(),
            };
            let reused = existing.map(|l| l.identifier);
            invite_page(
                &state,
                &ctx,
                &session,
                2,
                who,
                reused,
                current,
                Fields::default(),
            )
            .await
        }
        Err(r) => match rejection_fields(&ctx.tr(), r) {
            Ok(f) => invite_page(&state, &ctx, &session, 1, who, None, Vec::new(), f).await,
            Err(e) => app_error(&ctx, &e),
        },
    }
}

/// Step two posted: the rights. Creates (or reuses) the login.
pub async fn invite_confirm(
    State(state): State<AppState>,
    Authenticated(session, ctx): Authenticated,
    HtmlForm(fields): HtmlForm<Vec<(String, String)>>,
) -> Response {
    let who = new_user(&fields);
    let outcome = match choices(&fields) {
        Ok(c) => state.app.invite_user(&session, &who, &c, &ctx.client).await,
        Err(r) => Err(r),
    };
    match outcome {
        Ok(invited) => Redirect::to(&format!(
            "/users/{}?notice={}",
            invited.login_id,
            if invited.reused {
                "rights-added"
            } else {
                "invited"
            }
        ))
        .into_response(),
        Err(r) => match rejection_fields(&ctx.tr(), r) {
            Ok(f) => {
                let step = if f.errors.iter().any(|e| e.field == Some("rights")) {
                    2
                } else {
                    1
                };
                invite_page(&state, &ctx, &session, step, who, None, Vec::new(), f).await
            }
            Err(e) => app_error(&ctx, &e),
        },
    }
}

#[derive(Template)]
#[template(path = "rights/user.html")]
struct UserPage {
    c: Chrome,
    notice: Option<Notice>,
    id: Uuid,
    name: String,
    identifier: String,
    email: String,
    status: String,
    removed: bool,
    is_self: bool,
    roles: Vec<String>,
    sections: Vec<String>,
    rows: Vec<MatrixRow>,
    /// (contract id, "REF — offer", current referent name, is this user)
    referents: Vec<(Uuid, String, String, bool)>,
    can_be_referent: bool,
    /// The viewer may see and lift this login's lock.
    security_manager: bool,
    f: Fields,
}

async fn user_page(
    state: &AppState,
    ctx: &Ctx,
    session: &Session,
    id: Uuid,
    f: Fields,
    notice: Option<Notice>,
) -> Response {
    let (dir, user) = match state.app.company_user(session, id).await {
        Ok(x) => x,
        Err(e) => return app_error(ctx, &e),
    };
    let security_manager = ctx.navigation.company_security;
    let t = ctx.tr();
    let (sections, rows) = matrix(&t, &dir.contracts, &dir.own_rights, &user.rights);
    let name_of = |login: Option<Uuid>| {
        login
            .and_then(|l| {
                dir.users
                    .iter()
                    .find(|u| u.login.id == l)
                    .map(|u| display_name(&u.login))
            })
            .unwrap_or_else(|| t.get("account-not-set"))
    };
    let page = UserPage {
        c: Chrome::new(state, ctx, "users-title", "users").about(&display_name(&user.login)),
        notice,
        id,
        name: display_name(&user.login),
        identifier: user.login.identifier.clone(),
        email: user.login.email.clone().unwrap_or_default(),
        status: status(&t, &user),
        removed: user.login.disabled,
        is_self: user.login.id == session.login.id,
        roles: role_names(&t, &user.roles, &[]),
        sections,
        rows,
        referents: dir
            .contracts
            .iter()
            .map(|c| {
                (
                    c.id,
                    format!("{} — {}", c.reference, c.offer_name),
                    name_of(c.referent_login_id),
                    c.referent_login_id == Some(id),
                )
            })
            .collect(),
        can_be_referent: !user.login.disabled && !user.invited,
        security_manager,
        f,
    };
    render(ctx, &page)
}

pub async fn show(
    State(state): State<AppState>,
    Authenticated(session, ctx): Authenticated,
    IdPath(id): IdPath,
    query: Result<Query<SearchQuery>, QueryRejection>,
) -> Response {
    let q = query.map(|q| q.0).unwrap_or_default();
    let notice = match q.notice.as_deref() {
        Some(n @ ("invited" | "rights-added" | "rights-saved" | "referent-saved" | "removed")) => {
            Some(Notice::success(ctx.tr().get(&format!("user-notice-{n}"))))
        }
        _ => None,
    };
    user_page(&state, &ctx, &session, id, Fields::default(), notice).await
}

async fn after(
    state: &AppState,
    ctx: &Ctx,
    session: &Session,
    id: Uuid,
    outcome: Result<(), FormRejection>,
    notice: &str,
) -> Response {
    match outcome {
        Ok(()) => Redirect::to(&format!("/users/{id}?notice={notice}")).into_response(),
        Err(r) => match rejection_fields(&ctx.tr(), r) {
            Ok(f) => user_page(state, ctx, session, id, f, None).await,
            Err(e) => app_error(ctx, &e),
        },
    }
}

pub async fn rights(
    State(state): State<AppState>,
    Authenticated(session, ctx): Authenticated,
    IdPath(id): IdPath,
    HtmlForm(fields): HtmlForm<Vec<(String, String)>>,
) -> Response {
    let outcome = match choices(&fields) {
        Ok(c) => {
            state
                .app
                .set_user_rights(&session, id, &c, &ctx.client)
                .await
        }
        Err(r) => Err(r),
    };
    after(&state, &ctx, &session, id, outcome, "rights-saved").await
}

pub async fn referent(
    State(state): State<AppState>,
    Authenticated(session, ctx): Authenticated,
    IdPath(id): IdPath,
    HtmlForm(fields): HtmlForm<Vec<(String, String)>>,
) -> Response {
    let outcome = match Uuid::parse_str(field(&fields, "contract")) {
        Ok(contract) => {
            state
                .app
                .hand_over_referent(&session, contract, id, &ctx.client)
                .await
        }
        Err(_) => Err(AppError::NotFound.into()),
    };
    after(&state, &ctx, &session, id, outcome, "referent-saved").await
}

#[derive(Template)]
#[template(path = "rights/user_remove.html")]
struct RemovePage {
    c: Chrome,
    id: Uuid,
    name: String,
    title: String,
    /// The contracts the person is the referent of: removal is refused
    /// until that role is handed over.
    referent_of: String,
}

/// The confirmation step of removing access (issue 16 item 12): names the
/// person and what will happen. Read through the same authorisation as the
/// user page (an administrator of the person's company), so that anyone
/// else gets the same 404.
pub async fn remove_form(
    State(state): State<AppState>,
    Authenticated(session, ctx): Authenticated,
    IdPath(id): IdPath,
) -> Response {
    let user = match state.app.company_user(&session, id).await {
        Ok((_, user)) => user,
        Err(e) => return app_error(&ctx, &e),
    };
    // Nothing to confirm: already removed, or one's own login (refused).
    if user.login.disabled || user.login.id == session.login.id {
        return Redirect::to(&format!("/users/{id}")).into_response();
    }
    let name = display_name(&user.login);
    let title = ctx
        .tr()
        .fmt("users-remove-confirm-title", &[("name", Arg::S(&name))]);
    let page = RemovePage {
        c: Chrome::new(&state, &ctx, "users-remove", "users").about(&name),
        id,
        name,
        title,
        referent_of: user.referent_of.join(", "),
    };
    render(&ctx, &page)
}

/// Removing access: the confirmation page's button posts here.
pub async fn remove(
    State(state): State<AppState>,
    Authenticated(session, ctx): Authenticated,
    IdPath(id): IdPath,
) -> Response {
    let outcome = state.app.remove_access(&session, id, &ctx.client).await;
    after(&state, &ctx, &session, id, outcome, "removed").await
}

/// The routes of these pages, merged into the router in `lib.rs`.
pub fn routes() -> axum::Router<crate::AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/users", get(list))
        .route("/users/invite", get(invite_show).post(invite_person))
        .route("/users/invite/confirm", post(invite_confirm))
        .route("/users/{id}", get(show))
        .route("/users/{id}/rights", post(rights))
        .route("/users/{id}/referent", post(referent))
        .route("/users/{id}/remove", get(remove_form).post(remove))
}
