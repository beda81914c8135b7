//! Structural boilerplate rules. Each describes a kind of text by its shape and
//! place in the document: short, no sentence punctuation, a marker word that
//! news templates in many languages use, position before or after the body,
//! vocabulary unrelated to the body. None of them removes a line that ends a
//! sentence and is long enough to be prose.
//!
//! | rule | what it removes |
//! |---|---|
//! | `social_embed` | "— Name (@handle) date" under an embedded post, and the post line above it when it carries the platform's link |
//! | `byline` | a short line that starts with a by-marker ("By", "Von", "Par", "Por", "Автор"...) followed by names, or "Reporting by ..." |
//! | `timestamp` | a short date/time line with a year, a time or a label, or a bare "Published"/"Updated" label, in the header of a document with a body or next to a byline |
//! | `credit_line` | "Photo: ...", "Source: ...", "Image credit: ..." label lines, and lines that are only a parenthesised credit |
//! | `caption` | a line without sentence punctuation that ends in a parenthesised credit ("(... via AP)", "(Photo: ...)"), and the image text line just above it |
//! | `trailing_block` | after the last prose paragraph: a list of headlines unrelated to the body ("You may also like" lists), or one or two interface labels ("Source link") |

use crate::boilerplate::body::Class;
use crate::plan::{Kind, Removal, Rule};
use crate::text::segment::ends_sentence;
use crate::text::Tokens;
use regex::Regex;
use std::ops::Range;
use std::sync::LazyLock;

/// One segment as the rules see it.
#[derive(Debug, Clone)]
pub struct SegmentView<'a> {
    /// The original text of the segment.
    pub text: &'a str,
    /// Its tokens in the document's [`Tokens`].
    pub tokens: Range<usize>,
}

impl SegmentView<'_> {
    fn words(&self) -> usize {
        self.tokens.len()
    }

    /// Ends a sentence and has at least three words, or is long.
    pub fn is_prose(&self) -> bool {
        (ends_sentence(self.text) && self.words() >= 3) || self.words() >= 25
    }
}

/// Words that introduce an author's name.
const BY_MARKERS: &[&str] = &[
    "by",
    "von",
    "par",
    "por",
    "door",
    "av",
    "af",
    "przez",
    "di",
    "автор",
    "авторы",
];
/// Words that can stand before "by" in a credit line ("Reporting by ...").
const BY_VERBS: &[&str] = &[
    "written",
    "reporting",
    "reported",
    "story",
    "words",
    "text",
    "edited",
    "editing",
    "compiled",
    "additional",
    "photos",
    "published",
    "posted",
];
/// Labels that introduce an author: "Author: ...".
const AUTHOR_LABELS: &[&str] = &[
    "author",
    "authors",
    "autor",
    "autore",
    "auteur",
    "автор",
    "作者",
    "记者",
];
/// Labels of publication and update times, in the major languages.
const DATE_LABELS: &[&str] = &[
    "published",
    "updated",
    "last",
    "posted",
    "modified",
    "first",
    "on",
    "at",
    "date",
    "time",
    "veröffentlicht",
    "aktualisiert",
    "zuletzt",
    "am",
    "um",
    "publié",
    "mis",
    "à",
    "jour",
    "le",
    "publicado",
    "actualizado",
    "el",
    "pubblicato",
    "aggiornato",
    "il",
    "gepubliceerd",
    "bijgewerkt",
    "op",
    "opublikowano",
    "zaktualizowano",
    "опубликовано",
    "обновлено",
    "発行",
    "更新",
    "发布",
    "时间",
];
/// The label words that on their own make a line a timestamp label.
const DATE_LABEL_CORES: &[&str] = &[
    "published",
    "updated",
    "posted",
    "modified",
    "veröffentlicht",
    "aktualisiert",
    "publié",
    "publicado",
    "actualizado",
    "pubblicato",
    "aggiornato",
    "gepubliceerd",
    "bijgewerkt",
    "opublikowano",
    "zaktualizowano",
    "опубликовано",
    "обновлено",
    "更新",
    "发布",
];
/// Labels of credit lines: "Photo: ...", "Source: ...".
const CREDIT_LABELS: &[&str] = &[
    "photo",
    "photos",
    "photograph",
    "image",
    "images",
    "picture",
    "pictures",
    "source",
    "sources",
    "credit",
    "credits",
    "illustration",
    "video",
    "foto",
    "fotos",
    "bild",
    "bilder",
    "quelle",
    "fuente",
    "fonte",
    "источник",
    "фото",
    "图片",
    "来源",
    "摄影",
];
/// Words that mark a parenthesised photo credit.
const CREDIT_CUES: &[&str] = &[
    "via",
    "photo",
    "photos",
    "photograph",
    "image",
    "images",
    "picture",
    "pictures",
    "credit",
    "file",
    "getty",
    "ap",
    "afp",
    "reuters",
    "epa",
    "pa",
    "dpa",
    "xinhua",
    "shutterstock",
    "istock",
    "alamy",
    "bloomberg",
    "foto",
    "bild",
    "фото",
];
/// Function words that say nothing about topic, for the vocabulary overlap.
const STOP_WORDS: &[&str] = &[
    "about", "after", "again", "also", "been", "before", "being", "could", "does", "down", "each",
    "from", "have", "here", "into", "just", "like", "more", "most", "much", "must", "only",
    "other", "over", "said", "same", "should", "some", "such", "than", "that", "their", "them",
    "then", "there", "these", "they", "this", "those", "through", "under", "very", "were", "what",
    "when", "where", "which", "while", "will", "with", "would", "your", "year", "years", "says",
];

