//! From monthly metric values to the inputs of one KPI for a period.
//!
//! Data arrives in cells: one person (or one team, for values only known at team
//! level) in one month. A KPI's numerator and denominator must cover the same cells,
//! or a quarter missing one month of promoters would divide two months of promoters
//! by three months of responses. So a KPI's inputs are gathered only from the cells
//! where every metric it reads (its dependencies' too) is present: the months roll up
//! by each metric's time rollup, then the members of a team by its team rollup. How
//! many of the expected cells that was is the KPI's [`Coverage`]; the scorecard turns
//! a KPI whose coverage falls below its `min_coverage` into "no data".
//!
//! A month in which a person is not active (outside their active months) is not a
//! cell of theirs, so it is never a gap; nor is a team lead (a role scored on the
//! team's numbers) without numbers of their own a gap in the team. A team's KPI is its formula over the summed
//! inputs of its covered cells, so a team ratio is the ratio of sums, never the mean
//! of its members' ratios.

use crate::kpi::definition::{ScoredOn, TeamRollup, TimeRollup};
use crate::kpi::organisation::{Organisation, PersonId, Subject, TeamId};
use crate::kpi::period::{Month, Period};
use crate::kpi::rulebook::{MetricId, Role, Rulebook};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// Metric values by month, for every person and team of an organisation. Each month
/// is a dense table, a column per metric laid end to end, a row per subject in each
/// (people first, then teams), NaN where no value was given. Column after column, so
/// a month scored for everyone reads each metric it needs in place, in order, and
/// none it does not.
#[derive(Debug, Clone)]
pub struct MetricData {
    metric_count: usize,
    people: usize,
    teams: usize,
    months: BTreeMap<Month, Vec<f64>>,
}

impl MetricData {
    pub fn new(metric_count: usize, people: usize, teams: usize) -> MetricData {
        MetricData {
            metric_count,
            people,
            teams,
            months: BTreeMap::new(),
        }
    }

    /// Where `subject`'s value of `metric` is in a month's table.
    fn at(&self, subject: Subject, metric: MetricId) -> usize {
        let row = match subject {
            Subject::Person(p) => p.index(),
            Subject::Team(t) => self.people + t.index(),
        };
        metric.index() * (self.people + self.teams) + row
    }

    /// Sets a value, replacing any earlier one for the same subject, month and metric.
    pub fn set(&mut self, subject: Subject, month: Month, metric: MetricId, value: f64) {
        let size = (self.people + self.teams) * self.metric_count;
        let at = self.at(subject, metric);
        self.months.entry(month).or_insert_with(|| vec![f64::NAN; size])[at] = value;
    }

    /// Sets a value unless the cell holds one already; `false` when it does (and is
    /// left as it was).
    pub fn set_new(&mut self, subject: Subject, month: Month, metric: MetricId, value: f64) -> bool {
        let size = (self.people + self.teams) * self.metric_count;
        let at = self.at(subject, metric);
        let cell = &mut self.months.entry(month).or_insert_with(|| vec![f64::NAN; size])[at];
        let new = cell.is_nan();
        if new {
            *cell = value;
        }
        new
    }

    /// Takes every value `other` holds, for tables filled from parts of one file;
    /// `false` when a cell is held in both (this table is then part merged).
    pub fn absorb(&mut self, other: MetricData) -> bool {
        debug_assert_eq!(
            (self.metric_count, self.people, self.teams),
            (other.metric_count, other.people, other.teams)
        );
        for (month, values) in other.months {
            match self.months.get_mut(&month) {
                None => {
                    self.months.insert(month, values);
                }
                Some(table) => {
                    for (mine, theirs) in table.iter_mut().zip(values) {
                        if !theirs.is_nan() {
                            if !mine.is_nan() {
                                return false;
                            }
                            *mine = theirs;
                        }
                    }
                }
            }
        }
        true
    }

    /// Removes a value, as if it had never been sent.
    pub fn remove(&mut self, subject: Subject, month: Month, metric: MetricId) {
        let at = self.at(subject, metric);
        if let Some(table) = self.months.get_mut(&month) {
            table[at] = f64::NAN;
        }
    }

