//! Integration tests: one binary, modules by topic.

mod already_clean;
mod boilerplate;
mod browser;
mod cli_errors;
mod determinism;
mod duplicates;
mod faults;
mod fuzz_replay;
mod helpers;
mod hostile;
mod index;
mod jsonl;
mod large;
mod minhash;
mod news_sample;
mod parquet;
mod restore;
mod schema;
mod shards;
mod synth_eval;
mod terminal;
