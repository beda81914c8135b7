//! Cleans JSON Lines from standard input to standard output, as a step of a
//! shell pipeline, with the totals on standard error:
//!
//! ```sh
//! cargo run --release -p neardup --example streams < corpus.jsonl > cleaned.jsonl
//! ```

use neardup::pipeline::Silent;
use neardup::{Options, Source};
use std::io::Write;

fn main() -> neardup::Result<()> {
    let source = Source {
        name: "stdin.jsonl".to_string(),
        reader: std::io::stdin().lock(),
    };
    let mut stdout = std::io::stdout().lock();
    let summary = neardup::clean_streams(
        [source],
        &mut |_, copy| {
            std::io::copy(copy, &mut stdout)
                .and_then(|_| stdout.flush())
                .map(|_| ())
                .map_err(|e| neardup::Error::io("<stdout>".as_ref(), e))
        },
        &Options::default(),
        &Silent,
    )?;
    eprintln!(
        "{} documents: {} kept, {} dropped as duplicates",
        summary.documents, summary.documents_kept, summary.documents_dropped
    );
    Ok(())
}
