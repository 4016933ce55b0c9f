//! Definition versions and their publications. A version is the full text of every
//! definitions file, kept once per digest; a publication puts one in force. The
//! newest publication is the rulebook of every server on this database.

use super::entity::{definition_drafts, definition_publications, definition_versions};
use super::{Store, StoreError, Writer, audit_entry, now};
use sea_orm::{ActiveValue, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use std::collections::BTreeMap;

/// A stored definition version: every file's name (relative to its folder) and text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredDefinitions {
    pub version: i64,
    pub digest: String,
    pub files: BTreeMap<String, String>,
    pub created_at: String,
    pub created_by: String,
}

/// One publication: which version came into force, when, by whom and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Publication {
    pub id: i64,
    pub version: i64,
    pub published_at: String,
    pub published_by: String,
    pub comment: String,
    /// The publication in force when the change was begun.
    pub base: Option<i64>,
}

impl From<definition_publications::Model> for Publication {
    fn from(m: definition_publications::Model) -> Self {
        Publication {
            id: m.id,
            version: m.version_id,
            published_at: m.published_at,
            published_by: m.published_by,
            comment: m.comment,
            base: m.base_id,
        }
    }
}

/// A draft of the definitions: every file's text, saved whether valid or not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    pub id: i64,
    /// The publication in force when the draft was begun.
    pub base: Option<i64>,
    pub files: BTreeMap<String, String>,
    pub created_by: String,
    pub created_at: String,
    pub updated_by: String,
    pub updated_at: String,
}

impl TryFrom<definition_drafts::Model> for Draft {
    type Error = StoreError;

    fn try_from(m: definition_drafts::Model) -> Result<Self, StoreError> {
        let files = serde_json::from_str(&m.files)
            .map_err(|e| StoreError::Corrupt(format!("definitions draft {}: its files: {e}", m.id)))?;
        Ok(Draft {
            id: m.id,
            base: m.base_id,
            files,
            created_by: m.created_by,
            created_at: m.created_at,
            updated_by: m.updated_by,
            updated_at: m.updated_at,
        })
    }
}

/// What a publication is made on: whatever is in force (the command line importing a
/// folder), or the publication the editor started from, refused if another came since.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PublishBase {
    Current,
    Expect(Option<i64>),
    /// A draft begun from publication `base`: refused as `Expect(base)` is, and the
    /// draft is gone once published.
    Draft {
        id: i64,
        base: Option<i64>,
    },
}

async fn newest(db: &impl ConnectionTrait) -> Result<Option<Publication>, StoreError> {
    Ok(definition_publications::Entity::find()
        .order_by_desc(definition_publications::Column::Id)
        .one(db)
        .await?
        .map(Publication::from))
}

impl Store {
    /// The publication in force, if any was ever made.
    pub async fn active_publication(&self) -> Result<Option<Publication>, StoreError> {
        newest(self.db()).await
    }

    /// The id of the publication in force: what a server polls to see a new one.
    pub async fn active_publication_id(&self) -> Result<Option<i64>, StoreError> {
        Ok(definition_publications::Entity::find()
            .select_only()
            .column(definition_publications::Column::Id)
            .order_by_desc(definition_publications::Column::Id)
            .into_tuple::<i64>()
            .one(self.db())
            .await?)
    }

    /// Every publication, newest first.
    pub async fn publications(&self) -> Result<Vec<Publication>, StoreError> {
        Ok(definition_publications::Entity::find()
            .order_by_desc(definition_publications::Column::Id)
            .all(self.db())
            .await?
            .into_iter()
            .map(Publication::from)
            .collect())
    }

