//! The companion app (SPEC §4.6): a phone linked to a login approves its
//! sign-ins, step-ups and password resets.
//!
//! Linking: My security starts a pending method of kind `companion` and
//! shows a link (QR code) naming it, with a keyed MAC; the phone opens it,
//! creates a passkey with user verification, and may hand over a push
//! subscription. The phone then keeps a random device token in a cookie;
//! only its hash is stored.
//!
//! Approving: the waiting browser shows a number; the phone is told (Web
//! Push, and its own polling) and offers three numbers. Approving needs
//! the right number and a WebAuthn assertion with user verification;
//! denying, "this wasn't me" and a wrong number end the request, count as
//! second-factor failures and alert the person. A request lives two
//! minutes and is answered once; the waiting browser then takes an
//! approval once.

use espace_domain::mfa::MethodKind;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use serde_json::json;
use subtle::ConstantTimeEq;
use uuid::Uuid;
use webauthn_rs::prelude::Passkey;
use webauthn_rs_proto::{
    AuthenticatorSelectionCriteria, ResidentKeyRequirement, UserVerificationPolicy,
};

use crate::App;
use crate::audit::{AuditEvent, AuditKind, ClientInfo};
use crate::crypto::{random_bytes, random_token, sha256_hex};
use crate::error::{AppError, FormRejection, Problem};
use crate::notify::Notice;
use crate::passkeys::Ceremony;
use crate::ports::{AuthMethodRecord, LoginRecord, PushRequestRecord, PushSubscription, Tx};
use crate::second_factor::{Asker, Purpose};
use crate::security::ENROLMENT_WINDOW;
use crate::session::CurrentSession;

/// How long a request waits for its answer (SPEC §4.6).
pub const REQUEST_TTL: SignedDuration = SignedDuration::from_mins(2);
/// An approval not taken by the waiting browser within this is lost.
const TAKE_GRACE: SignedDuration = SignedDuration::from_mins(1);
/// A phone seen less recently than this is named as such at the second
/// step: its app may be gone, and the approval may never arrive.
pub const UNSEEN_AFTER: SignedDuration = SignedDuration::from_hours(7 * 24);
/// How often a phone's visits are written down.
const SEEN_EVERY: SignedDuration = SignedDuration::from_mins(1);
/// Device tokens one phone keeps (one per linked login).
pub const MAX_DEVICE_TOKENS: usize = 5;
const REGISTER: &str = "register-companion";
const LINK_MAC: &str = "companion-link";

const PENDING: &str = "pending";
const APPROVED: &str = "approved";
const USED: &str = "used";

/// What the phone keeps for a device: its passkey and push subscription.
#[derive(Serialize, Deserialize)]
struct DeviceSecret {
    passkey: Passkey,
    push: Option<PushSubscription>,
}

fn device_secret(m: &AuthMethodRecord) -> Option<DeviceSecret> {
    serde_json::from_slice(m.secret.as_deref()?).ok()
}

/// Where a request stands, as the waiting browser sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PushState {
    Waiting,
    Approved,
    Denied,
    /// "This wasn't me": the attempt is stopped.
    Reported,
    /// The wrong number was chosen.
    Mismatch,
    Expired,
    /// Taken already, or replaced by a newer request.
    Gone,
}

impl PushState {
    pub const ALL: [PushState; 7] = [
        PushState::Waiting,
        PushState::Approved,
        PushState::Denied,
        PushState::Reported,
        PushState::Mismatch,
        PushState::Expired,
        PushState::Gone,
    ];

    pub fn is_final(self) -> bool {
        !matches!(self, PushState::Waiting)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            PushState::Waiting => "waiting",
            PushState::Approved => "approved",
            PushState::Denied => "denied",
            PushState::Reported => "reported",
            PushState::Mismatch => "mismatch",
            PushState::Expired => "expired",
            PushState::Gone => "gone",
        }
    }
}

/// A request, for the browser that waits for it.
#[derive(Debug, Clone)]
pub struct PushView {
    pub id: Uuid,
    /// The number to pick on the phone.
    pub number: i64,
    pub device: String,
    pub state: PushState,
    pub expires_at: Timestamp,
}

/// The linking page on the computer.
#[derive(Debug, Clone)]
pub struct CompanionLink {
    pub method: Uuid,
    /// The address the phone opens (the QR code's content).
    pub url: String,
    pub expires_at: Timestamp,
    /// The device's name, once linked.
    pub linked: Option<String>,
}

