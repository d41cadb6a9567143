//! FranceConnect+ (SPEC §4.7, issue 6): Espace as an OpenID Connect
//! relying party.
//!
//! A request to the provider (authorization code flow with PKCE S256,
//! `acr_values`, `prompt=login`, `state` and `nonce` of 256 bits) is kept
//! server-side as a ceremony bound to the browser that started it, for
//! ten minutes, and serves once. On the way back the code is redeemed, the
//! ID token and the userinfo are opened (encrypted to Espace's keys,
//! signed by the provider: see the port) and their claims checked
//! (`espace_domain::oidc`). Every refusal is audited with its reason.
//!
//! What the identity then serves:
//! - **linking** it to the signed-in login, once (a method of kind
//!   `franceconnect`, after the step-up like any method);
//! - **signing in** without a password, at level 2, when it is linked;
//! - **a second factor** (at sign-in, the step-up, a password reset) when
//!   it is the identity linked to the login;
//! - **proof of identity** in an assisted recovery (SPEC §5), from the
//!   browser that opened the case: the case is matched to the login the
//!   identity is linked to, and the code goes to the new address at once;
//!   nothing changes before it is typed back.
//!
//! A session opened or raised this way keeps the ID token, so that signing
//! out also ends the session at the provider (its end-session endpoint).
//! No call to the provider is made inside a write transaction.
//!
//! Espace's encryption keys (RSA-OAEP-256 and ECDH-ES) are made at first
//! start, published at `/.well-known/jwks.json`, and rotated by age: a
//! new key when the newest is `key_lifetime_days` old; the replaced one is
//! still published and accepted for `key_overlap_days`.

use espace_domain::mfa::MethodKind;
use espace_domain::oidc::{
    ClaimProblem, Expected, IdTokenClaims, UserinfoClaims, check_id_token, check_userinfo,
};
use jiff::{SignedDuration, Timestamp};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use crate::App;
use crate::assisted::CaseStatus;
use crate::audit::{AuditEvent, AuditKind, ClientInfo};
use crate::auth::{PasswordlessRefusal, SignedIn};
use crate::crypto::{random_token, sha256_hex};
use crate::error::{AppError, FormRejection, Problem};
use crate::ports::{
    CeremonyRecord, DecryptionKey, IdentityProvider, IdpError, IdpLinkRecord, JoseKeyRecord,
    JoseRefusal, KEY_ALGORITHMS, LinkTo, LoginRecord, Tx,
};
use crate::second_factor::{Asker, Purpose};
use crate::security::ENROLMENT_WINDOW;
use crate::session::CurrentSession;

/// How long the person has at the provider.
const REQUEST_TTL: SignedDuration = SignedDuration::from_mins(10);
/// The ceremony purpose of a request to the provider.
const CEREMONY: &str = "franceconnect";
/// The sealing owner of Espace's private keys.
const KEY_OWNER: &[u8] = b"jose-key";
/// The sealing owner of a reset link's token kept during a request.
const RESET_OWNER: &[u8] = b"franceconnect-reset";

