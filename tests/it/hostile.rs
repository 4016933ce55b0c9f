//! Hostile input, as a tester out to break the server would send it: files that claim
//! more than they hold, ids that are not ids, floods, and concurrent writers. Nothing
//! takes the process down, slips through, or leaves the store half-written.

use crate::helpers::{demo, root, write, yardstick};
use crate::store::{run, sqlite_database};
use crate::upload::far_cell_workbook;
use reqwest::StatusCode;
use yardstick::demo::DEMO_PASSWORD;

#[test]
fn a_workbook_claiming_a_huge_sheet_is_refused_by_the_command_line_with_the_cell() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let url = sqlite_database(dir.path());
    let path = dir.path().join("far.xlsx");
    far_cell_workbook(&path);
    let output = run(&url, &["import", "people", &path.display().to_string()]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("far.xlsx:1: cell XFD1048576 holds a value beyond column IV; at most 256 columns are read"),
        "{stderr}"
    );
    let old = dir.path().join("people.ods");
    std::fs::write(&old, "not read").expect("written");
    let output = run(&url, &["import", "people", &old.display().to_string()]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("`.ods` files are not read"), "{stderr}");
    assert!(stderr.contains("save the sheet as .xlsx or .csv"), "{stderr}");
}

#[test]
fn a_chain_of_a_hundred_thousand_teams_is_refused_at_the_team_past_64_levels() {
    // Each scoring walks every person's teams up to the top: a chain this long would
    // make it walk a hundred thousand levels (it once took 15 s at 8,000).
    let dir = tempfile::tempdir().expect("a temporary folder");
    let mut teams = String::from("id,name,name_zh,parent,card\n");
    for t in 0..100_000 {
        let parent = if t == 0 { String::new() } else { format!("t{}", t - 1) };
        teams.push_str(&format!("t{t},T{t},,{parent},\n"));
    }
    let teams = write(dir.path(), "teams.csv", &teams);
    let people = write(
        dir.path(),
        "people.csv",
        "id,name,email,team,role\np1,P,,t99999,junior_rep\n",
    );
    let data = write(
        dir.path(),
        "metrics.csv",
        "subject,period,metric,value\np1,2026-10,sales_amount,1\n",
    );
    let output = yardstick()
        .args(["evaluate", "--period", "2026-10"])
        .arg("--teams")
        .arg(&teams)
        .arg("--people")
        .arg(&people)
        .arg("--data")
        .arg(&data)
        .output()
        .expect("run yardstick evaluate");
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(
            "teams.csv:66: column `parent`: team t64 is 65 levels down from its top team t0; at most 64 levels of teams"
        ),
        "{stderr}"
    );
}

/// `yardstick check DIR` on a folder holding `files`: its exit code and messages.
fn check(files: &[(&str, String)]) -> (Option<i32>, String) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    for (name, text) in files {
        write(dir.path(), name, text);
    }
    let output = yardstick()
        .arg("check")
        .arg(dir.path())
        .output()
        .expect("run yardstick check");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn definitions_nested_a_hundred_thousand_levels_deep_are_refused_at_the_line_it_starts() {
    let depth = 100_000;
    let text = format!(
        "metrics:\n  leads:\n    name: Leads\n    unit: count\n    extra: {}{}\n",
        "[".repeat(depth),
        "]".repeat(depth)
    );
    let (code, stderr) = check(&[("deep.yaml", text)]);
    assert_eq!(code, Some(1));
    assert!(
        stderr.contains("deep.yaml:5:") && stderr.contains(": the file nests deeper than 64 levels"),
        "{stderr}"
    );
}

#[test]
fn a_definitions_file_past_its_size_cap_is_refused_before_it_is_read() {
    let big = format!("metrics:\n{}", "  # padding\n".repeat(100_000));
    let (code, stderr) = check(&[("big.yaml", big)]);
    assert_eq!(code, Some(1));
    assert!(
        stderr.contains("big.yaml:1:1: the file is 1200009 bytes; a definitions file may be at most 1048576 bytes"),
        "{stderr}"
    );
    let part = format!("# {}\n", "x".repeat(1_000_000));
    let folder: Vec<(String, String)> = (0..9).map(|i| (format!("part{i}.yaml"), part.clone())).collect();
    let folder: Vec<(&str, String)> = folder.iter().map(|(n, t)| (n.as_str(), t.clone())).collect();
    let (code, stderr) = check(&folder);
    assert_eq!(code, Some(1));
    assert!(
        stderr.contains("the definitions are more than 8388608 bytes together"),
        "{stderr}"
    );
}

