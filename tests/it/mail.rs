//! Appraisal mails through the command line, as an operator sends them: into a folder
//! of `.eml` files by default, and over TCP to a real SMTP server (`tests/smtp/sink.py`,
//! aiosmtpd) that answers 421/451 and then accepts, drops a connection, refuses one
//! address with 550; a sender killed mid-batch and started again; two senders at once.
//! Whatever happens, every message arrives once, counted by its Message-ID.
//!
//! `.ci/run` installs aiosmtpd and sets `YARDSTICK_SMTP_TESTS=1`, which makes a missing
//! SMTP server a failure; elsewhere these tests say they were skipped.

use crate::helpers::{root, yardstick};
use crate::store::{databases, import_demo, sqlite_database};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

const MONTH: &str = "2026-10";
/// The demo's people with a mail address and a card in October.
const DEMO_RECIPIENTS: usize = 25;

/// An SMTP server on 127.0.0.1 writing what it accepts to a file; stopped on drop.
struct Sink {
    child: Child,
    port: u16,
    out: PathBuf,
}

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Sink {
    /// A sink behaving as `args` say (see the script), or `None` where aiosmtpd is missing.
    fn start(dir: &Path, args: &[&str]) -> Option<Sink> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .ok()?
            .local_addr()
            .ok()?
            .port();
        let out = dir.join(format!("sink-{port}.jsonl"));
        let mut child = Command::new("python3")
            .arg(root().join("tests/smtp/sink.py"))
            .args(["--port", &port.to_string(), "--out"])
            .arg(&out)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .ok()?;
        let stdout = child.stdout.take()?;
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).ok()?;
        if !line.starts_with("ready") {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        Some(Sink { child, port, out })
    }

    /// Each Message-ID received, with how many times.
    fn received(&self) -> BTreeMap<String, usize> {
        let mut seen = BTreeMap::new();
        let text = std::fs::read_to_string(&self.out).unwrap_or_default();
        for line in text.lines() {
            let message: serde_json::Value = serde_json::from_str(line).expect("a JSON line");
            let id = message["message_id"].as_str().expect("a Message-ID").to_owned();
            *seen.entry(id).or_insert(0) += 1;
        }
        seen
    }

    fn messages(&self) -> Vec<serde_json::Value> {
        let text = std::fs::read_to_string(&self.out).unwrap_or_default();
        text.lines()
            .map(|l| serde_json::from_str(l).expect("a JSON line"))
            .collect()
    }
}

/// A sink, or `None` when this machine cannot run one and is not asked to.
fn sink(dir: &Path, args: &[&str]) -> Option<Sink> {
    let started = Sink::start(dir, args);
    if started.is_none() {
        assert!(
            std::env::var("YARDSTICK_SMTP_TESTS").is_err(),
            "an SMTP server (python3 with aiosmtpd) is required here but could not be started"
        );
        eprintln!("skipped: no SMTP server (pip install aiosmtpd to run the mail tests)");
    }
    started
}

fn send(url: &str, sink: &Sink, extra: &[&str]) -> Output {
    yardstick()
        .arg("--database")
        .arg(url)
        .args(["reports", "send", "--period", MONTH])
        .args(extra)
        .env("YARDSTICK_SMTP_HOST", "127.0.0.1")
        .env("YARDSTICK_SMTP_PORT", sink.port.to_string())
        .env("YARDSTICK_SMTP_SECURITY", "none")
        .env("YARDSTICK_MAIL_FROM", "Yardstick <appraisals@yardstick-demo.com>")
        .env("YARDSTICK_MAIL_RETRY_SECONDS", "0")
        .output()
        .expect("run yardstick")
}

