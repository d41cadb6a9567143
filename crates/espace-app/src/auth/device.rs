//! New-device sign-in notice (SPEC §3.3): a browser is known by a
//! long-lived random cookie (only its hash is stored). A sign-in from a
//! browser the login has not used before sends "was this you?", with a
//! link that signs that session out.

use jiff::SignedDuration;
use serde_json::json;

use crate::App;
use crate::audit::{AuditEvent, AuditKind, ClientInfo};
use crate::crypto::{random_token, sha256_hex};
use crate::error::AppError;
use crate::notify::{Notice, Recipient};
use crate::ports::{DeviceSeen, LinkTo, LoginRecord, Tx};

const TOKEN_NOT_ME: &str = "not-me";
/// How long the "this was not me" link works.
pub const NOT_ME_WINDOW: SignedDuration = SignedDuration::from_hours(72);

/// What a "this was not me" link did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotMe {
    pub identifier: String,
    /// Whether the session was still open (and is now closed).
    pub signed_out: bool,
}

/// Whether a device cookie has the shape of one Espace made.
pub(crate) fn plausible_token(t: &str) -> bool {
    t.len() == 43
        && t.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

impl App {
    /// Remembers the browser; sends the notice when it is new for a login
    /// that has signed in elsewhere before. Returns a device token to set
    /// when the browser had none.
    pub(crate) async fn note_device(
        &self,
        tx: &mut dyn Tx,
        login: &LoginRecord,
        session_token: &str,
        device: Option<&str>,
        client: &ClientInfo,
    ) -> Result<Option<String>, AppError> {
        let (token, fresh) = match device.filter(|d| plausible_token(d)) {
            Some(d) => (d.to_owned(), None),
            None => {
                let t = random_token()?;
                (t.clone(), Some(t))
            }
        };
        let now = self.clock().now();
        if tx
            .remember_device(login.id, &sha256_hex(&token), now)
            .await?
            != DeviceSeen::New
        {
            return Ok(fresh);
        }
        tx.append_audit(
            &AuditEvent::new(AuditKind::NewDevice, now, client)
                .by_self(login.id)
                .detail(json!({ "user_agent": client.user_agent })),
        )
        .await?;
        if let Some(email) = &login.email {
            let payload = json!({ "session": sha256_hex(session_token) });
            let link = self
                .issue_link(tx, login.id, TOKEN_NOT_ME, payload, NOT_ME_WINDOW)
                .await?;
            self.queue(
                tx,
                Recipient::Email(email),
                Some(login.id),
                Self::locale_of(login),
                &Notice::NewDevice {
                    identifier: login.identifier.clone(),
                    at: now,
                    device: client.user_agent.clone(),
                    ip: client.ip.clone(),
                    not_me_url: self.link_to(LinkTo::NotMe(&link)),
                },
            )
            .await?;
        }
        Ok(fresh)
    }

    /// "This was not me": signs the reported session out (the link works
    /// once). The person then changes their password.
    pub async fn report_not_me(&self, token: &str, client: &ClientInfo) -> Result<NotMe, AppError> {
        let now = self.clock().now();
        let mut tx = self.store().begin().await?;
        let (record, login) = self.take_link(tx.as_mut(), token, TOKEN_NOT_ME).await?;
        let session = record.payload["session"].as_str().unwrap_or_default();
        let signed_out = tx.delete_session_of(login.id, session).await?;
        tx.append_audit(
            &AuditEvent::new(AuditKind::NotMeReported, now, client)
                .subject(Some(login.id))
                .detail(json!({ "session_signed_out": signed_out })),
        )
        .await?;
        tx.commit().await?;
        Ok(NotMe {
            identifier: login.identifier,
            signed_out,
        })
    }

    /// Whether a "not me" link is live (GET shows a confirmation first).
    pub async fn not_me_is_live(&self, token: &str) -> Result<bool, AppError> {
        let mut tx = self.store().begin_read().await?;
        match self.live_link(tx.as_mut(), token, TOKEN_NOT_ME).await {
            Ok(_) => Ok(true),
            Err(AppError::NotFound) => Ok(false),
            Err(e) => Err(e),
        }
    }
}
