//! A month's team rollups: each task's people folded into their own team's rollups,
//! a column at a time in the people's order, then each team's sub-teams' rollups
//! taken into its own, bottom up, as [`fold_down`] takes a team's members (so sums
//! are the same to the bit); then every team's KPIs worked out from its rollups.
//! A team given values of its own for a task's KPIs is rolled up as a card is.
//!
//! [`fold_down`]: crate::kpi::rollup::fold_down

use super::{Column, Plan};
use crate::kpi::organisation::{Organisation, Subject, TeamId};
use crate::kpi::rollup::{Across, Coverage, CoverageUnit, PeriodInputs};
use crate::kpi::rulebook::{KpiId, MetricId, Rulebook};

/// The inputs of a range of KPIs as lanes, KPI after KPI and each KPI's metrics in
/// the order it reads them: how a team given nothing of its own lays out its rollups.
struct RollupLanes {
    /// Per lane, its metric.
    metric: Vec<usize>,
    /// Per KPI of the range, its lanes.
    kpi_lanes: Vec<std::ops::Range<usize>>,
    /// Per lane, what its rollup starts from ([`Across::start`]): folding it in leaves
    /// a rollup as it was, to the bit, so a member who does not count adds it.
    neutral: Vec<f64>,
    across: Vec<crate::kpi::definition::TeamRollup>,
    /// Every lane a sum (or an average's sum): added in a loop the compiler vectorises.
    all_sums: bool,
}

impl RollupLanes {
    fn of(rulebook: &Rulebook, kpis: std::ops::Range<usize>) -> RollupLanes {
        use crate::kpi::definition::TeamRollup as Rollup;
        let mut lanes = RollupLanes {
            metric: Vec::new(),
            kpi_lanes: Vec::new(),
            neutral: Vec::new(),
            across: Vec::new(),
            all_sums: true,
        };
        for k in kpis {
            let from = lanes.metric.len();
            for &m in &rulebook.kpis()[k].reads.metrics {
                let across = rulebook.metric(m).across_team;
                lanes.metric.push(m.index());
                lanes.neutral.push(Across::start(across));
                lanes.across.push(across);
                lanes.all_sums &= matches!(across, Rollup::Sum | Rollup::Average);
            }
            lanes.kpi_lanes.push(from..lanes.metric.len());
        }
        lanes
    }

    fn len(&self) -> usize {
        self.metric.len()
    }

    /// Folds a column's people into their own team's rollups, person after person:
    /// `laid` holds each person's lanes, one after the other, `at[i]` where person
    /// `i`'s team keeps its rollups in `acc`.
    #[inline(always)]
    fn fold(&self, laid: &[f64], at: &[u32], acc: &mut [f64]) {
        let width = self.metric.len();
        for (lanes, &at) in laid.chunks_exact(width).zip(at) {
            self.take_in(&mut acc[at as usize..at as usize + width], lanes);
        }
    }

    /// `lanes` taken into the rollups `acc`: a member's values, or a sub-team's rollups.
    #[inline(always)]
    fn take_in(&self, acc: &mut [f64], lanes: &[f64]) {
        if self.all_sums {
            // `-0 + acc` is `acc` to the bit: whole vectors of lanes at a time.
            for (acc, &v) in acc.iter_mut().zip(lanes) {
                *acc += v;
            }
        } else {
            for ((acc, &v), &rollup) in acc.iter_mut().zip(lanes).zip(&self.across) {
                *acc = Across::step(rollup, *acc, v);
            }
        }
    }

    /// Lays out a column's people's lanes, person after person (lane after lane of
    /// the column read in order): a person's value where they count (their cell for
    /// the lane's KPI: active, every input there), the lane's neutral value where
    /// they do not.
    #[inline(always)]
    fn lay_out(&self, column: &Column, kpis: std::ops::Range<usize>, n: usize, laid: &mut Vec<f64>) {
        let width = self.metric.len();
        // Every lane of the first `n` people is written below.
        laid.resize(laid.len().max(n * width), 0.0);
        let laid = &mut laid[..n * width];
        if column.every_cell {
            // Everyone counts for every KPI: four lanes at a time, each person's four
            // values written side by side.
            let mut lanes = self.metric.chunks_exact(4);
            for (group, metrics) in (&mut lanes).enumerate() {
                let at = group * 4;
                let [a, b, c, d] = [0, 1, 2, 3].map(|j| column.metric(metrics[j]));
                let values = a.iter().zip(b).zip(c.iter().zip(d));
                for (person, ((&a, &b), (&c, &d))) in laid.chunks_exact_mut(width).zip(values) {
                    person[at..at + 4].copy_from_slice(&[a, b, c, d]);
                }
            }
            let rest = width - lanes.remainder().len();
            for (lane, &m) in (rest..).zip(lanes.remainder()) {
                for (person, &v) in laid.chunks_exact_mut(width).zip(column.metric(m)) {
                    person[lane] = v;
                }
            }
            return;
        }
        for (lanes, k) in self.kpi_lanes.iter().zip(kpis) {
            let counts = &column.covered[k][..n];
            for lane in lanes.clone() {
                let (values, neutral) = (column.metric(self.metric[lane]), self.neutral[lane]);
                let people = laid.chunks_exact_mut(width);
                for ((person, &v), &counts) in people.zip(values).zip(counts) {
                    person[lane] = if counts { v } else { neutral };
                }
            }
        }
    }
}

