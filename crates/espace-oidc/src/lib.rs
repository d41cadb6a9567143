//! The OpenID Connect relying party's transport and JOSE for FranceConnect+
//! (SPEC §4.7), behind `espace_app::ports::IdentityProvider`.
//!
//! - Discovery (OpenID Connect Discovery 1.0): fetched on first use and
//!   kept (a failure is remembered for half a minute, so that an outage
//!   costs one try, not one per request); before a browser is sent to the
//!   provider (sign-in, sign-out) the document is asked for again with a
//!   short timeout, and a failure forgets what was known, so that a later
//!   outage shows Espace's own page rather than a dead one; the issuer must be the prefix of
//!   the discovery address, every endpoint `https://` (plain `http://`
//!   only when allowed, and then on the loopback only: the provider of the
//!   tests and the demo), and the pages the browser is sent to
//!   (authorization, end-session) on the discovery address's origin, which
//!   the Content-Security-Policy allows.
//! - The token endpoint with `client_secret_post` and the PKCE verifier;
//!   the userinfo endpoint with the bearer token. No redirects followed.
//! - [`IdentityProvider::open`]: the answer must be a compact JWE
//!   (`RSA-OAEP-256` or `ECDH-ES`, content `A256GCM`) to one of Espace's
//!   keys, holding a compact JWS (`ES256` or `RS256`) signed by a key the
//!   provider publishes. The provider's keys are fetched again (at most
//!   once a minute) when a `kid` is unknown, so that its rotation works.
//!
//! The claims themselves are checked by the use case
//! (`espace_domain::oidc`).

use std::time::{Duration, Instant};

use async_trait::async_trait;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use espace_app::config::FranceConnectConfig;
use espace_app::ports::{
    DecryptionKey, IdentityProvider, IdpError, JoseRefusal, NewKey, Opened, ProviderInfo, Tokens,
};
use josekit::jwk::alg::ec::EcCurve;
use josekit::jwk::{Jwk, JwkSet};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use tokio::sync::Mutex;

/// The content encryption accepted.
const CONTENT_ENCRYPTION: &str = "A256GCM";
/// How often the provider's keys may be fetched again for an unknown `kid`.
const JWKS_REFRESH: Duration = Duration::from_secs(60);
/// The largest answer read from the provider.
const MAX_BODY: usize = 256 * 1024;
/// How long a failed discovery is remembered before the next try.
const RETRY_DISCOVERY: Duration = Duration::from_secs(30);
/// The longest wait for the provider's answer before a browser is sent
/// there (sign-in, sign-out): an outage shows Espace's own page quickly.
const PROBE_TIMEOUT: Duration = Duration::from_secs(3);

#[derive(Debug, Deserialize)]
struct Discovery {
    issuer: String,
    authorization_endpoint: String,
    token_endpoint: String,
    userinfo_endpoint: String,
    jwks_uri: String,
    end_session_endpoint: Option<String>,
}

struct Known {
    discovery: Discovery,
    keys: JwkSet,
    keys_fetched: Instant,
}

/// The FranceConnect+ provider, as configured.
pub struct OidcClient {
    http: reqwest::Client,
    discovery_url: String,
    client_id: String,
    client_secret: SecretString,
    allow_http: bool,
    probe_timeout: Duration,
    known: Mutex<Discovered>,
}

/// What is known of the provider: nothing yet, its documents, or when
/// the last try failed and why.
enum Discovered {
    Not,
    Known(Box<Known>),
    Failed(Instant, String),
}

impl std::fmt::Debug for OidcClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OidcClient")
            .field("discovery_url", &self.discovery_url)
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

fn unavailable(what: &str, e: impl std::fmt::Display) -> IdpError {
    IdpError::Unavailable(format!("{what}: {e}"))
}

fn malformed(e: impl std::fmt::Display) -> IdpError {
    IdpError::Refused(JoseRefusal::Malformed(e.to_string()))
}

