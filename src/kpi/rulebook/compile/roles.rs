//! Checks of roles: tiers and weights, the KPIs on the card and their targets,
//! adjustments and gates; and what a card must evaluate.

use super::{At, Compiler};
use crate::kpi::definition::{BandBasis, Direction, GateAction, KpiDef, RoleDef, ScoringDef, TargetDef};
use crate::kpi::formula::FormulaKind;
use crate::kpi::rulebook::nearest;
use crate::kpi::rulebook::problem::Problem;
use crate::kpi::rulebook::{
    Adjustment, DEFAULT_ATTENTION_AFTER, DEFAULT_MIN_SCORED_WEIGHT, Gate, GateEffect, GradeScale, Kpi, KpiId, Reads,
    Role, RoleKpi, RoleTier, Slot, Target,
};
use std::collections::{BTreeSet, HashMap, HashSet};

/// Weights are percentages typed by people; allow for float rounding only.
const WEIGHT_TOLERANCE: f64 = 1e-6;
/// The longest run of months the attention list waits for: two years.
const MAX_ATTENTION_AFTER: u32 = 24;

/// What checking a role needs to know of the rest of the rulebook.
pub(super) struct RoleContext<'r> {
    pub(super) kpis: &'r [Kpi],
    pub(super) kpi_defs: HashMap<&'r str, &'r KpiDef>,
    pub(super) by_key: &'r HashMap<String, Slot>,
    pub(super) known: &'r [&'r str],
    pub(super) metric_count: usize,
    pub(super) scales: &'r HashMap<&'r str, GradeScale>,
    pub(super) scale_keys: &'r [&'r str],
    pub(super) rating_scales: &'r HashMap<&'r str, Option<crate::kpi::qualitative::RatingScale>>,
}

