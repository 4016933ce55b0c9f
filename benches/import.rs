//! Storage throughput, measured end to end through the same service function the
//! command line uses: import 10,000,000 metric rows from CSV (read, validate, stage,
//! merge, audit) with the process's peak resident memory during the import, import
//! the same file again (every row unchanged), then score a 100,000-rep month straight
//! from the database.
//!
//! `cargo bench --bench import` runs it on SQLite; with `YARDSTICK_BENCH_POSTGRES_URL`
//! set to an empty PostgreSQL database, on PostgreSQL too. `YARDSTICK_BENCH_REPS` sets
//! the number of reps (100,000: 10 M rows). Each import is timed once: at this size
//! one run is seconds long and its spread is small.

use std::io::Write as _;
use std::path::Path;
use std::time::Instant;
use yardstick::import::{ImportKind, import_file, read_definitions, stored_organisation};
use yardstick::inputs::PeriodSources;
use yardstick::kpi::rulebook::Rulebook;
use yardstick::store::Store;

#[path = "support/mod.rs"]
mod support;
use support::{bench_file, reset_peak_memory, resident_memory_mb};

const MONTHS: usize = 10;
const METRICS_PER_REP: usize = 10;

fn main() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let files = read_definitions(Path::new("kpi-definitions")).expect("the shipped definitions");
    let rulebook = Rulebook::load(&files).expect("the shipped definitions load");
    let reps: usize = std::env::var("YARDSTICK_BENCH_REPS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(100_000);
    let (teams, people, metrics) = write_files(dir.path(), reps);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");

    let mut targets = vec![(
        "SQLite",
        format!("sqlite://{}?mode=rwc", dir.path().join("bench.db").display()),
    )];
    if let Ok(server) = std::env::var("YARDSTICK_BENCH_POSTGRES_URL") {
        targets.push(("PostgreSQL", server));
    }
    for (name, url) in targets {
        runtime.block_on(async {
            let store = Store::open(&url).await.expect("open the database");
            let quiet = |_: u64, _: u64| {};
            // A fresh database with definitions never stored: nothing to check them against.
            let against = yardstick::import::Against {
                rulebook: &rulebook,
                version: None,
            };
            import_file(&store, against, ImportKind::Teams, &teams, "bench", &quiet)
                .await
                .expect("teams");
            import_file(&store, against, ImportKind::People, &people, "bench", &quiet)
                .await
                .expect("people");

            let before = resident_memory_mb("VmRSS:");
            reset_peak_memory();
            let started = Instant::now();
            let report = import_file(&store, against, ImportKind::Metrics, &metrics, "bench", &quiet)
                .await
                .expect("metrics");
            let seconds = started.elapsed().as_secs_f64();
            println!(
                "{name}: imported {} metric rows in {seconds:.2} s: {:.0} rows/s, peak resident memory {} MB ({before} MB before the import)",
                report.changes.added,
                report.changes.added as f64 / seconds,
                resident_memory_mb("VmHWM:")
            );
            let started = Instant::now();
            let again = import_file(&store, against, ImportKind::Metrics, &metrics, "bench", &quiet)
                .await
                .expect("metrics again");
            let seconds = started.elapsed().as_secs_f64();
            println!(
                "{name}: the same file again, {} rows unchanged, in {seconds:.2} s: {:.0} rows/s",
                again.changes.unchanged,
                again.changes.unchanged as f64 / seconds
            );

            let started = Instant::now();
            let period = "2026-10".parse().expect("a month");
            let sources = PeriodSources::from_store(&store, &rulebook, period)
                .await
                .expect("load the period");
            let loaded = started.elapsed();
            let (_inputs, scores) = sources.score(&rulebook, period);
            let total = started.elapsed();
            let organisation = stored_organisation(&store, &rulebook, None)
                .await
                .expect("organisation");
            println!(
                "{name}: scored {} reps and {} teams for {period} from the database in {:.0} ms ({:.0} ms reading)",
                scores.people.len(),
                organisation.teams().len(),
                total.as_secs_f64() * 1000.0,
                loaded.as_secs_f64() * 1000.0
            );
        });
    }
}

/// `reps` junior reps in 20 teams, and 10 months x 10 metrics each: `reps` x 100 rows,
/// written as they are made.
fn write_files(dir: &Path, reps: usize) -> (std::path::PathBuf, std::path::PathBuf, std::path::PathBuf) {
    let metrics = [
        "visits_planned",
        "visits_made",
        "leads",
        "deals_closed",
        "sales_amount",
        "sales_target",
        "customer_records",
        "complete_records",
        "enquiries",
        "enquiries_followed_24h",
    ];
    assert_eq!(metrics.len(), METRICS_PER_REP);
    let create = |name: &str| bench_file(dir, name);
    let (teams_path, mut teams) = create("teams.csv");
    let (people_path, mut people) = create("people.csv");
    let (data_path, mut data) = create("metrics.csv");
    writeln!(teams, "id,name,parent").expect("write");
    for t in 0..20 {
        writeln!(teams, "t{t:02},Team {t},").expect("write");
    }
    writeln!(people, "id,name,email,team,role").expect("write");
    writeln!(data, "subject,period,metric,value").expect("write");
    for p in 0..reps {
        writeln!(people, "r{p:06},Rep {p},rep{p}@example.com,t{:02},junior_rep", p % 20).expect("write");
        for m in 0..MONTHS {
            for (i, metric) in metrics.iter().enumerate() {
                writeln!(
                    data,
                    "r{p:06},2026-{:02},{metric},{}",
                    m + 1,
                    10 + (p * 7 + m * 3 + i * 11) % 90
                )
                .expect("write");
            }
        }
    }
    for mut file in [teams, people, data] {
        file.flush().expect("write");
    }
    (teams_path, people_path, data_path)
}