/// The JSON header of a compact JWS or JWE.
fn header(part: &str) -> Result<serde_json::Map<String, serde_json::Value>, IdpError> {
    let bytes = URL_SAFE_NO_PAD.decode(part).map_err(malformed)?;
    serde_json::from_slice(&bytes).map_err(malformed)
}

fn text<'a>(h: &'a serde_json::Map<String, serde_json::Value>, name: &str) -> Option<&'a str> {
    h.get(name).and_then(|v| v.as_str())
}

impl OidcClient {
    pub fn new(config: &FranceConnectConfig) -> Result<Self, String> {
        let secret = config
            .client_secret
            .as_ref()
            .map(|s| s.0.clone())
            .unwrap_or_default();
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(config.timeout_secs.max(1)))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent("Espace")
            .build()
            .map_err(|e| format!("franceconnect: {e}"))?;
        Ok(Self {
            http,
            discovery_url: config.discovery_url.clone(),
            client_id: config.client_id.clone(),
            client_secret: SecretString::from(secret),
            allow_http: config.allow_http,
            probe_timeout: PROBE_TIMEOUT.min(Duration::from_secs(config.timeout_secs.max(1))),
            known: Mutex::new(Discovered::Not),
        })
    }

    fn acceptable_url(&self, url: &str) -> bool {
        url.starts_with("https://") || (self.allow_http && loopback_http(url))
    }

    async fn read(&self, what: &str, mut response: reqwest::Response) -> Result<String, IdpError> {
        let status = response.status();
        if response
            .content_length()
            .is_some_and(|n| n > MAX_BODY as u64)
        {
            return Err(unavailable(what, "answer too large"));
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| unavailable(what, e))? {
            if bytes.len() + chunk.len() > MAX_BODY {
                return Err(unavailable(what, "answer too large"));
            }
            bytes.extend_from_slice(&chunk);
        }
        let body = String::from_utf8_lossy(&bytes).into_owned();
        if !status.is_success() {
            let short: String = body.chars().take(200).collect();
            return Err(unavailable(what, format!("{status}: {short}")));
        }
        Ok(body)
    }

    async fn get(&self, what: &str, url: &str) -> Result<String, IdpError> {
        let response = self
            .http
            .get(url)
            .header("accept", "application/json")
            .send()
            .await
            .map_err(|e| unavailable(what, e))?;
        self.read(what, response).await
    }

    async fn fetch_keys(&self, jwks_uri: &str) -> Result<JwkSet, IdpError> {
        let body = self.get("provider keys", jwks_uri).await?;
        JwkSet::from_bytes(body.as_bytes()).map_err(|e| unavailable("provider keys", e))
    }

    async fn discover(&self) -> Result<Known, IdpError> {
        let body = self.get("discovery", &self.discovery_url).await?;
        let d: Discovery = serde_json::from_str(&body).map_err(|e| unavailable("discovery", e))?;
        let expected = format!(
            "{}/.well-known/openid-configuration",
            d.issuer.trim_end_matches('/')
        );
        if expected != self.discovery_url {
            return Err(unavailable(
                "discovery",
                format!("issuer {:?} does not match the discovery address", d.issuer),
            ));
        }
        let urls = [
            Some(&d.authorization_endpoint),
            Some(&d.token_endpoint),
            Some(&d.userinfo_endpoint),
            Some(&d.jwks_uri),
            d.end_session_endpoint.as_ref(),
        ];
        if let Some(bad) = urls.into_iter().flatten().find(|u| !self.acceptable_url(u)) {
            return Err(unavailable("discovery", format!("not https: {bad}")));
        }
        // The browser is sent there by a form's redirect: `form-action`
        // allows the discovery address's origin only.
        let home = origin(&self.discovery_url);
        let browser_pages = [
            Some(&d.authorization_endpoint),
            d.end_session_endpoint.as_ref(),
        ];
        if let Some(away) = browser_pages
            .into_iter()
            .flatten()
            .find(|u| origin(u) != home)
        {
            return Err(unavailable(
                "discovery",
                format!("{away} is not on the origin of the discovery address"),
            ));
        }
        let keys = self.fetch_keys(&d.jwks_uri).await?;
        Ok(Known {
            discovery: d,
            keys,
            keys_fetched: Instant::now(),
        })
    }

    /// What is known of the provider, discovering it first if need be.
    async fn known(&self) -> Result<tokio::sync::MutexGuard<'_, Discovered>, IdpError> {
        let mut known = self.known.lock().await;
        match &*known {
            Discovered::Known(_) => {}
            Discovered::Failed(at, why) if at.elapsed() < RETRY_DISCOVERY => {
                return Err(IdpError::Unavailable(why.clone()));
            }
            _ => match self.discover().await {
                Ok(k) => *known = Discovered::Known(Box::new(k)),
                Err(e) => {
                    *known = Discovered::Failed(Instant::now(), e.to_string());
                    return Err(e);
                }
            },
        }
        Ok(known)
    }

    /// Whether the provider answers now, before a browser is sent there:
    /// its discovery document, with a short timeout. Once discovered, the
    /// documents are kept, so an outage after the first contact would
    /// otherwise send the browser to a dead page. A failure forgets them:
    /// they are fetched again once the failure is [`RETRY_DISCOVERY`] old.
    async fn reachable(&self) -> Result<(), IdpError> {
        if !matches!(&*self.known.lock().await, Discovered::Known(_)) {
            // Not known yet (or failed): discovering is the check.
            return Ok(());
        }
        let probe = self
            .http
            .get(&self.discovery_url)
            .header("accept", "application/json")
            .timeout(self.probe_timeout)
            .send()
            .await
            .and_then(reqwest::Response::error_for_status);
        match probe {
            Ok(_) => Ok(()),
            Err(e) => {
                let e = unavailable("discovery", e);
                *self.known.lock().await = Discovered::Failed(Instant::now(), e.to_string());
                Err(e)
            }
        }
    }

    /// Runs `f` on what is known of the provider.
    async fn with_known<T>(&self, f: impl FnOnce(&Known) -> T) -> Result<T, IdpError> {
        match &*self.known().await? {
            Discovered::Known(k) => Ok(f(k)),
            _ => Err(unavailable("discovery", "not known")),
        }
    }

    /// The provider's verification key for a JWS header, fetching its keys
    /// again once if `kid` is unknown.
    async fn signing_key(&self, alg: &str, kid: Option<&str>) -> Result<Jwk, IdpError> {
        let kty = if alg == "ES256" { "EC" } else { "RSA" };
        let pick = |set: &JwkSet| -> Option<Jwk> {
            let usable = |k: &&Jwk| {
                k.key_type() == kty
                    && k.key_use().is_none_or(|u| u == "sig")
                    && k.algorithm().is_none_or(|a| a == alg)
            };
            match kid {
                Some(kid) => set.get(kid).into_iter().find(usable).cloned(),
                // Without a kid, only an unambiguous key will do.
                None => {
                    let all: Vec<&Jwk> = set.keys().into_iter().filter(usable).collect();
                    (all.len() == 1).then(|| all[0].clone())
                }
            }
        };
        let mut known = self.known().await?;
        let Discovered::Known(k) = &mut *known else {
            return Err(unavailable("discovery", "not known"));
        };
        if let Some(found) = pick(&k.keys) {
            return Ok(found);
        }
        if k.keys_fetched.elapsed() >= JWKS_REFRESH {
            k.keys = self.fetch_keys(&k.discovery.jwks_uri).await?;
            k.keys_fetched = Instant::now();
            if let Some(found) = pick(&k.keys) {
                return Ok(found);
            }
        }
        Err(JoseRefusal::UnknownSigningKey(kid.unwrap_or("").to_owned()).into())
    }

    /// Decrypts a compact JWE with one of `keys`.
    fn decrypt(jwe: &str, keys: &[DecryptionKey]) -> Result<Vec<u8>, IdpError> {
        let parts: Vec<&str> = jwe.trim().split('.').collect();
        match parts.len() {
            5 => {}
            3 => return Err(JoseRefusal::Unencrypted.into()),
            _ => return Err(malformed("not a compact JWE")),
        }
        let h = header(parts[0])?;
        let alg = text(&h, "alg").unwrap_or_default();
        let enc = text(&h, "enc").unwrap_or_default();
        if !espace_app::ports::KEY_ALGORITHMS.contains(&alg) || enc != CONTENT_ENCRYPTION {
            return Err(JoseRefusal::EncryptionAlgorithm(format!("{alg}/{enc}")).into());
        }
        if h.contains_key("zip") || h.contains_key("crit") {
            return Err(malformed("zip or crit in the JWE header"));
        }
        let kid = text(&h, "kid");
        let candidates: Vec<&DecryptionKey> = keys
            .iter()
            .filter(|k| k.alg == alg && kid.is_none_or(|kid| kid == k.kid))
            .collect();
        if candidates.is_empty() {
            return Err(JoseRefusal::UnknownEncryptionKey(kid.unwrap_or("").to_owned()).into());
        }
        for key in candidates {
            let mut jwk = Jwk::from_bytes(key.private_jwk.expose_secret().as_bytes())
                .map_err(|e| IdpError::Unavailable(format!("encryption key {}: {e}", key.kid)))?;
            // The kid is matched above; the header may omit it.
            jwk.set_parameter("kid", None).map_err(malformed)?;
            let opened = if alg == "ECDH-ES" {
                josekit::jwe::ECDH_ES
                    .decrypter_from_jwk(&jwk)
                    .and_then(|d| josekit::jwe::deserialize_compact(jwe.trim(), &d))
            } else {
                josekit::jwe::RSA_OAEP_256
                    .decrypter_from_jwk(&jwk)
                    .and_then(|d| josekit::jwe::deserialize_compact(jwe.trim(), &d))
            };
            if let Ok((payload, _)) = opened {
                return Ok(payload);
            }
        }
        Err(JoseRefusal::Undecryptable.into())
    }

    /// Verifies a compact JWS signed by the provider: its payload.
    async fn verify(&self, jws: &str) -> Result<Vec<u8>, IdpError> {
        let parts: Vec<&str> = jws.trim().split('.').collect();
        if parts.len() != 3 {
            return Err(malformed("not a compact JWS inside the JWE"));
        }
        let h = header(parts[0])?;
        let alg = text(&h, "alg").unwrap_or_default();
        if !matches!(alg, "ES256" | "RS256") {
            return Err(JoseRefusal::SignatureAlgorithm(alg.to_owned()).into());
        }
        if h.contains_key("crit") {
            return Err(malformed("crit in the JWS header"));
        }
        let mut jwk = self.signing_key(alg, text(&h, "kid")).await?;
        // The kid is matched above; the header may omit it (josekit would
        // then refuse a key that has one).
        jwk.set_parameter("kid", None).map_err(malformed)?;
        let verified = if alg == "ES256" {
            josekit::jws::ES256
                .verifier_from_jwk(&jwk)
                .and_then(|v| josekit::jws::deserialize_compact(jws.trim(), &v))
        } else {
            josekit::jws::RS256
                .verifier_from_jwk(&jwk)
                .and_then(|v| josekit::jws::deserialize_compact(jws.trim(), &v))
        };
        verified
            .map(|(payload, _)| payload)
            .map_err(|_| JoseRefusal::BadSignature.into())
    }
}

