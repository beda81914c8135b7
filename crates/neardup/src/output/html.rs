//! `report.html`: the report as one self-contained page (no network, no
//! external scripts or fonts) with charts, a searchable list of documents,
//! each document's text with its removed spans struck through, and each
//! dropped duplicate beside the document it duplicates, differences marked.
//!
//! Written as a stream beside `report.json`. Each document's report entry
//! goes into the page as one line of an inert `text/plain` script, parsed
//! only when the document is shown, so a page of 100k documents opens as
//! fast as its overview draws. The texts needed to show removals and
//! duplicates are embedded up to [`TEXT_BUDGET`] bytes; past it a document
//! shows its removed spans only, and `report.json` stays the full record.

use super::report::{Footer, Header, Summary, TemplateEntry};
use crate::pipeline::Analysis;
use crate::removal::{Fate, Original, Rule};
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::{self, Write};

/// Bytes of document text embedded in the page, at most.
pub const TEXT_BUDGET: usize = 64 << 20;

const TEMPLATE: &str = include_str!("report.html");
const DOCS_MARK: &str = "<!--DOCS-->";
const META_MARK: &str = "<!--META-->";

/// Columns of the document list, one entry per document.
#[derive(Default, Serialize)]
struct Index {
    id: Vec<String>,
    /// Distinct source files, and each document's position in it.
    file: Vec<String>,
    source: Vec<u32>,
    /// `k` kept, `d` dropped, one character per document.
    status: String,
    removed: Vec<u32>,
    bytes_removed: Vec<u64>,
    bytes: Vec<u64>,
    /// The document each one duplicates, or -1.
    duplicate_of: Vec<i64>,
}

#[derive(Serialize)]
struct Meta<'a> {
    #[serde(flatten)]
    header: Header<'a>,
    #[serde(flatten)]
    footer: Footer<'a>,
    index: &'a Index,
    rule_kinds: BTreeMap<Rule, crate::removal::Kind>,
}

/// One document as the page needs it.
pub struct HtmlDocument<'a> {
    /// The document's id.
    pub id: &'a str,
    /// The file it was read from.
    pub file: &'a str,
    /// Its original text.
    pub text: &'a str,
    /// Kept or dropped.
    pub fate: Fate,
    /// Its report entry (one line of JSON).
    pub entry: &'a str,
    /// Segments removed from it.
    pub spans_removed: usize,
    /// Bytes removed from it.
    pub bytes_removed: usize,
    /// Whether a rule flagged some of it without removing it.
    pub flagged: bool,
}

/// Writes `report.html`: [`HtmlWriter::begin`], one [`HtmlWriter::document`]
/// per document in order, [`HtmlWriter::finish`].
pub struct HtmlWriter<'a, W: Write> {
    out: W,
    analysis: &'a Analysis,
    index: Index,
    has_duplicates: Vec<bool>,
    budget: usize,
    tail: &'static str,
}

impl<'a, W: Write> HtmlWriter<'a, W> {
    /// Writes the page's head and the run's header to `out`.
    pub fn begin(mut out: W, analysis: &'a Analysis) -> io::Result<Self> {
        let (head, tail) = TEMPLATE
            .split_once(DOCS_MARK)
            .expect("the template has DOCS");
        out.write_all(head.as_bytes())?;
        Ok(HtmlWriter {
            out,
            analysis,
            index: Index::default(),
            has_duplicates: analysis.has_duplicates(),
            budget: TEXT_BUDGET,
            tail,
        })
    }

    /// Adds one document to the page.
    pub fn document(&mut self, d: &HtmlDocument) -> io::Result<()> {
        let i = self.index.id.len();
        let ix = &mut self.index;
        ix.id.push(d.id.to_string());
        if ix.file.last().map(String::as_str) != Some(d.file) {
            ix.file.push(d.file.to_string());
        }
        ix.source.push(ix.file.len() as u32 - 1);
        ix.removed.push(d.spans_removed as u32);
        ix.bytes_removed.push(d.bytes_removed as u64);
        ix.bytes.push(d.text.len() as u64);
        match d.fate {
            Fate::Kept => {
                ix.status.push('k');
                ix.duplicate_of.push(-1);
            }
            Fate::Dropped { of, .. } => {
                ix.status.push('d');
                // A document of an index is not on the page.
                ix.duplicate_of.push(match of {
                    Original::Run(of) => i64::from(of),
                    Original::Indexed(_) => -1,
                });
            }
        }
        let wanted = d.spans_removed > 0
            || d.flagged
            || matches!(d.fate, Fate::Dropped { .. })
            || self.has_duplicates.get(i).copied().unwrap_or(false);
        let text = if wanted && d.text.len() <= self.budget {
            self.budget -= d.text.len();
            Some(d.text)
        } else {
            None
        };
        let text = serde_json::to_string(&text).map_err(io::Error::other)?;
        write_script_safe(&mut self.out, "{\"r\":")?;
        write_script_safe(&mut self.out, d.entry)?;
        write_script_safe(&mut self.out, ",\"t\":")?;
        write_script_safe(&mut self.out, &text)?;
        self.out.write_all(b"}\n")
    }

    /// Writes the totals, the top templates and the page's end; gives back `out`.
    pub fn finish(mut self, summary: &Summary, top: &[TemplateEntry]) -> io::Result<W> {
        let (middle, end) = self
            .tail
            .split_once(META_MARK)
            .expect("the template has META");
        self.out.write_all(middle.as_bytes())?;
        let meta = Meta {
            header: Header::new(self.analysis),
            footer: Footer::new(self.analysis, summary, top),
            index: &self.index,
            rule_kinds: Rule::ALL.iter().map(|&r| (r, r.kind())).collect(),
        };
        let json = serde_json::to_string(&meta).map_err(io::Error::other)?;
        write_script_safe(&mut self.out, &json)?;
        self.out.write_all(end.as_bytes())?;
        self.out.flush()?;
        Ok(self.out)
    }
}

/// Writes JSON inside a `<script>` element: `<` only occurs inside JSON
/// strings, where `\u003c` means the same, so no `</script>` or `<!--` in
/// the data can end or change the element.
fn write_script_safe(out: &mut impl Write, json: &str) -> io::Result<()> {
    let mut parts = json.split('<');
    if let Some(first) = parts.next() {
        out.write_all(first.as_bytes())?;
    }
    for part in parts {
        out.write_all(b"\\u003c")?;
        out.write_all(part.as_bytes())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_data_cannot_close_its_element() {
        let json = serde_json::to_string("</script><!-- <b>").unwrap();
        let mut out = Vec::new();
        write_script_safe(&mut out, &json).unwrap();
        let out = String::from_utf8(out).unwrap();
        assert!(!out.contains('<'), "{out}");
        let back: String = serde_json::from_str(&out).unwrap();
        assert_eq!(back, "</script><!-- <b>");
    }

    #[test]
    fn the_template_has_its_marks_once() {
        assert_eq!(TEMPLATE.matches(DOCS_MARK).count(), 1);
        assert_eq!(TEMPLATE.matches(META_MARK).count(), 1);
        // Nothing fetched: no script or image sources, style sheets or urls.
        for fetch in [
            " src=",
            "<link",
            "url(",
            "@import",
            "fetch(",
            "XMLHttpRequest",
        ] {
            assert!(!TEMPLATE.contains(fetch), "{fetch}");
        }
    }
}
