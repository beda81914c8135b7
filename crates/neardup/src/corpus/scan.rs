//! A JSONL record's text and id found without building a JSON value.
//!
//! [`locate`] walks one line as a JSON object, checking the whole of it
//! against the JSON grammar (RFC 8259) as it goes, and gives the byte ranges
//! of the two fields' values; [`unescape`] decodes a string value into a
//! reused buffer. Nothing is allocated per record. Whatever it does not
//! handle itself (a key written with escapes, a field given twice, nesting
//! deeper than serde's limit, anything invalid) it declines with `None`, and
//! the reader parses that line with serde instead, which gives the same
//! result or the error to report: this is a fast path, never a second
//! opinion.

use std::ops::Range;

/// The raw values (quotes included for strings) of the text and id fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    /// The text field's value, when the record has one.
    pub text: Option<Range<usize>>,
    /// The id field's value, when the record has one.
    pub id: Option<Range<usize>>,
}

/// serde_json's nesting limit: deeper values are left to it.
const MAX_DEPTH: usize = 127;

/// The fields `text_key` and `id_key` of the JSON object `line`, or `None`
/// when the line is not a plain JSON object this scanner vouches for.
pub fn locate(line: &[u8], text_key: &str, id_key: &str) -> Option<Located> {
    let mut s = Scanner { b: line, i: 0 };
    let mut found = Located {
        text: None,
        id: None,
    };
    s.ws();
    s.eat(b'{')?;
    s.ws();
    if s.peek() == Some(b'}') {
        s.i += 1;
    } else {
        loop {
            let key = s.key()?;
            s.ws();
            s.eat(b':')?;
            s.ws();
            let start = s.i;
            s.value(0)?;
            let field = if key == text_key.as_bytes() {
                Some(&mut found.text)
            } else if key == id_key.as_bytes() {
                Some(&mut found.id)
            } else {
                None
            };
            if let Some(slot) = field {
                if slot.is_some() {
                    // Given twice: serde's rule decides.
                    return None;
                }
                *slot = Some(start..s.i);
            }
            s.ws();
            match s.next()? {
                b',' => s.ws(),
                b'}' => break,
                _ => return None,
            }
        }
    }
    s.ws();
    (s.i == line.len()).then_some(found)
}

struct Scanner<'a> {
    b: &'a [u8],
    i: usize,
}

impl<'a> Scanner<'a> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let c = self.peek()?;
        self.i += 1;
        Some(c)
    }

    fn eat(&mut self, c: u8) -> Option<()> {
        (self.next()? == c).then_some(())
    }

    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }

    /// An object key without escapes: its bytes.
    fn key(&mut self) -> Option<&'a [u8]> {
        self.eat(b'"')?;
        let start = self.i;
        let len = self.b[start..]
            .iter()
            .position(|&c| c == b'"' || c == b'\\' || c < 0x20)?;
        self.i = start + len;
        self.eat(b'"')?;
        Some(&self.b[start..start + len])
    }

    /// A string, its opening quote at `self.i`.
    fn string(&mut self) -> Option<()> {
        self.eat(b'"')?;
        loop {
            let rest = &self.b[self.i..];
            let run = memchr::memchr2(b'"', b'\\', rest)?;
            // A control character is never part of a JSON string.
            if rest[..run].iter().fold(false, |bad, &c| bad | (c < 0x20)) {
                return None;
            }
            self.i += run;
            match self.next()? {
                b'"' => return Some(()),
                b'\\' => match self.next()? {
                    b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => {}
                    b'u' => {
                        let hex = self.b.get(self.i..self.i + 4)?;
                        if !hex.iter().all(u8::is_ascii_hexdigit) {
                            return None;
                        }
                        self.i += 4;
                    }
                    _ => return None,
                },
                _ => return None,
            }
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.i;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.i += 1;
        }
        self.i - start
    }

    fn number(&mut self) -> Option<()> {
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        match self.peek()? {
            b'0' => self.i += 1,
            b'1'..=b'9' => {
                self.digits();
            }
            _ => return None,
        }
        if self.peek() == Some(b'.') {
            self.i += 1;
            (self.digits() > 0).then_some(())?;
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.i += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.i += 1;
            }
            (self.digits() > 0).then_some(())?;
        }
        Some(())
    }

    fn literal(&mut self, word: &[u8]) -> Option<()> {
        let end = self.i + word.len();
        (self.b.get(self.i..end)? == word).then_some(())?;
        self.i = end;
        Some(())
    }

    fn value(&mut self, depth: usize) -> Option<()> {
        match self.peek()? {
            b'"' => self.string(),
            b'{' | b'[' if depth >= MAX_DEPTH => None,
            b'{' => {
                self.i += 1;
                self.ws();
                if self.peek() == Some(b'}') {
                    self.i += 1;
                    return Some(());
                }
                loop {
                    self.string()?;
                    self.ws();
                    self.eat(b':')?;
                    self.ws();
                    self.value(depth + 1)?;
                    self.ws();
                    match self.next()? {
                        b',' => self.ws(),
                        b'}' => return Some(()),
                        _ => return None,
                    }
                }
            }
            b'[' => {
                self.i += 1;
                self.ws();
                if self.peek() == Some(b']') {
                    self.i += 1;
                    return Some(());
                }
                loop {
                    self.value(depth + 1)?;
                    self.ws();
                    match self.next()? {
                        b',' => self.ws(),
                        b']' => return Some(()),
                        _ => return None,
                    }
                }
            }
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'n' => self.literal(b"null"),
            _ => self.number(),
        }
    }
}

