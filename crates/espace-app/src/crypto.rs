//! Secrets in one place: random tokens, keyed digests, CSRF tokens, and
//! password hashing on a bounded pool (DESIGN §4).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use argon2::{Algorithm, Argon2, Params, PasswordHash, PasswordHasher, PasswordVerifier, Version};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chacha20poly1305::ChaCha20Poly1305;
use chacha20poly1305::aead::{Aead, Payload};
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use tokio::sync::Semaphore;

use crate::config::Argon2Config;
use crate::error::AppError;
use crate::ports::Store;

type HmacSha256 = Hmac<Sha256>;

/// `n` bytes from the operating system's CSPRNG.
pub fn random_bytes<const N: usize>() -> Result<[u8; N], AppError> {
    let mut buf = [0u8; N];
    getrandom::fill(&mut buf).map_err(|e| AppError::Unexpected(format!("randomness: {e}")))?;
    Ok(buf)
}

/// A 256-bit random token, base64url without padding (43 characters).
pub fn random_token() -> Result<String, AppError> {
    Ok(URL_SAFE_NO_PAD.encode(random_bytes::<32>()?))
}

pub fn sha256_hex(input: &str) -> String {
    hex(&Sha256::digest(input.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn hmac(key: &[u8], parts: &[&[u8]]) -> Result<Vec<u8>, AppError> {
    let mut mac =
        HmacSha256::new_from_slice(key).map_err(|e| AppError::Unexpected(e.to_string()))?;
    for part in parts {
        mac.update(&(part.len() as u64).to_be_bytes());
        mac.update(part);
    }
    Ok(mac.finalize().into_bytes().to_vec())
}

/// Keys generated on first start and kept in the database, so that every
/// instance sharing it agrees on them.
#[derive(Clone)]
pub struct ServerKeys {
    csrf: [u8; 32],
    fingerprint: [u8; 32],
    codes: [u8; 32],
}

impl std::fmt::Debug for ServerKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ServerKeys(..)")
    }
}

impl ServerKeys {
    pub(crate) async fn load_or_create(store: &dyn Store) -> Result<Self, AppError> {
        let mut tx = store.begin().await?;
        let mut load = async |name: &str| -> Result<[u8; 32], AppError> {
            tx.insert_secret_if_absent(name, &random_bytes::<32>()?)
                .await?;
            let bytes = tx
                .secret(name)
                .await?
                .ok_or_else(|| AppError::Unexpected(format!("server key {name} missing")))?;
            bytes.try_into().map_err(|_| {
                AppError::Unexpected(format!("server key {name} has the wrong length"))
            })
        };
        let csrf = load("csrf-v1").await?;
        let fingerprint = load("attempt-fingerprint-v1").await?;
        let codes = load("one-time-codes-v1").await?;
        tx.commit().await?;
        Ok(Self {
            csrf,
            fingerprint,
            codes,
        })
    }

    /// The CSRF synchronizer token of a browser session: derived from the
    /// session token, so it changes whenever the session id is rotated.
    pub fn csrf_token(&self, session_token: &str) -> Result<String, AppError> {
        Ok(URL_SAFE_NO_PAD.encode(hmac(&self.csrf, &[b"csrf", session_token.as_bytes()])?))
    }

    pub fn csrf_matches(&self, session_token: &str, presented: &str) -> bool {
        self.csrf_token(session_token)
            .is_ok_and(|expected| bool::from(expected.as_bytes().ct_eq(presented.as_bytes())))
    }

    /// A keyed fingerprint of a wrong password typed by one browser (its
    /// device cookie), to notice that browser trying it again without
    /// storing it (ADR 0004). Another browser typing the same password gets
    /// another fingerprint: nobody learns what someone else tried.
    pub fn attempt_fingerprint(
        &self,
        key: &str,
        device: &str,
        password: &str,
    ) -> Result<String, AppError> {
        let mac = hmac(
            &self.fingerprint,
            &[key.as_bytes(), device.as_bytes(), password.as_bytes()],
        )?;
        Ok(hex(&mac[..16]))
    }
}

impl ServerKeys {
    /// The stored form of a one-time code: an HMAC bound to the login, the
    /// purpose and the target, so that a code (only a million values) is
    /// worthless without the server key and cannot serve another purpose.
    pub fn code_hash(
        &self,
        login: uuid::Uuid,
        purpose: &str,
        target: &str,
        code: &str,
    ) -> Result<String, AppError> {
        let mac = hmac(
            &self.codes,
            &[
                login.as_bytes(),
                purpose.as_bytes(),
                target.as_bytes(),
                code.as_bytes(),
            ],
        )?;
        Ok(hex(&mac))
    }

    pub fn code_matches(
        &self,
        stored: &str,
        login: uuid::Uuid,
        purpose: &str,
        target: &str,
        code: &str,
    ) -> bool {
        self.code_hash(login, purpose, target, code)
            .is_ok_and(|h| bool::from(h.as_bytes().ct_eq(stored.as_bytes())))
    }
}

/// A uniformly drawn 6-digit code (rejection sampling: no modulo bias).
pub fn random_code() -> Result<String, AppError> {
    loop {
        let n = u32::from_be_bytes(random_bytes::<4>()?);
        // The largest multiple of 1e6 below 2^32.
        if n < 4_294_000_000 {
            return Ok(format!("{:06}", n % 1_000_000));
        }
    }
}

/// A case reference people can read out on the phone: 12 characters of
/// Crockford's base 32 (no I, L, O or U), 60 random bits, in groups of
/// four: `K7QM-3XHD-9RZB`.
pub fn random_reference() -> Result<String, AppError> {
    const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let bytes = random_bytes::<12>()?;
    let mut out = String::with_capacity(14);
    for (i, b) in bytes.iter().enumerate() {
        if i > 0 && i % 4 == 0 {
            out.push('-');
        }
        // 256 is a multiple of 32: the low five bits are uniform.
        out.push(char::from(ALPHABET[usize::from(b & 31)]));
    }
    Ok(out)
}

/// A typed reference in its canonical form: upper case, the look-alike
/// letters read as digits (O → 0, I and L → 1), grouped by four.
pub fn normalize_reference(typed: &str) -> Option<String> {
    let chars: Vec<char> = typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            c => c,
        })
        .collect();
    let valid = chars.len() == 12
        && chars
            .iter()
            .all(|c| c.is_ascii_digit() || (c.is_ascii_uppercase() && *c != 'U'));
    valid.then(|| {
        chars
            .chunks(4)
            .map(|g| g.iter().collect::<String>())
            .collect::<Vec<_>>()
            .join("-")
    })
}

