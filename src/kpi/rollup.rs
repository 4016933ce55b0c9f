//! From monthly metric values to the inputs of a period: months roll up by each
//! metric's time rollup, then people roll up into their teams (and teams into the
//! teams above them) by each metric's team rollup.
//!
//! A team's KPI is then its formula over these summed inputs, so a team ratio is the
//! ratio of sums, never the mean of its members' ratios.

use crate::kpi::definition::{TeamRollup, TimeRollup};
use crate::kpi::organisation::{Organisation, Subject};
use crate::kpi::period::{Month, Period};
use crate::kpi::rulebook::{MetricId, Rulebook};
use std::collections::BTreeMap;

/// Metric values by month, for every person and team of an organisation. Each month
/// is a dense table, one row per subject (people first, then teams) and one column
/// per metric, NaN where no value was given.
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

    fn row(&self, subject: Subject) -> usize {
        match subject {
            Subject::Person(p) => p.index(),
            Subject::Team(t) => self.people + t.index(),
        }
    }

    /// Sets a value, replacing any earlier one for the same subject, month and metric.
    pub fn set(&mut self, subject: Subject, month: Month, metric: MetricId, value: f64) {
        let size = (self.people + self.teams) * self.metric_count;
        let at = self.row(subject) * self.metric_count + metric.index();
        self.months.entry(month).or_insert_with(|| vec![f64::NAN; size])[at] = value;
    }

    pub fn get(&self, subject: Subject, month: Month, metric: MetricId) -> Option<f64> {
        let at = self.row(subject) * self.metric_count + metric.index();
        self.months.get(&month).map(|table| table[at]).filter(|v| !v.is_nan())
    }

    /// The months that hold any value.
    pub fn months(&self) -> impl Iterator<Item = Month> + '_ {
        self.months.keys().copied()
    }

    /// Every subject's inputs for `period`: months rolled up, then teams aggregated.
    pub fn period_inputs(&self, rulebook: &Rulebook, organisation: &Organisation, period: Period) -> PeriodInputs {
        let tables: Vec<&Vec<f64>> = period.months().iter().filter_map(|m| self.months.get(m)).collect();
        let rows = self.people + self.teams;
        let mut rolled = vec![f64::NAN; rows * self.metric_count];
        for (m, metric) in rulebook.metrics().iter().enumerate() {
            for row in 0..rows {
                let at = row * self.metric_count + m;
                rolled[at] = roll_over_time(metric.over_time, tables.iter().map(|t| t[at]));
            }
        }
        let people_len = self.people * self.metric_count;
        let team_own = rolled.split_off(people_len);
        PeriodInputs::from_people(rulebook, organisation, rolled, &team_own)
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
    let mut present = members.filter(|v| !v.is_nan());
    let Some(first) = present.next() else { return f64::NAN };
    match rollup {
        TeamRollup::Sum => present.fold(first, |a, v| a + v),
        TeamRollup::Min => present.fold(first, f64::min),
        TeamRollup::Max => present.fold(first, f64::max),
        TeamRollup::Average => {
            let (sum, count) = present.fold((first, 1u32), |(s, c), v| (s + v, c + 1));
            sum / f64::from(count)
        }
    }
}

/// The inputs of one period: a row of metric values per person and per team.
#[derive(Debug, Clone, PartialEq)]
pub struct PeriodInputs {
    metric_count: usize,
    people: Vec<f64>,
    teams: Vec<f64>,
}

impl PeriodInputs {
    /// Builds team rows from the people's rows. `team_own` holds values given for a
    /// team itself (metrics only known at team level, such as a marketing budget);
    /// where present they replace the aggregate of the members.
    pub fn from_people(
        rulebook: &Rulebook,
        organisation: &Organisation,
        people: Vec<f64>,
        team_own: &[f64],
    ) -> PeriodInputs {
        let metric_count = rulebook.metrics().len();
        let mut teams = vec![f64::NAN; organisation.teams().len() * metric_count];
        for (t, row) in teams.chunks_mut(metric_count.max(1)).enumerate() {
            let members = organisation.members(crate::kpi::organisation::TeamId(t as u32));
            for (m, metric) in rulebook.metrics().iter().enumerate() {
                let own = team_own.get(t * metric_count + m).copied().unwrap_or(f64::NAN);
                row[m] = if own.is_nan() {
                    roll_across_team(
                        metric.across_team,
                        members.iter().map(|p| people[p.index() * metric_count + m]),
                    )
                } else {
                    own
                };
            }
        }
        PeriodInputs {
            metric_count,
            people,
            teams,
        }
    }

    /// The metric values of a subject, one per metric of the rulebook, NaN where missing.
    pub fn row(&self, subject: Subject) -> &[f64] {
        let (table, index) = match subject {
            Subject::Person(p) => (&self.people, p.index()),
            Subject::Team(t) => (&self.teams, t.index()),
        };
        &table[index * self.metric_count..(index + 1) * self.metric_count]
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
}