fn stdout(output: &Output) -> String {
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn status(url: &str) -> String {
    let output = yardstick()
        .arg("--database")
        .arg(url)
        .args(["reports", "status", "--period", MONTH])
        .output()
        .expect("run yardstick");
    stdout(&output)
}

#[test]
fn without_an_smtp_server_each_report_is_written_once_as_an_eml_file() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let url = sqlite_database(dir.path());
    import_demo(&url);
    // p002's manager rated them 4: the report says so beside the numbers.
    let rt = crate::store::runtime();
    let store = rt.block_on(yardstick::store::Store::open(&url)).expect("open");
    let month = MONTH.parse().expect("a month");
    let ratings = yardstick::kpi::qualitative::Ratings::from([("overall".to_owned(), 4)]);
    let manager = yardstick::store::Rater::Manager;
    rt.block_on(store.save_rating(month, "p002", manager, &ratings, "", "lead.east"))
        .expect("rated");
    let folder = dir.path().join("mail");
    for round in 0..2 {
        let output = yardstick()
            .arg("--database")
            .arg(&url)
            .args(["reports", "send", "--period", MONTH])
            .env("YARDSTICK_MAIL_FOLDER", &folder)
            .output()
            .expect("run yardstick");
        let said = stdout(&output);
        let expected = if round == 0 { DEMO_RECIPIENTS } else { 0 };
        assert!(said.contains(&format!("{expected} sent to the folder")), "{said}");
    }
    let files: Vec<_> = std::fs::read_dir(&folder).expect("the folder").collect();
    assert_eq!(files.len(), DEMO_RECIPIENTS, "one file a report, however often sent");
    let eml = std::fs::read_to_string(folder.join("2026-10-open-rep-p002.eml")).expect("p002's mail");
    assert!(
        eml.contains("Message-ID: <yardstick.2026-10.open.rep.p002@localhost>"),
        "{eml}"
    );
    assert!(eml.contains("To: xiao.chen@yardstick-demo.com"));
    assert!(eml.contains("Content-Type: multipart/alternative"));
    assert!(eml.contains("Content-Type: text/plain") && eml.contains("Content-Type: text/html"));
    let message = mailparse(&eml);
    assert!(
        message
            .text
            .contains("Your manager's rating: 4 – Exceeds expectations: 110.0 × 20% = 22.0"),
        "{}",
        message.text
    );
    let listed = status(&url);
    assert_eq!(
        listed.lines().filter(|l| l.contains(" sent ")).count(),
        DEMO_RECIPIENTS,
        "{listed}"
    );
}

#[test]
fn every_report_arrives_once_over_smtp_with_both_parts_and_its_link() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let Some(sink) = sink(dir.path(), &[]) else { return };
    let url = sqlite_database(dir.path());
    import_demo(&url);
    let said = stdout(&send(&url, &sink, &[]));
    assert!(
        said.contains(&format!("{DEMO_RECIPIENTS} sent to the SMTP server")),
        "{said}"
    );
    stdout(&send(&url, &sink, &[]));
    let received = sink.received();
    assert_eq!(received.len(), DEMO_RECIPIENTS);
    assert!(received.values().all(|&n| n == 1), "{received:?}");
    let p002 = sink
        .messages()
        .into_iter()
        .find(|m| m["message_id"] == "<yardstick.2026-10.open.rep.p002@yardstick-demo.com>")
        .expect("p002's report");
    assert_eq!(p002["to"][0], "xiao.chen@yardstick-demo.com");
    let raw = p002["data"].as_str().expect("the message");
    let message = mailparse(raw);
    assert!(
        message.subject.starts_with("Your appraisal for 2026-10: "),
        "{}",
        message.subject
    );
    assert!(
        message.text.contains("Sales target achievement: 86.5 / 100"),
        "{}",
        message.text
    );
    assert!(
        message
            .text
            .contains("http://127.0.0.1:8080/scorecards/p002?period=2026-10&lang=en")
    );
    assert!(message.html.contains("<table") && !message.html.contains("<script") && !message.html.contains("<svg"));
}

