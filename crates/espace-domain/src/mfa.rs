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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_keep_their_stored_names() {
        for k in MethodKind::ALL {
            assert_eq!(MethodKind::parse(k.as_str()), Some(*k));
        }
        assert_eq!(MethodKind::FranceConnect.as_str(), "franceconnect");
    }
}
