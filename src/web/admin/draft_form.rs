//! The form of a draft's common changes: tier weights, each KPI's weight and targets
//! in its role, formulas, grade bands and bonus coefficients. Each input is named by
//! the value's path and shows what the draft's YAML holds; weights that must add up to
//! 100 carry their group, so the page shows the sum (and a script keeps it running).

use crate::definitions::edit::{CardChange, Edit, Located, SEPARATOR, ValueKind};
use crate::kpi::definition::{DefinitionFile, ScoringDef};
use std::collections::{BTreeMap, HashMap};

/// One number a form may change.
#[derive(Debug)]
pub struct NumberField {
    pub path: String,
    pub label: String,
    pub value: String,
}

#[derive(Debug)]
pub struct KpiFields {
    pub key: String,
    pub name: String,
    pub weight: NumberField,
    pub targets: Vec<NumberField>,
}

#[derive(Debug)]
pub struct TierFields {
    pub tier: &'static str,
    /// The group its KPIs' weights add up in.
    pub group: String,
    pub weight: NumberField,
    pub kpis: Vec<KpiFields>,
    pub sum: String,
    /// KPIs of the catalogue for this tier that the role does not have yet: id, name.
    pub addable: Vec<(String, String)>,
}

#[derive(Debug)]
pub struct RoleFields {
    pub key: String,
    pub name: String,
    pub group: String,
    pub tiers: Vec<TierFields>,
    pub tier_sum: String,
}

#[derive(Debug)]
pub struct FormulaField {
    pub key: String,
    pub name: String,
    pub path: String,
    pub value: String,
    /// The numbers of its scoring rule: floor and cap, the levels' points, each band's
    /// lower bound and points.
    pub scoring: Vec<NumberField>,
}

#[derive(Debug)]
pub struct ScaleFields {
    pub key: String,
    /// Grade, its lowest total, its bonus coefficient.
    pub grades: Vec<(String, NumberField, NumberField)>,
}

#[derive(Debug, Default)]
pub struct DraftForm {
    pub roles: Vec<RoleFields>,
    pub formulas: Vec<FormulaField>,
    pub scales: Vec<ScaleFields>,
}

fn path(keys: &[&str]) -> String {
    keys.join(&SEPARATOR.to_string())
}

fn number(located: &Located, keys: &[&str], label: &str) -> Option<NumberField> {
    let path = path(keys);
    located.value(&path).map(|value| NumberField {
        path,
        label: label.to_owned(),
        value,
    })
}

/// The numbers of a KPI's scoring rule that the YAML writes, whichever rule it is.
fn scoring_fields(located: &Located, key: &str, scoring: &ScoringDef) -> Vec<NumberField> {
    let at = |rule: &str, field: &str, label: &str| number(located, &["kpis", key, "scoring", rule, field], label);
    match scoring {
        ScoringDef::Linear { .. } => [at("linear", "floor", "0 below"), at("linear", "cap", "at most")]
            .into_iter()
            .flatten()
            .collect(),
        ScoringDef::Levels { .. } => [
            at("levels", "threshold_points", "points at the threshold"),
            at("levels", "stretch_points", "points at the stretch"),
        ]
        .into_iter()
        .flatten()
        .collect(),
        ScoringDef::PassFail { .. } => at("pass_fail", "points", "points when met").into_iter().collect(),
        ScoringDef::Bands { steps, .. } => (0..steps.len())
            .flat_map(|i| {
                let step = i.to_string();
                let band = |field: &str, label: String| {
                    number(
                        located,
                        &["kpis", key, "scoring", "bands", "steps", &step, field],
                        &label,
                    )
                };
                [
                    band("from", format!("band {} from", i + 1)),
                    band("points", format!("band {} points", i + 1)),
                ]
            })
            .flatten()
            .collect(),
    }
}

fn sum(fields: impl Iterator<Item = String>) -> String {
    let total: f64 = fields.filter_map(|v| v.parse::<f64>().ok()).sum();
    format!("{total}")
}