#[test]
fn a_server_that_answers_451_and_then_accepts_gets_each_report_once() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let Some(sink) = sink(
        dir.path(),
        &["--busy-first", "2", "--fail-first", "3", "--drop-at", "9"],
    ) else {
        return;
    };
    let url = sqlite_database(dir.path());
    import_demo(&url);
    let said = stdout(&send(&url, &sink, &[]));
    assert!(
        said.contains(&format!("{DEMO_RECIPIENTS} sent")),
        "retried at once in this run: {said}"
    );
    let received = sink.received();
    assert_eq!(received.len(), DEMO_RECIPIENTS);
    assert!(received.values().all(|&n| n == 1), "{received:?}");
    let listed = status(&url);
    assert!(
        listed.contains("(tries: 2)"),
        "the refused ones were tried twice: {listed}"
    );
}

#[test]
fn a_550_for_one_address_fails_that_report_with_the_reply_and_sends_the_rest() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let Some(sink) = sink(dir.path(), &["--reject", "xiao.chen@yardstick-demo.com"]) else {
        return;
    };
    let url = sqlite_database(dir.path());
    import_demo(&url);
    let said = stdout(&send(&url, &sink, &[]));
    assert!(
        said.contains(&format!("{} sent", DEMO_RECIPIENTS - 1)) && said.contains("1 failed"),
        "{said}"
    );
    let listed = status(&url);
    let p002 = listed.lines().find(|l| l.contains(" p002 ")).expect("p002's mail");
    assert!(p002.contains("failed") && p002.contains("550"), "{p002}");
    assert_eq!(sink.received().len(), DEMO_RECIPIENTS - 1);
}

#[test]
fn a_sender_killed_mid_batch_resumes_without_sending_anything_twice() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let Some(sink) = sink(dir.path(), &["--delay", "0.2"]) else {
        return;
    };
    let url = sqlite_database(dir.path());
    import_demo(&url);
    let mut first = std::process::Command::new(assert_cmd::cargo::cargo_bin("yardstick"))
        .current_dir(root())
        .arg("--database")
        .arg(&url)
        .args(["reports", "send", "--period", MONTH])
        .env("YARDSTICK_SMTP_HOST", "127.0.0.1")
        .env("YARDSTICK_SMTP_PORT", sink.port.to_string())
        .env("YARDSTICK_SMTP_SECURITY", "none")
        .env("YARDSTICK_MAIL_FROM", "Yardstick <appraisals@yardstick-demo.com>")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start a sender");
    // Killed once some, not all, reports have arrived.
    for _ in 0..200 {
        if sink.received().len() >= 5 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(25));
    }
    first.kill().expect("kill the sender");
    first.wait().expect("the sender stops");
    let before = sink.received().len();
    assert!(before < DEMO_RECIPIENTS, "killed mid-batch ({before} arrived)");

    stdout(&send(&url, &sink, &[]));
    // A mail the killed sender was handing over has an unknown outcome: never resent
    // by itself. Those that did not arrive are resent by hand, as an admin would.
    let listed = status(&url);
    let received = sink.received();
    for line in listed.lines().filter(|l| l.contains(" sending ")) {
        let mut words = line.split_whitespace();
        let id = words.next().expect("an id");
        // id, edition, kind, recipient, address, …
        let person = words.nth(2).expect("a recipient");
        let message_id = format!("<yardstick.2026-10.open.rep.{person}@yardstick-demo.com>");
        if !received.contains_key(&message_id) {
            let output = yardstick()
                .arg("--database")
                .arg(&url)
                .args(["reports", "resend", "--id", id])
                .output()
                .expect("resend");
            stdout(&output);
        }
    }
    stdout(&send(&url, &sink, &[]));
    let received = sink.received();
    assert!(received.values().all(|&n| n == 1), "nothing twice: {received:?}");
    // Every report arrived once, or is listed as in doubt (it may have arrived before
    // the sender was killed, and then stays in doubt: nobody can tell from here).
    let listed = status(&url);
    let in_doubt: std::collections::BTreeSet<String> = listed
        .lines()
        .filter(|l| l.contains(" sending "))
        .filter_map(|l| l.split_whitespace().nth(3))
        .map(|person| format!("<yardstick.2026-10.open.rep.{person}@yardstick-demo.com>"))
        .collect();
    let accounted: std::collections::BTreeSet<&String> = received.keys().chain(&in_doubt).collect();
    assert_eq!(accounted.len(), DEMO_RECIPIENTS, "{listed}");
}

