//! The two languages of Espace and how one is chosen.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Locale {
    #[default]
    Fr,
    En,
}

impl Locale {
    pub const ALL: [Locale; 2] = [Locale::Fr, Locale::En];

    pub fn code(self) -> &'static str {
        match self {
            Locale::Fr => "fr",
            Locale::En => "en",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        let primary = code.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "fr" => Some(Locale::Fr),
            "en" => Some(Locale::En),
            _ => None,
        }
    }

    /// Picks the best language from an `Accept-Language` header, honouring
    /// q-values; `None` when no listed language is supported.
    pub fn negotiate(accept_language: &str) -> Option<Self> {
        let mut best: Option<(Locale, u32)> = None;
        for part in accept_language.split(',') {
            let mut pieces = part.split(';');
            let Some(tag) = pieces.next() else { continue };
            let q = pieces
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            let weight = (q.clamp(0.0, 1.0) * 1000.0) as u32;
            if weight == 0 {
                continue;
            }
            if let Some(locale) = Locale::parse(tag)
                && best.is_none_or(|(_, w)| weight > w)
            {
                best = Some((locale, weight));
            }
        }
        best.map(|(l, _)| l)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiate_honours_order_and_quality() {
        assert_eq!(
            Locale::negotiate("en-GB,en;q=0.9,fr;q=0.8"),
            Some(Locale::En)
        );
        assert_eq!(
            Locale::negotiate("de-DE,fr;q=0.5,en;q=0.7"),
            Some(Locale::En)
        );
        assert_eq!(Locale::negotiate("fr-FR"), Some(Locale::Fr));
        assert_eq!(Locale::negotiate("de, es"), None);
        assert_eq!(Locale::negotiate("en;q=0, fr;q=0.1"), Some(Locale::Fr));
        assert_eq!(Locale::negotiate(""), None);
    }
}
