//! JSONL: one JSON object per line, plain (read in 4 MiB buffers, never
//! mapped, so that a file truncated under a run cannot fault), gzip or zstd.
//! Each record keeps its original line so that the cleaned copy changes only
//! the text field's value and leaves every other byte as it was.

use super::{unreadable, utf8_error, Compression, Document, Gap, Gaps, ReadOptions, Sink};
use crate::error::{Error, Result};
use serde_json::value::RawValue;
use std::collections::HashMap;
use std::io::{BufRead, BufReader};
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

/// Reads the JSONL file at `path`, named `name` in its input (the default
/// id of a record without one is `name:line`).
pub(super) fn read(
    path: &Path,
    name: &Path,
    compression: Compression,
    input: u32,
    options: &ReadOptions,
    sink: &mut Sink,
    gaps: &mut Gaps,
) -> Result<()> {
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) => return unreadable(path, Error::io(path, e), sink, gaps),
    };
    let source = JsonlFile {
        path,
        name,
        input,
        options,
    };
    let (mut offset, mut line_no) = (0u64, 0u64);
    let mut handle = |piece: Piece, sink: &mut Sink, gaps: &mut Gaps| -> Result<()> {
        let at = offset;
        let gap = |bytes, blank| Gap {
            file: path,
            offset: at,
            bytes: Some(bytes),
            blank,
        };
        let chunk = match piece {
            Piece::Line(chunk) => chunk,
            Piece::Long(part) => {
                for piece in part.chunks(super::GAP_PIECE) {
                    gaps(Gap {
                        file: path,
                        offset,
                        bytes: Some(piece),
                        blank: false,
                    })?;
                    offset += piece.len() as u64;
                }
                return Ok(());
            }
            Piece::LongEnd(bytes) => {
                line_no += 1;
                return sink(Err(Error::DocumentTooLarge {
                    path: path.to_path_buf(),
                    line: line_no,
                    bytes,
                    limit: options.max_bytes,
                }));
            }
        };
        line_no += 1;
        offset += chunk.len() as u64;
        let (bytes, newline) = strip_newline(chunk);
        let parsed = match std::str::from_utf8(bytes) {
            Ok(line) if line.trim().is_empty() => {
                gaps(gap(chunk, true))?;
                return Ok(());
            }
            Ok(line) => parse(&source, line_no, line, newline, at),
            Err(e) => Err(utf8_error(path, line_no - 1, bytes, e)),
        };
        if parsed.is_err() {
            gaps(gap(chunk, false))?;
        }
        sink(parsed)
    };
    // An empty file holds no records, even one named as compressed.
    match file.metadata() {
        Ok(meta) if meta.len() == 0 => return Ok(()),
        Ok(_) => {}
        Err(e) => return unreadable(path, Error::io(path, e), sink, gaps),
    }
    let max = options.max_bytes;
    let result = match compression {
        Compression::None => {
            // Read, not mapped: a file truncated under a map would fault
            // (SIGBUS); read, it ends early, and the second pass finds it
            // changed.
            let mut reader = BufReader::with_capacity(PLAIN_BUFFER, file);
            split_lines(path, &mut reader, max, &mut |p| handle(p, sink, gaps))
        }
        Compression::Gzip => {
            let decoder = flate2::read::MultiGzDecoder::new(file);
            let mut reader = BufReader::with_capacity(1 << 20, decoder);
            split_lines(path, &mut reader, max, &mut |p| handle(p, sink, gaps))
        }
        Compression::Zstd => match zstd::Decoder::new(file) {
            Ok(decoder) => {
                let mut reader = BufReader::with_capacity(1 << 20, decoder);
                split_lines(path, &mut reader, max, &mut |p| handle(p, sink, gaps))
            }
            Err(e) => return unreadable(path, Error::io(path, e), sink, gaps),
        },
    };
    match result {
        Ok(()) => Ok(()),
        Err(Stop::Sink(e)) => Err(e),
        // A broken stream ends this file: its error goes to the sink, which
        // decides whether the run goes on.
        Err(Stop::Broken(e)) => unreadable(path, e, sink, gaps),
    }
}

/// Bytes of a plain JSONL file read at a time: lines within it are handed
/// over in place.
const PLAIN_BUFFER: usize = 4 << 20;

/// Why reading a stream of lines stopped early.
enum Stop {
    /// The sink said stop.
    Sink(Error),
    /// The stream broke (truncated, corrupt): nothing after it can be read.
    Broken(Error),
}

