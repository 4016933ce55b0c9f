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
