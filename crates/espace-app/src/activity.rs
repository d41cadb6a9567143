//! The security timeline (SPEC §9, issue 16 item 17): a login's audit
//! events a page at a time, filtered by category and period, each line
//! saying who acted (and under which role) with a reference that support
//! can look up in the back office.

use std::collections::HashMap;

use jiff::{Timestamp, ToSpan};
use uuid::Uuid;

use crate::App;
use crate::audit::{ActingRole, Actor, AuditEvent, AuditKind};
use crate::error::AppError;
use crate::ports::{AuditPage, LoginRecord, Tx};
use crate::rights::policy::{self, EventLookup};
use crate::session::CurrentSession;

/// How many events a page of the timeline shows.
pub const PAGE_SIZE: i64 = 25;

/// What the timeline can be narrowed to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Category {
    /// Sign-ins, the second step, sessions, locks.
    SignIns,
    /// Password changes, resets and failed changes.
    Password,
    /// Two-factor methods, strong-authentication rules, one-time codes.
    Methods,
    /// Title, language, e-mail address, phone.
    Contact,
    /// Invitations, rights, access, messages with the company.
    Rights,
    /// Account recovery.
    Recovery,
    /// Whatever someone else (staff, an administrator) did on the login.
    ByOthers,
}

impl Category {
    pub const ALL: &'static [Category] = &[
        Category::SignIns,
        Category::Password,
        Category::Methods,
        Category::Contact,
        Category::Rights,
        Category::Recovery,
        Category::ByOthers,
    ];

    /// The query value (stable).
    pub fn as_str(self) -> &'static str {
        match self {
            Category::SignIns => "sign-ins",
            Category::Password => "password",
            Category::Methods => "methods",
            Category::Contact => "contact",
            Category::Rights => "rights",
            Category::Recovery => "recovery",
            Category::ByOthers => "by-others",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|c| c.as_str() == s)
    }

    /// The category of a kind of event (every kind has one; "by others"
    /// is about who acted, not what).
    pub fn of(kind: AuditKind) -> Category {
        use AuditKind as K;
        match kind {
            K::PasswordRehashed
            | K::PasswordChanged
            | K::PasswordChangeFailed
            | K::PasswordSet
            | K::PasswordResetRequested
            | K::PasswordReset => Category::Password,
            K::TitleChanged
            | K::LanguageChanged
            | K::EmailChangeRequested
            | K::EmailChanged
            | K::PhoneChangeRequested
            | K::PhoneChanged
            | K::ContactChangeUndone => Category::Contact,
            K::CodeRejected
            | K::SendThrottled
            | K::SmsBreakerTripped
            | K::MethodAdded
            | K::MethodRemoved
            | K::MethodChanged
            | K::StrongAuthForced
            | K::StrongAuthUnforced
            | K::StrongAuthRequested
            | K::StrongAuthStaffOwed
            | K::RecoveryCodesGenerated
            | K::RecoveryCodeUsed
            | K::FactorResetRequested
            | K::FactorResetCancelled
            | K::FactorResetDone
            | K::FactorResetWaitChanged => Category::Methods,
            K::ManagerContacted
            | K::ManagerReplied
            | K::UserInvited
            | K::RightsChanged
            | K::ReferentChanged
            | K::AccessRemoved => Category::Rights,
            K::LoginReminderSent
            | K::RecoveryThrottled
            | K::RecoveryCaseOpened
            | K::RecoveryIdentityVerified
            | K::RecoveryCodeSent
            | K::RecoveryAddressLinked
            | K::RecoveryCaseRejected => Category::Recovery,
            K::SignInSucceeded
            | K::SignInFailed
            | K::SignInRefusedLocked
            | K::SignInThrottled
            | K::LoginLocked
            | K::LoginUnlocked
            | K::SignedOut
            | K::SessionExpired
            | K::CsrfRejected
            | K::SessionRevoked
            | K::OtherSessionsRevoked
            | K::NewDevice
            | K::NotMeReported
            | K::FactorCodeSent
            | K::SecondFactorPassed
            | K::SecondFactorFailed
            | K::SecondFactorLocked
            | K::SteppedUp
            | K::StepUpFailed
            | K::PushRequested
            | K::PushApproved
            | K::PushRefused
            | K::FranceConnectRefused => Category::SignIns,
        }
    }

    /// The stored kinds it shows, as the store wants them (`|a|b|`), or
    /// `None` for "by others", which is about the actor.
    fn kinds(self) -> Option<String> {
        if self == Category::ByOthers {
            return None;
        }
        let mut s = String::from("|");
        for k in AuditKind::ALL.iter().filter(|k| Category::of(**k) == self) {
            s.push_str(k.as_str());
            s.push('|');
        }
        Some(s)
    }
}