fn strip_newline(chunk: &[u8]) -> (&[u8], bool) {
    match chunk.strip_suffix(b"\n") {
        Some(bytes) => (bytes, true),
        None => (chunk, false),
    }
}

/// What [`split_lines`] hands over.
#[derive(Debug, PartialEq)]
enum Piece<'a> {
    /// A line, with its `\n` if it has one.
    Line(&'a [u8]),
    /// Part of a line longer than the limit, in order.
    Long(&'a [u8]),
    /// The end of a long line, with its length (its `\n` included).
    LongEnd(u64),
}

/// Splits a stream into lines. A line of at most `max` bytes (its `\n` not
/// counted) is handed over whole, in place when the reader's buffer holds
/// it; a longer one is handed over in pieces of at most the reader's buffer
/// and never held whole, so memory stays bounded whatever the input.
fn split_lines(
    path: &Path,
    reader: &mut impl BufRead,
    max: u64,
    f: &mut dyn FnMut(Piece) -> Result<()>,
) -> std::result::Result<(), Stop> {
    let mut held: Vec<u8> = Vec::new();
    let mut long: Option<u64> = None;
    let mut lines = 0u64;
    let mut give = |piece: Piece| f(piece).map_err(Stop::Sink);
    loop {
        let available = reader.fill_buf().map_err(|e| {
            Stop::Broken(Error::Json {
                path: path.to_path_buf(),
                line: lines + 1,
                message: format!("compressed stream is broken: {e}"),
            })
        })?;
        if available.is_empty() {
            return match long {
                Some(n) => give(Piece::LongEnd(n)),
                None if held.is_empty() => Ok(()),
                None => give(Piece::Line(&held)),
            };
        }
        let newline = memchr::memchr(b'\n', available);
        let take = newline.map_or(available.len(), |i| i + 1);
        let part = &available[..take];
        let content = (held.len() + take - usize::from(newline.is_some())) as u64;
        if let Some(n) = long.as_mut() {
            *n += take as u64;
            give(Piece::Long(part))?;
            if newline.is_some() {
                let n = *n;
                long = None;
                lines += 1;
                give(Piece::LongEnd(n))?;
            }
        } else if content > max {
            if !held.is_empty() {
                give(Piece::Long(&held))?;
            }
            give(Piece::Long(part))?;
            let n = (held.len() + take) as u64;
            held.clear();
            if newline.is_some() {
                lines += 1;
                give(Piece::LongEnd(n))?;
            } else {
                long = Some(n);
            }
        } else if newline.is_some() && held.is_empty() {
            lines += 1;
            give(Piece::Line(part))?;
        } else {
            held.extend_from_slice(part);
            if newline.is_some() {
                lines += 1;
                give(Piece::Line(&held))?;
                held.clear();
            }
        }
        reader.consume(take);
    }
}

/// The JSONL file being read, as [`parse`] needs it.
struct JsonlFile<'a> {
    path: &'a Path,
    /// Its name in its input: records without an id are `name:line`.
    name: &'a Path,
    input: u32,
    options: &'a ReadOptions,
}

fn parse(
    file: &JsonlFile,
    line_no: u64,
    line: &str,
    newline: bool,
    offset: u64,
) -> Result<Document> {
    let options = file.options;
    let fields = super::scan::locate(line.as_bytes(), &options.text, &options.id)
        .and_then(|f| Some((f.text.filter(|t| line.as_bytes()[t.start] == b'"')?, f.id)));
    // A dotted id that the scanner did not find at the top is looked for
    // inside, by serde.
    let fields = fields.filter(|(_, id)| id.is_some() || !options.id.contains('.'));
    let (text_value, text, id) = match fields {
        Some((text_value, id)) => {
            // Escapes only shorten a string: its raw length is room enough.
            let mut text = String::with_capacity(text_value.len());
            if !super::scan::unescape(&line[text_value.clone()], &mut text) {
                return parse_value(file, line_no, line, newline, offset);
            }
            let id = id.map(|r| {
                let raw = &line[r];
                let mut id = String::new();
                if raw.starts_with('"') && super::scan::unescape(raw, &mut id) {
                    id
                } else {
                    raw.to_string()
                }
            });
            (text_value, text, id)
        }
        None => return parse_value(file, line_no, line, newline, offset),
    };
    Ok(document(
        file, line_no, line, newline, offset, text_value, text, id,
    ))
}

