//! `removed.jsonl.zst`, written beside the cleaned copy: every byte the
//! cleaning took out of its inputs (and, with `--annotate`, where it put
//! bytes in), so that [`crate::restore`] can rebuild the inputs byte for byte.
//!
//! One JSON record per line, zstd-compressed. The first is the [`Record::Header`];
//! then, file by file, `removed` and `added` records in the order of their
//! offsets in the original, and an `end` record with the original's length
//! and xxh3 hash, which restore checks. Files are named by their path under
//! the output folder, `/`-separated, its bytes that are not UTF-8 written
//! as `%XX` ([`encode_name`], since format version 2); offsets are in the
//! decompressed file.

use crate::error::{Error, Result};
use base64::Engine;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::fs;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// The side file's format, in its header.
pub const FORMAT: &str = "neardup-removed";
/// Bumped on any incompatible change: 2 encodes names ([`encode_name`]),
/// 3 adds Parquet files ([`Record::Rows`]).
pub const FORMAT_VERSION: u32 = 3;
/// The column of a row's number in [`ROWS_FOLDER`](crate::staging::ROWS_FOLDER) files.
pub const ROW_COLUMN: &str = "_neardup_row";
/// The column that says a row of a [`ROWS_FOLDER`](crate::staging::ROWS_FOLDER) file was kept, cut.
pub const KEPT_COLUMN: &str = "_neardup_kept";
/// The most bytes one `removed` record holds; a longer removal takes several.
pub const PIECE: usize = 1 << 20;

/// One line of the side file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Record<'a> {
    /// The first record: the format, its version, and the inputs.
    Header {
        /// [`FORMAT`].
        format: Cow<'a, str>,
        /// [`FORMAT_VERSION`].
        format_version: u32,
        /// The input paths as the report lists them.
        inputs: Vec<String>,
    },
    /// The output lacks these bytes of the original at offset `at`: UTF-8
    /// in `text`, anything else in `base64`.
    Removed {
        /// The file, by its name under the output folder ([`encode_name`]).
        file: Cow<'a, str>,
        /// Offset in the original.
        at: u64,
        /// The bytes, when they are UTF-8.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        text: Option<Cow<'a, str>>,
        /// The bytes in base64, when they are not UTF-8.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        base64: Option<String>,
    },
    /// The output has `len` bytes that the original lacks, at the original's
    /// offset `at` (an annotation).
    Added {
        /// The file, by its name under the output folder.
        file: Cow<'a, str>,
        /// Offset in the original.
        at: u64,
        /// Bytes added.
        len: u64,
    },
    /// The original was `bytes` long with this xxh3-64 hash (16 hex digits).
    End {
        /// The file, by its name under the output folder.
        file: Cow<'a, str>,
        /// The original's length.
        bytes: u64,
        /// The original's xxh3-64 ([`hash_hex`]).
        xxh3: String,
    },
    /// A Parquet file of `rows` rows, whose text values (field
    /// `text_field`, each followed by the byte 0xFF, which UTF-8 never
    /// holds) hash to `xxh3`. Its kept rows are in the cleaned copy, in
    /// order, their text cut; the rows dropped or cut are, as they were, in
    /// [`ROWS_FOLDER`](crate::staging::ROWS_FOLDER)`/<file>` with two more columns: their row number
    /// from 0 ([`ROW_COLUMN`]) and whether a cut copy of them was kept
    /// ([`KEPT_COLUMN`]). Restore gives the same rows, columns and schema;
    /// the file's bytes depend on the writer, as for compressed JSONL.
    Rows {
        /// The file, by its name under the output folder.
        file: Cow<'a, str>,
        /// Rows in the original.
        rows: u64,
        /// The text column.
        text_field: Cow<'a, str>,
        /// xxh3-64 of the text values ([`hash_hex`]).
        xxh3: String,
    },
    /// An input file that could not be read when cleaning: there is nothing
    /// to rebuild it from.
    Unreadable {
        /// The file, by its name under the output folder.
        file: Cow<'a, str>,
    },
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

