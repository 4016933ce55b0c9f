//! `yardstick evaluate` end to end: the shipped example scores every person and team,
//! and bad files are refused whole with the row and column named.

use crate::helpers::{demo, write, yardstick};
use serde_json::Value;
use std::collections::HashMap;
use std::path::Path;

fn evaluate(period: &str, format: &str, data: &Path) -> std::process::Output {
    yardstick()
        .args(["evaluate", "--period", period, "--format", format])
        .arg("--people")
        .arg(demo("people.csv"))
        .arg("--teams")
        .arg(demo("teams.csv"))
        .arg("--data")
        .arg(data)
        .arg("--targets")
        .arg(demo("targets.csv"))
        .output()
        .expect("run yardstick evaluate")
}

fn demo_json(period: &str) -> Value {
    let output = evaluate(period, "json", &demo("metrics.csv"));
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).expect("evaluate prints JSON")
}

fn csv_rows(path: &Path) -> Vec<HashMap<String, String>> {
    let mut reader = csv::Reader::from_path(path).expect("read a demo file");
    let headers = reader.headers().expect("a header").clone();
    reader
        .records()
        .map(|r| {
            let r = r.expect("a row");
            headers
                .iter()
                .map(String::from)
                .zip(r.iter().map(String::from))
                .collect()
        })
        .collect()
}

fn number(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("{v} is a number"))
}

#[test]
fn the_demo_month_scores_every_person_and_team_with_every_number_explained() {
    let report = demo_json("2026-10");
    let people = report["people"].as_array().expect("people");
    let teams = report["teams"].as_array().expect("teams");
    assert_eq!(people.len(), csv_rows(&demo("people.csv")).len());
    assert_eq!(teams.len(), csv_rows(&demo("teams.csv")).len());
    for card in people.iter().chain(teams) {
        let who = card["subject"].as_str().expect("a subject");
        let total = number(&card["total"]);
        assert!(total.is_finite() && total >= 0.0, "{who}: total {total}");
        assert!(!card["grade"].as_str().expect("a grade").is_empty());
        let kpis = card["kpis"].as_array().expect("kpis");
        assert!(
            (5..=10).contains(&kpis.len()),
            "{who}: a card holds 5 to 10 KPIs, not {}",
            kpis.len()
        );
        let mut contributions = 0.0;
        for kpi in kpis {
            assert!(kpi["formula"].as_str().is_some_and(|f| !f.is_empty()));
            assert!(!kpi["inputs"].as_array().expect("inputs").is_empty());
            match kpi["status"].as_str().expect("a status") {
                "scored" => {
                    let expected = number(&kpi["points"]) * number(&kpi["effective_weight"]) / 100.0;
                    assert!((number(&kpi["contribution"]) - expected).abs() < 1e-9, "{who}: {kpi}");
                    assert!(
                        kpi["inputs"]
                            .as_array()
                            .expect("inputs")
                            .iter()
                            .all(|i| i["value"].is_number())
                    );
                }
                "no_data" | "not_computable" => assert!(kpi["reason"].as_str().is_some_and(|r| !r.is_empty())),
                other => panic!("{who}: unknown status {other}"),
            }
            contributions += number(&kpi["contribution"]);
        }
        assert!((contributions - number(&card["weighted_score"])).abs() < 1e-9, "{who}");
    }
}

#[test]
fn a_teams_inputs_are_the_sums_of_its_members_and_sub_teams() {
    let report = demo_json("2026-10");
    let people = csv_rows(&demo("people.csv"));
    let teams = csv_rows(&demo("teams.csv"));
    let data = csv_rows(&demo("metrics.csv"));
    // The team with a sub-team, so nesting is covered.
    let parent = teams
        .iter()
        .find_map(|t| Some(t["parent"].clone()).filter(|p| !p.is_empty()))
        .expect("a nested team");
    let in_parent = |team: &str| team == parent || teams.iter().any(|t| t["id"] == team && t["parent"] == parent);
    let members: Vec<&str> = people
        .iter()
        .filter(|p| in_parent(&p["team"]))
        .map(|p| p["id"].as_str())
        .collect();
    let card = report["teams"]
        .as_array()
        .expect("teams")
        .iter()
        .find(|t| t["subject"] == parent.as_str())
        .expect("the parent team's card");
    let mut checked = 0;
    for kpi in card["kpis"].as_array().expect("kpis") {
        for input in kpi["inputs"].as_array().expect("inputs") {
            let name = input["name"].as_str().expect("a name");
            let rows: Vec<f64> = data
                .iter()
                .filter(|r| r["period"] == "2026-10" && r["metric"] == name && members.contains(&r["subject"].as_str()))
                .map(|r| r["value"].parse().expect("a number"))
                .collect();
            let team_own = data.iter().any(|r| r["subject"] == parent && r["metric"] == name);
            if rows.is_empty() || team_own || !input["value"].is_number() {
                continue;
            }
            let is_sum = rows.iter().sum::<f64>();
            let value = number(&input["value"]);
            let mean = is_sum / rows.len() as f64;
            assert!(
                (value - is_sum).abs() < 1e-6 || (value - mean).abs() < 1e-6,
                "{parent} {name}: {value} is neither the sum {is_sum} nor the mean {mean} of its members"
            );
            checked += 1;
        }
    }
    assert!(checked > 0, "no team input could be checked");
}

