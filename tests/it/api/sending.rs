//! Sending data: who may, all or nothing with every bad row at its path, and the
//! scorecards showing it at once.

use super::*;

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
    let page = app.page(&browser, "/").await;
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
    let trail = app.audit_trail("metric_value", "p002/2026-10/sales_amount").await;
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
async fn a_team_may_not_take_a_persons_id_nor_a_person_a_teams() {
    let app = spawn_app().await;
    let hr = token(&app, "hr", ApiScope::Write).await;
    // Were a team named p002 let in, its card would answer for the rep p002's.
    let teams = json!({ "rows": [{ "id": "p002", "name": "Shadow" }] });
    let (status, body) = post(&app, &hr, "/api/v1/teams", &teams).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(paths(&body), ["rows[0].id"]);
    let people = json!({ "rows": [{ "id": "east", "name": "East", "email": "e@example.com", "team": "east", "role": "junior_rep" }] });
    let (status, body) = post(&app, &hr, "/api/v1/people", &people).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(paths(&body), ["rows[0].id"]);
    let (_, list) = get(&app, &hr, "/api/v1/teams").await;
    assert!(!ids(&list, "teams").contains("p002"), "nothing written");
}

#[tokio::test]
async fn rows_for_a_finalized_month_are_refused() {
    let app = spawn_app().await;
    app.finalize("2026-09").await;

    let hr = token(&app, "hr", ApiScope::Write).await;
    let rows = json!({ "rows": [
        { "subject": "p002", "period": "2026-10", "metric": "leads", "value": 50 },
        { "subject": "p002", "period": "2026-09", "metric": "leads", "value": 57 },
    ] });
    let (status, body) = post(&app, &hr, "/api/v1/metrics", &rows).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "period_finalized");
    assert_eq!(paths(&body), ["rows[1].period"]);
    assert!(
        body["error"]["errors"][0]["message"]
            .as_str()
            .expect("a message")
            .contains("period 2026-09 is finalized")
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
    assert_eq!((status, paths(&body)), (StatusCode::CONFLICT, vec!["rows[0].period"]));

    // Sending September's stored values again changes nothing, so it is no refusal.
    let (_, card) = get(&app, &hr, "/api/v1/scorecards/p002?period=2026-09").await;
    let stored = input(&card, "sales_conversion_rate", "leads");
    let same = json!({ "rows": [{ "subject": "p002", "period": "2026-09", "metric": "leads", "value": stored }] });
    let (status, body) = post(&app, &hr, "/api/v1/metrics", &same).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        (body["unchanged"].as_u64(), body["changed"].as_u64()),
        (Some(1), Some(0))
    );
}

#[tokio::test]
async fn ids_outside_the_grammar_are_refused_on_every_row() {
    let app = spawn_app().await;
    let hr = token(&app, "hr", ApiScope::Write).await;
    let bad = [
        "../../admin/users",
        "p1\r\nSet-Cookie: x=1",
        "=HYPERLINK(1)",
        "p\u{202e}9",
        "p\u{0}9",
        "a b",
    ];
    let rows: Vec<Value> = bad
        .iter()
        .map(|id| json!({ "id": id, "name": "Bad", "email": "b@example.com", "team": "east", "role": "junior_rep" }))
        .collect();
    let (status, body) = post(&app, &hr, "/api/v1/people", &json!({ "rows": rows })).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let expected: Vec<String> = (0..bad.len()).map(|i| format!("rows[{i}].id")).collect();
    assert_eq!(paths(&body), expected);
    let text = body.to_string();
    assert!(
        !text.contains('\r') && !text.contains("\\r"),
        "no raw line break is echoed: {text}"
    );
    assert!(text.contains("p1\\\\u{d}\\\\u{a}Set-Cookie"), "{text}");
    let teams = json!({ "rows": [{ "id": "-east", "name": "Minus" }] });
    let (status, body) = post(&app, &hr, "/api/v1/teams", &teams).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.to_string().contains("starts with `-`"), "{body}");
    let (_, list) = get(&app, &hr, "/api/v1/people").await;
    assert!(!list.to_string().contains("Bad"), "nothing written");
}