#[derive(Deserialize)]
struct TokenAnswer {
    id_token: Option<String>,
    access_token: Option<String>,
}

#[async_trait]
impl IdentityProvider for OidcClient {
    async fn provider(&self) -> Result<ProviderInfo, IdpError> {
        self.reachable().await?;
        self.with_known(|k| ProviderInfo {
            issuer: k.discovery.issuer.clone(),
            authorization_endpoint: k.discovery.authorization_endpoint.clone(),
            end_session_endpoint: k.discovery.end_session_endpoint.clone(),
        })
        .await
    }

    async fn redeem(
        &self,
        code: &str,
        verifier: &str,
        redirect_uri: &str,
    ) -> Result<Tokens, IdpError> {
        let endpoint = self
            .with_known(|k| k.discovery.token_endpoint.clone())
            .await?;
        let form = [
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", redirect_uri),
            ("code_verifier", verifier),
            ("client_id", self.client_id.as_str()),
            ("client_secret", self.client_secret.expose_secret()),
        ];
        let response = self
            .http
            .post(&endpoint)
            .header("accept", "application/json")
            .form(&form)
            .send()
            .await
            .map_err(|e| unavailable("token endpoint", e))?;
        if response.status() == reqwest::StatusCode::BAD_REQUEST {
            let body = self.read("token endpoint", response).await.err();
            let refused_code = body
                .as_ref()
                .is_some_and(|e| e.to_string().contains("invalid_grant"));
            return Err(match (refused_code, body) {
                (true, _) => JoseRefusal::InvalidGrant.into(),
                (false, Some(e)) => e,
                (false, None) => unavailable("token endpoint", "400"),
            });
        }
        let body = self.read("token endpoint", response).await?;
        let answer: TokenAnswer =
            serde_json::from_str(&body).map_err(|e| unavailable("token endpoint", e))?;
        match (answer.id_token, answer.access_token) {
            (Some(id_token), Some(access)) => Ok(Tokens {
                id_token,
                access_token: SecretString::from(access),
            }),
            _ => Err(unavailable("token endpoint", "no id_token or access_token")),
        }
    }

