//! Where the pages that Espace links to from outside live. Their paths
//! belong to the web layer (`espace_web::paths`), which implements
//! [`Paths`]; a use case names the page it links to, never writes its path.

/// A page linked from an e-mail, an SMS or another site, with the token
/// it carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkTo<'a> {
    SignIn,
    /// "This was not me", after a sign-in from a new browser.
    NotMe(&'a str),
    /// Undo a change of contact details.
    Undo(&'a str),
    Invitation(&'a str),
    ResetPassword(&'a str),
    /// Cancel an assisted reset of lost methods.
    FactorReset(&'a str),
    CompanyTwoFactor,
    CompanyAccount,
    /// Where FranceConnect+ sends the browser back.
    FranceConnectCallback,
    /// Where FranceConnect+ sends the browser after its sign-out.
    FranceConnectLoggedOut,
}

/// The path of each linked page (without the public origin).
pub trait Paths: Send + Sync {
    fn path(&self, to: LinkTo<'_>) -> String;
}