static DATE: LazyLock<Regex> = LazyLock::new(|| {
    let month = r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?|januar|februar|märz|mai|juni|juli|oktober|dezember|janvier|février|mars|avril|juin|juillet|août|septembre|octobre|novembre|décembre|enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|noviembre|diciembre|gennaio|febbraio|aprile|maggio|giugno|luglio|settembre|ottobre|dicembre)";
    Regex::new(&format!(
        r"(?i)\b{month}\.?\s+\d{{1,2}}\b|\b\d{{1,2}}\.?\s+{month}\b|\b{month}\.?\s+\d{{4}}\b|\b\d{{4}}-\d{{2}}-\d{{2}}\b|\b\d{{1,2}}[./]\d{{1,2}}[./]\d{{2,4}}\b|\b\d{{1,2}}:\d{{2}}\b|\b\d+\s+(?:minutes?|mins?|hours?|hrs?|days?|weeks?)\s+ago\b|\d{{4}}年\d{{1,2}}月\d{{1,2}}日"
    ))
    .expect("valid regex")
});
static FILLER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(?:\d+|am|pm|a\.m\.|p\.m\.|gmt|utc|[ecmp][sd]t|bst|cet|cest|mon|tue|wed|thu|fri|sat|sun|monday|tuesday|wednesday|thursday|friday|saturday|sunday|ago)\b")
        .expect("valid regex")
});
static STAMP: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(?:1[89]|20)\d{2}\b|\b\d{1,2}:\d{2}\b|\bago\b|年").expect("valid regex")
});
static HANDLE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"@[A-Za-z0-9_]{1,30}\b").expect("valid regex"));
static POST_LINK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(?:pic\.twitter\.com|t\.co|instagram\.com/p|x\.com/\w+/status)/\S+\s*$")
        .expect("valid regex")
});

