//! What is removed and why: the kinds of waste, the rules that find them,
//! a removal with the kept text it duplicates, and a document's fate. A leaf
//! module: every stage that decides or reports removals uses these types,
//! and they use nothing of the crate.

use serde::Serialize;

/// Why a span is removed: the four kinds of waste neardup finds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A document that copies (or nearly copies) a kept one.
    DuplicateDocument,
    /// A paragraph that repeats one earlier in the same document.
    RepeatedParagraph,
    /// Text that is not the document's own: templates, menus, bylines, trailing link lists.
    Boilerplate,
    /// A paragraph that copies one of an earlier kept document (`--remove-shared`).
    SharedPassage,
}

impl Kind {
    /// The kind's name in reports (`duplicate_document`, ...).
    pub fn name(self) -> String {
        snake_name(&self)
    }
}

/// The snake_case name serde gives a unit variant.
fn snake_name<T: Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// The rule that fired. Each is documented where it is implemented.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// Whole document: exact copy (same normalised text) of a kept one.
    ExactDocument,
    /// Whole document: MinHash/LSH near-duplicate of a kept one.
    NearDuplicateDocument,
    /// Whole document: its content contained in a longer kept one (cut short).
    ContainedDuplicate,
    /// Segment with the same normalised text as an earlier one.
    ExactRepeat,
    /// Segment whose shingle Jaccard with an earlier one reaches the threshold.
    NearRepeat,
    /// Short segment repeated inside a run of repeated segments.
    RepeatedBlock,
    /// Segment recurring (digits masked) across many documents.
    CorpusTemplate,
    /// Run of short non-sentence lines after the body, unrelated to it.
    TrailingBlock,
    /// "By ..." author line.
    Byline,
    /// Publication or update date line, or its bare label.
    Timestamp,
    /// Photo caption with a credit, and the image text before it.
    Caption,
    /// "Photo: ...", "Source: ..." credit lines.
    CreditLine,
    /// Attribution line of an embedded social-media post.
    SocialEmbed,
    /// Line outside the article's body (see `boilerplate::body`).
    OutsideBody,
    /// Comment thread below the article, and what follows it.
    CommentThread,
    /// Box about the author or publisher that closes the article, and what
    /// follows it.
    AuthorBio,
    /// Prose off the article's topic after its last paragraph on it (a bio,
    /// a disclaimer, a pitch): unsure, so kept and listed under `flagged`.
    OffTopicTail,
    /// Line dropped by a rule from the user's rules file.
    UserRule,
    /// Passage also found in an earlier kept document.
    SharedPassage,
}

impl Rule {
    /// Every rule, in code order.
    pub const ALL: [Rule; 19] = [
        Rule::ExactDocument,
        Rule::NearDuplicateDocument,
        Rule::ContainedDuplicate,
        Rule::ExactRepeat,
        Rule::NearRepeat,
        Rule::RepeatedBlock,
        Rule::CorpusTemplate,
        Rule::TrailingBlock,
        Rule::Byline,
        Rule::Timestamp,
        Rule::Caption,
        Rule::CreditLine,
        Rule::SocialEmbed,
        Rule::OutsideBody,
        Rule::CommentThread,
        Rule::AuthorBio,
        Rule::OffTopicTail,
        Rule::UserRule,
        Rule::SharedPassage,
    ];

    /// A one-byte code, for files of intermediate results.
    pub fn code(self) -> u8 {
        Rule::ALL
            .iter()
            .position(|&r| r == self)
            .expect("every rule is listed") as u8
    }

    /// The rule of [`Rule::code`]'s code; None for an unknown code.
    pub fn from_code(code: u8) -> Option<Rule> {
        Rule::ALL.get(code as usize).copied()
    }

    /// The rule's name in reports and tables (`exact_document`, ...).
    pub fn name(self) -> String {
        snake_name(&self)
    }

    /// The kind of waste this rule finds.
    pub fn kind(self) -> Kind {
        match self {
            Rule::ExactDocument | Rule::NearDuplicateDocument | Rule::ContainedDuplicate => {
                Kind::DuplicateDocument
            }
            Rule::ExactRepeat | Rule::NearRepeat | Rule::RepeatedBlock => Kind::RepeatedParagraph,
            Rule::SharedPassage => Kind::SharedPassage,
            Rule::CorpusTemplate
            | Rule::TrailingBlock
            | Rule::Byline
            | Rule::Timestamp
            | Rule::Caption
            | Rule::CreditLine
            | Rule::SocialEmbed
            | Rule::OutsideBody
            | Rule::CommentThread
            | Rule::AuthorBio
            | Rule::OffTopicTail
            | Rule::UserRule => Kind::Boilerplate,
        }
    }

    /// Whether the rule is unsure of its verdict: what it finds is kept and
    /// listed under `flagged`, never removed.
    pub fn is_unsure(self) -> bool {
        self == Rule::OffTopicTail
    }
}

/// The kept text that a removed span duplicates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Twin {
    /// Document index (input order).
    pub doc: u32,
    /// Segment index within that document.
    pub segment: u32,
    /// Jaccard similarity (exact within a document, estimated across).
    pub similarity: f32,
    /// Byte span of the kept segment in its document.
    pub start: u32,
    /// The byte after its last.
    pub end: u32,
}

/// A segment to remove.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Removal {
    /// The rule that removes it.
    pub rule: Rule,
    /// The kept text it duplicates, for rules that find copies.
    pub twin: Option<Twin>,
    /// For corpus templates: in how many kept documents the segment occurs.
    pub occurrences: u32,
    /// For the body classifier: the line's score (negative: boilerplate-like).
    pub score: Option<f32>,
    /// For user rules: the index of the rule that fired.
    pub user_rule: Option<u32>,
}

impl Removal {
    /// A removal by `rule`, with nothing more to say.
    pub fn new(rule: Rule) -> Self {
        Removal {
            rule,
            twin: None,
            occurrences: 0,
            score: None,
            user_rule: None,
        }
    }

    /// A removal by `rule` of a copy of `twin`.
    pub fn with_twin(rule: Rule, twin: Twin) -> Self {
        Removal {
            twin: Some(twin),
            ..Removal::new(rule)
        }
    }

    /// A removal by `rule` with the body classifier's `score`.
    pub fn scored(rule: Rule, score: f32) -> Self {
        Removal {
            score: Some(score),
            ..Removal::new(rule)
        }
    }
}

/// The kept document a dropped one copies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Original {
    /// A document of the run: its number, in input order from 0.
    Run(u32),
    /// A document an earlier run kept, in the run's index
    /// ([`crate::index`]): its number there.
    Indexed(u64),
}

impl Original {
    /// Its number in the run, or else in the index.
    pub fn numbers(self) -> (Option<u32>, Option<u64>) {
        match self {
            Original::Run(d) => (Some(d), None),
            Original::Indexed(d) => (None, Some(d)),
        }
    }
}

/// What happens to one document.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Fate {
    /// Written, with the segments in `removals` cut out.
    Kept,
    /// Not written: a copy of the kept document `of`, at this estimated
    /// Jaccard similarity of their contents (and, for a document cut short,
    /// this share of its content contained in `of`).
    Dropped {
        /// The kept document.
        of: Original,
        /// Estimated Jaccard similarity of the two contents.
        similarity: f32,
        /// For a document cut short: the share of its content found in `of`.
        containment: Option<f32>,
        /// The rule: exact, near-duplicate or contained.
        rule: Rule,
    },
}