impl Compiler<'_> {
    pub(super) fn role(&mut self, at: At, def: &RoleDef, cx: &mut RoleContext) -> Option<Role> {
        let before = self.errors.len();
        let role_key = at.key.to_owned();
        let scale = cx.scales.get(def.grade_scale.as_str()).cloned();
        if scale.is_none() && !cx.scale_keys.contains(&def.grade_scale.as_str()) {
            let position = self.value_at(at, &["grade_scale"]);
            let suggestion = nearest(&def.grade_scale, cx.scale_keys.iter().copied());
            self.report(
                at.file,
                position,
                Problem::UnknownGradeScale {
                    role: role_key.clone(),
                    scale: def.grade_scale.clone(),
                    suggestion,
                },
            );
        }
        if def.tiers.is_empty() {
            let position = self.value_at(at, &["tiers"]);
            self.report(at.file, position, Problem::EmptyCard { role: role_key.clone() });
        }
        let tier_sum: f64 = def.tiers.values().map(|t| t.weight).sum();
        if !def.tiers.is_empty() && (tier_sum - 100.0).abs() > WEIGHT_TOLERANCE {
            let position = self.value_at(at, &["tiers"]);
            self.report(
                at.file,
                position,
                Problem::WeightsNot100 {
                    what: format!("the tier weights of role `{role_key}`"),
                    sum: tier_sum,
                },
            );
        }

        let mut tiers = Vec::new();
        let mut on_card = HashSet::new();
        for (tier, tier_def) in &def.tiers {
            let tier_name = tier.as_str();
            if !(tier_def.weight.is_finite() && tier_def.weight >= 0.0) {
                let position = self.value_at(at, &["tiers", tier_name, "weight"]);
                self.report(
                    at.file,
                    position,
                    Problem::Negative {
                        what: format!("the weight of the {tier_name} tier of role `{role_key}`"),
                        value: tier_def.weight,
                    },
                );
            }
            if tier_def.kpis.is_empty() {
                let position = self.value_at(at, &["tiers", tier_name, "kpis"]);
                self.report(
                    at.file,
                    position,
                    Problem::Empty {
                        what: format!("the {tier_name} tier of role `{role_key}`"),
                    },
                );
                continue;
            }
            let kpi_sum: f64 = tier_def.kpis.values().map(|k| k.weight).sum();
            if (kpi_sum - 100.0).abs() > WEIGHT_TOLERANCE {
                let position = self.value_at(at, &["tiers", tier_name, "kpis"]);
                self.report(
                    at.file,
                    position,
                    Problem::WeightsNot100 {
                        what: format!("the KPI weights of the {tier_name} tier of role `{role_key}`"),
                        sum: kpi_sum,
                    },
                );
            }
            let mut role_kpis = Vec::new();
            for (kpi_key, entry) in &tier_def.kpis {
                let path = ["tiers", tier_name, "kpis", kpi_key.as_str()];
                let Some(kpi_def) = cx.kpi_defs.get(kpi_key.as_str()).copied() else {
                    if self.all_files_read {
                        let position = self.key_at(at, &path);
                        let suggestion = nearest(kpi_key, cx.kpi_defs.keys().copied());
                        self.report(
                            at.file,
                            position,
                            Problem::UnknownKpi {
                                role: role_key.clone(),
                                kpi: kpi_key.clone(),
                                suggestion,
                            },
                        );
                    }
                    continue;
                };
                if !on_card.insert(kpi_key.as_str()) {
                    let position = self.key_at(at, &path);
                    self.report(
                        at.file,
                        position,
                        Problem::KpiTwiceOnCard {
                            role: role_key.clone(),
                            kpi: kpi_key.clone(),
                        },
                    );
                }
                if kpi_def.tier != *tier {
                    let position = self.key_at(at, &path);
                    self.report(
                        at.file,
                        position,
                        Problem::WrongTier {
                            role: role_key.clone(),
                            kpi: kpi_key.clone(),
                            actual: kpi_def.tier.as_str(),
                            placed: tier_name,
                        },
                    );
                }
                if !(entry.weight.is_finite() && entry.weight >= 0.0) {
                    let position = self.value_at(at, &[&path[..], &["weight"]].concat());
                    self.report(
                        at.file,
                        position,
                        Problem::Negative {
                            what: format!("the weight of KPI `{kpi_key}` in role `{role_key}`"),
                            value: entry.weight,
                        },
                    );
                }
                let target = target_of(entry.target);
                let what = format!("the target of KPI `{kpi_key}` in role `{role_key}`");
                if let Err(detail) = check_target(kpi_def.direction, &kpi_def.scoring, &target) {
                    let position = self.value_at(at, &[&path[..], &["target"]].concat());
                    self.report(at.file, position, Problem::Invalid { what, detail });
                }
                if let Some(months) = entry.attention_after.filter(|m| !(1..=MAX_ATTENTION_AFTER).contains(m)) {
                    let position = self.value_at(at, &[&path[..], &["attention_after"]].concat());
                    let what = format!("`attention_after` of KPI `{kpi_key}` in role `{role_key}`");
                    let detail = format!("{months} is not a number of months from 1 to {MAX_ATTENTION_AFTER}");
                    self.report(at.file, position, Problem::Invalid { what, detail });
                }
                if let Some(Slot::Kpi(kpi)) = cx.by_key.get(kpi_key.as_str()) {
                    role_kpis.push(RoleKpi {
                        kpi: *kpi,
                        weight: entry.weight,
                        target,
                        attention_after: entry.attention_after,
                    });
                }
            }
            tiers.push(RoleTier {
                tier: *tier,
                weight: tier_def.weight,
                kpis: role_kpis,
            });
        }

        let slot_of = |name: &str| {
            cx.by_key.get(name).map(|slot| match slot {
                Slot::Metric(m) => m.index(),
                Slot::Kpi(k) => cx.metric_count + k.index(),
            })
        };
        let mut adjustments = Vec::new();
        let mut adjustment_ids = HashSet::new();
        for (i, adjustment) in def.adjustments.iter().enumerate() {
            let index = i.to_string();
            let what = format!("adjustment `{}` of role `{role_key}`", adjustment.id);
            if let Err(error) = crate::kpi::id::check(&adjustment.id) {
                let position = self.value_at(at, &["adjustments", &index, "id"]);
                self.report(
                    at.file,
                    position,
                    Problem::BadId {
                        what: "adjustment",
                        error,
                    },
                );
            }
            if !adjustment_ids.insert(adjustment.id.as_str()) {
                let position = self.value_at(at, &["adjustments", &index, "id"]);
                self.report(
                    at.file,
                    position,
                    Problem::DuplicateId {
                        id: adjustment.id.clone(),
                        first: format!("role `{role_key}`"),
                    },
                );
            }
            for (field, value) in [
                ("points_each", adjustment.points_each),
                ("max_points", adjustment.max_points),
            ] {
                if !(value.is_finite() && value >= 0.0) {
                    let position = self.value_at(at, &["adjustments", &index, field]);
                    self.report(
                        at.file,
                        position,
                        Problem::Negative {
                            what: format!("`{field}` of {what}"),
                            value,
                        },
                    );
                }
            }
            let Some(per) = self.parse_formula(
                at,
                &["adjustments", &index, "per"],
                &adjustment.per,
                FormulaKind::Number,
                &format!("`per` of {what}"),
                cx.known,
            ) else {
                continue;
            };
            if let Ok(compiled) = per.compile(slot_of) {
                adjustments.push(Adjustment {
                    key: adjustment.id.clone(),
                    name: adjustment.name.clone(),
                    kind: adjustment.kind,
                    per,
                    reads: Reads::of(&compiled, cx.metric_count, cx.kpis),
                    compiled,
                    points_each: adjustment.points_each,
                    max_points: adjustment.max_points,
                });
            }
        }

        let mut gates = Vec::new();
        for (i, gate) in def.gates.iter().enumerate() {
            let index = i.to_string();
            let what = format!("condition of gate `{}` in role `{role_key}`", gate.id);
            if let Err(error) = crate::kpi::id::check(&gate.id) {
                let position = self.value_at(at, &["gates", &index, "id"]);
                self.report(at.file, position, Problem::BadId { what: "gate", error });
            }
            let effect = match &gate.then {
                GateAction::ZeroTotal => Some(GateEffect::ZeroTotal),
                GateAction::ZeroTier(tier) => {
                    if !def.tiers.contains_key(tier) {
                        let position = self.value_at(at, &["gates", &index, "then"]);
                        self.report(
                            at.file,
                            position,
                            Problem::TierNotOnCard {
                                role: role_key.clone(),
                                gate: gate.id.clone(),
                                tier: tier.as_str(),
                            },
                        );
                    }
                    Some(GateEffect::ZeroTier(*tier))
                }
                GateAction::CapGrade(grade) => match &scale {
                    Some(scale) => match scale.rank_of(grade) {
                        Some(rank) => Some(GateEffect::CapGrade(rank)),
                        None => {
                            let position = self.value_at(at, &["gates", &index, "then"]);
                            let known = scale
                                .grades
                                .iter()
                                .map(|g| g.grade.as_str())
                                .collect::<Vec<_>>()
                                .join(", ");
                            self.report(
                                at.file,
                                position,
                                Problem::UnknownGrade {
                                    gate: gate.id.clone(),
                                    grade: grade.clone(),
                                    scale: scale.key.clone(),
                                    known,
                                },
                            );
                            None
                        }
                    },
                    None => None,
                },
            };
            let when = self.parse_formula(
                at,
                &["gates", &index, "when"],
                &gate.when,
                FormulaKind::Condition,
                &what,
                cx.known,
            );
            if let (Some(when), Some(effect)) = (when, effect)
                && let Ok(compiled) = when.compile(slot_of)
            {
                gates.push(Gate {
                    key: gate.id.clone(),
                    name: gate.name.clone(),
                    when,
                    reads: Reads::of(&compiled, cx.metric_count, cx.kpis),
                    compiled,
                    action: effect,
                });
            }
        }

        if let Some(months) = def.attention_after.filter(|m| !(1..=MAX_ATTENTION_AFTER).contains(m)) {
            let position = self.value_at(at, &["attention_after"]);
            let what = format!("`attention_after` of role `{role_key}`");
            let detail = format!("{months} is not a number of months from 1 to {MAX_ATTENTION_AFTER}");
            self.report(at.file, position, Problem::Invalid { what, detail });
        }
        let qualitative = def
            .qualitative
            .as_ref()
            .and_then(|q| self.qualitative(at, q, cx.rating_scales));
        let scale = scale?;
        if self.errors.len() != before {
            return None;
        }
        let kpis_to_evaluate = evaluation_closure(cx, &tiers, &adjustments, &gates);
        let min_scored_weight = self.percent(
            at,
            "min_scored_weight",
            def.min_scored_weight,
            DEFAULT_MIN_SCORED_WEIGHT,
        );
        Some(Role {
            key: role_key,
            name: def.name.clone(),
            description: def.description.clone(),
            scored_on: def.scored_on,
            grade_scale: scale,
            min_scored_weight,
            tiers,
            adjustments,
            gates,
            kpis_to_evaluate,
            qualitative,
            attention_after: def.attention_after.unwrap_or(DEFAULT_ATTENTION_AFTER),
        })
    }
}

