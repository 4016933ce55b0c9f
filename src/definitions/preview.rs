//! What a draft would change before it is published: each person's and team's total
//! and grade under the definitions in force beside the draft's, sorted by the size of
//! the change. The stored rows are read once; every month and both rulebooks are then
//! scored in memory, so a year of ten thousand people previews in well under a second.

use crate::import::{build_metric_data, build_target_book, organisation_from};
use crate::kpi::evaluate::score_period;
use crate::kpi::organisation::{Organisation, Subject};
use crate::kpi::period::{Month, Period};
use crate::kpi::qualitative::{RatingBook, Ratings};
use crate::kpi::rulebook::Rulebook;
use crate::report::PeriodReport;
use crate::store::{MetricRow, PersonRow, Store, StoreError, TargetRow, TeamRow};

/// What the store holds for the months previewed, read once.
#[derive(Debug, Clone)]
pub struct StoredRows {
    pub teams: Vec<TeamRow>,
    pub people: Vec<PersonRow>,
    pub metrics: Vec<MetricRow>,
    pub targets: Vec<TargetRow>,
    /// Each month's managers' ratings, by person.
    pub ratings: Vec<(Month, Vec<(String, Ratings)>)>,
}

impl StoredRows {
    pub async fn load(store: &Store, months: &[Month]) -> Result<StoredRows, StoreError> {
        let mut ratings = Vec::new();
        for &month in months {
            let given = store.list_appraisals(month).await?.into_iter();
            ratings.push((
                month,
                given.filter_map(|a| Some((a.person, a.manager_ratings?))).collect(),
            ));
        }
        Ok(StoredRows {
            teams: store.list_teams().await?,
            people: store.list_people().await?,
            metrics: store.list_metric_values_in(months).await?,
            targets: store.list_targets().await?,
            ratings,
        })
    }

    /// `month`'s ratings for the people of `organisation`.
    fn ratings_of(&self, organisation: &Organisation, month: Month) -> RatingBook {
        let mut book = RatingBook::default();
        let given = self.ratings.iter().filter(|(m, _)| *m == month).flat_map(|(_, r)| r);
        for (person, ratings) in given {
            if let Some(id) = organisation.find_person(person) {
                book.insert(id, ratings.clone());
            }
        }
        book
    }
}

/// One subject's outcome in one month.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub subject: String,
    pub name: String,
    pub team: bool,
    pub total: Option<f64>,
    pub grade: Option<String>,
    pub bonus_coefficient: Option<f64>,
}

/// Every person active in each of `months`, and every team, scored with `rulebook`.
pub fn score_months(rulebook: &Rulebook, rows: &StoredRows, months: &[Month]) -> Result<Vec<Vec<Outcome>>, StoreError> {
    let organisation = organisation_from(rulebook, &rows.teams, rows.people.clone(), None)?;
    let data = build_metric_data(rulebook, &organisation, &rows.metrics);
    let targets = build_target_book(rulebook, &organisation, &rows.targets);
    let outcomes = months
        .iter()
        .map(|&month| {
            let period = Period::Month(month);
            let inputs = data.period_inputs(rulebook, &organisation, period);
            let ratings = rows.ratings_of(&organisation, month);
            let scores = score_period(rulebook, &organisation, &inputs, &targets, &ratings, period);
            scores
                .cards()
                .filter(|(subject, _)| match subject {
                    Subject::Person(p) => organisation.person(*p).active.contains(month),
                    Subject::Team(_) => true,
                })
                .map(|(subject, card)| {
                    let (name, team) = match subject {
                        Subject::Person(p) => (organisation.person(p).name.clone(), false),
                        Subject::Team(t) => (organisation.team(t).name.clone(), true),
                    };
                    Outcome {
                        subject: organisation.subject_key(subject).to_owned(),
                        name,
                        team,
                        total: card.result.total(),
                        grade: card.result.grade().map(str::to_owned),
                        bonus_coefficient: card.result.bonus_coefficient(),
                    }
                })
                .collect()
        })
        .collect();
    Ok(outcomes)
}

/// The outcomes a frozen month was finalized with.
pub fn frozen_outcomes(report: &PeriodReport) -> Vec<Outcome> {
    report
        .people
        .iter()
        .chain(&report.teams)
        .map(|card| Outcome {
            subject: card.subject.clone(),
            name: card.name.clone(),
            team: card.kind == "team",
            total: card.total,
            grade: card.grade.clone(),
            bonus_coefficient: card.bonus_coefficient,
        })
        .collect()
}

/// One subject, before and after.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub subject: String,
    pub name: String,
    pub team: bool,
    pub before: Option<f64>,
    pub after: Option<f64>,
    pub grade_before: Option<String>,
    pub grade_after: Option<String>,
}

