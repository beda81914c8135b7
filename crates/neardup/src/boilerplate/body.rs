//! The body classifier: finds the article in a page dump and removes what
//! lies outside it (menus, headers, sidebars, comment threads, footers).
//!
//! It works in two steps, like the rest of the boilerplate stage.
//!
//! 1. **Per line, in the first pass** ([`classify`]), each segment gets a
//!    class from signals a text extractor uses without HTML: its length in
//!    words, its density of function words (stop words of the document's
//!    language, from [`super::language`]), whether it ends a sentence, and
//!    whether it sits in a run of short lines that end no sentence (menus,
//!    link lists, tag clouds).
//!    - `Good`: prose. At least 8 words, at least 1 in 10 a function word, and
//!      it ends a sentence or has 30 words or more (and is not link labels
//!      run together: unpunctuated, three words in four capitalised).
//!    - `Bad`: a line in a run of 4 or more short lines (5 words or fewer,
//!      no sentence end), or a line without a single function word or
//!      sentence end.
//!    - `Middle`: everything else (headings, short sentences, list items).
//! 2. **Per document, in the plan stage** ([`select`]), once corpus templates
//!    are known, each line gets a score: `+words` for good lines, 0 for
//!    middle lines and for lines another rule already removed, `-(words + 2)
//!    / 2` for bad lines and a large penalty for corpus template lines. The
//!    body is the contiguous run of lines with the largest total score (the
//!    densest block of prose, found by Kadane's maximum-subarray scan, as
//!    Finn et al.'s Body Text Extraction does with tags); further runs count
//!    as body too when they score at least a fifth of the best, so an
//!    article split by an advertisement block stays whole (but not a run
//!    below it that the site's templates part from it, or a menu when the
//!    run's prose is mostly off its topic: a footer's pitch, a bio; nor
//!    does such a run join the best one when it outweighs the menu but not
//!    the article above it), and so does the run of prose right below the
//!    page's headline (a line that repeats its title line), however short:
//!    an article's opening that a table of contents parts from the rest of
//!    it. The nearest line above the body, when it is headline-sized, is
//!    the headline and stays (passing over names, dates and lines other
//!    rules removed); so does a page dump's headline that repeats its title
//!    line, whose removal as a repeat is lifted (the title line, outside the
//!    body, goes instead).
//!    Everything outside goes, as `outside_body`, with its score.
//!
//! Inside the body only templates and the structural rules remove lines, so
//! headings, short quoted lines and lists that belong to the article stay.
//! A document without a single good line (a table, a list, a short note) is
//! left as it is.

use crate::boilerplate::structural::{LineFacts, SegmentView};
use crate::removal::{Kind, Removal, Rule};
use crate::text::segment::ends_sentence;
use std::ops::Range;

/// A line's class, from its own signals and its neighbours'.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[repr(u8)]
pub enum Class {
    /// Boilerplate-like: in a run of short lines that end no sentence, or without a function word or sentence end.
    #[default]
    Bad = 0,
    /// Neither: headings, short sentences, list items.
    Middle = 1,
    /// Prose: 8 words or more, 1 in 10 a function word, ending a sentence or 30 words long.
    Good = 2,
}

impl Class {
    /// The class of [`Class`]'s `u8` code; an unknown code is [`Class::Bad`].
    pub fn from_code(code: u8) -> Class {
        match code {
            2 => Class::Good,
            1 => Class::Middle,
            _ => Class::Bad,
        }
    }
}

/// Words a good line has at least.
const GOOD_WORDS: usize = 8;
/// Words from which a line is prose without a sentence end.
const LONG_WORDS: usize = 30;
/// A good line has at least one function word in `GOOD_STOP_RATIO`.
const GOOD_STOP_RATIO: usize = 10;
/// Words of a short line.
const SHORT_WORDS: usize = 5;
/// Short lines in a row that make a menu-like run.
const MENU_RUN: usize = 4;
/// Score of a corpus template line: a template inside a run of prose ends it.
const TEMPLATE_PENALTY: f32 = 50.0;
/// A further run is body when it scores this share of the best run.
const SECOND_RUN_SHARE: f32 = 0.2;
/// Headline size, in words.
const HEADLINE_WORDS: Range<u16> = 2..26;
/// Lines above the body in which its headline is looked for.
const HEAD_ZONE: usize = 6;
/// Lines above the body in which a headline that repeats the page's title
/// line is looked for: past a byline, a date, a standfirst and a table of
/// contents' first entries.
const TITLE_ZONE: usize = 2 * HEAD_ZONE;
/// Words of a line between a headline and the body that is passed over.
const ZONE_SHORT: u16 = 4;

