//! People and teams: written by imports (with an audit entry per change) and read
//! back as the core's `Organisation`.

use super::entity::{people, teams};
use super::{Store, StoreError, Writer, audit_entry};
use sea_orm::{ActiveValue, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryOrder};
use serde::Serialize;
use std::collections::HashMap;

/// A team as an import gives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TeamRow {
    pub key: String,
    pub name: String,
    /// The name in Chinese, when the file gives one.
    pub name_zh: Option<String>,
    pub parent: Option<String>,
    /// The role the team's card is scored with, when not the team scorecard role.
    pub card: Option<String>,
}

/// A person as an import gives them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PersonRow {
    pub key: String,
    pub name: String,
    pub email: String,
    pub team: String,
    pub role: String,
    pub manager: Option<String>,
    pub active_from: Option<String>,
    pub active_to: Option<String>,
    /// `en` or `zh`: the language of their mails; English when unset.
    pub language: Option<String>,
}

/// What an import changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Changes {
    pub added: usize,
    pub changed: usize,
    pub unchanged: usize,
}

impl Store {
    pub async fn list_teams(&self) -> Result<Vec<TeamRow>, StoreError> {
        teams_in(self.db()).await
    }

    pub async fn list_people(&self) -> Result<Vec<PersonRow>, StoreError> {
        people_in(self.db()).await
    }
}

impl Writer {
    /// The teams as this write sees them.
    pub async fn list_teams(&self) -> Result<Vec<TeamRow>, StoreError> {
        teams_in(self.txn()).await
    }

    /// The people as this write sees them.
    pub async fn list_people(&self) -> Result<Vec<PersonRow>, StoreError> {
        people_in(self.txn()).await
    }

    /// Adds or updates teams; parents may be other rows of the same import, `source`.
    pub async fn upsert_teams(&self, rows: &[TeamRow], source: &str, actor: &str) -> Result<Changes, StoreError> {
        let txn = self.txn();
        let existing: HashMap<String, teams::Model> = teams::Entity::find()
            .all(txn)
            .await?
            .into_iter()
            .map(|t| (t.key.clone(), t))
            .collect();
        let mut ids: HashMap<String, i64> = existing.iter().map(|(k, t)| (k.clone(), t.id)).collect();
        let before: HashMap<String, TeamRow> = {
            let keys: HashMap<i64, String> = existing.values().map(|t| (t.id, t.key.clone())).collect();
            existing
                .values()
                .map(|t| {
                    (
                        t.key.clone(),
                        TeamRow {
                            key: t.key.clone(),
                            name: t.name.clone(),
                            name_zh: t.name_zh.clone(),
                            parent: t.parent_id.and_then(|p| keys.get(&p).cloned()),
                            card: t.card.clone(),
                        },
                    )
                })
                .collect()
        };
        let mut changes = Changes::default();
        let mut audit = Vec::new();
        // Two passes: create every new team first, so parents can be set in any row order.
        for row in rows {
            if !ids.contains_key(&row.key) {
                let model = teams::ActiveModel {
                    id: ActiveValue::NotSet,
                    key: ActiveValue::Set(row.key.clone()),
                    name: ActiveValue::Set(row.name.clone()),
                    name_zh: ActiveValue::Set(row.name_zh.clone()),
                    parent_id: ActiveValue::Set(None),
                    card: ActiveValue::Set(row.card.clone()),
                };
                let id = teams::Entity::insert(model).exec(txn).await?.last_insert_id;
                ids.insert(row.key.clone(), id);
            }
        }
        for row in rows {
            let old = before.get(&row.key);
            if old == Some(row) {
                changes.unchanged += 1;
                continue;
            }
            let model = teams::ActiveModel {
                id: ActiveValue::Unchanged(ids[&row.key]),
                key: ActiveValue::Set(row.key.clone()),
                name: ActiveValue::Set(row.name.clone()),
                name_zh: ActiveValue::Set(row.name_zh.clone()),
                parent_id: ActiveValue::Set(row.parent.as_ref().map(|p| ids[p])),
                card: ActiveValue::Set(row.card.clone()),
            };
            teams::Entity::update(model).exec(txn).await?;
            if old.is_some() {
                changes.changed += 1
            } else {
                changes.added += 1
            }
            audit.push(audit_entry(
                actor,
                if old.is_some() { "update" } else { "create" },
                "team",
                row.key.clone(),
                old.map(json),
                Some(json(row)),
            ));
        }
        Store::audit(txn, audit).await?;
        record_import(txn, "teams", source, actor, changes).await?;
        Ok(changes)
    }

