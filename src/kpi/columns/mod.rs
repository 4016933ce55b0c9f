//! Every KPI of a one-month period for everyone at once, a column of people at a time.
//!
//! Scoring one card at a time gathers each KPI's inputs for its subject and runs the
//! formula's program on them: a few dozen nanoseconds of bookkeeping per KPI and
//! subject. In a month, a person's cell is the month itself, so a KPI's inputs are the
//! metric values as they are, and the month's table keeps each metric's values in a
//! column of its own: here they are read in place, [`LANES`] people at a time, each
//! KPI's program runs over a whole column at once ([`CompiledFormula::evaluate_lanes`]),
//! and while a column is in cache its people are folded into their teams' rollups, so
//! the month is read once. The work is shared out as ranges of KPIs (each task reads
//! only its KPIs' metrics), and the people in buckets of whole trees of teams when
//! there are fewer KPIs than cores.
//!
//! The numbers are those of [`PeriodInputs::gather`] and the card's own evaluation, to
//! the bit: the same coverage rules, the same rollups in the same order, the
//! same program. A card takes a KPI from here when it has a value; when it has none,
//! the card works out why one subject at a time, as before (tests in
//! `tests/it/properties.rs` hold the two ways equal).
//!
//! [`CompiledFormula::evaluate_lanes`]: crate::kpi::formula::CompiledFormula::evaluate_lanes

use crate::kpi::definition::TimeRollup;
use crate::kpi::formula::{LANES, Lanes, SlotLanes};
use crate::kpi::organisation::{Organisation, Subject, TeamId};
use crate::kpi::rollup::{Coverage, CoverageUnit, PeriodInputs, scored_on_team};
use crate::kpi::rulebook::{KpiId, MetricId, Rulebook};
use rayon::prelude::*;
use teams::{RollupGroup, teams};

mod teams;

/// Every KPI's value and coverage for every person and team of a one-month period.
#[derive(Debug)]
pub struct KpiColumns {
    kpis: usize,
    /// Per KPI, its share of the KPIs and its place among that share's.
    kpi_place: Vec<(u32, u32)>,
    /// Per person, their share of the people and their place among its people; empty
    /// when one share holds everyone, in order.
    person_place: Vec<(u32, u32)>,
    kpi_shares: usize,
    /// Per share of the people and share of the KPIs, `people * kpi_shares + kpis`.
    people: Vec<PersonValues>,
    /// `team * kpis + kpi`.
    team_values: Vec<f64>,
    team_coverage: Vec<Coverage>,
}

/// The values of a share of the people for a share of the KPIs: a column of [`LANES`]
/// people after another, KPI after KPI within a column. One block per share: an
/// allocator hands a block this size back to the next scoring as it is, where
/// thousands of small ones were given back to the system and their pages faulted in
/// again (4,000 faults, a quarter of the time, for 100,000 people).
#[derive(Debug)]
struct PersonValues {
    people: usize,
    kpis: usize,
    /// NaN where there is no value.
    values: Vec<f64>,
    /// Bit 0 when the month is covered (active, every input present), bit 1 when
    /// the person is active in it.
    cells: Vec<u8>,
}

impl PersonValues {
    /// Where person `person` of the share has the share's KPI `kpi`.
    fn at(&self, person: usize, kpi: usize) -> usize {
        let (column, lane) = (person / LANES, person % LANES);
        let width = (self.people - column * LANES).min(LANES);
        column * LANES * self.kpis + kpi * width + lane
    }
}

impl KpiColumns {
    /// The KPIs of a one-month period's `inputs`; `None` for a longer period, whose
    /// cells differ from KPI to KPI.
    pub fn of_month(rulebook: &Rulebook, organisation: &Organisation, inputs: &PeriodInputs) -> Option<KpiColumns> {
        KpiColumns::of_month_on(rulebook, organisation, inputs, &|sweep| {
            pulp::Arch::new().dispatch(sweep)
        })
    }

