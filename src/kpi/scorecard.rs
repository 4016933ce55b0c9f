//! One subject's scorecard for one period: KPI values and points, tier scores, the
//! total with bonuses and deductions, the grade, and the gates that fired.
//!
//! Missing data: each KPI reads only the cells where all its inputs are present (see
//! [`crate::kpi::rollup`]); below its `min_coverage` it has no data. A KPI with no
//! data or not computable drops out of its tier, and its weight is shared among the
//! tier's scored KPIs in proportion to their weights. A tier with nothing scored
//! gives its weight to the other tiers the same way. The card is then marked
//! incomplete and keeps the reason of every KPI that dropped out, so nobody mistakes
//! a gap in the data for a zero. A card with nothing scored, or less of its weight
//! than the role's `min_scored_weight`, gets no total, grade or coefficient.

use crate::kpi::columns::KpiColumns;
use crate::kpi::definition::{AdjustmentKind, Tier};
use crate::kpi::organisation::{Organisation, Subject};
use crate::kpi::qualitative::{Rated, Ratings};
use crate::kpi::rollup::{Coverage, PeriodInputs};
use crate::kpi::rulebook::{DEFAULT_MIN_COVERAGE, GateEffect, KpiId, Reads, Role, RoleId, Rulebook, Slot, Target};
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
    /// How many of the period's cells had every input the KPI reads.
    pub coverage: Coverage,
    /// Points times effective weight: what this KPI adds to the total.
    pub contribution: f64,
}

/// A KPI's value before it meets a target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Evaluation {
    Computed {
        value: f64,
    },
    /// Its inputs are missing, or cover too little of the period.
    NoData {
        reason: String,
    },
    /// The inputs are there but the formula has no value (a zero denominator).
    NotComputable {
        reason: String,
    },
}

/// A KPI the card computed without holding it: a dependency of a card KPI, or one a
/// gate or an adjustment reads.
#[derive(Debug, Clone, PartialEq)]
pub struct SupportingKpi {
    pub kpi: KpiId,
    pub evaluation: Evaluation,
    pub coverage: Coverage,
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

/// What a card adds up to. A card with no data, or too little, has no total, no
/// grade and no bonus coefficient: a gap in the data is never a low score.
#[derive(Debug, Clone, PartialEq)]
pub enum CardResult {
    Graded {
        /// After bonuses, deductions, bounds and gates.
        total: f64,
        grade: String,
        bonus_coefficient: f64,
    },
    /// Not one KPI of the card could be scored.
    NoData,
    /// Some KPIs were scored, but less of the card's weight than the role requires.
    TooLittleData { scored_weight: f64, min_scored_weight: f64 },
}

impl CardResult {
    pub fn total(&self) -> Option<f64> {
        match self {
            CardResult::Graded { total, .. } => Some(*total),
            _ => None,
        }
    }

    pub fn grade(&self) -> Option<&str> {
        match self {
            CardResult::Graded { grade, .. } => Some(grade),
            _ => None,
        }
    }

    pub fn bonus_coefficient(&self) -> Option<f64> {
        match self {
            CardResult::Graded { bonus_coefficient, .. } => Some(*bonus_coefficient),
            _ => None,
        }
    }

