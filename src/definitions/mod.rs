//! The definitions in force. A rulebook is always used together with the version it
//! was compiled from (`RulebookVersion`), so that what a period was scored with can be
//! named and kept. The database holds every version and which one is published; a new
//! database starts from the definitions built into the binary, so `yardstick` needs no
//! folder beside it. Running servers take up a new publication within a second
//! (`ActiveRulebook::watch`); a request keeps the version it began with.

pub mod edit;
pub mod preview;

use crate::import::read_definitions;
use crate::kpi::rulebook::{DefinitionErrors, Rulebook, SourceFile};
use crate::store::{Publication, PublishBase, Store, StoreError, StoredDefinitions};
use arc_swap::ArcSwap;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The definitions shipped with Yardstick, built into the binary. `include_str!`
/// rather than a folder-embedding crate, so that the compiler tracks each file and an
/// edit rebuilds; a test checks that the list holds every file of the folder.
const SHIPPED: &[(&str, &str)] = &[
    ("grades.yaml", include_str!("../../kpi-definitions/grades.yaml")),
    (
        "kpis-customer.yaml",
        include_str!("../../kpi-definitions/kpis-customer.yaml"),
    ),
    ("kpis-sales.yaml", include_str!("../../kpi-definitions/kpis-sales.yaml")),
    (
        "kpis-service.yaml",
        include_str!("../../kpi-definitions/kpis-service.yaml"),
    ),
    ("metrics.yaml", include_str!("../../kpi-definitions/metrics.yaml")),
    ("review.yaml", include_str!("../../kpi-definitions/review.yaml")),
    (
        "role-customer-success.yaml",
        include_str!("../../kpi-definitions/role-customer-success.yaml"),
    ),
    (
        "role-junior-rep.yaml",
        include_str!("../../kpi-definitions/role-junior-rep.yaml"),
    ),
    (
        "role-senior-rep.yaml",
        include_str!("../../kpi-definitions/role-senior-rep.yaml"),
    ),
    (
        "role-team-lead.yaml",
        include_str!("../../kpi-definitions/role-team-lead.yaml"),
    ),
];

/// Who publishes the definitions a new database starts from.
pub const SYSTEM_ACTOR: &str = "yardstick";

/// A compiled rulebook and the version it came from.
#[derive(Debug)]
pub struct RulebookVersion {
    /// The stored version; `None` for a folder read for one command and never stored.
    pub id: Option<i64>,
    /// A fingerprint of the files' names and texts: the same files, the same digest.
    pub digest: String,
    /// Every file, named relative to its folder.
    pub sources: Vec<SourceFile>,
    pub rulebook: Rulebook,
}

impl RulebookVersion {
    /// Compiles `sources` (named relative to their folder); every problem at once.
    pub fn compile(id: Option<i64>, sources: Vec<SourceFile>) -> Result<RulebookVersion, DefinitionErrors> {
        let rulebook = Rulebook::load(&sources)?;
        Ok(RulebookVersion {
            id,
            digest: digest(&sources),
            sources,
            rulebook,
        })
    }

    /// The definitions built into the binary, not yet stored.
    pub fn shipped() -> RulebookVersion {
        RulebookVersion::compile(None, shipped_files()).expect("the shipped definitions are valid (a test checks them)")
    }

    /// A folder's definitions, not yet stored. Problems name the files as found on
    /// disk (`kpi-definitions/kpis.yaml:8:48`).
    pub fn from_folder(dir: &Path) -> Result<RulebookVersion, DefinitionsError> {
        let files = read_definitions(dir).map_err(|source| DefinitionsError::Read {
            dir: dir.to_owned(),
            source,
        })?;
        let rulebook = Rulebook::load(&files).map_err(DefinitionsError::Invalid)?;
        let sources = relative(dir, files);
        Ok(RulebookVersion {
            id: None,
            digest: digest(&sources),
            sources,
            rulebook,
        })
    }

