//! A metric data file streamed: straight into the engine's monthly tables, for scoring
//! one period from files (`yardstick evaluate --data`), or into the store's staging
//! for an import.
//!
//! The file is streamed record by record through one reused buffer: no row, cell or
//! string is kept. A row's month is read first: a row of another month is skipped
//! there (`yardstick import` and `check`-ing the file as an import checks every row).
//! The period's rows are checked as an import checks them, and named the same way
//! when bad, each value written into its month's dense table. A file with a million
//! rows over a year costs the tables of the period, not the rows.
//!
//! A large file is read in parts, one per core, each from a line's start. A part
//! stops at its first bad row, and a quote anywhere (a quoted field may hold a line
//! break, so a part could start inside it) or a cell given in two parts sends the
//! whole file to one reader from the top, which lists every problem in line order.

use super::metrics::METRIC_COLUMNS;
use super::suggest;
use super::table::{ImportErrors, RowError, check_header, io_reason, whole_file};
use super::to_store::ImportFailure;
use crate::kpi::definition::Unit;
use crate::kpi::organisation::{Organisation, Subject};
use crate::kpi::period::{Month, Period};
use crate::kpi::rollup::MetricData;
use crate::kpi::rulebook::{MetricId, Rulebook};
use crate::store::{MetricStaging, StagedRow};
use rustc_hash::FxHashMap;
use sha2::{Digest, Sha256};
use std::path::Path;

/// The columns in the order rows are checked; [`METRIC_COLUMNS`] requires them all.
const FIELDS: [&str; 4] = ["subject", "period", "metric", "value"];

/// One checked row: where its value goes.
#[derive(Clone, Copy)]
struct Cell {
    subject: Subject,
    month: Month,
    metric: MetricId,
    value: f64,
}

/// What turns a row's text into a [`Cell`]: the names it may use, looked up by the
/// borrowed text of the field.
struct Vocabulary<'a> {
    file: &'a str,
    rulebook: &'a Rulebook,
    organisation: &'a Organisation,
    subjects: FxHashMap<&'a str, Subject>,
    metrics: FxHashMap<&'a str, MetricId>,
    /// The field positions of `subject`, `period`, `metric` and `value`.
    at: [usize; 4],
}

impl<'a> Vocabulary<'a> {
    /// The names rows may use, and where a checked header put each column.
    fn new(file: &'a str, rulebook: &'a Rulebook, organisation: &'a Organisation, columns: &[String]) -> Self {
        let at = FIELDS.map(|name| columns.iter().position(|c| c == name).expect("the header was checked"));
        Vocabulary {
            file,
            rulebook,
            organisation,
            subjects: organisation
                .people()
                .iter()
                .map(|p| p.key.as_str())
                .chain(organisation.teams().iter().map(|t| t.key.as_str()))
                .map(|key| (key, organisation.find(key).expect("a key of the organisation")))
                .collect(),
            metrics: rulebook
                .metrics()
                .iter()
                .map(|m| {
                    (
                        m.key.as_str(),
                        rulebook.find_metric(&m.key).expect("a metric of the rulebook"),
                    )
                })
                .collect(),
            at,
        }
    }

    fn error(&self, line: u64, column: &str, message: String) -> RowError {
        RowError::new(self.file, line, Some(column), &message)
    }

