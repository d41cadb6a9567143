//! E-mail addresses, parsed into a normalised form for comparison.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    #[error("an e-mail address looks like name@example.com")]
    Shape,
    #[error("an e-mail address is at most 254 characters long")]
    Length,
}

/// A syntactically valid address (the pragmatic subset every mail system
/// accepts: no quoted local parts, no comments, no IP literals).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct EmailAddress {
    display: String,
    normalized: String,
}

impl EmailAddress {
    pub fn parse(raw: &str) -> Result<Self, EmailError> {
        let s = raw.trim();
        if s.len() > 254 {
            return Err(EmailError::Length);
        }
        let (local, domain) = s.rsplit_once('@').ok_or(EmailError::Shape)?;
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && local
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c));
        let labels: Vec<&str> = domain.split('.').collect();
        let domain_ok = labels.len() >= 2
            && labels.iter().all(|l| {
                !l.is_empty()
                    && l.len() <= 63
                    && !l.starts_with('-')
                    && !l.ends_with('-')
                    && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            });
        if !local_ok || !domain_ok {
            return Err(EmailError::Shape);
        }
        Ok(Self {
            display: s.to_owned(),
            normalized: s.to_ascii_lowercase(),
        })
    }

    pub fn as_str(&self) -> &str {
        &self.display
    }

    pub fn normalized(&self) -> &str {
        &self.normalized
    }

    pub fn local_part(&self) -> &str {
        self.normalized.rsplit_once('@').map_or("", |(l, _)| l)
    }
}

impl fmt::Debug for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Personal data: never printed whole in logs.
        write!(
            f,
            "EmailAddress(…@{})",
            self.normalized.rsplit_once('@').map_or("", |(_, d)| d)
        )
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_normalizes_and_rejects_bad_shapes() {
        let e = EmailAddress::parse("Alice.Martin@Acme.example").unwrap();
        assert_eq!(e.normalized(), "alice.martin@acme.example");
        assert_eq!(e.local_part(), "alice.martin");
        for bad in [
            "",
            "alice",
            "alice@",
            "@acme.fr",
            "a@b",
            "a b@c.fr",
            "a..b@c.fr",
            "a@-c.fr",
            "a@c.fr\r\nBcc: x@y.z",
        ] {
            assert!(
                EmailAddress::parse(bad).is_err(),
                "{bad:?} should be refused"
            );
        }
    }

    #[test]
    fn debug_output_hides_the_local_part() {
        let e = EmailAddress::parse("alice@acme.example").unwrap();
        assert!(!format!("{e:?}").contains("alice"));
    }
}
