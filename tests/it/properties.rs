//! Invariants over random inputs: a team of one is its member, more of a good thing
//! never lowers a score, weights always share out to exactly 100, and a KPI computed
//! from any subset of cells (person x month) equals the KPI worked out here from those
//! cells alone: its numerator and denominator never cover different cells.

use crate::helpers::{organisation, rulebook};
use proptest::prelude::*;
use std::collections::HashMap;
use yardstick::kpi::definition::{TeamRollup, TimeRollup};
use yardstick::kpi::evaluate::score_period;
use yardstick::kpi::organisation::{PersonId, Subject, TeamId};
use yardstick::kpi::period::{Month, Period};
use yardstick::kpi::rollup::{MetricData, PeriodInputs};
use yardstick::kpi::rulebook::Rulebook;
use yardstick::kpi::scorecard::{KpiOutcome, Scorecard};
use yardstick::kpi::targets::TargetBook;

const DEFINITIONS: &str = r#"
metrics:
  revenue:        { name: { en: Revenue, zh: 销售额 }, unit: currency, over_time: sum }
  revenue_target: { name: { en: Revenue target, zh: 销售目标 }, unit: currency, over_time: sum }
  deals_won:      { name: { en: Deals won, zh: 成交数 }, unit: count, over_time: sum }
  leads:          { name: { en: Leads, zh: 线索数 }, unit: count, over_time: sum }
  customers_at_start: { name: { en: Customers at start, zh: 期初客户数 }, unit: count, over_time: first }
  customers_at_end:   { name: { en: Customers at end, zh: 期末客户数 }, unit: count, over_time: last }
  csat_score:     { name: { en: Survey score, zh: 满意度 }, unit: score, over_time: average, across_team: average }
  response_hours: { name: { en: Response hours, zh: 响应时长 }, unit: hours, over_time: sum }
  tickets:        { name: { en: Tickets, zh: 工单 }, unit: count, over_time: sum }
kpis:
  sales_achievement:
    name: { en: Sales target achievement, zh: 销售目标达成率 }
    tier: result
    unit: percent
    direction: higher
    formula: revenue / revenue_target * 100
    scoring: { linear: { floor: 60, cap: 120 } }
  conversion:
    name: { en: Conversion, zh: 转化率 }
    tier: process
    unit: percent
    direction: higher
    formula: deals_won / leads * 100
    scoring: { bands: { of: achievement, steps: [ { from: 0, points: 0 }, { from: 80, points: 60 }, { from: 100, points: 100 } ] } }
  growth:
    name: { en: Customer growth, zh: 客户增长 }
    tier: result
    unit: percent
    direction: higher
    formula: (customers_at_end - customers_at_start) / customers_at_start * 100
    scoring: { bands: { of: value, steps: [ { from: -1000, points: 0 }, { from: 0, points: 80 }, { from: 5, points: 100 } ] } }
  csat:
    name: { en: Satisfaction, zh: 满意度 }
    tier: base
    unit: score
    direction: higher
    formula: csat_score
    scoring: { linear: { floor: 0, cap: 120 } }
  response_time:
    name: { en: Response time, zh: 响应时间 }
    tier: process
    unit: hours
    direction: lower
    formula: response_hours / tickets
    scoring: { levels: { threshold_points: 60, stretch_points: 120 } }
grade_scales:
  standard:
    total: { min: 0, max: 150 }
    grades:
      - { grade: A, min: 100, bonus_coefficient: 1.2 }
      - { grade: B, min: 80, bonus_coefficient: 1 }
      - { grade: C, min: 0, bonus_coefficient: 0.5 }
roles:
  rep:
    name: { en: Rep, zh: 销售代表 }
    grade_scale: standard
    team_scorecard: true
    tiers:
      base:    { weight: 10, kpis: { csat: { weight: 100, target: 4.5 } } }
      process: { weight: 30, kpis: { conversion: { weight: 50, target: 20 }, response_time: { weight: 50, target: { threshold: 8, target: 4, stretch: 2 } } } }
      result:  { weight: 60, kpis: { sales_achievement: { weight: 70, target: 100 }, growth: { weight: 30, target: 5 } } }
"#;

fn definitions() -> Rulebook {
    rulebook(DEFINITIONS)
}

/// The same definitions with every KPI scored from a single covered cell, so that the
/// value itself can be checked on any subset of cells.
fn scored_from_any_cell() -> Rulebook {
    rulebook(&DEFINITIONS.replace("    scoring: {", "    min_coverage: 0\n    scoring: {"))
}

