//! One service function behind every way data comes in (the command line and the
//! JSON API now, browser upload later): read, validate against the definitions and
//! what is stored, then write all or nothing.

use super::metrics_file::stage_metrics_file;
use super::organisation::{organisation_of, tree_errors};
use super::table::{ImportErrors, Table};
use super::{
    METRIC_COLUMNS, PEOPLE_COLUMNS, TARGET_COLUMNS, TEAM_COLUMNS, build_organisation, parse_metrics, parse_people,
    parse_targets, parse_teams, subject_keys,
};
use crate::kpi::organisation::Organisation;
use crate::kpi::period::Period;
use crate::kpi::rulebook::Rulebook;
use crate::store::{
    Changes, ImportRefused, MetricStaging, MetricsImport, PersonRow, StagedRow, Store, StoreError, TeamRow,
};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ImportKind {
    People,
    Teams,
    Targets,
    Metrics,
}

/// What an import did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportReport {
    pub rows: usize,
    pub changes: Changes,
}

/// Why nothing was imported.
#[derive(Debug, thiserror::Error)]
pub enum ImportFailure {
    #[error("{0}")]
    Rows(ImportErrors),
    /// Well-formed rows that would change months already finalized.
    #[error("{0}")]
    Finalized(FinalizedRows),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot read {path}: {reason}")]
    Read { path: String, reason: String },
    /// Other definitions were published while the rows were checked: nothing was
    /// written, and checking them again against the new ones may give another answer.
    #[error(
        "the definitions in force changed while these rows were checked (against version {checked}; version {} is in force now); nothing was written, send them again",
        .active.map_or_else(|| "none".to_owned(), |v| v.to_string())
    )]
    DefinitionsChanged { checked: i64, active: Option<i64> },
}

/// The definitions rows are checked against, and the stored version they are: the
/// write checks that it is still the one in force, so rows checked against definitions
/// published over meanwhile are never written. `version: None` skips that check (rows
/// checked against definitions that were never stored, in tests and benchmarks).
#[derive(Debug, Clone, Copy)]
pub struct Against<'a> {
    pub rulebook: &'a Rulebook,
    pub version: Option<i64>,
}

impl From<ImportErrors> for ImportFailure {
    fn from(errors: ImportErrors) -> Self {
        ImportFailure::Rows(errors)
    }
}

/// Rows that would change finalized months, said once per month with their count
/// (a year of rows for a frozen month is one refusal, not thousands of lines).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FinalizedRows {
    pub file: String,
    /// Each finalized month with the lines (or, for rows given in memory, the
    /// indexes) of the rows that would change it, in order.
    pub months: BTreeMap<String, Vec<u64>>,
}

impl FinalizedRows {
    fn new(file: &str, rows: Vec<(u64, String)>) -> FinalizedRows {
        let mut months: BTreeMap<String, Vec<u64>> = BTreeMap::new();
        for (line, month) in rows {
            months.entry(month).or_default().push(line);
        }
        for lines in months.values_mut() {
            lines.sort_unstable();
        }
        FinalizedRows {
            file: file.to_owned(),
            months,
        }
    }

    /// Why `month`'s rows were refused, with how many there are.
    pub fn reason(month: &str, lines: &[u64]) -> String {
        let mut reason = format!("period {month} is finalized; its data and targets can no longer change");
        if let [first, .., last] = lines {
            reason.push_str(&format!(
                " ({} rows would change it, from line {first} to line {last})",
                lines.len()
            ));
        }
        reason
    }
}

impl fmt::Display for FinalizedRows {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (month, lines) in &self.months {
            let first = lines.first().copied().unwrap_or(1);
            writeln!(
                f,
                "{}:{first}: column `period`: {}",
                self.file,
                FinalizedRows::reason(month, lines)
            )?;
        }
        f.write_str("nothing from these files was used")
    }
}