/// The card's KPIs and every KPI they, the adjustments and the gates read, in dependency order.
fn evaluation_closure(cx: &RoleContext, tiers: &[RoleTier], adjustments: &[Adjustment], gates: &[Gate]) -> Vec<KpiId> {
    let kpi_of_slot = |slot: usize| slot.checked_sub(cx.metric_count).map(|k| KpiId(k as u32));
    let mut needed: BTreeSet<KpiId> = BTreeSet::new();
    let mut todo: Vec<KpiId> = tiers.iter().flat_map(|t| t.kpis.iter().map(|k| k.kpi)).collect();
    let formula_slots = adjustments
        .iter()
        .map(|a| &a.compiled)
        .chain(gates.iter().map(|g| &g.compiled));
    todo.extend(formula_slots.flat_map(|f| f.slots().iter().copied().filter_map(kpi_of_slot)));
    while let Some(kpi) = todo.pop() {
        if needed.insert(kpi) {
            todo.extend(
                cx.kpis[kpi.index()]
                    .compiled
                    .slots()
                    .iter()
                    .copied()
                    .filter_map(kpi_of_slot),
            );
        }
    }
    // KPIs are stored in dependency order, so ascending ids are an evaluation order.
    needed.into_iter().collect()
}

fn target_of(def: TargetDef) -> Target {
    match def {
        TargetDef::Value(target) => Target {
            target,
            threshold: None,
            stretch: None,
        },
        TargetDef::Levels(l) => Target {
            target: l.target,
            threshold: Some(l.threshold),
            stretch: Some(l.stretch),
        },
    }
}