/// A metric value, or missing (NaN) now and then.
fn value() -> impl Strategy<Value = f64> {
    prop_oneof![1 => Just(f64::NAN), 1 => Just(0.0), 8 => 0.0..10_000.0f64]
}

fn row(metrics: usize) -> impl Strategy<Value = Vec<f64>> {
    prop::collection::vec(value(), metrics)
}

const OCTOBER: Month = match Month::new(2026, 10) {
    Some(m) => m,
    None => panic!("October is a month"),
};

fn score_people(rulebook: &Rulebook, rows: &[Vec<f64>]) -> (Vec<Scorecard>, Option<Scorecard>) {
    let roles = vec!["rep"; rows.len()];
    let organisation = organisation(rulebook, &roles);
    let inputs = PeriodInputs::from_people(rulebook, &organisation, OCTOBER, rows.concat(), &[]);
    let scores = score_period(
        rulebook,
        &organisation,
        &inputs,
        &TargetBook::default(),
        &Default::default(),
        Period::Month(OCTOBER),
    );
    let team = scores.teams.into_iter().next().flatten();
    (scores.people, team)
}

/// `cells[person][month][metric]`, NaN where missing.
type Cells = Vec<Vec<Vec<f64>>>;

/// A KPI's formula written out by hand, over its inputs by name.
type Formula = fn(&HashMap<&str, f64>) -> f64;

/// The KPIs of the definitions, each as its inputs and its formula written out here.
fn kpis_by_hand() -> Vec<(&'static str, Vec<&'static str>, Formula)> {
    vec![
        ("sales_achievement", vec!["revenue", "revenue_target"], |v| {
            v["revenue"] / v["revenue_target"] * 100.0
        }),
        ("conversion", vec!["deals_won", "leads"], |v| {
            v["deals_won"] / v["leads"] * 100.0
        }),
        ("growth", vec!["customers_at_start", "customers_at_end"], |v| {
            (v["customers_at_end"] - v["customers_at_start"]) / v["customers_at_start"] * 100.0
        }),
        ("csat", vec!["csat_score"], |v| v["csat_score"]),
        ("response_time", vec!["response_hours", "tickets"], |v| {
            v["response_hours"] / v["tickets"]
        }),
    ]
}

/// A KPI of the people `members` worked out by hand: only the cells where every
/// input is present count; each person's covered months roll up by the metric's time
/// rule, then the people by its team rule. `None` when too few cells are covered.
fn by_hand(
    rulebook: &Rulebook,
    cells: &Cells,
    members: &[usize],
    inputs: &[&str],
    formula: Formula,
    min_coverage: f64,
) -> Option<f64> {
    let index = |key: &str| rulebook.find_metric(key).expect("a metric").index();
    let covered = |p: usize, m: usize| inputs.iter().all(|k| !cells[p][m][index(k)].is_nan());
    let months = cells[0].len();
    let expected = members.len() * months;
    let count = members
        .iter()
        .map(|&p| (0..months).filter(|&m| covered(p, m)).count())
        .sum::<usize>();
    if count == 0 || (count as f64) / (expected as f64) * 100.0 < min_coverage {
        return None;
    }
    let mut values = HashMap::new();
    for key in inputs {
        let metric = rulebook.metric(rulebook.find_metric(key).expect("a metric"));
        let per_person: Vec<f64> = members
            .iter()
            .filter_map(|&p| {
                let months: Vec<f64> = (0..months)
                    .filter(|&m| covered(p, m))
                    .map(|m| cells[p][m][index(key)])
                    .collect();
                match (months.is_empty(), metric.over_time) {
                    (true, _) => None,
                    (false, TimeRollup::Sum) => Some(months.iter().sum()),
                    (false, TimeRollup::First) => Some(months[0]),
                    (false, TimeRollup::Last) => Some(months[months.len() - 1]),
                    (false, TimeRollup::Average) => Some(months.iter().sum::<f64>() / months.len() as f64),
                }
            })
            .collect();
        let n = per_person.len() as f64;
        let value = match metric.across_team {
            TeamRollup::Sum => per_person.iter().sum(),
            TeamRollup::Average => per_person.iter().sum::<f64>() / n,
            TeamRollup::Min => per_person.iter().copied().fold(f64::INFINITY, f64::min),
            TeamRollup::Max => per_person.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        };
        values.insert(*key, value);
    }
    Some(formula(&values))
}