    /// What an import checks rows against: this rulebook, and that it is still in force.
    pub fn against(&self) -> crate::import::Against<'_> {
        crate::import::Against {
            rulebook: &self.rulebook,
            version: self.id,
        }
    }

    /// How a person names this version: "version 3", or "unpublished".
    pub fn label(&self) -> String {
        self.id
            .map_or_else(|| "unpublished".to_owned(), |id| format!("version {id}"))
    }

    fn files(&self) -> BTreeMap<String, String> {
        self.sources.iter().map(|f| (f.name.clone(), f.text.clone())).collect()
    }
}

/// The shipped definitions as files named relative to their folder, in name order.
pub fn shipped_files() -> Vec<SourceFile> {
    SHIPPED
        .iter()
        .map(|(name, text)| SourceFile {
            name: (*name).to_owned(),
            text: (*text).to_owned(),
        })
        .collect()
}

/// `files` read from `dir`, renamed relative to it (`/` between folders).
fn relative(dir: &Path, files: Vec<SourceFile>) -> Vec<SourceFile> {
    let mut files: Vec<SourceFile> = files
        .into_iter()
        .map(|f| {
            let path = Path::new(&f.name);
            let name = path.strip_prefix(dir).unwrap_or(path);
            let name = name
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            SourceFile { name, text: f.text }
        })
        .collect();
    files.sort_by(|a, b| a.name.cmp(&b.name));
    files
}

/// The fingerprint of files named relative to their folder: the same files give the
/// same digest wherever the folder lives.
pub fn digest(files: &[SourceFile]) -> String {
    let mut hasher = Sha256::new();
    for file in files {
        hasher.update(file.name.as_bytes());
        hasher.update([0]);
        hasher.update(file.text.as_bytes());
        hasher.update([0]);
    }
    format!("{:x}", hasher.finalize())
}

#[derive(Debug, thiserror::Error)]
pub enum DefinitionsError {
    #[error("cannot read the definitions folder {}: {source}", dir.display())]
    Read { dir: PathBuf, source: std::io::Error },
    /// Every problem, each at its file, line and column.
    #[error("{0}")]
    Invalid(DefinitionErrors),
    #[error("definition version {version} in the database no longer compiles: {errors}")]
    StoredInvalid { version: i64, errors: DefinitionErrors },
    #[error(
        "the definitions folder {} differs from version {} in force in this database (published by {} at {}); \
         publish the folder with `yardstick definitions import {}`, or leave --definitions out to use the version in force",
        folder.display(), active.version, active.published_by, active.published_at, folder.display()
    )]
    FolderDiffers { folder: PathBuf, active: Box<Publication> },
    /// What is stored would not fit these definitions.
    #[error("{}", .0.join("\n"))]
    DoesNotFitStored(Vec<String>),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The stored version `publication` put in force, compiled.
async fn load(store: &Store, publication: &Publication) -> Result<RulebookVersion, DefinitionsError> {
    let stored = store.definition_version(publication.version).await?.ok_or_else(|| {
        StoreError::Corrupt(format!(
            "publication {} names definition version {}, which is not stored",
            publication.id, publication.version
        ))
    })?;
    compile_stored(stored)
}

fn compile_stored(stored: StoredDefinitions) -> Result<RulebookVersion, DefinitionsError> {
    let sources: Vec<SourceFile> = stored
        .files
        .into_iter()
        .map(|(name, text)| SourceFile { name, text })
        .collect();
    let rulebook = Rulebook::load(&sources).map_err(|errors| DefinitionsError::StoredInvalid {
        version: stored.version,
        errors,
    })?;
    Ok(RulebookVersion {
        id: Some(stored.version),
        digest: stored.digest,
        sources,
        rulebook,
    })
}

