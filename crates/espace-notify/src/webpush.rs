//! Web Push, the cryptography (groundwork of issue 6, the companion app):
//! message encryption for a push subscription (RFC 8291, in the
//! `aes128gcm` content coding of RFC 8188, one record) and the
//! application server's signed identification (VAPID, RFC 8292).
//!
//! The cryptography is pure functions over bytes; [`WebPushSender`]
//! delivers over HTTP (RFC 8030) to the push services the configuration
//! allows, and never anywhere else.

use aes_gcm::aead::Aead;
use aes_gcm::{Aes128Gcm, KeyInit};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hkdf::Hkdf;
use p256::ecdh::diffie_hellman;
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey};
use p256::elliptic_curve::sec1::ToEncodedPoint;
use p256::{PublicKey, SecretKey};
use sha2::Sha256;

use espace_app::ports::{DeliveryError, PushSender, PushSubscription};

/// The record size announced in the header (one record is sent).
const RECORD_SIZE: u32 = 4096;
/// AEAD tag and the padding delimiter take this much of a record.
const OVERHEAD: usize = 16 + 1;
/// Length of an uncompressed P-256 point.
const POINT: usize = 65;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PushCryptoError {
    #[error("the subscription's key is not a P-256 public key")]
    BadKey,
    #[error("the subscription's authentication secret is not 16 bytes")]
    BadAuth,
    #[error("the message does not fit in one record")]
    TooLong,
    #[error("the message does not decrypt")]
    Undecryptable,
    #[error("the random source failed")]
    Random,
    #[error("the push endpoint is not an https or http URL")]
    BadEndpoint,
}

/// What a browser's push subscription gives the application server.
#[derive(Debug, Clone, Copy)]
pub struct Subscription<'a> {
    /// `keys.p256dh`: the user agent's public key, uncompressed.
    pub p256dh: &'a [u8],
    /// `keys.auth`: the 16-byte authentication secret.
    pub auth: &'a [u8],
}

fn random<const N: usize>() -> Result<[u8; N], PushCryptoError> {
    let mut b = [0u8; N];
    getrandom::fill(&mut b).map_err(|_| PushCryptoError::Random)?;
    Ok(b)
}

fn new_secret() -> Result<SecretKey, PushCryptoError> {
    // A random 32-byte string is a valid scalar but with probability 2^-32.
    loop {
        if let Ok(k) = SecretKey::from_slice(&random::<32>()?) {
            return Ok(k);
        }
    }
}

fn point(key: &PublicKey) -> Vec<u8> {
    key.to_encoded_point(false).as_bytes().to_vec()
}

/// The content-encryption key and nonce (RFC 8291 §3.4, RFC 8188 §2.2).
fn derive(
    ecdh_secret: &[u8],
    auth: &[u8],
    ua_public: &[u8],
    as_public: &[u8],
    salt: &[u8],
) -> Result<([u8; 16], [u8; 12]), PushCryptoError> {
    let mut info = b"WebPush: info\0".to_vec();
    info.extend_from_slice(ua_public);
    info.extend_from_slice(as_public);
    let mut ikm = [0u8; 32];
    Hkdf::<Sha256>::new(Some(auth), ecdh_secret)
        .expand(&info, &mut ikm)
        .map_err(|_| PushCryptoError::Undecryptable)?;
    let prk = Hkdf::<Sha256>::new(Some(salt), &ikm);
    let mut cek = [0u8; 16];
    let mut nonce = [0u8; 12];
    prk.expand(b"Content-Encoding: aes128gcm\0", &mut cek)
        .and_then(|()| prk.expand(b"Content-Encoding: nonce\0", &mut nonce))
        .map_err(|_| PushCryptoError::Undecryptable)?;
    Ok((cek, nonce))
}

/// Encrypts `plaintext` for a subscription with a fresh key pair and salt:
/// the body of the push request (`Content-Encoding: aes128gcm`).
pub fn encrypt(sub: Subscription<'_>, plaintext: &[u8]) -> Result<Vec<u8>, PushCryptoError> {
    encrypt_with(sub, plaintext, &new_secret()?, random::<16>()?)
}