    /// Adds or updates people; their teams and managers must exist or come in the same import, `source`.
    pub async fn upsert_people(&self, rows: &[PersonRow], source: &str, actor: &str) -> Result<Changes, StoreError> {
        let txn = self.txn();
        let team_ids: HashMap<String, i64> = teams::Entity::find()
            .all(txn)
            .await?
            .into_iter()
            .map(|t| (t.key, t.id))
            .collect();
        let existing = people::Entity::find().all(txn).await?;
        let mut ids: HashMap<String, i64> = existing.iter().map(|p| (p.key.clone(), p.id)).collect();
        let keys_by_id: HashMap<i64, String> = existing.iter().map(|p| (p.id, p.key.clone())).collect();
        let team_keys: HashMap<i64, String> = team_ids.iter().map(|(k, v)| (*v, k.clone())).collect();
        let before: HashMap<String, PersonRow> = existing
            .iter()
            .map(|p| {
                let row = PersonRow {
                    key: p.key.clone(),
                    name: p.name.clone(),
                    email: p.email.clone(),
                    team: team_keys.get(&p.team_id).cloned().unwrap_or_default(),
                    role: p.role.clone(),
                    manager: p.manager_id.and_then(|m| keys_by_id.get(&m).cloned()),
                    active_from: p.active_from.clone(),
                    active_to: p.active_to.clone(),
                    language: p.language.clone(),
                };
                (p.key.clone(), row)
            })
            .collect();
        let mut changes = Changes::default();
        let mut audit = Vec::new();
        let model = |row: &PersonRow, id: ActiveValue<i64>, manager: Option<i64>| people::ActiveModel {
            id,
            key: ActiveValue::Set(row.key.clone()),
            name: ActiveValue::Set(row.name.clone()),
            email: ActiveValue::Set(row.email.clone()),
            role: ActiveValue::Set(row.role.clone()),
            team_id: ActiveValue::Set(team_ids[&row.team]),
            manager_id: ActiveValue::Set(manager),
            active_from: ActiveValue::Set(row.active_from.clone()),
            active_to: ActiveValue::Set(row.active_to.clone()),
            language: ActiveValue::Set(row.language.clone()),
        };
        for row in rows {
            if !ids.contains_key(&row.key) {
                let id = people::Entity::insert(model(row, ActiveValue::NotSet, None))
                    .exec(txn)
                    .await?
                    .last_insert_id;
                ids.insert(row.key.clone(), id);
            }
        }
        for row in rows {
            let old = before.get(&row.key);
            if old == Some(row) {
                changes.unchanged += 1;
                continue;
            }
            let manager = row.manager.as_ref().map(|m| ids[m]);
            people::Entity::update(model(row, ActiveValue::Unchanged(ids[&row.key]), manager))
                .exec(txn)
                .await?;
            if old.is_some() {
                changes.changed += 1
            } else {
                changes.added += 1
            }
            audit.push(audit_entry(
                actor,
                if old.is_some() { "update" } else { "create" },
                "person",
                row.key.clone(),
                old.map(json),
                Some(json(row)),
            ));
        }
        Store::audit(txn, audit).await?;
        record_import(txn, "people", source, actor, changes).await?;
        Ok(changes)
    }
}

async fn teams_in(db: &impl ConnectionTrait) -> Result<Vec<TeamRow>, StoreError> {
    let models = teams::Entity::find().order_by_asc(teams::Column::Id).all(db).await?;
    let keys: HashMap<i64, String> = models.iter().map(|t| (t.id, t.key.clone())).collect();
    Ok(models
        .iter()
        .map(|t| TeamRow {
            key: t.key.clone(),
            name: t.name.clone(),
            name_zh: t.name_zh.clone(),
            parent: t.parent_id.and_then(|p| keys.get(&p).cloned()),
            card: t.card.clone(),
        })
        .collect())
}

async fn people_in(db: &impl ConnectionTrait) -> Result<Vec<PersonRow>, StoreError> {
    let team_keys: HashMap<i64, String> = teams::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|t| (t.id, t.key))
        .collect();
    let models = people::Entity::find().order_by_asc(people::Column::Id).all(db).await?;
    let person_keys: HashMap<i64, String> = models.iter().map(|p| (p.id, p.key.clone())).collect();
    models
        .into_iter()
        .map(|p| {
            let team = team_keys
                .get(&p.team_id)
                .cloned()
                .ok_or_else(|| StoreError::Corrupt(format!("person {} has no team", p.key)))?;
            Ok(PersonRow {
                manager: p.manager_id.and_then(|m| person_keys.get(&m).cloned()),
                key: p.key,
                name: p.name,
                email: p.email,
                team,
                role: p.role,
                active_from: p.active_from,
                active_to: p.active_to,
                language: p.language,
            })
        })
        .collect()
}

/// Records an import that changed something: the data version moves with it, so
/// scored periods cached by that version are scored again.
async fn record_import(
    txn: &DatabaseTransaction,
    kind: &str,
    source: &str,
    actor: &str,
    changes: Changes,
) -> Result<(), StoreError> {
    if changes.added + changes.changed == 0 {
        return Ok(());
    }
    super::insert_import(txn, kind, source, "", actor, changes).await?;
    Ok(())
}

pub(crate) fn json(value: &impl Serialize) -> String {
    serde_json::to_string(value).unwrap_or_default()
}
