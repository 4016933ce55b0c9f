//! One subject's scorecard for one period: KPI values and points, tier scores, the
//! total with bonuses and deductions, the grade, and the gates that fired.
//!
//! Missing data: a KPI with no data or not computable drops out of its tier, and its
//! weight is shared among the tier's scored KPIs in proportion to their weights. A
//! tier with nothing scored gives its weight to the other tiers the same way. The
//! card is then marked incomplete and keeps the reason of every KPI that dropped out,
//! so nobody mistakes a gap in the data for a zero.

use crate::kpi::definition::{AdjustmentKind, Tier};
use crate::kpi::rulebook::{GateEffect, KpiId, Role, RoleId, Rulebook, Slot, Target};
use crate::kpi::scoring;
use serde::{Deserialize, Serialize};

/// What became of one KPI.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum KpiOutcome {
    Scored {
        value: f64,
        /// Percent of target; absent when the target is zero.
        achievement: Option<f64>,
        points: f64,
    },
    /// An input is missing for the period.
    NoData { reason: String },
    /// The inputs are there but the formula has no value (a zero denominator).
    NotComputable { reason: String },
}

impl KpiOutcome {
    pub fn value(&self) -> Option<f64> {
        match self {
            KpiOutcome::Scored { value, .. } => Some(*value),
            _ => None,
        }
    }

