//! Nothing to call: see this crate's `Cargo.toml`.
