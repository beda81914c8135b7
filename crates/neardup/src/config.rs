//! Options for a run, with defaults and validation, and the choice of LSH bands
//! and rows from a Jaccard threshold.

use crate::error::{Error, Result};
use crate::matching::lsh::LshParams;
use crate::sketch::SketchParams;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// What to do with a document that cannot be read (invalid UTF-8, a malformed
/// JSON line, a file that cannot be opened, a broken compressed stream).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnError {
    /// Stop with an error that names the file and line; nothing is written.
    #[default]
    Fail,
    /// Leave the document out of the output and list it, with the reason,
    /// under `skipped` in the report.
    Skip,
}

/// What a run looks for, from least to most: one setting that chooses
/// [`Config::paragraphs`], [`Config::structural_rules`] and [`Config::body`]
/// together.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Profile {
    /// Near-duplicate documents only, on their whole text (what
    /// document-level MinHash tools do).
    Documents,
    /// Duplicate documents, repeated paragraphs and corpus templates, with
    /// no body selection or structural rules: for text already extracted
    /// from its pages (a corpus of articles, an extractor's output).
    Dedup,
    /// Everything: also the structural rules and the body of each page, for
    /// raw page dumps. The default.
    Full,
}

impl Profile {
    /// Every profile's name, as `--profile` and the Python API take it.
    pub const NAMES: [&'static str; 3] = ["documents", "dedup", "full"];

    /// Sets the fields of `config` that the profile chooses.
    pub fn apply(self, config: &mut Config) {
        config.paragraphs = self != Profile::Documents;
        config.structural_rules = self == Profile::Full;
        config.body = self == Profile::Full;
    }
}

impl std::str::FromStr for Profile {
    type Err = Error;

    fn from_str(name: &str) -> Result<Self> {
        match name {
            "documents" => Ok(Profile::Documents),
            "dedup" => Ok(Profile::Dedup),
            "full" => Ok(Profile::Full),
            _ => Err(Error::Config(format!(
                "no profile {name:?}: the profiles are {}",
                Profile::NAMES.join(", ")
            ))),
        }
    }
}

/// The options of a run as people give them: the command line's flags and
/// the Python API's keyword arguments, by the same names (`memory` and
/// `max_document` in MiB), with the same defaults. [`Options::config`] turns
/// them into a [`Config`], the one place where they are checked and combined.
/// Serialised, they are a flat JSON object; a missing field takes its
/// default and an unknown one is an error.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Options {
    /// Jaccard similarity at which two documents are near duplicates.
    pub threshold: f64,
    /// Also drop documents cut short: contained at least this much in a
    /// longer kept document. `None`: off.
    pub containment: Option<f64>,
    /// MinHash permutations per document signature.
    pub permutations: usize,
    /// Words per shingle for documents.
    pub shingle_size: usize,
    /// Seed of every hash.
    pub seed: u64,
    /// LSH bands; with `rows`, overrides the choice made from `threshold`.
    pub bands: Option<usize>,
    /// LSH rows per band; with `bands`.
    pub rows: Option<usize>,
    /// Jaccard similarity at which two paragraphs are repeats.
    pub segment_threshold: f64,
    /// Paragraphs with fewer words are matched only exactly.
    pub min_segment_words: usize,
    /// A paragraph in at least this many kept documents is a template; 0: off.
    pub template_min_docs: usize,
    /// Do not apply the structural boilerplate rules.
    pub no_structural: bool,
    /// Do not look for each document's body.
    pub no_body: bool,
    /// No boilerplate detection at all: only repeats and duplicate documents.
    pub no_boilerplate: bool,
    /// Detect and report boilerplate but keep it (listed under `flagged`).
    pub keep_boilerplate: bool,
    /// A file of the user's own rules ([`crate::boilerplate::rules`]).
    pub rules: Option<PathBuf>,
    /// What to look for ([`Profile`]); `None` is [`Profile::Full`].
    pub profile: Option<Profile>,
    /// The same as the `documents` profile.
    pub documents_only: bool,
    /// Remove passages shared with an earlier kept document.
    pub remove_shared: bool,
    /// Field (JSONL) or column (Parquet, tables) that holds the text; a
    /// dotted path reaches into nested objects.
    pub text_field: String,
    /// Field or column that holds the document id.
    pub id_field: String,
    /// What to do with a document that cannot be read.
    pub on_error: OnError,
    /// Memory for the corpus-wide sorts, in MiB.
    pub memory: usize,
    /// The largest document read, in MiB (default: a quarter of `memory`).
    pub max_document: Option<usize>,
    /// Where temporary files go (the system's temporary folder by default).
    pub temp_dir: Option<PathBuf>,
    /// Worker threads; 0 is one per core. Results do not depend on it.
    pub threads: usize,
    /// An index of the documents earlier runs kept ([`crate::index`]):
    /// documents that copy an indexed one are dropped, and the kept ones
    /// are added to it when the run succeeds (it is created when missing).
    pub index: Option<PathBuf>,
    /// Match against the index without adding to it (decontamination).
    pub read_only: bool,
}

