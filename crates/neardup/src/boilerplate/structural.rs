//! Structural boilerplate rules. Each describes a kind of text by its shape and
//! place in the document: short, no sentence punctuation, a marker word that
//! news templates in many languages use, position before or after the body,
//! vocabulary unrelated to the body. None of them removes a line that ends a
//! sentence and is long enough to be prose, but for a copyright notice in a
//! page's footer and what follows it there.
//!
//! | rule | what it removes |
//! |---|---|
//! | `social_embed` | "— Name (@handle) date" under an embedded post, and the post line above it when it carries the platform's link |
//! | `byline` | a short line that starts with a by-marker ("By", "Von", "Par", "Por", "Автор"...) followed by names, or "Reporting by ..." |
//! | `timestamp` | a short date/time line with a year, a time or a label, or a bare "Published"/"Updated" label, in the header of a document with a body or next to a byline |
//! | `credit_line` | "Photo: ...", "Source: ...", "Image credit: ..." label lines, and lines that are only a parenthesised credit |
//! | `caption` | a line without sentence punctuation that ends in a parenthesised credit ("(... via AP)", "(Photo: ...)"), and the image text line just above it |
//! | `comment_thread` | a thread of comments below the article (records of a name, a date stamp and what was said) and all that follows it |
//! | `trailing_block` | after the last prose paragraph: a list of headlines unrelated to the body ("You may also like" lists), or one or two interface labels ("Source link"); a page's footer: its copyright notice ("© 2025 ..."), what follows it and the footer's links above it |

use crate::boilerplate::body::Class;
use crate::removal::{Kind, Removal, Rule};
use crate::text::segment::ends_sentence;
use crate::text::Tokens;
use regex::Regex;
use rustc_hash::FxHashMap;
use std::borrow::Cow;
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

const MONTH: &str = r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?|januar|februar|märz|mai|juni|juli|oktober|dezember|janvier|février|mars|avril|juin|juillet|août|septembre|octobre|novembre|décembre|enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|noviembre|diciembre|gennaio|febbraio|aprile|maggio|giugno|luglio|settembre|ottobre|dicembre)";
/// A time of day ("9:14", "1:48am").
const TIME: &str = r"\b\d{1,2}:\d{2}(?:[ap]m)?\b";
/// A year of the last two centuries.
const YEAR: &str = r"\b(?:1[89]|20)\d{2}\b";
static DATE: LazyLock<Regex> = LazyLock::new(|| {
    let month = MONTH;
    Regex::new(&format!(
        r"(?i)\b{month}\.?\s+\d{{1,2}}\b|\b\d{{1,2}}\.?\s+{month}\b|\b{month}\.?\s+\d{{4}}\b|\b\d{{4}}-\d{{2}}-\d{{2}}\b|\b\d{{1,2}}[./]\d{{1,2}}[./]\d{{2,4}}\b|{TIME}|\b(?:\d+|an?)\s+(?:seconds?|minutes?|mins?|hours?|hrs?|days?|weeks?|months?|years?)\s+ago\b|\d{{4}}年\d{{1,2}}月\d{{1,2}}日"
    ))
    .expect("valid regex")
});
static FILLER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(?:\d+|am|pm|a\.m\.|p\.m\.|gmt|utc|[ecmp][sd]t|bst|cet|cest|mon|tue|wed|thu|fri|sat|sun|monday|tuesday|wednesday|thursday|friday|saturday|sunday|ago)\b")
        .expect("valid regex")
});
static STAMP: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&format!(r"(?i){YEAR}|{TIME}|\bago\b|年")).expect("valid regex"));
static SPAN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\d\s*[-–—]\s*\d").expect("valid regex"));
/// A date's year joined to its time by a dash ("Tue, 01/31/2023 - 14:49",
/// as Drupal stamps its comments): one moment, not a span of days.
static YEAR_DASH_TIME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&format!(r"(?i){YEAR}\s*[-–—]\s*{TIME}")).expect("valid regex"));
static HANDLE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"@[A-Za-z0-9_]{1,30}\b").expect("valid regex"));
static POST_LINK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(?:pic\.twitter\.com|t\.co|instagram\.com/p|x\.com/\w+/status)/\S+\s*$")
        .expect("valid regex")
});

/// Words of a line as written, split on white space and punctuation.
fn words_as_written(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .filter(|w| !w.is_empty())
}

/// [`words_as_written`], lower-cased, lazily (callers mostly stop at the
/// first word), borrowed when already in lower case.
fn raw_words(text: &str) -> impl Iterator<Item = Cow<'_, str>> {
    words_as_written(text).map(|w| {
        if w.chars().any(char::is_uppercase) {
            Cow::Owned(w.to_lowercase())
        } else {
            Cow::Borrowed(w)
        }
    })
}

fn is_social_embed_attribution(text: &str) -> bool {
    text.starts_with(['—', '–', '―', '-']) && HANDLE.is_match(text)
}

fn is_byline(s: &SegmentView) -> bool {
    if s.words() > 10 || s.words() == 0 || ends_sentence(s.text) {
        return false;
    }
    let mut words = raw_words(s.text);
    let first = words.next().unwrap_or_default();
    let first = first.as_ref();
    let second = words.next();
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
    } else if BY_VERBS.contains(&first) && second.is_some_and(|w| BY_MARKERS.contains(&w.as_ref()))
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
    let labels_only = raw_words(s.text).all(|w| DATE_LABELS.contains(&w.as_ref()));
    if labels_only {
        return raw_words(s.text).any(|w| DATE_LABEL_CORES.contains(&w.as_ref()));
    }
    stamp_others(s).is_some_and(|other| other <= 1)
}

/// Of a short line that carries a date with a year, a time or a label (a
/// bare "Tuesday, 1 March" is more often the date of the event itself): how
/// many words it has besides the date, its fillers and labels ("Anna says
/// June 3, 2021 at 9:14 pm" has two). `None` for any other line.
fn stamp_others(s: &SegmentView) -> Option<usize> {
    if s.words() == 0 || s.words() > 12 || ends_sentence(s.text) {
        return None;
    }
    if !DATE.is_match(s.text) {
        return None;
    }
    let labelled = raw_words(s.text).any(|w| DATE_LABEL_CORES.contains(&w.as_ref()));
    if !(labelled || STAMP.is_match(s.text)) {
        return None;
    }
    // A fragment of a sentence ("- 8 pct bonds due July 1, 1990,") is not a
    // stamp, nor a span of days ("March 2-5, 2026": an event's dates).
    let span = SPAN.is_match(s.text) && SPAN.is_match(&YEAR_DASH_TIME.replace_all(s.text, " "));
    if s.text.trim_end().ends_with([',', ';']) || span {
        return None;
    }
    let rest = DATE.replace_all(s.text, " ");
    let rest = FILLER.replace_all(&rest, " ");
    Some(
        raw_words(&rest)
            .filter(|w| !DATE_LABELS.contains(&w.as_ref()))
            .count(),
    )
}