    /// [`KpiColumns::of_month`] with each task run by `run`: the widest instructions
    /// the processor has, or in tests each level in turn.
    fn of_month_on(
        rulebook: &Rulebook,
        organisation: &Organisation,
        inputs: &PeriodInputs,
        run: &RunSweep,
    ) -> Option<KpiColumns> {
        if inputs.months().len() != 1 {
            return None;
        }
        let plan = Plan::of(rulebook, organisation, inputs);
        let tasks: Vec<(usize, usize)> = (0..plan.buckets.len())
            .flat_map(|b| (0..plan.ranges.len()).map(move |r| (b, r)))
            .collect();
        let (people, groups): (Vec<PersonValues>, Vec<RollupGroup>) = tasks
            .par_iter()
            .map(|&(bucket, range)| {
                run(Sweep {
                    rulebook,
                    organisation,
                    inputs,
                    plan: &plan,
                    bucket,
                    kpis: plan.ranges[range].clone(),
                })
            })
            .unzip();
        let (team_values, team_coverage) = teams(rulebook, organisation, inputs, &plan, &groups);
        let mut kpi_place = vec![(0, 0); rulebook.kpis().len()];
        for (r, range) in plan.ranges.iter().enumerate() {
            for (j, k) in range.clone().enumerate() {
                kpi_place[k] = (r as u32, j as u32);
            }
        }
        let mut person_place = Vec::new();
        if !plan.people.is_empty() {
            person_place = vec![(0, 0); inputs.people()];
            for (b, people) in plan.people.iter().enumerate() {
                for (i, &p) in people.iter().enumerate() {
                    person_place[p as usize] = (b as u32, i as u32);
                }
            }
        }
        Some(KpiColumns {
            kpis: rulebook.kpis().len(),
            kpi_place,
            person_place,
            kpi_shares: plan.ranges.len(),
            people,
            team_values,
            team_coverage,
        })
    }

    /// `kpi` for `subject` (whose cells the inputs are): its value, NaN when it has
    /// none, and how many of its cells it stands on.
    pub fn get(&self, subject: Subject, kpi: KpiId) -> (f64, Coverage) {
        match subject {
            Subject::Person(p) => {
                let (share, place) = match self.person_place.get(p.index()) {
                    Some(&(share, place)) => (share as usize, place as usize),
                    None => (0, p.index()),
                };
                let (kpis, k) = self.kpi_place[kpi.index()];
                let values = &self.people[share * self.kpi_shares + kpis as usize];
                let at = values.at(place, k as usize);
                let cells = values.cells[at];
                let coverage = Coverage {
                    covered: u32::from(cells & 1),
                    expected: u32::from(cells >> 1),
                    of: CoverageUnit::Months,
                };
                (values.values[at], coverage)
            }
            Subject::Team(t) => {
                let at = t.index() * self.kpis + kpi.index();
                (self.team_values[at], self.team_coverage[at])
            }
        }
    }
}

/// How the work is shared out: the KPIs in ranges and the people in buckets (whole
/// trees of teams to a bucket), a task per range and bucket. A task sweeps its
/// bucket's people once, in order: a column of them is read from the table, its KPIs
/// worked out, and its members folded into their teams while the column is in cache.
/// Each person is added to their own team's rollups in the people's order, and
/// each team's sub-teams' taken in after them at the end, as a card's rollup takes a
/// team's members ([`fold_down`]), so sums are the same to the bit.
///
/// [`fold_down`]: crate::kpi::rollup::fold_down
struct Plan {
    ranges: Vec<std::ops::Range<usize>>,
    /// Per team: its bucket, and its place among the bucket's teams.
    bucket_of_team: Vec<usize>,
    local: Vec<usize>,
    /// Per bucket, its teams in order.
    buckets: Vec<Vec<usize>>,
    /// Per bucket, its people in order; empty when one bucket holds everyone.
    people: Vec<Vec<u32>>,
    /// Per person, their team and whether they are scored on it (a team lead): read
    /// from the people once, where every task would read every person's whole record.
    team_of: Vec<u32>,
    on_team: Vec<bool>,
}

