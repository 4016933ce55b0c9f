//! The monthly review in the database: self-assessments and managers' ratings, each
//! team's sign-off, and the period's way from open through review to finalized and,
//! with a reason, back. Every write checks the period's state inside its transaction,
//! is audited, and moves the data version, so scored periods are scored again.

use super::entity::{appraisals, data_check_marks, periods, review_sign_offs, snapshot_history, snapshots};
use super::organisation::Changes;
use super::periods::{PeriodStatus, finalized_months};
use super::{Store, StoreError, audit_entry, insert_import, now};
use crate::kpi::period::Month;
use crate::kpi::qualitative::Ratings;
use sea_orm::{
    ActiveValue, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

/// One person's appraisal of a month: what they said of themselves, what their
/// manager rated and said.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AppraisalRow {
    pub person: String,
    pub self_ratings: Option<Ratings>,
    pub self_comment: Option<String>,
    pub self_at: Option<String>,
    pub manager_ratings: Option<Ratings>,
    pub manager_comment: Option<String>,
    pub rated_by: Option<String>,
    pub rated_at: Option<String>,
    /// A grade set in calibration, with its reason.
    pub adjusted: Option<Decision>,
    /// When the person acknowledged their finalized appraisal.
    pub acknowledged_at: Option<String>,
    pub appeal: Option<Appeal>,
}

/// A grade someone set, why, who and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub grade: String,
    pub reason: String,
    pub by: String,
    pub at: String,
}

/// A person's appeal of their finalized appraisal and how hr resolved it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Appeal {
    pub text: String,
    pub at: String,
    pub resolution: Option<Resolution>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolution {
    /// `None`: the appraisal is kept; `Some`: the grade is changed to this one.
    pub changed_to: Option<String>,
    pub reason: String,
    pub by: String,
    pub at: String,
}

/// Who rates: the person of themselves, or their manager.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rater {
    Themselves,
    Manager,
}

/// A team's review signed off by its manager.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignOff {
    pub team: String,
    pub signed_by: String,
    pub signed_at: String,
}

/// A month's review state as stored: its status and who changed it last, when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeriodState {
    pub status: PeriodStatus,
    pub changed_by: Option<String>,
    pub changed_at: Option<String>,
    /// How many times it was finalized and reopened since.
    pub reopened: u32,
}

fn ratings_text(ratings: &Ratings) -> String {
    serde_json::to_string(ratings).unwrap_or_default()
}

fn read_ratings(person: &str, text: Option<String>) -> Result<Option<Ratings>, StoreError> {
    text.map(|t| serde_json::from_str(&t).map_err(|e| StoreError::Corrupt(format!("the ratings of {person}: {e}"))))
        .transpose()
}

fn appraisal_row(model: appraisals::Model) -> Result<AppraisalRow, StoreError> {
    let adjusted = match (model.adjusted_grade, model.adjusted_by, model.adjusted_at) {
        (Some(grade), Some(by), Some(at)) => Some(Decision {
            grade,
            reason: model.adjust_reason.unwrap_or_default(),
            by,
            at,
        }),
        _ => None,
    };
    let resolution = match (model.appeal_outcome.as_deref(), model.resolved_by, model.resolved_at) {
        (Some(outcome), Some(by), Some(at)) => Some(Resolution {
            changed_to: (outcome == "changed").then(|| model.appeal_grade.clone().unwrap_or_default()),
            reason: model.appeal_resolution.unwrap_or_default(),
            by,
            at,
        }),
        _ => None,
    };
    let appeal = match (model.appeal, model.appealed_at) {
        (Some(text), Some(at)) => Some(Appeal { text, at, resolution }),
        _ => None,
    };
    Ok(AppraisalRow {
        adjusted,
        acknowledged_at: model.acknowledged_at,
        appeal,
        self_ratings: read_ratings(&model.person, model.self_ratings)?,
        manager_ratings: read_ratings(&model.person, model.manager_ratings)?,
        self_comment: model.self_comment,
        self_at: model.self_at,
        manager_comment: model.manager_comment,
        rated_by: model.rated_by,
        rated_at: model.rated_at,
        person: model.person,
    })
}

