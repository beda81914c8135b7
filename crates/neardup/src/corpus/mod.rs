//! Reading a corpus: input paths become a stream of [`Document`]s, in a fixed
//! order (inputs in the order given, files of a folder sorted by path, JSONL
//! records in file order), so that "first in input order" is well defined and
//! every run sees the same sequence.

mod jsonl;
pub mod parquet;
pub mod scan;

pub use jsonl::JsonRecord;

use crate::error::{Error, Result};
use std::path::{Path, PathBuf};

/// Compression of a JSONL input (and of its cleaned copy).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// Plain bytes.
    None,
    /// gzip (`.gz`).
    Gzip,
    /// Zstandard (`.zst`).
    Zstd,
}

/// What kind of file a document file is, by its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// `.txt`: one document per file.
    Text,
    /// JSON Lines, one JSON object per line: `.jsonl`, `.ndjson` or `.json`
    /// (what `datasets.Dataset.to_json` writes), each optionally `.gz` or
    /// `.zst`.
    Jsonl(Compression),
    /// `.parquet`: one document per row (any compression codec inside).
    Parquet,
}

impl FileKind {
    /// The kind a file name says, if neardup reads it (letter case aside).
    pub fn of(name: &str) -> Option<FileKind> {
        let name = name.to_ascii_lowercase();
        let (stem, compression) = if let Some(stem) = name.strip_suffix(".gz") {
            (stem, Compression::Gzip)
        } else if let Some(stem) = name.strip_suffix(".zst") {
            (stem, Compression::Zstd)
        } else {
            (name.as_str(), Compression::None)
        };
        let jsonl = [".jsonl", ".ndjson", ".json"]
            .iter()
            .any(|e| stem.ends_with(e));
        match () {
            _ if compression == Compression::None && stem.ends_with(".parquet") => {
                Some(FileKind::Parquet)
            }
            _ if jsonl => Some(FileKind::Jsonl(compression)),
            _ if compression == Compression::None && stem.ends_with(".txt") => Some(FileKind::Text),
            _ => None,
        }
    }
}

/// What an input path is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputKind {
    /// A folder walked recursively for the files neardup reads, following
    /// symbolic links; `files` lists them, and the paths that could not be
    /// walked, in path order; `passed_over` counts the other files in it.
    Folder {
        /// The files it reads, and the paths that could not be walked.
        files: Vec<Listed>,
        /// The files in it that neardup does not read, by kind.
        passed_over: PassedOver,
    },
    /// One file.
    File(FileKind),
}

/// Files of an input folder that neardup does not read, counted by kind:
/// their extension in lower case (`.md`, `.parquet`), `(none)` for a name
/// without one, `(not a regular file)` for FIFOs, devices and sockets,
/// `(.json, not JSON Lines)` for a `.json` file holding one JSON document,
/// or `(neardup output)` for the report and side file of a cleaned corpus.
pub type PassedOver = std::collections::BTreeMap<String, u64>;

/// A file found in a folder, or a path under it that could not be walked (a
/// folder that cannot be listed, a symbolic link loop): that is reported
/// when the folder is read, in its place in path order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    /// The path relative to the folder.
    pub rel: PathBuf,
    /// What it holds (for a path that could not be walked, `Text`: it is
    /// accounted for as one unreadable file).
    pub kind: FileKind,
    /// Why the path could not be walked.
    pub problem: Option<String>,
}

/// One input path and what it holds.
#[derive(Debug, Clone)]
pub struct Input {
    /// The path as given.
    pub path: PathBuf,
    /// A file, or a folder with the files it holds.
    pub kind: InputKind,
}