#[test]
fn definitions_given_as_text_are_capped_as_files_are() {
    use yardstick::kpi::rulebook::{Rulebook, SourceFile};
    let big = SourceFile {
        name: "big.yaml".into(),
        text: format!("metrics:\n{}", "  # padding\n".repeat(100_000)),
    };
    let errors = Rulebook::load(&[big]).expect_err("too large");
    assert!(
        errors.to_string().contains("big.yaml:1:1: the file is 1200009 bytes"),
        "{errors}"
    );
    let parts: Vec<SourceFile> = (0..9)
        .map(|i| SourceFile {
            name: format!("part{i}.yaml"),
            text: format!("# {}\n", "x".repeat(1_000_000)),
        })
        .collect();
    let errors = Rulebook::load(&parts).expect_err("too much together");
    assert!(
        errors
            .to_string()
            .contains("the definitions are 9000027 bytes together; at most 8388608 bytes are read"),
        "{errors}"
    );
}

/// The shipped definitions copied to `dir`, each file passed through `edit`.
fn definitions_copy(dir: &std::path::Path, edit: impl Fn(&str, String) -> String) -> std::path::PathBuf {
    let target = dir.join("kpi-definitions");
    std::fs::create_dir_all(&target).expect("a folder");
    for entry in std::fs::read_dir(root().join("kpi-definitions")).expect("the shipped definitions") {
        let path = entry.expect("an entry").path();
        let name = path.file_name().and_then(|n| n.to_str()).expect("a name").to_owned();
        if name.ends_with(".yaml") {
            let text = std::fs::read_to_string(&path).expect("a file");
            std::fs::write(target.join(&name), edit(&name, text)).expect("written");
        }
    }
    target
}

#[test]
fn a_csv_cell_a_spreadsheet_would_run_is_written_as_text() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let definitions = definitions_copy(dir.path(), |name, text| {
        if name == "grades.yaml" {
            text.replace("grade: B,", "grade: \"=B\",")
                .replace("grade: C,", "grade: \"@C\",")
        } else {
            text.replace("cap_grade: C", "cap_grade: \"@C\"")
                .replace("cap_grade: B", "cap_grade: \"=B\"")
                .replace("grades: [C, D]", "grades: [\"@C\", D]")
        }
    });
    let output = yardstick()
        .args(["evaluate", "--period", "2026-10", "--format", "csv", "--definitions"])
        .arg(&definitions)
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
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let mut reader = csv::Reader::from_reader(output.stdout.as_slice());
    let grade = reader
        .headers()
        .expect("a header")
        .iter()
        .position(|h| h == "grade")
        .expect("a grade column");
    let grades: Vec<String> = reader.records().map(|r| r.expect("a row")[grade].to_owned()).collect();
    assert!(grades.iter().any(|g| g == "'=B"), "{grades:?}");
    assert!(
        grades.iter().all(|g| !g.starts_with(['=', '+', '-', '@'])),
        "{grades:?}"
    );
}

#[test]
fn a_people_file_with_ids_outside_the_grammar_is_refused_row_by_row() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let url = sqlite_database(dir.path());
    let teams = demo("teams.csv");
    crate::store::ok(&url, &["import", "teams", &teams.display().to_string()]);
    let people = write(
        dir.path(),
        "people.csv",
        "id,name,email,team,role\n\
         ../../admin/users,A,a@example.com,east,junior_rep\n\
         \"p1\r\nSet-Cookie: x\",B,b@example.com,east,junior_rep\n\
         @SUM(1),C,c@example.com,east,junior_rep\n\
         ok.1,D,d@example.com,east,junior_rep\n",
    );
    let output = run(&url, &["import", "people", &people.display().to_string()]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("people.csv:2: column `id`: `../../admin/users` holds `/`"),
        "{stderr}"
    );
    assert!(
        stderr.contains("people.csv:3: column `id`: `p1\\u{d}\\u{a}Set-Cookie: x` holds U+000D"),
        "{stderr}"
    );
    assert!(
        stderr.contains("people.csv:5: column `id`: `@SUM(1)` holds `@`"),
        "{stderr}"
    );
    assert!(!stderr.contains("people.csv:6"), "{stderr}");
    assert!(
        stderr.contains("3 bad rows; nothing from these files was used"),
        "{stderr}"
    );
}