/// What a request to the provider is for.
#[derive(Debug, Clone, Copy)]
pub enum FcStart<'a> {
    /// Link the identity to the signed-in login (after the step-up).
    Link(&'a CurrentSession),
    /// Sign in without a password.
    SignIn,
    /// A second factor: at sign-in, the step-up, or a password reset.
    Factor(Asker<'a>),
    /// Prove one's identity in an assisted recovery, by its reference.
    Recovery(&'a str),
}

/// What a request was for, as the web layer needs to know it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FcGoal {
    Link,
    SignIn,
    SecondFactor,
    StepUp,
    PasswordReset,
    Recovery,
}

impl FcGoal {
    /// Its name in the audit trail.
    pub fn as_str(self) -> &'static str {
        match self {
            FcGoal::Link => "link",
            FcGoal::SignIn => "sign-in",
            FcGoal::SecondFactor => "second-factor",
            FcGoal::StepUp => "step-up",
            FcGoal::PasswordReset => "password-reset",
            FcGoal::Recovery => "recovery",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
enum Goal {
    Link {
        method: Uuid,
    },
    SignIn,
    Factor {
        purpose: String,
        /// The reset link's token, sealed (a password reset's factor).
        reset: Option<Vec<u8>>,
    },
    Recovery {
        case: Uuid,
        reference: String,
    },
}

impl Goal {
    fn public(&self) -> FcGoal {
        match self {
            Goal::Link { .. } => FcGoal::Link,
            Goal::SignIn => FcGoal::SignIn,
            Goal::Factor { purpose, .. } => match Purpose::parse(purpose) {
                Some(Purpose::StepUp) => FcGoal::StepUp,
                Some(Purpose::PasswordReset) => FcGoal::PasswordReset,
                _ => FcGoal::SecondFactor,
            },
            Goal::Recovery { .. } => FcGoal::Recovery,
        }
    }
}

/// A request waiting for the provider's answer (the ceremony's state).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Pending {
    state_hash: String,
    nonce: String,
    acr: String,
    goal: Goal,
    /// The session that asked (link and second factor).
    session: Option<String>,
    /// Where to go afterwards (a safe local path; empty for a password
    /// reset, whose page holds the link's token and is rebuilt).
    next: String,
    requested_at: Timestamp,
}

/// The provider's answer, as the callback receives it.
#[derive(Debug, Clone, Copy, Default)]
pub struct FcCallback<'a> {
    pub state: &'a str,
    pub code: Option<&'a str>,
    pub error: Option<&'a str>,
}

/// What a successful answer did.
#[derive(Debug)]
pub enum FcDone {
    /// Linked; a session that was owed its first method is raised (its new
    /// token).
    Linked {
        session_token: Option<String>,
    },
    SignedIn(SignedIn),
    /// The second factor or the step-up passed: the new session's token.
    Raised {
        session_token: String,
    },
    /// The second factor of a password reset passed: on to the new
    /// password (the outcome's `next`).
    ResetFactorPassed,
    /// Identity proven in an assisted recovery: a code went to the new
    /// address.
    RecoveryProven {
        reference: String,
    },
}

/// Why an answer did nothing (the person is told; the refusals audited).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FcProblem {
    /// Cancelled at the provider.
    Cancelled,
    /// Unknown, expired, used, or from another browser or session.
    Expired,
    /// The provider cannot be reached or answered with an error.
    Unavailable,
    /// The answer failed a check (audited with the reason).
    Refused,
    /// No login is linked to this identity.
    NotLinked,
    /// This identity is not the one linked to the login.
    OtherIdentity,
    /// This identity is already linked to another login.
    Taken,
    /// This login already has a FranceConnect+ identity.
    AlreadyLinked,
    /// Too many wrong second factors: the login waits.
    Locked,
}

impl FcProblem {
    pub const ALL: [FcProblem; 9] = [
        FcProblem::Cancelled,
        FcProblem::Expired,
        FcProblem::Unavailable,
        FcProblem::Refused,
        FcProblem::NotLinked,
        FcProblem::OtherIdentity,
        FcProblem::Taken,
        FcProblem::AlreadyLinked,
        FcProblem::Locked,
    ];

    pub fn code(self) -> &'static str {
        match self {
            FcProblem::Cancelled => "cancelled",
            FcProblem::Expired => "expired",
            FcProblem::Unavailable => "unavailable",
            FcProblem::Refused => "refused",
            FcProblem::NotLinked => "not-linked",
            FcProblem::OtherIdentity => "other-identity",
            FcProblem::Taken => "taken",
            FcProblem::AlreadyLinked => "already-linked",
            FcProblem::Locked => "locked",
        }
    }
}

/// The outcome of a callback, and where the person came from.
#[derive(Debug)]
pub struct FcOutcome {
    pub result: Result<FcDone, FcProblem>,
    /// What the request was for.
    pub goal: FcGoal,
    /// Where to go on (success) or back (failure).
    pub next: String,
    /// The assisted-recovery reference, for that goal.
    pub reference: Option<String>,
}

/// What the identity provider says about the person, checked.
struct Identity {
    issuer: String,
    subject: String,
    acr: String,
    given_name: String,
    family_name: String,
    birthdate: String,
    /// The signed ID token, for the end-session.
    id_token: String,
}

/// Why an answer is not taken: the provider is unavailable (`None`), or a
/// check refused it (the audited reason).
type Refusal = Option<String>;

fn refusal(e: IdpError) -> Refusal {
    match e {
        IdpError::Unavailable(why) => {
            tracing::warn!(%why, "FranceConnect+ unavailable");
            None
        }
        IdpError::Refused(r) => {
            tracing::warn!(refusal = %r, "FranceConnect+ answer refused");
            Some(r.code().to_owned())
        }
    }
}

fn claims_refusal(problem: ClaimProblem) -> Refusal {
    tracing::warn!(%problem, "FranceConnect+ claims refused");
    Some(problem.code().to_owned())
}

/// The PKCE verifier of a request, derived from its state with a server
/// key: nothing more to keep.
fn verifier(app: &App, state: &str) -> Result<String, AppError> {
    app.keys().code_hash(Uuid::nil(), "pkce", "", state)
}

fn challenge(verifier: &str) -> String {
    use base64::Engine;
    use sha2::Digest;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(verifier))
}

