//! What every form page shares: refused fields worded in the page's
//! language and tied to their inputs, and the password rules.

use espace_app::error::{FieldProblem, FormRejection, Problem};
use espace_domain::email::EmailError;
use espace_domain::password::{GUIDE_SPECIALS, PasswordPolicy, Violation};
use espace_domain::phone::PhoneError;
use espace_domain::profile::SecurityProfile;

use super::FormError;
use crate::i18n::{Arg, Tr};

/// The errors of a submitted form, by field.
#[derive(Default)]
pub struct Fields {
    pub errors: Vec<FormError>,
    /// Extra lines of the summary (below the list).
    pub help: Vec<String>,
    /// Refusals made of several parts (the rules a new password breaks):
    /// the summary says how many, the field lists them, each once.
    pub lists: Vec<FieldList>,
}

/// The parts of one field's refusal, listed at the field under `intro`.
pub struct FieldList {
    pub field: &'static str,
    pub intro: String,
    pub items: Vec<String>,
}

impl Fields {
    pub fn from_problems(t: &Tr, problems: &[FieldProblem]) -> Self {
        let mut f = Fields::default();
        for p in problems {
            f.push(p.field, problem_message(t, p.field, &p.problem));
            if let Problem::Policy(violations) = &p.problem {
                f.lists.push(FieldList {
                    field: p.field,
                    intro: t.get("problem-policy"),
                    items: violations.iter().map(|v| violation_message(t, v)).collect(),
                });
            }
        }
        f
    }

    /// The list of parts of a field's refusal, if it has one.
    pub fn list(&self, field: &str) -> Option<&FieldList> {
        self.lists.iter().find(|l| l.field == field)
    }

    pub fn push(&mut self, field: &'static str, message: String) {
        self.errors.push(FormError {
            field: Some(field),
            message,
        });
    }

    /// The message of one field, for the field itself.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == Some(field))
            .map(|e| e.message.as_str())
    }

    pub fn has(&self, field: &str) -> bool {
        self.get(field).is_some()
    }
}

/// A character as people read it, quoted the way of the page's language
/// (`« $ »`, `“$”`), naming the invisible ones.
fn show_char(t: &Tr, c: char) -> String {
    match c {
        ' ' => t.get("rule-char-space"),
        c if c.is_control() => format!("U+{:04X}", c as u32),
        c => t.fmt("rule-char-quoted", &[("char", Arg::S(&c.to_string()))]),
    }
}

pub fn violation_message(t: &Tr, v: &Violation) -> String {
    let key = format!("rule-violation-{}", v.code());
    match v {
        Violation::TooShort { min } => t.fmt(&key, &[("min", Arg::N(*min as i64))]),
        Violation::TooLong { max } => t.fmt(&key, &[("max", Arg::N(*max as i64))]),
        Violation::ForbiddenCharacters { characters } => {
            let list: Vec<String> = characters.iter().map(|c| show_char(t, *c)).collect();
            t.fmt(
                &key,
                &[
                    ("characters", Arg::S(&list.join(", "))),
                    ("count", Arg::N(characters.len() as i64)),
                ],
            )
        }
        Violation::ContainsContextWord { word } => t.fmt(&key, &[("word", Arg::S(word))]),
        _ => t.get(&key),
    }
}

pub fn problem_message(t: &Tr, field: &str, problem: &Problem) -> String {
    match problem {
        Problem::Required => t.get(&format!("problem-required-{}", field.replace('_', "-"))),
        Problem::TooLong { max } => t.fmt("problem-too-long", &[("max", Arg::N(*max as i64))]),
        Problem::WrongPassword => t.get("problem-wrong-password"),
        Problem::PasswordLocked { minutes } => {
            t.fmt("problem-password-locked", &[("minutes", Arg::N(*minutes))])
        }
        Problem::Mismatch => t.get("problem-mismatch"),
        Problem::SameAsBefore => t.get("problem-same-as-before"),
        // In the summary, one line that counts them; the field lists them
        // (`Fields::lists`), so that each is shown once.
        Problem::Policy(violations) => t.fmt(
            "problem-policy-count",
            &[("count", Arg::N(violations.len() as i64))],
        ),
        Problem::Email(EmailError::Shape) => t.get("problem-email-shape"),
        Problem::Email(EmailError::Length) => t.get("problem-email-length"),
        Problem::Phone(PhoneError::Shape) => t.get("problem-phone-shape"),
        Problem::Phone(PhoneError::Invalid) => t.get("problem-phone-invalid"),
        Problem::CodeShape => t.get("problem-code-shape"),
        Problem::CodeWrong { remaining } => t.fmt(
            "problem-code-wrong",
            &[("remaining", Arg::N(i64::from(*remaining)))],
        ),
        Problem::CodeVoid => t.get("problem-code-void"),
        Problem::Choice => t.get("problem-choice"),
        Problem::BeyondOwnRights => t.get("problem-beyond-own-rights"),
        Problem::Taken => t.get("problem-taken"),
        Problem::LastAdministrator => t.get("problem-last-administrator"),
        Problem::Referent => t.get("problem-referent"),
        Problem::OwnLogin => t.get("problem-own-login"),
        Problem::Throttled { minutes } => {
            t.fmt("problem-throttled", &[("minutes", Arg::N(*minutes))])
        }
        Problem::SmsRegion => t.get("problem-sms-region"),
        Problem::SmsPaused { minutes } => {
            t.fmt("problem-sms-paused", &[("minutes", Arg::N(*minutes))])
        }
        Problem::State => t.get("problem-state"),
        Problem::TooMany { max } => t.fmt("problem-too-many", &[("max", Arg::N(*max as i64))]),
        Problem::TotpWrong => t.get("problem-totp-wrong"),
        Problem::RecoveryShape => t.get("problem-recovery-shape"),
        Problem::FactorWrong { remaining } => t.fmt(
            "problem-factor-wrong",
            &[("remaining", Arg::N(i64::from(*remaining)))],
        ),
        Problem::FactorLocked { minutes } => {
            t.fmt("problem-factor-locked", &[("minutes", Arg::N(*minutes))])
        }
        Problem::LastMethod => t.get("problem-last-method"),
        Problem::PasskeyRefused => t.get("problem-passkey-refused"),
        Problem::Range { min, max } => t.fmt(
            "problem-range",
            &[("min", Arg::N(*min)), ("max", Arg::N(*max))],
        ),
        Problem::OwnReset => t.get("problem-own-reset"),
        Problem::ResetPending => t.get("problem-reset-pending"),
        Problem::NothingToReset => t.get("problem-nothing-to-reset"),
        Problem::NumberChoice => t.get("problem-number-choice"),
        Problem::NumberMismatch => t.get("problem-number-mismatch"),
        Problem::PushGone => t.get("problem-push-gone"),
        Problem::AlreadyLinked => t.get("problem-already-linked"),
        Problem::ProviderUnavailable => t.get("problem-provider-unavailable"),
        Problem::OtherBrowser => t.get("problem-other-browser"),
    }
}

