//! Appraisal mails, end to end through the library the command line uses: 10,000
//! reps' reports queued, rendered (six scored months each) and delivered over SMTP to
//! a local sink (`tests/smtp/sink.py`, aiosmtpd, on 127.0.0.1), or to memory where
//! python3 with aiosmtpd is missing (the bench says which).
//!
//! `cargo bench --bench mail`. Timed once: at this size one run is seconds long.

use std::fmt::Write as _;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;
use yardstick::import::{ImportKind, import_file};
use yardstick::mail::{self, ReportKind, Transport};
use yardstick::settings::{MailSettings, SmtpSecurity};
use yardstick::store::Store;

const REPS: usize = 10_000;
const MONTHS: usize = 6;

fn main() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let (teams, people, metrics) = write_files(dir.path());
    let sink = start_sink(dir.path());
    let mut settings = MailSettings {
        from: "Yardstick <appraisals@example.com>".into(),
        ..MailSettings::default()
    };
    if let Some((_, port)) = &sink {
        settings.smtp_host = Some("127.0.0.1".into());
        settings.smtp_port = *port;
        settings.smtp_security = SmtpSecurity::None;
    } else {
        println!("no aiosmtpd here: delivering to memory");
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        // The SMTP client's connection pool lives on the runtime: made and dropped in it.
        let transport = if sink.is_some() {
            Transport::from_settings(&settings).expect("an SMTP transport")
        } else {
            Transport::Memory(Default::default())
        };
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("bench.db").display());
        let store = Store::open(&url).await.expect("open the database");
        let (_, version) = yardstick::definitions::in_force(&store, None)
            .await
            .expect("the definitions");
        let quiet = |_: u64, _: u64| {};
        for (kind, file) in [
            (ImportKind::Teams, &teams),
            (ImportKind::People, &people),
            (ImportKind::Metrics, &metrics),
        ] {
            import_file(&store, version.against(), kind, file, "bench", &quiet)
                .await
                .expect("import");
        }
        let month = "2026-06".parse().expect("a month");
        let started = Instant::now();
        let (queued, _) = mail::queue(
            &mail::Mailer::new(&store, &version, &settings),
            month,
            &[ReportKind::Rep],
            None,
            None,
        )
        .await
        .expect("queued")
        .expect("queued by hand, not as a run");
        let queueing = started.elapsed().as_secs_f64();
        let started = Instant::now();
        // A run of its own: the months are loaded again and counted in the time.
        let mailer = mail::Mailer::new(&store, &version, &settings);
        let delivery = mail::deliver(&mailer, &transport, "bench", &|_| {})
            .await
            .expect("delivered");
        let seconds = started.elapsed().as_secs_f64();
        assert_eq!(delivery.sent, queued, "every report sent: {delivery:?}");
        println!("queued {queued} reports in {queueing:.2} s");
        println!(
            "rendered and delivered {} reports to {} in {seconds:.2} s: {:.0} reports/s",
            delivery.sent,
            transport.describe(),
            delivery.sent as f64 / seconds
        );
    });
    if let Some((mut child, _)) = sink {
        let _ = child.kill();
        let _ = child.wait();
    }
}

/// The sink and its port, when python3 with aiosmtpd runs here.
fn start_sink(dir: &Path) -> Option<(std::process::Child, u16)> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .ok()?
        .local_addr()
        .ok()?
        .port();
    let mut child = Command::new("python3")
        .arg("tests/smtp/sink.py")
        .args(["--port", &port.to_string(), "--out"])
        .arg(dir.join("sink.jsonl"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let mut line = String::new();
    BufReader::new(child.stdout.take()?).read_line(&mut line).ok()?;
    line.starts_with("ready").then_some((child, port))
}

/// 10,000 junior reps in 20 teams, six months of their card's inputs.
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
    let mut teams = String::from("id,name,parent\n");
    for t in 0..20 {
        writeln!(teams, "t{t:02},Team {t},").expect("write");
    }
    let mut people = String::from("id,name,email,team,role\n");
    let mut data = String::from("subject,period,metric,value\n");
    for p in 0..REPS {
        writeln!(people, "r{p:05},Rep {p},rep{p}@example.com,t{:02},junior_rep", p % 20).expect("write");
        for m in 0..MONTHS {
            for (i, metric) in metrics.iter().enumerate() {
                let value = 10 + (p * 7 + m * 3 + i * 11) % 90;
                writeln!(data, "r{p:05},2026-{:02},{metric},{value}", m + 1).expect("write");
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
