//! The layers stay where ARCHITECTURE.md draws them: each top-level module may reach
//! only the modules and crates listed for it here. The engine (`kpi`) does no I/O and
//! knows no outer layer; only `store` speaks SQL, only `web` speaks HTTP and HTML, and
//! only the edges (`cli`, `web`) set up logging. A compiler cannot scope a dependency
//! to one module, so the sources are read; a new module must be given its list.

use crate::helpers::root;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// What each top-level module of `src` may use: other modules of the crate
/// (`crate::x`), and crates from `[dependencies]`. Test code is not checked.
const ALLOWED: &[(&str, &[&str])] = &[
    // The pure engine: definitions, formulas, scoring, roll-ups.
    (
        "kpi",
        &[
            "kpi",
            "evalexpr",
            "indexmap",
            // Compiling the month's sweep for the processor's widest vectors: no I/O.
            "pulp",
            "rayon",
            "saphyr_parser",
            "serde",
            "serde_yaml",
            "strsim",
            "thiserror",
        ],
    ),
    ("export", &["csv", "rust_xlsxwriter"]),
    // `clap` only for `ValueEnum` on the output format.
    (
        "report",
        &[
            "kpi",
            "export",
            "clap",
            "comfy_table",
            "csv",
            // A large period's views are built on every core.
            "rayon",
            "serde",
            "serde_json",
            "unicode_width",
        ],
    ),
    ("standings", &["kpi", "report"]),
    // `croner` parses the mail schedule where the settings are read, so a bad one is
    // named with its key.
    ("settings", &["clap", "croner", "secrecy", "serde", "thiserror", "toml"]),
    // The only module that speaks SQL; `clap` only for `ValueEnum` on roles and scopes;
    // `futures_util` to read a period's values as a stream; `rusqlite` and `tokio` to
    // read them from a SQLite file in place, on a blocking thread.
    (
        "store",
        &[
            "kpi",
            "chrono",
            "clap",
            "futures_util",
            "migrations",
            "rusqlite",
            "rustc_hash",
            "sea_orm",
            "serde",
            "serde_json",
            "thiserror",
            "tokio",
        ],
    ),
    // Files in, rows out; `tokio` only to read a file off the async threads.
    (
        "import",
        &[
            "kpi",
            "store",
            "calamine",
            "clap",
            "csv",
            "rustc_hash",
            "sha2",
            "thiserror",
            "tokio",
            "zip",
        ],
    ),
    // `rustc_hash` to place a large month's values by name.
    ("inputs", &["kpi", "import", "store", "rustc_hash"]),
    // The definitions in force: versions from the store, swapped whole when published.
    (
        "definitions",
        &[
            "kpi",
            "import",
            "report",
            "store",
            "arc_swap",
            "sha2",
            "similar",
            "thiserror",
            "tokio",
            "tracing",
        ],
    ),
    // The monthly review; `clap` only for `ValueEnum` on the payroll format.
    (
        "review",
        &[
            "kpi",
            "access",
            "definitions",
            "export",
            "import",
            "inputs",
            "report",
            "store",
            "clap",
            "serde",
            "serde_json",
            "thiserror",
        ],
    ),
    ("access", &["kpi", "store"]),
    // Appraisal mails, beside the web: `clap` only for `ValueEnum` on the report kind,
    // `croner` for the schedule; the review and standings for what managers and hr read.
    (
        "mail",
        &[
            "kpi",
            "access",
            "definitions",
            "import",
            "report",
            "review",
            "scorecards",
            "settings",
            "standings",
            "store",
            "askama",
            "chrono",
            "clap",
            "croner",
            "futures_util",
            "lettre",
            "secrecy",
            "thiserror",
            "tokio",
            "tracing",
        ],
    ),
    ("credentials", &["anyhow", "argon2", "rand", "sha2"]),
    // Scored periods as readers see them, cached: for the web, the command line, the mail.
    (
        "scorecards",
        &[
            "kpi",
            "access",
            "definitions",
            "import",
            "inputs",
            "report",
            "review",
            "standings",
            "store",
            "chrono",
        ],
    ),
    (
        "demo",
        &["kpi", "credentials", "import", "store", "anyhow", "thiserror"],
    ),
    // An edge: everything but the command line and the demo.
    (
        "web",
        &[
            "kpi",
            "access",
            "credentials",
            "definitions",
            "export",
            "import",
            "inputs",
            "report",
            "review",
            "scorecards",
            "settings",
            "standings",
            "store",
            "web",
            "actix_multipart",
            "actix_web",
            "anyhow",
            "argon2",
            "askama",
            "askama_web",
            "chrono",
            "futures_util",
            "hmac",
            "percent_encoding",
            "prometheus_client",
            "rand",
            "secrecy",
            "serde",
            "serde_json",
            "serde_path_to_error",
            "serde_urlencoded",
            "sha2",
            "tempfile",
            "thiserror",
            "tokio",
            "tracing",
            "utoipa",
        ],
    ),
    // The other edge: parses arguments, sets up logging and runs the rest.
    (
        "cli",
        &[
            "kpi",
            "credentials",
            "definitions",
            "demo",
            "export",
            "import",
            "inputs",
            "mail",
            "report",
            "review",
            "scorecards",
            "settings",
            "standings",
            "store",
            "web",
            "actix_web",
            "anyhow",
            "clap",
            "indicatif",
            "secrecy",
            "tokio",
            "tracing",
            "tracing_subscriber",
        ],
    ),
    ("lib", &[]),
    // The binary picks its allocator; the library leaves that to whoever links it.
    ("main", &["clap", "tikv_jemallocator"]),
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read a source folder") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The names code uses for the crates in `[dependencies]` (`serde_yaml`, not `yaml_serde`).
fn dependencies() -> Vec<String> {
    let text = std::fs::read_to_string(root().join("Cargo.toml")).expect("read Cargo.toml");
    let manifest: toml::Table = text.parse().expect("Cargo.toml is TOML");
    let names: Vec<String> = manifest["dependencies"]
        .as_table()
        .expect("a [dependencies] table")
        .keys()
        .map(|name| name.replace('-', "_"))
        .collect();
    assert!(names.len() > 10, "the dependencies were read: {names:?}");
    names
}

/// The lines of `file` that are not test code or comments, with their numbers.
fn code_lines(file: &Path) -> Vec<(usize, String)> {
    if file.file_name().is_some_and(|n| n == "tests.rs") {
        return Vec::new();
    }
    let text = std::fs::read_to_string(file).expect("read a source file");
    let mut lines = Vec::new();
    let mut previous = "";
    for (n, line) in text.lines().enumerate() {
        let code = line.trim_start();
        // The unit tests sit at the end of a file, after `#[cfg(test)] mod tests`.
        if previous == "#[cfg(test)]" && code.starts_with("mod tests") {
            break;
        }
        previous = code;
        if !code.starts_with("//") {
            lines.push((n + 1, line.to_owned()));
        }
    }
    lines
}

/// Where `line` names `crate::x` or a dependency `d::`, as the module or crate name.
fn names_used(line: &str, dependencies: &[String]) -> BTreeSet<String> {
    let mut used = BTreeSet::new();
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    for (at, _) in line.match_indices("crate::") {
        if at > 0 && line[..at].ends_with(|c: char| word(c) || c == ':') {
            continue;
        }
        let rest = &line[at + "crate::".len()..];
        let modules: Vec<&str> = match rest.strip_prefix('{') {
            Some(group) => top_level_items(group),
            None => vec![rest.split(|c: char| !word(c)).next().unwrap_or("")],
        };
        used.extend(modules.into_iter().filter(|m| !m.is_empty()).map(str::to_owned));
    }
    for dependency in dependencies {
        let path = format!("{dependency}::");
        let named = line
            .match_indices(&path)
            .any(|(at, _)| at == 0 || !line[..at].ends_with(|c: char| word(c) || c == ':'));
        if named {
            used.insert(dependency.clone());
        }
    }
    used
}

/// The first name of each item of a `use` group, `kpi::{a, b}, web` giving `kpi`, `web`.
fn top_level_items(group: &str) -> Vec<&str> {
    let mut items = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (at, c) in group.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => {
                items.push(&group[start..at]);
                break;
            }
            '}' => depth -= 1,
            ',' if depth == 0 => {
                items.push(&group[start..at]);
                start = at + 1;
            }
            _ => {}
        }
    }
    items
        .into_iter()
        .map(|item| item.trim().split("::").next().unwrap_or(""))
        .collect()
}

