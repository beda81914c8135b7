//! Command-line flags, parsed by clap and turned into a library [`Config`].

use clap::builder::PossibleValuesParser;
use clap::ValueEnum;
use clap::{Args, Parser, Subcommand};
use neardup::config::{OnError, Profile};
use std::path::PathBuf;

/// Find and remove repeated paragraphs, boilerplate and near-duplicate
/// documents in scraped text corpora.
#[derive(Debug, Parser)]
#[command(
    name = "neardup",
    version,
    about,
    max_term_width = 100,
    after_help = "Exit codes: 0 success; 1 an error in the input data or the files (the message names the file and line); 2 a usage error (a bad option or combination of options); 130 interrupted."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write a cleaned copy of the corpus and report.json into --out.
    Clean {
        #[command(flatten)]
        input: InputArgs,
        /// Output folder. It must not be an input or inside one; an existing
        /// non-empty folder is replaced only with --force. It appears only
        /// when complete.
        #[arg(long, short)]
        out: PathBuf,
        /// Replace an existing, non-empty output folder.
        #[arg(long)]
        force: bool,
        /// Cut nothing: write every document through, with the decisions
        /// attached (a "neardup" field added to each JSONL record; for text
        /// files, annotations.jsonl), for a later step to act on.
        #[arg(long)]
        annotate: bool,
        /// Also write the dropped documents to this file as JSON Lines
        /// (.gz or .zst compresses it), or as Parquet when it ends in
        /// .parquet: per document the id, source, rule, duplicate_of,
        /// similarity, and the original record (JSONL) or text (.txt,
        /// Parquet). Not inside --out.
        #[arg(long, value_name = "PATH")]
        dropped: Option<PathBuf>,
        /// Write the report compressed with zstd, as report.json.zst
        /// (restore and eval read it as they read report.json).
        #[arg(long)]
        report_compress: bool,
    },
    /// Rebuild the inputs of a `clean`, byte for byte, from its output
    /// folder (the cleaned copy, report.json and removed.jsonl.zst).
    Restore {
        /// The output folder of `neardup clean`.
        cleaned: PathBuf,
        /// Its report.json or report.json.zst (by default the one in
        /// CLEANED); removed.jsonl.zst is read from beside it.
        #[arg(long)]
        report: Option<PathBuf>,
        /// Where the rebuilt inputs go: a new or empty folder.
        #[arg(long, short)]
        out: PathBuf,
        /// Replace an existing, non-empty output folder.
        #[arg(long)]
        force: bool,
    },
    /// Run the same detection and write only the report.
    Scan {
        #[command(flatten)]
        input: InputArgs,
        /// Where to write report.json (compressed with zstd when the name
        /// ends in .zst), with report.html and the folder report.pages
        /// beside it (the same name ending in .html and .pages); standard
        /// output when not given.
        #[arg(long)]
        report: Option<PathBuf>,
        /// Also write the dropped documents to this file, as `clean
        /// --dropped` does.
        #[arg(long, value_name = "PATH")]
        dropped: Option<PathBuf>,
        /// Also write the run's totals to this file (the summary.json that
        /// `clean` writes into its folder).
        #[arg(long, value_name = "PATH")]
        summary: Option<PathBuf>,
    },
    /// Build a benchmark corpus with known near duplicates from real text.
    Synth(SynthArgs),
    /// Build, grow, inspect and query an index of the documents runs kept
    /// (what `clean --index` matches new dumps against).
    #[command(subcommand)]
    Index(IndexCommand),
    /// Score a report against the truth file of a synthetic corpus.
    Eval {
        /// Truth file written by `neardup synth` (JSONL: id, cluster, jaccard).
        #[arg(long)]
        truth: PathBuf,
        /// report.json of a `scan` or `clean` of that corpus.
        report: PathBuf,
        /// Copies at least this similar to their original (true Jaccard)
        /// are scored again on their own: threshold + 0.05 by default.
        #[arg(long)]
        floor: Option<f32>,
    },
}

