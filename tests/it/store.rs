//! The database, driven through the binary as an operator would: imports all or
//! nothing, corrections audited, finalized periods frozen, crashes and concurrent
//! writers survived. Every test runs on SQLite, and on PostgreSQL too when
//! `YARDSTICK_TEST_POSTGRES_URL` names a server where test databases may be created.

use crate::helpers::{demo, root, write, yardstick};
use std::path::{Path, PathBuf};
use std::process::Output;
use yardstick::store::Store;

/// A fresh, empty SQLite database in `dir`.
pub fn sqlite_database(dir: &Path) -> String {
    format!("sqlite://{}?mode=rwc", dir.join("yardstick.db").display())
}

/// A fresh, empty database of each kind available.
pub fn databases(dir: &Path) -> Vec<String> {
    let mut urls = vec![sqlite_database(dir)];
    if let Ok(server) = std::env::var("YARDSTICK_TEST_POSTGRES_URL")
        && !server.is_empty()
    {
        urls.push(fresh_postgres_database(&server));
    }
    urls
}

/// Creates a uniquely named database on the server and returns its URL.
fn fresh_postgres_database(server: &str) -> String {
    use sea_orm::ConnectionTrait;
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let name = format!(
        "yardstick_test_{}_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos())
    );
    runtime().block_on(async {
        let db = sea_orm::Database::connect(server)
            .await
            .expect("connect to the PostgreSQL test server");
        db.execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await
            .expect("create a test database");
    });
    let base = server.rsplit_once('/').map_or(server, |(base, _)| base);
    format!("{base}/{name}")
}

pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime")
}

pub(crate) fn run(url: &str, args: &[&str]) -> Output {
    yardstick()
        .arg("--database")
        .arg(url)
        .args(args)
        .output()
        .expect("run yardstick")
}

pub(crate) fn ok(url: &str, args: &[&str]) -> String {
    let output = run(url, args);
    assert!(
        output.status.success(),
        "yardstick {args:?} failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("UTF-8 output")
}

pub(crate) fn import_demo(url: &str) {
    for kind in ["teams", "people", "targets", "metrics"] {
        let file = demo(&format!("{kind}.csv"));
        ok(url, &["import", kind, &file.display().to_string()]);
    }
}

fn evaluate_json(url: &str, period: &str) -> serde_json::Value {
    serde_json::from_str(&ok(url, &["evaluate", "--period", period, "--format", "json"])).expect("JSON")
}

fn files_json(period: &str) -> serde_json::Value {
    let output = yardstick()
        .args(["evaluate", "--period", period, "--format", "json"])
        .arg("--people")
        .arg(demo("people.csv"))
        .arg("--teams")
        .arg(demo("teams.csv"))
        .arg("--data")
        .arg(demo("metrics.csv"))
        .arg("--targets")
        .arg(demo("targets.csv"))
        .output()
        .expect("run yardstick");
    serde_json::from_slice(&output.stdout).expect("JSON")
}

fn count(url: &str) -> u64 {
    runtime().block_on(async {
        Store::open(url)
            .await
            .expect("open")
            .count_metric_values()
            .await
            .expect("count")
    })
}

/// Cards keyed by subject, so reports can be compared whatever their order.
fn by_subject(report: &serde_json::Value) -> std::collections::BTreeMap<String, serde_json::Value> {
    ["people", "teams"]
        .iter()
        .flat_map(|k| report[k].as_array().cloned().unwrap_or_default())
        .map(|card| (card["subject"].as_str().unwrap_or_default().to_owned(), card))
        .collect()
}

#[test]
fn the_stored_organisation_scores_exactly_as_the_files_do() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    for url in databases(dir.path()) {
        import_demo(&url);
        for period in ["2026-10", "2026-Q3"] {
            assert_eq!(evaluate_json(&url, period), files_json(period), "{url} {period}");
        }
    }
}

#[test]
fn a_file_with_one_bad_row_writes_nothing() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    for url in databases(dir.path()) {
        import_demo(&url);
        let before = count(&url);
        let file = write(
            dir.path(),
            "late.csv",
            "subject,period,metric,value\np002,2026-11,visits_made,12\np002,2026-11,visits_made_typo,3\np003,2026-11,visits_made,-4\n",
        );
        let output = run(&url, &["import", "metrics", &file.display().to_string()]);
        assert_eq!(output.status.code(), Some(1));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains(
                "late.csv:3: column `metric`: unknown metric `visits_made_typo`; did you mean `visits_made`?"
            ),
            "{stderr}"
        );
        assert!(
            stderr.contains("late.csv:4: column `value`: `visits_made` is a count and cannot be negative (-4)"),
            "{stderr}"
        );
        assert_eq!(count(&url), before, "{url}: nothing was written");
        assert_eq!(
            staging_tables(&url),
            Vec::<String>::new(),
            "{url}: no staging left behind"
        );
    }
}

