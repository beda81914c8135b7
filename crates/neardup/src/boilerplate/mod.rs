//! Boilerplate: text that is not part of the article.
//!
//! Four sources, each a named unit that describes a kind of text, never a
//! phrase from one site:
//! - corpus templates, segments that recur across many documents
//!   ([`template`]);
//! - structural rules inside one document: bylines, dates, captions,
//!   trailing link lists ([`structural`]);
//! - the body classifier, which finds the article's block of prose and
//!   removes what lies outside it ([`body`], with the function words of
//!   [`language`]);
//! - the user's own rules, from a file ([`rules`]).

pub mod body;
pub mod language;
pub mod rules;
pub mod structural;
pub mod template;