#[derive(Debug, Subcommand)]
pub enum IndexCommand {
    /// Make a new index of the documents of SOURCES that a run keeps: `index
    /// create SOURCES... IDX` (the last path is the index folder, which must
    /// hold no index yet). The options are `scan`'s; they are recorded in the
    /// index, and every run that uses it must give the same.
    Create {
        #[command(flatten)]
        input: InputArgs,
    },
    /// Add to an existing index the documents of SOURCES that are no copies
    /// of indexed ones or of each other: `index add SOURCES... IDX`.
    Add {
        #[command(flatten)]
        input: InputArgs,
    },
    /// Documents, runs, bytes and parameters of an index.
    Stats {
        /// The index folder.
        index: PathBuf,
        /// Print them as JSON.
        #[arg(long)]
        json: bool,
    },
    /// The indexed documents nearest a text, most similar first.
    Query {
        /// The index folder.
        index: PathBuf,
        /// The text, or a file holding it (a path that exists is read).
        text: String,
        /// At most this many documents.
        #[arg(long, default_value_t = 10)]
        limit: usize,
    },
    /// Merge an index's runs into one.
    Compact {
        /// The index folder.
        index: PathBuf,
    },
}

#[derive(Debug, Args)]
pub struct SynthArgs {
    /// Where the sentences come from: folders of .txt articles, .txt files,
    /// JSONL files, Reuters-21578 .sgm files. The bundled sample when none.
    #[arg(long = "source")]
    pub sources: Vec<PathBuf>,
    /// Documents to write.
    #[arg(long, default_value_t = 10_000)]
    pub docs: u64,
    /// Share of documents that are near duplicates of an earlier one.
    #[arg(long, default_value_t = 0.3)]
    pub dup_rate: f64,
    /// Each copy's edit strength is drawn from [0, this]: 0.1 changes little,
    /// 0.5 drops, swaps and rewords much of the text.
    #[arg(long, default_value_t = 0.4)]
    pub max_strength: f64,
    /// Share of copies that get a boilerplate header and footer.
    #[arg(long, default_value_t = 0.25)]
    pub boilerplate_rate: f64,
    /// Share of copies that are their original cut short (10% to 90% of
    /// its words kept, nothing else changed), as a re-scrape that stopped
    /// early; the truth records the share kept.
    #[arg(long, default_value_t = 0.0)]
    pub cut_rate: f64,
    /// Make every document a page of one of this many sites: its article
    /// (half of them a paragraph or two) wrapped in the site's long template
    /// of menu, sidebar and footer. Copies are the same page again, edited,
    /// cut short, or the article on another site. 0: plain articles.
    #[arg(long, default_value_t = 0)]
    pub sites: u64,
    /// Seed: the same seed and sources give the same corpus.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// The corpus, JSONL with id and text (zstd when it ends in .zst).
    #[arg(long)]
    pub out: PathBuf,
    /// The truth, JSONL: id, cluster, and for copies strength, edits, jaccard.
    #[arg(long)]
    pub truth: PathBuf,
    /// JSONL field that holds the text, in JSONL sources.
    #[arg(long, default_value = "text")]
    pub text_field: String,
}

#[derive(Debug, Args)]
pub struct InputArgs {
    /// Files and folders (walked for every kind read), or glob patterns: .txt
    /// files (one document each), JSON Lines (.jsonl, .ndjson, .json, each
    /// optionally .gz or .zst; one document a line) and Parquet files
    /// (.parquet; one document a row).
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,