    pub fn get(&self, subject: Subject, month: Month, metric: MetricId) -> Option<f64> {
        let at = self.at(subject, metric);
        self.months.get(&month).map(|table| table[at]).filter(|v| !v.is_nan())
    }

    /// The months that hold any value.
    pub fn months(&self) -> impl Iterator<Item = Month> + '_ {
        self.months.keys().copied()
    }

    /// The cells of `period`, with each person's active months in it.
    pub fn period_inputs(&self, rulebook: &Rulebook, organisation: &Organisation, period: Period) -> PeriodInputs {
        debug_assert_eq!(rulebook.metrics().len(), self.metric_count);
        let months = period.months();
        let tables = months
            .iter()
            .map(|m| self.months.get(m).cloned().unwrap_or_default())
            .collect();
        PeriodInputs {
            metric_count: self.metric_count,
            people: self.people,
            subjects: self.people + self.teams,
            months,
            tables,
            active: organisation.people().iter().map(|p| p.active.within(period)).collect(),
        }
    }
}

/// Combines a metric's monthly values, in calendar order, skipping months without data.
pub fn roll_over_time(rollup: TimeRollup, months: impl Iterator<Item = f64>) -> f64 {
    let mut present = months.filter(|v| !v.is_nan());
    match rollup {
        TimeRollup::Sum => present.fold(f64::NAN, |acc, v| if acc.is_nan() { v } else { acc + v }),
        TimeRollup::First => present.next().unwrap_or(f64::NAN),
        TimeRollup::Last => present.last().unwrap_or(f64::NAN),
        TimeRollup::Average => {
            let (sum, count) = present.fold((0.0, 0u32), |(s, c), v| (s + v, c + 1));
            if count == 0 { f64::NAN } else { sum / f64::from(count) }
        }
    }
}

/// Combines the values of a team's members, skipping members without data.
pub fn roll_across_team(rollup: TeamRollup, members: impl Iterator<Item = f64>) -> f64 {
    let mut across = Across::new(rollup);
    members.for_each(|v| across.add(v));
    across.value()
}

/// Folds the members of `team` into rollups that start as `fresh`, in the order
/// every team rollup takes them: the team's own people in order, then each team
/// directly below it in turn, folded the same way on its own and taken as one value
/// ([`Across::merge`]). So a team's sum is the sum of its own people's and its
/// sub-teams' sums, as a reader adding up the lines of a team page would have it,
/// and a month scored for everyone adds each person once, to their own team.
///
/// The people are read in their order (rows near each other in the month's table),
/// each into the rollups of their own team among the subtree's; the subtree's teams
/// are then taken into the teams above them, bottom up.
pub(super) fn fold_down(
    organisation: &Organisation,
    team: TeamId,
    fresh: &[Across],
    mut add: impl FnMut(PersonId, &mut [Across]),
) -> Vec<Across> {
    let width = fresh.len();
    let subtree = organisation.subtree(team);
    let first = organisation.tree_place(team);
    // Per team of the subtree, in the same order, its rollups.
    let mut rollups = fresh.repeat(subtree.len());
    for &person in organisation.members(team) {
        let own = organisation.places()[person.index()].0;
        let at = (organisation.tree_place(own) - first) * width;
        add(person, &mut rollups[at..at + width]);
    }
    // Bottom up: each team's sub-teams stand after it, already whole.
    for (at, &above) in subtree.iter().enumerate().rev() {
        for &sub in organisation.sub_teams(above) {
            let from = (organisation.tree_place(sub) - first) * width;
            let (head, tail) = rollups.split_at_mut(from);
            for (acc, &sub) in head[at * width..(at + 1) * width].iter_mut().zip(&tail[..width]) {
                acc.merge(sub);
            }
        }
    }
    rollups.truncate(width);
    rollups
}

/// A team rollup fed one member at a time.
#[derive(Debug, Clone, Copy)]
pub(super) struct Across {
    rollup: TeamRollup,
    value: f64,
    count: u32,
}

impl Across {
    pub(super) fn new(rollup: TeamRollup) -> Across {
        Across {
            rollup,
            value: Across::start(rollup),
            count: 0,
        }
    }

