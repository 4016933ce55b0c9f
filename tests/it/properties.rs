//! Invariants over random inputs: a team of one is its member, more of a good thing
//! never lowers a score, a quarter from its months equals the quarter computed
//! directly, and weights always share out to exactly 100.

use crate::helpers::{organisation, rulebook};
use proptest::prelude::*;
use yardstick::kpi::definition::TimeRollup;
use yardstick::kpi::evaluate::score_period;
use yardstick::kpi::organisation::{PersonId, Subject};
use yardstick::kpi::period::{Month, Period};
use yardstick::kpi::rollup::{MetricData, PeriodInputs};
use yardstick::kpi::rulebook::Rulebook;
use yardstick::kpi::scorecard::Scorecard;
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

/// A metric value, or missing (NaN) now and then.
fn value() -> impl Strategy<Value = f64> {
    prop_oneof![1 => Just(f64::NAN), 1 => Just(0.0), 8 => 0.0..10_000.0f64]
}

fn row(metrics: usize) -> impl Strategy<Value = Vec<f64>> {
    prop::collection::vec(value(), metrics)
}

fn score_people(rulebook: &Rulebook, rows: &[Vec<f64>]) -> (Vec<Scorecard>, Option<Scorecard>) {
    let roles = vec!["rep"; rows.len()];
    let organisation = organisation(rulebook, &roles);
    let inputs = PeriodInputs::from_people(rulebook, &organisation, rows.concat(), &[]);
    let period = "2026-10".parse().expect("a period");
    let scores = score_period(rulebook, &organisation, &inputs, &TargetBook::default(), period);
    let team = scores.teams.into_iter().next().flatten();
    (scores.people, team)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn a_team_of_one_scores_as_its_member(inputs in row(9)) {
        let rulebook = definitions();
        let (people, team) = score_people(&rulebook, &[inputs]);
        let team = team.expect("the rep role is the team scorecard");
        prop_assert_eq!(&people[0].kpis, &team.kpis);
        prop_assert_eq!(people[0].total.to_bits(), team.total.to_bits());
        prop_assert_eq!(&people[0].grade, &team.grade);
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
        prop_assert!(after[0].total >= before[0].total, "{} then {}", before[0].total, after[0].total);
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
        }
        let contributions: f64 = card.kpis.iter().map(|k| k.contribution).sum();
        prop_assert!((contributions - card.weighted_score).abs() < 1e-9);
        prop_assert!((0.0..=150.0).contains(&card.total));
        prop_assert_eq!(card.complete, card.kpis.iter().all(|k| k.outcome.points().is_some()));
    }

    #[test]
    fn a_quarter_from_months_equals_the_quarter_computed_directly(months in prop::collection::vec(row(9), 3)) {
        let rulebook = definitions();
        let organisation = organisation(&rulebook, &["rep"]);
        let person = Subject::Person(PersonId(0));
        let mut monthly = MetricData::new(9, 1, 1);
        for (m, values) in months.iter().enumerate() {
            let month = Month::new(2026, 7 + m as u8).expect("a month");
            for (metric, definition) in rulebook.metrics().iter().enumerate() {
                let id = rulebook.find_metric(&definition.key).expect("a metric");
                if !values[metric].is_nan() {
                    monthly.set(person, month, id, values[metric]);
                }
            }
        }
        let quarter: Period = "2026-Q3".parse().expect("a quarter");
        let from_months = monthly.period_inputs(&rulebook, &organisation, quarter);

        // The same quarter, rolled up here by hand from the definitions' rules.
        let present = |metric: usize| months.iter().map(move |m| m[metric]).filter(|v| !v.is_nan());
        let direct: Vec<f64> = rulebook.metrics().iter().enumerate().map(|(i, metric)| {
            let values: Vec<f64> = present(i).collect();
            if values.is_empty() {
                return f64::NAN;
            }
            match metric.over_time {
                TimeRollup::Sum => values.iter().sum(),
                TimeRollup::First => values[0],
                TimeRollup::Last => values[values.len() - 1],
                TimeRollup::Average => values.iter().sum::<f64>() / values.len() as f64,
            }
        }).collect();
        let direct = PeriodInputs::from_people(&rulebook, &organisation, direct, &[]);
        let by_months = score_period(&rulebook, &organisation, &from_months, &TargetBook::default(), quarter);
        let directly = score_period(&rulebook, &organisation, &direct, &TargetBook::default(), quarter);
        prop_assert_eq!(&by_months.people[0].kpis, &directly.people[0].kpis);
        prop_assert_eq!(by_months.people[0].total.to_bits(), directly.people[0].total.to_bits());
    }
}
