//! The monthly review's end: finalizing a period freezes every card with the inputs
//! and the definition version it was scored with, so that no later change of data or
//! definitions alters it.

use crate::definitions::RulebookVersion;
use crate::inputs::PeriodSources;
use crate::kpi::evaluate::{inputs_subject, score_period};
use crate::kpi::period::Period;
use crate::kpi::rulebook::Rulebook;
use crate::kpi::scorecard::Workspace;
use crate::report::{CardView, PeriodReport, card_view};
use crate::store::{SnapshotRow, Store, StoreError};
use std::collections::BTreeMap;

/// How often finalizing scores again when imports keep landing meanwhile.
const ATTEMPTS: usize = 5;

/// Scores `period` (a month) from the store and freezes it. Returns how many cards were frozen.
pub async fn finalize(
    store: &Store,
    version: &RulebookVersion,
    period: Period,
    actor: &str,
) -> Result<usize, StoreError> {
    let Period::Month(month) = period else {
        return Err(StoreError::Unsupported(format!(
            "{period} is not a month; quarters and years are rolled up from finalized months"
        )));
    };
    let rulebook = &version.rulebook;
    let Some(version_id) = version.id else {
        return Err(StoreError::Unsupported(
            "a period is finalized with the definitions in force in the database".into(),
        ));
    };
    for _ in 0..ATTEMPTS {
        let data_version = store.data_version().await?;
        let sources = PeriodSources::from_store(store, rulebook, period).await?;
        let snapshots = snapshot_rows(rulebook, &sources, period);
        let count = snapshots.len();
        let month = month.to_string();
        if store
            .finalize_period(&month, version_id, snapshots, data_version, actor)
            .await?
        {
            return Ok(count);
        }
    }
    Err(StoreError::Unsupported(
        "data kept changing while the period was being finalized; try again".into(),
    ))
}

fn snapshot_rows(rulebook: &Rulebook, sources: &PeriodSources, period: Period) -> Vec<SnapshotRow> {
    let organisation = &sources.organisation;
    let inputs = sources.data.period_inputs(rulebook, organisation, period);
    let scores = score_period(rulebook, organisation, &inputs, &sources.targets, period);
    let mut workspace = Workspace::default();
    scores
        .cards()
        .map(|(subject, card)| {
            let view = card_view(rulebook, organisation, &inputs, subject, card, &mut workspace);
            let source = inputs_subject(rulebook, organisation, subject);
            let values: BTreeMap<&str, f64> = inputs
                .subject_values(rulebook, organisation, source)
                .into_iter()
                .map(|(m, v)| (rulebook.metric(m).key.as_str(), v))
                .collect();
            SnapshotRow {
                subject: view.subject.clone(),
                subject_kind: view.kind.clone(),
                inputs: serde_json::to_string(&values).unwrap_or_default(),
                result: serde_json::to_string(&view).unwrap_or_default(),
            }
        })
        .collect()
}

/// The frozen report of a finalized month.
pub async fn frozen_report(store: &Store, period: Period) -> Result<PeriodReport, StoreError> {
    let mut report = PeriodReport {
        period,
        people: Vec::new(),
        teams: Vec::new(),
    };
    for snapshot in store.load_snapshots(&period.to_string()).await? {
        let card: CardView = serde_json::from_str(&snapshot.result)
            .map_err(|e| StoreError::Corrupt(format!("snapshot of {}: {e}", snapshot.subject)))?;
        if card.kind == "team" {
            report.teams.push(card)
        } else {
            report.people.push(card)
        }
    }
    Ok(report)
}
