//! One grammar for every id a user gives: people, teams, metrics, KPIs, roles, grade
//! scales, gates and adjustments.
//!
//! An id travels into URLs, headers, file names, spreadsheets and formulas, so it holds
//! only what is safe in all of them: ASCII letters, digits, `_`, `-` and `.`, at most 64
//! characters, starting with a letter, a digit or `_` (never `= + - @`, which a
//! spreadsheet would run as a formula, nor `.`), and never `..`. Names, which people
//! read, may hold anything printable; ids are codes.
//!
//! Metric and KPI ids are also the variables of formulas, so they are identifiers: a
//! letter or `_` first, then letters, digits and `_`.

use std::fmt;

/// The longest id accepted.
pub const MAX_LEN: usize = 64;

/// Why a text is not an id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("an id is required")]
    Empty,
    #[error("`{}` is {len} characters long; an id has at most {MAX_LEN}", Shown(.id))]
    TooLong { id: String, len: usize },
    #[error(
        "`{}` holds {}; an id holds only ASCII letters, digits, `_`, `-` and `.`",
        Shown(.id),
        Character(*.found)
    )]
    Character { id: String, found: char },
    #[error("`{}` starts with {}; an id starts with a letter, a digit or `_`", Shown(.id), Character(*.found))]
    Start { id: String, found: char },
    #[error("`{}` holds `..`", Shown(.id))]
    DoubleDot { id: String },
    #[error(
        "`{}` holds {}; a metric or KPI id is a formula variable: letters, digits and `_`, a letter or `_` first",
        Shown(.id),
        Character(*.found)
    )]
    NotAVariable { id: String, found: char },
}

/// Checks `text` against the grammar of ids.
pub fn check(text: &str) -> Result<(), IdError> {
    let id = || text.to_owned();
    let Some(first) = text.chars().next() else {
        return Err(IdError::Empty);
    };
    let len = text.chars().count();
    if len > MAX_LEN {
        return Err(IdError::TooLong { id: id(), len });
    }
    if let Some(found) = text.chars().find(|c| !allowed(*c)) {
        return Err(IdError::Character { id: id(), found });
    }
    if !(first.is_ascii_alphanumeric() || first == '_') {
        return Err(IdError::Start { id: id(), found: first });
    }
    if text.contains("..") {
        return Err(IdError::DoubleDot { id: id() });
    }
    Ok(())
}

/// Checks a metric or KPI id: an id that is also a formula variable.
pub fn check_variable(text: &str) -> Result<(), IdError> {
    check(text)?;
    let bad = |i: usize, c: char| !(c.is_ascii_alphabetic() || c == '_' || (i > 0 && c.is_ascii_digit()));
    match text.chars().enumerate().find(|&(i, c)| bad(i, c)) {
        Some((_, found)) => Err(IdError::NotAVariable {
            id: text.to_owned(),
            found,
        }),
        None => Ok(()),
    }
}

fn allowed(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')
}

/// A text as an error message may show it: control and direction-changing characters
/// (which could break a line, a header or the reading order of the message) as
/// `\u{…}`, and at most 80 characters.
#[derive(Debug)]
pub struct Shown<'a>(pub &'a str);

impl fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, c) in self.0.chars().enumerate() {
            if i == 80 {
                return f.write_str("…");
            }
            if hidden(c) {
                write!(f, "\\u{{{:x}}}", u32::from(c))?;
            } else {
                write!(f, "{c}")?;
            }
        }
        Ok(())
    }
}

