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
}

/// What the ID token must say.
#[derive(Debug, Clone, Copy)]
pub struct Expected<'a> {
    pub issuer: &'a str,
    pub client_id: &'a str,
    pub nonce: &'a str,
    /// The weakest acceptable level (what was asked for).
    pub min_acr: &'a str,
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
    if !claims.aud.contains(e.client_id)
        || (!claims.aud.is_single() && claims.azp.as_deref() != Some(e.client_id))
    {
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
        }
    }

    fn expected(nonce: &str) -> Expected<'_> {
        Expected {
            issuer: "https://op.example",
            client_id: "espace",
            nonce,
            min_acr: "eidas2",
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
    fn levels_are_ordered() {
        assert!(acr_rank("eidas1") < acr_rank("eidas2"));
        assert!(acr_rank("eidas2") < acr_rank("eidas3"));
        assert_eq!(acr_rank("loa2"), None);
    }
}
