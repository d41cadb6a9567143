//! Forcing of strong authentication and the resulting status (SPEC §4.2,
//! §4.3), and how far a session without its second factor may go.
//!
//! Pure: rules, rights and methods are passed in. A login is *forced*
//! when at least one rule applies to it; the strictest deadline wins (no
//! deadline is the strictest: enrolment at once).

use jiff::Timestamp;

/// What a rule covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope<Id> {
    /// One login.
    Login(Id),
    /// Every login of the company.
    Company,
    /// The logins holding a right in `section`, with `profile` or any.
    Rights {
        section: String,
        profile: Option<String>,
    },
}

/// One forcing rule of a company.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule<Id> {
    pub scope: Scope<Id>,
    pub deadline: Option<Timestamp>,
}

/// Forced, and until when enrolment may wait (`None`: it may not).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Forced {
    pub deadline: Option<Timestamp>,
}

impl<Id: PartialEq> Rule<Id> {
    /// Whether the rule covers `login` holding `rights` (section, profile).
    pub fn covers(&self, login: &Id, rights: &[(String, String)]) -> bool {
        match &self.scope {
            Scope::Login(id) => id == login,
            Scope::Company => true,
            Scope::Rights { section, profile } => rights
                .iter()
                .any(|(s, p)| s == section && profile.as_ref().is_none_or(|want| want == p)),
        }
    }
}

/// Whether `rules` force strong authentication on `login`, and with which
/// deadline: the earliest one, and none at all if any rule has none.
pub fn forcing<Id: PartialEq>(
    rules: &[Rule<Id>],
    login: &Id,
    rights: &[(String, String)],
) -> Option<Forced> {
    let mut applying = rules.iter().filter(|r| r.covers(login, rights)).peekable();
    applying.peek()?;
    let mut deadline = Some(Timestamp::MAX);
    for rule in applying {
        deadline = match (deadline, rule.deadline) {
            (Some(a), Some(b)) => Some(a.min(b)),
            _ => None,
        };
    }
    Some(Forced { deadline })
}

impl Forced {
    /// The stricter of two forcings (of the company's rules and of the
    /// provider's staff policy): the earlier deadline, none beating any.
    pub fn strictest(a: Option<Forced>, b: Option<Forced>) -> Option<Forced> {
        match (a, b) {
            (None, x) | (x, None) => x,
            (Some(a), Some(b)) => Some(Forced {
                deadline: match (a.deadline, b.deadline) {
                    (Some(x), Some(y)) => Some(x.min(y)),
                    _ => None,
                },
            }),
        }
    }
}

/// The 2FA status of a login (SPEC §4.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Forced, and at least one verified method.
    Enabled,
    /// Forced, no verified method yet: the next sign-in leads to enrolment.
    Pending { deadline: Option<Timestamp> },
    /// Not forced (methods may exist; they then serve the step-up only).
    Disabled,
}

impl Status {
    pub fn of(forced: Option<Forced>, has_method: bool) -> Self {
        match (forced, has_method) {
            (None, _) => Status::Disabled,
            (Some(_), true) => Status::Enabled,
            (Some(f), false) => Status::Pending {
                deadline: f.deadline,
            },
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Status::Enabled => "enabled",
            Status::Pending { .. } => "pending",
            Status::Disabled => "disabled",
        }
    }
}

/// How far a session that has passed the password only may go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Everywhere its rights allow.
    Complete,
    /// Only to `/login/second-factor` (and signing out).
    SecondFactor,
    /// Only to the enrolment of a first method (and signing out).
    Enrolment,
}

