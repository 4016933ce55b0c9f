//! Spreadsheets (HR lives in Excel): the first sheet, its first row the header, read
//! into the same records a CSV file gives, with line numbers as the sheet shows them.
//!
//! A workbook is read cell by cell and never by the size its sheet declares: a 1.5 KB
//! file with one cell at `XFD1048576` would otherwise claim a dense grid of 17 billion
//! cells. Only the cells present are kept, and every resource a file can claim (its
//! unpacked size, its columns, its cells) is capped with an error that names the cap.

use calamine::{Data, DataType, Reader, Xlsb, Xlsx, open_workbook};
use std::collections::BTreeMap;
use std::fs::File;
use std::io::BufReader;
use std::path::Path;

type Records = Vec<(u64, csv::StringRecord)>;

/// The unpacked size of a workbook's parts, together: the shared strings are read whole
/// when the workbook opens, so a zip bomb would be unpacked before the first cell.
const MAX_UNPACKED_BYTES: u64 = 512 * 1024 * 1024;
/// Parts in the zip: a real workbook has a few dozen.
const MAX_PARTS: usize = 10_000;
/// The widest file Yardstick reads has 6 columns; 256 leaves room for notes beside them.
pub const MAX_COLUMNS: u32 = 256;
/// Cells with a value: a 1,000,000-row metrics file has 4 million.
pub const MAX_CELLS: usize = 5_000_000;

/// The extensions read as spreadsheets.
pub const EXTENSIONS: [&str; 3] = ["xlsx", "xlsm", "xlsb"];

/// The header and rows of the first sheet of the workbook at `path`.
pub fn read(path: &Path) -> Result<(Vec<String>, Records), String> {
    check_parts(path, MAX_UNPACKED_BYTES)?;
    let binary = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("xlsb"));
    let mut grid = Grid::default();
    if binary {
        let mut workbook: Xlsb<_> = open_workbook(path).map_err(|e| format!("cannot read the spreadsheet: {e}"))?;
        let sheet = first_sheet(workbook.sheet_names())?;
        let mut cells = workbook
            .worksheet_cells_reader(&sheet)
            .map_err(|e| format!("cannot read the first sheet: {e}"))?;
        while let Some(cell) = cells
            .next_cell()
            .map_err(|e| format!("cannot read the first sheet: {e}"))?
        {
            grid.add(cell.get_position(), Data::from(cell.get_value().clone()))?;
        }
    } else {
        let mut workbook: Xlsx<_> = open_workbook(path).map_err(|e| format!("cannot read the spreadsheet: {e}"))?;
        let sheet = first_sheet(workbook.sheet_names())?;
        let mut cells = workbook
            .worksheet_cells_reader(&sheet)
            .map_err(|e| format!("cannot read the first sheet: {e}"))?;
        while let Some(cell) = cells
            .next_cell()
            .map_err(|e| format!("cannot read the first sheet: {e}"))?
        {
            grid.add(cell.get_position(), Data::from(cell.get_value().clone()))?;
        }
    }
    grid.into_records()
}

fn first_sheet(names: Vec<String>) -> Result<String, String> {
    names
        .into_iter()
        .next()
        .ok_or_else(|| "the spreadsheet has no sheet".to_owned())
}

/// Refuses a workbook whose parts would unpack past the caps, before anything is
/// unpacked. The declared sizes can be trusted: reading a part past its declared size
/// is an error in the zip reader.
fn check_parts(path: &Path, max_unpacked: u64) -> Result<(), String> {
    let file = File::open(path).map_err(|e| format!("cannot read the spreadsheet: {e}"))?;
    let mut archive = zip::ZipArchive::new(BufReader::new(file))
        .map_err(|e| format!("cannot read the spreadsheet: it is not an Excel workbook ({e})"))?;
    if archive.len() > MAX_PARTS {
        return Err(format!(
            "the workbook has {} parts; at most {MAX_PARTS} are read",
            archive.len()
        ));
    }
    let mut unpacked: u64 = 0;
    for i in 0..archive.len() {
        let part = archive
            .by_index_raw(i)
            .map_err(|e| format!("cannot read the spreadsheet: {e}"))?;
        unpacked = unpacked.saturating_add(part.size());
        if unpacked > max_unpacked {
            return Err(format!(
                "the workbook unpacks to more than {}; save the sheet as CSV, or split it",
                size(max_unpacked)
            ));
        }
    }
    Ok(())
}

/// The cells that hold a value, by row, in the order the sheet has them.
#[derive(Default)]
struct Grid {
    rows: BTreeMap<u32, Vec<(u32, String)>>,
    cells: usize,
}

impl Grid {
    fn add(&mut self, (row, column): (u32, u32), value: Data) -> Result<(), String> {
        if matches!(value, Data::Empty) {
            return Ok(());
        }
        let text = text(&value);
        if text.trim().is_empty() {
            return Ok(());
        }
        if column >= MAX_COLUMNS {
            return Err(format!(
                "cell {} holds a value beyond column {}; at most {MAX_COLUMNS} columns are read",
                cell_name(row, column),
                column_name(MAX_COLUMNS - 1)
            ));
        }
        self.cells += 1;
        if self.cells > MAX_CELLS {
            return Err(format!(
                "the sheet holds more than {MAX_CELLS} cells with a value (at row {}); split the file",
                row + 1
            ));
        }
        self.rows.entry(row).or_default().push((column, text));
        Ok(())
    }