    async fn userinfo(&self, access_token: &SecretString) -> Result<String, IdpError> {
        let endpoint = self
            .with_known(|k| k.discovery.userinfo_endpoint.clone())
            .await?;
        let response = self
            .http
            .get(&endpoint)
            .bearer_auth(access_token.expose_secret())
            .send()
            .await
            .map_err(|e| unavailable("userinfo", e))?;
        let body = self.read("userinfo", response).await?;
        if body.trim_start().starts_with('{') {
            // Plain JSON: neither signed nor encrypted.
            return Err(JoseRefusal::Unencrypted.into());
        }
        Ok(body)
    }

    async fn open(&self, jwe: &str, keys: &[DecryptionKey]) -> Result<Opened, IdpError> {
        let inner = Self::decrypt(jwe, keys)?;
        let jws = String::from_utf8(inner).map_err(malformed)?;
        let payload = self.verify(&jws).await?;
        Ok(Opened { jws, payload })
    }

    fn new_key(&self, alg: &str, kid: &str) -> Result<NewKey, String> {
        new_key(alg, kid)
    }
}

/// `scheme://host[:port]` of a URL.
fn origin(url: &str) -> &str {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    let end = url[after_scheme..]
        .find(['/', '?', '#'])
        .map_or(url.len(), |i| after_scheme + i);
    &url[..end]
}

