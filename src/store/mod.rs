//! The database: people, teams, metric data, targets, periods, finalized snapshots
//! and the audit log, through sea-orm. SQLite is the embedded default (a file created
//! on first use, WAL mode); PostgreSQL serves several instances against one database.
//! This is the only module that knows sea-orm.

mod accounts;
mod copy_binary;
mod definitions;
pub mod entity;
mod metrics;
mod organisation;
mod outbox;
mod partitions;
mod periods;
mod review;
mod sessions;
mod sign_ins;
mod sqlite_read;
mod staging;
mod targets;
mod tokens;

pub use accounts::{Account, AccountEntry, AccountProblem, AccountRole, AuditEvent, NewAccount};
pub use definitions::{Draft, Publication, PublishBase, StoredDefinitions};
pub use metrics::{ImportRefused, MetricRow, MetricsImport, StoredValue, ValueNames};
pub use organisation::{Changes, PersonRow, TeamRow};
pub use outbox::{Mail, MailRun, MailStatus, NewMail};
pub use periods::{PeriodStatus, SnapshotRow};
pub use review::{Appeal, AppraisalRow, Decision, PeriodState, Rater, Resolution, SignOff};
pub use sessions::LiveSession;
pub use sign_ins::FailureCount;
pub use staging::{MetricStaging, StagedMetrics, StagedRow};
pub use targets::TargetRow;
pub use tokens::{ApiScope, ApiToken, TokenGrant};

use migrations::{Migrator, MigratorTrait};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveValue, ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr,
    EntityTrait, SqliteTransactionMode, TransactionOptions, TransactionTrait,
};
use std::time::Duration;

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open the database {url}: {source}")]
    Connect { url: String, source: DbErr },
    #[error("the database schema could not be brought up to date: {0}")]
    Migrate(DbErr),
    #[error("database error: {0}")]
    Database(#[from] DbErr),
    #[error("stored data cannot be read: {0}")]
    Corrupt(String),
    #[error("period {0} is finalized; its data, targets and scores can no longer change")]
    Finalized(String),
    #[error("{0}")]
    Unsupported(String),
    /// Rows could not be streamed into their staging table.
    #[error("staging the rows failed: {0}")]
    Staging(String),
    /// A review step asked for in a state that does not allow it.
    #[error("{0}")]
    ReviewState(String),
    #[error(
        "the definitions in force changed meanwhile: publication {} is in force, not {}",
        shown(.active),
        shown(.base)
    )]
    PublishConflict { base: Option<i64>, active: Option<i64> },
}

fn shown(publication: &Option<i64>) -> String {
    publication.map_or_else(|| "none".to_owned(), |p| p.to_string())
}

/// A database, migrated to the current schema.
#[derive(Debug, Clone)]
pub struct Store {
    db: DatabaseConnection,
    /// Session checks, shared by every clone of this store.
    sessions: std::sync::Arc<sessions::SessionMemory>,
    /// The SQLite database's file, where it is one (not in memory): metric values are
    /// read from it in place (`store::sqlite_read`).
    sqlite_file: Option<std::sync::Arc<std::path::Path>>,
}

/// One write in progress, held by a caller that checks what it writes against what is
/// stored. Reads made through it see what the write will commit over (no other writer
/// runs meanwhile), so a check that passed still holds at `commit`. Dropped without
/// `commit`, it writes nothing.
#[derive(Debug)]
pub struct Writer {
    txn: DatabaseTransaction,
}

impl Writer {
    pub async fn commit(self) -> Result<(), StoreError> {
        self.txn.commit().await?;
        Ok(())
    }

    pub(crate) fn txn(&self) -> &DatabaseTransaction {
        &self.txn
    }
}

/// Rows per multi-row statement: under SQLite's 32,766 bound variables for our widest rows.
pub(crate) const CHUNK_ROWS: usize = 4000;

impl Store {
    /// Opens (creating an SQLite file if needed) and migrates the database at `url`.
    pub async fn open(url: &str) -> Result<Store, StoreError> {
        let store = Store::connect(url).await?;
        Migrator::up(&store.db, None).await.map_err(StoreError::Migrate)?;
        Ok(store)
    }

    /// Opens without migrating, for `yardstick migrate` to report on.
    pub async fn connect(url: &str) -> Result<Store, StoreError> {
        let mut options = ConnectOptions::new(url);
        options.sqlx_logging(false).acquire_timeout(Duration::from_secs(60));
        if url.starts_with("sqlite:") {
            // One writer at a time: writers wait for the lock (busy timeout) instead of
            // failing with "database is locked"; WAL lets readers go on meanwhile.
            options.max_connections(4).map_sqlx_sqlite_opts(|o| {
                o.create_if_missing(true)
                    .journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                    .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
                    .busy_timeout(Duration::from_secs(60))
                    .foreign_keys(true)
            });
        }
        let db = Database::connect(options).await.map_err(|source| StoreError::Connect {
            url: redact(url),
            source,
        })?;
        let sqlite_file = if url.starts_with("sqlite:") {
            sqlite_read::file_of(&db).await?
        } else {
            None
        };
        Ok(Store {
            db,
            sessions: Default::default(),
            sqlite_file,
        })
    }

    pub async fn migrate(&self) -> Result<usize, StoreError> {
        let pending = Migrator::get_pending_migrations(&self.db)
            .await
            .map_err(StoreError::Migrate)?
            .len();
        Migrator::up(&self.db, None).await.map_err(StoreError::Migrate)?;
        Ok(pending)
    }