/// [`encrypt`] with the application server's key pair and the salt given
/// (the RFC's example fixes both).
pub fn encrypt_with(
    sub: Subscription<'_>,
    plaintext: &[u8],
    as_secret: &SecretKey,
    salt: [u8; 16],
) -> Result<Vec<u8>, PushCryptoError> {
    let ua = PublicKey::from_sec1_bytes(sub.p256dh).map_err(|_| PushCryptoError::BadKey)?;
    if sub.auth.len() != 16 {
        return Err(PushCryptoError::BadAuth);
    }
    if plaintext.len() + OVERHEAD > RECORD_SIZE as usize {
        return Err(PushCryptoError::TooLong);
    }
    let shared = diffie_hellman(as_secret.to_nonzero_scalar(), ua.as_affine());
    let as_public = point(&as_secret.public_key());
    let (cek, nonce) = derive(
        shared.raw_secret_bytes(),
        sub.auth,
        &point(&ua),
        &as_public,
        &salt,
    )?;
    let mut record = plaintext.to_vec();
    record.push(2); // the last (and only) record's delimiter, no padding
    let sealed = Aes128Gcm::new(&cek.into())
        .encrypt(&nonce.into(), record.as_slice())
        .map_err(|_| PushCryptoError::Undecryptable)?;
    let mut body = Vec::with_capacity(16 + 4 + 1 + POINT + sealed.len());
    body.extend_from_slice(&salt);
    body.extend_from_slice(&RECORD_SIZE.to_be_bytes());
    body.push(POINT as u8);
    body.extend_from_slice(&as_public);
    body.extend_from_slice(&sealed);
    Ok(body)
}

/// The user agent's side: decrypts a push body with the subscription's
/// private key and authentication secret (the tests' push endpoint).
pub fn decrypt(
    ua_secret: &SecretKey,
    auth: &[u8],
    body: &[u8],
) -> Result<Vec<u8>, PushCryptoError> {
    let bad = || PushCryptoError::Undecryptable;
    let (salt, rest) = body.split_at_checked(16).ok_or_else(bad)?;
    let (_rs, rest) = rest.split_at_checked(4).ok_or_else(bad)?;
    let (idlen, rest) = rest.split_first().ok_or_else(bad)?;
    let (key_id, sealed) = rest.split_at_checked(usize::from(*idlen)).ok_or_else(bad)?;
    let as_public = PublicKey::from_sec1_bytes(key_id).map_err(|_| bad())?;
    let shared = diffie_hellman(ua_secret.to_nonzero_scalar(), as_public.as_affine());
    let (cek, nonce) = derive(
        shared.raw_secret_bytes(),
        auth,
        &point(&ua_secret.public_key()),
        key_id,
        salt,
    )?;
    let mut record = Aes128Gcm::new(&cek.into())
        .decrypt(&nonce.into(), sealed)
        .map_err(|_| bad())?;
    // Padding is zeros after the delimiter; the last record's is 2.
    while record.last() == Some(&0) {
        record.pop();
    }
    match record.pop() {
        Some(2) => Ok(record),
        _ => Err(bad()),
    }
}

/// The application server's VAPID key (RFC 8292): ES256 on P-256.
#[derive(Clone)]
pub struct VapidKey(SigningKey);

impl std::fmt::Debug for VapidKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("VapidKey").field(&self.public_key()).finish()
    }
}

impl VapidKey {
    pub fn generate() -> Result<Self, PushCryptoError> {
        Ok(Self(SigningKey::from(new_secret()?)))
    }

    /// From the 32-byte private scalar, as stored.
    pub fn from_bytes(secret: &[u8]) -> Result<Self, PushCryptoError> {
        SecretKey::from_slice(secret)
            .map(|k| Self(SigningKey::from(k)))
            .map_err(|_| PushCryptoError::BadKey)
    }

    /// The 32-byte private scalar, to store.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.0.to_bytes().to_vec()
    }

    /// The public key as the browser's `applicationServerKey` wants it:
    /// the uncompressed point, base64url without padding.
    pub fn public_key(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.0.verifying_key().to_encoded_point(false).as_bytes())
    }

    /// The `Authorization` header of a push request to `endpoint`: a JWT
    /// for the endpoint's origin, valid until `expires` (Unix seconds, at
    /// most 24 hours ahead), naming the operator's `subject` (a `mailto:`
    /// or `https:` URL).
    pub fn authorization(
        &self,
        endpoint: &str,
        subject: &str,
        expires: i64,
    ) -> Result<String, PushCryptoError> {
        let url = reqwest::Url::parse(endpoint).map_err(|_| PushCryptoError::BadEndpoint)?;
        if !matches!(url.scheme(), "https" | "http") {
            return Err(PushCryptoError::BadEndpoint);
        }
        let audience = url.origin().ascii_serialization();
        let header = URL_SAFE_NO_PAD.encode(br#"{"typ":"JWT","alg":"ES256"}"#);
        let claims = URL_SAFE_NO_PAD.encode(
            serde_json::json!({ "aud": audience, "exp": expires, "sub": subject }).to_string(),
        );
        let input = format!("{header}.{claims}");
        let signature: Signature = self.0.sign(input.as_bytes());
        let jwt = format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature.to_bytes()));
        Ok(format!("vapid t={jwt}, k={}", self.public_key()))
    }
}