/// A document: an id, where it came from, and its original text.
#[derive(Debug, Clone)]
pub struct Document {
    /// Relative path for text files; the id field (or `file:line`) for JSONL.
    pub id: String,
    /// Index of the [`Input`] it came from.
    pub input: u32,
    /// The file it was read from.
    pub file: PathBuf,
    /// Its line in that file (1 for a text file).
    pub line: u64,
    /// The text: the file's bytes, or a lossy view of them when they are not
    /// all UTF-8 (see [`Document::original`]).
    pub text: String,
    /// The bytes as read, when `text` is a lossy view of them: each byte
    /// that is not part of a valid UTF-8 sequence stands in `text` as
    /// [`SUBSTITUTE`], so both have the same length and every offset into
    /// `text` is an offset into these bytes. Cuts fall on `text`'s
    /// character boundaries, so they never split a valid sequence, and the
    /// cleaned copy is cut from these bytes.
    pub original: Option<Vec<u8>>,
    /// For JSONL, the original line, to write back with only the text
    /// changed (when the reader was asked for it, [`ReadOptions::records`]).
    pub record: Option<JsonRecord>,
}

impl Document {
    /// The bytes the document was read as: what a cleaned copy is cut from.
    pub fn source(&self) -> &[u8] {
        self.original.as_deref().unwrap_or(self.text.as_bytes())
    }

    /// The xxh3-64 hash of [`Document::source`]: what the passes compare to
    /// know they read the same document, and what restore checks.
    pub fn hash(&self) -> u64 {
        xxhash_rust::xxh3::xxh3_64(self.source())
    }

    /// How many bytes of the source are not part of valid UTF-8 (each shown
    /// in `text` as [`SUBSTITUTE`]).
    pub fn invalid_bytes(&self) -> usize {
        match &self.original {
            Some(original) => original
                .iter()
                .zip(self.text.as_bytes())
                .filter(|(a, b)| a != b)
                .count(),
            None => 0,
        }
    }
}

/// What a byte that is not part of valid UTF-8 becomes in a document's text:
/// U+001A SUBSTITUTE, the control character meant for it. One byte for one
/// byte, so that offsets stay those of the file; not a word character, so
/// that the analysis reads the words around it.
pub const SUBSTITUTE: char = '\u{1a}';

/// The text of `bytes`: the bytes themselves when they are UTF-8, else a view
/// of the same length with each byte of an invalid sequence replaced by
/// [`SUBSTITUTE`], and the bytes kept.
pub fn lossy(bytes: Vec<u8>) -> (String, Option<Vec<u8>>) {
    match String::from_utf8(bytes) {
        Ok(text) => (text, None),
        Err(e) => {
            let bytes = e.into_bytes();
            let mut text = String::with_capacity(bytes.len());
            for chunk in bytes.utf8_chunks() {
                text.push_str(chunk.valid());
                text.extend(std::iter::repeat_n(SUBSTITUTE, chunk.invalid().len()));
            }
            debug_assert_eq!(text.len(), bytes.len());
            (text, Some(bytes))
        }
    }
}

/// How much of a text file is looked at to tell whether it is binary.
pub const BINARY_SAMPLE: usize = 64 << 10;

/// Why the bytes of a `.txt` file are not text, if they are not: a UTF-16 or
/// UTF-32 byte-order mark, or NUL bytes and bytes outside valid UTF-8 making
/// up more than one in eight of the first [`BINARY_SAMPLE`] bytes (at least
/// eight of them). Text in a dump has such bytes one in thousands (a stray
/// Latin-1 letter, a NUL from a bad copy); UTF-16 text has a NUL in every
/// other byte, and images, archives and compressed data are mostly bytes
/// that are not UTF-8.
pub fn binary(bytes: &[u8]) -> Option<String> {
    let bom = match bytes {
        [0xFF, 0xFE, 0, 0, ..] | [0, 0, 0xFE, 0xFF, ..] => Some("UTF-32"),
        [0xFF, 0xFE, ..] | [0xFE, 0xFF, ..] => Some("UTF-16"),
        _ => None,
    };
    if let Some(encoding) = bom {
        return Some(format!(
            "a {encoding} byte-order mark; neardup reads UTF-8: convert it first (iconv -f {encoding} -t UTF-8)"
        ));
    }
    let sample = &bytes[..bytes.len().min(BINARY_SAMPLE)];
    let nul = sample.iter().filter(|&&b| b == 0).count();
    let invalid: usize = sample
        .utf8_chunks()
        .map(|c| c.invalid().len())
        .sum::<usize>();
    let odd = nul + invalid;
    (odd >= 8 && odd * 8 > sample.len()).then(|| {
        format!(
            "{odd} of its first {} bytes are NUL or not UTF-8",
            sample.len()
        )
    })
}

