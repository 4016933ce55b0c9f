//! Server-side sessions: only a hash of each token is stored. Every request checks
//! its session; the answer is remembered for `RECHECK` so that a page view needs no
//! query. A session ended through this store (sign-out, a disabled account) ends at
//! once; one ended by another process (the command line, another server) within
//! `RECHECK`.

use super::entity::{sessions, user_teams, users};
use super::{Account, AccountRole, Store, StoreError, now};
use sea_orm::{ActiveValue, EntityTrait};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// How long a session check is trusted before the database is asked again.
const RECHECK: Duration = Duration::from_secs(2);

/// Sessions remembered before the memory starts afresh.
const CAPACITY: usize = 100_000;

/// A signed-in session: its account and the CSRF token its forms carry.
#[derive(Debug, Clone)]
pub struct LiveSession {
    pub account: Account,
    pub csrf: String,
    /// RFC 3339, UTC; the session ends then whatever the memory says.
    expires_at: String,
}

/// Session checks remembered by token hash, with when they were read.
#[derive(Debug, Default)]
pub(super) struct SessionMemory {
    known: Mutex<HashMap<String, (Instant, Arc<LiveSession>)>>,
}

impl SessionMemory {
    fn lock(&self) -> MutexGuard<'_, HashMap<String, (Instant, Arc<LiveSession>)>> {
        // A panic while holding the lock leaves only a memory behind: keep using it.
        self.known.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn recall(&self, token_hash: &str) -> Option<Arc<LiveSession>> {
        self.lock()
            .get(token_hash)
            .filter(|(read, _)| read.elapsed() < RECHECK)
            .map(|(_, session)| Arc::clone(session))
    }

    fn remember(&self, token_hash: &str, session: Arc<LiveSession>) {
        let mut known = self.lock();
        if known.len() >= CAPACITY {
            known.retain(|_, (read, _)| read.elapsed() < RECHECK);
        }
        known.insert(token_hash.to_owned(), (Instant::now(), session));
    }

    pub(super) fn forget(&self, token_hash: &str) {
        self.lock().remove(token_hash);
    }

    /// Forgets every session of account `id`, when it is disabled.
    pub(super) fn forget_account(&self, id: i64) {
        self.lock().retain(|_, (_, session)| session.account.id != id);
    }
}

impl Store {
    /// The live session with this token hash and its enabled account, if any.
    pub async fn find_session(&self, token_hash: &str) -> Result<Option<Arc<LiveSession>>, StoreError> {
        let session = match self.sessions.recall(token_hash) {
            Some(session) => session,
            None => match self.read_session(token_hash).await? {
                Some(session) => {
                    let session = Arc::new(session);
                    self.sessions.remember(token_hash, Arc::clone(&session));
                    session
                }
                None => return Ok(None),
            },
        };
        Ok((session.expires_at > now()).then_some(session))
    }

    pub async fn insert_session(
        &self,
        token_hash: &str,
        user_id: i64,
        csrf_token: &str,
        expires_at: &str,
    ) -> Result<(), StoreError> {
        let model = sessions::ActiveModel {
            token_hash: ActiveValue::Set(token_hash.to_owned()),
            user_id: ActiveValue::Set(user_id),
            csrf_token: ActiveValue::Set(csrf_token.to_owned()),
            created_at: ActiveValue::Set(now()),
            expires_at: ActiveValue::Set(expires_at.to_owned()),
        };
        sessions::Entity::insert(model)
            .exec_without_returning(self.db())
            .await?;
        Ok(())
    }

