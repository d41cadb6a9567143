//! French and English through Fluent (SPEC §9). The files live in
//! `locales/{fr,en}/` (`main.ftl` for pages, `email.ftl` for messages) and
//! are embedded at compile time. Shared by the pages and the e-mails.

use std::borrow::Cow;
use std::collections::HashMap;

use espace_domain::locale::Locale;
use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader, langid};

fluent_templates::static_loader! {
    static LOCALES = {
        locales: "../../locales",
        fallback_language: "fr",
        // Isolation marks would show as stray characters in HTML attributes.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

static FR: LanguageIdentifier = langid!("fr");
static EN: LanguageIdentifier = langid!("en");

/// An argument for a message with placeholders.
#[derive(Debug, Clone, Copy)]
pub enum Arg<'a> {
    S(&'a str),
    N(i64),
}

/// The translator of one request.
#[derive(Debug, Clone, Copy)]
pub struct Tr {
    locale: Locale,
}

impl Tr {
    pub fn new(locale: Locale) -> Self {
        Self { locale }
    }

    pub fn locale(&self) -> Locale {
        self.locale
    }

    fn id(&self) -> &'static LanguageIdentifier {
        match self.locale {
            Locale::Fr => &FR,
            Locale::En => &EN,
        }
    }

    /// The message `key`; the key itself (logged) if it is missing, which
    /// the key-parity test prevents.
    pub fn get(&self, key: &str) -> String {
        LOCALES.try_lookup(self.id(), key).unwrap_or_else(|| {
            tracing::error!(key, "missing translation");
            key.to_owned()
        })
    }

    pub fn fmt(&self, key: &str, args: &[(&'static str, Arg<'_>)]) -> String {
        let map: HashMap<Cow<'static, str>, FluentValue<'_>> = args
            .iter()
            .map(|(name, arg)| {
                let value = match arg {
                    Arg::S(s) => FluentValue::from(s.to_string()),
                    Arg::N(n) => FluentValue::from(*n),
                };
                (Cow::Borrowed(*name), value)
            })
            .collect();
        LOCALES
            .try_lookup_with_args(self.id(), key, &map)
            .unwrap_or_else(|| key.to_owned())
    }
}

/// "Chrome 156 on Linux", from a `User-Agent` header, in `t`'s language.
pub fn device_name(t: &Tr, user_agent: &str) -> String {
    match espace_domain::device::parse(user_agent) {
        Some(d) => {
            let os = d.os.unwrap_or_else(|| t.get("device-unknown-os"));
            t.fmt(
                "device-format",
                &[("browser", Arg::S(&d.browser)), ("os", Arg::S(&os))],
            )
        }
        None => t.get("device-unknown"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(src: &str) -> Vec<String> {
        let mut k: Vec<String> = src
            .lines()
            .filter(|l| l.chars().next().is_some_and(|c| c.is_ascii_lowercase()))
            .filter_map(|l| l.split_once(" =").map(|(k, _)| k.trim().to_owned()))
            .collect();
        k.sort();
        k
    }

    /// Every `{ $name }` placeholder of a file, to resolve every message.
    fn placeholders(src: &str) -> Vec<String> {
        let mut out: Vec<String> = src
            .split("{ $")
            .skip(1)
            .filter_map(|rest| rest.split([' ', '}']).next().map(str::to_owned))
            .collect();
        out.sort();
        out.dedup();
        out
    }

    #[test]
    fn both_languages_have_the_same_keys_and_every_message_resolves() {
        for (en, fr) in [
            (
                include_str!("../../../locales/en/main.ftl"),
                include_str!("../../../locales/fr/main.ftl"),
            ),
            (
                include_str!("../../../locales/en/email.ftl"),
                include_str!("../../../locales/fr/email.ftl"),
            ),
        ] {
            let keys_en = keys(en);
            assert_eq!(keys_en, keys(fr));
            let names = placeholders(&format!("{en}{fr}"));
            let args: Vec<(&'static str, Arg<'_>)> = names
                .iter()
                .map(|n| (&*n.clone().leak(), Arg::N(2)))
                .collect();
            for key in &keys_en {
                for locale in Locale::ALL {
                    assert_ne!(
                        Tr::new(locale).fmt(key, &args),
                        *key,
                        "{key} resolves in {locale:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn plurals_and_arguments_render_without_isolation_marks() {
        let t = Tr::new(Locale::En);
        let one = t.fmt(
            "login-remaining",
            &[("remaining", Arg::N(1)), ("minutes", Arg::N(30))],
        );
        assert_eq!(
            one,
            "You have 1 more try before your login is locked for 30 minutes."
        );
        let fr = Tr::new(Locale::Fr).fmt("signed-in-as", &[("name", Arg::S("Alice"))]);
        assert_eq!(fr, "Connecté en tant que Alice");
    }
}
