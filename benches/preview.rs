//! Previewing a draft of the definitions: 10,000 people over 12 months, every month
//! scored with the definitions in force and with the draft, then compared person by
//! person. The rows are in memory, as the preview reads the store once before it
//! scores; the target is under one second on a 2-core machine.
//!
//! `cargo bench --bench preview`

use criterion::{Criterion, criterion_group, criterion_main};
use std::collections::HashMap;
use std::hint::black_box;
use std::sync::Arc;
use yardstick::definitions::RulebookVersion;
use yardstick::definitions::preview::{StoredRows, preview};
use yardstick::kpi::period::Month;
use yardstick::kpi::rulebook::SourceFile;
use yardstick::store::{MetricRow, PersonRow, TeamRow};

const PEOPLE: usize = 10_000;
const MONTHS: usize = 12;

/// The demo's teams, and 10,000 people in them on the demo's roles, each with every
/// metric the demo gives their role, varied person by person and month by month.
fn rows(months: &[Month]) -> StoredRows {
    let demo = std::fs::read_to_string("examples/demo/metrics.csv").expect("the demo metrics");
    // A person of each role, and what they report in October.
    let models = [
        ("junior_rep", "p002"),
        ("senior_rep", "p008"),
        ("customer_success", "p018"),
    ];
    let mut base: HashMap<&str, Vec<(String, f64)>> = HashMap::new();
    for line in demo.lines().skip(1) {
        let fields: Vec<&str> = line.split(',').collect();
        if let Some((role, _)) = models.iter().find(|(_, p)| fields[0] == *p && fields[1] == "2026-10") {
            base.entry(role)
                .or_default()
                .push((fields[2].to_owned(), fields[3].parse().expect("a value")));
        }
    }
    let teams = [("east", None), ("east-key", Some("east")), ("care", None)]
        .map(|(key, parent): (&str, Option<&str>)| TeamRow {
            key: key.to_owned(),
            name: key.to_owned(),
            name_zh: None,
            parent: parent.map(str::to_owned),
            card: None,
        })
        .to_vec();
    let mut people = Vec::with_capacity(PEOPLE);
    let mut metrics = Vec::new();
    for p in 0..PEOPLE {
        let (role, _) = models[p % models.len()];
        let team = if role == "customer_success" {
            "care"
        } else {
            ["east", "east-key"][p % 2]
        };
        let key: Arc<str> = format!("L{p:05}").into();
        people.push(PersonRow {
            key: key.to_string(),
            name: format!("Person {p}"),
            email: format!("p{p}@example.com"),
            team: team.to_owned(),
            role: role.to_owned(),
            manager: None,
            active_from: None,
            active_to: None,
            language: None,
        });
        for (m, &month) in months.iter().enumerate() {
            for (i, (metric, value)) in base[role].iter().enumerate() {
                // Between 80% and 120% of the model's value, the same on every run.
                let spread = ((p * 31 + m * 17 + i * 7) % 41) as f64 / 100.0;
                metrics.push(MetricRow {
                    line: 0,
                    subject: Arc::clone(&key),
                    month,
                    metric: metric.as_str().into(),
                    value: (value * (0.8 + spread)).round(),
                });
            }
        }
    }
    StoredRows {
        teams,
        people,
        metrics,
        targets: Vec::new(),
        ratings: Vec::new(),
    }
}

fn bench(c: &mut Criterion) {
    let in_force = RulebookVersion::shipped();
    // The draft: senior reps' acquisition cost target cut from 1500 to 900.
    let draft: Vec<SourceFile> = in_force
        .sources
        .iter()
        .map(|f| SourceFile {
            name: f.name.clone(),
            text: f.text.replace("target: 1500", "target: 900"),
        })
        .collect();
    let draft = RulebookVersion::compile(None, draft).expect("the draft compiles");
    let months: Vec<Month> = (0..MONTHS)
        .map(|m| Month::new(2025 + ((10 + m) / 12) as u16, ((10 + m) % 12 + 1) as u8).expect("a month"))
        .collect();
    let rows = rows(&months);
    println!(
        "{} people, {} months, {} metric values",
        rows.people.len(),
        months.len(),
        rows.metrics.len()
    );
    let mut group = c.benchmark_group("preview");
    group.sample_size(10);
    group.bench_function("10000 people x 12 months, in force and draft", |b| {
        b.iter(|| {
            let previews = preview(&in_force.rulebook, &draft.rulebook, black_box(&rows), &months).expect("preview");
            assert!(previews.iter().all(|p| p.changes.iter().any(|c| c.size() > 0.0)));
            previews
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