/// The staging tables imports stream rows into; each is dropped once merged or refused.
fn staging_tables(url: &str) -> Vec<String> {
    use sea_orm::{ConnectionTrait, Statement};
    let listing = if url.starts_with("sqlite:") {
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'metric_staging%'"
    } else {
        "SELECT tablename AS name FROM pg_tables WHERE tablename LIKE 'metric_staging%'"
    };
    runtime().block_on(async {
        let db = sea_orm::Database::connect(url).await.expect("connect");
        let backend = db.get_database_backend();
        db.query_all_raw(Statement::from_string(backend, listing))
            .await
            .expect("the tables")
            .iter()
            .map(|row| row.try_get::<String>("", "name").expect("a name"))
            .collect()
    })
}

#[test]
fn importing_the_same_file_again_changes_nothing_and_a_correction_is_audited() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    for url in databases(dir.path()) {
        import_demo(&url);
        let again = ok(&url, &["import", "metrics", &demo("metrics.csv").display().to_string()]);
        assert!(again.contains("0 added, 0 changed"), "{again}");
        let metrics = std::fs::read_to_string(demo("metrics.csv")).expect("demo metrics");
        let original = metrics
            .lines()
            .find(|l| l.starts_with("p002,2026-10,visits_made,"))
            .expect("a demo value");
        let old: f64 = original
            .rsplit(',')
            .next()
            .and_then(|v| v.parse().ok())
            .expect("a number");
        let file = write(
            dir.path(),
            "fix.csv",
            &format!("subject,period,metric,value\np002,2026-10,visits_made,{}\n", old + 1.0),
        );
        let fixed = ok(
            &url,
            &["--actor", "hr.lee", "import", "metrics", &file.display().to_string()],
        );
        assert!(fixed.contains("0 added, 1 changed"), "{fixed}");
        let trail = runtime().block_on(async {
            Store::open(&url)
                .await
                .expect("open")
                .audit_trail("metric_value", "p002/2026-10/visits_made")
                .await
                .expect("audit")
        });
        assert_eq!(trail.len(), 1, "{trail:?}");
        assert_eq!(trail[0].actor, "hr.lee");
        assert_eq!(trail[0].before.as_deref(), Some(old.to_string().as_str()));
        assert_eq!(trail[0].after.as_deref(), Some((old + 1.0).to_string().as_str()));
    }
}

/// One file correcting a stored month and opening two new ones: on PostgreSQL the new
/// months get tables of their own, loaded whole, and the stored month takes its
/// correction through the common table; either way every value is read back.
#[test]
fn a_file_of_stored_and_new_months_adds_the_new_and_corrects_the_stored() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    for url in databases(dir.path()) {
        import_demo(&url);
        let before = count(&url);
        let file = write(
            dir.path(),
            "mixed.csv",
            "subject,period,metric,value\n\
             p002,2026-10,visits_made,999\n\
             p002,2026-11,visits_made,11\n\
             p003,2026-11,visits_made,12\n\
             p002,2026-12,deals_closed,2.5\n",
        );
        let imported = ok(&url, &["import", "metrics", &file.display().to_string()]);
        assert!(imported.contains("3 added, 1 changed"), "{imported}");
        assert_eq!(count(&url), before + 3, "{url}");
        // A month that now has values takes more through the common path.
        let more = write(
            dir.path(),
            "more.csv",
            "subject,period,metric,value\np002,2026-11,visits_made,11\np004,2026-11,visits_made,7\n",
        );
        let imported = ok(&url, &["import", "metrics", &more.display().to_string()]);
        assert!(imported.contains("1 added, 0 changed, 1 unchanged"), "{imported}");
        let months: Vec<_> = ["2026-10", "2026-11", "2026-12"]
            .iter()
            .map(|m| m.parse().expect("month"))
            .collect();
        let stored = runtime().block_on(async {
            let store = Store::open(&url).await.expect("open");
            store.list_metric_values_in(&months).await.expect("read")
        });
        let value = |subject: &str, month: &str, metric: &str| {
            stored
                .iter()
                .find(|r| &*r.subject == subject && r.month.to_string() == month && &*r.metric == metric)
                .map(|r| r.value)
        };
        assert_eq!(value("p002", "2026-10", "visits_made"), Some(999.0), "{url}");
        assert_eq!(value("p002", "2026-11", "visits_made"), Some(11.0));
        assert_eq!(value("p003", "2026-11", "visits_made"), Some(12.0));
        assert_eq!(value("p004", "2026-11", "visits_made"), Some(7.0));
        assert_eq!(value("p002", "2026-12", "deals_closed"), Some(2.5));
        assert_eq!(stored.iter().filter(|r| r.month.to_string() != "2026-10").count(), 4);
        if url.starts_with("postgres") {
            let tables = runtime().block_on(month_tables(&url));
            assert_eq!(
                tables,
                [
                    "2026-05", "2026-06", "2026-07", "2026-08", "2026-09", "2026-10", "2026-11", "2026-12"
                ]
                .map(|m| format!("metric_values_{}", m.replace('-', ""))),
            );
        }
    }
}