#[test]
fn two_senders_at_once_never_send_the_same_report_twice() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let Some(sink) = sink(dir.path(), &["--delay", "0.02"]) else {
        return;
    };
    let urls = databases(dir.path());
    for url in &urls {
        import_demo(url);
        let senders: Vec<_> = (0..2)
            .map(|_| {
                let url = url.clone();
                let port = sink.port;
                std::thread::spawn(move || {
                    yardstick()
                        .arg("--database")
                        .arg(&url)
                        .args(["reports", "send", "--period", MONTH])
                        .env("YARDSTICK_SMTP_HOST", "127.0.0.1")
                        .env("YARDSTICK_SMTP_PORT", port.to_string())
                        .env("YARDSTICK_SMTP_SECURITY", "none")
                        .env("YARDSTICK_MAIL_FROM", "Yardstick <appraisals@yardstick-demo.com>")
                        .output()
                        .expect("run a sender")
                })
            })
            .collect();
        for sender in senders {
            stdout(&sender.join().expect("a sender"));
        }
    }
    let received = sink.received();
    assert_eq!(received.len(), DEMO_RECIPIENTS);
    let per_database = urls.len();
    assert!(
        received.values().all(|&n| n == per_database),
        "each report once per database: {received:?}"
    );
}

/// A message's subject and its two parts, decoded as a mail client does.
struct Parsed {
    subject: String,
    text: String,
    html: String,
}

fn mailparse(raw: &str) -> Parsed {
    let output = Command::new("python3")
        .arg("-c")
        .arg(
            "import email,json,sys\n\
             from email import policy\n\
             m=email.message_from_string(sys.stdin.read(), policy=policy.default)\n\
             parts={p.get_content_type(): p.get_content() for p in m.walk() if not p.is_multipart()}\n\
             print(json.dumps({'subject': str(m['subject']), 'text': parts.get('text/plain',''), 'html': parts.get('text/html','')}))",
        )
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child.stdin.take().expect("stdin").write_all(raw.as_bytes())?;
            child.wait_with_output()
        })
        .expect("python3 parses the message");
    let parsed: serde_json::Value = serde_json::from_slice(&output.stdout).expect("the parts");
    Parsed {
        subject: parsed["subject"].as_str().unwrap_or_default().to_owned(),
        // Lines end as the transfer left them; read as a client shows them.
        text: parsed["text"].as_str().unwrap_or_default().replace("\r\n", "\n"),
        html: parsed["html"].as_str().unwrap_or_default().to_owned(),
    }
}

#[test]
fn a_person_who_reads_chinese_gets_their_report_in_chinese() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let url = sqlite_database(dir.path());
    import_demo(&url);
    let people = crate::helpers::write(
        dir.path(),
        "languages.csv",
        "id,name,email,team,role,language\n\
         p003,Emily Zhang,emily.zhang@yardstick-demo.com,east,junior_rep,zh\n",
    );
    crate::store::ok(&url, &["import", "people", &people.display().to_string()]);
    let french = crate::helpers::write(
        dir.path(),
        "french.csv",
        "id,name,email,team,role,language\np004,刘洋,yang.liu@yardstick-demo.com,east,junior_rep,fr\n",
    );
    let refused = crate::store::run(&url, &["import", "people", &french.display().to_string()]);
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("french.csv:2: column `language`: `fr` is not a language Yardstick writes in; use en or zh"),
        "{stderr}"
    );
    let folder = dir.path().join("mail");
    let output = yardstick()
        .arg("--database")
        .arg(&url)
        .args(["reports", "send", "--period", MONTH, "--to", "p003"])
        .env("YARDSTICK_MAIL_FOLDER", &folder)
        .output()
        .expect("run yardstick");
    assert!(stdout(&output).contains("1 sent"));
    let raw = std::fs::read_to_string(folder.join("2026-10-open-rep-p003.eml")).expect("p003's mail");
    let message = mailparse(&raw);
    assert!(message.subject.starts_with("2026-10 绩效考核："), "{}", message.subject);
    assert!(
        message.text.contains("Emily Zhang，您好") && message.text.contains("查看完整绩效卡"),
        "{}",
        message.text
    );
    assert!(message.html.contains("<html lang=\"zh\">"));
}

