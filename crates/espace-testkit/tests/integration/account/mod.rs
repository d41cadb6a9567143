//! My account: personal details, contact, company.

mod company;
mod hub;
mod personal;