/// Words besides the date that a comment's stamp line holds at most (the
/// commenter's name and "says", "on", "at").
const STAMP_OTHERS: usize = 4;

/// What a date stamp is made of: a year, a time, an age ("3 weeks ago"), a
/// month's name, a date in figures.
/// (The first, a year, is also what a copyright notice carries.)
static STAMP_PARTS: LazyLock<[Regex; 5]> = LazyLock::new(|| {
    [
        YEAR,
        format!("(?i){TIME}").as_str(),
        r"(?i)\bago\b",
        format!(r"(?i)\b{MONTH}\b").as_str(),
        r"\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}[./]\d{1,2}[./]\d{2,4}\b",
    ]
    .map(|r| Regex::new(r).expect("valid regex"))
});

/// The shape of a stamp line (see [`stamp_others`]) with at most
/// [`STAMP_OTHERS`] other words and no figure but its date's: a bit for
/// each of its [`STAMP_PARTS`] and one for other words, so that the stamps of one site's records match
/// ("March 3, 2021 at 9:14 pm", "May 12, 2022 at 7:02 am"); 0 for any other
/// line.
fn stamp_shape(s: &SegmentView) -> u8 {
    let Some(others) = stamp_others(s).filter(|&o| o <= STAMP_OTHERS) else {
        return 0;
    };
    // Figures beside the date make a row of data ("1/1/2013 +13.1%").
    let date = DATE.replace_all(s.text, " ");
    if STAMP_PARTS[0]
        .replace_all(&date, " ")
        .contains(|c: char| c.is_ascii_digit())
    {
        return 0;
    }
    STAMP_PARTS
        .iter()
        .enumerate()
        .filter(|(_, r)| r.is_match(s.text))
        .fold(1 | u8::from(others > 0) << 1, |shape, (k, _)| {
            shape | 1 << (k + 2)
        })
}

/// Words of a line that glues an author's name to a date at most.
const DATED_BYLINE_WORDS: usize = 30;

/// Whether the line glues an author's name to a date: no sentence, a marker
/// that introduces a name ("by", "von", "par") followed by a capitalised
/// word, and a date with a year or a time ("By Jane Doe | May 19, 2024",
/// "October 11, 2023 by Autumn Huerter", "Posted by Peter Bell on August
/// 21, 2019"). A book's or a film's credit in a list ("Released: June 17,
/// 2025 by Tor Books") has the same shape, so the body classifier only
/// passes over such a line when it looks for the headline above the body.
fn is_dated_byline(s: &SegmentView) -> bool {
    if s.words() == 0 || s.words() > DATED_BYLINE_WORDS || ends_sentence(s.text) {
        return false;
    }
    let is_marker = |w: &str| {
        let w = w.trim_matches(|c: char| !c.is_alphanumeric());
        // The markers are in lower case: an ASCII word is compared without
        // being lower-cased (every line of up to 30 words is asked).
        if w.is_ascii() {
            return BY_MARKERS.iter().any(|m| m.eq_ignore_ascii_case(w));
        }
        BY_MARKERS
            .iter()
            .any(|m| w.chars().flat_map(char::to_lowercase).eq(m.chars()))
    };
    let mut after_marker = false;
    let named = s.text.split_whitespace().any(|w| {
        let name = after_marker && w.chars().next().is_some_and(char::is_uppercase);
        after_marker = is_marker(w);
        name
    });
    named && DATE.is_match(s.text) && STAMP.is_match(s.text)
}

/// Words of a copyright notice at most: a longer line that holds a "©" is
/// prose about something else.
const NOTICE_WORDS: usize = 60;

/// Whether the line is a copyright notice: a "©", or a first word
/// "Copyright", beside a year ("© 2025 Acme Ltd. All rights reserved.",
/// "Copyright 2010-2025 Jane Doe"). The sign and the year are what notices
/// share across languages; a line about copyright ("copyright lawyers said")
/// has neither the sign nor the opening.
fn is_notice(s: &SegmentView) -> bool {
    let text = s.text;
    let sign = text.contains('©');
    // The first word is "copyright" in any case (no other character
    // lower-cases to these letters): compared without lower-casing a copy
    // (every line is asked).
    let opens = words_as_written(text)
        .next()
        .is_some_and(|w| w.eq_ignore_ascii_case("copyright"));
    (sign || opens) && STAMP_PARTS[0].is_match(text) && s.words() <= NOTICE_WORDS
}

fn is_credit_line(s: &SegmentView) -> bool {
    if s.words() == 0 || s.words() > 12 {
        return false;
    }
    if let Some(colon) = s.text.find([':', '：', '|']) {
        let label = s.text[..colon].trim().to_lowercase();
        let label_words: Vec<Cow<str>> = raw_words(&label).collect();
        if !label_words.is_empty()
            && label_words.len() <= 2
            && label_words
                .iter()
                .all(|w| CREDIT_LABELS.contains(&w.as_ref()) || w == "by")
        {
            return true;
        }
    }
    let t = s.text.trim();
    t.starts_with('(') && t.ends_with(')') && has_credit_cue(&t[1..t.len() - 1])
}

fn has_credit_cue(text: &str) -> bool {
    text.contains('©') || raw_words(text).any(|w| CREDIT_CUES.contains(&w.as_ref()))
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
        && raw_words(inside).count() <= 10
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
    /// The shape of the line's date stamp ([`stamp_shape`]), 0 for none.
    stamp: u8,
    /// How many of them also occur in the document's prose.
    in_body: u16,
    /// Normalised words in the line.
    pub words: u16,
    /// The body classifier's class of the line.
    pub class: Class,
    /// It stands in a run of short lines that end no sentence, like a menu.
    pub menu: bool,
    /// A user rule says the line is content: no boilerplate rule removes it.
    pub pinned: bool,
    /// A copyright notice ([`is_notice`]).
    notice: bool,
    /// An author's name beside a date ([`is_dated_byline`]).
    dated_byline: bool,
    /// A short line without figures that the document repeats, as each
    /// comment of a thread repeats its "Reply" ([`BUTTON_WORDS`]).
    button: bool,
    /// A later line that repeats the document's first line, or its part
    /// before or after a site's name ("Headline | Site"): a page dump's
    /// headline below its title line.
    title: bool,
    /// A name (two to [`NAME_WORDS`] capitalised words, no figures, no
    /// sentence end) that the next line opens with: "Jane Doe" above "Jane
    /// Doe is a reporter who covers ...", as a box about the author or the
    /// publisher starts.
    introduces: bool,
}