#[test]
fn definition_ids_outside_the_grammar_are_named_with_their_place() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let definitions = definitions_copy(dir.path(), |name, text| {
        if name == "metrics.yaml" {
            format!(
                "{text}\n  \"win-rate\":\n    name: {{ en: Win rate, zh: 赢率 }}\n    unit: count\n    over_time: sum\n"
            )
        } else {
            text
        }
    });
    let output = yardstick()
        .arg("check")
        .arg(&definitions)
        .output()
        .expect("run yardstick check");
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("metrics.yaml:")
            && stderr.contains("the metric id `win-rate` holds `-`; a metric or KPI id is a formula variable"),
        "{stderr}"
    );
}

#[tokio::test]
async fn sessions_that_ended_by_time_are_purged_at_the_next_sign_in() {
    let app = crate::server::spawn_app().await;
    let account = app
        .store
        .find_account_by_name("hr")
        .await
        .expect("store")
        .expect("the demo's hr");
    app.store
        .insert_session("stale-hash", account.id, "csrf", "2020-01-01T00:00:00.000Z")
        .await
        .expect("an old session");
    app.signed_in("rep.p002").await;
    assert_eq!(
        app.store.purge_expired_sessions().await.expect("store"),
        0,
        "the sign-in already purged the stale one"
    );
    assert!(app.store.find_session("stale-hash").await.expect("store").is_none());
}

#[tokio::test]
async fn parallel_guesses_at_a_name_get_no_more_than_the_limit() {
    let app = crate::server::spawn_app().await;
    let guess = || async {
        let client = app.client();
        app.sign_in(&client, "hr", "a-wrong-guess").await.status()
    };
    // Eight at once (the guesses that raced past the check used to be counted after),
    // then one at a time until the name is locked.
    let mut answers = futures_util::future::join_all((0..8).map(|_| guess())).await;
    for _ in 0..8 {
        answers.push(guess().await);
    }
    let judged = answers.iter().filter(|s| **s == StatusCode::UNAUTHORIZED).count();
    assert_eq!(judged, 5, "exactly the limit of passwords was judged: {answers:?}");
    assert!(
        answers
            .iter()
            .all(|s| [StatusCode::UNAUTHORIZED, StatusCode::TOO_MANY_REQUESTS].contains(s))
    );
}

#[tokio::test]
async fn a_sign_in_turned_away_as_busy_says_when_to_come_back() {
    let app = crate::server::spawn_app().await;
    // Five at once from one address: one more than it may have checked or waiting.
    let answers = futures_util::future::join_all((0..12).map(|i| {
        let app = &app;
        async move {
            let client = app.client();
            app.sign_in(&client, &format!("nobody{i}"), "x").await
        }
    }))
    .await;
    let busy: Vec<_> = answers
        .iter()
        .filter(|r| r.status() == StatusCode::TOO_MANY_REQUESTS)
        .collect();
    assert!(!busy.is_empty(), "twelve at once from one address are not all checked");
    for response in busy {
        assert_eq!(response.headers()["retry-after"], "1");
    }
}

