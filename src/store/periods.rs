//! Review periods and their status; finalizing freezes every scorecard of a month
//! with its inputs and the definition version it was scored with.

use super::entity::{imports, periods, snapshots};
use super::{CHUNK_ROWS, Store, StoreError, audit_entry, now};
use crate::kpi::period::Month;
use sea_orm::{ActiveValue, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use std::collections::BTreeSet;

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

    /// The status a stored row names. Anything else was written by something that does
    /// not know these states; taking it for `Open` could let a frozen month change.
    pub(crate) fn from_stored(month: &str, status: &str) -> Result<Self, StoreError> {
        match status {
            "open" => Ok(PeriodStatus::Open),
            "in_review" => Ok(PeriodStatus::InReview),
            "finalized" => Ok(PeriodStatus::Finalized),
            other => Err(StoreError::Corrupt(format!(
                "period {month} has the status `{other}`, which is none of open, in_review, finalized"
            ))),
        }
    }
}

/// Those of `months` that are finalized: the one answer every writer (and reader) of
/// a month asks for. A month without a row is open.
pub(crate) async fn finalized_months(
    db: &impl ConnectionTrait,
    months: impl IntoIterator<Item = String>,
) -> Result<BTreeSet<String>, StoreError> {
    let mut finalized = BTreeSet::new();
    let months: Vec<String> = months.into_iter().collect();
    // Bounded lists: SQLite allows 32,766 variables in one statement.
    for chunk in months.chunks(CHUNK_ROWS) {
        for period in periods::Entity::find()
            .filter(periods::Column::Month.is_in(chunk.iter().cloned()))
            .all(db)
            .await?
        {
            if PeriodStatus::from_stored(&period.month, &period.status)? == PeriodStatus::Finalized {
                finalized.insert(period.month);
            }
        }
    }
    Ok(finalized)
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
    pub async fn is_finalized(&self, month: Month) -> Result<bool, StoreError> {
        Ok(!finalized_months(self.db(), [month.to_string()]).await?.is_empty())
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

    /// The oldest import: who first loaded data into this database (the demo creates
    /// its accounts only where it did).
    pub async fn first_import(&self) -> Result<Option<imports::Model>, StoreError> {
        Ok(imports::Entity::find()
            .order_by_asc(imports::Column::Id)
            .one(self.db())
            .await?)
    }

    /// Freezes `month`: writes every snapshot with the definition version it was
    /// scored with and marks the period finalized, all in one transaction. `scored_at` is the data version the
    /// snapshots were computed from; if an import landed since, nothing is written and
    /// `Ok(false)` asks the caller to score again.
    pub async fn finalize_period(
        &self,
        month: &str,
        definition_version: i64,
        snapshots: Vec<SnapshotRow>,
        scored_at: i64,
        actor: &str,
    ) -> Result<bool, StoreError> {
        let txn = self.begin_write().await?;
        if !finalized_months(&txn, [month.to_owned()]).await?.is_empty() {
            return Err(StoreError::Finalized(month.to_owned()));
        }
        let current = periods::Entity::find_by_id(month.to_owned()).one(&txn).await?;
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
        let at = now();
        let models: Vec<snapshots::ActiveModel> = snapshots
            .into_iter()
            .map(|s| snapshots::ActiveModel {
                period: ActiveValue::Set(month.to_owned()),
                subject: ActiveValue::Set(s.subject),
                subject_kind: ActiveValue::Set(s.subject_kind),
                definition_version_id: ActiveValue::Set(definition_version),
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
        super::review::set_status(&txn, month, PeriodStatus::Finalized, actor).await?;
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
        // Scored periods are keyed on the data version: readers take the frozen cards up.
        super::review::record_change(&txn, "review", &format!("{month} finalized"), actor).await?;
        txn.commit().await?;
        Ok(true)
    }

    /// The definition version a finalized month was frozen with.
    pub async fn finalized_version(&self, month: &str) -> Result<Option<i64>, StoreError> {
        Ok(snapshots::Entity::find()
            .select_only()
            .column(snapshots::Column::DefinitionVersionId)
            .filter(snapshots::Column::Period.eq(month))
            .into_tuple::<i64>()
            .one(self.db())
            .await?)
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
