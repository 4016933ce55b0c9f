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

/// One cell of an exported table.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Number(f64),
    Empty,
}

/// A table as CSV: the header, then every row, text cells made safe.
pub fn csv(header: &[&str], rows: &[Vec<Cell>]) -> Result<Vec<u8>, csv::Error> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(header.iter().map(|h| text_cell(h).into_owned()))?;
    for row in rows {
        writer.write_record(row.iter().map(|cell| match cell {
            Cell::Text(text) => text_cell(text).into_owned(),
            Cell::Number(n) => n.to_string(),
            Cell::Empty => String::new(),
        }))?;
    }
    writer.into_inner().map_err(|e| e.into_error().into())
}

/// A table as an XLSX workbook of one sheet named `sheet`: numbers as numbers, text
/// as text made safe (a sheet saved again as CSV must not run it either).
pub fn xlsx(sheet: &str, header: &[&str], rows: &[Vec<Cell>]) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let worksheet = workbook.add_worksheet();
    worksheet.set_name(sheet)?;
    let bold = rust_xlsxwriter::Format::new().set_bold();
    for (c, title) in header.iter().enumerate() {
        worksheet.write_string_with_format(0, column(c), text_cell(title), &bold)?;
    }
    for (r, row) in rows.iter().enumerate() {
        let r = u32::try_from(r + 1).map_err(|_| rust_xlsxwriter::XlsxError::RowColumnLimitError)?;
        for (c, cell) in row.iter().enumerate() {
            match cell {
                Cell::Text(text) => {
                    worksheet.write_string(r, column(c), text_cell(text))?;
                }
                Cell::Number(n) => {
                    worksheet.write_number(r, column(c), *n)?;
                }
                Cell::Empty => {}
            }
        }
    }
    workbook.save_to_buffer()
}

fn column(c: usize) -> u16 {
    u16::try_from(c).unwrap_or(u16::MAX)
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

    #[test]
    fn a_table_is_written_with_its_text_made_safe_and_its_numbers_as_numbers() {
        use super::{Cell, csv};
        let rows = vec![vec![
            Cell::Text("=HYPERLINK(\"x\")".into()),
            Cell::Number(-3.5),
            Cell::Empty,
        ]];
        let written = String::from_utf8(csv(&["name", "total", "grade"], &rows).expect("CSV")).expect("UTF-8");
        assert_eq!(written, "name,total,grade\n\"'=HYPERLINK(\"\"x\"\")\",-3.5,\n");
        let book = super::xlsx("People", &["name", "total", "grade"], &rows).expect("a workbook");
        assert!(book.starts_with(b"PK"), "a zip");
    }
}
