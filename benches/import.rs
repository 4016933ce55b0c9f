//! Storage throughput, measured end to end through the same service function the
//! command line uses: import 1,000,000 metric rows from CSV (read, validate, diff,
//! write, audit), then score a 10,000-rep month straight from the database.
//!
//! `cargo bench --bench import` runs it on SQLite; with `YARDSTICK_BENCH_POSTGRES_URL`
//! set to a server where a database may be created, on PostgreSQL too. Each import is
//! timed once: at this size one run is seconds long and its spread is small.

use std::fmt::Write as _;
use std::path::Path;
use std::time::Instant;
use yardstick::import::{
    ImportKind, METRIC_COLUMNS, Table, import_file, parse_metrics, read_definitions, stored_organisation, subject_keys,
};
use yardstick::inputs::PeriodSources;
use yardstick::kpi::evaluate::score_period;
use yardstick::kpi::rulebook::Rulebook;
use yardstick::store::Store;

const REPS: usize = 10_000;
const MONTHS: usize = 10;
const METRICS_PER_REP: usize = 10;

fn main() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let files = read_definitions(Path::new("kpi-definitions")).expect("the shipped definitions");
    let rulebook = Rulebook::load(&files).expect("the shipped definitions load");
    let (teams, people, metrics) = write_files(dir.path());
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

            // The first phase alone, for the breakdown: read and validate, no database.
            let started = Instant::now();
            let organisation = stored_organisation(&store, &rulebook, None)
                .await
                .expect("organisation");
            let table = Table::read(&metrics, METRIC_COLUMNS).expect("read the file");
            let read = started.elapsed().as_secs_f64();
            let rows = parse_metrics(&table, &rulebook, &subject_keys(&organisation)).expect("valid rows");
            let validated = started.elapsed().as_secs_f64();
            drop((table, rows));
            println!(
                "{name}: reading the CSV takes {read:.2} s, validating it {:.2} s more",
                validated - read
            );

            let started = Instant::now();
            let report = import_file(&store, against, ImportKind::Metrics, &metrics, "bench", &quiet)
                .await
                .expect("metrics");
            let seconds = started.elapsed().as_secs_f64();
            println!(
                "{name}: imported {} metric rows in {seconds:.2} s: {:.0} rows/s",
                report.changes.added,
                report.changes.added as f64 / seconds
            );

            let started = Instant::now();
            let period = "2026-10".parse().expect("a month");
            let sources = PeriodSources::from_store(&store, &rulebook, period)
                .await
                .expect("load the period");
            let loaded = started.elapsed();
            let inputs = sources.data.period_inputs(&rulebook, &sources.organisation, period);
            let scores = score_period(
                &rulebook,
                &sources.organisation,
                &inputs,
                &sources.targets,
                &sources.ratings,
                period,
            );
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

/// 10,000 junior reps in 20 teams, and 10 months x 10 metrics each: 1,000,000 rows.
fn write_files(dir: &Path) -> (std::path::PathBuf, std::path::PathBuf, std::path::PathBuf) {
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
    let mut teams = String::from("id,name,parent\n");
    for t in 0..20 {
        writeln!(teams, "t{t:02},Team {t},").expect("write");
    }
    let mut people = String::from("id,name,email,team,role\n");
    let mut data = String::with_capacity(40 * REPS * MONTHS * METRICS_PER_REP);
    data.push_str("subject,period,metric,value\n");
    for p in 0..REPS {
        writeln!(people, "r{p:05},Rep {p},rep{p}@example.com,t{:02},junior_rep", p % 20).expect("write");
        for m in 0..MONTHS {
            for (i, metric) in metrics.iter().enumerate() {
                writeln!(
                    data,
                    "r{p:05},2026-{:02},{metric},{}",
                    m + 1,
                    10 + (p * 7 + m * 3 + i * 11) % 90
                )
                .expect("write");
            }
        }
    }
    let write = |name: &str, text: &str| {
        let path = dir.join(name);
        std::fs::write(&path, text).expect("write a bench file");
        path
    };
    (
        write("teams.csv", &teams),
        write("people.csv", &people),
        write("metrics.csv", &data),
    )
}