fn claim(v: &serde_json::Value, name: &str) -> String {
    v.get(name)
        .and_then(|c| c.as_str())
        .unwrap_or_default()
        .trim()
        .to_owned()
}

/// `endpoint` with `pairs` added to its query.
fn with_query(endpoint: &str, pairs: &[(&str, &str)]) -> String {
    let query = serde_urlencoded::to_string(pairs).unwrap_or_default();
    let sep = if endpoint.contains('?') { '&' } else { '?' };
    format!("{endpoint}{sep}{query}")
}

fn unexpected(e: impl std::fmt::Display) -> AppError {
    AppError::Unexpected(e.to_string())
}

impl App {
    /// Whether FranceConnect+ is configured.
    pub fn franceconnect_available(&self) -> bool {
        self.identity().is_some()
    }

    /// The provider's origin (`https://host[:port]`), from its discovery
    /// address: where the browser is sent to sign in and out (the adapter
    /// refuses a provider whose pages are elsewhere).
    pub fn franceconnect_origin(&self) -> Option<String> {
        self.identity()?;
        let url = &self.config().franceconnect.discovery_url;
        let after_scheme = url.find("://")? + 3;
        let end = url[after_scheme..]
            .find('/')
            .map_or(url.len(), |i| after_scheme + i);
        Some(url[..end].to_owned())
    }

    fn idp(&self) -> Result<&dyn IdentityProvider, AppError> {
        self.identity().ok_or(AppError::NotFound)
    }

    fn callback_url(&self) -> String {
        self.link_to(LinkTo::FranceConnectCallback)
    }

    /// Starts a request to the provider: the address to send the browser
    /// to. `binding` is the browser's CSRF basis; `next` a safe local path.
    pub async fn start_franceconnect(
        &self,
        start: FcStart<'_>,
        binding: &str,
        next: &str,
    ) -> Result<String, FormRejection> {
        let config = &self.config().franceconnect;
        // The provider first, outside any transaction.
        let provider = match self.idp()?.provider().await {
            Ok(p) => p,
            Err(e) => {
                tracing::warn!(error = %e, "FranceConnect+ unavailable");
                return Err(FormRejection::one(
                    "franceconnect",
                    Problem::ProviderUnavailable,
                ));
            }
        };
        let now = self.clock().now();
        let mut tx = self.store().begin().await?;
        let (goal, session, login) = match start {
            FcStart::Link(session) => {
                if tx.idp_link_of_login(session.login.id).await?.is_some() {
                    return Err(FormRejection::one("franceconnect", Problem::AlreadyLinked));
                }
                let method = Uuid::now_v7();
                self.start_method(
                    tx.as_mut(),
                    session,
                    method,
                    MethodKind::FranceConnect,
                    None,
                )
                .await?;
                (Goal::Link { method }, Some(session), Some(session.login.id))
            }
            FcStart::SignIn => (Goal::SignIn, None, None),
            FcStart::Factor(asker) => {
                let login = self.asker_login(tx.as_mut(), asker).await?;
                if tx.idp_link_of_login(login.id).await?.is_none() {
                    return Err(AppError::NotFound.into());
                }
                if let Some(problem) = self.factor_lock(tx.as_mut(), login.id).await? {
                    return Err(FormRejection::one("franceconnect", problem));
                }
                let (session, reset) = match asker {
                    Asker::Session(s, _) => (Some(s), None),
                    Asker::Reset { token, .. } => (
                        None,
                        Some(self.sealer().seal(token.as_bytes(), RESET_OWNER)?),
                    ),
                };
                let goal = Goal::Factor {
                    purpose: asker.purpose().as_str().into(),
                    reset,
                };
                (goal, session, Some(login.id))
            }
            FcStart::Recovery(reference) => {
                let reference =
                    crate::crypto::normalize_reference(reference).ok_or(AppError::NotFound)?;
                let case = tx
                    .recovery_case_by_reference(&reference)
                    .await?
                    .ok_or(AppError::NotFound)?;
                // Before any agent: once one has matched the case, it is
                // theirs to finish.
                if CaseStatus::parse(&case.status) != Some(CaseStatus::Received) {
                    return Err(FormRejection::one("franceconnect", Problem::State));
                }
                // Only the browser that opened the case: nobody can open
                // one with their own address and lure the owner to prove it.
                if case.opener_hash.as_deref() != Some(sha256_hex(binding).as_str()) {
                    return Err(FormRejection::one("franceconnect", Problem::OtherBrowser));
                }
                let goal = Goal::Recovery {
                    case: case.id,
                    reference,
                };
                (goal, None, None)
            }
        };
        let id = Uuid::now_v7();
        let state = format!("{}{}", id.simple(), random_token()?);
        let nonce = random_token()?;
        let reset = matches!(goal, Goal::Factor { reset: Some(_), .. });
        let pending = Pending {
            state_hash: sha256_hex(&state),
            nonce: nonce.clone(),
            acr: config.acr.clone(),
            goal,
            session: session.map(|s| s.id_hash.clone()),
            next: if reset {
                String::new()
            } else {
                next.to_owned()
            },
            requested_at: now,
        };
        tx.insert_ceremony(&CeremonyRecord {
            id,
            binding: sha256_hex(binding),
            login_id: login,
            purpose: CEREMONY.into(),
            state: serde_json::to_string(&pending).map_err(unexpected)?,
            created_at: now,
            expires_at: now + REQUEST_TTL,
        })
        .await?;
        tx.commit().await?;
        let scope = std::iter::once("openid")
            .chain(config.scopes.iter().map(String::as_str))
            .collect::<Vec<_>>()
            .join(" ");
        Ok(with_query(
            &provider.authorization_endpoint,
            &[
                ("response_type", "code"),
                ("client_id", &config.client_id),
                ("redirect_uri", &self.callback_url()),
                ("scope", &scope),
                ("state", &state),
                ("nonce", &nonce),
                ("acr_values", &config.acr),
                ("code_challenge", &challenge(&verifier(self, &state)?)),
                ("code_challenge_method", "S256"),
                ("prompt", "login"),
            ],
        ))
    }

