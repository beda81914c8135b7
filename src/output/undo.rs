//! `removed.jsonl.zst`, written beside the cleaned copy: every byte the
//! cleaning took out of its inputs (and, with `--annotate`, where it put
//! bytes in), so that [`crate::restore`] can rebuild the inputs byte for byte.
//!
//! One JSON record per line, zstd-compressed. The first is the [`Record::Header`];
//! then, file by file, `removed` and `added` records in the order of their
//! offsets in the original, and an `end` record with the original's length
//! and xxh3 hash, which restore checks. Files are named by their path under
//! the output folder, `/`-separated; offsets are in the decompressed file.

use crate::error::{Error, Result};
use base64::Engine;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::fs;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// The side file's name in the output folder.
pub const FILE_NAME: &str = "removed.jsonl.zst";
pub const FORMAT: &str = "neardup-removed";
/// Bumped on any incompatible change.
pub const FORMAT_VERSION: u32 = 1;
/// The most bytes one `removed` record holds; a longer removal takes several.
pub const PIECE: usize = 1 << 20;

/// One line of the side file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Record<'a> {
    Header {
        format: Cow<'a, str>,
        format_version: u32,
        /// The input paths as the report lists them.
        inputs: Vec<String>,
    },
    /// The output lacks these bytes of the original at offset `at`: UTF-8
    /// in `text`, anything else in `base64`.
    Removed {
        file: Cow<'a, str>,
        at: u64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        text: Option<Cow<'a, str>>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        base64: Option<String>,
    },
    /// The output has `len` bytes that the original lacks, at the original's
    /// offset `at` (an annotation).
    Added {
        file: Cow<'a, str>,
        at: u64,
        len: u64,
    },
    /// The original was `bytes` long with this xxh3-64 hash (16 hex digits).
    End {
        file: Cow<'a, str>,
        bytes: u64,
        xxh3: String,
    },
    /// An input file that could not be read when cleaning: there is nothing
    /// to rebuild it from.
    Unreadable { file: Cow<'a, str> },
}

impl Record<'_> {
    /// The bytes of a `removed` record.
    pub fn removed_bytes(&self) -> std::result::Result<Vec<u8>, String> {
        match self {
            Record::Removed {
                text: Some(t),
                base64: None,
                ..
            } => Ok(t.as_bytes().to_vec()),
            Record::Removed {
                text: None,
                base64: Some(b),
                ..
            } => base64::engine::general_purpose::STANDARD
                .decode(b)
                .map_err(|e| format!("bad base64: {e}")),
            _ => Err("a removed record needs exactly one of text and base64".into()),
        }
    }
}

/// The hash `end` records carry.
pub fn hash_hex(hash: u64) -> String {
    format!("{hash:016x}")
}

/// Writes the side file.
pub struct UndoWriter {
    out: zstd::Encoder<'static, BufWriter<fs::File>>,
    path: PathBuf,
    line: Vec<u8>,
}

impl UndoWriter {
    pub fn create(path: &Path, inputs: Vec<String>) -> Result<Self> {
        let io = |e| Error::io(path, e);
        let file = fs::File::create(path).map_err(io)?;
        let out = zstd::Encoder::new(BufWriter::new(file), 3).map_err(io)?;
        let mut w = UndoWriter {
            out,
            path: path.to_path_buf(),
            line: Vec::new(),
        };
        w.write(&Record::Header {
            format: FORMAT.into(),
            format_version: FORMAT_VERSION,
            inputs,
        })?;
        Ok(w)
    }

    fn write(&mut self, record: &Record) -> Result<()> {
        self.line.clear();
        serde_json::to_writer(&mut self.line, record).expect("records serialise");
        self.line.push(b'\n');
        self.out
            .write_all(&self.line)
            .map_err(|e| Error::io(&self.path, e))
    }

    /// Records that `bytes` of the original `file` at `at` are not in the
    /// output, in records of at most [`PIECE`] bytes, so that no reader
    /// needs to hold a long removal whole.
    pub fn removed(&mut self, file: &str, at: u64, bytes: &[u8]) -> Result<()> {
        // Text is cut between characters, so that each piece stays text;
        // other bytes go as base64.
        let text = std::str::from_utf8(bytes).ok();
        let mut start = 0;
        while start < bytes.len() {
            let mut end = (start + PIECE).min(bytes.len());
            let (text, base64) = match text {
                Some(text) => {
                    while !text.is_char_boundary(end) {
                        end -= 1;
                    }
                    (Some(Cow::Borrowed(&text[start..end])), None)
                }
                None => (
                    None,
                    Some(base64::engine::general_purpose::STANDARD.encode(&bytes[start..end])),
                ),
            };
            self.write(&Record::Removed {
                file: file.into(),
                at: at + start as u64,
                text,
                base64,
            })?;
            start = end;
        }
        Ok(())
    }

    /// Records that the output has `len` bytes more at the original's `at`.
    pub fn added(&mut self, file: &str, at: u64, len: u64) -> Result<()> {
        self.write(&Record::Added {
            file: file.into(),
            at,
            len,
        })
    }

    /// Closes `file`: the original was `bytes` long with xxh3 `hash`.
    pub fn end(&mut self, file: &str, bytes: u64, hash: u64) -> Result<()> {
        self.write(&Record::End {
            file: file.into(),
            bytes,
            xxh3: hash_hex(hash),
        })
    }

    pub fn unreadable(&mut self, file: &str) -> Result<()> {
        self.write(&Record::Unreadable { file: file.into() })
    }

    pub fn finish(self) -> Result<()> {
        let io = |e| Error::io(&self.path, e);
        self.out
            .finish()
            .map_err(io)?
            .into_inner()
            .map_err(|e| io(e.into_error()))?
            .sync_all()
            .map_err(io)
    }
}