/// The team rollups of a range of KPIs (`kpis`) for the teams of one bucket of trees.
pub(super) struct RollupGroup {
    bucket: usize,
    kpis: std::ops::Range<usize>,
    /// A team given no values of its own for these KPIs rolls up every input of each
    /// from its members, each counted where the member's own cell for the KPI is:
    /// the same lanes (a KPI's metrics, KPI after KPI) for every team. A column's
    /// lanes are laid out once and each person's added to their own team's.
    lanes: RollupLanes,
    /// Per team of the bucket, its rollups on the lanes (`local * lanes.len()`): its
    /// own members' as the people are swept, its sub-teams' taken in at the end.
    acc: Vec<f64>,
    /// Per team of the bucket, whether it rolls up on the lanes; the others (given
    /// some of their KPIs' inputs for the team itself) are rolled up as a card is.
    on_lanes: Vec<bool>,
    /// Per person of the column being added, where their team keeps its rollups.
    lane_at: Vec<u32>,
    /// The column's people's lanes, person after person.
    laid: Vec<f64>,
    /// Per team of the bucket and KPI, its members counted (their cell there) and
    /// expected: its own members' as the people are swept, its sub-teams' added at
    /// the end.
    covered: Vec<u32>,
    expected: Vec<u32>,
    /// Per team of the bucket, its own members of columns where everyone counts for
    /// every KPI: each counted and expected for each, added to the counts at the end.
    direct_members: Vec<u32>,
}

impl RollupGroup {
    pub(super) fn of(
        rulebook: &Rulebook,
        inputs: &PeriodInputs,
        bucket: usize,
        teams: &[usize],
        kpis: std::ops::Range<usize>,
    ) -> RollupGroup {
        let width = kpis.len();
        let lanes = RollupLanes::of(rulebook, kpis.clone());
        let on_lanes = teams
            .iter()
            .map(|&t| {
                let team_row = inputs.people() + t;
                lanes.len() > 0
                    && lanes
                        .metric
                        .iter()
                        .all(|&m| team_value(inputs, team_row, MetricId(m as u32)).is_nan())
            })
            .collect();
        RollupGroup {
            bucket,
            kpis,
            acc: teams.iter().flat_map(|_| lanes.neutral.iter().copied()).collect(),
            lanes,
            on_lanes,
            lane_at: Vec::new(),
            laid: Vec::new(),
            covered: vec![0; teams.len() * width],
            expected: vec![0; teams.len() * width],
            direct_members: vec![0; teams.len()],
        }
    }

    /// The people of `column`, in order, each folded into their own team.
    #[inline(always)]
    pub(super) fn add(&mut self, plan: &Plan, column: &Column, people: &[usize]) {
        let width = self.kpis.len();
        let n = people.len();
        if column.every_cell {
            // Everyone counted and expected for every KPI: a head count will do.
            for &p in people {
                self.direct_members[plan.local[plan.team_of[p] as usize]] += 1;
            }
        } else {
            for (i, &p) in people.iter().enumerate() {
                let at = plan.local[plan.team_of[p] as usize] * width;
                let on_team = plan.on_team[p];
                for (j, k) in self.kpis.clone().enumerate() {
                    let cell = column.covered[k][i];
                    self.covered[at + j] += u32::from(cell);
                    self.expected[at + j] += u32::from(if on_team { cell } else { column.active[i] });
                }
            }
        }
        if self.lanes.len() == 0 {
            return;
        }
        let lanes = self.lanes.len();
        self.lane_at.clear();
        self.lane_at.extend(
            people
                .iter()
                .map(|&p| (plan.local[plan.team_of[p] as usize] * lanes) as u32),
        );
        self.lanes.lay_out(column, self.kpis.clone(), n, &mut self.laid);
        self.lanes.fold(&self.laid, &self.lane_at, &mut self.acc);
    }

