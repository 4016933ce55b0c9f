//! A month's team rollups: each task's people folded into their teams, a column at a
//! time in the people's order (every team lists its members in that order, so sums
//! are the same to the bit), then every team's KPIs worked out from its rollups and
//! its own values.

use super::{Column, Plan, one_month};
use crate::kpi::organisation::Organisation;
use crate::kpi::rollup::{Across, Coverage, CoverageUnit, PeriodInputs};
use crate::kpi::rulebook::{KpiId, MetricId, Rulebook};

/// How one KPI of one team is rolled up from its members, fed a member at a time;
/// its metrics and their rollups are `from..from + len` of the group's flat lists.
#[derive(Debug, Clone, Copy)]
struct TeamRollup {
    from: usize,
    len: usize,
    /// The team was given values of its own for none of the KPI's metrics.
    nothing_own: bool,
}

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

    /// Folds a column's people into the rollups of the teams on the lanes they are
    /// in, person after person: `laid` holds each person's lanes, one after the
    /// other, `teams` where each team a person is in keeps its rollups (`ends[i]`
    /// ends person `i`'s).
    fn fold(&self, laid: &[f64], teams: &[u32], ends: &[u32], acc: &mut [f64]) {
        let width = self.metric.len();
        let mut start = 0;
        for (lanes, &end) in laid.chunks_exact(width).zip(ends) {
            let (from, to) = (start, end as usize);
            start = to;
            for &team in &teams[from..to] {
                let acc = &mut acc[team as usize..team as usize + width];
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
        }
    }

    /// Lays out a column's people's lanes, person after person (lane after lane of
    /// the column read in order): a person's value where they count (their cell for
    /// the lane's KPI: active, every input there), the lane's neutral value where
    /// they do not.
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

/// The team rollups of a range of KPIs (`kpis`) for the teams of one bucket of trees,
/// team after team, with the metrics they roll up over their members and how.
pub(super) struct RollupGroup {
    bucket: usize,
    kpis: std::ops::Range<usize>,
    rollups: Vec<TeamRollup>,
    metrics: Vec<MetricId>,
    across: Vec<crate::kpi::definition::TeamRollup>,
    /// Each metric's rollup so far ([`Across::step`]).
    acc: Vec<f64>,
    /// Per rollup, the members counted (their cell there) and expected.
    covered: Vec<u32>,
    expected: Vec<u32>,
    /// Per rollup, the metrics read from the team's own row.
    own: Vec<Vec<MetricId>>,
    /// A team given no values of its own for these KPIs rolls up every input of each
    /// from its members, each counted where the member's own cell for the KPI is:
    /// the same lanes (a KPI's metrics, KPI after KPI) for every such team. A
    /// column's lanes are laid out once and each person's added to each such team
    /// above them; teams with values of their own go a KPI at a time.
    lanes: RollupLanes,
    /// Per team of the bucket, whether it rolls up on the lanes.
    on_lanes: Vec<bool>,
    /// Per person of the column being added, where the teams on the lanes they count
    /// in keep their rollups (`lane_ends[i]` ends person `i`'s).
    lane_teams: Vec<u32>,
    lane_ends: Vec<u32>,
    /// The column's people's lanes, person after person.
    laid: Vec<f64>,
    /// Per team of the bucket and KPI, the counts of its own members (not its
    /// sub-teams'): the counts of a team on the lanes are its members' whatever
    /// the order, so they are added up the tree once at the end, not per member.
    direct_covered: Vec<u32>,
    direct_expected: Vec<u32>,
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
        let mut group = RollupGroup {
            bucket,
            kpis: kpis.clone(),
            rollups: Vec::with_capacity(teams.len() * width),
            metrics: Vec::new(),
            across: Vec::new(),
            acc: Vec::new(),
            covered: vec![0; teams.len() * width],
            expected: vec![0; teams.len() * width],
            own: Vec::with_capacity(teams.len() * width),
            lanes,
            on_lanes: Vec::with_capacity(teams.len()),
            lane_teams: Vec::new(),
            lane_ends: Vec::new(),
            laid: Vec::new(),
            direct_covered: vec![0; teams.len() * width],
            direct_expected: vec![0; teams.len() * width],
            direct_members: vec![0; teams.len()],
        };
        for &t in teams {
            let team_row = inputs.people() + t;
            for k in kpis.clone() {
                let (own, from_members): (Vec<MetricId>, Vec<MetricId>) = rulebook.kpis()[k]
                    .reads
                    .metrics
                    .iter()
                    .partition(|&&m| !team_value(inputs, team_row, m).is_nan());
                group.rollups.push(TeamRollup {
                    from: group.metrics.len(),
                    len: from_members.len(),
                    nothing_own: own.is_empty(),
                });
                for m in from_members {
                    let across = rulebook.metric(m).across_team;
                    group.metrics.push(m);
                    group.across.push(across);
                    group.acc.push(Across::start(across));
                }
                group.own.push(own);
            }
            let rollups = &group.rollups[group.rollups.len() - width..];
            group
                .on_lanes
                .push(group.lanes.len() > 0 && rollups.iter().all(|r| r.nothing_own));
        }
        group
    }

    /// The people of `column`, in order, each folded into their team and every team
    /// above it.
    pub(super) fn add(&mut self, plan: &Plan, column: &Column, people: &[usize]) {
        let width = self.kpis.len();
        let n = people.len();
        // The counts of each person's own team; those above it are added at the end.
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
                    self.direct_covered[at + j] += u32::from(cell);
                    self.direct_expected[at + j] += u32::from(if on_team { cell } else { column.active[i] });
                }
            }
        }
        // Where each person's teams on the lanes keep their rollups; then the column's
        // lanes laid out person after person, and each person's added to their teams
        // in order, so every rollup still takes its members in order.
        self.lane_teams.clear();
        self.lane_ends.clear();
        let mut others = false;
        for &p in people {
            let mut team = Some(plan.team_of[p] as usize);
            while let Some(t) = team {
                team = plan.parent[t];
                let local = plan.local[t];
                if self.on_lanes[local] {
                    self.lane_teams.push(self.rollups[local * width].from as u32);
                } else {
                    others = true;
                }
            }
            self.lane_ends.push(self.lane_teams.len() as u32);
        }
        if !self.lane_teams.is_empty() {
            self.lanes.lay_out(column, self.kpis.clone(), n, &mut self.laid);
            self.lanes
                .fold(&self.laid, &self.lane_teams, &self.lane_ends, &mut self.acc);
        }
        if others {
            self.add_off_lanes(plan, column, people);
        }
    }

    /// The people of `column` folded into the teams that do not roll up on the lanes
    /// (some of their KPIs' inputs given for the team itself), a KPI at a time.
    fn add_off_lanes(&mut self, plan: &Plan, column: &Column, people: &[usize]) {
        let width = self.kpis.len();
        for (i, &p) in people.iter().enumerate() {
            let (active, on_team) = (column.active[i], plan.on_team[p]);
            let mut team = Some(plan.team_of[p] as usize);
            while let Some(t) = team {
                team = plan.parent[t];
                let local = plan.local[t];
                let at = local * width;
                if self.on_lanes[local] {
                    continue;
                }
                for (j, k) in self.kpis.clone().enumerate() {
                    let rollup = self.rollups[at + j];
                    if rollup.len == 0 {
                        continue;
                    }
                    let metrics = rollup.from..rollup.from + rollup.len;
                    // With nothing of the team's own, the member's cell is the
                    // person's own cell for the KPI: active, every input there.
                    let cell = if rollup.nothing_own {
                        column.covered[k][i]
                    } else {
                        active
                            && self.metrics[metrics.clone()]
                                .iter()
                                .all(|m| !column.metric(m.index())[i].is_nan())
                    };
                    self.expected[at + j] += u32::from(if on_team { cell } else { active });
                    if cell {
                        self.covered[at + j] += 1;
                        for m in metrics {
                            let v = column.metric(self.metrics[m].index())[i];
                            self.acc[m] = Across::step(self.across[m], self.acc[m], v);
                        }
                    }
                }
            }
        }
    }
}

