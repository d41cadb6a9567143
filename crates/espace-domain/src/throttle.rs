//! Per-address throttling of failed sign-ins (SPEC §3.2): past a number of
//! failures from one address in a window, that address is refused at once
//! (no password is checked) until the window ends.

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IpThrottlePolicy {
    /// Failures from one address tolerated in a window; the next attempts
    /// are refused until the window ends.
    pub threshold: u32,
    #[serde(with = "crate::session::duration_secs")]
    pub window: SignedDuration,
}

impl Default for IpThrottlePolicy {
    fn default() -> Self {
        Self {
            threshold: 100,
            window: SignedDuration::from_mins(10),
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
    /// The earliest start of a window that is still running at `now`: a
    /// window that started at or before it has ended.
    pub fn cutoff(&self, now: Timestamp) -> Timestamp {
        now - self.window
    }

    /// Until when an address with this window is refused, if it is.
    pub fn refused_until(&self, current: Option<IpWindow>, now: Timestamp) -> Option<Timestamp> {
        let w = current?;
        let end = w.window_start + self.window;
        (now < end && w.failures >= self.threshold).then_some(end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refused_from_the_threshold_until_the_window_ends() {
        let p = IpThrottlePolicy::default();
        let now = Timestamp::from_second(1_800_000_000).unwrap();
        let w = |n| {
            Some(IpWindow {
                window_start: now,
                failures: n,
            })
        };
        assert_eq!(p.refused_until(None, now), None);
        assert_eq!(p.refused_until(w(99), now), None);
        let end = now + SignedDuration::from_mins(10);
        assert_eq!(p.refused_until(w(100), now), Some(end));
        assert_eq!(
            p.refused_until(w(150), now + SignedDuration::from_mins(9)),
            Some(end)
        );
        // The window ends: the address may try again.
        assert_eq!(p.refused_until(w(150), end), None);
        assert_eq!(p.cutoff(end), now);
    }
}