#[test]
fn a_teams_sum_adds_its_own_people_then_each_sub_teams_sum() {
    // 2^53 + 1 rounds back to 2^53: the order of the adds shows in the sum. The people
    // are listed a (east), c (key), b (east), d (key): east adds its own a and b, then
    // key's sum c + d, giving 2^53 + 2; adding them in the list's order would give
    // 2^53, and a page listing east's people and its sub-team's total would not add up.
    let dir = tempfile::tempdir().expect("a scratch folder");
    let people = write(
        dir.path(),
        "people.csv",
        "id,name,email,team,role\na,A,,east,junior_rep\nc,C,,key,junior_rep\nb,B,,east,junior_rep\nd,D,,key,junior_rep\n",
    );
    let teams = write(
        dir.path(),
        "teams.csv",
        "id,name,name_zh,parent,card\neast,East,,,\nkey,Key,,east,\n",
    );
    let sales = [("a", 9007199254740992.0), ("c", 1.0), ("b", 1.0), ("d", 1.0)];
    let mut rows = String::from("subject,period,metric,value\n");
    for (who, value) in sales {
        rows.push_str(&format!(
            "{who},2026-10,sales_amount,{value}\n{who},2026-10,sales_target,1\n"
        ));
    }
    let data = write(dir.path(), "metrics.csv", &rows);
    let output = yardstick()
        .args(["evaluate", "--period", "2026-10", "--format", "json"])
        .arg("--people")
        .arg(&people)
        .arg("--teams")
        .arg(&teams)
        .arg("--data")
        .arg(&data)
        .output()
        .expect("run yardstick evaluate");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let report: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let sales_of = |team: &str| {
        let card = report["teams"]
            .as_array()
            .expect("teams")
            .iter()
            .find(|t| t["subject"] == team)
            .unwrap_or_else(|| panic!("{team}'s card"));
        card["kpis"]
            .as_array()
            .expect("KPIs")
            .iter()
            .flat_map(|k| k["inputs"].as_array().expect("inputs"))
            .find(|i| i["name"] == "sales_amount")
            .map(|i| number(&i["value"]))
            .unwrap_or_else(|| panic!("{team} shows its sales: {card}"))
    };
    assert_eq!(sales_of("key"), 2.0);
    assert_eq!(sales_of("east"), 9007199254740994.0);
}

#[test]
fn quarters_and_years_roll_up_from_months() {
    for period in ["2026-Q3", "2026"] {
        let report = demo_json(period);
        assert_eq!(report["period"], period);
        assert!(!report["people"].as_array().expect("people").is_empty());
    }
}

#[test]
fn table_and_csv_formats_list_every_subject() {
    let people = csv_rows(&demo("people.csv"));
    let table = evaluate("2026-10", "table", &demo("metrics.csv"));
    assert!(table.status.success());
    let table = String::from_utf8(table.stdout).expect("UTF-8");
    assert!(people.iter().all(|p| table.contains(&p["id"])), "{table}");
    // It fits an 80-column terminal (names and notes wrap), and the tier scores and
    // the total line up on the right edge of their columns.
    let width = |text: &str| -> usize {
        text.chars()
            .map(|c| if ('\u{2e80}'..='\u{9fff}').contains(&c) { 2 } else { 1 })
            .sum()
    };
    assert!(table.lines().all(|l| width(l.trim_end()) <= 80), "{table}");
    let header = table.lines().next().expect("a header");
    let at = |line: &str, column: usize| -> Option<char> {
        let mut seen = 0;
        line.chars().find(|c| {
            seen += width(&c.to_string());
            seen > column
        })
    };
    for name in ["base", "process", "result", "total"] {
        let end = width(&header[..header.find(name).expect("a column") + name.len()]);
        for line in table.lines().filter(|l| l.starts_with("p0")) {
            let last = at(line, end - 1).expect("a cell");
            assert!(
                last.is_ascii_digit() || last == '-',
                "{name} ends at column {end}: {line}"
            );
            assert!(at(line, end).is_none_or(|c| c == ' '), "{name} right-aligned: {line}");
        }
    }
    assert!(table.contains("\nteam "), "the teams in a table of their own: {table}");
    assert!(
        !header.contains("note"),
        "no column of notes when no card has one: {header}"
    );

    // September has gates that fired: too long for 80 columns beside the scores, so the
    // note column holds a number and the notes follow the table, ids whole.
    let september = evaluate("2026-09", "table", &demo("metrics.csv"));
    let september = String::from_utf8(september.stdout).expect("UTF-8");
    assert!(september.lines().all(|l| width(l.trim_end()) <= 80), "{september}");
    let p006 = september.lines().find(|l| l.starts_with("p006")).expect("p006's row");
    assert!(p006.trim_end().ends_with("[2]"), "{september}");
    assert!(
        september
            .lines()
            .any(|l| l == "[2] p006 赵敏: gate: compliance_red_line"),
        "{september}"
    );

    let csv = evaluate("2026-10", "csv", &demo("metrics.csv"));
    assert!(csv.status.success());
    let mut reader = csv::Reader::from_reader(csv.stdout.as_slice());
    let subjects: std::collections::HashSet<String> =
        reader.records().map(|r| r.expect("a CSV row")[1].to_owned()).collect();
    assert!(people.iter().all(|p| subjects.contains(&p["id"])));
}

