//! The pages' translator: see `espace-i18n`.

pub use espace_i18n::{Arg, Tr, device_name};

#[cfg(test)]
mod tests {
    use super::*;
    use espace_domain::locale::Locale;

    /// Every key built at run time from a value resolves in both
    /// languages (a missing one logs an ERROR at each render, issue 26).
    #[test]
    fn every_key_built_from_a_value_resolves_in_both_languages() {
        use espace_app::companion::PushState;
        use espace_app::franceconnect::FcProblem;
        use espace_domain::mfa::MethodKind;
        use espace_domain::password::{Strength, Violation};
        use espace_domain::rights::{CompanyRole, Profile, Section, StaffRole};
        use espace_domain::strong::Status;
        let mut keys: Vec<String> = Vec::new();
        keys.extend(PushState::ALL.map(|s| format!("push-state-{}", s.as_str())));
        keys.extend(FcProblem::ALL.map(|p| format!("franceconnect-problem-{}", p.code())));
        keys.extend(["approved", "denied", "reported"].map(|a| format!("companion-notice-{a}")));
        keys.extend(
            espace_app::assisted::CaseStatus::ALL.map(|s| format!("recover-status-{}", s.as_str())),
        );
        keys.extend(
            Section::ALL
                .iter()
                .map(|s| format!("section-{}", s.as_str())),
        );
        keys.extend(
            Profile::ALL
                .iter()
                .map(|p| format!("profile-{}", p.as_str())),
        );
        keys.extend(
            CompanyRole::ALL
                .iter()
                .map(|r| format!("role-{}", r.as_str())),
        );
        keys.extend(
            StaffRole::ALL
                .iter()
                .map(|r| format!("role-{}", r.as_str())),
        );
        keys.extend(
            [
                Status::Enabled,
                Status::Pending { deadline: None },
                Status::Disabled,
            ]
            .map(|s| format!("two-factor-status-{}", s.code())),
        );
        keys.extend(
            [Strength::TooWeak, Strength::Medium, Strength::Strong]
                .map(|s| format!("password-level-{}", s.as_str())),
        );
        keys.extend(
            [
                Violation::TooShort { min: 1 },
                Violation::TooLong { max: 1 },
                Violation::MissingLowercase,
                Violation::MissingUppercase,
                Violation::MissingDigit,
                Violation::MissingSpecial,
                Violation::ForbiddenCharacters { characters: vec![] },
                Violation::EnDash,
                Violation::ContainsIdentifier,
                Violation::ContainsEmail,
                Violation::ContainsContextWord {
                    word: String::new(),
                },
                Violation::Common,
                Violation::TooPredictable,
            ]
            .iter()
            .map(|v| format!("rule-violation-{}", v.code())),
        );
        keys.extend(
            [
                MethodKind::Totp,
                MethodKind::Passkey,
                MethodKind::Email,
                MethodKind::Sms,
                MethodKind::Companion,
                MethodKind::FranceConnect,
            ]
            .map(|k| format!("security-kind-{k}")),
        );
        keys.extend(
            [MethodKind::Email, MethodKind::Sms].map(|k| format!("code-method-submit-{k}")),
        );
        // The timeline's filters and roles (activity.rs).
        keys.push("activity-category-all".into());
        keys.extend(
            espace_app::activity::Category::ALL
                .iter()
                .map(|c| format!("activity-category-{}", c.as_str())),
        );
        keys.extend(
            espace_app::activity::Period::ALL
                .iter()
                .map(|p| format!("activity-period-{}", p.as_str())),
        );
        for r in espace_app::audit::ActingRole::ALL {
            keys.push(format!("activity-role-{}", r.as_str()));
            keys.push(format!("backoffice-events-role-{}", r.as_str()));
        }
        // Built in the templates (contact.html, users_invite.html).
        keys.extend(["mrs", "mr", "unspecified"].map(|v| format!("title-{v}")));
        // Every argument these messages take (a message with variables does
        // not resolve without them).
        let args = [
            ("min", Arg::N(1)),
            ("max", Arg::N(1)),
            ("count", Arg::N(1)),
            ("characters", Arg::S("x")),
            ("word", Arg::S("x")),
        ];
        for locale in Locale::ALL {
            let missing: Vec<&String> = keys
                .iter()
                .filter(|k| Tr::new(locale).fmt(k, &args) == **k)
                .collect();
            assert!(missing.is_empty(), "{locale:?} lacks {missing:?}");
        }
    }

    #[test]
    fn every_audit_kind_has_a_timeline_label_in_both_languages() {
        for kind in espace_app::audit::AuditKind::ALL {
            let key = format!("activity-kind-{}", kind.as_str().replace('.', "-"));
            for locale in Locale::ALL {
                assert_ne!(Tr::new(locale).get(&key), key, "{key} in {locale:?}");
            }
        }
    }
}
