//! The Fluent files are embedded at compile time from outside this crate:
//! tell cargo to rebuild when any of them changes.
fn main() {
    println!("cargo:rerun-if-changed=../../locales");
}
