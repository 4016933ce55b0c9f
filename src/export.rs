//! Cells of the files Yardstick writes for spreadsheets (CSV, and the XLSX exports),
//! made so that opening one can never run code.
//!
//! A spreadsheet runs a cell that starts with `=`, `+`, `-` or `@` as a formula, and
//! some also after a leading tab or carriage return; a name such as
//! `=HYPERLINK("http://…")` typed into the people file would otherwise run on the
//! computer of whoever opens the export. OWASP's rule: such a text cell gets a leading
//! `'`, which the spreadsheet shows as text and hides. A number (`-3.5`) stays a number.

use std::borrow::Cow;

/// `text` as a cell a spreadsheet shows as text, never runs.
pub fn text_cell(text: &str) -> Cow<'_, str> {
    let risky = text.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if risky && !text.parse::<f64>().is_ok_and(f64::is_finite) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

#[cfg(test)]
mod tests {
    use super::text_cell;

    #[test]
    fn a_cell_a_spreadsheet_would_run_is_made_text() {
        for (sent, written) in [
            ("=1+1", "'=1+1"),
            ("+SUM(A1)", "'+SUM(A1)"),
            ("-2+3", "'-2+3"),
            ("@cmd", "'@cmd"),
            ("\t=x", "'\t=x"),
            ("\r=x", "'\r=x"),
            ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
            ("-inf", "'-inf"),
        ] {
            assert_eq!(text_cell(sent), written, "{sent:?}");
        }
    }

    #[test]
    fn numbers_and_plain_text_are_left_alone() {
        for text in ["-3.5", "+2", "1e3", "Li Lei", "a=b", "", "李雷", "p002"] {
            assert_eq!(text_cell(text), text);
        }
    }
}
