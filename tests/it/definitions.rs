//! The definitions kept in the database: what a new database starts from, publishing a
//! folder, the history, export and diff, and running servers taking a publication up.

use crate::helpers::{Server, root, yardstick};
use crate::store::{copy_dir, databases, import_demo, ok, run, sqlite_database};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// A copy of the shipped definitions in `dir/name` with `from` replaced by `to` in `file`.
fn changed_definitions(dir: &Path, name: &str, file: &str, from: &str, to: &str) -> PathBuf {
    let changed = dir.join(name);
    copy_dir(&root().join("kpi-definitions"), &changed);
    let path = changed.join(file);
    let text = std::fs::read_to_string(&path).expect("a definitions file");
    assert!(text.contains(from), "{file} holds {from}");
    std::fs::write(&path, text.replace(from, to)).expect("write");
    changed
}

#[test]
fn a_folder_is_published_listed_exported_and_compared() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let url = &sqlite_database(dir.path());
    let nothing = ok(url, &["definitions", "list"]);
    assert!(nothing.starts_with("nothing published yet"), "{nothing}");
    import_demo(url);
    let list = ok(url, &["definitions", "list"]);
    assert!(
        list.lines().nth(1).is_some_and(|l| l.starts_with("1 ")
            && l.contains("the definitions shipped with Yardstick")
            && l.ends_with("(in force)")),
        "the first command published the built-in definitions:\n{list}"
    );

    let same = ok(url, &["definitions", "import", "kpi-definitions"]);
    assert!(same.contains("already in force as version 1"), "{same}");

    let changed = changed_definitions(
        dir.path(),
        "cheaper",
        "role-senior-rep.yaml",
        "target: 1500",
        "target: 900",
    );
    let changed_dir = changed.display().to_string();
    let published = ok(
        url,
        &[
            "--actor",
            "ana",
            "definitions",
            "import",
            &changed_dir,
            "--comment",
            "cheaper CAC",
        ],
    );
    assert!(
        published.contains("published as version 2 (publication 2)"),
        "{published}"
    );
    let list = ok(url, &["definitions", "list"]);
    let newest = list.lines().nth(1).expect("a row");
    assert!(
        newest.starts_with("2 ") && newest.contains(" ana ") && newest.ends_with("cheaper CAC (in force)"),
        "{list}"
    );

    let diff = ok(url, &["definitions", "diff", "1", "2"]);
    assert!(diff.contains("--- a/role-senior-rep.yaml (version 1)"), "{diff}");
    assert!(diff.contains("+++ b/role-senior-rep.yaml (version 2)"), "{diff}");
    assert!(
        diff.lines().any(|l| l.starts_with('-') && l.contains("target: 1500"))
            && diff.lines().any(|l| l.starts_with('+') && l.contains("target: 900")),
        "{diff}"
    );
    assert_eq!(diff.matches("--- a/").count(), 1, "only the changed file: {diff}");

    // Rolling back publishes version 1 again: a new publication, the same version.
    ok(url, &["definitions", "import", "kpi-definitions", "--comment", "back"]);
    let list = ok(url, &["definitions", "list"]);
    assert!(
        list.lines()
            .nth(1)
            .is_some_and(|l| l.starts_with("3 ") && l.contains(" 1  ")),
        "{list}"
    );

    let out = dir.path().join("exported");
    let written = ok(
        url,
        &["definitions", "export", "--version", "2", &out.display().to_string()],
    );
    assert!(written.contains("version 2 written to"), "{written}");
    for entry in std::fs::read_dir(&changed).expect("the folder") {
        let path = entry.expect("an entry").path();
        if path.extension().is_some_and(|e| e == "yaml") {
            let name = path.file_name().expect("a name");
            assert_eq!(
                std::fs::read_to_string(out.join(name)).expect("exported"),
                std::fs::read_to_string(&path).expect("original"),
                "{name:?}"
            );
        }
    }
    let again = run(url, &["definitions", "export", &out.display().to_string()]);
    assert_eq!(again.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("is not empty"),
        "nothing is overwritten"
    );
    let missing = run(url, &["definitions", "diff", "1", "9"]);
    assert!(String::from_utf8_lossy(&missing.stderr).contains("there is no definition version 9"));
}