#[test]
fn each_module_reaches_only_what_it_is_allowed() {
    let dependencies = dependencies();
    let allowed: BTreeMap<&str, &[&str]> = ALLOWED.iter().copied().collect();
    let mut files = Vec::new();
    rust_files(&root().join("src"), &mut files);
    let mut offences = Vec::new();
    let mut seen = BTreeSet::new();
    for file in &files {
        let relative = file.strip_prefix(root().join("src")).expect("under src");
        let top = relative
            .components()
            .next()
            .and_then(|c| c.as_os_str().to_str())
            .map(|c| c.trim_end_matches(".rs"))
            .expect("a module name");
        seen.insert(top.to_owned());
        let Some(may) = allowed.get(top) else {
            offences.push(format!(
                "src/{}: the module `{top}` has no entry in ALLOWED",
                relative.display()
            ));
            continue;
        };
        for (n, line) in code_lines(file) {
            for name in names_used(&line, &dependencies) {
                if name != top && !may.contains(&name.as_str()) {
                    offences.push(format!("src/{}:{n}: `{top}` may not use `{name}`", relative.display()));
                }
            }
        }
    }
    assert!(
        seen.contains("kpi") && seen.contains("web") && seen.len() >= 12,
        "{seen:?}"
    );
    assert!(offences.is_empty(), "the layers are crossed:\n{}", offences.join("\n"));
}