    /// The provider's answer: checks it, then does what the request was
    /// for. `browser_session` is the browser's session, whatever its stage.
    pub async fn finish_franceconnect(
        &self,
        callback: FcCallback<'_>,
        binding: &str,
        browser_session: Option<&CurrentSession>,
        device: Option<&str>,
        client: &ClientInfo,
    ) -> Result<FcOutcome, AppError> {
        let Some(pending) = self.take_pending(callback.state, binding).await? else {
            return Ok(FcOutcome {
                result: Err(FcProblem::Expired),
                goal: FcGoal::SignIn,
                next: "/login".into(),
                reference: None,
            });
        };
        // A reset link's token is kept sealed only: its page is rebuilt.
        let reset_token = match &pending.goal {
            Goal::Factor {
                reset: Some(sealed),
                ..
            } => Some(
                String::from_utf8(self.sealer().open(sealed, RESET_OWNER)?).map_err(unexpected)?,
            ),
            _ => None,
        };
        let outcome = |result| FcOutcome {
            result,
            goal: pending.goal.public(),
            next: match &reset_token {
                Some(token) => format!("/reset-password/{token}"),
                None => pending.next.clone(),
            },
            reference: match &pending.goal {
                Goal::Recovery { reference, .. } => Some(reference.clone()),
                _ => None,
            },
        };
        // Linking and second factors belong to the session that asked.
        let session = match (&pending.session, browser_session) {
            (None, _) => None,
            (Some(asked), Some(s)) if *asked == s.id_hash => Some(s),
            (Some(_), _) => return Ok(outcome(Err(FcProblem::Expired))),
        };
        if let Some(error) = callback.error {
            let problem = if error == "access_denied" {
                FcProblem::Cancelled
            } else {
                tracing::warn!(error, "FranceConnect+ answered an error");
                FcProblem::Unavailable
            };
            return Ok(outcome(Err(problem)));
        }
        let Some(code) = callback.code.filter(|c| !c.is_empty()) else {
            return Ok(outcome(Err(FcProblem::Expired)));
        };
        let identity = match self.identity_of(code, callback.state, &pending).await? {
            Ok(identity) => identity,
            Err(reason) => {
                let problem = self.refused(&pending, session, reason, client).await?;
                return Ok(outcome(Err(problem)));
            }
        };
        let result = match (&pending.goal, session) {
            (Goal::Link { method }, Some(s)) => self.link(s, *method, &identity, client).await?,
            (Goal::SignIn, _) => {
                let replaces = browser_session.map(|s| s.id_hash.as_str());
                self.fc_sign_in(&identity, replaces, device, client).await?
            }
            (Goal::Factor { reset: Some(_), .. }, _) => {
                let asker = Asker::Reset {
                    token: reset_token.as_deref().unwrap_or_default(),
                    browser: binding,
                };
                self.fc_factor(asker, &identity, client).await?
            }
            (Goal::Factor { purpose, .. }, Some(s)) => {
                let purpose = Purpose::parse(purpose).unwrap_or(Purpose::StepUp);
                self.fc_factor(Asker::Session(s, purpose), &identity, client)
                    .await?
            }
            (Goal::Recovery { case, .. }, _) => self.fc_recovery(*case, &identity, client).await?,
            _ => Err(FcProblem::Expired),
        };
        Ok(outcome(result))
    }

