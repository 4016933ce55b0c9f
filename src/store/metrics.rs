//! Metric values: imported all or nothing, read back per period.

use super::entity::metric_values;
use super::{Store, StoreError};
use crate::kpi::period::{Month, Period};
use sea_orm::EntityTrait;
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

/// The names behind the numbers metric values are stored under: subject keys and
/// metric names by their ids. Names are only ever added, never renumbered.
#[derive(Debug, Clone, Default)]
pub struct ValueNames {
    pub subjects: Vec<(u32, String)>,
    pub metrics: Vec<(u32, String)>,
}

impl ValueNames {
    /// A table by id of what each name stands for to the caller (`None` where it is
    /// nothing to it): one index per value read instead of a lookup by name.
    pub fn by_id<T: Clone>(names: &[(u32, String)], mut meaning: impl FnMut(&str) -> Option<T>) -> Vec<Option<T>> {
        let mut table = vec![None; names.iter().map(|(id, _)| *id as usize + 1).max().unwrap_or(0)];
        for (id, name) in names {
            table[*id as usize] = meaning(name);
        }
        table
    }
}

/// One stored value, by its numbers (`ValueNames` has the names).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StoredValue {
    pub month: Month,
    pub subject: u32,
    pub metric: u32,
    pub value: f64,
}

impl Store {
    /// Every stored value of the months of `period`.
    pub async fn list_metric_values(&self, period: Period) -> Result<Vec<MetricRow>, StoreError> {
        self.list_metric_values_in(&period.months()).await
    }

    /// Every stored value of `months`, in one read, by name.
    pub async fn list_metric_values_in(&self, months: &[Month]) -> Result<Vec<MetricRow>, StoreError> {
        let names = self.value_names().await?;
        let subject_names = ValueNames::by_id(&names.subjects, |name| Some(Arc::<str>::from(name)));
        let metric_names = ValueNames::by_id(&names.metrics, |name| Some(Arc::<str>::from(name)));
        let mut rows = Vec::new();
        let mut unnamed = None;
        self.for_each_metric_value(months, |v| {
            let named = (
                subject_names.get(v.subject as usize).cloned().flatten(),
                metric_names.get(v.metric as usize).cloned().flatten(),
            );
            match named {
                (Some(subject), Some(metric)) => rows.push(MetricRow {
                    line: 0,
                    subject,
                    month: v.month,
                    metric,
                    value: v.value,
                }),
                _ => {
                    unnamed.get_or_insert((v.subject, v.metric));
                }
            }
        })
        .await?;
        match unnamed {
            Some((subject, metric)) => Err(StoreError::Corrupt(format!(
                "a metric value under subject id {subject} and metric id {metric}, one of which has no name"
            ))),
            None => Ok(rows),
        }
    }

    /// The names behind stored values' numbers.
    pub async fn value_names(&self) -> Result<ValueNames, StoreError> {
        use sea_orm::{FromQueryResult, Statement};
        #[derive(FromQueryResult)]
        struct Named {
            id: i32,
            name: String,
        }
        let backend = self.db().get_database_backend();
        let read = async |sql: &str| -> Result<Vec<(u32, String)>, StoreError> {
            let rows = Named::find_by_statement(Statement::from_string(backend, sql))
                .all(self.db())
                .await?;
            Ok(rows.into_iter().map(|n| (n.id as u32, n.name)).collect())
        };
        Ok(ValueNames {
            subjects: read("SELECT id, key AS name FROM subjects").await?,
            metrics: read("SELECT id, name FROM metrics").await?,
        })
    }

    /// Hands every stored value of `months` to `each` as it streams in, by numbers:
    /// a month of a large organisation is read without a string per value. Returns how
    /// many there were.
    pub async fn for_each_metric_value(
        &self,
        months: &[Month],
        mut each: impl FnMut(StoredValue),
    ) -> Result<u64, StoreError> {
        use futures_util::TryStreamExt;
        use sea_orm::sqlx::Row;
        if months.is_empty() {
            return Ok(0);
        }
        if !self.is_sqlite() {
            return self.copy_metric_values(months, each).await;
        }
        if let Some(file) = &self.sqlite_file {
            return super::sqlite_read::metric_values(file.clone(), months, each).await;
        }
        let placeholders = vec!["?"; months.len()];
        // Placeholders only: the months are bound.
        let sql = sea_orm::sqlx::AssertSqlSafe(format!(
            "SELECT month, subject_id, metric_id, value FROM metric_values WHERE month IN ({})",
            placeholders.join(",")
        ));
        let fail = |e: sea_orm::sqlx::Error| StoreError::Database(sea_orm::DbErr::Custom(e.to_string()));
        let mut query = sea_orm::sqlx::query(sql);
        for month in months {
            query = query.bind(month.number() as i32);
        }
        let mut rows = query.fetch(self.db().get_sqlite_connection_pool());
        let mut count = 0;
        while let Some(row) = rows.try_next().await.map_err(fail)? {
            let number: i32 = row.try_get(0).map_err(fail)?;
            each(StoredValue {
                month: stored_month(number)?,
                subject: row.try_get::<i32, _>(1).map_err(fail)? as u32,
                metric: row.try_get::<i32, _>(2).map_err(fail)? as u32,
                value: row.try_get(3).map_err(fail)?,
            });
            count += 1;
        }
        Ok(count)
    }