const PROSE: u8 = 1;
const LEAD_IN: u8 = 2;
const HEADLINE: u8 = 4;
const LABEL: u8 = 8;
const FIGURES: u8 = 16;
const TWO_FIGURES: u8 = 32;
const FIELD: u8 = 64;
/// Content words from which a line can be told off the article's topic.
const OFF_TOPIC_WORDS: u16 = 4;
/// A line is off the topic when fewer than one of its content words in this
/// many occur in the rest of the article.
const OFF_TOPIC_SHARE: u16 = 10;
const ENDS: u8 = 128;

impl LineFacts {
    /// The facts of a line of `words` words when the structural rules are
    /// off: what the body classifier and the user's rules need.
    pub fn of_words(words: usize) -> Self {
        LineFacts {
            words: words.min(u16::MAX as usize) as u16,
            ..LineFacts::default()
        }
    }

    /// The same facts with `content` content words, `in_body` of them
    /// shared with the article.
    #[cfg(test)]
    pub(crate) fn with_topic(self, content: u16, in_body: u16) -> Self {
        LineFacts {
            content,
            in_body,
            ..self
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

    /// The same facts, with `content` content words of which `in_body` occur
    /// in the article, ending a sentence or not.
    #[cfg(test)]
    pub(crate) fn with_words(mut self, content: u16, in_body: u16, ends: bool) -> Self {
        (self.content, self.in_body) = (content, in_body);
        self.flags = self.flags & !ENDS | if ends { ENDS } else { 0 };
        self
    }

    /// The same facts, shaped as a date stamp.
    #[cfg(test)]
    pub(crate) fn stamped(mut self) -> Self {
        self.stamp = 1;
        self
    }

    /// The same facts, of a line that repeats the title line.
    #[cfg(test)]
    pub(crate) fn titled(mut self) -> Self {
        self.title = true;
        self
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

    /// Whether the line shares next to none of its content words with the
    /// rest of the article (a bio, a disclaimer, a newsletter's pitch).
    pub fn is_off_topic(&self) -> bool {
        self.content >= OFF_TOPIC_WORDS && self.in_body * OFF_TOPIC_SHARE < self.content
    }

    /// Whether the line is prose on the article's topic: more of the
    /// article, not a pitch or a bio below it.
    fn is_article_prose(&self) -> bool {
        self.has(PROSE) && !self.is_off_topic()
    }

    /// Whether the line ends a sentence.
    pub fn ends_sentence(&self) -> bool {
        self.has(ENDS)
    }

    /// Whether the line is a date stamp ("June 3, 2021 at 9:14 pm").
    pub fn is_stamp(&self) -> bool {
        self.stamp != 0
    }

    /// Whether the line repeats the document's first line, or the part of it
    /// before or after a site's name: a page dump's headline.
    pub fn is_title(&self) -> bool {
        self.title
    }

    /// Whether the line is an author's name glued to a date ("By Jane Doe |
    /// May 19, 2024").
    pub fn is_dated_byline(&self) -> bool {
        self.dated_byline
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

    /// Ten little-endian bytes, for files of intermediate results.
    pub fn to_bytes(&self) -> [u8; 10] {
        let mut b = [0u8; 10];
        b[0] = self.flags;
        b[1..3].copy_from_slice(&self.content.to_le_bytes());
        b[3..5].copy_from_slice(&self.in_body.to_le_bytes());
        b[5..7].copy_from_slice(&self.words.to_le_bytes());
        b[7] = self.class as u8
            | (self.button as u8) << 3
            | (self.dated_byline as u8) << 4
            | (self.notice as u8) << 5
            | (self.menu as u8) << 6
            | (self.pinned as u8) << 7;
        b[8] = self.stamp;
        b[9] = u8::from(self.title) | u8::from(self.introduces) << 1;
        b
    }

    /// The facts of [`LineFacts::to_bytes`]'s ten bytes.
    pub fn from_bytes(b: [u8; 10]) -> Self {
        LineFacts {
            flags: b[0],
            content: u16::from_le_bytes([b[1], b[2]]),
            in_body: u16::from_le_bytes([b[3], b[4]]),
            words: u16::from_le_bytes([b[5], b[6]]),
            class: Class::from_code(b[7] & 0x07),
            button: b[7] & 0x08 != 0,
            dated_byline: b[7] & 0x10 != 0,
            notice: b[7] & 0x20 != 0,
            menu: b[7] & 0x40 != 0,
            pinned: b[7] & 0x80 != 0,
            stamp: b[8],
            title: b[9] & 1 != 0,
            introduces: b[9] & 2 != 0,
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
    // Each line's content words, once, and the article's: in how many of
    // its prose lines each is.
    let mut all = Vec::new();
    let mut words = Vec::new();
    let mut ends = Vec::with_capacity(segs.len() + 1);
    ends.push(0);
    for s in segs {
        content(s, &mut words);
        all.extend_from_slice(&words);
        ends.push(all.len());
    }
    let line_words = |i: usize| &all[ends[i]..ends[i + 1]];
    let article = article.unwrap_or(0..segs.len());
    let mut body: FxHashMap<u64, u32> = FxHashMap::default();
    body.reserve(all.len());
    for i in article.clone().filter(|&i| segs[i].is_prose()) {
        for &w in line_words(i) {
            *body.entry(w).or_default() += 1;
        }
    }
    // Short lines without figures, by their words: how often each recurs.
    let button_key = |s: &SegmentView| -> Option<u64> {
        let short = (1..=BUTTON_WORDS).contains(&s.words());
        (short && !s.tokens.clone().any(|t| tokens.has_digit(t))).then(|| {
            s.tokens.clone().fold(0u64, |h, t| {
                (h.rotate_left(17) ^ tokens.hashes[t]).wrapping_mul(0x9E37_79B9_7F4A_7C15)
            })
        })
    };
    let button_keys: Vec<Option<u64>> = segs.iter().map(button_key).collect();
    let mut recurring: FxHashMap<u64, u32> = FxHashMap::default();
    for &k in button_keys.iter().flatten() {
        *recurring.entry(k).or_default() += 1;
    }
    let button =
        |i: usize| button_keys[i].is_some_and(|k| recurring[&k] as usize >= THREAD_RECORDS);
    // The words of the first line, which a page dump's headline repeats.
    let first = segs.iter().position(|s| s.words() > 0);
    let title_words = first.map_or(&[][..], |f| &tokens.hashes[segs[f].tokens.clone()]);
    let title = |i: usize, s: &SegmentView| {
        let words = &tokens.hashes[s.tokens.clone()];
        let n = words.len();
        Some(i) != first
            && n >= TITLE_WORDS
            && 2 * n >= title_words.len()
            && (title_words.starts_with(words) || title_words.ends_with(words))
    };
    // The next line with words, and whether a line is a name it opens with.
    let mut next = vec![None; segs.len()];
    for i in (0..segs.len().saturating_sub(1)).rev() {
        next[i] = if segs[i + 1].words() > 0 {
            Some(i + 1)
        } else {
            next[i + 1]
        };
    }
    let introduces = |i: usize, s: &SegmentView| {
        let name = s.text.trim();
        (2..=usize::from(NAME_WORDS)).contains(&s.words())
            && !ends_sentence(name)
            && !name.ends_with([':', '：'])
            && !s.tokens.clone().any(|t| tokens.has_digit(t))
            && name
                .split_whitespace()
                .all(|w| w.starts_with(char::is_uppercase))
            && next[i].is_some_and(|j| {
                segs[j]
                    .text
                    .trim_start()
                    .strip_prefix(name)
                    .is_some_and(|rest| rest.starts_with([' ', ',']))
            })
    };
    segs.iter()
        .enumerate()
        .map(|(i, s)| {
            let flag = |on: bool, f: u8| if on { f } else { 0 };
            let text = s.text;
            let prose = s.is_prose();
            // A word is shared with the article when a prose line of the
            // article holds it, other than this line itself.
            let own = u32::from(prose && article.contains(&i));
            let words = line_words(i);
            let in_body = words
                .iter()
                .filter(|w| body.get(w).is_some_and(|&n| n > own))
                .count();
            let content_words = words.len();
            let label = {
                let mut w = text.split_whitespace();
                w.next().is_some()
                    && s.words() <= 4
                    && !ends_sentence(text)
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
                    | flag(figures > 1, TWO_FIGURES)
                    | flag(
                        has_colon(text.trim_end().trim_end_matches([':', '：'])),
                        FIELD,
                    )
                    | flag(ends_sentence(text), ENDS),
                stamp: stamp_shape(s),
                notice: is_notice(s),
                dated_byline: is_dated_byline(s),
                button: button(i),
                title: title(i, s),
                introduces: introduces(i, s),
                content: content_words.min(u16::MAX as usize) as u16,
                in_body: in_body.min(u16::MAX as usize) as u16,
                words: s.words().min(u16::MAX as usize) as u16,
                ..LineFacts::default()
            }
        })
        .collect()
}

/// Function words (hashed with the run's seed), which say nothing about the
/// topic of a line: an open-addressing table of their hashes, a quarter
/// full, so that a lookup (one per token of every line) is a probe or two
/// rather than a binary search's unpredictable branches.
#[derive(Debug, Clone)]
pub struct StopWords {
    /// Hashes at their slots (the hash's low bits, then the next free one);
    /// 0 marks a free slot.
    slots: Vec<u64>,
    /// Whether a function word hashes to 0, which the slots cannot hold.
    zero: bool,
}

impl StopWords {
    /// The function words, hashed with `tokenizer`'s seed.
    pub fn new(tokenizer: &crate::text::Tokenizer) -> Self {
        let mut stop = StopWords {
            slots: vec![0; (STOP_WORDS.len() * 4).next_power_of_two()],
            zero: false,
        };
        for w in STOP_WORDS {
            let h = tokenizer.hash_word(w);
            if h == 0 {
                stop.zero = true;
                continue;
            }
            let mut i = stop.slot(h);
            while stop.slots[i] != 0 && stop.slots[i] != h {
                i = (i + 1) & (stop.slots.len() - 1);
            }
            stop.slots[i] = h;
        }
        stop
    }

    fn slot(&self, hash: u64) -> usize {
        hash as usize & (self.slots.len() - 1)
    }

    /// Whether the word hash `hash` is a function word.
    pub fn contains(&self, hash: u64) -> bool {
        if hash == 0 {
            return self.zero;
        }
        let mut i = self.slot(hash);
        loop {
            match self.slots[i] {
                0 => return false,
                h if h == hash => return true,
                _ => i = (i + 1) & (self.slots.len() - 1),
            }
        }
    }
}

/// Whether `text` holds a colon, ASCII or full-width, that ends a label
/// ("Location: Paris"), not one inside a figure ("9:14", "2:1").
fn has_colon(text: &str) -> bool {
    // A byte search (every line is asked): the full-width colon is the
    // bytes EF BC 9A, and a digit after either colon is one byte.
    const FULL_WIDTH: &[u8] = "：".as_bytes();
    let b = text.as_bytes();
    memchr::memchr2_iter(b':', FULL_WIDTH[0], b).any(|i| {
        let after = if b[i] == b':' {
            i + 1
        } else if b[i..].starts_with(FULL_WIDTH) {
            i + FULL_WIDTH.len()
        } else {
            return false;
        };
        !b.get(after).is_some_and(u8::is_ascii_digit)
    })
}

/// Lines from one record of a thread to the next at most.
const RECORD_GAP: usize = 40;
/// Words from one record of a thread to the next at most: what one
/// commenter wrote, not an article.
const RECORD_WORDS: usize = 300;
/// Records in a row that make a thread.
const THREAD_RECORDS: usize = 2;
/// Words of prose above a thread at least: the article it follows.
const ARTICLE_WORDS: usize = 40;
/// Words of a commenter's name line at most.
const NAME_WORDS: u16 = 6;
/// Words of a headline that repeats the title line at least.
const TITLE_WORDS: usize = 2;
/// Words of a thread's button ("Reply", "Report comment") at most.
const BUTTON_WORDS: usize = 4;

/// The `comment_thread` rule. A thread is a run of records, each a stamp
/// (a short line with a date and a year, a time or an age, and at most
/// `STAMP_OTHERS` other words) beside a line that ends no sentence and is
/// neither a field ("Location: Paris") nor a figure: a short one (the
/// commenter's name, a "Reply" button) or a headline (a teaser's). Each
/// record is shaped as the one before (the same parts to its stamp, the
/// name on the same side, or either side when the stamp holds words
/// besides its date: "Anna Berg 3/12/2021 at 1:48am") and at most
/// `RECORD_GAP` lines and `RECORD_WORDS` words from it, with what the
/// commenter wrote between them: a sentence, or a line that ends none
/// followed by the thread's button (a short line without figures that the
/// document repeats, such as "Reply"). At least one
/// commenter writes a sentence. `THREAD_RECORDS` records or more below at
/// least `ARTICLE_WORDS` words of prose (the article: a forum page, whose
/// first record opens it, has no thread) make a thread; it goes from its
/// first record's first line to what its last record says (its last
/// sentence, or the line before its button), as far from that record as
/// the records are from each other. A list of teasers with their dates goes
/// the same way, when none of the article's prose (on its topic) follows
/// it: a timeline of the article's own has headlines beside its dates too.
/// A list of events has dates, but no one's name beside each, or spans of
/// days.
pub fn comment_thread(facts: &[LineFacts], removals: &mut [Option<Removal>]) {
    let content: Vec<usize> = (0..facts.len()).filter(|&i| facts[i].words > 0).collect();
    let line = |p: usize| facts[content[p]];
    // A commenter's name, or a teaser's headline.
    let name = |p: Option<usize>| {
        p.filter(|&p| p < content.len()).is_some_and(|p| {
            let f = line(p);
            (f.words <= NAME_WORDS || f.has(HEADLINE))
                && f.flags & (ENDS | FIGURES | FIELD) == 0
                && f.stamp == 0
        })
    };
    // A stamp with words beside its date holds the commenter's name itself
    // ("Anna Berg 3/12/2021 at 1:48am"): its name line can be either side,
    // or missing, unless the stamp is a field ("Date: 18 June 2026").
    let glued = |shape: u8| shape & 2 != 0;
    // A record: a stamp, the sides it has a name line on, and its shape.
    let records: Vec<(usize, u8, u8)> = (0..content.len())
        .filter_map(|p| {
            let sides = u8::from(name(p.checked_sub(1))) | u8::from(name(Some(p + 1))) << 1;
            let shape = line(p).stamp;
            let named = sides != 0 || (glued(shape) && !line(p).has(FIELD));
            (shape != 0 && named).then_some((p, sides, shape))
        })
        .collect();
    // What a commenter wrote ends a sentence, or is followed by the
    // thread's button ("Reply"); somebody in a thread writes a sentence.
    let sentence = |a: usize, b: usize| (a + 1..b).any(|q| line(q).has(ENDS));
    let said = |a: usize, b: usize| sentence(a, b) || (a + 1..b).any(|q| line(q).button);
    let words = |a: usize, b: usize| {
        (a + 1..b)
            .map(|q| usize::from(line(q).words))
            .sum::<usize>()
    };
    let follows = |a: (usize, u8, u8), b: (usize, u8, u8)| {
        a.2 == b.2
            && (a.1 & b.1 != 0 || glued(a.2))
            && b.0 - a.0 <= RECORD_GAP
            && words(a.0, b.0) <= RECORD_WORDS
            && said(a.0, b.0)
    };
    let mut start = 0;
    while start < records.len() {
        let mut end = start;
        while end + 1 < records.len() && follows(records[end], records[end + 1]) {
            end += 1;
        }
        let thread = &records[start..=end];
        start = end + 1;
        let (first, sides, _) = thread[0];
        let top = first - usize::from(sides & 1 != 0);
        if thread.len() < THREAD_RECORDS || prose_words(facts, &content[..top]) < ARTICLE_WORDS {
            continue;
        }
        let last = thread[thread.len() - 1].0;
        let reach = thread
            .windows(2)
            .map(|w| w[1].0 - w[0].0)
            .max()
            .unwrap_or(0);
        let reach = last + 1..=(last + reach).min(content.len() - 1);
        let close = reach
            .clone()
            .rev()
            .find(|&q| line(q).has(ENDS))
            .or_else(|| reach.clone().find(|&q| line(q).button).map(|q| q - 1))
            .unwrap_or(last);
        // Somebody writes a sentence: between two records, or as the last
        // record, followed by the thread's button.
        let answered =
            sentence(last, close + 1) && reach.clone().any(|q| q > close && line(q).button);
        let written = thread.windows(2).any(|w| sentence(w[0].0, w[1].0)) || answered;
        // Records that a headline names are teasers, not comments; a
        // timeline of the article's is shaped alike, so they go only when
        // none of the article's prose follows them.
        let teaser = |&(p, sides, _): &(usize, u8, u8)| {
            let headline = |q: usize| line(q).words > NAME_WORDS;
            sides != 0 && (sides & 1 == 0 || headline(p - 1)) && (sides & 2 == 0 || headline(p + 1))
        };
        let article_after = (close + 1..content.len()).any(|q| {
            let f = line(q);
            f.is_article_prose() && removals[content[q]].is_none()
        });
        if !written || (thread.iter().all(teaser) && article_after) {
            continue;
        }
        for &i in &content[top..=close] {
            removals[i].get_or_insert(Removal::new(Rule::CommentThread));
        }
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
///   brackets, nothing capitalised after the first word, no sentence end
///   ("Source link", "Read more"), which a name, a score or a sign-off
///   ("Happy coding!") never is.
///
/// A list introduced by the body ("The plan covers:") is the body's.
///
/// A page's footer goes too: its last copyright notice below at least
/// `ARTICLE_WORDS` words of prose, when no prose on the article's topic
/// follows it, with everything after it and the run of short lines that end
/// no sentence just above it (the footer's links), unless that run shares
/// its words with the article (a list of its own).
pub fn trailing_block(facts: &[LineFacts], removals: &mut [Option<Removal>]) {
    footer(facts, removals);
    let kept = kept_lines(facts, removals);
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

/// The `author_bio` rule. A box about the article's author or publisher
/// closes many pages: a name line ("Jane Doe") and a paragraph that opens
/// with the name ("Jane Doe is a reporter who covers ..."), sometimes one
/// box for each author. Below at least `ARTICLE_WORDS` words of prose, the
/// first such pair of lines goes, with everything after it, when every
/// line of prose below it on the article's topic is a paragraph that such
/// a name opens: no more of the article follows. A listing whose items open
/// the same way ("Power BI" above "Power BI is a tool that ...") has more
/// of the article between or after them, and stays.
pub fn author_bio(facts: &[LineFacts], removals: &mut [Option<Removal>]) {
    let kept = kept_lines(facts, removals);
    // The kept lines that open a box: a name, right above a paragraph of
    // prose that opens with it.
    let boxes: Vec<usize> = (0..kept.len().saturating_sub(1))
        .filter(|&p| {
            let (name, text) = (kept[p], kept[p + 1]);
            facts[name].introduces
                && facts[text].has(PROSE)
                && (name + 1..text).all(|i| facts[i].words == 0)
        })
        .collect();
    let Some(&first) = boxes.first() else {
        return;
    };
    let opened: Vec<usize> = boxes.iter().map(|&p| kept[p + 1]).collect();
    let article = |i: usize| facts[i].is_article_prose() && !opened.contains(&i);
    if prose_words(facts, &kept[..first]) < ARTICLE_WORDS
        || kept[first..].iter().any(|&i| article(i))
    {
        return;
    }
    for &i in &kept[first..] {
        removals[i] = Some(Removal::new(Rule::AuthorBio));
    }
}

/// Words of prose among `lines`: at least [`ARTICLE_WORDS`] make an article
/// above what a rule removes below it.
fn prose_words(facts: &[LineFacts], lines: &[usize]) -> usize {
    lines
        .iter()
        .filter(|&&i| facts[i].has(PROSE))
        .map(|&i| usize::from(facts[i].words))
        .sum()
}

/// The lines no rule removed yet that hold words.
fn kept_lines(facts: &[LineFacts], removals: &[Option<Removal>]) -> Vec<usize> {
    (0..facts.len())
        .filter(|&i| removals[i].is_none() && facts[i].words > 0)
        .collect()
}

/// Whether `lines` share their words with the article (a list of its own,
/// not a site's): a third of their content words at least occur in its
/// prose.
pub fn share_article_words<'a>(lines: impl IntoIterator<Item = &'a LineFacts>) -> bool {
    let (content, in_body) = lines.into_iter().fold((0u32, 0u32), |(c, b), f| {
        (c + u32::from(f.content), b + u32::from(f.in_body))
    });
    in_body * 3 >= content.max(1)
}

/// Words of a footer link at most.
const FOOTER_LINK_WORDS: u16 = 6;

/// The footer part of [`trailing_block`].
fn footer(facts: &[LineFacts], removals: &mut [Option<Removal>]) {
    let kept = kept_lines(facts, removals);
    let Some(n) = kept.iter().rposition(|&i| facts[i].notice) else {
        return;
    };
    let article = |i: usize| facts[i].is_article_prose() && !facts[i].notice;
    if prose_words(facts, &kept[..n]) < ARTICLE_WORDS || kept[n + 1..].iter().any(|&i| article(i)) {
        return;
    }
    let links = kept[..n]
        .iter()
        .rev()
        .take_while(|&&i| facts[i].words <= FOOTER_LINK_WORDS && !facts[i].has(ENDS))
        .count();
    let run = kept[n - links..n].iter().map(|&i| &facts[i]);
    let start = if share_article_words(run) {
        n
    } else {
        n - links
    };
    for &i in &kept[start..] {
        removals[i] = Some(Removal::new(Rule::TrailingBlock));
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

    #[test]
    fn stop_words_hold_their_list_and_nothing_else() {
        for seed in [0, 1, 42, u64::MAX] {
            let tokenizer = Tokenizer::new(seed);
            let stop = StopWords::new(&tokenizer);
            let listed: std::collections::HashSet<u64> =
                STOP_WORDS.iter().map(|w| tokenizer.hash_word(w)).collect();
            assert!(listed.iter().all(|&h| stop.contains(h)));
            for word in ["council", "bridge", "reuters", "0", "thee", "an'"] {
                let h = tokenizer.hash_word(word);
                assert_eq!(stop.contains(h), listed.contains(&h), "{word}");
            }
            let mut h = seed ^ 0x9E37_79B9_7F4A_7C15;
            for _ in 0..10_000 {
                h = crate::sketch::shingle::fmix64(h.wrapping_add(1));
                assert_eq!(stop.contains(h), listed.contains(&h));
            }
            assert_eq!(stop.contains(0), listed.contains(&0));
        }
    }

    #[test]
    fn colons_are_found_in_either_width() {
        assert!(has_colon("Location: Paris"));
        assert!(has_colon("場所：パリ"));
        assert!(!has_colon("Paris, France"));
        assert!(!has_colon("Anna Berg, May 3, 2021 at 9:14 pm"));
        assert!(has_colon("Kick-off: 19:45"));
        assert!(!has_colon("ｐａｒｉｓ"));
    }

    /// Segments `text`, runs the line rules when `line_rules`, then `later`
    /// on the line facts; returns each line with its removal.
    fn run(
        text: &str,
        line_rules: bool,
        later: fn(&[LineFacts], &mut [Option<Removal>]),
    ) -> Vec<(String, Option<Rule>)> {
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
        if line_rules {
            apply(&views, &mut removals);
        }
        let stop = StopWords::new(&Tokenizer::new(1));
        later(&line_facts(&views, &tokens, &stop, None), &mut removals);
        views
            .iter()
            .zip(removals)
            .map(|(v, r)| (v.text.to_string(), r.map(|r| r.rule)))
            .collect()
    }

    /// Runs the rules on `text`; returns the rule per line (None = kept).
    fn rules(text: &str) -> Vec<(String, Option<Rule>)> {
        run(text, true, trailing_block)
    }

    /// The lines of `text` that the plan-stage rule `later` removes as `rule`.
    fn removed_by(
        text: &str,
        later: fn(&[LineFacts], &mut [Option<Removal>]),
        rule: Rule,
    ) -> Vec<String> {
        run(text, false, later)
            .into_iter()
            .filter(|(_, r)| *r == Some(rule))
            .map(|(t, _)| t)
            .collect()
    }

    /// The lines of `text` that the comment-thread rule removes.
    fn thread(text: &str) -> Vec<String> {
        removed_by(text, comment_thread, Rule::CommentThread)
    }

    /// The lines of `text` that the author-bio rule removes.
    fn bio(text: &str) -> Vec<String> {
        removed_by(text, author_bio, Rule::AuthorBio)
    }

    #[test]
    fn a_box_about_the_author_that_closes_the_article_goes() {
        let boxes = "Jane Doe\nJane Doe is a reporter who covers the city for the paper.\n\
            Email Jane\nJohn Roe\nJohn Roe, the paper's editor, has led its newsroom since 2010.\n\
            More from the paper";
        let text = format!("{BODY}{BODY}{boxes}");
        // Both boxes go, with what follows them.
        assert_eq!(bio(&text), boxes.split('\n').collect::<Vec<_>>());
        // Not without an article above, nor when more of it follows.
        assert!(bio(&format!("{BODY}{boxes}")).is_empty());
        let more = "The council will vote on the library budget again in June.";
        assert!(bio(&format!("{BODY}{BODY}{boxes}\n{more}")).is_empty());
        // A name line is a name: two capitalised words or more, without
        // figures, that the next line opens as its first words.
        for (name, next) in [
            (
                "Jane",
                "Jane is a reporter who covers the city for the paper.",
            ),
            (
                "jane doe",
                "jane doe is a reporter who covers the city for the paper.",
            ),
            (
                "Jane Doe 2",
                "Jane Doe 2 is a reporter who covers the city for the paper.",
            ),
            (
                "Jane Do",
                "Jane Doe is a reporter who covers the city for the paper.",
            ),
            (
                "Jane Doe",
                "She is a reporter who covers the city for the paper.",
            ),
        ] {
            assert!(
                bio(&format!("{BODY}{BODY}{name}\n{next}")).is_empty(),
                "{name}"
            );
        }
    }

    #[test]
    fn a_listing_whose_items_open_with_their_names_stays() {
        let listing = "Power BI\nPower BI is a tool that turns the budget into charts.\n\
            Members can explore spending on roads and schools with it.\n\
            Apache Spark\nApache Spark is an engine for budget data too large for one machine.\n\
            The city library uses it for its records.";
        assert!(bio(&format!("{BODY}{BODY}{listing}")).is_empty());
    }

    #[test]
    fn line_facts_survive_their_bytes() {
        let text = format!("Budget approved | City News\n{BODY}Budget approved\nJane Doe\nJane Doe is a reporter who covers the city.");
        run(&text, false, |facts, _| {
            assert!(facts[4].is_title() && facts[5].introduces);
            for &f in facts {
                assert_eq!(LineFacts::from_bytes(f.to_bytes()), f);
            }
        });
    }

    #[test]
    fn teasers_with_headlines_and_dates_after_the_article_go() {
        let teasers = "How the council plans a budget that lasts a decade\nMarch 3, 2025\n\
            Budget planning starts with the roads and the schools.\nRead more\n\
            Why the library matters to every member of the council\nFebruary 2, 2025\n\
            The library is where members of the council meet the public.\nRead more";
        let text = format!("{BODY}{BODY}{teasers}");
        let lines: Vec<&str> = teasers.split('\n').collect();
        assert_eq!(thread(&text), lines[..lines.len() - 1]);
        // Shaped alike, a timeline of the article's own is followed by more
        // of it, and stays.
        assert!(thread(&format!("{BODY}{BODY}{teasers}\n{BODY}")).is_empty());
    }

    #[test]
    fn a_thread_of_names_and_stamps_after_the_article_goes() {
        let comments =
            "Anna Berg\nMarch 3, 2021 at 9:14 pm\nI went there last year and loved it.\nReply\n\
            Tom K\nMarch 4, 2021 at 7:02 am\nThanks for the tips, very useful.\nReply";
        let text = format!("{BODY}{BODY}{comments}");
        // Up to what the last commenter said: a "Reply" after it is left to
        // the trailing-block rule.
        let lines: Vec<&str> = comments.split('\n').collect();
        assert_eq!(thread(&text), lines[..lines.len() - 1]);
        // One comment is no thread; nor is a forum page with no article
        // above its first record.
        let one = comments.split("\nTom K").next().unwrap();
        assert!(thread(&format!("{BODY}{BODY}{one}")).is_empty());
        assert!(thread(comments).is_empty());
    }

    #[test]
    fn comments_that_end_no_sentence_stay_in_the_thread_by_its_button() {
        // Names glued to stamps with the time as "1:48am"; a comment that
        // ends no sentence is still followed by the thread's "Reply".
        let comments = "Abdul Majeed 3/12/2021 at 1:48am\nplease add the free ones too\nReply\n\
            Rui Ma 3/16/2021 at 5:42am\nThanks. We added them to the list.\nReply\n\
            Racha 3/14/2021 at 3:33pm\nthank you so much\nReply\n\
            Ram 3/17/2021 at 3:46am\nGreat list, thanks!";
        let text = format!("{BODY}{BODY}{comments}");
        let lines: Vec<&str> = comments.split('\n').collect();
        assert_eq!(thread(&text), lines);
        // A page's "updated" label given twice in its header, with no one
        // writing a sentence between, is no thread.
        let header = "Page updated:\n12 November 2025\nPage updated:\n12 November 2025\n";
        assert!(thread(&format!("{BODY}{BODY}{header}{BODY}")).is_empty());
    }

    #[test]
    fn a_thread_whose_only_sentence_is_the_last_comment_goes() {
        let comments = "2 Comments\nEmily Davids on January 8, 2026 2:01 am\n\
            You spelled Wroth wrong\nReply\nbga-admin on January 8, 2026 12:23 pm\n\
            Thanks for the catch! Definitely not the first time.\nReply";
        let text = format!("{BODY}{BODY}{comments}");
        let lines: Vec<&str> = comments.split('\n').collect();
        assert_eq!(thread(&text), lines[1..lines.len() - 1]);
    }

    #[test]
    fn stamps_that_hold_the_name_need_no_name_line() {
        let comments = "Amy September 11, 2008 at 2:06 PM\n\
            Very useful perspective, these ideas are timely.\n\
            Tom September 15, 2008 at 9:19 PM\nLess is more, as a philosophy of life.";
        let text = format!("{BODY}{BODY}{comments}");
        let lines: Vec<&str> = comments.split('\n').collect();
        assert_eq!(thread(&text), lines);
        // Fields of a list of events are no stamps of comments.
        let events = "Date: 18 June 2026 (pre-registered)\nThe fair brings makers together.\n\
            Date: 9 July 2026 (to be confirmed)\nThe summit opens to students too.";
        assert!(thread(&format!("{BODY}{BODY}{events}")).is_empty());
    }

    #[test]
    fn a_thread_stamped_with_a_date_and_a_time_across_a_dash_goes() {
        let comments = "Comments\n<span>Dianna Cole</span> Thu, 08/03/2023 - 08:05\nReply\n\
            I have been fighting ants in my garden for a month now.\nReply to comment\n\
            <span>Jawna</span> Thu, 07/04/2024 - 18:07\nReply\n\
            Coffee grounds worked for me in one application.\nReply to comment";
        let text = format!("{BODY}{BODY}{comments}");
        let lines: Vec<&str> = comments.split('\n').collect();
        assert_eq!(thread(&text), lines[..lines.len() - 1]);
    }

    #[test]
    fn timelines_and_data_rows_are_no_thread() {
        // Dates with no one's name beside them, spans of days, figures.
        for tail in [
            "March 2-5, 2021\nThe festival opens in the old town.\nApril 9-12, 2021\nIt moves to the harbour.",
            "1/1/2013\n+13.1%\nThe index rose.\n1/1/2014\n+2.4%\nThe index fell back.",
            "Results\nMay 1, 2020\nThe club won the league.\nResults\nJune 1, 2021 +3\nThe club lost the final.",
        ] {
            assert!(thread(&format!("{BODY}{BODY}{tail}")).is_empty(), "{tail}");
        }
    }

    /// `test` of the one line `t`.
    fn on_line<T>(t: &str, test: impl Fn(&SegmentView) -> T) -> T {
        let mut tokens = Tokens::default();
        Tokenizer::new(1).tokenize(t, &mut tokens);
        test(&SegmentView {
            text: t,
            tokens: tokens.range(0, t.len()),
        })
    }

    #[test]
    fn a_line_that_repeats_the_title_line_is_its_headline() {
        let text = "Why the bridge is closing | Millbrook News\nHome\nNews\n\
            Why the bridge is closing\nMillbrook News\nWhy the bridge\n\
            The council voted to close the bridge for repairs on Monday.";
        // The lines the facts mark as titles, as removals.
        let mark = |facts: &[LineFacts], removals: &mut [Option<Removal>]| {
            for (f, r) in facts.iter().zip(removals) {
                if f.is_title() {
                    *r = Some(Removal::new(Rule::OutsideBody));
                }
            }
        };
        let titles: Vec<bool> = run(text, false, mark)
            .into_iter()
            .map(|(_, r)| r.is_some())
            .collect();
        // The headline repeats the title line's part before the site's name;
        // the site's name and a shorter part (less than half of it), the
        // title line itself and prose do not count.
        assert_eq!(titles, [false, false, false, true, false, false, false]);
    }

    #[test]
    fn notices_open_with_the_sign_or_the_word_beside_a_year() {
        let notice = |t: &str| on_line(t, is_notice);
        for line in [
            "© 2025 Acme Ltd. All rights reserved.",
            "Copyright 2010-2025 Jane Doe",
            "COPYRIGHT 2024 ACME",
            "(copyright) 2019 Acme",
        ] {
            assert!(notice(line), "{line}");
        }
        for other in [
            "Copyrighted 2024 by Acme",
            "The copyright 2024 ruling",
            "Copyright law",
        ] {
            assert!(!notice(other), "{other}");
        }
    }

    #[test]
    fn names_glued_to_dates_are_dated_bylines() {
        let byline = |t: &str| on_line(t, is_dated_byline);
        for line in [
            "By Jane Doe | May 19, 2024",
            "October 11, 2023 by Autumn Huerter",
            "Posted by Peter Bell on August 21, 2019",
            "Von Anna Schmidt, 3. März 2024",
        ] {
            assert!(byline(line), "{line}");
        }
        for other in [
            "By Jane Doe",
            "May 19, 2024",
            "The bill was signed by Governor Smith on May 19, 2024.",
            "Stand by me, May 2024",
        ] {
            assert!(!byline(other), "{other}");
        }
    }

    #[test]
    fn stamps_have_a_shape_and_no_other_figures() {
        let shape = |t: &str| on_line(t, stamp_shape);
        assert_ne!(shape("March 3, 2021 at 9:14 pm"), 0);
        assert_eq!(
            shape("March 3, 2021 at 9:14 pm"),
            shape("May 12, 2022 at 7:02 am")
        );
        assert_ne!(shape("3 weeks ago"), 0);
        assert_ne!(shape("3 weeks ago"), shape("March 3, 2021 at 9:14 pm"));
        // A date joined to its time by a dash is one moment.
        assert_ne!(shape("<b>Ann Lee</b> Tue, 01/31/2023 - 14:49"), 0);
        for other in [
            "1/1/2013 +13.1%",
            "March 2-5, 2026",
            "01/30/2023 - 01/31/2023",
            "Open 9:00 - 17:00, 2023",
            "The meeting was on March 3, 2021.",
        ] {
            assert_eq!(shape(other), 0, "{other}");
        }
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
    fn a_footer_with_its_copyright_notice_goes() {
        let footer = "Prev\nNext\nBack to top\nAll systems normal\nTerms | Privacy\n\
            \u{a9} 2025 Acme Media Ltd. All rights reserved.\nPowered by Ghost";
        let r = removed(&format!("{BODY}{BODY}{footer}"));
        assert_eq!(r.len(), footer.lines().count(), "{r:?}");
        assert!(r.iter().all(|(_, rule)| *rule == Rule::TrailingBlock));
        // "Copyright" opening the line, with a year, is a notice too; the
        // article's own last lines above it stay.
        let text = format!("{BODY}{BODY}Happy coding!\nCopyright 2010-2025 Jane Roe");
        let r: Vec<String> = removed(&text).into_iter().map(|x| x.0).collect();
        assert_eq!(r, ["Copyright 2010-2025 Jane Roe"]);
        // A list of the article's own above the notice stays.
        let own = "Spending on roads\nSchools budget\nLibrary hours";
        let r = removed(&format!("{BODY}{BODY}{own}\n\u{a9} 2025 City Times"));
        assert_eq!(r.len(), 1, "{r:?}");
    }

    #[test]
    fn copyright_in_prose_or_before_more_article_is_no_footer() {
        // No sign and no opening "Copyright": a sentence about copyright.
        let about = "Lawyers said the copyright case filed in 2004 would take years.";
        assert!(removed(&format!("{BODY}{about}")).is_empty());
        // A notice with the article going on below it (a photo's credit).
        let credit = "\u{a9} 2021 Jane Roe";
        let r = removed(&format!("{BODY}{credit}\n{BODY}"));
        assert!(
            r.iter().all(|(_, rule)| *rule != Rule::TrailingBlock),
            "{r:?}"
        );
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