/// Lower-cased words of a line, split on white space and punctuation.
fn raw_words(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

fn is_social_embed_attribution(text: &str) -> bool {
    text.starts_with(['—', '–', '―', '-']) && HANDLE.is_match(text)
}

fn is_byline(s: &SegmentView) -> bool {
    if s.words() > 10 || s.words() == 0 || ends_sentence(s.text) {
        return false;
    }
    let words = raw_words(s.text);
    let first = words[0].as_str();
    let label = s.text[..s.text.find([':', '：']).unwrap_or(0)]
        .trim()
        .to_lowercase();
    if AUTHOR_LABELS.contains(&label.as_str()) {
        return true;
    }
    // All-caps headlines start with names like "PAR" or "DI": of the markers,
    // only the English "BY" is written in capitals.
    let as_written = s.text.split_whitespace().next().unwrap_or_default();
    let marker = |w: &str, written: &str| {
        BY_MARKERS.contains(&w) && (w == "by" || written.chars().any(char::is_lowercase))
    };
    let names_from = if marker(first, as_written) {
        1
    } else if BY_VERBS.contains(&first)
        && words
            .get(1)
            .is_some_and(|w| BY_MARKERS.contains(&w.as_str()))
    {
        2
    } else {
        return false;
    };
    // The rest is names: mostly capitalised words.
    let rest: Vec<&str> = s.text.split_whitespace().skip(names_from).collect();
    let capitalised = rest
        .iter()
        .filter(|w| w.chars().next().is_some_and(char::is_uppercase))
        .count();
    !rest.is_empty() && capitalised * 2 >= rest.len()
}

fn is_timestamp(s: &SegmentView) -> bool {
    if s.words() == 0 || s.words() > 12 || ends_sentence(s.text) {
        return false;
    }
    let words = raw_words(s.text);
    let labels_only = words.iter().all(|w| DATE_LABELS.contains(&w.as_str()));
    if labels_only {
        return words.iter().any(|w| DATE_LABEL_CORES.contains(&w.as_str()));
    }
    // A publication stamp carries a year, a time or a label; a bare
    // "Tuesday, 1 March" is more often the date of the event itself.
    let labelled = words.iter().any(|w| DATE_LABEL_CORES.contains(&w.as_str()));
    if !DATE.is_match(s.text) || !(labelled || STAMP.is_match(s.text)) {
        return false;
    }
    // A fragment of a sentence ("- 8 pct bonds due July 1, 1990,") is not a stamp.
    if s.text.trim_end().ends_with([',', ';']) {
        return false;
    }
    let rest = DATE.replace_all(s.text, " ");
    let rest = FILLER.replace_all(&rest, " ");
    let other = raw_words(&rest)
        .into_iter()
        .filter(|w| !DATE_LABELS.contains(&w.as_str()))
        .count();
    other <= 1
}

fn is_credit_line(s: &SegmentView) -> bool {
    if s.words() == 0 || s.words() > 12 {
        return false;
    }
    if let Some(colon) = s.text.find([':', '：', '|']) {
        let label = s.text[..colon].trim().to_lowercase();
        let label_words = raw_words(&label);
        if !label_words.is_empty()
            && label_words.len() <= 2
            && label_words
                .iter()
                .all(|w| CREDIT_LABELS.contains(&w.as_str()) || w == "by")
        {
            return true;
        }
    }
    let t = s.text.trim();
    t.starts_with('(') && t.ends_with(')') && has_credit_cue(&t[1..t.len() - 1])
}

fn has_credit_cue(text: &str) -> bool {
    text.contains('©')
        || raw_words(text)
            .iter()
            .any(|w| CREDIT_CUES.contains(&w.as_str()))
}

/// A line without sentence punctuation that ends in a parenthesised credit.
fn is_caption(s: &SegmentView) -> bool {
    let t = s.text.trim_end();
    if s.words() < 4 || s.words() > 40 || !t.ends_with(')') {
        return false;
    }
    let Some(open) = t.rfind('(') else {
        return false;
    };
    let (before, inside) = (&t[..open], &t[open + 1..t.len() - 1]);
    !before.trim().is_empty()
        && !ends_sentence(before)
        && raw_words(inside).len() <= 10
        && has_credit_cue(inside)
}

/// The image text above a caption: a sentence-case line without final
/// punctuation (title-case lines are headings and stay).
fn is_caption_lead(s: &SegmentView) -> bool {
    if s.words() < 3 || s.words() > 30 || ends_sentence(s.text) || s.text.ends_with(':') {
        return false;
    }
    let long: Vec<&str> = s
        .text
        .split_whitespace()
        .filter(|w| w.chars().filter(|c| c.is_alphabetic()).count() >= 4)
        .collect();
    let capitalised = long
        .iter()
        .filter(|w| w.chars().next().is_some_and(char::is_uppercase))
        .count();
    capitalised * 10 < long.len() * 6
}

/// Applies the line rules of one document. `removals` has one entry per
/// segment; segments already removed are skipped and never changed. The
/// trailing-block rule runs later, from [`line_facts`].
pub fn apply(segs: &[SegmentView], removals: &mut [Option<Removal>]) {
    let kept = |removals: &[Option<Removal>]| -> Vec<usize> {
        (0..segs.len())
            .filter(|&i| removals[i].is_none() && segs[i].words() > 0)
            .collect()
    };
    let mark = |removals: &mut [Option<Removal>], i: usize, rule: Rule| {
        if removals[i].is_none() {
            removals[i] = Some(Removal::new(rule));
        }
    };

    // Line rules.
    let order = kept(removals);
    for (p, &i) in order.iter().enumerate() {
        let s = &segs[i];
        // The first line of a document is its headline.
        let headline = p == 0;
        if is_social_embed_attribution(s.text) {
            mark(removals, i, Rule::SocialEmbed);
            if let Some(&prev) = p.checked_sub(1).and_then(|q| order.get(q)) {
                if POST_LINK.is_match(segs[prev].text) {
                    mark(removals, prev, Rule::SocialEmbed);
                }
            }
        } else if !headline && is_byline(s) {
            mark(removals, i, Rule::Byline);
        } else if is_credit_line(s) {
            mark(removals, i, Rule::CreditLine);
        } else if is_caption(s) {
            mark(removals, i, Rule::Caption);
            if let Some(&prev) = p.checked_sub(1).and_then(|q| order.get(q)) {
                if prev > 0 && removals[prev].is_none() && is_caption_lead(&segs[prev]) {
                    mark(removals, prev, Rule::Caption);
                }
            }
        }
    }

    // Timestamps: in the header (before the second prose paragraph) or next to
    // a byline or another timestamp. Dates further down are the body's
    // (a timeline, a fixture list).
    let order = kept(removals);
    let prose: Vec<usize> = order
        .iter()
        .copied()
        .filter(|&i| segs[i].is_prose())
        .collect();
    // The header is what comes before the second prose paragraph, when a
    // body follows; a document without a body (a table, a list) has none.
    let head_end = prose.get(1).copied().unwrap_or(0);
    let near_byline = |removals: &[Option<Removal>], i: usize| {
        [i.checked_sub(1), Some(i + 1)]
            .into_iter()
            .flatten()
            .any(|n| {
                removals
                    .get(n)
                    .copied()
                    .flatten()
                    .is_some_and(|r| matches!(r.rule, Rule::Byline | Rule::Timestamp))
            })
    };
    for _ in 0..2 {
        for &i in &order {
            if removals[i].is_none()
                && is_timestamp(&segs[i])
                && (i < head_end || near_byline(removals, i))
            {
                mark(removals, i, Rule::Timestamp);
            }
        }
    }
}

/// What the plan-stage rules (trailing blocks, the body region) need to know
/// of a segment. It is computed while the text is at hand and applied in the
/// plan stage, after corpus templates are known, so that a footer of
/// template lines does not hide the labels above it (and cleaning a cleaned
/// copy removes nothing more).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LineFacts {
    flags: u8,
    /// Distinct content words (4 letters or more, not function words).
    content: u16,
    /// How many of them also occur in the document's prose.
    in_body: u16,
    pub words: u16,
    /// The body classifier's class of the line.
    pub class: Class,
    /// It stands in a run of short lines that end no sentence, like a menu.
    pub menu: bool,
    /// A user rule says the line is content: no boilerplate rule removes it.
    pub pinned: bool,
}