    /// The trimmed text of field `i` (`subject` 0, `period` 1, `metric` 2, `value` 3).
    fn field<'r>(&self, record: &'r csv::ByteRecord, line: u64, i: usize) -> Result<&'r str, RowError> {
        let bytes = record.get(self.at[i]).unwrap_or_default();
        let text = std::str::from_utf8(bytes)
            .map_err(|_| RowError::new(self.file, line, None, "the row is not valid UTF-8 text"))?;
        Ok(text.trim())
    }

    fn required<'r>(&self, record: &'r csv::ByteRecord, line: u64, i: usize) -> Result<&'r str, RowError> {
        match self.field(record, line, i)? {
            "" => Err(self.error(line, FIELDS[i], "a value is required".into())),
            text => Ok(text),
        }
    }

    /// The row's cell, checked in the order an import checks it, so the first problem
    /// of a row is the same one either way.
    /// `None` for a row of a month outside `period` (when one is given), skipped once
    /// its month is read.
    /// `last_month` remembers the month of the row before, as rows come grouped by month.
    fn cell(
        &self,
        record: &csv::ByteRecord,
        line: u64,
        period: Option<Period>,
        last_month: &mut Option<(Vec<u8>, Month)>,
    ) -> Result<Option<Cell>, RowError> {
        let text = self.required(record, line, 1)?;
        let month = match last_month {
            Some((last, month)) if last.as_slice() == text.as_bytes() => *month,
            _ => {
                let month: Month = text.parse().map_err(|_| {
                    let message = format!("`{text}` is not a month; metric data is monthly, as `YYYY-MM`");
                    self.error(line, "period", message)
                })?;
                *last_month = Some((text.as_bytes().to_vec(), month));
                month
            }
        };
        if period.is_some_and(|period| !period.contains(month)) {
            return Ok(None);
        }
        let key = self.required(record, line, 0)?;
        let Some(&subject) = self.subjects.get(key) else {
            let known = self.subjects.keys();
            let message = format!("unknown person or team `{key}`{}", suggest(key, known));
            return Err(self.error(line, "subject", message));
        };
        let name = self.required(record, line, 2)?;
        let Some(&metric) = self.metrics.get(name) else {
            let known = self.rulebook.metrics().iter().map(|m| &m.key);
            return Err(self.error(
                line,
                "metric",
                format!("unknown metric `{name}`{}", suggest(name, known)),
            ));
        };
        let text = self.field(record, line, 3)?;
        let value = match text.parse::<f64>() {
            Ok(v) if v.is_finite() => v,
            _ if text.is_empty() => return Err(self.error(line, "value", "a number is required".into())),
            _ => return Err(self.error(line, "value", format!("`{text}` is not a number"))),
        };
        if value < 0.0 && self.rulebook.metric(metric).unit == Unit::Count {
            let message = format!("`{name}` is a count and cannot be negative ({value})");
            return Err(self.error(line, "value", message));
        }
        Ok(Some(Cell {
            subject,
            month,
            metric,
            value,
        }))
    }

    /// Lists a second value for `cell`'s cell at `line`; the first value's line is
    /// added by [`name_first_values`] once the file is read.
    fn second_value(
        &self,
        cell: &Cell,
        line: u64,
        errors: &mut ImportErrors,
        seconds: &mut Vec<(Option<usize>, Month, usize)>,
    ) {
        let name = &self.rulebook.metric(cell.metric).key;
        let key = subject_key(self.organisation, cell.subject);
        let listed = errors.errors.len();
        errors.push(self.error(
            line,
            "metric",
            format!("a second value for `{key}`, {}, `{name}`", cell.month),
        ));
        let listed = (errors.errors.len() > listed).then_some(listed);
        seconds.push((listed, cell.month, self.index(cell)));
    }

    /// Where a cell sits in its month's table.
    fn index(&self, cell: &Cell) -> usize {
        let row = match cell.subject {
            Subject::Person(p) => p.index(),
            Subject::Team(t) => self.organisation.people().len() + t.index(),
        };
        row * self.rulebook.metrics().len() + cell.metric.index()
    }
}

/// What one reader has made of its rows so far.
struct Scan {
    /// The period's values: a cell already held is a second value.
    data: MetricData,
    errors: ImportErrors,
    /// Second values: the listed error's position and its cell; the first value's
    /// line is looked up afterwards, only when there is one.
    seconds: Vec<(Option<usize>, Month, usize)>,
    /// Rows come grouped by month: the last month's text and value.
    last_month: Option<(Vec<u8>, Month)>,
}

impl Scan {
    fn new(rulebook: &Rulebook, organisation: &Organisation) -> Scan {
        let (people, teams) = (organisation.people().len(), organisation.teams().len());
        Scan {
            data: MetricData::new(rulebook.metrics().len(), people, teams),
            errors: ImportErrors::default(),
            seconds: Vec::new(),
            last_month: None,
        }
    }