    /// A version's files, if there is such a version.
    pub async fn definition_version(&self, version: i64) -> Result<Option<StoredDefinitions>, StoreError> {
        let Some(row) = definition_versions::Entity::find_by_id(version).one(self.db()).await? else {
            return Ok(None);
        };
        let files: BTreeMap<String, String> = serde_json::from_str(&row.files)
            .map_err(|e| StoreError::Corrupt(format!("definition version {version}: its files: {e}")))?;
        Ok(Some(StoredDefinitions {
            version: row.id,
            digest: row.digest,
            files,
            created_at: row.created_at,
            created_by: row.created_by,
        }))
    }
}

impl Store {
    /// Begins a draft from `files`, the version `base` put in force.
    pub async fn create_draft(
        &self,
        base: Option<i64>,
        files: &BTreeMap<String, String>,
        actor: &str,
    ) -> Result<Draft, StoreError> {
        let at = now();
        let model = definition_drafts::ActiveModel {
            id: ActiveValue::NotSet,
            base_id: ActiveValue::Set(base),
            files: ActiveValue::Set(files_json(files)?),
            created_by: ActiveValue::Set(actor.to_owned()),
            created_at: ActiveValue::Set(at.clone()),
            updated_by: ActiveValue::Set(actor.to_owned()),
            updated_at: ActiveValue::Set(at),
        };
        let txn = self.begin_write().await?;
        let draft = Draft::try_from(
            definition_drafts::Entity::insert(model)
                .exec_with_returning(&txn)
                .await?,
        )?;
        let key = draft.id.to_string();
        Store::audit(
            &txn,
            vec![audit_entry(actor, "create", "definitions_draft", key, None, None)],
        )
        .await?;
        txn.commit().await?;
        Ok(draft)
    }

    /// Saves `files` as the draft's text, audited with a summary of what changed.
    pub async fn save_draft(
        &self,
        id: i64,
        files: &BTreeMap<String, String>,
        actor: &str,
        summary: &str,
    ) -> Result<Draft, StoreError> {
        let txn = self.begin_write().await?;
        let found = definition_drafts::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .ok_or_else(|| StoreError::Unsupported(format!("there is no definitions draft {id}")))?;
        let mut model: definition_drafts::ActiveModel = found.into();
        model.files = ActiveValue::Set(files_json(files)?);
        model.updated_by = ActiveValue::Set(actor.to_owned());
        model.updated_at = ActiveValue::Set(now());
        let draft = Draft::try_from(sea_orm::ActiveModelTrait::update(model, &txn).await?)?;
        Store::audit(
            &txn,
            vec![audit_entry(
                actor,
                "save",
                "definitions_draft",
                id.to_string(),
                None,
                Some(summary.to_owned()),
            )],
        )
        .await?;
        txn.commit().await?;
        Ok(draft)
    }

    pub async fn draft(&self, id: i64) -> Result<Option<Draft>, StoreError> {
        definition_drafts::Entity::find_by_id(id)
            .one(self.db())
            .await?
            .map(Draft::try_from)
            .transpose()
    }

    /// Every draft, the latest edited first.
    pub async fn drafts(&self) -> Result<Vec<Draft>, StoreError> {
        definition_drafts::Entity::find()
            .order_by_desc(definition_drafts::Column::UpdatedAt)
            .all(self.db())
            .await?
            .into_iter()
            .map(Draft::try_from)
            .collect()
    }

    /// Throws a draft away, audited.
    pub async fn discard_draft(&self, id: i64, actor: &str) -> Result<(), StoreError> {
        let txn = self.begin_write().await?;
        definition_drafts::Entity::delete_by_id(id).exec(&txn).await?;
        Store::audit(
            &txn,
            vec![audit_entry(
                actor,
                "discard",
                "definitions_draft",
                id.to_string(),
                None,
                None,
            )],
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }
}

fn files_json(files: &BTreeMap<String, String>) -> Result<String, StoreError> {
    serde_json::to_string(files).map_err(|e| StoreError::Corrupt(e.to_string()))
}

impl Writer {
    /// The publication in force, read through this write.
    pub async fn active_publication(&self) -> Result<Option<Publication>, StoreError> {
        newest(self.txn()).await
    }