impl Plan {
    fn of(rulebook: &Rulebook, organisation: &Organisation, inputs: &PeriodInputs) -> Plan {
        let threads = rayon::current_num_threads().max(1);
        let kpi_count = rulebook.kpis().len();
        let team_count = organisation.teams().len();
        let parent: Vec<Option<usize>> = organisation
            .teams()
            .iter()
            .map(|t| t.parent.map(|p| p.index()))
            .collect();
        // KPIs are split first: a task then reads only its KPIs' metrics of each row.
        // The people are split only when there are fewer KPIs than cores.
        let share = kpi_count.div_ceil(threads.min(kpi_count).max(1)).max(1);
        let mut ranges: Vec<_> = (0..kpi_count)
            .step_by(share)
            .map(|start| start..(start + share).min(kpi_count))
            .collect();
        if ranges.is_empty() {
            ranges.push(0..0);
        }
        let on_team_role: Vec<bool> = rulebook.roles().iter().map(scored_on_team).collect();
        let (team_of, on_team): (Vec<u32>, Vec<bool>) = organisation.places()[..inputs.people()]
            .iter()
            .map(|&(team, role)| (team.0, on_team_role[role.index()]))
            .unzip();
        let mut roots: Vec<usize> = (0..team_count).filter(|&t| parent[t].is_none()).collect();
        let bucket_count = threads.div_ceil(ranges.len()).clamp(1, roots.len().max(1));
        if bucket_count == 1 {
            return Plan {
                ranges,
                bucket_of_team: vec![0; team_count],
                local: (0..team_count).collect(),
                buckets: vec![(0..team_count).collect()],
                people: Vec::new(),
                team_of,
                on_team,
            };
        }
        let root_of = |mut t: usize| {
            while let Some(p) = parent[t] {
                t = p;
            }
            t
        };
        // Biggest tree first into the lightest bucket.
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
            let b = bucket_of_root[root_of(t)];
            bucket_of_team[t] = b;
            local[t] = buckets[b].len();
            buckets[b].push(t);
        }
        let mut people = vec![Vec::new(); bucket_count];
        for (p, &team) in team_of.iter().enumerate() {
            people[bucket_of_team[team as usize]].push(p as u32);
        }
        Plan {
            ranges,
            bucket_of_team,
            local,
            buckets,
            people,
            team_of,
            on_team,
        }
    }
}

/// How a task is run: `pulp`'s dispatch, or a given instruction level.
type RunSweep = dyn Fn(Sweep) -> (PersonValues, RollupGroup) + Sync;

/// One task of the [`Plan`], handed to [`pulp::Arch::dispatch`]: compiled again for
/// the widest vectors the processor has (AVX2 where there is one), a column's loops
/// take four lanes an instruction instead of baseline x86-64's two, the numbers the
/// same to the bit (Rust never fuses a multiply and an add on its own). Only code
/// inlined into the dispatch is compiled for them: hence `#[inline(always)]` on
/// [`sweep`] and what it calls in its loops.
struct Sweep<'a> {
    rulebook: &'a Rulebook,
    organisation: &'a Organisation,
    inputs: &'a PeriodInputs,
    plan: &'a Plan,
    bucket: usize,
    kpis: std::ops::Range<usize>,
}

impl pulp::WithSimd for Sweep<'_> {
    type Output = (PersonValues, RollupGroup);

    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _: S) -> Self::Output {
        sweep(
            self.rulebook,
            self.organisation,
            self.inputs,
            self.plan,
            self.bucket,
            self.kpis,
        )
    }
}

/// One task of the [`Plan`]: the KPIs of `kpis` for the people of `bucket`, and their
/// rollups for the bucket's teams.
#[inline(always)]
fn sweep(
    rulebook: &Rulebook,
    organisation: &Organisation,
    inputs: &PeriodInputs,
    plan: &Plan,
    bucket: usize,
    kpis: std::ops::Range<usize>,
) -> (PersonValues, RollupGroup) {
    let everyone = plan.people.is_empty();
    let count = if everyone {
        inputs.people()
    } else {
        plan.people[bucket].len()
    };
    let mut values = PersonValues {
        people: count,
        kpis: kpis.len(),
        values: Vec::with_capacity(count * kpis.len()),
        cells: Vec::with_capacity(count * kpis.len()),
    };
    let mut column = Column::new(rulebook, inputs, kpis.clone());
    let mut group = RollupGroup::of(rulebook, inputs, bucket, &plan.buckets[bucket], kpis);
    let mut people = [0usize; LANES];
    for first in (0..count).step_by(LANES) {
        let people = &mut people[..(count - first).min(LANES)];
        for (i, p) in people.iter_mut().enumerate() {
            *p = if everyone {
                first + i
            } else {
                plan.people[bucket][first + i] as usize
            };
        }
        column.evaluate(rulebook, inputs, people, &mut values);
        group.add(plan, &column, people);
    }
    group.take_in_sub_teams(plan, organisation);
    (values, group)
}