const PROSE: u8 = 1;
const LEAD_IN: u8 = 2;
const HEADLINE: u8 = 4;
const LABEL: u8 = 8;
const FIGURES: u8 = 16;
const TWO_FIGURES: u8 = 32;

impl LineFacts {
    /// The facts of a line of `words` words when the structural rules are
    /// off: what the body classifier and the user's rules need.
    pub fn of_words(words: usize) -> Self {
        LineFacts {
            words: words.min(u16::MAX as usize) as u16,
            ..LineFacts::default()
        }
    }

    fn has(&self, flag: u8) -> bool {
        self.flags & flag != 0
    }

    /// Facts of a line of `words` words, prose or not, with figures or not
    /// (headline-shaped when it is 6 to 25 words of no prose).
    #[cfg(test)]
    pub(crate) fn sketch(words: u16, prose: bool, figures: bool) -> Self {
        let headline = !prose && (6..=25).contains(&words);
        LineFacts {
            flags: if prose { PROSE } else { 0 }
                | if figures { FIGURES } else { 0 }
                | if headline { HEADLINE } else { 0 },
            words,
            ..LineFacts::default()
        }
    }

    /// Whether the line carries figures (a row of a table, a date, a price).
    pub fn has_figures(&self) -> bool {
        self.has(FIGURES)
    }

