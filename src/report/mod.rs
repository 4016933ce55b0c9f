//! Scorecards as people read them: a table, JSON with every number explained, or
//! CSV for a spreadsheet.

use crate::kpi::definition::{AdjustmentKind, Direction, LocalizedName, Unit};
use crate::kpi::evaluate::{PeriodScores, inputs_subject};
use crate::kpi::organisation::{Organisation, Subject};
use crate::kpi::period::Period;
use crate::kpi::rollup::Coverage;
use crate::kpi::rollup::PeriodInputs;
use crate::kpi::rulebook::{KpiId, Role, Rulebook, Target};
use crate::kpi::scorecard::{
    CardResult, Evaluation, ExplainedInput, Explainer, GateState, KpiOutcome, Scorecard, SubjectInputs, Workspace,
};
use crate::kpi::shortfall::{self, Gap};
use serde::{Deserialize, Serialize};
use std::io::{self, Write};

mod appraisal;
mod table;

use appraisal::qualitative_view;
pub use appraisal::{AppealResolution, AppealView, AppraisalView, AspectRating, GradeDecision, QualitativeView};
use rayon::prelude::*;
use table::{table, table_row};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
    Csv,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct PeriodReport {
    pub period: Period,
    pub people: Vec<CardView>,
    pub teams: Vec<CardView>,
}

/// One scorecard as shown and as frozen in a finalized period's snapshot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CardView {
    pub subject: String,
    /// `person` or `team`.
    pub kind: String,
    pub name: String,
    /// A team's name in Chinese, when one is given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_zh: Option<String>,
    /// The person's team, or the team's parent.
    pub team: Option<String>,
    pub role: String,
    /// Whose inputs the card was computed from (a team lead's are the team's).
    pub scored_on: String,
    /// Whether the card has a total; cards frozen before there was a choice had one.
    #[serde(default)]
    pub status: CardStatus,
    /// `None` when the card has no data, or too little, for a total.
    pub total: Option<f64>,
    pub weighted_score: f64,
    pub grade: Option<String>,
    pub bonus_coefficient: Option<f64>,
    /// Why the card has no total.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The share (percent) of the card's defined weight whose KPIs were scored.
    #[serde(default)]
    pub scored_weight: Option<f64>,
    pub complete: bool,
    pub tiers: Vec<TierView>,
    pub kpis: Vec<KpiView>,
    /// The KPIs computed for the card without being on it: what its KPIs depend on
    /// and what its gates and adjustments read.
    #[serde(default)]
    pub supporting_kpis: Vec<SupportingKpiView>,
    pub adjustments: Vec<AdjustmentView>,
    pub gates: Vec<GateView>,
    /// The manager's rating, when the role's card has a qualitative part.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qualitative: Option<QualitativeView>,
    /// The review's exchange: the self-assessment and the manager's comment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appraisal: Option<AppraisalView>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CardStatus {
    #[default]
    Graded,
    NoData,
    TooLittleData,
}