    /// The pending request of this state, if this browser started it and
    /// it is still live; taken (it serves once).
    async fn take_pending(&self, state: &str, binding: &str) -> Result<Option<Pending>, AppError> {
        let Some(id) = state.get(..32).and_then(|s| Uuid::try_parse(s).ok()) else {
            return Ok(None);
        };
        let now = self.clock().now();
        let mut tx = self.store().begin().await?;
        let taken = tx.take_ceremony(id, &sha256_hex(binding)).await?;
        tx.commit().await?;
        let Some(c) = taken.filter(|c| c.purpose == CEREMONY && now < c.expires_at) else {
            return Ok(None);
        };
        Ok(serde_json::from_str::<Pending>(&c.state)
            .ok()
            .filter(|p| p.state_hash == sha256_hex(state)))
    }

    /// Redeems the code and checks everything the provider says.
    async fn identity_of(
        &self,
        code: &str,
        state: &str,
        pending: &Pending,
    ) -> Result<Result<Identity, Refusal>, AppError> {
        let idp = self.idp()?;
        let keys = self.decryption_keys().await?;
        let provider = match idp.provider().await {
            Ok(p) => p,
            Err(e) => return Ok(Err(refusal(e))),
        };
        let tokens = match idp
            .redeem(code, &verifier(self, state)?, &self.callback_url())
            .await
        {
            Ok(t) => t,
            Err(e) => return Ok(Err(refusal(e))),
        };
        let id_token = match idp.open(&tokens.id_token, &keys).await {
            Ok(o) => o,
            Err(e) => return Ok(Err(refusal(e))),
        };
        let Ok(claims) = serde_json::from_slice::<IdTokenClaims>(&id_token.payload) else {
            return Ok(Err(refusal(
                JoseRefusal::Malformed("ID token claims".into()).into(),
            )));
        };
        let expected = Expected {
            issuer: &provider.issuer,
            client_id: &self.config().franceconnect.client_id,
            nonce: &pending.nonce,
            min_acr: &pending.acr,
            requested_at: pending.requested_at,
            now: self.clock().now(),
        };
        if let Err(problem) = check_id_token(&claims, &expected) {
            return Ok(Err(claims_refusal(problem)));
        }
        let userinfo = match idp.userinfo(&tokens.access_token).await {
            Ok(raw) => raw,
            Err(e) => return Ok(Err(refusal(e))),
        };
        let userinfo = match idp.open(&userinfo, &keys).await {
            Ok(o) => o,
            Err(e) => return Ok(Err(refusal(e))),
        };
        let (Ok(info), Ok(checked)) = (
            serde_json::from_slice::<serde_json::Value>(&userinfo.payload),
            serde_json::from_slice::<UserinfoClaims>(&userinfo.payload),
        ) else {
            return Ok(Err(refusal(
                JoseRefusal::Malformed("userinfo".into()).into(),
            )));
        };
        if let Err(problem) = check_userinfo(&checked, &claims.sub, &expected) {
            return Ok(Err(claims_refusal(problem)));
        }
        Ok(Ok(Identity {
            issuer: claims.iss,
            subject: claims.sub,
            acr: claims.acr.unwrap_or_default(),
            given_name: claim(&info, "given_name"),
            family_name: claim(&info, "family_name"),
            birthdate: claim(&info, "birthdate"),
            id_token: id_token.jws,
        }))
    }

    /// Audits a refused answer (against the login whose session asked, if
    /// one did); says what the person is told.
    async fn refused(
        &self,
        pending: &Pending,
        asking: Option<&CurrentSession>,
        reason: Refusal,
        client: &ClientInfo,
    ) -> Result<FcProblem, AppError> {
        let Some(reason) = reason else {
            return Ok(FcProblem::Unavailable);
        };
        let now = self.clock().now();
        let mut tx = self.store().begin().await?;
        tx.append_audit(
            &AuditEvent::new(AuditKind::FranceConnectRefused, now, client)
                .subject(asking.map(|s| s.login.id))
                .detail(json!({ "goal": pending.goal.public().as_str(), "reason": reason })),
        )
        .await?;
        tx.commit().await?;
        Ok(FcProblem::Refused)
    }

