//! Pure rules and types of Espace.
//!
//! Nothing here does I/O, reads a clock or draws randomness: time and
//! secrets are passed in, so every rule is testable with plain values.

/// An enum of the vocabulary stored as text: its stable names, `ALL`,
/// `as_str` and `parse`, `Display` and serde in the same names. Defined
/// before the modules, which use it by textual scope.
macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        pub enum $name { $($(#[$vmeta])* #[serde(rename = $text)] $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            pub fn parse(s: &str) -> Option<Self> {
                match s { $($text => Some($name::$variant),)+ _ => None }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

pub mod device;
pub mod email;
pub mod identifier;
pub mod locale;
pub mod lockout;
pub mod mfa;
pub mod oidc;
pub mod onetime;
pub mod password;
pub mod phone;
pub mod profile;
pub mod ratelimit;
pub mod rights;
pub mod session;
pub mod strong;
pub mod throttle;
pub mod totp;

pub use jiff::{SignedDuration, Timestamp};