/// A metric's value for one month as a period of that month rolls it up, to the bit:
/// the value itself, and for an average of one `(0 + v) / 1`, which turns -0 into 0.
#[inline]
fn one_month(rule: TimeRollup, value: f64) -> f64 {
    match rule {
        TimeRollup::Average => value + 0.0,
        TimeRollup::Sum | TimeRollup::First | TimeRollup::Last => value,
    }
}

/// A column's length in memory: a little over [`LANES`], so that the same lane of
/// forty columns does not fall into the same few cache sets (2 KiB apart, they would).
const PADDED: usize = LANES + 8;

/// One column of up to [`LANES`] people: the metric values their KPIs read (as the
/// month rolls each up) and the KPIs' values and cells, reused from column to column.
struct Column<'a> {
    /// The task's KPIs.
    share: std::ops::Range<usize>,
    /// Its KPIs and the KPIs they read, in the order they are worked out.
    evaluated: Vec<usize>,
    /// The metrics those read.
    read: Vec<usize>,
    /// Per metric, its column in the month's table (empty for a month without data)
    /// and whether the month changes a value as it rolls it up (an average's `+ 0`).
    table: Vec<&'a [f64]>,
    averaged: Vec<bool>,
    /// The rows `first..first + n` of the column's people, and per metric whether its
    /// values are read there in the table (the people a run of its rows, each value
    /// kept as it is) rather than from `copies`.
    run: Option<std::ops::Range<usize>>,
    in_place: Vec<bool>,
    /// Per metric, its values copied for the column's people when they cannot be
    /// read in place; only those read are filled.
    copies: Vec<[f64; PADDED]>,
    /// Per metric read, whether someone in the column has no value for it.
    missing: Vec<bool>,
    /// Per KPI; only those worked out are filled.
    kpis: Vec<[f64; PADDED]>,
    /// Per KPI, whether the month is each person's cell for it: active, and every
    /// metric it reads (its dependencies' too) there.
    covered: Vec<[bool; LANES]>,
    active: [bool; LANES],
    /// Everyone in the column active, every metric read there: every KPI's cell
    /// covered for everyone.
    every_cell: bool,
    lanes: Lanes,
}

