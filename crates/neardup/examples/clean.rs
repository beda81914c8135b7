//! Cleans a corpus as `neardup clean` does, from code:
//!
//! ```sh
//! cargo run --release -p neardup --example clean -- corpora/news-sample /tmp/cleaned
//! ```

use neardup::output::CleanOptions;
use neardup::pipeline::Silent;
use neardup::Options;
use std::path::PathBuf;

fn main() -> neardup::Result<()> {
    let mut args = std::env::args_os().skip(1).map(PathBuf::from);
    let (Some(input), Some(out)) = (args.next(), args.next()) else {
        eprintln!("usage: clean INPUT OUT");
        std::process::exit(2);
    };
    let options = Options {
        threshold: 0.8,
        ..Options::default()
    };
    let clean = CleanOptions {
        force: true,
        ..CleanOptions::default()
    };
    let run = neardup::clean(&[input], &out, &options, &clean, &Silent)?;
    let s = &run.summary;
    println!(
        "{} documents: {} kept, {} dropped as duplicates; the cleaned copy and report.json are in {}",
        s.documents,
        s.documents_kept,
        s.documents_dropped,
        out.display()
    );
    Ok(())
}
