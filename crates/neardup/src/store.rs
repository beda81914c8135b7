//! The first pass's results per document, kept on disk in input order for
//! the second pass: the segments with their template keys and line facts, and
//! the removals the in-document rules decided. Written and read strictly in
//! sequence, so memory holds one document at a time however large the
//! corpus. The file is deleted when the store is dropped.

use crate::analyze::DocSketch;
use crate::boilerplate::structural::LineFacts;
use crate::error::{Error, Result};
use crate::removal::{Removal, Rule, Twin};
use crate::text::Segment;
use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

/// One segment as the second pass needs it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SegmentLocal {
    /// Its byte span.
    pub span: Segment,
    /// Its normalised words.
    pub words: u32,
    /// Corpus-template key.
    pub template: u64,
    /// What the plan-stage rules need of it.
    pub facts: LineFacts,
}

/// One document as the second pass needs it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LocalRecord {
    /// xxh3 of the text, to check that the second read sees the same.
    pub text_hash: u64,
    /// Size of the text in bytes.
    pub bytes: u32,
    /// The input it came from.
    pub input: u32,
    /// Its line (JSONL, text files: 1) or row (Parquet), from 1.
    pub line: u64,
    /// Normalised words in the whole document.
    pub words: u32,
    /// Words the in-document rules keep, and the content's words among
    /// them: what the document was compared on.
    pub kept_words: u32,
    /// Of those, the content's words.
    pub content_words: u32,
    /// Its segments, in order.
    pub segments: Vec<SegmentLocal>,
    /// Removals decided inside the document, by segment.
    pub removals: Vec<(u32, Removal)>,
}

impl LocalRecord {
    /// What the second pass needs of one document from its first-pass
    /// [`DocSketch`], read from input `input` at `line`.
    pub fn of(sketch: &DocSketch, input: u32, line: u64) -> LocalRecord {
        let segments = sketch
            .segments
            .iter()
            .enumerate()
            .map(|(i, s)| SegmentLocal {
                span: s.span,
                words: s.words,
                template: s.template,
                facts: sketch.facts.get(i).copied().unwrap_or_default(),
            })
            .collect();
        let removals = sketch
            .removals
            .iter()
            .enumerate()
            .filter_map(|(i, r)| r.map(|r| (i as u32, r)))
            .collect();
        LocalRecord {
            text_hash: sketch.text_hash,
            bytes: sketch.bytes,
            input,
            line,
            words: sketch.words,
            kept_words: sketch.kept_words,
            content_words: sketch.content_words,
            segments,
            removals,
        }
    }

    /// Whether `text` is the (UTF-8) text this record was made from.
    pub fn is_of(&self, text: &str) -> bool {
        xxhash_rust::xxh3::xxh3_64(text.as_bytes()) == self.text_hash
    }

    /// Appends the record's bytes (little-endian fields) to `b`: the
    /// store's format, and what the Spark job carries from its sketch stage
    /// to its cut stage.
    pub fn encode(&self, b: &mut Vec<u8>) {
        b.extend_from_slice(&self.text_hash.to_le_bytes());
        b.extend_from_slice(&self.bytes.to_le_bytes());
        b.extend_from_slice(&self.input.to_le_bytes());
        b.extend_from_slice(&self.line.to_le_bytes());
        b.extend_from_slice(&self.words.to_le_bytes());
        b.extend_from_slice(&self.kept_words.to_le_bytes());
        b.extend_from_slice(&self.content_words.to_le_bytes());
        b.extend_from_slice(&(self.segments.len() as u32).to_le_bytes());
        for s in &self.segments {
            b.extend_from_slice(&s.span.start.to_le_bytes());
            b.extend_from_slice(&s.span.end.to_le_bytes());
            b.extend_from_slice(&s.words.to_le_bytes());
            b.extend_from_slice(&s.template.to_le_bytes());
            b.extend_from_slice(&s.facts.to_bytes());
        }
        b.extend_from_slice(&(self.removals.len() as u32).to_le_bytes());
        for (seg, rem) in &self.removals {
            b.extend_from_slice(&seg.to_le_bytes());
            b.push(rem.rule.code());
            b.extend_from_slice(&rem.occurrences.to_le_bytes());
            b.extend_from_slice(&rem.user_rule.unwrap_or(u32::MAX).to_le_bytes());
            match rem.twin {
                None => b.push(0),
                Some(t) => {
                    b.push(1);
                    b.extend_from_slice(&t.doc.to_le_bytes());
                    b.extend_from_slice(&t.segment.to_le_bytes());
                    b.extend_from_slice(&t.similarity.to_le_bytes());
                    b.extend_from_slice(&t.start.to_le_bytes());
                    b.extend_from_slice(&t.end.to_le_bytes());
                }
            }
        }
    }