/// The definitions a command or a server works with, and the publication they came
/// from. The database decides: its version in force is used, and `folder` (given by
/// `--definitions` or the settings) must hold the same files, or nothing starts; a
/// database without any publishes `folder`, else the shipped definitions, first.
///
/// Refusing a folder that differs, rather than publishing it, is deliberate: several
/// servers share one database, and one restarted with an old folder must not undo what
/// an admin published from the browser. Publishing a folder is its own command.
pub async fn in_force(
    store: &Store,
    folder: Option<&Path>,
) -> Result<(Publication, RulebookVersion), DefinitionsError> {
    let from_folder = folder.map(RulebookVersion::from_folder).transpose()?;
    if let Some(active) = store.active_publication().await? {
        let version = load(store, &active).await?;
        if let (Some(dir), Some(wanted)) = (folder, &from_folder)
            && wanted.digest != version.digest
        {
            return Err(DefinitionsError::FolderDiffers {
                folder: dir.to_owned(),
                active: Box::new(active),
            });
        }
        return Ok((active, version));
    }
    let (version, comment) = match (folder, from_folder) {
        (Some(dir), Some(version)) => (version, format!("the first definitions, from {}", dir.display())),
        _ => (
            RulebookVersion::shipped(),
            "the definitions shipped with Yardstick".to_owned(),
        ),
    };
    match publish(store, version, SYSTEM_ACTOR, &comment, PublishBase::Expect(None)).await {
        Ok(published) => Ok(published),
        // Another server starting on the same new database published first: use theirs.
        Err(DefinitionsError::Store(StoreError::PublishConflict { .. })) => Box::pin(in_force(store, folder)).await,
        Err(e) => Err(e),
    }
}

/// Puts `version` in force for every server on this database, after checking that what
/// is stored still fits it (every person's role is defined). Refused with
/// `StoreError::PublishConflict` when `base` expects another publication.
pub async fn publish(
    store: &Store,
    version: RulebookVersion,
    actor: &str,
    comment: &str,
    base: PublishBase,
) -> Result<(Publication, RulebookVersion), DefinitionsError> {
    // Through the write: an import that lands first is checked here, one that lands
    // after is checked against what this publishes.
    let writer = store.writer().await?;
    let unknown = misfits(
        &version.rulebook,
        &writer.list_people().await?,
        &writer.list_teams().await?,
    );
    if !unknown.is_empty() {
        return Err(DefinitionsError::DoesNotFitStored(unknown));
    }
    let publication = writer
        .publish_definitions(&version.digest, &version.files(), actor, comment, base)
        .await?;
    writer.commit().await?;
    let version = RulebookVersion {
        id: Some(publication.version),
        ..version
    };
    Ok((publication, version))
}

/// A unified diff of every file that differs, `a/` and `b/` before the names as git writes them.
pub fn diff(a: &StoredDefinitions, b: &StoredDefinitions) -> String {
    let names: BTreeSet<&String> = a.files.keys().chain(b.files.keys()).collect();
    let mut text = String::new();
    for name in names {
        let old = a.files.get(name).map_or("", String::as_str);
        let new = b.files.get(name).map_or("", String::as_str);
        if old == new {
            continue;
        }
        let diff = similar::TextDiff::from_lines(old, new);
        let header_a = format!("a/{name} (version {})", a.version);
        let header_b = format!("b/{name} (version {})", b.version);
        text.push_str(
            &diff
                .unified_diff()
                .context_radius(3)
                .header(&header_a, &header_b)
                .to_string(),
        );
    }
    text
}

/// What is stored that `rulebook` could not score: each person whose role it lacks,
/// each team whose card names a role it lacks.
pub fn misfits(
    rulebook: &Rulebook,
    people: &[crate::store::PersonRow],
    teams: &[crate::store::TeamRow],
) -> Vec<String> {
    let people = people
        .iter()
        .filter(|p| rulebook.find_role(&p.role).is_none())
        .map(|p| {
            format!(
                "person {} has the role `{}`, which these definitions do not define",
                p.key, p.role
            )
        });
    let teams = teams
        .iter()
        .filter_map(|t| t.card.as_ref().map(|card| (t, card)))
        .filter(|(_, card)| rulebook.find_role(card).is_none())
        .map(|(t, card)| {
            format!(
                "team {} is scored with the card `{card}`, which these definitions do not define",
                t.key
            )
        });
    people.chain(teams).collect()
}

