//! `neardup restore`: the inputs of a cleaning rebuilt byte for byte from
//! its output, the cleaned copy plus `removed.jsonl.zst` ([`undo`]), and
//! each file checked against the length and hash recorded when it was read.
//!
//! It streams: one file at a time, each read once, so it needs no more
//! memory for a large corpus than for a small one. Compressed JSONL comes
//! back with the same content, compressed again (the compressed bytes depend
//! on the compressor's settings, the content does not).

use crate::corpus::{self, Compression};
use crate::error::{Error, Result};
use crate::output::report;
use crate::output::undo::{self, Record};
use crate::output::{check_destination, Sink};
use crate::staging::{Staging, RESERVED, ROWS_FOLDER, SIDE_FILE};
use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Component, Path, PathBuf};

/// What a restore rebuilt.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Restored {
    /// Files rebuilt.
    pub files: u64,
    /// Bytes written.
    pub bytes: u64,
    /// Files that could not be read when cleaning, so could not be rebuilt.
    pub unreadable: Vec<String>,
    /// What an interrupted earlier restore into the same folder had left,
    /// removed before this one started.
    pub swept: Vec<PathBuf>,
}

/// The longest line of a side file: a removed piece of [`undo::PIECE`]
/// bytes, each written as a six-byte escape at worst, and its fields.
const MAX_RECORD: u64 = 6 * undo::PIECE as u64 + 4096;

/// The report in the output folder `cleaned` of `neardup clean`:
/// `report.json`, or `report.json.zst` when only that one is there.
pub fn report_in(cleaned: &Path) -> PathBuf {
    let plain = cleaned.join(crate::staging::JSON_FILE);
    let compressed = cleaned.join(crate::staging::JSON_ZST_FILE);
    if !plain.exists() && compressed.exists() {
        compressed
    } else {
        plain
    }
}

/// Rebuilds into `out` the inputs of the cleaning whose output folder is
/// `cleaned`; `report` is its `report.json` or `report.json.zst` (and names the side file beside
/// it). `out` must be new or empty, unless `force`.
pub fn restore(report: &Path, cleaned: &Path, out: &Path, force: bool) -> Result<Restored> {
    let inputs = report_inputs(report)?;
    let side = report.with_file_name(SIDE_FILE);
    let bad = |line: u64, message: String| Error::Json {
        path: side.clone(),
        line,
        message,
    };
    let file = fs::File::open(&side).map_err(|e| Error::io(&side, e))?;
    let decoder = zstd::Decoder::new(file).map_err(|e| Error::io(&side, e))?;
    let mut reader = BufReader::new(decoder);
    let mut line = Vec::new();
    let mut next = |line_no: &mut u64| -> Result<Option<Record<'static>>> {
        line.clear();
        // No record is longer than a piece written as JSON escapes: a
        // longer line (a tampered or decompression-bomb side file) is an
        // error, never read whole.
        let n = (&mut reader)
            .take(MAX_RECORD + 1)
            .read_until(b'\n', &mut line)
            .map_err(|e| bad(*line_no + 1, format!("unreadable: {e}")))?;
        if n == 0 {
            return Ok(None);
        }
        *line_no += 1;
        if n as u64 > MAX_RECORD {
            return Err(bad(
                *line_no,
                format!("a line longer than the {MAX_RECORD} bytes a record of neardup can take"),
            ));
        }
        let line = std::str::from_utf8(line.strip_suffix(b"\n").unwrap_or(&line))
            .map_err(|e| bad(*line_no, format!("unreadable: {e}")))?;
        serde_json::from_str(line)
            .map(Some)
            .map_err(|e| bad(*line_no, format!("not a record of neardup: {e}")))
    };
    let mut line_no = 0;
    // Version 1 wrote names as they were; version 2 encodes the bytes of a
    // name that are not UTF-8 ([`undo::encode_name`]).
    let names_encoded = match next(&mut line_no)? {
        Some(Record::Header {
            format,
            format_version,
            inputs: side_inputs,
        }) if format == undo::FORMAT => {
            if !(1..=undo::FORMAT_VERSION).contains(&format_version) {
                return Err(bad(
                    1,
                    format!(
                        "format version {format_version}; this neardup reads 1 to {}",
                        undo::FORMAT_VERSION
                    ),
                ));
            }
            if side_inputs != inputs {
                return Err(bad(
                    1,
                    format!(
                        "written for the inputs {side_inputs:?}, but the report lists {inputs:?}"
                    ),
                ));
            }
            format_version >= 2
        }
        _ => return Err(bad(1, format!("not a {} file", undo::FORMAT))),
    };

    check_destination([cleaned], out, force)?;
    let staging = Staging::new(out)?;
    let mut done = Restored {
        swept: staging.swept.clone(),
        ..Restored::default()
    };
    let mut current: Option<Rebuild> = None;
    while let Some(record) = next(&mut line_no)? {
        crate::interrupt::check()?;
        let name = match &record {
            Record::Header { .. } => return Err(bad(line_no, "a second header".into())),
            Record::Removed { file, .. }
            | Record::Added { file, .. }
            | Record::End { file, .. } => file.to_string(),
            Record::Rows {
                file,
                rows,
                text_field,
                xxh3,
            } => {
                if let Some(r) = &current {
                    return Err(bad(
                        line_no,
                        format!("{} has no end record before {file} starts", r.name),
                    ));
                }
                let rel = safe_relative(file, names_encoded)
                    .filter(|rel| {
                        let top = rel.components().next().map(|c| c.as_os_str());
                        !RESERVED.iter().any(|r| top == Some(r.as_ref()))
                    })
                    .ok_or_else(|| {
                        bad(
                            line_no,
                            format!("{file:?} is not a file name inside the output folder"),
                        )
                    })?;
                done.bytes += crate::output::parquet::rebuild(
                    &cleaned.join(&rel),
                    &cleaned.join(ROWS_FOLDER).join(&rel),
                    &staging.path.join(&rel),
                    *rows,
                    text_field,
                    xxh3,
                )?;
                done.files += 1;
                continue;
            }
            Record::Unreadable { file } => {
                // Bytes read before the file broke off cannot make it whole.
                if let Some(r) = current.take_if(|r| r.name == *file) {
                    r.discard();
                }
                done.unreadable.push(file.to_string());
                continue;
            }
        };
        let rebuild = match &mut current {
            Some(r) if r.name == name => r,
            Some(r) => {
                return Err(bad(
                    line_no,
                    format!("{} has no end record before {name} starts", r.name),
                ))
            }
            None => {
                let rel = safe_relative(&name, names_encoded).ok_or_else(|| {
                    bad(
                        line_no,
                        format!("{name:?} is not a file name inside the output folder"),
                    )
                })?;
                current.insert(Rebuild::open(name, &rel, cleaned, &staging.path)?)
            }
        };
        match record {
            Record::Removed { at, .. } => {
                let bytes = record.removed_bytes().map_err(|m| bad(line_no, m))?;
                rebuild.copy_to(at)?;
                rebuild.put(&bytes)?;
            }
            Record::Added { at, len, .. } => {
                rebuild.copy_to(at)?;
                rebuild.skip(len)?;
            }
            Record::End { bytes, xxh3, .. } => {
                let r = current.take().expect("a file is open");
                done.bytes += r.finish(bytes, &xxh3)?;
                done.files += 1;
            }
            Record::Header { .. } | Record::Unreadable { .. } | Record::Rows { .. } => {
                unreachable!("handled above")
            }
        }
    }
    if let Some(r) = current {
        return Err(bad(line_no, format!("{} has no end record", r.name)));
    }
    staging.commit(out)?;
    Ok(done)
}

