//! Bearer tokens: acting as their account within a scope, revoked, or dead with
//! a disabled account; and the commands that manage them.

use super::*;

#[tokio::test]
async fn a_token_acts_as_its_account_until_it_is_revoked() {
    let app = spawn_app().await;
    let hr = token(&app, "hr", ApiScope::Read).await;
    let (status, body) = get(&app, &hr, "/api/v1/people").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(ids(&body, "people").len(), 25, "hr sees everyone");

    app.store.revoke_api_token("hr-read", "test").await.expect("revoke");
    let response = app
        .client()
        .get(format!("{}/api/v1/people", app.address))
        .bearer_auth(&hr)
        .send()
        .await
        .expect("a GET");
    assert_eq!(response.headers()["www-authenticate"], "Bearer");
    let (status, body) = answer(response).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(code(&body), "invalid_token");

    let trail = app.audit_trail("api_token", "hr-read").await;
    let actions: Vec<&str> = trail.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["create", "revoke"]);
}

#[tokio::test]
async fn a_tokens_use_is_noted_for_the_token_list() {
    let app = spawn_app().await;
    let hr = token(&app, "hr", ApiScope::Read).await;
    let listed = app.store.list_api_tokens().await.expect("tokens");
    assert_eq!(listed[0].last_used_at, None);
    assert_eq!(get(&app, &hr, "/api/v1/teams").await.0, StatusCode::OK);
    // The note is written beside the request, not in its way: wait for it.
    let mut used = None;
    for _ in 0..200 {
        used = app.store.list_api_tokens().await.expect("tokens")[0]
            .last_used_at
            .clone();
        if used.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(used.is_some(), "the token's use was noted");
}

#[tokio::test]
async fn a_read_token_cannot_send_data() {
    let app = spawn_app().await;
    let before = app.store.count_metric_values().await.expect("count");
    let hr = token(&app, "hr", ApiScope::Read).await;
    let rows = json!({ "rows": [{ "subject": "p002", "period": "2026-10", "metric": "sales_amount", "value": 1 }] });
    let (status, body) = post(&app, &hr, "/api/v1/metrics", &rows).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(code(&body), "insufficient_scope");
    assert_eq!(app.store.count_metric_values().await.expect("count"), before);
}

#[tokio::test]
async fn a_disabled_accounts_tokens_stop_at_once() {
    let app = spawn_app().await;
    let lead = token(&app, "lead.east", ApiScope::Read).await;
    assert_eq!(get(&app, &lead, "/api/v1/teams").await.0, StatusCode::OK);
    app.store.disable_account("lead.east", "test").await.expect("disable");
    let (status, body) = get(&app, &lead, "/api/v1/teams").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(code(&body), "invalid_token");
}

#[tokio::test]
async fn unknown_tokens_other_schemes_and_no_credentials_are_refused_as_json() {
    let app = spawn_app().await;
    let (status, body) = get(&app, "ysk_not-a-token", "/api/v1/people").await;
    assert_eq!((status, code(&body)), (StatusCode::UNAUTHORIZED, "invalid_token"));

    let basic = app
        .client()
        .get(format!("{}/api/v1/people", app.address))
        .basic_auth("hr", Some("yardstick-demo"))
        .send()
        .await
        .expect("a GET");
    let (status, body) = answer(basic).await;
    assert_eq!((status, code(&body)), (StatusCode::UNAUTHORIZED, "invalid_token"));

    let anonymous = app
        .client()
        .get(format!("{}/api/v1/teams", app.address))
        .send()
        .await
        .expect("a GET");
    let (status, body) = answer(anonymous).await;
    assert_eq!((status, code(&body)), (StatusCode::UNAUTHORIZED, "unauthenticated"));
}

#[test]
fn token_commands_add_list_and_revoke_and_are_audited() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("tokens.db").display());
    yardstick()
        .args([
            "--database",
            &url,
            "--actor",
            "ops",
            "user",
            "add",
            "--username",
            "hr",
            "--role",
            "hr",
        ])
        .write_stdin("a-long-enough-password\n")
        .assert()
        .success();
    yardstick()
        .args(["--database", &url, "token", "list"])
        .assert()
        .success()
        .stdout("no live tokens; add one with `yardstick token add`\n");
    let added = yardstick()
        .args(["--database", &url, "--actor", "ops", "token", "add", "--username", "hr"])
        .args(["--scope", "write", "--name", "payroll"])
        .assert()
        .success();
    let printed = String::from_utf8_lossy(&added.get_output().stdout).trim().to_owned();
    assert!(printed.starts_with("ysk_") && printed.len() == 4 + 64, "{printed}");

    let listed = yardstick()
        .args(["--database", &url, "token", "list"])
        .assert()
        .success();
    let listed = String::from_utf8_lossy(&listed.get_output().stdout).into_owned();
    assert!(
        listed.starts_with("id\tname\taccount\tscope\tcreated\tlast used\n"),
        "a header first: {listed}"
    );
    assert!(
        listed.contains("payroll\thr\twrite") && listed.contains("never used"),
        "{listed}"
    );
    assert!(!listed.contains(&printed), "the token itself is never shown again");

    yardstick()
        .args([
            "--database",
            &url,
            "token",
            "add",
            "--username",
            "nobody",
            "--scope",
            "read",
            "--name",
            "x",
        ])
        .assert()
        .failure()
        .stderr(predicates::str::contains("no account named `nobody`"));
    yardstick()
        .args([
            "--database",
            &url,
            "token",
            "add",
            "--username",
            "hr",
            "--scope",
            "read",
            "--name",
            "42",
        ])
        .assert()
        .failure()
        .stderr(predicates::str::contains("cannot be digits alone"));

    let token_args = [
        "token",
        "add",
        "--username",
        "hr",
        "--scope",
        "read",
        "--name",
        "reports",
    ];
    yardstick()
        .args(["--database", &url])
        .args(token_args)
        .assert()
        .success();
    let listed = yardstick()
        .args(["--database", &url, "token", "list"])
        .assert()
        .success();
    let listed = String::from_utf8_lossy(&listed.get_output().stdout).into_owned();
    let reports_id = listed
        .lines()
        .find(|l| l.contains("\treports\t"))
        .and_then(|l| l.split('\t').next())
        .unwrap_or_else(|| panic!("the second token is listed: {listed}"))
        .to_owned();
    yardstick()
        .args(["--database", &url, "token", "revoke", "--name", &reports_id])
        .assert()
        .success()
        .stdout(predicates::str::contains("token reports (hr) revoked"));
    yardstick()
        .args([
            "--database",
            &url,
            "--actor",
            "ops",
            "token",
            "revoke",
            "--name",
            "payroll",
        ])
        .assert()
        .success()
        .stdout(predicates::str::contains("token payroll (hr) revoked"));
    let listed = yardstick()
        .args(["--database", &url, "token", "list"])
        .assert()
        .success();
    assert_eq!(
        String::from_utf8_lossy(&listed.get_output().stdout),
        "no live tokens; add one with `yardstick token add`\n",
        "revoked tokens are not listed"
    );

    let trail = tokio::runtime::Runtime::new().expect("a runtime").block_on(async {
        let store = yardstick::store::Store::open(&url).await.expect("open");
        store.audit_trail("api_token", "payroll").await.expect("audit")
    });
    let entries: Vec<(&str, &str)> = trail.iter().map(|e| (e.action.as_str(), e.actor.as_str())).collect();
    assert_eq!(entries, [("create", "ops"), ("revoke", "ops")]);
}