/// The status of `month` read through `db`; a month without a row is open.
async fn status_in(db: &impl ConnectionTrait, month: &str) -> Result<PeriodStatus, StoreError> {
    match periods::Entity::find_by_id(month.to_owned()).one(db).await? {
        Some(row) => PeriodStatus::from_stored(month, &row.status),
        None => Ok(PeriodStatus::Open),
    }
}

/// Refuses what only follows finalizing (acknowledging, appealing) in a month that is not finalized.
async fn finalized(txn: &DatabaseTransaction, month: &str) -> Result<(), StoreError> {
    if finalized_months(txn, [month.to_owned()]).await?.is_empty() {
        Err(StoreError::ReviewState(format!(
            "{month} is not finalized; an appraisal is acknowledged or appealed once it is"
        )))
    } else {
        Ok(())
    }
}

/// An appraisal is acknowledged or appealed once.
fn answered_once(stored: Option<&appraisals::Model>, person: &str, month: &str) -> Result<(), StoreError> {
    match stored {
        Some(a) if a.acknowledged_at.is_some() => Err(StoreError::ReviewState(format!(
            "{person} has acknowledged the appraisal of {month} already"
        ))),
        Some(a) if a.appeal.is_some() => Err(StoreError::ReviewState(format!(
            "{person} has appealed the appraisal of {month} already"
        ))),
        _ => Ok(()),
    }
}

/// Refuses a change of a finalized month's review.
async fn not_finalized(txn: &DatabaseTransaction, month: &str) -> Result<(), StoreError> {
    if finalized_months(txn, [month.to_owned()]).await?.is_empty() {
        Ok(())
    } else {
        Err(StoreError::Finalized(month.to_owned()))
    }
}

/// Moves the data version: what a review changes changes scores, and every server's
/// scored periods are keyed on it.
pub(crate) async fn record_change(
    txn: &DatabaseTransaction,
    kind: &str,
    source: &str,
    actor: &str,
) -> Result<(), StoreError> {
    let changes = Changes {
        added: 0,
        changed: 1,
        unchanged: 0,
    };
    insert_import(txn, kind, source, "", actor, changes).await?;
    Ok(())
}

pub(crate) async fn set_status(
    txn: &DatabaseTransaction,
    month: &str,
    status: PeriodStatus,
    actor: &str,
) -> Result<(), StoreError> {
    let period = periods::ActiveModel {
        month: ActiveValue::Set(month.to_owned()),
        status: ActiveValue::Set(status.as_str().to_owned()),
        changed_at: ActiveValue::Set(now()),
        changed_by: ActiveValue::Set(actor.to_owned()),
    };
    periods::Entity::insert(period)
        .on_conflict(super::upsert(
            [periods::Column::Month],
            [
                periods::Column::Status,
                periods::Column::ChangedAt,
                periods::Column::ChangedBy,
            ],
        ))
        .exec_without_returning(txn)
        .await?;
    Ok(())
}

/// Every column of an appraisal row: what an upsert writes back.
const APPRAISAL_COLUMNS: [appraisals::Column; 19] = [
    appraisals::Column::SelfRatings,
    appraisals::Column::SelfComment,
    appraisals::Column::SelfAt,
    appraisals::Column::ManagerRatings,
    appraisals::Column::ManagerComment,
    appraisals::Column::RatedBy,
    appraisals::Column::RatedAt,
    appraisals::Column::AdjustedGrade,
    appraisals::Column::AdjustReason,
    appraisals::Column::AdjustedBy,
    appraisals::Column::AdjustedAt,
    appraisals::Column::AcknowledgedAt,
    appraisals::Column::Appeal,
    appraisals::Column::AppealedAt,
    appraisals::Column::AppealOutcome,
    appraisals::Column::AppealGrade,
    appraisals::Column::AppealResolution,
    appraisals::Column::ResolvedBy,
    appraisals::Column::ResolvedAt,
];