    /// Links the identity to the session's login: the pending method of
    /// the request becomes a verified one.
    async fn link(
        &self,
        session: &CurrentSession,
        method: Uuid,
        identity: &Identity,
        client: &ClientInfo,
    ) -> Result<Result<FcDone, FcProblem>, AppError> {
        let now = self.clock().now();
        let login = &session.login;
        let mut tx = self.store().begin().await?;
        let Some(pending) = tx.auth_method(login.id, method).await?.filter(|m| {
            m.kind == MethodKind::FranceConnect
                && m.verified_at.is_none()
                && now < m.created_at + ENROLMENT_WINDOW
        }) else {
            return Ok(Err(FcProblem::Expired));
        };
        let problem = if tx.idp_link_of_login(login.id).await?.is_some() {
            Some(FcProblem::AlreadyLinked)
        } else if tx
            .idp_link_by_subject(&identity.issuer, &identity.subject)
            .await?
            .is_some()
        {
            Some(FcProblem::Taken)
        } else {
            None
        };
        if let Some(problem) = problem {
            tx.delete_auth_method(login.id, method).await?;
            tx.commit().await?;
            return Ok(Err(problem));
        }
        let link = IdpLinkRecord {
            method_id: method,
            login_id: login.id,
            issuer: identity.issuer.clone(),
            subject: identity.subject.clone(),
            given_name: identity.given_name.clone(),
            family_name: identity.family_name.clone(),
            birthdate: identity.birthdate.clone(),
            created_at: now,
        };
        match tx.insert_idp_link(&link).await {
            Ok(()) => {}
            // A concurrent link won a unique index: nothing is kept, and
            // what won is read once the transaction is gone (PostgreSQL
            // refuses any further statement in it). Any other failure is
            // the storage's, never "taken".
            Err(e) if e.is_conflict() => {
                drop(tx);
                let mut read = self.store().begin_read().await?;
                let mine = read.idp_link_of_login(login.id).await?.is_some();
                return Ok(Err(if mine {
                    FcProblem::AlreadyLinked
                } else {
                    FcProblem::Taken
                }));
            }
            Err(e) => return Err(e.into()),
        }
        let label = format!("{} {}", identity.given_name, identity.family_name)
            .trim()
            .chars()
            .take(crate::security::MAX_LABEL)
            .collect::<String>();
        let session_token = self
            .finish_enrolment(tx.as_mut(), session, pending, label, client)
            .await?;
        // The provider's session ends with Espace's, whatever the level the
        // session had: the raised session if linking raised it, else this
        // one (issue 26).
        let session_hash = session_token
            .as_deref()
            .map_or_else(|| session.id_hash.clone(), sha256_hex);
        tx.set_idp_session(&session_hash, &identity.id_token, now)
            .await?;
        tx.commit().await?;
        Ok(Ok(FcDone::Linked { session_token }))
    }

    /// The login linked to this identity, if it may still be used.
    async fn linked_login(
        &self,
        tx: &mut dyn Tx,
        identity: &Identity,
    ) -> Result<Option<(IdpLinkRecord, LoginRecord)>, AppError> {
        let Some(link) = tx
            .idp_link_by_subject(&identity.issuer, &identity.subject)
            .await?
        else {
            return Ok(None);
        };
        let login = tx.login_by_id(link.login_id).await?.filter(|l| !l.disabled);
        Ok(login.map(|l| (link, l)))
    }

    /// Marks the FranceConnect+ method of a login used now.
    async fn fc_used(&self, tx: &mut dyn Tx, link: &IdpLinkRecord) -> Result<(), AppError> {
        if let Some(mut m) = tx.auth_method(link.login_id, link.method_id).await? {
            m.last_used_at = Some(self.clock().now());
            tx.update_auth_method(&m).await?;
        }
        Ok(())
    }

    /// Signs in without a password, at level 2 (FranceConnect+ is itself
    /// a substantial or high level of assurance), as a passkey does.
    async fn fc_sign_in(
        &self,
        identity: &Identity,
        replaces: Option<&str>,
        device: Option<&str>,
        client: &ClientInfo,
    ) -> Result<Result<FcDone, FcProblem>, AppError> {
        let now = self.clock().now();
        let mut tx = self.store().begin().await?;
        let Some((link, login)) = self.linked_login(tx.as_mut(), identity).await? else {
            tx.append_audit(
                &AuditEvent::new(AuditKind::SignInFailed, now, client)
                    .detail(json!({ "method": MethodKind::FranceConnect, "reason": "not-linked" })),
            )
            .await?;
            tx.commit().await?;
            return Ok(Err(FcProblem::NotLinked));
        };
        if let Some(refusal) = self
            .passwordless_refusal(
                tx.as_mut(),
                &login,
                MethodKind::FranceConnect.as_str(),
                client,
            )
            .await?
        {
            tx.commit().await?;
            return Ok(Err(match refusal {
                PasswordlessRefusal::MethodsReset => FcProblem::NotLinked,
                PasswordlessRefusal::Locked(_) => FcProblem::Locked,
            }));
        }
        self.fc_used(tx.as_mut(), &link).await?;
        let signed_in = self
            .open_passwordless(
                tx.as_mut(),
                &login,
                replaces,
                json!({ "method": MethodKind::FranceConnect, "acr": identity.acr }),
                device,
                client,
            )
            .await?;
        tx.set_idp_session(
            &sha256_hex(&signed_in.session_token),
            &identity.id_token,
            now,
        )
        .await?;
        tx.commit().await?;
        metrics::counter!("espace_signin_total", "outcome" => "success").increment(1);
        Ok(Ok(FcDone::SignedIn(signed_in)))
    }

