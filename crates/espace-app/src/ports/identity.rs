//! The OpenID provider port (FranceConnect+, SPEC §4.7): transport and
//! JOSE. The adapter (`espace-oidc`) talks to the provider and opens what
//! it answers; the use cases (`franceconnect.rs`) decide what the claims
//! are worth.

use async_trait::async_trait;
use secrecy::SecretString;

/// What the provider's discovery document says that Espace needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderInfo {
    pub issuer: String,
    pub authorization_endpoint: String,
    pub end_session_endpoint: Option<String>,
}

/// The token endpoint's answer.
#[derive(Debug, Clone)]
pub struct Tokens {
    /// As received (a JWE).
    pub id_token: String,
    pub access_token: SecretString,
}

/// A JWE opened and its signature verified.
#[derive(Debug, Clone)]
pub struct Opened {
    /// The signed token inside (what the provider's end-session takes as
    /// `id_token_hint`: it can verify its own signature, not decrypt).
    pub jws: String,
    /// Its verified payload.
    pub payload: Vec<u8>,
}

/// One of Espace's encryption keys, private part included (a JWK).
#[derive(Debug, Clone)]
pub struct DecryptionKey {
    pub kid: String,
    /// `RSA-OAEP-256` or `ECDH-ES`.
    pub alg: String,
    pub private_jwk: SecretString,
}

/// A new key pair.
#[derive(Debug, Clone)]
pub struct NewKey {
    pub key: DecryptionKey,
    /// The public JWK, as published.
    pub public_jwk: String,
}

/// The key-management algorithms Espace accepts and publishes keys for.
pub const KEY_ALGORITHMS: [&str; 2] = ["RSA-OAEP-256", "ECDH-ES"];

/// Why an answer of the provider is refused. Each has a stable code for
/// the audit trail.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JoseRefusal {
    /// A signed token where an encrypted one is required.
    #[error("not encrypted")]
    Unencrypted,
    /// `alg`/`enc` of the JWE not among those accepted.
    #[error("encryption algorithm {0:?}")]
    EncryptionAlgorithm(String),
    /// No key of Espace has this `kid`.
    #[error("unknown encryption key {0:?}")]
    UnknownEncryptionKey(String),
    #[error("cannot be decrypted")]
    Undecryptable,
    /// `alg` of the JWS inside not among those accepted (`none` included).
    #[error("signature algorithm {0:?}")]
    SignatureAlgorithm(String),
    /// No key of the provider has this `kid`, even after a fresh look.
    #[error("unknown signing key {0:?}")]
    UnknownSigningKey(String),
    #[error("bad signature")]
    BadSignature,
    #[error("malformed: {0}")]
    Malformed(String),
    /// The token endpoint refused the code (`invalid_grant`): used, expired,
    /// issued to someone else, or a PKCE verifier that does not match.
    #[error("code refused by the provider")]
    InvalidGrant,
}

impl JoseRefusal {
    pub fn code(&self) -> &'static str {
        match self {
            JoseRefusal::Unencrypted => "unencrypted",
            JoseRefusal::EncryptionAlgorithm(_) => "encryption-algorithm",
            JoseRefusal::UnknownEncryptionKey(_) => "unknown-encryption-key",
            JoseRefusal::Undecryptable => "undecryptable",
            JoseRefusal::SignatureAlgorithm(_) => "signature-algorithm",
            JoseRefusal::UnknownSigningKey(_) => "unknown-kid",
            JoseRefusal::BadSignature => "bad-signature",
            JoseRefusal::Malformed(_) => "malformed",
            JoseRefusal::InvalidGrant => "invalid-grant",
        }
    }
}

/// What can go wrong talking to the provider.
#[derive(Debug, Clone, thiserror::Error)]
pub enum IdpError {
    /// Network, discovery, or an error answer of an endpoint.
    #[error("provider unavailable: {0}")]
    Unavailable(String),
    #[error("refused: {0}")]
    Refused(#[from] JoseRefusal),
}

#[async_trait]
pub trait IdentityProvider: Send + Sync {
    /// The discovery document (fetched once, then kept).
    async fn provider(&self) -> Result<ProviderInfo, IdpError>;
    /// Redeems an authorization code with its PKCE verifier.
    async fn redeem(
        &self,
        code: &str,
        verifier: &str,
        redirect_uri: &str,
    ) -> Result<Tokens, IdpError>;
    /// The userinfo endpoint's answer, as received (a JWE).
    async fn userinfo(&self, access_token: &SecretString) -> Result<String, IdpError>;
    /// Decrypts a JWE with one of `keys` (RSA-OAEP-256 or ECDH-ES, with
    /// A256GCM) and verifies the JWS inside (ES256 or RS256) against the
    /// provider's published keys: the verified payload. Nothing else is
    /// accepted: a bare JWS, `alg: none`, an unknown `kid`.
    async fn open(&self, jwe: &str, keys: &[DecryptionKey]) -> Result<Opened, IdpError>;
    /// A new encryption key pair for `alg` (one of [`KEY_ALGORITHMS`]).
    fn new_key(&self, alg: &str, kid: &str) -> Result<NewKey, String>;
}
