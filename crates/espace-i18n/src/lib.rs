//! French and English through Fluent (SPEC §9). The files live in
//! `locales/{fr,en}/`, one per capability (`auth.ftl`, `mfa.ftl`…, with
//! `common.ftl` for the frame of every page and `email.ftl` for the
//! messages), and are embedded at compile time. Shared by the pages and the e-mails.

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

impl Tr {
    /// A calendar date in words, in this language: "3 December 2026",
    /// "1er décembre 2026" (SPEC §9: never an ISO date on a page).
    pub fn date(&self, d: jiff::civil::Date) -> String {
        let month = self.get(&format!("date-month-{}", d.month()));
        self.fmt(
            "date-long",
            &[
                ("day", Arg::N(i64::from(d.day()))),
                ("month", Arg::S(&month)),
                ("year", Arg::N(i64::from(d.year()))),
            ],
        )
    }

    /// A date and a time of day: "3 December 2026, 14:35",
    /// "3 décembre 2026 à 14:35".
    pub fn datetime(&self, dt: jiff::civil::DateTime) -> String {
        let time = format!("{:02}:{:02}", dt.hour(), dt.minute());
        self.fmt(
            "datetime-long",
            &[
                ("date", Arg::S(&self.date(dt.date()))),
                ("time", Arg::S(&time)),
            ],
        )
    }

    /// A date stored as text (`2027-06-30`), in words; anything that is not
    /// a date is shown as it is.
    pub fn date_text(&self, raw: &str) -> String {
        raw.parse::<jiff::civil::Date>()
            .map_or_else(|_| raw.to_owned(), |d| self.date(d))
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

    /// Every file of both languages: one per capability (and `email` for
    /// the messages), as `(name, English, French)`.
    const FILES: &[(&str, &str, &str)] = &[
        (
            "common",
            include_str!("../../../locales/en/common.ftl"),
            include_str!("../../../locales/fr/common.ftl"),
        ),
        (
            "auth",
            include_str!("../../../locales/en/auth.ftl"),
            include_str!("../../../locales/fr/auth.ftl"),
        ),
        (
            "dashboard",
            include_str!("../../../locales/en/dashboard.ftl"),
            include_str!("../../../locales/fr/dashboard.ftl"),
        ),
        (
            "account",
            include_str!("../../../locales/en/account.ftl"),
            include_str!("../../../locales/fr/account.ftl"),
        ),
        (
            "activity",
            include_str!("../../../locales/en/activity.ftl"),
            include_str!("../../../locales/fr/activity.ftl"),
        ),
        (
            "rights",
            include_str!("../../../locales/en/rights.ftl"),
            include_str!("../../../locales/fr/rights.ftl"),
        ),
        (
            "mfa",
            include_str!("../../../locales/en/mfa.ftl"),
            include_str!("../../../locales/fr/mfa.ftl"),
        ),
        (
            "recovery",
            include_str!("../../../locales/en/recovery.ftl"),
            include_str!("../../../locales/fr/recovery.ftl"),
        ),
        (
            "franceconnect",
            include_str!("../../../locales/en/franceconnect.ftl"),
            include_str!("../../../locales/fr/franceconnect.ftl"),
        ),
        (
            "backoffice",
            include_str!("../../../locales/en/backoffice.ftl"),
            include_str!("../../../locales/fr/backoffice.ftl"),
        ),
        (
            "email",
            include_str!("../../../locales/en/email.ftl"),
            include_str!("../../../locales/fr/email.ftl"),
        ),
    ];

    #[test]
    fn every_file_of_the_locales_is_checked_and_both_languages_have_the_same() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../locales");
        for language in ["en", "fr"] {
            let mut names: Vec<String> = std::fs::read_dir(dir.join(language))
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            names.sort();
            let mut listed: Vec<String> = FILES.iter().map(|(n, ..)| format!("{n}.ftl")).collect();
            listed.sort();
            assert_eq!(names, listed, "locales/{language}/ and FILES");
        }
    }

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
        let mut everywhere: Vec<String> = Vec::new();
        for (name, en, fr) in FILES {
            let keys_en = keys(en);
            assert_eq!(keys_en, keys(fr), "{name}.ftl");
            everywhere.extend(keys_en.iter().cloned());
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
        let count = everywhere.len();
        everywhere.sort();
        everywhere.dedup();
        assert_eq!(everywhere.len(), count, "a key lives in one file only");
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

    #[test]
    fn dates_are_in_words_in_each_language() {
        let d = jiff::civil::date(2026, 12, 1);
        assert_eq!(Tr::new(Locale::En).date(d), "1 December 2026");
        assert_eq!(Tr::new(Locale::Fr).date(d), "1er décembre 2026");
        let dt = jiff::civil::date(2027, 2, 3).at(9, 5, 0, 0);
        assert_eq!(Tr::new(Locale::En).datetime(dt), "3 February 2027, 09:05");
        assert_eq!(Tr::new(Locale::Fr).datetime(dt), "3 février 2027 à 09:05");
        assert_eq!(Tr::new(Locale::Fr).date_text("2027-06-30"), "30 juin 2027");
        assert_eq!(Tr::new(Locale::En).date_text("soon"), "soon");
    }

    /// The text of every message of a file (placeables and comments left
    /// out), one entry per line of text, with its key.
    fn texts(src: &str) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let mut key = String::new();
        for line in src.lines() {
            if line.starts_with('#') || line.trim().is_empty() {
                continue;
            }
            let value = match line.split_once(" = ") {
                Some((k, v)) if !line.starts_with(' ') => {
                    key = k.trim().to_owned();
                    v
                }
                _ => line.trim_start().trim_start_matches('*'),
            };
            let value = if value.starts_with('[') {
                value.split_once(']').map_or(value, |(_, rest)| rest)
            } else {
                value
            };
            let mut text = String::new();
            let mut depth = 0usize;
            for c in value.chars() {
                match c {
                    '{' => {
                        depth += 1;
                        text.push('{');
                    }
                    '}' if depth > 0 => depth -= 1,
                    _ if depth == 0 => text.push(c),
                    _ => {}
                }
            }
            out.push((key.clone(), text));
        }
        out
    }

