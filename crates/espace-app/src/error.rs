//! One error type for the use cases, with stable codes that support can
//! look up. The web layer maps it twice: to an HTML page and to JSON.

use crate::ports::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The configuration is inconsistent; names the key.
    #[error("configuration: {0}")]
    Config(String),
    /// Too many password hashes are waiting: answer "try again shortly".
    #[error("the password service is busy")]
    Busy,
    /// Not signed in, or the session ended.
    #[error("not signed in")]
    Unauthenticated,
    /// Signed in, but not allowed. Never used to hide existence: foreign
    /// objects are [`AppError::NotFound`].
    #[error("forbidden")]
    Forbidden,
    #[error("not found")]
    NotFound,
    /// A sensitive action needs a fresh authentication first (SPEC §4.5).
    #[error("step-up required")]
    StepUpRequired,
    #[error("unexpected: {0}")]
    Unexpected(String),
}

impl AppError {
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Config(_) => "APP-0001",
            AppError::Busy => "AUTH-0003",
            AppError::Unauthenticated => "AUTH-0001",
            AppError::Forbidden => "AUTHZ-0001",
            AppError::NotFound => "APP-0404",
            AppError::StepUpRequired => "AUTH-0004",
            AppError::Unexpected(_) => "APP-0500",
        }
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        AppError::Unexpected(e.to_string())
    }
}

/// Why one field of a form was refused. The web layer words it in the
/// page's language and ties it to the field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    Required,
    TooLong {
        max: usize,
    },
    WrongPassword,
    /// The password is locked after too many wrong tries (none is
    /// checked meanwhile).
    PasswordLocked {
        minutes: i64,
    },
    Mismatch,
    SameAsBefore,
    Policy(Vec<espace_domain::password::Violation>),
    Email(espace_domain::email::EmailError),
    Phone(espace_domain::phone::PhoneError),
    /// Not six digits.
    CodeShape,
    CodeWrong {
        remaining: u32,
    },
    /// Expired, exhausted, or never sent: a new code is needed.
    CodeVoid,
    /// A value outside the offered choices (a tampered form).
    Choice,
    /// Given rights the acting administrator does not hold.
    BeyondOwnRights,
    /// The identifier is taken.
    Taken,
    /// A company must keep at least one administrator.
    LastAdministrator,
    /// The login is the referent of a contract: hand that over first.
    Referent,
    /// Not on one's own login (remove one's own access, say).
    OwnLogin,
    /// Too many requests from this client, login or for this target:
    /// possible again in `minutes`.
    Throttled {
        minutes: i64,
    },
    /// No SMS to this number's country (`limits.sms_regions`).
    SmsRegion,
    /// SMS sending is paused (the circuit breaker) for `minutes`.
    SmsPaused {
        minutes: i64,
    },
    /// The action does not fit the current state (a closed case, say).
    State,
    /// No more than `max` of these.
    TooMany {
        max: usize,
    },
    /// Not the authenticator app's current code.
    TotpWrong,
    /// Not a recovery code's shape (ten letters and digits).
    RecoveryShape,
    /// A wrong second factor: `remaining` tries before its own lock.
    FactorWrong {
        remaining: u32,
    },
    /// The second step is locked after too many wrong tries.
    FactorLocked {
        minutes: i64,
    },
    /// The last strong method cannot go while strong authentication is
    /// enforced.
    LastMethod,
    /// The passkey's answer was refused (unknown, foreign, or invalid).
    PasskeyRefused,
    /// A whole number between `min` and `max` is expected.
    Range {
        min: i64,
        max: i64,
    },
    /// One's own second factor is reset by someone else.
    OwnReset,
    /// A reset of the login's second factor is already waiting.
    ResetPending,
    /// The login has no method nor recovery code to reset.
    NothingToReset,
    /// None of the offered numbers was chosen.
    NumberChoice,
    /// The number chosen is not the one on the sign-in screen: the request
    /// is over.
    NumberMismatch,
    /// The request is no longer waiting (answered, expired or replaced).
    PushGone,
    /// FranceConnect+ is already linked to this login.
    AlreadyLinked,
    /// The identity provider cannot be reached.
    ProviderUnavailable,
    /// Only the browser that opened the assisted-recovery case may prove it.
    OtherBrowser,
}

impl Problem {
    /// The stable code of a refusal that is a rule of the service rather
    /// than a typing mistake: pages show it for support, tests and
    /// clients rely on it.
    pub fn code(&self) -> Option<&'static str> {
        match self {
            // The last strong method stays while strong authentication is
            // enforced (SPEC §4.1).
            Problem::LastMethod => Some("MFA-0001"),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldProblem {
    /// The form field's name.
    pub field: &'static str,
    pub problem: Problem,
}

/// The outcome of a use case behind a form: refused input (nothing
/// changed), or an error of the application.
#[derive(Debug)]
pub enum FormRejection {
    Invalid(Vec<FieldProblem>),
    App(AppError),
}

impl FormRejection {
    pub fn one(field: &'static str, problem: Problem) -> Self {
        FormRejection::Invalid(vec![FieldProblem { field, problem }])
    }
}

impl From<AppError> for FormRejection {
    fn from(e: AppError) -> Self {
        FormRejection::App(e)
    }
}

impl From<StoreError> for FormRejection {
    fn from(e: StoreError) -> Self {
        FormRejection::App(e.into())
    }
}