/// Seals secrets kept in the database (authenticator seeds) with
/// ChaCha20-Poly1305 under a key from the configuration
/// (`app.secrets_key`), never from the database: a copy of the database
/// alone does not reveal them. Each sealed value is bound to its owner
/// (the associated data), so it cannot be moved to another row.
#[derive(Clone)]
pub struct SecretSealer {
    cipher: Option<ChaCha20Poly1305>,
}

impl std::fmt::Debug for SecretSealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SecretSealer(configured: {})", self.cipher.is_some())
    }
}

/// The format version in front of every sealed value.
const SEALED_V1: u8 = 1;

impl SecretSealer {
    /// From the configured key: 32 bytes in base64 (standard or URL-safe).
    pub fn new(key: Option<&str>) -> Result<Self, String> {
        let Some(key) = key.map(str::trim).filter(|k| !k.is_empty()) else {
            return Ok(Self { cipher: None });
        };
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(key)
            .or_else(|_| URL_SAFE_NO_PAD.decode(key.trim_end_matches('=')))
            .map_err(|_| "app.secrets_key is not base64".to_owned())?;
        let key: [u8; 32] = bytes
            .try_into()
            .map_err(|_| "app.secrets_key must be 32 bytes (44 base64 characters)".to_owned())?;
        Ok(Self {
            cipher: Some(<ChaCha20Poly1305 as chacha20poly1305::KeyInit>::new(
                &key.into(),
            )),
        })
    }

    /// Whether a key is configured (authenticator apps need one).
    pub fn available(&self) -> bool {
        self.cipher.is_some()
    }

    fn cipher(&self) -> Result<&ChaCha20Poly1305, AppError> {
        self.cipher
            .as_ref()
            .ok_or_else(|| AppError::Unexpected("app.secrets_key is not configured".into()))
    }

    pub fn seal(&self, plaintext: &[u8], owner: &[u8]) -> Result<Vec<u8>, AppError> {
        let nonce = random_bytes::<12>()?;
        let sealed = self
            .cipher()?
            .encrypt(
                &nonce.into(),
                Payload {
                    msg: plaintext,
                    aad: owner,
                },
            )
            .map_err(|_| AppError::Unexpected("sealing failed".into()))?;
        let mut out = Vec::with_capacity(1 + 12 + sealed.len());
        out.push(SEALED_V1);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        Ok(out)
    }

