//! Passkeys and security keys (WebAuthn, SPEC §4.1) with webauthn-rs:
//! enrolled from My security, used as a second factor, for the step-up,
//! and for passwordless sign-in from `/login`.
//!
//! The relying party is the public origin of Espace (`app.public_url`);
//! its host is the RP id, so passkeys need a domain name (an IP address
//! cannot be an RP id). Each ceremony's state stays server-side, bound to
//! the browser that started it, and serves once.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use espace_domain::mfa::MethodKind;
use jiff::SignedDuration;
use serde_json::json;
use uuid::Uuid;
use webauthn_rs::prelude::{
    AuthenticationResult, DiscoverableAuthentication, Passkey, PasskeyAuthentication,
    PasskeyRegistration, PublicKeyCredential, RegisterPublicKeyCredential, Url, Webauthn,
    WebauthnBuilder,
};
use webauthn_rs_proto::{
    AuthenticatorSelectionCriteria, ResidentKeyRequirement, UserVerificationPolicy,
};

use crate::App;
use crate::audit::{AuditEvent, AuditKind, ClientInfo};
use crate::auth::{PasswordlessRefusal, SignedIn};
use crate::crypto::sha256_hex;
use crate::error::{AppError, FormRejection, Problem};
use crate::ports::{AuthMethodRecord, CeremonyRecord, Tx};
use crate::second_factor::{Asker, Purpose};
use crate::session::CurrentSession;

/// How long a browser has to answer a ceremony.
const CEREMONY_TTL: SignedDuration = SignedDuration::from_mins(5);

const REGISTER: &str = "register";
const AUTHENTICATE: &str = "authenticate";
const DISCOVER: &str = "discover";

/// Builds the relying party from the public address, or says why
/// passkeys are unavailable.
pub fn relying_party(public_url: &str, name: &str) -> Result<Webauthn, String> {
    let origin = Url::parse(public_url).map_err(|e| format!("{public_url}: {e}"))?;
    let rp_id = origin
        .domain()
        .ok_or_else(|| {
            format!("{public_url} has no domain name (an IP address cannot be a WebAuthn RP id)")
        })?
        .to_owned();
    WebauthnBuilder::new(&rp_id, &origin)
        .map_err(|e| e.to_string())?
        .rp_name(name)
        .build()
        .map_err(|e| e.to_string())
}

/// A ceremony for the browser: its id and the options for
/// `navigator.credentials` (JSON).
#[derive(Debug, Clone)]
pub struct Ceremony {
    pub id: Uuid,
    pub options: serde_json::Value,
}

/// What a refused passkey answer tells: the lock if it is on, else that
/// the passkey was not accepted (not "wrong code").
fn passkey_problem(counted: Problem) -> Problem {
    match counted {
        Problem::FactorLocked { .. } => counted,
        _ => Problem::PasskeyRefused,
    }
}

fn credential_id(raw: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(raw)
}

fn stored(method: &AuthMethodRecord) -> Option<Passkey> {
    serde_json::from_slice(method.secret.as_deref()?).ok()
}

/// The name given to a new passkey: as typed, and the word to fall back
/// on (in the page's language) when nothing was typed.
#[derive(Debug, Clone, Copy)]
pub struct PasskeyName<'a> {
    pub typed: &'a str,
    pub fallback: &'a str,
}

impl App {
    pub(crate) fn relying(&self) -> Result<&Webauthn, AppError> {
        self.passkeys().ok_or(AppError::NotFound)
    }

    pub(crate) async fn save_ceremony(
        &self,
        tx: &mut dyn Tx,
        binding: &str,
        login: Option<Uuid>,
        purpose: &str,
        state: &impl serde::Serialize,
        options: serde_json::Value,
    ) -> Result<Ceremony, AppError> {
        let now = self.clock().now();
        let id = Uuid::now_v7();
        tx.insert_ceremony(&CeremonyRecord {
            id,
            binding: sha256_hex(binding),
            login_id: login,
            purpose: purpose.into(),
            state: serde_json::to_string(state).map_err(|e| AppError::Unexpected(e.to_string()))?,
            created_at: now,
            expires_at: now + CEREMONY_TTL,
        })
        .await?;
        Ok(Ceremony { id, options })
    }