/// Decodes the JSON string `raw` (quotes included, as [`locate`] checked
/// it) into `out`, cleared first. `false` when it holds a lone surrogate
/// escape, which is not Unicode text.
pub fn unescape(raw: &str, out: &mut String) -> bool {
    out.clear();
    let body = &raw[1..raw.len() - 1];
    let bytes = body.as_bytes();
    let mut i = 0;
    while let Some(at) = memchr::memchr(b'\\', &bytes[i..]) {
        out.push_str(&body[i..i + at]);
        i += at + 1;
        let c = bytes[i];
        i += 1;
        let decoded = match c {
            b'n' => '\n',
            b't' => '\t',
            b'r' => '\r',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'u' => {
                let unit = hex4(&bytes[i..i + 4]);
                i += 4;
                match unit {
                    0xD800..=0xDBFF => {
                        let low = (bytes.get(i..i + 2) == Some(b"\\u"))
                            .then(|| hex4(&bytes[i + 2..i + 6]))
                            .filter(|low| (0xDC00..=0xDFFF).contains(low));
                        let Some(low) = low else {
                            return false;
                        };
                        i += 6;
                        let c = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
                        char::from_u32(c).expect("a surrogate pair is a character")
                    }
                    0xDC00..=0xDFFF => return false,
                    _ => char::from_u32(unit).expect("not a surrogate"),
                }
            }
            // '"', '\\' and '/' stand for themselves.
            other => other as char,
        };
        out.push(decoded);
    }
    out.push_str(&body[i..]);
    true
}

fn hex4(h: &[u8]) -> u32 {
    h.iter().fold(0, |n, &c| {
        n * 16 + (c as char).to_digit(16).expect("checked by the scanner")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::Value;

    /// What serde makes of a line: Some((text, id)) as the reader takes them.
    fn oracle(line: &str) -> Option<(Option<String>, Option<String>)> {
        let object: std::collections::HashMap<String, &serde_json::value::RawValue> =
            serde_json::from_str(line).ok()?;
        let text = object.get("text").map(|v| v.get().to_string());
        let id = object.get("id").map(|v| v.get().to_string());
        Some((text, id))
    }

    fn check(line: &str) {
        if let Some(found) = locate(line.as_bytes(), "text", "id") {
            let (text, id) = oracle(line).expect("serde accepts what the scanner accepts");
            assert_eq!(found.text.map(|r| line[r].to_string()), text, "{line}");
            assert_eq!(found.id.map(|r| line[r].to_string()), id, "{line}");
        }
    }

    #[test]
    fn plain_records_are_located() {
        let line = r#" {"id": 7, "text" : "a\nb", "meta": {"x": [1, 2.5e-3, true, null]}} "#;
        let f = locate(line.as_bytes(), "text", "id").unwrap();
        assert_eq!(&line[f.text.clone().unwrap()], r#""a\nb""#);
        assert_eq!(&line[f.id.unwrap()], "7");
        let mut out = String::new();
        assert!(unescape(&line[f.text.unwrap()], &mut out));
        assert_eq!(out, "a\nb");
        check(line);
    }

    #[test]
    fn anything_unusual_is_left_to_serde() {
        for line in [
            r#"{"te\u0078t": "x"}"#,
            r#"{"text": "a", "text": "b"}"#,
            r#"{"text": "a",}"#,
            r#"{"text": 01}"#,
            r#"{"text": "a"} x"#,
            r#"["text"]"#,
            "{\"text\": \"tab\there\"}",
            r#"{"text": "\x"}"#,
            r#"{"text": tru}"#,
        ] {
            assert_eq!(locate(line.as_bytes(), "text", "id"), None, "{line}");
        }
        let deep = format!("{{\"a\": {}{}}}", "[".repeat(200), "]".repeat(200));
        assert_eq!(locate(deep.as_bytes(), "text", "id"), None);
    }

    #[test]
    fn escapes_decode_as_serde_decodes_them() {
        let mut out = String::new();
        for raw in [
            r#""caf\u00e9 \ud83d\ude00\n\"q\" \\ \/ \t\u00E9\b\f\r""#,
            r#""plain""#,
            r#""""#,
        ] {
            assert!(unescape(raw, &mut out));
            let want: String = serde_json::from_str(raw).unwrap();
            assert_eq!(out, want);
        }
        assert!(!unescape(r#""a\ud800b""#, &mut out));
        assert!(!unescape(r#""\udc00""#, &mut out));
        assert!(!unescape(r#""\ud800\u0041""#, &mut out));
    }

    fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            (-1e6f64..1e6).prop_map(Value::from),
            "\\PC{0,12}".prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 32, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::btree_map("[a-z]{0,4}|text|id", inner, 0..4)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        /// On objects serde wrote, the scanner finds what serde finds.
        #[test]
        fn agrees_with_serde_on_generated_objects(
            fields in prop::collection::btree_map("[a-z]{0,4}|text|id", json_value(), 0..6),
            pretty in any::<bool>(),
        ) {
            let object = Value::Object(fields.into_iter().collect());
            let line = if pretty {
                serde_json::to_string_pretty(&object).unwrap().replace('\n', " ")
            } else {
                serde_json::to_string(&object).unwrap()
            };
            prop_assert!(locate(line.as_bytes(), "text", "id").is_some(), "{}", line);
            check(&line);
            if let Some(Value::String(t)) = object.get("text") {
                let f = locate(line.as_bytes(), "text", "id").unwrap();
                let mut out = String::new();
                prop_assert!(unescape(&line[f.text.unwrap()], &mut out));
                prop_assert_eq!(&out, t);
            }
        }

        /// On any line, what the scanner accepts serde accepts, with the
        /// same values.
        #[test]
        fn never_accepts_what_serde_rejects(line in "[{}\\[\\]\":,\\\\ a-z0-9.eE+\\-]{0,40}") {
            check(&line);
        }
    }
}