/// How documents are read: which JSONL fields hold the text and the id, and
/// the largest record accepted.
#[derive(Debug, Clone)]
pub struct ReadOptions {
    /// The text field of JSONL records and the text column of Parquet files (dotted: a field of a struct).
    pub text: String,
    /// The id field or column; empty for ids by line or row.
    pub id: String,
    /// A text file or JSONL line longer than this is not read into memory:
    /// it becomes a [`Error::DocumentTooLarge`] (and, for `--on-error
    /// skip`, a [`Gap`] handed over in pieces).
    pub max_bytes: u64,
    /// Whether a JSONL document keeps its original line ([`Document::record`]),
    /// which only a writer needs.
    pub records: bool,
}

impl ReadOptions {
    /// The options a run's configuration gives, for a reader that writes
    /// copies (`records`) or one that only analyses.
    pub fn of(config: &crate::Config, records: bool) -> Self {
        ReadOptions {
            text: config.text_field.clone(),
            id: config.id_field.clone(),
            max_bytes: config.max_document_bytes(),
            records,
        }
    }
}

/// Resolves the input paths: what each is and, for folders, which files.
/// Folders that hold no file neardup reads are an error that says what
/// they hold.
pub fn discover(paths: &[PathBuf]) -> Result<Vec<Input>> {
    let inputs: Vec<Input> = expand(paths)?
        .iter()
        .map(|p| discover_one(p))
        .collect::<Result<_>>()?;
    if !inputs.is_empty() && inputs.iter().all(|i| i.parts().next().is_none()) {
        let found = passed_over(&inputs);
        return Err(Error::NothingToRead {
            path: inputs[0].path.clone(),
            found: if found.is_empty() {
                "no files".into()
            } else {
                describe_passed_over(&found)
            },
        });
    }
    Ok(inputs)
}

/// The paths with glob patterns the shell left alone (`shards/*.jsonl.gz`,
/// quoted or from a script) expanded, in sorted order. A path that exists
/// is taken as it is, whatever characters it holds.
fn expand(paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut out = Vec::with_capacity(paths.len());
    for path in paths {
        let pattern = path.to_str().filter(|p| p.contains(['*', '?', '[']));
        let Some(pattern) = pattern.filter(|_| std::fs::symlink_metadata(path).is_err()) else {
            out.push(path.clone());
            continue;
        };
        let bad = |message: String| Error::Unlistable {
            path: path.clone(),
            message,
        };
        let mut found: Vec<PathBuf> = glob::glob(pattern)
            .map_err(|e| bad(format!("not a valid pattern: {e}")))?
            .collect::<std::result::Result<_, _>>()
            .map_err(|e| bad(format!("cannot list {}: {}", e.path().display(), e.error())))?;
        if found.is_empty() {
            return Err(bad("no file or folder matches this pattern".into()));
        }
        found.sort();
        out.extend(found);
    }
    Ok(out)
}

/// The files passed over in all input folders, by kind.
pub fn passed_over(inputs: &[Input]) -> PassedOver {
    let mut all = PassedOver::new();
    for input in inputs {
        if let InputKind::Folder { passed_over, .. } = &input.kind {
            for (kind, n) in passed_over {
                *all.entry(kind.clone()).or_default() += n;
            }
        }
    }
    all
}

