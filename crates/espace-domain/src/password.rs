//! The password policy (SPEC §3.1, ASVS V6.2).
//!
//! [`PasswordPolicy::evaluate`] lists *every* unmet rule at once, with the
//! strength level the form shows as the user types. The same function runs
//! on the server after submit, so the page works without JavaScript.

use std::collections::HashSet;
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

use crate::profile::SecurityProfile;

/// The special characters the user guide allows (`# ! . @ _ - /`).
pub const GUIDE_SPECIALS: &[char] = &['#', '!', '.', '@', '_', '-', '/'];

/// Longest password accepted, in characters. Longer input is refused before
/// any hashing (ASVS 6.2.9: 64 and 128 accepted, 129 refused).
pub const MAX_LEN: usize = 128;

static COMMON: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    include_str!("../data/common-passwords.txt")
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect()
});

/// How strong a candidate is, as shown next to the field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Strength {
    TooWeak,
    Medium,
    Strong,
}

impl Strength {
    pub fn as_str(self) -> &'static str {
        match self {
            Strength::TooWeak => "too-weak",
            Strength::Medium => "medium",
            Strength::Strong => "strong",
        }
    }
}

/// One unmet rule. `code()` is stable: it names the message in both
/// languages and the JSON API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "rule", rename_all = "kebab-case")]
pub enum Violation {
    TooShort {
        min: usize,
    },
    TooLong {
        max: usize,
    },
    MissingLowercase,
    MissingUppercase,
    MissingDigit,
    MissingSpecial,
    /// Characters outside the allowed set, each named once, in order.
    ForbiddenCharacters {
        characters: Vec<char>,
    },
    /// The typographic dash "–" printed in the user guide: the ASCII
    /// hyphen "-" is the allowed character.
    EnDash,
    ContainsIdentifier,
    ContainsEmail,
    ContainsContextWord {
        word: String,
    },
    /// In the shipped list of the most common breached passwords.
    Common,
    /// Guessable by pattern (repeats, sequences, keyboard walks, words).
    TooPredictable,
}

impl Violation {
    pub fn code(&self) -> &'static str {
        match self {
            Violation::TooShort { .. } => "too-short",
            Violation::TooLong { .. } => "too-long",
            Violation::MissingLowercase => "missing-lowercase",
            Violation::MissingUppercase => "missing-uppercase",
            Violation::MissingDigit => "missing-digit",
            Violation::MissingSpecial => "missing-special",
            Violation::ForbiddenCharacters { .. } => "forbidden-characters",
            Violation::EnDash => "en-dash",
            Violation::ContainsIdentifier => "contains-identifier",
            Violation::ContainsEmail => "contains-email",
            Violation::ContainsContextWord { .. } => "contains-context-word",
            Violation::Common => "common",
            Violation::TooPredictable => "too-predictable",
        }
    }
}

/// The result of checking a candidate password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evaluation {
    pub strength: Strength,
    pub violations: Vec<Violation>,
}

impl Evaluation {
    pub fn is_acceptable(&self) -> bool {
        self.violations.is_empty()
    }
}

/// What the policy knows about the person choosing the password.
#[derive(Debug, Clone, Copy, Default)]
pub struct PasswordContext<'a> {
    pub identifier: Option<&'a str>,
    pub email: Option<&'a str>,
    /// Company and person names, and the like (ASVS 6.1.2).
    pub personal_words: &'a [&'a str],
    /// Whether strong authentication is enforced on the login: under
    /// `nist-aal2` the password is then never the only factor and may be
    /// shorter (NIST 800-63B §3.1.1.2).
    pub strong_auth_enforced: bool,
}

/// Configurable numbers of the policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PasswordRules {
    /// `guide`: length of the medium level.
    pub guide_medium_length: usize,
    /// `guide`: length of the strong level.
    pub guide_strong_length: usize,
    /// `guide`: the lowest level accepted.
    pub guide_minimum: MinimumLevel,
    /// `nist-aal2`: minimum when the password can be the only factor.
    pub nist_single_factor_length: usize,
    /// `nist-aal2`: minimum when strong authentication is enforced.
    pub nist_multi_factor_length: usize,
    /// Words refused inside passwords in every profile (ASVS 6.1.2), in
    /// addition to each person's own identifier, e-mail and names.
    pub context_words: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum MinimumLevel {
    #[default]
    Medium,
    Strong,
}

