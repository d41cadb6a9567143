//! Telephone numbers (SPEC §6), parsed with libphonenumber's metadata into
//! E.164. A number written without a country prefix is read as French.

use std::fmt;

use phonenumber::country::Id;
use phonenumber::{Mode, Type};

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    #[error("a telephone number looks like 06 12 34 56 78 or +33 6 12 34 56 78")]
    Shape,
    #[error("this number does not exist in its country's numbering plan")]
    Invalid,
}

/// What kind of line a number is: only mobiles receive SMS codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LineKind {
    Mobile,
    Landline,
    /// Valid, but the plan does not say (e.g. some NANP numbers).
    Unknown,
}

impl LineKind {
    pub fn as_str(self) -> &'static str {
        match self {
            LineKind::Mobile => "mobile",
            LineKind::Landline => "landline",
            LineKind::Unknown => "unknown",
        }
    }
}

/// A valid number in E.164 form (`+33612345678`).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct PhoneE164 {
    e164: String,
    international: String,
    kind: LineKind,
    /// The CLDR region of the number (`FR`, `BE`, `GP`…), when the plan
    /// tells it.
    region: Option<String>,
}

/// Where SMS may go unless configured otherwise: France (its overseas
/// regions included) and the other member states of the European Union.
pub const DEFAULT_SMS_REGIONS: &[&str] = &[
    "FR", "GP", "MQ", "GF", "RE", "YT", "PM", "BL", "MF", // France
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "DE", "GR", "HU", "IE", "IT", "LV", "LT",
    "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE",
];

impl PhoneE164 {
    pub fn parse(raw: &str) -> Result<Self, PhoneError> {
        let s = raw.trim();
        let allowed = |c: char| c.is_ascii_digit() || " .-()+/".contains(c);
        let digits = s.chars().filter(char::is_ascii_digit).count();
        if s.is_empty() || !s.chars().all(allowed) || !(4..=17).contains(&digits) {
            return Err(PhoneError::Shape);
        }
        // "0033…" is the French way to write the international prefix.
        let s = s
            .strip_prefix("00")
            .map_or_else(|| s.to_owned(), |r| format!("+{r}"));
        let number = phonenumber::parse(Some(Id::FR), &s).map_err(|_| PhoneError::Shape)?;
        if !phonenumber::is_valid(&number) {
            return Err(PhoneError::Invalid);
        }
        let kind = match number.number_type(&phonenumber::metadata::DATABASE) {
            Type::Mobile => LineKind::Mobile,
            Type::FixedLine | Type::TollFree | Type::SharedCost | Type::Voip => LineKind::Landline,
            _ => LineKind::Unknown,
        };
        Ok(Self {
            e164: number.format().mode(Mode::E164).to_string(),
            international: number.format().mode(Mode::International).to_string(),
            kind,
            region: number.country().id().map(|id| id.as_ref().to_owned()),
        })
    }

    pub fn as_str(&self) -> &str {
        &self.e164
    }

    /// For people: `+33 6 12 34 56 78`.
    pub fn international(&self) -> &str {
        &self.international
    }

    pub fn kind(&self) -> LineKind {
        self.kind
    }

    /// The number's region (`FR`, `GB`…), if the numbering plan tells it.
    pub fn region(&self) -> Option<&str> {
        self.region.as_deref()
    }

    /// Whether an SMS may go to this number: its region is in `allowed`
    /// (ISO 3166 codes, any case). A number of no known region never is.
    pub fn sms_allowed<S: AsRef<str>>(&self, allowed: &[S]) -> bool {
        self.region
            .as_deref()
            .is_some_and(|r| allowed.iter().any(|a| a.as_ref().eq_ignore_ascii_case(r)))
    }

    /// Shown where the number itself should not be: `+33 6 •• •• •• 78`.
    pub fn masked(&self) -> String {
        let total = self
            .international
            .chars()
            .filter(char::is_ascii_digit)
            .count();
        let mut seen = 0;
        self.international
            .chars()
            .map(|c| {
                if c.is_ascii_digit() {
                    seen += 1;
                    if seen > 3 && seen + 2 <= total {
                        '•'
                    } else {
                        c
                    }
                } else {
                    c
                }
            })
            .collect()
    }
}

/// A stored number (E.164) as people write it: `+33 6 12 34 56 78`,
/// `+44 7400 123456`. What does not parse is shown as it is.
pub fn for_people(stored: &str) -> String {
    PhoneE164::parse(stored).map_or_else(|_| stored.to_owned(), |p| p.international)
}

