//! User accounts and their server-side sessions.

use super::entity::{people, sessions, teams, user_teams, users};
use super::{Store, StoreError, audit_entry, now};
use crate::kpi::rulebook::did_you_mean;
use sea_orm::{ActiveValue, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use std::collections::HashMap;

/// What an account may do; each role sees more than the one before.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum AccountRole {
    /// Their own scorecards only.
    Rep,
    /// Their teams, the teams below them, and everyone in them.
    Manager,
    /// Everyone.
    Hr,
    /// Everyone, and accounts and definitions.
    Admin,
}

impl AccountRole {
    pub fn as_str(self) -> &'static str {
        match self {
            AccountRole::Rep => "rep",
            AccountRole::Manager => "manager",
            AccountRole::Hr => "hr",
            AccountRole::Admin => "admin",
        }
    }

    pub fn parse(text: &str) -> Option<AccountRole> {
        [
            AccountRole::Rep,
            AccountRole::Manager,
            AccountRole::Hr,
            AccountRole::Admin,
        ]
        .into_iter()
        .find(|r| r.as_str() == text)
    }
}

/// An account as the server sees it.
#[derive(Clone, PartialEq, Eq)]
pub struct Account {
    pub id: i64,
    pub username: String,
    pub password_hash: String,
    pub role: AccountRole,
    /// The person a rep account belongs to.
    pub person: Option<String>,
    /// The teams a manager leads.
    pub teams: Vec<String>,
    pub disabled: bool,
}

impl std::fmt::Debug for Account {
    // Sessions carry their account into logs and errors: never its password hash.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Account")
            .field("id", &self.id)
            .field("username", &self.username)
            .field("role", &self.role)
            .field("person", &self.person)
            .field("teams", &self.teams)
            .field("disabled", &self.disabled)
            .finish_non_exhaustive()
    }
}

/// A new account.
#[derive(Debug, Clone)]
pub struct NewAccount<'a> {
    pub username: &'a str,
    pub password_hash: String,
    pub role: AccountRole,
    pub person: Option<&'a str>,
    pub teams: &'a [String],
}

/// An account as the list of accounts shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountEntry {
    pub username: String,
    pub role: AccountRole,
    pub person: Option<String>,
    pub teams: Vec<String>,
    pub disabled: bool,
    /// RFC 3339, UTC.
    pub created_at: String,
}

/// Why a new account cannot be created, for one field of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountProblem {
    /// `username`, `person` or `teams`.
    pub field: &'static str,
    pub message: String,
}

/// The longest username accepted.
const MAX_USERNAME: usize = 64;

impl Store {
    /// Every problem that would stop `account` from being created: a taken or
    /// malformed name, a person or team that does not exist, a rep without a person,
    /// a manager without teams. Empty when it can be created.
    pub async fn check_new_account(&self, account: &NewAccount<'_>) -> Result<Vec<AccountProblem>, StoreError> {
        account_problems(self.db(), account).await
    }

    /// Creates an account; refused, with every problem named, when
    /// `check_new_account` finds any (checked again inside the write).
    pub async fn insert_account(&self, account: NewAccount<'_>, actor: &str) -> Result<i64, StoreError> {
        let txn = self.begin_write().await?;
        let problems = account_problems(&txn, &account).await?;
        if !problems.is_empty() {
            let reasons: Vec<String> = problems.into_iter().map(|p| p.message).collect();
            return Err(StoreError::Unsupported(reasons.join("; ")));
        }
        let model = users::ActiveModel {
            id: ActiveValue::NotSet,
            username: ActiveValue::Set(account.username.to_owned()),
            password_hash: ActiveValue::Set(account.password_hash),
            role: ActiveValue::Set(account.role.as_str().to_owned()),
            person_key: ActiveValue::Set(account.person.map(str::to_owned)),
            disabled: ActiveValue::Set(false),
            created_at: ActiveValue::Set(now()),
        };
        let id = users::Entity::insert(model).exec(&txn).await?.last_insert_id;
        for team in account.teams {
            let link = user_teams::ActiveModel {
                user_id: ActiveValue::Set(id),
                team_key: ActiveValue::Set(team.clone()),
            };
            user_teams::Entity::insert(link).exec_without_returning(&txn).await?;
        }
        let after = format!("{} ({})", account.username, account.role.as_str());
        Store::audit(
            &txn,
            vec![audit_entry(
                actor,
                "create",
                "account",
                account.username.to_owned(),
                None,
                Some(after),
            )],
        )
        .await?;
        txn.commit().await?;
        Ok(id)
    }

