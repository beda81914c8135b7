//! JSONL: one JSON object per line, plain (memory-mapped), gzip or zstd.
//! Each record keeps its original line so that the cleaned copy changes only
//! the text field's value and leaves every other byte as it was.

use super::{utf8_error, Compression, Document, Fields, Gap, Gaps, Sink};
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
    /// Byte offset of the line in the (decompressed) file.
    pub offset: u64,
}

impl JsonRecord {
    /// Byte ranges of `line` that hold the given byte ranges of the decoded
    /// text, which must start and end on character boundaries. Cutting them
    /// from the line leaves a valid JSON string whose value is the text with
    /// those ranges cut, and every other byte as it was: escapes such as
    /// `\u00e9` stay escapes.
    pub fn raw_ranges(&self, ranges: &[Range<usize>]) -> Vec<Range<usize>> {
        let value = &self.line.as_bytes()[self.text_value.clone()];
        // Inside the quotes.
        let body = &value[1..value.len() - 1];
        let base = self.text_value.start + 1;
        let mut bounds = ranges.iter().flat_map(|r| [r.start, r.end]).peekable();
        let mut out_bounds = Vec::with_capacity(ranges.len() * 2);
        let (mut raw, mut decoded) = (0usize, 0usize);
        loop {
            while bounds.peek() == Some(&decoded) {
                bounds.next();
                out_bounds.push(base + raw);
            }
            if raw >= body.len() || bounds.peek().is_none() {
                break;
            }
            let (raw_len, decoded_len) = escaped_char(&body[raw..]);
            raw += raw_len;
            decoded += decoded_len;
        }
        assert!(
            bounds.next().is_none(),
            "cut ranges must lie on character boundaries of the text"
        );
        out_bounds.chunks(2).map(|b| b[0]..b[1]).collect()
    }
}

/// The raw and decoded byte lengths of the first character of a JSON string
/// body (valid JSON, as the parser accepted it).
fn escaped_char(raw: &[u8]) -> (usize, usize) {
    let hex = |at: usize| {
        std::str::from_utf8(&raw[at..at + 4])
            .ok()
            .and_then(|h| u32::from_str_radix(h, 16).ok())
            .expect("the parser accepted this escape")
    };
    match raw[0] {
        b'\\' if raw[1] == b'u' => {
            let unit = hex(2);
            if (0xD800..0xDC00).contains(&unit) {
                // A surrogate pair: one four-byte character.
                (12, 4)
            } else {
                let c = char::from_u32(unit).expect("not a lone surrogate");
                (6, c.len_utf8())
            }
        }
        b'\\' => (2, 1),
        b if b < 0x80 => (1, 1),
        b if b >= 0xF0 => (4, 4),
        b if b >= 0xE0 => (3, 3),
        _ => (2, 2),
    }
}