/// Files passed over, in words: `3 files (.parquet 2, .md 1)`.
pub fn describe_passed_over(passed_over: &PassedOver) -> String {
    let total: u64 = passed_over.values().sum();
    let mut kinds: Vec<(&String, &u64)> = passed_over.iter().collect();
    // Most first; among equals, by name.
    kinds.sort_by_key(|&(k, n)| (std::cmp::Reverse(*n), k));
    let kinds: Vec<String> = kinds.iter().map(|(k, n)| format!("{k} {n}")).collect();
    format!(
        "{total} {} ({})",
        if total == 1 { "file" } else { "files" },
        kinds.join(", ")
    )
}

fn discover_one(path: &Path) -> Result<Input> {
    let meta = std::fs::metadata(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => Error::NotFound {
            path: path.to_path_buf(),
        },
        _ => Error::io(path, e),
    })?;
    let kind = if meta.is_dir() {
        walk(path)?
    } else if !meta.is_file() {
        return Err(Error::NotRegular {
            path: path.to_path_buf(),
        });
    } else {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default();
        match FileKind::of(&name) {
            Some(kind) => InputKind::File(kind),
            None => {
                return Err(Error::UnsupportedInput {
                    path: path.to_path_buf(),
                })
            }
        }
    };
    Ok(Input {
        path: path.to_path_buf(),
        kind,
    })
}

/// The compression a file name says its content has.
pub fn compression_of(path: &Path) -> Compression {
    match path.extension().and_then(|e| e.to_str()) {
        Some(e) if e.eq_ignore_ascii_case("gz") => Compression::Gzip,
        Some(e) if e.eq_ignore_ascii_case("zst") => Compression::Zstd,
        _ => Compression::None,
    }
}

/// Whether `path` is a file neardup wrote beside a cleaned corpus (its
/// report, side file, annotations or removed rows, in a folder holding a
/// side file): a
/// cleaned output given as input is its cleaned documents, not its records.
fn neardup_output(path: &Path) -> bool {
    // The file itself, or a folder it is in (the removed rows of Parquet
    // files).
    path.ancestors().any(|p| {
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        crate::staging::RESERVED.contains(&name)
            && p.parent()
                .is_some_and(|p| p.join(crate::staging::SIDE_FILE).is_file())
    })
}

/// Whether a file is named `.json` (plain or compressed), which holds JSON
/// Lines (what `datasets` writes) or one JSON document (a configuration, an
/// array), unlike `.jsonl` and `.ndjson`.
fn is_dot_json(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    [".json", ".json.gz", ".json.zst"]
        .iter()
        .any(|e| name.ends_with(e))
}

/// Whether a `.json` file in a folder is JSON Lines: its first line (within
/// the first 64 KiB) is a whole JSON object, or it starts with `{` and its
/// first line is longer than that. A pretty-printed document (`{` alone on
/// its first line), an array or anything else is passed over as `.json`.
fn json_lines(path: &Path, kind: FileKind) -> bool {
    use std::io::Read;
    let FileKind::Jsonl(compression) = kind else {
        return false;
    };
    let Ok(file) = std::fs::File::open(path) else {
        // Read as JSON Lines, so that the error is said in its place.
        return true;
    };
    let mut reader: Box<dyn Read> = match compression {
        Compression::None => Box::new(file),
        Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(file)),
        Compression::Zstd => match zstd::Decoder::new(file) {
            Ok(d) => Box::new(d),
            Err(_) => return true,
        },
    };
    let mut head = Vec::with_capacity(JSON_SNIFF);
    if (&mut reader)
        .take(JSON_SNIFF as u64)
        .read_to_end(&mut head)
        .is_err()
    {
        return true;
    }
    let text = String::from_utf8_lossy(&head);
    let text = text.trim_start();
    if text.is_empty() {
        // An empty file: no records either way.
        return true;
    }
    match text.split_once('\n') {
        Some((first, _)) => {
            serde_json::from_str::<serde::de::IgnoredAny>(first).is_ok()
                && first.trim_start().starts_with('{')
        }
        None if head.len() < JSON_SNIFF => {
            serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok() && text.starts_with('{')
        }
        None => text.starts_with('{'),
    }
}

