//! Rights (SPEC §1): per (login, contract, section) a profile, company
//! roles on top, and provider staff roles.

string_enum!(
    /// The sections of a contract that rights are given on.
    Section {
        Contracts => "contracts",
        Invoices => "invoices",
        Consumption => "consumption",
        Requests => "requests",
        Users => "users",
        Documents => "documents",
        Reports => "reports",
    }
);

string_enum!(
    /// Visitors read; managers act.
    Profile {
        Visitor => "visitor",
        Manager => "manager",
    }
);

string_enum!(
    /// Company-level roles on top of contract rights.
    CompanyRole {
        Administrator => "administrator",
        SecurityManager => "security-manager",
    }
);

string_enum!(
    /// Provider-side staff roles.
    StaffRole {
        SupportAgent => "support-agent",
        WebAccountManager => "web-account-manager",
        Moderator => "moderator",
        Administrator => "administrator",
    }
);

impl Profile {
    /// Whether this profile allows what `needed` allows.
    pub fn covers(self, needed: Profile) -> bool {
        self >= needed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for s in Section::ALL {
            assert_eq!(Section::parse(s.as_str()), Some(*s));
        }
        for r in StaffRole::ALL {
            assert_eq!(StaffRole::parse(r.as_str()), Some(*r));
        }
        assert_eq!(
            CompanyRole::parse("security-manager"),
            Some(CompanyRole::SecurityManager)
        );
        assert_eq!(Section::parse("nope"), None);
    }

    #[test]
    fn manager_covers_visitor_but_not_the_reverse() {
        assert!(Profile::Manager.covers(Profile::Visitor));
        assert!(!Profile::Visitor.covers(Profile::Manager));
    }
}
