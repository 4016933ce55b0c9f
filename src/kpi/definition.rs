//! The YAML shape of KPI definitions, exactly as an admin writes it.
//!
//! These structs only mirror the files; nothing here is checked beyond what serde
//! can see in one value. Cross-references (a role naming a KPI, a formula naming a
//! metric), weights and band order are checked by [`crate::kpi::rulebook`], which
//! also knows where in which file every value stands.
//!
//! A definitions folder holds any number of `.yaml` files; each may carry any of the
//! top-level sections, so a company can keep one file per role or one file in all.

use indexmap::IndexMap;
use serde::de::{Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::marker::PhantomData;

/// One YAML file of a definitions folder.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DefinitionFile {
    #[serde(default, deserialize_with = "unique_keys")]
    pub metrics: IndexMap<String, MetricDef>,
    #[serde(default, deserialize_with = "unique_keys")]
    pub kpis: IndexMap<String, KpiDef>,
    #[serde(default, deserialize_with = "unique_keys")]
    pub roles: IndexMap<String, RoleDef>,
    #[serde(default, deserialize_with = "unique_keys")]
    pub grade_scales: IndexMap<String, GradeScaleDef>,
    /// The currency amounts (`unit: currency`) are in; set in one file at most.
    #[serde(default)]
    pub currency: Option<Currency>,
    /// The scales managers rate people on, by id.
    #[serde(default, deserialize_with = "unique_keys")]
    pub rating_scales: IndexMap<String, Vec<RatingLevelDef>>,
    /// How the monthly review runs; set in one file at most.
    #[serde(default)]
    pub review: Option<ReviewDef>,
}

impl DefinitionFile {
    /// The file as written, without the checks across files (sums, references): what
    /// an editor lays its form out from while the definitions still have problems.
    /// `None` when the text is not YAML of this shape.
    pub fn read(text: &str) -> Option<DefinitionFile> {
        serde_yaml::from_str::<Option<DefinitionFile>>(text)
            .ok()
            .map(Option::unwrap_or_default)
    }
}

/// The currency of every amount in the rulebook, as a card shows it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Currency {
    /// The ISO 4217 code, e.g. `CNY`.
    pub code: String,
    /// What goes before an amount, e.g. `¥`.
    pub symbol: String,
}

/// A name in the languages the product speaks.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LocalizedName {
    pub en: String,
    pub zh: String,
}

/// A named input, pushed by the CRM or imported from a file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricDef {
    pub name: LocalizedName,
    #[serde(default)]
    pub description: String,
    pub unit: Unit,
    /// How the months of a quarter or a year combine.
    pub over_time: TimeRollup,
    /// How the members of a team combine.
    #[serde(default)]
    pub across_team: TeamRollup,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    Percent,
    Currency,
    Count,
    Days,
    Hours,
    Score,
    Ratio,
}

/// How a metric's months roll up into a quarter or a year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeRollup {
    /// A flow, such as visits made: the months add up.
    Sum,
    /// A stock at the start of the period, such as customers at start.
    First,
    /// A stock at the end of the period, such as customers at end.
    Last,
    /// A level, such as a survey score: the mean of the months that have data.
    Average,
}

/// How a metric of a team's members combines into the team's.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TeamRollup {
    #[default]
    Sum,
    Average,
    Min,
    Max,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    Base,
    Process,
    Result,
}

impl Tier {
    pub const ALL: [Tier; 3] = [Tier::Base, Tier::Process, Tier::Result];

    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Base => "base",
            Tier::Process => "process",
            Tier::Result => "result",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// More is better (revenue, conversion).
    Higher,
    /// Less is better (cost, churn, response time).
    Lower,
    /// The target itself is best (forecast accuracy against a plan, a budget).
    Closest,
}

/// A KPI: what it measures and how a value becomes points.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KpiDef {
    pub name: LocalizedName,
    #[serde(default)]
    pub description: String,
    pub tier: Tier,
    pub unit: Unit,
    pub direction: Direction,
    /// With `direction: lower`, how achievement is computed; `mirror` when absent.
    #[serde(default)]
    pub achievement: Option<LowerAchievement>,
    /// With `achievement: ratio`, the achievement (percent) of a value of 0, where
    /// target / value has none.
    #[serde(default)]
    pub at_zero: Option<f64>,
    /// An expression over metrics and other KPIs.
    pub formula: String,
    #[serde(with = "serde_yaml::with::singleton_map")]
    pub scoring: ScoringDef,
    /// The least share (percent) of the period's cells (months, or members and
    /// months for a team) that must have every input before the KPI is scored.
    #[serde(default)]
    pub min_coverage: Option<f64>,
}

