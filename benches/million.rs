//! A very large organisation on PostgreSQL: 1,000,000 people in teams nested five
//! levels deep (a company, 5 regions, 25 areas, 250 districts, 2,500 branches of 400),
//! 22 metrics a person a month (about 22 M rows a month) for the three months of
//! 2026-Q3, imported through the command line's own service function; then September
//! and the quarter scored straight from the database, each with its wall time and the
//! process's peak resident memory while it was read and scored.
//!
//! `YARDSTICK_BENCH_POSTGRES_URL=postgres://... cargo bench --bench million`
//! (an empty database; without it the bench says so and stops).
//! `YARDSTICK_BENCH_PEOPLE` changes the size. The files are generated into a temporary
//! folder (about 2.5 GB at full size) and removed afterwards. `YARDSTICK_BENCH_SCORE_ONLY=1`
//! scores a database an earlier run filled, without generating or importing again.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;
use yardstick::import::{Against, ImportKind, import_file, read_definitions};
use yardstick::inputs::PeriodSources;
use yardstick::kpi::period::Period;
use yardstick::kpi::rulebook::Rulebook;
use yardstick::store::Store;

#[path = "support/mod.rs"]
mod support;
use support::{bench_file, reset_peak_memory, resident_memory_mb};

/// A junior rep's month (the demo's p002 in October), scaled per person.
const MONTH: [(&str, f64); 22] = [
    ("complete_records", 123.0),
    ("customer_records", 130.0),
    ("enquiries", 35.0),
    ("enquiries_followed_24h", 32.0),
    ("visits_planned", 32.0),
    ("visits_made", 30.0),
    ("conversations_reviewed", 4.0),
    ("quality_score_points", 321.0),
    ("sales_amount", 76110.0),
    ("sales_target", 88000.0),
    ("customers_at_start", 82.0),
    ("customers_at_end", 90.0),
    ("new_customers", 8.0),
    ("churned_customers", 0.0),
    ("contracts_due", 3.0),
    ("contracts_renewed", 3.0),
    ("complaints", 0.0),
    ("compliance_violations", 0.0),
    ("leads", 39.0),
    ("emails_delivered", 641.0),
    ("email_clicks", 23.0),
    ("referring_customers", 2.0),
];

/// Teams per level below the company: 5 regions, 5 areas each, 10 districts each,
/// 10 branches each.
const FAN_OUT: [usize; 4] = [5, 5, 10, 10];

fn main() {
    let Ok(url) = std::env::var("YARDSTICK_BENCH_POSTGRES_URL") else {
        println!("million: set YARDSTICK_BENCH_POSTGRES_URL to an empty PostgreSQL database to run it");
        return;
    };
    let people: usize = std::env::var("YARDSTICK_BENCH_PEOPLE")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1_000_000);
    let score_only = std::env::var("YARDSTICK_BENCH_SCORE_ONLY").is_ok_and(|v| v == "1");
    let files = read_definitions(Path::new("kpi-definitions")).expect("the shipped definitions");
    let rulebook = Rulebook::load(&files).expect("the shipped definitions load");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        let store = Store::open(&url).await.expect("open the database");
        if !score_only {
            import(&store, &rulebook, people).await;
        }
        for period in ["2026-09", "2026-Q3"] {
            let period: Period = period.parse().expect("a period");
            reset_peak_memory();
            let before = resident_memory_mb("VmRSS:");
            let started = Instant::now();
            let sources = PeriodSources::from_store(&store, &rulebook, period)
                .await
                .expect("the period reads");
            let read = started.elapsed().as_secs_f64();
            let (_inputs, scores) = sources.score(&rulebook, period);
            let total = started.elapsed().as_secs_f64();
            let graded = scores.people.iter().filter(|c| c.result.total().is_some()).count();
            println!(
                "million: {period} scored from PostgreSQL in {total:.1} s ({read:.1} s reading): {} people ({graded} graded) and {} teams; peak resident memory {} MB ({before} MB before)",
                scores.people.len(),
                scores.teams.len(),
                resident_memory_mb("VmHWM:")
            );
        }
    });
}

/// Generates the organisation and its quarter of metrics into a temporary folder and
/// imports them, through the command line's own service function.
async fn import(store: &Store, rulebook: &Rulebook, people: usize) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let started = Instant::now();
    let (teams, people_file, metrics) = write_files(dir.path(), people);
    println!(
        "million: {people} people, files written in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let quiet = |_: u64, _: u64| {};
    // A fresh database with definitions never stored: nothing to check them against.
    let against = Against {
        rulebook,
        version: None,
    };
    for (kind, path) in [(ImportKind::Teams, &teams), (ImportKind::People, &people_file)] {
        import_file(store, against, kind, path, "bench", &quiet)
            .await
            .expect("the organisation imports");
    }
    let started = Instant::now();
    let report = import_file(store, against, ImportKind::Metrics, &metrics, "bench", &quiet)
        .await
        .expect("the metrics import");
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "million: imported {} metric rows in {seconds:.1} s ({:.0} rows/s)",
        report.changes.added,
        report.changes.added as f64 / seconds
    );
}

/// The team key of the `i`-th team of `level` (0: the company).
fn team_key(level: usize, i: usize) -> String {
    format!("l{level}-{i}")
}

/// The teams (the company, then each level under its parent), the people (in the
/// branches, one rep in ten senior) and three months of their metrics.
fn write_files(dir: &Path, people: usize) -> (PathBuf, PathBuf, PathBuf) {
    let create = |name: &str| bench_file(dir, name);
    let (teams_path, mut teams) = create("teams.csv");
    let (people_path, mut people_out) = create("people.csv");
    let (data_path, mut data) = create("metrics.csv");
    writeln!(teams, "id,name,parent").expect("write");
    writeln!(teams, "{},Company,", team_key(0, 0)).expect("write");
    let mut count = 1;
    for (level, fan_out) in FAN_OUT.iter().enumerate() {
        let level = level + 1;
        for i in 0..count * fan_out {
            writeln!(
                teams,
                "{},Team {level}-{i},{}",
                team_key(level, i),
                team_key(level - 1, i / fan_out)
            )
            .expect("write");
        }
        count *= fan_out;
    }
    let branches = count;
    writeln!(people_out, "id,name,email,team,role").expect("write");
    writeln!(data, "subject,period,metric,value").expect("write");
    for p in 0..people {
        let role = if p % 10 == 9 { "senior_rep" } else { "junior_rep" };
        writeln!(
            people_out,
            "r{p:07},Rep {p},r{p}@example.com,{},{role}",
            team_key(FAN_OUT.len(), p % branches)
        )
        .expect("write");
        for month in 7..=9 {
            let scale = 0.7 + ((p * 7 + month * 13) % 60) as f64 / 100.0;
            for (metric, value) in MONTH {
                writeln!(data, "r{p:07},2026-{month:02},{metric},{}", (value * scale).round()).expect("write");
            }
        }
    }
    for mut file in [teams, people_out, data] {
        file.flush().expect("write");
    }
    (teams_path, people_path, data_path)
}
