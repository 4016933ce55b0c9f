//! Reading a CSV file whose columns are named by its header, collecting every bad
//! row instead of stopping at the first.

use std::fmt;
use std::path::Path;

use super::spreadsheet;
use crate::kpi::id;

/// How many bad rows are listed before the rest are only counted.
const MAX_LISTED: usize = 200;

/// One bad value: the file, the line (the header is line 1), the column and why.
/// For rows given in memory (a request body) `line` is the row's index, from 0.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub file: String,
    pub line: u64,
    pub column: Option<String>,
    pub message: String,
}

impl RowError {
    /// An error at `line` of `file`, about `column` when one is to blame. The message
    /// quotes what the row holds, so characters nobody can see (a line break, a
    /// direction override) are escaped.
    pub fn new(file: &str, line: u64, column: Option<&str>, message: &str) -> RowError {
        RowError {
            file: file.to_owned(),
            line,
            column: column.map(id::escape_hidden),
            message: id::escape_hidden(message),
        }
    }
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: ", self.file, self.line)?;
        if let Some(column) = &self.column {
            write!(f, "column `{column}`: ")?;
        }
        f.write_str(&self.message)
    }
}

/// Every bad row of a file (or of several files read together); nothing was used.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ImportErrors {
    pub errors: Vec<RowError>,
    /// Bad rows beyond the listed ones.
    pub more: usize,
}

impl ImportErrors {
    pub fn push(&mut self, error: RowError) {
        if self.errors.len() < MAX_LISTED {
            self.errors.push(error);
        } else {
            self.more += 1;
        }
    }

    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// `Ok(value)` when nothing went wrong.
    pub fn or<T>(self, value: T) -> Result<T, ImportErrors> {
        if self.is_empty() { Ok(value) } else { Err(self) }
    }
}

impl fmt::Display for ImportErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for error in &self.errors {
            writeln!(f, "{error}")?;
        }
        if self.more > 0 {
            writeln!(f, "... and {} more bad rows", self.more)?;
        }
        let n = self.errors.len() + self.more;
        write!(
            f,
            "{n} bad row{}; nothing from these files was used",
            if n == 1 { "" } else { "s" }
        )
    }
}

impl std::error::Error for ImportErrors {}

/// One data row, with access to its fields by column name.
#[derive(Debug)]
pub struct Row<'t> {
    table: &'t Table,
    record: &'t csv::StringRecord,
    pub line: u64,
}

impl<'t> Row<'t> {
    /// The trimmed field of `column`; empty when the column is optional and absent.
    pub fn get(&self, column: &str) -> &'t str {
        self.table
            .columns
            .iter()
            .position(|c| c == column)
            .and_then(|i| self.record.get(i))
            .map_or("", str::trim)
    }

    /// An error about this row's `column`.
    pub fn error(&self, column: &str, message: impl Into<String>) -> RowError {
        RowError::new(&self.table.file, self.line, Some(column), &message.into())
    }

    /// The field of `column` as an id (see [`crate::kpi::id`]).
    pub fn id(&self, column: &str) -> Result<&'t str, RowError> {
        let text = self.required(column)?;
        id::check(text).map_err(|e| self.error(column, e.to_string()))?;
        Ok(text)
    }

    /// The field of `column` as a finite number.
    pub fn number(&self, column: &str) -> Result<f64, RowError> {
        let text = self.get(column);
        match text.parse::<f64>() {
            Ok(v) if v.is_finite() => Ok(v),
            _ if text.is_empty() => Err(self.error(column, "a number is required")),
            _ => Err(self.error(column, format!("`{text}` is not a number"))),
        }
    }

    /// The field of `column` as a number, or `None` when empty.
    pub fn optional_number(&self, column: &str) -> Result<Option<f64>, RowError> {
        if self.get(column).is_empty() {
            Ok(None)
        } else {
            self.number(column).map(Some)
        }
    }

    /// The field of `column`, which must not be empty.
    pub fn required(&self, column: &str) -> Result<&'t str, RowError> {
        match self.get(column) {
            "" => Err(self.error(column, "a value is required")),
            text => Ok(text),
        }
    }
}

/// A CSV file with a header naming its columns, or rows given in memory.
#[derive(Debug)]
pub struct Table {
    file: String,
    columns: Vec<String>,
    records: Vec<(u64, csv::StringRecord)>,
    /// Rows are placed by their index (from memory) rather than by a file's line.
    indexed: bool,
}

impl Table {
    /// Reads `path` (CSV, or a workbook by its extension: .xlsx, .xlsm, .xlsb),
    /// checking that the header holds every `required` column and no column outside
    /// `required` and `optional`.
    pub fn read(path: &Path, columns: (&[&str], &[&str])) -> Result<Table, ImportErrors> {
        Table::read_as(path, &path.display().to_string(), columns)
    }

    /// Whether `path` names a workbook (or an old spreadsheet format), by its
    /// extension, rather than CSV.
    pub fn is_workbook(path: &Path) -> bool {
        let extension = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
        extension
            .as_deref()
            .is_some_and(|e| matches!(e, "xls" | "ods") || spreadsheet::EXTENSIONS.contains(&e))
    }