    pub fn open(&self, sealed: &[u8], owner: &[u8]) -> Result<Vec<u8>, AppError> {
        let broken = || AppError::Unexpected("a sealed secret does not open".into());
        let (version, rest) = sealed.split_first().ok_or_else(broken)?;
        if *version != SEALED_V1 || rest.len() < 12 {
            return Err(broken());
        }
        let (nonce, body) = rest.split_at(12);
        let nonce: [u8; 12] = nonce.try_into().map_err(|_| broken())?;
        self.cipher()?
            .decrypt(
                &nonce.into(),
                Payload {
                    msg: body,
                    aad: owner,
                },
            )
            .map_err(|_| broken())
    }
}

/// The result of checking a password against a stored hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verification {
    pub valid: bool,
    /// The stored hash uses weaker parameters than configured.
    pub needs_rehash: bool,
}

/// Argon2id on a bounded pool of blocking threads. A storm of sign-ins
/// queues here (up to a limit, then "busy") instead of taking every core.
#[derive(Clone)]
pub struct PasswordHasherPool {
    permits: Arc<Semaphore>,
    in_flight: Arc<AtomicUsize>,
    capacity: usize,
    workers: usize,
    params: Params,
    dummy_hash: Arc<str>,
}

impl PasswordHasherPool {
    pub async fn new(config: &Argon2Config) -> Result<Self, AppError> {
        let params = Params::new(
            config.memory_kib,
            config.iterations,
            config.parallelism,
            None,
        )
        .map_err(|e| AppError::Config(format!("argon2: {e}")))?;
        let workers = config.effective_workers();
        let mut pool = Self {
            permits: Arc::new(Semaphore::new(workers)),
            in_flight: Arc::new(AtomicUsize::new(0)),
            capacity: workers + config.max_waiting,
            workers,
            params,
            dummy_hash: Arc::from(""),
        };
        // Unknown identifiers are checked against this hash so that they
        // take as long as known ones (ASVS 6.3.8).
        let dummy = pool.hash(SecretString::from(random_token()?)).await?;
        pool.dummy_hash = Arc::from(dummy);
        Ok(pool)
    }

    pub fn workers(&self) -> usize {
        self.workers
    }

