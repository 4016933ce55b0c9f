//! The JSON API, spoken to as an integration would: bearer tokens and their scopes,
//! what each role may read, sending data all or nothing, bad bodies, and the OpenAPI
//! document.

use crate::helpers::{root, yardstick};
use crate::server::{TestApp, hidden_csrf, spawn_app};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use yardstick::store::ApiScope;

/// A token for `username`, made as `yardstick token add` makes it.
async fn token(app: &TestApp, username: &str, scope: ApiScope) -> String {
    let (token, hash) = yardstick::web::new_api_token();
    let name = format!("{username}-{}", scope.as_str());
    app.store
        .insert_api_token(&name, username, scope, &hash, "test")
        .await
        .expect("a token");
    token
}

async fn get(app: &TestApp, token: &str, path: &str) -> (StatusCode, Value) {
    let response = app
        .client()
        .get(format!("{}{path}", app.address))
        .bearer_auth(token)
        .send()
        .await
        .expect("a GET");
    answer(response).await
}

async fn post(app: &TestApp, token: &str, path: &str, body: &Value) -> (StatusCode, Value) {
    let response = app
        .client()
        .post(format!("{}{path}", app.address))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .expect("a POST");
    answer(response).await
}

/// The status and the JSON body, which every answer of the API has.
async fn answer(response: reqwest::Response) -> (StatusCode, Value) {
    let status = response.status();
    let text = response.text().await.expect("a body");
    let json = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{status}: not JSON ({e}): {text}"));
    (status, json)
}

fn code(body: &Value) -> &str {
    body["error"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("an error: {body}"))
}

/// The `path`s of an error's bad fields.
fn paths(body: &Value) -> Vec<&str> {
    body["error"]["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("a list of errors: {body}"))
        .iter()
        .map(|e| e["path"].as_str().expect("a path"))
        .collect()
}

fn ids<'a>(body: &'a Value, list: &str) -> BTreeSet<&'a str> {
    body[list]
        .as_array()
        .unwrap_or_else(|| panic!("a list `{list}`: {body}"))
        .iter()
        .map(|p| p["id"].as_str().expect("an id"))
        .collect()
}

fn people(range: std::ops::RangeInclusive<u32>) -> BTreeSet<String> {
    range.map(|i| format!("p{i:03}")).collect()
}

/// The value of input `input` of KPI `kpi` on a card.
fn input(card: &Value, kpi: &str, input: &str) -> f64 {
    card["card"]["kpis"]
        .as_array()
        .expect("KPIs")
        .iter()
        .find(|k| k["kpi"] == kpi)
        .unwrap_or_else(|| panic!("KPI {kpi} on the card"))["inputs"]
        .as_array()
        .expect("inputs")
        .iter()
        .find(|i| i["name"] == input)
        .unwrap_or_else(|| panic!("input {input} of {kpi}"))["value"]
        .as_f64()
        .expect("a value")
}

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

    let trail = app.store.audit_trail("api_token", "hr-read").await.expect("audit");
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

#[tokio::test]
async fn each_role_reads_only_the_people_teams_and_targets_it_may_see() {
    let app = spawn_app().await;
    let all_teams: BTreeSet<&str> = ["east", "east-key", "care"].into();
    // The demo's 14 targets: p019's is care's, the two of p002 are the rep's own.
    let expected: [(&str, BTreeSet<String>, BTreeSet<&str>, usize); 5] = [
        ("admin", people(1..=25), all_teams.clone(), 14),
        ("hr", people(1..=25), all_teams.clone(), 14),
        ("lead.east", people(1..=16), ["east", "east-key"].into(), 13),
        ("lead.care", people(17..=25), ["care"].into(), 1),
        ("rep.p002", people(2..=2), BTreeSet::new(), 2),
    ];
    for (user, want_people, want_teams, want_targets) in expected {
        let t = token(&app, user, ApiScope::Read).await;
        let (status, body) = get(&app, &t, "/api/v1/people").await;
        assert_eq!(status, StatusCode::OK, "{user}: {body}");
        let seen: BTreeSet<String> = ids(&body, "people").into_iter().map(str::to_owned).collect();
        assert_eq!(seen, want_people, "{user} GET /api/v1/people");

        let (_, body) = get(&app, &t, "/api/v1/teams").await;
        assert_eq!(ids(&body, "teams"), want_teams, "{user} GET /api/v1/teams");

        let (_, body) = get(&app, &t, "/api/v1/targets").await;
        let targets = body["targets"].as_array().expect("targets");
        assert_eq!(targets.len(), want_targets, "{user} GET /api/v1/targets: {body}");

        for id in ["p002", "p011", "p018"] {
            let (status, _) = get(&app, &t, &format!("/api/v1/people/{id}")).await;
            let allowed = want_people.contains(id);
            assert_eq!(
                status == StatusCode::OK,
                allowed,
                "{user} GET /api/v1/people/{id}: {status}"
            );
        }
        for id in ["east", "east-key", "care"] {
            let (status, _) = get(&app, &t, &format!("/api/v1/teams/{id}")).await;
            let allowed = want_teams.contains(id);
            assert_eq!(
                status == StatusCode::OK,
                allowed,
                "{user} GET /api/v1/teams/{id}: {status}"
            );
        }
    }
}