    /// Documents whose word-shingle Jaccard similarity reaches this are
    /// near-duplicates; the first in input order is kept. They are compared
    /// on their content: the text the in-document rules keep, with the lines
    /// that recur across many documents (a site's menus, sidebar, footer) set
    /// aside. Each dropped document is this similar to the kept one it names.
    #[arg(long, default_value_t = default().threshold)]
    pub threshold: f64,
    /// Also drop documents cut short: a document whose content's shingles
    /// are contained at least this much (0.9: nine in ten) in a longer kept
    /// document, such as a re-scrape that stopped early. Off by default.
    #[arg(long, value_name = "SHARE")]
    pub containment: Option<f64>,
    /// MinHash permutations per document signature. More is more exact and slower.
    #[arg(long, default_value_t = default().permutations)]
    pub permutations: usize,
    /// Words per shingle for documents. Smaller finds looser copies.
    #[arg(long, default_value_t = default().shingle_size)]
    pub shingle_size: usize,
    /// Seed of every hash; runs compare only with the same seed.
    #[arg(long, default_value_t = default().seed)]
    pub seed: u64,
    /// LSH bands; with --rows, overrides the choice made from --threshold.
    #[arg(long)]
    pub bands: Option<usize>,
    /// LSH rows per band; with --bands.
    #[arg(long)]
    pub rows: Option<usize>,

    /// Paragraphs whose shingle Jaccard similarity reaches this are repeats
    /// (inside a document) or shared passages (across documents).
    #[arg(long, default_value_t = default().segment_threshold)]
    pub segment_threshold: f64,
    /// Paragraphs with fewer words are matched only exactly, and a short
    /// repeat is removed only inside a repeated block.
    #[arg(long, default_value_t = default().min_segment_words)]
    pub min_segment_words: usize,
    /// A paragraph (digits ignored) found in at least this many kept
    /// documents is a template and is removed from all of them. 0: off.
    #[arg(long, default_value_t = default().template_min_docs)]
    pub template_min_docs: usize,
    /// Do not apply the structural boilerplate rules (bylines, dates,
    /// captions, credit lines, trailing link lists).
    #[arg(long)]
    pub no_structural: bool,
    /// Do not look for each document's body: keep menus, headers, sidebars,
    /// comments and footers around it.
    #[arg(long)]
    pub no_body: bool,
    /// No boilerplate detection at all (templates, structural rules, body):
    /// only repeated paragraphs and duplicate documents.
    #[arg(long)]
    pub no_boilerplate: bool,
    /// Detect and report boilerplate but write it through (listed under
    /// `flagged` in the report): a dry run for the boilerplate rules.
    #[arg(long)]
    pub keep_boilerplate: bool,
    /// A file of your own rules, one per line: `drop PHRASE`, `keep PHRASE`,
    /// `drop /REGEX/`, `keep /REGEX/` (# starts a comment). Phrases match
    /// ignoring case and spacing; `keep` wins and protects a line from every
    /// boilerplate rule. The report names the rule that dropped a line.
    #[arg(long, value_name = "FILE")]
    pub rules: Option<PathBuf>,
    /// What to look for. `documents`: near-duplicate documents only, on
    /// their whole text (what document-level MinHash tools do, several times
    /// faster). `dedup`: also repeated paragraphs and corpus templates, for
    /// text already extracted from its pages. `full`: also the structural
    /// rules and each page's body, for raw page dumps.
    #[arg(long, value_parser = PossibleValuesParser::new(Profile::NAMES))]
    pub profile: Option<String>,
    /// The same as `--profile documents`.
    #[arg(long)]
    pub documents_only: bool,
    /// Remove passages shared with an earlier kept document (by default they
    /// are only reported, since removing them can break articles).
    #[arg(long)]
    pub remove_shared: bool,

