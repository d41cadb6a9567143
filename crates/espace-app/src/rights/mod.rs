//! Rights (SPEC §1): who may do what. The decisions live in [`policy`];
//! a use case asks it for a proof and cannot act without one.

pub mod policy;