    /// Puts `files` in force: the version with this digest (made if new), published by
    /// `actor`, audited. Refused with `StoreError::PublishConflict` when `base` expects
    /// another publication than the one in force. Takes effect at `commit`.
    pub async fn publish_definitions(
        &self,
        digest: &str,
        files: &BTreeMap<String, String>,
        actor: &str,
        comment: &str,
        base: PublishBase,
    ) -> Result<Publication, StoreError> {
        let txn = self.txn();
        let active = newest(txn).await?;
        let active_id = active.as_ref().map(|p| p.id);
        if let PublishBase::Expect(expected) | PublishBase::Draft { base: expected, .. } = base
            && expected != active_id
        {
            return Err(StoreError::PublishConflict {
                base: expected,
                active: active_id,
            });
        }
        let version = version_of(txn, digest, files, actor).await?;
        let model = definition_publications::ActiveModel {
            id: ActiveValue::NotSet,
            version_id: ActiveValue::Set(version),
            published_at: ActiveValue::Set(now()),
            published_by: ActiveValue::Set(actor.to_owned()),
            comment: ActiveValue::Set(comment.to_owned()),
            base_id: ActiveValue::Set(active_id),
        };
        let publication = Publication::from(
            definition_publications::Entity::insert(model)
                .exec_with_returning(txn)
                .await?,
        );
        if let PublishBase::Draft { id, .. } = base {
            // A published draft is done with; its text lives on as the version.
            definition_drafts::Entity::delete_by_id(id).exec(txn).await?;
        }
        // What changed, file by file, beside who and why: the full diff is one
        // `definitions diff` away, since every version is kept.
        let mut touched = Vec::new();
        if let Some(previous) = &active {
            let old_files: BTreeMap<String, String> = match definition_versions::Entity::find_by_id(previous.version)
                .one(txn)
                .await?
            {
                Some(row) => serde_json::from_str(&row.files).unwrap_or_default(),
                None => BTreeMap::new(),
            };
            for name in old_files
                .keys()
                .chain(files.keys())
                .collect::<std::collections::BTreeSet<_>>()
            {
                match (old_files.get(name), files.get(name)) {
                    (Some(a), Some(b)) if a == b => {}
                    (Some(_), Some(_)) => touched.push(format!("{name} changed")),
                    (None, _) => touched.push(format!("{name} added")),
                    (_, None) => touched.push(format!("{name} removed")),
                }
            }
        }
        let before = active.map(|p| format!("version {}", p.version));
        let files_changed = if touched.is_empty() {
            String::new()
        } else {
            format!(" ({})", touched.join(", "))
        };
        Store::audit(
            txn,
            vec![audit_entry(
                actor,
                "publish",
                "definitions",
                publication.id.to_string(),
                before,
                Some(format!("version {version}: {comment}{files_changed}")),
            )],
        )
        .await?;
        Ok(publication)
    }
}

/// The id of the version holding `files` (by digest), stored now if it is new.
pub(crate) async fn version_of(
    db: &impl ConnectionTrait,
    digest: &str,
    files: &BTreeMap<String, String>,
    actor: &str,
) -> Result<i64, StoreError> {
    if let Some(found) = definition_versions::Entity::find()
        .filter(definition_versions::Column::Digest.eq(digest))
        .one(db)
        .await?
    {
        return Ok(found.id);
    }
    let files = serde_json::to_string(files).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let model = definition_versions::ActiveModel {
        id: ActiveValue::NotSet,
        digest: ActiveValue::Set(digest.to_owned()),
        files: ActiveValue::Set(files),
        created_at: ActiveValue::Set(now()),
        created_by: ActiveValue::Set(actor.to_owned()),
    };
    Ok(definition_versions::Entity::insert(model)
        .exec(db)
        .await?
        .last_insert_id)
}
