//! The temporary lock after failed passwords (SPEC §3.2).
//!
//! Attempts are counted per *typed identifier*, whether or not a login
//! exists under it, so that locks and messages are the same for existing
//! and unknown identifiers. Repeating the same wrong password (a browser
//! filling in an old saved one) counts once.

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LockoutPolicy {
    /// Distinct wrong passwords in a row that lock the identifier.
    pub max_failures: u32,
    /// How long the lock lasts; it lifts by itself.
    #[serde(with = "crate::session::duration_secs")]
    pub lock_duration: SignedDuration,
    /// A series of failures with no new failure for this long is forgotten
    /// (housekeeping), so that an old typo never counts towards a lock.
    #[serde(with = "crate::session::duration_secs")]
    pub forget_after: SignedDuration,
}

impl Default for LockoutPolicy {
    fn default() -> Self {
        Self {
            max_failures: 5,
            lock_duration: SignedDuration::from_mins(30),
            forget_after: SignedDuration::from_hours(24),
        }
    }
}

/// What is stored per identifier.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AttemptState {
    /// Distinct wrong passwords since the last success or lock.
    pub failures: u32,
    /// Keyed fingerprints of those wrong passwords (never the passwords).
    pub fingerprints: Vec<String>,
    pub locked_until: Option<Timestamp>,
    /// Whether the last failure repeated an earlier wrong password.
    pub last_was_repeat: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gate {
    Open,
    Locked { until: Timestamp },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureOutcome {
    /// A new wrong password: `remaining` tries before the lock.
    Counted { remaining: u32 },
    /// The same wrong password as before: not counted again.
    Repeated { remaining: u32 },
    /// This failure locked the identifier.
    LockedNow { until: Timestamp },
}

impl AttemptState {
    /// Whether a password may be checked now. An expired lock has lifted.
    pub fn gate(&self, now: Timestamp) -> Gate {
        match self.locked_until {
            Some(until) if until > now => Gate::Locked { until },
            _ => Gate::Open,
        }
    }

    /// The state once an expired lock has lifted: a fresh series begins.
    pub fn refreshed(self, now: Timestamp) -> Self {
        match self.locked_until {
            Some(until) if until <= now => AttemptState::default(),
            _ => self,
        }
    }

    /// Counts a failure. `fingerprint` names what was typed *and* by which
    /// browser: the same one again counts once. `None` (a one-time code, or
    /// a client that cannot be told apart) always counts.
    pub fn record_failure(
        &mut self,
        fingerprint: Option<String>,
        policy: &LockoutPolicy,
        now: Timestamp,
    ) -> FailureOutcome {
        if let Some(fp) = &fingerprint
            && self.fingerprints.contains(fp)
        {
            self.last_was_repeat = true;
            return FailureOutcome::Repeated {
                remaining: policy.max_failures.saturating_sub(self.failures),
            };
        }
        self.last_was_repeat = false;
        self.failures += 1;
        self.fingerprints.extend(fingerprint);
        if self.failures >= policy.max_failures {
            let until = now + policy.lock_duration;
            self.locked_until = Some(until);
            self.fingerprints.clear();
            FailureOutcome::LockedNow { until }
        } else {
            FailureOutcome::Counted {
                remaining: policy.max_failures - self.failures,
            }
        }
    }

    pub fn is_clear(&self) -> bool {
        *self == AttemptState::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t0() -> Timestamp {
        Timestamp::from_second(1_800_000_000).unwrap()
    }

    #[test]
    fn five_distinct_failures_lock_for_thirty_minutes_and_the_lock_lifts() {
        let policy = LockoutPolicy::default();
        let mut s = AttemptState::default();
        for i in 0..4 {
            assert_eq!(
                s.record_failure(Some(format!("fp{i}")), &policy, t0()),
                FailureOutcome::Counted { remaining: 4 - i }
            );
        }
        let until = t0() + SignedDuration::from_mins(30);
        assert_eq!(
            s.record_failure(Some("fp4".into()), &policy, t0()),
            FailureOutcome::LockedNow { until }
        );
        assert_eq!(
            s.gate(t0() + SignedDuration::from_mins(29)),
            Gate::Locked { until }
        );
        let later = until;
        assert_eq!(s.gate(later), Gate::Open);
        assert!(s.refreshed(later).is_clear());
    }

    #[test]
    fn repeating_the_same_wrong_password_counts_once() {
        let policy = LockoutPolicy::default();
        let mut s = AttemptState::default();
        assert_eq!(
            s.record_failure(Some("same".into()), &policy, t0()),
            FailureOutcome::Counted { remaining: 4 }
        );
        for _ in 0..10 {
            assert_eq!(
                s.record_failure(Some("same".into()), &policy, t0()),
                FailureOutcome::Repeated { remaining: 4 }
            );
        }
        assert!(s.last_was_repeat);
        assert_eq!(s.gate(t0()), Gate::Open);
        assert_eq!(s.failures, 1);
    }

    #[test]
    fn failures_without_a_fingerprint_always_count() {
        let policy = LockoutPolicy::default();
        let mut s = AttemptState::default();
        for i in 0..4 {
            assert_eq!(
                s.record_failure(None, &policy, t0()),
                FailureOutcome::Counted { remaining: 4 - i }
            );
        }
        assert!(matches!(
            s.record_failure(None, &policy, t0()),
            FailureOutcome::LockedNow { .. }
        ));
        assert!(s.fingerprints.is_empty());
    }

    #[test]
    fn an_unexpired_lock_is_kept_by_refresh() {
        let policy = LockoutPolicy {
            max_failures: 1,
            ..LockoutPolicy::default()
        };
        let mut s = AttemptState::default();
        s.record_failure(Some("x".into()), &policy, t0());
        let kept = s.clone().refreshed(t0() + SignedDuration::from_mins(1));
        assert_eq!(kept, s);
    }
}
