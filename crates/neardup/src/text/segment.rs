//! Segmentation: a document becomes a list of segments, each a byte span into
//! the original text with surrounding white space trimmed.
//!
//! Scraped dumps come in two styles, often mixed in one file: one paragraph per
//! line, and blocks separated by blank lines. The lines of a scraped block are
//! usually separate units (a byline, a date, a caption), so each is a segment.
//! But a block may be hard-wrapped prose (newswire text wrapped at 70
//! columns, paragraphs marked by an indent or a short last line): then its
//! lines are joined back into paragraphs. A block counts as hard-wrapped when
//! its widest line is 40 to 150 characters wide and at least one in four of
//! its open breaks (after a line that reaches near the margin without ending
//! a sentence) is plainly in mid-sentence: the line ends with a function
//! word, a comma or a hyphen, or the next line starts in lower case. Lists of
//! headlines never break like that.

/// A byte span of a document's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segment {
    /// The first byte.
    pub start: u32,
    /// The byte after the last.
    pub end: u32,
}

impl Segment {
    /// The span as a range of byte offsets.
    pub fn range(&self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
}

/// One line: trimmed byte span.
#[derive(Clone, Copy)]
struct Line {
    start: usize,
    end: usize,
}

/// Cuts `text` into segments, in order. Blank lines never form a segment.
/// The caller guarantees that the text is shorter than 4 GiB.
pub fn segment(text: &str) -> Vec<Segment> {
    let mut segments = Vec::new();
    let mut block: Vec<Line> = Vec::new();
    let mut pos = 0;
    for raw in text.split_inclusive('\n') {
        let trimmed_start = raw.len() - raw.trim_start().len();
        let content = raw.trim();
        if content.is_empty() {
            flush_block(text, &mut block, &mut segments);
        } else {
            let start = pos + trimmed_start;
            block.push(Line {
                start,
                end: start + content.len(),
            });
        }
        pos += raw.len();
    }
    flush_block(text, &mut block, &mut segments);
    segments
}

fn flush_block(text: &str, block: &mut Vec<Line>, out: &mut Vec<Segment>) {
    if block.is_empty() {
        return;
    }
    match Wrap::of(text, block) {
        None => out.extend(block.iter().map(|l| span(l.start, l.end))),
        Some(wrap) => {
            let mut first = 0;
            for i in 1..block.len() {
                if !wrap.continues(text, &block[i - 1], &block[i], i == 1) {
                    out.push(span(block[first].start, block[i - 1].end));
                    first = i;
                }
            }
            out.push(span(block[first].start, block[block.len() - 1].end));
        }
    }
    block.clear();
}

fn span(start: usize, end: usize) -> Segment {
    Segment {
        start: start as u32,
        end: end as u32,
    }
}

/// Whether a line ends a sentence: `.`, `!`, `?`, `…`, CJK full stops, possibly
/// followed by closing quotes or brackets.
pub fn ends_sentence(line: &str) -> bool {
    let trimmed = line
        .trim_end()
        .trim_end_matches(['"', '\'', '”', '’', '»', ')', ']', '）', '」', '』']);
    trimmed.ends_with(['.', '!', '?', '…', '。', '！', '？'])
}

/// The margin of a hard-wrapped block.
struct Wrap {
    /// Lines at least this wide (characters, indentation included) reached
    /// the margin and were wrapped.
    full: usize,
    /// Indentation of continuation lines; more than this starts a paragraph.
    base_indent: usize,
}

/// Characters from the start of the line to the end of its content.
fn width(text: &str, l: &Line) -> usize {
    let line_start = text[..l.start].rfind('\n').map_or(0, |p| p + 1);
    text[line_start..l.end].chars().count()
}

fn indent(text: &str, l: &Line) -> usize {
    let line_start = text[..l.start].rfind('\n').map_or(0, |p| p + 1);
    text[line_start..l.start].chars().count()
}

/// Frequent function words of the major European languages: a line that
/// ends with one was cut in mid-sentence.
const FUNCTION_WORDS: &[&str] = &[
    "a", "an", "the", "of", "to", "in", "and", "or", "for", "on", "at", "by", "with", "from", "as",
    "that", "is", "was", "be", "are", "its", "their", "his", "her", "der", "die", "das", "und",
    "zu", "den", "von", "mit", "im", "des", "ein", "eine", "le", "la", "les", "de", "du", "et",
    "à", "en", "un", "une", "el", "los", "las", "y", "del", "que", "il", "di", "e", "che", "da",
    "do", "em", "и", "в", "на", "с", "по", "не",
];

/// Whether a line ends where no sentence can: a function word, a comma, a
/// hyphen.
fn cut_at_end(line: &str) -> bool {
    let last = line
        .rsplit(char::is_whitespace)
        .next()
        .unwrap_or_default()
        .to_lowercase();
    line.ends_with([',', '-', '–']) || FUNCTION_WORDS.contains(&last.as_str())
}

/// Whether the break between `prev` and `next` is plainly in mid-sentence.
fn cut_mid_sentence(text: &str, prev: &Line, next: &Line) -> bool {
    cut_at_end(&text[prev.start..prev.end])
        || text[next.start..next.end]
            .chars()
            .next()
            .is_some_and(char::is_lowercase)
}

impl Wrap {
    fn of(text: &str, block: &[Line]) -> Option<Wrap> {
        if block.len() < 2 {
            return None;
        }
        let widest = block
            .iter()
            .map(|l| width(text, l))
            .max()
            .expect("non-empty");
        if !(40..=150).contains(&widest) {
            return None;
        }
        let full = widest * 6 / 10;
        let (mut open, mut evident) = (0, 0);
        for pair in block.windows(2) {
            let (prev, next) = (&pair[0], &pair[1]);
            if ends_sentence(&text[prev.start..prev.end]) {
                continue;
            }
            // After a short line only a plain cut counts: menu items often
            // start in lower case, but never end with "of" or a comma.
            if width(text, prev) >= full {
                open += 1;
                evident += usize::from(cut_mid_sentence(text, prev, next));
            } else if cut_at_end(&text[prev.start..prev.end]) {
                open += 1;
                evident += 1;
            }
        }
        (evident > 0 && evident * 4 >= open).then(|| Wrap {
            full,
            base_indent: block.iter().map(|l| indent(text, l)).min().unwrap_or(0),
        })
    }

