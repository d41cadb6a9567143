//! One module per page: `get` renders, `post` calls one use case.

pub mod account;
pub mod activity;
pub mod assisted;
pub mod companion;
pub mod company;
pub mod contact;
pub mod forms;
pub mod franceconnect;
pub mod home;
pub mod links;
pub mod login;
pub mod misc;
pub mod outbox;
pub mod password;
pub mod recovery;
pub mod second_factor;
pub mod security;
pub mod sessions;
pub mod two_factor;
pub mod two_factor_rules;
pub mod unlock;
pub mod users;

use askama::Template;
use axum::response::{Html, IntoResponse, Response};
use espace_app::navigation::{Section, StaffTool};
use espace_domain::rights::{CompanyRole, StaffRole};
use jiff::Timestamp;

use crate::AppState;
use crate::ctx::Ctx;
use crate::error::{ErrorKind, error_page};
use crate::i18n::{Arg, Tr};

pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// What the layout shows around every page.
pub struct Chrome {
    pub t: Tr,
    pub lang: &'static str,
    pub title: String,
    pub csrf: String,
    /// Where the language switch and "stay signed in" come back to.
    pub here: String,
    pub nav: &'static str,
    /// The main navigation: the sections the login may use.
    pub sections: Vec<NavItem>,
    pub user: Option<UserChrome>,
    pub version: &'static str,
}

/// A link of the main navigation.
pub struct NavItem {
    pub href: &'static str,
    pub label: String,
    /// This page belongs to the section (`aria-current="page"`).
    pub current: bool,
}

/// The address, label key and page group (`Chrome::nav`) of a section.
fn section_link(s: Section) -> (&'static str, &'static str, &'static str) {
    match s {
        Section::Dashboard => ("/", "nav-dashboard", "dashboard"),
        Section::Users => ("/users", "nav-users", "users"),
        Section::BackOffice => ("/backoffice", "nav-backoffice", "backoffice"),
        Section::Account => ("/account", "nav-account", "account"),
    }
}

/// A back-office tool as a link: address, title key, description key.
pub fn tool_link(tool: StaffTool) -> (&'static str, &'static str, &'static str) {
    match tool {
        StaffTool::Logins => ("/backoffice/logins", "support-title", "tool-logins-text"),
        StaffTool::RecoveryCases => ("/backoffice/recovery", "cases-title", "tool-recovery-text"),
        StaffTool::Messages => ("/backoffice/messages", "inbox-title", "tool-messages-text"),
        StaffTool::Events => (
            "/backoffice/events",
            "backoffice-events-title",
            "tool-events-text",
        ),
    }
}

/// A back-office tool as the dashboards list it.
pub struct ToolItem {
    pub href: &'static str,
    pub title: String,
    pub text: String,
}

pub fn tool_items(t: &Tr, tools: &[StaffTool]) -> Vec<ToolItem> {
    tools
        .iter()
        .map(|tool| {
            let (href, title, text) = tool_link(*tool);
            ToolItem {
                href,
                title: t.get(title),
                text: t.get(text),
            }
        })
        .collect()
}

pub struct UserChrome {
    pub display: String,
    pub expires_ms: i64,
    pub warn_ms: i64,
    /// The expiry as shown to people, in the configured time zone.
    pub expires_text: String,
    /// The warning sentences with a `{ $time }` slot the script fills in.
    pub warning_idle: String,
    pub warning_absolute: String,
    pub absolute: bool,
    pub idle_notice: String,
}

impl Chrome {
    pub fn new(state: &AppState, ctx: &Ctx, title_key: &str, nav: &'static str) -> Self {
        let t = ctx.tr();
        let policy = state.app.config().session_policy();
        let user = ctx.shown_session().map(|s| {
            let l = &s.login;
            let name = format!("{} {}", l.first_name, l.last_name);
            UserChrome {
                display: t.fmt("signed-in-as", &[("name", Arg::S(name.trim()))]),
                expires_ms: s.expires_at.as_millisecond(),
                warn_ms: policy.warn_before.as_millis() as i64,
                expires_text: local_time(state, s.expires_at),
                warning_idle: t.fmt("session-warning-text", &[("time", Arg::S("{ $time }"))]),
                warning_absolute: t
                    .fmt("session-warning-absolute", &[("time", Arg::S("{ $time }"))]),
                absolute: s.at_absolute_limit,
                idle_notice: t.fmt(
                    "session-idle-notice",
                    &[("minutes", Arg::N(policy.idle_timeout.as_mins()))],
                ),
            }
        });
        // Only a full session gets the navigation (not one owing a step).
        let sections = if ctx.session.is_some() {
            ctx.navigation
                .sections
                .iter()
                .map(|s| {
                    let (href, key, group) = section_link(*s);
                    NavItem {
                        href,
                        label: t.get(key),
                        current: group == nav,
                    }
                })
                .collect()
        } else {
            Vec::new()
        };
        Self {
            title: format!("{} — {}", t.get(title_key), t.get("brand")),
            t,
            lang: ctx.locale.code(),
            csrf: ctx.csrf_token.clone(),
            here: ctx.path.clone(),
            nav,
            sections,
            user,
            version: VERSION,
        }
    }
}