    /// A second factor (at sign-in, the step-up, a password reset): the
    /// identity must be the one linked to the login. Another one counts as
    /// a failure.
    async fn fc_factor(
        &self,
        asker: Asker<'_>,
        identity: &Identity,
        client: &ClientInfo,
    ) -> Result<Result<FcDone, FcProblem>, AppError> {
        let now = self.clock().now();
        let mut tx = self.store().begin().await?;
        let login = match self.asker_login(tx.as_mut(), asker).await {
            Ok(login) => login,
            // The reset link was used or expired meanwhile.
            Err(AppError::NotFound) => return Ok(Err(FcProblem::Expired)),
            Err(e) => return Err(e),
        };
        if self.factor_lock(tx.as_mut(), login.id).await?.is_some() {
            return Ok(Err(FcProblem::Locked));
        }
        let link = tx
            .idp_link_of_login(login.id)
            .await?
            .filter(|l| l.issuer == identity.issuer && l.subject == identity.subject);
        let Some(link) = link else {
            let problem = self
                .count_factor_failure(
                    tx.as_mut(),
                    login.id,
                    asker.purpose(),
                    MethodKind::FranceConnect.as_str(),
                    client,
                )
                .await?;
            tx.commit().await?;
            return Ok(Err(match problem {
                Problem::FactorLocked { .. } => FcProblem::Locked,
                _ => FcProblem::OtherIdentity,
            }));
        };
        self.fc_used(tx.as_mut(), &link).await?;
        let done = match self
            .factor_passed(
                tx.as_mut(),
                asker,
                MethodKind::FranceConnect.as_str(),
                client,
            )
            .await?
        {
            Some(session_token) => {
                tx.set_idp_session(&sha256_hex(&session_token), &identity.id_token, now)
                    .await?;
                FcDone::Raised { session_token }
            }
            None => FcDone::ResetFactorPassed,
        };
        tx.commit().await?;
        Ok(Ok(done))
    }

    /// Proof of identity in an assisted recovery: the case (still waiting
    /// for an agent) is matched to the login the identity is linked to,
    /// and a code goes to the new address at once.
    async fn fc_recovery(
        &self,
        case: Uuid,
        identity: &Identity,
        client: &ClientInfo,
    ) -> Result<Result<FcDone, FcProblem>, AppError> {
        let now = self.clock().now();
        let mut tx = self.store().begin().await?;
        let Some(mut case) = tx.recovery_case(case).await? else {
            return Ok(Err(FcProblem::Expired));
        };
        if CaseStatus::parse(&case.status) != Some(CaseStatus::Received) {
            return Ok(Err(FcProblem::Expired));
        }
        // Customers only, as with an agent.
        let linked = self
            .linked_login(tx.as_mut(), identity)
            .await?
            .filter(|(_, l)| l.company_id.is_some());
        let Some((link, login)) = linked else {
            tx.append_audit(
                &AuditEvent::new(AuditKind::FranceConnectRefused, now, client)
                    .detail(json!({ "goal": "recovery", "reason": "not-linked", "case": case.id })),
            )
            .await?;
            tx.commit().await?;
            return Ok(Err(FcProblem::NotLinked));
        };
        case.status = CaseStatus::IdentityVerified.as_str().into();
        case.login_id = Some(login.id);
        case.agent_id = None;
        case.verification_method = Some(MethodKind::FranceConnect.as_str().into());
        case.verification_note = Some(format!(
            "FranceConnect+ ({}): {} {}, {}",
            identity.acr, link.given_name, link.family_name, link.birthdate
        ));
        case.updated_at = now;
        tx.update_recovery_case(&case).await?;
        tx.append_audit(
            &AuditEvent::new(AuditKind::RecoveryIdentityVerified, now, client)
                .by_self(login.id)
                .detail(json!({ "case": case.id, "reference": case.reference, "method": MethodKind::FranceConnect })),
        )
        .await?;
        self.issue_case_code(tx.as_mut(), &mut case, &login, None, client)
            .await?;
        tx.commit().await?;
        Ok(Ok(FcDone::RecoveryProven {
            reference: case.reference,
        }))
    }