#[test]
fn an_invalid_folder_or_one_that_drops_a_role_in_use_is_never_published() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    for url in databases(dir.path()) {
        import_demo(&url);
        let broken = changed_definitions(
            dir.path(),
            "broken",
            "kpis-sales.yaml",
            "formula:",
            "formula: no_such_metric +",
        );
        let refused = run(&url, &["definitions", "import", &broken.display().to_string()]);
        assert_eq!(refused.status.code(), Some(1));
        let stderr = String::from_utf8_lossy(&refused.stderr);
        assert!(
            stderr.contains("kpis-sales.yaml:") && stderr.contains("unknown metric or KPI `no_such_metric`"),
            "{stderr}"
        );

        let without_role = dir.path().join("without-role");
        copy_dir(&root().join("kpi-definitions"), &without_role);
        std::fs::remove_file(without_role.join("role-customer-success.yaml")).expect("remove a role");
        let refused = run(&url, &["definitions", "import", &without_role.display().to_string()]);
        assert_eq!(refused.status.code(), Some(1));
        let stderr = String::from_utf8_lossy(&refused.stderr);
        assert!(
            stderr.contains("person p018 has the role `customer_success`, which these definitions do not define"),
            "{stderr}"
        );
        let list = ok(&url, &["definitions", "list"]);
        assert_eq!(list.lines().count(), 2, "still only the first publication:\n{list}");
    }
}

fn serve(url: &str, folder: &Path, extra: &[&str]) -> Server {
    crate::helpers::serve(url, folder, extra, &[])
}

/// A read token for hr (an account made first if there is none), through the command line.
fn hr_token(url: &str, name: &str) -> String {
    let accounts = yardstick()
        .args(["--database", url, "user", "add", "--username", "hr", "--role", "hr"])
        .write_stdin("a-long-enough-password\n")
        .output()
        .expect("run yardstick");
    let stderr = String::from_utf8_lossy(&accounts.stderr);
    assert!(
        accounts.status.success() || stderr.contains("exists already"),
        "{stderr}"
    );
    ok(
        url,
        &["token", "add", "--username", "hr", "--scope", "read", "--name", name],
    )
    .trim()
    .to_owned()
}

async fn total(server: &Server, token: &str, subject: &str, period: &str) -> Option<f64> {
    let card: serde_json::Value = reqwest::Client::new()
        .get(format!(
            "{}/api/v1/scorecards/{subject}?period={period}",
            server.address
        ))
        .bearer_auth(token)
        .send()
        .await
        .expect("GET a card")
        .json()
        .await
        .expect("JSON");
    card["card"]["total"].as_f64()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_serves_its_built_in_demo_from_an_empty_folder() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).expect("an empty folder");
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("demo.db").display());
    let server = serve(&url, &empty, &["--demo"]);
    let token = hr_token(&url, "demo-check");
    let p002 = total(&server, &token, "p002", "2026-10").await;
    assert!(p002.is_some_and(|t| t > 0.0), "the demo's card has a total: {p002:?}");
    assert_eq!(
        std::fs::read_dir(&empty).expect("the folder").count(),
        0,
        "nothing was needed or written beside the binary"
    );
}

#[test]
fn a_published_version_is_taken_up_by_every_running_server_and_frozen_months_stay() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let runtime = crate::store::runtime();
    for url in databases(dir.path()) {
        import_demo(&url);
        ok(&url, &["finalize", "--period", "2026-10"]);
        let servers = [serve(&url, &root(), &[]), serve(&url, &root(), &[])];
        let token = hr_token(&url, "reload-check");
        let total = |server: &Server, period: &str| runtime.block_on(total(server, &token, "p008", period));
        // p008 is a senior rep: the cost target below moves their open month.
        let before = total(&servers[0], "2026-09");
        let frozen = total(&servers[0], "2026-10");
        for server in &servers {
            assert_eq!(total(server, "2026-09"), before);
        }
        let changed = changed_definitions(
            dir.path(),
            &format!("cheaper-{}", url.len()),
            "role-senior-rep.yaml",
            "target: 1500",
            "target: 900",
        );
        let published = Instant::now();
        ok(&url, &["definitions", "import", &changed.display().to_string()]);
        for (i, server) in servers.iter().enumerate() {
            // Taken up within a second or so; the deadline only keeps a broken reload from hanging.
            let deadline = published + Duration::from_secs(20);
            let mut now = total(server, "2026-09");
            while now == before && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(50));
                now = total(server, "2026-09");
            }
            assert_ne!(now, before, "server {i} took the new version up ({url})");
            eprintln!("server {i} took the new version up after {:?}", published.elapsed());
            assert_eq!(
                total(server, "2026-10"),
                frozen,
                "a finalized month keeps the version it was scored with"
            );
        }
    }
}

