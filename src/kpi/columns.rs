//! Every KPI of a one-month period for everyone at once, a column of people at a time.
//!
//! Scoring one card at a time gathers each KPI's inputs for its subject and runs the
//! formula's program on them: a few dozen nanoseconds of bookkeeping per KPI and
//! subject. In a month, a person's cell is the month itself, so a KPI's inputs are the
//! metric values as they are: here they are laid out in columns of [`LANES`] people,
//! each KPI's program runs over a whole column at once ([`CompiledFormula::evaluate_lanes`]),
//! and a team's inputs are its members' values rolled up in one tight pass per team.
//!
//! The numbers are those of [`PeriodInputs::gather`] and the card's own evaluation, to
//! the bit: the same coverage rules, the same rollups in the same member order, the
//! same program. A card takes a KPI from here when it has a value; when it has none,
//! the card works out why one subject at a time, as before (tests in
//! `tests/it/properties.rs` hold the two ways equal).
//!
//! [`CompiledFormula::evaluate_lanes`]: crate::kpi::formula::CompiledFormula::evaluate_lanes

use crate::kpi::definition::TimeRollup;
use crate::kpi::formula::{LANES, Lanes};
use crate::kpi::organisation::{Organisation, PersonId, Subject, TeamId};
use crate::kpi::rollup::{Across, Coverage, CoverageUnit, PeriodInputs, on_team};
use crate::kpi::rulebook::{KpiId, MetricId, Rulebook};
use rayon::prelude::*;

/// Every KPI's value and coverage for every person and team of a one-month period.
#[derive(Debug)]
pub struct KpiColumns {
    kpis: usize,
    /// `person * kpis + kpi`; NaN where there is no value.
    person_values: Vec<f64>,
    /// `person * kpis + kpi`: bit 0 when the month is covered (active, every input
    /// present), bit 1 when the person is active in it.
    person_cells: Vec<u8>,
    /// `team * kpis + kpi`.
    team_values: Vec<f64>,
    team_coverage: Vec<Coverage>,
}

impl KpiColumns {
    /// The KPIs of a one-month period's `inputs`; `None` for a longer period, whose
    /// cells differ from KPI to KPI.
    pub fn of_month(rulebook: &Rulebook, organisation: &Organisation, inputs: &PeriodInputs) -> Option<KpiColumns> {
        if inputs.months().len() != 1 {
            return None;
        }
        let kpis = rulebook.kpis().len();
        let people = inputs.people();
        // Every value is written below. Zeroed memory comes from the system untouched,
        // so its pages are first touched there, on every core, not filled here on one.
        let mut person_values = vec![0.0; people * kpis];
        let mut person_cells = vec![0u8; people * kpis];
        let per_column = LANES * kpis.max(1);
        person_values
            .par_chunks_mut(per_column)
            .zip(person_cells.par_chunks_mut(per_column))
            .enumerate()
            .for_each_init(
                || Column::new(rulebook),
                |column, (chunk, (values, cells))| {
                    column.evaluate(rulebook, inputs, chunk * LANES, values, cells);
                },
            );
        let (team_values, team_coverage) = teams(rulebook, organisation, inputs, &person_cells);
        Some(KpiColumns {
            kpis,
            person_values,
            person_cells,
            team_values,
            team_coverage,
        })
    }

    /// `kpi` for `subject` (whose cells the inputs are): its value, NaN when it has
    /// none, and how many of its cells it stands on.
    pub fn get(&self, subject: Subject, kpi: KpiId) -> (f64, Coverage) {
        match subject {
            Subject::Person(p) => {
                let cells = self.person_cells[p.index() * self.kpis + kpi.index()];
                let coverage = Coverage {
                    covered: u32::from(cells & 1),
                    expected: u32::from(cells >> 1),
                    of: CoverageUnit::Months,
                };
                // Values are laid out a column at a time: KPI after KPI within a column.
                let (column, lane) = (p.index() / LANES, p.index() % LANES);
                let first = column * LANES * self.kpis;
                let width = (self.person_values.len() - first).min(LANES * self.kpis) / self.kpis.max(1);
                (self.person_values[first + kpi.index() * width + lane], coverage)
            }
            Subject::Team(t) => {
                let at = t.index() * self.kpis + kpi.index();
                (self.team_values[at], self.team_coverage[at])
            }
        }
    }
}