pub(super) fn read(
    path: &Path,
    compression: Compression,
    input: u32,
    fields: &Fields,
    sink: &mut Sink,
    gaps: &mut Gaps,
) -> Result<()> {
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) => return unreadable(path, Error::io(path, e), sink, gaps),
    };
    let mut offset = 0u64;
    let mut handle = |line_no: u64, chunk: &[u8], sink: &mut Sink, gaps: &mut Gaps| -> Result<()> {
        let at = offset;
        offset += chunk.len() as u64;
        let (bytes, newline) = strip_newline(chunk);
        let gap = |blank| Gap {
            file: path,
            offset: at,
            bytes: Some(chunk),
            blank,
        };
        let parsed = match std::str::from_utf8(bytes) {
            Ok(line) if line.trim().is_empty() => {
                gaps(gap(true));
                return Ok(());
            }
            Ok(line) => parse(path, line_no, line, newline, at, input, fields),
            Err(e) => Err(utf8_error(path, line_no - 1, bytes, e)),
        };
        if parsed.is_err() {
            gaps(gap(false));
        }
        sink(parsed)
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
            for (line_no, chunk) in (1..).zip(map.split_inclusive(|&b| b == b'\n')) {
                handle(line_no, chunk, sink, gaps)?;
            }
            Ok(())
        }
        Compression::Gzip => {
            let decoder = flate2::read::MultiGzDecoder::new(file);
            let result = read_lines(path, decoder, &mut |n, chunk| handle(n, chunk, sink, gaps));
            end_of_stream(path, result, sink, gaps)
        }
        Compression::Zstd => match zstd::Decoder::new(file) {
            Ok(decoder) => {
                let result =
                    read_lines(path, decoder, &mut |n, chunk| handle(n, chunk, sink, gaps));
                end_of_stream(path, result, sink, gaps)
            }
            Err(e) => unreadable(path, Error::io(path, e), sink, gaps),
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
fn end_of_stream(
    path: &Path,
    result: std::result::Result<(), Stop>,
    sink: &mut Sink,
    gaps: &mut Gaps,
) -> Result<()> {
    match result {
        Ok(()) => Ok(()),
        Err(Stop::Sink(e)) => Err(e),
        Err(Stop::Broken(e)) => unreadable(path, e, sink, gaps),
    }
}

/// The rest of the file cannot be read: a gap without bytes, then the error.
fn unreadable(path: &Path, e: Error, sink: &mut Sink, gaps: &mut Gaps) -> Result<()> {
    gaps(Gap {
        file: path,
        offset: 0,
        bytes: None,
        blank: false,
    });
    sink(Err(e))
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
    handle: &mut impl FnMut(u64, &[u8]) -> Result<()>,
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
        handle(line_no, &buf).map_err(Stop::Sink)?;
    }
}

fn parse(
    path: &Path,
    line_no: u64,
    line: &str,
    newline: bool,
    offset: u64,
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
            offset,
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
        let doc = parse(Path::new("f.jsonl"), 3, line, true, 40, 0, &fields()).unwrap();
        assert_eq!(doc.id, "7");
        assert_eq!(doc.text, "a\nb");
        let rec = doc.record.unwrap();
        assert_eq!(rec.offset, 40);
        let raw = rec.raw_ranges(std::slice::from_ref(&(1..3)));
        assert_eq!(&rec.line[raw[0].clone()], "\\nb");
    }

    /// Cutting the raw ranges from the line leaves the cut text, with the
    /// line's own escapes kept.
    #[test]
    fn raw_ranges_follow_escapes() {
        let text = "caf\u{e9} \u{1F600}\n\"q\" \\ / \t\u{e9}t\u{e9}";
        let line = r#"{"text":"caf\u00e9 \ud83d\ude00\n\"q\" \\ \/ \t\u00E9t\u00e9","id":1}"#;
        let doc = parse(Path::new("f.jsonl"), 1, line, false, 0, 0, &fields()).unwrap();
        assert_eq!(doc.text, text);
        let rec = doc.record.unwrap();
        let bounds: Vec<usize> = (0..=text.len())
            .filter(|&i| text.is_char_boundary(i))
            .collect();
        for (i, &a) in bounds.iter().enumerate() {
            for &b in &bounds[i..] {
                let raw = rec.raw_ranges(std::slice::from_ref(&(a..b)));
                let cut = format!("{}{}", &line[..raw[0].start], &line[raw[0].end..]);
                let value: serde_json::Value = serde_json::from_str(&cut).unwrap();
                let expected = format!("{}{}", &text[..a], &text[b..]);
                assert_eq!(value["text"], expected.as_str(), "{a}..{b}");
            }
        }
        // Several ranges at once, touching ones included.
        let raw = rec.raw_ranges(&[0..3, 3..5, 10..11]);
        assert_eq!(raw.len(), 3);
        assert_eq!(&line[raw[0].clone()], "caf");
        assert_eq!(&line[raw[1].clone()], "\\u00e9");
    }

    #[test]
    fn errors_name_file_and_line() {
        let e = parse(
            Path::new("f.jsonl"),
            9,
            "{\"text\": ",
            true,
            0,
            0,
            &fields(),
        )
        .unwrap_err();
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
            0,
            &fields(),
        )
        .unwrap_err();
        assert_eq!(e.to_string(), "f.jsonl:4: no field \"text\"");
    }
}