/// A copy of the demo metrics with `bad` appended, in a fresh folder.
fn with_bad_rows(dir: &Path, bad: &str) -> std::path::PathBuf {
    let good = std::fs::read_to_string(demo("metrics.csv")).expect("the demo metrics");
    write(dir, "metrics.csv", &format!("{good}{bad}"))
}

#[test]
fn bad_metric_rows_are_all_named_and_nothing_is_printed() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let rows = csv_rows(&demo("metrics.csv"));
    let (person, metric) = (&rows[0]["subject"], &rows[0]["metric"]);
    let lines = rows.len() + 1;
    let bad = format!(
        "nobody,2026-10,{metric},1\n{person},2026-13,{metric},1\n{person},2026-10,no_such_metric,1\n{person},2026-10,{metric},abc\n"
    );
    let path = with_bad_rows(dir.path(), &bad);
    let output = evaluate("2026-10", "json", &path);
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty(), "no partial output");
    let stderr = String::from_utf8(output.stderr).expect("UTF-8");
    let file = path.display();
    for (line, column, message) in [
        (lines + 1, "subject", "unknown person or team `nobody`"),
        (lines + 2, "period", "`2026-13` is not a month"),
        (lines + 3, "metric", "unknown metric `no_such_metric`"),
        (lines + 4, "value", "`abc` is not a number"),
    ] {
        let expected = format!("{file}:{line}: column `{column}`: {message}");
        assert!(stderr.contains(&expected), "missing {expected:?} in\n{stderr}");
    }
    assert!(stderr.contains("4 bad rows"), "{stderr}");
}

#[test]
fn a_negative_count_and_a_duplicate_value_are_refused() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let rows = csv_rows(&demo("metrics.csv"));
    let first = &rows[0];
    let bad = format!(
        "{},{},{},{}\n",
        first["subject"], first["period"], first["metric"], first["value"]
    );
    let output = evaluate(&first["period"], "json", &with_bad_rows(dir.path(), &bad));
    let stderr = String::from_utf8(output.stderr).expect("UTF-8");
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr.contains("the first is on line 2"), "{stderr}");
}

#[test]
fn rows_of_other_months_are_not_read() {
    // Scoring October reads October's rows; a bad September row is September's news
    // (and an import's, which checks every row).
    let dir = tempfile::tempdir().expect("a temporary folder");
    let rows = csv_rows(&demo("metrics.csv"));
    let metric = &rows[0]["metric"];
    let path = with_bad_rows(dir.path(), &format!("nobody,2026-09,{metric},1\n"));
    let october = evaluate("2026-10", "csv", &path);
    assert!(october.status.success(), "{}", String::from_utf8_lossy(&october.stderr));
    assert_eq!(
        october.stdout,
        evaluate("2026-10", "csv", &demo("metrics.csv")).stdout,
        "the same cards as without the row"
    );
    let september = evaluate("2026-09", "csv", &path);
    assert_eq!(september.status.code(), Some(1));
    let stderr = String::from_utf8(september.stderr).expect("UTF-8");
    assert!(stderr.contains("unknown person or team `nobody`"), "{stderr}");
    // A quarter reads its three months.
    assert_eq!(evaluate("2026-Q3", "csv", &path).status.code(), Some(1));
}

#[test]
fn a_bad_people_file_names_row_and_column() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let people = std::fs::read_to_string(demo("people.csv")).expect("the demo people");
    let path = write(
        dir.path(),
        "people.csv",
        &format!(
            "{people}x1,X,x@example.com,no_team,junior_rep\nx2,Y,not-an-email,{},senior_rep\n",
            csv_rows(&demo("teams.csv"))[0]["id"]
        ),
    );
    let lines = people.lines().count();
    let output = yardstick()
        .args(["evaluate", "--period", "2026-10"])
        .arg("--people")
        .arg(&path)
        .arg("--teams")
        .arg(demo("teams.csv"))
        .arg("--data")
        .arg(demo("metrics.csv"))
        .output()
        .expect("run yardstick");
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8(output.stderr).expect("UTF-8");
    assert!(
        stderr.contains(&format!(
            "{}:{}: column `team`: unknown team `no_team`",
            path.display(),
            lines + 1
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "{}:{}: column `email`: `not-an-email` is not a mail address",
            path.display(),
            lines + 2
        )),
        "{stderr}"
    );
}

#[test]
fn a_bad_period_argument_is_refused_by_the_command_line() {
    let output = evaluate("2026-13", "json", &demo("metrics.csv"));
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("`2026-13` is not a period"));
}