/// Changes one appraisal inside a write: `change` sees what is stored (`None`: no
/// row yet) and sets the columns it changes, or refuses. Audited as `action` with
/// `before` and `after` as `change` says them, and the data version moves.
async fn change_appraisal(
    txn: &DatabaseTransaction,
    month: &str,
    person: &str,
    action: &str,
    actor: &str,
    change: impl FnOnce(
        Option<&appraisals::Model>,
        &mut appraisals::ActiveModel,
    ) -> Result<(Option<String>, Option<String>), StoreError>,
) -> Result<(), StoreError> {
    let stored = appraisals::Entity::find_by_id((month.to_owned(), person.to_owned()))
        .one(txn)
        .await?;
    let mut row = match stored.clone() {
        Some(model) => appraisals::ActiveModel::from(model),
        None => appraisals::ActiveModel {
            period: ActiveValue::Set(month.to_owned()),
            person: ActiveValue::Set(person.to_owned()),
            ..Default::default()
        },
    };
    let (before, after) = change(stored.as_ref(), &mut row)?;
    appraisals::Entity::insert(row)
        .on_conflict(super::upsert(
            [appraisals::Column::Period, appraisals::Column::Person],
            APPRAISAL_COLUMNS,
        ))
        .exec_without_returning(txn)
        .await?;
    let entry = audit_entry(actor, action, "appraisal", format!("{month}/{person}"), before, after);
    Store::audit(txn, vec![entry]).await?;
    record_change(txn, "appraisal", &format!("{action} of {person} for {month}"), actor).await
}

fn set(value: impl Into<String>) -> ActiveValue<Option<String>> {
    ActiveValue::Set(Some(value.into()))
}

impl Store {
    /// `month`'s review state.
    pub async fn period_state(&self, month: Month) -> Result<PeriodState, StoreError> {
        let key = month.to_string();
        let row = periods::Entity::find_by_id(key.clone()).one(self.db()).await?;
        let reopened = snapshot_history::Entity::find()
            .select_only()
            .column_as(snapshot_history::Column::Revision.max(), "revision")
            .filter(snapshot_history::Column::Period.eq(key.as_str()))
            .into_tuple::<Option<i32>>()
            .one(self.db())
            .await?
            .flatten()
            .unwrap_or(0);
        Ok(match row {
            Some(row) => PeriodState {
                status: PeriodStatus::from_stored(&key, &row.status)?,
                changed_by: Some(row.changed_by),
                changed_at: Some(row.changed_at),
                reopened: reopened as u32,
            },
            None => PeriodState {
                status: PeriodStatus::Open,
                changed_by: None,
                changed_at: None,
                reopened: reopened as u32,
            },
        })
    }

    /// Opens `month`'s review: managers rate, teams sign off, hr finalizes next.
    pub async fn start_review(&self, month: Month, actor: &str) -> Result<(), StoreError> {
        let key = month.to_string();
        let txn = self.begin_write().await?;
        match status_in(&txn, &key).await? {
            PeriodStatus::Open => {}
            PeriodStatus::InReview => return Err(StoreError::ReviewState(format!("{key} is already in review"))),
            PeriodStatus::Finalized => return Err(StoreError::Finalized(key)),
        }
        set_status(&txn, &key, PeriodStatus::InReview, actor).await?;
        let entry = audit_entry(
            actor,
            "status",
            "period",
            key.clone(),
            Some("open".into()),
            Some("in_review".into()),
        );
        Store::audit(&txn, vec![entry]).await?;
        record_change(&txn, "review", &format!("review of {key} started"), actor).await?;
        txn.commit().await?;
        Ok(())
    }

