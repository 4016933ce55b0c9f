//! The demo organisation behind `yardstick serve --demo`: the example data imported
//! into an empty database, and an account for each kind of user.

use crate::import::{ImportKind, import_file};
use crate::kpi::rulebook::Rulebook;
use crate::store::{AccountRole, NewAccount, Store};
use crate::web::hash_password;
use std::path::Path;

/// The password of every demo account. Demo only: real accounts come from `yardstick user add`.
pub const DEMO_PASSWORD: &str = "yardstick-demo";

/// A demo account: its name, role, and whose cards it opens.
#[derive(Debug, Clone, Copy)]
pub struct DemoLogin {
    pub username: &'static str,
    pub role: AccountRole,
    pub person: Option<&'static str>,
    pub teams: &'static [&'static str],
}

pub const DEMO_LOGINS: &[DemoLogin] = &[
    DemoLogin {
        username: "admin",
        role: AccountRole::Admin,
        person: None,
        teams: &[],
    },
    DemoLogin {
        username: "hr",
        role: AccountRole::Hr,
        person: None,
        teams: &[],
    },
    DemoLogin {
        username: "lead.east",
        role: AccountRole::Manager,
        person: Some("p001"),
        teams: &["east"],
    },
    DemoLogin {
        username: "lead.care",
        role: AccountRole::Manager,
        person: Some("p017"),
        teams: &["care"],
    },
    DemoLogin {
        username: "rep.p002",
        role: AccountRole::Rep,
        person: Some("p002"),
        teams: &[],
    },
    DemoLogin {
        username: "rep.p003",
        role: AccountRole::Rep,
        person: Some("p003"),
        teams: &[],
    },
];

/// Who the demo's imports are recorded as: a database whose first import was made by
/// this actor is one the demo seeded.
pub const DEMO_ACTOR: &str = "demo";

/// Why `serve --demo` will not touch a database.
#[derive(Debug, thiserror::Error)]
#[error(
    "--demo: this database already holds {holds}, which the demo did not load; the demo's \
     accounts share a public password, so they are created only in a database the demo \
     seeded itself. Serve this database without --demo, or give --demo a new database \
     (e.g. --database sqlite://demo.db?mode=rwc)"
)]
pub struct NotADemoDatabase {
    holds: String,
}

/// Imports `examples/demo` into an empty database and creates the demo accounts that
/// are missing. A database the demo seeded earlier keeps its data and gets back any
/// missing demo account; any other database is refused, since the accounts' password
/// is public.
pub async fn seed(store: &Store, rulebook: &Rulebook, demo_dir: &Path) -> anyhow::Result<()> {
    let people = store.list_people().await?;
    match store.first_import().await? {
        Some(first) if first.actor != DEMO_ACTOR => {
            let holds = format!(
                "data first imported by {} ({}, {})",
                first.actor, first.source, first.at
            );
            return Err(NotADemoDatabase { holds }.into());
        }
        Some(_) => {}
        None => {
            let accounts = store.list_accounts().await?;
            if !accounts.is_empty() || !people.is_empty() {
                let count = |n: usize, one: &str, many: &str| match n {
                    0 => format!("no {many}"),
                    1 => format!("1 {one}"),
                    n => format!("{n} {many}"),
                };
                let holds = format!(
                    "{} and {}",
                    count(accounts.len(), "account", "accounts"),
                    count(people.len(), "person", "people")
                );
                return Err(NotADemoDatabase { holds }.into());
            }
        }
    }
    if people.is_empty() {
        let quiet = |_: u64, _: u64| {};
        for (kind, file) in [
            (ImportKind::Teams, "teams.csv"),
            (ImportKind::People, "people.csv"),
            (ImportKind::Targets, "targets.csv"),
            (ImportKind::Metrics, "metrics.csv"),
        ] {
            import_file(store, rulebook, kind, &demo_dir.join(file), DEMO_ACTOR, &quiet)
                .await
                .map_err(|e| anyhow::anyhow!("demo data {file}: {e}"))?;
        }
    }
    for login in DEMO_LOGINS {
        if store.find_account_by_name(login.username).await?.is_none() {
            let teams: Vec<String> = login.teams.iter().map(|t| (*t).to_owned()).collect();
            let account = NewAccount {
                username: login.username,
                password_hash: hash_password(DEMO_PASSWORD)?,
                role: login.role,
                person: login.person,
                teams: &teams,
            };
            store.insert_account(account, DEMO_ACTOR).await?;
        }
    }
    Ok(())
}