/// How much of a `.json` file is read to tell JSON Lines from one document.
const JSON_SNIFF: usize = 64 << 10;

/// The kind under which a file neardup does not read is counted.
fn passed_over_kind(path: &Path) -> String {
    match path.extension() {
        Some(e) => format!(".{}", e.to_string_lossy().to_lowercase()),
        None => "(none)".into(),
    }
}

fn walk(root: &Path) -> Result<InputKind> {
    let mut files = Vec::new();
    let mut passed_over = PassedOver::new();
    for entry in walkdir::WalkDir::new(root)
        .follow_links(true)
        .sort_by_file_name()
    {
        let entry = match entry {
            Ok(entry) => entry,
            Err(e) => {
                // The root itself must be readable; below it, a path that
                // cannot be walked is reported in its place.
                let path = e.path().unwrap_or(root);
                let rel = match path.strip_prefix(root) {
                    Ok(rel) if !rel.as_os_str().is_empty() => rel.to_path_buf(),
                    _ => return Err(walk_error(root, &e)),
                };
                files.push(Listed {
                    rel,
                    kind: FileKind::Text,
                    problem: Some(walk_message(&e)),
                });
                continue;
            }
        };
        if entry.file_type().is_dir() {
            continue;
        }
        if !entry.file_type().is_file() {
            // A FIFO, a device or a socket: never opened, counted as passed over.
            *passed_over
                .entry("(not a regular file)".into())
                .or_default() += 1;
            continue;
        }
        if neardup_output(entry.path()) {
            *passed_over.entry("(neardup output)".into()).or_default() += 1;
            continue;
        }
        let kind = entry
            .path()
            .file_name()
            .and_then(|n| FileKind::of(&n.to_string_lossy()));
        if kind.is_some_and(|k| is_dot_json(entry.path()) && !json_lines(entry.path(), k)) {
            *passed_over
                .entry("(.json, not JSON Lines)".into())
                .or_default() += 1;
            continue;
        }
        match kind {
            Some(kind) => {
                let rel = entry
                    .path()
                    .strip_prefix(root)
                    .expect("walkdir yields paths under its root");
                files.push(Listed {
                    rel: rel.to_path_buf(),
                    kind,
                    problem: None,
                });
            }
            None => {
                *passed_over
                    .entry(passed_over_kind(entry.path()))
                    .or_default() += 1
            }
        }
    }
    Ok(InputKind::Folder { files, passed_over })
}

/// What went wrong walking a folder, in words.
fn walk_message(e: &walkdir::Error) -> String {
    match (e.loop_ancestor(), e.io_error()) {
        (Some(ancestor), _) => format!(
            "symbolic link loop: leads back to {}, which is being read",
            ancestor.display()
        ),
        (None, Some(io)) => io.to_string(),
        (None, None) => e.to_string(),
    }
}

fn walk_error(root: &Path, e: &walkdir::Error) -> Error {
    Error::Unlistable {
        path: e.path().unwrap_or(root).to_path_buf(),
        message: walk_message(e),
    }
}

/// Receives each document, or the error that stood in its place (a file that
/// cannot be read, invalid UTF-8, a malformed JSON line). Returning the error
/// stops the reading; returning `Ok` goes on with the next document.
pub type Sink<'a> = dyn FnMut(Result<Document>) -> Result<()> + 'a;

/// Bytes of an input that are not a document: a blank JSONL line, or an
/// unreadable line or text file, handed over just before its error goes to
/// the [`Sink`]. With them a writer can account for every byte it read.
#[derive(Debug, Clone, Copy)]
pub struct Gap<'a> {
    /// The file the gap is in.
    pub file: &'a Path,
    /// Offset in the (decompressed) file.
    pub offset: u64,
    /// The bytes, with a JSONL line's `\n`; None when the file, from here
    /// on, could not be read (it cannot be opened, or its compressed stream
    /// is broken).
    pub bytes: Option<&'a [u8]>,
    /// A blank JSONL line, not an error.
    pub blank: bool,
}