    /// JSONL field that holds the text; a dotted path reaches into nested
    /// objects (meta.text).
    #[arg(long, default_value_t = default().text_field)]
    pub text_field: String,
    /// JSONL field that holds the document id (a dotted path, as above).
    #[arg(long, default_value_t = default().id_field)]
    pub id_field: String,
    /// What to do with a document that cannot be read (invalid UTF-8 in a
    /// JSON line, a malformed JSON line, an unreadable or binary file): fail (nothing is written),
    /// or skip it (left out of the output, listed in the report).
    #[arg(long, value_enum, default_value_t = default().on_error.into())]
    pub on_error: ErrorMode,
    /// Memory for the corpus-wide sorts, in MiB; past it they spill to
    /// temporary files. The rest of a run needs about 150 bytes a document.
    #[arg(long = "memory", default_value_t = default().memory, value_name = "MIB")]
    pub memory_mb: usize,
    /// The largest document read, in MiB (default: a quarter of --memory).
    /// Analysing a document takes about seven times its size in memory. A
    /// larger text file or JSONL line is never read into memory: it is an
    /// error, or with --on-error skip it is left out and listed in the report.
    #[arg(long = "max-document", value_name = "MIB")]
    pub max_document_mb: Option<usize>,
    /// Where temporary files go (the system's temporary folder by default).
    /// A run needs room for about 1 KB a document there.
    #[arg(long)]
    pub temp_dir: Option<PathBuf>,
    /// Worker threads (0: one per core). Results do not depend on it.
    #[arg(long, default_value_t = default().threads)]
    pub threads: usize,
    /// An index of the documents earlier runs kept (a folder, made when it
    /// does not exist): documents that copy an indexed one are dropped, the
    /// report naming the indexed document, and the run's kept documents are
    /// added to it when the run succeeds (atomically: a run that fails or is
    /// killed leaves it as it was). Every run that uses an index gives the
    /// options it was made with (seed, permutations, shingle size, bands and
    /// rows or threshold, profile).
    #[arg(long, value_name = "DIR")]
    pub index: Option<PathBuf>,
    /// Match against --index without adding to it: drop from a training dump
    /// what copies an evaluation set indexed before (decontamination).
    #[arg(long)]
    pub read_only: bool,
    /// Print nothing but errors.
    #[arg(long, short, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Also print the time of each stage, with the throughput of those that
    /// read the inputs.
    #[arg(long, short)]
    pub verbose: bool,
    /// Print the summary as JSON on standard output (what summary.json
    /// holds) instead of the lines for people; progress and notes still go
    /// to standard error unless --quiet. With `scan`, needs --report (the
    /// report would otherwise take standard output).
    #[arg(long)]
    pub json: bool,
}

impl InputArgs {
    /// The library's options, field for field; [`neardup::Options::config`]
    /// checks and combines them, for the command line as for Python.
    pub fn options(&self) -> neardup::Result<neardup::Options> {
        Ok(neardup::Options {
            threshold: self.threshold,
            containment: self.containment,
            permutations: self.permutations,
            shingle_size: self.shingle_size,
            seed: self.seed,
            bands: self.bands,
            rows: self.rows,
            segment_threshold: self.segment_threshold,
            min_segment_words: self.min_segment_words,
            template_min_docs: self.template_min_docs,
            no_structural: self.no_structural,
            no_body: self.no_body,
            no_boilerplate: self.no_boilerplate,
            keep_boilerplate: self.keep_boilerplate,
            rules: self.rules.clone(),
            profile: self.profile.as_deref().map(str::parse).transpose()?,
            documents_only: self.documents_only,
            remove_shared: self.remove_shared,
            text_field: self.text_field.clone(),
            id_field: self.id_field.clone(),
            on_error: match self.on_error {
                ErrorMode::Fail => OnError::Fail,
                ErrorMode::Skip => OnError::Skip,
            },
            memory: self.memory_mb,
            max_document: self.max_document_mb,
            temp_dir: self.temp_dir.clone(),
            threads: self.threads,
            index: self.index.clone(),
            read_only: self.read_only,
        })
    }
}

/// The library's defaults, which every flag's default is.
fn default() -> neardup::Options {
    neardup::Options::default()
}

/// `--on-error` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ErrorMode {
    Fail,
    Skip,
}

impl From<OnError> for ErrorMode {
    fn from(e: OnError) -> Self {
        match e {
            OnError::Fail => ErrorMode::Fail,
            OnError::Skip => ErrorMode::Skip,
        }
    }
}