    pub fn is_sqlite(&self) -> bool {
        self.db.get_database_backend() == DbBackend::Sqlite
    }

    pub(crate) fn db(&self) -> &DatabaseConnection {
        &self.db
    }

    /// Starts the one writing transaction allowed at a time. SQLite takes its write
    /// lock at BEGIN (IMMEDIATE), so a second writer waits rather than failing later
    /// on upgrade; PostgreSQL serialises writers on an advisory lock held until commit.
    pub(crate) async fn begin_write(&self) -> Result<DatabaseTransaction, StoreError> {
        let options = TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..Default::default()
        };
        let txn = self.db.begin_with_options(options).await?;
        if txn.get_database_backend() == DbBackend::Postgres {
            txn.execute_unprepared("SELECT pg_advisory_xact_lock(7261626)").await?;
        }
        Ok(txn)
    }

    /// The one writer, for a caller that reads what it checks through it.
    pub async fn writer(&self) -> Result<Writer, StoreError> {
        Ok(Writer {
            txn: self.begin_write().await?,
        })
    }

    /// A consistent copy of a live SQLite database, taken while others keep working.
    pub async fn backup(&self, to: &std::path::Path) -> Result<(), StoreError> {
        if !self.is_sqlite() {
            return Err(StoreError::Unsupported(
                "backup copies SQLite databases; back PostgreSQL up with pg_dump".into(),
            ));
        }
        let path = to.to_string_lossy().replace('\'', "''");
        self.db.execute_unprepared(&format!("VACUUM INTO '{path}'")).await?;
        Ok(())
    }

    /// Records a change in the audit log.
    pub(crate) async fn audit(
        txn: &DatabaseTransaction,
        entries: Vec<entity::audit_log::ActiveModel>,
    ) -> Result<(), StoreError> {
        for chunk in entries.chunks(CHUNK_ROWS) {
            entity::audit_log::Entity::insert_many(chunk.to_vec())
                .exec_without_returning(txn)
                .await?;
        }
        Ok(())
    }

    /// The audit log of one entity, oldest first.
    pub async fn audit_trail(&self, entity: &str, key: &str) -> Result<Vec<entity::audit_log::Model>, StoreError> {
        use entity::audit_log::Column;
        use sea_orm::{ColumnTrait, QueryFilter, QueryOrder};
        Ok(entity::audit_log::Entity::find()
            .filter(Column::Entity.eq(entity))
            .filter(Column::EntityKey.eq(key))
            .order_by_asc(Column::Id)
            .all(&self.db)
            .await?)
    }
}

/// An audit entry, timestamped now.
pub(crate) fn audit_entry(
    actor: &str,
    action: &str,
    entity: &str,
    key: String,
    before: Option<String>,
    after: Option<String>,
) -> entity::audit_log::ActiveModel {
    entity::audit_log::ActiveModel {
        id: ActiveValue::NotSet,
        at: ActiveValue::Set(now()),
        actor: ActiveValue::Set(actor.to_owned()),
        action: ActiveValue::Set(action.to_owned()),
        entity: ActiveValue::Set(entity.to_owned()),
        entity_key: ActiveValue::Set(key),
        before: ActiveValue::Set(before),
        after: ActiveValue::Set(after),
    }
}

/// Writes the row of an import (its kind, source, digest, who and its counts) and
/// returns its id, which the rows it wrote point to.
pub(crate) async fn insert_import(
    txn: &DatabaseTransaction,
    kind: &str,
    source: &str,
    digest: &str,
    actor: &str,
    changes: organisation::Changes,
) -> Result<i64, StoreError> {
    let row = entity::imports::ActiveModel {
        id: sea_orm::ActiveValue::NotSet,
        kind: sea_orm::ActiveValue::Set(kind.to_owned()),
        source: sea_orm::ActiveValue::Set(source.to_owned()),
        digest: sea_orm::ActiveValue::Set(digest.to_owned()),
        actor: sea_orm::ActiveValue::Set(actor.to_owned()),
        at: sea_orm::ActiveValue::Set(now()),
        added: sea_orm::ActiveValue::Set(changes.added as i64),
        changed: sea_orm::ActiveValue::Set(changes.changed as i64),
        unchanged: sea_orm::ActiveValue::Set(changes.unchanged as i64),
    };
    Ok(sea_orm::EntityTrait::insert(row).exec(txn).await?.last_insert_id)
}

pub(crate) fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Hides a password in a connection URL before it is shown.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.find(':') {
                Some(colon) => format!("{}{}:***{}", &url[..scheme + 3], &credentials[..colon], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// `ON CONFLICT (...) DO UPDATE SET ...` for an upsert.
pub(crate) fn upsert<C, U>(keys: C, update: U) -> OnConflict
where
    C: IntoIterator,
    C::Item: sea_orm::sea_query::IntoIden,
    U: IntoIterator,
    U::Item: sea_orm::sea_query::IntoIden,
{
    OnConflict::columns(keys).update_columns(update).to_owned()
}

#[cfg(test)]
mod tests {
    #[test]
    fn passwords_in_urls_are_hidden() {
        assert_eq!(
            super::redact("postgres://app:secret@db:5432/ys"),
            "postgres://app:***@db:5432/ys"
        );
        assert_eq!(super::redact("sqlite://yardstick.db"), "sqlite://yardstick.db");
    }
}