    /// Takes each team's sub-teams' rollups and counts into its own, bottom up, each
    /// sub-team in order after the team's own members (as [`fold_down`] takes them).
    ///
    /// [`fold_down`]: crate::kpi::rollup::fold_down
    pub(super) fn take_in_sub_teams(&mut self, plan: &Plan, organisation: &Organisation) {
        let width = self.kpis.len();
        let lanes = self.lanes.len();
        for (local, &members) in self.direct_members.iter().enumerate() {
            for j in local * width..(local + 1) * width {
                self.covered[j] += members;
                self.expected[j] += members;
            }
        }
        for team in organisation.bottom_up() {
            if plan.bucket_of_team[team.index()] != self.bucket {
                continue;
            }
            let at = plan.local[team.index()];
            for &sub in organisation.sub_teams(team) {
                let from = plan.local[sub.index()];
                for j in 0..width {
                    self.covered[at * width + j] += self.covered[from * width + j];
                    self.expected[at * width + j] += self.expected[from * width + j];
                }
                // A team's rollups come before its sub-teams' or after them.
                let (acc, sub_acc) = if at < from {
                    let (head, tail) = self.acc.split_at_mut(from * lanes);
                    (&mut head[at * lanes..(at + 1) * lanes], &tail[..lanes])
                } else {
                    let (head, tail) = self.acc.split_at_mut(at * lanes);
                    (&mut tail[..lanes], &head[from * lanes..(from + 1) * lanes])
                };
                self.lanes.take_in(acc, sub_acc);
            }
        }
    }
}

/// A metric's value in a team's own row of the month; NaN where it has none.
fn team_value(inputs: &PeriodInputs, row: usize, m: MetricId) -> f64 {
    inputs.column(0, m).get(row).copied().unwrap_or(f64::NAN)
}

/// Every KPI of every team, from its members' rollups (`groups`, one per task of the
/// plan) and its own values, as [`PeriodInputs::gather`] rolls a team up.
pub(super) fn teams(
    rulebook: &Rulebook,
    organisation: &Organisation,
    inputs: &PeriodInputs,
    plan: &Plan,
    groups: &[RollupGroup],
) -> (Vec<f64>, Vec<Coverage>) {
    let metric_count = rulebook.metrics().len();
    let kpi_count = rulebook.kpis().len();
    let team_count = organisation.teams().len();
    let mut slots = vec![f64::NAN; rulebook.slot_count()];
    let mut values = vec![f64::NAN; team_count * kpi_count];
    let mut coverages = Vec::with_capacity(team_count * kpi_count);
    for t in 0..team_count {
        for group in groups.iter().filter(|g| g.bucket == plan.bucket_of_team[t]) {
            let width = group.kpis.len();
            let local = plan.local[t];
            let acc = &group.acc[local * group.lanes.len()..(local + 1) * group.lanes.len()];
            for (j, k) in group.kpis.clone().enumerate() {
                let kpi = &rulebook.kpis()[k];
                slots.fill(f64::NAN);
                let lanes = group.lanes.kpi_lanes[j].clone();
                let coverage = if !group.on_lanes[local] {
                    let team = Subject::Team(TeamId(t as u32));
                    inputs.gather(
                        rulebook,
                        organisation,
                        team,
                        &kpi.reads.metrics,
                        &mut slots[..metric_count],
                    )
                } else if lanes.is_empty() {
                    // Nothing to roll up: the month is the cell, as for a team scored on
                    // its own values alone.
                    Coverage {
                        covered: 1,
                        expected: 1,
                        of: CoverageUnit::Months,
                    }
                } else {
                    let covered = group.covered[local * width + j];
                    for lane in lanes {
                        let (m, rollup) = (group.lanes.metric[lane], group.lanes.across[lane]);
                        slots[m] = Across::end(rollup, acc[lane], covered);
                    }
                    Coverage {
                        covered,
                        expected: group.expected[local * width + j],
                        of: CoverageUnit::Members,
                    }
                };
                if coverage.covered > 0 {
                    for &d in kpi.reads.kpis.iter().chain(std::iter::once(&KpiId(k as u32))) {
                        let compiled = &rulebook.kpi(d).compiled;
                        slots[metric_count + d.index()] = if compiled.slots().iter().any(|&s| slots[s].is_nan()) {
                            f64::NAN
                        } else {
                            compiled.evaluate(&slots).unwrap_or(f64::NAN)
                        };
                    }
                }
                values[t * kpi_count + k] = slots[metric_count + k];
                coverages.push(coverage);
            }
        }
    }
    (values, coverages)
}