#[test]
fn a_server_started_with_a_folder_that_differs_from_the_version_in_force_does_not_start() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let url = &sqlite_database(dir.path());
    import_demo(url);
    let changed = changed_definitions(
        dir.path(),
        "changed",
        "role-senior-rep.yaml",
        "target: 1500",
        "target: 900",
    );
    let output = yardstick()
        .args(["--database", url, "serve", "--bind", "127.0.0.1:0", "--definitions"])
        .arg(&changed)
        .timeout(Duration::from_secs(30))
        .output()
        .expect("run yardstick");
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("differs from version 1 in force in this database (published by yardstick at"),
        "{stderr}"
    );
    let changed_dir = changed.display().to_string();
    ok(url, &["definitions", "import", &changed_dir]);
    let checked = ok(url, &["evaluate", "--period", "2026-10", "--definitions", &changed_dir]);
    assert!(checked.contains("p008"), "the folder now matches the version in force");
}

#[test]
fn a_reader_keeps_the_version_it_took_while_a_new_one_is_taken_up() {
    use yardstick::definitions::{ActiveRulebook, RulebookVersion, in_force, publish};
    let dir = tempfile::tempdir().expect("a temporary folder");
    let url = sqlite_database(dir.path());
    let changed = changed_definitions(
        dir.path(),
        "changed",
        "role-senior-rep.yaml",
        "target: 1500",
        "target: 900",
    );
    crate::store::runtime().block_on(async {
        let store = yardstick::store::Store::open(&url).await.expect("open the database");
        let (publication, version) = in_force(&store, None).await.expect("the first version");
        let active = ActiveRulebook::new(&publication, version);
        let in_flight = active.get();
        assert!(!active.refresh(&store).await.expect("refresh"), "nothing new yet");

        let draft = RulebookVersion::from_folder(&changed).expect("the changed folder");
        let base = yardstick::store::PublishBase::Expect(Some(publication.id));
        let (second, _) = publish(&store, draft, "ana", "cheaper", base).await.expect("publish");
        assert!(
            active.refresh(&store).await.expect("refresh"),
            "the new publication is taken up"
        );
        assert_eq!(active.get().id, Some(second.version));
        assert_eq!(
            in_flight.id,
            Some(publication.version),
            "a request in flight keeps its version"
        );
        assert_ne!(in_flight.digest, active.get().digest);

        // A second editor who began from the first publication is refused, not overwriting.
        let late = RulebookVersion::from_folder(&root().join("kpi-definitions")).expect("the folder");
        let conflict = publish(&store, late, "bo", "mine", base).await;
        let message = conflict.expect_err("a conflict").to_string();
        assert!(message.contains("publication 2 is in force, not 1"), "{message}");
    });
}

#[test]
fn rows_checked_against_definitions_published_over_meanwhile_are_not_written() {
    use yardstick::definitions::{RulebookVersion, in_force, publish};
    use yardstick::import::{ImportFailure, ImportKind, import_file};
    let dir = tempfile::tempdir().expect("a temporary folder");
    let url = sqlite_database(dir.path());
    import_demo(&url);
    let changed = changed_definitions(
        dir.path(),
        "changed",
        "role-senior-rep.yaml",
        "target: 1500",
        "target: 900",
    );
    let people = crate::helpers::write(
        dir.path(),
        "people.csv",
        "id,name,email,team,role\nn1,New One,n1@example.com,east,junior_rep\n",
    );
    crate::store::runtime().block_on(async {
        let store = yardstick::store::Store::open(&url).await.expect("open the database");
        let (_, checked) = in_force(&store, None).await.expect("version 1");
        let newer = RulebookVersion::from_folder(&changed).expect("the folder");
        publish(
            &store,
            newer,
            "ana",
            "meanwhile",
            yardstick::store::PublishBase::Current,
        )
        .await
        .expect("publish");
        let quiet = |_: u64, _: u64| {};
        let refused = import_file(&store, checked.against(), ImportKind::People, &people, "test", &quiet).await;
        match refused {
            Err(e @ ImportFailure::DefinitionsChanged { .. }) => assert!(
                e.to_string().contains("against version 1; version 2 is in force now"),
                "{e}"
            ),
            other => panic!("not refused: {other:?}"),
        }
        let stored = store.list_people().await.expect("people");
        assert!(stored.iter().all(|p| p.key != "n1"), "nothing written");
        let (_, now) = in_force(&store, None).await.expect("version 2");
        import_file(&store, now.against(), ImportKind::People, &people, "test", &quiet)
            .await
            .expect("checked against the version in force, it is written");
    });
}
