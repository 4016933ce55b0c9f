//! The monthly review: a month goes from open through review to finalized. Managers
//! rate their people beside the numbers (after each person's self-assessment, where
//! the definitions ask for one), each team is signed off, and finalizing freezes every
//! card with its inputs, its rating and comments, and the definition version it was
//! scored with, so that no later change of data or definitions alters it. A finalized
//! month is reopened only with a reason, and what it was finalized with is kept.

mod appraisal;
mod outstanding;
pub mod payroll;
pub mod snapshot;

pub use appraisal::{ReviewError, may_rate, rate, read_ratings, sign_off};
pub use outstanding::{PersonProgress, ReviewProgress, TeamProgress, progress};

use crate::definitions::RulebookVersion;
use crate::inputs::PeriodSources;
use crate::kpi::evaluate::{inputs_subject, score_period};
use crate::kpi::period::{Month, Period};
use crate::kpi::rulebook::Rulebook;
use crate::kpi::scorecard::Workspace;
use crate::report::{AppraisalView, PeriodReport, card_view};
use crate::store::{AppraisalRow, SnapshotRow, Store, StoreError};
use std::collections::BTreeMap;

/// How often finalizing scores again when imports keep landing meanwhile.
const ATTEMPTS: usize = 5;

/// Scores `period` (a month) from the store and freezes it, once nothing the
/// definitions require is missing. Returns how many cards were frozen.
pub async fn finalize(
    store: &Store,
    version: &RulebookVersion,
    period: Period,
    actor: &str,
) -> Result<usize, ReviewError> {
    let Period::Month(month) = period else {
        return Err(StoreError::Unsupported(format!(
            "{period} is not a month; quarters and years are rolled up from finalized months"
        ))
        .into());
    };
    let rulebook = &version.rulebook;
    let Some(version_id) = version.id else {
        return Err(StoreError::Unsupported(
            "a period is finalized with the definitions in force in the database".into(),
        )
        .into());
    };
    for _ in 0..ATTEMPTS {
        // Ratings and sign-offs move the data version too: what is checked here is
        // what is frozen, or nothing is written and the loop checks again.
        let data_version = store.data_version().await?;
        let sources = PeriodSources::from_store(store, rulebook, period).await?;
        let appraisals = store.list_appraisals(month).await?;
        let sign_offs = store.list_sign_offs(month).await?;
        let progress = progress(rulebook, &sources.organisation, month, &appraisals, &sign_offs);
        let missing = progress.outstanding();
        if !missing.is_empty() {
            return Err(ReviewError::Incomplete { month, missing });
        }
        let snapshots = snapshot_rows(rulebook, &sources, &appraisals, period);
        let count = snapshots.len();
        if store
            .finalize_period(&month.to_string(), version_id, snapshots, data_version, actor)
            .await?
        {
            return Ok(count);
        }
    }
    Err(StoreError::Unsupported("data kept changing while the period was being finalized; try again".into()).into())
}

/// Every card of a period with its appraisal, as a reader sees it and as it is frozen.
pub fn report_with_appraisals(mut report: PeriodReport, appraisals: &[AppraisalRow]) -> PeriodReport {
    let by_person: BTreeMap<&str, &AppraisalRow> = appraisals.iter().map(|a| (a.person.as_str(), a)).collect();
    for card in &mut report.people {
        card.appraisal = by_person.get(card.subject.as_str()).map(|a| appraisal_view(a));
    }
    report
}

fn appraisal_view(row: &AppraisalRow) -> AppraisalView {
    AppraisalView {
        self_ratings: row.self_ratings.clone(),
        self_comment: row.self_comment.clone(),
        self_at: row.self_at.clone(),
        manager_comment: row.manager_comment.clone(),
        rated_by: row.rated_by.clone(),
        rated_at: row.rated_at.clone(),
    }
}

fn snapshot_rows(
    rulebook: &Rulebook,
    sources: &PeriodSources,
    appraisals: &[AppraisalRow],
    period: Period,
) -> Vec<SnapshotRow> {
    let organisation = &sources.organisation;
    let inputs = sources.data.period_inputs(rulebook, organisation, period);
    let scores = score_period(
        rulebook,
        organisation,
        &inputs,
        &sources.targets,
        &sources.ratings,
        period,
    );
    let by_person: BTreeMap<&str, &AppraisalRow> = appraisals.iter().map(|a| (a.person.as_str(), a)).collect();
    let mut workspace = Workspace::default();
    scores
        .cards()
        .map(|(subject, card)| {
            let mut view = card_view(rulebook, organisation, &inputs, subject, card, &mut workspace);
            if view.kind == "person" {
                view.appraisal = by_person.get(view.subject.as_str()).map(|a| appraisal_view(a));
            }
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
                result: snapshot::write(&view),
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
    for row in store.load_snapshots(&period.to_string()).await? {
        let card = snapshot::read(&row.result)
            .map_err(|e| StoreError::Corrupt(format!("snapshot of {}: {e}", row.subject)))?;
        if card.kind == "team" {
            report.teams.push(card)
        } else {
            report.people.push(card)
        }
    }
    Ok(report)
}

/// Starts `month`'s review.
pub async fn start(store: &Store, month: Month, actor: &str) -> Result<(), ReviewError> {
    Ok(store.start_review(month, actor).await?)
}

/// Reopens a finalized `month`; a reason is required, and kept with what it was
/// finalized with. Returns the revision number the earlier snapshots are kept under.
pub async fn reopen(store: &Store, month: Month, reason: &str, actor: &str) -> Result<u32, ReviewError> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(ReviewError::Invalid(
            "a finalized period is reopened only with a reason".into(),
        ));
    }
    if reason.chars().count() > appraisal::MAX_COMMENT {
        return Err(ReviewError::Invalid(format!(
            "the reason is longer than {} characters",
            appraisal::MAX_COMMENT
        )));
    }
    Ok(store.reopen_period(month, reason, actor).await?)
}