    /// Reopens a finalized `month` for review: its snapshots are kept in the history
    /// under the next revision number, with who reopened it, when and why.
    pub async fn reopen_period(&self, month: Month, reason: &str, actor: &str) -> Result<u32, StoreError> {
        let key = month.to_string();
        let txn = self.begin_write().await?;
        if status_in(&txn, &key).await? != PeriodStatus::Finalized {
            return Err(StoreError::ReviewState(format!(
                "{key} is not finalized; only a finalized period is reopened"
            )));
        }
        let revision = snapshot_history::Entity::find()
            .select_only()
            .column_as(snapshot_history::Column::Revision.max(), "revision")
            .filter(snapshot_history::Column::Period.eq(key.as_str()))
            .into_tuple::<Option<i32>>()
            .one(&txn)
            .await?
            .flatten()
            .unwrap_or(0)
            + 1;
        let at = now();
        let frozen = snapshots::Entity::find()
            .filter(snapshots::Column::Period.eq(key.as_str()))
            .all(&txn)
            .await?;
        let kept: Vec<snapshot_history::ActiveModel> = frozen
            .into_iter()
            .map(|s| snapshot_history::ActiveModel {
                period: ActiveValue::Set(s.period),
                revision: ActiveValue::Set(revision),
                subject: ActiveValue::Set(s.subject),
                subject_kind: ActiveValue::Set(s.subject_kind),
                definition_version_id: ActiveValue::Set(s.definition_version_id),
                inputs: ActiveValue::Set(s.inputs),
                result: ActiveValue::Set(s.result),
                created_at: ActiveValue::Set(s.created_at),
                reopened_at: ActiveValue::Set(at.clone()),
                reopened_by: ActiveValue::Set(actor.to_owned()),
                reason: ActiveValue::Set(reason.to_owned()),
            })
            .collect();
        for chunk in kept.chunks(super::CHUNK_ROWS / 2) {
            snapshot_history::Entity::insert_many(chunk.to_vec())
                .exec_without_returning(&txn)
                .await?;
        }
        snapshots::Entity::delete_many()
            .filter(snapshots::Column::Period.eq(key.as_str()))
            .exec(&txn)
            .await?;
        set_status(&txn, &key, PeriodStatus::InReview, actor).await?;
        let entry = audit_entry(
            actor,
            "reopen",
            "period",
            key.clone(),
            Some("finalized".into()),
            Some(format!("in_review (revision {revision} kept): {reason}")),
        );
        Store::audit(&txn, vec![entry]).await?;
        record_change(&txn, "review", &format!("{key} reopened"), actor).await?;
        txn.commit().await?;
        Ok(revision as u32)
    }

    /// The snapshots `month` was finalized with before it was reopened, `revision` 1 first.
    pub async fn snapshot_history(&self, month: Month) -> Result<Vec<snapshot_history::Model>, StoreError> {
        Ok(snapshot_history::Entity::find()
            .filter(snapshot_history::Column::Period.eq(month.to_string()))
            .order_by_asc(snapshot_history::Column::Revision)
            .order_by_asc(snapshot_history::Column::Subject)
            .all(self.db())
            .await?)
    }

    /// Every appraisal of `month`, by person.
    pub async fn list_appraisals(&self, month: Month) -> Result<Vec<AppraisalRow>, StoreError> {
        appraisals::Entity::find()
            .filter(appraisals::Column::Period.eq(month.to_string()))
            .order_by_asc(appraisals::Column::Person)
            .all(self.db())
            .await?
            .into_iter()
            .map(appraisal_row)
            .collect()
    }

    pub async fn find_appraisal(&self, month: Month, person: &str) -> Result<Option<AppraisalRow>, StoreError> {
        appraisals::Entity::find_by_id((month.to_string(), person.to_owned()))
            .one(self.db())
            .await?
            .map(appraisal_row)
            .transpose()
    }