    /// Where signing out sends the browser after a session that came
    /// through FranceConnect+ (its signed ID token, taken by `sign_out`):
    /// the provider's end-session, coming back to Espace.
    pub(crate) async fn end_session_url(&self, id_token: &str) -> Result<Option<String>, AppError> {
        let Some(idp) = self.identity() else {
            return Ok(None);
        };
        let endpoint = match idp.provider().await {
            Ok(p) => p.end_session_endpoint,
            Err(e) => {
                tracing::warn!(error = %e, "FranceConnect+ unavailable for the end-session");
                None
            }
        };
        let Some(endpoint) = endpoint else {
            return Ok(None);
        };
        let back = self.link_to(LinkTo::FranceConnectLoggedOut);
        Ok(Some(with_query(
            &endpoint,
            &[
                ("id_token_hint", id_token),
                ("state", &random_token()?),
                ("post_logout_redirect_uri", &back),
            ],
        )))
    }

    /// Espace's decryption keys, opened.
    async fn decryption_keys(&self) -> Result<Vec<DecryptionKey>, AppError> {
        let mut tx = self.store().begin_read().await?;
        let records = tx.jose_keys().await?;
        drop(tx);
        records
            .into_iter()
            .map(|r| {
                let jwk = self.sealer().open(&r.private_sealed, KEY_OWNER)?;
                let jwk = String::from_utf8(jwk)
                    .map_err(|e| AppError::Unexpected(format!("key {}: {e}", r.kid)))?;
                Ok(DecryptionKey {
                    kid: r.kid,
                    alg: r.alg,
                    private_jwk: SecretString::from(jwk),
                })
            })
            .collect()
    }

    /// The public keys, as `/.well-known/jwks.json` publishes them (newest
    /// first); `None` when FranceConnect+ is not configured.
    pub async fn encryption_jwks(&self) -> Result<Option<String>, AppError> {
        if self.identity().is_none() {
            return Ok(None);
        }
        let mut tx = self.store().begin_read().await?;
        let keys: Vec<serde_json::Value> = tx
            .jose_keys()
            .await?
            .iter()
            .filter_map(|k| serde_json::from_str(&k.public_jwk).ok())
            .collect();
        Ok(Some(json!({ "keys": keys }).to_string()))
    }

    /// Makes the keys that are missing or due, and forgets the replaced
    /// ones past their overlap. Returns how many keys were made or
    /// removed. Nothing to do without FranceConnect+.
    pub async fn rotate_encryption_keys(&self) -> Result<u64, AppError> {
        let Some(idp) = self.identity() else {
            return Ok(0);
        };
        let config = &self.config().franceconnect;
        let lifetime = SignedDuration::from_hours(24 * i64::from(config.key_lifetime_days));
        let overlap = SignedDuration::from_hours(24 * i64::from(config.key_overlap_days));
        let now = self.clock().now();
        let mut tx = self.store().begin().await?;
        let keys = tx.jose_keys().await?;
        let mut changed = 0;
        for alg in KEY_ALGORITHMS {
            let of_alg: Vec<&JoseKeyRecord> = keys.iter().filter(|k| k.alg == alg).collect();
            // Newest first.
            let newest = of_alg.first().map(|k| k.created_at);
            if newest.is_none_or(|t| t + lifetime <= now) {
                let kid = format!(
                    "{}-{}",
                    if alg == "ECDH-ES" { "ec" } else { "rsa" },
                    &random_token()?[..16]
                );
                let made = idp.new_key(alg, &kid).map_err(AppError::Unexpected)?;
                let sealed = self
                    .sealer()
                    .seal(made.key.private_jwk.expose_secret().as_bytes(), KEY_OWNER)?;
                tx.insert_jose_key(&JoseKeyRecord {
                    kid,
                    alg: alg.into(),
                    public_jwk: made.public_jwk,
                    private_sealed: sealed,
                    created_at: now,
                })
                .await?;
                changed += 1;
                tracing::info!(alg, "FranceConnect+ encryption key made");
            }
            // A replaced key stays for the overlap after its successor came.
            for pair in of_alg.windows(2) {
                let (successor, old) = (pair[0], pair[1]);
                if successor.created_at + overlap <= now && tx.delete_jose_key(&old.kid).await? {
                    changed += 1;
                }
            }
        }
        changed += tx.purge_idp_sessions().await?;
        tx.commit().await?;
        Ok(changed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_are_added_and_encoded() {
        assert_eq!(
            with_query(
                "https://op/auth",
                &[("scope", "openid given_name"), ("r", "https://a/b?c=d")]
            ),
            "https://op/auth?scope=openid+given_name&r=https%3A%2F%2Fa%2Fb%3Fc%3Dd"
        );
        assert_eq!(
            with_query("https://op/auth?x=1", &[("a", "b")]),
            "https://op/auth?x=1&a=b"
        );
    }

    #[test]
    fn the_challenge_is_s256() {
        // RFC 7636 appendix B.
        assert_eq!(
            challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }
}
