//! A scored period's figures alone: each card's total and each KPI's value.
//!
//! A card page draws the periods before the one it shows as sparklines and a change,
//! and the team page and the index show the change since the period before: they
//! read those periods for a few numbers a card. Whole card views are kilobytes each
//! (names, formulas, inputs, reasons), so a period read only for its history is kept
//! as these figures, a few dozen bytes a card, taken from the engine's scores without
//! building its card views at all.

use crate::kpi::evaluate::PeriodScores;
use crate::kpi::organisation::Organisation;
use crate::kpi::rulebook::Rulebook;
use crate::kpi::scorecard::KpiOutcome;
use crate::report::{CardView, PeriodReport};
use std::collections::HashMap;

#[derive(Debug, Default)]
pub struct PeriodFigures {
    /// Each card (people, then teams) by subject: its row.
    rows: HashMap<String, usize>,
    totals: Vec<Option<f64>>,
    /// Each KPI on any card, by key: its column in `values`.
    columns: HashMap<String, usize>,
    /// `row * columns + column`: the KPI's value where the card scored it.
    values: Vec<Option<f64>>,
    people: usize,
    graded_people: usize,
}

impl PeriodFigures {
    pub fn of(report: &PeriodReport) -> PeriodFigures {
        let cards = || report.people.iter().chain(&report.teams);
        let columns: HashMap<String, usize> = crate::report::kpis_shown(cards())
            .into_iter()
            .enumerate()
            .map(|(i, k)| (k.kpi.clone(), i))
            .collect();
        let width = columns.len();
        let mut values = vec![None; (report.people.len() + report.teams.len()) * width];
        for (row, card) in cards().enumerate() {
            for kpi in &card.kpis {
                if let (Some(&column), KpiOutcome::Scored { value, .. }) = (columns.get(&kpi.kpi), &kpi.outcome) {
                    values[row * width + column] = Some(*value);
                }
            }
        }
        PeriodFigures {
            rows: cards().enumerate().map(|(row, c)| (c.subject.clone(), row)).collect(),
            totals: cards().map(|c| c.total).collect(),
            columns,
            values,
            people: report.people.len(),
            graded_people: report.people.iter().filter(|c| c.total.is_some()).count(),
        }
    }

    /// The figures of a period's scores: the same numbers its card views would show.
    pub fn of_scores(rulebook: &Rulebook, organisation: &Organisation, scores: &PeriodScores) -> PeriodFigures {
        let width = rulebook.kpis().len();
        let cards: Vec<_> = scores.cards().collect();
        let mut values = vec![None; cards.len() * width];
        for (row, (_, card)) in cards.iter().enumerate() {
            for kpi in &card.kpis {
                if let KpiOutcome::Scored { value, .. } = kpi.outcome {
                    values[row * width + kpi.kpi.index()] = Some(value);
                }
            }
        }
        PeriodFigures {
            rows: cards
                .iter()
                .enumerate()
                .map(|(row, (subject, _))| (organisation.subject_key(*subject).to_owned(), row))
                .collect(),
            totals: cards.iter().map(|(_, card)| card.result.total()).collect(),
            columns: rulebook
                .kpis()
                .iter()
                .enumerate()
                .map(|(i, k)| (k.key.clone(), i))
                .collect(),
            values,
            people: scores.people.len(),
            graded_people: scores.people.iter().filter(|c| c.result.total().is_some()).count(),
        }
    }

    /// Whether `subject` has a card in the period.
    pub fn has_card(&self, subject: &str) -> bool {
        self.rows.contains_key(subject)
    }

    /// `subject`'s total; `None` without a card or without a total.
    pub fn total(&self, subject: &str) -> Option<f64> {
        self.totals[*self.rows.get(subject)?]
    }

    /// The value `subject`'s card scored for `kpi`; `None` without a card, without
    /// the KPI, or where the KPI had no value.
    pub fn kpi_value(&self, subject: &str, kpi: &str) -> Option<f64> {
        let (row, column) = (*self.rows.get(subject)?, *self.columns.get(kpi)?);
        self.values[row * self.columns.len() + column]
    }

    /// At least half the people have a total: enough to be the month shown when
    /// none is asked for. One row sent for next month does not make it so.
    pub fn enough_to_show(&self) -> bool {
        self.graded_people > 0 && self.graded_people * 2 >= self.people
    }
}

/// The value `card` scored for `kpi`, as [`PeriodFigures::kpi_value`] keeps it.
pub fn kpi_value(card: &CardView, kpi: &str) -> Option<f64> {
    card.kpis.iter().find(|k| k.kpi == kpi).and_then(|k| match k.outcome {
        KpiOutcome::Scored { value, .. } => Some(value),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kpi::period::{Month, Period};
    use serde_json::json;

    fn kpi(key: &str, value: Option<f64>) -> serde_json::Value {
        let outcome = match value {
            Some(v) => json!({"status": "scored", "value": v, "achievement": v, "points": 100.0}),
            None => json!({"status": "no_data", "reason": "no data for calls"}),
        };
        let mut kpi = json!({
            "kpi": key, "name": {"en": key, "zh": key}, "tier": "base", "formula": "calls",
            "inputs": [{"name": "calls", "value": value}], "target": {"target": 10.0},
            "weight": 50.0, "effective_weight": 50.0, "contribution": 0.0
        });
        kpi.as_object_mut()
            .expect("an object")
            .extend(outcome.as_object().expect("an object").clone());
        kpi
    }

    fn card(subject: &str, kind: &str, role: &str, total: Option<f64>, kpis: Vec<serde_json::Value>) -> CardView {
        serde_json::from_value(json!({
            "subject": subject, "kind": kind, "name": subject, "team": null, "role": role,
            "scored_on": subject, "total": total, "weighted_score": 0.0, "grade": null,
            "bonus_coefficient": null, "complete": false, "tiers": [], "kpis": kpis,
            "adjustments": [], "gates": []
        }))
        .expect("a card")
    }

    #[test]
    fn the_figures_are_the_cards_numbers() {
        let report = PeriodReport {
            period: Period::Month(Month::new(2026, 10).expect("a month")),
            people: vec![
                card(
                    "p1",
                    "person",
                    "rep",
                    Some(81.5),
                    vec![kpi("calls", Some(12.0)), kpi("deals", None)],
                ),
                card(
                    "p2",
                    "person",
                    "rep",
                    None,
                    vec![kpi("calls", None), kpi("deals", None)],
                ),
                card("p3", "person", "lead", Some(70.0), vec![kpi("coaching", Some(3.5))]),
            ],
            teams: vec![card("t1", "team", "team", Some(90.0), vec![kpi("calls", Some(24.0))])],
        };
        let figures = PeriodFigures::of(&report);
        for card in report.people.iter().chain(&report.teams) {
            assert!(figures.has_card(&card.subject));
            assert_eq!(figures.total(&card.subject), card.total, "{}", card.subject);
            for kpi in ["calls", "deals", "coaching"] {
                assert_eq!(
                    figures.kpi_value(&card.subject, kpi),
                    kpi_value(card, kpi),
                    "{} {kpi}",
                    card.subject
                );
            }
        }
        assert_eq!(figures.kpi_value("p1", "calls"), Some(12.0));
        assert_eq!(figures.kpi_value("p3", "coaching"), Some(3.5));
        assert_eq!(figures.kpi_value("t1", "calls"), Some(24.0));
        assert_eq!(figures.kpi_value("p3", "calls"), None, "not on a lead's card");
        assert!(!figures.has_card("nobody"));
        assert_eq!(figures.total("nobody"), None);
        assert!(figures.enough_to_show(), "two of three people have a total");
    }
}