/// How far back the timeline looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Period {
    Week,
    Month,
    Year,
    #[default]
    All,
}

impl Period {
    pub const ALL: &'static [Period] = &[Period::Week, Period::Month, Period::Year, Period::All];

    /// The query value (stable).
    pub fn as_str(self) -> &'static str {
        match self {
            Period::Week => "7d",
            Period::Month => "30d",
            Period::Year => "12m",
            Period::All => "all",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|p| p.as_str() == s)
    }

    /// The earliest time shown, from `now`.
    pub fn since(self, now: Timestamp) -> Option<Timestamp> {
        let hours: i64 = match self {
            Period::Week => 7 * 24,
            Period::Month => 30 * 24,
            Period::Year => 365 * 24,
            Period::All => return None,
        };
        now.checked_sub(hours.hours()).ok()
    }
}

/// Which page: the newest, or the one older or newer than an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Cursor {
    #[default]
    Newest,
    Before(Uuid),
    After(Uuid),
}

/// What the timeline is asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ActivityQuery {
    pub category: Option<Category>,
    pub period: Period,
    pub cursor: Cursor,
}

/// One line of the timeline.
#[derive(Debug, Clone)]
pub struct ActivityLine {
    pub event: AuditEvent,
    pub actor: Actor,
    /// The role under which someone else acted, when recorded.
    pub role: Option<ActingRole>,
    /// What support looks the event up by.
    pub reference: String,
}

/// One page of the timeline, newest first.
#[derive(Debug, Clone)]
pub struct ActivityPage {
    pub lines: Vec<ActivityLine>,
    /// The cursors of the neighbouring pages, if there are such events.
    pub older: Option<Uuid>,
    pub newer: Option<Uuid>,
    /// The cursor given is none of this login's events (a stale or
    /// edited link): the newest page is shown instead.
    pub cursor_unknown: bool,
}

/// An event as support finds it by its reference.
#[derive(Debug, Clone)]
pub struct FoundEvent {
    pub event: AuditEvent,
    pub reference: String,
    /// The login it concerns, and the one who acted, if any.
    pub subject: Option<LoginRecord>,
    pub actor: Option<LoginRecord>,
}

impl App {
    /// A page of `session`'s own timeline. Only the person's own events:
    /// the subject is the session's login, whatever the query says.
    pub async fn activity_page(
        &self,
        session: &CurrentSession,
        query: ActivityQuery,
    ) -> Result<ActivityPage, AppError> {
        let me = session.login.id;
        let now = self.clock().now();
        let mut tx = self.store().begin_read().await?;
        let (cursor, cursor_unknown) = match query.cursor {
            Cursor::Newest => (None, false),
            Cursor::Before(id) | Cursor::After(id) => match tx.audit_event_of(me, id).await? {
                Some(e) => (
                    Some((e.at, e.id, matches!(query.cursor, Cursor::Before(_)))),
                    false,
                ),
                None => (None, true),
            },
        };
        let base = AuditPage {
            subject: me,
            kinds: query.category.and_then(Category::kinds),
            by_others: query.category == Some(Category::ByOthers),
            since: query.period.since(now),
            cursor: cursor.map(|(at, id, _)| (at, id)),
            older: cursor.is_none_or(|(_, _, older)| older),
            limit: PAGE_SIZE + 1,
        };
        let mut events = tx.audit_page(&base).await?;
        let more = events.len() as i64 > PAGE_SIZE;
        events.truncate(PAGE_SIZE as usize);
        if !base.older {
            events.reverse();
        }
        // Whether there is anything on the other side of the page.
        let (older, newer) = match (events.first(), events.last()) {
            (Some(first), Some(last)) => {
                let beyond = |older: bool, e: &AuditEvent| AuditPage {
                    cursor: Some((e.at, e.id)),
                    older,
                    limit: 1,
                    ..base.clone()
                };
                let older = if base.older {
                    more
                } else {
                    !tx.audit_page(&beyond(true, last)).await?.is_empty()
                };
                let newer = if base.older {
                    cursor.is_some() && !tx.audit_page(&beyond(false, first)).await?.is_empty()
                } else {
                    more
                };
                (older.then_some(last.id), newer.then_some(first.id))
            }
            _ => (None, None),
        };
        let lines = self.lines(tx.as_mut(), me, events).await?;
        Ok(ActivityPage {
            lines,
            older,
            newer,
            cursor_unknown,
        })
    }

