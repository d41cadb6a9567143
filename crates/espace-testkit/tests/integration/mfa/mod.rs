//! Two-factor authentication: methods, the second step, the step-up, rules, resets, the companion app.

mod companion;
mod confirm;
pub mod factor_reset;
mod second_step;
pub mod security;
mod staff_strong;
pub mod strong;