/// What the phone is asked to link to.
#[derive(Debug, Clone)]
pub struct LinkOffer {
    pub identifier: String,
    pub expires_at: Timestamp,
}

/// A request, as the phone shows it.
#[derive(Debug, Clone)]
pub struct DeviceRequest {
    pub id: Uuid,
    pub identifier: String,
    pub device: String,
    pub purpose: Purpose,
    pub user_agent: String,
    pub ip: String,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    pub choices: Vec<i64>,
}

/// The phone's home: the logins it is linked to, and what waits.
#[derive(Debug, Clone, Default)]
pub struct CompanionHome {
    /// (login identifier, device name) per valid device token.
    pub devices: Vec<(String, String)>,
    pub requests: Vec<DeviceRequest>,
    /// The application server key for push subscriptions, if push is on.
    pub push_key: Option<String>,
}

/// The phone's answer.
#[derive(Debug, Clone, Copy)]
pub enum Answer<'a> {
    Approve {
        number: &'a str,
        ceremony: Uuid,
        response: &'a str,
    },
    Deny,
    /// "This wasn't me".
    Report,
}

/// Who waits for a request: the session, or the reset link in its browser.
fn waiter(asker: Asker<'_>) -> (String, Option<String>, Option<String>) {
    match asker {
        Asker::Session(s, _) => (
            sha256_hex(&format!("session:{}", s.id_hash)),
            Some(s.id_hash.clone()),
            None,
        ),
        Asker::Reset { token, browser } => {
            let link = sha256_hex(token);
            (
                sha256_hex(&format!("reset:{link}:{}", sha256_hex(browser))),
                None,
                Some(link),
            )
        }
    }
}

/// Three different numbers from 10 to 99, and the index of the right one.
fn numbers() -> Result<(Vec<i64>, usize), AppError> {
    let mut choices: Vec<i64> = Vec::with_capacity(3);
    while choices.len() < 3 {
        for b in random_bytes::<8>()? {
            let n = 10 + i64::from(b % 90);
            if choices.len() < 3 && !choices.contains(&n) {
                choices.push(n);
            }
        }
    }
    let right = usize::from(random_bytes::<1>()?[0] % 3);
    Ok((choices, right))
}

fn choices_of(r: &PushRequestRecord) -> Vec<i64> {
    r.choices
        .split(' ')
        .filter_map(|n| n.parse().ok())
        .collect()
}

fn unexpected(e: impl std::fmt::Display) -> AppError {
    AppError::Unexpected(e.to_string())
}

impl App {
    /// Whether a phone can be linked here (passkeys need a domain name).
    pub fn companion_available(&self) -> bool {
        self.passkeys().is_some()
    }

    /// The application server key for push subscriptions, if push is on.
    pub fn push_key(&self) -> Option<String> {
        self.outlets().push.as_ref().map(|p| p.public_key())
    }

    fn link_mac(&self, login: Uuid, method: Uuid) -> Result<String, AppError> {
        self.keys()
            .code_hash(login, LINK_MAC, "", &method.to_string())
    }