/// PostgreSQL's tables of a month's values, by name.
async fn month_tables(url: &str) -> Vec<String> {
    use sea_orm::{ConnectionTrait, Statement};
    let db = sea_orm::Database::connect(url).await.expect("connect");
    let rows = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid \
             WHERE i.inhparent = 'metric_values'::regclass ORDER BY 1",
        ))
        .await
        .expect("partitions");
    rows.iter()
        .map(|r| r.try_get::<String>("", "name").expect("a name"))
        .collect()
}

#[test]
fn a_finalized_period_refuses_changes_and_keeps_its_scores_when_definitions_change() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    for url in databases(dir.path()) {
        import_demo(&url);
        let before = evaluate_json(&url, "2026-10");
        assert!(ok(&url, &["finalize", "--period", "2026-10"]).contains("28 scorecards frozen"));

        let again = run(&url, &["finalize", "--period", "2026-10"]);
        assert_eq!(again.status.code(), Some(1));
        let late = write(
            dir.path(),
            "late.csv",
            "subject,period,metric,value\np002,2026-10,visits_made,99\n",
        );
        let refused = run(&url, &["import", "metrics", &late.display().to_string()]);
        assert!(
            String::from_utf8_lossy(&refused.stderr)
                .contains("late.csv:2: column `period`: period 2026-10 is finalized")
        );

        // A lower cost target in a copy of the definitions: October must not move.
        let changed = dir.path().join("changed-definitions");
        copy_dir(&root().join("kpi-definitions"), &changed);
        let role = changed.join("role-senior-rep.yaml");
        let text = std::fs::read_to_string(&role).expect("the senior rep role");
        std::fs::write(&role, text.replace("target: 1500", "target: 900")).expect("write");
        let changed_dir = changed.display().to_string();
        let september_before = evaluate_json(&url, "2026-09");
        // A folder that differs from the version in force is refused, naming both.
        let differs = run(
            &url,
            &["evaluate", "--period", "2026-09", "--definitions", &changed_dir],
        );
        assert_eq!(differs.status.code(), Some(1));
        let stderr = String::from_utf8_lossy(&differs.stderr);
        assert!(
            stderr.contains(&format!(
                "the definitions folder {changed_dir} differs from version 1 in force"
            )) && stderr.contains(&format!("yardstick definitions import {changed_dir}")),
            "{stderr}"
        );
        let published = ok(
            &url,
            &[
                "definitions",
                "import",
                &changed_dir,
                "--comment",
                "cheaper senior reps",
            ],
        );
        assert!(published.contains("published as version 2"), "{published}");
        assert_ne!(
            by_subject(&evaluate_json(&url, "2026-09")),
            by_subject(&september_before),
            "the change moves a month still open"
        );
        let frozen = ok(
            &url,
            &[
                "evaluate",
                "--period",
                "2026-10",
                "--format",
                "json",
                "--definitions",
                &changed_dir,
            ],
        );
        let frozen: serde_json::Value = serde_json::from_str(&frozen).expect("JSON");
        assert_eq!(by_subject(&frozen), by_subject(&before), "{url}");
    }
}

#[test]
fn a_backup_of_a_live_database_scores_the_same() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let url = &sqlite_database(dir.path());
    import_demo(url);
    let copy = dir.path().join("copy.db");
    assert!(ok(url, &["backup", &copy.display().to_string()]).contains("backup written"));
    let copy_url = format!("sqlite://{}", copy.display());
    assert_eq!(evaluate_json(&copy_url, "2026-10"), evaluate_json(url, "2026-10"));
    let twice = run(url, &["backup", &copy.display().to_string()]);
    assert_eq!(twice.status.code(), Some(1), "an existing file is not overwritten");
}