#[tokio::test]
async fn a_real_user_signs_in_while_a_flood_from_many_addresses_runs() {
    let mut settings = yardstick::settings::Settings::default();
    settings.server.behind_proxy = true;
    let app = std::sync::Arc::new(crate::server::spawn_app_with(settings).await);
    // The owner has signed in from this browser before.
    let owner = app.signed_in("rep.p002").await;
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut flood = Vec::new();
    for bot in 0..24u32 {
        let (app, stop) = (std::sync::Arc::clone(&app), std::sync::Arc::clone(&stop));
        flood.push(tokio::spawn(async move {
            let client = app.client();
            let page = app.page(&client, "/login").await;
            let csrf = crate::server::hidden_csrf(&page);
            let mut sent = 0u32;
            while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                // Every guess from another address, half of them at the owner's name.
                let address = format!("10.{}.{}.{}", bot, sent / 250, sent % 250 + 1);
                let name = if sent.is_multiple_of(2) {
                    "rep.p002".to_owned()
                } else {
                    format!("bot{bot}-{sent}")
                };
                let _ = client
                    .post(format!("{}/login", app.address))
                    .header("X-Forwarded-For", address)
                    .form(&[("username", name.as_str()), ("password", "guess"), ("csrf", &csrf)])
                    .send()
                    .await;
                sent += 1;
            }
            sent
        }));
    }
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let mut signed_in = 0;
    for _ in 0..10 {
        let started = std::time::Instant::now();
        if app.sign_in(&owner, "rep.p002", DEMO_PASSWORD).await.status() == StatusCode::SEE_OTHER {
            signed_in += 1;
        }
        // Reported, not asserted: `examples/sign_in_flood.rs` measures this in release.
        eprintln!("sign-in during the flood: {:?}", started.elapsed());
        let health = app
            .client()
            .get(format!("{}/healthz", app.address))
            .send()
            .await
            .expect("healthz");
        assert_eq!(health.status(), StatusCode::OK, "the server stays up");
    }
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let mut guesses = 0;
    for bot in flood {
        guesses += bot.await.expect("a flood task");
    }
    assert!(guesses > 24, "the flood ran: {guesses} guesses");
    assert!(signed_in >= 9, "{signed_in} of 10 sign-ins went through the flood");
}

#[tokio::test]
async fn a_refused_card_view_does_not_wait_for_the_writer() {
    use sea_orm::ConnectionTrait;
    let app = crate::server::spawn_app().await;
    let rep = app.signed_in("rep.p002").await;
    // Another process holds the database's one write lock, as a long import does.
    let mut one = sea_orm::ConnectOptions::new(app.url.clone());
    one.max_connections(1).min_connections(1);
    let writer = sea_orm::Database::connect(one).await.expect("a second connection");
    writer
        .execute_unprepared("BEGIN IMMEDIATE")
        .await
        .expect("the write lock");
    let refused = rep
        .get(format!("{}/scorecards/p003?period=2026-10", app.address))
        .timeout(std::time::Duration::from_secs(30))
        .send()
        .await
        .expect("answered while the lock is held");
    assert_eq!(refused.status(), StatusCode::NOT_FOUND);
    writer
        .execute_unprepared("ROLLBACK")
        .await
        .expect("the lock given back");
    let trail = app.audit_trail("scorecard", "p003").await;
    assert!(
        trail
            .iter()
            .any(|e| e.action == "access_denied" && e.actor == "rep.p002"),
        "the refusal is recorded once the writer is done: {trail:?}"
    );
}

/// `serve --demo` on `url`, given 30 s to refuse before it is stopped.
fn serve_demo(url: &str) -> std::process::Output {
    yardstick()
        .args(["--database", url, "serve", "--demo", "--bind", "127.0.0.1:0"])
        .timeout(std::time::Duration::from_secs(30))
        .output()
        .expect("run yardstick")
}

fn has_account(url: &str, username: &str) -> bool {
    crate::store::runtime().block_on(async {
        let store = yardstick::store::Store::open(url).await.expect("open the database");
        store
            .find_account_by_name(username)
            .await
            .expect("read accounts")
            .is_some()
    })
}