/// A metric's value for one month as a period of that month rolls it up, to the bit:
/// the value itself, and for an average of one `(0 + v) / 1`, which turns -0 into 0.
#[inline]
fn one_month(rule: TimeRollup, value: f64) -> f64 {
    value + month_zero(rule)
}

/// What [`one_month`] adds to a value: 0 for an average, else -0, which leaves every
/// value as it is (-0 included). An addition rather than a `match` per value, so a
/// member's row is read without a branch.
#[inline]
fn month_zero(rule: TimeRollup) -> f64 {
    match rule {
        TimeRollup::Average => 0.0,
        TimeRollup::Sum | TimeRollup::First | TimeRollup::Last => -0.0,
    }
}

/// A column's length in memory: a little over [`LANES`], so that the same lane of
/// forty columns does not fall into the same few cache sets (2 KiB apart, they would).
const PADDED: usize = LANES + 8;

/// One column of up to [`LANES`] people: their metric values and KPI values, reused
/// from column to column on a thread.
struct Column {
    over_time: Vec<TimeRollup>,
    metrics: Vec<[f64; PADDED]>,
    kpis: Vec<[f64; PADDED]>,
    active: [bool; LANES],
    covered: [bool; LANES],
    lanes: Lanes,
}

impl Column {
    fn new(rulebook: &Rulebook) -> Column {
        Column {
            over_time: rulebook.metrics().iter().map(|m| m.over_time).collect(),
            metrics: vec![[f64::NAN; PADDED]; rulebook.metrics().len()],
            kpis: vec![[f64::NAN; PADDED]; rulebook.kpis().len()],
            active: [false; LANES],
            covered: [false; LANES],
            lanes: Lanes::default(),
        }
    }

    /// Every KPI of the people from `first` on: `values` KPI after KPI (a column
    /// each), `cells` person after person (their KPIs' cells).
    fn evaluate(
        &mut self,
        rulebook: &Rulebook,
        inputs: &PeriodInputs,
        first: usize,
        values: &mut [f64],
        cells: &mut [u8],
    ) {
        let kpi_count = rulebook.kpis().len();
        let metric_count = rulebook.metrics().len();
        let n = values.len() / kpi_count.max(1);
        let rows = inputs.table(0).get(first * metric_count..(first + n) * metric_count);
        match rows {
            Some(rows) => {
                // Eight people at a time: each metric's eight values fill a cache line
                // of its column, where a person at a time touched every column's line.
                const BLOCK: usize = 8;
                let width = metric_count.max(1);
                for (b, block) in rows.chunks(BLOCK * width).enumerate() {
                    for (m, column) in self.metrics.iter_mut().enumerate() {
                        for (i, row) in block.chunks_exact(width).enumerate() {
                            column[b * BLOCK + i] = row[m];
                        }
                    }
                }
                for (column, &rule) in self.metrics.iter_mut().zip(&self.over_time) {
                    if rule == TimeRollup::Average {
                        column[..n].iter_mut().for_each(|v| *v = one_month(rule, *v));
                    }
                }
            }
            // A month without any data.
            None => self.metrics.iter_mut().for_each(|column| column.fill(f64::NAN)),
        }
        for (i, active) in self.active[..n].iter_mut().enumerate() {
            *active = inputs.active(first + i) & 1 != 0;
        }
        for (k, kpi) in rulebook.kpis().iter().enumerate() {
            // The month is the KPI's cell where the person is active and every metric
            // it reads (its dependencies' too) is there.
            let covered = &mut self.covered[..n];
            covered.copy_from_slice(&self.active[..n]);
            for m in &kpi.reads.metrics {
                for (covered, v) in covered.iter_mut().zip(&self.metrics[m.index()][..n]) {
                    *covered &= !v.is_nan();
                }
            }
            let (done, rest) = self.kpis.split_at_mut(k);
            let out = &mut rest[0][..n];
            {
                let columns: Vec<&[f64]> = self.metrics.iter().chain(done.iter()).map(|c| &c[..n]).collect();
                kpi.compiled.evaluate_lanes(&columns, out, &mut self.lanes);
            }
            // A dependency read within a covered cell is covered too: its own column
            // holds the value the card would work out in that cell.
            for (v, &covered) in out.iter_mut().zip(covered.iter()) {
                if !covered {
                    *v = f64::NAN;
                }
            }
            values[k * n..(k + 1) * n].copy_from_slice(out);
            for (i, &covered) in covered.iter().enumerate() {
                cells[i * kpi_count + k] = u8::from(covered) | u8::from(self.active[i]) << 1;
            }
        }
    }
}