    pub async fn find_account_by_name(&self, username: &str) -> Result<Option<Account>, StoreError> {
        match users::Entity::find()
            .filter(users::Column::Username.eq(username))
            .one(self.db())
            .await?
        {
            Some(user) => self.account(user).await.map(Some),
            None => Ok(None),
        }
    }

    /// Every account, by username, with its teams and whether it is disabled.
    pub async fn list_accounts(&self) -> Result<Vec<AccountEntry>, StoreError> {
        let mut teams: HashMap<i64, Vec<String>> = HashMap::new();
        for link in user_teams::Entity::find()
            .order_by_asc(user_teams::Column::TeamKey)
            .all(self.db())
            .await?
        {
            teams.entry(link.user_id).or_default().push(link.team_key);
        }
        users::Entity::find()
            .order_by_asc(users::Column::Username)
            .all(self.db())
            .await?
            .into_iter()
            .map(|user| {
                let role = AccountRole::parse(&user.role).ok_or_else(|| {
                    StoreError::Corrupt(format!("account {} has role `{}`", user.username, user.role))
                })?;
                Ok(AccountEntry {
                    teams: teams.remove(&user.id).unwrap_or_default(),
                    username: user.username,
                    role,
                    person: user.person_key,
                    disabled: user.disabled,
                    created_at: user.created_at,
                })
            })
            .collect()
    }

    pub(super) async fn account(&self, user: users::Model) -> Result<Account, StoreError> {
        let teams = user_teams::Entity::find()
            .filter(user_teams::Column::UserId.eq(user.id))
            .all(self.db())
            .await?;
        let role = AccountRole::parse(&user.role)
            .ok_or_else(|| StoreError::Corrupt(format!("account {} has role `{}`", user.username, user.role)))?;
        Ok(Account {
            id: user.id,
            username: user.username,
            password_hash: user.password_hash,
            role,
            person: user.person_key,
            teams: teams.into_iter().map(|t| t.team_key).collect(),
            disabled: user.disabled,
        })
    }

    /// Disables an account and ends every session it has.
    pub async fn disable_account(&self, username: &str, actor: &str) -> Result<(), StoreError> {
        let txn = self.begin_write().await?;
        let user = user_named(&txn, username).await?;
        sessions::Entity::delete_many()
            .filter(sessions::Column::UserId.eq(user.id))
            .exec(&txn)
            .await?;
        let id = user.id;
        users::Entity::update(users::ActiveModel {
            id: ActiveValue::Unchanged(id),
            disabled: ActiveValue::Set(true),
            ..Default::default()
        })
        .exec(&txn)
        .await?;
        Store::audit(
            &txn,
            vec![audit_entry(
                actor,
                "disable",
                "account",
                username.to_owned(),
                Some("enabled".into()),
                Some("disabled".into()),
            )],
        )
        .await?;
        txn.commit().await?;
        self.sessions.forget_account(id);
        Ok(())
    }

