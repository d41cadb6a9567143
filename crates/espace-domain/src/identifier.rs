//! Login identifiers (SPEC §1): 8–64 characters of `[A-Za-z0-9._-]`,
//! compared case-insensitively.

use std::fmt;

/// Why a string is not a login identifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum IdentifierError {
    #[error("a login identifier is 8 to 64 characters long")]
    Length,
    #[error("a login identifier uses only letters, digits, '.', '_' and '-'")]
    Characters,
}

/// A parsed login identifier. Keeps the spelling the user chose for
/// display; [`LoginIdentifier::normalized`] is what is compared and stored
/// in the unique column.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct LoginIdentifier {
    display: String,
    normalized: String,
}

impl LoginIdentifier {
    pub const MIN_LEN: usize = 8;
    pub const MAX_LEN: usize = 64;

    pub fn parse(raw: &str) -> Result<Self, IdentifierError> {
        let trimmed = raw.trim();
        if !trimmed
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        {
            return Err(IdentifierError::Characters);
        }
        if !(Self::MIN_LEN..=Self::MAX_LEN).contains(&trimmed.len()) {
            return Err(IdentifierError::Length);
        }
        Ok(Self {
            display: trimmed.to_owned(),
            normalized: trimmed.to_ascii_lowercase(),
        })
    }

    pub fn as_str(&self) -> &str {
        &self.display
    }

    pub fn normalized(&self) -> &str {
        &self.normalized
    }
}

/// A readable identifier for a new login, from the person's names
/// (`Chloé Dubois` → `chloe.dubois`), at least 8 characters. The caller
/// adds a number when it is taken ([`with_number`]).
pub fn suggest_identifier(first_name: &str, last_name: &str) -> String {
    fn fold(s: &str) -> String {
        s.chars()
            .filter_map(|c| {
                let c = c.to_lowercase().next().unwrap_or(c);
                let base = match c {
                    'à' | 'â' | 'ä' | 'á' | 'ã' | 'å' => 'a',
                    'ç' => 'c',
                    'é' | 'è' | 'ê' | 'ë' => 'e',
                    'î' | 'ï' | 'í' | 'ì' => 'i',
                    'ô' | 'ö' | 'ó' | 'ò' | 'õ' => 'o',
                    'ù' | 'û' | 'ü' | 'ú' => 'u',
                    'ÿ' | 'ý' => 'y',
                    'ñ' => 'n',
                    ' ' | '\'' | '-' => '-',
                    c if c.is_ascii_alphanumeric() => c,
                    _ => return None,
                };
                Some(base)
            })
            .collect::<String>()
            .trim_matches('-')
            .to_owned()
    }
    let parts: Vec<String> = [fold(first_name), fold(last_name)]
        .into_iter()
        .filter(|p| !p.is_empty())
        .collect();
    let mut base = if parts.is_empty() {
        "user".to_owned()
    } else {
        parts.join(".")
    };
    base.truncate(LoginIdentifier::MAX_LEN - 4);
    while base.len() < LoginIdentifier::MIN_LEN {
        base.push_str(".user");
    }
    base
}

/// `base` with a number, still within the maximum length.
pub fn with_number(base: &str, n: u32) -> String {
    format!("{base}{n}")
}

/// The key under which sign-in attempts are counted. Any typed string maps
/// to one key, whether or not a login exists, so that the answers for
/// existing and unknown identifiers are the same (SPEC §3.2).
pub fn attempt_key(raw: &str) -> String {
    let trimmed = raw.trim();
    let lowered: String = trimmed.chars().flat_map(char::to_lowercase).collect();
    // Bound the key so that arbitrary input cannot bloat the counters table.
    lowered.chars().take(128).collect()
}

impl fmt::Debug for LoginIdentifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "LoginIdentifier({:?})", self.display)
    }
}

impl fmt::Display for LoginIdentifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggested_identifiers_are_valid_and_readable() {
        assert_eq!(suggest_identifier("Chloé", "Dubois"), "chloe.dubois");
        assert_eq!(suggest_identifier("Li", "Wu"), "li.wu.user");
        assert_eq!(
            suggest_identifier("Jean-Éric", "d'Ormesson"),
            "jean-eric.d-ormesson"
        );
        assert_eq!(suggest_identifier("", "王"), "user.user");
        for id in [
            suggest_identifier("A", "B"),
            with_number(&suggest_identifier(&"x".repeat(80), "y"), 999),
        ] {
            assert!(LoginIdentifier::parse(&id).is_ok(), "{id}");
        }
    }

    #[test]
    fn parse_accepts_allowed_characters_and_normalizes_case() {
        let id = LoginIdentifier::parse(" Alice.Martin ").unwrap();
        assert_eq!(id.as_str(), "Alice.Martin");
        assert_eq!(id.normalized(), "alice.martin");
    }

    #[test]
    fn parse_rejects_short_long_and_foreign_characters() {
        assert_eq!(
            LoginIdentifier::parse("short"),
            Err(IdentifierError::Length)
        );
        assert_eq!(
            LoginIdentifier::parse(&"a".repeat(65)),
            Err(IdentifierError::Length)
        );
        assert_eq!(
            LoginIdentifier::parse("alice martin"),
            Err(IdentifierError::Characters)
        );
        assert_eq!(
            LoginIdentifier::parse("alicé.martin"),
            Err(IdentifierError::Characters)
        );
        assert!(LoginIdentifier::parse(&"a".repeat(64)).is_ok());
    }

    #[test]
    fn attempt_key_is_case_insensitive_and_bounded() {
        assert_eq!(attempt_key("ALICE.martin"), attempt_key("alice.MARTIN "));
        assert_eq!(attempt_key(&"x".repeat(1000)).chars().count(), 128);
    }
}
