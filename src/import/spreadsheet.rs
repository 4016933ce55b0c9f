//! Spreadsheets (HR lives in Excel): the first sheet, its first row the header, read
//! into the same records a CSV file gives, with line numbers as the sheet shows them.

use calamine::{Data, DataType, Reader, open_workbook_auto};
use std::path::Path;

type Records = Vec<(u64, csv::StringRecord)>;

/// The header and rows of the first sheet of the workbook at `path`.
pub fn read(path: &Path) -> Result<(Vec<String>, Records), String> {
    let mut workbook = open_workbook_auto(path).map_err(|e| format!("cannot read the spreadsheet: {e}"))?;
    let range = workbook
        .worksheet_range_at(0)
        .ok_or_else(|| "the spreadsheet has no sheet".to_owned())?
        .map_err(|e| format!("cannot read the first sheet: {e}"))?;
    // Rows are numbered as the spreadsheet shows them, so an error names the row to fix.
    let first_row = range.start().map_or(1, |(row, _)| u64::from(row) + 1);
    let mut rows = range.rows();
    let header: Vec<String> = rows
        .next()
        .map(|cells| cells.iter().map(text).collect())
        .unwrap_or_default();
    let records = rows
        .enumerate()
        .filter(|(_, cells)| cells.iter().any(|c| !matches!(c, Data::Empty)))
        .map(|(i, cells)| (first_row + 1 + i as u64, cells.iter().map(text).collect()))
        .collect();
    Ok((header, records))
}

/// A cell as the text a CSV would hold. A date cell (Excel turns `2026-10` into one)
/// becomes `YYYY-MM` when it is the first of a month, `YYYY-MM-DD` otherwise.
fn text(cell: &Data) -> String {
    match cell {
        Data::DateTime(_) => match cell.as_datetime() {
            Some(dt) if dt.format("%d").to_string() == "01" => dt.format("%Y-%m").to_string(),
            Some(dt) => dt.format("%Y-%m-%d").to_string(),
            None => cell.to_string(),
        },
        _ => cell.to_string(),
    }
}