    /// Starts linking a phone (after the step-up): a pending method, whose
    /// link the computer shows.
    pub async fn start_companion_link(
        &self,
        session: &CurrentSession,
    ) -> Result<Uuid, FormRejection> {
        self.relying()?;
        let id = Uuid::now_v7();
        let mut tx = self.store().begin().await?;
        self.start_method(tx.as_mut(), session, id, MethodKind::Companion, None)
            .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The linking page: the link while it waits, the device once linked.
    pub async fn companion_link(
        &self,
        session: &CurrentSession,
        id: Uuid,
    ) -> Result<CompanionLink, AppError> {
        let now = self.clock().now();
        let mut tx = self.store().begin_read().await?;
        let m = tx
            .auth_method(session.login.id, id)
            .await?
            .filter(|m| m.kind == MethodKind::Companion)
            .ok_or(AppError::NotFound)?;
        let expires_at = m.created_at + ENROLMENT_WINDOW;
        if m.verified_at.is_none() && expires_at <= now {
            return Err(AppError::NotFound);
        }
        Ok(CompanionLink {
            method: id,
            url: format!(
                "{}/companion/link/{id}/{}",
                self.config().public_url,
                self.link_mac(session.login.id, id)?
            ),
            expires_at,
            linked: m.verified_at.map(|_| m.label),
        })
    }

    /// The pending method and login a link names, if it is live.
    async fn linking(
        &self,
        tx: &mut dyn Tx,
        id: Uuid,
        mac: &str,
    ) -> Result<(AuthMethodRecord, LoginRecord), AppError> {
        let now = self.clock().now();
        let m = tx
            .auth_method_by_id(id)
            .await?
            .filter(|m| {
                m.kind == MethodKind::Companion
                    && m.verified_at.is_none()
                    && now < m.created_at + ENROLMENT_WINDOW
            })
            .ok_or(AppError::NotFound)?;
        let expected = self.link_mac(m.login_id, id)?;
        if !bool::from(expected.as_bytes().ct_eq(mac.as_bytes())) {
            return Err(AppError::NotFound);
        }
        let login = tx
            .login_by_id(m.login_id)
            .await?
            .filter(|l| !l.disabled)
            .ok_or(AppError::NotFound)?;
        Ok((m, login))
    }

    /// What the phone shows before linking.
    pub async fn companion_link_offer(&self, id: Uuid, mac: &str) -> Result<LinkOffer, AppError> {
        let mut tx = self.store().begin_read().await?;
        let (m, login) = self.linking(tx.as_mut(), id, mac).await?;
        Ok(LinkOffer {
            identifier: login.identifier,
            expires_at: m.created_at + ENROLMENT_WINDOW,
        })
    }

    /// The phone's passkey creation, for the link's login: user
    /// verification required, never one of the login's credentials.
    pub async fn start_companion_registration(
        &self,
        id: Uuid,
        mac: &str,
        binding: &str,
    ) -> Result<Ceremony, AppError> {
        let rp = self.relying()?;
        let mut tx = self.store().begin().await?;
        let (_, login) = self.linking(tx.as_mut(), id, mac).await?;
        let exclude: Vec<_> = tx
            .auth_methods_of(login.id)
            .await?
            .iter()
            .filter(|m| m.kind == MethodKind::Passkey || m.kind == MethodKind::Companion)
            .filter_map(|m| {
                if m.kind == MethodKind::Companion {
                    device_secret(m).map(|d| d.passkey)
                } else {
                    serde_json::from_slice::<Passkey>(m.secret.as_deref()?).ok()
                }
            })
            .map(|p| p.cred_id().clone())
            .collect();
        let (mut ccr, state) = rp
            .start_passkey_registration(
                login.id,
                &login.identifier,
                &crate::company::display_name(&login),
                (!exclude.is_empty()).then_some(exclude),
            )
            .map_err(unexpected)?;
        ccr.public_key.authenticator_selection = Some(AuthenticatorSelectionCriteria {
            authenticator_attachment: None,
            resident_key: Some(ResidentKeyRequirement::Discouraged),
            require_resident_key: false,
            user_verification: UserVerificationPolicy::Required,
        });
        let options = serde_json::to_value(&ccr).map_err(unexpected)?;
        let ceremony = self
            .save_ceremony(
                tx.as_mut(),
                binding,
                Some(login.id),
                REGISTER,
                &state,
                options,
            )
            .await?;
        tx.commit().await?;
        Ok(ceremony)
    }

    /// Links the phone: its passkey and push subscription are kept, the
    /// method counts from now on, the person is told. Returns the device
    /// token the phone keeps.
    #[allow(clippy::too_many_arguments)]
    pub async fn finish_companion_registration(
        &self,
        id: Uuid,
        mac: &str,
        binding: &str,
        ceremony: Uuid,
        typed_label: &str,
        response: &str,
        subscription: Option<&str>,
        client: &ClientInfo,
    ) -> Result<String, FormRejection> {
        let label =
            crate::security::label(typed_label).map_err(|p| FormRejection::Invalid(vec![p]))?;
        let push = subscription
            .filter(|s| !s.trim().is_empty())
            .and_then(|s| self.readable_subscription(s));
        let now = self.clock().now();
        let mut tx = self.store().begin().await?;
        let (mut method, login) = self.linking(tx.as_mut(), id, mac).await?;
        let registered = self
            .registered_passkey(
                tx.as_mut(),
                login.id,
                (ceremony, binding, REGISTER),
                response,
                "companion-link",
                client,
            )
            .await?;
        let Some((passkey, cred)) = registered else {
            tx.commit().await?;
            return Err(FormRejection::one("passkey", Problem::PasskeyRefused));
        };
        method.secret =
            Some(serde_json::to_vec(&DeviceSecret { passkey, push }).map_err(unexpected)?);
        method.credential_id = Some(cred);
        method.label = label;
        self.verify_method(tx.as_mut(), &login, &mut method, client)
            .await?;
        let token = random_token()?;
        tx.insert_companion_device(&sha256_hex(&token), id, login.id, now)
            .await?;
        tx.commit().await?;
        Ok(token)
    }

    /// A subscription as the browser's `PushSubscription.toJSON()` gives
    /// it, if push is on and may reach its endpoint; otherwise the phone
    /// polls.
    fn readable_subscription(&self, json: &str) -> Option<PushSubscription> {
        #[derive(Deserialize)]
        struct Keys {
            p256dh: String,
            auth: String,
        }
        #[derive(Deserialize)]
        struct Browser {
            endpoint: String,
            keys: Keys,
        }
        let b: Browser = serde_json::from_str(json).ok()?;
        let sub = PushSubscription {
            endpoint: b.endpoint,
            p256dh: b.keys.p256dh,
            auth: b.keys.auth,
        };
        let push = self.outlets().push.as_ref()?;
        if push.accepts(&sub) {
            Some(sub)
        } else {
            tracing::warn!(endpoint = %sub.endpoint, "push endpoint refused; the device will poll");
            None
        }
    }

    /// Sends a request to a phone for this second factor: the request is
    /// stored (replacing an older one of the same browser), then pushed.
    /// Returns its id, for the waiting page.
    pub async fn send_push(
        &self,
        asker: Asker<'_>,
        method: Uuid,
        client: &ClientInfo,
    ) -> Result<Uuid, FormRejection> {
        let now = self.clock().now();
        let mut tx = self.store().begin().await?;
        let login = self.asker_login(tx.as_mut(), asker).await?;
        let method = tx
            .auth_method(login.id, method)
            .await?
            .filter(|m| m.kind == MethodKind::Companion && m.verified_at.is_some())
            .ok_or(AppError::NotFound)?;
        if let Some(problem) = self.factor_lock(tx.as_mut(), login.id).await? {
            tx.commit().await?;
            return Err(FormRejection::one("push", problem));
        }
        if let Err(until) = self
            .hit_limits(
                tx.as_mut(),
                &self.push_keys(login.id, method.id, &client.ip),
            )
            .await?
        {
            tx.commit().await?;
            return Err(FormRejection::one("push", self.throttled(until)));
        }
        let (waiter, session_hash, link_hash) = waiter(asker);
        tx.void_push_requests(&waiter).await?;
        let (choices, right) = numbers()?;
        let id = Uuid::now_v7();
        let purpose = asker.purpose();
        tx.insert_push_request(&PushRequestRecord {
            id,
            login_id: login.id,
            method_id: method.id,
            waiter,
            session_hash,
            link_hash,
            purpose: purpose.as_str().into(),
            number: choices.get(right).copied().unwrap_or_default(),
            choices: choices
                .iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(" "),
            ip: client.ip.clone(),
            user_agent: client.user_agent.clone(),
            status: PENDING.into(),
            created_at: now,
            expires_at: now + REQUEST_TTL,
            answered_at: None,
        })
        .await?;
        tx.append_audit(
            &AuditEvent::new(AuditKind::PushRequested, now, client)
                .by_self(login.id)
                .detail(json!({ "device": method.label, "purpose": purpose.as_str() })),
        )
        .await?;
        tx.commit().await?;
        self.wake_device(&login, &method, id, purpose);
        Ok(id)
    }

    /// Pushes the news to the phone, in the background: the waiting page
    /// does not wait for the push service, and the phone polls anyway.
    fn wake_device(
        &self,
        login: &LoginRecord,
        method: &AuthMethodRecord,
        id: Uuid,
        purpose: Purpose,
    ) {
        let (Some(push), Some(sub)) = (
            self.outlets().push.clone(),
            device_secret(method).and_then(|d| d.push),
        ) else {
            return;
        };
        let notice = Notice::PushRequest {
            identifier: login.identifier.clone(),
            purpose: purpose.as_str().into(),
        };
        let locale = Self::locale_of(login);
        let text = self
            .outlets()
            .composer
            .sms(&notice, locale)
            .unwrap_or_default();
        let payload = json!({ "request": id, "text": text, "url": "/companion" }).to_string();
        tokio::spawn(async move {
            let ttl = u32::try_from(REQUEST_TTL.as_secs()).unwrap_or(120);
            if let Err(e) = push.push(&sub, payload.as_bytes(), ttl).await {
                tracing::warn!(error = %e, "push to a companion device failed; it will poll");
            }
        });
    }

    /// The request `id` of this waiter.
    async fn waited(
        &self,
        tx: &mut dyn Tx,
        asker: Asker<'_>,
        id: Uuid,
    ) -> Result<PushRequestRecord, AppError> {
        let (waiter, ..) = waiter(asker);
        tx.push_request(id)
            .await?
            .filter(|r| r.waiter == waiter)
            .ok_or(AppError::NotFound)
    }

    fn state_of(&self, r: &PushRequestRecord) -> PushState {
        let now = self.clock().now();
        match r.status.as_str() {
            PENDING if r.expires_at <= now => PushState::Expired,
            PENDING => PushState::Waiting,
            APPROVED if r.expires_at + TAKE_GRACE <= now => PushState::Expired,
            APPROVED => PushState::Approved,
            "denied" => PushState::Denied,
            "reported" => PushState::Reported,
            "mismatch" => PushState::Mismatch,
            _ => PushState::Gone,
        }
    }

    /// Where a request stands, for the browser that waits for it.
    pub async fn push_state(&self, asker: Asker<'_>, id: Uuid) -> Result<PushView, AppError> {
        let mut tx = self.store().begin_read().await?;
        let r = self.waited(tx.as_mut(), asker, id).await?;
        let device = tx
            .auth_method(r.login_id, r.method_id)
            .await?
            .map(|m| m.label)
            .unwrap_or_default();
        Ok(PushView {
            id,
            number: r.number,
            device,
            state: self.state_of(&r),
            expires_at: r.expires_at,
        })
    }

    /// Whether the request `id`, waited for by the session whose cookie
    /// was `session_token`, was ended on the phone by "this wasn't me"
    /// (which ended that session too): its browser is told so.
    pub async fn push_reported_for(&self, id: Uuid, session_token: &str) -> Result<bool, AppError> {
        let mut tx = self.store().begin_read().await?;
        let hash = sha256_hex(session_token);
        Ok(tx.push_request(id).await?.is_some_and(|r| {
            r.status == "reported"
                && r.session_hash
                    .as_deref()
                    .is_some_and(|h| bool::from(h.as_bytes().ct_eq(hash.as_bytes())))
        }))
    }

    /// Takes an approved request (once): what passing the second factor
    /// unlocks follows the asker. Anything else is "not found".
    pub async fn take_push_approval(
        &self,
        asker: Asker<'_>,
        id: Uuid,
        client: &ClientInfo,
    ) -> Result<Option<String>, AppError> {
        let now = self.clock().now();
        let mut tx = self.store().begin().await?;
        let r = self.waited(tx.as_mut(), asker, id).await?;
        if self.state_of(&r) != PushState::Approved
            || !tx.set_push_status(id, APPROVED, USED, now).await?
        {
            return Err(AppError::NotFound);
        }
        let token = self
            .factor_passed(tx.as_mut(), asker, MethodKind::Companion.as_str(), client)
            .await?;
        tx.commit().await?;
        Ok(token)
    }

    /// The verified companion methods behind the phone's device tokens.
    async fn devices(
        &self,
        tx: &mut dyn Tx,
        tokens: &[String],
    ) -> Result<Vec<AuthMethodRecord>, AppError> {
        let mut out = Vec::new();
        for t in tokens.iter().take(MAX_DEVICE_TOKENS) {
            if let Some(m) = tx.companion_method(&sha256_hex(t)).await? {
                out.push(m);
            }
        }
        Ok(out)
    }

    /// The phone's home: its logins, and the requests waiting for it. The
    /// phone is seen (its visits are written down at most once a minute).
    pub async fn companion_home(&self, tokens: &[String]) -> Result<CompanionHome, AppError> {
        let now = self.clock().now();
        let mut tx = self.store().begin_read().await?;
        let mut home = CompanionHome {
            push_key: self.push_key(),
            ..CompanionHome::default()
        };
        let devices = self.devices(tx.as_mut(), tokens).await?;
        let mut seen_long_ago = false;
        for m in &devices {
            let last = tx.companion_last_seen(m.id).await?;
            seen_long_ago |= last.is_none_or(|at| at + SEEN_EVERY <= now);
        }
        for m in devices {
            let Some(login) = tx.login_by_id(m.login_id).await?.filter(|l| !l.disabled) else {
                continue;
            };
            for r in tx.pending_push_requests(m.id, now).await? {
                home.requests.push(DeviceRequest {
                    id: r.id,
                    identifier: login.identifier.clone(),
                    device: m.label.clone(),
                    purpose: Purpose::parse(&r.purpose).unwrap_or(Purpose::SignIn),
                    choices: choices_of(&r),
                    user_agent: r.user_agent,
                    ip: r.ip,
                    created_at: r.created_at,
                    expires_at: r.expires_at,
                });
            }
            home.devices.push((login.identifier, m.label));
        }
        drop(tx);
        if seen_long_ago {
            let mut tx = self.store().begin().await?;
            self.seen(tx.as_mut(), tokens).await?;
            tx.commit().await?;
        }
        Ok(home)
    }

    /// Writes down that the phone holding `tokens` was seen now.
    async fn seen(&self, tx: &mut dyn Tx, tokens: &[String]) -> Result<(), AppError> {
        let now = self.clock().now();
        for t in tokens.iter().take(MAX_DEVICE_TOKENS) {
            tx.touch_companion_device(&sha256_hex(t), now, now - SEEN_EVERY)
                .await?;
        }
        Ok(())
    }

    /// The phones of these methods not seen for [`UNSEEN_AFTER`]: the
    /// method, and whole days since it was last seen (or linked).
    pub(crate) async fn unseen_phones(
        &self,
        tx: &mut dyn Tx,
        methods: &[crate::security::MethodView],
    ) -> Result<Vec<(Uuid, i64)>, AppError> {
        let now = self.clock().now();
        let mut out = Vec::new();
        for m in methods.iter().filter(|m| m.kind == MethodKind::Companion) {
            let last = tx.companion_last_seen(m.id).await?.unwrap_or(m.created_at);
            let since = now.duration_since(last);
            if since >= UNSEEN_AFTER {
                out.push((m.id, since.as_hours() / 24));
            }
        }
        Ok(out)
    }

    /// The device's method and login for a request still waiting.
    async fn answering(
        &self,
        tx: &mut dyn Tx,
        tokens: &[String],
        id: Uuid,
    ) -> Result<(AuthMethodRecord, LoginRecord, PushRequestRecord), AppError> {
        let now = self.clock().now();
        let r = tx
            .push_request(id)
            .await?
            .filter(|r| r.status == PENDING && r.expires_at > now)
            .ok_or(AppError::NotFound)?;
        let m = self
            .devices(tx, tokens)
            .await?
            .into_iter()
            .find(|m| m.id == r.method_id)
            .ok_or(AppError::NotFound)?;
        let login = tx
            .login_by_id(m.login_id)
            .await?
            .filter(|l| !l.disabled)
            .ok_or(AppError::NotFound)?;
        Ok((m, login, r))
    }

    /// The assertion the phone makes to approve a request: its own
    /// passkey, with user verification.
    pub async fn start_push_approval(
        &self,
        tokens: &[String],
        id: Uuid,
        binding: &str,
    ) -> Result<Ceremony, AppError> {
        let rp = self.relying()?;
        let mut tx = self.store().begin().await?;
        let (m, login, _) = self.answering(tx.as_mut(), tokens, id).await?;
        let secret = device_secret(&m).ok_or_else(|| unexpected("device unreadable"))?;
        let (rcr, state) = rp
            .start_passkey_authentication(&[secret.passkey])
            .map_err(unexpected)?;
        let options = serde_json::to_value(&rcr).map_err(unexpected)?;
        let ceremony = self
            .save_ceremony(
                tx.as_mut(),
                binding,
                Some(login.id),
                &format!("approve:{id}"),
                &state,
                options,
            )
            .await?;
        tx.commit().await?;
        Ok(ceremony)
    }

    /// The phone answers a request. Approving needs the right number and
    /// the device's passkey; anything else ends the request as a failure
    /// of the second factor, and the person is alerted.
    pub async fn answer_push(
        &self,
        tokens: &[String],
        id: Uuid,
        answer: Answer<'_>,
        binding: &str,
        client: &ClientInfo,
    ) -> Result<(), FormRejection> {
        self.relying()?;
        let now = self.clock().now();
        let mut tx = self.store().begin().await?;
        let (mut m, login, r) = match self.answering(tx.as_mut(), tokens, id).await {
            Ok(found) => found,
            Err(AppError::NotFound) => return Err(FormRejection::one("number", Problem::PushGone)),
            Err(e) => return Err(e.into()),
        };
        self.seen(tx.as_mut(), tokens).await?;
        let purpose = Purpose::parse(&r.purpose).unwrap_or(Purpose::SignIn);
        let outcome = match answer {
            Answer::Approve {
                number,
                ceremony,
                response,
            } => {
                let Some(chosen) = number
                    .trim()
                    .parse::<i64>()
                    .ok()
                    .filter(|n| choices_of(&r).contains(n))
                else {
                    return Err(FormRejection::one("number", Problem::NumberChoice));
                };
                if let Some(problem) = self.factor_lock(tx.as_mut(), login.id).await? {
                    tx.commit().await?;
                    return Err(FormRejection::one("number", problem));
                }
                let verified = self
                    .passkey_assertion(
                        tx.as_mut(),
                        (ceremony, binding, &format!("approve:{id}")),
                        login.id,
                        response,
                    )
                    .await?;
                let result = match verified {
                    Ok(result) => result,
                    Err(_) => {
                        let problem = self
                            .count_factor_failure(
                                tx.as_mut(),
                                login.id,
                                purpose,
                                "companion",
                                client,
                            )
                            .await?;
                        tx.commit().await?;
                        let problem = match problem {
                            Problem::FactorLocked { .. } => problem,
                            _ => Problem::PasskeyRefused,
                        };
                        return Err(FormRejection::one("number", problem));
                    }
                };
                if let Some(mut secret) = device_secret(&m) {
                    secret.passkey.update_credential(&result);
                    m.secret = Some(serde_json::to_vec(&secret).map_err(unexpected)?);
                }
                m.last_used_at = Some(now);
                tx.update_auth_method(&m).await?;
                if chosen == r.number {
                    APPROVED
                } else {
                    "mismatch"
                }
            }
            Answer::Deny => "denied",
            Answer::Report => "reported",
        };
        if !tx.set_push_status(id, PENDING, outcome, now).await? {
            return Err(FormRejection::one("number", Problem::PushGone));
        }
        tx.append_audit(
            &AuditEvent::new(
                if outcome == APPROVED {
                    AuditKind::PushApproved
                } else {
                    AuditKind::PushRefused
                },
                now,
                client,
            )
            .by_self(login.id)
            .detail(json!({
                "device": m.label,
                "purpose": purpose.as_str(),
                "answer": outcome,
                "from_ip": r.ip,
            })),
        )
        .await?;
        if outcome == APPROVED {
            // Approvals do not count against the push limits (issue 26).
            let keys = self.push_keys(login.id, r.method_id, &r.ip);
            self.refund_limits(tx.as_mut(), &keys, r.created_at).await?;
            tx.commit().await?;
            return Ok(());
        }
        // Keyed by the request: every refused request counts.
        self.count_factor_failure(tx.as_mut(), login.id, purpose, "companion", client)
            .await?;
        if outcome == "reported" {
            // The attempt is stopped: its session ends, or its link is spent.
            if let Some(session) = &r.session_hash {
                tx.delete_session(session).await?;
            }
            if let Some(link) = &r.link_hash {
                tx.use_action_token(link, now).await?;
            }
        }
        let notice = Notice::PushRefused {
            identifier: login.identifier.clone(),
            answer: outcome.into(),
            at: r.created_at,
            ip: r.ip.clone(),
            browser: r.user_agent.clone(),
        };
        self.email_login(tx.as_mut(), &login, &notice).await?;
        tx.commit().await?;
        if outcome == "mismatch" {
            return Err(FormRejection::one("number", Problem::NumberMismatch));
        }
        Ok(())
    }
}