/// The class of each line, and whether it stands in a run of short lines
/// like a menu; token `t` is a function word when `stop_bits[t] & stop_mask
/// != 0` (see [`super::language::StopLists`]).
pub fn classify(lines: &[SegmentView], stop_bits: &[u64], stop_mask: u64) -> Vec<(Class, bool)> {
    let ends: Vec<bool> = lines.iter().map(|l| ends_sentence(l.text)).collect();
    let short: Vec<bool> = lines
        .iter()
        .zip(&ends)
        .map(|(l, &ends)| l.tokens.len() <= SHORT_WORDS && !ends)
        .collect();
    // Length of the run of short lines each line is in (0 when not short).
    let mut run = vec![0; lines.len()];
    let mut i = 0;
    while i < lines.len() {
        let start = i;
        while i < lines.len() && short[i] {
            i += 1;
        }
        run[start..i].fill(i - start);
        i = i.max(start + 1);
    }
    lines
        .iter()
        .zip(run.iter().zip(&ends))
        .map(|(l, (&run, &ends))| {
            let words = l.tokens.len();
            let stop = stop_bits[l.tokens.clone()]
                .iter()
                .filter(|&&b| b & stop_mask != 0)
                .count();
            let class = if words >= GOOD_WORDS
                && stop * GOOD_STOP_RATIO >= words
                && (ends || (words >= LONG_WORDS && !is_run_of_labels(l.text)))
            {
                Class::Good
            } else if run >= MENU_RUN || (stop == 0 && !ends) {
                Class::Bad
            } else {
                Class::Middle
            };
            (class, run >= MENU_RUN)
        })
        .collect()
}

/// Whether `text` is link labels run together ("How to Invest Money What to
/// Invest In How to Invest in Stocks"): no punctuation that joins the parts
/// of a sentence or a list (a comma, a colon, a semicolon, a bracket), and
/// most words (three in four of those that start with a letter) start with
/// a capital. Prose capitalises a word here and there (German its nouns),
/// and a list of names is punctuated.
fn is_run_of_labels(text: &str) -> bool {
    if text.contains([',', ':', ';', '(', '，', '、', '：']) {
        return false;
    }
    let (mut words, mut capitalised) = (0usize, 0usize);
    for c in text.split_whitespace().filter_map(|w| w.chars().next()) {
        if c.is_alphabetic() {
            words += 1;
            capitalised += usize::from(c.is_uppercase());
        }
    }
    words > 0 && capitalised * 4 >= words * 3
}

/// The score of each line (see the module documentation).
fn scores(facts: &[LineFacts], removals: &[Option<Removal>]) -> Vec<f32> {
    // A row of a table ("1/1/2013 +13.1%" beside more of them) is neither
    // prose nor a menu; a date stamp is no row.
    let content: Vec<usize> = (0..facts.len()).filter(|&i| facts[i].words > 0).collect();
    let mut row = vec![false; facts.len()];
    for p in 0..content.len() {
        row[content[p]] = super::template::is_row(facts, &content, p);
    }
    facts
        .iter()
        .zip(removals)
        .zip(row)
        .map(|((f, r), row)| match r {
            Some(r) if matches!(r.rule, Rule::CorpusTemplate | Rule::CommentThread) => {
                -TEMPLATE_PENALTY
            }
            Some(_) => 0.0,
            None if f.pinned => 0.0,
            None => match f.class {
                Class::Good => f32::from(f.words),
                Class::Middle => 0.0,
                Class::Bad if row && !f.is_stamp() => 0.0,
                Class::Bad => -(f32::from(f.words) + 2.0) / 2.0,
            },
        })
        .collect()
}

/// The run of `scores[range]` with the largest positive sum, and the sum;
/// the earliest such run on ties.
fn best_run(scores: &[f32], range: Range<usize>) -> Option<(Range<usize>, f32)> {
    let mut best: Option<(Range<usize>, f32)> = None;
    let (mut sum, mut start) = (0.0f32, range.start);
    for i in range.clone() {
        if sum <= 0.0 {
            sum = 0.0;
            start = i;
        }
        sum += scores[i];
        if sum > 0.0 && best.as_ref().is_none_or(|b| sum > b.1) {
            best = Some((start..i + 1, sum));
        }
    }
    best
}

/// Template lines in a row that make a site's menu or footer.
const TEMPLATE_RUN: usize = 3;