#[test]
fn serve_demo_creates_its_public_accounts_only_in_a_database_it_seeded() {
    let dir = tempfile::tempdir().expect("a temporary folder");

    let company = format!("sqlite://{}?mode=rwc", dir.path().join("company.db").display());
    crate::store::import_demo(&company);
    let output = serve_demo(&company);
    assert_eq!(output.status.code(), Some(1), "a company's database is refused");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("--demo: this database already holds data first imported by"),
        "{stderr}"
    );
    assert!(stderr.contains("teams.csv"), "the first import is named: {stderr}");
    assert!(
        stderr.contains("created only in a database the demo seeded itself"),
        "{stderr}"
    );
    assert!(!String::from_utf8_lossy(&output.stdout).contains("Demo sign-ins"));
    assert!(!has_account(&company, "admin") && !has_account(&company, "hr"));

    let accounts_only = format!("sqlite://{}?mode=rwc", dir.path().join("accounts.db").display());
    yardstick()
        .args([
            "--database",
            &accounts_only,
            "user",
            "add",
            "--username",
            "boss",
            "--role",
            "admin",
        ])
        .write_stdin("a-long-enough-password\n")
        .assert()
        .success();
    let output = serve_demo(&accounts_only);
    assert_eq!(output.status.code(), Some(1), "a database with accounts is refused");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("already holds 1 account and no people"), "{stderr}");
    assert!(!has_account(&accounts_only, "admin"));

    // The demo's own database is taken up again without a second import.
    let own = format!("sqlite://{}?mode=rwc", dir.path().join("demo.db").display());
    let rulebook = yardstick::definitions::RulebookVersion::shipped().rulebook;
    crate::store::runtime().block_on(async {
        let store = yardstick::store::Store::open(&own).await.expect("open the database");
        yardstick::demo::seed(
            &store,
            yardstick::import::Against {
                rulebook: &rulebook,
                version: None,
            },
        )
        .await
        .expect("an empty database is seeded");
        let first = store.first_import().await.expect("imports").expect("one import");
        assert_eq!(first.actor, yardstick::demo::DEMO_ACTOR);
        let people = store.list_people().await.expect("people").len();
        yardstick::demo::seed(
            &store,
            yardstick::import::Against {
                rulebook: &rulebook,
                version: None,
            },
        )
        .await
        .expect("the demo's own database is taken up again");
        assert_eq!(
            store.list_people().await.expect("people").len(),
            people,
            "imported once"
        );
    });
    assert!(has_account(&own, "hr"));
}

#[tokio::test]
async fn a_form_post_from_a_stranger_is_sent_to_sign_in_whatever_its_body() {
    let app = crate::server::spawn_app().await;
    let stranger = app.client();
    for path in ["/admin/users", "/admin/users/disable", "/logout", "/upload"] {
        for (content_type, body) in [
            ("application/x-www-form-urlencoded", "%zz=%%&&="),
            ("text/plain", "username=x"),
            ("application/x-www-form-urlencoded", ""),
        ] {
            let response = stranger
                .post(format!("{}{path}", app.address))
                .header("Content-Type", content_type)
                .body(body)
                .send()
                .await
                .expect("a POST");
            assert_eq!(
                response.status(),
                StatusCode::SEE_OTHER,
                "{path} {content_type} {body:?}"
            );
            assert_eq!(response.headers()["location"], "/login", "{path}");
        }
    }

    // Signed in, a form that cannot be read is a page saying why.
    let admin = app.signed_in("admin").await;
    let response = admin
        .post(format!("{}/admin/users/disable", app.address))
        .header("Content-Type", "text/plain")
        .body("username=hr")
        .send()
        .await
        .expect("a POST");
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .expect("ASCII")
            .starts_with("text/html"),
        "an HTML page"
    );
    let page = response.text().await.expect("the page");
    assert!(page.contains("application/x-www-form-urlencoded"), "{page}");
    let response = admin
        .post(format!("{}/admin/users/disable", app.address))
        .form(&[("username", "hr")])
        .send()
        .await
        .expect("a POST");
    assert_eq!(
        response.status(),
        StatusCode::BAD_REQUEST,
        "a form missing its csrf field"
    );
    let page = response.text().await.expect("the page");
    assert!(page.contains("missing field `csrf`"), "{page}");
    assert!(
        app.store
            .find_account_by_name("hr")
            .await
            .expect("accounts")
            .is_some_and(|a| !a.disabled),
        "nothing was done"
    );
}

#[test]
fn evaluate_into_a_pipe_closed_early_ends_quietly() {
    use std::process::{Command, Stdio};
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("yardstick"))
        .current_dir(root())
        .args(["evaluate", "--period", "2026-Q4", "--format", "json"])
        .arg("--people")
        .arg(demo("people.csv"))
        .arg("--teams")
        .arg(demo("teams.csv"))
        .arg("--data")
        .arg(demo("metrics.csv"))
        .arg("--targets")
        .arg(demo("targets.csv"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start yardstick");
    // The reader leaves before the first line is written, as `head -0` would.
    drop(child.stdout.take());
    let output = child.wait_with_output().expect("yardstick ends");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.is_empty(), "{stderr}");
    assert_eq!(output.status.code(), Some(0));
}