    /// Whether the line is shaped like a headline: 6 to 25 words, opening
    /// with a letter or a quote, few figures.
    pub fn is_headline(&self) -> bool {
        self.has(HEADLINE)
    }

    /// Whether the line carries two figures or more ("Net 807,000 vs
    /// 2,858,000"): data, as the template key treats it.
    pub fn has_two_figures(&self) -> bool {
        self.has(TWO_FIGURES)
    }

    /// Whether the line is prose: it ends a sentence and has three words or
    /// more, or is long.
    pub fn is_prose(&self) -> bool {
        self.has(PROSE)
    }

    /// Whether the line is a sentence that leads into what follows ("The
    /// plan covers:").
    pub fn is_lead_in(&self) -> bool {
        self.has(LEAD_IN)
    }

    /// Its distinct content words, and how many of them the document's prose
    /// also holds (for lines that are not prose themselves; 0 otherwise).
    pub fn vocabulary(&self) -> (u16, u16) {
        (self.content, self.in_body)
    }

    /// Eight little-endian bytes, for files of intermediate results.
    pub fn to_bytes(&self) -> [u8; 8] {
        let mut b = [0u8; 8];
        b[0] = self.flags;
        b[1..3].copy_from_slice(&self.content.to_le_bytes());
        b[3..5].copy_from_slice(&self.in_body.to_le_bytes());
        b[5..7].copy_from_slice(&self.words.to_le_bytes());
        b[7] = self.class as u8 | (self.menu as u8) << 6 | (self.pinned as u8) << 7;
        b
    }

    pub fn from_bytes(b: [u8; 8]) -> Self {
        LineFacts {
            flags: b[0],
            content: u16::from_le_bytes([b[1], b[2]]),
            in_body: u16::from_le_bytes([b[3], b[4]]),
            words: u16::from_le_bytes([b[5], b[6]]),
            class: Class::from_code(b[7] & 0x3f),
            menu: b[7] & 0x40 != 0,
            pinned: b[7] & 0x80 != 0,
        }
    }
}

/// Lines the user pinned as content lose any boilerplate verdict.
pub fn release_pinned(facts: &[LineFacts], removals: &mut [Option<Removal>]) {
    for (r, f) in removals.iter_mut().zip(facts) {
        if f.pinned && r.is_some_and(|r| r.rule.kind() == Kind::Boilerplate) {
            *r = None;
        }
    }
}

