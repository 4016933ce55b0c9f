//! The rulebook: a definitions folder loaded, validated and compiled once, then
//! shared read-only (behind an `Arc`) by everything that scores.
//!
//! Every formula is compiled here and never parsed again. Values are addressed by
//! slot: metric `m` is slot `m`, KPI `k` is slot `metric_count + k`, and KPIs are
//! stored in dependency order so that one pass over them fills every slot a later
//! formula reads.

mod compile;
mod problem;

pub use compile::check_target;
pub use problem::{DefinitionError, DefinitionErrors, Problem};

use crate::kpi::definition::{
    AdjustmentKind, Direction, LocalizedName, ScoredOn, ScoringDef, TeamRollup, Tier, TimeRollup, Unit,
};
use crate::kpi::formula::{CompiledFormula, ParsedFormula};
use crate::kpi::qualitative::Qualitative;
use crate::kpi::scoring::AchievementRule;
use std::collections::HashMap;

/// One file of a definitions folder: its name as shown in errors, and its text.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub name: String,
    pub text: String,
}

macro_rules! index_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub(crate) u32);

        impl $name {
            pub fn index(self) -> usize {
                self.0 as usize
            }
        }
    };
}

index_type!(
    /// A metric of a rulebook; its slot number too.
    MetricId
);
index_type!(
    /// A KPI of a rulebook, in dependency order.
    KpiId
);
index_type!(
    /// A role of a rulebook.
    RoleId
);

#[derive(Debug, Clone)]
pub struct Metric {
    /// The id an admin wrote, such as `new_customers`.
    pub key: String,
    pub name: LocalizedName,
    pub unit: Unit,
    pub over_time: TimeRollup,
    pub across_team: TeamRollup,
}

/// The least coverage (percent of cells) a KPI needs when its definition sets none.
/// Three cells in four: a team of 16 is scored with up to four members missing, a
/// year with up to three months missing, but a quarter needs all three months, since
/// two months of a quarter are not the quarter.
pub const DEFAULT_MIN_COVERAGE: f64 = 75.0;

/// The least share (percent) of a card's weight that must be scored for a total when
/// the role sets none: below half, the total would mostly be redistributed weight.
pub const DEFAULT_MIN_SCORED_WEIGHT: f64 = 50.0;

/// Everything a formula reads, its KPIs' reads included: the metrics that must all be
/// present in a cell for the cell to count, and the KPIs to evaluate before the
/// formula, in dependency order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reads {
    pub metrics: Vec<MetricId>,
    pub kpis: Vec<KpiId>,
}

