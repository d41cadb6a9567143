//! The paths of the pages that are reached from outside: written once,
//! used by the router, by the links in messages (through the app's
//! [`Paths`] port) and by the log redaction of their secret part.

use espace_app::ports::{LinkTo, Paths};

pub const SIGN_IN: &str = "/login";
pub const NOT_ME: &str = "/account/not-me/{token}";
pub const UNDO: &str = "/account/undo/{token}";
pub const INVITATION: &str = "/invitation/{token}";
pub const RESET_PASSWORD: &str = "/reset-password/{token}";
pub const FACTOR_RESET: &str = "/factor-reset/{token}";
pub const RECOVERY_CASE: &str = "/recover-account/case/{reference}";
pub const COMPANION_LINK: &str = "/companion/link/{id}/{mac}";
pub const COMPANY_TWO_FACTOR: &str = "/company/two-factor";
pub const COMPANY_ACCOUNT: &str = "/account/company";
pub const FRANCECONNECT_CALLBACK: &str = "/login/franceconnect/callback";
pub const FRANCECONNECT_LOGGED_OUT: &str = "/login/franceconnect/logged-out";

/// The pages whose path carries a secret (a single-use token, a case
/// reference, a pairing code): everything from the first `{` on is left
/// out of the logs, for them and the pages under them.
const SECRET: [&str; 7] = [
    NOT_ME,
    UNDO,
    INVITATION,
    RESET_PASSWORD,
    FACTOR_RESET,
    RECOVERY_CASE,
    COMPANION_LINK,
];

/// `pattern` with its one `{…}` segment replaced by `value`.
fn fill(pattern: &str, value: &str) -> String {
    match (pattern.find('{'), pattern.find('}')) {
        (Some(open), Some(close)) if open < close => {
            format!("{}{value}{}", &pattern[..open], &pattern[close + 1..])
        }
        _ => pattern.to_owned(),
    }
}

/// A path as logged: the secret part of the pages that carry one is left
/// out.
pub fn loggable(path: &str) -> &str {
    for pattern in SECRET {
        let prefix = pattern.split('{').next().unwrap_or(pattern);
        if path.starts_with(prefix) {
            return prefix;
        }
    }
    path
}

/// A `next`/`return_to` value kept only if it is a path of this site
/// (ASVS 3.7.2: no open redirect).
pub fn safe_return_to(raw: Option<&str>) -> String {
    let Some(s) = raw else { return "/".into() };
    let ok = s.starts_with('/')
        && !s.starts_with("//")
        && !s.starts_with("/\\")
        && s.len() <= 512
        && !s.chars().any(|c| c.is_control() || c == '\\')
        && !s.starts_with("/login")
        && !s.starts_with("/logout");
    if ok { s.to_owned() } else { "/".into() }
}

/// The web layer's answer to the app's [`Paths`] port.
#[derive(Debug, Clone, Copy, Default)]
pub struct WebPaths;

impl Paths for WebPaths {
    fn path(&self, to: LinkTo<'_>) -> String {
        match to {
            LinkTo::SignIn => SIGN_IN.to_owned(),
            LinkTo::NotMe(token) => fill(NOT_ME, token),
            LinkTo::Undo(token) => fill(UNDO, token),
            LinkTo::Invitation(token) => fill(INVITATION, token),
            LinkTo::ResetPassword(token) => fill(RESET_PASSWORD, token),
            LinkTo::FactorReset(token) => fill(FACTOR_RESET, token),
            LinkTo::CompanyTwoFactor => COMPANY_TWO_FACTOR.to_owned(),
            LinkTo::CompanyAccount => COMPANY_ACCOUNT.to_owned(),
            LinkTo::FranceConnectCallback => FRANCECONNECT_CALLBACK.to_owned(),
            LinkTo::FranceConnectLoggedOut => FRANCECONNECT_LOGGED_OUT.to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn return_to_keeps_only_local_paths() {
        assert_eq!(safe_return_to(Some("/account?x=1")), "/account?x=1");
        for bad in [
            "https://evil.example/",
            "//evil.example",
            "/\\evil.example",
            "javascript:alert(1)",
            "/ok\r\nx",
            "/login",
            "",
        ] {
            assert_eq!(safe_return_to(Some(bad)), "/", "{bad:?}");
        }
        assert_eq!(safe_return_to(None), "/");
    }

    #[test]
    fn links_fill_their_token_and_logs_leave_it_out() {
        let p = WebPaths;
        assert_eq!(p.path(LinkTo::NotMe("abc")), "/account/not-me/abc");
        assert_eq!(p.path(LinkTo::ResetPassword("t0k")), "/reset-password/t0k");
        assert_eq!(p.path(LinkTo::SignIn), "/login");
        for (path, logged) in [
            ("/account/undo/secret", "/account/undo/"),
            ("/reset-password/secret/factor/push", "/reset-password/"),
            ("/recover-account/case/ABCD-EFGH", "/recover-account/case/"),
            ("/companion/link/id/mac", "/companion/link/"),
            ("/account/security", "/account/security"),
            ("/invitation/", "/invitation/"),
        ] {
            assert_eq!(loggable(path), logged);
        }
        // Every page with a secret is logged without it.
        for pattern in SECRET {
            let path = fill(pattern, "SECRET");
            assert!(!loggable(&path).contains("SECRET"), "{pattern}");
        }
    }
}