/// A record as [`parse`] gives it, from its parts.
#[allow(clippy::too_many_arguments)]
fn document(
    file: &JsonlFile,
    line_no: u64,
    line: &str,
    newline: bool,
    offset: u64,
    text_value: Range<usize>,
    text: String,
    id: Option<String>,
) -> Document {
    let id = id.unwrap_or_else(|| format!("{}:{line_no}", super::slash_path(file.name)));
    Document {
        id,
        input: file.input,
        file: file.path.to_path_buf(),
        line: line_no,
        text,
        original: None,
        record: file.options.records.then(|| JsonRecord {
            line: line.to_string(),
            text_value,
            newline,
            offset,
        }),
    }
}

/// The value of field `path` of a record: the key itself, or a dotted path
/// into nested objects (`meta.text`), where a key with dots in it is
/// matched whole first.
fn field<'a>(object: &HashMap<String, &'a RawValue>, path: &str) -> Option<&'a RawValue> {
    if let Some(v) = object.get(path) {
        return Some(v);
    }
    path.match_indices('.').find_map(|(at, _)| {
        let inner: HashMap<String, &'a RawValue> =
            serde_json::from_str(object.get(&path[..at])?.get()).ok()?;
        field(&inner, &path[at + 1..])
    })
}

/// The error for a record without the text field: it names the fields the
/// record has (sorted, the first 20), so that `--text-field` can be set.
fn missing_field<'a>(field: &str, keys: impl Iterator<Item = &'a String>) -> String {
    let mut keys: Vec<&String> = keys.collect();
    keys.sort();
    let n = keys.len();
    let shown: Vec<String> = keys
        .iter()
        .take(20)
        .map(|k| serde_json::to_string(k).expect("a string serialises"))
        .collect();
    let more = if n > 20 {
        format!(" and {} more", n - 20)
    } else {
        String::new()
    };
    match n {
        0 => format!("no field \"{field}\": the record is an empty object"),
        _ => format!(
            "no field \"{field}\"; the record's fields are {}{more} (choose one with --text-field)",
            shown.join(", ")
        ),
    }
}

