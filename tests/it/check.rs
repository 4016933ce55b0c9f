//! `yardstick check`: a valid folder passes; a broken one lists every problem with
//! file, line and column, and exits non-zero.

use crate::helpers::yardstick;

fn stderr_of(dir: &str) -> String {
    let output = yardstick().args(["check", dir]).output().expect("run yardstick check");
    assert_eq!(output.status.code(), Some(1), "check of {dir} must fail");
    assert!(output.stdout.is_empty(), "nothing on stdout when the check fails");
    String::from_utf8(output.stderr).expect("UTF-8 messages")
}

#[test]
fn the_shipped_definitions_pass_the_check() {
    let output = yardstick()
        .args(["check", "kpi-definitions"])
        .output()
        .expect("run yardstick check");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains("no problems found"), "{stdout}");
}

#[test]
fn every_problem_of_a_broken_folder_is_listed_with_its_place() {
    insta::assert_snapshot!(stderr_of("tests/fixtures/broken-definitions"));
}

#[test]
fn bad_yaml_names_the_file_line_and_column() {
    insta::assert_snapshot!(stderr_of("tests/fixtures/bad-yaml"));
}

#[test]
fn a_missing_folder_is_a_clear_error() {
    let stderr = stderr_of("tests/fixtures/no-such-folder");
    assert!(
        stderr.contains("cannot read the definitions folder tests/fixtures/no-such-folder"),
        "{stderr}"
    );
}

#[test]
fn a_currency_set_twice_or_badly_is_named_with_its_place() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    for file in std::fs::read_dir(crate::helpers::root().join("kpi-definitions")).expect("the shipped folder") {
        let path = file.expect("an entry").path();
        if path.extension().is_some_and(|e| e == "yaml") {
            std::fs::copy(&path, dir.path().join(path.file_name().expect("a name"))).expect("copied");
        }
    }
    crate::helpers::write(
        dir.path(),
        "zz-money.yaml",
        "# a second say\ncurrency: { code: EUR, symbol: € }\n",
    );
    let stderr = stderr_of(dir.path().to_str().expect("UTF-8"));
    assert!(
        stderr.contains("zz-money.yaml:2:1: the currency is set a second time (first at ")
            && stderr.contains("metrics.yaml:35)"),
        "{stderr}"
    );
    std::fs::remove_file(dir.path().join("zz-money.yaml")).expect("removed");
    let metrics = dir.path().join("metrics.yaml");
    let text = std::fs::read_to_string(&metrics).expect("read");
    std::fs::write(
        &metrics,
        text.replace("{ code: CNY, symbol: ¥ }", "{ code: yuan, symbol: ¥ }"),
    )
    .expect("written");
    let stderr = stderr_of(dir.path().to_str().expect("UTF-8"));
    assert!(
        stderr.contains("the currency code `yuan` is not three capital letters (ISO 4217, e.g. CNY)"),
        "{stderr}"
    );
}

#[test]
fn the_readme_lists_every_column_each_file_may_have() {
    use yardstick::import::{METRIC_COLUMNS, PEOPLE_COLUMNS, TARGET_COLUMNS, TEAM_COLUMNS};
    let readme = std::fs::read_to_string(crate::helpers::root().join("README.md")).expect("the README");
    for (file, (required, optional)) in [
        ("teams", TEAM_COLUMNS),
        ("people", PEOPLE_COLUMNS),
        ("metrics", METRIC_COLUMNS),
        ("targets", TARGET_COLUMNS),
    ] {
        let row = readme
            .lines()
            .find(|l| l.trim_start().starts_with(&format!("| {file} |")))
            .unwrap_or_else(|| panic!("a row for {file} in the README's table of files"));
        let cells: Vec<&str> = row.split('|').map(str::trim).collect();
        for column in required {
            assert!(
                cells[2].contains(&format!("`{column}`")),
                "{file}: required `{column}`: {row}"
            );
        }
        for column in optional {
            assert!(
                cells[3].contains(&format!("`{column}`")),
                "{file}: optional `{column}`: {row}"
            );
        }
    }
}

#[test]
fn every_argument_of_every_command_says_what_it_is_and_globals_stand_apart() {
    use clap::CommandFactory;
    fn walk(command: &clap::Command, path: &str, missing: &mut Vec<String>) {
        for arg in command.get_arguments() {
            let id = arg.get_id().as_str();
            if id == "help" || id == "version" {
                continue;
            }
            if arg.get_help().is_none() && arg.get_long_help().is_none() {
                missing.push(format!("{path} {id}"));
            }
            if arg.is_global_set() && arg.get_help_heading() != Some("Global options") {
                missing.push(format!("{path} {id}: a global option outside \"Global options\""));
            }
        }
        for sub in command.get_subcommands() {
            walk(sub, &format!("{path} {}", sub.get_name()), missing);
        }
    }
    let mut missing = Vec::new();
    walk(&yardstick::cli::Cli::command(), "yardstick", &mut missing);
    assert!(
        missing.is_empty(),
        "arguments without a description:\n{}",
        missing.join("\n")
    );
    let help = yardstick().args(["evaluate", "--help"]).output().expect("help");
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(help.contains("Global options:") && help.contains("Examples:"), "{help}");
}

#[test]
fn the_reviews_definitions_are_checked_with_their_places() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let folder = dir.path().join("definitions");
    crate::store::copy_dir(&crate::helpers::root().join("kpi-definitions"), &folder);
    let edit = |file: &str, from: &str, to: &str| {
        let path = folder.join(file);
        let text = std::fs::read_to_string(&path).expect("a definitions file");
        assert!(text.contains(from), "{file} holds {from}");
        std::fs::write(&path, text.replacen(from, to, 1)).expect("write");
    };
    edit(
        "review.yaml",
        "{ grades: [S], at_most: 10 }",
        "{ grades: [Z], at_most: 120 }",
    );
    edit(
        "review.yaml",
        "- { rating: 1, points: 40,",
        "- { rating: 2, points: -40,",
    );
    edit("role-junior-rep.yaml", "scale: five_point", "scale: five_pont");
    edit(
        "role-senior-rep.yaml",
        "qualitative:\n      weight: 15",
        "qualitative:\n      weight: 100",
    );
    edit(
        "role-senior-rep.yaml",
        "integrity: { name: { en: Integrity, zh: 诚信合规 }, weight: 30 }",
        "integrity: { name: { en: Integrity, zh: 诚信合规 }, weight: 20 }",
    );
    edit(
        "role-customer-success.yaml",
        "    qualitative:",
        "    attention_after: 0\n    qualitative:",
    );
    let stderr = stderr_of(&folder.display().to_string());
    for expected in [
        "review.yaml:29:17: rating scale `five_point`: the rating 2 is listed twice",
        "review.yaml:29:28: the points of rating 2 in scale `five_point` must not be negative (found -40)",
        "review.yaml:34:17: bound 1 of the forced distribution: unknown grade `Z`; did you mean `A`?",
        "review.yaml:34:31: bound 1 of the forced distribution: 120 is not a percentage from 0 to 100",
        "role-junior-rep.yaml:81:14: unknown rating scale `five_pont` in role `junior_rep`; did you mean `five_point`?",
        "the weight of the qualitative part of role `senior_rep`: 100 is not a percentage above 0 and below 100",
        "role-senior-rep.yaml:69:9: the competency weights of role `senior_rep` add up to 90, not 100",
        "`attention_after` of role `customer_success`: 0 is not a number of months from 1 to 24",
    ] {
        assert!(stderr.contains(expected), "missing `{expected}` in:\n{stderr}");
    }
}