#[test]
fn people_come_from_a_spreadsheet_too() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let url = &sqlite_database(dir.path());
    ok(url, &["import", "teams", &demo("teams.csv").display().to_string()]);
    let path = dir.path().join("people.xlsx");
    let header = ["id", "name", "email", "team", "role"];
    let li = ["x1", "Xu Li", "li.xu@example.com", "east", "junior_rep"];
    write_xlsx(
        &path,
        &[
            header,
            li,
            ["x2", "Yan Bo", "bo.yan@example.com", "nowhere", "junior_rep"],
        ],
    );
    let output = run(url, &["import", "people", &path.display().to_string()]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("people.xlsx:3: column `team`: unknown team `nowhere`"),
        "{stderr}"
    );

    write_xlsx(
        &path,
        &[
            header,
            li,
            ["x2", "Yan Bo", "bo.yan@example.com", "care", "customer_success"],
        ],
    );
    assert!(ok(url, &["import", "people", &path.display().to_string()]).contains("2 rows: 2 added"));
}

/// A one-sheet workbook of text cells.
pub(crate) fn write_xlsx(path: &Path, rows: &[[&str; 5]]) {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            sheet.write_string(r as u32, c as u16, *cell).expect("write a cell");
        }
    }
    workbook.save(path).expect("save the workbook");
}

/// A metrics file of `people` people x `months` months x every metric of the demo's junior reps.
pub fn large_metrics(dir: &Path, people: usize, months: usize, offset: f64) -> (PathBuf, PathBuf, usize) {
    let metrics: Vec<String> = std::fs::read_to_string(demo("metrics.csv"))
        .expect("demo metrics")
        .lines()
        .filter(|l| l.starts_with("p002,2026-10,"))
        .map(|l| l.split(',').nth(2).expect("a metric").to_owned())
        .collect();
    let mut people_csv = String::from("id,name,email,team,role\n");
    let mut data = String::from("subject,period,metric,value\n");
    let mut rows = 0;
    for p in 0..people {
        people_csv.push_str(&format!("L{p:05},Load {p},load{p}@example.com,east,junior_rep\n"));
        for m in 0..months {
            for (i, metric) in metrics.iter().enumerate() {
                data.push_str(&format!(
                    "L{p:05},20{:02}-{:02},{metric},{}\n",
                    10 + m / 12,
                    m % 12 + 1,
                    (p + m + i) as f64 + offset
                ));
                rows += 1;
            }
        }
    }
    (
        write(dir, "load-people.csv", &people_csv),
        write(dir, &format!("load-metrics-{offset}.csv"), &data),
        rows,
    )
}

#[test]
fn a_process_killed_in_the_middle_of_an_import_leaves_the_database_as_before() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let url = &sqlite_database(dir.path());
    import_demo(url);
    let (people, data, _) = large_metrics(dir.path(), 2000, 24, 0.0);
    ok(url, &["import", "people", &people.display().to_string()]);
    let before = count(url);
    let wal = dir.path().join("yardstick.db-wal");
    let wal_size = || std::fs::metadata(&wal).map_or(0, |m| m.len());
    let start_size = wal_size();

    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("yardstick"))
        .current_dir(root())
        .args(["--database", url, "import", "metrics"])
        .arg(&data)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start an import");
    // Kill it once it is writing: its uncommitted pages are growing the WAL.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    while wal_size() < start_size + 4_000_000 {
        assert!(
            child.try_wait().expect("poll the import").is_none(),
            "the import finished before it could be killed"
        );
        assert!(std::time::Instant::now() < deadline, "the import never started writing");
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    child.kill().expect("SIGKILL the import");
    let status = child.wait().expect("reap the import");
    assert!(!status.success(), "the import was killed, not finished");

    assert_eq!(count(url), before, "the killed import left nothing behind");
    let integrity = runtime().block_on(async {
        use sea_orm::{ConnectionTrait, Statement};
        let db = sea_orm::Database::connect(url.as_str()).await.expect("reopen");
        let row = db
            .query_one_raw(Statement::from_string(
                db.get_database_backend(),
                "PRAGMA integrity_check",
            ))
            .await
            .expect("check")
            .expect("a row");
        row.try_get_by_index::<String>(0).expect("text")
    });
    assert_eq!(integrity, "ok");
    // And the same import, run to the end, then succeeds.
    assert!(ok(url, &["import", "metrics", &data.display().to_string()]).contains("0 changed"));
}

