//! Files -> validated rows -> the core or the store. A file with any bad row is
//! refused whole, with every bad row listed (line, column, reason); nothing of it is
//! used or written.

mod definitions;
mod metrics;
mod metrics_file;
mod organisation;
mod spreadsheet;
mod table;
mod targets;
mod to_store;

pub use definitions::read_definitions;
pub use metrics::{METRIC_COLUMNS, build_metric_data, parse_metrics, subject_keys};
pub use organisation::{PEOPLE_COLUMNS, TEAM_COLUMNS, build_organisation, is_mail_address, parse_people, parse_teams};
pub use table::{ImportErrors, RowError, Table};
pub use targets::{TARGET_COLUMNS, build_target_book, parse_targets};
pub use to_store::{
    Against, FinalizedRows, ImportFailure, ImportKind, ImportReport, import_csv_bytes, import_file, import_file_as,
    import_table, organisation_from, stored_organisation,
};

use crate::kpi::organisation::Organisation;
use crate::kpi::period::Period;
use crate::kpi::rollup::MetricData;
use crate::kpi::rulebook::Rulebook;
use crate::kpi::targets::TargetBook;
use std::collections::HashSet;
use std::path::Path;

/// Reads a teams file (`id,name,parent`) and a people file (`id,name,email,team,role`).
pub fn read_organisation(
    rulebook: &Rulebook,
    teams_path: &Path,
    people_path: &Path,
) -> Result<Organisation, ImportErrors> {
    let table = Table::read(teams_path, TEAM_COLUMNS)?;
    let teams = parse_teams(&table, rulebook, &HashSet::new(), &HashSet::new())?;
    let team_keys: HashSet<String> = teams.iter().map(|t| t.key.clone()).collect();
    let people = parse_people(
        &Table::read(people_path, PEOPLE_COLUMNS)?,
        rulebook,
        &team_keys,
        &HashSet::new(),
    )?;
    organisation::organisation_of(rulebook, &teams, &people).map_err(|error| organisation::tree_errors(&table, &error))
}

/// Reads metric data in long form, `subject,period,metric,value` with `period` a
/// month, for scoring `period`: every row is checked, the period's months are kept.
/// CSV is streamed into the month tables; a workbook is read whole.
pub fn read_metrics(
    rulebook: &Rulebook,
    organisation: &Organisation,
    path: &Path,
    period: Period,
) -> Result<MetricData, ImportErrors> {
    if Table::is_workbook(path) {
        let rows = parse_metrics(
            &Table::read(path, METRIC_COLUMNS)?,
            rulebook,
            &subject_keys(organisation),
        )?;
        return Ok(build_metric_data(rulebook, organisation, &rows));
    }
    metrics_file::read_period_metrics(rulebook, organisation, path, period)
}

/// Reads target overrides, `subject,period,kpi,target[,threshold,stretch]`.
pub fn read_targets(rulebook: &Rulebook, organisation: &Organisation, path: &Path) -> Result<TargetBook, ImportErrors> {
    let rows = parse_targets(&Table::read(path, TARGET_COLUMNS)?, rulebook, organisation)?;
    Ok(build_target_book(rulebook, organisation, &rows))
}

/// "; did you mean `x`?" when a known name is close to `name`.
fn suggest<S: AsRef<str>>(name: &str, known: impl IntoIterator<Item = S>) -> String {
    let known: Vec<S> = known.into_iter().collect();
    crate::kpi::rulebook::did_you_mean(name, known.iter().map(AsRef::as_ref))
}