    /// Gives an account another role, person or teams; refused, with every problem
    /// named, as a new account would be. Its sessions go on with the new access at once.
    pub async fn change_account(
        &self,
        username: &str,
        role: AccountRole,
        person: Option<&str>,
        teams: &[String],
        actor: &str,
    ) -> Result<(), StoreError> {
        let txn = self.begin_write().await?;
        let user = user_named(&txn, username).await?;
        let problems = access_problems(&txn, role, person, teams).await?;
        if !problems.is_empty() {
            let reasons: Vec<String> = problems.into_iter().map(|p| p.message).collect();
            return Err(StoreError::Unsupported(reasons.join("; ")));
        }
        let before_teams: Vec<String> = user_teams::Entity::find()
            .filter(user_teams::Column::UserId.eq(user.id))
            .order_by_asc(user_teams::Column::TeamKey)
            .all(&txn)
            .await?
            .into_iter()
            .map(|t| t.team_key)
            .collect();
        let describe = |role: &str, person: Option<&str>, teams: &[String]| {
            format!(
                "{role}, person {}, teams [{}]",
                person.unwrap_or("none"),
                teams.join(", ")
            )
        };
        let before = describe(&user.role, user.person_key.as_deref(), &before_teams);
        let mut sorted = teams.to_vec();
        sorted.sort();
        sorted.dedup();
        let after = describe(role.as_str(), person, &sorted);
        users::Entity::update(users::ActiveModel {
            id: ActiveValue::Unchanged(user.id),
            role: ActiveValue::Set(role.as_str().to_owned()),
            person_key: ActiveValue::Set(person.map(str::to_owned)),
            ..Default::default()
        })
        .exec(&txn)
        .await?;
        user_teams::Entity::delete_many()
            .filter(user_teams::Column::UserId.eq(user.id))
            .exec(&txn)
            .await?;
        for team in &sorted {
            let link = user_teams::ActiveModel {
                user_id: ActiveValue::Set(user.id),
                team_key: ActiveValue::Set(team.clone()),
            };
            user_teams::Entity::insert(link).exec_without_returning(&txn).await?;
        }
        let entry = audit_entry(
            actor,
            "change",
            "account",
            username.to_owned(),
            Some(before),
            Some(after),
        );
        Store::audit(&txn, vec![entry]).await?;
        txn.commit().await?;
        self.sessions.forget_account(user.id);
        Ok(())
    }

    /// Gives an account a new password hash and ends its sessions: whoever knew the
    /// old one is signed out.
    pub async fn set_password(&self, username: &str, password_hash: String, actor: &str) -> Result<(), StoreError> {
        let txn = self.begin_write().await?;
        let user = user_named(&txn, username).await?;
        sessions::Entity::delete_many()
            .filter(sessions::Column::UserId.eq(user.id))
            .exec(&txn)
            .await?;
        users::Entity::update(users::ActiveModel {
            id: ActiveValue::Unchanged(user.id),
            password_hash: ActiveValue::Set(password_hash),
            ..Default::default()
        })
        .exec(&txn)
        .await?;
        let entry = audit_entry(
            actor,
            "password",
            "account",
            username.to_owned(),
            None,
            Some("reset".into()),
        );
        Store::audit(&txn, vec![entry]).await?;
        txn.commit().await?;
        self.sessions.forget_account(user.id);
        Ok(())
    }

    /// Lets a disabled account sign in again.
    pub async fn enable_account(&self, username: &str, actor: &str) -> Result<(), StoreError> {
        let txn = self.begin_write().await?;
        let user = user_named(&txn, username).await?;
        users::Entity::update(users::ActiveModel {
            id: ActiveValue::Unchanged(user.id),
            disabled: ActiveValue::Set(false),
            ..Default::default()
        })
        .exec(&txn)
        .await?;
        let entry = audit_entry(
            actor,
            "enable",
            "account",
            username.to_owned(),
            Some(if user.disabled { "disabled" } else { "enabled" }.into()),
            Some("enabled".into()),
        );
        Store::audit(&txn, vec![entry]).await?;
        txn.commit().await?;
        self.sessions.forget_account(user.id);
        Ok(())
    }

    /// Records events of the web layer (failed sign-ins, denied reads) in one statement
    /// per chunk, outside any write transaction.
    pub async fn record(&self, events: Vec<AuditEvent>) -> Result<(), StoreError> {
        let entries: Vec<_> = events
            .into_iter()
            .map(|e| audit_entry(&e.actor, &e.action, &e.entity, e.key, None, e.detail))
            .collect();
        for chunk in entries.chunks(super::CHUNK_ROWS) {
            super::entity::audit_log::Entity::insert_many(chunk.to_vec())
                .exec_without_returning(self.db())
                .await?;
        }
        Ok(())
    }
}