/// The [`LineFacts`] of every segment of a document. Lines are weighed
/// against the vocabulary of the prose lines of `article` (all of them
/// when `None`).
pub fn line_facts(
    segs: &[SegmentView],
    tokens: &Tokens,
    stop: &StopWords,
    article: Option<Range<usize>>,
) -> Vec<LineFacts> {
    // Content words: four letters or more, not function words.
    let content = |s: &SegmentView, out: &mut Vec<u64>| {
        out.clear();
        out.extend(
            s.tokens
                .clone()
                .filter(|&t| tokens.chars(t) >= 4 && !stop.contains(tokens.hashes[t]))
                .map(|t| tokens.hashes[t]),
        );
        out.sort_unstable();
        out.dedup();
    };
    let mut body = Vec::new();
    let mut words = Vec::new();
    let article = article.unwrap_or(0..segs.len());
    for s in segs[article].iter().filter(|s| s.is_prose()) {
        content(s, &mut words);
        body.extend_from_slice(&words);
    }
    body.sort_unstable();
    body.dedup();
    segs.iter()
        .map(|s| {
            let flag = |on: bool, f: u8| if on { f } else { 0 };
            let text = s.text;
            let prose = s.is_prose();
            // Only lines after the body are ever weighed against it.
            let (content_words, in_body) = if prose {
                (0, 0)
            } else {
                content(s, &mut words);
                let shared = words
                    .iter()
                    .filter(|w| body.binary_search(w).is_ok())
                    .count();
                (words.len(), shared)
            };
            let label = {
                let mut w = text.split_whitespace();
                w.next().is_some()
                    && s.words() <= 4
                    && !text.contains(|c: char| c.is_ascii_digit() || "()[]{}".contains(c))
                    && w.all(|w| !w.chars().any(char::is_uppercase))
            };
            // A row of a table (figures, columns aligned with spaces) is not
            // a headline. A figure is a token with a digit ("1,500", "MAR8").
            let figures = s.tokens.clone().filter(|&t| tokens.has_digit(t)).count();
            let headline = (6..=25).contains(&s.words())
                && text
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_alphabetic() || "\"'“‘«".contains(c))
                && figures * 10 < s.words() * 4
                && !text.contains("   ");
            LineFacts {
                flags: flag(prose, PROSE)
                    | flag(
                        s.words() >= 3 && text.trim_end().ends_with([':', '：']),
                        LEAD_IN,
                    )
                    | flag(headline, HEADLINE)
                    | flag(label, LABEL)
                    | flag(figures > 0, FIGURES)
                    | flag(figures > 1, TWO_FIGURES),
                content: content_words.min(u16::MAX as usize) as u16,
                in_body: in_body.min(u16::MAX as usize) as u16,
                words: s.words().min(u16::MAX as usize) as u16,
                ..LineFacts::default()
            }
        })
        .collect()
}

/// Function words (hashed with the run's seed), which say nothing about the
/// topic of a line.
#[derive(Debug, Clone)]
pub struct StopWords(Vec<u64>);

impl StopWords {
    pub fn new(tokenizer: &crate::text::Tokenizer) -> Self {
        let mut h: Vec<u64> = STOP_WORDS.iter().map(|w| tokenizer.hash_word(w)).collect();
        h.sort_unstable();
        StopWords(h)
    }

    pub fn contains(&self, hash: u64) -> bool {
        self.0.binary_search(&hash).is_ok()
    }
}

/// The `trailing_block` rule. What follows the last prose paragraph goes when
/// it is either
///
/// - a list of headlines: at least two lines, most of them headline-sized (6
///   to 25 words, starting with a letter or a quote: two in three at least),
///   averaging 7 words or more, whose content words mostly never occur in the
///   body's prose (an optional short header such as "More stories" goes with
///   it); lists that belong to an article (fixtures, seedings, line-ups,
///   award winners) are made of short items and stay, and so do tables,
///   whose lines mostly carry figures; or
/// - one or two interface labels: at most 4 words each, no digits or
///   brackets, nothing capitalised after the first word ("Source link",
///   "Read more"), which a name or a score never is.
///
/// A list introduced by the body ("The plan covers:") is the body's.
pub fn trailing_block(facts: &[LineFacts], removals: &mut [Option<Removal>]) {
    let kept: Vec<usize> = (0..facts.len())
        .filter(|&i| removals[i].is_none() && facts[i].words > 0)
        .collect();
    let Some(p) = kept
        .iter()
        .rposition(|&i| facts[i].has(PROSE) || facts[i].has(LEAD_IN))
    else {
        return;
    };
    let tail = &kept[p + 1..];
    if tail.is_empty() || facts[kept[p]].has(LEAD_IN) {
        return;
    }
    let labels = tail.len() <= 2 && tail.iter().all(|&i| facts[i].has(LABEL));
    if labels || is_unrelated_headlines(facts, tail) {
        for &i in tail {
            removals[i] = Some(Removal::new(Rule::TrailingBlock));
        }
    }
}