    /// The record [`LocalRecord::encode`] wrote into `bytes`; `None` when
    /// they are not one whole record.
    pub fn decode(bytes: &[u8]) -> Option<LocalRecord> {
        let mut c = Cursor(bytes);
        let mut r = LocalRecord {
            text_hash: c.u64()?,
            bytes: c.u32()?,
            input: c.u32()?,
            line: c.u64()?,
            words: c.u32()?,
            kept_words: c.u32()?,
            content_words: c.u32()?,
            ..LocalRecord::default()
        };
        let n = c.u32()? as usize;
        r.segments.reserve(n.min(bytes.len()));
        for _ in 0..n {
            r.segments.push(SegmentLocal {
                span: Segment {
                    start: c.u32()?,
                    end: c.u32()?,
                },
                words: c.u32()?,
                template: c.u64()?,
                facts: LineFacts::from_bytes(c.take()?),
            });
        }
        let n = c.u32()? as usize;
        for _ in 0..n {
            let seg = c.u32()?;
            let rule = Rule::from_code(c.u8()?)?;
            let occurrences = c.u32()?;
            let user_rule = Some(c.u32()?).filter(|&u| u != u32::MAX);
            let twin = match c.u8()? {
                0 => None,
                1 => Some(Twin {
                    doc: c.u32()?,
                    segment: c.u32()?,
                    similarity: c.f32()?,
                    start: c.u32()?,
                    end: c.u32()?,
                }),
                _ => return None,
            };
            r.removals.push((
                seg,
                Removal {
                    twin,
                    occurrences,
                    user_rule,
                    ..Removal::new(rule)
                },
            ));
        }
        c.0.is_empty().then_some(r)
    }
}

/// Appends records to the store file.
pub struct StoreWriter {
    out: BufWriter<File>,
    path: PathBuf,
    buf: Vec<u8>,
}

impl StoreWriter {
    /// A new store file in `dir`.
    pub fn create(dir: &Path) -> Result<StoreWriter> {
        let path = dir.join(format!("neardup-documents-{}.store", std::process::id()));
        let file = File::create(&path).map_err(|e| Error::io(&path, e))?;
        Ok(StoreWriter {
            out: BufWriter::with_capacity(1 << 20, file),
            path,
            buf: Vec::new(),
        })
    }

    /// Appends one record.
    pub fn write(&mut self, r: &LocalRecord) -> Result<()> {
        self.buf.clear();
        r.encode(&mut self.buf);
        self.out
            .write_all(&(self.buf.len() as u64).to_le_bytes())
            .and_then(|()| self.out.write_all(&self.buf))
            .map_err(|e| Error::io(&self.path, e))
    }

    /// Finishes writing; the store is read from the start.
    pub fn finish(mut self) -> Result<Store> {
        self.out.flush().map_err(|e| Error::io(&self.path, e))?;
        Ok(Store {
            path: std::mem::take(&mut self.path),
        })
    }
}