impl Default for Options {
    /// The defaults of [`Config::default`], by the options' names.
    fn default() -> Self {
        let c = Config::default();
        Options {
            threshold: c.threshold,
            containment: c.containment,
            permutations: c.doc_sketch.permutations,
            shingle_size: c.doc_sketch.shingle_size,
            seed: c.doc_sketch.seed,
            bands: None,
            rows: None,
            segment_threshold: c.segment_threshold,
            min_segment_words: c.min_segment_words,
            template_min_docs: c.template_min_docs,
            no_structural: false,
            no_body: false,
            no_boilerplate: false,
            keep_boilerplate: c.keep_boilerplate,
            rules: None,
            profile: None,
            documents_only: false,
            remove_shared: c.remove_shared,
            text_field: c.text_field,
            id_field: c.id_field,
            on_error: c.on_error,
            memory: c.memory_mb,
            max_document: c.max_document_mb,
            temp_dir: c.temp_dir,
            threads: 0,
            index: c.index,
            read_only: c.index_read_only,
        }
    }
}

impl Options {
    /// The validated [`Config`] these options give: the profile chosen, the
    /// `no_*` switches applied over it, the rules file read.
    pub fn config(&self) -> Result<Config> {
        let profile = match (self.documents_only, self.profile) {
            (true, None | Some(Profile::Documents)) => Profile::Documents,
            (true, Some(_)) => {
                return Err(Error::Config(
                    "documents only is the documents profile: give one or the other".into(),
                ))
            }
            (false, profile) => profile.unwrap_or(Profile::Full),
        };
        let doc_lsh = match (self.bands, self.rows) {
            (Some(bands), Some(rows)) => Some(LshParams { bands, rows }),
            (None, None) => None,
            _ => {
                return Err(Error::Config(
                    "bands and rows go together: give both or neither".into(),
                ))
            }
        };
        let defaults = Config::default();
        let mut c = Config {
            threshold: self.threshold,
            containment: self.containment,
            doc_sketch: SketchParams {
                permutations: self.permutations,
                shingle_size: self.shingle_size,
                seed: self.seed,
            },
            doc_lsh,
            segment_threshold: self.segment_threshold,
            segment_sketch: SketchParams {
                seed: self.seed,
                ..defaults.segment_sketch
            },
            min_segment_words: self.min_segment_words,
            template_min_docs: if self.no_boilerplate {
                0
            } else {
                self.template_min_docs
            },
            keep_boilerplate: self.keep_boilerplate,
            rules: self
                .rules
                .as_deref()
                .map(crate::boilerplate::rules::UserRules::load)
                .transpose()?,
            remove_shared: self.remove_shared,
            text_field: self.text_field.clone(),
            id_field: self.id_field.clone(),
            on_error: self.on_error,
            memory_mb: self.memory,
            max_document_mb: self.max_document,
            temp_dir: self.temp_dir.clone(),
            index: self.index.clone(),
            index_read_only: self.read_only,
            ..defaults
        };
        profile.apply(&mut c);
        c.structural_rules &= !(self.no_structural || self.no_boilerplate);
        c.body &= !(self.no_body || self.no_boilerplate);
        c.validate()
    }

    /// Runs `f` on a pool of [`Options::threads`] worker threads (one per
    /// core for 0), so that a run in a library call uses the threads it was
    /// given without touching the process's global pool.
    pub fn install<T: Send>(&self, f: impl FnOnce() -> Result<T> + Send) -> Result<T> {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(self.threads)
            .build()
            .map_err(|e| Error::Config(format!("cannot start {} threads: {e}", self.threads)))?;
        pool.install(f)
    }
}

/// Everything a run needs to know. Build it with [`Config::default`], change
/// fields, then call [`Config::validate`].
#[derive(Debug, Clone, Serialize)]
pub struct Config {
    /// Near-duplicate documents: Jaccard threshold on word shingles.
    pub threshold: f64,
    /// Documents cut short: a document whose content's shingles are
    /// contained at least this much in a longer kept document is its copy.
    /// `None`: off.
    pub containment: Option<f64>,
    /// Document sketches.
    pub doc_sketch: SketchParams,
    /// Document LSH; `None` chooses from `threshold` with [`LshParams::optimal`].
    pub doc_lsh: Option<LshParams>,

