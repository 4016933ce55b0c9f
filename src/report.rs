//! Scorecards as people read them: a table, JSON with every number explained, or
//! CSV for a spreadsheet.

use crate::kpi::definition::{AdjustmentKind, LocalizedName};
use crate::kpi::evaluate::{PeriodScores, inputs_subject};
use crate::kpi::organisation::{Organisation, PersonId, Subject, TeamId};
use crate::kpi::period::Period;
use crate::kpi::rollup::PeriodInputs;
use crate::kpi::rulebook::{Rulebook, Target};
use crate::kpi::scorecard::{ExplainedInput, Explainer, GateState, KpiOutcome, Scorecard, Workspace};
use serde::{Deserialize, Serialize};
use std::io::{self, Write};

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
    /// The person's team, or the team's parent.
    pub team: Option<String>,
    pub role: String,
    /// Whose inputs the card was computed from (a team lead's are the team's).
    pub scored_on: String,
    pub total: f64,
    pub weighted_score: f64,
    pub grade: String,
    pub bonus_coefficient: f64,
    pub complete: bool,
    pub tiers: Vec<TierView>,
    pub kpis: Vec<KpiView>,
    pub adjustments: Vec<AdjustmentView>,
    pub gates: Vec<GateView>,
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
    pub target: Target,
    pub weight: f64,
    pub effective_weight: f64,
    pub contribution: f64,
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

impl PeriodReport {
    /// Puts the scores of a period beside the definitions and inputs that explain them.
    pub fn new(
        rulebook: &Rulebook,
        organisation: &Organisation,
        inputs: &PeriodInputs,
        scores: &PeriodScores,
    ) -> PeriodReport {
        let mut workspace = Workspace::default();
        let mut view = |subject: Subject, card: &Scorecard| {
            card_view(rulebook, organisation, inputs, subject, card, &mut workspace)
        };
        let people = scores
            .people
            .iter()
            .enumerate()
            .map(|(i, card)| view(Subject::Person(PersonId(i as u32)), card))
            .collect();
        let teams = scores
            .teams
            .iter()
            .enumerate()
            .filter_map(|(i, card)| card.as_ref().map(|card| view(Subject::Team(TeamId(i as u32)), card)))
            .collect();
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
            Format::Table => writeln!(out, "{}", self.table()),
            Format::Csv => self.csv(out),
        }
    }

    fn cards(&self) -> impl Iterator<Item = &CardView> {
        self.people.iter().chain(&self.teams)
    }

    fn table(&self) -> comfy_table::Table {
        let mut table = comfy_table::Table::new();
        table.load_preset(comfy_table::presets::UTF8_FULL_CONDENSED);
        table.set_header([
            "subject", "name", "team", "role", "base", "process", "result", "total", "grade", "note",
        ]);
        for card in self.cards() {
            let tier = |name: &str| {
                card.tiers
                    .iter()
                    .find(|t| t.tier == name)
                    .and_then(|t| t.score)
                    .map_or_else(|| "-".to_owned(), |s| format!("{s:.1}"))
            };
            let missing = card.kpis.iter().filter(|k| k.outcome.points().is_none()).count();
            let fired: Vec<&str> = card
                .gates
                .iter()
                .filter(|g| g.state == GateState::Fired)
                .map(|g| g.gate.as_str())
                .collect();
            let mut note = Vec::new();
            if missing > 0 {
                note.push(format!(
                    "incomplete: {missing} KPI{} unscored",
                    if missing == 1 { "" } else { "s" }
                ));
            }
            if !fired.is_empty() {
                note.push(format!("gate: {}", fired.join(", ")));
            }
            let subject = if card.kind == "team" {
                format!("[team] {}", card.subject)
            } else {
                card.subject.to_owned()
            };
            table.add_row([
                subject,
                card.name.to_owned(),
                card.team.clone().unwrap_or_default(),
                card.role.to_owned(),
                tier("base"),
                tier("process"),
                tier("result"),
                format!("{:.1}", card.total),
                card.grade.to_owned(),
                note.join("; "),
            ]);
        }
        table
    }

    /// One row per subject and KPI, the card's total and grade repeated on each.
    fn csv(&self, out: &mut dyn Write) -> io::Result<()> {
        let mut writer = csv::Writer::from_writer(out);
        writer.write_record([
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
        ])?;
        let number = |v: Option<f64>| v.map_or_else(String::new, |v| v.to_string());
        let period = self.period.to_string();
        for card in self.cards() {
            for kpi in &card.kpis {
                let (status, achievement, reason) = match &kpi.outcome {
                    KpiOutcome::Scored { achievement, .. } => ("scored", *achievement, ""),
                    KpiOutcome::NoData { reason } => ("no_data", None, reason.as_str()),
                    KpiOutcome::NotComputable { reason } => ("not_computable", None, reason.as_str()),
                };
                writer.write_record([
                    period.as_str(),
                    &card.subject,
                    &card.kind,
                    &card.role,
                    &kpi.kpi,
                    &kpi.tier,
                    status,
                    &number(kpi.outcome.value()),
                    &kpi.target.target.to_string(),
                    &number(achievement),
                    &number(kpi.outcome.points()),
                    &kpi.weight.to_string(),
                    &kpi.effective_weight.to_string(),
                    &kpi.contribution.to_string(),
                    reason,
                    &card.total.to_string(),
                    &card.grade,
                    &card.bonus_coefficient.to_string(),
                ])?;
            }
        }
        writer.flush()
    }
}

/// A card beside the definitions and inputs that explain it.
pub fn card_view(
    rulebook: &Rulebook,
    organisation: &Organisation,
    inputs: &PeriodInputs,
    subject: Subject,
    card: &Scorecard,
    workspace: &mut Workspace,
) -> CardView {
    let role = rulebook.role(card.role);
    let (kind, name, team) = match subject {
        Subject::Person(p) => {
            let person = organisation.person(p);
            (
                "person",
                person.name.clone(),
                Some(organisation.team(person.team).key.clone()),
            )
        }
        Subject::Team(t) => {
            let team = organisation.team(t);
            (
                "team",
                team.name.clone(),
                team.parent.map(|p| organisation.team(p).key.clone()),
            )
        }
    };
    let source = inputs_subject(rulebook, organisation, subject);
    let explainer = Explainer::new(rulebook, card.role, inputs.row(source), workspace);
    CardView {
        subject: organisation.subject_key(subject).to_owned(),
        kind: kind.to_owned(),
        name,
        team,
        role: role.key.clone(),
        scored_on: organisation.subject_key(source).to_owned(),
        total: card.total,
        weighted_score: card.weighted_score,
        grade: card.grade.clone(),
        bonus_coefficient: card.bonus_coefficient,
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
                    target: k.target,
                    weight: k.weight,
                    effective_weight: k.effective_weight,
                    contribution: k.contribution,
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
    }
}