impl Reads {
    /// What `formula` reads, given the KPIs compiled before it (in dependency order,
    /// so every KPI it names is among them).
    pub(crate) fn of(formula: &CompiledFormula, metric_count: usize, kpis: &[Kpi]) -> Reads {
        let mut metrics = std::collections::BTreeSet::new();
        let mut dependencies = std::collections::BTreeSet::new();
        for &slot in formula.slots() {
            match slot.checked_sub(metric_count) {
                None => {
                    metrics.insert(MetricId(slot as u32));
                }
                Some(k) => {
                    dependencies.insert(KpiId(k as u32));
                    if let Some(kpi) = kpis.get(k) {
                        metrics.extend(kpi.reads.metrics.iter().copied());
                        dependencies.extend(kpi.reads.kpis.iter().copied());
                    }
                }
            }
        }
        // KPI ids follow dependency order, so ascending ids are an evaluation order.
        Reads {
            metrics: metrics.into_iter().collect(),
            kpis: dependencies.into_iter().collect(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Kpi {
    pub key: String,
    pub name: LocalizedName,
    pub description: String,
    pub tier: Tier,
    pub unit: Unit,
    pub direction: Direction,
    /// How achievement is computed, in the KPI's direction.
    pub achievement: AchievementRule,
    pub formula: ParsedFormula,
    pub compiled: CompiledFormula,
    /// What the formula reads; `kpis` are its dependencies, not the KPI itself.
    pub reads: Reads,
    pub scoring: ScoringDef,
    /// Percent of cells.
    pub min_coverage: f64,
}

/// A target with its optional threshold and stretch levels (门槛/目标/挑战).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Target {
    pub target: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stretch: Option<f64>,
}

#[derive(Debug, Clone)]
pub struct RoleKpi {
    pub kpi: KpiId,
    /// Percent of the tier.
    pub weight: f64,
    pub target: Target,
    /// Months running far behind before the attention list names it; the role's when `None`.
    pub attention_after: Option<u32>,
}

#[derive(Debug, Clone)]
pub struct RoleTier {
    pub tier: Tier,
    /// Percent of the card.
    pub weight: f64,
    pub kpis: Vec<RoleKpi>,
}

#[derive(Debug, Clone)]
pub struct Adjustment {
    pub key: String,
    pub name: LocalizedName,
    pub kind: AdjustmentKind,
    pub per: ParsedFormula,
    pub compiled: CompiledFormula,
    pub reads: Reads,
    pub points_each: f64,
    pub max_points: f64,
}

#[derive(Debug, Clone)]
pub struct Gate {
    pub key: String,
    pub name: LocalizedName,
    pub when: ParsedFormula,
    pub compiled: CompiledFormula,
    pub reads: Reads,
    pub action: GateEffect,
}

/// What a fired gate does, with grades resolved to their rank in the scale.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GateEffect {
    /// The grade can be no better than the grade at this rank (0 is the best).
    CapGrade(usize),
    ZeroTier(Tier),
    ZeroTotal,
}

#[derive(Debug, Clone)]
pub struct Role {
    pub key: String,
    pub name: LocalizedName,
    pub description: String,
    pub scored_on: ScoredOn,
    pub grade_scale: GradeScale,
    /// Percent of the card's weight.
    pub min_scored_weight: f64,
    pub tiers: Vec<RoleTier>,
    pub adjustments: Vec<Adjustment>,
    pub gates: Vec<Gate>,
    /// Every KPI the card needs, its dependencies included, in dependency order.
    pub kpis_to_evaluate: Vec<KpiId>,
    /// The manager's rating, weighed beside the tiers; `None`: the card is numbers only.
    pub qualitative: Option<Qualitative>,
    /// Months running far behind before a KPI puts its person on the attention list.
    pub attention_after: u32,
}

/// Months running far behind before the attention list names a KPI, when the role
/// sets none: one bad month is noise, a quarter of them is a pattern.
pub const DEFAULT_ATTENTION_AFTER: u32 = 3;

impl Role {
    /// The card's KPIs with their tier, in the order the role lists them.
    pub fn card_kpis(&self) -> impl Iterator<Item = (&RoleTier, &RoleKpi)> {
        self.tiers.iter().flat_map(|t| t.kpis.iter().map(move |k| (t, k)))
    }

    /// Months running far behind before `kpi` puts its person on the attention list.
    pub fn attention_after(&self, kpi: KpiId) -> u32 {
        self.card_kpi(kpi)
            .and_then(|k| k.attention_after)
            .unwrap_or(self.attention_after)
    }

    /// The role's entry for `kpi`, if the card holds it.
    pub fn card_kpi(&self, kpi: KpiId) -> Option<&RoleKpi> {
        self.card_kpis().map(|(_, k)| k).find(|k| k.kpi == kpi)
    }
}

#[derive(Debug, Clone)]
pub struct Grade {
    pub grade: String,
    pub min: f64,
    pub bonus_coefficient: f64,
}

#[derive(Debug, Clone)]
pub struct GradeScale {
    pub key: String,
    pub total_min: f64,
    pub total_max: f64,
    /// From the best grade down.
    pub grades: Vec<Grade>,
}

impl GradeScale {
    /// The rank (0 is the best) of the grade a total earns. Validation guarantees the
    /// lowest grade starts at or below the smallest total.
    pub fn rank_for(&self, total: f64) -> usize {
        self.grades
            .iter()
            .position(|g| total >= g.min)
            .unwrap_or(self.grades.len() - 1)
    }

    pub fn rank_of(&self, grade: &str) -> Option<usize> {
        self.grades.iter().position(|g| g.grade == grade)
    }
}

/// A validated, compiled definitions folder.
#[derive(Debug, Clone)]
pub struct Rulebook {
    metrics: Vec<Metric>,
    kpis: Vec<Kpi>,
    roles: Vec<Role>,
    team_role: Option<RoleId>,
    by_key: HashMap<String, Slot>,
    role_by_key: HashMap<String, RoleId>,
    currency: Option<crate::kpi::definition::Currency>,
    review: ReviewPolicy,
}

/// How the monthly review runs.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReviewPolicy {
    /// Each team's manager signs its review off before the period is finalized.
    pub team_sign_off: bool,
    /// The bounds calibration checks grades against; empty: none.
    pub forced_distribution: Vec<crate::kpi::calibration::DistributionRule>,
    /// Managers adjust their own teams' grades, as hr does.
    pub managers_calibrate: bool,
}

/// What a formula variable names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    Metric(MetricId),
    Kpi(KpiId),
}

