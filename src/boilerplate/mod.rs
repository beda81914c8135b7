//! Boilerplate: text that is not part of the article.
//!
//! Two sources: corpus templates (segments that recur across many documents,
//! found in [`template`]) and structural rules inside one document (found in
//! [`structural`]), each rule a named unit that describes a kind of text, never
//! a phrase from one site.

pub mod structural;
pub mod template;
