//! The checks Espace makes on what an OpenID provider (FranceConnect+,
//! SPEC §4.7) says about a person, once its signature and encryption are
//! verified: the ID token's claims (OpenID Connect Core §3.1.3.7) and the
//! level of assurance (`acr`) against the one asked for.
//!
//! Pure: the claims, what was expected and the time are passed in.

use jiff::{SignedDuration, Timestamp};
use serde::Deserialize;

/// How far clocks may disagree.
pub const LEEWAY: SignedDuration = SignedDuration::from_secs(60);

/// The eIDAS levels FranceConnect+ speaks, weakest first.
const LEVELS: [&str; 3] = ["eidas1", "eidas2", "eidas3"];

/// The rank of an `acr` value (`None`: unknown, never enough).
pub fn acr_rank(acr: &str) -> Option<usize> {
    LEVELS.iter().position(|l| *l == acr)
}

/// `aud`: one client, or several.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum Audience {
    One(String),
    Many(Vec<String>),
}

impl Audience {
    fn contains(&self, client: &str) -> bool {
        match self {
            Audience::One(a) => a == client,
            Audience::Many(list) => list.iter().any(|a| a == client),
        }
    }

    fn is_single(&self) -> bool {
        match self {
            Audience::One(_) => true,
            Audience::Many(list) => list.len() == 1,
        }
    }
}

/// The claims of an ID token that Espace checks.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct IdTokenClaims {
    pub iss: String,
    pub sub: String,
    pub aud: Audience,
    pub exp: i64,
    pub iat: i64,
    pub nonce: Option<String>,
    pub acr: Option<String>,
    pub azp: Option<String>,
    /// When the person authenticated at the provider.
    pub auth_time: Option<i64>,
}

/// The claims of a userinfo answer that Espace checks (OpenID Connect
/// Core §5.3.2; `iss` and `aud` when a signed answer has them).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct UserinfoClaims {
    pub sub: String,
    pub iss: Option<String>,
    pub aud: Option<Audience>,
}

/// What the ID token must say.
#[derive(Debug, Clone, Copy)]
pub struct Expected<'a> {
    pub issuer: &'a str,
    pub client_id: &'a str,
    pub nonce: &'a str,
    /// The weakest acceptable level (what was asked for).
    pub min_acr: &'a str,
    /// When the request left for the provider, which was asked for a fresh
    /// authentication (`prompt=login`).
    pub requested_at: Timestamp,
    pub now: Timestamp,
}

/// Why the claims are refused. Each has a stable code for the audit.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClaimProblem {
    #[error("issuer")]
    Issuer,
    #[error("audience")]
    Audience,
    #[error("expired")]
    Expired,
    #[error("issued in the future")]
    IssuedInFuture,
    #[error("nonce")]
    Nonce,
    #[error("acr too low: {0:?}")]
    Acr(Option<String>),
    #[error("empty subject")]
    Subject,
    #[error("authenticated before the request")]
    AuthTime,
    #[error("userinfo about someone else")]
    UserinfoSubject,
}

impl ClaimProblem {
    pub fn code(&self) -> &'static str {
        match self {
            ClaimProblem::Issuer => "issuer",
            ClaimProblem::Audience => "audience",
            ClaimProblem::Expired => "expired",
            ClaimProblem::IssuedInFuture => "issued-in-future",
            ClaimProblem::Nonce => "nonce",
            ClaimProblem::Acr(_) => "acr",
            ClaimProblem::Subject => "subject",
            ClaimProblem::AuthTime => "auth-time",
            ClaimProblem::UserinfoSubject => "userinfo-subject",
        }
    }
}

/// Compares two strings in time that does not depend on where they differ.
fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Checks an ID token's claims: issuer, audience (and `azp` when several),
/// expiry and issue time with [`LEEWAY`], the nonce of this request, and
/// a level at least the one asked for.
pub fn check_id_token(claims: &IdTokenClaims, e: &Expected<'_>) -> Result<(), ClaimProblem> {
    if claims.iss != e.issuer {
        return Err(ClaimProblem::Issuer);
    }
    // `azp` is required with several audiences, and must be Espace if
    // present at all.
    let azp_ok = match claims.azp.as_deref() {
        Some(azp) => azp == e.client_id,
        None => claims.aud.is_single(),
    };
    if !claims.aud.contains(e.client_id) || !azp_ok {
        return Err(ClaimProblem::Audience);
    }
    let now = e.now.as_second();
    if claims.exp + LEEWAY.as_secs() <= now {
        return Err(ClaimProblem::Expired);
    }
    if claims.iat - LEEWAY.as_secs() > now {
        return Err(ClaimProblem::IssuedInFuture);
    }
    if !claims.nonce.as_deref().is_some_and(|n| same(n, e.nonce)) {
        return Err(ClaimProblem::Nonce);
    }
    let enough = match (
        claims.acr.as_deref().and_then(acr_rank),
        acr_rank(e.min_acr),
    ) {
        (Some(got), Some(min)) => got >= min,
        _ => false,
    };
    if !enough {
        return Err(ClaimProblem::Acr(claims.acr.clone()));
    }
    if claims.sub.trim().is_empty() {
        return Err(ClaimProblem::Subject);
    }
    // A fresh authentication was asked for: not one from before.
    if claims
        .auth_time
        .is_some_and(|t| t + LEEWAY.as_secs() < e.requested_at.as_second())
    {
        return Err(ClaimProblem::AuthTime);
    }
    Ok(())
}