    /// Checks one record of `period` and keeps its value.
    fn record(&mut self, words: &Vocabulary, period: Period, record: &csv::ByteRecord) {
        let line = record.position().map_or(0, |p| p.line());
        let cell = match words.cell(record, line, Some(period), &mut self.last_month) {
            Ok(Some(cell)) => cell,
            Ok(None) => return,
            Err(error) => return self.errors.push(error),
        };
        if !self.data.set_new(cell.subject, cell.month, cell.metric, cell.value) {
            words.second_value(&cell, line, &mut self.errors, &mut self.seconds);
        }
    }
}

/// Reads metric data in long form (`subject,period,metric,value`, CSV) for `period`:
/// every row is checked, the period's rows are kept. Any bad row refuses the file, with
/// every bad row listed as [`super::read_metrics`] lists them.
pub fn read_period_metrics(
    rulebook: &Rulebook,
    organisation: &Organisation,
    path: &Path,
    period: Period,
) -> Result<MetricData, ImportErrors> {
    read(rulebook, organisation, path, period, PART_BYTES)
}

/// As [`read_period_metrics`], in parts of at least `part_bytes`.
fn read(
    rulebook: &Rulebook,
    organisation: &Organisation,
    path: &Path,
    period: Period,
    part_bytes: u64,
) -> Result<MetricData, ImportErrors> {
    let file = path.display().to_string();
    let mut reader = open(&file, path)?;
    let header = reader
        .headers()
        .map_err(|e| whole_file(&file, format!("cannot read the header: {}", io_reason(&e))))?;
    let columns = check_header(&file, header.iter().map(String::from).collect(), METRIC_COLUMNS)?;
    let words = Vocabulary::new(&file, rulebook, organisation, &columns);
    let body = reader.position().byte();
    if let Some(data) = read_in_parts(&words, path, body, period, part_bytes) {
        return Ok(data);
    }

    let mut scan = Scan::new(rulebook, organisation);
    let mut record = csv::ByteRecord::new();
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => scan.record(&words, period, &record),
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                scan.errors.push(RowError::new(&file, line, None, &io_reason(&e)));
            }
        }
    }
    if !scan.seconds.is_empty() {
        name_first_values(&words, path, Some(period), &mut scan.errors, &scan.seconds);
    }
    scan.errors.or(scan.data)
}

fn open(file: &str, path: &Path) -> Result<csv::Reader<std::fs::File>, ImportErrors> {
    // A 1 MiB buffer: a file is read in a few hundred system calls, not thousands.
    csv::ReaderBuilder::new()
        .flexible(false)
        .buffer_capacity(1 << 20)
        .from_path(path)
        .map_err(|e| whole_file(file, format!("cannot read the file: {}", io_reason(&e))))
}

/// Streams a metric data file (CSV) into `staging` for an import: every row of every
/// month is checked (a second value for a cell is found by one bit per cell and month,
/// not by remembering rows), and rows go on to the database while the file is read.
/// Once a bad row is found nothing more is staged, and every bad row is listed. The
/// file is named `source` in errors. Returns the file's SHA-256, taken as it is read.
pub async fn stage_metrics_file(
    rulebook: &Rulebook,
    organisation: &Organisation,
    path: &Path,
    source: &str,
    staging: &mut MetricStaging<'_>,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<String, ImportFailure> {
    let opened = std::fs::File::open(path).map_err(|e| ImportFailure::Read {
        path: source.to_owned(),
        reason: e.to_string(),
    })?;
    let mut reader = csv::ReaderBuilder::new()
        .flexible(false)
        .buffer_capacity(1 << 20)
        .from_reader(Digesting {
            inner: opened,
            digest: Sha256::new(),
        });
    let header = reader
        .headers()
        .map_err(|e| whole_file(source, format!("cannot read the header: {}", io_reason(&e))))?;
    let columns = check_header(source, header.iter().map(String::from).collect(), METRIC_COLUMNS)?;
    let words = Vocabulary::new(source, rulebook, organisation, &columns);
    let cells = (organisation.people().len() + organisation.teams().len()) * rulebook.metrics().len();
    let mut seen: FxHashMap<Month, Vec<u64>> = FxHashMap::default();
    let mut errors = ImportErrors::default();
    let mut seconds: Vec<(Option<usize>, Month, usize)> = Vec::new();
    let mut last_month = None;
    let mut record = csv::ByteRecord::new();
    let mut staged = 0;
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                errors.push(RowError::new(source, line, None, &io_reason(&e)));
                continue;
            }
        }
        let line = record.position().map_or(0, |p| p.line());
        let cell = match words.cell(&record, line, None, &mut last_month) {
            Ok(Some(cell)) => cell,
            Ok(None) => continue,
            Err(error) => {
                errors.push(error);
                continue;
            }
        };
        let at = words.index(&cell);
        let bits = seen.entry(cell.month).or_insert_with(|| vec![0; cells.div_ceil(64)]);
        if bits[at / 64] & (1 << (at % 64)) != 0 {
            words.second_value(&cell, line, &mut errors, &mut seconds);
            continue;
        }
        bits[at / 64] |= 1 << (at % 64);
        if errors.is_empty() {
            let row = StagedRow {
                line,
                subject: subject_key(organisation, cell.subject),
                month: cell.month,
                metric: &rulebook.metric(cell.metric).key,
                value: cell.value,
            };
            staging.push(row).await?;
            staged += 1;
            if staged % 4096 == 0 {
                progress(staged, 0);
            }
        }
    }
    if !seconds.is_empty() {
        name_first_values(&words, path, None, &mut errors, &seconds);
    }
    let digest = reader.into_inner().digest.finalize();
    errors.or(format!("{digest:x}")).map_err(ImportFailure::Rows)
}

