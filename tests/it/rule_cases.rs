//! Data-driven scoring tests: each file in `tests/cases/` holds definitions and cases
//! (people with inputs, and the numbers worked out by hand that their cards must show).
//! A new scoring behaviour gets a new case file, not new test code.

use crate::helpers::{organisation, root, rulebook};
use serde::Deserialize;
use std::collections::BTreeMap;
use yardstick::kpi::evaluate::score_period;
use yardstick::kpi::organisation::{ActiveMonths, Organisation, PersonId, Subject};
use yardstick::kpi::period::{Month, Period};
use yardstick::kpi::rollup::MetricData;
use yardstick::kpi::rulebook::{Rulebook, SourceFile, Target};
use yardstick::kpi::scorecard::{CardResult, Evaluation, GateState, KpiOutcome, Scorecard};
use yardstick::kpi::targets::{TargetBook, TargetOverride, TargetScope};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseFile {
    definitions: String,
    #[serde(default)]
    cases: Vec<Case>,
    /// For definitions that must be refused: each problem, as `line:column: message`.
    #[serde(default)]
    expect_errors: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    /// The period scored: `2026-10` unless the case names one.
    #[serde(default)]
    period: Option<String>,
    people: Vec<CasePerson>,
    #[serde(default)]
    expect: Vec<Expect>,
    #[serde(default)]
    expect_team: Option<Expect>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CasePerson {
    role: String,
    /// Values of the period's first month.
    #[serde(default)]
    inputs: BTreeMap<String, f64>,
    /// Values by month, for periods longer than a month.
    #[serde(default)]
    months: BTreeMap<String, BTreeMap<String, f64>>,
    #[serde(default)]
    active_from: Option<String>,
    #[serde(default)]
    active_to: Option<String>,
    #[serde(default)]
    targets: BTreeMap<String, f64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expect {
    /// `graded`, `no_data` or `too_little_data`.
    status: Option<String>,
    total: Option<f64>,
    weighted_score: Option<f64>,
    grade: Option<String>,
    complete: Option<bool>,
    #[serde(default)]
    tiers: BTreeMap<String, Option<f64>>,
    #[serde(default)]
    kpis: BTreeMap<String, ExpectKpi>,
    #[serde(default)]
    adjustments: BTreeMap<String, f64>,
    #[serde(default)]
    gates: BTreeMap<String, String>,
    /// KPIs computed for the card without being on it.
    #[serde(default)]
    supporting: BTreeMap<String, ExpectKpi>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExpectKpi {
    status: Option<String>,
    /// As the card says it, such as `2 of 3 months`.
    coverage: Option<String>,
    value: Option<f64>,
    achievement: Option<f64>,
    points: Option<f64>,
    effective_weight: Option<f64>,
    contribution: Option<f64>,
    reason: Option<String>,
}

fn close(actual: f64, expected: f64) -> bool {
    (actual - expected).abs() <= 1e-9 * expected.abs().max(1.0)
}

fn check_number(failures: &mut Vec<String>, what: &str, actual: f64, expected: Option<f64>) {
    if let Some(expected) = expected
        && !close(actual, expected)
    {
        failures.push(format!("{what}: expected {expected}, got {actual}"));
    }
}

fn check_card(failures: &mut Vec<String>, rulebook: &Rulebook, who: &str, card: &Scorecard, expect: &Expect) {
    let status = match card.result {
        CardResult::Graded { .. } => "graded",
        CardResult::NoData => "no_data",
        CardResult::TooLittleData { .. } => "too_little_data",
    };
    if expect.status.as_deref().is_some_and(|s| s != status) {
        failures.push(format!(
            "{who} status: expected {:?}, got {status} ({:?})",
            expect.status,
            card.result.reason()
        ));
    }
    match (card.result.total(), expect.total) {
        (Some(total), expected) => check_number(failures, &format!("{who} total"), total, expected),
        (None, Some(expected)) => failures.push(format!("{who} total: expected {expected}, got none")),
        (None, None) => {}
    }
    check_number(
        failures,
        &format!("{who} weighted score"),
        card.weighted_score,
        expect.weighted_score,
    );
    if let Some(grade) = &expect.grade
        && card.result.grade() != Some(grade.as_str())
    {
        failures.push(format!("{who} grade: expected {grade}, got {:?}", card.result.grade()));
    }
    if let Some(complete) = expect.complete
        && card.complete != complete
    {
        failures.push(format!("{who} complete: expected {complete}, got {}", card.complete));
    }
    for (tier, expected) in &expect.tiers {
        let actual = card
            .tiers
            .iter()
            .find(|t| t.tier.as_str() == tier)
            .and_then(|t| t.score);
        match (actual, expected) {
            (Some(a), Some(e)) if close(a, *e) => {}
            (None, None) => {}
            _ => failures.push(format!("{who} tier {tier}: expected {expected:?}, got {actual:?}")),
        }
    }
    for (key, expected) in &expect.kpis {
        let Some(score) = card.kpis.iter().find(|k| rulebook.kpi(k.kpi).key == *key) else {
            failures.push(format!("{who} KPI {key}: not on the card"));
            continue;
        };
        let what = |field: &str| format!("{who} KPI {key} {field}");
        let (status, reason) = match &score.outcome {
            KpiOutcome::Scored {
                value,
                achievement,
                points,
            } => {
                check_number(failures, &what("value"), *value, expected.value);
                check_number(failures, &what("points"), *points, expected.points);
                if let Some(e) = expected.achievement {
                    check_number(failures, &what("achievement"), achievement.unwrap_or(f64::NAN), Some(e));
                }
                ("scored", "")
            }
            KpiOutcome::NoData { reason } => ("no_data", reason.as_str()),
            KpiOutcome::NotComputable { reason } => ("not_computable", reason.as_str()),
        };
        if expected.status.as_deref().is_some_and(|s| s != status) {
            failures.push(format!(
                "{}: expected {:?}, got {status} ({reason})",
                what("status"),
                expected.status
            ));
        }
        if let Some(part) = &expected.reason
            && !reason.contains(part.as_str())
        {
            failures.push(format!(
                "{}: expected to contain {part:?}, got {reason:?}",
                what("reason")
            ));
        }
        if let Some(coverage) = &expected.coverage
            && score.coverage.to_string() != *coverage
        {
            failures.push(format!(
                "{}: expected {coverage}, got {}",
                what("coverage"),
                score.coverage
            ));
        }
        check_number(
            failures,
            &what("effective weight"),
            score.effective_weight,
            expected.effective_weight,
        );
        check_number(
            failures,
            &what("contribution"),
            score.contribution,
            expected.contribution,
        );
    }
    for (key, expected) in &expect.supporting {
        let what = |field: &str| format!("{who} supporting KPI {key} {field}");
        let Some(kpi) = card.supporting.iter().find(|k| rulebook.kpi(k.kpi).key == *key) else {
            failures.push(format!("{who} supporting KPI {key}: not computed"));
            continue;
        };
        let (status, reason) = match &kpi.evaluation {
            Evaluation::Computed { value } => {
                check_number(failures, &what("value"), *value, expected.value);
                ("computed", "")
            }
            Evaluation::NoData { reason } => ("no_data", reason.as_str()),
            Evaluation::NotComputable { reason } => ("not_computable", reason.as_str()),
        };
        if expected.status.as_deref().is_some_and(|s| s != status) {
            failures.push(format!(
                "{}: expected {:?}, got {status}",
                what("status"),
                expected.status
            ));
        }
        if expected.reason.as_deref().is_some_and(|r| !reason.contains(r)) {
            failures.push(format!(
                "{}: expected {:?}, got {reason:?}",
                what("reason"),
                expected.reason
            ));
        }
    }
    for (key, expected) in &expect.adjustments {
        match card.adjustments.iter().find(|a| a.key == *key) {
            Some(a) => check_number(failures, &format!("{who} adjustment {key}"), a.points, Some(*expected)),
            None => failures.push(format!("{who} adjustment {key}: not on the card")),
        }
    }
    for (key, expected) in &expect.gates {
        let state = card.gates.iter().find(|g| g.key == *key).map(|g| match g.state {
            GateState::Fired => "fired",
            GateState::Passed => "passed",
            GateState::NotEvaluated => "not_evaluated",
        });
        if state != Some(expected.as_str()) {
            failures.push(format!("{who} gate {key}: expected {expected}, got {state:?}"));
        }
    }
}

fn run_case(rulebook: &Rulebook, case: &Case) -> Vec<String> {
    let roles: Vec<&str> = case.people.iter().map(|p| p.role.as_str()).collect();
    let mut organisation = organisation(rulebook, &roles);
    let mut targets = TargetBook::default();
    let period: Period = case.period.as_deref().unwrap_or("2026-10").parse().expect("a period");
    let first = period.months()[0];
    let month = |text: &str| -> Month { text.parse().unwrap_or_else(|e| panic!("case {}: {e}", case.name)) };
    let metric = |key: &str| {
        rulebook
            .find_metric(key)
            .unwrap_or_else(|| panic!("case {}: unknown metric {key}", case.name))
    };
    let mut data = MetricData::new(rulebook.metrics().len(), case.people.len(), organisation.teams().len());
    let mut people = organisation.people().to_vec();
    for (i, person) in case.people.iter().enumerate() {
        let subject = Subject::Person(PersonId(i as u32));
        for (key, value) in &person.inputs {
            data.set(subject, first, metric(key), *value);
        }
        for (m, values) in &person.months {
            for (key, value) in values {
                data.set(subject, month(m), metric(key), *value);
            }
        }
        people[i].active = ActiveMonths {
            from: person.active_from.as_deref().map(month),
            to: person.active_to.as_deref().map(month),
        };
        for (kpi, target) in &person.targets {
            let kpi = rulebook
                .find_kpi(kpi)
                .unwrap_or_else(|| panic!("case {}: unknown KPI {kpi}", case.name));
            let target = Target {
                target: *target,
                threshold: None,
                stretch: None,
            };
            targets.insert(TargetOverride {
                scope: TargetScope::Person(PersonId(i as u32)),
                period: None,
                kpi,
                target,
            });
        }
    }
    organisation = Organisation::new(organisation.teams().to_vec(), people).expect("one team");
    let inputs = data.period_inputs(rulebook, &organisation, period);
    let scores = score_period(rulebook, &organisation, &inputs, &targets, &Default::default(), period);
    let mut failures = Vec::new();
    for (i, expect) in case.expect.iter().enumerate() {
        check_card(
            &mut failures,
            rulebook,
            &format!("person {i}"),
            &scores.people[i],
            expect,
        );
    }
    if let Some(expect) = &case.expect_team {
        match &scores.teams[0] {
            Some(card) => check_card(&mut failures, rulebook, "team", card, expect),
            None => failures.push("team: no team scorecard".into()),
        }
    }
    failures.into_iter().map(|f| format!("{}: {f}", case.name)).collect()
}

#[test]
fn every_rule_case_scores_as_worked_out_by_hand() {
    let dir = root().join("tests/cases");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/cases")
        .map(|e| e.expect("an entry").path())
        .collect();
    files.sort();
    let mut failures = Vec::new();
    let mut checked = 0;
    for path in &files {
        let name = path.file_name().expect("a file name").to_string_lossy().into_owned();
        let text = std::fs::read_to_string(path).expect("read a case file");
        let file: CaseFile = serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        if !file.expect_errors.is_empty() {
            let source = SourceFile {
                name: "test.yaml".into(),
                text: file.definitions.clone(),
            };
            match Rulebook::load(&[source]) {
                Ok(_) => failures.push(format!("{name}: the definitions loaded, but errors were expected")),
                Err(errors) => {
                    let actual: Vec<String> = errors
                        .0
                        .iter()
                        .map(|e| format!("{}:{}: {}", e.line, e.column, e.problem))
                        .collect();
                    if actual != file.expect_errors {
                        failures.push(format!(
                            "{name}: expected errors\n  {}\ngot\n  {}",
                            file.expect_errors.join("\n  "),
                            actual.join("\n  ")
                        ));
                    }
                }
            }
            checked += 1;
            continue;
        }
        let rulebook = rulebook(&file.definitions);
        for case in &file.cases {
            failures.extend(run_case(&rulebook, case).into_iter().map(|f| format!("{name}: {f}")));
            checked += 1;
        }
    }
    assert!(checked >= 10, "only {checked} cases were found in {}", dir.display());
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
