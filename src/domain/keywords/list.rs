//! The line syntax of a keyword list (`data/keywords/*.txt`, `keywords test --file`):
//!
//! ```text
//! # a comment; blank lines are skipped
//! 加微信                      # the list's default level
//! 招兼职        @2            # this word's own level (1 close, 2 mute, 3 warn)
//! 刷单          !刷单词       # not a hit inside 刷单词 (an exception context)
//! 代写   @3     !代写春联 !免费代写春联
//! ```
//!
//! The word is everything before the first `@` or `!` token (it may hold spaces: they
//! are folded away like any separator). An exception context must contain its word
//! (folded), or it could never apply.

use serde::Serialize;

use super::Level;
use super::normalise::normalise;

/// One word of a list with what its line says about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub word: String,
    /// `None`: the list's default.
    pub level: Option<Level>,
    /// Contexts in which the word is not a hit.
    pub except: Vec<String>,
}

/// What is wrong with a line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum LineProblem {
    #[error("a line with {given} has no word before it")]
    NoWord { given: String },
    #[error("{given} is not a level (@1, @2 or @3)")]
    BadLevel { given: String },
    #[error("the exception {context} does not contain the word {word}")]
    ContextMissesWord { word: String, context: String },
    #[error("{word} is only separators (spaces, punctuation, emoji): it can never match")]
    NothingToMatch { word: String },
}

/// The word of a line, as written (inner spaces kept): the text before its comment
/// and before its first `@` or `!` token, trimmed; `None` for a blank or comment line.
pub fn word_of(line: &str) -> Option<&str> {
    let body = line.split('#').next().unwrap_or("").trim();
    let w = body[..annotations_at(body)].trim_end();
    (!w.is_empty()).then_some(w)
}

/// Where a line body's annotations (`@2`, `!context`) start (its length if none).
fn annotations_at(body: &str) -> usize {
    let mut prev_space = true;
    let mut chars = body.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let next_is_word = chars.peek().is_some_and(|(_, n)| !n.is_whitespace());
        if prev_space && (c == '@' || (c == '!' && next_is_word)) {
            return i;
        }
        prev_space = c.is_whitespace();
    }
    body.len()
}

/// A line's entry (`None` for a blank or comment line), or what is wrong with it.
pub fn parse_line(line: &str) -> Result<Option<Entry>, LineProblem> {
    let body = line.split('#').next().unwrap_or("").trim();
    if body.is_empty() {
        return Ok(None);
    }
    let at = annotations_at(body);
    let word = body[..at].trim_end().to_string();
    let mut level = None;
    let mut except: Vec<String> = Vec::new();
    for token in body[at..].split_whitespace() {
        if word.is_empty() {
            return Err(LineProblem::NoWord {
                given: token.to_string(),
            });
        }
        if let Some(n) = token.strip_prefix('@') {
            level = Some(
                n.parse::<i64>()
                    .ok()
                    .and_then(Level::from_number)
                    .ok_or_else(|| LineProblem::BadLevel {
                        given: token.to_string(),
                    })?,
            );
        } else if let Some(ctx) = token.strip_prefix('!').filter(|c| !c.is_empty()) {
            except.push(ctx.to_string());
        } else if let Some(last) = except.last_mut() {
            // a context with spaces in it
            last.push(' ');
            last.push_str(token);
        } else {
            return Err(LineProblem::BadLevel {
                given: token.to_string(),
            });
        }
    }
    let folded = normalise(&word);
    if folded.is_empty() {
        return Err(LineProblem::NothingToMatch { word });
    }
    for context in &except {
        if !normalise(context).contains(&folded) {
            return Err(LineProblem::ContextMissesWord {
                word,
                context: context.clone(),
            });
        }
    }
    Ok(Some(Entry {
        word,
        level,
        except,
    }))
}

/// Every line of a list that holds a word, with its line number (from 1).
pub fn parse_list(text: &str) -> impl Iterator<Item = (usize, Result<Entry, LineProblem>)> {
    text.lines()
        .enumerate()
        .filter_map(|(i, line)| parse_line(line).transpose().map(|r| (i + 1, r)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(word: &str, level: Option<Level>, except: &[&str]) -> Option<Entry> {
        Some(Entry {
            word: word.to_string(),
            level,
            except: except.iter().map(ToString::to_string).collect(),
        })
    }

    #[test]
    fn lines_parse_into_words_levels_and_exceptions() {
        for (line, want) in [
            ("", Ok(None)),
            ("   # only a comment", Ok(None)),
            ("加微信", Ok(entry("加微信", None, &[]))),
            ("加V:  # trailing", Ok(entry("加V:", None, &[]))),
            ("招兼职 @2", Ok(entry("招兼职", Some(Level::Mute), &[]))),
            (
                "刷单 !刷单词 @3",
                Ok(entry("刷单", Some(Level::Warn), &["刷单词"])),
            ),
            ("add  me @3", Ok(entry("add  me", Some(Level::Warn), &[]))),
            ("wow! great", Ok(entry("wow! great", None, &[]))),
            (
                "代写 !免费 代写春联",
                Ok(entry("代写", None, &["免费 代写春联"])),
            ),
            ("刷单 @4", Err(LineProblem::BadLevel { given: "@4".into() })),
            ("@1", Err(LineProblem::NoWord { given: "@1".into() })),
            (
                "刷单 !单词",
                Err(LineProblem::ContextMissesWord {
                    word: "刷单".into(),
                    context: "单词".into(),
                }),
            ),
            (
                "★★ !",
                Err(LineProblem::NothingToMatch {
                    word: "★★ !".into(),
                }),
            ),
        ] {
            assert_eq!(parse_line(line), want, "{line}");
        }
    }

    #[test]
    fn line_numbers_count_blank_and_comment_lines() {
        let got: Vec<usize> = parse_list("# head\n\n加微信\n刷单 @9\n")
            .map(|(n, _)| n)
            .collect();
        assert_eq!(got, [3, 4]);
    }
}
