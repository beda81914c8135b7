//! The tokenizer, segmenter and the whole per-document stage on any text:
//! no panic; tokens and segments are in order, inside the text and on
//! character boundaries; and the document's removals cut into valid UTF-8.
#![no_main]

// Each target runs one of the checks.
#[allow(dead_code)]
#[path = "../checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::segment_normalize(data));
