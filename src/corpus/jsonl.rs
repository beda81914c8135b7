//! JSONL: one JSON object per line, plain (memory-mapped), gzip or zstd.
//! Each record keeps its original line so that the cleaned copy changes only
//! the text field's value and leaves every other byte as it was.

use super::{utf8_error, Compression, Document, Fields, Sink};
use crate::error::{Error, Result};
use serde_json::value::RawValue;
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read};
use std::ops::Range;
use std::path::Path;

/// The original line of a JSONL record.
#[derive(Debug, Clone)]
pub struct JsonRecord {
    /// The line without its `\n`.
    pub line: String,
    /// Byte range of the text field's JSON value (quotes included) in `line`.
    pub text_value: Range<usize>,
    /// Whether the line ended with `\n` in the input.
    pub newline: bool,
}

impl JsonRecord {
    /// The line with the text field's value replaced by `text`.
    pub fn with_text(&self, text: &str) -> String {
        let encoded = serde_json::to_string(text).expect("a string always serialises");
        let mut out = String::with_capacity(self.line.len() + encoded.len());
        out.push_str(&self.line[..self.text_value.start]);
        out.push_str(&encoded);
        out.push_str(&self.line[self.text_value.end..]);
        out
    }
}

pub(super) fn read(
    path: &Path,
    compression: Compression,
    input: u32,
    fields: &Fields,
    sink: &mut Sink,
) -> Result<()> {
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) => return sink(Err(Error::io(path, e))),
    };
    let mut handle = |line_no: u64, bytes: &[u8], newline: bool| -> Result<()> {
        let line = match std::str::from_utf8(bytes) {
            Ok(line) => line,
            Err(e) => return sink(Err(utf8_error(path, line_no - 1, bytes, e))),
        };
        if line.trim().is_empty() {
            return Ok(());
        }
        sink(parse(path, line_no, line, newline, input, fields))
    };
    match compression {
        Compression::None => {
            let len = file.metadata().map_err(|e| Error::io(path, e))?.len();
            if len == 0 {
                return Ok(());
            }
            // SAFETY: the map is read-only and private to this process; a file
            // truncated under us would fault, as with any mmap reader, and the
            // second pass checks that every document is unchanged.
            let map = unsafe { memmap2::Mmap::map(&file) }.map_err(|e| Error::io(path, e))?;
            let mut line_no = 0;
            for chunk in map.split_inclusive(|&b| b == b'\n') {
                line_no += 1;
                let (bytes, newline) = strip_newline(chunk);
                handle(line_no, bytes, newline)?;
            }
            Ok(())
        }
        Compression::Gzip => {
            let decoder = flate2::read::MultiGzDecoder::new(file);
            let result = read_lines(path, decoder, &mut handle);
            end_of_stream(result, sink)
        }
        Compression::Zstd => match zstd::Decoder::new(file) {
            Ok(decoder) => {
                let result = read_lines(path, decoder, &mut handle);
                end_of_stream(result, sink)
            }
            Err(e) => sink(Err(Error::io(path, e))),
        },
    }
}

/// Why reading a stream of lines stopped early.
enum Stop {
    /// The sink said stop.
    Sink(Error),
    /// The stream broke (truncated, corrupt): nothing after it can be read.
    Broken(Error),
}

/// A broken stream ends this file: its error goes to the sink, which decides
/// whether the run goes on.
fn end_of_stream(result: std::result::Result<(), Stop>, sink: &mut Sink) -> Result<()> {
    match result {
        Ok(()) => Ok(()),
        Err(Stop::Sink(e)) => Err(e),
        Err(Stop::Broken(e)) => sink(Err(e)),
    }
}

fn strip_newline(chunk: &[u8]) -> (&[u8], bool) {
    match chunk.strip_suffix(b"\n") {
        Some(bytes) => (bytes, true),
        None => (chunk, false),
    }
}

