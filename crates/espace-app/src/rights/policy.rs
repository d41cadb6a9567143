//! Authorisation decided in one place (DESIGN §1): each function takes
//! what a login holds and returns a proof of what it may do, or nothing.
//! A proof cannot be built elsewhere (its field is private), so a use case
//! that needs one is only reachable through the check.

use espace_domain::rights::StaffRole;
use uuid::Uuid;

/// Proof that a login may look audit events up by their reference in the
/// back office: provider support (the reference is what a person reads to
/// them from their timeline). The events it finds concern any login.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventLookup {
    agent: Uuid,
}

impl EventLookup {
    /// Who looks.
    pub fn agent(&self) -> Uuid {
        self.agent
    }
}

/// Support agents look events up; no other role, staff or customer, may.
pub fn event_lookup(login: Uuid, staff: &[StaffRole]) -> Option<EventLookup> {
    staff
        .contains(&StaffRole::SupportAgent)
        .then_some(EventLookup { agent: login })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_support_agents_look_events_up() {
        let me = Uuid::nil();
        assert!(event_lookup(me, &[StaffRole::SupportAgent]).is_some());
        assert!(
            event_lookup(me, &[StaffRole::WebAccountManager, StaffRole::SupportAgent]).is_some()
        );
        for other in [
            StaffRole::WebAccountManager,
            StaffRole::Moderator,
            StaffRole::Administrator,
        ] {
            assert!(event_lookup(me, &[other]).is_none(), "{other:?}");
        }
        assert!(event_lookup(me, &[]).is_none());
    }
}
