//! Segmentation: a document becomes a list of segments, each a byte span into
//! the original text with surrounding white space trimmed.
//!
//! Scraped dumps come in two styles, often mixed in one file: one paragraph per
//! line, and blocks separated by blank lines. A block is one segment when its
//! lines look hard-wrapped (similar lengths, breaks in mid-sentence, as in
//! newswire text wrapped at 70 columns); otherwise each of its lines is a
//! segment, since the lines of a scraped block are usually separate units (a
//! byline, a date, a caption).

/// A byte span of a document's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segment {
    pub start: u32,
    pub end: u32,
}

impl Segment {
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
    if is_hard_wrapped(text, block) {
        out.push(span(block[0].start, block[block.len() - 1].end));
    } else {
        out.extend(block.iter().map(|l| span(l.start, l.end)));
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

fn is_hard_wrapped(text: &str, block: &[Line]) -> bool {
    if block.len() < 2 {
        return false;
    }
    let lens: Vec<usize> = block
        .iter()
        .map(|l| text[l.start..l.end].chars().count())
        .collect();
    let longest = *lens.iter().max().expect("non-empty");
    if !(40..=150).contains(&longest) {
        return false;
    }
    let body = &block[..block.len() - 1];
    let even = lens[..lens.len() - 1]
        .iter()
        .all(|&n| n * 10 >= longest * 6);
    let mid_sentence = body
        .iter()
        .filter(|l| !ends_sentence(&text[l.start..l.end]))
        .count();
    let lower_next = block[1..]
        .iter()
        .filter(|l| {
            text[l.start..l.end]
                .chars()
                .next()
                .is_some_and(|c| !c.is_uppercase())
        })
        .count();
    even && mid_sentence * 2 >= body.len() && lower_next * 10 >= body.len() * 3
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