/// A file's path under the output folder as the side file names it:
/// `/`-separated, its bytes as they are where they are UTF-8, and as `%XX`
/// where they are not, `%` itself being `%25`. Names that are not UTF-8 are
/// kept exactly, and two of them never meet in one.
pub fn encode_name(rel: &Path) -> String {
    let mut out = String::new();
    for (k, part) in rel.components().enumerate() {
        if k > 0 {
            out.push('/');
        }
        for chunk in os_bytes(part.as_os_str()).utf8_chunks() {
            for c in chunk.valid().chars() {
                match c {
                    '%' => out.push_str("%25"),
                    c => out.push(c),
                }
            }
            for b in chunk.invalid() {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    out
}

/// The path [`encode_name`] gave `name`; None for an escape that is not two
/// hexadecimal digits, or one that stands for `/` or a NUL (a name never
/// holds them).
pub fn decode_name(name: &str) -> Option<PathBuf> {
    let bytes = name.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            let b = u8::from_str_radix(hex, 16).ok()?;
            if b == b'/' || b == 0 {
                return None;
            }
            out.push(b);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    path_from_bytes(out)
}

#[cfg(unix)]
fn os_bytes(s: &std::ffi::OsStr) -> Cow<'_, [u8]> {
    Cow::Borrowed(std::os::unix::ffi::OsStrExt::as_bytes(s))
}

#[cfg(not(unix))]
fn os_bytes(s: &std::ffi::OsStr) -> Cow<'_, [u8]> {
    // Elsewhere names are Unicode; one that is not is written lossily.
    match s.to_string_lossy() {
        Cow::Borrowed(t) => Cow::Borrowed(t.as_bytes()),
        Cow::Owned(t) => Cow::Owned(t.into_bytes()),
    }
}

#[cfg(unix)]
fn path_from_bytes(bytes: Vec<u8>) -> Option<PathBuf> {
    Some(PathBuf::from(
        <std::ffi::OsString as std::os::unix::ffi::OsStringExt>::from_vec(bytes),
    ))
}

#[cfg(not(unix))]
fn path_from_bytes(bytes: Vec<u8>) -> Option<PathBuf> {
    String::from_utf8(bytes).ok().map(PathBuf::from)
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
    /// A side file at `path` for the inputs `inputs` (as the report lists them), its header written.
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

    /// Records a Parquet file of `rows` rows whose text values in `text_field` hash to `hash` ([`Record::Rows`]).
    pub fn rows(&mut self, file: &str, rows: u64, text_field: &str, hash: u64) -> Result<()> {
        self.write(&Record::Rows {
            file: file.into(),
            rows,
            text_field: text_field.into(),
            xxh3: hash_hex(hash),
        })
    }

    /// Records that `file` could not be read.
    pub fn unreadable(&mut self, file: &str) -> Result<()> {
        self.write(&Record::Unreadable { file: file.into() })
    }

    /// Completes the compressed stream and flushes the file.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn names_round_trip_as_bytes() {
        use std::os::unix::ffi::OsStrExt;
        let names: [&[u8]; 5] = [
            b"a/b.txt",
            b"caf\xc3\xa9/x.jsonl",
            b"a\xff.txt",
            b"100%/\xfe%25",
            b"sub/a\xfe.txt",
        ];
        let mut seen = std::collections::HashSet::new();
        for name in names {
            let path = Path::new(std::ffi::OsStr::from_bytes(name));
            let encoded = encode_name(path);
            assert!(seen.insert(encoded.clone()), "{encoded} twice");
            assert_eq!(decode_name(&encoded).as_deref(), Some(path), "{encoded}");
        }
        // UTF-8 names without % are written as they are.
        assert_eq!(
            encode_name(Path::new("caf\u{e9}/x.jsonl")),
            "caf\u{e9}/x.jsonl"
        );
    }
}
