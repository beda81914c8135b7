//! Reading a corpus: input paths become a stream of [`Document`]s, in a fixed
//! order (inputs in the order given, files of a folder sorted by path, JSONL
//! records in file order), so that "first in input order" is well defined and
//! every run sees the same sequence.

mod jsonl;
pub mod scan;

pub use jsonl::JsonRecord;

use crate::error::{Error, Result};
use std::path::{Path, PathBuf};

/// Compression of a JSONL input (and of its cleaned copy).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    None,
    Gzip,
    Zstd,
}

/// What an input path is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputKind {
    /// A folder walked recursively for `.txt` files, following symbolic
    /// links; `files` lists them, and the paths that could not be walked,
    /// in path order; `ignored` counts the other files in it.
    TextDir { files: Vec<Listed>, ignored: usize },
    /// One `.txt` file: one document.
    TextFile,
    /// One JSON object per line.
    Jsonl(Compression),
}

/// A `.txt` file found in a folder, or a path under it that could not be
/// walked (a folder that cannot be listed, a symbolic link loop): that is
/// reported when the folder is read, in its place in path order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    /// The path relative to the folder.
    pub rel: PathBuf,
    /// Why the path could not be walked.
    pub problem: Option<String>,
}

/// One input path and what it holds.
#[derive(Debug, Clone)]
pub struct Input {
    pub path: PathBuf,
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
    pub text: String,
    /// For JSONL, the original line, to write back with only the text
    /// changed (when the reader was asked for it, [`ReadOptions::records`]).
    pub record: Option<JsonRecord>,
}

/// How documents are read: which JSONL fields hold the text and the id, and
/// the largest record accepted.
#[derive(Debug, Clone)]
pub struct ReadOptions {
    pub text: String,
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
pub fn discover(paths: &[PathBuf]) -> Result<Vec<Input>> {
    paths.iter().map(|p| discover_one(p)).collect()
}

/// Why a name that is not UTF-8 is refused.
const NOT_UTF8_NAME: &str = "the name is not valid UTF-8; outputs are named, and recorded for restore, in UTF-8, so two such names could meet in one: rename it";

fn discover_one(path: &Path) -> Result<Input> {
    if path.file_name().is_some_and(|n| n.to_str().is_none()) {
        return Err(Error::Unlistable {
            path: path.to_path_buf(),
            message: NOT_UTF8_NAME.into(),
        });
    }
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
            .map(|n| n.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        match () {
            _ if name.ends_with(".jsonl") || name.ends_with(".ndjson") => {
                InputKind::Jsonl(Compression::None)
            }
            _ if name.ends_with(".jsonl.gz") || name.ends_with(".ndjson.gz") => {
                InputKind::Jsonl(Compression::Gzip)
            }
            _ if name.ends_with(".jsonl.zst") || name.ends_with(".ndjson.zst") => {
                InputKind::Jsonl(Compression::Zstd)
            }
            _ if name.ends_with(".txt") => InputKind::TextFile,
            _ => {
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

fn is_txt(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("txt"))
}

fn walk(root: &Path) -> Result<InputKind> {
    let mut files = Vec::new();
    let mut ignored = 0;
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
            ignored += 1;
            continue;
        }
        if is_txt(entry.path()) {
            let rel = entry
                .path()
                .strip_prefix(root)
                .expect("walkdir yields paths under its root");
            files.push(Listed {
                rel: rel.to_path_buf(),
                problem: rel.to_str().is_none().then(|| NOT_UTF8_NAME.to_string()),
            });
        } else {
            ignored += 1;
        }
    }
    Ok(InputKind::TextDir { files, ignored })
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
    match &input.kind {
        InputKind::TextDir { files, .. } => {
            for listed in files {
                let path = input.path.join(&listed.rel);
                match &listed.problem {
                    None => read_text(&path, &listed.rel, index, options, sink, gaps)?,
                    Some(message) => {
                        gaps(Gap {
                            file: &path,
                            offset: 0,
                            bytes: None,
                            blank: false,
                        })?;
                        sink(Err(Error::Unlistable {
                            path: path.clone(),
                            message: message.clone(),
                        }))?
                    }
                }
            }
            Ok(())
        }
        InputKind::TextFile => {
            let name = input.path.file_name().map(Path::new).unwrap_or(&input.path);
            read_text(&input.path, name, index, options, sink, gaps)
        }
        InputKind::Jsonl(compression) => {
            jsonl::read(&input.path, *compression, index, options, sink, gaps)
        }
    }
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

/// Reads a whole text file as one UTF-8 document with id `rel`. A file
/// larger than the limit is not read into memory; one with a NUL byte is
/// binary, not text.
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
            gaps(gap(path, 0, None))?;
            return sink(Err(Error::io(path, e)));
        }
    };
    let len = match file.metadata() {
        Ok(meta) => meta.len(),
        Err(e) => {
            gaps(gap(path, 0, None))?;
            return sink(Err(Error::io(path, e)));
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
                    gaps(gap(path, 0, None))?;
                    return sink(Err(Error::io(path, e)));
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
        gaps(gap(path, 0, None))?;
        return sink(Err(Error::io(path, e)));
    }
    if bytes.len() as u64 > options.max_bytes {
        // It grew since its length was read.
        return sink(Err(Error::InputChanged {
            path: path.to_path_buf(),
        }));
    }
    if let Some(at) = bytes.iter().position(|&b| b == 0) {
        gaps(gap(path, 0, Some(&bytes)))?;
        return sink(Err(Error::Binary {
            path: path.to_path_buf(),
            offset: at as u64,
        }));
    }
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            let error = utf8_error(path, 0, e.as_bytes(), e.utf8_error());
            gaps(gap(path, 0, Some(e.as_bytes())))?;
            return sink(Err(error));
        }
    };
    sink(Ok(Document {
        id: slash_path(rel),
        input,
        file: path.to_path_buf(),
        line: 1,
        text,
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
