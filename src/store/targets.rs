//! Targets per role, team or person: imported with an audit entry per change, read
//! back as the core's `TargetBook`.

use super::entity::{imports, periods, targets};
use super::metrics::ImportRefused;
use super::organisation::{Changes, json};
use super::{Store, StoreError, audit_entry, now};
use sea_orm::{ActiveValue, ColumnTrait, EntityTrait, QueryFilter};
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

impl Store {
    /// Adds or replaces targets in one transaction; a target for a finalized month refuses the import.
    pub async fn import_targets(
        &self,
        rows: &[TargetRow],
        source: &str,
        actor: &str,
    ) -> Result<Changes, ImportRefused> {
        let txn = self.begin_write().await?;
        let finalized: Vec<String> = periods::Entity::find()
            .filter(periods::Column::Status.eq("finalized"))
            .all(&txn)
            .await?
            .into_iter()
            .map(|p| p.month)
            .collect();
        let refused: Vec<(u64, String)> = rows
            .iter()
            .filter(|r| finalized.contains(&r.period))
            .map(|r| (r.line, r.period.clone()))
            .collect();
        if !refused.is_empty() {
            return Err(ImportRefused::Finalized(refused));
        }
        let existing: HashMap<(String, String, String, String), targets::Model> = targets::Entity::find()
            .all(&txn)
            .await?
            .into_iter()
            .map(|t| {
                (
                    (t.scope.clone(), t.scope_key.clone(), t.kpi.clone(), t.period.clone()),
                    t,
                )
            })
            .collect();
        let import_row = imports::ActiveModel {
            id: ActiveValue::NotSet,
            kind: ActiveValue::Set("targets".into()),
            source: ActiveValue::Set(source.to_owned()),
            digest: ActiveValue::Set(String::new()),
            actor: ActiveValue::Set(actor.to_owned()),
            at: ActiveValue::Set(now()),
            added: ActiveValue::Set(0),
            changed: ActiveValue::Set(0),
            unchanged: ActiveValue::Set(0),
        };
        let import_id = imports::Entity::insert(import_row).exec(&txn).await?.last_insert_id;
        let mut changes = Changes::default();
        let mut audit = Vec::new();
        for row in rows {
            let key = (
                row.scope.clone(),
                row.scope_key.clone(),
                row.kpi.clone(),
                row.period.clone(),
            );
            let old = existing.get(&key);
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
            if old_row
                .as_ref()
                .is_some_and(|o| o.target == row.target && o.threshold == row.threshold && o.stretch == row.stretch)
            {
                changes.unchanged += 1;
                continue;
            }
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
                targets::Entity::update(model).exec(&txn).await?;
                changes.changed += 1;
            } else {
                targets::Entity::insert(model).exec(&txn).await?;
                changes.added += 1;
            }
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
        if changes.added + changes.changed == 0 {
            txn.rollback().await?;
            return Ok(changes);
        }
        Store::audit(&txn, audit).await?;
        txn.commit().await?;
        Ok(changes)
    }

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
