//! One service function behind every way data comes in (the command line now, the
//! JSON API and browser upload later): read, validate against the definitions and
//! what is stored, then write all or nothing.

use super::table::{ImportErrors, RowError, Table};
use super::{
    METRIC_COLUMNS, PEOPLE_COLUMNS, TARGET_COLUMNS, TEAM_COLUMNS, build_organisation, parse_metrics, parse_people,
    parse_targets, parse_teams, subject_keys,
};
use crate::kpi::organisation::Organisation;
use crate::kpi::period::Period;
use crate::kpi::rulebook::Rulebook;
use crate::store::{Changes, ImportRefused, MetricsImport, Store, StoreError, TeamRow};
use sha2::{Digest, Sha256};
use std::collections::HashSet;
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
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot read {path}: {reason}")]
    Read { path: String, reason: String },
}

impl From<ImportErrors> for ImportFailure {
    fn from(errors: ImportErrors) -> Self {
        ImportFailure::Rows(errors)
    }
}

/// Imports `path` as `kind`. `progress` hears how many rows have been written so far.
pub async fn import_file(
    store: &Store,
    rulebook: &Rulebook,
    kind: ImportKind,
    path: &Path,
    actor: &str,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<ImportReport, ImportFailure> {
    let source = path.display().to_string();
    import_file_as(store, rulebook, kind, path, &source, actor, progress).await
}

/// As `import_file`, recording `source` as the file's name: an upload's own name
/// rather than the temporary file it was saved to.
pub async fn import_file_as(
    store: &Store,
    rulebook: &Rulebook,
    kind: ImportKind,
    path: &Path,
    source: &str,
    actor: &str,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<ImportReport, ImportFailure> {
    let file = source.to_owned();
    let refused = |error: ImportRefused| match error {
        ImportRefused::Finalized(lines) => {
            let mut errors = ImportErrors::default();
            for (line, period) in lines {
                let message = format!("period {period} is finalized; its data and targets can no longer change");
                errors.push(RowError {
                    file: file.clone(),
                    line,
                    column: Some("period".into()),
                    message,
                });
            }
            ImportFailure::Rows(errors)
        }
        ImportRefused::Store(e) => ImportFailure::Store(e),
    };
    match kind {
        ImportKind::Teams => {
            let stored = store.list_teams().await?;
            let known: HashSet<String> = stored.iter().map(|t| t.key.clone()).collect();
            let rows = parse_teams(&Table::read(path, TEAM_COLUMNS)?, &known)?;
            // The tree after the import must still be a tree.
            let mut combined: Vec<TeamRow> = stored
                .into_iter()
                .filter(|t| !rows.iter().any(|r| r.key == t.key))
                .collect();
            combined.extend(rows.iter().cloned());
            build_organisation(rulebook, &combined, &[], &file)?;
            let changes = store.upsert_teams(&rows, actor).await?;
            Ok(ImportReport {
                rows: rows.len(),
                changes,
            })
        }
        ImportKind::People => {
            let teams: HashSet<String> = store.list_teams().await?.into_iter().map(|t| t.key).collect();
            let people: HashSet<String> = store.list_people().await?.into_iter().map(|p| p.key).collect();
            let rows = parse_people(&Table::read(path, PEOPLE_COLUMNS)?, rulebook, &teams, &people)?;
            let changes = store.upsert_people(&rows, actor).await?;
            Ok(ImportReport {
                rows: rows.len(),
                changes,
            })
        }
        ImportKind::Targets => {
            let organisation = stored_organisation(store, rulebook, None).await?;
            let rows = parse_targets(&Table::read(path, TARGET_COLUMNS)?, rulebook, &organisation)?;
            let changes = store.import_targets(&rows, &file, actor).await.map_err(refused)?;
            Ok(ImportReport {
                rows: rows.len(),
                changes,
            })
        }
        ImportKind::Metrics => {
            let bytes = std::fs::read(path).map_err(|e| ImportFailure::Read {
                path: file.clone(),
                reason: e.to_string(),
            })?;
            let digest = format!("{:x}", Sha256::digest(&bytes));
            drop(bytes);
            let organisation = stored_organisation(store, rulebook, None).await?;
            let rows = parse_metrics(
                &Table::read(path, METRIC_COLUMNS)?,
                rulebook,
                &subject_keys(&organisation),
            )?;
            let import = MetricsImport {
                source: &file,
                digest: &digest,
                actor,
            };
            let changes = store.import_metrics(&rows, &import, progress).await.map_err(refused)?;
            Ok(ImportReport {
                rows: rows.len(),
                changes,
            })
        }
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
    let mut people = store.list_people().await?;
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
    build_organisation(rulebook, &teams, &people, "teams").map_err(|e| StoreError::Corrupt(e.to_string()))
}