    /// Why there is no total, in a manager's words.
    pub fn reason(&self) -> Option<String> {
        match self {
            CardResult::Graded { .. } => None,
            CardResult::NoData => Some("no data for this period".into()),
            CardResult::TooLittleData {
                scored_weight,
                min_scored_weight,
            } => Some(format!(
                "too little data: {scored_weight:.0}% of the card's weight could be scored, \
                 at least {min_scored_weight:.0}% is needed for a total"
            )),
        }
    }
}

/// The qualitative part of a card: the manager's rating, weighed beside the tiers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QualitativeScore {
    /// Percent of the total, as defined.
    pub weight: f64,
    /// Percent of the total it counted for: its weight when rated, else 0.
    pub effective_weight: f64,
    #[serde(flatten)]
    pub outcome: QualitativeOutcome,
    /// Points times effective weight: what the rating adds to the total.
    pub contribution: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum QualitativeOutcome {
    Rated {
        ratings: Ratings,
        points: f64,
    },
    /// No rating yet, or one that no longer fits the scale: the tiers carry the card.
    Awaiting {
        reason: String,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Scorecard {
    pub role: RoleId,
    pub kpis: Vec<KpiScore>,
    /// Every other KPI the card computed, in dependency order.
    pub supporting: Vec<SupportingKpi>,
    pub tiers: Vec<TierScore>,
    pub adjustments: Vec<AdjustmentScore>,
    pub gates: Vec<GateResult>,
    /// The manager's rating, when the role's card has a qualitative part.
    pub qualitative: Option<QualitativeScore>,
    /// The sum of contributions (the rating's included), before bonuses and deductions.
    pub weighted_score: f64,
    /// The share (percent) of the card's defined weight whose KPIs were scored.
    pub scored_weight: f64,
    pub result: CardResult,
    /// False when any KPI of the card could not be scored.
    pub complete: bool,
}

/// The cells a card reads: a period's inputs seen from one subject (for a card scored
/// on the team's numbers, the team).
#[derive(Debug, Clone, Copy)]
pub struct SubjectInputs<'a> {
    pub inputs: &'a PeriodInputs,
    pub organisation: &'a Organisation,
    pub subject: Subject,
    /// The period's KPIs worked out a column at a time, when they were (a month):
    /// a KPI with a value is taken from there, one without is explained here.
    pub columns: Option<&'a KpiColumns>,
}

/// Reusable per-thread workspace, so scoring a subject allocates only its result.
#[derive(Debug, Default)]
pub struct Workspace {
    slots: Vec<f64>,
}

impl Workspace {
    /// Fills the slots for one formula: the metrics `reads` names, gathered over the
    /// cells where all of them are present, then the KPIs it depends on, in order.
    /// Every other slot holds NaN, so no value from other cells can leak in.
    fn gather(&mut self, rulebook: &Rulebook, source: SubjectInputs, reads: &Reads) -> Coverage {
        let metric_count = rulebook.metrics().len();
        self.slots.clear();
        self.slots.resize(rulebook.slot_count(), f64::NAN);
        let coverage = source.inputs.gather(
            rulebook,
            source.organisation,
            source.subject,
            &reads.metrics,
            &mut self.slots[..metric_count],
        );
        if coverage.covered > 0 {
            for &kpi in &reads.kpis {
                self.evaluate_into(rulebook, kpi);
            }
        }
        coverage
    }

    fn evaluate_into(&mut self, rulebook: &Rulebook, kpi: KpiId) {
        let compiled = &rulebook.kpi(kpi).compiled;
        let value = if compiled.slots().iter().any(|&s| self.slots[s].is_nan()) {
            f64::NAN
        } else {
            compiled.evaluate(&self.slots).unwrap_or(f64::NAN)
        };
        self.slots[rulebook.metrics().len() + kpi.index()] = value;
    }

    /// A KPI over its own cells, or why it has no value.
    fn evaluate_kpi(&mut self, rulebook: &Rulebook, source: SubjectInputs, kpi: KpiId) -> (Evaluation, Coverage) {
        let definition = rulebook.kpi(kpi);
        if let Some((value, coverage)) = source.columns.map(|columns| columns.get(source.subject, kpi)) {
            // As below: enough cells covered and a value; anything else is worked out
            // again here, where the words for it are.
            if coverage.covered > 0 && coverage.percent() >= definition.min_coverage && !value.is_nan() {
                return (Evaluation::Computed { value }, coverage);
            }
        }
        let coverage = self.gather(rulebook, source, &definition.reads);
        if coverage.covered > 0 {
            self.evaluate_into(rulebook, kpi);
        }
        let value = self.slots[rulebook.metrics().len() + kpi.index()];
        let evaluation =
            if let Some(reason) = too_little(rulebook, source, &definition.reads, coverage, definition.min_coverage) {
                Evaluation::NoData { reason }
            } else if value.is_nan() {
                unavailable(rulebook, kpi, &self.slots)
            } else {
                Evaluation::Computed { value }
            };
        (evaluation, coverage)
    }

    /// A gate's or an adjustment's formula over its own cells; `None` when it cannot
    /// be evaluated. It needs the coverage every KPI it reads needs.
    fn evaluate_formula(
        &mut self,
        rulebook: &Rulebook,
        source: SubjectInputs,
        reads: &Reads,
        compiled: &crate::kpi::formula::CompiledFormula,
    ) -> Option<f64> {
        let coverage = self.gather(rulebook, source, reads);
        let needed = reads
            .kpis
            .iter()
            .map(|&k| rulebook.kpi(k).min_coverage)
            .reduce(f64::max)
            .unwrap_or(DEFAULT_MIN_COVERAGE);
        if coverage.covered == 0 || coverage.percent() < needed {
            return None;
        }
        if compiled.slots().iter().any(|&s| self.slots[s].is_nan()) {
            return None;
        }
        compiled.evaluate(&self.slots).ok()
    }
}

/// The reason a KPI has no data when its cells cover too little of the period.
fn too_little(
    rulebook: &Rulebook,
    source: SubjectInputs,
    reads: &Reads,
    coverage: Coverage,
    min_coverage: f64,
) -> Option<String> {
    let (inputs, organisation, subject) = (source.inputs, source.organisation, source.subject);
    if coverage.expected == 0 {
        return Some(match subject {
            Subject::Team(_) => "the team has no active members in this period".into(),
            Subject::Person(_) => "not active in this period".into(),
        });
    }
    if coverage.covered == 0 {
        let never = inputs.never_present(organisation, subject, &reads.metrics);
        return Some(if never.is_empty() {
            format!(
                "no data: {}",
                inputs.describe_gaps(rulebook, organisation, subject, &reads.metrics)
            )
        } else {
            let keys: Vec<&str> = never.iter().map(|&m| rulebook.metric(m).key.as_str()).collect();
            format!("no data for {}", keys.join(", "))
        });
    }
    (coverage.percent() < min_coverage).then(|| {
        format!(
            "{}; from {coverage}, at least {min_coverage}% needed",
            inputs.describe_gaps(rulebook, organisation, subject, &reads.metrics)
        )
    })
}

/// Scores one subject with its role. `source` is where its inputs come from (a team
/// lead's are the team's); `overrides` are the subject's own targets for the period;
/// `rated` the manager's ratings of a person.
pub fn score_subject(
    rulebook: &Rulebook,
    role_id: RoleId,
    source: SubjectInputs,
    overrides: &[(KpiId, Target)],
    rated: Rated,
    workspace: &mut Workspace,
) -> Scorecard {
    let role = rulebook.role(role_id);

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
        let (evaluation, coverage) = workspace.evaluate_kpi(rulebook, source, entry.kpi);
        let outcome = match evaluation {
            Evaluation::Computed { value } => match scoring::points(&kpi.scoring, kpi.achievement, value, &target) {
                Ok(points) => KpiOutcome::Scored {
                    value,
                    achievement: scoring::achievement(kpi.achievement, value, target.target),
                    points,
                },
                Err(error) => KpiOutcome::NotComputable {
                    reason: error.to_string(),
                },
            },
            Evaluation::NoData { reason } => KpiOutcome::NoData { reason },
            Evaluation::NotComputable { reason } => KpiOutcome::NotComputable { reason },
        };
        kpis.push(KpiScore {
            kpi: entry.kpi,
            tier: tier.tier,
            target,
            weight: entry.weight,
            effective_weight: 0.0,
            outcome,
            coverage,
            contribution: 0.0,
        });
    }

    let supporting = role
        .kpis_to_evaluate
        .iter()
        .filter(|&&k| role.card_kpi(k).is_none())
        .map(|&kpi| {
            let (evaluation, coverage) = workspace.evaluate_kpi(rulebook, source, kpi);
            SupportingKpi {
                kpi,
                evaluation,
                coverage,
            }
        })
        .collect();

    let gates: Vec<GateResult> = role
        .gates
        .iter()
        .map(|gate| {
            let state = match workspace.evaluate_formula(rulebook, source, &gate.reads, &gate.compiled) {
                Some(v) if v != 0.0 => GateState::Fired,
                Some(_) => GateState::Passed,
                None => GateState::NotEvaluated,
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
            let quantity = workspace.evaluate_formula(rulebook, source, &adjustment.reads, &adjustment.compiled);
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

    let mut tiers = weigh(role, &mut kpis, &|tier| fired(&|e| e == GateEffect::ZeroTier(tier)));
    let qualitative = match rated {
        Rated::Person(ratings) => role.qualitative.as_ref().map(|part| {
            let outcome = match ratings.map(|r| (r, part.points(r))) {
                Some((ratings, Ok(points))) => QualitativeOutcome::Rated {
                    ratings: ratings.clone(),
                    points,
                },
                Some((_, Err(error))) => QualitativeOutcome::Awaiting {
                    reason: format!("the rating no longer fits the definitions: {error}"),
                },
                None => QualitativeOutcome::Awaiting {
                    reason: "awaiting the manager's rating".into(),
                },
            };
            let mut score = QualitativeScore {
                weight: part.weight,
                effective_weight: 0.0,
                outcome,
                contribution: 0.0,
            };
            if let QualitativeOutcome::Rated { points, .. } = score.outcome {
                share_with_rating(&mut kpis, &mut tiers, part.weight);
                score.effective_weight = part.weight;
                score.contribution = points * part.weight / 100.0;
            }
            score
        }),
        Rated::NotRated => None,
    };
    let weighted_score: f64 =
        kpis.iter().map(|k| k.contribution).sum::<f64>() + qualitative.as_ref().map_or(0.0, |q| q.contribution);
    let scored_weight: f64 = role
        .tiers
        .iter()
        .flat_map(|t| t.kpis.iter().map(move |k| (t.weight, k)))
        .zip(&kpis)
        .filter(|(_, score)| score.outcome.points().is_some())
        .map(|((tier_weight, entry), _)| tier_weight * entry.weight / 100.0)
        .sum();
    // Weights are typed percentages; allow for float rounding only.
    let result = if kpis.iter().all(|k| k.outcome.points().is_none()) {
        CardResult::NoData
    } else if scored_weight + 1e-9 < role.min_scored_weight {
        CardResult::TooLittleData {
            scored_weight,
            min_scored_weight: role.min_scored_weight,
        }
    } else {
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
        CardResult::Graded {
            total,
            grade: grade.grade.clone(),
            bonus_coefficient: grade.bonus_coefficient,
        }
    };

    Scorecard {
        role: role_id,
        complete: kpis.iter().all(|k| matches!(k.outcome, KpiOutcome::Scored { .. })),
        kpis,
        supporting,
        tiers,
        adjustments,
        gates,
        qualitative,
        weighted_score,
        scored_weight,
        result,
    }
}

/// Makes room for a rating weighing `weight` percent of the total: the tiers and
/// their KPIs keep their proportions within the rest.
fn share_with_rating(kpis: &mut [KpiScore], tiers: &mut [TierScore], weight: f64) {
    let rest = (100.0 - weight) / 100.0;
    for kpi in kpis {
        kpi.effective_weight *= rest;
        kpi.contribution *= rest;
    }
    for tier in tiers {
        tier.effective_weight *= rest;
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

/// Why a KPI whose inputs are all there has no value: the KPI it depends on that has
/// none, or the error of its formula. Only called off the hot path.
fn unavailable(rulebook: &Rulebook, kpi: KpiId, slots: &[f64]) -> Evaluation {
    let compiled = &rulebook.kpi(kpi).compiled;
    if let Some(&s) = compiled.slots().iter().find(|&&s| slots[s].is_nan()) {
        if let Slot::Kpi(dependency) = rulebook.slot_at(s) {
            let key = &rulebook.kpi(dependency).key;
            return match unavailable(rulebook, dependency, slots) {
                Evaluation::NoData { reason } => Evaluation::NoData {
                    reason: format!("KPI {key}: {reason}"),
                },
                Evaluation::NotComputable { reason } => Evaluation::NotComputable {
                    reason: format!("KPI {key}: {reason}"),
                },
                Evaluation::Computed { .. } => Evaluation::NotComputable {
                    reason: format!("KPI {key} has no value"),
                },
            };
        }
        return Evaluation::NoData {
            reason: format!("no data for {}", rulebook.slot_key(s)),
        };
    }
    match compiled.evaluate(slots) {
        Err(error) => Evaluation::NotComputable {
            reason: error.to_string(),
        },
        Ok(_) => Evaluation::NotComputable {
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

/// Explains any number of a subject's card without scoring it again: the inputs
/// each KPI's formula read, gathered over the KPI's own cells.
#[derive(Debug)]
pub struct Explainer<'w, 'a> {
    source: SubjectInputs<'a>,
    workspace: &'w mut Workspace,
}

impl<'w, 'a> Explainer<'w, 'a> {
    pub fn new(source: SubjectInputs<'a>, workspace: &'w mut Workspace) -> Explainer<'w, 'a> {
        Explainer { source, workspace }
    }

    /// The inputs a KPI's formula read, for "explain this number".
    pub fn inputs(&mut self, rulebook: &Rulebook, kpi: KpiId) -> Vec<ExplainedInput> {
        let definition = rulebook.kpi(kpi);
        self.workspace.gather(rulebook, self.source, &definition.reads);
        definition
            .compiled
            .slots()
            .iter()
            .map(|&s| ExplainedInput {
                name: rulebook.slot_key(s).to_owned(),
                value: Some(self.workspace.slots[s]).filter(|v| !v.is_nan()),
            })
            .collect()
    }
}
