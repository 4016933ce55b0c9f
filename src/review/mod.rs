//! The monthly review: a month goes from open through review to finalized. Managers
//! rate their people beside the numbers (after each person's self-assessment, where
//! the definitions ask for one), each team is signed off, and finalizing freezes every
//! card with its inputs, its rating and comments, and the definition version it was
//! scored with, so that no later change of data or definitions alters it. A finalized
//! month is reopened only with a reason, and what it was finalized with is kept.

mod after;
mod appraisal;
mod attention;
mod calibration;
mod checks;
mod outstanding;
pub mod payroll;
pub mod snapshot;

pub use after::{Decision, acknowledge, appeal, decide, resolve};
pub use appraisal::{ReviewError, may_rate, rate, read_ratings, sign_off};
pub use attention::{Attention, attention_list};
pub use calibration::{GroupDistribution, calibrate, distributions, may_calibrate};
pub use checks::{DataFlag, data_flags};
pub use outstanding::{PersonProgress, ReviewProgress, TeamProgress, progress};

use crate::definitions::RulebookVersion;
use crate::inputs::PeriodSources;
use crate::kpi::evaluate::inputs_subject;
use crate::kpi::period::{Month, Period};
use crate::kpi::rulebook::Rulebook;
use crate::kpi::scorecard::Workspace;
use crate::report::{AppealResolution, AppealView, AppraisalView, GradeDecision, PeriodReport, card_view};
use crate::store::{AppraisalRow, SnapshotRow, Store, StoreError};
use std::collections::BTreeMap;

/// Who acts in the review and with what: the store, the definitions in force and
/// their account.
#[derive(Debug, Clone, Copy)]
pub struct Reviewer<'a> {
    pub store: &'a Store,
    pub version: &'a RulebookVersion,
    pub account: &'a crate::store::Account,
}

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

/// Every person's card of a period with their appraisal, as a reader sees it and as
/// it is frozen. A frozen card keeps what it was finalized with and takes up only
/// what follows finalizing: the acknowledgement, the appeal and its resolution.
pub fn report_with_appraisals(
    mut report: PeriodReport,
    appraisals: &[AppraisalRow],
    rulebook: &Rulebook,
    frozen: bool,
) -> PeriodReport {
    let by_person: BTreeMap<&str, &AppraisalRow> = appraisals.iter().map(|a| (a.person.as_str(), a)).collect();
    for card in &mut report.people {
        let Some(row) = by_person.get(card.subject.as_str()) else {
            continue;
        };
        let fresh = appraisal_view(row, rulebook, &card.role);
        card.appraisal = Some(match (frozen, card.appraisal.take()) {
            (true, Some(kept)) => AppraisalView {
                acknowledged_at: fresh.acknowledged_at,
                appeal: fresh.appeal,
                ..kept
            },
            _ => fresh,
        });
    }
    report
}

/// `grade` as decided, with the coefficient it earns on `role`'s scale.
fn decision(rulebook: &Rulebook, role: &str, grade: &str, reason: &str, by: &str, at: &str) -> GradeDecision {
    let bonus_coefficient = rulebook.find_role(role).and_then(|r| {
        let scale = &rulebook.role(r).grade_scale;
        scale.rank_of(grade).map(|rank| scale.grades[rank].bonus_coefficient)
    });
    GradeDecision {
        grade: grade.to_owned(),
        bonus_coefficient,
        reason: reason.to_owned(),
        by: by.to_owned(),
        at: at.to_owned(),
    }
}

fn appraisal_view(row: &AppraisalRow, rulebook: &Rulebook, role: &str) -> AppraisalView {
    AppraisalView {
        self_ratings: row.self_ratings.clone(),
        self_comment: row.self_comment.clone(),
        self_at: row.self_at.clone(),
        manager_comment: row.manager_comment.clone(),
        rated_by: row.rated_by.clone(),
        rated_at: row.rated_at.clone(),
        calibrated: row
            .adjusted
            .as_ref()
            .map(|d| decision(rulebook, role, &d.grade, &d.reason, &d.by, &d.at)),
        acknowledged_at: row.acknowledged_at.clone(),
        appeal: row.appeal.as_ref().map(|a| AppealView {
            text: a.text.clone(),
            at: a.at.clone(),
            resolution: a.resolution.as_ref().map(|r| AppealResolution {
                changed_to: r
                    .changed_to
                    .as_ref()
                    .map(|g| decision(rulebook, role, g, &r.reason, &r.by, &r.at)),
                reason: r.reason.clone(),
                by: r.by.clone(),
                at: r.at.clone(),
            }),
        }),
    }
}

fn snapshot_rows(
    rulebook: &Rulebook,
    sources: &PeriodSources,
    appraisals: &[AppraisalRow],
    period: Period,
) -> Vec<SnapshotRow> {
    let organisation = &sources.organisation;
    let (inputs, scores) = sources.score(rulebook, period);
    let by_person: BTreeMap<&str, &AppraisalRow> = appraisals.iter().map(|a| (a.person.as_str(), a)).collect();
    let mut workspace = Workspace::default();
    scores
        .cards()
        .map(|(subject, card)| {
            let mut view = card_view(rulebook, organisation, &inputs, subject, card, &mut workspace);
            if view.kind == "person" {
                view.appraisal = by_person
                    .get(view.subject.as_str())
                    .map(|a| appraisal_view(a, rulebook, &view.role));
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
    let reason = calibration::required_text(reason, "a finalized period is reopened only with a reason")?;
    Ok(store.reopen_period(month, reason, actor).await?)
}