/// A stored number, masked but grouped for people: `+33 6 •• •• •• 78`.
/// What does not parse keeps only its last two digits.
pub fn masked_for_people(stored: &str) -> String {
    match PhoneE164::parse(stored) {
        Ok(p) => p.masked(),
        Err(_) => {
            let digits: Vec<char> = stored.chars().filter(char::is_ascii_digit).collect();
            let tail: String = digits[digits.len().saturating_sub(2)..].iter().collect();
            format!("•• {tail}")
        }
    }
}

impl fmt::Debug for PhoneE164 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Personal data: never whole in logs.
        write!(f, "PhoneE164({})", self.masked())
    }
}

impl fmt::Display for PhoneE164 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.e164)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn french_numbers_are_read_without_prefix() {
        let p = PhoneE164::parse("06 12 34 56 78").unwrap();
        assert_eq!(p.as_str(), "+33612345678");
        assert_eq!(p.kind(), LineKind::Mobile);
        assert_eq!(PhoneE164::parse("0033 6 12 34 56 78").unwrap(), p);
        assert_eq!(PhoneE164::parse("06.12.34.56.78").unwrap(), p);
        let fixed = PhoneE164::parse("01 44 55 66 77").unwrap();
        assert_eq!(fixed.as_str(), "+33144556677");
        assert_eq!(fixed.kind(), LineKind::Landline);
    }

    #[test]
    fn foreign_numbers_keep_their_country() {
        let p = PhoneE164::parse("+32 470 12 34 56").unwrap();
        assert_eq!(p.as_str(), "+32470123456");
        assert_eq!(p.kind(), LineKind::Mobile);
    }

    #[test]
    fn sms_go_only_to_allowed_regions() {
        let fr = PhoneE164::parse("06 12 34 56 78").unwrap();
        let uk = PhoneE164::parse("+44 7400 123456").unwrap();
        let re = PhoneE164::parse("+262 692 12 34 56").unwrap();
        assert_eq!(fr.region(), Some("FR"));
        assert_eq!(uk.region(), Some("GB"));
        assert!(fr.sms_allowed(DEFAULT_SMS_REGIONS) && re.sms_allowed(DEFAULT_SMS_REGIONS));
        assert!(!uk.sms_allowed(DEFAULT_SMS_REGIONS));
        assert!(uk.sms_allowed(&["gb"]));
    }

    #[test]
    fn bad_numbers_are_refused_with_a_reason() {
        assert_eq!(PhoneE164::parse(""), Err(PhoneError::Shape));
        assert_eq!(PhoneE164::parse("call me"), Err(PhoneError::Shape));
        assert!(PhoneE164::parse("06 12").is_err());
        assert_eq!(
            PhoneE164::parse("+33 6 12 34 56 78 90 12"),
            Err(PhoneError::Invalid)
        );
    }

    #[test]
    fn masked_keeps_the_prefix_and_the_last_two_digits() {
        let p = PhoneE164::parse("+33 6 12 34 56 78").unwrap();
        assert_eq!(p.masked(), "+33 6 •• •• •• 78");
        assert!(!format!("{p:?}").contains("12 34"));
    }

    #[test]
    fn stored_numbers_are_shown_grouped_as_in_their_country() {
        // France, its overseas regions, and a few other countries: the
        // international form with the country's own grouping.
        assert_eq!(for_people("+33612345678"), "+33 6 12 34 56 78");
        assert_eq!(for_people("+33144556677"), "+33 1 44 55 66 77");
        assert_eq!(for_people("+262692123456"), "+262 692 12 34 56");
        assert_eq!(for_people("+32470123456"), "+32 470 12 34 56");
        assert_eq!(for_people("+447400123456"), "+44 7400 123456");
        assert_eq!(for_people("+4915123456789"), "+49 1512 3456789");
        assert_eq!(for_people("+12015550123"), "+1 201-555-0123");
        // Never raw E.164 for a valid number; what does not parse stays.
        assert_eq!(for_people("n/a"), "n/a");
    }

    #[test]
    fn stored_numbers_are_masked_but_grouped() {
        assert_eq!(masked_for_people("+33612345678"), "+33 6 •• •• •• 78");
        assert_eq!(masked_for_people("+32470123456"), "+32 4•• •• •• 56");
        assert_eq!(masked_for_people("+447400123456"), "+44 7••• ••••56");
        assert_eq!(masked_for_people("garbage 12345"), "•• 45");
        assert!(!masked_for_people("+4915123456789").contains("2345"));
    }
}