/// The two conventions for "lower is better".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LowerAchievement {
    /// `(2 x target - value) / target x 100`: each percent under target earns a
    /// percent above 100, and a value of 0 stays finite.
    Mirror,
    /// `target / value x 100`: a cost at half its target is 200%.
    Ratio,
}

/// How a KPI's value turns into points; 100 points means "on target".
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub enum ScoringDef {
    /// Points equal achievement in percent of target: zero below `floor`, at most `cap`.
    Linear {
        #[serde(default)]
        floor: f64,
        cap: f64,
    },
    /// Points by the threshold / target / stretch levels: `threshold` points at the
    /// threshold, 100 at the target, `stretch` points at the stretch, straight lines
    /// between, zero below the threshold and no more than `stretch` above it.
    Levels { threshold_points: f64, stretch_points: f64 },
    /// Step bands: the band with the highest `from` not above the measured quantity wins.
    Bands { of: BandBasis, steps: Vec<BandStep> },
    /// `points` when the target is met (in the KPI's direction), otherwise zero.
    PassFail { points: f64 },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BandBasis {
    /// The KPI's own value, in its unit.
    Value,
    /// Achievement against target, in percent.
    Achievement,
}

#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BandStep {
    pub from: f64,
    pub points: f64,
}

/// A role's scorecard template.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleDef {
    pub name: LocalizedName,
    #[serde(default)]
    pub description: String,
    /// Whose numbers the card is computed from: the person's own, or their team's.
    #[serde(default)]
    pub scored_on: ScoredOn,
    /// The card teams themselves are scored with; at most one role says so.
    #[serde(default)]
    pub team_scorecard: bool,
    pub grade_scale: String,
    /// The least share (percent) of the card's weight that must be scored before the
    /// card gets a total, a grade and a bonus coefficient.
    #[serde(default)]
    pub min_scored_weight: Option<f64>,
    /// Tier weights and the KPIs in each tier; absent tiers weigh nothing.
    #[serde(deserialize_with = "unique_keys")]
    pub tiers: IndexMap<Tier, TierDef>,
    #[serde(default)]
    pub adjustments: Vec<AdjustmentDef>,
    #[serde(default)]
    pub gates: Vec<GateDef>,
    /// The qualitative part of the card: the manager's rating, beside the tiers.
    #[serde(default)]
    pub qualitative: Option<QualitativeDef>,
    /// How many months running a KPI must stay far behind (below its threshold)
    /// before its person is on their manager's attention list; 3 when absent.
    #[serde(default)]
    pub attention_after: Option<u32>,
}

/// The qualitative part of a role's card (定性评价): a rating on a scale, or one per
/// competency, weighed in the total beside the tiers.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QualitativeDef {
    /// Percent of the total; the tiers share the rest.
    pub weight: f64,
    /// The rating scale, by its id in `rating_scales`.
    pub scale: String,
    /// Whether a period can be finalized while the manager's rating is missing.
    #[serde(default = "yes")]
    pub required: bool,
    /// Whether people rate themselves before their manager does.
    #[serde(default)]
    pub self_assessment: SelfAssessment,
    /// Named competencies, each rated on the scale and weighted; without them the
    /// rating is one overall judgement.
    #[serde(default, deserialize_with = "unique_keys")]
    pub competencies: IndexMap<String, CompetencyDef>,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SelfAssessment {
    /// People do not rate themselves.
    Off,
    /// People may rate themselves; a review can be finalized without it.
    #[default]
    Optional,
    /// A period is not finalized before everyone has rated themselves.
    Required,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompetencyDef {
    pub name: LocalizedName,
    /// Percent of the qualitative part; a role's competencies add up to 100.
    pub weight: f64,
}

/// One level of a rating scale: the rating a manager gives, the points it is worth
/// (100 is "as expected", as for a KPI on target) and what it means.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RatingLevelDef {
    pub rating: u8,
    pub points: f64,
    pub label: LocalizedName,
}