/// Whether the lines `range` hold site furniture: a run of templates
/// ([`holds_templates`]) or of menu-like lines ([`holds_menu`]).
fn holds_furniture(
    facts: &[LineFacts],
    removals: &[Option<Removal>],
    range: Range<usize>,
    head: bool,
) -> bool {
    holds_templates(facts, removals, range.clone()) || holds_menu(facts, removals, range, head)
}

/// Whether the lines `range` hold [`TEMPLATE_RUN`] corpus template lines in
/// a row (not rows of a table): what the site prints on its other pages.
fn holds_templates(facts: &[LineFacts], removals: &[Option<Removal>], range: Range<usize>) -> bool {
    // Rows of a table are data, however often they recur.
    let all: Vec<usize> = (0..facts.len()).filter(|&i| facts[i].words > 0).collect();
    let template = |p: usize| {
        removals[all[p]].is_some_and(|r| r.rule == Rule::CorpusTemplate)
            && !super::template::is_row(facts, &all, p)
    };
    let lines: Vec<usize> = (0..all.len())
        .filter(|&p| range.contains(&all[p]))
        .collect();
    lines
        .windows(TEMPLATE_RUN)
        .any(|w| w.iter().all(|&p| template(p)))
}

/// Whether the lines `range` hold a run of menu-like lines that neither
/// carries figures (a table's rows) nor shares its vocabulary with the
/// article (a list of the article's own, such as a line-up or a list of
/// nominees), or, in the document's `head`, is longer than [`HEAD_MENU`]
/// lines.
fn holds_menu(
    facts: &[LineFacts],
    removals: &[Option<Removal>],
    range: Range<usize>,
    head: bool,
) -> bool {
    first_menu(facts, removals, range, head).is_some()
}

/// The first line of the first run of menu-like lines in `range` that
/// [`holds_menu`] counts.
fn first_menu(
    facts: &[LineFacts],
    removals: &[Option<Removal>],
    range: Range<usize>,
    head: bool,
) -> Option<usize> {
    let menu: Vec<usize> = range
        .filter(|&i| facts[i].words > 0 && removals[i].is_none())
        .collect();
    menu.chunk_by(|&a, &b| facts[a].menu && facts[b].menu && b == a + 1)
        .filter(|run| facts[run[0]].menu && run.len() >= MENU_RUN)
        .find(|run| {
            let figures = run.iter().filter(|&&i| facts[i].has_figures()).count();
            let own = super::structural::share_article_words(run.iter().map(|&i| &facts[i]));
            figures * 2 < run.len() && (!own || (head && run.len() > HEAD_MENU))
        })
        .map(|run| run[0])
}

/// Kept lines above the article's main run of prose (rows of a table not
/// counted) beyond which a document does not open with its article.
const HEAD_LINES: usize = 2 * MENU_RUN;

/// Menu-like lines in a row above the article beyond which they are a
/// site's navigation, whatever words they share with it (a match's teams,
/// ground and kick-off above its report are fewer).
const HEAD_MENU: usize = 2 * MENU_RUN;

/// The main run of prose of a document in the first pass, when corpus
/// templates are not known yet: the contiguous run of lines with the largest
/// score, the lines `shared` (the census's shared lines) scored as
/// templates.
pub fn main_run(
    facts: &[LineFacts],
    removals: &[Option<Removal>],
    shared: impl Fn(usize) -> bool,
) -> Option<Range<usize>> {
    let mut scores = scores(facts, removals);
    for (i, s) in scores.iter_mut().enumerate() {
        if removals[i].is_none() && shared(i) {
            *s = -TEMPLATE_PENALTY;
        }
    }
    best_run(&scores, 0..scores.len()).map(|(run, _)| run)
}

/// Whether the document is already clean text, not a page: it opens with its
/// article (no menu-like line above the article's main run of prose, or at
/// most `HEAD_LINES` kept lines there, not counting a table's rows), and
/// before and after that run stands no site furniture (a run of
/// menu-like lines that shares nothing with the article, or a run of
/// template lines). Nothing of such a document lies outside its
/// body, and of its recurring lines only those that open or close it are
/// templates ([`super::template::release_inside`]).
pub fn is_clean_text(facts: &[LineFacts], removals: &[Option<Removal>]) -> bool {
    let scores = scores(facts, removals);
    let Some((body, _)) = best_run(&scores, 0..scores.len()) else {
        // No prose: a table, a list; left as it is.
        return true;
    };
    // Above the article stand at most a few lines of its own (a headline,
    // a standfirst, a match's teams and ground), not counting a table's rows.
    let content: Vec<usize> = (0..facts.len()).filter(|&i| facts[i].words > 0).collect();
    let head = (0..content.len())
        .filter(|&p| content[p] < body.start && removals[content[p]].is_none())
        .filter(|&p| !super::template::is_row(facts, &content, p))
        .count();
    let menu_above = (0..body.start).any(|i| facts[i].menu && removals[i].is_none());
    let thread = removals
        .iter()
        .any(|r| r.is_some_and(|r| r.rule == Rule::CommentThread));
    !thread
        && (head <= HEAD_LINES || !menu_above)
        && !holds_furniture(facts, removals, 0..body.start, true)
        && !holds_furniture(facts, removals, body.end..facts.len(), false)
}

