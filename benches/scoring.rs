//! Scoring throughput: 10,000 and 100,000 reps x 20 KPIs for a month, with team
//! rollups (100 teams, ten with nine sub-teams each), on every core: every KPI of
//! every person and team a column at a time (`kpi_columns`), and whole cards
//! (`score_period`: the KPIs, then points, tiers, weights, totals and grades); beside
//! them, the same formulas one subject at a time and through evalexpr's own tree
//! interpreter. Criterion reports elements per second, where an element is one KPI
//! of one subject. Then, when pandas is installed, `benches/scoring_pandas.py` does
//! the same work on the same numbers and both are printed side by side.
//!
//! `cargo bench --bench scoring`

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use std::fmt::Write;
use std::hint::black_box;
use std::process::Command;
use std::time::Instant;
use yardstick::kpi::columns::KpiColumns;
use yardstick::kpi::evaluate::score_period;
use yardstick::kpi::organisation::{ActiveMonths, Organisation, Person, PersonId, Subject, Team, TeamId};
use yardstick::kpi::period::{Month, Period};
use yardstick::kpi::rollup::PeriodInputs;
use yardstick::kpi::rulebook::{Rulebook, SourceFile};
use yardstick::kpi::targets::TargetBook;

/// The allocator the `yardstick` binary runs with (src/main.rs): the time measured is
/// the product's, not glibc's.
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

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
        let inputs = PeriodInputs::from_people(&rulebook, &organisation, month, people, &[]);
        group.throughput(Throughput::Elements((reps * KPIS) as u64));
        group.bench_with_input(BenchmarkId::new("compiled", reps), &reps, |b, _| {
            b.iter(|| {
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

    let mut group = c.benchmark_group("kpi_columns");
    for reps in [10_000, 100_000] {
        let (organisation, people) = organisation(&rulebook, reps);
        let inputs = PeriodInputs::from_people(&rulebook, &organisation, month, people, &[]);
        group.throughput(Throughput::Elements((reps * KPIS) as u64));
        group.bench_with_input(BenchmarkId::new("with_team_rollups", reps), &reps, |b, _| {
            b.iter(|| black_box(KpiColumns::of_month(&rulebook, &organisation, &inputs)))
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

/// Best of `runs` wall times of `work`, in seconds.
fn best_of(runs: usize, mut work: impl FnMut()) -> f64 {
    (0..runs)
        .map(|_| {
            let started = Instant::now();
            work();
            started.elapsed().as_secs_f64()
        })
        .fold(f64::INFINITY, f64::min)
}

/// The pandas peer on the same 100,000 reps' numbers, printed beside ours; skipped
/// without python3 and pandas.
fn against_pandas(_: &mut Criterion) {
    let reps = 100_000;
    let rulebook = rulebook();
    let (organisation, people) = organisation(&rulebook, reps);
    let folder = std::env::temp_dir().join(format!("yardstick-scoring-{}", std::process::id()));
    std::fs::create_dir_all(&folder).expect("a scratch folder");
    let numbers = folder.join("numbers.f64");
    let bytes: Vec<u8> = people.iter().flat_map(|v| v.to_le_bytes()).collect();
    std::fs::write(&numbers, bytes).expect("the numbers written");
    let peer = Command::new("python3")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/benches/scoring_pandas.py"))
        .arg(&numbers)
        .arg(reps.to_string())
        .output();
    let _ = std::fs::remove_dir_all(&folder);
    let peer = match peer {
        Ok(out) if out.status.success() => String::from_utf8_lossy(&out.stdout).into_owned(),
        Ok(out) => {
            println!("pandas peer skipped: {}", String::from_utf8_lossy(&out.stderr).trim());
            return;
        }
        Err(e) => {
            println!("pandas peer skipped: python3: {e}");
            return;
        }
    };
    let month = Month::new(2026, 10).expect("a month");
    let inputs = PeriodInputs::from_people(&rulebook, &organisation, month, people, &[]);
    let columns = KpiColumns::of_month(&rulebook, &organisation, &inputs).expect("a month");
    let checksum: f64 = (0..reps)
        .map(|p| Subject::Person(PersonId(p as u32)))
        .chain((0..organisation.teams().len()).map(|t| Subject::Team(TeamId(t as u32))))
        .flat_map(|s| rulebook.kpis().iter().map(move |k| (s, k)))
        .map(|(s, k)| columns.get(s, rulebook.find_kpi(&k.key).expect("a KPI")).0)
        .sum();
    let evaluations = (reps * KPIS) as f64;
    // As many runs as the peer's (`RUNS` in the script): the best of a few dozen
    // milliseconds' runs on a shared machine is mostly how quiet it was.
    let ours_kpis = best_of(20, || {
        black_box(KpiColumns::of_month(&rulebook, &organisation, &inputs));
    });
    let ours_cards = best_of(20, || {
        black_box(score_period(
            &rulebook,
            &organisation,
            &inputs,
            &TargetBook::default(),
            &Default::default(),
            Period::Month(month),
        ));
    });
    let field = |name: &str| -> f64 {
        peer.lines()
            .find_map(|l| l.strip_prefix(name).and_then(|v| v.trim().parse().ok()))
            .unwrap_or_else(|| panic!("the peer prints {name}: {peer}"))
    };
    let (pandas_kpis, pandas_cards, pandas_checksum) = (field("kpis"), field("cards"), field("checksum"));
    println!("100,000 reps x 20 KPIs, 100 teams (best of runs, wall):");
    for (what, ours, theirs) in [
        ("KPI values with team rollups", ours_kpis, pandas_kpis),
        ("whole cards (points, tiers, totals, grades)", ours_cards, pandas_cards),
    ] {
        println!(
            "  {what}: yardstick {:.1} ms ({:.0} M KPI evaluations/s), pandas {:.1} ms ({:.0} M/s): {:.2}x pandas' throughput",
            ours * 1e3,
            evaluations / ours / 1e6,
            theirs * 1e3,
            evaluations / theirs / 1e6,
            theirs / ours
        );
    }
    let agree = (checksum - pandas_checksum).abs() <= 1e-9 * checksum.abs();
    println!(
        "  sum of every KPI value: yardstick {checksum}, pandas {pandas_checksum}: {}",
        if agree { "the same" } else { "DIFFERENT" }
    );
    assert!(agree, "the peer computes other numbers");
}

criterion_group!(benches, scoring, against_pandas);
criterion_main!(benches);