/// How the monthly review runs.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewDef {
    /// Whether each team's review is signed off by its manager before it is finalized.
    #[serde(default)]
    pub team_sign_off: bool,
    /// The grade distribution calibration holds each team, department and the whole
    /// organisation to (强制分布).
    #[serde(default)]
    pub forced_distribution: Vec<DistributionRuleDef>,
    /// Whether a manager may adjust the grades of their own teams in calibration, as hr does.
    #[serde(default)]
    pub managers_calibrate: bool,
}

/// One bound of a forced distribution: the share of people whose grade is among
/// `grades` is at most, or at least, a percentage.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DistributionRuleDef {
    pub grades: Vec<String>,
    #[serde(default)]
    pub at_most: Option<f64>,
    #[serde(default)]
    pub at_least: Option<f64>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ScoredOn {
    #[default]
    Person,
    Team,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TierDef {
    pub weight: f64,
    #[serde(deserialize_with = "unique_keys")]
    pub kpis: IndexMap<String, RoleKpiDef>,
}

/// A KPI on a role's card: its weight within the tier and its default target.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleKpiDef {
    pub weight: f64,
    pub target: TargetDef,
    /// The role's `attention_after`, for this KPI.
    #[serde(default)]
    pub attention_after: Option<u32>,
}

/// A target: a single number, or the three levels threshold / target / stretch.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, Serialize)]
#[serde(untagged)]
pub enum TargetDef {
    Value(f64),
    Levels(TargetLevels),
}

#[derive(Debug, Clone, Copy, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TargetLevels {
    pub threshold: f64,
    pub target: f64,
    pub stretch: f64,
}

/// A bonus (加分项) or deduction (扣分项): points per unit of a formula, bounded.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdjustmentDef {
    pub id: String,
    pub name: LocalizedName,
    pub kind: AdjustmentKind,
    /// What is counted: an expression over metrics and KPIs.
    pub per: String,
    pub points_each: f64,
    /// The most points this item can add or take away.
    pub max_points: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AdjustmentKind {
    Bonus,
    Deduction,
}

/// A veto (一票否决): when the condition holds, the consequence applies.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GateDef {
    pub id: String,
    pub name: LocalizedName,
    /// A condition over metrics and KPIs, such as `complaint_rate > 5`.
    pub when: String,
    #[serde(with = "serde_yaml::with::singleton_map")]
    pub then: GateAction,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub enum GateAction {
    /// The grade can be no better than this one.
    CapGrade(String),
    /// The tier scores zero.
    ZeroTier(Tier),
    /// The whole card scores zero.
    ZeroTotal,
}

/// Score bands to grades, and the bonus coefficient each grade earns.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GradeScaleDef {
    /// The bounds of a card's total after bonuses and deductions.
    pub total: TotalBounds,
    /// From the best grade down, each with the lowest total that earns it.
    pub grades: Vec<GradeDef>,
}

#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TotalBounds {
    pub min: f64,
    pub max: f64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GradeDef {
    pub grade: String,
    pub min: f64,
    pub bonus_coefficient: f64,
}

/// Deserializes a mapping, refusing a key that appears twice (serde would keep the
/// last silently); the error carries the YAML position of the duplicate.
fn unique_keys<'de, D, K, V>(deserializer: D) -> Result<IndexMap<K, V>, D::Error>
where
    D: Deserializer<'de>,
    K: Deserialize<'de> + Eq + std::hash::Hash + fmt::Debug,
    V: Deserialize<'de>,
{
    struct UniqueKeys<K, V>(PhantomData<(K, V)>);

    impl<'de, K, V> Visitor<'de> for UniqueKeys<K, V>
    where
        K: Deserialize<'de> + Eq + std::hash::Hash + fmt::Debug,
        V: Deserialize<'de>,
    {
        type Value = IndexMap<K, V>;

        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a mapping with unique keys")
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut out = IndexMap::new();
            while let Some(key) = map.next_key::<K>()? {
                if out.contains_key(&key) {
                    return Err(serde::de::Error::custom(format!("duplicate id {key:?}")));
                }
                let value = map.next_value()?;
                out.insert(key, value);
            }
            Ok(out)
        }
    }

    deserializer.deserialize_map(UniqueKeys(PhantomData))
}
