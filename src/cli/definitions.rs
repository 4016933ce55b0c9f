//! `yardstick definitions`: the definitions kept in the database, as folders (so that
//! a version can live in git), a list of what was published, and a diff between two.

use super::{Failure, failure};
use crate::definitions::{RulebookVersion, diff, in_force, publish};
use crate::settings::Settings;
use crate::store::{PublishBase, Store, StoredDefinitions};
use clap::Subcommand;
use secrecy::ExposeSecret;
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, Subcommand)]
pub enum DefinitionsCommand {
    /// Check a folder as `check` does and publish it: every server on this database takes it up within seconds.
    #[command(
        after_help = "Example:\n  yardstick definitions import kpi-definitions --comment \"visits weigh 30 in junior_rep\""
    )]
    Import {
        /// The folder of YAML files to publish.
        dir: PathBuf,
        /// Why: kept in the history beside who published and when.
        #[arg(long, default_value = "")]
        comment: String,
    },
    /// Write a version's files into a new or empty folder.
    #[command(
        after_help = "Examples:\n  yardstick definitions export exported\n  yardstick definitions export --version 3 v3"
    )]
    Export {
        /// The version to write. Default: the one in force.
        #[arg(long, value_name = "N")]
        version: Option<i64>,
        /// The folder to write into; it must not exist yet, or be empty.
        dir: PathBuf,
    },
    /// List every publication, newest first, with who published which version, when and why.
    #[command(after_help = "Example:\n  yardstick definitions list")]
    List,
    /// Show what changed between two versions, file by file, as a unified diff.
    #[command(after_help = "Example:\n  yardstick definitions diff 1 2")]
    Diff {
        /// The older version.
        a: i64,
        /// The newer version.
        b: i64,
    },
}

pub(super) async fn run(settings: &Settings, command: DefinitionsCommand, out: &mut dyn Write) -> Result<(), Failure> {
    let store = Store::open(settings.database_url.expose_secret())
        .await
        .map_err(failure)?;
    match command {
        DefinitionsCommand::Import { dir, comment } => {
            let version = RulebookVersion::from_folder(&dir).map_err(failure)?;
            if let Some(active) = store.active_publication().await.map_err(failure)? {
                let current = store.definition_version(active.version).await.map_err(failure)?;
                if current.is_some_and(|c| c.digest == version.digest) {
                    return writeln!(out, "{}: already in force as version {}", dir.display(), active.version)
                        .map_err(failure);
                }
            }
            let (publication, version) = publish(&store, version, &settings.actor, &comment, PublishBase::Current)
                .await
                .map_err(failure)?;
            writeln!(
                out,
                "{}: published as {} (publication {}); running servers take it up within seconds",
                dir.display(),
                version.label(),
                publication.id
            )
            .map_err(failure)
        }
        DefinitionsCommand::Export { version, dir } => {
            let stored = match version {
                Some(n) => stored(&store, n).await?,
                None => {
                    let (_, active) = in_force(&store, None).await.map_err(failure)?;
                    stored(&store, active.id.unwrap_or_default()).await?
                }
            };
            export(&stored, &dir)?;
            writeln!(
                out,
                "version {} written to {}: {} files",
                stored.version,
                dir.display(),
                stored.files.len()
            )
            .map_err(failure)
        }
        DefinitionsCommand::List => {
            let publications = store.publications().await.map_err(failure)?;
            if publications.is_empty() {
                return writeln!(
                    out,
                    "nothing published yet; the first command that uses the database publishes the definitions built in"
                )
                .map_err(failure);
            }
            writeln!(
                out,
                "{:<11} {:>7}  {:<24} {:<12} comment",
                "publication", "version", "published", "by"
            )
            .map_err(failure)?;
            for (i, p) in publications.iter().enumerate() {
                let mark = if i == 0 { " (in force)" } else { "" };
                writeln!(
                    out,
                    "{:<11} {:>7}  {:<24} {:<12} {}{mark}",
                    p.id, p.version, p.published_at, p.published_by, p.comment
                )
                .map_err(failure)?;
            }
            Ok(())
        }
        DefinitionsCommand::Diff { a, b } => {
            let (a, b) = (stored(&store, a).await?, stored(&store, b).await?);
            let text = diff(&a, &b);
            if text.is_empty() {
                return writeln!(out, "versions {} and {} hold the same files", a.version, b.version).map_err(failure);
            }
            out.write_all(text.as_bytes()).map_err(failure)
        }
    }
}

async fn stored(store: &Store, version: i64) -> Result<StoredDefinitions, Failure> {
    store
        .definition_version(version)
        .await
        .map_err(failure)?
        .ok_or_else(|| {
            failure(format!(
                "there is no definition version {version}; `yardstick definitions list` shows them"
            ))
        })
}

/// Writes every file of `stored` under `dir`, which must be new or empty.
fn export(stored: &StoredDefinitions, dir: &Path) -> Result<(), Failure> {
    if dir.exists() {
        let mut entries = std::fs::read_dir(dir).map_err(|e| failure(format!("{}: {e}", dir.display())))?;
        if entries.next().is_some() {
            return Err(failure(format!(
                "{} is not empty; give a new folder, so that no file is overwritten",
                dir.display()
            )));
        }
    }
    for (name, text) in &stored.files {
        // Names come from the database; only plain relative paths are written.
        let relative = Path::new(name);
        if relative.is_absolute()
            || relative
                .components()
                .any(|c| !matches!(c, std::path::Component::Normal(_)))
        {
            return Err(failure(format!(
                "version {}: the file name {name:?} is not a plain relative path",
                stored.version
            )));
        }
        let path = dir.join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| failure(format!("{}: {e}", parent.display())))?;
        }
        std::fs::write(&path, text).map_err(|e| failure(format!("{}: {e}", path.display())))?;
    }
    Ok(())
}
