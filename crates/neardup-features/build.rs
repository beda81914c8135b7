//! The build dependencies in `Cargo.toml` set the features of the derive
//! macros' syn; nothing is built.
fn main() {}