/// Delivers pushes to companion devices (`notify.push`).
pub struct WebPushSender {
    key: VapidKey,
    subject: String,
    hosts: Vec<String>,
    allow_http: bool,
    client: reqwest::Client,
}

impl WebPushSender {
    pub fn new(config: &crate::PushConfig, key: VapidKey) -> Result<Self, String> {
        let client = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(config.timeout_secs))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| format!("notify.push: {e}"))?;
        Ok(Self {
            key,
            subject: config.subject.clone(),
            hosts: config.endpoint_hosts.clone(),
            allow_http: config.allow_http,
            client,
        })
    }

    fn host_allowed(&self, host: &str) -> bool {
        let host = host.to_ascii_lowercase();
        self.hosts.iter().any(|allowed| {
            let allowed = allowed.to_ascii_lowercase();
            match allowed.strip_prefix('.') {
                Some(suffix) => host.ends_with(&format!(".{suffix}")),
                None => host == allowed,
            }
        })
    }
}

fn keys_of(sub: &PushSubscription) -> Option<(Vec<u8>, Vec<u8>)> {
    let p256dh = URL_SAFE_NO_PAD
        .decode(sub.p256dh.trim_end_matches('='))
        .ok()?;
    let auth = URL_SAFE_NO_PAD
        .decode(sub.auth.trim_end_matches('='))
        .ok()?;
    (p256dh.len() == POINT && PublicKey::from_sec1_bytes(&p256dh).is_ok() && auth.len() == 16)
        .then_some((p256dh, auth))
}

#[async_trait::async_trait]
impl PushSender for WebPushSender {
    fn public_key(&self) -> String {
        self.key.public_key()
    }

    fn accepts(&self, sub: &PushSubscription) -> bool {
        let Ok(url) = reqwest::Url::parse(&sub.endpoint) else {
            return false;
        };
        let scheme_ok = url.scheme() == "https" || (self.allow_http && url.scheme() == "http");
        scheme_ok
            && url.username().is_empty()
            && url.host_str().is_some_and(|h| self.host_allowed(h))
            && keys_of(sub).is_some()
    }

