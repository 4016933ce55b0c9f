//! The demo organisation behind `yardstick serve --demo`: the example data imported
//! into an empty database, and an account for each kind of user.

use crate::credentials::hash_password;
use crate::import::{Against, ImportKind, import_csv_bytes};
use crate::store::{AccountRole, NewAccount, Store};

/// The demo organisation, built into the binary so `serve --demo` runs from any folder;
/// teams before people, people before their data.
const DEMO_FILES: &[(ImportKind, &str, &[u8])] = &[
    (
        ImportKind::Teams,
        "demo/teams.csv",
        include_bytes!("../examples/demo/teams.csv"),
    ),
    (
        ImportKind::People,
        "demo/people.csv",
        include_bytes!("../examples/demo/people.csv"),
    ),
    (
        ImportKind::Targets,
        "demo/targets.csv",
        include_bytes!("../examples/demo/targets.csv"),
    ),
    (
        ImportKind::Metrics,
        "demo/metrics.csv",
        include_bytes!("../examples/demo/metrics.csv"),
    ),
];

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

/// Imports the demo organisation (`examples/demo`, built in) into an empty database and creates the demo accounts that
/// are missing. A database the demo seeded earlier keeps its data and gets back any
/// missing demo account; any other database is refused, since the accounts' password
/// is public.
pub async fn seed(store: &Store, against: Against<'_>) -> anyhow::Result<()> {
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
        for (kind, file, bytes) in DEMO_FILES {
            import_csv_bytes(store, against, *kind, file, bytes, DEMO_ACTOR, &quiet)
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