impl<'a> Column<'a> {
    fn new(rulebook: &Rulebook, inputs: &'a PeriodInputs, share: std::ops::Range<usize>) -> Column<'a> {
        let kpis = rulebook.kpis();
        let mut evaluated: Vec<usize> = share
            .clone()
            .flat_map(|k| kpis[k].reads.kpis.iter().map(|d| d.index()).chain([k]))
            .collect();
        // KPI ids follow dependency order.
        evaluated.sort_unstable();
        evaluated.dedup();
        let mut read: Vec<usize> = evaluated
            .iter()
            .flat_map(|&k| kpis[k].reads.metrics.iter().map(|m| m.index()))
            .collect();
        read.sort_unstable();
        read.dedup();
        let metrics = rulebook.metrics();
        Column {
            share,
            evaluated,
            read,
            table: (0..metrics.len())
                .map(|m| inputs.column(0, MetricId(m as u32)))
                .collect(),
            averaged: metrics.iter().map(|m| m.over_time == TimeRollup::Average).collect(),
            run: None,
            in_place: vec![false; metrics.len()],
            copies: vec![[f64::NAN; PADDED]; metrics.len()],
            missing: vec![false; metrics.len()],
            kpis: vec![[f64::NAN; PADDED]; kpis.len()],
            covered: vec![[false; LANES]; kpis.len()],
            active: [false; LANES],
            every_cell: false,
            lanes: Lanes::default(),
        }
    }

    /// Metric `m`'s values for the column's people, where the last `evaluate` left them.
    fn metric(&self, m: usize) -> &[f64] {
        let run = self.run.clone().unwrap_or_default();
        if self.in_place[m] {
            &self.table[m][run]
        } else {
            &self.copies[m][..run.len()]
        }
    }

    /// The task's KPIs for `people` (at most [`LANES`], in the table's order), added
    /// to `out` after the columns it holds.
    #[inline(always)]
    fn evaluate(&mut self, rulebook: &Rulebook, inputs: &PeriodInputs, people: &[usize], out: &mut PersonValues) {
        let n = people.len();
        let first = people.first().copied().unwrap_or(0);
        let is_run = people.last().is_none_or(|&last| last + 1 - first == n);
        for &m in &self.read {
            let (table, copy) = (self.table[m], &mut self.copies[m][..n]);
            if table.is_empty() {
                copy.fill(f64::NAN);
            } else if self.averaged[m] {
                for (v, &p) in copy.iter_mut().zip(people) {
                    *v = one_month(TimeRollup::Average, table[p]);
                }
            } else if !is_run {
                for (v, &p) in copy.iter_mut().zip(people) {
                    *v = table[p];
                }
            }
        }
        // Copies are read where they are copied; a run of people's other values where
        // they are in the table.
        let run = first..first + n;
        for &m in &self.read {
            self.in_place[m] = is_run && !self.table[m].is_empty() && !self.averaged[m];
        }
        self.run = Some(run.clone());
        let Column {
            table,
            in_place,
            copies,
            kpis,
            covered: covered_by_kpi,
            missing,
            active,
            lanes,
            ..
        } = self;
        let metrics: Vec<&[f64]> = (0..table.len())
            .map(|m| {
                if in_place[m] {
                    &table[m][run.clone()]
                } else {
                    &copies[m][..n]
                }
            })
            .collect();
        for &m in &self.read {
            missing[m] = metrics[m].iter().fold(false, |missing, v| missing | v.is_nan());
        }
        for (active, &p) in active.iter_mut().zip(people) {
            *active = inputs.active(p) & 1 != 0;
        }
        let everyone_active = active[..n].iter().all(|&a| a);
        self.every_cell = everyone_active && self.read.iter().all(|&m| !missing[m]);
        for &k in &self.evaluated {
            let kpi = &rulebook.kpis()[k];
            let covered = &mut covered_by_kpi[k][..n];
            covered.copy_from_slice(&active[..n]);
            let mut every_cell = everyone_active;
            for m in kpi.reads.metrics.iter().map(|m| m.index()) {
                if missing[m] {
                    every_cell = false;
                    for (covered, v) in covered.iter_mut().zip(metrics[m]) {
                        *covered &= !v.is_nan();
                    }
                }
            }
            let (done, rest) = kpis.split_at_mut(k);
            let values = &mut rest[0][..n];
            let slots = Slots {
                metrics: &metrics,
                missing: missing.as_slice(),
                kpis: done,
            };
            kpi.compiled.evaluate_lanes(&slots, values, lanes);
            // A dependency read within a covered cell is covered too: its own column
            // holds the value the card would work out in that cell.
            if !every_cell {
                for (v, &covered) in values.iter_mut().zip(covered.iter()) {
                    if !covered {
                        *v = f64::NAN;
                    }
                }
            }
        }
        for k in self.share.clone() {
            out.values.extend_from_slice(&self.kpis[k][..n]);
            let covered = self.covered[k][..n].iter().zip(&self.active[..n]);
            out.cells
                .extend(covered.map(|(&covered, &active)| u8::from(covered) | u8::from(active) << 1));
        }
    }
}

/// A column's slots: its metrics' lanes, then the KPIs worked out so far.
struct Slots<'c> {
    metrics: &'c [&'c [f64]],
    /// Per metric, whether someone in the column has no value for it.
    missing: &'c [bool],
    kpis: &'c [[f64; PADDED]],
}