/// [`parse`] through a JSON value: the lines the scanner leaves to serde,
/// and the errors it reports.
fn parse_value(
    file: &JsonlFile,
    line_no: u64,
    line: &str,
    newline: bool,
    offset: u64,
) -> Result<Document> {
    let (path, options) = (file.path, file.options);
    let err = |message: String| Error::Json {
        path: path.to_path_buf(),
        line: line_no,
        message,
    };
    let object: HashMap<String, &RawValue> =
        serde_json::from_str(line).map_err(|e| err(format!("not a JSON object: {e}")))?;
    let raw = field(&object, &options.text)
        .ok_or_else(|| err(missing_field(&options.text, object.keys())))?;
    let text: String = match serde_json::from_str(raw.get()) {
        Ok(text) => text,
        Err(_) if !raw.get().starts_with('"') => {
            return Err(err(format!("field \"{}\" is not a string", options.text)))
        }
        // The only JSON string that is not Unicode text.
        Err(_) => {
            return Err(err(format!(
                "field \"{}\" holds a lone surrogate escape (such as \\ud800), which is not Unicode text",
                options.text
            )))
        }
    };
    let start = raw.get().as_ptr() as usize - line.as_ptr() as usize;
    let id = field(&object, &options.id).map(|v| match serde_json::from_str::<String>(v.get()) {
        Ok(s) => s,
        Err(_) => v.get().to_string(),
    });
    Ok(document(
        file,
        line_no,
        line,
        newline,
        offset,
        start..start + raw.get().len(),
        text,
        id,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields() -> ReadOptions {
        ReadOptions {
            text: "text".into(),
            id: "id".into(),
            max_bytes: 1 << 20,
            records: true,
        }
    }

    /// `f.jsonl`, read with `options`.
    fn file(options: &ReadOptions) -> JsonlFile<'_> {
        let path = Path::new("f.jsonl");
        JsonlFile {
            path,
            name: path,
            input: 0,
            options,
        }
    }

    /// [`parse`] on line `line_no` of `f.jsonl`.
    fn parse_at(line_no: u64, line: &str, newline: bool, offset: u64) -> Result<Document> {
        parse(&file(&fields()), line_no, line, newline, offset)
    }

    /// The fast path and the JSON value agree on every record either reads.
    #[test]
    fn scanned_and_parsed_records_agree() {
        for line in [
            r#"{"id": 7, "text" : "a\nb", "meta": {"x": [1, 2]}}"#,
            r#"{"text":"caf\u00e9 \ud83d\ude00","id":"x\"y"}"#,
            r#"{"text":"no id"}"#,
            r#"{"text":"lone id","id":"\ud800"}"#,
            r#"{"text":"n","id":[1, {"a": null}]}"#,
        ] {
            let fields = fields();
            let file = file(&fields);
            let fast = parse(&file, 1, line, true, 0).unwrap();
            let slow = parse_value(&file, 1, line, true, 0).unwrap();
            assert_eq!((&fast.id, &fast.text), (&slow.id, &slow.text), "{line}");
            let (f, s) = (fast.record.unwrap(), slow.record.unwrap());
            assert_eq!((f.line, f.text_value), (s.line, s.text_value), "{line}");
        }
    }

    #[test]
    fn dotted_fields_reach_into_nested_objects() {
        let options = ReadOptions {
            text: "meta.body.text".into(),
            id: "meta.id".into(),
            ..fields()
        };
        let file = file(&options);
        let line = r#"{"meta": {"id": "x7", "body": {"text": "deep \u00e9"}}, "text": "top"}"#;
        let doc = parse(&file, 1, line, true, 0).unwrap();
        assert_eq!((doc.id.as_str(), doc.text.as_str()), ("x7", "deep \u{e9}"));
        let rec = doc.record.unwrap();
        assert_eq!(&rec.line[rec.text_value.clone()], r#""deep \u00e9""#);
        // A key with the dots in it is matched whole first.
        let line = r#"{"meta.body.text": "flat", "meta": {"body": {"text": "deep"}}}"#;
        assert_eq!(parse(&file, 1, line, true, 0).unwrap().text, "flat");
        let e = parse(&file, 3, r#"{"meta": {"body": 5}}"#, true, 0).unwrap_err();
        assert!(e.to_string().contains("no field \"meta.body.text\""), "{e}");
    }

    #[test]
    fn replaces_only_the_text_value() {
        let line = r#"{"id": 7, "text" : "a\nb", "meta": {"x": [1, 2]}}"#;
        let doc = parse_at(3, line, true, 40).unwrap();
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
        let doc = parse_at(1, line, false, 0).unwrap();
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
        let e = parse_at(9, "{\"text\": ", true, 0).unwrap_err();
        assert!(
            e.to_string().starts_with("f.jsonl:9: not a JSON object"),
            "{e}"
        );
        let e = parse_at(2, r#"{"text": 5}"#, true, 0).unwrap_err();
        assert_eq!(e.to_string(), "f.jsonl:2: field \"text\" is not a string");
        let e = parse_at(4, r#"{"body": "x"}"#, true, 0).unwrap_err();
        assert_eq!(
            e.to_string(),
            "f.jsonl:4: no field \"text\"; the record's fields are \"body\" (choose one with --text-field)"
        );
    }

    /// Lines come whole up to the limit and in pieces past it, whatever the
    /// reader's buffer, and together they are the input.
    #[test]
    fn split_lines_bounds_every_line() {
        use proptest::prelude::*;
        let lines = proptest::collection::vec(
            (proptest::collection::vec(b'a'..=b'c', 0..40), any::<bool>()),
            0..12,
        );
        proptest!(|(lines in lines, max in 0u64..30, capacity in 1usize..16)| {
            let mut input = Vec::new();
            for (k, (line, newline)) in lines.iter().enumerate() {
                input.extend_from_slice(line);
                if *newline || k + 1 < lines.len() {
                    input.push(b'\n');
                }
            }
            let mut reader = BufReader::with_capacity(capacity, &input[..]);
            let mut got = Vec::new();
            let mut out: Vec<(Vec<u8>, bool)> = Vec::new();
            let mut long = Vec::new();
            split_lines(Path::new("f"), &mut reader, max, &mut |p| {
                match p {
                    Piece::Line(l) => {
                        got.extend_from_slice(l);
                        out.push((l.to_vec(), false));
                    }
                    Piece::Long(part) => {
                        got.extend_from_slice(part);
                        long.extend_from_slice(part);
                    }
                    Piece::LongEnd(n) => {
                        assert_eq!(n, long.len() as u64);
                        out.push((std::mem::take(&mut long), true));
                    }
                }
                Ok(())
            })
            .map_err(|_| "no error")
            .unwrap();
            prop_assert_eq!(&got, &input);
            let expected: Vec<&[u8]> = input.split_inclusive(|&b| b == b'\n').collect();
            prop_assert_eq!(out.len(), expected.len());
            for ((line, was_long), want) in out.iter().zip(expected) {
                prop_assert_eq!(&line[..], want);
                let content = want.strip_suffix(b"\n").unwrap_or(want).len() as u64;
                prop_assert_eq!(*was_long, content > max);
            }
        });
    }
}
