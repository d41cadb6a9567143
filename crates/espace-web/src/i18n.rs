//! The pages' translator: see `espace-i18n`.

pub use espace_i18n::{Arg, Tr, device_name};

#[cfg(test)]
mod tests {
    use super::*;
    use espace_domain::locale::Locale;

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