    /// Near-duplicate segments (paragraphs): Jaccard threshold.
    pub segment_threshold: f64,
    /// Segment sketches (smaller shingles: paragraphs are short).
    pub segment_sketch: SketchParams,
    /// Segments with fewer words than this are matched only exactly, and a
    /// repeated short segment is removed only inside a repeated block.
    pub min_segment_words: usize,

    /// A segment whose normalised text (digits masked) occurs in at least this
    /// many kept documents is corpus boilerplate, removed from all of them.
    /// 0 turns the rule off.
    pub template_min_docs: usize,
    /// Look inside documents: repeated paragraphs, boilerplate, shared
    /// passages. Off, only near-duplicate documents are found.
    pub paragraphs: bool,
    /// Apply the structural boilerplate rules (bylines, captions, trailing lists...).
    pub structural_rules: bool,
    /// Find each document's body of prose and remove the lines outside it
    /// (menus, headers, sidebars, comments, footers).
    pub body: bool,
    /// The user's rules: lines to always drop or always keep.
    pub rules: Option<crate::boilerplate::rules::UserRules>,
    /// Detect and report boilerplate, but write it through: only repeated
    /// paragraphs and duplicate documents are removed.
    pub keep_boilerplate: bool,
    /// Remove passages shared with another kept document (reported either way).
    pub remove_shared: bool,

    /// JSONL field that holds the text.
    pub text_field: String,
    /// JSONL field that holds the document id.
    pub id_field: String,
    /// What to do with unreadable documents.
    pub on_error: OnError,
    /// Memory for the corpus-wide sorts, in MiB; past it they spill to disk.
    pub memory_mb: usize,
    /// The largest document read, in MiB; `None` is a quarter of
    /// `memory_mb`. Analysing a document takes about seven times its size in
    /// memory; a larger one is an error, or a skip with [`OnError::Skip`],
    /// and is never read into memory.
    pub max_document_mb: Option<usize>,
    /// Where temporary files go (the system's temporary folder by default).
    pub temp_dir: Option<std::path::PathBuf>,
    /// The index of earlier runs' kept documents to match against and add
    /// to ([`crate::index`]).
    pub index: Option<std::path::PathBuf>,
    /// Match against `index` without adding to it.
    pub index_read_only: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            threshold: 0.8,
            containment: None,
            doc_sketch: SketchParams {
                permutations: 128,
                shingle_size: 5,
                seed: 42,
            },
            doc_lsh: None,
            segment_threshold: 0.7,
            segment_sketch: SketchParams {
                permutations: 32,
                shingle_size: 3,
                seed: 42,
            },
            min_segment_words: 8,
            template_min_docs: 10,
            paragraphs: true,
            structural_rules: true,
            body: true,
            rules: None,
            keep_boilerplate: false,
            remove_shared: false,
            text_field: "text".into(),
            id_field: "id".into(),
            on_error: OnError::Fail,
            memory_mb: 1024,
            max_document_mb: None,
            temp_dir: None,
            index: None,
            index_read_only: false,
        }
    }
}