impl Change {
    /// How far the total moves; a total that appears or goes counts as the whole of it.
    pub fn size(&self) -> f64 {
        match (self.before, self.after) {
            (Some(b), Some(a)) => (a - b).abs(),
            (Some(t), None) | (None, Some(t)) => t.abs(),
            (None, None) => 0.0,
        }
    }
}

/// A period before and after a draft.
#[derive(Debug, Clone, PartialEq)]
pub struct PeriodPreview {
    pub period: Period,
    /// A finalized month: its "before" is what was frozen; it is only previewed, never re-scored.
    pub finalized: bool,
    /// Every subject of either side, the largest change first.
    pub changes: Vec<Change>,
    pub grades_changed: usize,
    /// The sum of every person's bonus coefficient, before and after.
    pub bonus_before: f64,
    pub bonus_after: f64,
}

/// `before` beside `after` for `period`.
pub fn compare(period: Period, finalized: bool, before: &[Outcome], after: &[Outcome]) -> PeriodPreview {
    let mut by_subject: std::collections::HashMap<&str, (Option<&Outcome>, Option<&Outcome>)> =
        std::collections::HashMap::new();
    for outcome in before {
        by_subject.entry(outcome.subject.as_str()).or_default().0 = Some(outcome);
    }
    for outcome in after {
        by_subject.entry(outcome.subject.as_str()).or_default().1 = Some(outcome);
    }
    let mut changes: Vec<Change> = by_subject
        .into_values()
        .map(|(b, a)| {
            let either = b.or(a).expect("each entry has a side");
            Change {
                subject: either.subject.clone(),
                name: either.name.clone(),
                team: either.team,
                before: b.and_then(|o| o.total),
                after: a.and_then(|o| o.total),
                grade_before: b.and_then(|o| o.grade.clone()),
                grade_after: a.and_then(|o| o.grade.clone()),
            }
        })
        .collect();
    changes.sort_by(|x, y| y.size().total_cmp(&x.size()).then_with(|| x.subject.cmp(&y.subject)));
    let bonus = |outcomes: &[Outcome]| -> f64 {
        outcomes
            .iter()
            .filter(|o| !o.team)
            .filter_map(|o| o.bonus_coefficient)
            .sum()
    };
    PeriodPreview {
        period,
        finalized,
        grades_changed: changes.iter().filter(|c| c.grade_before != c.grade_after).count(),
        changes,
        bonus_before: bonus(before),
        bonus_after: bonus(after),
    }
}

/// Every one of `months` scored with `before` and with `after`, compared: what the
/// benchmark measures, and the open months of a preview page.
pub fn preview(
    before: &Rulebook,
    after: &Rulebook,
    rows: &StoredRows,
    months: &[Month],
) -> Result<Vec<PeriodPreview>, StoreError> {
    let old = score_months(before, rows, months)?;
    let new = score_months(after, rows, months)?;
    Ok(months
        .iter()
        .zip(old.iter().zip(&new))
        .map(|(&month, (old, new))| compare(Period::Month(month), false, old, new))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(subject: &str, total: Option<f64>, grade: &str, bonus: f64) -> Outcome {
        Outcome {
            subject: subject.into(),
            name: subject.to_uppercase(),
            team: false,
            total,
            grade: Some(grade.into()),
            bonus_coefficient: Some(bonus),
        }
    }

    #[test]
    fn changes_come_largest_first_with_grades_and_bonuses_counted() {
        let month = Period::Month(Month::new(2026, 10).expect("a month"));
        let before = [
            outcome("a", Some(90.0), "B", 1.0),
            outcome("b", Some(80.0), "C", 0.8),
            outcome("c", Some(70.0), "C", 0.8),
        ];
        let after = [
            outcome("a", Some(91.0), "B", 1.0),
            outcome("b", Some(95.0), "A", 1.2),
            outcome("c", Some(66.5), "C", 0.8),
        ];
        let preview = compare(month, false, &before, &after);
        let order: Vec<&str> = preview.changes.iter().map(|c| c.subject.as_str()).collect();
        assert_eq!(order, ["b", "c", "a"], "15 points, then 3.5, then 1");
        assert_eq!(preview.grades_changed, 1);
        assert!((preview.bonus_before - 2.6).abs() < 1e-9);
        assert!((preview.bonus_after - 3.0).abs() < 1e-9);
    }

    #[test]
    fn a_subject_on_one_side_only_is_listed_with_its_whole_total_as_the_change() {
        let month = Period::Month(Month::new(2026, 10).expect("a month"));
        let preview = compare(month, true, &[outcome("a", Some(50.0), "D", 0.0)], &[]);
        assert_eq!(preview.changes.len(), 1);
        assert_eq!(preview.changes[0].after, None);
        assert_eq!(preview.changes[0].size(), 50.0);
        assert_eq!(preview.grades_changed, 1, "a grade that goes is a change");
    }
}
