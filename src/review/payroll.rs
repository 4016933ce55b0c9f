//! The payroll export of a finalized month: one row per person with what pay is
//! computed from (tier scores, the manager's rating, total, grade, bonus
//! coefficient), as CSV or XLSX, every text cell spreadsheet-safe.

use crate::export::{self, Cell};
use crate::kpi::definition::Tier;
use crate::kpi::period::{Month, Period};
use crate::kpi::rulebook::Rulebook;
use crate::report::PeriodReport;
use crate::store::{Store, StoreError};

pub const HEADER: [&str; 13] = [
    "period",
    "person",
    "name",
    "team",
    "role",
    "base",
    "process",
    "result",
    "qualitative",
    "total",
    "grade_computed",
    "grade_final",
    "bonus_coefficient",
];

/// A payroll file's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PayrollFormat {
    Csv,
    Xlsx,
}

/// Why a payroll file cannot be written.
#[derive(Debug, thiserror::Error)]
pub enum PayrollError {
    #[error("{0} is not finalized; payroll is exported from a finalized month only")]
    NotFinalized(Month),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the file could not be written: {0}")]
    Write(String),
}

/// The payroll rows of `report`: its people, in the order the report holds them.
pub fn rows(report: &PeriodReport) -> Vec<Vec<Cell>> {
    let number = |v: Option<f64>| v.map_or(Cell::Empty, Cell::Number);
    let text = |v: Option<&str>| v.map_or(Cell::Empty, |t| Cell::Text(t.to_owned()));
    report
        .people
        .iter()
        .map(|card| {
            let tier = |tier: Tier| {
                number(
                    card.tiers
                        .iter()
                        .find(|t| t.tier == tier.as_str())
                        .and_then(|t| t.score),
                )
            };
            vec![
                Cell::Text(report.period.to_string()),
                Cell::Text(card.subject.clone()),
                Cell::Text(card.name.clone()),
                text(card.team.as_deref()),
                Cell::Text(card.role.clone()),
                tier(Tier::Base),
                tier(Tier::Process),
                tier(Tier::Result),
                number(card.qualitative.as_ref().and_then(|q| q.points)),
                number(card.total),
                text(card.grade.as_deref()),
                text(card.final_grade()),
                number(card.final_bonus_coefficient()),
            ]
        })
        .collect()
}

/// The payroll file of a finalized `month`, with the grades appeals changed since.
pub async fn export(
    store: &Store,
    rulebook: &Rulebook,
    month: Month,
    format: PayrollFormat,
) -> Result<Vec<u8>, PayrollError> {
    if !store.is_finalized(month).await? {
        return Err(PayrollError::NotFinalized(month));
    }
    let frozen = super::frozen_report(store, Period::Month(month)).await?;
    let appraisals = store.list_appraisals(month).await?;
    let report = super::report_with_appraisals(frozen, &appraisals, rulebook, true);
    let rows = rows(&report);
    match format {
        PayrollFormat::Csv => export::csv(&HEADER, &rows).map_err(|e| PayrollError::Write(e.to_string())),
        PayrollFormat::Xlsx => export::xlsx("Payroll", &HEADER, &rows).map_err(|e| PayrollError::Write(e.to_string())),
    }
}