/// A reader that takes the SHA-256 of what passes through it.
struct Digesting<R> {
    inner: R,
    digest: Sha256,
}

impl<R: std::io::Read> std::io::Read for Digesting<R> {
    fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buffer)?;
        self.digest.update(&buffer[..n]);
        Ok(n)
    }
}

/// Files smaller than this are read by one reader: starting threads would cost more.
const PART_BYTES: u64 = 8 << 20;

/// The file's rows after the header (from byte `body`) read by one reader per core,
/// each from a line's start; `None` when the file is small, holds a quote, a bad row
/// or a cell given in two parts: one reader from the top is then the one to ask.
fn read_in_parts(words: &Vocabulary, path: &Path, body: u64, period: Period, part_bytes: u64) -> Option<MetricData> {
    let size = std::fs::metadata(path).ok()?.len();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get()).min(8) as u64;
    let parts = (size.saturating_sub(body) / part_bytes).clamp(1, cores);
    if parts < 2 {
        return None;
    }
    let mut starts = vec![body];
    for i in 1..parts {
        let start = line_start_after(path, body + (size - body) * i / parts).ok()?;
        if start > *starts.last()? && start < size {
            starts.push(start);
        }
    }
    let ends: Vec<u64> = starts.iter().skip(1).copied().chain([size]).collect();
    let scans: Vec<Option<Scan>> = std::thread::scope(|threads| {
        let readers: Vec<_> = starts
            .iter()
            .zip(&ends)
            .map(|(&start, &end)| threads.spawn(move || read_part(words, path, start, end, period)))
            .collect();
        readers.into_iter().map(|r| r.join().ok().flatten()).collect()
    });
    let mut scans = scans.into_iter();
    let mut whole = scans.next()??.data;
    for part in scans {
        if !whole.absorb(part?.data) {
            return None;
        }
    }
    Some(whole)
}

/// The offset of the first line that starts after `offset`.
fn line_start_after(path: &Path, offset: u64) -> std::io::Result<u64> {
    use std::io::{BufRead, Seek};
    let mut reader = std::io::BufReader::new(std::fs::File::open(path)?);
    reader.seek(std::io::SeekFrom::Start(offset))?;
    let mut skipped = Vec::new();
    let read = reader.read_until(b'\n', &mut skipped)?;
    Ok(offset + read as u64)
}