/// Imports `path` as `kind`. `progress` hears how many rows have been read or written
/// so far, and of how many (0 while a streamed file's total is not known yet).
pub async fn import_file(
    store: &Store,
    against: Against<'_>,
    kind: ImportKind,
    path: &Path,
    actor: &str,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<ImportReport, ImportFailure> {
    import_file_as(store, against, kind, path, &path.display().to_string(), actor, progress).await
}

/// As `import_file`, naming the file `source` in errors and in the audit log: an
/// upload's own name rather than the temporary file it was saved to.
pub async fn import_file_as(
    store: &Store,
    against: Against<'_>,
    kind: ImportKind,
    path: &Path,
    source: &str,
    actor: &str,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<ImportReport, ImportFailure> {
    if kind == ImportKind::Metrics && !Table::is_workbook(path) {
        return import_metrics_file(store, against, path, source, actor, progress).await;
    }
    // Reading and parsing a large file takes a while: off the async workers, so a
    // server goes on answering others meanwhile.
    let (owned_path, owned_source) = (path.to_owned(), source.to_owned());
    let (digest, table) = tokio::task::spawn_blocking(move || read_file(kind, &owned_path, &owned_source))
        .await
        .map_err(|e| ImportFailure::Read {
            path: source.to_owned(),
            reason: format!("reading was interrupted: {e}"),
        })??;
    import_table(store, against, kind, &table, &digest, actor, progress).await
}

/// Imports CSV held in memory (the demo, built into the binary), named `source` in
/// errors and in the audit log.
pub async fn import_csv_bytes(
    store: &Store,
    against: Against<'_>,
    kind: ImportKind,
    source: &str,
    bytes: &[u8],
    actor: &str,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<ImportReport, ImportFailure> {
    let digest = if kind == ImportKind::Metrics {
        format!("{:x}", Sha256::digest(bytes))
    } else {
        String::new()
    };
    let table = Table::from_csv_bytes(source, bytes, kind.columns())?;
    import_table(store, against, kind, &table, &digest, actor, progress).await
}

impl ImportKind {
    /// The columns a table of this kind requires and allows.
    pub fn columns(self) -> (&'static [&'static str], &'static [&'static str]) {
        match self {
            ImportKind::People => PEOPLE_COLUMNS,
            ImportKind::Teams => TEAM_COLUMNS,
            ImportKind::Targets => TARGET_COLUMNS,
            ImportKind::Metrics => METRIC_COLUMNS,
        }
    }
}

/// The file's digest (metric data only: it recognises the same data file later) and
/// its rows.
fn read_file(kind: ImportKind, path: &Path, source: &str) -> Result<(String, Table), ImportFailure> {
    let digest = if kind == ImportKind::Metrics {
        let bytes = std::fs::read(path).map_err(|e| ImportFailure::Read {
            path: source.to_owned(),
            reason: e.to_string(),
        })?;
        format!("{:x}", Sha256::digest(&bytes))
    } else {
        String::new()
    };
    Ok((digest, Table::read_as(path, source, kind.columns())?))
}

/// Imports rows already read, from a file or from memory (`Table::from_records`, as
/// the JSON API gives them): validated against the definitions and what is stored,
/// then written all or nothing. `digest` identifies the source of metric data.
pub async fn import_table(
    store: &Store,
    against: Against<'_>,
    kind: ImportKind,
    table: &Table,
    digest: &str,
    actor: &str,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<ImportReport, ImportFailure> {
    let source = table.file();
    let refused = |error| refusal(source, error);
    if kind == ImportKind::Metrics {
        let organisation = stored_organisation(store, against.rulebook, None).await?;
        let rows = parse_metrics(table, against.rulebook, &subject_keys(&organisation))?;
        let mut staging = store.stage_metrics(metric_keys(against.rulebook)).await?;
        for row in &rows {
            let staged = StagedRow {
                line: row.line,
                subject: &row.subject,
                month: row.month,
                metric: &row.metric,
                value: row.value,
            };
            if let Err(error) = staging.push(staged).await {
                staging.abandon().await.ok();
                return Err(error.into());
            }
        }
        let import = MetricsImport { source, digest, actor };
        return merge(store, against, staging, &import, progress).await;
    }
    // Every check reads the store through the write it guards: a concurrent import
    // waits for this one to commit, so what was checked is what is written over.
    let writer = store.writer().await?;
    if let Some(checked) = against.version {
        let active = writer.active_publication().await?.map(|p| p.version);
        if active != Some(checked) {
            return Err(ImportFailure::DefinitionsChanged { checked, active });
        }
    }
    let rulebook = against.rulebook;
    let teams = writer.list_teams().await?;
    let people = writer.list_people().await?;
    let (rows, changes) = match kind {
        ImportKind::Teams => {
            let known: HashSet<String> = teams.iter().map(|t| t.key.clone()).collect();
            let people: HashSet<String> = people.into_iter().map(|p| p.key).collect();
            let rows = parse_teams(table, rulebook, &known, &people)?;
            // The tree after the import must still be a tree.
            let mut combined: Vec<TeamRow> = teams
                .into_iter()
                .filter(|t| !rows.iter().any(|r| r.key == t.key))
                .collect();
            combined.extend(rows.iter().cloned());
            organisation_of(rulebook, &combined, &[])
                .map_err(|error| ImportFailure::Rows(tree_errors(table, &error)))?;
            (rows.len(), writer.upsert_teams(&rows, source, actor).await?)
        }
        ImportKind::People => {
            let teams: HashSet<String> = teams.into_iter().map(|t| t.key).collect();
            let people: HashSet<String> = people.into_iter().map(|p| p.key).collect();
            let rows = parse_people(table, rulebook, &teams, &people)?;
            (rows.len(), writer.upsert_people(&rows, source, actor).await?)
        }
        ImportKind::Targets => {
            let organisation = organisation_from(rulebook, &teams, people, None)?;
            let rows = parse_targets(table, rulebook, &organisation)?;
            let changes = writer.import_targets(&rows, source, actor).await.map_err(refused)?;
            (rows.len(), changes)
        }
        ImportKind::Metrics => unreachable!("metric data is staged above"),
    };
    writer.commit().await?;
    Ok(ImportReport { rows, changes })
}

/// Streams a CSV file of metric data into the store's staging, checking every row,
/// then merges it.
async fn import_metrics_file(
    store: &Store,
    against: Against<'_>,
    path: &Path,
    source: &str,
    actor: &str,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<ImportReport, ImportFailure> {
    // Checked against the organisation as it is before the write begins: people and
    // teams are never removed, so a subject known now is known when the rows merge.
    let organisation = stored_organisation(store, against.rulebook, None).await?;
    let mut staging = store.stage_metrics(metric_keys(against.rulebook)).await?;
    match stage_metrics_file(against.rulebook, &organisation, path, source, &mut staging, progress).await {
        Ok(digest) => {
            let import = MetricsImport {
                source,
                digest: &digest,
                actor,
            };
            merge(store, against, staging, &import, progress).await
        }
        Err(failure) => {
            staging.abandon().await.ok();
            Err(failure)
        }
    }
}

/// Merges staged metric data in the one write transaction, after checking that the
/// definitions the rows were checked against are still in force. Whatever happens,
/// the staging table does not outlive the call.
async fn merge(
    store: &Store,
    against: Against<'_>,
    staging: MetricStaging<'_>,
    import: &MetricsImport<'_>,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<ImportReport, ImportFailure> {
    let staged = staging.finish().await?;
    let merged = async {
        let writer = store.writer().await?;
        if let Some(checked) = against.version {
            let active = writer.active_publication().await?.map(|p| p.version);
            if active != Some(checked) {
                return Err(ImportFailure::DefinitionsChanged { checked, active });
            }
        }
        let changes = writer
            .merge_metrics(&staged, import, progress)
            .await
            .map_err(|error| refusal(import.source, error))?;
        writer.commit().await?;
        Ok(ImportReport {
            rows: staged.rows as usize,
            changes,
        })
    }
    .await;
    if merged.is_err() {
        staged.discard(store).await.ok();
    }
    merged
}

/// Why the store refused rows of `source`.
fn refusal(source: &str, error: ImportRefused) -> ImportFailure {
    match error {
        ImportRefused::Finalized(rows) => ImportFailure::Finalized(FinalizedRows::new(source, rows)),
        ImportRefused::Store(e) => ImportFailure::Store(e),
    }
}

/// The stored organisation, roles resolved against `rulebook`; with a period, only
/// the people active in at least one of its months.
pub async fn stored_organisation(
    store: &Store,
    rulebook: &Rulebook,
    period: Option<Period>,
) -> Result<Organisation, StoreError> {
    let teams = store.list_teams().await?;
    let people = store.list_people().await?;
    organisation_from(rulebook, &teams, people, period)
}

/// The organisation of stored rows, roles resolved against `rulebook`; with a period,
/// only the people active in at least one of its months.
pub fn organisation_from(
    rulebook: &Rulebook,
    teams: &[TeamRow],
    mut people: Vec<PersonRow>,
    period: Option<Period>,
) -> Result<Organisation, StoreError> {
    if let Some(period) = period {
        let months: Vec<String> = period.months().iter().map(ToString::to_string).collect();
        people.retain(|p| {
            months.iter().any(|m| {
                p.active_from.as_deref().is_none_or(|from| from <= m.as_str())
                    && p.active_to.as_deref().is_none_or(|to| m.as_str() <= to)
            })
        });
    }
    let unknown: Vec<String> = people
        .iter()
        .filter(|p| rulebook.find_role(&p.role).is_none())
        .map(|p| format!("{} ({})", p.key, p.role))
        .collect();
    if !unknown.is_empty() {
        return Err(StoreError::Corrupt(format!(
            "people with roles the definitions do not have: {}",
            unknown.join(", ")
        )));
    }
    build_organisation(rulebook, teams, &people, "teams").map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// The definitions' metric keys: the names a metrics file may use.
fn metric_keys(rulebook: &Rulebook) -> impl Iterator<Item = &str> {
    rulebook.metrics().iter().map(|metric| metric.key.as_str())
}