impl CardStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CardStatus::Graded => "graded",
            CardStatus::NoData => "no_data",
            CardStatus::TooLittleData => "too_little_data",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SupportingKpiView {
    pub kpi: String,
    pub name: LocalizedName,
    pub formula: String,
    pub inputs: Vec<ExplainedInput>,
    #[serde(flatten)]
    pub evaluation: Evaluation,
    pub coverage: Coverage,
    /// What reads it: `kpi:<id>`, `gate:<id>` or `adjustment:<id>`.
    pub read_by: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TierView {
    pub tier: String,
    pub weight: f64,
    pub effective_weight: f64,
    pub score: Option<f64>,
    pub zeroed_by: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KpiView {
    pub kpi: String,
    pub name: LocalizedName,
    pub tier: String,
    pub formula: String,
    pub inputs: Vec<ExplainedInput>,
    #[serde(flatten)]
    pub outcome: KpiOutcome,
    /// How many of the period's cells had every input; absent in cards frozen before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coverage: Option<Coverage>,
    pub target: Target,
    pub weight: f64,
    pub effective_weight: f64,
    pub contribution: f64,
    /// The KPI's unit and direction, which say how its gap reads; absent in cards
    /// frozen before, where the rulebook in force answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<Unit>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub direction: Option<Direction>,
}

impl KpiView {
    /// How far the KPI is from its target; `None` when it has no value, or its
    /// direction is known neither to the card nor to `rulebook`.
    pub fn gap(&self, rulebook: &Rulebook) -> Option<Gap> {
        let KpiOutcome::Scored { value, points, .. } = self.outcome else {
            return None;
        };
        let direction = self
            .direction
            .or_else(|| rulebook.find_kpi(&self.kpi).map(|k| rulebook.kpi(k).direction))?;
        Some(shortfall::gap(
            direction,
            &self.target,
            value,
            points,
            self.effective_weight,
        ))
    }

    pub fn unit_in(&self, rulebook: &Rulebook) -> Option<Unit> {
        self.unit
            .or_else(|| rulebook.find_kpi(&self.kpi).map(|k| rulebook.kpi(k).unit))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdjustmentView {
    pub adjustment: String,
    pub kind: String,
    pub quantity: Option<f64>,
    pub points: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GateView {
    pub gate: String,
    pub condition: String,
    pub state: GateState,
}

/// How many cards are viewed at a time when a period is written straight from its
/// scores: enough to keep both cores busy, few enough that the views of a large
/// organisation are never all held at once.
const CARDS_PER_CHUNK: usize = 256;

/// The CSV's columns: one row per subject and KPI, the card's total and grade repeated on each.
const CSV_HEADER: [&str; 18] = [
    "period",
    "subject",
    "kind",
    "role",
    "kpi",
    "tier",
    "status",
    "value",
    "target",
    "achievement",
    "points",
    "weight",
    "effective_weight",
    "contribution",
    "reason",
    "total",
    "grade",
    "bonus_coefficient",
];

impl PeriodReport {
    /// Puts the scores of a period beside the definitions and inputs that explain them.
    pub fn new(
        rulebook: &Rulebook,
        organisation: &Organisation,
        inputs: &PeriodInputs,
        scores: &PeriodScores,
    ) -> PeriodReport {
        let cards: Vec<(Subject, &Scorecard)> = scores.cards().collect();
        let views: Vec<CardView> = cards
            .par_iter()
            .map_init(Workspace::default, |workspace, &(subject, card)| {
                card_view(rulebook, organisation, inputs, subject, card, workspace)
            })
            .collect();
        let (people, teams) = views.into_iter().partition(|view| view.kind == "person");
        PeriodReport {
            period: scores.period,
            people,
            teams,
        }
    }

    pub fn write(&self, format: Format, out: &mut dyn Write) -> io::Result<()> {
        match format {
            Format::Json => {
                serde_json::to_writer_pretty(&mut *out, self)?;
                writeln!(out)
            }
            Format::Table => {
                writeln!(out, "{}", table(self.people.iter().map(table_row).collect(), "person"))?;
                if !self.teams.is_empty() {
                    writeln!(out, "\n{}", table(self.teams.iter().map(table_row).collect(), "team"))?;
                }
                Ok(())
            }
            Format::Csv => {
                let mut writer = csv::Writer::from_writer(out);
                writer.write_record(CSV_HEADER)?;
                for card in self.people.iter().chain(&self.teams) {
                    csv_rows(&mut writer, self.period, card)?;
                }
                writer.flush()
            }
        }
    }
}

/// A scored period written in `format` as [`PeriodReport::write`] writes it, without
/// holding every card's view: for a table and CSV the cards are viewed a chunk at a
/// time on every core, each chunk kept only as its rows. A large organisation's
/// report costs its output, not its views.
pub fn write_scored(
    rulebook: &Rulebook,
    organisation: &Organisation,
    inputs: &PeriodInputs,
    scores: &PeriodScores,
    format: Format,
    out: &mut dyn Write,
) -> io::Result<()> {
    let cards: Vec<(Subject, &Scorecard)> = scores.cards().collect();
    match format {
        Format::Json => PeriodReport::new(rulebook, organisation, inputs, scores).write(format, out),
        Format::Csv => {
            let chunks: Vec<io::Result<Vec<u8>>> = cards
                .par_chunks(CARDS_PER_CHUNK)
                .map_init(Workspace::default, |workspace, chunk| {
                    let mut writer = csv::Writer::from_writer(Vec::new());
                    for &(subject, card) in chunk {
                        let view = card_view(rulebook, organisation, inputs, subject, card, workspace);
                        csv_rows(&mut writer, scores.period, &view)?;
                    }
                    writer.into_inner().map_err(|e| e.into_error())
                })
                .collect();
            let mut writer = csv::Writer::from_writer(&mut *out);
            writer.write_record(CSV_HEADER)?;
            writer.flush()?;
            drop(writer);
            for chunk in chunks {
                out.write_all(&chunk?)?;
            }
            Ok(())
        }
        Format::Table => {
            let rows: Vec<(bool, [String; 10])> = cards
                .par_iter()
                .map_init(Workspace::default, |workspace, &(subject, card)| {
                    let view = card_view(rulebook, organisation, inputs, subject, card, workspace);
                    (matches!(subject, Subject::Person(_)), table_row(&view))
                })
                .collect();
            let (people, teams): (Vec<_>, Vec<_>) = rows.into_iter().partition(|(person, _)| *person);
            writeln!(
                out,
                "{}",
                table(people.into_iter().map(|(_, row)| row).collect(), "person")
            )?;
            if !teams.is_empty() {
                writeln!(
                    out,
                    "\n{}",
                    table(teams.into_iter().map(|(_, row)| row).collect(), "team")
                )?;
            }
            Ok(())
        }
    }
}

/// One card's CSV rows, one per KPI. Numbers are formatted into one buffer, field
/// by field: a period of a million cards writes tens of millions of them.
fn csv_rows<W: Write>(writer: &mut csv::Writer<W>, period: Period, card: &CardView) -> io::Result<()> {
    use std::fmt::Write as _;
    let mut buffer = String::new();
    let mut number = |writer: &mut csv::Writer<W>, v: Option<f64>| {
        buffer.clear();
        if let Some(v) = v {
            let _ = write!(buffer, "{v}");
        }
        writer.write_field(&buffer)
    };
    // Ids keep to a grammar that cannot start a formula, but a frozen snapshot or a
    // reason may quote anything.
    let text = crate::export::text_cell;
    let period = period.to_string();
    for kpi in &card.kpis {
        let (status, achievement, reason) = match &kpi.outcome {
            KpiOutcome::Scored { achievement, .. } => ("scored", *achievement, ""),
            KpiOutcome::NoData { reason } => ("no_data", None, reason.as_str()),
            KpiOutcome::NotComputable { reason } => ("not_computable", None, reason.as_str()),
        };
        for field in [&period, &*text(&card.subject), &*text(&card.kind), &*text(&card.role)] {
            writer.write_field(field)?;
        }
        writer.write_field(&*text(&kpi.kpi))?;
        writer.write_field(&*text(&kpi.tier))?;
        writer.write_field(status)?;
        number(writer, kpi.outcome.value())?;
        number(writer, Some(kpi.target.target))?;
        number(writer, achievement)?;
        number(writer, kpi.outcome.points())?;
        number(writer, Some(kpi.weight))?;
        number(writer, Some(kpi.effective_weight))?;
        number(writer, Some(kpi.contribution))?;
        writer.write_field(&*text(reason))?;
        number(writer, card.total)?;
        writer.write_field(&*text(card.grade.as_deref().unwrap_or_default()))?;
        number(writer, card.bonus_coefficient)?;
        writer.write_record(None::<&[u8]>)?;
    }
    Ok(())
}

/// A card beside the definitions and inputs that explain it.
/// Every KPI shown on `cards`, each once, in the order first met. A card shows its
/// role's KPIs, so one card of each role is read.
pub fn kpis_shown<'a>(cards: impl IntoIterator<Item = &'a CardView>) -> Vec<&'a KpiView> {
    let mut roles: Vec<&str> = Vec::new();
    let mut kpis: Vec<&KpiView> = Vec::new();
    for card in cards {
        if roles.contains(&card.role.as_str()) {
            continue;
        }
        roles.push(&card.role);
        for k in &card.kpis {
            if !kpis.iter().any(|known| known.kpi == k.kpi) {
                kpis.push(k);
            }
        }
    }
    kpis
}

pub fn card_view(
    rulebook: &Rulebook,
    organisation: &Organisation,
    inputs: &PeriodInputs,
    subject: Subject,
    card: &Scorecard,
    workspace: &mut Workspace,
) -> CardView {
    let role = rulebook.role(card.role);
    let (kind, name, name_zh, team) = match subject {
        Subject::Person(p) => {
            let person = organisation.person(p);
            (
                "person",
                person.name.clone(),
                None,
                Some(organisation.team(person.team).key.clone()),
            )
        }
        Subject::Team(t) => {
            let team = organisation.team(t);
            (
                "team",
                team.name.clone(),
                team.name_zh.clone(),
                team.parent.map(|p| organisation.team(p).key.clone()),
            )
        }
    };
    let source = inputs_subject(rulebook, organisation, subject);
    let mut explainer = Explainer::new(
        SubjectInputs {
            inputs,
            organisation,
            subject: source,
            columns: None,
        },
        workspace,
    );
    let status = match card.result {
        CardResult::Graded { .. } => CardStatus::Graded,
        CardResult::NoData => CardStatus::NoData,
        CardResult::TooLittleData { .. } => CardStatus::TooLittleData,
    };
    CardView {
        subject: organisation.subject_key(subject).to_owned(),
        kind: kind.to_owned(),
        name,
        name_zh,
        team,
        role: role.key.clone(),
        scored_on: organisation.subject_key(source).to_owned(),
        status,
        total: card.result.total(),
        weighted_score: card.weighted_score,
        grade: card.result.grade().map(str::to_owned),
        bonus_coefficient: card.result.bonus_coefficient(),
        reason: card.result.reason(),
        scored_weight: Some(card.scored_weight),
        complete: card.complete,
        tiers: card
            .tiers
            .iter()
            .map(|t| TierView {
                tier: t.tier.as_str().to_owned(),
                weight: t.weight,
                effective_weight: t.effective_weight,
                score: t.score,
                zeroed_by: t.zeroed_by.clone(),
            })
            .collect(),
        kpis: card
            .kpis
            .iter()
            .map(|k| {
                let kpi = rulebook.kpi(k.kpi);
                KpiView {
                    kpi: kpi.key.clone(),
                    name: kpi.name.clone(),
                    tier: k.tier.as_str().to_owned(),
                    formula: kpi.formula.source().to_owned(),
                    inputs: explainer.inputs(rulebook, k.kpi),
                    outcome: k.outcome.clone(),
                    coverage: Some(k.coverage),
                    target: k.target,
                    weight: k.weight,
                    effective_weight: k.effective_weight,
                    contribution: k.contribution,
                    unit: Some(kpi.unit),
                    direction: Some(kpi.direction),
                }
            })
            .collect(),
        supporting_kpis: card
            .supporting
            .iter()
            .map(|k| {
                let kpi = rulebook.kpi(k.kpi);
                SupportingKpiView {
                    kpi: kpi.key.clone(),
                    name: kpi.name.clone(),
                    formula: kpi.formula.source().to_owned(),
                    inputs: explainer.inputs(rulebook, k.kpi),
                    evaluation: k.evaluation.clone(),
                    coverage: k.coverage,
                    read_by: read_by(rulebook, role, k.kpi),
                }
            })
            .collect(),
        adjustments: card
            .adjustments
            .iter()
            .map(|a| AdjustmentView {
                adjustment: a.key.clone(),
                kind: match a.kind {
                    AdjustmentKind::Bonus => "bonus",
                    AdjustmentKind::Deduction => "deduction",
                }
                .to_owned(),
                quantity: a.quantity,
                points: a.points,
            })
            .collect(),
        gates: role
            .gates
            .iter()
            .zip(&card.gates)
            .map(|(gate, result)| GateView {
                gate: gate.key.clone(),
                condition: gate.when.source().to_owned(),
                state: result.state,
            })
            .collect(),
        qualitative: card.qualitative.as_ref().and_then(|q| qualitative_view(role, q)),
        appraisal: None,
    }
}

/// What on a role's card reads `kpi` directly: its KPIs, other KPIs it computes, its
/// gates and its adjustments.
fn read_by(rulebook: &Rulebook, role: &Role, kpi: KpiId) -> Vec<String> {
    let slot = rulebook.metrics().len() + kpi.index();
    let reads = |slots: &[usize]| slots.contains(&slot);
    let kpis = role
        .kpis_to_evaluate
        .iter()
        .filter(|&&k| reads(rulebook.kpi(k).compiled.slots()))
        .map(|&k| format!("kpi:{}", rulebook.kpi(k).key));
    let gates = role
        .gates
        .iter()
        .filter(|g| reads(g.compiled.slots()))
        .map(|g| format!("gate:{}", g.key));
    let adjustments = role
        .adjustments
        .iter()
        .filter(|a| reads(a.compiled.slots()))
        .map(|a| format!("adjustment:{}", a.key));
    kpis.chain(gates).chain(adjustments).collect()
}