    /// Who acted on each event, as the timeline says it.
    async fn lines(
        &self,
        tx: &mut dyn Tx,
        me: Uuid,
        events: Vec<AuditEvent>,
    ) -> Result<Vec<ActivityLine>, AppError> {
        let mut staff: HashMap<Uuid, bool> = HashMap::new();
        let mut out = Vec::with_capacity(events.len());
        for e in events {
            let actor = match e.actor_login_id {
                None => Actor::Nobody,
                Some(a) if a == me => Actor::You,
                Some(_) if e.actor_role.is_some_and(ActingRole::is_staff) => Actor::Staff,
                Some(_) if e.actor_role.is_some() => Actor::Administrator,
                Some(a) => {
                    // Events from before roles were recorded: the actor's
                    // roles today.
                    let is_staff = match staff.get(&a) {
                        Some(s) => *s,
                        None => {
                            let s = !tx.staff_roles_of(a).await?.is_empty();
                            staff.insert(a, s);
                            s
                        }
                    };
                    if is_staff {
                        Actor::Staff
                    } else {
                        Actor::Administrator
                    }
                }
            };
            out.push(ActivityLine {
                role: e.actor_role.filter(|_| actor != Actor::You),
                reference: e.reference(),
                actor,
                event: e,
            });
        }
        Ok(out)
    }

    /// The proof that `session` may look events up, from its roles.
    pub async fn event_lookup(&self, session: &CurrentSession) -> Result<EventLookup, AppError> {
        let mut tx = self.store().begin_read().await?;
        let holder = Self::holder(tx.as_mut(), &session.login).await?;
        // Everyone else is told "not found" (ADR 0011).
        policy::event_lookup(&holder).ok_or(AppError::NotFound)
    }

    /// The events of a reference, for support (`reference` as stored,
    /// see [`crate::audit::parse_reference`]).
    pub async fn find_event(
        &self,
        _proof: &EventLookup,
        reference: &str,
    ) -> Result<Vec<FoundEvent>, AppError> {
        let mut tx = self.store().begin_read().await?;
        let events = tx.audit_by_reference(reference).await?;
        let mut out = Vec::with_capacity(events.len());
        for event in events {
            let subject = match event.subject_login_id {
                Some(id) => tx.login_by_id(id).await?,
                None => None,
            };
            let actor = match event.actor_login_id {
                Some(id) => tx.login_by_id(id).await?,
                None => None,
            };
            out.push(FoundEvent {
                reference: event.reference(),
                event,
                subject,
                actor,
            });
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_is_in_one_category_and_each_category_has_kinds() {
        for c in Category::ALL {
            assert_eq!(Category::parse(c.as_str()), Some(*c));
            if *c != Category::ByOthers {
                assert!(c.kinds().is_some_and(|k| k.len() > 2), "{c:?}");
            }
        }
        let total: usize = Category::ALL
            .iter()
            .filter_map(|c| c.kinds())
            .map(|k| k.matches('|').count() - 1)
            .sum();
        assert_eq!(total, AuditKind::ALL.len());
        assert_eq!(Category::parse("everything"), None);
    }

    #[test]
    fn periods_reach_back_from_now() {
        let now = Timestamp::from_second(100 * 86_400).unwrap();
        assert_eq!(Period::All.since(now), None);
        assert_eq!(
            Period::Week.since(now),
            Some(Timestamp::from_second(93 * 86_400).unwrap())
        );
        assert_eq!(Period::parse("30d"), Some(Period::Month));
        assert_eq!(Period::parse("1y"), None);
    }
}
