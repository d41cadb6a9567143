//! What every page needs to know about its request: the client, the
//! language, the session and the basis of the CSRF token. Resolved once by
//! the middleware in `middleware/context.rs`, read by the extractors in
//! `extract.rs`.

use std::sync::Arc;

use espace_app::audit::ClientInfo;
use espace_app::navigation::Navigation;
use espace_app::session::CurrentSession;
use espace_domain::locale::Locale;
use espace_domain::strong::Stage;

use crate::i18n::Tr;

/// The request context, available to every page handler.
#[derive(Clone)]
pub struct Ctx {
    pub locale: Locale,
    pub client: ClientInfo,
    /// The session, once it may go everywhere its rights allow.
    pub session: Option<Arc<CurrentSession>>,
    /// A session still owing its second factor or its first method: it
    /// reaches only those steps and signing out (SPEC §4.3).
    pub partial: Option<Arc<CurrentSession>>,
    /// The cookie named a session that has timed out.
    pub session_ended: bool,
    /// Raw token the CSRF token derives from (session, else anonymous).
    pub csrf_basis: String,
    pub csrf_token: String,
    /// Path and query of the request, for "come back here" links.
    pub path: String,
    /// The device cookie, as sent.
    pub device: Option<String>,
    /// The page to come back to after a detour (the step-up): this page
    /// for a GET, the page the form was on for a POST.
    pub back: String,
    /// What the signed-in login may reach (main navigation, staff tools),
    /// as the app layer decides it; the default for anyone else.
    pub navigation: Arc<Navigation>,
}

impl Ctx {
    pub fn tr(&self) -> Tr {
        Tr::new(self.locale)
    }

    /// The session whatever its stage (for signing out, say).
    pub fn any_session(&self) -> Option<&Arc<CurrentSession>> {
        self.session.as_ref().or(self.partial.as_ref())
    }

    /// The session the header shows as signed in ("Signed in as", sign
    /// out, "Stay signed in"): a full one, or one owing only its first
    /// method; not one still owing its second factor, whose person has not
    /// proved who they are yet (its page offers "Cancel" instead).
    pub fn shown_session(&self) -> Option<&Arc<CurrentSession>> {
        self.session.as_ref().or(self
            .partial
            .as_ref()
            .filter(|p| p.stage != Stage::SecondFactor))
    }

    /// Where a session that owes a step is sent.
    pub fn owed_step(&self) -> Option<String> {
        let partial = self.partial.as_ref()?;
        let next = serde_urlencoded::to_string([("next", self.path.as_str())]).unwrap_or_default();
        Some(match partial.stage {
            Stage::Enrolment => format!("/account/security?{next}"),
            _ => format!("/login/second-factor?{next}"),
        })
    }
}
