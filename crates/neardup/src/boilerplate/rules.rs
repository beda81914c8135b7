//! The user's own rules: lines to always drop or always keep, from a file.
//!
//! One rule per line; blank lines and lines starting with `#` are ignored.
//!
//! ```text
//! # drop a newsletter call, whatever the case or spacing
//! drop Sign up for our newsletter
//! # a regular expression between slashes (Rust `regex` syntax)
//! drop /^Advertisement$/
//! keep /^Figure \d+:/
//! ```
//!
//! A phrase matches a line that contains it, ignoring case and runs of white
//! space. A `/regex/` matches a line (without its line break) anywhere unless
//! anchored; add `(?i)` for case-insensitive matching. When a line matches
//! both kinds, `keep` wins: the line is content and no boilerplate rule
//! removes it (repeated paragraphs and duplicate documents are still
//! removed). A dropped line is reported under the rule `user_rule` with the
//! file, line and text of the rule that fired.

use crate::error::{Error, Result};
use regex::{Regex, RegexSet};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// What a rule does to the lines it matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Remove the line.
    Drop,
    /// Keep the line whatever the other rules say.
    Keep,
}

/// One rule, as written.
#[derive(Debug, Clone, Serialize)]
pub struct UserRule {
    /// Whether the rule drops or keeps what it matches.
    pub action: Action,
    /// The pattern as written after the action word.
    pub pattern: String,
    /// Line of the rules file, from 1.
    pub line: usize,
}

/// A compiled rules file.
#[derive(Debug, Clone, Serialize)]
pub struct UserRules {
    /// The rules file it was read from.
    pub file: PathBuf,
    /// The rules, in the file's order.
    pub rules: Vec<UserRule>,
    #[serde(skip)]
    set: RegexSet,
}

/// The verdict of the rules on one line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Dropped by the rule with this index.
    Drop(u32),
    /// Kept by a `keep` rule, which wins over every `drop` rule.
    Keep,
}

impl UserRules {
    /// Reads and compiles a rules file.
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
            path: path.to_path_buf(),
            what: "the rules file (--rules)",
            source,
        })?;
        Self::parse(path, &text)
    }

    /// Compiles rules from `text`, read from `file`.
    pub fn parse(file: &Path, text: &str) -> Result<Self> {
        let bad =
            |line: usize, why: String| Error::Config(format!("{}:{line}: {why}", file.display()));
        let mut rules = Vec::new();
        let mut patterns = Vec::new();
        for (i, raw) in text.lines().enumerate() {
            let line = i + 1;
            let t = raw.trim();
            if t.is_empty() || t.starts_with('#') {
                continue;
            }
            let (word, rest) = t.split_once(char::is_whitespace).unwrap_or((t, ""));
            let action = match word {
                "drop" => Action::Drop,
                "keep" => Action::Keep,
                _ => {
                    return Err(bad(
                        line,
                        format!("expected `drop PATTERN` or `keep PATTERN`, found {t:?}"),
                    ))
                }
            };
            let pattern = rest.trim();
            if pattern.is_empty() {
                return Err(bad(line, format!("`{word}` needs a phrase or a /regex/")));
            }
            let regex = match pattern
                .strip_prefix('/')
                .and_then(|p| p.strip_suffix('/'))
                .filter(|p| !p.is_empty())
            {
                Some(re) => re.to_string(),
                None => {
                    let words: Vec<String> =
                        pattern.split_whitespace().map(regex::escape).collect();
                    format!("(?i){}", words.join(r"\s+"))
                }
            };
            Regex::new(&regex).map_err(|e| bad(line, format!("invalid pattern: {e}")))?;
            patterns.push(regex);
            rules.push(UserRule {
                action,
                pattern: pattern.to_string(),
                line,
            });
        }
        let set = RegexSet::new(&patterns).map_err(|e| bad(0, e.to_string()))?;
        Ok(UserRules {
            file: file.to_path_buf(),
            rules,
            set,
        })
    }

    /// The verdict on one line: `None` when no rule matches it.
    pub fn verdict(&self, line: &str) -> Option<Verdict> {
        let mut first_drop = None;
        for i in self.set.matches(line).iter() {
            match self.rules[i].action {
                Action::Keep => return Some(Verdict::Keep),
                Action::Drop => {
                    first_drop.get_or_insert(i as u32);
                }
            }
        }
        first_drop.map(Verdict::Drop)
    }

    /// "file:line: drop PATTERN", for the report.
    pub fn describe(&self, index: u32) -> String {
        let r = &self.rules[index as usize];
        let action = match r.action {
            Action::Drop => "drop",
            Action::Keep => "keep",
        };
        format!("{}:{}: {action} {}", self.file.display(), r.line, r.pattern)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(text: &str) -> UserRules {
        UserRules::parse(Path::new("rules.txt"), text).unwrap()
    }

    #[test]
    fn phrases_ignore_case_and_spacing_and_keep_wins() {
        let r = rules(
            "# comment\n\ndrop Sign up for our newsletter\ndrop /^Advertisement$/\nkeep /^Figure \\d+:/\ndrop figure\n",
        );
        assert_eq!(
            r.verdict("Please SIGN UP  for our newsletter today"),
            Some(Verdict::Drop(0))
        );
        assert_eq!(r.verdict("Advertisement"), Some(Verdict::Drop(1)));
        assert_eq!(r.verdict("An advertisement ran."), None);
        assert_eq!(r.verdict("Figure 3: the figure"), Some(Verdict::Keep));
        assert_eq!(r.verdict("See the figure"), Some(Verdict::Drop(3)));
        assert_eq!(r.describe(1), "rules.txt:4: drop /^Advertisement$/");
    }

    #[test]
    fn errors_name_the_line() {
        let e = UserRules::parse(Path::new("r.txt"), "drop a\nremove b\n").unwrap_err();
        assert!(e.to_string().contains("r.txt:2"), "{e}");
        let e = UserRules::parse(Path::new("r.txt"), "keep /(unclosed/\n").unwrap_err();
        assert!(e.to_string().contains("r.txt:1: invalid pattern"), "{e}");
        let e = UserRules::parse(Path::new("r.txt"), "drop\n").unwrap_err();
        assert!(e.to_string().contains("r.txt:1"), "{e}");
    }
}