    /// The first row with a value is the header; its first column is the table's first.
    /// Every later row becomes a record as wide as the header.
    fn into_records(self) -> Result<(Vec<String>, Records), String> {
        let mut rows = self.rows.into_iter();
        let Some((_, header_cells)) = rows.next() else {
            return Ok((Vec::new(), Vec::new()));
        };
        let first = header_cells.iter().map(|(c, _)| *c).min().unwrap_or(0);
        let last = header_cells.iter().map(|(c, _)| *c).max().unwrap_or(0);
        let width = (last - first + 1) as usize;
        let mut header = vec![String::new(); width];
        for (column, text) in header_cells {
            header[(column - first) as usize] = text;
        }
        let mut records = Vec::new();
        for (row, cells) in rows {
            let mut fields = vec![String::new(); width];
            for (column, text) in cells {
                if column < first || column > last {
                    return Err(format!(
                        "cell {} holds a value outside the header's columns {}-{}",
                        cell_name(row, column),
                        column_name(first),
                        column_name(last)
                    ));
                }
                fields[(column - first) as usize] = text;
            }
            // Rows are numbered as the spreadsheet shows them, so an error names the row to fix.
            records.push((u64::from(row) + 1, csv::StringRecord::from(fields)));
        }
        Ok((header, records))
    }
}

/// `16 KiB`, `512 MiB`.
fn size(bytes: u64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{} MiB", bytes / (1024 * 1024))
    } else {
        format!("{} KiB", bytes / 1024)
    }
}

/// `A`, `Z`, `AA`, ... as the spreadsheet names a column (from 0).
fn column_name(column: u32) -> String {
    let mut n = column + 1;
    let mut name = Vec::new();
    while n > 0 {
        let digit = (n - 1) % 26;
        name.push(b'A' + digit as u8);
        n = (n - 1) / 26;
    }
    name.reverse();
    String::from_utf8(name).unwrap_or_default()
}

fn cell_name(row: u32, column: u32) -> String {
    format!("{}{}", column_name(column), u64::from(row) + 1)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_named_as_the_spreadsheet_names_them() {
        assert_eq!(column_name(0), "A");
        assert_eq!(column_name(25), "Z");
        assert_eq!(column_name(26), "AA");
        assert_eq!(column_name(255), "IV");
        assert_eq!(column_name(16_383), "XFD");
        assert_eq!(cell_name(1_048_575, 16_383), "XFD1048576");
    }

    #[test]
    fn a_cell_far_out_is_refused_by_name_without_a_grid() {
        let mut grid = Grid::default();
        grid.add((0, 0), Data::String("id".into())).expect("no error");
        let error = grid
            .add((1_048_575, 16_383), Data::String("x".into()))
            .expect_err("an error");
        assert_eq!(
            error,
            "cell XFD1048576 holds a value beyond column IV; at most 256 columns are read"
        );
    }

    #[test]
    fn rows_keep_the_sheets_numbers_and_the_headers_width() {
        let mut grid = Grid::default();
        grid.add((2, 1), Data::String("id".into())).expect("no error");
        grid.add((2, 2), Data::String("name".into())).expect("no error");
        grid.add((4, 2), Data::String("Ann".into())).expect("no error");
        grid.add((5, 1), Data::Float(7.0)).expect("no error");
        let (header, records) = grid.into_records().expect("no error");
        assert_eq!(header, ["id", "name"]);
        assert_eq!(records[0].0, 5);
        assert_eq!(records[0].1.iter().collect::<Vec<_>>(), ["", "Ann"]);
        assert_eq!(records[1].0, 6);
        assert_eq!(records[1].1.iter().collect::<Vec<_>>(), ["7", ""]);
    }

    #[test]
    fn a_workbook_that_unpacks_past_the_cap_is_refused_before_it_is_opened() {
        let dir = tempfile::tempdir().expect("a folder");
        let path = dir.path().join("big.xlsx");
        let mut workbook = rust_xlsxwriter::Workbook::new();
        let sheet = workbook.add_worksheet();
        for row in 0..2_000 {
            sheet.write_string(row, 0, "the same words again").expect("a cell");
        }
        workbook.save(&path).expect("saved");
        assert!(check_parts(&path, MAX_UNPACKED_BYTES).is_ok());
        assert_eq!(
            check_parts(&path, 16 * 1024).expect_err("an error"),
            "the workbook unpacks to more than 16 KiB; save the sheet as CSV, or split it"
        );
        std::fs::write(dir.path().join("not.xlsx"), "id,name\n").expect("written");
        assert!(
            check_parts(&dir.path().join("not.xlsx"), MAX_UNPACKED_BYTES)
                .expect_err("an error")
                .starts_with("cannot read the spreadsheet: it is not an Excel workbook")
        );
    }

    #[test]
    fn a_value_outside_the_header_is_named() {
        let mut grid = Grid::default();
        grid.add((0, 0), Data::String("id".into())).expect("no error");
        grid.add((3, 4), Data::String("x".into())).expect("no error");
        assert_eq!(
            grid.into_records().expect_err("an error"),
            "cell E4 holds a value outside the header's columns A-A"
        );
    }
}