    async fn push(
        &self,
        sub: &PushSubscription,
        payload: &[u8],
        ttl_secs: u32,
    ) -> Result<(), DeliveryError> {
        if !self.accepts(sub) {
            return Err(DeliveryError::Permanent("endpoint not allowed".into()));
        }
        let (p256dh, auth) =
            keys_of(sub).ok_or_else(|| DeliveryError::Permanent("unreadable keys".into()))?;
        let body = encrypt(
            Subscription {
                p256dh: &p256dh,
                auth: &auth,
            },
            payload,
        )
        .map_err(|e| DeliveryError::Permanent(e.to_string()))?;
        let expires = jiff::Timestamp::now().as_second() + 12 * 3600;
        let authorization = self
            .key
            .authorization(&sub.endpoint, &self.subject, expires)
            .map_err(|e| DeliveryError::Permanent(e.to_string()))?;
        let response = self
            .client
            .post(&sub.endpoint)
            .header("TTL", ttl_secs.to_string())
            .header("Urgency", "high")
            .header("Content-Encoding", "aes128gcm")
            .header("Content-Type", "application/octet-stream")
            .header("Authorization", authorization)
            .body(body)
            .send()
            .await
            .map_err(|e| DeliveryError::Transient(format!("push service unreachable: {e}")))?;
        let status = response.status();
        match status.as_u16() {
            200..=299 => Ok(()),
            429 | 500..=599 => Err(DeliveryError::Transient(format!("push service: {status}"))),
            // 404 and 410: the subscription is gone.
            _ => Err(DeliveryError::Permanent(format!("push service: {status}"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use p256::ecdsa::VerifyingKey;
    use p256::ecdsa::signature::Verifier;

    use super::*;

    fn b64(s: &str) -> Vec<u8> {
        URL_SAFE_NO_PAD.decode(s).unwrap()
    }

    // RFC 8291 §5, "Push Message Encryption Example".
    const PLAINTEXT: &[u8] = b"When I grow up, I want to be a watermelon";
    const UA_PRIVATE: &str = "q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94";
    const UA_PUBLIC: &str =
        "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4";
    const AS_PRIVATE: &str = "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw";
    const AUTH: &str = "BTBZMqHH6r4Tts7J_aSIgg";
    const SALT: &str = "DGv6ra1nlYgDCS1FRnbzlw";
    const BODY: &str = concat!(
        "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27ml",
        "mlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPT",
        "pK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN"
    );

    #[test]
    fn the_rfc_8291_example_is_reproduced_byte_for_byte() {
        let sub = Subscription {
            p256dh: &b64(UA_PUBLIC),
            auth: &b64(AUTH),
        };
        let as_secret = SecretKey::from_slice(&b64(AS_PRIVATE)).unwrap();
        let salt: [u8; 16] = b64(SALT).try_into().unwrap();
        let body = encrypt_with(sub, PLAINTEXT, &as_secret, salt).unwrap();
        assert_eq!(URL_SAFE_NO_PAD.encode(&body), BODY);
        let ua = SecretKey::from_slice(&b64(UA_PRIVATE)).unwrap();
        assert_eq!(decrypt(&ua, &b64(AUTH), &b64(BODY)).unwrap(), PLAINTEXT);
    }

    #[test]
    fn a_fresh_message_decrypts_for_its_subscription_only() {
        let ua = new_secret().unwrap();
        let auth = random::<16>().unwrap();
        let public = point(&ua.public_key());
        let sub = Subscription {
            p256dh: &public,
            auth: &auth,
        };
        let body = encrypt(sub, b"{\"number\":42}").unwrap();
        assert_ne!(
            body,
            encrypt(sub, b"{\"number\":42}").unwrap(),
            "fresh key and salt"
        );
        assert_eq!(decrypt(&ua, &auth, &body).unwrap(), b"{\"number\":42}");
        let other = new_secret().unwrap();
        assert_eq!(
            decrypt(&other, &auth, &body),
            Err(PushCryptoError::Undecryptable)
        );
        assert_eq!(
            decrypt(&ua, &[0; 16], &body),
            Err(PushCryptoError::Undecryptable)
        );
        let mut tampered = body.clone();
        *tampered.last_mut().unwrap() ^= 1;
        assert_eq!(
            decrypt(&ua, &auth, &tampered),
            Err(PushCryptoError::Undecryptable)
        );
        assert_eq!(
            decrypt(&ua, &auth, &body[..30]),
            Err(PushCryptoError::Undecryptable)
        );
    }

    #[test]
    fn bad_subscriptions_and_long_messages_are_refused() {
        let ua = point(&new_secret().unwrap().public_key());
        let auth = [7u8; 16];
        let bad_key = Subscription {
            p256dh: &[4u8; 65],
            auth: &auth,
        };
        assert_eq!(encrypt(bad_key, b"x"), Err(PushCryptoError::BadKey));
        let bad_auth = Subscription {
            p256dh: &ua,
            auth: &[1u8; 15],
        };
        assert_eq!(encrypt(bad_auth, b"x"), Err(PushCryptoError::BadAuth));
        let sub = Subscription {
            p256dh: &ua,
            auth: &auth,
        };
        assert!(encrypt(sub, &[b'a'; 4079]).is_ok());
        assert_eq!(encrypt(sub, &[b'a'; 4080]), Err(PushCryptoError::TooLong));
    }

    #[test]
    fn the_vapid_token_names_the_origin_and_verifies_with_the_public_key() {
        let key = VapidKey::generate().unwrap();
        let again = VapidKey::from_bytes(&key.to_bytes()).unwrap();
        assert_eq!(again.public_key(), key.public_key());
        let header = key
            .authorization(
                "https://push.example:8443/send/abc?x=1",
                "mailto:ops@espace.example",
                1_800_000_000,
            )
            .unwrap();
        let (t, k) = header
            .strip_prefix("vapid t=")
            .and_then(|h| h.split_once(", k="))
            .unwrap();
        assert_eq!(k, key.public_key());
        let parts: Vec<&str> = t.split('.').collect();
        let claims: serde_json::Value = serde_json::from_slice(&b64(parts[1])).unwrap();
        assert_eq!(claims["aud"], "https://push.example:8443");
        assert_eq!(claims["exp"], 1_800_000_000);
        assert_eq!(claims["sub"], "mailto:ops@espace.example");
        let verifying = VerifyingKey::from_sec1_bytes(&b64(k)).unwrap();
        let signature = Signature::from_slice(&b64(parts[2])).unwrap();
        verifying
            .verify(format!("{}.{}", parts[0], parts[1]).as_bytes(), &signature)
            .unwrap();
        assert_eq!(
            key.authorization("ftp://push.example/", "mailto:x@y", 1),
            Err(PushCryptoError::BadEndpoint)
        );
    }
}
