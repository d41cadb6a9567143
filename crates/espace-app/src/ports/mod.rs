//! The ports the use cases need. Adapters live in `espace-db` (storage)
//! `espace-notify` (delivery), `espace-oidc` (FranceConnect+) and the binary (clock); fakes live in
//! `espace-testkit`.

mod identity;
mod links;
mod notify;
mod store;

pub use identity::*;
pub use links::*;
pub use notify::*;
pub use store::*;

use jiff::Timestamp;

/// The current time. Injected so that tests control expiry.
pub trait Clock: Send + Sync {
    fn now(&self) -> Timestamp;
}

/// The real clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}