#[test]
fn two_imports_at_once_neither_lose_nor_mix_rows() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    for url in databases(dir.path()) {
        import_demo(&url);
        let (people, first, rows) = large_metrics(dir.path(), 150, 12, 0.0);
        ok(&url, &["import", "people", &people.display().to_string()]);
        // The second file corrects every value of the first: whichever lands last wins whole.
        let (_, second, _) = large_metrics(dir.path(), 150, 12, 0.5);
        let before = count(&url);
        let spawn = |file: &PathBuf| {
            std::process::Command::new(assert_cmd::cargo::cargo_bin("yardstick"))
                .current_dir(root())
                .args(["--database", url.as_str(), "import", "metrics"])
                .arg(file)
                .output()
        };
        let (a, b) = std::thread::scope(|s| {
            let a = s.spawn(|| spawn(&first));
            let b = s.spawn(|| spawn(&second));
            (
                a.join().expect("join").expect("run"),
                b.join().expect("join").expect("run"),
            )
        });
        assert!(
            a.status.success() && b.status.success(),
            "{}\n{}",
            String::from_utf8_lossy(&a.stderr),
            String::from_utf8_lossy(&b.stderr)
        );
        assert_eq!(count(&url), before + rows as u64, "{url}");
        let values: Vec<f64> = runtime().block_on(async {
            let store = Store::open(&url).await.expect("open");
            let mut all = Vec::new();
            for month in 1..=12 {
                let period = format!("2010-{month:02}").parse().expect("a month");
                all.extend(
                    store
                        .list_metric_values(period)
                        .await
                        .expect("values")
                        .into_iter()
                        .filter(|r| r.subject.starts_with('L'))
                        .map(|r| r.value),
                );
            }
            all
        });
        assert_eq!(values.len(), rows);
        let halves = values.iter().filter(|v| v.fract() == 0.5).count();
        assert!(
            halves == 0 || halves == rows,
            "{url}: the two imports were mixed: {halves} of {rows} rows from the second"
        );
    }
}

#[test]
fn migrate_is_idempotent() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    for url in databases(dir.path()) {
        let first = ok(&url, &["migrate"]);
        assert!(
            first.contains(" migrations applied") && !first.contains("(0 migrations"),
            "{url}: {first}"
        );
        assert!(ok(&url, &["migrate"]).contains("0 migrations applied"), "{url}");
    }
}

/// Values stored by name before metric values were numbered are all there after, by
/// the same names, and back by name when the step is undone.
#[test]
fn values_stored_by_name_keep_their_names_when_numbered_and_back() {
    use migrations::{Migrator, MigratorTrait};
    use sea_orm::{ConnectionTrait, Statement};
    let dir = tempfile::tempdir().expect("a temporary folder");
    for url in databases(dir.path()) {
        runtime().block_on(async {
            let db = sea_orm::Database::connect(&url).await.expect("connect");
            let migrations = Migrator::migrations();
            let numbering = (migrations.iter())
                .position(|m| m.name() == "m20261208_000001_number_metric_values")
                .expect("the numbering step");
            Migrator::up(&db, Some(numbering as u32))
                .await
                .expect("migrate to names");
            db.execute_unprepared(
                "INSERT INTO metric_values (subject, month, metric, value, import_id) VALUES \
                 ('p002', '2026-10', 'revenue', 1250.5, 1), ('p002', '2026-09', 'revenue', 0.25, 1), \
                 ('east', '2026-10', 'calls', 42, 2), ('p003', '2026-10', 'calls', -3, 2)",
            )
            .await
            .expect("values by name");
            Migrator::up(&db, None).await.expect("number them");

            let store = Store::open(&url).await.expect("open");
            let mut stored: Vec<(String, String, String, f64)> = store
                .list_metric_values_in(&["2026-09".parse().expect("month"), "2026-10".parse().expect("month")])
                .await
                .expect("read")
                .into_iter()
                .map(|r| {
                    (
                        r.subject.to_string(),
                        r.month.to_string(),
                        r.metric.to_string(),
                        r.value,
                    )
                })
                .collect();
            stored.sort_by(|a, b| a.partial_cmp(b).expect("numbers"));
            let expected = [
                ("east", "2026-10", "calls", 42.0),
                ("p002", "2026-09", "revenue", 0.25),
                ("p002", "2026-10", "revenue", 1250.5),
                ("p003", "2026-10", "calls", -3.0),
            ];
            let expected: Vec<(String, String, String, f64)> = expected
                .iter()
                .map(|(s, m, k, v)| (s.to_string(), m.to_string(), k.to_string(), *v))
                .collect();
            assert_eq!(stored, expected, "{url}");
            assert_eq!(
                store
                    .latest_month()
                    .await
                    .expect("latest")
                    .map(|m| m.to_string())
                    .as_deref(),
                Some("2026-10")
            );
            if url.starts_with("postgres") {
                assert_eq!(
                    month_tables(&url).await,
                    ["metric_values_202609", "metric_values_202610"]
                );
            }

            let since_numbering = (migrations.len() - numbering) as u32;
            Migrator::down(&db, Some(since_numbering)).await.expect("back to names");
            let backend = db.get_database_backend();
            let rows = db
                .query_all_raw(Statement::from_string(
                    backend,
                    "SELECT subject, month, metric, value FROM metric_values ORDER BY subject, month",
                ))
                .await
                .expect("read by name");
            let named: Vec<(String, String, String, f64)> = rows
                .iter()
                .map(|row| {
                    (
                        row.try_get("", "subject").expect("subject"),
                        row.try_get("", "month").expect("month"),
                        row.try_get("", "metric").expect("metric"),
                        row.try_get("", "value").expect("value"),
                    )
                })
                .collect();
            assert_eq!(named, expected, "{url}");
        });
    }
}