/// Something the web layer saw that the audit log keeps: who, what, on what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEvent {
    pub actor: String,
    /// `login_failed`, `login_locked`, `access_denied`.
    pub action: String,
    pub entity: String,
    pub key: String,
    pub detail: Option<String>,
}

/// The problems of a new account against what `db` holds; see `check_new_account`.
async fn account_problems(
    db: &impl ConnectionTrait,
    account: &NewAccount<'_>,
) -> Result<Vec<AccountProblem>, StoreError> {
    let mut problems = Vec::new();
    let mut problem = |field: &'static str, message: String| problems.push(AccountProblem { field, message });
    let name = account.username;
    if name.is_empty() {
        problem("username", "a username is required".into());
    } else if name.chars().count() > MAX_USERNAME {
        problem("username", format!("a username has at most {MAX_USERNAME} characters"));
    } else if !name
        .chars()
        .all(|c| c.is_alphanumeric() || matches!(c, '.' | '-' | '_' | '@'))
    {
        problem(
            "username",
            format!("`{name}` may hold only letters, digits and . - _ @"),
        );
    } else if exists::<users::Entity>(db, users::Column::Username, name).await? {
        problem("username", format!("an account named `{name}` exists already"));
    }
    problems.extend(access_problems(db, account.role, account.person, account.teams).await?);
    Ok(problems)
}

/// What stops an account from having `role` with `person` and `teams`: a person or
/// team that does not exist, a rep without a person, a manager without teams.
async fn access_problems(
    db: &impl ConnectionTrait,
    role: AccountRole,
    person: Option<&str>,
    teams: &[String],
) -> Result<Vec<AccountProblem>, StoreError> {
    let mut problems = Vec::new();
    let mut problem = |field: &'static str, message: String| problems.push(AccountProblem { field, message });
    match person {
        Some(person) if !exists::<people::Entity>(db, people::Column::Key, person).await? => {
            let known = keys::<people::Entity>(db, people::Column::Key).await?;
            problem(
                "person",
                format!(
                    "there is no person `{person}`{}",
                    did_you_mean(person, known.iter().map(String::as_str))
                ),
            );
        }
        None if role == AccountRole::Rep => {
            problem("person", "a rep's account belongs to a person; choose one".into());
        }
        _ => {}
    }
    if role == AccountRole::Manager && teams.is_empty() {
        problem("teams", "a manager leads at least one team; choose it".into());
    }
    if role != AccountRole::Manager && !teams.is_empty() {
        problem("teams", "only a manager's account leads teams".into());
    }
    for team in teams {
        if !exists::<teams::Entity>(db, teams::Column::Key, team).await? {
            let known = keys::<teams::Entity>(db, teams::Column::Key).await?;
            problem(
                "teams",
                format!(
                    "there is no team `{team}`{}",
                    did_you_mean(team, known.iter().map(String::as_str))
                ),
            );
        }
    }
    Ok(problems)
}

/// The account named `username`, or why there is none.
async fn user_named(db: &impl ConnectionTrait, username: &str) -> Result<users::Model, StoreError> {
    users::Entity::find()
        .filter(users::Column::Username.eq(username))
        .one(db)
        .await?
        .ok_or_else(|| StoreError::Unsupported(format!("no account named `{username}`")))
}

/// Every key in `column` of `E`; read only when a name was not found, to suggest one.
async fn keys<E: EntityTrait>(db: &impl ConnectionTrait, column: E::Column) -> Result<Vec<String>, StoreError> {
    Ok(E::find().select_only().column(column).into_tuple().all(db).await?)
}

/// Whether a row of `E` holds `key` in `column`.
async fn exists<E: EntityTrait>(db: &impl ConnectionTrait, column: E::Column, key: &str) -> Result<bool, StoreError> {
    Ok(E::find().filter(column.eq(key)).one(db).await?.is_some())
}
