//! Recovering a password or a login, assisted recovery, and the delivery of
//! messages.

mod assisted;
mod delivery;
mod forgotten;