pub(crate) fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create a folder");
    for entry in std::fs::read_dir(from).expect("read a folder") {
        let entry = entry.expect("an entry");
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).expect("copy a file");
        }
    }
}

#[test]
fn people_are_scored_only_in_the_months_they_are_active() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let url = &sqlite_database(dir.path());
    import_demo(url);
    let people = write(
        dir.path(),
        "movers.csv",
        "id,name,email,team,role,manager,active_from,active_to\n\
         m1,Left In September,m1@example.com,east,junior_rep,p001,2026-05,2026-09\n\
         m2,Joined In October,m2@example.com,east,junior_rep,p001,2026-10,\n",
    );
    assert!(ok(url, &["import", "people", &people.display().to_string()]).contains("2 added"));
    let subjects = |period: &str| by_subject(&evaluate_json(url, period)).into_keys().collect::<Vec<_>>();
    let september = subjects("2026-09");
    assert!(
        september.contains(&"m1".to_owned()) && !september.contains(&"m2".to_owned()),
        "{september:?}"
    );
    let october = subjects("2026-10");
    assert!(
        !october.contains(&"m1".to_owned()) && october.contains(&"m2".to_owned()),
        "{october:?}"
    );
    assert!(
        subjects("2026-Q3").contains(&"m1".to_owned()),
        "active in a month of the quarter"
    );

    let bad = write(
        dir.path(),
        "bad-movers.csv",
        "id,name,email,team,role,manager,active_from,active_to\nm3,X,m3@example.com,east,junior_rep,nobody,2026-13,\n",
    );
    let stderr = String::from_utf8(run(url, &["import", "people", &bad.display().to_string()]).stderr).expect("UTF-8");
    assert!(stderr.contains("column `manager`: unknown person `nobody`"), "{stderr}");
}

#[test]
fn a_typo_in_a_role_a_team_or_a_manager_names_what_was_meant() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let url = &sqlite_database(dir.path());
    import_demo(url);
    for (row, expected) in [
        (
            "m4,X,m4@example.com,east,junior_rp,p001,,",
            "column `role`: unknown role `junior_rp`; did you mean `junior_rep`?",
        ),
        (
            "m4,X,m4@example.com,eest,junior_rep,p001,,",
            "column `team`: unknown team `eest`; did you mean `east`?",
        ),
        (
            "m4,X,m4@example.com,east,junior_rep,p0011,,",
            "column `manager`: unknown person `p0011`; did you mean `p001`?",
        ),
    ] {
        let typo = write(
            dir.path(),
            "typo.csv",
            &format!("id,name,email,team,role,manager,active_from,active_to\n{row}\n"),
        );
        let stderr =
            String::from_utf8(run(url, &["import", "people", &typo.display().to_string()]).stderr).expect("UTF-8");
        assert!(stderr.contains(&format!("typo.csv:2: {expected}")), "{stderr}");
    }
}

#[test]
fn two_team_imports_at_once_cannot_close_a_loop() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    for url in databases(dir.path()) {
        import_demo(&url);
        // Each file alone is a valid change; together they make two teams each other's
        // parent. Whichever lands second must see the first and be refused.
        for round in 0..6 {
            let (a, b) = (format!("loop-a{round}"), format!("loop-b{round}"));
            let base = write(dir.path(), "base.csv", &format!("id,name,parent\n{a},A,\n{b},B,\n"));
            ok(&url, &["import", "teams", &base.display().to_string()]);
            let first = write(dir.path(), "first.csv", &format!("id,name,parent\n{a},A,{b}\n"));
            let second = write(dir.path(), "second.csv", &format!("id,name,parent\n{b},B,{a}\n"));
            let spawn = |file: &PathBuf| {
                std::process::Command::new(assert_cmd::cargo::cargo_bin("yardstick"))
                    .current_dir(root())
                    .args(["--database", url.as_str(), "import", "teams"])
                    .arg(file)
                    .output()
                    .expect("run")
            };
            let outputs = std::thread::scope(|s| {
                let one = s.spawn(|| spawn(&first));
                let two = s.spawn(|| spawn(&second));
                [one.join().expect("join"), two.join().expect("join")]
            });
            let refused: Vec<String> = outputs
                .iter()
                .filter(|o| !o.status.success())
                .map(|o| String::from_utf8_lossy(&o.stderr).into_owned())
                .collect();
            assert_eq!(
                refused.len(),
                1,
                "{url}, round {round}: exactly one import is refused: {refused:?}"
            );
            assert!(refused[0].contains("teams form a loop"), "{url}: {}", refused[0]);
        }
        // What is stored still makes an organisation.
        let report = evaluate_json(&url, "2026-10");
        assert_eq!(report["people"], files_json("2026-10")["people"], "{url}");
    }
}

