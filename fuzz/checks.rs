//! The checks the fuzz targets run, one function per target. They live
//! here, outside the targets, so that the test suite replays every input in
//! `fuzz/regressions/<target>/` through the same code on stable Rust.

use neardup::analyze::{Analyzer, Scratch};
use neardup::corpus::{self, Compression, FileKind, Input, InputKind, ReadOptions};
use neardup::text::{segment, Tokenizer, Tokens};
use std::io::Write;
use std::sync::OnceLock;

/// A temporary folder, in memory where the machine has /dev/shm.
fn scratch() -> tempfile::TempDir {
    tempfile::tempdir_in("/dev/shm")
        .or_else(|_| tempfile::tempdir())
        .unwrap()
}

/// The JSONL reader on any bytes, plain or compressed (and so, cut short,
/// broken streams), with a small record limit: it must never panic, every
/// byte read must come back either as a record's line or as a gap, in order,
/// and cutting any span of a record's text from its raw line must leave a
/// valid JSON line whose text is the text with that span cut.
pub fn jsonl_reader(data: &[u8]) {
    let Some((&mode, body)) = data.split_first() else {
        return;
    };
    let dir = scratch();
    let (compression, name, bytes) = match mode % 3 {
        0 => (Compression::None, "x.jsonl", body.to_vec()),
        1 => {
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            gz.write_all(body).unwrap();
            (Compression::Gzip, "x.jsonl.gz", gz.finish().unwrap())
        }
        _ => (
            Compression::Zstd,
            "x.jsonl.zst",
            zstd::encode_all(body, 1).unwrap(),
        ),
    };
    // Some inputs are cut short: a broken stream.
    let bytes = if mode & 0x80 != 0 && compression != Compression::None {
        bytes[..bytes.len() * usize::from(mode & 0x0f) / 16].to_vec()
    } else {
        bytes
    };
    let path = dir.path().join(name);
    std::fs::write(&path, &bytes).unwrap();
    let input = Input {
        path: path.clone(),
        kind: InputKind::File(FileKind::Jsonl(compression)),
    };
    let options = ReadOptions {
        text: "text".into(),
        id: "id".into(),
        max_bytes: 8 + u64::from(mode >> 3 & 0x0f) * 16,
        records: true,
    };
    let seen = std::cell::RefCell::new(Vec::new());
    let mut broken = false;
    let mut records = Vec::new();
    corpus::read_with_gaps(
        &input,
        0,
        &options,
        &mut |doc| {
            if let Ok(doc) = doc {
                let record = doc.record.as_ref().expect("a JSONL document has its line");
                assert_eq!(record.offset, seen.borrow().len() as u64);
                let mut seen = seen.borrow_mut();
                seen.extend_from_slice(record.line.as_bytes());
                if record.newline {
                    seen.push(b'\n');
                }
                records.push(doc);
            }
            Ok(())
        },
        &mut |gap| {
            match gap.bytes {
                Some(b) => {
                    assert!(!broken, "bytes after the stream broke");
                    assert_eq!(gap.offset, seen.borrow().len() as u64);
                    seen.borrow_mut().extend_from_slice(b);
                }
                None => broken = true,
            }
            Ok(())
        },
    )
    .unwrap();
    // A file cut to nothing is an empty file, which holds no records.
    let content = if bytes.is_empty() { &[][..] } else { body };
    if !broken {
        assert_eq!(
            seen.borrow().as_slice(),
            content,
            "every byte accounted for"
        );
    } else {
        assert!(body.starts_with(&seen.borrow()));
    }
    for doc in records {
        let record = doc.record.as_ref().unwrap();
        let text = &doc.text;
        // The reader's fast path and serde agree on what the record says.
        let fields: std::collections::HashMap<String, &serde_json::value::RawValue> =
            serde_json::from_str(&record.line).expect("only JSON objects are records");
        let parsed: String = serde_json::from_str(fields["text"].get()).unwrap();
        assert_eq!(&parsed, text);
        assert_eq!(
            &record.line[record.text_value.clone()],
            fields["text"].get()
        );
        assert!(record.line.len() as u64 <= options.max_bytes);
        let bounds: Vec<usize> = (0..=text.len())
            .filter(|&i| text.is_char_boundary(i))
            .collect();
        let (a, b) = (bounds[bounds.len() / 3], bounds[bounds.len() * 2 / 3]);
        let raw = record.raw_ranges(std::slice::from_ref(&(a..b)));
        let cut = neardup::plan::without(record.line.as_bytes(), &raw);
        // Read back as the reader reads: other fields may hold strings that
        // are JSON but not Unicode (a lone surrogate), which stay as they are.
        let fields: std::collections::HashMap<String, &serde_json::value::RawValue> =
            serde_json::from_slice(&cut).expect("still a JSON object");
        let value: String = serde_json::from_str(fields["text"].get()).expect("still a string");
        assert_eq!(value, format!("{}{}", &text[..a], &text[b..]));
    }
}

