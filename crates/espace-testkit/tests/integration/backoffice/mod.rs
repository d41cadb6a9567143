//! The back office: unlocking a login.

mod unlock;
