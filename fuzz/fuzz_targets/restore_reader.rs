//! `restore` reading a report, a side file and a cleaned copy that may be
//! anything: it must fail with an error or succeed, never panic, and never
//! write outside the folder it was given.
#![no_main]

// Each target runs one of the checks.
#[allow(dead_code)]
#[path = "../checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::restore_reader(data));