    pub fn points(&self) -> Option<f64> {
        match self {
            KpiOutcome::Scored { points, .. } => Some(*points),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct KpiScore {
    pub kpi: KpiId,
    pub tier: Tier,
    pub target: Target,
    /// The weight within its tier, as defined (percent).
    pub weight: f64,
    /// The share of the whole card after redistribution (percent).
    pub effective_weight: f64,
    pub outcome: KpiOutcome,
    /// Points times effective weight: what this KPI adds to the total.
    pub contribution: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TierScore {
    pub tier: Tier,
    pub weight: f64,
    pub effective_weight: f64,
    /// The weighted mean of the tier's scored KPIs; `None` when none could be scored.
    pub score: Option<f64>,
    /// The gate that zeroed the tier, if one did.
    pub zeroed_by: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AdjustmentScore {
    pub key: String,
    pub kind: AdjustmentKind,
    /// What was counted; `None` when its inputs are missing.
    pub quantity: Option<f64>,
    /// Signed: positive for a bonus, negative for a deduction.
    pub points: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GateState {
    Fired,
    Passed,
    /// The condition reads an input that is missing, so it cannot fire.
    NotEvaluated,
}

#[derive(Debug, Clone, PartialEq)]
pub struct GateResult {
    pub key: String,
    pub state: GateState,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Scorecard {
    pub role: RoleId,
    pub kpis: Vec<KpiScore>,
    pub tiers: Vec<TierScore>,
    pub adjustments: Vec<AdjustmentScore>,
    pub gates: Vec<GateResult>,
    /// The sum of contributions, before bonuses and deductions.
    pub weighted_score: f64,
    /// After bonuses, deductions, bounds and gates.
    pub total: f64,
    pub grade: String,
    pub bonus_coefficient: f64,
    /// False when any KPI of the card could not be scored.
    pub complete: bool,
}

/// Reusable per-thread workspace, so scoring a subject allocates only its result.
#[derive(Debug, Default)]
pub struct Workspace {
    slots: Vec<f64>,
}

impl Workspace {
    /// Fills the slots: the subject's inputs, then every KPI the role needs, in
    /// dependency order. A KPI with a missing input or no value holds NaN.
    fn evaluate(&mut self, rulebook: &Rulebook, role: &Role, inputs: &[f64]) -> &[f64] {
        let slots = &mut self.slots;
        slots.clear();
        slots.extend_from_slice(inputs);
        slots.resize(rulebook.slot_count(), f64::NAN);
        let metric_count = rulebook.metrics().len();
        for &kpi in &role.kpis_to_evaluate {
            let compiled = &rulebook.kpi(kpi).compiled;
            let value = if compiled.slots().iter().any(|&s| slots[s].is_nan()) {
                f64::NAN
            } else {
                compiled.evaluate(slots).unwrap_or(f64::NAN)
            };
            slots[metric_count + kpi.index()] = value;
        }
        slots
    }
}

/// Scores one subject with its role. `inputs` holds one value per metric (NaN where
/// missing) for the period; `overrides` are the subject's own targets for the period.
pub fn score_subject(
    rulebook: &Rulebook,
    role_id: RoleId,
    inputs: &[f64],
    overrides: &[(KpiId, Target)],
    workspace: &mut Workspace,
) -> Scorecard {
    let role = rulebook.role(role_id);
    let slots = workspace.evaluate(rulebook, role, inputs);
    let metric_count = rulebook.metrics().len();

    let mut kpis = Vec::with_capacity(role.tiers.iter().map(|t| t.kpis.len()).sum());
    for (tier, entry) in role.card_kpis() {
        let kpi = rulebook.kpi(entry.kpi);
        // An override without its own threshold or stretch keeps the role's.
        let target = overrides
            .iter()
            .find(|(k, _)| *k == entry.kpi)
            .map_or(entry.target, |(_, t)| Target {
                target: t.target,
                threshold: t.threshold.or(entry.target.threshold),
                stretch: t.stretch.or(entry.target.stretch),
            });
        let value = slots[metric_count + entry.kpi.index()];
        let outcome = if value.is_nan() {
            unavailable(rulebook, entry.kpi, slots)
        } else {
            match scoring::points(&kpi.scoring, kpi.direction, value, &target) {
                Ok(points) => KpiOutcome::Scored {
                    value,
                    achievement: scoring::achievement(kpi.direction, value, target.target),
                    points,
                },
                Err(error) => KpiOutcome::NotComputable {
                    reason: error.to_string(),
                },
            }
        };
        kpis.push(KpiScore {
            kpi: entry.kpi,
            tier: tier.tier,
            target,
            weight: entry.weight,
            effective_weight: 0.0,
            outcome,
            contribution: 0.0,
        });
    }

    let gates: Vec<GateResult> = role
        .gates
        .iter()
        .map(|gate| {
            let state = if gate.compiled.slots().iter().any(|&s| slots[s].is_nan()) {
                GateState::NotEvaluated
            } else {
                match gate.compiled.evaluate(slots) {
                    Ok(v) if v != 0.0 => GateState::Fired,
                    Ok(_) => GateState::Passed,
                    Err(_) => GateState::NotEvaluated,
                }
            };
            GateResult {
                key: gate.key.clone(),
                state,
            }
        })
        .collect();

    let adjustments: Vec<AdjustmentScore> = role
        .adjustments
        .iter()
        .map(|adjustment| {
            let quantity = if adjustment.compiled.slots().iter().any(|&s| slots[s].is_nan()) {
                None
            } else {
                adjustment.compiled.evaluate(slots).ok()
            };
            let magnitude = quantity.map_or(0.0, |q| (q * adjustment.points_each).clamp(0.0, adjustment.max_points));
            let points = match adjustment.kind {
                AdjustmentKind::Bonus => magnitude,
                // `0.0 - m` rather than `-m`: no deduction shows as 0, not -0.
                AdjustmentKind::Deduction => 0.0 - magnitude,
            };
            AdjustmentScore {
                key: adjustment.key.clone(),
                kind: adjustment.kind,
                quantity,
                points,
            }
        })
        .collect();

    let fired = |effect: &dyn Fn(GateEffect) -> bool| {
        role.gates
            .iter()
            .zip(&gates)
            .find(|(gate, result)| result.state == GateState::Fired && effect(gate.action))
            .map(|(gate, _)| gate.key.clone())
    };

    let tiers = weigh(role, &mut kpis, &|tier| fired(&|e| e == GateEffect::ZeroTier(tier)));
    let weighted_score: f64 = kpis.iter().map(|k| k.contribution).sum();
    let scale = &role.grade_scale;
    let adjusted = weighted_score + adjustments.iter().map(|a| a.points).sum::<f64>();
    let total = if fired(&|e| e == GateEffect::ZeroTotal).is_some() {
        0.0
    } else {
        adjusted
    };
    let total = total.clamp(scale.total_min, scale.total_max);
    let cap = role
        .gates
        .iter()
        .zip(&gates)
        .filter(|(_, result)| result.state == GateState::Fired)
        .filter_map(|(gate, _)| match gate.action {
            GateEffect::CapGrade(rank) => Some(rank),
            _ => None,
        })
        .max();
    // A larger rank is a worse grade; a cap can only lower the grade.
    let rank = scale.rank_for(total).max(cap.unwrap_or(0));
    let grade = &scale.grades[rank];

    Scorecard {
        role: role_id,
        complete: kpis.iter().all(|k| matches!(k.outcome, KpiOutcome::Scored { .. })),
        kpis,
        tiers,
        adjustments,
        gates,
        weighted_score,
        total,
        grade: grade.grade.clone(),
        bonus_coefficient: grade.bonus_coefficient,
    }
}

/// Tier scores and each KPI's effective weight and contribution, with the weight of
/// anything unscored shared among what was scored.
fn weigh(role: &Role, kpis: &mut [KpiScore], zeroed_by: &dyn Fn(Tier) -> Option<String>) -> Vec<TierScore> {
    let mut tiers: Vec<TierScore> = Vec::with_capacity(role.tiers.len());
    let mut at = 0;
    for tier in &role.tiers {
        let members = &kpis[at..at + tier.kpis.len()];
        at += tier.kpis.len();
        let scored_weight: f64 = members
            .iter()
            .filter(|k| k.outcome.points().is_some())
            .map(|k| k.weight)
            .sum();
        let score = (scored_weight > 0.0).then(|| {
            members
                .iter()
                .filter_map(|k| k.outcome.points().map(|p| p * k.weight))
                .sum::<f64>()
                / scored_weight
        });
        tiers.push(TierScore {
            tier: tier.tier,
            weight: tier.weight,
            effective_weight: 0.0,
            score,
            zeroed_by: zeroed_by(tier.tier),
        });
    }
    let scored_tier_weight: f64 = tiers.iter().filter(|t| t.score.is_some()).map(|t| t.weight).sum();
    let mut at = 0;
    for (tier, definition) in tiers.iter_mut().zip(&role.tiers) {
        let members = &mut kpis[at..at + definition.kpis.len()];
        at += definition.kpis.len();
        if tier.score.is_none() || scored_tier_weight <= 0.0 {
            continue;
        }
        tier.effective_weight = tier.weight / scored_tier_weight * 100.0;
        let scored_weight: f64 = members
            .iter()
            .filter(|k| k.outcome.points().is_some())
            .map(|k| k.weight)
            .sum();
        for kpi in members.iter_mut() {
            if let Some(points) = kpi.outcome.points() {
                kpi.effective_weight = tier.effective_weight * kpi.weight / scored_weight;
                if tier.zeroed_by.is_none() {
                    kpi.contribution = points * kpi.effective_weight / 100.0;
                }
            }
        }
        if tier.zeroed_by.is_some() {
            tier.score = Some(0.0);
        }
    }
    tiers
}

/// Why a KPI has no value: the inputs that are missing, the KPI it depends on that has
/// none, or the error of its formula. Only called off the hot path.
fn unavailable(rulebook: &Rulebook, kpi: KpiId, slots: &[f64]) -> KpiOutcome {
    let compiled = &rulebook.kpi(kpi).compiled;
    let missing: Vec<&str> = compiled
        .slots()
        .iter()
        .filter(|&&s| slots[s].is_nan() && matches!(rulebook.slot_at(s), Slot::Metric(_)))
        .map(|&s| rulebook.slot_key(s))
        .collect();
    if !missing.is_empty() {
        return KpiOutcome::NoData {
            reason: format!("no data for {}", missing.join(", ")),
        };
    }
    if let Some(&s) = compiled.slots().iter().find(|&&s| slots[s].is_nan()) {
        if let Slot::Kpi(dependency) = rulebook.slot_at(s) {
            let key = &rulebook.kpi(dependency).key;
            return match unavailable(rulebook, dependency, slots) {
                KpiOutcome::NoData { reason } => KpiOutcome::NoData {
                    reason: format!("KPI {key}: {reason}"),
                },
                KpiOutcome::NotComputable { reason } => KpiOutcome::NotComputable {
                    reason: format!("KPI {key}: {reason}"),
                },
                KpiOutcome::Scored { .. } => KpiOutcome::NotComputable {
                    reason: format!("KPI {key} has no value"),
                },
            };
        }
    }
    match compiled.evaluate(slots) {
        Err(error) => KpiOutcome::NotComputable {
            reason: error.to_string(),
        },
        Ok(_) => KpiOutcome::NotComputable {
            reason: "the formula has no value".into(),
        },
    }
}

/// One input of a KPI's formula and its value for the subject.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExplainedInput {
    pub name: String,
    /// `None` when missing.
    pub value: Option<f64>,
}

/// A subject's evaluated values (inputs and every KPI its role needs), to explain
/// any number of its card without evaluating again.
#[derive(Debug)]
pub struct Explainer<'w> {
    slots: &'w [f64],
}

impl<'w> Explainer<'w> {
    pub fn new(rulebook: &Rulebook, role: RoleId, inputs: &[f64], workspace: &'w mut Workspace) -> Explainer<'w> {
        Explainer {
            slots: workspace.evaluate(rulebook, rulebook.role(role), inputs),
        }
    }

    /// The inputs a KPI's formula read, for "explain this number".
    pub fn inputs(&self, rulebook: &Rulebook, kpi: KpiId) -> Vec<ExplainedInput> {
        rulebook
            .kpi(kpi)
            .compiled
            .slots()
            .iter()
            .map(|&s| ExplainedInput {
                name: rulebook.slot_key(s).to_owned(),
                value: Some(self.slots[s]).filter(|v| !v.is_nan()),
            })
            .collect()
    }
}