/// Whether a target suits a KPI's direction and scoring rule; the reason if not.
/// Role defaults are checked here at load time, and targets files with the same rule.
pub fn check_target(direction: Direction, scoring: &ScoringDef, target: &Target) -> Result<(), String> {
    let numbers = [Some(target.target), target.threshold, target.stretch];
    if numbers.iter().flatten().any(|n| !n.is_finite()) {
        return Err("targets must be finite numbers".into());
    }
    let uses_achievement = matches!(
        scoring,
        ScoringDef::Linear { .. }
            | ScoringDef::Bands {
                of: BandBasis::Achievement,
                ..
            }
    );
    if uses_achievement && target.target == 0.0 {
        return Err(
            "a target of 0 leaves achievement undefined; score this KPI with bands on its value or pass/fail".into(),
        );
    }
    if let ScoringDef::Levels { .. } = scoring {
        let (Some(threshold), Some(stretch)) = (target.threshold, target.stretch) else {
            return Err("the `levels` rule needs `{ threshold, target, stretch }`".into());
        };
        let ordered = match direction {
            Direction::Lower => threshold > target.target && target.target > stretch,
            _ => threshold < target.target && target.target < stretch,
        };
        if !ordered {
            let order = if direction == Direction::Lower {
                "threshold > target > stretch (lower is better)"
            } else {
                "threshold < target < stretch"
            };
            return Err(format!(
                "levels {threshold} / {} / {stretch} must run {order}",
                target.target
            ));
        }
    }
    Ok(())
}
