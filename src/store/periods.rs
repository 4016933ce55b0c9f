//! Review periods and their status; finalizing freezes every scorecard of a month
//! with its inputs and the definition version it was scored with.

use super::entity::{definition_versions, imports, periods, snapshots};
use super::{CHUNK_ROWS, Store, StoreError, audit_entry, now};
use crate::kpi::period::Month;
use sea_orm::{ActiveValue, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeriodStatus {
    Open,
    InReview,
    Finalized,
}

impl PeriodStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PeriodStatus::Open => "open",
            PeriodStatus::InReview => "in_review",
            PeriodStatus::Finalized => "finalized",
        }
    }
}

/// One subject's frozen card.
#[derive(Debug, Clone)]
pub struct SnapshotRow {
    pub subject: String,
    pub subject_kind: String,
    /// JSON of the inputs the card was computed from.
    pub inputs: String,
    /// JSON of the full scored card.
    pub result: String,
}

impl Store {
    pub async fn period_status(&self, month: &str) -> Result<PeriodStatus, StoreError> {
        let status = periods::Entity::find_by_id(month.to_owned()).one(self.db()).await?;
        Ok(match status.as_ref().map(|p| p.status.as_str()) {
            Some("finalized") => PeriodStatus::Finalized,
            Some("in_review") => PeriodStatus::InReview,
            _ => PeriodStatus::Open,
        })
    }

    /// The latest finalized month, if any: a page's default when later months have
    /// too little data to score.
    pub async fn latest_finalized_month(&self) -> Result<Option<Month>, StoreError> {
        let month = periods::Entity::find()
            .select_only()
            .column(periods::Column::Month)
            .filter(periods::Column::Status.eq(PeriodStatus::Finalized.as_str()))
            .order_by_desc(periods::Column::Month)
            .into_tuple::<String>()
            .one(self.db())
            .await?;
        month
            .map(|m| {
                m.parse()
                    .map_err(|_| StoreError::Corrupt(format!("period `{m}` is not a month")))
            })
            .transpose()
    }

    /// The newest import's id: finalizing checks nothing arrived while it scored.
    pub async fn data_version(&self) -> Result<i64, StoreError> {
        let newest = imports::Entity::find()
            .select_only()
            .column(imports::Column::Id)
            .order_by_desc(imports::Column::Id)
            .into_tuple::<i64>()
            .one(self.db())
            .await?;
        Ok(newest.unwrap_or(0))
    }

    /// Freezes `month`: records the definitions, writes every snapshot and marks the
    /// period finalized, all in one transaction. `scored_at` is the data version the
    /// snapshots were computed from; if an import landed since, nothing is written and
    /// `Ok(false)` asks the caller to score again.
    pub async fn finalize_period(
        &self,
        month: &str,
        definitions_digest: &str,
        definitions_json: &str,
        snapshots: Vec<SnapshotRow>,
        scored_at: i64,
        actor: &str,
    ) -> Result<bool, StoreError> {
        let txn = self.begin_write().await?;
        let current = periods::Entity::find_by_id(month.to_owned()).one(&txn).await?;
        if current.as_ref().is_some_and(|p| p.status == "finalized") {
            return Err(StoreError::Finalized(month.to_owned()));
        }
        let newest = imports::Entity::find()
            .select_only()
            .column(imports::Column::Id)
            .order_by_desc(imports::Column::Id)
            .into_tuple::<i64>()
            .one(&txn)
            .await?;
        if newest.unwrap_or(0) != scored_at {
            txn.rollback().await?;
            return Ok(false);
        }
        let version = match definition_versions::Entity::find()
            .filter(definition_versions::Column::Digest.eq(definitions_digest))
            .one(&txn)
            .await?
        {
            Some(v) => v.id,
            None => {
                let model = definition_versions::ActiveModel {
                    id: ActiveValue::NotSet,
                    digest: ActiveValue::Set(definitions_digest.to_owned()),
                    files: ActiveValue::Set(definitions_json.to_owned()),
                    created_at: ActiveValue::Set(now()),
                    created_by: ActiveValue::Set(actor.to_owned()),
                };
                let id = definition_versions::Entity::insert(model)
                    .exec(&txn)
                    .await?
                    .last_insert_id;
                Store::audit(
                    &txn,
                    vec![audit_entry(
                        actor,
                        "create",
                        "definition_version",
                        definitions_digest.to_owned(),
                        None,
                        Some(id.to_string()),
                    )],
                )
                .await?;
                id
            }
        };
        let at = now();
        let models: Vec<snapshots::ActiveModel> = snapshots
            .into_iter()
            .map(|s| snapshots::ActiveModel {
                period: ActiveValue::Set(month.to_owned()),
                subject: ActiveValue::Set(s.subject),
                subject_kind: ActiveValue::Set(s.subject_kind),
                definition_version_id: ActiveValue::Set(version),
                inputs: ActiveValue::Set(s.inputs),
                result: ActiveValue::Set(s.result),
                created_at: ActiveValue::Set(at.clone()),
            })
            .collect();
        for chunk in models.chunks(CHUNK_ROWS / 2) {
            snapshots::Entity::insert_many(chunk.to_vec())
                .exec_without_returning(&txn)
                .await?;
        }
        let before = current.map(|p| p.status).unwrap_or_else(|| "open".into());
        let period = periods::ActiveModel {
            month: ActiveValue::Set(month.to_owned()),
            status: ActiveValue::Set("finalized".into()),
            changed_at: ActiveValue::Set(at),
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
            .exec_without_returning(&txn)
            .await?;
        Store::audit(
            &txn,
            vec![audit_entry(
                actor,
                "status",
                "period",
                month.to_owned(),
                Some(before),
                Some("finalized".into()),
            )],
        )
        .await?;
        txn.commit().await?;
        Ok(true)
    }

    /// The frozen cards of a finalized month: people, then teams, each by key.
    pub async fn load_snapshots(&self, month: &str) -> Result<Vec<SnapshotRow>, StoreError> {
        let rows = snapshots::Entity::find()
            .filter(snapshots::Column::Period.eq(month))
            .order_by_asc(snapshots::Column::SubjectKind)
            .order_by_asc(snapshots::Column::Subject)
            .all(self.db())
            .await?;
        Ok(rows
            .into_iter()
            .map(|s| SnapshotRow {
                subject: s.subject,
                subject_kind: s.subject_kind,
                inputs: s.inputs,
                result: s.result,
            })
            .collect())
    }
}