    /// What a rollup starts from: a value the first member's replaces to the bit
    /// (`-0 + v` is `v`, even for `-0`).
    #[inline]
    pub(super) fn start(rollup: TeamRollup) -> f64 {
        match rollup {
            TeamRollup::Sum | TeamRollup::Average => -0.0,
            TeamRollup::Min => f64::INFINITY,
            TeamRollup::Max => f64::NEG_INFINITY,
        }
    }

    /// One more member's value `v` (never NaN) folded into `acc`.
    #[inline]
    pub(super) fn step(rollup: TeamRollup, acc: f64, v: f64) -> f64 {
        match rollup {
            TeamRollup::Sum | TeamRollup::Average => acc + v,
            TeamRollup::Min => acc.min(v),
            TeamRollup::Max => acc.max(v),
        }
    }

    /// The rolled-up value of `count` members folded into `acc`; NaN for none.
    #[inline]
    pub(super) fn end(rollup: TeamRollup, acc: f64, count: u32) -> f64 {
        match rollup {
            _ if count == 0 => f64::NAN,
            TeamRollup::Average => acc / f64::from(count),
            TeamRollup::Sum | TeamRollup::Min | TeamRollup::Max => acc,
        }
    }

    fn add(&mut self, v: f64) {
        if v.is_nan() {
            return;
        }
        self.value = Across::step(self.rollup, self.value, v);
        self.count += 1;
    }

    fn value(self) -> f64 {
        Across::end(self.rollup, self.value, self.count)
    }

    /// A sub-team's rollup `sub` taken in as one value, whatever it is: a sub-team
    /// with no one counted leaves this as it was, to the bit (its value is the start,
    /// which [`Across::step`] leaves any rollup as it was).
    fn merge(&mut self, sub: Across) {
        self.value = Across::step(self.rollup, self.value, sub.value);
        self.count += sub.count;
    }
}

/// What a cell is, for saying how much of a period a value stands on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CoverageUnit {
    /// A person's months (or a team's, for values given for the team itself).
    Months,
    /// A team's members in a one-month period.
    Members,
    /// A team's members, each in each of their active months.
    MemberMonths,
}

/// How many of the cells a value should stand on had every input it reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Coverage {
    pub covered: u32,
    pub expected: u32,
    pub of: CoverageUnit,
}

impl Coverage {
    /// The covered share in percent; 0 when no cell was expected.
    pub fn percent(self) -> f64 {
        if self.expected == 0 {
            0.0
        } else {
            f64::from(self.covered) / f64::from(self.expected) * 100.0
        }
    }

    pub fn is_full(self) -> bool {
        self.expected > 0 && self.covered == self.expected
    }
}

impl fmt::Display for Coverage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let unit = match (self.of, self.expected) {
            (CoverageUnit::Months, 1) => "month",
            (CoverageUnit::Months, _) => "months",
            (CoverageUnit::Members, 1) => "member",
            (CoverageUnit::Members, _) => "members",
            (CoverageUnit::MemberMonths, 1) => "member-month",
            (CoverageUnit::MemberMonths, _) => "member-months",
        };
        write!(f, "{} of {} {unit}", self.covered, self.expected)
    }
}

/// The cells of one period: a table per month of the period (a column per metric,
/// each a row per subject, people then teams, NaN where missing; empty for a month
/// without any data) and the months each person is active in.
#[derive(Debug, Clone, PartialEq)]
pub struct PeriodInputs {
    metric_count: usize,
    people: usize,
    /// Rows in each column of a table: the people, then the teams.
    subjects: usize,
    months: Vec<Month>,
    tables: Vec<Vec<f64>>,
    /// Per person, bit `i` when active in `months[i]`.
    active: Vec<u16>,
}

impl PeriodInputs {
    /// The inputs of a one-month period, everyone active: a row of metric values per
    /// person (`people`, row after row), and rows of `team_own` values given for
    /// teams themselves (metrics only known at team level, such as a marketing
    /// budget), which stand for the whole team.
    pub fn from_people(
        rulebook: &Rulebook,
        organisation: &Organisation,
        month: Month,
        people: Vec<f64>,
        team_own: &[f64],
    ) -> PeriodInputs {
        let metric_count = rulebook.metrics().len();
        let (person_count, team_count) = (organisation.people().len(), organisation.teams().len());
        let subjects = person_count + team_count;
        let mut table = vec![f64::NAN; subjects * metric_count];
        for (column, m) in table.chunks_exact_mut(subjects).zip(0..) {
            let (persons, teams) = column.split_at_mut(person_count);
            for (cell, row) in persons.iter_mut().zip(people.chunks_exact(metric_count)) {
                *cell = row[m];
            }
            for (cell, row) in teams.iter_mut().zip(team_own.chunks_exact(metric_count)) {
                *cell = row[m];
            }
        }
        PeriodInputs {
            metric_count,
            people: person_count,
            subjects,
            months: vec![month],
            tables: vec![table],
            active: vec![1; person_count],
        }
    }