impl RollupGroup {
    /// Adds each team's own members' counts to it and every team above it that rolls
    /// up on the lanes.
    pub(super) fn count_members(&mut self, plan: &Plan, teams: &[usize]) {
        let width = self.kpis.len();
        for &t in teams {
            let from = plan.local[t] * width;
            let members = self.direct_members[plan.local[t]];
            for j in from..from + width {
                self.direct_covered[j] += members;
                self.direct_expected[j] += members;
            }
            let mut team = Some(t);
            while let Some(above) = team {
                team = plan.parent[above];
                let local = plan.local[above];
                if !self.on_lanes[local] {
                    continue;
                }
                let at = local * width;
                for j in 0..width {
                    self.covered[at + j] += self.direct_covered[from + j];
                    self.expected[at + j] += self.direct_expected[from + j];
                }
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
        let team_row = inputs.people() + t;
        for group in groups.iter().filter(|g| g.bucket == plan.bucket_of_team[t]) {
            let width = group.kpis.len();
            for (j, k) in group.kpis.clone().enumerate() {
                let at = plan.local[t] * width + j;
                let rollup = group.rollups[at];
                let kpi = &rulebook.kpis()[k];
                slots.fill(f64::NAN);
                let coverage = if rollup.len == 0 {
                    Coverage {
                        covered: 1,
                        expected: 1,
                        of: CoverageUnit::Months,
                    }
                } else {
                    for i in rollup.from..rollup.from + rollup.len {
                        slots[group.metrics[i].index()] = Across::end(group.across[i], group.acc[i], group.covered[at]);
                    }
                    Coverage {
                        covered: group.covered[at],
                        expected: group.expected[at],
                        of: CoverageUnit::Members,
                    }
                };
                if coverage.covered > 0 {
                    for &m in &group.own[at] {
                        let rule = rulebook.metric(m).over_time;
                        slots[m.index()] = one_month(rule, team_value(inputs, team_row, m));
                    }
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