    fn argon2(params: Params) -> Argon2<'static> {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
    }

    async fn run<T, F>(&self, job: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(Argon2<'static>) -> T + Send + 'static,
    {
        if self.in_flight.fetch_add(1, Ordering::SeqCst) >= self.capacity {
            self.in_flight.fetch_sub(1, Ordering::SeqCst);
            metrics::counter!("espace_password_hash_busy_total").increment(1);
            return Err(AppError::Busy);
        }
        let result = async {
            let permit = Arc::clone(&self.permits)
                .acquire_owned()
                .await
                .map_err(|e| AppError::Unexpected(e.to_string()))?;
            let params = self.params.clone();
            tokio::task::spawn_blocking(move || {
                let _permit = permit;
                let start = std::time::Instant::now();
                let out = job(Self::argon2(params));
                // Busy time of the pool: the benchmark derives the Argon2
                // bound of a run from it (count / sum × workers).
                metrics::histogram!("espace_password_hash_duration_seconds")
                    .record(start.elapsed().as_secs_f64());
                out
            })
            .await
            .map_err(|e| AppError::Unexpected(format!("hashing task: {e}")))
        }
        .await;
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
        result
    }

    /// A PHC string (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`) with a fresh
    /// 128-bit salt.
    pub async fn hash(&self, password: SecretString) -> Result<String, AppError> {
        self.run(move |argon| {
            argon
                .hash_password(password.expose_secret().as_bytes())
                .map(|h| h.to_string())
                .map_err(|e| AppError::Unexpected(format!("argon2: {e}")))
        })
        .await?
    }

    /// Checks a password; with no stored hash, checks the dummy hash so the
    /// answer takes the same time and is always "invalid".
    pub async fn verify(
        &self,
        stored: Option<String>,
        password: SecretString,
    ) -> Result<Verification, AppError> {
        let known = stored.is_some();
        let phc = stored.unwrap_or_else(|| self.dummy_hash.to_string());
        let wanted = self.params.clone();
        self.run(move |argon| {
            let Ok(parsed) = PasswordHash::new(&phc) else {
                return Verification {
                    valid: false,
                    needs_rehash: false,
                };
            };
            let valid = argon
                .verify_password(password.expose_secret().as_bytes(), &parsed)
                .is_ok()
                && known;
            Verification {
                valid,
                needs_rehash: valid && Self::is_weaker(&parsed, &wanted),
            }
        })
        .await
    }

    fn is_weaker(parsed: &PasswordHash, wanted: &Params) -> bool {
        if parsed.algorithm.as_str() != "argon2id" || parsed.version != Some(0x13) {
            return true;
        }
        match Params::try_from(parsed) {
            Ok(p) => {
                p.m_cost() < wanted.m_cost()
                    || p.t_cost() < wanted.t_cost()
                    || p.p_cost() < wanted.p_cost()
            }
            Err(_) => true,
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn sealed_secrets_open_only_with_the_key_and_for_their_owner() {
        let key = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
        let sealer = super::SecretSealer::new(Some(key)).unwrap();
        let sealed = sealer.seal(b"seed", b"login-1").unwrap();
        assert_ne!(&sealed[13..], b"seed");
        assert_eq!(sealer.open(&sealed, b"login-1").unwrap(), b"seed");
        assert!(
            sealer.open(&sealed, b"login-2").is_err(),
            "bound to its owner"
        );
        let other =
            super::SecretSealer::new(Some("AQECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=")).unwrap();
        assert!(other.open(&sealed, b"login-1").is_err());
        assert!(!super::SecretSealer::new(None).unwrap().available());
        assert!(super::SecretSealer::new(Some("short")).is_err());
    }
    #[test]
    fn references_are_readable_and_read_back_leniently() {
        let r = super::random_reference().unwrap();
        assert_eq!(r.len(), 14);
        assert_eq!(super::normalize_reference(&r).as_deref(), Some(r.as_str()));
        assert_eq!(
            super::normalize_reference(" k7qm 3xhd-9rzo ").as_deref(),
            Some("K7QM-3XHD-9RZ0")
        );
        assert_eq!(super::normalize_reference("K7QM-3XHD-9RZ"), None);
        assert_eq!(super::normalize_reference("K7QM-3XHD-9RZU"), None);
        assert_eq!(super::normalize_reference("K7QM-3XHD-9RZ!"), None);
    }

    use super::*;

    #[tokio::test]
    async fn hash_is_argon2id_with_configured_parameters_and_a_unique_salt() {
        let pool = PasswordHasherPool::new(&Argon2Config::default())
            .await
            .unwrap();
        let a = pool
            .hash(SecretString::from("Espace#2026".to_owned()))
            .await
            .unwrap();
        let b = pool
            .hash(SecretString::from("Espace#2026".to_owned()))
            .await
            .unwrap();
        assert!(a.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{a}");
        assert_ne!(a, b, "salts differ");
        let parsed = PasswordHash::new(&a).unwrap();
        assert!(parsed.salt.unwrap().as_ref().len() >= 16);
        let ok = pool
            .verify(
                Some(a.clone()),
                SecretString::from("Espace#2026".to_owned()),
            )
            .await
            .unwrap();
        assert_eq!(
            ok,
            Verification {
                valid: true,
                needs_rehash: false
            }
        );
        let wrong = pool
            .verify(Some(a), SecretString::from("espace#2026".to_owned()))
            .await
            .unwrap();
        assert!(!wrong.valid);
        let unknown = pool
            .verify(None, SecretString::from("anything".to_owned()))
            .await
            .unwrap();
        assert!(!unknown.valid);
    }

    #[tokio::test]
    async fn raised_parameters_ask_for_a_rehash() {
        let pool = PasswordHasherPool::new(&Argon2Config::default())
            .await
            .unwrap();
        let old = pool
            .hash(SecretString::from("Espace#2026".to_owned()))
            .await
            .unwrap();
        let stronger = PasswordHasherPool::new(&Argon2Config {
            iterations: 3,
            ..Argon2Config::default()
        })
        .await
        .unwrap();
        let v = stronger
            .verify(Some(old), SecretString::from("Espace#2026".to_owned()))
            .await
            .unwrap();
        assert_eq!(
            v,
            Verification {
                valid: true,
                needs_rehash: true
            }
        );
    }

    #[tokio::test]
    async fn a_full_queue_answers_busy_instead_of_waiting() {
        let pool = PasswordHasherPool::new(&Argon2Config {
            workers: 1,
            max_waiting: 0,
            ..Argon2Config::default()
        })
        .await
        .unwrap();
        let p2 = pool.clone();
        let first = tokio::spawn(async move { p2.hash(SecretString::from("a".to_owned())).await });
        tokio::task::yield_now().await;
        // Wait until the first job holds the only slot.
        while pool.in_flight.load(Ordering::SeqCst) == 0 {
            tokio::task::yield_now().await;
        }
        assert!(matches!(
            pool.hash(SecretString::from("b".to_owned())).await,
            Err(AppError::Busy)
        ));
        assert!(first.await.unwrap().is_ok());
    }
}
