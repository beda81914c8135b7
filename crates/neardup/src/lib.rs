//! # neardup
//!
//! Near-duplicate detection and deduplication for scraped text corpora. It
//! finds repeated paragraphs inside documents, boilerplate (corpus templates
//! and structural noise such as bylines, captions and trailing link lists),
//! near-duplicate documents across the corpus, and passages shared between
//! documents; it writes cleaned copies that are byte-identical to the input
//! except for what it removed, and a report that says what went, why, and
//! which kept text it duplicates.
//!
//! ```text
//!  read        segment       sketch          match             decide          write
//! corpus  ->  documents  ->  shingles   ->  LSH candidates -> removal plan -> cleaned copies
//! (txt dir,   + paragraphs   -> MinHash     -> verified pairs   (per doc:       + report.json
//!  JSONL,     with byte      signatures     -> clusters         spans + reason  + summary
//!  .gz/.zst)  spans          (+ per-segment (union-find)        + kept twin)
//!             normalised     sketches)
//! ```
//!
//! Each stage takes plain data and gives plain data, so it can be tested,
//! benchmarked and run on its own. [`pipeline::analyze`] runs them all;
//! [`output::write_clean`] and [`output::write_report`] write the results;
//! [`clean`] and [`scan`] do all of it in one call from [`Options`], as the
//! `neardup` command and the Python module do, and [`clean_streams`] cleans
//! readers into a sink. Both writers take the documents from the
//! [second pass](second_pass), which reads the inputs again in step with
//! the first pass's records.

#![deny(missing_docs)]

pub mod analyze;
pub mod boilerplate;
pub mod config;
pub mod corpus;
pub mod error;
pub mod index;
pub mod interrupt;
pub mod matching;
pub mod output;
pub mod passages;
pub mod pipeline;
pub mod plan;
pub mod removal;
pub mod repeats;
pub mod restore;
pub mod run;
pub mod second_pass;
pub mod sketch;
pub mod spill;
pub mod staging;
pub mod store;
pub mod table;
pub mod text;

pub use config::{Config, Options};
pub use error::{Error, Result};
pub use run::{add_to_index, clean, clean_streams, scan, Run, Source};