/// One part of the file, `start..end`; `None` at its first bad row or quote.
fn read_part(words: &Vocabulary, path: &Path, start: u64, end: u64, period: Period) -> Option<Scan> {
    use std::io::{Read, Seek};
    let mut file = std::fs::File::open(path).ok()?;
    file.seek(std::io::SeekFrom::Start(start)).ok()?;
    let quoted = std::cell::Cell::new(false);
    let watched = NoQuotes {
        inner: file.take(end - start),
        quoted: &quoted,
    };
    let mut reader = csv::ReaderBuilder::new()
        .flexible(false)
        .has_headers(false)
        .buffer_capacity(1 << 20)
        .from_reader(watched);
    let mut scan = Scan::new(words.rulebook, words.organisation);
    let mut record = csv::ByteRecord::new();
    while reader.read_byte_record(&mut record).ok()? {
        scan.record(words, period, &record);
        if !scan.errors.is_empty() || quoted.get() {
            return None;
        }
    }
    (!quoted.get()).then_some(scan)
}

/// A reader that notes whether any byte read is a quote.
struct NoQuotes<'a, R> {
    inner: R,
    quoted: &'a std::cell::Cell<bool>,
}

impl<R: std::io::Read> std::io::Read for NoQuotes<'_, R> {
    fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buffer)?;
        if buffer[..n].contains(&b'"') {
            self.quoted.set(true);
        }
        Ok(n)
    }
}

/// Completes each listed "a second value" error with the line of the first value,
/// read again from the file (only a refused file pays for this).
fn name_first_values(
    words: &Vocabulary,
    path: &Path,
    period: Option<Period>,
    errors: &mut ImportErrors,
    seconds: &[(Option<usize>, Month, usize)],
) {
    let mut first: FxHashMap<(Month, usize), u64> = seconds.iter().map(|&(_, m, at)| ((m, at), 0)).collect();
    if let Ok(mut reader) = csv::ReaderBuilder::new().flexible(false).from_path(path) {
        let mut record = csv::ByteRecord::new();
        let mut last_month = None;
        while let Ok(true) = reader.read_byte_record(&mut record) {
            let line = record.position().map_or(0, |p| p.line());
            if let Ok(Some(cell)) = words.cell(&record, line, period, &mut last_month)
                && let Some(at) = first.get_mut(&(cell.month, words.index(&cell)))
                && *at == 0
            {
                *at = line;
            }
        }
    }
    for &(listed, month, at) in seconds {
        if let Some(error) = listed.and_then(|i| errors.errors.get_mut(i)) {
            error.message = format!("{}; the first is on line {}", error.message, first[&(month, at)]);
        }
    }
}

