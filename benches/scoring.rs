//! Scoring throughput: 10,000 and 100,000 reps x 20 KPIs for a period, with team
//! rollups, on every core; and beside it, the same formulas through evalexpr's own
//! tree interpreter. Criterion reports elements per second, where an element is one
//! KPI evaluation (formula, scoring rule, weights).
//!
//! `cargo bench --bench scoring`

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use std::fmt::Write;
use std::hint::black_box;
use yardstick::kpi::evaluate::score_period;
use yardstick::kpi::organisation::{ActiveMonths, Organisation, Person, Team, TeamId};
use yardstick::kpi::period::{Month, Period};
use yardstick::kpi::rollup::PeriodInputs;
use yardstick::kpi::rulebook::{Rulebook, SourceFile};
use yardstick::kpi::targets::TargetBook;

const KPIS: usize = 20;
const METRICS: usize = 40;

/// 40 metrics and 20 KPIs of the catalogue's shapes (ratios, sums over counts,
/// differences), on one role with all 20, spread over the three tiers.
fn rulebook() -> Rulebook {
    let mut yaml = String::from("metrics:\n");
    for m in 0..METRICS {
        writeln!(
            yaml,
            "  m{m}: {{ name: {{ en: M{m}, zh: M{m} }}, unit: count, over_time: sum }}"
        )
        .expect("write");
    }
    yaml.push_str("kpis:\n");
    let tiers = ["base", "process", "result"];
    for k in 0..KPIS {
        let (a, b, c) = (2 * k, 2 * k + 1, (2 * k + 2) % METRICS);
        let formula = match k % 4 {
            0 => format!("m{a} / m{b} * 100"),
            1 => format!("(m{a} + m{c}) / m{b}"),
            2 => format!("(m{a} - m{b}) / m{c} * 100"),
            _ => format!("min(m{a}, m{b}) / max(m{c}, 1) * 100"),
        };
        let scoring = match k % 4 {
            0 => "{ linear: { floor: 60, cap: 120 } }",
            1 => {
                "{ bands: { of: achievement, steps: [ { from: 0, points: 0 }, { from: 80, points: 60 }, { from: 100, points: 100 } ] } }"
            }
            2 => "{ pass_fail: { points: 100 } }",
            _ => "{ linear: { floor: 0, cap: 150 } }",
        };
        let tier = tiers[k % 3];
        writeln!(
            yaml,
            "  k{k}:\n    name: {{ en: K{k}, zh: K{k} }}\n    tier: {tier}\n    unit: percent\n    direction: higher\n    formula: {formula}\n    scoring: {scoring}"
        )
        .expect("write");
    }
    yaml.push_str(
        "grade_scales:\n  standard:\n    total: { min: 0, max: 150 }\n    grades:\n      - { grade: A, min: 100, bonus_coefficient: 1.2 }\n      - { grade: B, min: 0, bonus_coefficient: 1 }\n",
    );
    yaml.push_str("roles:\n  rep:\n    name: { en: Rep, zh: 销售 }\n    grade_scale: standard\n    team_scorecard: true\n    tiers:\n");
    for (t, tier) in tiers.iter().enumerate() {
        let members: Vec<usize> = (0..KPIS).filter(|k| k % 3 == t).collect();
        let weight = [30.0, 30.0, 40.0][t];
        writeln!(yaml, "      {tier}:\n        weight: {weight}\n        kpis:").expect("write");
        let each = 100.0 / members.len() as f64;
        for (i, k) in members.iter().enumerate() {
            // The last weight takes the rounding so the tier adds up to exactly 100.
            let w = if i + 1 == members.len() {
                100.0 - each * (members.len() - 1) as f64
            } else {
                each
            };
            writeln!(yaml, "          k{k}: {{ weight: {w}, target: 50 }}").expect("write");
        }
    }
    Rulebook::load(&[SourceFile {
        name: "bench.yaml".into(),
        text: yaml,
    }])
    .unwrap_or_else(|e| panic!("{e}"))
}

/// `reps` people in 100 teams (ten top-level teams with nine sub-teams each), with
/// deterministic pseudo-random inputs.
fn organisation(rulebook: &Rulebook, reps: usize) -> (Organisation, Vec<f64>) {
    let teams: Vec<Team> = (0..100)
        .map(|t| Team {
            key: format!("t{t}"),
            name: format!("Team {t}"),
            name_zh: None,
            parent: (t % 10 != 0).then(|| TeamId((t / 10 * 10) as u32)),
            card: None,
        })
        .collect();
    let role = rulebook.find_role("rep").expect("the bench role");
    let people = (0..reps)
        .map(|p| Person {
            key: format!("p{p}"),
            name: format!("Rep {p}"),
            email: String::new(),
            team: TeamId((p % 100) as u32),
            role,
            active: ActiveMonths::default(),
        })
        .collect();
    let mut state = 0x9E37_79B9_7F4A_7C15_u64;
    let inputs = (0..reps * rulebook.metrics().len())
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % 1000) as f64 + 1.0
        })
        .collect();
    (Organisation::new(teams, people).expect("a tree"), inputs)
}

fn scoring(c: &mut Criterion) {
    let rulebook = rulebook();
    let month = Month::new(2026, 10).expect("a month");
    let period = Period::Month(month);
    let targets = TargetBook::default();
    let mut group = c.benchmark_group("score_period");
    group.sample_size(20);
    for reps in [10_000, 100_000] {
        let (organisation, people) = organisation(&rulebook, reps);
        group.throughput(Throughput::Elements((reps * KPIS) as u64));
        group.bench_with_input(BenchmarkId::new("compiled", reps), &reps, |b, _| {
            b.iter(|| {
                // Team rollups are part of every period's scoring.
                let inputs = PeriodInputs::from_people(&rulebook, &organisation, month, people.clone(), &[]);
                black_box(score_period(
                    &rulebook,
                    &organisation,
                    &inputs,
                    &targets,
                    &Default::default(),
                    period,
                ))
            })
        });
    }
    group.finish();

    // evalexpr's interpreter on the same formulas and inputs, one core, one context per rep.
    let mut group = c.benchmark_group("kpi_formulas");
    let reps = 10_000;
    let (_, people) = organisation(&rulebook, reps);
    let metric_count = rulebook.metrics().len();
    group.throughput(Throughput::Elements((reps * KPIS) as u64));
    group.bench_function("evalexpr_interpreter_1_core", |b| {
        b.iter(|| {
            let mut sum = 0.0;
            for row in people.chunks(metric_count) {
                let value_of = |name: &str| rulebook.find_metric(name).map_or(f64::NAN, |m| row[m.index()]);
                for kpi in rulebook.kpis() {
                    sum += kpi.formula.evaluate_with_evalexpr(value_of).unwrap_or(0.0);
                }
            }
            black_box(sum)
        })
    });
    group.bench_function("compiled_1_core", |b| {
        b.iter(|| {
            let mut sum = 0.0;
            for row in people.chunks(metric_count) {
                for kpi in rulebook.kpis() {
                    sum += kpi.compiled.evaluate(row).unwrap_or(0.0);
                }
            }
            black_box(sum)
        })
    });
    group.finish();
}

criterion_group!(benches, scoring);
criterion_main!(benches);
