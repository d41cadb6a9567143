//! "At most `max` in `window`": the one shape of every sending limit
//! (codes, phone requests, recovery e-mails, the SMS circuit breaker).
//!
//! Counting happens in storage, atomically, in fixed windows: the first
//! hit opens a window of `window`, later hits add to it, and a hit after
//! it ended opens a new one. These rules only read what storage counted.

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

/// At most `max` hits in `window` (seconds in configuration).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimit {
    pub max: i64,
    #[serde(with = "crate::session::duration_secs")]
    pub window: SignedDuration,
}

/// One fixed window as storage counted it, this hit included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateWindow {
    pub hits: i64,
    pub started_at: Timestamp,
}

impl RateLimit {
    pub const fn new(max: i64, window: SignedDuration) -> Self {
        Self { max, window }
    }

    pub fn per_hour(max: i64) -> Self {
        Self::new(max, SignedDuration::from_hours(1))
    }

    pub fn per_day(max: i64) -> Self {
        Self::new(max, SignedDuration::from_hours(24))
    }

    /// A window that began at or before this instant is over at `now`.
    pub fn window_before(&self, now: Timestamp) -> Timestamp {
        now - self.window
    }

    /// `None` while the window allows this hit; otherwise when the window
    /// ends, the earliest time another hit can pass.
    pub fn refused_until(&self, w: RateWindow) -> Option<Timestamp> {
        (w.hits > self.max).then(|| w.started_at + self.window)
    }

    /// True exactly on the first hit past the limit in a window: where a
    /// breaker alerts once, not on every refused hit.
    pub fn just_tripped(&self, w: RateWindow) -> bool {
        w.hits == self.max + 1
    }

    /// A configuration check: `name` is the key, for the message.
    pub fn check(&self, name: &str, longest: SignedDuration) -> Result<(), String> {
        if self.max < 1 || self.window.as_secs() < 60 || self.window > longest {
            return Err(format!(
                "{name}: max at least 1, window at least 60 s and at most {} s",
                longest.as_secs()
            ));
        }
        Ok(())
    }
}

/// Whole minutes from `now` until `until`, rounded up, at least one: what a
/// person is told to wait.
pub fn wait_minutes(now: Timestamp, until: Timestamp) -> i64 {
    let secs = until.duration_since(now).as_secs().max(0);
    ((secs + 59) / 60).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: i64) -> Timestamp {
        Timestamp::from_second(1_800_000_000 + secs).unwrap()
    }

    #[test]
    fn hits_up_to_max_pass_and_the_next_is_refused_until_the_window_ends() {
        let l = RateLimit::per_hour(3);
        let w = |hits| RateWindow {
            hits,
            started_at: at(0),
        };
        assert_eq!(l.refused_until(w(3)), None);
        assert_eq!(l.refused_until(w(4)), Some(at(3600)));
        assert!(l.just_tripped(w(4)) && !l.just_tripped(w(5)) && !l.just_tripped(w(3)));
        assert_eq!(l.window_before(at(3600)), at(0));
    }

    #[test]
    fn waits_round_up_to_whole_minutes() {
        assert_eq!(wait_minutes(at(0), at(61)), 2);
        assert_eq!(wait_minutes(at(0), at(60)), 1);
        assert_eq!(wait_minutes(at(0), at(0)), 1);
        assert_eq!(wait_minutes(at(10), at(0)), 1);
    }

    #[test]
    fn configuration_checks_name_the_key() {
        assert!(
            RateLimit::per_hour(3)
                .check("x", SignedDuration::from_hours(24))
                .is_ok()
        );
        let e =
            RateLimit::per_hour(0).check("limits.codes_per_login", SignedDuration::from_hours(24));
        assert!(e.unwrap_err().contains("limits.codes_per_login"));
        assert!(
            RateLimit::per_day(1)
                .check("x", SignedDuration::from_hours(1))
                .is_err()
        );
    }
}