impl Chrome {
    /// A page about one person or object names it first in its title:
    /// "Alice Martin — Users and rights — Espace".
    pub fn about(mut self, subject: &str) -> Self {
        let subject = subject.trim();
        if !subject.is_empty() {
            self.title = format!("{subject} — {}", self.title);
        }
        self
    }
}

/// The marker of the error summary (form_errors.html): a page that shows it
/// came back with errors.
const ERROR_SUMMARY_MARKER: &str = "id=\"error-summary\"";

/// A page that came back with errors says so first in its title, so that a
/// screen reader announces it on load ("Error: …" / "Erreur : …"). Done here,
/// once for every page, from the one error summary all forms share.
fn title_with_errors(html: String, t: &Tr) -> String {
    if !html.contains(ERROR_SUMMARY_MARKER) {
        return html;
    }
    let prefix = t
        .get("title-error-prefix")
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    html.replacen("<title>", &format!("<title>{prefix} "), 1)
}

/// A time of day in the configured zone, e.g. "14:35".
pub fn local_time(state: &AppState, at: Timestamp) -> String {
    at.to_zoned(state.tz.clone()).strftime("%H:%M").to_string()
}

/// A date and time in the configured zone, in words in the page's
/// language: "23 November 2026, 14:35", "23 novembre 2026 à 14:35".
pub fn local_datetime(state: &AppState, t: &Tr, at: Timestamp) -> String {
    t.datetime(at.to_zoned(state.tz.clone()).datetime())
}

/// An e-mail address as HTML that wraps at sensible points on a narrow
/// screen: after the `@` and before each dot (`<wbr>`, which copying the
/// address leaves out). Escaped here: templates print it with `|safe`.
pub fn email_breaks(address: &str) -> String {
    let mut out = String::with_capacity(address.len() + 16);
    for ch in address.chars() {
        if ch == '.' {
            out.push_str("<wbr>");
        }
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
        if ch == '@' {
            out.push_str("<wbr>");
        }
    }
    out
}

/// Company and staff roles, as their names in the page's language.
pub fn role_names(t: &Tr, company: &[CompanyRole], staff: &[StaffRole]) -> Vec<String> {
    company
        .iter()
        .map(|r| r.as_str())
        .chain(staff.iter().map(|r| r.as_str()))
        .map(|r| t.get(&format!("role-{r}")))
        .collect()
}

/// An id from a path: anything that is not one is simply not found.
pub fn parse_id(raw: &str) -> Result<uuid::Uuid, espace_app::AppError> {
    uuid::Uuid::parse_str(raw).map_err(|_| espace_app::AppError::NotFound)
}

/// Renders a page; a template error is a 500 with a reference.
pub fn render(ctx: &Ctx, page: &impl Template) -> Response {
    match page.render() {
        Ok(html) => Html(title_with_errors(html, &ctx.tr())).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            error_page(ctx.locale, &ctx.client.request_id, ErrorKind::Internal)
        }
    }
}

/// A message shown at the top of a page after an action (GOV.UK
/// notification banner): a success, or a piece of information. The two
/// differ by their heading, icon and border, not only by colour.
#[derive(Debug, Clone)]
pub struct Notice {
    pub text: String,
    pub success: bool,
}

impl Notice {
    pub fn success(text: String) -> Self {
        Self {
            text,
            success: true,
        }
    }

    pub fn info(text: String) -> Self {
        Self {
            text,
            success: false,
        }
    }
}

/// An error shown in the summary at the top of a form, linked to its field.
#[derive(Debug, Clone)]
pub struct FormError {
    pub field: Option<&'static str>,
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::email_breaks;

    #[test]
    fn an_address_wraps_after_the_at_and_before_dots_and_is_escaped() {
        assert_eq!(
            email_breaks("alice.martin@acme.example"),
            "alice<wbr>.martin@<wbr>acme<wbr>.example"
        );
        assert_eq!(
            email_breaks("<b>&\"'@x"),
            "&lt;b&gt;&amp;&quot;&#39;@<wbr>x"
        );
    }
}