fn subject_key(organisation: &Organisation, subject: Subject) -> &str {
    match subject {
        Subject::Person(p) => &organisation.person(p).key,
        Subject::Team(t) => &organisation.team(t).key,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::{read_definitions, read_organisation};
    use std::fmt::Write as _;

    const METRICS: [&str; 3] = ["visits_made", "visits_planned", "sales_amount"];

    struct Fixture {
        _dir: tempfile::TempDir,
        rulebook: Rulebook,
        organisation: Organisation,
        folder: std::path::PathBuf,
    }

    /// 40 senior reps in one team.
    fn fixture() -> Fixture {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let folder = dir.path().to_owned();
        let rulebook =
            Rulebook::load(&read_definitions(Path::new("kpi-definitions")).expect("the shipped definitions"))
                .expect("they load");
        let mut people = String::from("id,name,email,team,role\n");
        for p in 0..40 {
            writeln!(people, "p{p:02},Rep {p},,t1,senior_rep").expect("write");
        }
        std::fs::write(folder.join("teams.csv"), "id,name,parent\nt1,Team,\n").expect("write");
        std::fs::write(folder.join("people.csv"), people).expect("write");
        let organisation = read_organisation(&rulebook, &folder.join("teams.csv"), &folder.join("people.csv"))
            .expect("the organisation");
        Fixture {
            _dir: dir,
            rulebook,
            organisation,
            folder,
        }
    }

    /// Every person, three months, three metrics, with `extra` rows after them.
    fn rows(extra: &str) -> String {
        let mut text = String::from("subject,period,metric,value\n");
        for p in 0..40 {
            for month in ["2026-08", "2026-09", "2026-10"] {
                for (i, metric) in METRICS.iter().enumerate() {
                    writeln!(text, "p{p:02},{month},{metric},{}", p * 10 + i).expect("write");
                }
            }
        }
        text + extra
    }

    impl Fixture {
        /// The file read in parts of `part_bytes` (`u64::MAX`: by one reader).
        fn read(&self, text: &str, period: &str, part_bytes: u64) -> Result<MetricData, ImportErrors> {
            let path = self.folder.join("metrics.csv");
            std::fs::write(&path, text).expect("write");
            let period = period.parse().expect("a period");
            read(&self.rulebook, &self.organisation, &path, period, part_bytes)
        }

        /// Every value of `data` in `period`, in one order.
        fn values(&self, data: &MetricData, period: &str) -> Vec<Option<f64>> {
            let period: Period = period.parse().expect("a period");
            let mut values = Vec::new();
            for month in period.months() {
                for person in self.organisation.people() {
                    let subject = self.organisation.find(&person.key).expect("a person");
                    for metric in METRICS {
                        let metric = self.rulebook.find_metric(metric).expect("a metric");
                        values.push(data.get(subject, month, metric));
                    }
                }
            }
            values
        }
    }

    #[test]
    fn parts_read_what_one_reader_reads_and_skip_other_months() {
        let f = fixture();
        let text = rows("");
        for period in ["2026-10", "2026-Q3"] {
            let one = f.read(&text, period, u64::MAX).expect("valid");
            let parts = f.read(&text, period, 64).expect("valid");
            assert_eq!(f.values(&one, period), f.values(&parts, period), "{period}");
        }
        let october = f.read(&text, "2026-10", 64).expect("valid");
        let p07 = f.organisation.find("p07").expect("a person");
        let sales = f.rulebook.find_metric("sales_amount").expect("a metric");
        let month = |m: &str| m.parse::<Month>().expect("a month");
        assert_eq!(october.get(p07, month("2026-10"), sales), Some(72.0));
        assert_eq!(october.get(p07, month("2026-09"), sales), None, "September is not kept");
        assert_eq!(october.months().collect::<Vec<_>>(), [month("2026-10")]);
    }

    #[test]
    fn a_quote_anywhere_sends_the_file_to_one_reader_with_the_same_values() {
        let f = fixture();
        let plain = rows("");
        let quoted = plain.replacen(
            "p39,2026-10,sales_amount,392",
            "\"p39\",2026-10,sales_amount,\"392\"",
            1,
        );
        assert_ne!(plain, quoted);
        let one = f.read(&plain, "2026-10", u64::MAX).expect("valid");
        let parts = f.read(&quoted, "2026-10", 64).expect("valid");
        assert_eq!(f.values(&one, "2026-10"), f.values(&parts, "2026-10"));
    }

    #[test]
    fn a_value_given_twice_in_different_parts_names_both_lines() {
        let f = fixture();
        // The first data row is line 2; its month is August.
        let text = rows("p00,2026-08,visits_made,5\n");
        let last = text.lines().count();
        let error = f.read(&text, "2026-08", 64).expect_err("a second value");
        assert_eq!(error.errors.len(), 1, "{error}");
        assert_eq!(error.errors[0].line, last as u64);
        assert_eq!(
            error.errors[0].message,
            "a second value for `p00`, 2026-08, `visits_made`; the first is on line 2"
        );
        // October does not read August's rows.
        assert!(f.read(&text, "2026-10", 64).is_ok());
    }

    #[test]
    fn bad_rows_of_the_period_are_all_listed_in_line_order_however_the_file_is_split() {
        let f = fixture();
        let text =
            rows("p01,2026-10,visits_made,-3\nnobody,2026-10,leads,1\np02,2026-10,leads,x\nnobody,2026-09,leads,1\n");
        let last = text.lines().count() as u64;
        for part_bytes in [64, u64::MAX] {
            let error = f.read(&text, "2026-10", part_bytes).expect_err("bad rows");
            let listed: Vec<(u64, Option<&str>)> = error.errors.iter().map(|e| (e.line, e.column.as_deref())).collect();
            assert_eq!(
                listed,
                [
                    (last - 3, Some("value")),
                    (last - 2, Some("subject")),
                    (last - 1, Some("value"))
                ],
                "{error}"
            );
        }
    }
}