    /// The months of the period, in calendar order.
    pub fn months(&self) -> &[Month] {
        &self.months
    }

    /// How many people the tables hold (their rows come before the teams').
    pub(super) fn people(&self) -> usize {
        self.people
    }

    /// The column of `metric` in the period's `month`-th month: a row per subject,
    /// people then teams; empty for a month without data.
    pub(super) fn column(&self, month: usize, metric: MetricId) -> &[f64] {
        let at = metric.index() * self.subjects;
        self.tables[month].get(at..at + self.subjects).unwrap_or_default()
    }

    /// The months of the period `person` is active in, bit `i` for `months()[i]`.
    pub(super) fn active(&self, person: usize) -> u16 {
        self.active[person]
    }

    fn value(&self, row: usize, month: usize, metric: MetricId) -> f64 {
        self.tables[month]
            .get(metric.index() * self.subjects + row)
            .copied()
            .unwrap_or(f64::NAN)
    }

    fn all_present(&self, row: usize, month: usize, metrics: &[MetricId]) -> bool {
        metrics.iter().all(|&m| !self.value(row, month, m).is_nan())
    }

    fn month_bits(&self) -> u16 {
        ((1u32 << self.months.len()) - 1) as u16
    }

    /// The values of `metric` in the months of `bits`, in calendar order.
    fn over(&self, row: usize, bits: u16, metric: MetricId) -> impl Iterator<Item = f64> + '_ {
        (0..self.months.len())
            .filter(move |i| bits & (1 << i) != 0)
            .map(move |i| self.value(row, i, metric))
    }

    /// Gathers `metrics` for `subject` over the cells where all of them are present,
    /// writing each metric's rolled-up value to `out[metric]` (NaN when no cell is
    /// covered), and says how many cells that was.
    ///
    /// A person's cells are their active months. A team's are its members' active
    /// months (member x month), every member of its sub-teams included; a metric the
    /// team was given a value of its own for in the period is read from the team's
    /// row and must be present in the cell's month. A team scored on its own values
    /// alone has the period's months as cells.
    pub fn gather(
        &self,
        rulebook: &Rulebook,
        organisation: &Organisation,
        subject: Subject,
        metrics: &[MetricId],
        out: &mut [f64],
    ) -> Coverage {
        for &m in metrics {
            out[m.index()] = f64::NAN;
        }
        match subject {
            Subject::Person(p) => {
                let row = p.index();
                let active = self.active[row];
                let covered = (0..self.months.len())
                    .filter(|&i| active & (1 << i) != 0 && self.all_present(row, i, metrics))
                    .fold(0u16, |bits, i| bits | 1 << i);
                if covered != 0 {
                    for &m in metrics {
                        out[m.index()] = roll_over_time(rulebook.metric(m).over_time, self.over(row, covered, m));
                    }
                }
                Coverage {
                    covered: covered.count_ones(),
                    expected: active.count_ones(),
                    of: CoverageUnit::Months,
                }
            }
            Subject::Team(t) => self.gather_team(rulebook, organisation, t, metrics, out),
        }
    }

    fn gather_team(
        &self,
        rulebook: &Rulebook,
        organisation: &Organisation,
        team: TeamId,
        metrics: &[MetricId],
        out: &mut [f64],
    ) -> Coverage {
        let team_row = self.people + team.index();
        let all_months = self.month_bits();
        let (own, from_members): (Vec<MetricId>, Vec<MetricId>) = metrics
            .iter()
            .partition(|&&m| (0..self.months.len()).any(|i| !self.value(team_row, i, m).is_nan()));
        // The months in which the team's own values are all there.
        let own_months = (0..self.months.len())
            .filter(|&i| self.all_present(team_row, i, &own))
            .fold(0u16, |bits, i| bits | 1 << i);
        if from_members.is_empty() {
            let covered = own_months & all_months;
            if covered != 0 {
                for &m in &own {
                    out[m.index()] = roll_over_time(rulebook.metric(m).over_time, self.over(team_row, covered, m));
                }
            }
            return Coverage {
                covered: covered.count_ones(),
                expected: self.months.len() as u32,
                of: CoverageUnit::Months,
            };
        }
        let fresh: Vec<Across> = from_members
            .iter()
            .map(|&m| Across::new(rulebook.metric(m).across_team))
            .collect();
        let (mut covered, mut expected, mut months_used) = (0, 0, 0u16);
        let across = fold_down(organisation, team, &fresh, |person, across| {
            let row = person.index();
            let active = self.active[row];
            let cells = (0..self.months.len())
                .filter(|&i| active & own_months & (1 << i) != 0 && self.all_present(row, i, &from_members))
                .fold(0u16, |bits, i| bits | 1 << i);
            // Someone scored on the team's own numbers (a team lead) adds what they
            // have, and is no gap where they have nothing.
            expected += if on_team(rulebook, organisation, person) {
                cells.count_ones()
            } else {
                active.count_ones()
            };
            if cells == 0 {
                return;
            }
            covered += cells.count_ones();
            months_used |= cells;
            for (acc, &m) in across.iter_mut().zip(&from_members) {
                acc.add(roll_over_time(rulebook.metric(m).over_time, self.over(row, cells, m)));
            }
        });
        for (acc, &m) in across.iter().zip(&from_members) {
            out[m.index()] = acc.value();
        }
        if months_used != 0 {
            for &m in &own {
                out[m.index()] = roll_over_time(rulebook.metric(m).over_time, self.over(team_row, months_used, m));
            }
        }
        Coverage {
            covered,
            expected,
            of: if self.months.len() == 1 {
                CoverageUnit::Members
            } else {
                CoverageUnit::MemberMonths
            },
        }
    }

    /// Every metric of `subject` rolled up alone, over the cells that have it: the
    /// inputs a frozen card keeps beside it.
    pub fn subject_values(
        &self,
        rulebook: &Rulebook,
        organisation: &Organisation,
        subject: Subject,
    ) -> Vec<(MetricId, f64)> {
        let mut out = vec![f64::NAN; self.metric_count];
        (0..self.metric_count)
            .filter_map(|m| {
                let metric = MetricId(m as u32);
                self.gather(rulebook, organisation, subject, &[metric], &mut out);
                Some((metric, out[m])).filter(|(_, v)| !v.is_nan())
            })
            .collect()
    }

    /// The metrics of `metrics` without a value in any of `subject`'s cells.
    pub fn never_present(&self, organisation: &Organisation, subject: Subject, metrics: &[MetricId]) -> Vec<MetricId> {
        metrics
            .iter()
            .copied()
            .filter(|&m| {
                let rows: Vec<(usize, u16)> = match subject {
                    Subject::Person(p) => vec![(p.index(), self.active[p.index()])],
                    Subject::Team(t) => std::iter::once((self.people + t.index(), self.month_bits()))
                        .chain(
                            organisation
                                .members(t)
                                .iter()
                                .map(|p| (p.index(), self.active[p.index()])),
                        )
                        .collect(),
                };
                !rows
                    .iter()
                    .any(|&(row, bits)| self.over(row, bits, m).any(|v| !v.is_nan()))
            })
            .collect()
    }

    /// Where `metrics` are missing among `subject`'s cells, in words: for a person the
    /// months, for a team the members (with their months in a longer period) or the
    /// months of the team's own values. Only called to explain a gap.
    pub fn describe_gaps(
        &self,
        rulebook: &Rulebook,
        organisation: &Organisation,
        subject: Subject,
        metrics: &[MetricId],
    ) -> String {
        let months_of = |row: usize, bits: u16, m: MetricId| -> Vec<String> {
            (0..self.months.len())
                .filter(|&i| bits & (1 << i) != 0 && self.value(row, i, m).is_nan())
                .map(|i| self.months[i].to_string())
                .collect()
        };
        let mut parts = Vec::new();
        for &m in metrics {
            let key = &rulebook.metric(m).key;
            let missing: Vec<String> = match subject {
                Subject::Person(p) => months_of(p.index(), self.active[p.index()], m),
                Subject::Team(t) => {
                    let team_row = self.people + t.index();
                    let own = (0..self.months.len()).any(|i| !self.value(team_row, i, m).is_nan());
                    if own {
                        months_of(team_row, self.month_bits(), m)
                    } else {
                        organisation
                            .members(t)
                            .iter()
                            .filter(|&&p| !on_team(rulebook, organisation, p))
                            .filter_map(|p| {
                                let months = months_of(p.index(), self.active[p.index()], m);
                                if months.is_empty() {
                                    None
                                } else if self.months.len() == 1 {
                                    Some(organisation.person(*p).key.clone())
                                } else {
                                    Some(format!("{} ({})", organisation.person(*p).key, months.join(", ")))
                                }
                            })
                            .collect()
                    }
                }
            };
            if !missing.is_empty() {
                parts.push(format!("{key} missing for {}", list(&missing)));
            }
        }
        parts.join("; ")
    }
}

