//! The library's typed errors. Every error that comes from data names the file
//! and, where there is one, the line or byte offset, so that a user can find the
//! bad record without reading our source.

use std::path::{Path, PathBuf};

/// Result with the library's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in the library.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An input path that does not exist.
    #[error("{path}: no such file or directory")]
    NotFound {
        /// The path as given.
        path: PathBuf,
    },

    /// A path that is neither a folder nor a file of a kind neardup reads.
    #[error("{path}: not a folder, a .txt file, a JSON Lines file (.jsonl, .ndjson or .json, each also .gz or .zst) or a .parquet file")]
    UnsupportedInput {
        /// The path as given.
        path: PathBuf,
    },

    /// Input folders that hold no file neardup reads.
    #[error("{path}: no file neardup reads (.txt, .parquet, or JSON Lines as .jsonl, .ndjson or .json, each also .gz or .zst); found {found}")]
    NothingToRead {
        /// The folder as given.
        path: PathBuf,
        /// What it holds instead, in words: `3 files (.md 2, .csv 1)`.
        found: String,
    },

    /// An input that is not a regular file or a folder (a FIFO, a device, a
    /// socket): neardup reads each input twice and bounds what it reads by
    /// the file's size, which such a file does not have.
    #[error("{path}: not a regular file (a FIFO, a device or a socket); neardup reads files and folders, each twice, so save a stream to a file first")]
    NotRegular {
        /// The path as given.
        path: PathBuf,
    },

    /// An operating-system error while reading or writing a path.
    #[error("{path}: {}", plain(source))]
    Io {
        /// The path read or written.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },

    /// A file neardup needs that it cannot read: `what` says which.
    #[error("{path}: cannot read {what}: {}", plain(source))]
    Read {
        /// The file.
        path: PathBuf,
        /// What the file is to the run, in words (`the rules file (--rules)`).
        what: &'static str,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },

    /// Bytes that are not UTF-8.
    #[error("{path}:{line}: invalid UTF-8 at byte offset {offset}")]
    InvalidUtf8 {
        /// The file.
        path: PathBuf,
        /// The line, from 1.
        line: u64,
        /// The first byte that is not UTF-8, from the start of the file.
        offset: u64,
    },

    /// A JSONL line that is not a JSON object, or whose fields are not usable.
    #[error("{path}:{line}: {message}")]
    Json {
        /// The file.
        path: PathBuf,
        /// The line, from 1.
        line: u64,
        /// What is wrong with it.
        message: String,
    },

    /// A Parquet file that cannot be read, or whose columns are not usable;
    /// `row` counts from 1.
    #[error("{path}: {}{message}", row.map(|r| format!("row {r}: ")).unwrap_or_default())]
    Parquet {
        /// The file.
        path: PathBuf,
        /// The row, from 1, when the fault is in one.
        row: Option<u64>,
        /// What is wrong.
        message: String,
    },

    /// A text file or JSONL line larger than the largest document the run
    /// reads (`--max-document-mb`, by default a quarter of `--memory-mb`).
    #[error("{path}:{line}: a record of {bytes} bytes, more than the {} MiB this run reads as one document; raise --max-document (or --memory), or pass --on-error skip", limit >> 20)]
    DocumentTooLarge {
        /// The file.
        path: PathBuf,
        /// The line (or row), from 1; 1 for a text file.
        line: u64,
        /// The record's size in bytes.
        bytes: u64,
        /// The largest document the run reads, in bytes.
        limit: u64,
    },

    /// A `.txt` file that is not text by [`crate::corpus::binary`]'s rule:
    /// binary data, or text in UTF-16 or UTF-32, which neardup does not read.
    #[error("{path}: binary file: {reason}")]
    Binary {
        /// The file.
        path: PathBuf,
        /// Why it is not text, in words.
        reason: String,
    },

    /// A path inside an input folder that cannot be walked: a folder that
    /// cannot be listed, or a symbolic link loop.
    #[error("{path}: {message}")]
    Unlistable {
        /// The folder or link.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },

    /// An input changed between the two passes over it.
    #[error("{path}: changed while neardup was reading it; run again on a stable copy")]
    InputChanged {
        /// The file that changed.
        path: PathBuf,
    },

    /// The run was asked to stop ([`crate::interrupt`]); what it had begun
    /// to write was removed.
    #[error("interrupted; the unfinished output was removed and nothing was written")]
    Interrupted,

    /// Options that do not make sense together, or out of range.
    #[error("invalid option: {0}")]
    Config(String),

    /// An index built with other parameters than the run's: its signatures
    /// cannot be compared with the run's.
    #[error("{path}: the index was built with {index}; this run uses {run}; give the index's options or another index")]
    IndexParameters {
        /// The index folder.
        path: PathBuf,
        /// The index's parameters, in words.
        index: String,
        /// The run's, in words.
        run: String,
    },

    /// An index another run is adding to (or, for a writer, reading).
    #[error("{path}: another neardup run is using this index; try again when it is done")]
    IndexBusy {
        /// The index folder.
        path: PathBuf,
    },

    /// A file of an index that is not what the index format says.
    #[error("{path}: not a valid neardup index file: {reason}")]
    IndexFormat {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },

    /// An output location that would be unsafe to write.
    #[error("{path}: {message}")]
    Output {
        /// The location.
        path: PathBuf,
        /// Why it is refused.
        message: String,
    },

    /// A cleaning's output that cannot be restored from: a report or side
    /// file that is not what `clean` wrote, or a cleaned copy changed since.
    #[error("{path}: {message}")]
    Restore {
        /// The file of the cleaning at fault.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
}

/// `$body` with `$p` bound to the path of an error that has one, else
/// `$none`: one list of the variants with a path, for [`Error::path`] and
/// [`Error::relocated`].
macro_rules! with_path {
    ($e:expr, $p:ident => $body:expr, $none:expr) => {
        match $e {
            Error::NotFound { path: $p }
            | Error::UnsupportedInput { path: $p }
            | Error::NothingToRead { path: $p, .. }
            | Error::Io { path: $p, .. }
            | Error::Read { path: $p, .. }
            | Error::InvalidUtf8 { path: $p, .. }
            | Error::Json { path: $p, .. }
            | Error::Parquet { path: $p, .. }
            | Error::DocumentTooLarge { path: $p, .. }
            | Error::Binary { path: $p, .. }
            | Error::Unlistable { path: $p, .. }
            | Error::InputChanged { path: $p }
            | Error::Output { path: $p, .. }
            | Error::NotRegular { path: $p }
            | Error::Restore { path: $p, .. }
            | Error::IndexParameters { path: $p, .. }
            | Error::IndexBusy { path: $p }
            | Error::IndexFormat { path: $p, .. } => $body,
            Error::Config(_) | Error::Interrupted => $none,
        }
    };
}

impl Error {
    /// The file the error concerns, where there is one.
    pub fn path(&self) -> Option<&Path> {
        with_path!(self, path => Some(path.as_path()), None)
    }

    /// The error with the file it concerns taken as relative to `root` and
    /// put under `shown` instead: for inputs copied into a work folder, so
    /// that the user reads the names they gave.
    pub fn relocated(mut self, root: &Path, shown: &Path) -> Self {
        with_path!(&mut self, path => {
            if let Ok(rel) = path.strip_prefix(root) {
                *path = shown.join(rel);
            }
        }, ());
        self
    }

    /// An operating-system error on `path`: say what was being done in the
    /// path or the caller's context when the path alone does not.
    pub fn io(path: &Path, source: std::io::Error) -> Self {
        Error::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// An operating-system error in words, without its "(os error N)" tail.
fn plain(e: &std::io::Error) -> String {
    without_os_code(&e.to_string()).to_string()
}

/// A message without the "(os error N)" that the system's errors end with.
pub fn without_os_code(text: &str) -> &str {
    match text.rfind(" (os error ") {
        Some(at) if text.ends_with(')') => &text[..at],
        _ => text,
    }
}