    /// The session with this token hash and its enabled account, as stored now: one
    /// query, a manager's teams coming along as one row each.
    async fn read_session(&self, token_hash: &str) -> Result<Option<LiveSession>, StoreError> {
        use sea_orm::sea_query::{Expr, ExprTrait, Query};
        use sea_orm::{ConnectionTrait, StatementBuilder};
        let select = Query::select()
            .columns([
                (users::Entity, users::Column::Id),
                (users::Entity, users::Column::Username),
                (users::Entity, users::Column::PasswordHash),
                (users::Entity, users::Column::Role),
                (users::Entity, users::Column::PersonKey),
                (users::Entity, users::Column::Disabled),
            ])
            .columns([
                (sessions::Entity, sessions::Column::CsrfToken),
                (sessions::Entity, sessions::Column::ExpiresAt),
            ])
            .column((user_teams::Entity, user_teams::Column::TeamKey))
            .from(sessions::Entity)
            .inner_join(
                users::Entity,
                Expr::col((users::Entity, users::Column::Id)).equals((sessions::Entity, sessions::Column::UserId)),
            )
            .left_join(
                user_teams::Entity,
                Expr::col((user_teams::Entity, user_teams::Column::UserId))
                    .equals((sessions::Entity, sessions::Column::UserId)),
            )
            .and_where(Expr::col((sessions::Entity, sessions::Column::TokenHash)).eq(token_hash))
            .to_owned();
        let backend = self.db().get_database_backend();
        let rows = self
            .db()
            .query_all_raw(StatementBuilder::build(&select, &backend))
            .await?;
        let Some(row) = rows.first() else {
            return Ok(None);
        };
        let expires_at: String = row.try_get("", "expires_at")?;
        let disabled: bool = row.try_get("", "disabled")?;
        if disabled {
            return Ok(None);
        }
        let role: String = row.try_get("", "role")?;
        let role =
            AccountRole::parse(&role).ok_or_else(|| StoreError::Corrupt(format!("an account has role `{role}`")))?;
        let mut teams = Vec::new();
        for row in &rows {
            if let Some(team) = row.try_get::<Option<String>>("", "team_key")? {
                teams.push(team);
            }
        }
        let account = Account {
            id: row.try_get("", "id")?,
            username: row.try_get("", "username")?,
            password_hash: row.try_get("", "password_hash")?,
            role,
            person: row.try_get("", "person_key")?,
            teams,
            disabled,
        };
        Ok(Some(LiveSession {
            account,
            csrf: row.try_get("", "csrf_token")?,
            expires_at,
        }))
    }

    pub async fn delete_session(&self, token_hash: &str) -> Result<(), StoreError> {
        sessions::Entity::delete_by_id(token_hash.to_owned())
            .exec(self.db())
            .await?;
        self.sessions.forget(token_hash);
        Ok(())
    }
}

impl Store {
    /// Deletes the sessions that have ended by time, so the table holds only live ones.
    pub async fn purge_expired_sessions(&self) -> Result<u64, StoreError> {
        use sea_orm::{ColumnTrait, QueryFilter};
        let purged = sessions::Entity::delete_many()
            .filter(sessions::Column::ExpiresAt.lte(now()))
            .exec(self.db())
            .await?;
        Ok(purged.rows_affected)
    }

    /// The server secret called `name`: `made` (a fresh random value) if no server
    /// of this database has made it yet, else the one made first, so that every
    /// server shares it.
    pub async fn server_secret(&self, name: &str, made: String) -> Result<String, StoreError> {
        use super::entity::server_secrets;
        use sea_orm::sea_query::OnConflict;
        let model = server_secrets::ActiveModel {
            name: ActiveValue::Set(name.to_owned()),
            secret: ActiveValue::Set(made),
            created_at: ActiveValue::Set(now()),
        };
        server_secrets::Entity::insert(model)
            .on_conflict(OnConflict::column(server_secrets::Column::Name).do_nothing().to_owned())
            .exec_without_returning(self.db())
            .await?;
        server_secrets::Entity::find_by_id(name.to_owned())
            .one(self.db())
            .await?
            .map(|row| row.secret)
            .ok_or_else(|| StoreError::Corrupt(format!("the server secret `{name}` vanished as it was made")))
    }
}