    /// Saves a rating of `person` for `month` with its comment. A self-assessment is
    /// refused once the manager has rated; nothing is saved in a finalized month.
    pub async fn save_rating(
        &self,
        month: Month,
        person: &str,
        rater: Rater,
        ratings: &Ratings,
        comment: &str,
        actor: &str,
    ) -> Result<(), StoreError> {
        let key = month.to_string();
        let txn = self.begin_write().await?;
        not_finalized(&txn, &key).await?;
        let action = match rater {
            Rater::Themselves => "self_assessment",
            Rater::Manager => "manager_rating",
        };
        change_appraisal(&txn, &key, person, action, actor, |stored, row| {
            if rater == Rater::Themselves && stored.is_some_and(|a| a.manager_ratings.is_some()) {
                return Err(StoreError::ReviewState(format!(
                    "{person} has been rated by their manager for {key}; a self-assessment comes before"
                )));
            }
            let before = stored.and_then(|a| match rater {
                Rater::Themselves => a.self_ratings.clone(),
                Rater::Manager => a.manager_ratings.clone(),
            });
            let text = ratings_text(ratings);
            match rater {
                Rater::Themselves => {
                    row.self_ratings = set(&text);
                    row.self_comment = set(comment);
                    row.self_at = set(now());
                }
                Rater::Manager => {
                    row.manager_ratings = set(&text);
                    row.manager_comment = set(comment);
                    row.rated_at = set(now());
                    row.rated_by = set(actor);
                }
            }
            Ok((before, Some(text)))
        })
        .await?;
        txn.commit().await?;
        Ok(())
    }

    /// Sets `person`'s grade for `month` in calibration, with the reason; refused in a
    /// finalized month.
    pub async fn adjust_grade(
        &self,
        month: Month,
        person: &str,
        grade: &str,
        reason: &str,
        actor: &str,
    ) -> Result<(), StoreError> {
        let key = month.to_string();
        let txn = self.begin_write().await?;
        not_finalized(&txn, &key).await?;
        change_appraisal(&txn, &key, person, "grade_adjusted", actor, |stored, row| {
            let before = stored.and_then(|a| a.adjusted_grade.clone());
            row.adjusted_grade = set(grade);
            row.adjust_reason = set(reason);
            row.adjusted_by = set(actor);
            row.adjusted_at = set(now());
            Ok((before, Some(format!("{grade}: {reason}"))))
        })
        .await?;
        txn.commit().await?;
        Ok(())
    }

    /// Records `person`'s acknowledgement of their finalized appraisal of `month`.
    pub async fn acknowledge(&self, month: Month, person: &str, actor: &str) -> Result<(), StoreError> {
        let key = month.to_string();
        let txn = self.begin_write().await?;
        finalized(&txn, &key).await?;
        change_appraisal(&txn, &key, person, "acknowledged", actor, |stored, row| {
            answered_once(stored, person, &key)?;
            row.acknowledged_at = set(now());
            Ok((None, Some("acknowledged".into())))
        })
        .await?;
        txn.commit().await?;
        Ok(())
    }

    /// Records `person`'s appeal of their finalized appraisal of `month`.
    pub async fn appeal(&self, month: Month, person: &str, text: &str, actor: &str) -> Result<(), StoreError> {
        let key = month.to_string();
        let txn = self.begin_write().await?;
        finalized(&txn, &key).await?;
        change_appraisal(&txn, &key, person, "appealed", actor, |stored, row| {
            answered_once(stored, person, &key)?;
            row.appeal = set(text);
            row.appealed_at = set(now());
            Ok((None, Some(text.to_owned())))
        })
        .await?;
        txn.commit().await?;
        Ok(())
    }

    /// Resolves `person`'s open appeal of `month`: kept (`changed_to` is `None`), or
    /// the grade changed, with the reason either way.
    pub async fn resolve_appeal(
        &self,
        month: Month,
        person: &str,
        changed_to: Option<&str>,
        reason: &str,
        actor: &str,
    ) -> Result<(), StoreError> {
        let key = month.to_string();
        let txn = self.begin_write().await?;
        finalized(&txn, &key).await?;
        change_appraisal(&txn, &key, person, "appeal_resolved", actor, |stored, row| {
            let open = stored.is_some_and(|a| a.appeal.is_some() && a.appeal_outcome.is_none());
            if !open {
                return Err(StoreError::ReviewState(format!("{person} has no open appeal of {key}")));
            }
            row.appeal_outcome = set(if changed_to.is_some() { "changed" } else { "kept" });
            row.appeal_grade = ActiveValue::Set(changed_to.map(str::to_owned));
            row.appeal_resolution = set(reason);
            row.resolved_by = set(actor);
            row.resolved_at = set(now());
            let after = changed_to.map_or_else(|| format!("kept: {reason}"), |g| format!("changed to {g}: {reason}"));
            Ok((None, Some(after)))
        })
        .await?;
        txn.commit().await?;
        Ok(())
    }

