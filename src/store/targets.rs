//! Targets per role, team or person: imported with an audit entry per change, read
//! back as the core's `TargetBook`.

use super::entity::targets;
use super::metrics::ImportRefused;
use super::organisation::{Changes, json};
use super::periods::finalized_months;
use super::{Store, StoreError, Writer, audit_entry, insert_import};
use sea_orm::{ActiveValue, EntityTrait};
use serde::Serialize;
use std::collections::HashMap;

/// One validated target. `scope` is `role`, `team` or `person`; an empty period means every period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TargetRow {
    #[serde(skip)]
    pub line: u64,
    pub scope: String,
    pub scope_key: String,
    pub kpi: String,
    pub period: String,
    pub target: f64,
    pub threshold: Option<f64>,
    pub stretch: Option<f64>,
}

impl Writer {
    /// Adds or replaces targets. A target that would change a finalized month refuses
    /// the import; one that repeats what such a month holds is merely unchanged.
    pub async fn import_targets(
        &self,
        rows: &[TargetRow],
        source: &str,
        actor: &str,
    ) -> Result<Changes, ImportRefused> {
        let txn = self.txn();
        let finalized = finalized_months(txn, rows.iter().map(|r| r.period.clone())).await?;
        let existing: HashMap<(String, String, String, String), targets::Model> = targets::Entity::find()
            .all(txn)
            .await?
            .into_iter()
            .map(|t| {
                (
                    (t.scope.clone(), t.scope_key.clone(), t.kpi.clone(), t.period.clone()),
                    t,
                )
            })
            .collect();
        let mut changes = Changes::default();
        let mut writes = Vec::new();
        let mut refused = Vec::new();
        for row in rows {
            let key = (
                row.scope.clone(),
                row.scope_key.clone(),
                row.kpi.clone(),
                row.period.clone(),
            );
            let old = existing.get(&key);
            if old.is_some_and(|o| o.target == row.target && o.threshold == row.threshold && o.stretch == row.stretch) {
                changes.unchanged += 1;
            } else if finalized.contains(&row.period) {
                refused.push((row.line, row.period.clone()));
            } else {
                if old.is_some() {
                    changes.changed += 1;
                } else {
                    changes.added += 1;
                }
                writes.push((row, old));
            }
        }
        if !refused.is_empty() {
            return Err(ImportRefused::Finalized(refused));
        }
        if writes.is_empty() {
            return Ok(changes);
        }
        let import_id = insert_import(txn, "targets", source, "", actor, changes).await?;
        let mut audit = Vec::new();
        for (row, old) in writes {
            let model = targets::ActiveModel {
                id: old.map_or(ActiveValue::NotSet, |t| ActiveValue::Unchanged(t.id)),
                scope: ActiveValue::Set(row.scope.clone()),
                scope_key: ActiveValue::Set(row.scope_key.clone()),
                kpi: ActiveValue::Set(row.kpi.clone()),
                period: ActiveValue::Set(row.period.clone()),
                target: ActiveValue::Set(row.target),
                threshold: ActiveValue::Set(row.threshold),
                stretch: ActiveValue::Set(row.stretch),
                import_id: ActiveValue::Set(import_id),
            };
            if old.is_some() {
                targets::Entity::update(model).exec(txn).await?;
            } else {
                targets::Entity::insert(model).exec(txn).await?;
            }
            let old_row = old.map(|t| TargetRow {
                line: 0,
                scope: t.scope.clone(),
                scope_key: t.scope_key.clone(),
                kpi: t.kpi.clone(),
                period: t.period.clone(),
                target: t.target,
                threshold: t.threshold,
                stretch: t.stretch,
            });
            let entity_key = format!("{}:{}/{}/{}", row.scope, row.scope_key, row.kpi, row.period);
            audit.push(audit_entry(
                actor,
                if old.is_some() { "update" } else { "create" },
                "target",
                entity_key,
                old_row.as_ref().map(json),
                Some(json(row)),
            ));
        }
        Store::audit(txn, audit).await?;
        Ok(changes)
    }
}

impl Store {
    /// Every stored target.
    pub async fn list_targets(&self) -> Result<Vec<TargetRow>, StoreError> {
        Ok(targets::Entity::find()
            .all(self.db())
            .await?
            .into_iter()
            .map(|t| TargetRow {
                line: 0,
                scope: t.scope,
                scope_key: t.scope_key,
                kpi: t.kpi,
                period: t.period,
                target: t.target,
                threshold: t.threshold,
                stretch: t.stretch,
            })
            .collect())
    }
}
