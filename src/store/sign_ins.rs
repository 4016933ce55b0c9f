//! Failed sign-ins shared by every server on the database, so that the throttle's
//! counts per name, address and device hold however the attempts are spread over
//! servers. Each server also counts in memory (`web::throttle`): the database is asked
//! before a password is checked and told of each failure.

use super::entity::sign_in_failures;
use super::{Store, StoreError};
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};

/// A key's failures within the window: how many, and when the oldest was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailureCount {
    pub key: String,
    pub count: u64,
    /// Milliseconds since 1970.
    pub oldest_ms: i64,
}

impl Store {
    /// Each of `keys` that has failures since `since_ms`, with their count.
    pub async fn sign_in_failures(&self, keys: &[String], since_ms: i64) -> Result<Vec<FailureCount>, StoreError> {
        use sign_in_failures::Column as C;
        let rows: Vec<(String, i64, i64)> = sign_in_failures::Entity::find()
            .select_only()
            .column(C::Key)
            .column_as(C::Id.count(), "count")
            .column_as(C::AtMs.min(), "oldest")
            .filter(C::Key.is_in(keys.iter().map(String::as_str)))
            .filter(C::AtMs.gt(since_ms))
            .group_by(C::Key)
            .into_tuple()
            .all(self.db())
            .await?;
        Ok(rows
            .into_iter()
            .map(|(key, count, oldest_ms)| FailureCount {
                key,
                count: count.max(0) as u64,
                oldest_ms,
            })
            .collect())
    }

    /// Records a failure on each of `keys` at `at_ms`, and forgets failures older
    /// than `before_ms` (outside every window), so the table holds one window.
    pub async fn record_sign_in_failure(&self, keys: &[String], at_ms: i64, before_ms: i64) -> Result<(), StoreError> {
        use sign_in_failures::Column as C;
        let mut insert = Query::insert();
        insert.into_table(sign_in_failures::Entity).columns([C::Key, C::AtMs]);
        for key in keys {
            insert.values_panic([key.as_str().into(), at_ms.into()]);
        }
        self.db().execute(&insert).await?;
        sign_in_failures::Entity::delete_many()
            .filter(C::AtMs.lte(before_ms))
            .exec(self.db())
            .await?;
        Ok(())
    }

    /// Forgets `key`'s failures: an account signed in to.
    pub async fn clear_sign_in_failures(&self, key: &str) -> Result<(), StoreError> {
        sign_in_failures::Entity::delete_many()
            .filter(sign_in_failures::Column::Key.eq(key))
            .exec(self.db())
            .await?;
        Ok(())
    }
}