    /// Marks a data check of `person`'s `month` as checked by `actor`.
    pub async fn mark_checked(&self, month: Month, person: &str, check: &str, actor: &str) -> Result<(), StoreError> {
        let key = month.to_string();
        let txn = self.begin_write().await?;
        not_finalized(&txn, &key).await?;
        let row = data_check_marks::ActiveModel {
            period: ActiveValue::Set(key.clone()),
            person: ActiveValue::Set(person.to_owned()),
            check: ActiveValue::Set(check.to_owned()),
            marked_by: ActiveValue::Set(actor.to_owned()),
            marked_at: ActiveValue::Set(now()),
        };
        data_check_marks::Entity::insert(row)
            .on_conflict(super::upsert(
                [
                    data_check_marks::Column::Period,
                    data_check_marks::Column::Person,
                    data_check_marks::Column::Check,
                ],
                [data_check_marks::Column::MarkedBy, data_check_marks::Column::MarkedAt],
            ))
            .exec_without_returning(&txn)
            .await?;
        let entry = audit_entry(
            actor,
            "checked",
            "data_check",
            format!("{key}/{person}/{check}"),
            None,
            None,
        );
        Store::audit(&txn, vec![entry]).await?;
        txn.commit().await?;
        Ok(())
    }

    /// The data checks marked as checked in `month`: (person, check, who).
    pub async fn list_check_marks(&self, month: Month) -> Result<Vec<(String, String, String)>, StoreError> {
        Ok(data_check_marks::Entity::find()
            .filter(data_check_marks::Column::Period.eq(month.to_string()))
            .all(self.db())
            .await?
            .into_iter()
            .map(|m| (m.person, m.check, m.marked_by))
            .collect())
    }

    /// Records that `team`'s review of `month` is signed off by `actor`.
    pub async fn sign_off(&self, month: Month, team: &str, actor: &str) -> Result<(), StoreError> {
        let key = month.to_string();
        let txn = self.begin_write().await?;
        not_finalized(&txn, &key).await?;
        let row = review_sign_offs::ActiveModel {
            period: ActiveValue::Set(key.clone()),
            team: ActiveValue::Set(team.to_owned()),
            signed_by: ActiveValue::Set(actor.to_owned()),
            signed_at: ActiveValue::Set(now()),
        };
        review_sign_offs::Entity::insert(row)
            .on_conflict(super::upsert(
                [review_sign_offs::Column::Period, review_sign_offs::Column::Team],
                [review_sign_offs::Column::SignedBy, review_sign_offs::Column::SignedAt],
            ))
            .exec_without_returning(&txn)
            .await?;
        let entry = audit_entry(
            actor,
            "sign_off",
            "review",
            format!("{key}/{team}"),
            None,
            Some("signed off".into()),
        );
        Store::audit(&txn, vec![entry]).await?;
        record_change(&txn, "review", &format!("{team} signed off {key}"), actor).await?;
        txn.commit().await?;
        Ok(())
    }

    pub async fn list_sign_offs(&self, month: Month) -> Result<Vec<SignOff>, StoreError> {
        Ok(review_sign_offs::Entity::find()
            .filter(review_sign_offs::Column::Period.eq(month.to_string()))
            .order_by_asc(review_sign_offs::Column::Team)
            .all(self.db())
            .await?
            .into_iter()
            .map(|s| SignOff {
                team: s.team,
                signed_by: s.signed_by,
                signed_at: s.signed_at,
            })
            .collect())
    }
}