/// What the engine may not touch even from the standard library.
const IO: &[&str] = &[
    "std::fs",
    "std::net",
    "std::env",
    "std::process",
    "std::io::stdin",
    "std::io::stdout",
    "println!",
    "eprintln!",
];

#[test]
fn the_engine_does_no_io() {
    let mut files = Vec::new();
    rust_files(&root().join("src/kpi"), &mut files);
    assert!(files.len() >= 8, "the engine's files were found");
    let offences: Vec<String> = files
        .iter()
        .flat_map(|file| {
            code_lines(file).into_iter().flat_map(move |(n, line)| {
                IO.iter()
                    .filter(move |word| line.contains(*word))
                    .map(move |word| format!("{}:{n}: {word}", file.display()))
            })
        })
        .collect();
    assert!(
        offences.is_empty(),
        "the engine must stay pure:\n{}",
        offences.join("\n")
    );
}

#[test]
fn the_checker_sees_a_crossing() {
    let dependencies = vec!["sea_orm".to_owned(), "actix_web".to_owned()];
    let used = |line: &str| names_used(line, &dependencies).into_iter().collect::<Vec<_>>();
    assert_eq!(used("use crate::store::Store;"), ["store"]);
    assert_eq!(used("use crate::{kpi::id, web::error::AppError};"), ["kpi", "web"]);
    assert_eq!(used("use crate::{kpi::{id, period}, store};"), ["kpi", "store"]);
    assert_eq!(used("let x = sea_orm::Database::connect(url);"), ["sea_orm"]);
    assert_eq!(used("#[derive(actix_web::Responder)]"), ["actix_web"]);
    assert_eq!(used("use yardstick::store::Store; // mystore::x"), Vec::<String>::new());
    assert_eq!(used("my_sea_orm::x(); a::actix_web::y()"), Vec::<String>::new());
}

#[test]
fn evalexpr_is_used_in_one_module_only() {
    let mut files = Vec::new();
    rust_files(&root().join("src"), &mut files);
    let users: Vec<String> = files
        .iter()
        .filter(|f| {
            std::fs::read_to_string(f)
                .expect("read a source file")
                .contains("evalexpr::")
        })
        .map(|f| f.strip_prefix(root()).unwrap_or(f).display().to_string())
        .filter(|f| !f.starts_with("src/kpi/formula"))
        .collect();
    assert!(
        users.is_empty(),
        "evalexpr is reached outside src/kpi/formula: {users:?}"
    );
}
