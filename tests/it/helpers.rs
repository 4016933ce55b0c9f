//! Shared set-up: rulebooks from text, one-person organisations, the binary.

use std::path::{Path, PathBuf};
use yardstick::kpi::organisation::{ActiveMonths, Organisation, Person, Team, TeamId};
use yardstick::kpi::rulebook::{Rulebook, SourceFile};

/// The project's root, where the shipped definitions and example live.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn demo(file: &str) -> PathBuf {
    root().join("examples/demo").join(file)
}

/// A rulebook from one file's text; panics with the problems if it does not load.
pub fn rulebook(text: &str) -> Rulebook {
    Rulebook::load(&[SourceFile {
        name: "test.yaml".into(),
        text: text.into(),
    }])
    .unwrap_or_else(|errors| panic!("the test definitions should load:\n{errors}"))
}

/// An organisation of one team, `team`, holding one person per role given.
pub fn organisation(rulebook: &Rulebook, roles: &[&str]) -> Organisation {
    let team = Team {
        key: "team".into(),
        name: "Team".into(),
        name_zh: None,
        card: None,
        parent: None,
    };
    let people = roles
        .iter()
        .enumerate()
        .map(|(i, role)| Person {
            key: format!("p{i}"),
            name: format!("Person {i}"),
            email: String::new(),
            team: TeamId(0),
            role: rulebook
                .find_role(role)
                .unwrap_or_else(|| panic!("role {role} in the test definitions")),
            active: ActiveMonths::default(),
        })
        .collect();
    Organisation::new(vec![team], people).expect("one team cannot loop")
}

/// The yardstick binary, run from the project's root.
pub fn yardstick() -> assert_cmd::Command {
    let mut command = assert_cmd::Command::cargo_bin("yardstick").expect("the binary is built");
    command.current_dir(root());
    command
}

/// Writes `text` to `name` in `dir` and returns the path.
pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("create the folder");
    }
    std::fs::write(&path, text).expect("write the test file");
    path
}

/// A `yardstick serve` process, stopped when dropped.
pub struct Server {
    child: std::process::Child,
    pub address: String,
    /// Held open: a server whose standard output is closed stops at its next line.
    _stdout: std::io::BufReader<std::process::ChildStdout>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `yardstick serve` on `url` from `folder`, on a free port, with `extra` arguments and
/// `env` set; returns once it says where it serves.
pub fn serve(url: &str, folder: &Path, extra: &[&str], env: &[(&str, &str)]) -> Server {
    use std::io::BufRead;
    let mut command = std::process::Command::new(assert_cmd::cargo::cargo_bin("yardstick"));
    command
        .current_dir(folder)
        .env_remove("YARDSTICK_DEFINITIONS")
        .args([
            "--database",
            url,
            "--log-level",
            "warn",
            "serve",
            "--bind",
            "127.0.0.1:0",
        ])
        .args(extra)
        .envs(env.iter().copied())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null());
    let mut child = command.spawn().expect("start the server");
    let mut first = String::new();
    let mut stdout = std::io::BufReader::new(child.stdout.take().expect("stdout"));
    stdout.read_line(&mut first).expect("the address line");
    let address = first
        .trim()
        .strip_prefix("Yardstick is serving on ")
        .unwrap_or_else(|| panic!("the address line: {first:?}"))
        .trim_end_matches('/')
        .to_owned();
    Server {
        child,
        address,
        _stdout: stdout,
    }
}
