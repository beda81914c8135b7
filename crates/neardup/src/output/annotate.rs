//! `--annotate`: every document written through unchanged, with the
//! decisions attached instead of applied, for a later pipeline step to act
//! on. A JSONL record gets one more field, [`FIELD`]; a text file's
//! decisions go to `annotations.jsonl` in the output folder.
//!
//! Spans are `[start, end, kind, rule]` with offsets in Unicode code points
//! of the text, as Python's `str` indexes it (Dolma's attribute spans count
//! the same way).

use crate::plan::{Cut, DocPlan};
use crate::removal::{Fate, Kind, Original, Rule};
use serde::Serialize;
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::collections::HashMap;

/// The field added to each JSONL record.
pub const FIELD: &str = "neardup";

#[derive(Serialize)]
struct Annotation<'a> {
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    rule: Option<Rule>,
    #[serde(skip_serializing_if = "Option::is_none")]
    duplicate_of: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    similarity: Option<f32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    containment: Option<f32>,
    spans: Vec<(usize, usize, Kind, Rule)>,
}

/// The decisions on one document as a JSON object. `id_of` names a kept
/// document.
pub fn annotation<'a>(
    text: &str,
    plan: &DocPlan,
    cuts: &[Cut],
    id_of: impl Fn(Original) -> Cow<'a, str>,
) -> String {
    let a = match plan.fate {
        Fate::Kept => {
            let mut chars = CharOffsets::new(text);
            Annotation {
                status: "kept",
                rule: None,
                duplicate_of: None,
                similarity: None,
                containment: None,
                spans: cuts
                    .iter()
                    .map(|c| {
                        let start = chars.at(c.start);
                        let end = chars.at(c.end);
                        (start, end, c.removal.rule.kind(), c.removal.rule)
                    })
                    .collect(),
            }
        }
        Fate::Dropped {
            of,
            similarity,
            containment,
            rule,
        } => Annotation {
            status: "dropped",
            rule: Some(rule),
            duplicate_of: Some(id_of(of)),
            similarity: Some(similarity),
            containment,
            spans: Vec::new(),
        },
    };
    serde_json::to_string(&a).expect("annotations serialise")
}

/// Byte offsets to code-point offsets, for offsets given in increasing order.
struct CharOffsets<'a> {
    text: &'a str,
    byte: usize,
    chars: usize,
}

impl<'a> CharOffsets<'a> {
    fn new(text: &'a str) -> Self {
        CharOffsets {
            text,
            byte: 0,
            chars: 0,
        }
    }

    fn at(&mut self, byte: usize) -> usize {
        self.chars += self.text[self.byte..byte].chars().count();
        self.byte = byte;
        self.chars
    }
}

/// Where the annotation goes in a JSONL record's `line` (before its closing
/// brace) and the bytes to insert there, or an error when the record
/// already has the field.
pub fn insert(line: &str, annotation: &str) -> std::result::Result<(usize, String), String> {
    // The key may be spelled with escapes ("ne\u0061rdup"): a line with any
    // \u escape is parsed too.
    if line.contains(&format!("\"{FIELD}\"")) || line.contains("\\u") {
        let object: HashMap<String, &RawValue> =
            serde_json::from_str(line).map_err(|e| e.to_string())?;
        if object.contains_key(FIELD) {
            return Err(format!(
                "the record already has a field \"{FIELD}\"; --annotate would repeat it"
            ));
        }
    }
    let at = line
        .trim_end()
        .strip_suffix('}')
        .map(str::len)
        .ok_or("the record does not end with }")?;
    Ok((at, format!(",\"{FIELD}\":{annotation}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inserts_before_the_closing_brace() {
        let line = "{\"id\": 1, \"text\": \"x\"}  \r";
        let (at, add) = insert(line, "{\"status\":\"kept\",\"spans\":[]}").unwrap();
        let out = format!("{}{}{}", &line[..at], add, &line[at..]);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v[FIELD]["status"], "kept");
        assert_eq!(v["text"], "x");
        let e = insert("{\"neardup\": 1, \"text\": \"x\"}", "{}").unwrap_err();
        assert!(e.contains("already has a field"), "{e}");
        // Nor spelled with an escape.
        let e = insert("{\"ne\\u0061rdup\": 1, \"text\": \"x\"}", "{}").unwrap_err();
        assert!(e.contains("already has a field"), "{e}");
        // The name as a value is not a field.
        assert!(insert("{\"text\": \"neardup\"}", "{}").is_ok());
        assert!(insert("{\"text\": \"caf\\u00e9\"}", "{}").is_ok());
    }

    #[test]
    fn char_offsets_count_code_points() {
        let mut c = CharOffsets::new("aé😀b");
        assert_eq!(
            [c.at(0), c.at(1), c.at(3), c.at(7), c.at(8)],
            [0, 1, 2, 3, 4]
        );
    }
}