impl Default for PasswordRules {
    fn default() -> Self {
        Self {
            guide_medium_length: 8,
            guide_strong_length: 10,
            guide_minimum: MinimumLevel::Medium,
            nist_single_factor_length: 15,
            nist_multi_factor_length: 8,
            context_words: vec![
                "espaceclient".into(),
                "espace-client".into(),
                "espace client".into(),
                "customerspace".into(),
                "customer space".into(),
            ],
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordPolicy {
    profile: SecurityProfile,
    rules: PasswordRules,
}

impl PasswordPolicy {
    pub fn new(profile: SecurityProfile, rules: PasswordRules) -> Self {
        Self { profile, rules }
    }

    pub fn profile(&self) -> SecurityProfile {
        self.profile
    }

    pub fn rules(&self) -> &PasswordRules {
        &self.rules
    }

    /// The form a password takes before it is hashed or compared: Unicode
    /// NFC (ASVS 6.2.5), nothing else (no trimming, no case folding).
    pub fn normalize(password: &str) -> String {
        password.nfc().collect()
    }

    /// The minimum length that applies to this person.
    pub fn min_length(&self, ctx: &PasswordContext<'_>) -> usize {
        match self.profile {
            SecurityProfile::Guide => match self.rules.guide_minimum {
                MinimumLevel::Medium => self.rules.guide_medium_length,
                MinimumLevel::Strong => self.rules.guide_strong_length,
            },
            SecurityProfile::NistAal2 if ctx.strong_auth_enforced => {
                self.rules.nist_multi_factor_length
            }
            SecurityProfile::NistAal2 => self.rules.nist_single_factor_length,
        }
    }

    pub fn evaluate(&self, candidate: &str, ctx: &PasswordContext<'_>) -> Evaluation {
        let password = Self::normalize(candidate);
        let len = password.chars().count();
        let mut violations = Vec::new();
        let min = self.min_length(ctx);
        if len < min {
            violations.push(Violation::TooShort { min });
        }
        if len > MAX_LEN {
            violations.push(Violation::TooLong { max: MAX_LEN });
        }
        match self.profile {
            SecurityProfile::Guide => guide_composition(&password, &mut violations),
            SecurityProfile::NistAal2 => {
                let controls: Vec<char> = unique(password.chars().filter(|c| c.is_control()));
                if !controls.is_empty() {
                    violations.push(Violation::ForbiddenCharacters {
                        characters: controls,
                    });
                }
            }
        }
        self.blocklists(&password, ctx, &mut violations);

        let predictable = self.profile == SecurityProfile::NistAal2
            && len <= MAX_LEN
            && predictability_score(&password, ctx) <= 1;
        if predictable && !violations.contains(&Violation::Common) {
            violations.push(Violation::TooPredictable);
        }

        let strength = if !violations.is_empty() {
            Strength::TooWeak
        } else {
            match self.profile {
                SecurityProfile::Guide if len >= self.rules.guide_strong_length => Strength::Strong,
                SecurityProfile::Guide => Strength::Medium,
                SecurityProfile::NistAal2 if predictability_score(&password, ctx) >= 4 => {
                    Strength::Strong
                }
                SecurityProfile::NistAal2 => Strength::Medium,
            }
        };
        Evaluation {
            strength,
            violations,
        }
    }

    fn blocklists(&self, password: &str, ctx: &PasswordContext<'_>, out: &mut Vec<Violation>) {
        let lower = password.to_lowercase();
        if let Some(id) = ctx.identifier.map(str::to_lowercase)
            && id.chars().count() >= 3
            && lower.contains(&id)
        {
            out.push(Violation::ContainsIdentifier);
        }
        if let Some(email) = ctx.email.map(str::to_lowercase) {
            let local = email.rsplit_once('@').map_or(email.as_str(), |(l, _)| l);
            if (local.chars().count() >= 3 && lower.contains(local)) || lower.contains(&email) {
                out.push(Violation::ContainsEmail);
            }
        }
        let personal = ctx.personal_words.iter().map(|w| w.to_lowercase());
        let configured = self.rules.context_words.iter().map(|w| w.to_lowercase());
        for word in personal.chain(configured) {
            if word.chars().count() >= 4
                && lower.contains(&word)
                && !out
                    .iter()
                    .any(|v| matches!(v, Violation::ContainsContextWord { .. }))
            {
                out.push(Violation::ContainsContextWord { word });
            }
        }
        if is_common(&lower) {
            out.push(Violation::Common);
        }
    }
}

fn guide_composition(password: &str, out: &mut Vec<Violation>) {
    if !password.chars().any(|c| c.is_ascii_lowercase()) {
        out.push(Violation::MissingLowercase);
    }
    if !password.chars().any(|c| c.is_ascii_uppercase()) {
        out.push(Violation::MissingUppercase);
    }
    if !password.chars().any(|c| c.is_ascii_digit()) {
        out.push(Violation::MissingDigit);
    }
    if !password.chars().any(|c| GUIDE_SPECIALS.contains(&c)) {
        out.push(Violation::MissingSpecial);
    }
    if password.contains('\u{2013}') {
        out.push(Violation::EnDash);
    }
    let forbidden = unique(password.chars().filter(|&c| {
        c != '\u{2013}' && !c.is_ascii_alphanumeric() && !GUIDE_SPECIALS.contains(&c)
    }));
    if !forbidden.is_empty() {
        out.push(Violation::ForbiddenCharacters {
            characters: forbidden,
        });
    }
}

/// In the shipped list, as typed or once the usual decorations are taken
/// off the end ("Dragon2024!" is "dragon" with digits and a symbol).
fn is_common(lower: &str) -> bool {
    if COMMON.contains(lower) {
        return true;
    }
    let base = lower.trim_end_matches(|c: char| c.is_ascii_digit() || c.is_ascii_punctuation());
    base.chars().count() >= 4 && COMMON.contains(base)
}

fn predictability_score(password: &str, ctx: &PasswordContext<'_>) -> u8 {
    let mut inputs: Vec<&str> = ctx.personal_words.to_vec();
    inputs.extend(ctx.identifier);
    inputs.extend(ctx.email);
    // zxcvbn's cost grows with length; past 64 characters the prefix decides.
    let prefix: String = password.chars().take(64).collect();
    u8::from(zxcvbn::zxcvbn(&prefix, &inputs).score())
}

fn unique(chars: impl Iterator<Item = char>) -> Vec<char> {
    let mut out = Vec::new();
    for c in chars {
        if !out.contains(&c) {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn guide() -> PasswordPolicy {
        PasswordPolicy::new(SecurityProfile::Guide, PasswordRules::default())
    }

    fn nist() -> PasswordPolicy {
        PasswordPolicy::new(SecurityProfile::NistAal2, PasswordRules::default())
    }

    fn codes(e: &Evaluation) -> Vec<&'static str> {
        e.violations.iter().map(Violation::code).collect()
    }

    #[test]
    fn guide_levels_follow_the_user_guide_lengths() {
        let ctx = PasswordContext::default();
        assert_eq!(
            guide().evaluate("Tr0ub/ad", &ctx).strength,
            Strength::Medium
        );
        assert_eq!(
            guide().evaluate("Tr0ub/ador", &ctx).strength,
            Strength::Strong
        );
        assert_eq!(
            guide().evaluate("Espace#2026", &ctx).strength,
            Strength::Strong
        );
        let short = guide().evaluate("Tr0b/ad", &ctx);
        assert_eq!(short.strength, Strength::TooWeak);
        assert_eq!(short.violations, vec![Violation::TooShort { min: 8 }]);
    }

    #[test]
    fn guide_lists_every_unmet_rule_at_once() {
        let e = guide().evaluate("abc", &PasswordContext::default());
        assert_eq!(
            codes(&e),
            vec![
                "too-short",
                "missing-uppercase",
                "missing-digit",
                "missing-special"
            ]
        );
    }

    #[test]
    fn guide_names_each_forbidden_character_once() {
        let e = guide().evaluate("Pa$$word µ 12#", &PasswordContext::default());
        assert!(e.violations.contains(&Violation::ForbiddenCharacters {
            characters: vec!['$', ' ', 'µ']
        }));
        let accented = guide().evaluate("Élodie#2026x", &PasswordContext::default());
        assert!(
            accented
                .violations
                .contains(&Violation::ForbiddenCharacters {
                    characters: vec!['É']
                })
        );
    }

    #[test]
    fn guide_accepts_every_listed_special_and_refuses_the_typographic_dash() {
        for special in GUIDE_SPECIALS {
            let candidate = format!("Abcdef1{special}");
            assert!(
                guide()
                    .evaluate(&candidate, &PasswordContext::default())
                    .is_acceptable(),
                "{candidate}"
            );
        }
        let e = guide().evaluate("Abcdef1\u{2013}", &PasswordContext::default());
        assert_eq!(codes(&e), vec!["missing-special", "en-dash"]);
    }

    #[test]
    fn identifier_email_and_context_words_are_refused() {
        let ctx = PasswordContext {
            identifier: Some("alice.martin"),
            email: Some("a.martin@acme.example"),
            personal_words: &["Acme Industries", "Lumière"],
            strong_auth_enforced: false,
        };
        assert!(
            guide()
                .evaluate("Alice.Martin#1", &ctx)
                .violations
                .contains(&Violation::ContainsIdentifier)
        );
        assert!(
            guide()
                .evaluate("A.martin#1Zz", &ctx)
                .violations
                .contains(&Violation::ContainsEmail)
        );
        assert!(guide().evaluate("Lumière#2026x", &ctx).violations.contains(
            &Violation::ContainsContextWord {
                word: "lumière".into()
            }
        ));
        assert!(
            guide()
                .evaluate("MyEspaceClient#1", &ctx)
                .violations
                .iter()
                .any(|v| v.code() == "contains-context-word")
        );
    }

    #[test]
    fn common_passwords_are_refused_even_when_decorated() {
        let ctx = PasswordContext::default();
        assert!(
            guide()
                .evaluate("Password1!", &ctx)
                .violations
                .contains(&Violation::Common)
        );
        assert!(
            guide()
                .evaluate("Dragon2024!", &ctx)
                .violations
                .contains(&Violation::Common)
        );
        assert!(
            nist()
                .evaluate("qwertyuiop123456", &ctx)
                .violations
                .contains(&Violation::Common)
                || nist()
                    .evaluate("qwertyuiop123456", &ctx)
                    .violations
                    .contains(&Violation::TooPredictable)
        );
    }

    #[test]
    fn nist_requires_fifteen_characters_alone_and_eight_with_strong_authentication() {
        let alone = PasswordContext::default();
        let mfa = PasswordContext {
            strong_auth_enforced: true,
            ..PasswordContext::default()
        };
        let fourteen = "vivid-otter-43";
        assert_eq!(fourteen.chars().count(), 14);
        assert!(
            nist()
                .evaluate(fourteen, &alone)
                .violations
                .contains(&Violation::TooShort { min: 15 })
        );
        assert!(nist().evaluate("vivid-otter-431", &alone).is_acceptable());
        assert!(nist().evaluate("quartz-v1", &mfa).is_acceptable());
    }

    #[test]
    fn nist_accepts_any_unicode_without_composition_rules() {
        let e = nist().evaluate("😀 correct horse é batterie", &PasswordContext::default());
        assert!(e.is_acceptable(), "{e:?}");
        assert!(
            nist()
                .evaluate(
                    "alllowercaseletterswithoutdigits",
                    &PasswordContext::default()
                )
                .is_acceptable()
        );
        assert_eq!(
            codes(&nist().evaluate("tab\tinside-a-longer-phrase", &PasswordContext::default())),
            vec!["forbidden-characters"]
        );
    }

    #[test]
    fn nist_refuses_predictable_patterns() {
        let e = nist().evaluate("aaaaaaaaaaaaaaaaaaaa", &PasswordContext::default());
        assert!(e.violations.contains(&Violation::TooPredictable));
    }

    #[test]
    fn length_limits_are_64_and_128_accepted_129_refused() {
        let ctx = PasswordContext::default();
        let base = "Aa1#";
        let of_len = |n: usize| {
            format!(
                "{base}{}",
                "xY7/"
                    .repeat(n)
                    .chars()
                    .take(n - base.len())
                    .collect::<String>()
            )
        };
        assert!(guide().evaluate(&of_len(64), &ctx).is_acceptable());
        assert!(guide().evaluate(&of_len(128), &ctx).is_acceptable());
        assert!(
            guide()
                .evaluate(&of_len(129), &ctx)
                .violations
                .contains(&Violation::TooLong { max: 128 })
        );
    }

    #[test]
    fn normalize_is_nfc_and_changes_nothing_else() {
        assert_eq!(PasswordPolicy::normalize("e\u{301}"), "\u{e9}");
        assert_eq!(PasswordPolicy::normalize(" Abc "), " Abc ");
    }
}
