//! Metric values: imported all or nothing, read back per period.

use super::entity::{imports, metric_values};
use super::organisation::Changes;
use super::periods::finalized_months;
use super::{CHUNK_ROWS, Store, StoreError, Writer, audit_entry, insert_import, upsert};
use crate::kpi::period::{Month, Period};
use rustc_hash::FxHashMap;
use sea_orm::sea_query::Query;
use sea_orm::{ActiveValue, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

/// One validated metric value. Names are shared (`Arc<str>`): a million rows name a
/// few thousand subjects and a few dozen metrics.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricRow {
    /// Where it stands in its file, for errors.
    pub line: u64,
    pub subject: Arc<str>,
    pub month: Month,
    pub metric: Arc<str>,
    pub value: f64,
}

/// Where an import came from and who made it.
#[derive(Debug, Clone)]
pub struct MetricsImport<'a> {
    pub source: &'a str,
    /// The file's SHA-256, so the same file can be recognised later.
    pub digest: &'a str,
    pub actor: &'a str,
}

impl Writer {
    /// Writes `rows`: new values are added, corrected values replace the old ones (each
    /// replacement in the audit log with its old value), identical values are left
    /// alone. A row that would change a finalized month refuses the whole import; one
    /// that repeats what such a month holds is merely unchanged.
    pub async fn import_metrics(
        &self,
        rows: &[MetricRow],
        import: &MetricsImport<'_>,
        progress: &(dyn Fn(u64, u64) + Sync),
    ) -> Result<Changes, ImportRefused> {
        let txn = self.txn();
        let months: BTreeSet<String> = rows.iter().map(|r| r.month.to_string()).collect();
        let finalized = finalized_months(txn, months.iter().cloned()).await?;
        let mut stored = Vec::new();
        for month in &months {
            stored.extend(
                metric_values::Entity::find()
                    .filter(metric_values::Column::Month.eq(month.as_str()))
                    .all(txn)
                    .await?,
            );
        }
        let existing: FxHashMap<(&str, &str, &str), f64> = stored
            .iter()
            .map(|v| ((v.subject.as_str(), v.month.as_str(), v.metric.as_str()), v.value))
            .collect();
        let month_names: HashMap<Month, String> = rows.iter().map(|r| (r.month, r.month.to_string())).collect();

        let mut changes = Changes::default();
        let mut writes: Vec<&MetricRow> = Vec::new();
        let mut audit = Vec::new();
        let mut refused = Vec::new();
        for row in rows {
            let month = month_names[&row.month].as_str();
            let old = existing.get(&(&*row.subject, month, &*row.metric));
            if old.is_some_and(|old| old.to_bits() == row.value.to_bits()) {
                changes.unchanged += 1;
                continue;
            }
            if finalized.contains(month) {
                refused.push((row.line, month.to_owned()));
                continue;
            }
            match old {
                Some(old) => {
                    changes.changed += 1;
                    let entity_key = format!("{}/{}/{}", row.subject, row.month, row.metric);
                    audit.push(audit_entry(
                        import.actor,
                        "update",
                        "metric_value",
                        entity_key,
                        Some(old.to_string()),
                        Some(row.value.to_string()),
                    ));
                }
                None => changes.added += 1,
            }
            writes.push(row);
        }
        if !refused.is_empty() {
            return Err(ImportRefused::Finalized(refused));
        }
        if writes.is_empty() {
            // Nothing to change: leave no trace of a no-op import.
            return Ok(changes);
        }
        // Its counts are written once the rows are.
        let import_id = insert_import(
            txn,
            "metrics",
            import.source,
            import.digest,
            import.actor,
            Changes::default(),
        )
        .await?;
        // Plain multi-row upserts: at a million rows, building entity models would cost
        // more than the database's own work.
        use metric_values::Column as C;
        let on_conflict = upsert([C::Subject, C::Month, C::Metric], [C::Value, C::ImportId]);
        let mut written = 0;
        for chunk in writes.chunks(CHUNK_ROWS) {
            let mut insert = Query::insert();
            insert
                .into_table(metric_values::Entity)
                .columns([C::Subject, C::Month, C::Metric, C::Value, C::ImportId]);
            for row in chunk {
                insert.values_panic([
                    (&*row.subject).into(),
                    month_names[&row.month].as_str().into(),
                    (&*row.metric).into(),
                    row.value.into(),
                    import_id.into(),
                ]);
            }
            insert.on_conflict(on_conflict.clone());
            txn.execute(&insert).await?;
            written += chunk.len() as u64;
            progress(written, writes.len() as u64);
        }
        let summary = serde_json::json!({ "source": import.source, "digest": import.digest, "added": changes.added, "changed": changes.changed, "unchanged": changes.unchanged });
        audit.push(audit_entry(
            import.actor,
            "import",
            "metrics",
            import_id.to_string(),
            None,
            Some(summary.to_string()),
        ));
        Store::audit(txn, audit).await?;
        imports::Entity::update(imports::ActiveModel {
            id: ActiveValue::Unchanged(import_id),
            added: ActiveValue::Set(changes.added as i64),
            changed: ActiveValue::Set(changes.changed as i64),
            unchanged: ActiveValue::Set(changes.unchanged as i64),
            ..Default::default()
        })
        .exec(txn)
        .await?;
        Ok(changes)
    }
}

impl Store {
    /// Every stored value of the months of `period`.
    pub async fn list_metric_values(&self, period: Period) -> Result<Vec<MetricRow>, StoreError> {
        self.list_metric_values_in(&period.months()).await
    }

    /// Every stored value of `months`, in one read.
    pub async fn list_metric_values_in(&self, months: &[Month]) -> Result<Vec<MetricRow>, StoreError> {
        let months: Vec<String> = months.iter().map(Month::to_string).collect();
        let values = metric_values::Entity::find()
            .filter(metric_values::Column::Month.is_in(months))
            .all(self.db())
            .await?;
        values
            .into_iter()
            .map(|v| {
                let month = v
                    .month
                    .parse()
                    .map_err(|_| StoreError::Corrupt(format!("metric value with month `{}`", v.month)))?;
                Ok(MetricRow {
                    line: 0,
                    subject: v.subject.into(),
                    month,
                    metric: v.metric.into(),
                    value: v.value,
                })
            })
            .collect()
    }

    /// How many metric values are stored.
    pub async fn count_metric_values(&self) -> Result<u64, StoreError> {
        use sea_orm::PaginatorTrait;
        Ok(metric_values::Entity::find().count(self.db()).await?)
    }

    /// The latest month that has any metric value, the natural default to show.
    pub async fn latest_month(&self) -> Result<Option<Month>, StoreError> {
        use sea_orm::{QueryOrder, QuerySelect};
        let month = metric_values::Entity::find()
            .select_only()
            .column(metric_values::Column::Month)
            .order_by_desc(metric_values::Column::Month)
            .into_tuple::<String>()
            .one(self.db())
            .await?;
        Ok(month.and_then(|m| m.parse().ok()))
    }
}

/// Why an import was refused as a whole.
#[derive(Debug, thiserror::Error)]
pub enum ImportRefused {
    #[error("rows fall in finalized periods")]
    Finalized(Vec<(u64, String)>),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sea_orm::DbErr> for ImportRefused {
    fn from(error: sea_orm::DbErr) -> Self {
        ImportRefused::Store(StoreError::Database(error))
    }
}
