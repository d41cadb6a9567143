//! Two-factor authentication: the kinds of method a login may have (SPEC
//! §4.4).

string_enum!(
    /// A kind of second method, as stored in `auth_methods.kind`.
    MethodKind {
        Totp => "totp",
        Passkey => "passkey",
        Email => "email",
        Sms => "sms",
        /// The companion app on a phone (push approval).
        Companion => "companion",
        /// A FranceConnect+ identity (eIDAS substantial).
        FranceConnect => "franceconnect",
    }
);

impl MethodKind {
    /// A code sent by the service (rather than read from an app or a key).
    pub fn sends_codes(self) -> bool {
        matches!(self, MethodKind::Email | MethodKind::Sms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_keep_their_stored_names() {
        for k in MethodKind::ALL {
            assert_eq!(MethodKind::parse(k.as_str()), Some(*k));
        }
        assert_eq!(MethodKind::FranceConnect.as_str(), "franceconnect");
        assert!(MethodKind::Sms.sends_codes() && !MethodKind::Passkey.sends_codes());
    }
}