/// Scores `cells` (people of one team over the months from July 2026) and checks every
/// KPI of every person and of the team against the same KPI worked out by hand.
fn check_against_hand(rulebook: &Rulebook, cells: &Cells, min_coverage: f64) -> Result<(), TestCaseError> {
    let people = cells.len();
    let months = cells[0].len();
    let period: Period = match months {
        1 => "2026-07".parse(),
        _ => "2026-Q3".parse(),
    }
    .expect("a period");
    let organisation = organisation(rulebook, &vec!["rep"; people]);
    let metrics = rulebook.metrics().len();
    let mut data = MetricData::new(metrics, people, 1);
    for (p, by_month) in cells.iter().enumerate() {
        for (m, values) in by_month.iter().enumerate() {
            let month = Month::new(2026, 7 + m as u8).expect("a month");
            for (metric, value) in values.iter().enumerate() {
                if !value.is_nan() {
                    let id = rulebook.find_metric(&rulebook.metrics()[metric].key).expect("a metric");
                    data.set(Subject::Person(PersonId(p as u32)), month, id, *value);
                }
            }
        }
    }
    let inputs = data.period_inputs(rulebook, &organisation, period);
    let scores = score_period(
        rulebook,
        &organisation,
        &inputs,
        &TargetBook::default(),
        &Default::default(),
        period,
    );
    let team = scores.teams[TeamId(0).index()].as_ref().expect("a team card");
    let subjects = (0..people).map(|p| (format!("person {p}"), vec![p], &scores.people[p]));
    for (who, members, card) in subjects.chain(std::iter::once(("team".to_owned(), (0..people).collect(), team))) {
        for (key, inputs, formula) in kpis_by_hand() {
            let kpi = rulebook.find_kpi(key).expect("a KPI");
            let score = card.kpis.iter().find(|k| k.kpi == kpi).expect("on the card");
            let expected = by_hand(rulebook, cells, &members, &inputs, formula, min_coverage);
            match (&score.outcome, expected) {
                (KpiOutcome::NoData { .. }, None) => {}
                (KpiOutcome::Scored { value, .. }, Some(e)) => prop_assert!(
                    (value - e).abs() <= 1e-9 * e.abs().max(1.0),
                    "{who} {key}: {value} from the engine, {e} by hand"
                ),
                (KpiOutcome::NotComputable { .. }, Some(e)) => {
                    prop_assert!(!e.is_finite(), "{who} {key}: not computable, but {e} by hand")
                }
                (outcome, expected) => {
                    prop_assert!(false, "{who} {key}: {outcome:?} from the engine, {expected:?} by hand")
                }
            }
        }
    }
    Ok(())
}

fn cells(people: usize, months: usize) -> impl Strategy<Value = Cells> {
    prop::collection::vec(prop::collection::vec(row(9), months), people)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn a_team_of_one_scores_as_its_member(inputs in row(9)) {
        let rulebook = definitions();
        let (people, team) = score_people(&rulebook, &[inputs]);
        let team = team.expect("the rep role is the team scorecard");
        let outcomes = |card: &Scorecard| card.kpis.iter().map(|k| (k.outcome.clone(), k.coverage.covered)).collect::<Vec<_>>();
        prop_assert_eq!(outcomes(&people[0]), outcomes(&team));
        prop_assert_eq!(&people[0].result, &team.result);
    }

    #[test]
    fn more_revenue_never_lowers_the_total(mut inputs in row(9), extra in 0.0..50_000.0f64) {
        let rulebook = definitions();
        let revenue = rulebook.find_metric("revenue").expect("revenue").index();
        if inputs[revenue].is_nan() {
            inputs[revenue] = 0.0;
        }
        let (before, _) = score_people(&rulebook, std::slice::from_ref(&inputs));
        inputs[revenue] += extra;
        let (after, _) = score_people(&rulebook, &[inputs]);
        prop_assert_eq!(before[0].result.total().is_some(), after[0].result.total().is_some());
        if let (Some(before), Some(after)) = (before[0].result.total(), after[0].result.total()) {
            prop_assert!(after >= before, "{} then {}", before, after);
        }
    }

    #[test]
    fn weights_share_out_to_one_hundred(inputs in row(9)) {
        let rulebook = definitions();
        let (people, _) = score_people(&rulebook, &[inputs]);
        let card = &people[0];
        let scored: f64 = card.kpis.iter().filter(|k| k.outcome.points().is_some()).map(|k| k.effective_weight).sum();
        if card.kpis.iter().any(|k| k.outcome.points().is_some()) {
            prop_assert!((scored - 100.0).abs() < 1e-9, "effective weights add up to {}", scored);
        } else {
            prop_assert_eq!(scored, 0.0);
            prop_assert!(card.result.total().is_none(), "no data is no total");
        }
        let contributions: f64 = card.kpis.iter().map(|k| k.contribution).sum();
        prop_assert!((contributions - card.weighted_score).abs() < 1e-9);
        if let Some(total) = card.result.total() {
            prop_assert!((0.0..=150.0).contains(&total));
            prop_assert!(card.scored_weight >= 50.0, "a total from {}% of the card", card.scored_weight);
        }
        prop_assert_eq!(card.complete, card.kpis.iter().all(|k| k.outcome.points().is_some()));
    }

    #[test]
    fn a_quarter_from_any_subset_of_months_equals_the_quarter_of_those_months_alone(cells in cells(1, 3)) {
        check_against_hand(&scored_from_any_cell(), &cells, 0.0)?;
    }

    #[test]
    fn a_team_from_any_subset_of_members_equals_the_team_of_those_members_alone(cells in cells(4, 1)) {
        check_against_hand(&scored_from_any_cell(), &cells, 0.0)?;
    }

    #[test]
    fn a_team_quarter_from_any_subset_of_cells_equals_those_cells_alone(cells in cells(3, 3)) {
        check_against_hand(&scored_from_any_cell(), &cells, 0.0)?;
    }

    #[test]
    fn deleting_one_input_row_never_mixes_coverage(
        full in prop::collection::vec(prop::collection::vec(prop::collection::vec(1.0..10_000.0f64, 9), 3), 4),
        person in 0..4usize, month in 0..3usize, metric in 0..9usize,
    ) {
        let mut cells = full;
        cells[person][month][metric] = f64::NAN;
        // The shipped default: three cells in four.
        check_against_hand(&definitions(), &cells, 75.0)?;
    }
}