/// Receives the [`Gap`]s of an input; an error stops the reading.
pub type Gaps<'a> = dyn FnMut(Gap) -> Result<()> + 'a;

/// Reads every document of `input` (number `index`) in order, handing each to
/// `sink`. Errors name the file and line.
pub fn read(input: &Input, index: u32, options: &ReadOptions, sink: &mut Sink) -> Result<()> {
    read_with_gaps(input, index, options, sink, &mut |_| Ok(()))
}

/// [`read`], also handing the lines that are not documents to `gaps`.
pub fn read_with_gaps(
    input: &Input,
    index: u32,
    options: &ReadOptions,
    sink: &mut Sink,
    gaps: &mut Gaps,
) -> Result<()> {
    for part in input.parts() {
        read_part(&part, index, options, sink, gaps)?;
    }
    Ok(())
}

/// One file of an input: the input itself, or a file of an input folder.
#[derive(Debug, Clone)]
pub struct Part<'a> {
    /// The file's path.
    pub path: PathBuf,
    /// Its name in its input: the path under the folder, or the file's name.
    pub name: &'a Path,
    /// What it holds, by its name.
    pub kind: FileKind,
    /// Why it could not be walked (it is then one unreadable file).
    pub problem: Option<&'a str>,
}

impl Input {
    /// Its files, in the order they are read.
    pub fn parts(&self) -> Box<dyn Iterator<Item = Part<'_>> + '_> {
        match &self.kind {
            InputKind::Folder { files, .. } => Box::new(files.iter().map(|f| Part {
                path: self.path.join(&f.rel),
                name: &f.rel,
                kind: f.kind,
                problem: f.problem.as_deref(),
            })),
            InputKind::File(kind) => Box::new(std::iter::once(Part {
                path: self.path.clone(),
                name: self.path.file_name().map(Path::new).unwrap_or(&self.path),
                kind: *kind,
                problem: None,
            })),
        }
    }
}

/// Reads every document of one file of input number `index`, as
/// [`read_with_gaps`] does.
pub fn read_part(
    part: &Part,
    index: u32,
    options: &ReadOptions,
    sink: &mut Sink,
    gaps: &mut Gaps,
) -> Result<()> {
    let path = &part.path;
    match (part.problem, part.kind) {
        (None, FileKind::Text) => read_text(path, part.name, index, options, sink, gaps),
        (None, FileKind::Jsonl(compression)) => {
            jsonl::read(path, part.name, compression, index, options, sink, gaps)
        }
        (None, FileKind::Parquet) => parquet::read(path, part.name, index, options, sink, gaps),
        (Some(message), _) => {
            let e = Error::Unlistable {
                path: path.clone(),
                message: message.to_string(),
            };
            unreadable(path, e, sink, gaps)
        }
    }
}

/// The rest of the file cannot be read: a gap without bytes, then the error.
fn unreadable(path: &Path, e: Error, sink: &mut Sink, gaps: &mut Gaps) -> Result<()> {
    gaps(Gap {
        file: path,
        offset: 0,
        bytes: None,
        blank: false,
    })?;
    sink(Err(e))
}