/// `text` with every hidden character written as `\u{…}`, for a message that quotes
/// what a user sent.
pub fn escape_hidden(text: &str) -> String {
    if !text.chars().any(hidden) {
        return text.to_owned();
    }
    text.chars()
        .map(|c| {
            if hidden(c) {
                format!("\\u{{{:x}}}", u32::from(c))
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// How a message quotes text a user sent: hidden characters escaped, and cut after
/// 64 characters so a megabyte of junk is not sent back.
pub fn shown(text: &str) -> String {
    const SHOWN: usize = 64;
    match text.char_indices().nth(SHOWN) {
        Some((end, _)) => format!("{}…", escape_hidden(&text[..end])),
        None => escape_hidden(text),
    }
}

/// Characters a reader cannot see that change what they see: controls, and the
/// marks, embeddings, overrides and isolates of bidirectional text.
pub fn hidden(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}')
}

/// How an error names a character: `` `/` `` or, for one nobody can see, `U+202E`.
struct Character(char);

impl fmt::Display for Character {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            c if hidden(c) || c.is_whitespace() => write!(f, "U+{:04X}", u32::from(c)),
            '`' => f.write_str("a backtick"),
            c => write!(f, "`{c}`"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ids_of_the_demo_and_the_catalogue_are_ids() {
        for id in ["p002", "east", "team-lead", "T_01", "2026.east", "_x", "A"] {
            assert_eq!(check(id), Ok(()), "{id}");
        }
        for id in ["leads", "win_rate", "nps2", "_hidden"] {
            assert_eq!(check_variable(id), Ok(()), "{id}");
        }
    }

    #[test]
    fn text_quoted_back_is_escaped_and_cut() {
        assert_eq!(shown("2026-1\0"), "2026-1\\u{0}");
        assert_eq!(shown("\u{202e}01-6202"), "\\u{202e}01-6202");
        let long = "x".repeat(70);
        assert_eq!(shown(&long), format!("{}…", "x".repeat(64)));
        assert_eq!(
            shown(&"é".repeat(64)),
            "é".repeat(64),
            "64 characters, not bytes, are kept"
        );
    }

    #[test]
    fn what_an_id_may_not_hold_is_named() {
        let message = |id: &str| check(id).expect_err("an error").to_string();
        assert_eq!(message(""), "an id is required");
        assert_eq!(
            message("../../admin/users"),
            "`../../admin/users` holds `/`; an id holds only ASCII letters, digits, `_`, `-` and `.`"
        );
        assert_eq!(
            message("p1\r\nSet-Cookie: x"),
            "`p1\\u{d}\\u{a}Set-Cookie: x` holds U+000D; an id holds only ASCII letters, digits, `_`, `-` and `.`"
        );
        assert_eq!(
            message("p\u{202e}1"),
            "`p\\u{202e}1` holds U+202E; an id holds only ASCII letters, digits, `_`, `-` and `.`"
        );
        assert_eq!(
            message("a b"),
            "`a b` holds U+0020; an id holds only ASCII letters, digits, `_`, `-` and `.`"
        );
        for bad in ["p?1", "p#1", "p'1", "p\"1", "p\u{0}1", "李雷", "p`1"] {
            assert!(matches!(check(bad), Err(IdError::Character { .. })), "{bad:?}");
        }
        assert!(message("=cmd").starts_with("`=cmd` holds `=`"));
        assert_eq!(
            message("-1"),
            "`-1` starts with `-`; an id starts with a letter, a digit or `_`"
        );
        assert_eq!(
            message(".hidden"),
            "`.hidden` starts with `.`; an id starts with a letter, a digit or `_`"
        );
        assert_eq!(message("a..b"), "`a..b` holds `..`");
        assert_eq!(
            message(&"x".repeat(65)),
            format!("`{}` is 65 characters long; an id has at most 64", "x".repeat(65))
        );
        assert_eq!(check(&"x".repeat(64)), Ok(()));
        assert_eq!(Shown(&"y".repeat(100)).to_string(), format!("{}…", "y".repeat(80)));
        assert_eq!(escape_hidden("a\nb\u{202e}"), "a\\u{a}b\\u{202e}");
        assert_eq!(escape_hidden("李雷"), "李雷");
    }

    #[test]
    fn a_metric_or_kpi_id_is_a_formula_variable() {
        assert_eq!(
            check_variable("win-rate").expect_err("an error").to_string(),
            "`win-rate` holds `-`; a metric or KPI id is a formula variable: letters, digits and `_`, a letter or `_` first"
        );
        assert!(check_variable("2x").is_err());
        assert!(check_variable("a.b").is_err());
    }
}
