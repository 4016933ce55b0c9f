//! No data is not a score: a period without data shows no total, grade or coefficient
//! on the page, in the API and from the command line, stands nowhere in rankings, and
//! is never the month a page shows by default.

use crate::helpers::{demo, yardstick};
use crate::server::{TestApp, spawn_app};
use reqwest::StatusCode;
use serde_json::{Value, json};
use yardstick::store::ApiScope;

/// The month after the demo's last.
const EMPTY: &str = "2026-11";

async fn token(app: &TestApp, username: &str, scope: ApiScope) -> String {
    let (token, hash) = yardstick::credentials::new_api_token();
    app.store
        .insert_api_token(&format!("{username}-edges"), username, scope, &hash, "test")
        .await
        .expect("a token");
    token
}

async fn get_json(app: &TestApp, token: &str, path: &str) -> Value {
    let response = app
        .client()
        .get(format!("{}{path}", app.address))
        .bearer_auth(token)
        .send()
        .await
        .expect("a GET");
    assert_eq!(response.status(), StatusCode::OK, "GET {path}");
    response.json().await.expect("JSON")
}

#[tokio::test]
async fn a_month_without_data_shows_no_total_grade_or_rank_on_the_card() {
    let app = spawn_app().await;
    let rep = app.signed_in("rep.p002").await;
    let page = app.page(&rep, &format!("/scorecards/p002?period={EMPTY}")).await;
    assert!(page.contains("data-testid=\"no-total\""), "{page}");
    assert!(
        page.contains("No total for this period</strong>: no data for this period"),
        "{page}"
    );
    assert!(!page.contains("data-testid=\"total\""), "no total is shown");
    assert!(!page.contains("data-testid=\"grade\""), "no grade is shown");
    assert!(!page.contains("data-testid=\"peer-rank\""), "no rank among peers");
    let zh = app
        .page(&rep, &format!("/scorecards/p002?period={EMPTY}&lang=zh"))
        .await;
    assert!(zh.contains("本期无总分"), "{zh}");
}

#[tokio::test]
async fn a_month_without_data_leaves_every_member_off_the_leaderboard() {
    let app = spawn_app().await;
    let lead = app.signed_in("lead.east").await;
    let page = app.page(&lead, &format!("/teams/east?period={EMPTY}")).await;
    let board = &page[page.find("data-testid=\"leaderboard\"").expect("the board")..];
    let board = &board[..board.find("</table>").expect("the board ends")];
    assert!(!board.contains("data-subject="), "nobody is ranked: {board}");
    assert!(page.contains("data-testid=\"without-total\""), "{page}");
    assert!(
        page.contains("data-subject=\"p002\""),
        "p002 is listed as without a total"
    );

    let hr = token(&app, "hr", ApiScope::Read).await;
    let board = get_json(&app, &hr, &format!("/api/v1/leaderboards/east?period={EMPTY}")).await;
    assert_eq!(board["members"], json!([]), "{board}");
    assert!(
        board["without_total"].as_array().is_some_and(|m| !m.is_empty()),
        "{board}"
    );
    assert_eq!(board["team"]["total"], Value::Null);
}

#[tokio::test]
async fn the_api_says_a_card_has_no_data_and_why() {
    let app = spawn_app().await;
    let hr = token(&app, "hr", ApiScope::Read).await;
    let body = get_json(&app, &hr, &format!("/api/v1/scorecards/p002?period={EMPTY}")).await;
    let card = &body["card"];
    assert_eq!(card["status"], "no_data", "{card}");
    assert_eq!(card["total"], Value::Null);
    assert_eq!(card["grade"], Value::Null);
    assert_eq!(card["bonus_coefficient"], Value::Null);
    assert_eq!(card["reason"], "no data for this period");
    for kpi in card["kpis"].as_array().expect("KPIs") {
        assert_eq!(kpi["status"], "no_data", "{kpi}");
        assert!(
            kpi["reason"].as_str().is_some_and(|r| r.starts_with("no data for ")),
            "{kpi}"
        );
    }
}

