//! Session lifetimes (SPEC §3.3, ASVS 7.1.1, 7.3): idle and absolute
//! timeouts, and the warning before expiry (RGAA 13.1).

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use crate::profile::SecurityProfile;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionPolicy {
    #[serde(with = "duration_secs")]
    pub idle_timeout: SignedDuration,
    #[serde(with = "duration_secs")]
    pub absolute_timeout: SignedDuration,
    /// How long before the idle expiry the page warns and offers to extend.
    #[serde(with = "duration_secs")]
    pub warn_before: SignedDuration,
}

impl SessionPolicy {
    /// The defaults of each profile: 30 min / 12 h for `guide` (SPEC §3.3),
    /// 1 h / 24 h for `nist-aal2` (NIST 800-63B-4 §2.2.3).
    pub fn for_profile(profile: SecurityProfile) -> Self {
        match profile {
            SecurityProfile::Guide => Self {
                idle_timeout: SignedDuration::from_mins(30),
                absolute_timeout: SignedDuration::from_hours(12),
                warn_before: SignedDuration::from_mins(2),
            },
            SecurityProfile::NistAal2 => Self {
                idle_timeout: SignedDuration::from_hours(1),
                absolute_timeout: SignedDuration::from_hours(24),
                warn_before: SignedDuration::from_mins(2),
            },
        }
    }

    /// When a session with these times ends if nothing happens.
    pub fn expires_at(&self, created_at: Timestamp, last_seen_at: Timestamp) -> Timestamp {
        let idle = last_seen_at + self.idle_timeout;
        let absolute = created_at + self.absolute_timeout;
        idle.min(absolute)
    }

    pub fn is_expired(
        &self,
        created_at: Timestamp,
        last_seen_at: Timestamp,
        now: Timestamp,
    ) -> bool {
        now >= self.expires_at(created_at, last_seen_at)
    }

    /// Whether the absolute limit, which no activity extends, is what ends
    /// the session (the warning then says it cannot be extended).
    pub fn ends_at_absolute_limit(&self, created_at: Timestamp, last_seen_at: Timestamp) -> bool {
        created_at + self.absolute_timeout <= last_seen_at + self.idle_timeout
    }
}

/// Configuration of session lifetimes: each one unset takes the value of
/// the security profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct SessionOverrides {
    #[serde(with = "duration_secs_opt")]
    pub idle_timeout: Option<SignedDuration>,
    #[serde(with = "duration_secs_opt")]
    pub absolute_timeout: Option<SignedDuration>,
    #[serde(with = "duration_secs_opt")]
    pub warn_before: Option<SignedDuration>,
}

impl SessionOverrides {
    pub fn apply(&self, base: SessionPolicy) -> SessionPolicy {
        SessionPolicy {
            idle_timeout: self.idle_timeout.unwrap_or(base.idle_timeout),
            absolute_timeout: self.absolute_timeout.unwrap_or(base.absolute_timeout),
            warn_before: self.warn_before.unwrap_or(base.warn_before),
        }
    }
}

/// Serde helper: optional durations as whole seconds.
pub mod duration_secs_opt {
    use jiff::SignedDuration;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &Option<SignedDuration>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => s.serialize_some(&d.as_secs()),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<SignedDuration>, D::Error> {
        match Option::<i64>::deserialize(d)? {
            Some(secs) if secs <= 0 => Err(serde::de::Error::custom(
                "a duration is a positive number of seconds",
            )),
            Some(secs) => Ok(Some(SignedDuration::from_secs(secs))),
            None => Ok(None),
        }
    }
}

/// Serde helper: durations as whole seconds in configuration files.
pub mod duration_secs {
    use jiff::SignedDuration;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &SignedDuration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i64(d.as_secs())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<SignedDuration, D::Error> {
        let secs = i64::deserialize(d)?;
        if secs <= 0 {
            return Err(serde::de::Error::custom(
                "a duration is a positive number of seconds",
            ));
        }
        Ok(SignedDuration::from_secs(secs))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idle_and_absolute_timeouts_both_apply() {
        let p = SessionPolicy::for_profile(SecurityProfile::Guide);
        let t0 = Timestamp::from_second(1_800_000_000).unwrap();
        assert!(!p.is_expired(t0, t0, t0 + SignedDuration::from_mins(29)));
        assert!(p.is_expired(t0, t0, t0 + SignedDuration::from_mins(30)));
        // Active all along: the absolute limit still ends it at 12 h.
        let seen = t0 + SignedDuration::from_mins(11 * 60 + 50);
        assert!(!p.is_expired(t0, seen, t0 + SignedDuration::from_mins(11 * 60 + 59)));
        assert!(p.is_expired(t0, seen, t0 + SignedDuration::from_hours(12)));
        assert!(p.ends_at_absolute_limit(t0, seen));
        assert!(!p.ends_at_absolute_limit(t0, t0));
    }

    #[test]
    fn nist_profile_uses_one_hour_and_twenty_four_hours() {
        let p = SessionPolicy::for_profile(SecurityProfile::NistAal2);
        assert_eq!(p.idle_timeout, SignedDuration::from_hours(1));
        assert_eq!(p.absolute_timeout, SignedDuration::from_hours(24));
    }
}