/// The lines of the headline zone above the body's first line `top`, within
/// [`HEAD_ZONE`] lines and passing over lines a rule removed (bylines,
/// dates, captions): the nearest headline-sized line, passing over short
/// lines that end no sentence ("By", a name, "5 min read"), date stamps and
/// names glued to dates when a longer line stands above them, and when that
/// line is a sentence (a standfirst), the headline-sized line above it too.
/// A page dump's headline repeats its title line, which stands further up:
/// such a copy, removed as a repeat, counts as a line of the zone, and when
/// one (or a line the line facts mark as repeating the title line, too
/// short to be a repeat) is headline-sized and within [`TITLE_ZONE`] lines
/// it is a headline too, whatever stands between it and the body.
fn headline_zone(facts: &[LineFacts], removals: &[Option<Removal>], top: usize) -> Vec<usize> {
    let above: Vec<usize> = (0..top)
        .rev()
        .filter(|&i| {
            facts[i].words > 0 && (removals[i].is_none() || title_copy(facts, removals, i))
        })
        .take(TITLE_ZONE)
        .collect();
    // Of a line and its copy, only the copy nearer the body counts.
    let copied: Vec<usize> = above.iter().filter_map(|&i| copy_of(removals[i])).collect();
    let above: Vec<usize> = above.into_iter().filter(|i| !copied.contains(i)).collect();
    let zone = &above[..above.len().min(HEAD_ZONE)];
    let short = |i: usize| {
        (facts[i].words < ZONE_SHORT && !facts[i].ends_sentence())
            || facts[i].is_stamp()
            || facts[i].is_dated_byline()
    };
    let sized = |i: usize| HEADLINE_WORDS.contains(&facts[i].words);
    let mut lines: Vec<usize> = above
        .iter()
        .copied()
        .find(|&i| {
            (removals[i].is_some() || facts[i].is_title())
                && sized(i)
                && !short(i)
                && !facts[i].menu
        })
        .into_iter()
        .collect();
    let Some(&nearest) = zone.first() else {
        return lines;
    };
    let first = match zone.iter().position(|&i| !short(i)) {
        Some(p) if zone[..p].iter().all(|&i| short(i)) && sized(zone[p]) => p,
        _ if sized(nearest) => 0,
        _ => return lines,
    };
    lines.push(zone[first]);
    if facts[zone[first]].ends_sentence() {
        let above = zone[first + 1..].iter().find(|&&i| !short(i));
        if let Some(&h) = above.filter(|&&i| sized(i) && !facts[i].menu) {
            lines.push(h);
        }
    }
    lines
}

/// The line that `removal` removes a line as a repeat of, when it does.
fn copy_of(removal: Option<Removal>) -> Option<usize> {
    removal
        .filter(|r| r.rule.kind() == Kind::RepeatedParagraph)
        .and_then(|r| r.twin)
        .map(|t| t.segment as usize)
}

/// Whether line `i` is removed as a lone copy of a line further up, as a
/// page's headline repeats its title line: an exact or near repeat whose
/// neighbours are no repeats of other lines (a block of lines given twice,
/// such as a menu, is no title; the same headline given twice is).
fn title_copy(facts: &[LineFacts], removals: &[Option<Removal>], i: usize) -> bool {
    let twin = copy_of(removals[i]);
    let repeat = |j: Option<usize>| {
        j.is_some_and(|j| copy_of(removals[j]).is_some_and(|t| Some(t) != twin && t != i))
    };
    let above = (0..i).rev().find(|&j| facts[j].words > 0);
    let below = (i + 1..facts.len()).find(|&j| facts[j].words > 0);
    removals[i].is_some_and(|r| matches!(r.rule, Rule::ExactRepeat | Rule::NearRepeat))
        && !repeat(above)
        && !repeat(below)
}