/// How one KPI of one team is rolled up from its members, fed a member at a time;
/// its metrics and their rollups are `from..from + len` of the group's flat lists.
#[derive(Debug, Clone, Copy)]
struct TeamRollup {
    from: usize,
    len: usize,
    /// The team was given values of its own for none of the KPI's metrics.
    nothing_own: bool,
}

/// The inputs of a group of KPIs as lanes, KPI after KPI and each KPI's metrics in
/// the order it reads them: how a team given nothing of its own lays out its rollups.
struct RollupLanes {
    /// Per lane, its metric.
    metric: Vec<usize>,
    /// Per KPI of the group, its lanes.
    kpi_lanes: Vec<std::ops::Range<usize>>,
    /// Per lane, [`month_zero`] of its metric.
    zero: Vec<f64>,
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
            zero: Vec::new(),
            neutral: Vec::new(),
            across: Vec::new(),
            all_sums: true,
        };
        for k in kpis {
            let from = lanes.metric.len();
            for &m in &rulebook.kpis()[k].reads.metrics {
                let metric = rulebook.metric(m);
                lanes.metric.push(m.index());
                lanes.zero.push(month_zero(metric.over_time));
                lanes.neutral.push(Across::start(metric.across_team));
                lanes.across.push(metric.across_team);
                lanes.all_sums &= matches!(metric.across_team, Rollup::Sum | Rollup::Average);
            }
            lanes.kpi_lanes.push(from..lanes.metric.len());
        }
        lanes
    }

    fn len(&self) -> usize {
        self.metric.len()
    }

    /// A member's value on each lane where they count (their cell for the lane's KPI:
    /// active, every input there), the lane's neutral value where they do not.
    fn read(&self, row: &[f64], cells: &[u8], values: &mut [f64]) {
        for (lanes, &cell) in self.kpi_lanes.iter().zip(cells) {
            let values = &mut values[lanes.clone()];
            if cell & 1 == 0 {
                values.copy_from_slice(&self.neutral[lanes.clone()]);
                continue;
            }
            for ((value, &m), &zero) in values
                .iter_mut()
                .zip(&self.metric[lanes.clone()])
                .zip(&self.zero[lanes.clone()])
            {
                *value = row[m] + zero;
            }
        }
    }

    /// Folds a member's lanes into a team's rollups so far, lane by lane in member
    /// order as [`Across::step`] does.
    fn add(&self, acc: &mut [f64], values: &[f64]) {
        if self.all_sums {
            // `-0 + acc` is `acc` to the bit: whole vectors of lanes at a time.
            for (acc, &v) in acc.iter_mut().zip(values) {
                *acc += v;
            }
        } else {
            for ((acc, &v), &rollup) in acc.iter_mut().zip(values).zip(&self.across) {
                *acc = Across::step(rollup, *acc, v);
            }
        }
    }
}