    #[test]
    fn french_typography_and_one_term_per_idea() {
        for src in FILES.iter().map(|(_, _, fr)| fr) {
            for (key, text) in texts(src) {
                let chars: Vec<char> = text.chars().collect();
                for (i, c) in chars.iter().enumerate() {
                    let before = i.checked_sub(1).map(|j| chars[j]);
                    let after = chars.get(i + 1).copied();
                    match c {
                        '\'' | '"' => {
                            panic!("{key}: typographic apostrophe ’ and « » in French: {text}")
                        }
                        ';' | '?' | '!' | ':' => {
                            // URLs and times are not punctuation.
                            let code = after
                                .is_some_and(|a| a == '/' || a.is_ascii_alphanumeric() || a == '=')
                                || before.is_some_and(|b| b.is_ascii_digit());
                            if !code && i > 0 {
                                assert!(
                                    matches!(before, Some('\u{a0}' | '\u{202f}' | '{')),
                                    "{key}: a no-break space before {c:?}: {text}"
                                );
                            }
                        }
                        '«' => assert!(
                            matches!(after, Some('\u{a0}' | '\u{202f}')),
                            "{key}: no-break space after «: {text}"
                        ),
                        '»' => assert!(
                            matches!(before, Some('\u{a0}' | '\u{202f}' | '{')),
                            "{key}: no-break space before »: {text}"
                        ),
                        _ => {}
                    }
                }
                let lower = text.to_lowercase();
                for (wrong, right) in [
                    ("authentification forte", "double authentification"),
                    ("deux facteurs", "double authentification"),
                    ("adresse e-mail", "adresse électronique"),
                    ("adresse mail", "adresse électronique"),
                    ("adresse email", "adresse électronique"),
                ] {
                    assert!(
                        !lower.contains(wrong),
                        "{key}: say « {right} », not « {wrong} »: {text}"
                    );
                }
            }
        }
    }

    #[test]
    fn english_uses_english_quotes() {
        for src in FILES.iter().map(|(_, en, _)| en) {
            for (key, text) in texts(src) {
                assert!(
                    !text.contains(['"', '«', '»']),
                    "{key}: English quotes “…”: {text}"
                );
                assert!(
                    !text.contains('\''),
                    "{key}: one apostrophe style (’): {text}"
                );
            }
        }
    }
}