/// Whether `run`, a run of prose below the article, is the page's rather
/// than the article's: the lines `gap` that part it from the article hold
/// the site's templates ([`holds_templates`]: its footer, its menus), or
/// hold a menu ([`holds_menu`]) and most of the run's prose is off the
/// article's topic (a footer's pitch, a bio, a teaser's summary; the next
/// part of an article or of a listing, whose items a menu-like list of
/// attributes may part, shares its words). Nothing below such a run is
/// the article's either.
fn is_parted_tail(
    facts: &[LineFacts],
    removals: &[Option<Removal>],
    gap: Range<usize>,
    run: &Range<usize>,
) -> bool {
    let prose = |off_topic: bool| -> u32 {
        run.clone()
            .filter(|&i| facts[i].class == Class::Good && removals[i].is_none())
            .filter(|&i| facts[i].is_off_topic() == off_topic)
            .map(|i| u32::from(facts[i].words))
            .sum()
    };
    holds_templates(facts, removals, gap.clone())
        || (prose(true) > prose(false) && holds_menu(facts, removals, gap, false))
}

/// Marks every line outside the body as `outside_body`. Lines already
/// removed keep their reason, but for a headline that repeats the page's
/// title line, which stays and leaves the title line to go; pinned lines
/// stay.
pub fn select(facts: &[LineFacts], removals: &mut [Option<Removal>]) {
    let scores = scores(facts, removals);
    let Some((mut first, best)) = best_run(&scores, 0..scores.len()) else {
        return;
    };
    // Prose below a menu can outweigh the menu's penalty, and join the
    // article's run: the run stops at the menu when what follows it is a
    // parted tail, as a further run below would be.
    if let Some(menu) = first_menu(facts, removals, first.clone(), false) {
        let head = best_run(&scores, first.start..menu);
        let tail = best_run(&scores, menu..first.end);
        if let (Some((head, above)), Some((tail, below))) = (head, tail) {
            if below < above && is_parted_tail(facts, removals, head.end..tail.start, &tail) {
                first = head;
            }
        }
    }
    let mut body = vec![false; facts.len()];
    let mut todo = vec![0..first.start, first.end..facts.len()];
    body[first.clone()].fill(true);
    while let Some(range) = todo.pop() {
        if let Some((run, sum)) = best_run(&scores, range.clone()) {
            let below = run.start >= first.end;
            if sum >= SECOND_RUN_SHARE * best
                && !(below && is_parted_tail(facts, removals, range.start..run.start, &run))
            {
                body[run.clone()].fill(true);
                todo.push(range.start..run.start);
                todo.push(run.end..range.end);
            }
        }
    }
    // The article's opening, parted from the rest of it by a table of
    // contents or an advertisement, stands right below the page's headline
    // (a line that repeats the title line): that prose is the article's too.
    if let Some(top) = body.iter().position(|&b| b) {
        let headline = (0..top)
            .rev()
            .find(|&i| facts[i].is_title() || title_copy(facts, removals, i));
        if let Some(h) = headline {
            let opening =
                best_run(&scores, h + 1..top).filter(|(run, _)| run.start - h <= HEAD_ZONE);
            if let Some((run, _)) = opening {
                body[run].fill(true);
            }
        }
    }
    // What the article ends with may not be its own: prose off its topic
    // after its last paragraph on it (a bio, a disclaimer, a newsletter's
    // pitch), with whatever stands between, is flagged (`off_topic_tail`).
    if let Some(end) = body.iter().rposition(|&b| b) {
        let on_topic = |i: usize| facts[i].class == Class::Good && !facts[i].is_off_topic();
        let start = (0..=end).rev().find(|&i| !body[i]).map_or(0, |i| i + 1);
        if let Some(last) = (start..=end).rev().find(|&i| on_topic(i)) {
            let prose = |r: std::ops::RangeInclusive<usize>| -> u32 {
                r.filter(|&i| facts[i].class == Class::Good && removals[i].is_none())
                    .map(|i| u32::from(facts[i].words))
                    .sum()
            };
            let off = prose(last + 1..=end);
            if off > 0 && off < prose(start..=last) {
                for i in last + 1..=end {
                    if removals[i].is_none() && !facts[i].pinned {
                        removals[i] = Some(Removal::new(Rule::OffTopicTail));
                    }
                }
            }
        }
    }
    // The headline zone above the body (see [`headline_zone`]).
    if let Some(top) = body.iter().position(|&b| b) {
        for h in headline_zone(facts, removals, top) {
            body[h] = true;
            removals[h] = None;
        }
    }
    for (i, f) in facts.iter().enumerate() {
        if !body[i] && removals[i].is_none() && !f.pinned {
            removals[i] = Some(Removal::scored(Rule::OutsideBody, scores[i]));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fact(class: Class, words: u16) -> LineFacts {
        let mut f = LineFacts::of_words(words.into());
        f.class = class;
        f
    }

    /// Classes of `text`'s lines, with English function words.
    fn classes(text: &str) -> Vec<Class> {
        use crate::boilerplate::language::StopLists;
        use crate::text::{Tokenizer, Tokens};
        let tokenizer = Tokenizer::new(1);
        let mut tokens = Tokens::default();
        tokenizer.tokenize(text, &mut tokens);
        let mut pos = 0;
        let views: Vec<SegmentView> = text
            .split('\n')
            .map(|line| {
                let (start, end) = (pos, pos + line.len());
                pos = end + 1;
                SegmentView {
                    text: line,
                    tokens: tokens.range(start, end),
                }
            })
            .collect();
        let mut bits = Vec::new();
        let lines: Vec<Range<usize>> = views.iter().map(|v| v.tokens.clone()).collect();
        let (_, mask) = StopLists::new(&tokenizer).for_document(&tokens.hashes, &lines, &mut bits);
        classify(&views, &bits, mask)
            .into_iter()
            .map(|c| c.0)
            .collect()
    }

    #[test]
    fn each_signal_moves_the_class() {
        use Class::*;
        let prose = "The committee said that it would publish the findings in the spring.";
        // Prose; too short; no sentence end but long; no function words.
        let long = "word ".repeat(12) + &"of the ".repeat(10);
        let text = format!(
            "{prose}\nThe plan is good.\n{long}\nSamsung Galaxy S24 Ultra Titanium Black 512GB Unlocked Smartphone Review\nWhy the bridge matters"
        );
        assert_eq!(classes(&text), [Good, Middle, Good, Bad, Middle]);
        // Four short lines in a row are a menu, even with function words;
        // in a run of three, a short line is bad only without any.
        assert_eq!(
            classes(&format!(
                "Home\nAbout us\nNews of the day\nContact\n{prose}"
            )),
            [Bad, Bad, Bad, Bad, Good]
        );
        assert_eq!(
            classes(&format!("In the news\nAbout us\nContact\n{prose}")),
            [Middle, Middle, Bad, Good]
        );
        // Long without a sentence end: link labels run together are no
        // prose; a punctuated list is.
        let labels = "Home News Sport Business Money of the Week Travel Health Culture Style \
            Food and Drink Cars Jobs Property in Your Area "
            .repeat(2);
        let names = "Anna Berg of the Royal Society, Tom Kerr of the Met Office, ".repeat(3);
        assert_eq!(classes(&format!("{labels}\n{names}")), [Middle, Good]);
        assert!(!is_run_of_labels("1 2 3 4 5 6 7 8 9"));
    }

    #[test]
    fn best_run_is_the_densest_block() {
        let s = [-3.0, 10.0, -2.0, 12.0, -30.0, 5.0];
        assert_eq!(best_run(&s, 0..6), Some((1..4, 20.0)));
        assert_eq!(best_run(&[-1.0, -2.0], 0..2), None);
    }

    #[test]
    fn menus_around_the_body_go_and_the_headline_stays() {
        use Class::*;
        let facts = [
            fact(Bad, 1),
            fact(Bad, 1),
            fact(Bad, 2),
            fact(Middle, 9), // headline
            fact(Good, 40),  // body
            fact(Middle, 3), // heading inside the body
            fact(Good, 25),  // body
            fact(Bad, 2),    // footer menu
            fact(Bad, 2),
        ];
        let mut removals = vec![None; facts.len()];
        select(&facts, &mut removals);
        let out: Vec<bool> = removals.iter().map(Option::is_some).collect();
        assert_eq!(
            out,
            [true, true, true, false, false, false, false, true, true]
        );
        let r = removals[0].unwrap();
        assert_eq!(r.rule, Rule::OutsideBody);
        assert_eq!(r.score, Some(-1.5));
    }

    #[test]
    fn a_template_line_splits_the_body_from_a_comment_thread() {
        use Class::*;
        let mut facts = vec![fact(Good, 60), fact(Good, 30), fact(Middle, 1)];
        facts.extend([fact(Good, 8); 2]); // comments: prose, but far less of it
        let mut removals = vec![None; facts.len()];
        removals[2] = Some(Removal::new(Rule::CorpusTemplate));
        select(&facts, &mut removals);
        assert!(removals[..2].iter().all(Option::is_none));
        assert!(removals[3..]
            .iter()
            .all(|r| r.is_some_and(|r| r.rule == Rule::OutsideBody)));
    }

    #[test]
    fn a_second_block_of_the_article_stays() {
        use Class::*;
        // A few short lines inside the body are the body's (headings, list
        // items); a long menu splits it, and the part after it still counts
        // when it holds at least a fifth as much prose.
        let mut facts = vec![fact(Good, 50), fact(Bad, 3), fact(Good, 20)];
        facts.extend([fact(Bad, 3); 30]);
        facts.push(fact(Good, 15));
        let mut removals = vec![None; facts.len()];
        select(&facts, &mut removals);
        assert!(removals[..3].iter().all(Option::is_none));
        assert!(removals[3..33].iter().all(Option::is_some));
        assert!(removals[33].is_none());
    }

    #[test]
    fn off_topic_prose_parted_from_the_article_by_a_menu_goes() {
        use Class::*;
        let prose = |words: u16, in_body: u16| fact(Good, words).with_topic(words / 2, in_body);
        let mut menu = fact(Bad, 2);
        menu.menu = true;
        // The article, a footer menu, then prose that shares next to none
        // of its words (a shop's pitch, a bio) and what follows it.
        let tail = |in_body: u16| {
            let mut facts = vec![prose(60, 30), prose(40, 20)];
            facts.extend([menu; 6]);
            facts.extend([prose(30, in_body), fact(Middle, 3), prose(20, in_body)]);
            let mut removals = vec![None; facts.len()];
            select(&facts, &mut removals);
            removals[8..]
                .iter()
                .map(|r| r.is_some_and(|r| r.rule == Rule::OutsideBody))
                .collect::<Vec<_>>()
        };
        // Outside the body, though the prose below the menu outweighs it
        // (a run from the article through the menu scores higher than the
        // article alone).
        assert_eq!(tail(0), [true; 3]);
        // The next part of the article, or of a listing, is on its topic.
        assert_eq!(tail(10), [false; 3]);
        // Prose below a menu that outweighs what stands above it is the
        // article (a course's transcript below its short introduction).
        let mut facts = vec![prose(20, 10)];
        facts.extend([menu; 6]);
        facts.push(prose(200, 0));
        let mut removals = vec![None; facts.len()];
        select(&facts, &mut removals);
        assert_eq!(removals[7], None);
        // Past the site's templates, whatever the prose.
        let mut facts = vec![prose(60, 30), prose(40, 20)];
        facts.extend([fact(Middle, 3); 3]);
        facts.extend([prose(30, 10), prose(20, 10)]);
        let mut removals = vec![None; facts.len()];
        removals[2..5].fill(Some(Removal::new(Rule::CorpusTemplate)));
        select(&facts, &mut removals);
        assert!(removals[5..].iter().all(Option::is_some));
    }

    #[test]
    fn the_headline_stays_above_bylines_dates_and_a_standfirst() {
        use Class::*;
        // Headline, byline (removed by its rule), "5 min read", body.
        let facts = [
            fact(Middle, 8),
            fact(Bad, 3),
            fact(Bad, 3),
            fact(Good, 40),
            fact(Good, 30),
        ];
        let mut removals = vec![None; facts.len()];
        removals[1] = Some(Removal::new(Rule::Byline));
        select(&facts, &mut removals);
        let rules: Vec<Option<Rule>> = removals.iter().map(|r| r.map(|r| r.rule)).collect();
        assert_eq!(
            rules,
            [
                None,
                Some(Rule::Byline),
                Some(Rule::OutsideBody),
                None,
                None
            ]
        );
        // Headline, then a standfirst (a sentence, not prose enough to be
        // the body's), then the body: both stay; a menu line above goes.
        let standfirst = fact(Middle, 12).with_words(6, 4, true);
        let facts = [
            fact(Bad, 1),
            fact(Middle, 9),
            standfirst,
            fact(Good, 40),
            fact(Good, 30),
        ];
        let mut removals = vec![None; facts.len()];
        select(&facts, &mut removals);
        let kept: Vec<bool> = removals.iter().map(Option::is_none).collect();
        assert_eq!(kept, [false, true, true, true, true]);
    }

    #[test]
    fn a_headline_that_repeats_the_title_line_stays_and_the_title_goes() {
        use crate::removal::Twin;
        use Class::*;
        let copy = |rule, of: u32| {
            let twin = Twin {
                doc: 0,
                segment: of,
                similarity: 1.0,
                start: 0,
                end: 0,
            };
            Some(Removal::with_twin(rule, twin))
        };
        // Title line, menu, headline (a copy of the title), author name,
        // date stamp, body: the headline stays, its copy's removal lifted,
        // and the title line, name and date go.
        let facts = [
            fact(Middle, 9),
            fact(Bad, 1),
            fact(Bad, 1),
            fact(Bad, 2),
            fact(Middle, 8),
            fact(Bad, 2),
            fact(Bad, 4).stamped(),
            fact(Good, 40),
            fact(Good, 30),
        ];
        let mut removals = vec![None; facts.len()];
        removals[4] = copy(Rule::ExactRepeat, 0);
        select(&facts, &mut removals);
        let kept: Vec<bool> = removals.iter().map(Option::is_none).collect();
        assert_eq!(
            kept,
            [false, false, false, false, true, false, false, true, true]
        );
        assert_eq!(removals[0].unwrap().rule, Rule::OutsideBody);
        // A menu given twice is no headline: a copy beside other copies
        // stays removed.
        let mut removals = vec![None; facts.len()];
        removals[3] = copy(Rule::ExactRepeat, 1);
        removals[4] = copy(Rule::ExactRepeat, 0);
        select(&facts, &mut removals);
        assert_eq!(removals[4].unwrap().rule, Rule::ExactRepeat);
        // A headline too short to be a repeat, marked as repeating the title
        // line, stays above a line the nearest-line rule would take.
        let mut facts = facts;
        facts[4] = fact(Middle, 5).titled();
        facts[5] = fact(Middle, 4);
        let mut removals = vec![None; facts.len()];
        select(&facts, &mut removals);
        assert!(removals[4].is_none());
        // Such a headline is found past the headline zone, below a byline,
        // a date and a table of contents, up to twice as far.
        let mut facts = vec![fact(Middle, 9), fact(Bad, 1), fact(Middle, 7).titled()];
        facts.extend([fact(Bad, 2); HEAD_ZONE + 2]);
        facts.extend([fact(Good, 40), fact(Good, 30)]);
        let mut removals = vec![None; facts.len()];
        select(&facts, &mut removals);
        assert!(removals[2].is_none());
        assert!(removals[0].is_some() && removals[3].is_some());
    }

    #[test]
    fn the_opening_below_the_headline_stays_when_a_table_of_contents_parts_it() {
        use Class::*;
        // Title line, menu, headline, a short opening paragraph, a table of
        // contents, then the article's long body.
        let mut facts = vec![fact(Middle, 9), fact(Bad, 1), fact(Bad, 1)];
        facts.push(fact(Middle, 7).titled());
        facts.push(fact(Good, 30));
        facts.extend([fact(Bad, 3); 16]);
        facts.extend([fact(Good, 60); 4]);
        let mut removals = vec![None; facts.len()];
        select(&facts, &mut removals);
        let kept: Vec<usize> = (0..facts.len())
            .filter(|&i| removals[i].is_none())
            .collect();
        assert_eq!(kept, [3, 4, 21, 22, 23, 24]);
    }

    #[test]
    fn prose_off_the_topic_after_the_article_is_only_flagged() {
        use Class::*;
        let on = |words| fact(Good, words).with_words(10, 8, true);
        let facts = [on(60), on(40), fact(Good, 20).with_words(10, 0, true)];
        let mut removals = vec![None; facts.len()];
        select(&facts, &mut removals);
        assert!(removals[..2].iter().all(Option::is_none));
        let tail = removals[2].unwrap().rule;
        assert_eq!(tail, Rule::OffTopicTail);
        assert!(tail.is_unsure());
        // More off-topic prose than on-topic prose is not a tail.
        let facts = [on(20), fact(Good, 60).with_words(10, 0, true)];
        let mut removals = vec![None; facts.len()];
        select(&facts, &mut removals);
        assert!(removals.iter().all(Option::is_none));
    }

    #[test]
    fn pinned_lines_and_pages_without_prose_stay() {
        use Class::*;
        let mut facts = [fact(Bad, 2), fact(Good, 30), fact(Bad, 2)];
        facts[0].pinned = true;
        let mut removals = vec![None; 3];
        select(&facts, &mut removals);
        assert_eq!(removals.iter().filter(|r| r.is_some()).count(), 1);
        let table = [fact(Middle, 4), fact(Bad, 3), fact(Middle, 5)];
        let mut removals = vec![None; 3];
        select(&table, &mut removals);
        assert!(removals.iter().all(Option::is_none));
    }
}