fn read_lines(
    path: &Path,
    reader: impl Read,
    handle: &mut impl FnMut(u64, &[u8], bool) -> Result<()>,
) -> std::result::Result<(), Stop> {
    let mut reader = BufReader::with_capacity(1 << 20, reader);
    let mut buf = Vec::new();
    let mut line_no = 0;
    loop {
        buf.clear();
        let n = reader.read_until(b'\n', &mut buf).map_err(|e| {
            Stop::Broken(Error::Json {
                path: path.to_path_buf(),
                line: line_no + 1,
                message: format!("compressed stream is broken: {e}"),
            })
        })?;
        if n == 0 {
            return Ok(());
        }
        line_no += 1;
        let (bytes, newline) = strip_newline(&buf);
        handle(line_no, bytes, newline).map_err(Stop::Sink)?;
    }
}

fn parse(
    path: &Path,
    line_no: u64,
    line: &str,
    newline: bool,
    input: u32,
    fields: &Fields,
) -> Result<Document> {
    let err = |message: String| Error::Json {
        path: path.to_path_buf(),
        line: line_no,
        message,
    };
    let object: HashMap<String, &RawValue> =
        serde_json::from_str(line).map_err(|e| err(format!("not a JSON object: {e}")))?;
    let raw = object
        .get(&fields.text)
        .ok_or_else(|| err(format!("no field \"{}\"", fields.text)))?;
    let text: String = serde_json::from_str(raw.get())
        .map_err(|_| err(format!("field \"{}\" is not a string", fields.text)))?;
    if text.len() as u64 > u32::MAX as u64 {
        return Err(Error::DocumentTooLarge {
            path: path.to_path_buf(),
            line: line_no,
            bytes: text.len() as u64,
        });
    }
    let start = raw.get().as_ptr() as usize - line.as_ptr() as usize;
    let id = match object.get(&fields.id) {
        Some(v) => match serde_json::from_str::<String>(v.get()) {
            Ok(s) => s,
            Err(_) => v.get().to_string(),
        },
        None => format!(
            "{}:{line_no}",
            path.file_name().unwrap_or_default().to_string_lossy()
        ),
    };
    Ok(Document {
        id,
        input,
        file: path.to_path_buf(),
        line: line_no,
        text,
        record: Some(JsonRecord {
            line: line.to_string(),
            text_value: start..start + raw.get().len(),
            newline,
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields() -> Fields {
        Fields {
            text: "text".into(),
            id: "id".into(),
        }
    }

    #[test]
    fn replaces_only_the_text_value() {
        let line = r#"{"id": 7, "text" : "a\nb", "meta": {"x": [1, 2]}}"#;
        let doc = parse(Path::new("f.jsonl"), 3, line, true, 0, &fields()).unwrap();
        assert_eq!(doc.id, "7");
        assert_eq!(doc.text, "a\nb");
        let rec = doc.record.unwrap();
        // Re-encoding the unchanged text gives the line back byte for byte.
        assert_eq!(rec.with_text(&doc.text), line);
        assert_eq!(
            rec.with_text("a"),
            r#"{"id": 7, "text" : "a", "meta": {"x": [1, 2]}}"#
        );
    }

    #[test]
    fn errors_name_file_and_line() {
        let e = parse(Path::new("f.jsonl"), 9, "{\"text\": ", true, 0, &fields()).unwrap_err();
        assert!(
            e.to_string().starts_with("f.jsonl:9: not a JSON object"),
            "{e}"
        );
        let e = parse(
            Path::new("f.jsonl"),
            2,
            r#"{"text": 5}"#,
            true,
            0,
            &fields(),
        )
        .unwrap_err();
        assert_eq!(e.to_string(), "f.jsonl:2: field \"text\" is not a string");
        let e = parse(
            Path::new("f.jsonl"),
            4,
            r#"{"body": "x"}"#,
            true,
            0,
            &fields(),
        )
        .unwrap_err();
        assert_eq!(e.to_string(), "f.jsonl:4: no field \"text\"");
    }
}