/// The input paths a report lists: its first line is everything before the
/// documents, so only that line is read, however large the report.
fn report_inputs(path: &Path) -> Result<Vec<String>> {
    let bad = |message: String| Error::Json {
        path: path.to_path_buf(),
        line: 1,
        message,
    };
    let file = fs::File::open(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        what: "the report of the cleaning to restore (give the output folder of `neardup clean`)",
        source,
    })?;
    let file: Box<dyn Read> = match corpus::compression_of(path) {
        Compression::Zstd => {
            Box::new(zstd::Decoder::new(file).map_err(|e| bad(format!("unreadable: {e}")))?)
        }
        _ => Box::new(file),
    };
    let mut head = String::new();
    BufReader::new(file)
        .take(64 << 20)
        .read_line(&mut head)
        .map_err(|e| bad(format!("unreadable: {e}")))?;
    let head = head
        .trim_end()
        .strip_suffix("\"documents\":[")
        .ok_or_else(|| bad("not a report written by neardup".into()))?;
    let header: serde_json::Value = serde_json::from_str(&format!("{head}\"documents\":[]}}"))
        .map_err(|e| bad(format!("not a report written by neardup: {e}")))?;
    if header["format"] != "neardup-report" {
        return Err(bad("not a report written by neardup".into()));
    }
    // What restore reads of the header (the inputs) is the same in every
    // version since 2.
    let version = header["format_version"].as_u64().unwrap_or(0);
    if !(2..=u64::from(report::FORMAT_VERSION)).contains(&version) {
        return Err(bad(format!(
            "report format version {}; this neardup reads 2 to {}",
            header["format_version"],
            report::FORMAT_VERSION
        )));
    }
    header["inputs"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|i| {
            i["path"]
                .as_str()
                .map(str::to_string)
                .ok_or_else(|| bad("an input without a path".into()))
        })
        .collect()
}

/// One file being rebuilt: its cleaned copy read in order, the original
/// written in order.
struct Rebuild {
    name: String,
    /// The cleaned copy's path, for errors.
    from: PathBuf,
    cleaned: Box<dyn Read>,
    out: Sink,
    out_path: PathBuf,
    /// Bytes of the original written so far, and their hash.
    pos: u64,
    hash: xxhash_rust::xxh3::Xxh3,
    buf: Vec<u8>,
}