impl DraftForm {
    /// The fields of every file of the draft that reads as definitions (problems across
    /// files, such as a sum off 100, leave the form in place to fix them), valued as
    /// `located` writes them.
    pub fn of(files: &BTreeMap<String, String>, located: &Located) -> DraftForm {
        let mut form = DraftForm::default();
        let read: Vec<DefinitionFile> = files.values().filter_map(|text| DefinitionFile::read(text)).collect();
        // Every KPI of the catalogue with its tier and name.
        let catalogue: Vec<(String, crate::kpi::definition::Tier, String)> = read
            .iter()
            .flat_map(|f| f.kpis.iter().map(|(key, k)| (key.clone(), k.tier, k.name.en.clone())))
            .collect();
        for file in &read {
            for (key, role) in &file.roles {
                let tiers: Vec<TierFields> = role
                    .tiers
                    .iter()
                    .filter_map(|(tier, def)| {
                        let t = tier.as_str();
                        let weight = number(located, &["roles", key, "tiers", t, "weight"], "weight")?;
                        let kpis: Vec<KpiFields> = def
                            .kpis
                            .keys()
                            .filter_map(|kpi| {
                                let at = ["roles", key.as_str(), "tiers", t, "kpis", kpi.as_str()];
                                let weight = number(located, &[&at[..], &["weight"]].concat(), "weight")?;
                                let targets = match number(located, &[&at[..], &["target"]].concat(), "target") {
                                    Some(target) => vec![target],
                                    None => ["threshold", "target", "stretch"]
                                        .into_iter()
                                        .filter_map(|level| {
                                            number(located, &[&at[..], &["target", level]].concat(), level)
                                        })
                                        .collect(),
                                };
                                Some(KpiFields {
                                    key: kpi.clone(),
                                    name: catalogue
                                        .iter()
                                        .find(|(k, _, _)| k == kpi)
                                        .map_or_else(|| kpi.clone(), |(_, _, name)| name.clone()),
                                    weight,
                                    targets,
                                })
                            })
                            .collect();
                        let addable = catalogue
                            .iter()
                            .filter(|(k, kpi_tier, _)| kpi_tier == tier && !def.kpis.contains_key(k))
                            .map(|(k, _, name)| (k.clone(), name.clone()))
                            .collect();
                        Some(TierFields {
                            tier: t,
                            group: format!("{key}-{t}"),
                            sum: sum(kpis.iter().map(|k| k.weight.value.clone())),
                            weight,
                            kpis,
                            addable,
                        })
                    })
                    .collect();
                form.roles.push(RoleFields {
                    key: key.clone(),
                    name: role.name.en.clone(),
                    group: format!("{key}-tiers"),
                    tier_sum: sum(tiers.iter().map(|t| t.weight.value.clone())),
                    tiers,
                });
            }
            for (key, kpi) in &file.kpis {
                let path = path(&["kpis", key, "formula"]);
                if let Some(value) = located.value(&path) {
                    form.formulas.push(FormulaField {
                        key: key.clone(),
                        name: kpi.name.en.clone(),
                        path,
                        value,
                        scoring: scoring_fields(located, key, &kpi.scoring),
                    });
                }
            }
            for (key, scale) in &file.grade_scales {
                let grades = scale
                    .grades
                    .iter()
                    .enumerate()
                    .filter_map(|(i, g)| {
                        let i = i.to_string();
                        let at = ["grade_scales", key.as_str(), "grades", i.as_str()];
                        let min = number(located, &[&at[..], &["min"]].concat(), "from total")?;
                        let coefficient = number(
                            located,
                            &[&at[..], &["bonus_coefficient"]].concat(),
                            "bonus coefficient",
                        )?;
                        Some((g.grade.clone(), min, coefficient))
                    })
                    .collect();
                form.scales.push(ScaleFields {
                    key: key.clone(),
                    grades,
                });
            }
        }
        form
    }
}

/// The KPIs a submitted form takes off a tier (`remove/<role>/<tier>/<kpi>`) or puts
/// on it (`add/<role>/<tier>/kpi`, with `…/weight` and `…/target`).
pub fn card_changes(fields: &HashMap<String, String>) -> Vec<CardChange> {
    let mut changes: Vec<CardChange> = Vec::new();
    for (name, value) in fields {
        let parts: Vec<&str> = name.split(SEPARATOR).collect();
        match parts.as_slice() {
            ["remove", role, tier, kpi] if !value.is_empty() => changes.push(CardChange::Remove {
                role: (*role).to_owned(),
                tier: (*tier).to_owned(),
                kpi: (*kpi).to_owned(),
            }),
            ["add", role, tier, "kpi"] if !value.trim().is_empty() => {
                let other = |what: &str| {
                    fields
                        .get(&format!("add{SEPARATOR}{role}{SEPARATOR}{tier}{SEPARATOR}{what}"))
                        .cloned()
                        .unwrap_or_default()
                };
                changes.push(CardChange::Add {
                    role: (*role).to_owned(),
                    tier: (*tier).to_owned(),
                    kpi: value.trim().to_owned(),
                    weight: other("weight"),
                    target: other("target"),
                });
            }
            _ => {}
        }
    }
    // Taken off before put on, each in a stable order.
    changes.sort_by_key(|c| match c {
        CardChange::Remove { role, tier, kpi } => (0, role.clone(), tier.clone(), kpi.clone()),
        CardChange::Add { role, tier, kpi, .. } => (1, role.clone(), tier.clone(), kpi.clone()),
    });
    changes
}

/// The edits a submitted form asks for: `n/<path>` fields are numbers, `t/<path>` text.
pub fn edits(fields: &HashMap<String, String>) -> Vec<Edit> {
    let mut edits: Vec<Edit> = fields
        .iter()
        .filter_map(|(name, value)| {
            let (kind, path) = match name.split_once(SEPARATOR)? {
                ("n", path) => (ValueKind::Number, path),
                ("t", path) => (ValueKind::Text, path),
                _ => return None,
            };
            Some(Edit {
                path: path.to_owned(),
                value: value.clone(),
                kind,
            })
        })
        .collect();
    // The same order every time, so problems and the audit summary read the same.
    edits.sort_by(|a, b| a.path.cmp(&b.path));
    edits
}