#[test]
fn a_finalized_month_takes_its_own_rows_again_but_no_change() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    for url in databases(dir.path()) {
        import_demo(&url);
        ok(&url, &["finalize", "--period", "2026-10"]);

        // The demo's own file again (October included) is a no-op, not a refusal.
        let again = ok(&url, &["import", "metrics", &demo("metrics.csv").display().to_string()]);
        assert!(again.contains(" 0 added, 0 changed, "), "{url}: {again}");
        let targets = ok(&url, &["import", "targets", &demo("targets.csv").display().to_string()]);
        assert!(targets.contains(" 0 added, 0 changed, "), "{url}: {targets}");

        // 200 changed rows for October are one refusal with their count and span.
        let before = count(&url);
        let mut text = String::from("subject,period,metric,value\np002,2026-09,visits_made,1\n");
        text.push_str(&october_rows_changed(200));
        let late = write(dir.path(), "late.csv", &text);
        let refused = run(&url, &["import", "metrics", &late.display().to_string()]);
        assert_eq!(refused.status.code(), Some(1));
        let stderr = String::from_utf8_lossy(&refused.stderr);
        assert!(
            stderr.contains(
                "late.csv:3: column `period`: period 2026-10 is finalized; its data and targets can no \
                 longer change (200 rows would change it, from line 3 to line 202)"
            ),
            "{url}: {stderr}"
        );
        assert_eq!(stderr.matches("is finalized").count(), 1, "{url}: said once: {stderr}");
        assert_eq!(
            count(&url),
            before,
            "{url}: the open month's row was not written either"
        );
        assert_eq!(
            staging_tables(&url),
            Vec::<String>::new(),
            "{url}: no staging left behind"
        );
    }
}

#[test]
fn a_period_with_an_unknown_stored_status_is_an_error_not_an_open_month() {
    use sea_orm::ConnectionTrait;
    let dir = tempfile::tempdir().expect("a temporary folder");
    for url in databases(dir.path()) {
        import_demo(&url);
        ok(&url, &["finalize", "--period", "2026-10"]);
        runtime().block_on(async {
            let db = sea_orm::Database::connect(url.as_str()).await.expect("connect");
            db.execute_unprepared("UPDATE periods SET status = 'archived' WHERE month = '2026-10'")
                .await
                .expect("update");
        });
        let late = write(
            dir.path(),
            "late.csv",
            "subject,period,metric,value\np002,2026-10,visits_made,99\n",
        );
        for args in [
            vec!["import", "metrics", late.to_str().expect("a path")],
            vec!["evaluate", "--period", "2026-10"],
        ] {
            let output = run(&url, &args);
            assert_eq!(output.status.code(), Some(1), "{url}: {args:?}");
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert!(
                stderr.contains("stored data cannot be read") && stderr.contains("archived"),
                "{url}: {args:?}: {stderr}"
            );
        }
    }
}

/// The first `n` of the demo's October metric rows, each value one higher.
pub(crate) fn october_rows_changed(n: usize) -> String {
    let demo = std::fs::read_to_string(demo("metrics.csv")).expect("demo metrics");
    let rows: Vec<String> = demo
        .lines()
        .filter(|line| line.contains(",2026-10,"))
        .take(n)
        .map(|line| {
            let (key, value) = line.rsplit_once(',').expect("a value");
            format!("{key},{}\n", value.parse::<f64>().expect("a number") + 1.0)
        })
        .collect();
    assert_eq!(rows.len(), n, "the demo has {n} October rows");
    rows.concat()
}

