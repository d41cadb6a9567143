//! `/account`: the My Account hub (personal information, company,
//! security), and the language of the login's messages.

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use espace_domain::locale::Locale;
use serde::Deserialize;

use espace_app::navigation::{Section, StaffTool};

use super::{Chrome, render, role_names};
use crate::AppState;
use crate::cookies::{LANG_COOKIE, set_cookie};
use crate::error::{ErrorKind, app_error, error_page};
use crate::extract::Authenticated;
use crate::form::HtmlForm;

#[derive(Template)]
#[template(path = "account/account.html")]
struct AccountHub {
    c: Chrome,
    identifier: String,
    name: String,
    title: String,
    email: String,
    phone: String,
    language: String,
    /// The language the form has chosen: the login's preference, else
    /// this page's.
    language_choice: &'static str,
    notice: Option<String>,
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

#[derive(Deserialize, Default)]
pub struct HubQuery {
    notice: Option<String>,
}

pub async fn hub(
    State(state): State<AppState>,
    Authenticated(session, ctx): Authenticated,
    q: Result<Query<HubQuery>, QueryRejection>,
) -> Response {
    let q = q.map(|q| q.0).unwrap_or_default();
    let o = match state.app.overview(&session).await {
        Ok(o) => o,
        Err(e) => return app_error(&ctx, &e),
    };
    let status = match state.app.my_status(&session).await {
        Ok(s) => s,
        Err(e) => return app_error(&ctx, &e),
    };
    let t = ctx.tr();
    let preference = o.login.locale.as_deref().and_then(Locale::parse);
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
        // Written for people (+33 6 12 34 56 78), never raw E.164.
        phone: o
            .login
            .phone
            .as_deref()
            .map(espace_domain::phone::for_people)
            .unwrap_or_else(not_set),
        // The preference kept for the login (its messages' language).
        language: match preference {
            Some(l) => t.get(&format!("language-{}", l.code())),
            None => t.fmt(
                "account-language-unset",
                &[(
                    "language",
                    crate::i18n::Arg::S(&t.get(&format!("language-{}", Locale::default().code()))),
                )],
            ),
        },
        language_choice: preference.unwrap_or(ctx.locale).code(),
        notice: q
            .notice
            .filter(|n| n == "language")
            .map(|_| t.get("account-notice-language")),
        company: o.company.as_ref().map(|c| CompanyView {
            name: c.name.clone(),
            siren: c.siren.clone().unwrap_or_else(not_set),
            vat: c.vat_number.clone().unwrap_or_else(not_set),
            address: c.billing_address.clone(),
        }),
        roles: role_names(&t, &o.company_roles, &o.staff_roles),
        is_admin: ctx.navigation.sections.contains(&Section::Users),
        is_manager: ctx.navigation.tools.contains(&StaffTool::Messages),
        is_support: ctx.navigation.tools.contains(&StaffTool::Logins),
        is_security_manager: ctx.navigation.company_security,
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

#[derive(Deserialize, Default)]
pub struct LanguageForm {
    #[serde(default)]
    lang: String,
}

/// `POST /account/language`: the language of the login's messages (and
/// pages), audited; the pages follow at once.
pub async fn set_language(
    State(state): State<AppState>,
    Authenticated(session, ctx): Authenticated,
    HtmlForm(form): HtmlForm<LanguageForm>,
) -> Response {
    let Some(locale) = Locale::parse(&form.lang) else {
        return error_page(ctx.locale, &ctx.client.request_id, ErrorKind::BadRequest);
    };
    if let Err(e) = state.app.set_locale(&session, locale, &ctx.client).await {
        return app_error(&ctx, &e);
    }
    let mut res = Redirect::to("/account?notice=language").into_response();
    res.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(LANG_COOKIE, locale.code(), Some(31_536_000)),
    );
    res
}

#[derive(Template)]
#[template(path = "account/rights.html")]
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
        roles: role_names(&t, &o.company_roles, &o.staff_roles),
    };
    render(&ctx, &page)
}

/// The routes of these pages, merged into the router in `lib.rs`.
pub fn routes() -> axum::Router<crate::AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/account", get(hub))
        .route("/account/language", post(set_language))
        .route("/account/rights", get(rights))
}