    /// PostgreSQL's way of `for_each_metric_value`: each month's table (a partition of
    /// `metric_values`) is read in two halves by their rows' physical place, over two
    /// connections at once, with `COPY ... TO STDOUT` in the binary format: the server
    /// turning rows into COPY data was the slower side, and it now runs on two cores.
    /// Both connections read the one snapshot, exported by the first, so the halves are
    /// of the same moment, as a single statement's rows would be.
    async fn copy_metric_values(&self, months: &[Month], mut each: impl FnMut(StoredValue)) -> Result<u64, StoreError> {
        use super::copy_binary::{BinaryError, BinaryReader, float8, int4};
        use futures_util::StreamExt;
        use sea_orm::sqlx;
        let fail = |e: sqlx::Error| StoreError::Database(sea_orm::DbErr::Custom(e.to_string()));
        let corrupt = |e: BinaryError| StoreError::Corrupt(e.to_string());
        let pool = self.db().get_postgres_connection_pool();
        let (mut first, mut second) = (pool.begin().await.map_err(fail)?, pool.begin().await.map_err(fail)?);
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            .execute(&mut *first)
            .await
            .map_err(fail)?;
        let snapshot: String = sqlx::query_scalar("SELECT pg_export_snapshot()")
            .fetch_one(&mut *first)
            .await
            .map_err(fail)?;
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            .execute(&mut *second)
            .await
            .map_err(fail)?;
        // The id is PostgreSQL's own (`00000003-0000001B-1`): hex digits and dashes.
        if !snapshot.chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
            return Err(StoreError::Corrupt(format!("an unexpected snapshot id `{snapshot}`")));
        }
        sqlx::query(sqlx::AssertSqlSafe(format!("SET TRANSACTION SNAPSHOT '{snapshot}'")))
            .execute(&mut *second)
            .await
            .map_err(fail)?;
        // Each month's table and its size in pages, as last sampled: the split need not
        // be even to be whole, since the second half runs to the end.
        let tables: Vec<(String, i32)> = sqlx::query_as(super::partitions::MONTH_TABLES)
            .fetch_all(&mut *first)
            .await
            .map_err(fail)?;
        let mut count = 0;
        for &month in months {
            let table = super::partitions::partition(month);
            let Some(&(_, pages)) = tables.iter().find(|(name, _)| *name == table) else {
                continue; // No table: nothing stored for the month.
            };
            let half = pages.max(0) / 2;
            let copy = |range: &str| {
                format!(
                    "COPY (SELECT subject_id, metric_id, value FROM {table} WHERE {range}) TO STDOUT (FORMAT binary)"
                )
            };
            let (front, back) = (
                copy(&format!("ctid < '({half},0)'")),
                copy(&format!("ctid >= '({half},0)'")),
            );
            let front = first.copy_out_raw(&front).await.map_err(fail)?;
            let back = second.copy_out_raw(&back).await.map_err(fail)?;
            let mut readers = [BinaryReader::new([4, 4, 8]), BinaryReader::new([4, 4, 8])];
            let mut chunks = futures_util::stream::select(front.map(|c| (0, c)), back.map(|c| (1, c)));
            while let Some((half, chunk)) = chunks.next().await {
                let chunk = chunk.map_err(fail)?;
                readers[half]
                    .feed(&chunk, |[subject, metric, value]| {
                        each(StoredValue {
                            month,
                            subject: int4(subject) as u32,
                            metric: int4(metric) as u32,
                            value: float8(value),
                        });
                        count += 1;
                    })
                    .map_err(corrupt)?;
            }
            for reader in readers {
                reader.finish().map_err(corrupt)?;
            }
        }
        first.commit().await.map_err(fail)?;
        second.commit().await.map_err(fail)?;
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
            .into_tuple::<i32>()
            .one(self.db())
            .await?;
        month.map(stored_month).transpose()
    }
}

/// The month a stored number stands for.
pub(crate) fn stored_month(number: i32) -> Result<Month, StoreError> {
    u32::try_from(number)
        .ok()
        .and_then(Month::from_number)
        .ok_or_else(|| StoreError::Corrupt(format!("metric value with month number {number}")))
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