/// The team rollups of a range of KPIs (`kpis`) for the teams of one bucket of trees,
/// team after team, with the metrics they roll up over their members and how.
struct RollupGroup {
    bucket: usize,
    kpis: std::ops::Range<usize>,
    rollups: Vec<TeamRollup>,
    metrics: Vec<MetricId>,
    over_time: Vec<TimeRollup>,
    across: Vec<crate::kpi::definition::TeamRollup>,
    /// Each metric's rollup so far ([`Across::step`]).
    acc: Vec<f64>,
    /// Per rollup, the members counted (their cell there) and expected.
    covered: Vec<u32>,
    expected: Vec<u32>,
    /// Per rollup, the metrics read from the team's own row.
    own: Vec<Vec<MetricId>>,
}

/// How the team pass is shared out: trees of teams in buckets, KPIs in ranges, a task
/// per bucket and range. Each task reads its bucket's people in the order of the
/// people (every team lists its members in that order), so the rows stream through
/// the cache in address order instead of a tree's members being fetched one by one.
struct Shares {
    /// Per team: its bucket, and its place among the bucket's teams.
    bucket_of_team: Vec<usize>,
    local: Vec<usize>,
    /// Per bucket, its teams in order.
    buckets: Vec<Vec<usize>>,
    /// Per person, their bucket.
    bucket_of_person: Vec<u32>,
    tasks: Vec<(usize, std::ops::Range<usize>)>,
}

impl Shares {
    fn of(organisation: &Organisation, parent: &[Option<usize>], team_of: &[u32], kpi_count: usize) -> Shares {
        let team_count = parent.len();
        let threads = rayon::current_num_threads().max(1);
        let root_of: Vec<usize> = (0..team_count)
            .map(|mut t| {
                while let Some(p) = parent[t] {
                    t = p;
                }
                t
            })
            .collect();
        let mut roots: Vec<usize> = (0..team_count).filter(|&t| parent[t].is_none()).collect();
        // KPIs split first: every task then reads the people in one sweep. Trees are
        // split only when there are fewer KPIs than cores, biggest tree first into the
        // lightest bucket.
        let bucket_count = threads.clamp(1, roots.len().max(1));
        let ranges = threads.div_ceil(bucket_count).clamp(1, kpi_count.max(1));
        roots.sort_by_key(|&r| std::cmp::Reverse(organisation.members(TeamId(r as u32)).len()));
        let mut load = vec![0usize; bucket_count];
        let mut bucket_of_root = vec![0; team_count];
        for r in roots {
            let lightest = (0..bucket_count).min_by_key(|&b| load[b]).unwrap_or(0);
            bucket_of_root[r] = lightest;
            load[lightest] += organisation.members(TeamId(r as u32)).len();
        }
        let mut buckets = vec![Vec::new(); bucket_count];
        let mut bucket_of_team = vec![0; team_count];
        let mut local = vec![0; team_count];
        for t in 0..team_count {
            let b = bucket_of_root[root_of[t]];
            bucket_of_team[t] = b;
            local[t] = buckets[b].len();
            buckets[b].push(t);
        }
        let bucket_of_person = team_of.iter().map(|&t| bucket_of_team[t as usize] as u32).collect();
        let share = kpi_count.div_ceil(ranges).max(1);
        let tasks = (0..bucket_count)
            .flat_map(|b| {
                (0..kpi_count)
                    .step_by(share)
                    .map(move |start| (b, start..(start + share).min(kpi_count)))
            })
            .collect();
        Shares {
            bucket_of_team,
            local,
            buckets,
            bucket_of_person,
            tasks,
        }
    }
}