/// Whether a person's card is computed from their team's numbers.
pub(super) fn on_team(rulebook: &Rulebook, organisation: &Organisation, person: PersonId) -> bool {
    scored_on_team(rulebook.role(organisation.person(person).role))
}

/// Whether a role's people are scored on their team's numbers (team leads).
pub(super) fn scored_on_team(role: &Role) -> bool {
    role.scored_on == ScoredOn::Team
}

/// At most five items, then how many more.
fn list(items: &[String]) -> String {
    const SHOWN: usize = 5;
    if items.len() <= SHOWN {
        items.join(", ")
    } else {
        format!("{} and {} more", items[..SHOWN].join(", "), items.len() - SHOWN)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NAN: f64 = f64::NAN;

    #[test]
    fn months_roll_up_by_each_metrics_rule() {
        let months = [10.0, NAN, 30.0];
        assert_eq!(roll_over_time(TimeRollup::Sum, months.into_iter()), 40.0);
        assert_eq!(roll_over_time(TimeRollup::First, months.into_iter()), 10.0);
        assert_eq!(roll_over_time(TimeRollup::Last, months.into_iter()), 30.0);
        assert_eq!(roll_over_time(TimeRollup::Average, months.into_iter()), 20.0);
        assert!(
            roll_over_time(TimeRollup::Sum, [NAN, NAN].into_iter()).is_nan(),
            "no data is not zero"
        );
    }

    #[test]
    fn members_roll_up_by_each_metrics_rule() {
        let members = [4.0, NAN, 2.0, 6.0];
        assert_eq!(roll_across_team(TeamRollup::Sum, members.into_iter()), 12.0);
        assert_eq!(roll_across_team(TeamRollup::Average, members.into_iter()), 4.0);
        assert_eq!(roll_across_team(TeamRollup::Min, members.into_iter()), 2.0);
        assert_eq!(roll_across_team(TeamRollup::Max, members.into_iter()), 6.0);
        assert!(roll_across_team(TeamRollup::Sum, [NAN].into_iter()).is_nan());
    }

    #[test]
    fn coverage_reads_as_a_user_would_say_it() {
        let of = |covered, expected, of| Coverage { covered, expected, of };
        assert_eq!(of(2, 3, CoverageUnit::Months).to_string(), "2 of 3 months");
        assert_eq!(of(15, 16, CoverageUnit::Members).to_string(), "15 of 16 members");
        assert_eq!(of(1, 1, CoverageUnit::Months).to_string(), "1 of 1 month");
        assert!((of(2, 3, CoverageUnit::Months).percent() - 66.666_666_666).abs() < 1e-6);
        assert_eq!(of(0, 0, CoverageUnit::Members).percent(), 0.0);
        assert!(!of(0, 0, CoverageUnit::Members).is_full());
    }

    #[test]
    fn a_long_list_names_five_and_counts_the_rest() {
        let items: Vec<String> = (1..=7).map(|i| format!("p{i}")).collect();
        assert_eq!(list(&items), "p1, p2, p3, p4, p5 and 2 more");
        assert_eq!(list(&items[..2]), "p1, p2");
    }
}
