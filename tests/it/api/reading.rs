//! Reading people, teams and targets: each role sees what the access rules say,
//! and a guessed id is 404 without a hint.

use super::*;

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
        for subject in ["p002", "p018", "east-key", "care"] {
            let path = format!("/api/v1/scorecards/{subject}?period=2026-10");
            let (status, _) = get(&app, &t, &path).await;
            let allowed = want_people.contains(subject) || want_teams.contains(subject);
            assert_eq!(status == StatusCode::OK, allowed, "{user} GET {path}: {status}");
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
    let trail = app.audit_trail("person", "p003").await;
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