/// The largest definitions file read: the shipped rulebook is 43 KB in all, and a
/// company's own is not a hundred times larger.
pub const MAX_FILE_BYTES: usize = 1024 * 1024;
/// All the files of a rulebook together.
pub const MAX_DEFINITIONS_BYTES: usize = 8 * 1024 * 1024;
/// How deep mappings and sequences may nest; the schema needs six levels.
pub const MAX_NESTING: usize = 64;

impl Rulebook {
    /// Loads, validates and compiles the files of a definitions folder. Every problem
    /// in every file is reported at once, each with its file, line and column.
    pub fn load(files: &[SourceFile]) -> Result<Rulebook, DefinitionErrors> {
        compile::compile(files)
    }

    pub fn metrics(&self) -> &[Metric] {
        &self.metrics
    }

    pub fn kpis(&self) -> &[Kpi] {
        &self.kpis
    }

    pub fn roles(&self) -> &[Role] {
        &self.roles
    }

    pub fn metric(&self, id: MetricId) -> &Metric {
        &self.metrics[id.index()]
    }

    pub fn kpi(&self, id: KpiId) -> &Kpi {
        &self.kpis[id.index()]
    }

    pub fn role(&self, id: RoleId) -> &Role {
        &self.roles[id.index()]
    }

    /// The role teams themselves are scored with, if the rulebook names one.
    pub fn team_role(&self) -> Option<RoleId> {
        self.team_role
    }

    /// Every grade of every role's scale, once, best first: the order a list of
    /// grades is shown in.
    pub fn grade_names(&self) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        for grade in self.roles.iter().flat_map(|r| &r.grade_scale.grades) {
            if !names.contains(&grade.grade) {
                names.push(grade.grade.clone());
            }
        }
        names
    }

    /// How the monthly review runs.
    pub fn review(&self) -> &ReviewPolicy {
        &self.review
    }

    /// The currency amounts are in, when the definitions name one.
    pub fn currency(&self) -> Option<&crate::kpi::definition::Currency> {
        self.currency.as_ref()
    }

    pub fn find_metric(&self, key: &str) -> Option<MetricId> {
        match self.by_key.get(key) {
            Some(Slot::Metric(id)) => Some(*id),
            _ => None,
        }
    }

    pub fn find_kpi(&self, key: &str) -> Option<KpiId> {
        match self.by_key.get(key) {
            Some(Slot::Kpi(id)) => Some(*id),
            _ => None,
        }
    }

    pub fn find_role(&self, key: &str) -> Option<RoleId> {
        self.role_by_key.get(key).copied()
    }

    /// What a formula variable names.
    pub fn find_slot(&self, key: &str) -> Option<Slot> {
        self.by_key.get(key).copied()
    }

    /// The number of value slots a subject's evaluation needs.
    pub fn slot_count(&self) -> usize {
        self.metrics.len() + self.kpis.len()
    }

    /// The slot number of a metric or KPI.
    pub fn slot_index(&self, slot: Slot) -> usize {
        match slot {
            Slot::Metric(m) => m.index(),
            Slot::Kpi(k) => self.metrics.len() + k.index(),
        }
    }

    /// The metric or KPI behind a slot number.
    pub fn slot_at(&self, index: usize) -> Slot {
        match index.checked_sub(self.metrics.len()) {
            None => Slot::Metric(MetricId(index as u32)),
            Some(k) => Slot::Kpi(KpiId(k as u32)),
        }
    }

    /// The id an admin wrote for the metric or KPI in a slot.
    pub fn slot_key(&self, index: usize) -> &str {
        match self.slot_at(index) {
            Slot::Metric(m) => &self.metric(m).key,
            Slot::Kpi(k) => &self.kpi(k).key,
        }
    }
}

/// The known name closest to `name`, if it is close enough to be a likely typo; used
/// for "did you mean" in definitions and in data files alike.
pub fn nearest<'k>(name: &str, known: impl Iterator<Item = &'k str>) -> Option<String> {
    known
        .map(|k| (strsim::damerau_levenshtein(name, k), k))
        .filter(|(distance, k)| *distance <= (name.len().max(k.len()) / 3).max(2))
        .min()
        .map(|(_, k)| k.to_owned())
}

/// "; did you mean `x`?" when a known name is close to `name`, else nothing: the tail of
/// an "unknown …" message.
pub fn did_you_mean<'k>(name: &str, known: impl Iterator<Item = &'k str>) -> String {
    nearest(name, known).map_or_else(String::new, |k| format!("; did you mean `{k}`?"))
}
