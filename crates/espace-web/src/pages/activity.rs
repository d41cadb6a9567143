//! `/account/activity`: the person's security timeline, a page at a time,
//! filtered by category and period with a GET form that works without
//! JavaScript; and `/backoffice/events`: support finds an event by the
//! reference the person reads from a line of it.

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use espace_app::activity::{ActivityLine, ActivityQuery, Category, Cursor, Period};
use espace_app::audit::{ActingRole, Actor, format_reference, parse_reference};
use espace_app::company::display_name;
use serde::Deserialize;
use uuid::Uuid;

use super::forms::Fields;
use super::{Chrome, FormError, local_datetime, render};
use crate::AppState;
use crate::error::app_error;
use crate::extract::Authenticated;
use crate::i18n::{Tr, device_name};

/// A choice of a filter's select.
struct Choice {
    value: &'static str,
    label: String,
    selected: bool,
}

#[derive(Template)]
#[template(path = "activity/activity.html")]
struct ActivityPage {
    c: Chrome,
    f: Fields,
    kinds: Vec<Choice>,
    periods: Vec<Choice>,
    /// Whether a filter narrows the list (the empty message differs).
    filtered: bool,
    rows: Vec<ActivityRow>,
    /// The links to the neighbouring pages, filters kept.
    older: Option<String>,
    newer: Option<String>,
}

struct ActivityRow {
    when: String,
    when_iso: String,
    event: String,
    from: String,
    by: String,
    reference: String,
}

/// The query as typed: every value is checked, none trusted.
#[derive(Deserialize, Default)]
pub struct ActivityParams {
    kind: Option<String>,
    period: Option<String>,
    before: Option<String>,
    after: Option<String>,
}

/// The query, or the problems of its fields (then the timeline shows
/// with those filters reset, and says why).
fn parse_query(t: &Tr, p: &ActivityParams) -> (ActivityQuery, Fields) {
    let mut f = Fields::default();
    let mut q = ActivityQuery::default();
    match p.kind.as_deref().map(str::trim) {
        None | Some("" | "all") => {}
        Some(k) => match Category::parse(k) {
            Some(c) => q.category = Some(c),
            None => f.push("kind", t.get("activity-error-kind")),
        },
    }
    match p.period.as_deref().map(str::trim) {
        None | Some("") => {}
        Some(s) => match Period::parse(s) {
            Some(period) => q.period = period,
            None => f.push("period", t.get("activity-error-period")),
        },
    }
    let id = |s: &str| Uuid::parse_str(s.trim()).ok();
    q.cursor = match (p.before.as_deref(), p.after.as_deref()) {
        (None, None) => Cursor::Newest,
        (Some(b), None) => id(b).map_or(Cursor::Newest, Cursor::Before),
        (None, Some(a)) => id(a).map_or(Cursor::Newest, Cursor::After),
        (Some(_), Some(_)) => Cursor::Newest,
    };
    let cursor_typed = p.before.is_some() || p.after.is_some();
    if cursor_typed && q.cursor == Cursor::Newest {
        f.errors.push(FormError {
            field: None,
            message: t.get("activity-error-page"),
        });
    }
    (q, f)
}

/// The address of a page with these filters.
fn page_link(q: &ActivityQuery, cursor: (&str, Uuid)) -> String {
    let mut pairs: Vec<(&str, String)> = Vec::new();
    if let Some(c) = q.category {
        pairs.push(("kind", c.as_str().to_owned()));
    }
    if q.period != Period::All {
        pairs.push(("period", q.period.as_str().to_owned()));
    }
    pairs.push((cursor.0, cursor.1.to_string()));
    format!(
        "/account/activity?{}",
        serde_urlencoded::to_string(pairs).unwrap_or_default()
    )
}

/// Who acted, as the line says it: the role when it was recorded.
fn by(t: &Tr, line: &ActivityLine) -> String {
    match (line.actor, line.role) {
        (Actor::You, _) => t.get("activity-by-you"),
        (Actor::Nobody, _) => t.get("activity-by-unknown"),
        (_, Some(role)) => t.get(&format!("activity-role-{}", role.as_str())),
        (Actor::Staff, None) => t.get("activity-by-staff"),
        (Actor::Administrator, None) => t.get("activity-by-administrator"),
    }
}

fn event_name(t: &Tr, kind: &str) -> String {
    t.get(&format!("activity-kind-{}", kind.replace('.', "-")))
}

