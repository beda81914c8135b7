//! Integration tests: one binary, modules by topic.

mod boilerplate;
mod cli_errors;
mod determinism;
mod duplicates;
mod helpers;
mod jsonl;
mod minhash;
mod news_sample;
mod restore;
mod synth_eval;