/// The manager account of east, linked to p001 (王建国) who has a mail address.
fn add_manager(url: &str) {
    let output = yardstick()
        .args([
            "--database",
            url,
            "user",
            "add",
            "--username",
            "lead.east",
            "--role",
            "manager",
        ])
        .args(["--person", "p001", "--team", "east"])
        .write_stdin("a-long-enough-password\n")
        .output()
        .expect("run yardstick");
    stdout(&output);
}

fn send_to_folder(url: &str, folder: &Path) -> String {
    let output = yardstick()
        .arg("--database")
        .arg(url)
        .args(["reports", "send", "--period", MONTH])
        .env("YARDSTICK_MAIL_FOLDER", folder)
        .env("YARDSTICK_MAIL_HR_TO", "people@yardstick-demo.com")
        .output()
        .expect("run yardstick");
    stdout(&output)
}

fn read_mail(folder: &Path, name: &str) -> Parsed {
    let raw = std::fs::read_to_string(folder.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    mailparse(&raw)
}

#[test]
fn managers_and_hr_get_their_summaries_once_per_edition_of_the_month() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let url = sqlite_database(dir.path());
    import_demo(&url);
    add_manager(&url);
    let rt = crate::store::runtime();
    let store = rt.block_on(yardstick::store::Store::open(&url)).expect("open");
    let month = MONTH.parse().expect("a month");
    let ratings = yardstick::kpi::qualitative::Ratings::from([("overall".to_owned(), 4)]);
    rt.block_on(store.save_rating(
        month,
        "p002",
        yardstick::store::Rater::Manager,
        &ratings,
        "",
        "lead.east",
    ))
    .expect("rated");
    let folder = dir.path().join("mail");

    // While the month is open: 25 reps, the manager, hr's shared mailbox.
    let said = send_to_folder(&url, &folder);
    assert!(
        said.contains(&format!(
            "{0} of {0} reports (rep, manager, hr) queued",
            DEMO_RECIPIENTS + 2
        )),
        "{said}"
    );
    let manager = read_mail(&folder, "2026-10-open-manager-lead.east.eml");
    assert_eq!(
        manager.subject,
        "Your teams' appraisal summary for 2026-10: the review waits for some"
    );
    let text = &manager.text;
    assert!(text.starts_with("Hello 王建国,"), "{text}");
    assert!(text.contains("\nEast Region Sales: "), "the team's card: {text}");
    assert!(text.contains("\n  1. "), "the members ranked: {text}");
    assert!(text.contains("Needs attention:"), "{text}");
    let waiting = text
        .lines()
        .find(|l| l.starts_with("Waiting for your rating: "))
        .unwrap_or_else(|| panic!("who is not rated yet: {text}"));
    assert!(
        waiting.contains("Emily Zhang") && !waiting.contains("陈晓"),
        "p002 is rated: {waiting}"
    );
    assert!(!waiting.contains("王建国"), "not their own rating: {waiting}");
    assert!(
        text.contains("http://127.0.0.1:8080/review?period=2026-10&lang=en"),
        "{text}"
    );
    assert!(manager.html.contains("<table") && !manager.html.contains("<svg") && !manager.html.contains("<script"));

    let hr = read_mail(&folder, "2026-10-open-hr-people@yardstick-demo.com.eml");
    assert_eq!(hr.subject, "The organisation's appraisal for 2026-10");
    let text = &hr.text;
    assert!(text.contains("Teams ranked:\n  1. "), "{text}");
    assert!(text.contains("Grades (25 people):"), "{text}");
    assert!(text.contains("  S at most 10%: "), "the forced distribution: {text}");
    assert!(text.contains("Open appeals: none"), "{text}");

    // Finalized, and appealed by p003: a new edition, sent once more.
    crate::store::ok(&url, &["finalize", "--period", MONTH]);
    rt.block_on(store.appeal(month, "p003", "The visits were under-counted", "rep.p003"))
        .expect("appealed");
    let said = send_to_folder(&url, &folder);
    assert!(
        said.contains(&format!("{0} of {0} reports", DEMO_RECIPIENTS + 2)),
        "{said}"
    );
    let hr = read_mail(&folder, "2026-10-final1-hr-people@yardstick-demo.com.eml");
    assert_eq!(hr.subject, "The organisation's appraisal for 2026-10: 1 open appeal");
    assert!(
        hr.text.contains("Open appeals:\n- Emily Zhang (") && hr.text.contains("The visits were under-counted"),
        "{}",
        hr.text
    );
    let manager = read_mail(&folder, "2026-10-final1-manager-lead.east.eml");
    let unacknowledged = manager
        .text
        .lines()
        .find(|l| l.starts_with("Not acknowledged yet: "))
        .unwrap_or_else(|| panic!("who has not acknowledged: {}", manager.text));
    assert!(
        unacknowledged.contains("陈晓") && !unacknowledged.contains("Emily Zhang"),
        "an appeal is an answer: {unacknowledged}"
    );
    assert!(!manager.text.contains("Waiting for your rating"), "{}", manager.text);

    let said = send_to_folder(&url, &folder);
    assert!(said.contains("0 of 27 reports"), "nothing twice: {said}");
    let files = std::fs::read_dir(&folder).expect("the folder").count();
    assert_eq!(files, 2 * (DEMO_RECIPIENTS + 2));
}