pub async fn activity(
    State(state): State<AppState>,
    Authenticated(session, ctx): Authenticated,
    params: Result<Query<ActivityParams>, QueryRejection>,
) -> Response {
    let t = ctx.tr();
    let (query, mut f) = match &params {
        Ok(Query(p)) => parse_query(&t, p),
        Err(_) => {
            // Repeated or unreadable parameters: say so, show everything.
            let mut f = Fields::default();
            f.errors.push(FormError {
                field: None,
                message: t.get("activity-error-query"),
            });
            (ActivityQuery::default(), f)
        }
    };
    let page = match state.app.activity_page(&session, query).await {
        Ok(p) => p,
        Err(e) => return app_error(&ctx, &e),
    };
    if page.cursor_unknown && f.errors.is_empty() {
        f.errors.push(FormError {
            field: None,
            message: t.get("activity-error-page"),
        });
    }
    let rows = page
        .lines
        .iter()
        .map(|l| ActivityRow {
            when: local_datetime(&state, &t, l.event.at),
            when_iso: l.event.at.to_string(),
            event: event_name(&t, &l.event.kind),
            from: format!("{} — {}", device_name(&t, &l.event.user_agent), l.event.ip),
            by: by(&t, l),
            reference: format_reference(&l.reference),
        })
        .collect();
    let kinds = std::iter::once(("all", query.category.is_none()))
        .chain(
            Category::ALL
                .iter()
                .map(|c| (c.as_str(), query.category == Some(*c))),
        )
        .map(|(value, selected)| Choice {
            value,
            label: t.get(&format!("activity-category-{value}")),
            selected,
        })
        .collect();
    let periods = Period::ALL
        .iter()
        .map(|p| Choice {
            value: p.as_str(),
            label: t.get(&format!("activity-period-{}", p.as_str())),
            selected: query.period == *p,
        })
        .collect();
    let status = if f.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let body = render(
        &ctx,
        &ActivityPage {
            c: Chrome::new(&state, &ctx, "activity-title", "account"),
            filtered: query.category.is_some() || query.period != Period::All,
            older: page.older.map(|id| page_link(&query, ("before", id))),
            newer: page.newer.map(|id| page_link(&query, ("after", id))),
            f,
            kinds,
            periods,
            rows,
        },
    );
    (status, body).into_response()
}

#[derive(Template)]
#[template(path = "backoffice/backoffice_events.html")]
struct EventsPage {
    c: Chrome,
    f: Fields,
    reference: String,
    searched: bool,
    rows: Vec<FoundRow>,
}

struct FoundRow {
    reference: String,
    when: String,
    when_iso: String,
    event: String,
    /// The login concerned: its id (for the lock page), identifier, name.
    subject: Option<(Uuid, String, String)>,
    /// Who acted: a name and, when recorded, the role.
    actor: String,
    from: String,
    request_id: String,
}

#[derive(Deserialize, Default)]
pub struct EventParams {
    reference: Option<String>,
}

/// `/backoffice/events?reference=…`: support only (the use case asks
/// `rights::policy`; everyone else gets "not found").
pub async fn find_event(
    State(state): State<AppState>,
    Authenticated(session, ctx): Authenticated,
    params: Result<Query<EventParams>, QueryRejection>,
) -> Response {
    let proof = match state.app.event_lookup(&session).await {
        Ok(p) => p,
        Err(e) => return app_error(&ctx, &e),
    };
    let t = ctx.tr();
    let typed: String = params
        .map(|q| q.0)
        .unwrap_or_default()
        .reference
        .unwrap_or_default()
        .chars()
        .take(40)
        .collect();
    let mut f = Fields::default();
    let searched = !typed.trim().is_empty();
    let mut rows = Vec::new();
    if searched {
        match parse_reference(&typed) {
            None => f.push("reference", t.get("backoffice-events-error-shape")),
            Some(reference) => {
                let found = match state.app.find_event(&proof, &reference).await {
                    Ok(found) => found,
                    Err(e) => return app_error(&ctx, &e),
                };
                rows = found
                    .iter()
                    .map(|e| FoundRow {
                        reference: format_reference(&e.reference),
                        when: local_datetime(&state, &t, e.event.at),
                        when_iso: e.event.at.to_string(),
                        event: event_name(&t, &e.event.kind),
                        subject: e
                            .subject
                            .as_ref()
                            .map(|l| (l.id, l.identifier.clone(), display_name(l))),
                        actor: actor_text(&t, e.actor.as_ref(), e.event.actor_role, &e.event),
                        from: format!("{} — {}", device_name(&t, &e.event.user_agent), e.event.ip),
                        request_id: e.event.request_id.clone(),
                    })
                    .collect();
            }
        }
    }
    let status = if f.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let body = render(
        &ctx,
        &EventsPage {
            c: Chrome::new(&state, &ctx, "backoffice-events-title", "backoffice"),
            f,
            reference: typed,
            searched,
            rows,
        },
    );
    (status, body).into_response()
}

/// Who acted, for support: the person, nobody, or a name with its role.
fn actor_text(
    t: &Tr,
    actor: Option<&espace_app::ports::LoginRecord>,
    role: Option<ActingRole>,
    e: &espace_app::audit::AuditEvent,
) -> String {
    match (actor, e.actor_login_id) {
        (_, None) => t.get("activity-by-unknown"),
        (_, Some(a)) if Some(a) == e.subject_login_id => t.get("backoffice-events-by-self"),
        (Some(l), _) => match role {
            Some(r) => format!(
                "{} ({})",
                display_name(l),
                t.get(&format!("backoffice-events-role-{}", r.as_str()))
            ),
            None => display_name(l),
        },
        (None, Some(_)) => t.get("backoffice-events-by-removed"),
    }
}

/// The routes of these pages, merged into the router in `lib.rs`.
pub fn routes() -> axum::Router<crate::AppState> {
    use axum::routing::get;
    axum::Router::new()
        .route("/account/activity", get(activity))
        .route("/backoffice/events", get(find_event))
}