    /// The state of a ceremony this browser started for this purpose and
    /// login, taken (it serves once).
    pub(crate) async fn take_state<T: serde::de::DeserializeOwned>(
        &self,
        tx: &mut dyn Tx,
        id: Uuid,
        binding: &str,
        login: Option<Uuid>,
        purpose: &str,
    ) -> Result<Option<T>, AppError> {
        let now = self.clock().now();
        let Some(c) = tx.take_ceremony(id, &sha256_hex(binding)).await? else {
            return Ok(None);
        };
        if c.purpose != purpose || c.login_id != login || c.expires_at <= now {
            return Ok(None);
        }
        Ok(serde_json::from_str(&c.state).ok())
    }

    fn passkeys_of(methods: &[AuthMethodRecord]) -> Vec<Passkey> {
        methods
            .iter()
            .filter(|m| m.kind == MethodKind::Passkey && m.verified_at.is_some())
            .filter_map(stored)
            .collect()
    }

    /// The assertion `response` of the ceremony `(id, binding, purpose)`
    /// this browser started for `login`, checked against that ceremony's
    /// state (taken: it serves once). `Err` holds why it is refused.
    pub(crate) async fn passkey_assertion(
        &self,
        tx: &mut dyn Tx,
        (ceremony, binding, purpose): (Uuid, &str, &str),
        login: Uuid,
        response: &str,
    ) -> Result<Result<AuthenticationResult, String>, AppError> {
        let rp = self.relying()?;
        let state: Option<PasskeyAuthentication> = self
            .take_state(tx, ceremony, binding, Some(login), purpose)
            .await?;
        let credential: Option<PublicKeyCredential> = serde_json::from_str(response).ok();
        Ok(match (state, credential) {
            (Some(state), Some(credential)) => rp
                .finish_passkey_authentication(&credential, &state)
                .map_err(|e| e.to_string()),
            (None, _) => Err("no such ceremony".into()),
            (_, None) => Err("unreadable answer".into()),
        })
    }