#[tokio::test]
async fn a_rep_guessing_anothers_id_gets_404_without_a_hint() {
    let app = spawn_app().await;
    let rep = token(&app, "rep.p002", ApiScope::Read).await;
    let (status, own) = get(&app, &rep, "/api/v1/people/p002").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(own["name"], "陈晓");

    let (status, existing) = get(&app, &rep, "/api/v1/people/p003").await;
    let (_, missing) = get(&app, &rep, "/api/v1/people/p999").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(existing, missing, "the same answer whether the person exists or not");
    for path in [
        "/api/v1/teams/east",
        "/api/v1/scorecards/p003",
        "/api/v1/scorecards/east",
    ] {
        let (status, body) = get(&app, &rep, path).await;
        assert_eq!((status, code(&body)), (StatusCode::NOT_FOUND, "not_found"), "{path}");
    }
    let trail = app.store.audit_trail("person", "p003").await.expect("audit");
    assert!(
        trail
            .iter()
            .any(|e| e.action == "access_denied" && e.actor == "rep.p002"),
        "{trail:?}"
    );
}

#[tokio::test]
async fn a_team_asked_by_id_lists_the_teams_and_people_directly_in_it() {
    let app = spawn_app().await;
    let lead = token(&app, "lead.east", ApiScope::Read).await;
    let (status, east) = get(&app, &lead, "/api/v1/teams/east").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(east["sub_teams"], json!(["east-key"]));
    let members: BTreeSet<String> = east["members"]
        .as_array()
        .expect("members")
        .iter()
        .map(|m| m.as_str().expect("an id").to_owned())
        .collect();
    assert_eq!(members, people(1..=10));
}

#[tokio::test]
async fn only_hr_and_admin_may_send_data() {
    let app = spawn_app().await;
    let rows = json!({ "rows": [{ "subject": "p002", "period": "2026-10", "metric": "leads", "value": 40 }] });
    for user in ["lead.east", "rep.p002"] {
        let t = token(&app, user, ApiScope::Write).await;
        let (status, body) = post(&app, &t, "/api/v1/metrics", &rows).await;
        assert_eq!((status, code(&body)), (StatusCode::FORBIDDEN, "forbidden"), "{user}");
    }
    for (user, changed) in [("hr", 1), ("admin", 0)] {
        let t = token(&app, user, ApiScope::Write).await;
        let (status, body) = post(&app, &t, "/api/v1/metrics", &rows).await;
        assert_eq!(status, StatusCode::OK, "{user}: {body}");
        assert_eq!(
            body,
            json!({ "rows": 1, "added": 0, "changed": changed, "unchanged": 1 - changed }),
            "{user}: the second sending of the same value changes nothing"
        );
    }
}

#[tokio::test]
async fn a_browser_session_sends_data_only_with_its_csrf_token() {
    let app = spawn_app().await;
    let browser = app.signed_in("hr").await;
    let page = browser
        .get(format!("{}/", app.address))
        .send()
        .await
        .expect("GET /")
        .text()
        .await
        .expect("a page");
    let csrf = hidden_csrf(&page);
    let rows = json!({ "rows": [{ "id": "west", "name": "West Region Sales" }] });
    let url = format!("{}/api/v1/teams", app.address);

    let (status, _) = answer(browser.get(&url).send().await.expect("a GET")).await;
    assert_eq!(status, StatusCode::OK, "reading needs no CSRF token");
    let forged = browser.post(&url).json(&rows).send().await.expect("a POST");
    let (status, body) = answer(forged).await;
    assert_eq!((status, code(&body)), (StatusCode::FORBIDDEN, "bad_csrf"));
    let wrong = browser
        .post(&url)
        .header("X-CSRF-Token", "0000")
        .json(&rows)
        .send()
        .await
        .expect("a POST");
    assert_eq!(wrong.status(), StatusCode::FORBIDDEN);
    let sent = browser
        .post(&url)
        .header("X-CSRF-Token", csrf)
        .json(&rows)
        .send()
        .await
        .expect("a POST");
    let (status, body) = answer(sent).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["added"], 1);
}

