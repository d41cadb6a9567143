//! A phone for the companion app's tests: a software passkey (WebAuthn,
//! ES256, attestation "none", user verified) and a push service that
//! records what it receives, with the subscription keys to decrypt it.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use p256::SecretKey;
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey};
use p256::elliptic_curve::sec1::ToEncodedPoint;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn random<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    getrandom::fill(&mut b).unwrap();
    b
}

/// CBOR head of a byte string.
fn cbor_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    match bytes.len() {
        n @ 0..=23 => out.push(0x40 | n as u8),
        n @ 24..=255 => out.extend([0x58, n as u8]),
        n => {
            out.push(0x59);
            out.extend((n as u16).to_be_bytes());
        }
    }
    out.extend_from_slice(bytes);
}

fn cbor_text(out: &mut Vec<u8>, text: &str) {
    out.push(0x60 | text.len() as u8);
    out.extend_from_slice(text.as_bytes());
}

/// A platform authenticator holding one credential.
pub struct SoftPasskey {
    key: SigningKey,
    pub credential_id: Vec<u8>,
    origin: String,
    rp_id: String,
    counter: u32,
    /// Set the "user verified" flag (a phone whose biometrics passed).
    pub verify_user: bool,
}

impl SoftPasskey {
    /// A passkey for the site at `origin` (its host is the RP id).
    pub fn new(origin: &str) -> Self {
        let rp_id = reqwest::Url::parse(origin)
            .unwrap()
            .host_str()
            .unwrap()
            .to_owned();
        Self {
            key: SigningKey::from_slice(&random::<32>()).unwrap(),
            credential_id: random::<32>().to_vec(),
            origin: origin.to_owned(),
            rp_id,
            counter: 0,
            verify_user: true,
        }
    }

    fn client_data(&self, kind: &str, options: &Value) -> Vec<u8> {
        let challenge = options["publicKey"]["challenge"].as_str().unwrap();
        json!({
            "type": kind,
            "challenge": challenge,
            "origin": self.origin,
            "crossOrigin": false,
        })
        .to_string()
        .into_bytes()
    }

    fn auth_data(&mut self, attested: bool) -> Vec<u8> {
        let mut data = Sha256::digest(self.rp_id.as_bytes()).to_vec();
        let uv = if self.verify_user { 0x04 } else { 0 };
        data.push(0x01 | uv | if attested { 0x40 } else { 0 });
        self.counter += 1;
        data.extend(self.counter.to_be_bytes());
        if attested {
            data.extend([0u8; 16]);
            data.extend((self.credential_id.len() as u16).to_be_bytes());
            data.extend(&self.credential_id);
            let point = self.key.verifying_key().to_encoded_point(false);
            // COSE_Key: kty EC2, alg ES256, crv P-256, x, y.
            data.extend([0xa5, 0x01, 0x02, 0x03, 0x26, 0x20, 0x01, 0x21]);
            cbor_bytes(&mut data, point.x().unwrap());
            data.push(0x22);
            cbor_bytes(&mut data, point.y().unwrap());
        }
        data
    }

    /// Answers `navigator.credentials.create()` for the server's options
    /// (`{"publicKey": …}`): the JSON the browser would post.
    pub fn create(&mut self, options: &Value) -> String {
        let client_data = self.client_data("webauthn.create", options);
        let auth_data = self.auth_data(true);
        let mut att = vec![0xa3];
        cbor_text(&mut att, "fmt");
        cbor_text(&mut att, "none");
        cbor_text(&mut att, "attStmt");
        att.push(0xa0);
        cbor_text(&mut att, "authData");
        cbor_bytes(&mut att, &auth_data);
        json!({
            "id": b64(&self.credential_id),
            "rawId": b64(&self.credential_id),
            "type": "public-key",
            "response": {
                "attestationObject": b64(&att),
                "clientDataJSON": b64(&client_data),
            },
            "extensions": {},
        })
        .to_string()
    }

    /// Answers `navigator.credentials.get()`.
    pub fn get(&mut self, options: &Value) -> String {
        let client_data = self.client_data("webauthn.get", options);
        let auth_data = self.auth_data(false);
        let mut signed = auth_data.clone();
        signed.extend(Sha256::digest(&client_data));
        let signature: Signature = self.key.sign(&signed);
        json!({
            "id": b64(&self.credential_id),
            "rawId": b64(&self.credential_id),
            "type": "public-key",
            "response": {
                "authenticatorData": b64(&auth_data),
                "clientDataJSON": b64(&client_data),
                "signature": b64(signature.to_der().as_bytes()),
                "userHandle": null,
            },
            "extensions": {},
        })
        .to_string()
    }
}

/// A message the push service received.
#[derive(Debug, Clone)]
pub struct Pushed {
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

/// A push service on 127.0.0.1 with one subscription: it accepts every
/// message (201) and keeps it.
pub struct PushService {
    pub addr: SocketAddr,
    pub received: Arc<Mutex<Vec<Pushed>>>,
    secret: SecretKey,
    auth: [u8; 16],
}

impl PushService {
    pub async fn start() -> Self {
        let received: Arc<Mutex<Vec<Pushed>>> = Arc::default();
        let kept = received.clone();
        let app = axum::Router::new().route(
            "/push/{id}",
            axum::routing::post(move |headers: HeaderMap, body: Bytes| {
                let kept = kept.clone();
                async move {
                    kept.lock().unwrap().push(Pushed {
                        headers,
                        body: body.to_vec(),
                    });
                    StatusCode::CREATED
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self {
            addr,
            received,
            secret: SecretKey::from_slice(&random::<32>()).unwrap(),
            auth: random::<16>(),
        }
    }

    /// The subscription as `PushSubscription.toJSON()` gives it.
    pub fn subscription(&self) -> String {
        json!({
            "endpoint": format!("http://{}/push/device-1", self.addr),
            "expirationTime": null,
            "keys": {
                "p256dh": b64(self.secret.public_key().to_encoded_point(false).as_bytes()),
                "auth": b64(&self.auth),
            },
        })
        .to_string()
    }

    /// Waits (up to 5 s) for the `n`-th message, and decrypts it with the
    /// subscription's keys.
    pub async fn message(&self, n: usize) -> (Pushed, Value) {
        for _ in 0..100 {
            if let Some(p) = self.received.lock().unwrap().get(n).cloned() {
                let plain = espace_notify::webpush::decrypt(&self.secret, &self.auth, &p.body)
                    .unwrap_or_else(|e| panic!("push message does not decrypt: {e}"));
                return (p, serde_json::from_slice(&plain).unwrap());
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("no push message #{n} arrived");
    }
}