#[test]
fn an_import_reports_how_many_rows_are_written_of_how_many() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let url = sqlite_database(dir.path());
    ok(&url, &["import", "teams", &demo("teams.csv").display().to_string()]);
    let (people, metrics, _) = large_metrics(dir.path(), 40, 12, 0.0);
    ok(&url, &["import", "people", &people.display().to_string()]);
    let files = yardstick::import::read_definitions(&root().join("kpi-definitions")).expect("definitions");
    let rulebook = yardstick::kpi::rulebook::Rulebook::load(&files).expect("the shipped definitions");
    let heard = std::sync::Mutex::new(Vec::new());
    let report = runtime().block_on(async {
        let store = Store::open(&url).await.expect("open");
        let record = |written: u64, of: u64| heard.lock().expect("the list").push((written, of));
        yardstick::import::import_file(
            &store,
            yardstick::import::Against {
                rulebook: &rulebook,
                version: None,
            },
            yardstick::import::ImportKind::Metrics,
            &metrics,
            "test",
            &record,
        )
        .await
        .expect("imported")
    });
    let heard = heard.into_inner().expect("the list");
    let rows = report.changes.added as u64;
    assert!(rows > 4000, "several chunks: {rows}");
    assert!(heard.len() >= 2, "heard along the way: {heard:?}");
    // Streamed, the file's rows are counted as they are read (the total is not known
    // yet: 0); once merged, all of them.
    assert!(
        heard[..heard.len() - 1].iter().all(|&(_, of)| of == 0),
        "no total before the end: {heard:?}"
    );
    assert!(heard.windows(2).all(|w| w[0].0 < w[1].0), "rising: {heard:?}");
    assert_eq!(heard.last(), Some(&(rows, rows)));
}

#[test]
fn a_team_is_scored_with_its_own_card_and_a_card_that_is_no_role_is_refused() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let url = &sqlite_database(dir.path());
    import_demo(url);
    let report = evaluate_json(url, "2026-10");
    let teams = by_subject(&report);
    assert_eq!(
        teams["care"]["role"], "customer_success",
        "customer care on its own card"
    );
    assert_eq!(teams["east"]["role"], "team_lead", "the team scorecard role otherwise");
    let care_kpis: Vec<&str> = teams["care"]["kpis"]
        .as_array()
        .expect("KPIs")
        .iter()
        .map(|k| k["kpi"].as_str().expect("an id"))
        .collect();
    assert!(
        care_kpis.contains(&"customer_retention_rate") && !care_kpis.contains(&"sales_target_achievement"),
        "{care_kpis:?}"
    );
    assert_eq!(report, files_json("2026-10"), "files and store agree");

    let bad = write(
        dir.path(),
        "teams.csv",
        "id,name,card\ncare,Customer Care,customer_sucess\n",
    );
    let stderr = String::from_utf8(run(url, &["import", "teams", &bad.display().to_string()]).stderr).expect("UTF-8");
    assert!(
        stderr.contains("teams.csv:2: column `card`: unknown role `customer_sucess`; did you mean `customer_success`?"),
        "{stderr}"
    );
}

/// A period's values come back to the bit whichever way they are read: from a SQLite
/// file in place, from a SQLite database in memory (through sqlx), from PostgreSQL.
#[test]
fn a_periods_values_read_back_the_same_from_a_file_from_memory_and_from_postgres() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let mut urls = databases(dir.path());
    urls.push("sqlite::memory:".into());
    let rulebook = yardstick::definitions::RulebookVersion::shipped().rulebook;
    let months: Vec<yardstick::kpi::period::Month> = (5..=10)
        .map(|m| yardstick::kpi::period::Month::new(2026, m).expect("a month"))
        .collect();
    let mut read = Vec::new();
    for url in &urls {
        let values = runtime().block_on(async {
            let store = Store::open(url).await.expect("open");
            let against = yardstick::import::Against {
                rulebook: &rulebook,
                version: None,
            };
            yardstick::demo::seed(&store, against).await.expect("the demo seeded");
            let names = store.value_names().await.expect("names");
            let subject = yardstick::store::ValueNames::by_id(&names.subjects, |n| Some(n.to_owned()));
            let metric = yardstick::store::ValueNames::by_id(&names.metrics, |n| Some(n.to_owned()));
            let mut values = Vec::new();
            let count = store
                .for_each_metric_value(&months[1..], |v| {
                    values.push((
                        v.month,
                        subject[v.subject as usize].clone().expect("a subject's name"),
                        metric[v.metric as usize].clone().expect("a metric's name"),
                        v.value.to_bits(),
                    ))
                })
                .await
                .expect("read");
            assert_eq!(count as usize, values.len(), "{url}");
            values.sort();
            values
        });
        assert!(
            values.iter().all(|(month, ..)| *month != months[0]),
            "only the months asked for: {url}"
        );
        assert!(
            values.len() > 500,
            "the demo's five months of data: {} from {url}",
            values.len()
        );
        read.push(values);
    }
    for (url, values) in urls.iter().zip(&read).skip(1) {
        assert!(values == &read[0], "{url} reads what {} reads", urls[0]);
    }
}