    /// Starts adding a passkey (after the step-up). The credential is
    /// discoverable, so that it also signs in without a password.
    pub async fn start_passkey_registration(
        &self,
        session: &CurrentSession,
        binding: &str,
    ) -> Result<Ceremony, FormRejection> {
        let rp = self.relying()?;
        self.require_recent_auth(session).await?;
        let login = &session.login;
        let mut tx = self.store().begin().await?;
        let methods = tx.auth_methods_of(login.id).await?;
        let exclude: Vec<_> = Self::passkeys_of(&methods)
            .iter()
            .map(|p| p.cred_id().clone())
            .collect();
        let display = crate::company::display_name(login);
        let (mut ccr, state) = rp
            .start_passkey_registration(
                login.id,
                &login.identifier,
                &display,
                (!exclude.is_empty()).then_some(exclude),
            )
            .map_err(|e| AppError::Unexpected(e.to_string()))?;
        // A passkey, not a second-factor-only key: discoverable, with user
        // verification.
        ccr.public_key.authenticator_selection = Some(AuthenticatorSelectionCriteria {
            authenticator_attachment: None,
            resident_key: Some(ResidentKeyRequirement::Required),
            require_resident_key: true,
            user_verification: UserVerificationPolicy::Required,
        });
        let options =
            serde_json::to_value(&ccr).map_err(|e| AppError::Unexpected(e.to_string()))?;
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

    /// Finishes adding a passkey with the browser's answer. Returns a new
    /// session token when the session rose to level 2.
    pub async fn finish_passkey_registration(
        &self,
        session: &CurrentSession,
        binding: &str,
        ceremony: Uuid,
        name: PasskeyName<'_>,
        response: &str,
        client: &ClientInfo,
    ) -> Result<Option<String>, FormRejection> {
        self.relying()?;
        // Left empty, the name is chosen here: the browser and system it
        // was made on, else `name.fallback` (the word "passkey" in the
        // page's language), numbered if another method bears it already.
        let typed = (!name.typed.trim().is_empty())
            .then(|| crate::security::label(name.typed))
            .transpose()
            .map_err(|p| FormRejection::Invalid(vec![p]))?;
        let login = &session.login;
        let mut tx = self.store().begin().await?;
        let label = match typed {
            Some(label) => label,
            None => {
                let base = espace_domain::device::short_name(&client.user_agent)
                    .unwrap_or_else(|| name.fallback.trim().to_owned());
                let taken: Vec<String> = tx
                    .auth_methods_of(login.id)
                    .await?
                    .into_iter()
                    .filter(|m| m.verified_at.is_some())
                    .map(|m| m.label)
                    .collect();
                crate::security::unique_label(&base, &taken)
            }
        };
        let registered = self
            .registered_passkey(
                tx.as_mut(),
                login.id,
                (ceremony, binding, REGISTER),
                response,
                "passkey-enrolment",
                client,
            )
            .await?;
        let Some((passkey, cred_id)) = registered else {
            tx.commit().await?;
            return Err(FormRejection::one("passkey", Problem::PasskeyRefused));
        };
        let id = Uuid::now_v7();
        self.start_method(
            tx.as_mut(),
            session,
            id,
            MethodKind::Passkey,
            Some(serde_json::to_vec(&passkey).map_err(|e| AppError::Unexpected(e.to_string()))?),
        )
        .await?;
        let mut method = tx
            .auth_method(login.id, id)
            .await?
            .ok_or(AppError::NotFound)?;
        method.credential_id = Some(cred_id);
        let token = self
            .finish_enrolment(tx.as_mut(), session, method, label, client)
            .await?;
        tx.commit().await?;
        Ok(token)
    }

    /// The passkey a browser created for this login in the ceremony
    /// `(id, binding, purpose)`, and its credential id; `None` (audited)
    /// when the answer is refused. A credential already known anywhere is
    /// "taken".
    pub(crate) async fn registered_passkey(
        &self,
        tx: &mut dyn Tx,
        login: Uuid,
        (ceremony, binding, purpose): (Uuid, &str, &str),
        response: &str,
        audit_purpose: &str,
        client: &ClientInfo,
    ) -> Result<Option<(Passkey, String)>, FormRejection> {
        let rp = self.relying()?;
        let state: Option<PasskeyRegistration> = self
            .take_state(tx, ceremony, binding, Some(login), purpose)
            .await?;
        let credential: Option<RegisterPublicKeyCredential> = serde_json::from_str(response).ok();
        let passkey = match (state, credential) {
            (Some(state), Some(credential)) => rp
                .finish_passkey_registration(&credential, &state)
                .map_err(|e| e.to_string()),
            (None, _) => Err("no such ceremony".into()),
            (_, None) => Err("unreadable answer".into()),
        };
        let passkey = match passkey {
            Ok(p) => p,
            Err(reason) => {
                tx.append_audit(
                    &AuditEvent::new(AuditKind::CodeRejected, self.clock().now(), client)
                        .by_self(login)
                        .detail(json!({ "purpose": audit_purpose, "outcome": reason })),
                )
                .await?;
                return Ok(None);
            }
        };
        let cred_id = credential_id(passkey.cred_id().as_ref());
        if tx.auth_method_by_credential(&cred_id).await?.is_some() {
            return Err(FormRejection::one("passkey", Problem::Taken));
        }
        Ok(Some((passkey, cred_id)))
    }

    /// Starts a passkey check as a second factor (sign-in, step-up or
    /// password reset): only the login's own passkeys are allowed.
    pub async fn start_passkey_check(
        &self,
        asker: Asker<'_>,
        binding: &str,
    ) -> Result<Ceremony, AppError> {
        let rp = self.relying()?;
        let mut tx = self.store().begin().await?;
        let login = self.asker_login(tx.as_mut(), asker).await?;
        let passkeys = Self::passkeys_of(&tx.auth_methods_of(login.id).await?);
        if passkeys.is_empty() {
            return Err(AppError::NotFound);
        }
        let (rcr, state) = rp
            .start_passkey_authentication(&passkeys)
            .map_err(|e| AppError::Unexpected(e.to_string()))?;
        let options =
            serde_json::to_value(&rcr).map_err(|e| AppError::Unexpected(e.to_string()))?;
        let ceremony = self
            .save_ceremony(
                tx.as_mut(),
                binding,
                Some(login.id),
                AUTHENTICATE,
                &state,
                options,
            )
            .await?;
        tx.commit().await?;
        Ok(ceremony)
    }

    /// Checks the browser's passkey answer for this login. A wrong or
    /// foreign answer counts on the second-factor counter. What passing
    /// unlocks follows the asker (a session: the new session's token).
    pub async fn finish_passkey_check(
        &self,
        asker: Asker<'_>,
        binding: &str,
        ceremony: Uuid,
        response: &str,
        client: &ClientInfo,
    ) -> Result<Option<String>, FormRejection> {
        self.relying()?;
        let purpose = asker.purpose();
        let mut tx = self.store().begin().await?;
        let login = &self.asker_login(tx.as_mut(), asker).await?;
        if let Some(problem) = self.factor_lock(tx.as_mut(), login.id).await? {
            tx.commit().await?;
            return Err(FormRejection::one("passkey", problem));
        }
        let verified = self
            .passkey_assertion(
                tx.as_mut(),
                (ceremony, binding, AUTHENTICATE),
                login.id,
                response,
            )
            .await?;
        let result = match verified {
            Ok(r) => r,
            Err(_) => {
                let problem = self
                    .count_factor_failure(tx.as_mut(), login.id, purpose, "passkey", client)
                    .await?;
                tx.commit().await?;
                return Err(FormRejection::one("passkey", passkey_problem(problem)));
            }
        };
        self.note_passkey_use(tx.as_mut(), login.id, &result)
            .await?;
        let token = self
            .factor_passed(tx.as_mut(), asker, MethodKind::Passkey.as_str(), client)
            .await?;
        tx.commit().await?;
        Ok(token)
    }

    /// Updates the stored credential (its counter) and the last use.
    async fn note_passkey_use(
        &self,
        tx: &mut dyn Tx,
        login: Uuid,
        result: &webauthn_rs::prelude::AuthenticationResult,
    ) -> Result<(), AppError> {
        let cred_id = credential_id(result.cred_id().as_ref());
        let Some(mut method) = tx
            .auth_method_by_credential(&cred_id)
            .await?
            .filter(|m| m.login_id == login)
        else {
            return Err(AppError::NotFound);
        };
        if let Some(mut passkey) = stored(&method) {
            passkey.update_credential(result);
            method.secret = Some(
                serde_json::to_vec(&passkey).map_err(|e| AppError::Unexpected(e.to_string()))?,
            );
        }
        method.last_used_at = Some(self.clock().now());
        tx.update_auth_method(&method).await?;
        Ok(())
    }

    /// Starts a passwordless sign-in: the browser offers the passkeys it
    /// holds for Espace.
    pub async fn start_passkey_sign_in(&self, binding: &str) -> Result<Ceremony, AppError> {
        let rp = self.relying()?;
        let (mut rcr, state) = rp
            .start_discoverable_authentication()
            .map_err(|e| AppError::Unexpected(e.to_string()))?;
        // A button, not autofill: the browser asks at once.
        rcr.mediation = None;
        let options =
            serde_json::to_value(&rcr).map_err(|e| AppError::Unexpected(e.to_string()))?;
        let mut tx = self.store().begin().await?;
        let ceremony = self
            .save_ceremony(tx.as_mut(), binding, None, DISCOVER, &state, options)
            .await?;
        tx.commit().await?;
        Ok(ceremony)
    }

    /// Finishes a passwordless sign-in. The passkey (with user
    /// verification) is two factors in one: the session starts at level 2.
    /// The password lock does not apply (no password is tried), the
    /// second-factor lock does.
    pub async fn finish_passkey_sign_in(
        &self,
        binding: &str,
        ceremony: Uuid,
        response: &str,
        client: &ClientInfo,
        replaces_session: Option<&str>,
        device: Option<&str>,
    ) -> Result<SignedIn, FormRejection> {
        let rp = self.relying()?;
        let now = self.clock().now();
        let mut tx = self.store().begin().await?;
        let state: Option<DiscoverableAuthentication> = self
            .take_state(tx.as_mut(), ceremony, binding, None, DISCOVER)
            .await?;
        let credential: Option<PublicKeyCredential> = serde_json::from_str(response).ok();
        // Who the browser says it is, and the passkey it used: both must
        // name the same login.
        let claimed = credential.as_ref().and_then(|c| {
            rp.identify_discoverable_authentication(c)
                .ok()
                .map(|(user, cred)| (user, credential_id(cred)))
        });
        let method = match &claimed {
            Some((user, cred)) => tx.auth_method_by_credential(cred).await?.filter(|m| {
                m.login_id == *user && m.kind == MethodKind::Passkey && m.verified_at.is_some()
            }),
            None => None,
        };
        let login = match &method {
            Some(m) => tx.login_by_id(m.login_id).await?.filter(|l| !l.disabled),
            None => None,
        };
        let refuse = |reason: &str| {
            AuditEvent::new(AuditKind::SignInFailed, now, client)
                .detail(json!({ "method": "passkey", "reason": reason }))
        };
        let (Some(state), Some(credential), Some(method), Some(login)) =
            (state, credential, method, login)
        else {
            tx.append_audit(&refuse("unknown-passkey")).await?;
            tx.commit().await?;
            return Err(FormRejection::one("passkey", Problem::PasskeyRefused));
        };
        match self
            .passwordless_refusal(tx.as_mut(), &login, MethodKind::Passkey.as_str(), client)
            .await?
        {
            None => {}
            Some(refusal) => {
                tx.commit().await?;
                let problem = match refusal {
                    PasswordlessRefusal::Locked(problem) => problem,
                    PasswordlessRefusal::MethodsReset => Problem::PasskeyRefused,
                };
                return Err(FormRejection::one("passkey", problem));
            }
        }
        let Some(passkey) = stored(&method) else {
            return Err(AppError::Unexpected("stored passkey unreadable".into()).into());
        };
        let result = match rp.finish_discoverable_authentication_v2(&credential, state, &passkey) {
            Ok(r) => r,
            Err(_) => {
                let problem = self
                    .count_factor_failure(tx.as_mut(), login.id, Purpose::SignIn, "passkey", client)
                    .await?;
                tx.commit().await?;
                return Err(FormRejection::one("passkey", passkey_problem(problem)));
            }
        };
        self.note_passkey_use(tx.as_mut(), login.id, &result)
            .await?;
        let signed_in = self
            .open_passwordless(
                tx.as_mut(),
                &login,
                replaces_session,
                json!({ "method": MethodKind::Passkey }),
                device,
                client,
            )
            .await?;
        tx.commit().await?;
        metrics::counter!("espace_signin_total", "outcome" => "success").increment(1);
        Ok(signed_in)
    }
}