    /// Whether `next` continues the paragraph that `prev` is in: it is not
    /// indented deeper than the block, and `prev` reached the margin without
    /// ending a sentence (an initialism such as "U.S." ends none), or was
    /// cut in mid-sentence, or is the block's `first` line, short and
    /// ending no sentence, above a line that reaches the margin: newswire
    /// text that lost its dateline ("The Commodity Credit Corporation"
    /// above "(CCC) has accepted a bid for an export bonus ...").
    fn continues(&self, text: &str, prev: &Line, next: &Line, first: bool) -> bool {
        let prev_text = &text[prev.start..prev.end];
        let full = |l: &Line| width(text, l) >= self.full;
        let ends = ends_sentence(prev_text) && !ends_with_initialism(prev_text);
        indent(text, next) <= self.base_indent
            && ((full(prev) && !ends)
                || cut_mid_sentence(text, prev, next)
                || (first && !ends_sentence(prev_text) && full(next)))
    }
}

/// Whether a line ends with an initialism ("U.S.", "U.K.", "e.g."): single
/// letters each followed by a dot, which end no sentence by themselves.
fn ends_with_initialism(line: &str) -> bool {
    let last = line.rsplit(char::is_whitespace).next().unwrap_or_default();
    let mut letters = 0;
    let mut chars = last.chars().peekable();
    while let Some(c) = chars.next() {
        if !(c.is_alphabetic() && chars.next() == Some('.')) {
            return false;
        }
        letters += 1;
    }
    letters >= 2
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(text: &str) -> Vec<&str> {
        segment(text).iter().map(|s| &text[s.range()]).collect()
    }

    #[test]
    fn one_paragraph_per_line() {
        assert_eq!(
            texts("Title\nFirst para.\r\n  Second para.  \n"),
            ["Title", "First para.", "Second para."]
        );
    }

    #[test]
    fn blank_line_blocks_of_separate_lines_split() {
        let t = "Head\n\nBy Jane Roe\nPublished\nLast updated\n\nBody text here.";
        assert_eq!(
            texts(t),
            [
                "Head",
                "By Jane Roe",
                "Published",
                "Last updated",
                "Body text here."
            ]
        );
    }

    #[test]
    fn hard_wrapped_blocks_stay_whole() {
        let t = "The central bank said on Tuesday that it would keep its key\n\
                 interest rate unchanged for a third month, citing slower growth\n\
                 and easing inflation.\n\nA second paragraph.";
        let s = texts(t);
        assert_eq!(s.len(), 2);
        assert!(s[0].starts_with("The central") && s[0].ends_with("inflation."));
    }

    #[test]
    fn indented_paragraphs_of_wrapped_newswire_are_rejoined() {
        let t = "BAHIA COCOA REVIEW\n\nShowers continued throughout the week in\n\
                 the Bahia cocoa zone, alleviating the drought since early\n\
                 January and improving prospects for the coming temporao.\n\
                 \x20   The dry period means the temporao will be late this year.\n\
                 \x20   Arrivals for the week ended February 22 were 155,221 bags\n\
                 of 60 kilos making a cumulative total for the season of 5.93\n\
                 mln against 5.81 at the same stage last year.\n\
                 \x20       Sales 117.2 mln vs 108.4 mln\n\
                 \x20       Net 5.2 mln vs 4.1 mln\n\n Reuter\n";
        let s = texts(t);
        assert_eq!(s.len(), 7, "{s:#?}");
        assert!(s[1].starts_with("Showers") && s[1].ends_with("temporao."));
        assert_eq!(
            s[2],
            "The dry period means the temporao will be late this year."
        );
        assert!(s[3].starts_with("Arrivals") && s[3].ends_with("last year."));
        assert_eq!(s[4], "Sales 117.2 mln vs 108.4 mln");
        assert_eq!(s[6], "Reuter");
    }

    #[test]
    fn name_heavy_wrapped_text_and_notes_below_a_table() {
        let t = "United Security Financial Corp of\n\
                 Illinois said it has signed a letter of intent to buy Robert\n\
                 Co. Brown and Co Inc's MAGIC Insurance Group unit.\n\
                 \x20   United Security's principal subsidiary is United Security\n\
                 Life Insurance Co of Illinois. The MAGIC Group owns Pilgrim\n\
                 Life Insurance Co of America and Middle Atlantic Life Insurance\n\
                 Co.\n\
                 \x20   Avg shrs 13.9 mln vs 13.8 mln\n\
                 \x20   Operating net in latest quarter and year includes 750,000\n\
                 dlrs charge for restructuring announced in early January";
        let s = texts(t);
        assert_eq!(s.len(), 4, "{s:#?}");
        assert!(s[1].starts_with("United Security's") && s[1].ends_with("Co."));
        assert!(s[3].ends_with("early January"));
    }

    #[test]
    fn newswire_lines_cut_after_a_lost_dateline_or_an_initialism_are_joined() {
        let t = "CCC ACCEPTS BID FOR DAIRY CATTLE\n\nThe Commodity Credit Corporation\n\
                 (CCC) has accepted a bid for an export bonus to cover the sale\n\
                 of 380 head of dairy cattle to Kuwait, the whole of it from the U.S.\n\
                 Agriculture Department said.\n\
                 \x20   The dairy cattle are for shipment on or before May 31,\n\
                 1987, it said.\n\
                 \x20   Terms were not disclosed.\n Reuter\n";
        let s = texts(t);
        assert_eq!(s.len(), 5, "{s:#?}");
        assert!(s[1].starts_with("The Commodity") && s[1].ends_with("Department said."));
        assert_eq!(s[3], "Terms were not disclosed.");
    }

    #[test]
    fn headline_lists_are_not_mistaken_for_wrapped_text() {
        let t = "Chris Eubank Jr vs Conor Benn predicted to be insane after promo\n\
                 Arab League slams paramilitary forces deadly attacks in Sudan\n\
                 Emery says his side want to write history with Aston Villa";
        assert_eq!(texts(t).len(), 3);
    }

    #[test]
    fn sentence_ends() {
        assert!(ends_sentence("He said “no.”"));
        assert!(ends_sentence("完了。"));
        assert!(!ends_sentence("Source link"));
        assert!(!ends_sentence("Caption (Photo: AP)"));
    }
}