/// A relative path, `/`-separated on every platform (a text file's id).
pub fn slash_path(rel: &Path) -> String {
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// Pieces in which a long gap is handed over, so that no reader needs to
/// hold it whole.
pub const GAP_PIECE: usize = 1 << 20;

/// Reads a whole text file as one document with id `rel`, through a lossy
/// view when it is not all UTF-8. A file larger than the limit is not read
/// into memory; a [`binary`] one is not text.
fn read_text(
    path: &Path,
    rel: &Path,
    input: u32,
    options: &ReadOptions,
    sink: &mut Sink,
    gaps: &mut Gaps,
) -> Result<()> {
    fn gap<'a>(file: &'a Path, offset: u64, bytes: Option<&'a [u8]>) -> Gap<'a> {
        Gap {
            file,
            offset,
            bytes,
            blank: false,
        }
    }
    let mut file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(e) => {
            return unreadable(path, Error::io(path, e), sink, gaps);
        }
    };
    let len = match file.metadata() {
        Ok(meta) => meta.len(),
        Err(e) => {
            return unreadable(path, Error::io(path, e), sink, gaps);
        }
    };
    if len > options.max_bytes {
        // Handed over in pieces, never held whole.
        let mut buf = vec![0; GAP_PIECE];
        let mut offset = 0;
        loop {
            match std::io::Read::read(&mut file, &mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    gaps(gap(path, offset, Some(&buf[..n])))?;
                    offset += n as u64;
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => {
                    return unreadable(path, Error::io(path, e), sink, gaps);
                }
            }
        }
        return sink(Err(Error::DocumentTooLarge {
            path: path.to_path_buf(),
            line: 1,
            bytes: offset,
            limit: options.max_bytes,
        }));
    }
    let mut bytes = Vec::with_capacity(len as usize);
    if let Err(e) = std::io::Read::read_to_end(&mut file, &mut bytes) {
        return unreadable(path, Error::io(path, e), sink, gaps);
    }
    if bytes.len() as u64 > options.max_bytes {
        // It grew since its length was read.
        return sink(Err(Error::InputChanged {
            path: path.to_path_buf(),
        }));
    }
    if let Some(reason) = binary(&bytes) {
        gaps(gap(path, 0, Some(&bytes)))?;
        return sink(Err(Error::Binary {
            path: path.to_path_buf(),
            reason,
        }));
    }
    let (text, original) = lossy(bytes);
    sink(Ok(Document {
        id: slash_path(rel),
        input,
        file: path.to_path_buf(),
        line: 1,
        text,
        original,
        record: None,
    }))
}

/// An invalid-UTF-8 error for `bytes` that start on line `line0 + 1`.
fn utf8_error(path: &Path, line0: u64, bytes: &[u8], e: std::str::Utf8Error) -> Error {
    let at = e.valid_up_to();
    let newlines = bytes[..at].iter().filter(|&&b| b == b'\n').count() as u64;
    Error::InvalidUtf8 {
        path: path.to_path_buf(),
        line: line0 + newlines + 1,
        offset: at as u64,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lossy_view_keeps_length_and_valid_sequences() {
        let bytes = b"caf\xe9 \xc3\xa9t\xe9 \xf0\x9f\x98\x80 \xe2\x82".to_vec();
        let (text, original) = lossy(bytes.clone());
        assert_eq!(text, "caf\u{1a} \u{e9}t\u{1a} \u{1f600} \u{1a}\u{1a}");
        assert_eq!(text.len(), bytes.len());
        assert_eq!(original.as_deref(), Some(&bytes[..]));
        let (text, original) = lossy(b"plain".to_vec());
        assert_eq!((text.as_str(), original), ("plain", None));
    }

    #[test]
    fn binary_is_a_share_of_bad_bytes_not_one_stray_byte() {
        let mut page = "A line of text in a page dump.\n".repeat(200).into_bytes();
        page[100] = 0;
        page[900] = 0xe9;
        assert_eq!(binary(&page), None);
        // One byte in seven not UTF-8: more than one in eight.
        let mut mostly_bad = page.clone();
        for b in mostly_bad.iter_mut().step_by(7) {
            *b = 0xff;
        }
        assert!(binary(&mostly_bad).unwrap().contains("NUL or not UTF-8"));
        assert!(binary(b"\xff\xfeH\0i\0").unwrap().contains("UTF-16"));
        assert!(binary(b"\xff\xfe\0\0H\0\0\0").unwrap().contains("UTF-32"));
        // Too few to judge: read as text.
        assert_eq!(binary(b"a\0b"), None);
    }
}
