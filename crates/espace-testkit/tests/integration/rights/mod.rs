//! Users and rights, and the boundaries between companies.

mod boundary;
mod isolation;
mod users;
