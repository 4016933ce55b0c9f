//! The monthly review through the API, with tokens as an integration holds them: the
//! whole cycle from ratings to payroll, each step refused to whoever it is not for.

use super::{code, get, post, token};
use crate::server::spawn_app;
use reqwest::StatusCode;
use serde_json::json;
use yardstick::store::ApiScope;

#[tokio::test]
async fn the_review_runs_through_the_api_with_its_roles_enforced() {
    let app = spawn_app().await;
    let hr = token(&app, "hr", ApiScope::Write).await;
    let lead = token(&app, "lead.east", ApiScope::Write).await;
    let rep = token(&app, "rep.p002", ApiScope::Write).await;
    let reader = token(&app, "hr", ApiScope::Read).await;

    let rating = |rater: &str, r: u8| json!({ "as": rater, "ratings": { "overall": r }, "comment": "via the CRM" });
    let (status, body) = post(&app, &rep, "/api/v1/appraisals/2026-10/p002", &rating("self", 4)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["card"]["appraisal"]["self_ratings"]["overall"], 4);
    let (status, body) = post(&app, &rep, "/api/v1/appraisals/2026-10/p002", &rating("manager", 5)).await;
    assert_eq!((status, code(&body)), (StatusCode::FORBIDDEN, "forbidden"));
    let (status, body) = post(&app, &lead, "/api/v1/appraisals/2026-10/p002", &rating("manager", 6)).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::BAD_REQUEST, "bad_request"),
        "{body}"
    );
    let (status, body) = post(&app, &lead, "/api/v1/appraisals/2026-10/p002", &rating("manager", 5)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["card"]["qualitative"]["points"], 120.0);

    let (status, body) = get(&app, &lead, "/api/v1/reviews/2026-10").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "open");
    let teams: Vec<&str> = body["teams"]
        .as_array()
        .expect("teams")
        .iter()
        .filter_map(|t| t["team"].as_str())
        .collect();
    assert_eq!(teams, ["east", "east-key"], "a manager's own teams");
    let p002 = body["teams"][0]["people"]
        .as_array()
        .expect("people")
        .iter()
        .find(|p| p["person"] == "p002")
        .cloned();
    assert_eq!(p002.expect("p002")["rated"], true);
    assert!(body["distributions"].as_array().is_some_and(|d| !d.is_empty()));
    let (status, _) = get(&app, &rep, "/api/v1/reviews/2026-10").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "reps see no review");

    let step = |name: &str| format!("/api/v1/reviews/2026-10/{name}");
    let (status, _) = post(&app, &lead, &step("start"), &json!({})).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "a manager runs no step");
    let (status, body) = post(&app, &reader, &step("start"), &json!({})).await;
    assert_eq!((status, code(&body)), (StatusCode::FORBIDDEN, "insufficient_scope"));
    let (status, body) = post(&app, &hr, &step("start"), &json!({})).await;
    assert_eq!(
        (status, body["status"].as_str()),
        (StatusCode::OK, Some("in_review")),
        "{body}"
    );
    let calibrate = json!({ "action": "calibrate", "grade": "B", "text": "over the A quota" });
    let (status, body) = post(&app, &hr, "/api/v1/appraisals/2026-10/p003/decisions", &calibrate).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["card"]["appraisal"]["calibrated"]["grade"], "B");
    let (status, body) = post(&app, &hr, &step("finalize"), &json!({})).await;
    assert_eq!(
        (status, body["status"].as_str()),
        (StatusCode::OK, Some("finalized")),
        "{body}"
    );

    let (status, body) = post(&app, &lead, "/api/v1/appraisals/2026-10/p002", &rating("manager", 3)).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::CONFLICT, "period_finalized"),
        "nobody edits a finalized month"
    );
    let appeal = json!({ "action": "appeal", "text": "the B is unfair" });
    let (status, _) = post(&app, &rep, "/api/v1/appraisals/2026-10/p002/decisions", &appeal).await;
    assert_eq!(status, StatusCode::OK);
    let keep = json!({ "action": "keep", "text": "the numbers stand" });
    let (status, _) = post(&app, &lead, "/api/v1/appraisals/2026-10/p002/decisions", &keep).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "appeals are hr's");
    let (status, body) = post(&app, &hr, "/api/v1/appraisals/2026-10/p002/decisions", &keep).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["card"]["appraisal"]["appeal"]["resolution"]["reason"],
        "the numbers stand"
    );

    let payroll = reqwest::Client::new()
        .get(format!("{}/api/v1/payroll/2026-10", app.address))
        .bearer_auth(&reader)
        .send()
        .await
        .expect("payroll");
    assert_eq!(payroll.status(), StatusCode::OK);
    let csv = payroll.text().await.expect("csv");
    let p003: Vec<&str> = csv
        .lines()
        .find(|l| l.contains(",p003,"))
        .expect("p003")
        .split(',')
        .collect();
    assert_eq!(
        (p003[10], p003[11], p003[12]),
        ("A", "B", "1"),
        "calibrated B pays its coefficient"
    );
    let (status, _) = get(&app, &lead, "/api/v1/payroll/2026-10").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, body) = post(&app, &hr, &step("reopen"), &json!({})).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::BAD_REQUEST, "bad_request"),
        "a reason is required"
    );
}
