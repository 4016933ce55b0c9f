//! Metric values: imported all or nothing, read back per period.

use super::entity::metric_values;
use super::{Store, StoreError};
use crate::kpi::period::{Month, Period};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
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

    /// Hands every stored value of `months` to `each` as `(subject, month, metric,
    /// value)`, borrowed from the row as it streams in: a month of a large organisation
    /// is read without a string allocated per value. Returns how many there were.
    pub async fn for_each_metric_value(
        &self,
        months: &[Month],
        mut each: impl FnMut(&str, &str, &str, f64),
    ) -> Result<u64, StoreError> {
        use futures_util::TryStreamExt;
        use sea_orm::sqlx::Row;
        if months.is_empty() {
            return Ok(0);
        }
        let months: Vec<String> = months.iter().map(Month::to_string).collect();
        let placeholders: Vec<String> = if self.is_sqlite() {
            vec!["?".to_owned(); months.len()]
        } else {
            (1..=months.len()).map(|i| format!("${i}")).collect()
        };
        // Placeholders only: the months are bound.
        let sql = sea_orm::sqlx::AssertSqlSafe(format!(
            "SELECT subject, month, metric, value FROM metric_values WHERE month IN ({})",
            placeholders.join(",")
        ));
        let fail = |e: sea_orm::sqlx::Error| StoreError::Database(sea_orm::DbErr::Custom(e.to_string()));
        let mut count = 0;
        // The same query and loop on either pool; only the row type differs.
        macro_rules! stream {
            ($pool:expr) => {{
                let mut query = sea_orm::sqlx::query(sql);
                for month in &months {
                    query = query.bind(month.as_str());
                }
                let mut rows = query.fetch($pool);
                while let Some(row) = rows.try_next().await.map_err(fail)? {
                    each(
                        row.try_get(0).map_err(fail)?,
                        row.try_get(1).map_err(fail)?,
                        row.try_get(2).map_err(fail)?,
                        row.try_get(3).map_err(fail)?,
                    );
                    count += 1;
                }
            }};
        }
        if self.is_sqlite() {
            stream!(self.db().get_sqlite_connection_pool())
        } else {
            return self.copy_metric_values(&months, each).await;
        }
        Ok(count)
    }

    /// PostgreSQL's way of `for_each_metric_value`: `COPY ... TO STDOUT`, a stream of
    /// text lines parsed here, about three times faster than a row at a time.
    async fn copy_metric_values(
        &self,
        months: &[String],
        mut each: impl FnMut(&str, &str, &str, f64),
    ) -> Result<u64, StoreError> {
        use futures_util::TryStreamExt;
        use sea_orm::sqlx::postgres::PgPoolCopyExt;
        let fail = |e: sea_orm::sqlx::Error| StoreError::Database(sea_orm::DbErr::Custom(e.to_string()));
        // COPY takes no parameters; the months are `Month`s written out (`2026-10`).
        let list: Vec<String> = months.iter().map(|m| format!("'{m}'")).collect();
        let sql = format!(
            "COPY (SELECT subject, month, metric, value FROM metric_values WHERE month IN ({})) TO STDOUT",
            list.join(",")
        );
        let mut chunks = self
            .db()
            .get_postgres_connection_pool()
            .copy_out_raw(&sql)
            .await
            .map_err(fail)?;
        let mut count = 0;
        let mut line = |text: &[u8]| -> Result<(), StoreError> {
            let unexpected = || StoreError::Database(sea_orm::DbErr::Custom("an unexpected line from COPY".into()));
            let text = std::str::from_utf8(text).map_err(|_| unexpected())?;
            // Keys are ids (letters, digits, `_ - .`): nothing COPY escapes.
            let mut fields = text.split('\t');
            let (Some(subject), Some(month), Some(metric), Some(value), None) = (
                fields.next(),
                fields.next(),
                fields.next(),
                fields.next(),
                fields.next(),
            ) else {
                return Err(unexpected());
            };
            each(subject, month, metric, value.parse().map_err(|_| unexpected())?);
            count += 1;
            Ok(())
        };
        // A line may be cut between two chunks: its start waits in `carry`.
        let mut carry: Vec<u8> = Vec::new();
        while let Some(chunk) = chunks.try_next().await.map_err(fail)? {
            let mut data: &[u8] = &chunk;
            if !carry.is_empty() {
                let Some(end) = data.iter().position(|&b| b == b'\n') else {
                    carry.extend_from_slice(data);
                    continue;
                };
                carry.extend_from_slice(&data[..end]);
                line(&carry)?;
                carry.clear();
                data = &data[end + 1..];
            }
            let complete = data.iter().rposition(|&b| b == b'\n').map_or(0, |last| last + 1);
            for text in data[..complete].split(|&b| b == b'\n').filter(|t| !t.is_empty()) {
                line(text)?;
            }
            carry.extend_from_slice(&data[complete..]);
        }
        if !carry.is_empty() {
            line(&carry)?;
        }
        Ok(count)
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