impl Rebuild {
    fn open(name: String, rel: &Path, cleaned: &Path, staging: &Path) -> Result<Self> {
        let from = cleaned.join(rel);
        if RESERVED.contains(&name.as_str()) {
            return Err(Error::Restore {
                path: from,
                message: "is one of neardup's own files, not an input".into(),
            });
        }
        let compression = corpus::compression_of(rel);
        // Checked before opening: opening a FIFO would block.
        if fs::metadata(&from).is_ok_and(|m| !m.is_file()) {
            return Err(Error::Restore {
                path: from,
                message:
                    "is not a regular file (a FIFO, a device, a folder); a cleaned copy is a file"
                        .into(),
            });
        }
        let cleaned: Box<dyn Read> = match fs::File::open(&from) {
            Ok(f) => match compression {
                Compression::None => Box::new(f),
                Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(f)),
                Compression::Zstd => {
                    Box::new(zstd::Decoder::new(f).map_err(|e| Error::io(&from, e))?)
                }
            },
            // A file left out of the cleaned copy (a dropped document).
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Box::new(std::io::empty()),
            Err(e) => return Err(Error::io(&from, e)),
        };
        let out_path = staging.join(rel);
        Ok(Rebuild {
            name,
            from,
            cleaned,
            out: Sink::open(&out_path, compression)?,
            out_path,
            pos: 0,
            hash: xxhash_rust::xxh3::Xxh3::new(),
            buf: vec![0; 1 << 16],
        })
    }

    fn changed(&self, message: &str) -> Error {
        Error::Restore {
            path: self.from.clone(),
            message: format!("{message}: the cleaned copy changed after cleaning, or is not the one this report was written with"),
        }
    }

    /// Writes bytes of the original.
    fn put(&mut self, bytes: &[u8]) -> Result<()> {
        self.hash.update(bytes);
        self.pos += bytes.len() as u64;
        self.out
            .write_all(bytes)
            .map_err(|e| Error::io(&self.out_path, e))
    }

    /// Copies the cleaned copy through until the original reaches `at`.
    fn copy_to(&mut self, at: u64) -> Result<()> {
        let Some(n) = at.checked_sub(self.pos) else {
            return Err(self.changed("records out of order"));
        };
        if self.pass(n, true)? != n {
            return Err(self.changed("shorter than recorded"));
        }
        Ok(())
    }

    /// Reads `len` bytes of the cleaned copy that the original lacks.
    fn skip(&mut self, len: u64) -> Result<()> {
        if self.pass(len, false)? != len {
            return Err(self.changed("shorter than recorded"));
        }
        Ok(())
    }

    /// Reads up to `n` bytes of the cleaned copy, writing them as the
    /// original's when `keep`; returns how many there were.
    fn pass(&mut self, n: u64, keep: bool) -> Result<u64> {
        let mut left = n;
        let mut buf = std::mem::take(&mut self.buf);
        let result = (|| {
            while left > 0 {
                let want = left.min(buf.len() as u64) as usize;
                let got = self
                    .cleaned
                    .read(&mut buf[..want])
                    .map_err(|e| Error::io(&self.from, e))?;
                if got == 0 {
                    break;
                }
                if keep {
                    self.put(&buf[..got])?;
                }
                left -= got as u64;
            }
            Ok(n - left)
        })();
        self.buf = buf;
        result
    }

    /// Gives up on the file: what was written of it goes.
    fn discard(self) {
        drop(self.out);
        let _ = fs::remove_file(&self.out_path);
    }

    /// Copies the rest and checks the whole against the recorded length and
    /// hash; returns the length.
    fn finish(mut self, bytes: u64, xxh3: &str) -> Result<u64> {
        // One byte past the recorded length at most: a copy that goes on
        // (a link to /dev/zero) is never written without bound.
        let rest = bytes.saturating_sub(self.pos).saturating_add(1);
        self.pass(rest, true)?;
        if self.pos != bytes || undo::hash_hex(self.hash.digest()) != xxh3 {
            return Err(self.changed(&format!(
                "rebuilt {} bytes that do not match the {bytes} recorded",
                self.pos
            )));
        }
        self.out
            .finish()
            .map_err(|e| Error::io(&self.out_path, e))?;
        Ok(bytes)
    }
}

/// The side file's `name` (decoded when `encoded`) as a relative path that
/// cannot leave the folder it is joined to.
fn safe_relative(name: &str, encoded: bool) -> Option<PathBuf> {
    let path = if encoded {
        undo::decode_name(name)?
    } else {
        PathBuf::from(name)
    };
    let normal = !name.is_empty() && path.components().all(|c| matches!(c, Component::Normal(_)));
    normal.then_some(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_must_stay_inside_the_folder() {
        for encoded in [false, true] {
            assert!(safe_relative("a/b.txt", encoded).is_some());
            for bad in ["", "/etc/passwd", "../x", "a/../../b", "./a", "a//..", "."] {
                assert!(safe_relative(bad, encoded).is_none(), "{bad}");
            }
        }
        // Escapes cannot smuggle a separator or a parent in.
        for bad in ["%2e%2e/x", "a%2f..%2f..%2fb", "%2F", "%zz", "%"] {
            assert!(safe_relative(bad, true).is_none(), "{bad}");
        }
    }
}