/// Splits a rejection into field errors, or the application error.
pub fn rejection_fields(t: &Tr, r: FormRejection) -> Result<Fields, espace_app::AppError> {
    match r {
        FormRejection::Invalid(problems) => Ok(Fields::from_problems(t, &problems)),
        FormRejection::App(e) => Err(e),
    }
}

/// Every rule of the password policy, as listed before the field.
pub fn password_rules(t: &Tr, policy: &PasswordPolicy) -> Vec<String> {
    let rules = policy.rules();
    match policy.profile() {
        SecurityProfile::Guide => {
            let specials: Vec<String> = GUIDE_SPECIALS.iter().map(|c| c.to_string()).collect();
            vec![
                t.fmt(
                    "rule-guide-length",
                    &[
                        ("medium", Arg::N(rules.guide_medium_length as i64)),
                        ("strong", Arg::N(rules.guide_strong_length as i64)),
                    ],
                ),
                t.get("rule-guide-classes"),
                t.fmt(
                    "rule-guide-specials",
                    &[("specials", Arg::S(&specials.join(" ")))],
                ),
                t.get("rule-guide-forbidden"),
                t.get("rule-personal"),
                t.get("rule-common"),
            ]
        }
        SecurityProfile::NistAal2 => vec![
            t.fmt(
                "rule-nist-length",
                &[("min", Arg::N(rules.nist_single_factor_length as i64))],
            ),
            t.get("rule-nist-any"),
            t.get("rule-personal"),
            t.get("rule-common"),
        ],
    }
}

/// One labelled text input (or text area) of a form, with its hint and
/// error wired to it for assistive technologies.
pub struct Input {
    pub name: &'static str,
    /// The key of the label; the hint's is the same ending in `-hint`.
    key: String,
    pub label: String,
    pub hint: Option<String>,
    pub value: String,
    /// An `<input>` type, or `textarea`.
    pub kind: &'static str,
    pub autocomplete: &'static str,
    pub maxlength: usize,
    pub required: bool,
    pub error: Option<String>,
}

impl Input {
    /// The label comes from `{prefix}-{name}-label` (underscores as
    /// dashes); the value is cut to `maxlength`.
    pub fn new(
        t: &Tr,
        f: &Fields,
        prefix: &str,
        name: &'static str,
        kind: &'static str,
        maxlength: usize,
        value: &str,
    ) -> Self {
        let key = format!("{prefix}-{}", name.replace('_', "-"));
        Self {
            name,
            label: t.get(&format!("{key}-label")),
            key,
            hint: None,
            value: value.chars().take(maxlength).collect(),
            kind,
            autocomplete: "off",
            maxlength,
            required: true,
            error: f.get(name).map(str::to_owned),
        }
    }

    /// Shows the hint `{prefix}-{name}-hint`.
    pub fn hinted(mut self, t: &Tr) -> Self {
        self.hint = Some(t.get(&format!("{}-hint", self.key)));
        self
    }

    pub fn optional(mut self) -> Self {
        self.required = false;
        self
    }

    pub fn autocomplete(mut self, token: &'static str) -> Self {
        self.autocomplete = token;
        self
    }

    /// Ids of the hint and the error, for `aria-describedby`.
    pub fn described_by(&self) -> String {
        let mut ids = Vec::new();
        if self.hint.is_some() {
            ids.push(format!("{}-hint", self.name));
        }
        if self.error.is_some() {
            ids.push(format!("{}-error", self.name));
        }
        ids.join(" ")
    }
}