#[tokio::test]
async fn one_row_for_next_month_does_not_move_the_default_month() {
    let app = spawn_app().await;
    let rep = app.signed_in("rep.p002").await;
    let before = app.page(&rep, "/scorecards/p002").await;
    assert!(
        before.contains("Showing 2026-10, the latest month with enough data to score."),
        "{before}"
    );

    let writer = token(&app, "hr", ApiScope::Write).await;
    let rows = json!({ "rows": [{ "subject": "p002", "period": EMPTY, "metric": "leads", "value": 40 }] });
    let response = app
        .client()
        .post(format!("{}/api/v1/metrics", app.address))
        .bearer_auth(&writer)
        .json(&rows)
        .send()
        .await
        .expect("a POST");
    assert_eq!(response.status(), StatusCode::OK);

    let after = app.page(&rep, "/scorecards/p002").await;
    assert!(
        after.contains("Showing 2026-10, the latest month with enough data to score."),
        "{after}"
    );
    assert!(after.contains("data-testid=\"total\""), "the default card has a total");
    let reader = token(&app, "rep.p002", ApiScope::Read).await;
    let body = get_json(&app, &reader, "/api/v1/scorecards/p002").await;
    assert_eq!(body["period"], "2026-10", "the API defaults to the same month");
}

#[test]
fn evaluate_prints_a_month_without_data_as_no_data() {
    let run = |format: &str| {
        let output = yardstick()
            .args(["evaluate", "--period", EMPTY, "--format", format])
            .arg("--people")
            .arg(demo("people.csv"))
            .arg("--teams")
            .arg(demo("teams.csv"))
            .arg("--data")
            .arg(demo("metrics.csv"))
            .output()
            .expect("run yardstick evaluate");
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8(output.stdout).expect("UTF-8")
    };
    let table = run("table");
    // The note wraps within its column to fit 80 columns: read it as words.
    let words = table.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(words.contains("no data for this period"), "{table}");
    assert!(!table.contains(" 0.0 "), "no total of zero: {table}");
    let report: Value = serde_json::from_str(&run("json")).expect("JSON");
    for card in report["people"].as_array().expect("people") {
        assert_eq!(
            (&card["status"], &card["total"]),
            (&json!("no_data"), &Value::Null),
            "{card}"
        );
    }
    let csv = run("csv");
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let headers = reader.headers().expect("a header").clone();
    let total = headers.iter().position(|h| h == "total").expect("a total column");
    for record in reader.records() {
        assert_eq!(&record.expect("a row")[total], "", "an empty total, not 0");
    }
}

#[test]
fn evaluate_reports_a_kpi_only_a_gate_reads_with_its_value_or_reason() {
    let output = yardstick()
        .args(["evaluate", "--period", "2026-10", "--format", "json"])
        .arg("--people")
        .arg(demo("people.csv"))
        .arg("--teams")
        .arg(demo("teams.csv"))
        .arg("--data")
        .arg(demo("metrics.csv"))
        .output()
        .expect("run yardstick evaluate");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let report: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let mut seen = 0;
    for card in report["people"].as_array().expect("people") {
        let on_card: Vec<&str> = card["kpis"]
            .as_array()
            .expect("KPIs")
            .iter()
            .filter_map(|k| k["kpi"].as_str())
            .collect();
        for kpi in card["supporting_kpis"].as_array().expect("supporting KPIs") {
            let key = kpi["kpi"].as_str().expect("an id");
            assert!(!on_card.contains(&key), "{key} is on the card and supporting");
            assert!(!kpi["read_by"].as_array().expect("read by").is_empty(), "{kpi}");
            match kpi["status"].as_str() {
                Some("computed") => assert!(kpi["value"].is_number(), "{kpi}"),
                Some("no_data" | "not_computable") => assert!(kpi["reason"].is_string(), "{kpi}"),
                other => panic!("{key}: status {other:?}"),
            }
            assert!(kpi["coverage"]["expected"].is_number(), "{kpi}");
            seen += 1;
        }
    }
    assert!(seen > 0, "the shipped gates read KPIs that are not on the cards");
}