impl Config {
    /// Checks ranges and fills the LSH parameters that were left to choose.
    pub fn validate(mut self) -> Result<Self> {
        for (name, t) in [
            ("threshold", self.threshold),
            ("segment threshold", self.segment_threshold),
            ("containment", self.containment.unwrap_or(1.0)),
        ] {
            if !(t > 0.0 && t <= 1.0) {
                return Err(Error::Config(format!("{name} must be in (0, 1], got {t}")));
            }
        }
        for (name, s) in [
            ("document", self.doc_sketch),
            ("segment", self.segment_sketch),
        ] {
            if s.permutations == 0 || s.permutations > 4096 {
                return Err(Error::Config(format!(
                    "{name} permutations must be in 1..=4096, got {}",
                    s.permutations
                )));
            }
            if s.shingle_size == 0 || s.shingle_size > 32 {
                return Err(Error::Config(format!(
                    "{name} shingle size must be in 1..=32, got {}",
                    s.shingle_size
                )));
            }
        }
        if self.memory_mb < 16 {
            return Err(Error::Config(
                "the memory budget must be at least 16 MiB".into(),
            ));
        }
        if let Some(mb) = self.max_document_mb {
            // Spans are 32-bit byte offsets.
            if mb == 0 || mb >= 4096 {
                return Err(Error::Config(format!(
                    "the largest document must be in 1..=4095 MiB, got {mb}"
                )));
            }
        }
        if self.min_segment_words == 0 {
            return Err(Error::Config(
                "minimum segment words must be at least 1".into(),
            ));
        }
        if self.index_read_only && self.index.is_none() {
            return Err(Error::Config(
                "read-only is about an index: give the index too".into(),
            ));
        }
        if self.index.is_some() && self.containment.is_some() {
            return Err(Error::Config(
                "containment is not matched against an index yet: give one or the other".into(),
            ));
        }
        if self.text_field.is_empty() || self.id_field.is_empty() {
            return Err(Error::Config("JSONL field names must not be empty".into()));
        }
        let lsh = match self.doc_lsh {
            Some(l) => l,
            None => LshParams::optimal(self.threshold, self.doc_sketch.permutations),
        };
        if lsh.bands == 0 || lsh.rows == 0 || lsh.bands * lsh.rows > self.doc_sketch.permutations {
            return Err(Error::Config(format!(
                "bands x rows ({} x {}) must be at least 1 and at most the {} permutations",
                lsh.bands, lsh.rows, self.doc_sketch.permutations
            )));
        }
        self.doc_lsh = Some(lsh);
        Ok(self)
    }

    /// A new folder for this run's temporary files, removed when dropped;
    /// folders that interrupted runs left there are removed first.
    pub fn work_dir(&self) -> Result<crate::staging::WorkDir> {
        let dir = self.temp_dir.clone().unwrap_or_else(std::env::temp_dir);
        crate::staging::WorkDir::new(&dir)
    }

    /// The template census's minimum of distinct texts for a shared line
    /// (a site's menu, sidebar, footer), when the run counts lines at all.
    pub fn census_min_docs(&self) -> Option<usize> {
        (self.paragraphs && self.template_min_docs > 0).then_some(self.template_min_docs)
    }

    /// The largest document read, in bytes.
    pub fn max_document_bytes(&self) -> u64 {
        let mb = self.max_document_mb.unwrap_or(self.memory_mb / 4).min(4095);
        (mb as u64) << 20
    }

    /// Document LSH parameters (after [`Config::validate`]).
    pub fn doc_lsh(&self) -> LshParams {
        self.doc_lsh
            .unwrap_or_else(|| LshParams::optimal(self.threshold, self.doc_sketch.permutations))
    }

    /// Segment LSH parameters, chosen from the segment threshold.
    pub fn segment_lsh(&self) -> LshParams {
        LshParams::optimal(self.segment_threshold, self.segment_sketch.permutations)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_weights_reproduce_datasketch_and_defaults_favour_recall() {
        // datasketch.MinHashLSH(threshold=0.8, num_perm=128) uses b=9, r=13.
        assert_eq!(
            LshParams::optimal_weighted(0.8, 128, 0.5, 0.5),
            LshParams { bands: 9, rows: 13 }
        );
        let ours = LshParams::optimal(0.8, 128);
        assert_eq!(ours, LshParams { bands: 16, rows: 8 });
        assert!(ours.candidate_probability(0.85) > 0.99);
        assert!(ours.candidate_probability(0.5) < 0.1);
        let seg = Config::default().segment_lsh();
        assert!(seg.candidate_probability(0.7) > 0.85, "{seg:?}");
    }

    #[test]
    fn optimal_bands_rows_fit_and_center_on_threshold() {
        for &(t, p) in &[(0.8, 128), (0.5, 128), (0.9, 256), (0.7, 32)] {
            let l = LshParams::optimal(t, p);
            assert!(l.bands * l.rows <= p);
            // The S-curve is steep around the threshold: far below it pairs are
            // rarely candidates, far above it they almost always are.
            assert!(l.candidate_probability(t - 0.3) < 0.2, "{t} {p} {l:?}");
            assert!(
                l.candidate_probability((t + 0.15).min(1.0)) > 0.8,
                "{t} {p} {l:?}"
            );
        }
    }

    #[test]
    fn validate_rejects_out_of_range() {
        let bad = Config {
            threshold: 1.5,
            ..Config::default()
        };
        assert!(bad.validate().is_err());
        let bad = Config {
            doc_lsh: Some(LshParams {
                bands: 20,
                rows: 10,
            }),
            ..Config::default()
        };
        assert!(bad.validate().is_err());
        let ok = Config::default().validate().unwrap();
        assert!(ok.doc_lsh.is_some());
    }
}
