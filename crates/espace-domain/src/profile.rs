//! Security profiles (SPEC §3.1): the provider's user-guide rules by
//! default, or NIST SP 800-63B AAL2.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum SecurityProfile {
    /// The provider's user guide: composition rules, 8/10 characters.
    #[default]
    Guide,
    /// NIST SP 800-63B-4 AAL2: length, any Unicode, no composition rules.
    NistAal2,
}

impl SecurityProfile {
    pub fn as_str(self) -> &'static str {
        match self {
            SecurityProfile::Guide => "guide",
            SecurityProfile::NistAal2 => "nist-aal2",
        }
    }
}