/// The demo's files read for October.
fn demo_october(rulebook: &Rulebook) -> yardstick::inputs::PeriodSources {
    let files = yardstick::inputs::InputFiles {
        people: &crate::helpers::demo("people.csv"),
        teams: &crate::helpers::demo("teams.csv"),
        data: &crate::helpers::demo("metrics.csv"),
        targets: Some(&crate::helpers::demo("targets.csv")),
    };
    yardstick::inputs::PeriodSources::from_files(rulebook, files, Period::Month(OCTOBER))
        .unwrap_or_else(|e| panic!("the demo reads: {e}"))
}

/// The demo's organisation, definitions and targets, with random numbers: each
/// person's metrics present, zero or missing, some teams given values of their own,
/// some people not active in October.
/// How the demo's people are put in teams.
#[derive(Debug, Clone, Copy)]
enum Tree {
    /// The demo's own teams.
    Demo,
    /// The demo's teams under one top team of their own.
    OneTop,
    /// Ten teams four deep, up to three sub-teams to a team, people in every one of
    /// them (the middle ones too) and a team's people far apart in the people's order.
    Deep,
}

fn tree() -> impl Strategy<Value = Tree> {
    prop_oneof![Just(Tree::Demo), Just(Tree::OneTop), Just(Tree::Deep)]
}

/// `rulebook` is the shipped definitions or a variant of them.
fn demo_month(
    rulebook: Rulebook,
    values: &[f64],
    team_own: &[(usize, usize, f64)],
    inactive: &[bool],
    tree: Tree,
) -> (Rulebook, yardstick::inputs::PeriodSources) {
    let mut sources = demo_october(&rulebook);
    let organisation = &sources.organisation;
    let mut teams = organisation.teams().to_vec();
    let team = |key: String, parent: Option<u32>| yardstick::kpi::organisation::Team {
        name: key.clone(),
        key,
        name_zh: None,
        parent: parent.map(TeamId),
        card: None,
    };
    match tree {
        Tree::Demo => {}
        Tree::OneTop => {
            let top = TeamId(teams.len() as u32);
            for team in teams.iter_mut().filter(|t| t.parent.is_none()) {
                team.parent = Some(top);
            }
            teams.push(team("company".into(), None));
        }
        Tree::Deep => {
            let parents = [
                None,
                Some(0),
                Some(0),
                Some(0),
                Some(1),
                Some(1),
                Some(2),
                Some(2),
                Some(2),
                Some(6),
            ];
            teams = (0..parents.len()).map(|t| team(format!("t{t}"), parents[t])).collect();
        }
    }
    let people: Vec<_> = organisation
        .people()
        .iter()
        .enumerate()
        .zip(inactive.iter().cycle())
        .map(|((p, person), &away)| {
            let mut person = person.clone();
            if away {
                person.active.to = Month::new(2026, 9);
            }
            if let Tree::Deep = tree {
                person.team = TeamId((p * 7 % teams.len()) as u32);
            }
            person
        })
        .collect();
    let organisation = yardstick::kpi::organisation::Organisation::new(teams, people).expect("the demo's tree");
    let metrics = rulebook.metrics().len();
    let mut data = MetricData::new(metrics, organisation.people().len(), organisation.teams().len());
    for (p, row) in values.chunks(metrics).take(organisation.people().len()).enumerate() {
        for (m, &v) in row.iter().enumerate() {
            if !v.is_nan() {
                let metric = metric_at(&rulebook, m);
                data.set(Subject::Person(PersonId(p as u32)), OCTOBER, metric, v);
            }
        }
    }
    for &(t, m, v) in team_own {
        let (t, m) = (t % organisation.teams().len(), m % metrics);
        let metric = metric_at(&rulebook, m);
        data.set(Subject::Team(TeamId(t as u32)), OCTOBER, metric, v);
    }
    sources.organisation = organisation;
    sources.data = data;
    (rulebook, sources)
}