fn is_unrelated_headlines(facts: &[LineFacts], tail: &[usize]) -> bool {
    // A short first line is the list's header ("More stories").
    let items = if facts[tail[0]].words < 6 {
        &tail[1..]
    } else {
        tail
    };
    let headlines = items.iter().filter(|&&i| facts[i].has(HEADLINE)).count();
    // Most lines of a table carry figures; most headlines do not.
    let with_figures = items.iter().filter(|&&i| facts[i].has(FIGURES)).count();
    if with_figures * 2 > items.len() {
        return false;
    }
    let words: usize = items.iter().map(|&i| facts[i].words as usize).sum();
    if headlines < 2 || headlines * 3 < items.len() * 2 || words < 7 * items.len() {
        return false;
    }
    let content: usize = tail.iter().map(|&i| facts[i].content as usize).sum();
    let in_body: usize = tail.iter().map(|&i| facts[i].in_body as usize).sum();
    in_body * 2 < content
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::{segment, Tokenizer};

    /// Runs the rules on `text`; returns the rule per line (None = kept).
    fn rules(text: &str) -> Vec<(String, Option<Rule>)> {
        let segments = segment(text);
        let mut tokens = Tokens::default();
        Tokenizer::new(1).tokenize(text, &mut tokens);
        let views: Vec<SegmentView> = segments
            .iter()
            .map(|s| SegmentView {
                text: &text[s.range()],
                tokens: tokens.range(s.start as usize, s.end as usize),
            })
            .collect();
        let mut removals = vec![None; views.len()];
        apply(&views, &mut removals);
        let stop = StopWords::new(&Tokenizer::new(1));
        trailing_block(&line_facts(&views, &tokens, &stop, None), &mut removals);
        views
            .iter()
            .zip(removals)
            .map(|(v, r)| (v.text.to_string(), r.map(|r| r.rule)))
            .collect()
    }

    fn removed(text: &str) -> Vec<(String, Rule)> {
        rules(text)
            .into_iter()
            .filter_map(|(t, r)| r.map(|r| (t, r)))
            .collect()
    }

    const BODY: &str = "The council approved the new budget on Monday after a long debate.\n\
        Members argued over spending on roads, schools and the city library.\n\
        The mayor said the budget would keep taxes flat for another year.\n";

    #[test]
    fn byline_block_goes_but_headline_stays() {
        let text = format!(
            "Council passes budget\n\nBy Jane Roe and John Doe\nPublished\nLast updated\n\n{BODY}"
        );
        assert_eq!(
            removed(&text),
            [
                ("By Jane Roe and John Doe".to_string(), Rule::Byline),
                ("Published".to_string(), Rule::Timestamp),
                ("Last updated".to_string(), Rule::Timestamp),
            ]
        );
    }

    #[test]
    fn dates_in_header_and_german_byline() {
        let text = format!("Haushalt beschlossen\nVon Anna Schmidt\n12.03.2024, 14:05 Uhr\n{BODY}");
        let r = removed(&text);
        assert_eq!(r.len(), 2, "{r:?}");
        assert_eq!(r[0].1, Rule::Byline);
        assert_eq!(r[1].1, Rule::Timestamp);
    }

    #[test]
    fn trailing_unrelated_list_goes_related_list_stays() {
        let unrelated = format!("{BODY}More stories\nLocal team wins derby in extra time\nCelebrity chef opens new seaside restaurant in Cornwall");
        let r = removed(&unrelated);
        assert_eq!(r.len(), 3, "{r:?}");
        assert!(r.iter().all(|(_, rule)| *rule == Rule::TrailingBlock));
        let related = format!(
            "{BODY}Budget spending on schools and roads\nCouncil members debate the library budget"
        );
        assert!(removed(&related).is_empty());
        let introduced = format!("{BODY}The plan covers:\nnew bus lanes\nlonger library hours");
        assert!(removed(&introduced).is_empty());
    }

    #[test]
    fn lists_that_end_an_article_stay() {
        // Shapes seen at the end of real sports and awards articles.
        for tail in [
            "Chelsea v Birmingham\nWest Ham v Sheff Utd\nOldham v Bolton\nArsenal v Wolverhampton",
            "19 Nathalie Dechy (France)\n20 Tatiana Golovin (France)\n21 Amy Frazier (US)",
            "Pre-School Live Action - Balamory\nAnimation - Brush Head\nDrama - Featherboy",
            "8,200\nC Thomson",
            "QUARTER-FINALS (four times)\n18th PREM\nWINNERS (once)",
            "Saturday, 26 February\nChelsea v Birmingham\nWest Ham v Sheff Utd",
            "Schools' Factual (primary) - Thinking Skills: Think About It - Hiding Places\n\
             Schools' Factual (secondary) - In Search of the Tartan Turban\n\
             Pre-School Live Action - Balamory\nAnimation - Brush Head\nDrama - Featherboy\n\
             Factual - Serious Desert Interactive Bafta - King Arthur International category",
        ] {
            assert!(removed(&format!("{BODY}{tail}")).is_empty(), "{tail}");
        }
    }

    #[test]
    fn interface_labels_at_the_end_go() {
        for tail in ["Source link", "Read more\nShare this article"] {
            let r = removed(&format!("{BODY}{tail}"));
            assert_eq!(r.len(), tail.lines().count(), "{tail}: {r:?}");
        }
    }

    #[test]
    fn caption_with_credit_and_its_image_text() {
        let text = format!("{BODY}Firefighters work at the scene in the old town\nSmoke rises over the market square (John Smith via AP)\n{BODY}");
        let r = removed(&text);
        assert_eq!(r.len(), 2, "{r:?}");
        assert!(r.iter().all(|(_, rule)| *rule == Rule::Caption));
    }

    #[test]
    fn title_case_heading_before_caption_stays() {
        let text = format!("{BODY}Mayor Defends Spending Plan Amid Protests\nProtesters gather outside the hall (Photo: Reuters)\n{BODY}");
        let r = removed(&text);
        assert_eq!(r.len(), 1, "{r:?}");
        // A parenthesis without a credit is not a caption.
        let text = format!(
            "{BODY}Nominees include Caroline Quentin (Life Begins/ Von Trapped, ITV1)\n{BODY}"
        );
        assert!(removed(&text).is_empty());
    }

    #[test]
    fn credit_and_social_embed_lines() {
        let text = format!("{BODY}Source: City Council\nWe passed it! pic.twitter.com/abc123\n— Jane Roe (@janeroe) April 9, 2025\n{BODY}");
        let r = removed(&text);
        assert_eq!(
            r.iter().map(|x| x.1).collect::<Vec<_>>(),
            [Rule::CreditLine, Rule::SocialEmbed, Rule::SocialEmbed]
        );
    }

    #[test]
    fn prose_and_headings_are_never_touched() {
        let text = format!("Budget Day In The City\n{BODY}What Comes Next\nBy then, the council said, the work would be done.\n{BODY}");
        assert!(removed(&text).is_empty());
    }

    #[test]
    fn all_caps_headlines_are_not_bylines_and_fragments_not_stamps() {
        let text = format!(
            "PAR PHARMACEUTICAL GETS APPROVAL FOR DRUG\n{BODY}DI GIORGIO TO EVALUATE OFFER\n{BODY}"
        );
        assert!(removed(&text).is_empty());
        let text = format!("Title\nBY JANE ROE\n{BODY}");
        assert_eq!(removed(&text).len(), 1);
        let text = format!("Title\n- 8 pct bonds due July 1, 1990,\nNOTE: 1985 period ended December 28\nFebruary 1987.\n{BODY}");
        assert!(removed(&text).is_empty());
        // Data without a body: no header to clean.
        assert!(removed(
            "Qtly div 15 cts vs 15 cts\nPay Aug 14, 1987\nRecord March 31, 1987\nReuter"
        )
        .is_empty());
    }

    #[test]
    fn table_rows_at_the_end_are_not_headlines() {
        let tail = "Dom. Use    321.41  321.87    317.58  317.46\nProduction  13.99   15.44    17.06   17.14\nSaudi Arab Riyal   4.80989  (4.25788)";
        assert!(removed(&format!("{BODY}{tail}")).is_empty());
        let tail = "Commercial activities 1.08 billion vs 988 mln\nExtraordinary credit eight mln vs nil\nContinuing activities 875 mln vs 647 mln";
        assert!(removed(&format!("{BODY}{tail}")).is_empty());
    }

    #[test]
    fn russian_byline() {
        let text = format!("Заголовок статьи\nАвтор: Иван Петров\n{BODY}");
        assert_eq!(
            removed(&text),
            [("Автор: Иван Петров".to_string(), Rule::Byline)]
        );
    }
}