#[tokio::test]
async fn one_bad_row_writes_nothing_and_every_bad_row_is_listed_at_its_path() {
    let app = spawn_app().await;
    let before = app.store.count_metric_values().await.expect("count");
    let hr = token(&app, "hr", ApiScope::Write).await;
    let rows = json!({ "rows": [
        { "subject": "p002", "period": "2026-11", "metric": "leads", "value": 41 },
        { "subject": "p999", "period": "2026-11", "metric": "leads", "value": 3 },
        { "subject": "p003", "period": "2026-11", "metric": "leads", "value": -1 },
        { "subject": "p004", "period": "2026-13", "metric": "leads", "value": 3 },
        { "subject": "p005", "period": "2026-11", "metric": "leeds", "value": 3 },
        { "subject": "p002", "period": "2026-11", "metric": "leads", "value": 42 },
    ] });
    let (status, body) = post(&app, &hr, "/api/v1/metrics", &rows).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid_rows"),
        "{body}"
    );
    assert_eq!(
        paths(&body),
        [
            "rows[1].subject",
            "rows[2].value",
            "rows[3].period",
            "rows[4].metric",
            "rows[5].metric"
        ]
    );
    let messages = body["error"]["errors"].to_string();
    assert!(messages.contains("did you mean `leads`?"), "{messages}");
    assert!(messages.contains("the first is on row 0"), "{messages}");
    assert_eq!(body["error"]["message"], "5 bad rows; nothing was written");
    assert_eq!(
        app.store.count_metric_values().await.expect("count"),
        before,
        "nothing written"
    );
    assert_eq!(
        app.store
            .latest_month()
            .await
            .expect("latest")
            .map(|m| m.to_string())
            .as_deref(),
        Some("2026-10")
    );
}

#[tokio::test]
async fn sent_metric_values_show_in_the_scorecard_right_after() {
    let app = spawn_app().await;
    let hr = token(&app, "hr", ApiScope::Write).await;
    let card = "/api/v1/scorecards/p002?period=2026-10";
    let (_, before) = get(&app, &hr, card).await;
    assert_eq!(input(&before, "sales_target_achievement", "sales_amount"), 76110.0);

    let rows =
        json!({ "rows": [{ "subject": "p002", "period": "2026-10", "metric": "sales_amount", "value": 88000 }] });
    let (status, body) = post(&app, &hr, "/api/v1/metrics", &rows).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body, json!({ "rows": 1, "added": 0, "changed": 1, "unchanged": 0 }));

    let (_, after) = get(&app, &hr, card).await;
    assert_eq!(input(&after, "sales_target_achievement", "sales_amount"), 88000.0);
    assert!(
        after["card"]["total"].as_f64() > before["card"]["total"].as_f64(),
        "reaching the sales target raises the total: {} -> {}",
        before["card"]["total"],
        after["card"]["total"]
    );
    let trail = app
        .store
        .audit_trail("metric_value", "p002/2026-10/sales_amount")
        .await
        .expect("audit");
    let last = trail.last().expect("the correction is audited");
    assert_eq!(
        (last.before.as_deref(), last.after.as_deref()),
        (Some("76110"), Some("88000"))
    );
    assert_eq!(last.actor, "hr (api)");
}