impl Stage {
    /// The stage of a session at assurance level `aal` for a login of
    /// status `status`. A Pending login past its deadline (or without one)
    /// goes no further than enrolment; before the deadline it may postpone.
    pub fn of(aal: i32, status: Status, now: Timestamp) -> Self {
        if aal >= 2 {
            return Stage::Complete;
        }
        match status {
            Status::Disabled => Stage::Complete,
            Status::Enabled => Stage::SecondFactor,
            Status::Pending { deadline } => match deadline {
                Some(d) if now < d => Stage::Complete,
                _ => Stage::Enrolment,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_strictest_forcing_wins() {
        let f = |d: Option<i64>| {
            Some(Forced {
                deadline: d.map(at),
            })
        };
        assert_eq!(Forced::strictest(None, None), None);
        assert_eq!(Forced::strictest(f(Some(5)), None), f(Some(5)));
        assert_eq!(Forced::strictest(None, f(None)), f(None));
        assert_eq!(Forced::strictest(f(Some(5)), f(Some(3))), f(Some(3)));
        assert_eq!(Forced::strictest(f(Some(5)), f(None)), f(None));
    }

    fn at(s: i64) -> Timestamp {
        Timestamp::from_second(s).unwrap()
    }

    fn rights(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(s, p)| ((*s).to_owned(), (*p).to_owned()))
            .collect()
    }

    #[test]
    fn rules_cover_one_login_the_company_or_holders_of_a_right() {
        let one = Rule {
            scope: Scope::Login(1),
            deadline: None,
        };
        assert!(one.covers(&1, &[]) && !one.covers(&2, &[]));
        let all = Rule::<i32> {
            scope: Scope::Company,
            deadline: None,
        };
        assert!(all.covers(&7, &[]));
        let managers = Rule::<i32> {
            scope: Scope::Rights {
                section: "invoices".into(),
                profile: Some("manager".into()),
            },
            deadline: None,
        };
        assert!(managers.covers(&1, &rights(&[("invoices", "manager")])));
        assert!(!managers.covers(&1, &rights(&[("invoices", "visitor")])));
        let anyone = Rule::<i32> {
            scope: Scope::Rights {
                section: "invoices".into(),
                profile: None,
            },
            deadline: None,
        };
        assert!(anyone.covers(&1, &rights(&[("invoices", "visitor")])));
        assert!(!anyone.covers(&1, &rights(&[("contracts", "manager")])));
    }

    #[test]
    fn the_strictest_deadline_wins() {
        let rule = |deadline| Rule {
            scope: Scope::Login(1),
            deadline,
        };
        assert_eq!(forcing::<i32>(&[], &1, &[]), None);
        assert_eq!(
            forcing(&[rule(Some(at(50))), rule(Some(at(20)))], &1, &[]),
            Some(Forced {
                deadline: Some(at(20))
            })
        );
        assert_eq!(
            forcing(&[rule(Some(at(50))), rule(None)], &1, &[]),
            Some(Forced { deadline: None })
        );
        assert_eq!(forcing(&[rule(None)], &2, &[]), None);
    }

    #[test]
    fn status_and_stage() {
        let forced = Some(Forced { deadline: None });
        assert_eq!(Status::of(None, true), Status::Disabled);
        assert_eq!(Status::of(forced, true), Status::Enabled);
        assert_eq!(
            Status::of(forced, false),
            Status::Pending { deadline: None }
        );
        let now = at(100);
        assert_eq!(Stage::of(1, Status::Disabled, now), Stage::Complete);
        assert_eq!(Stage::of(1, Status::Enabled, now), Stage::SecondFactor);
        assert_eq!(Stage::of(2, Status::Enabled, now), Stage::Complete);
        assert_eq!(
            Stage::of(1, Status::Pending { deadline: None }, now),
            Stage::Enrolment
        );
        assert_eq!(
            Stage::of(
                1,
                Status::Pending {
                    deadline: Some(at(200))
                },
                now
            ),
            Stage::Complete,
            "before the deadline, enrolment may wait"
        );
        assert_eq!(
            Stage::of(
                1,
                Status::Pending {
                    deadline: Some(at(100))
                },
                now
            ),
            Stage::Enrolment
        );
    }
}