/// The tokenizer, segmenter and the whole per-document stage on any text:
/// no panic; tokens and segments are in order, inside the text and on
/// character boundaries; and the document's removals cut into valid UTF-8.
pub fn segment_normalize(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let text = text.as_ref();

    let mut tokens = Tokens::default();
    Tokenizer::new(42).tokenize(text, &mut tokens);
    let mut last = 0;
    for &start in &tokens.starts {
        let start = start as usize;
        assert!(start >= last && start < text.len() && text.is_char_boundary(start));
        last = start;
    }

    let segments = segment(text);
    let mut end = 0;
    for s in &segments {
        assert!(s.start as usize >= end && s.start < s.end && s.end as usize <= text.len());
        assert!(text.is_char_boundary(s.start as usize) && text.is_char_boundary(s.end as usize));
        assert!(!text[s.range()].trim().is_empty());
        end = s.end as usize;
    }

    static ANALYZER: OnceLock<Analyzer> = OnceLock::new();
    let analyzer = ANALYZER.get_or_init(|| {
        let config = neardup::Config {
            min_segment_words: 2,
            ..neardup::Config::default()
        };
        Analyzer::new(&config.validate().unwrap())
    });
    // The first segment stands for a shared line, set aside from the content.
    let shared = neardup::boilerplate::template::SharedLines::from_keys(
        segments
            .first()
            .and_then(|s| {
                neardup::boilerplate::template::key(&text[s.range()], 42, &mut Vec::new())
            })
            .into_iter()
            .collect(),
    );
    let sketch = analyzer.analyze(0, text, &mut Scratch::default(), &shared, None);
    // The census's keys are the keys the analysis computes itself.
    let census = neardup::boilerplate::template::DocKeys::of(text, 42, &mut Vec::new());
    let given = analyzer.analyze(
        0,
        text,
        &mut Scratch::default(),
        &shared,
        Some(census.segments()),
    );
    assert_eq!(given.segments, sketch.segments);
    assert_eq!(given.signature, sketch.signature);
    assert_eq!(sketch.bytes as usize, text.len());
    assert!(sketch.content_words <= sketch.kept_words && sketch.kept_words <= sketch.words);
    assert_eq!(sketch.segments.len(), sketch.removals.len());
    let spans: Vec<_> = sketch.segments.iter().map(|s| s.span).collect();
    let cuts = neardup::plan::cuts(&spans, &sketch.removals);
    let ranges: Vec<_> = cuts.iter().map(|c| c.start..c.end).collect();
    for w in ranges.windows(2) {
        assert!(w[0].end <= w[1].start, "cuts in order and disjoint");
    }
    let cleaned = neardup::plan::without(text.as_bytes(), &ranges);
    assert!(
        std::str::from_utf8(&cleaned).is_ok(),
        "cut on character boundaries"
    );
}

/// The side file for `side`, zstd-compressed. `BOMB`, a count (four bytes,
/// little-endian), a first line and a piece ask for the line, then the piece
/// repeated up to 64 MiB: a small file that decompresses to far more than
/// any record can be.
fn side_file(side: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut encoder = zstd::Encoder::new(Vec::new(), 1).unwrap();
    match side.strip_prefix(b"BOMB") {
        Some(rest) if rest.len() > 4 => {
            let (count, rest) = rest.split_at(4);
            let count = u32::from_le_bytes(count.try_into().unwrap()) as usize;
            let at = rest.iter().position(|&b| b == b'\n').map_or(0, |i| i + 1);
            let (first, piece) = rest.split_at(at);
            encoder.write_all(first).unwrap();
            if piece.is_empty() {
                return encoder.finish().unwrap();
            }
            let count = count.min((64 << 20) / piece.len());
            for _ in 0..count {
                encoder.write_all(piece).unwrap();
            }
        }
        _ => encoder.write_all(side).unwrap(),
    }
    encoder.finish().unwrap()
}

/// `restore` reading a report, a side file and a cleaned copy that may be
/// anything: it must fail with an error or succeed, never panic, and never
/// write outside the folder it was given.
pub fn restore_reader(data: &[u8]) {
    // Three parts: the report's first line, the side file's lines (zstd
    // compressed here, so that the fuzzer works on their JSON), and one
    // cleaned file.
    let mut parts = data.splitn(3, |&b| b == 0xff);
    let (Some(report), Some(side)) = (parts.next(), parts.next()) else {
        return;
    };
    let cleaned_file = parts.next().unwrap_or_default();
    let root = scratch();
    let cleaned = root.path().join("cleaned");
    std::fs::create_dir(&cleaned).unwrap();
    std::fs::write(cleaned.join("report.json"), report).unwrap();
    std::fs::write(cleaned.join("removed.jsonl.zst"), side_file(side)).unwrap();
    std::fs::write(cleaned.join("a.txt"), cleaned_file).unwrap();
    let out = root.path().join("box").join("out");
    std::fs::create_dir(root.path().join("box")).unwrap();
    let _ = neardup::restore::restore(&cleaned.join("report.json"), &cleaned, &out, false);
    // Nothing but the output (or nothing at all) beside it, and nothing new
    // next to the cleaned copy.
    for entry in std::fs::read_dir(root.path().join("box")).unwrap() {
        assert_eq!(entry.unwrap().path(), out);
    }
    let mut names: Vec<_> = std::fs::read_dir(root.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    names.sort();
    assert_eq!(names, ["box", "cleaned"]);
    assert_eq!(std::fs::read_dir(&cleaned).unwrap().count(), 3);
}