/// Checks a userinfo answer: about the person of the ID token (`sub`), and
/// when it says so, from the provider and for Espace.
pub fn check_userinfo(
    info: &UserinfoClaims,
    subject: &str,
    e: &Expected<'_>,
) -> Result<(), ClaimProblem> {
    if info.sub != subject {
        return Err(ClaimProblem::UserinfoSubject);
    }
    if info.iss.as_deref().is_some_and(|iss| iss != e.issuer) {
        return Err(ClaimProblem::Issuer);
    }
    if info
        .aud
        .as_ref()
        .is_some_and(|aud| !aud.contains(e.client_id))
    {
        return Err(ClaimProblem::Audience);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn good() -> IdTokenClaims {
        IdTokenClaims {
            iss: "https://op.example".into(),
            sub: "abc".into(),
            aud: Audience::One("espace".into()),
            exp: 1_000_300,
            iat: 1_000_000,
            nonce: Some("n".repeat(43)),
            acr: Some("eidas2".into()),
            azp: None,
            auth_time: Some(1_000_000),
        }
    }

    fn expected(nonce: &str) -> Expected<'_> {
        Expected {
            issuer: "https://op.example",
            client_id: "espace",
            nonce,
            min_acr: "eidas2",
            requested_at: Timestamp::from_second(999_990).unwrap(),
            now: Timestamp::from_second(1_000_010).unwrap(),
        }
    }

    #[test]
    fn a_good_token_passes() {
        let nonce = "n".repeat(43);
        assert_eq!(check_id_token(&good(), &expected(&nonce)), Ok(()));
        let higher = IdTokenClaims {
            acr: Some("eidas3".into()),
            ..good()
        };
        assert_eq!(check_id_token(&higher, &expected(&nonce)), Ok(()));
    }

    #[test]
    fn every_claim_is_checked() {
        let nonce = "n".repeat(43);
        let e = expected(&nonce);
        let cases = [
            (
                IdTokenClaims {
                    iss: "https://evil.example".into(),
                    ..good()
                },
                ClaimProblem::Issuer,
            ),
            (
                IdTokenClaims {
                    aud: Audience::One("other".into()),
                    ..good()
                },
                ClaimProblem::Audience,
            ),
            (
                IdTokenClaims {
                    aud: Audience::Many(vec!["espace".into(), "other".into()]),
                    ..good()
                },
                ClaimProblem::Audience,
            ),
            (
                IdTokenClaims {
                    exp: 1_000_010 - 61,
                    ..good()
                },
                ClaimProblem::Expired,
            ),
            (
                IdTokenClaims {
                    iat: 1_000_010 + 61,
                    ..good()
                },
                ClaimProblem::IssuedInFuture,
            ),
            (
                IdTokenClaims {
                    nonce: Some("m".repeat(43)),
                    ..good()
                },
                ClaimProblem::Nonce,
            ),
            (
                IdTokenClaims {
                    nonce: None,
                    ..good()
                },
                ClaimProblem::Nonce,
            ),
            (
                IdTokenClaims {
                    acr: Some("eidas1".into()),
                    ..good()
                },
                ClaimProblem::Acr(Some("eidas1".into())),
            ),
            (
                IdTokenClaims {
                    acr: None,
                    ..good()
                },
                ClaimProblem::Acr(None),
            ),
            (
                IdTokenClaims {
                    sub: " ".into(),
                    ..good()
                },
                ClaimProblem::Subject,
            ),
            (
                IdTokenClaims {
                    azp: Some("other".into()),
                    ..good()
                },
                ClaimProblem::Audience,
            ),
            (
                IdTokenClaims {
                    auth_time: Some(999_990 - 61),
                    ..good()
                },
                ClaimProblem::AuthTime,
            ),
        ];
        for (claims, problem) in cases {
            assert_eq!(check_id_token(&claims, &e), Err(problem));
        }
        let several = IdTokenClaims {
            aud: Audience::Many(vec!["espace".into(), "other".into()]),
            azp: Some("espace".into()),
            ..good()
        };
        assert_eq!(check_id_token(&several, &e), Ok(()));
    }

    #[test]
    fn userinfo_is_about_the_same_person_for_espace() {
        let nonce = "n".repeat(43);
        let e = expected(&nonce);
        let info = |iss: Option<&str>, aud: Option<&str>, sub: &str| UserinfoClaims {
            sub: sub.into(),
            iss: iss.map(String::from),
            aud: aud.map(|a| Audience::One(a.into())),
        };
        assert_eq!(check_userinfo(&info(None, None, "abc"), "abc", &e), Ok(()));
        let signed = info(Some("https://op.example"), Some("espace"), "abc");
        assert_eq!(check_userinfo(&signed, "abc", &e), Ok(()));
        let cases = [
            (info(None, None, "xyz"), ClaimProblem::UserinfoSubject),
            (
                info(Some("https://evil.example"), None, "abc"),
                ClaimProblem::Issuer,
            ),
            (info(None, Some("other"), "abc"), ClaimProblem::Audience),
        ];
        for (u, problem) in cases {
            assert_eq!(check_userinfo(&u, "abc", &e), Err(problem));
        }
    }

    #[test]
    fn levels_are_ordered() {
        assert!(acr_rank("eidas1") < acr_rank("eidas2"));
        assert!(acr_rank("eidas2") < acr_rank("eidas3"));
        assert_eq!(acr_rank("loa2"), None);
    }
}