/// How often a server asks the database whether another version was published.
pub const WATCH_EVERY: Duration = Duration::from_millis(500);

/// The rulebook a server uses now, swapped whole when a new one is published: a
/// request holds the `Arc` it began with to its end.
#[derive(Debug)]
pub struct ActiveRulebook {
    current: ArcSwap<RulebookVersion>,
    publication: Mutex<i64>,
}

impl ActiveRulebook {
    pub fn new(publication: &Publication, version: RulebookVersion) -> ActiveRulebook {
        ActiveRulebook {
            current: ArcSwap::from_pointee(version),
            publication: Mutex::new(publication.id),
        }
    }

    /// The version in force now.
    pub fn get(&self) -> Arc<RulebookVersion> {
        self.current.load_full()
    }

    /// Takes up the newest publication if it is not the one in use; whether it changed.
    pub async fn refresh(&self, store: &Store) -> Result<bool, DefinitionsError> {
        let known = *self
            .publication
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let Some(active) = store.active_publication().await? else {
            return Ok(false);
        };
        if active.id <= known {
            return Ok(false);
        }
        let version = load(store, &active).await?;
        let mut publication = self
            .publication
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // Another refresh may have taken up a newer one meanwhile.
        if active.id <= *publication {
            return Ok(false);
        }
        *publication = active.id;
        self.current.store(Arc::new(version));
        Ok(true)
    }

    /// Checks for a new publication every `every` until the returned task is aborted.
    pub fn watch(self: &Arc<Self>, store: Store, every: Duration) -> tokio::task::JoinHandle<()> {
        let active = Arc::clone(self);
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(every);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticks.tick().await;
                match active.refresh(&store).await {
                    Ok(true) => tracing::info!(version = ?active.get().id, "definitions taken up"),
                    Ok(false) => {}
                    // The version in use stays; the next tick tries again.
                    Err(e) => tracing::error!(error = %e, "cannot take up the published definitions"),
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_definitions_compile_and_match_the_folder_in_the_repository() {
        let shipped = RulebookVersion::shipped();
        let folder = RulebookVersion::from_folder(&Path::new(env!("CARGO_MANIFEST_DIR")).join("kpi-definitions"))
            .expect("the folder");
        assert_eq!(
            shipped.digest, folder.digest,
            "every file of kpi-definitions is in SHIPPED"
        );
        let names: Vec<&str> = shipped.sources.iter().map(|f| f.name.as_str()).collect();
        assert!(
            names.contains(&"metrics.yaml") && names.iter().all(|n| !n.contains("kpi-definitions")),
            "{names:?}"
        );
        assert!(!shipped.rulebook.roles().is_empty());
    }

    #[test]
    fn the_digest_depends_on_names_and_texts_only() {
        let file = |name: &str, text: &str| SourceFile {
            name: name.into(),
            text: text.into(),
        };
        let a = digest(&[file("a.yaml", "x: 1"), file("b.yaml", "y: 2")]);
        assert_eq!(a, digest(&[file("a.yaml", "x: 1"), file("b.yaml", "y: 2")]));
        assert_ne!(a, digest(&[file("a.yaml", "x: 1"), file("b.yaml", "y: 3")]));
        assert_ne!(a, digest(&[file("a.yaml", "x: 1"), file("c.yaml", "y: 2")]));
        // A name and a text cannot trade bytes and keep the digest.
        assert_ne!(digest(&[file("ab", "c")]), digest(&[file("a", "bc")]));
        let dir = Path::new("/somewhere/defs");
        let renamed = relative(dir, vec![file("/somewhere/defs/sub/r.yaml", "z")]);
        assert_eq!(renamed[0].name, "sub/r.yaml");
    }
}
