//! One-time codes (SPEC §4.1): 6 digits, single use, valid 10 minutes, at
//! most 5 tries, bound to their purpose. Drawing and hashing are the use
//! cases' business; the rules of checking are here.

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CodePolicy {
    #[serde(with = "crate::session::duration_secs")]
    pub ttl: SignedDuration,
    pub max_tries: u32,
}

impl Default for CodePolicy {
    fn default() -> Self {
        Self {
            ttl: SignedDuration::from_mins(10),
            max_tries: 5,
        }
    }
}

/// What a typed code gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeOutcome {
    Accepted,
    /// Wrong; this many tries are left.
    Wrong {
        remaining: u32,
    },
    /// Wrong, and that was the last try: the code is void.
    Exhausted,
    /// Too late (or no code was ever sent).
    Expired,
}

/// Six digits, whatever spaces or dashes were typed between them.
pub fn normalize_code(typed: &str) -> Option<String> {
    let digits: String = typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect();
    (digits.len() == 6 && digits.chars().all(|c| c.is_ascii_digit())).then_some(digits)
}

impl CodePolicy {
    /// Judges a try. `tries_before` counts the wrong tries already made.
    pub fn judge(
        &self,
        expires_at: Timestamp,
        tries_before: u32,
        now: Timestamp,
        matches: bool,
    ) -> CodeOutcome {
        if now >= expires_at || tries_before >= self.max_tries {
            return CodeOutcome::Expired;
        }
        if matches {
            return CodeOutcome::Accepted;
        }
        let remaining = self.max_tries - tries_before - 1;
        if remaining == 0 {
            CodeOutcome::Exhausted
        } else {
            CodeOutcome::Wrong { remaining }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(min: i64) -> Timestamp {
        Timestamp::UNIX_EPOCH + SignedDuration::from_mins(min)
    }

    #[test]
    fn codes_are_six_digits_whatever_the_spacing() {
        assert_eq!(normalize_code(" 123 456 "), Some("123456".into()));
        assert_eq!(normalize_code("123-456"), Some("123456".into()));
        assert_eq!(normalize_code("12345"), None);
        assert_eq!(normalize_code("12345a"), None);
        assert_eq!(normalize_code("１２３４５６"), None, "ASCII digits only");
    }

    #[test]
    fn five_tries_then_void_and_ten_minutes_then_expired() {
        let p = CodePolicy::default();
        let exp = t(10);
        assert_eq!(p.judge(exp, 0, t(0), true), CodeOutcome::Accepted);
        assert_eq!(
            p.judge(exp, 0, t(0), false),
            CodeOutcome::Wrong { remaining: 4 }
        );
        assert_eq!(
            p.judge(exp, 3, t(0), false),
            CodeOutcome::Wrong { remaining: 1 }
        );
        assert_eq!(p.judge(exp, 4, t(0), false), CodeOutcome::Exhausted);
        assert_eq!(
            p.judge(exp, 5, t(0), true),
            CodeOutcome::Expired,
            "void even if right"
        );
        assert_eq!(p.judge(exp, 0, t(10), true), CodeOutcome::Expired);
        assert_eq!(p.judge(exp, 0, t(9), true), CodeOutcome::Accepted);
    }
}