/// `yardstick serve` with its mail runs looking every second.
fn serve(url: &str, dir: &Path, env: &[(&str, &str)]) -> crate::helpers::Server {
    let mut env = env.to_vec();
    env.extend([
        ("YARDSTICK_MAIL_POLL_SECONDS", "1"),
        ("YARDSTICK_MAIL_FROM", "Yardstick <appraisals@yardstick-demo.com>"),
    ]);
    crate::helpers::serve(url, dir, &[], &env)
}

fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    for _ in 0..300 {
        if done() {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    panic!("{what} did not happen within 30 s");
}

#[test]
fn two_servers_send_a_finalized_month_once_between_them() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let Some(sink) = sink(dir.path(), &["--delay", "0.02"]) else {
        return;
    };
    for url in databases(dir.path()) {
        import_demo(&url);
        add_manager(&url);
        let port = sink.port.to_string();
        let env = [
            ("YARDSTICK_MAIL_SCHEDULE", "off"),
            ("YARDSTICK_SMTP_HOST", "127.0.0.1"),
            ("YARDSTICK_SMTP_PORT", port.as_str()),
            ("YARDSTICK_SMTP_SECURITY", "none"),
        ];
        let servers = [serve(&url, dir.path(), &env), serve(&url, dir.path(), &env)];
        let before = sink.received().len();
        crate::store::ok(&url, &["finalize", "--period", MONTH]);
        let expected = DEMO_RECIPIENTS + 1;
        wait_for("the finalized month's reports", || {
            sink.received().len() >= before + expected
        });
        // Time for a second copy to arrive, were one sent.
        std::thread::sleep(std::time::Duration::from_secs(3));
        drop(servers);
        let received = sink.received();
        let finals: Vec<_> = received.iter().filter(|(id, _)| id.contains(".final1.")).collect();
        assert_eq!(finals.len(), expected, "{received:?}");
        assert!(
            finals.iter().all(|(_, n)| **n == 1),
            "each once between the two servers: {finals:?}"
        );
        let rt = crate::store::runtime();
        let store = rt.block_on(yardstick::store::Store::open(&url)).expect("open");
        let runs = rt.block_on(store.list_mail_runs()).expect("the runs");
        assert_eq!(runs.len(), 1, "one server queued the batch: {runs:?}");
        assert_eq!(runs[0].slot, "finalized 2026-10 final1");
        // The next databases's reports carry the same ids: start its count afresh.
        std::fs::remove_file(&sink.out).ok();
    }
}