/// Every KPI of every team in a one-month period, as [`PeriodInputs::gather`] rolls a
/// team up. Every team lists its members in the people's order, so a sweep over the
/// people in order, each fed to their team and every team above it, gives each team
/// its members in its own order and its sums are the same to the bit.
fn teams(
    rulebook: &Rulebook,
    organisation: &Organisation,
    inputs: &PeriodInputs,
    person_cells: &[u8],
) -> (Vec<f64>, Vec<Coverage>) {
    let metric_count = rulebook.metrics().len();
    let kpi_count = rulebook.kpis().len();
    let team_count = organisation.teams().len();
    let people = organisation.people().len();
    let table = inputs.table(0);
    let value = |row: usize, m: MetricId| table.get(row * metric_count + m.index()).copied().unwrap_or(f64::NAN);
    let over_time: Vec<TimeRollup> = rulebook.metrics().iter().map(|m| m.over_time).collect();
    // Read from the people once, in order: the sweeps below touch nothing else of theirs.
    let (team_of, on_team): (Vec<u32>, Vec<bool>) = (0..people)
        .into_par_iter()
        .map(|p| {
            let id = PersonId(p as u32);
            (organisation.person(id).team.0, on_team(rulebook, organisation, id))
        })
        .unzip();
    let parent: Vec<Option<usize>> = organisation
        .teams()
        .iter()
        .map(|t| t.parent.map(|p| p.index()))
        .collect();
    let no_data = vec![f64::NAN; metric_count];
    let shares = Shares::of(organisation, &parent, &team_of, kpi_count);
    let Shares {
        bucket_of_team, local, ..
    } = &shares;
    let rolled: Vec<RollupGroup> = shares
        .tasks
        .par_iter()
        .map(|(bucket, kpis)| {
            let (bucket, kpis) = (*bucket, kpis.clone());
            let teams_here = &shares.buckets[bucket];
            let mut group = RollupGroup {
                bucket,
                kpis: kpis.clone(),
                rollups: Vec::with_capacity(teams_here.len() * kpis.len()),
                metrics: Vec::new(),
                over_time: Vec::new(),
                across: Vec::new(),
                acc: Vec::new(),
                covered: vec![0; teams_here.len() * kpis.len()],
                expected: vec![0; teams_here.len() * kpis.len()],
                own: Vec::with_capacity(teams_here.len() * kpis.len()),
            };
            for &t in teams_here {
                let team_row = inputs.people() + t;
                for k in kpis.clone() {
                    let (own, from_members): (Vec<MetricId>, Vec<MetricId>) = rulebook.kpis()[k]
                        .reads
                        .metrics
                        .iter()
                        .partition(|&&m| !value(team_row, m).is_nan());
                    group.rollups.push(TeamRollup {
                        from: group.metrics.len(),
                        len: from_members.len(),
                        nothing_own: own.is_empty(),
                    });
                    for m in from_members {
                        let across = rulebook.metric(m).across_team;
                        group.metrics.push(m);
                        group.over_time.push(over_time[m.index()]);
                        group.across.push(across);
                        group.acc.push(Across::start(across));
                    }
                    group.own.push(own);
                }
            }
            let width = kpis.len();
            // A team given no values of its own for these KPIs rolls up every input
            // of each from its members, each counted where the member's own cell for
            // the KPI is: the same lanes (a KPI's metrics, KPI after KPI) for every
            // such team. A member's lanes are read once and added to each such team
            // above them in one pass; teams with values of their own go a KPI at a
            // time below.
            let lanes = RollupLanes::of(rulebook, kpis.clone());
            let mut on_lanes: Vec<bool> = (0..teams_here.len())
                .map(|i| group.rollups[i * width..(i + 1) * width].iter().all(|r| r.nothing_own))
                .collect();
            if lanes.len() == 0 {
                on_lanes.fill(false);
            }
            let mut values = vec![0.0; lanes.len()];
            // A member's counts per KPI of the group: covered (their cell) and expected
            // (a team lead adds what they have, and is no gap where they have nothing).
            let (mut covered, mut expected) = (vec![0u32; width], vec![0u32; width]);
            for p in (0..people).filter(|&p| shares.bucket_of_person[p] as usize == bucket) {
                let active = inputs.active(p) & 1 != 0;
                let row = table.get(p * metric_count..(p + 1) * metric_count).unwrap_or(&no_data);
                let cells = &person_cells[p * kpi_count + kpis.start..p * kpi_count + kpis.end];
                lanes.read(row, cells, &mut values);
                for ((covered, expected), &cell) in covered.iter_mut().zip(&mut expected).zip(cells) {
                    let cell = cell & 1 != 0;
                    *covered = u32::from(cell);
                    *expected = u32::from(if on_team[p] { cell } else { active });
                }
                let mut team = Some(team_of[p] as usize);
                while let Some(t) = team {
                    team = parent[t];
                    let at = local[t] * width;
                    if on_lanes[local[t]] {
                        let from = group.rollups[at].from;
                        lanes.add(&mut group.acc[from..from + lanes.len()], &values);
                        for (total, &c) in group.covered[at..at + width].iter_mut().zip(&covered) {
                            *total += c;
                        }
                        for (total, &e) in group.expected[at..at + width].iter_mut().zip(&expected) {
                            *total += e;
                        }
                        continue;
                    }
                    for (j, (rollup, &cell)) in group.rollups[at..at + width].iter().zip(cells).enumerate() {
                        if rollup.len == 0 {
                            continue;
                        }
                        let metrics = rollup.from..rollup.from + rollup.len;
                        // With nothing of the team's own, the member's cell is the
                        // person's own cell for the KPI: active, every input there.
                        let cell = if rollup.nothing_own {
                            cell & 1 != 0
                        } else {
                            active && group.metrics[metrics.clone()].iter().all(|m| !row[m.index()].is_nan())
                        };
                        group.expected[at + j] += u32::from(if on_team[p] { cell } else { active });
                        if cell {
                            group.covered[at + j] += 1;
                            for i in metrics {
                                let v = one_month(group.over_time[i], row[group.metrics[i].index()]);
                                group.acc[i] = Across::step(group.across[i], group.acc[i], v);
                            }
                        }
                    }
                }
            }
            group
        })
        .collect();
    let mut slots = vec![f64::NAN; rulebook.slot_count()];
    let mut values = vec![f64::NAN; team_count * kpi_count];
    let mut coverages = Vec::with_capacity(team_count * kpi_count);
    for t in 0..team_count {
        let team_row = inputs.people() + t;
        for group in rolled.iter().filter(|g| g.bucket == bucket_of_team[t]) {
            let width = group.kpis.len();
            for (j, k) in group.kpis.clone().enumerate() {
                let at = local[t] * width + j;
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
                        slots[m.index()] = one_month(over_time[m.index()], value(team_row, m));
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kpi::rollup::roll_over_time;

    #[test]
    fn a_member_who_does_not_count_leaves_a_rollup_as_it_was_to_the_bit() {
        use crate::kpi::definition::TeamRollup as Rollup;
        for rollup in [Rollup::Sum, Rollup::Average, Rollup::Min, Rollup::Max] {
            let neutral = Across::start(rollup);
            for acc in [-0.0, 0.0, 2.5, -7.0, 1e300, f64::INFINITY, f64::NEG_INFINITY] {
                let after = Across::step(rollup, acc, neutral);
                assert_eq!(after.to_bits(), acc.to_bits(), "{rollup:?} of {acc}");
            }
        }
    }

    #[test]
    fn a_month_rolls_up_to_its_own_value_to_the_bit() {
        for rule in [
            TimeRollup::Sum,
            TimeRollup::First,
            TimeRollup::Last,
            TimeRollup::Average,
        ] {
            for v in [0.0, -0.0, 1.5, -3.25, 1e300, f64::NAN] {
                let expected = roll_over_time(rule, std::iter::once(v));
                let ours = one_month(rule, v);
                assert!(
                    ours.to_bits() == expected.to_bits() || (ours.is_nan() && expected.is_nan()),
                    "{rule:?} of {v}: {ours} vs {expected}"
                );
            }
        }
    }
}
