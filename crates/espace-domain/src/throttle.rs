//! Per-address throttling of failed sign-ins (SPEC §3.2): beyond a number
//! of failures from one address in a window, answers slow down
//! progressively.

use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IpThrottlePolicy {
    /// Failures from one address tolerated in a window before slowing down.
    pub threshold: u32,
    #[serde(with = "crate::session::duration_secs")]
    pub window: SignedDuration,
    /// Delay added to the first answer past the threshold, in milliseconds;
    /// it doubles with each further failure.
    pub base_delay_ms: u64,
    /// The longest delay, in milliseconds.
    pub max_delay_ms: u64,
}

impl Default for IpThrottlePolicy {
    fn default() -> Self {
        Self {
            threshold: 100,
            window: SignedDuration::from_mins(10),
            base_delay_ms: 250,
            max_delay_ms: 8_000,
        }
    }
}

/// Failures counted for one address in the current window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpWindow {
    pub window_start: Timestamp,
    pub failures: u32,
}

impl IpThrottlePolicy {
    /// The window after one more failure at `now`.
    pub fn after_failure(&self, current: Option<IpWindow>, now: Timestamp) -> IpWindow {
        match current {
            Some(w) if now < w.window_start + self.window => IpWindow {
                failures: w.failures.saturating_add(1),
                ..w
            },
            _ => IpWindow {
                window_start: now,
                failures: 1,
            },
        }
    }

    /// How long to hold the answer to an attempt from an address with this
    /// window: zero up to the threshold, then doubling up to the maximum.
    pub fn delay(&self, current: Option<IpWindow>, now: Timestamp) -> Duration {
        let failures = match current {
            Some(w) if now < w.window_start + self.window => w.failures,
            _ => 0,
        };
        if failures < self.threshold {
            return Duration::ZERO;
        }
        let excess = (failures - self.threshold).min(32);
        let ms = self
            .base_delay_ms
            .saturating_mul(1u64 << excess.min(20))
            .min(self.max_delay_ms);
        Duration::from_millis(ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delay_is_zero_below_threshold_then_doubles_up_to_the_cap() {
        let p = IpThrottlePolicy::default();
        let now = Timestamp::from_second(1_800_000_000).unwrap();
        let w = |n| {
            Some(IpWindow {
                window_start: now,
                failures: n,
            })
        };
        assert_eq!(p.delay(w(99), now), Duration::ZERO);
        assert_eq!(p.delay(w(100), now), Duration::from_millis(250));
        assert_eq!(p.delay(w(101), now), Duration::from_millis(500));
        assert_eq!(p.delay(w(150), now), Duration::from_millis(8_000));
        // The window ends: counting starts again.
        let later = now + SignedDuration::from_mins(10);
        assert_eq!(p.delay(w(150), later), Duration::ZERO);
        assert_eq!(p.after_failure(w(150), later).failures, 1);
        assert_eq!(p.after_failure(w(7), now).failures, 8);
    }
}