#[test]
fn the_schedule_sends_the_month_before_from_a_running_server() {
    use chrono::Datelike;
    let dir = tempfile::tempdir().expect("a temporary folder");
    let url = sqlite_database(dir.path());
    import_demo(&url);
    // The demo's October, again as the month before this one.
    let today = chrono::Local::now().date_naive();
    let first = today.with_day(1).expect("the 1st");
    let before = first.pred_opt().expect("a day before");
    let month = format!("{:04}-{:02}", before.year(), before.month());
    let demo = std::fs::read_to_string(root().join("examples/demo/metrics.csv")).expect("the demo's metrics");
    let mut copied = String::from("subject,period,metric,value\n");
    for line in demo.lines().filter(|l| l.contains(",2026-10,")) {
        copied.push_str(&line.replace(",2026-10,", &format!(",{month},")));
        copied.push('\n');
    }
    let metrics = crate::helpers::write(dir.path(), "last-month.csv", &copied);
    crate::store::ok(&url, &["import", "metrics", &metrics.display().to_string()]);
    let folder = dir.path().join("mail");
    let folder_text = folder.display().to_string();
    let env = [
        ("YARDSTICK_MAIL_SCHEDULE", "* * * * *"),
        ("YARDSTICK_MAIL_FOLDER", folder_text.as_str()),
    ];
    let server = serve(&url, dir.path(), &env);
    let count = || {
        std::fs::read_dir(&folder).map_or(0, |files| {
            files
                .filter_map(Result::ok)
                .filter(|f| {
                    f.file_name()
                        .to_string_lossy()
                        .starts_with(&format!("{month}-open-rep-"))
                })
                .count()
        })
    };
    let sent = || {
        let listed = yardstick()
            .args(["--database", &url, "reports", "status", "--period", &month])
            .output()
            .expect("run yardstick");
        stdout(&listed).lines().filter(|l| l.contains(" sent ")).count()
    };
    // Each file is written before its mail is marked sent: stopping the server in
    // between would leave mails in doubt, so wait for the marks too.
    wait_for("the scheduled run", || {
        count() == DEMO_RECIPIENTS && sent() == DEMO_RECIPIENTS
    });
    // Every minute is a run of this pattern; the month's reports still go once.
    drop(server);
    let _again = serve(&url, dir.path(), &env);
    std::thread::sleep(std::time::Duration::from_secs(3));
    assert_eq!(count(), DEMO_RECIPIENTS);
    // One run a minute of the pattern, named by its whole minute, however often the
    // servers looked (every second here).
    let rt = crate::store::runtime();
    let store = rt.block_on(yardstick::store::Store::open(&url)).expect("open");
    let runs = rt.block_on(store.list_mail_runs()).expect("the runs");
    assert!(
        (1..=3).contains(&runs.len())
            && runs
                .iter()
                .all(|r| r.slot.starts_with("schedule ") && !r.slot.contains('.')),
        "{runs:?}"
    );
    let listed = yardstick()
        .args(["--database", &url, "reports", "status", "--period", &month])
        .output()
        .expect("run yardstick");
    let listed = stdout(&listed);
    assert_eq!(
        listed.lines().filter(|l| l.contains(" sent ")).count(),
        DEMO_RECIPIENTS,
        "{listed}"
    );
}