#[tokio::test]
async fn sent_teams_people_and_targets_show_at_once() {
    let app = spawn_app().await;
    let admin = token(&app, "admin", ApiScope::Write).await;
    let teams = json!({ "rows": [{ "id": "west", "name": "West Region Sales", "parent": null }] });
    let (status, body) = post(&app, &admin, "/api/v1/teams", &teams).await;
    assert_eq!((status, &body["added"]), (StatusCode::OK, &json!(1)), "{body}");
    let people = json!({ "rows": [{
        "id": "p100", "name": "Wei Ma", "email": "wei.ma@yardstick-demo.com", "team": "west", "role": "junior_rep"
    }] });
    let (status, body) = post(&app, &admin, "/api/v1/people", &people).await;
    assert_eq!((status, &body["added"]), (StatusCode::OK, &json!(1)), "{body}");
    let targets = json!({ "rows": [{ "subject": "p100", "kpi": "visit_plan_completion", "target": 90 }] });
    let (status, body) = post(&app, &admin, "/api/v1/targets", &targets).await;
    assert_eq!((status, &body["added"]), (StatusCode::OK, &json!(1)), "{body}");

    let (status, person) = get(&app, &admin, "/api/v1/people/p100").await;
    assert_eq!((status, &person["team"]), (StatusCode::OK, &json!("west")));
    let (status, card) = get(&app, &admin, "/api/v1/scorecards/p100?period=2026-10").await;
    assert_eq!(status, StatusCode::OK, "the new person has a card at once: {card}");
    let visits = card["card"]["kpis"]
        .as_array()
        .expect("KPIs")
        .iter()
        .find(|k| k["kpi"] == "visit_plan_completion")
        .expect("visit plan completion on a junior rep's card");
    assert_eq!(visits["target"]["target"], 90.0);
    let (status, _) = get(&app, &admin, "/api/v1/scorecards/west?period=2026-10").await;
    assert_eq!(status, StatusCode::OK, "and so has the new team");
}

#[tokio::test]
async fn a_team_loop_is_placed_at_the_row_that_closes_it() {
    let app = spawn_app().await;
    let hr = token(&app, "hr", ApiScope::Write).await;
    let teams = json!({ "rows": [
        { "id": "north", "name": "North" },
        { "id": "east", "name": "East Region Sales", "parent": "east-key" },
    ] });
    let (status, body) = post(&app, &hr, "/api/v1/teams", &teams).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(paths(&body), ["rows[1].parent"]);
    let (_, list) = get(&app, &hr, "/api/v1/teams").await;
    assert!(!ids(&list, "teams").contains("north"), "nothing written");
}

#[tokio::test]
async fn rows_for_a_finalized_month_are_refused() {
    let app = spawn_app().await;
    let dir = root().join("kpi-definitions");
    let files = yardstick::import::read_definitions(&dir).expect("definitions");
    let rulebook = yardstick::kpi::rulebook::Rulebook::load(&files).expect("the shipped definitions");
    let digest = yardstick::import::definitions_digest(&dir, &files);
    let september = "2026-09".parse().expect("a month");
    yardstick::review::finalize(&app.store, &rulebook, &files, &digest, september, "test")
        .await
        .expect("finalize");

    let hr = token(&app, "hr", ApiScope::Write).await;
    let rows = json!({ "rows": [
        { "subject": "p002", "period": "2026-10", "metric": "leads", "value": 50 },
        { "subject": "p002", "period": "2026-09", "metric": "leads", "value": 50 },
    ] });
    let (status, body) = post(&app, &hr, "/api/v1/metrics", &rows).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(paths(&body), ["rows[1].period"]);
    assert!(
        body["error"]["errors"][0]["message"]
            .as_str()
            .expect("a message")
            .contains("finalized")
    );
    let (_, card) = get(&app, &hr, "/api/v1/scorecards/p002?period=2026-10").await;
    assert_eq!(
        input(&card, "sales_conversion_rate", "leads"),
        39.0,
        "the good row was not written either"
    );

    let targets =
        json!({ "rows": [{ "subject": "p002", "period": "2026-09", "kpi": "visit_plan_completion", "target": 70 }] });
    let (status, body) = post(&app, &hr, "/api/v1/targets", &targets).await;
    assert_eq!(
        (status, paths(&body)),
        (StatusCode::UNPROCESSABLE_ENTITY, vec!["rows[0].period"])
    );
}