impl Drop for StoreWriter {
    fn drop(&mut self) {
        if !self.path.as_os_str().is_empty() {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// A finished store; [`Store::reader`] reads it from the start, any number
/// of times.
#[derive(Debug)]
pub struct Store {
    path: PathBuf,
}

impl Store {
    /// A reader from the first record.
    pub fn reader(&self) -> Result<StoreReader> {
        let file = File::open(&self.path).map_err(|e| Error::io(&self.path, e))?;
        Ok(StoreReader {
            input: BufReader::with_capacity(1 << 20, file),
            path: self.path.clone(),
            buf: Vec::new(),
        })
    }
}

impl Drop for Store {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Reads a store's records in order.
pub struct StoreReader {
    input: BufReader<File>,
    path: PathBuf,
    buf: Vec<u8>,
}

/// Little-endian fields off the front of a byte slice.
struct Cursor<'a>(&'a [u8]);

impl Cursor<'_> {
    fn take<const N: usize>(&mut self) -> Option<[u8; N]> {
        let (head, rest) = self.0.split_at_checked(N)?;
        self.0 = rest;
        head.try_into().ok()
    }
    fn u8(&mut self) -> Option<u8> {
        self.take::<1>().map(|[b]| b)
    }
    fn u32(&mut self) -> Option<u32> {
        self.take().map(u32::from_le_bytes)
    }
    fn u64(&mut self) -> Option<u64> {
        self.take().map(u64::from_le_bytes)
    }
    fn f32(&mut self) -> Option<f32> {
        self.take().map(f32::from_le_bytes)
    }
}

impl StoreReader {
    /// The next record, or None at the end.
    pub fn next_record(&mut self) -> Result<Option<LocalRecord>> {
        let mut len = [0u8; 8];
        match self.input.read_exact(&mut len) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
            Err(e) => return Err(Error::io(&self.path, e)),
        }
        self.buf.resize(u64::from_le_bytes(len) as usize, 0);
        self.input
            .read_exact(&mut self.buf)
            .map_err(|e| Error::io(&self.path, e))?;
        LocalRecord::decode(&self.buf)
            .map(Some)
            .ok_or_else(|| Error::Output {
                path: self.path.clone(),
                message: "corrupt document store".into(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let mut w = StoreWriter::create(dir.path()).unwrap();
        let a = LocalRecord {
            text_hash: 7,
            bytes: 100,
            input: 2,
            line: 41,
            words: 120,
            kept_words: 90,
            content_words: 60,
            segments: vec![SegmentLocal {
                span: Segment { start: 3, end: 9 },
                words: 2,
                template: u64::MAX - 1,
                facts: LineFacts::default(),
            }],
            removals: vec![
                (0, Removal::new(Rule::Byline)),
                (
                    0,
                    Removal::with_twin(
                        Rule::NearRepeat,
                        Twin {
                            doc: 5,
                            segment: 1,
                            similarity: 0.75,
                            start: 8,
                            end: 13,
                        },
                    ),
                ),
            ],
        };
        let b = LocalRecord::default();
        w.write(&a).unwrap();
        w.write(&b).unwrap();
        let store = w.finish().unwrap();
        for _ in 0..2 {
            let mut r = store.reader().unwrap();
            assert_eq!(r.next_record().unwrap(), Some(a.clone()));
            assert_eq!(r.next_record().unwrap(), Some(b.clone()));
            assert_eq!(r.next_record().unwrap(), None);
        }
        drop(store);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
        // Bytes that are not one whole record are refused, never misread.
        let mut bytes = Vec::new();
        a.encode(&mut bytes);
        assert_eq!(LocalRecord::decode(&bytes), Some(a.clone()));
        for end in [0, 1, 30, bytes.len() - 1] {
            assert_eq!(LocalRecord::decode(&bytes[..end]), None, "{end}");
        }
        bytes.push(0);
        assert_eq!(LocalRecord::decode(&bytes), None);
    }
}
