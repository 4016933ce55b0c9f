//! The pure core stays pure: nothing under `src/kpi` reaches for I/O, the
//! environment, or the outer layers. A compiler cannot scope this to one module,
//! so the sources are read.

use crate::helpers::root;

const FORBIDDEN: &[&str] = &[
    "std::fs",
    "std::net",
    "std::env",
    "std::process",
    "std::io::stdin",
    "std::io::stdout",
    "println!",
    "eprintln!",
    "crate::import",
    "crate::report",
    "crate::cli",
    "actix",
    "sea_orm",
    "askama",
    "lettre",
    "reqwest",
    "tokio",
];

fn rust_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src/kpi") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn the_kpi_core_does_no_io_and_knows_no_outer_layer() {
    let mut files = Vec::new();
    rust_files(&root().join("src/kpi"), &mut files);
    assert!(files.len() >= 8, "the core's files were found");
    let mut offences = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).expect("read a source file");
        for (n, line) in text.lines().enumerate() {
            for word in FORBIDDEN {
                if line.contains(word) && !line.trim_start().starts_with("//") {
                    offences.push(format!("{}:{}: {word}", file.display(), n + 1));
                }
            }
        }
    }
    assert!(offences.is_empty(), "the core must stay pure:\n{}", offences.join("\n"));
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