#[tokio::test]
async fn a_body_over_the_limit_is_refused_with_413_json() {
    let app = spawn_app().await;
    let hr = token(&app, "hr", ApiScope::Write).await;
    for (path, size) in [("/api/v1/metrics", 9 << 20), ("/api/v1/people", 2 << 20)] {
        let body = format!("{{\"rows\":[]{}}}", " ".repeat(size));
        let response = app
            .client()
            .post(format!("{}{path}", app.address))
            .bearer_auth(&hr)
            .header("Content-Type", "application/json")
            .body(body)
            .send()
            .await
            .expect("a POST");
        let (status, body) = answer(response).await;
        assert_eq!(
            (status, code(&body)),
            (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
            "{path}"
        );
    }
    let (status, _) = post(&app, &hr, "/api/v1/people", &json!({ "rows": [] })).await;
    assert_eq!(status, StatusCode::OK, "a small body is still read");
}

#[tokio::test]
async fn a_body_without_a_length_is_cut_off_at_the_limit() {
    let app = spawn_app().await;
    let hr = token(&app, "hr", ApiScope::Write).await;
    let address = app.address.trim_start_matches("http://").to_owned();
    // Chunked, so the server cannot know the size before it reads past the limit.
    let reply = tokio::task::spawn_blocking(move || {
        use std::io::{Read, Write};
        let mut stream = std::net::TcpStream::connect(&address).expect("connect");
        let mut reader = stream.try_clone().expect("a second handle");
        let head = format!(
            "POST /api/v1/metrics HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {hr}\r\n\
             Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
        );
        stream.write_all(head.as_bytes()).expect("the head");
        // The server may answer and close while this is still sending.
        let writer = std::thread::spawn(move || {
            let chunk = format!("{:x}\r\n{}\r\n", 64 * 1024, " ".repeat(64 * 1024));
            for _ in 0..(10 * 16) {
                if stream.write_all(chunk.as_bytes()).is_err() {
                    return;
                }
            }
            let _ = stream.write_all(b"0\r\n\r\n");
        });
        let mut reply = Vec::new();
        let _ = reader.read_to_end(&mut reply);
        let _ = writer.join();
        String::from_utf8_lossy(&reply).into_owned()
    })
    .await
    .expect("the raw client");
    assert!(reply.starts_with("HTTP/1.1 413"), "{reply}");
    assert!(reply.contains("\"payload_too_large\""), "{reply}");
}

#[tokio::test]
async fn malformed_bodies_are_400_with_the_path_of_the_bad_field() {
    let app = spawn_app().await;
    let hr = token(&app, "hr", ApiScope::Write).await;
    let send = |body: &'static str| {
        let request = app
            .client()
            .post(format!("{}/api/v1/metrics", app.address))
            .bearer_auth(&hr)
            .header("Content-Type", "application/json")
            .body(body);
        async move { answer(request.send().await.expect("a POST")).await }
    };
    let cases = [
        (
            r#"{"rows":[{"subject":"p002","period":"2026-10","metric":"leads","value":1},"#,
            "rows",
        ),
        (
            r#"{"rows":[{"subject":"p002","period":"2026-10","metric":"leads","value":"many"}]}"#,
            "rows[0].value",
        ),
        (
            r#"{"rows":[{"subject":"p002","period":"2026-10","value":1}]}"#,
            "rows[0]",
        ),
        (
            r#"{"rows":[{"subject":"p002","period":"2026-10","metric":"leads","value":1,"unit":"x"}]}"#,
            "rows[0].unit",
        ),
        (r#"{"row":[]}"#, "row"),
        (r#"[]"#, ""),
    ];
    for (body, path) in cases {
        let (status, answer) = send(body).await;
        assert_eq!(
            (status, code(&answer)),
            (StatusCode::BAD_REQUEST, "invalid_body"),
            "{body}"
        );
        assert_eq!(paths(&answer), [path], "{body}: {answer}");
    }
    let (_, missing) = send(r#"{"rows":[{"subject":"p002","period":"2026-10","value":1}]}"#).await;
    assert!(
        missing["error"]["message"]
            .as_str()
            .expect("a message")
            .contains("missing field `metric`"),
        "{missing}"
    );
}

#[tokio::test]
async fn unknown_paths_are_json_404_and_other_methods_json_405() {
    let app = spawn_app().await;
    let client = app.client();
    let (status, body) = answer(
        client
            .get(format!("{}/api/v1/nothing-here", app.address))
            .send()
            .await
            .expect("a GET"),
    )
    .await;
    assert_eq!((status, code(&body)), (StatusCode::NOT_FOUND, "not_found"));

    for (method, path, allow) in [
        (reqwest::Method::DELETE, "/api/v1/people", "GET, POST"),
        (reqwest::Method::GET, "/api/v1/metrics", "POST"),
        (reqwest::Method::PUT, "/api/v1/scorecards/p002", "GET"),
    ] {
        let response = client
            .request(method.clone(), format!("{}{path}", app.address))
            .send()
            .await
            .expect("a request");
        assert_eq!(response.headers()["allow"], allow, "{method} {path}");
        let (status, body) = answer(response).await;
        assert_eq!(
            (status, code(&body)),
            (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"),
            "{method} {path}"
        );
    }
    let page = client
        .get(format!("{}/no-such-page", app.address))
        .send()
        .await
        .expect("a GET");
    assert_eq!(page.status(), StatusCode::NOT_FOUND);
    assert!(
        page.headers()["content-type"]
            .to_str()
            .expect("ASCII")
            .starts_with("text/html"),
        "outside the API a page answers"
    );
}

#[tokio::test]
async fn the_openapi_document_covers_every_registered_route() {
    let app = spawn_app().await;
    let (status, document) = answer(
        app.client()
            .get(format!("{}/api/v1/openapi.json", app.address))
            .send()
            .await
            .expect("a GET"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(document["openapi"].as_str().expect("a version").starts_with("3."));
    assert_eq!(document["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");

    // Every route a handler registers under /api/v1, read from the sources.
    let mut sources = vec![root().join("src/web/api.rs")];
    for entry in std::fs::read_dir(root().join("src/web/api")).expect("the API folder") {
        sources.push(entry.expect("an entry").path());
    }
    let mut routes = Vec::new();
    for source in sources {
        let text = std::fs::read_to_string(&source).expect("a source file");
        for method in ["get", "post", "put", "patch", "delete"] {
            let attribute = format!("#[{method}(\"/api/v1");
            for (at, _) in text.match_indices(&attribute) {
                let rest = &text[at + attribute.len() - "/api/v1".len()..];
                let path = &rest[..rest.find('"').expect("a closing quote")];
                routes.push((method, path.to_owned()));
            }
        }
    }
    assert!(routes.len() >= 11, "the routes are found: {routes:?}");
    for (method, path) in &routes {
        let operation = &document["paths"][path][method];
        assert!(operation.is_object(), "{method} {path} is documented");
        assert!(operation["responses"].is_object(), "{method} {path} has its responses");
        if path != "/api/v1/openapi.json" {
            assert!(
                operation["responses"]["401"]["content"]["application/json"].is_object(),
                "{method} {path} documents its errors"
            );
        }
        if *method == "post" {
            assert!(
                operation["requestBody"].is_object(),
                "{method} {path} documents its body"
            );
            for status in ["400", "403", "413", "422"] {
                assert!(
                    operation["responses"][status].is_object(),
                    "{method} {path} documents {status}"
                );
            }
        }
    }
    let documented: usize = document["paths"]
        .as_object()
        .expect("paths")
        .values()
        .map(|item| {
            item.as_object()
                .map_or(0, |o| o.keys().filter(|k| routes.iter().any(|(m, _)| m == k)).count())
        })
        .sum();
    assert_eq!(documented, routes.len(), "nothing documented that is not served");
    let text = document.to_string();
    for (at, _) in text.match_indices("\"#/components/schemas/") {
        let rest = &text[at + "\"#/components/schemas/".len()..];
        let name = &rest[..rest.find('"').expect("a closing quote")];
        assert!(
            document["components"]["schemas"][name].is_object(),
            "the schema {name} is in the document"
        );
    }
    let scorecard = &document["paths"]["/api/v1/scorecards/{subject}"]["get"]["parameters"];
    let names: Vec<&str> = scorecard
        .as_array()
        .expect("parameters")
        .iter()
        .map(|p| p["name"].as_str().expect("a name"))
        .collect();
    assert!(names.contains(&"subject") && names.contains(&"period"), "{names:?}");
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
    assert!(listed.get_output().stdout.is_empty(), "no live tokens");

    let trail = tokio::runtime::Runtime::new().expect("a runtime").block_on(async {
        let store = yardstick::store::Store::open(&url).await.expect("open");
        store.audit_trail("api_token", "payroll").await.expect("audit")
    });
    let entries: Vec<(&str, &str)> = trail.iter().map(|e| (e.action.as_str(), e.actor.as_str())).collect();
    assert_eq!(entries, [("create", "ops"), ("revoke", "ops")]);
}

#[tokio::test]
async fn a_bad_period_or_query_string_is_400_json() {
    let app = spawn_app().await;
    let hr = token(&app, "hr", ApiScope::Read).await;
    let (status, body) = get(&app, &hr, "/api/v1/scorecards/p002?period=2026-13").await;
    assert_eq!((status, code(&body)), (StatusCode::BAD_REQUEST, "bad_request"));
    let (status, body) = get(&app, &hr, "/api/v1/scorecards/p002?period=2026-10&period=2026-09").await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::BAD_REQUEST, "bad_request"),
        "{body}"
    );
}