impl SlotLanes for Slots<'_> {
    fn slot(&self, slot: usize) -> &[f64] {
        match self.metrics.get(slot) {
            Some(lanes) => lanes,
            None => &self.kpis[slot - self.metrics.len()],
        }
    }

    fn may_hold_nan(&self, slot: usize) -> bool {
        self.missing.get(slot).is_none_or(|&missing| missing)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kpi::rollup::Across;
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

    /// The shipped definitions over 700 people (two full columns and part of a third)
    /// in ten teams three deep, with gaps (`gaps`) or without.
    fn month(gaps: bool) -> (Rulebook, Organisation, PeriodInputs) {
        use crate::kpi::organisation::{ActiveMonths, Person, Team};
        let rulebook = crate::definitions::RulebookVersion::shipped().rulebook;
        let parents = [
            None,
            Some(0),
            Some(0),
            Some(1),
            Some(1),
            Some(2),
            None,
            Some(6),
            Some(7),
            Some(7),
        ];
        let teams = parents
            .iter()
            .enumerate()
            .map(|(t, parent)| Team {
                key: format!("t{t}"),
                name: format!("T{t}"),
                name_zh: None,
                parent: parent.map(TeamId),
                card: None,
            })
            .collect();
        let roles = rulebook.roles();
        let people = (0..700)
            .map(|p| Person {
                key: format!("p{p}"),
                name: format!("P{p}"),
                email: String::new(),
                team: TeamId((p * 7 % parents.len()) as u32),
                role: crate::kpi::rulebook::RoleId((p % roles.len()) as u32),
                active: ActiveMonths::default(),
            })
            .collect();
        let organisation = Organisation::new(teams, people).expect("a tree");
        let month = crate::kpi::period::Month::new(2026, 10).expect("a month");
        let metrics = rulebook.metrics().len();
        let mut state = 0x2545_F491_4F6C_DD1D_u64;
        let values = (0..700 * metrics)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                let v = (state % 1_000_000) as f64 / 7.0;
                if gaps && state.is_multiple_of(23) { f64::NAN } else { v }
            })
            .collect();
        let inputs = PeriodInputs::from_people(&rulebook, &organisation, month, values, &[]);
        (rulebook, organisation, inputs)
    }

    /// Baseline x86-64, AVX2 and AVX-512 (those this processor has) give the same
    /// numbers to the bit: the engine is compiled for each and the processor picks.
    #[test]
    fn every_instruction_level_gives_the_same_numbers_to_the_bit() {
        use crate::kpi::organisation::PersonId;
        use pulp::WithSimd;
        for gaps in [false, true] {
            let (rulebook, organisation, inputs) = month(gaps);
            let baseline = |sweep: Sweep| sweep.with_simd(pulp::Scalar::new());
            let mut levels: Vec<(&str, Box<RunSweep>)> =
                vec![("widest", Box::new(|sweep| pulp::Arch::new().dispatch(sweep)))];
            #[cfg(target_arch = "x86_64")]
            {
                if let Some(v3) = pulp::x86::V3::try_new() {
                    levels.push(("AVX2", Box::new(move |sweep| pulp::Simd::vectorize(v3, sweep))));
                }
                if let Some(v4) = pulp::x86::V4::try_new() {
                    levels.push(("AVX-512", Box::new(move |sweep| pulp::Simd::vectorize(v4, sweep))));
                }
            }
            let expected = KpiColumns::of_month_on(&rulebook, &organisation, &inputs, &baseline).expect("a month");
            let subjects: Vec<Subject> = (0..organisation.people().len())
                .map(|p| Subject::Person(PersonId(p as u32)))
                .chain((0..organisation.teams().len()).map(|t| Subject::Team(TeamId(t as u32))))
                .collect();
            let valued = subjects
                .iter()
                .flat_map(|&s| (0..rulebook.kpis().len()).map(move |k| (s, KpiId(k as u32))))
                .filter(|&(s, k)| !expected.get(s, k).0.is_nan())
                .count();
            assert!(valued > 1000, "the month has values to compare: {valued}");
            for (level, run) in &levels {
                let columns = KpiColumns::of_month_on(&rulebook, &organisation, &inputs, run).expect("a month");
                for &subject in &subjects {
                    for k in 0..rulebook.kpis().len() {
                        let kpi = KpiId(k as u32);
                        let ((ours, our_cover), (base, base_cover)) =
                            (columns.get(subject, kpi), expected.get(subject, kpi));
                        assert_eq!(
                            ours.to_bits(),
                            base.to_bits(),
                            "{level}, gaps {gaps}: {subject} KPI {k}"
                        );
                        assert_eq!(our_cover, base_cover, "{level}, gaps {gaps}: {subject} KPI {k}");
                    }
                }
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
