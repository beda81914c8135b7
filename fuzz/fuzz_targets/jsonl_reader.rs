//! The JSONL reader on any bytes, plain or compressed (and so, cut short,
//! broken streams), with a small record limit: it must never panic, every
//! byte read must come back either as a record's line or as a gap, in order,
//! and cutting any span of a record's text from its raw line must leave a
//! valid JSON line whose text is the text with that span cut.
#![no_main]

// Each target runs one of the checks.
#[allow(dead_code)]
#[path = "../checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::jsonl_reader(data));