/// An `http://` URL on the loopback (the test and demo provider).
fn loopback_http(url: &str) -> bool {
    let Some(rest) = url.strip_prefix("http://") else {
        return false;
    };
    let host = origin(url)["http://".len()..].to_owned();
    let host = match host.rsplit_once(':') {
        Some((h, port)) if port.chars().all(|c| c.is_ascii_digit()) && !h.is_empty() => h,
        _ => host.as_str(),
    };
    !rest.is_empty() && matches!(host, "127.0.0.1" | "localhost" | "[::1]")
}

/// A new encryption key pair for `alg`: RSA 2048 for `RSA-OAEP-256`,
/// P-256 for `ECDH-ES`.
pub fn new_key(alg: &str, kid: &str) -> Result<NewKey, String> {
    let mut jwk = match alg {
        "RSA-OAEP-256" => Jwk::generate_rsa_key(2048),
        "ECDH-ES" => Jwk::generate_ec_key(EcCurve::P256),
        other => return Err(format!("no key algorithm {other:?}")),
    }
    .map_err(|e| e.to_string())?;
    jwk.set_algorithm(alg);
    jwk.set_key_use("enc");
    jwk.set_key_id(kid);
    let mut public = jwk.to_public_key().map_err(|e| e.to_string())?;
    public.set_algorithm(alg);
    public.set_key_use("enc");
    public.set_key_id(kid);
    Ok(NewKey {
        key: DecryptionKey {
            kid: kid.to_owned(),
            alg: alg.to_owned(),
            private_jwk: SecretString::from(jwk.to_string()),
        },
        public_jwk: public.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use josekit::jwe::JweHeader;
    use josekit::jws::JwsHeader;

    fn encrypt(alg: &str, public_jwk: &str, kid: &str, payload: &[u8]) -> String {
        let jwk = Jwk::from_bytes(public_jwk.as_bytes()).unwrap();
        let mut h = JweHeader::new();
        h.set_algorithm(alg);
        h.set_content_encryption("A256GCM");
        h.set_key_id(kid);
        if alg == "ECDH-ES" {
            let e = josekit::jwe::ECDH_ES.encrypter_from_jwk(&jwk).unwrap();
            josekit::jwe::serialize_compact(payload, &h, &e).unwrap()
        } else {
            let e = josekit::jwe::RSA_OAEP_256.encrypter_from_jwk(&jwk).unwrap();
            josekit::jwe::serialize_compact(payload, &h, &e).unwrap()
        }
    }

    #[test]
    fn keys_round_trip_for_both_algorithms() {
        for alg in espace_app::ports::KEY_ALGORITHMS {
            let k = new_key(alg, "k1").unwrap();
            assert!(!k.public_jwk.contains("\"d\""), "public only");
            let jwe = encrypt(alg, &k.public_jwk, "k1", b"hello");
            assert_eq!(
                OidcClient::decrypt(&jwe, std::slice::from_ref(&k.key)).unwrap(),
                b"hello"
            );
            // Another key of the same alg cannot open it.
            let other = new_key(alg, "k1").unwrap();
            assert!(matches!(
                OidcClient::decrypt(&jwe, &[other.key]),
                Err(IdpError::Refused(JoseRefusal::Undecryptable))
            ));
            // Nor a key with another kid.
            let mut renamed = k.key.clone();
            renamed.kid = "k2".into();
            assert!(matches!(
                OidcClient::decrypt(&jwe, &[renamed]),
                Err(IdpError::Refused(JoseRefusal::UnknownEncryptionKey(_)))
            ));
        }
    }

    #[test]
    fn only_loopback_addresses_may_be_plain_http() {
        assert!(loopback_http(
            "http://127.0.0.1:9090/.well-known/openid-configuration"
        ));
        assert!(loopback_http("http://localhost/x"));
        assert!(loopback_http("http://[::1]:8080/x"));
        assert!(!loopback_http("http://127.0.0.1.evil.example/x"));
        assert!(!loopback_http("http://10.0.0.1/x"));
        assert!(!loopback_http("https://127.0.0.1/x"));
        assert_eq!(
            origin("https://op.example:8443/a/b?c"),
            "https://op.example:8443"
        );
    }

    #[test]
    fn bare_jws_and_other_algorithms_are_refused() {
        let signer_key = josekit::jws::ES256.generate_key_pair().unwrap();
        let signer = josekit::jws::ES256
            .signer_from_jwk(&signer_key.to_jwk_private_key())
            .unwrap();
        let jws = josekit::jws::serialize_compact(b"{}", &JwsHeader::new(), &signer).unwrap();
        let k = new_key("ECDH-ES", "k1").unwrap();
        assert!(matches!(
            OidcClient::decrypt(&jws, std::slice::from_ref(&k.key)),
            Err(IdpError::Refused(JoseRefusal::Unencrypted))
        ));
        let h = URL_SAFE_NO_PAD.encode(br#"{"alg":"dir","enc":"A256GCM"}"#);
        assert!(matches!(
            OidcClient::decrypt(&format!("{h}..a.b.c"), &[k.key]),
            Err(IdpError::Refused(JoseRefusal::EncryptionAlgorithm(_)))
        ));
    }
}