    /// As `read`, naming the file `source` in every error and in what it records: an
    /// upload's own name rather than the temporary file it was saved to.
    pub fn read_as(path: &Path, source: &str, (required, optional): (&[&str], &[&str])) -> Result<Table, ImportErrors> {
        let file = source.to_owned();
        let extension = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
        if let Some(old @ ("xls" | "ods")) = extension.as_deref() {
            return Err(whole_file(
                &file,
                format!(
                    "`.{old}` files are not read (they cannot be read cell by cell, so a small file could claim any amount of memory); save the sheet as .xlsx or .csv"
                ),
            ));
        }
        if extension
            .as_deref()
            .is_some_and(|e| spreadsheet::EXTENSIONS.contains(&e))
        {
            let (columns, records) = spreadsheet::read(path).map_err(|message| whole_file(&file, message))?;
            return Table::from_parts(file, columns, records, required, optional);
        }
        let reader = csv::ReaderBuilder::new()
            .flexible(false)
            .from_path(path)
            .map_err(|e| whole_file(&file, format!("cannot read the file: {}", io_reason(&e))))?;
        Table::from_csv(file, reader, required, optional)
    }

    /// CSV held in memory (the demo's files, built into the binary), named `source`.
    pub fn from_csv_bytes(
        source: &str,
        bytes: &[u8],
        (required, optional): (&[&str], &[&str]),
    ) -> Result<Table, ImportErrors> {
        let reader = csv::ReaderBuilder::new().flexible(false).from_reader(bytes);
        Table::from_csv(source.to_owned(), reader, required, optional)
    }

    fn from_csv<R: std::io::Read>(
        file: String,
        mut reader: csv::Reader<R>,
        required: &[&str],
        optional: &[&str],
    ) -> Result<Table, ImportErrors> {
        let columns: Vec<String> = reader
            .headers()
            .map_err(|e| whole_file(&file, format!("cannot read the header: {}", io_reason(&e))))?
            .iter()
            .map(String::from)
            .collect();
        let mut records = Vec::new();
        let mut errors = ImportErrors::default();
        for record in reader.records() {
            match record {
                Ok(record) => {
                    let line = record.position().map_or(0, |p| p.line());
                    records.push((line, record));
                }
                Err(e) => {
                    let line = e.position().map_or(0, |p| p.line());
                    errors.push(RowError {
                        file: file.clone(),
                        line,
                        column: None,
                        message: io_reason(&e),
                    });
                }
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Table::from_parts(file, columns, records, required, optional)
    }

    /// Checks the header of rows read from any format.
    fn from_parts(
        file: String,
        columns: Vec<String>,
        records: Vec<(u64, csv::StringRecord)>,
        required: &[&str],
        optional: &[&str],
    ) -> Result<Table, ImportErrors> {
        let columns = check_header(&file, columns, (required, optional))?;
        Ok(Table {
            file,
            columns,
            records,
            indexed: false,
        })
    }

    /// Rows given in memory, as a JSON request body gives them: `source` names where
    /// they came from, each record holds a field per column of `columns`, and each
    /// row's place (`Row::line`, errors) is its index from 0.
    pub fn from_records(source: &str, columns: &[&str], records: Vec<Vec<String>>) -> Table {
        Table {
            file: source.to_owned(),
            columns: columns.iter().map(|c| (*c).to_owned()).collect(),
            records: records
                .into_iter()
                .enumerate()
                .map(|(i, fields)| (i as u64, csv::StringRecord::from(fields)))
                .collect(),
            indexed: true,
        }
    }

    /// How a message names the row at `line`: `line 7` in a file, `row 7` in memory.
    pub fn place(&self, line: u64) -> String {
        if self.indexed {
            format!("row {line}")
        } else {
            format!("line {line}")
        }
    }

    /// How many data rows the table holds.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    pub fn file(&self) -> &str {
        &self.file
    }

    pub fn rows(&self) -> impl Iterator<Item = Row<'_>> {
        self.records.iter().map(|(line, record)| Row {
            table: self,
            record,
            line: *line,
        })
    }
}

/// A header's column names, trimmed (and a byte order mark dropped), once it holds
/// every `required` column and none outside `required` and `optional`.
pub(super) fn check_header(
    file: &str,
    columns: Vec<String>,
    (required, optional): (&[&str], &[&str]),
) -> Result<Vec<String>, ImportErrors> {
    let columns: Vec<String> = columns
        .iter()
        .map(|c| c.trim().trim_start_matches('\u{feff}').to_owned())
        .collect();
    let mut errors = ImportErrors::default();
    for column in required {
        if !columns.iter().any(|c| c == column) {
            let message = format!(
                "the header lacks the column `{column}`; expected {}",
                required.join(",")
            );
            errors.push(RowError::new(file, 1, None, &message));
        }
    }
    for column in &columns {
        if !required.contains(&column.as_str()) && !optional.contains(&column.as_str()) {
            let message = format!("unknown column; expected {}", [required, optional].concat().join(","));
            errors.push(RowError::new(file, 1, Some(column), &message));
        }
    }
    errors.or(columns)
}

/// An error about the whole file, placed on its first line.
pub(super) fn whole_file(file: &str, message: String) -> ImportErrors {
    let mut errors = ImportErrors::default();
    errors.push(RowError {
        file: file.to_owned(),
        line: 1,
        column: None,
        message,
    });
    errors
}

pub(super) fn io_reason(error: &csv::Error) -> String {
    match error.kind() {
        csv::ErrorKind::Io(e) => e.to_string(),
        csv::ErrorKind::UnequalLengths { expected_len, len, .. } => {
            format!("the row has {len} fields but the header has {expected_len}")
        }
        csv::ErrorKind::Utf8 { .. } => "the row is not valid UTF-8 text".to_owned(),
        _ => error.to_string(),
    }
}