/// The shipped definitions with members combined every way a team can (sum, min, max
/// and average in turn over the metrics added up over time), where the shipped ones
/// mostly add them up.
fn every_team_rollup() -> Rulebook {
    let ways = ["sum", "min", "max", "average"];
    let files: Vec<_> = yardstick::definitions::shipped_files()
        .into_iter()
        .map(|mut file| {
            let mut turn = 0;
            let lines: Vec<String> = file
                .text
                .lines()
                .map(|line| {
                    if line != "    over_time: sum" {
                        return line.to_owned();
                    }
                    turn += 1;
                    format!("{line}\n    across_team: {}", ways[turn % ways.len()])
                })
                .collect();
            file.text = lines.join("\n");
            file
        })
        .collect();
    let rulebook = Rulebook::load(&files).unwrap_or_else(|e| panic!("{e}"));
    for way in [TeamRollup::Min, TeamRollup::Max] {
        assert!(
            rulebook.metrics().iter().any(|m| m.across_team == way),
            "a metric combines members by {way:?}"
        );
    }
    rulebook
}

fn metric_at(rulebook: &Rulebook, m: usize) -> yardstick::kpi::rulebook::MetricId {
    rulebook
        .find_metric(&rulebook.metrics()[m].key)
        .expect("a metric of the rulebook")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// A month's KPIs worked out a column at a time give every card, to the bit and
    /// word for word, what scoring each card alone gives: people, team leads scored on
    /// their team's numbers, and teams, with gaps, zeros, inactive people, targets of
    /// their own and values given for teams themselves.
    #[test]
    fn a_month_a_column_at_a_time_is_every_card_scored_alone(
        values in prop::collection::vec(value(), 25 * 40),
        team_own in prop::collection::vec((0..10usize, 0..40usize, 0.0..5_000.0f64), 0..6),
        inactive in prop::collection::vec(prop::bool::weighted(0.1), 1..30),
    ) {
        let shipped = yardstick::definitions::RulebookVersion::shipped().rulebook;
        let (rulebook, sources) = demo_month(shipped, &values, &team_own, &inactive, Tree::Demo);
        every_card_alone(&rulebook, &sources)?;
    }

    /// The same with members combined every way a team can, the demo's teams as they
    /// are, under one top team or a deeper tree of ten ([`Tree`]), and the work shared out over three threads (the
    /// KPIs in three ranges) or over more threads than KPIs (every KPI a range of its
    /// own, and the people split by trees of teams too), each task sweeping its people
    /// in order; and a month without gaps (everyone active, every value there), where
    /// every member counts for every KPI.
    #[test]
    fn every_team_rollup_a_column_at_a_time_is_every_card_scored_alone(
        values in prop::collection::vec(value(), 25 * 40),
        team_own in prop::collection::vec((0..10usize, 0..40usize, 0.0..5_000.0f64), 0..6),
        inactive in prop::collection::vec(prop::bool::weighted(0.1), 1..30),
        tree in tree(),
        more_threads_than_kpis in any::<bool>(),
        gaps in any::<bool>(),
    ) {
        let (values, inactive) = if gaps {
            (values, inactive)
        } else {
            // Enough values for every person of the demo and every metric.
            let every = values.iter().cycle().take(100 * 100);
            (every.map(|v| if v.is_nan() { 1.0 } else { *v }).collect(), vec![false])
        };
        let (rulebook, sources) = demo_month(every_team_rollup(), &values, &team_own, &inactive, tree);
        let threads = if more_threads_than_kpis { rulebook.kpis().len() * 3 } else { 3 };
        let threads = rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("a thread pool");
        threads.install(|| every_card_alone(&rulebook, &sources))?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    /// A period kept for its figures alone (the history a card page draws) holds, for
    /// every card and KPI, the numbers its card views show: total and value, to the bit.
    #[test]
    fn a_periods_figures_are_its_cards_numbers(
        values in prop::collection::vec(value(), 25 * 40),
        team_own in prop::collection::vec((0..10usize, 0..40usize, 0.0..5_000.0f64), 0..6),
        inactive in prop::collection::vec(prop::bool::weighted(0.1), 1..30),
    ) {
        let shipped = yardstick::definitions::RulebookVersion::shipped().rulebook;
        let (rulebook, sources) = demo_month(shipped, &values, &team_own, &inactive, Tree::Demo);
        figures_are_the_cards_numbers(&rulebook, &sources)?;
    }
}

#[test]
fn the_demos_october_figures_are_its_cards_numbers() {
    let rulebook = yardstick::definitions::RulebookVersion::shipped().rulebook;
    let valued = figures_are_the_cards_numbers(&rulebook, &demo_october(&rulebook)).expect("the same numbers");
    assert!(valued > 100, "the demo's KPIs have values: {valued}");
}

/// Scores the month of `sources` as card views and as figures, and checks they hold
/// the same numbers; how many KPI values there are.
fn figures_are_the_cards_numbers(
    rulebook: &Rulebook,
    sources: &yardstick::inputs::PeriodSources,
) -> Result<usize, TestCaseError> {
    use yardstick::scorecards::{PeriodFigures, kpi_value};
    let organisation = &sources.organisation;
    let period = Period::Month(OCTOBER);
    let (inputs, scores) = sources.score(rulebook, period);
    let report = yardstick::report::PeriodReport::new(rulebook, organisation, &inputs, &scores);
    let figures = PeriodFigures::of_scores(rulebook, organisation, &scores);
    let bits = |v: Option<f64>| v.map(f64::to_bits);
    let mut valued = 0;
    for card in report.people.iter().chain(&report.teams) {
        prop_assert!(figures.has_card(&card.subject));
        prop_assert_eq!(bits(figures.total(&card.subject)), bits(card.total), "{}", card.subject);
        for kpi in rulebook.kpis() {
            let shown = kpi_value(card, &kpi.key);
            valued += usize::from(shown.is_some());
            prop_assert_eq!(
                bits(figures.kpi_value(&card.subject, &kpi.key)),
                bits(shown),
                "{} {}",
                card.subject,
                kpi.key
            );
        }
    }
    prop_assert_eq!(figures.enough_to_show(), PeriodFigures::of(&report).enough_to_show());
    Ok(valued)
}

/// Scores the month of `sources` as a period and each card alone, and checks they agree.
fn every_card_alone(rulebook: &Rulebook, sources: &yardstick::inputs::PeriodSources) -> Result<usize, TestCaseError> {
    let organisation = &sources.organisation;
    let period = Period::Month(OCTOBER);
    let inputs = sources.data.period_inputs(rulebook, organisation, period);
    let case = yardstick::kpi::evaluate::PeriodCase {
        rulebook,
        organisation,
        inputs: &inputs,
        targets: &sources.targets,
        ratings: &sources.ratings,
        period,
    };
    let scores = score_period(
        rulebook,
        organisation,
        &inputs,
        &sources.targets,
        &sources.ratings,
        period,
    );
    let mut workspace = Default::default();
    for (subject, together) in scores.cards() {
        let alone = case.score(subject, together.role, None, &mut workspace);
        prop_assert_eq!(format!("{:?}", together), format!("{:?}", alone), "{:?}", subject);
    }
    Ok(scores.cards().filter(|(_, c)| c.result.total().is_some()).count())
}

#[test]
fn the_demo_month_a_column_at_a_time_is_every_card_scored_alone() {
    let rulebook = yardstick::definitions::RulebookVersion::shipped().rulebook;
    let sources = demo_october(&rulebook);
    let graded = every_card_alone(&rulebook, &sources).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        graded >= 20,
        "the demo's October grades most cards, people and teams: {graded}"
    );
}
