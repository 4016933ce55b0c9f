//! Targets files (`subject,period,kpi,target[,threshold,stretch]`) -> validated rows.

use super::suggest;
use super::table::{ImportErrors, Table};
use crate::kpi::organisation::Organisation;
use crate::kpi::period::Period;
use crate::kpi::rulebook::{Rulebook, Target, check_target};
use crate::kpi::targets::{TargetBook, TargetOverride, TargetScope};
use crate::store::TargetRow;

pub const TARGET_COLUMNS: (&[&str], &[&str]) = (&["subject", "period", "kpi", "target"], &["threshold", "stretch"]);

/// Validates every row. The subject is a person, a team (its card and its members')
/// or `role:<id>`; a blank period means every period. Each row must name a KPI on the
/// card it reaches and suit that KPI's scoring rule.
pub fn parse_targets(
    table: &Table,
    rulebook: &Rulebook,
    organisation: &Organisation,
) -> Result<Vec<TargetRow>, ImportErrors> {
    let mut errors = ImportErrors::default();
    let mut rows = Vec::new();
    for row in table.rows() {
        let parsed = (|| {
            let key = row.required("subject")?;
            let (scope, scope_key, role) = if let Some(role_key) = key.strip_prefix("role:") {
                let role = rulebook.find_role(role_key).ok_or_else(|| {
                    let known = rulebook.roles().iter().map(|r| &r.key);
                    row.error(
                        "subject",
                        format!("unknown role `{role_key}`{}", suggest(role_key, known)),
                    )
                })?;
                ("role", role_key, Some(role))
            } else if let Some(p) = organisation.find_person(key) {
                ("person", key, Some(organisation.person(p).role))
            } else if let Some(t) = organisation.find_team(key) {
                ("team", key, crate::kpi::evaluate::team_card(rulebook, organisation, t))
            } else {
                let known = organisation
                    .people()
                    .iter()
                    .map(|p| p.key.as_str())
                    .chain(organisation.teams().iter().map(|t| t.key.as_str()));
                let message = format!(
                    "unknown person or team `{key}`{}; a role is written `role:<id>`",
                    suggest(key, known)
                );
                return Err(row.error("subject", message));
            };
            let period = match row.get("period") {
                "" => String::new(),
                text => text
                    .parse::<Period>()
                    .map_err(|e| row.error("period", e.to_string()))?
                    .to_string(),
            };
            let kpi_key = row.required("kpi")?;
            let kpi = rulebook.find_kpi(kpi_key).ok_or_else(|| {
                let known = rulebook.kpis().iter().map(|k| &k.key);
                row.error("kpi", format!("unknown KPI `{kpi_key}`{}", suggest(kpi_key, known)))
            })?;
            let target = Target {
                target: row.number("target")?,
                threshold: row.optional_number("threshold")?,
                stretch: row.optional_number("stretch")?,
            };
            let entry = role.and_then(|r| rulebook.role(r).card_kpi(kpi).map(|e| (r, e)));
            let Some((role, entry)) = entry else {
                return Err(row.error("kpi", format!("KPI `{kpi_key}` is not on the scorecard of `{key}`")));
            };
            let merged = Target {
                threshold: target.threshold.or(entry.target.threshold),
                stretch: target.stretch.or(entry.target.stretch),
                ..target
            };
            let definition = rulebook.kpi(kpi);
            check_target(definition.direction, &definition.scoring, &merged).map_err(|reason| {
                row.error(
                    "target",
                    format!("{reason} (KPI `{kpi_key}`, role `{}`)", rulebook.role(role).key),
                )
            })?;
            Ok(TargetRow {
                line: row.line,
                scope: scope.to_owned(),
                scope_key: scope_key.to_owned(),
                kpi: kpi_key.to_owned(),
                period,
                target: target.target,
                threshold: target.threshold,
                stretch: target.stretch,
            })
        })();
        match parsed {
            Ok(r) => rows.push(r),
            Err(e) => errors.push(e),
        }
    }
    errors.or(rows)
}

/// Validated rows -> the engine's target book.
pub fn build_target_book(rulebook: &Rulebook, organisation: &Organisation, rows: &[TargetRow]) -> TargetBook {
    let mut book = TargetBook::default();
    for row in rows {
        let scope = match row.scope.as_str() {
            "person" => organisation.find_person(&row.scope_key).map(TargetScope::Person),
            "team" => organisation.find_team(&row.scope_key).map(TargetScope::Team),
            _ => rulebook.find_role(&row.scope_key).map(TargetScope::Role),
        };
        let period = if row.period.is_empty() {
            Some(None)
        } else {
            row.period.parse().ok().map(Some)
        };
        if let (Some(scope), Some(kpi), Some(period)) = (scope, rulebook.find_kpi(&row.kpi), period) {
            let target = Target {
                target: row.target,
                threshold: row.threshold,
                stretch: row.stretch,
            };
            book.insert(TargetOverride {
                scope,
                period,
                kpi,
                target,
            });
        }
    }
    book
}
