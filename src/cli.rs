//! The command line: each subcommand reads its inputs, calls the library, prints.

use crate::definitions::{RulebookVersion, in_force};
use crate::import::{ImportFailure, ImportKind, import_file};
use crate::inputs::{InputFiles, PeriodSources};
use crate::kpi::period::Period;
use crate::kpi::rulebook::Rulebook;
use crate::report::{Format, PeriodReport};
use crate::review;
use crate::settings::{LogFormat, Overrides, Settings};
use crate::store::Store;
use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use secrecy::ExposeSecret;
use std::io::{IsTerminal, Write};

mod definitions;
mod reports;
mod reviewing;
mod serve;
mod token;

pub use definitions::DefinitionsCommand;
pub use reports::ReportsCommand;
pub use reviewing::{ExportCommand, ReviewCommand};
use serve::serve;
use std::path::{Path, PathBuf};
pub use token::TokenCommand;
use token::token;

#[derive(Debug, Parser)]
#[command(
    name = "yardstick",
    version,
    about = "KPI scorecards and appraisals for sales and customer teams"
)]
pub struct Cli {
    /// The configuration file. Default: $YARDSTICK_CONFIG, else yardstick.toml in the
    /// working folder if there is one (see yardstick.example.toml).
    #[arg(long, global = true, value_name = "FILE", help_heading = "Global options")]
    pub config: Option<PathBuf>,
    /// The database: sqlite://FILE (created on first use) or postgres://USER:PASSWORD@HOST/DB.
    /// Default: $YARDSTICK_DATABASE_URL, else the configuration file, else sqlite://yardstick.db.
    #[arg(long, global = true, value_name = "URL", help_heading = "Global options")]
    pub database: Option<String>,
    /// Who the audit log records for changes made here. Default: $YARDSTICK_ACTOR, else the
    /// configuration file, else $USER.
    #[arg(long, global = true, help_heading = "Global options")]
    pub actor: Option<String>,
    /// What to log: a level or a tracing filter. Default: $YARDSTICK_LOG, else $RUST_LOG,
    /// else the configuration file, else info.
    #[arg(long, global = true, value_name = "FILTER", help_heading = "Global options")]
    pub log_level: Option<String>,
    /// Log lines as text or JSON. Default: $YARDSTICK_LOG_FORMAT, else the configuration file, else text.
    #[arg(long, global = true, value_enum, help_heading = "Global options")]
    pub log_format: Option<LogFormat>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct Definitions {
    /// A definitions folder that must match the version in force in the database (a new
    /// database starts from it). Default: $YARDSTICK_DEFINITIONS, else the configuration
    /// file, else the database's version (a new one starts from the definitions built in).
    #[arg(long = "definitions", value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Validate a folder of KPI definitions; every problem is listed with file, line and column.
    #[command(after_help = "Example:\n  yardstick check kpi-definitions")]
    Check {
        /// The definitions folder. Default: as for --definitions.
        dir: Option<PathBuf>,
    },
    /// Score every person and every team for a period, from files or from the database.
    #[command(
        after_help = "Examples:\n  yardstick evaluate --period 2026-10\n  yardstick evaluate --period 2026-Q3 --format json\n  yardstick evaluate --period 2026-10 --people examples/demo/people.csv --teams examples/demo/teams.csv --data examples/demo/metrics.csv"
    )]
    Evaluate {
        /// A month (2026-10), a quarter (2026-Q3) or a year (2026).
        #[arg(long)]
        period: Period,
        /// People: id,name,email,team,role. Without files, the database is read.
        #[arg(long, requires_all = ["teams", "data"])]
        people: Option<PathBuf>,
        /// Teams: id,name,parent.
        #[arg(long, requires_all = ["people", "data"])]
        teams: Option<PathBuf>,
        /// Metric data in long form: subject,period,metric,value (period YYYY-MM).
        #[arg(long, requires_all = ["people", "teams"])]
        data: Option<PathBuf>,
        /// Target overrides: `subject,period,kpi,target[,threshold,stretch]`.
        #[arg(long, requires = "data")]
        targets: Option<PathBuf>,
        #[command(flatten)]
        definitions: Definitions,
        /// How to print the cards: a table, JSON with every number explained, or CSV.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Bring the database schema up to date (also done on every start).
    Migrate,
    /// Import people, teams, targets or metric data from CSV or XLSX, all or nothing.
    #[command(
        after_help = "Examples:\n  yardstick import teams examples/demo/teams.csv\n  yardstick import metrics october.xlsx"
    )]
    Import {
        /// What the file holds (teams before people, people before their data).
        #[arg(value_enum)]
        kind: ImportKind,
        /// A .csv file, or a workbook (.xlsx, .xlsm, .xlsb) whose first sheet is read.
        file: PathBuf,
        #[command(flatten)]
        definitions: Definitions,
    },
    /// Freeze a month: write every card with its inputs, rating and definition version;
    /// refused while anything the review requires is missing.
    #[command(after_help = "Example:\n  yardstick finalize --period 2026-10")]
    Finalize {
        /// The month to freeze (YYYY-MM).
        #[arg(long)]
        period: Period,
        #[command(flatten)]
        definitions: Definitions,
    },
    /// Make a consistent copy of a live SQLite database.
    #[command(after_help = "Example:\n  yardstick backup /backups/yardstick-2026-10-31.db")]
    Backup {
        /// Where to write the copy; it must not exist yet.
        file: PathBuf,
    },
    /// Serve the scorecards over HTTP.
    #[command(
        after_help = "Examples:\n  yardstick serve --demo\n  yardstick serve --bind 0.0.0.0:8080 --secure-cookies"
    )]
    Serve {
        /// Address and port to listen on. Default: $YARDSTICK_BIND, else the configuration
        /// file, else 127.0.0.1:8080.
        #[arg(long)]
        bind: Option<String>,
        /// Load the demo organisation into an empty database and create its accounts
        /// (public password); a database holding anything else is refused.
        #[arg(long)]
        demo: bool,
        /// Mark cookies Secure: set this when users reach the server through TLS.
        #[arg(long)]
        secure_cookies: bool,
        /// HTTP worker threads. Default: $YARDSTICK_WORKERS, else the configuration file, else 2.
        #[arg(long)]
        workers: Option<std::num::NonZeroUsize>,
        #[command(flatten)]
        definitions: Definitions,
    },
    /// The definitions in the database: publish a folder, write a version out, list, compare.
    #[command(subcommand)]
    Definitions(DefinitionsCommand),
    /// The monthly review: start it, see what is missing, reopen a finalized month.
    #[command(subcommand)]
    Review(ReviewCommand),
    /// Files for other systems: the payroll of a finalized month.
    #[command(subcommand)]
    Export(ExportCommand),
    /// Appraisal mails: send a month's reports, see each mail's state, resend one.
    #[command(subcommand)]
    Reports(ReportsCommand),
    /// Manage accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage API tokens for integrations.
    #[command(subcommand)]
    Token(TokenCommand),
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account; its password is read from the first line of standard input.
    Add {
        /// The name to sign in with: letters, digits, `_`, `-`, `.`.
        #[arg(long)]
        username: String,
        /// What the account may do: a rep sees their own cards, a manager their teams,
        /// hr everyone and sends data, an admin also manages accounts.
        #[arg(long, value_enum)]
        role: crate::store::AccountRole,
        /// The person a rep account belongs to.
        #[arg(long)]
        person: Option<String>,
        /// A team a manager leads (repeat for several).
        #[arg(long = "team")]
        teams: Vec<String>,
    },
    /// Disable an account and end its sessions.
    #[command(after_help = "Example:\n  yardstick user disable --username rep.p002")]
    Disable {
        /// The account to disable; its sessions end.
        #[arg(long)]
        username: String,
    },
    /// Let a disabled account sign in again.
    #[command(after_help = "Example:\n  yardstick user enable --username rep.p002")]
    Enable {
        /// The account to enable.
        #[arg(long)]
        username: String,
    },
    /// Give an account another role, person or teams; its sessions carry the new access at once.
    #[command(after_help = "Example:\n  yardstick user change --username ana --role manager --person p001 --team east")]
    Change {
        /// The account to change.
        #[arg(long)]
        username: String,
        /// Its role from now on.
        #[arg(long, value_enum)]
        role: crate::store::AccountRole,
        /// The person it belongs to (a rep's own; a manager's, optional).
        #[arg(long)]
        person: Option<String>,
        /// A team a manager leads (repeat for several).
        #[arg(long = "team")]
        teams: Vec<String>,
    },
    /// Set an account's password from the first line of standard input; its sessions end.
    #[command(after_help = "Example:\n  echo 'a-new-long-password' | yardstick user password --username rep.p002")]
    Password {
        /// The account whose password is set.
        #[arg(long)]
        username: String,
    },
    /// List every account with its role, person, teams and state.
    #[command(after_help = "Example:\n  yardstick user list")]
    List,
}

/// What a failed command reports: the message, and the exit code.
#[derive(Debug)]
pub struct Failure {
    pub message: String,
    pub code: u8,
}

fn failure(error: impl std::fmt::Display) -> Failure {
    Failure {
        message: error.to_string(),
        code: 1,
    }
}

impl Cli {
    /// What the flags say about the settings; the rest comes from file, environment, defaults.
    fn overrides(&self) -> Overrides {
        let mut flags = Overrides {
            config: self.config.clone(),
            database_url: self.database.clone(),
            actor: self.actor.clone(),
            log_level: self.log_level.clone(),
            log_format: self.log_format,
            ..Overrides::default()
        };
        match &self.command {
            Command::Evaluate { definitions, .. }
            | Command::Import { definitions, .. }
            | Command::Finalize { definitions, .. } => flags.definitions = definitions.dir.clone(),
            Command::Serve {
                bind,
                secure_cookies,
                workers,
                definitions,
                ..
            } => {
                flags.definitions = definitions.dir.clone();
                flags.bind = bind.clone();
                flags.secure_cookies = *secure_cookies;
                flags.workers = *workers;
            }
            _ => {}
        }
        flags
    }

    /// Runs the command, writing its result to `out`.
    pub fn run(self, out: &mut dyn Write) -> Result<(), Failure> {
        // A configuration mistake is a usage error, like a bad flag.
        let settings = Settings::load(self.overrides()).map_err(|e| Failure {
            message: e.to_string(),
            code: 2,
        })?;
        let database_url = settings.database_url.expose_secret();
        match self.command {
            Command::Check { dir } => {
                let dir = dir
                    .or_else(|| settings.definitions.clone())
                    .unwrap_or_else(|| "kpi-definitions".into());
                check(&dir, out)
            }
            Command::Evaluate {
                period,
                people,
                teams,
                data,
                targets,
                definitions: _,
                format,
            } => {
                // Rendered in full before anything is printed, so a failure leaves no partial output.
                let mut rendered = Vec::new();
                match (&people, &teams, &data) {
                    (Some(people), Some(teams), Some(data)) => {
                        let files = InputFiles {
                            people,
                            teams,
                            data,
                            targets: targets.as_deref(),
                        };
                        // Files alone: the folder given, else the definitions built in.
                        let version = match &settings.definitions {
                            Some(dir) => RulebookVersion::from_folder(dir).map_err(failure)?,
                            None => RulebookVersion::shipped(),
                        };
                        let rulebook = &version.rulebook;
                        let sources = PeriodSources::from_files(rulebook, files, period).map_err(failure)?;
                        write_scored_files(rulebook, &sources, period, format, &mut rendered).map_err(failure)?;
                    }
                    _ => {
                        let report = block_on(evaluate_stored(&settings, period))?;
                        report.write(format, &mut rendered).map_err(failure)?;
                    }
                }
                out.write_all(&rendered).map_err(failure)
            }
            Command::Migrate => block_on(async {
                let store = Store::connect(database_url).await.map_err(failure)?;
                let applied = store.migrate().await.map_err(failure)?;
                writeln!(out, "database is up to date ({applied} migrations applied)").map_err(failure)
            }),
            Command::Import {
                kind,
                file,
                definitions: _,
            } => block_on(import(&settings, kind, &file, out)),
            Command::Finalize { period, definitions: _ } => block_on(async {
                let (store, version) = open_with_definitions(&settings).await?;
                let cards = review::finalize(&store, &version, period, &settings.actor)
                    .await
                    .map_err(failure)?;
                writeln!(
                    out,
                    "{period} finalized with definitions {}: {cards} scorecards frozen",
                    version.label()
                )
                .map_err(failure)
            }),
            Command::Serve { demo, .. } => serve(&settings, demo, out),
            Command::Definitions(command) => block_on(definitions::run(&settings, command, out)),
            Command::Review(command) => block_on(reviewing::review(&settings, command, out)),
            Command::Export(command) => block_on(reviewing::export(&settings, command, out)),
            Command::Reports(command) => block_on(reports::reports(&settings, command, out)),
            Command::User(UserCommand::Add {
                username,
                role,
                person,
                teams,
            }) => {
                let hash = password_from_stdin()?;
                block_on(async {
                    let store = Store::open(database_url).await.map_err(failure)?;
                    let account = crate::store::NewAccount {
                        username: &username,
                        password_hash: hash,
                        role,
                        person: person.as_deref(),
                        teams: &teams,
                    };
                    store.insert_account(account, &settings.actor).await.map_err(failure)?;
                    writeln!(out, "account {username} created ({})", role.as_str()).map_err(failure)
                })
            }
            Command::User(UserCommand::Disable { username }) => block_on(async {
                let store = Store::open(database_url).await.map_err(failure)?;
                store
                    .disable_account(&username, &settings.actor)
                    .await
                    .map_err(failure)?;
                writeln!(out, "account {username} disabled; its sessions have ended").map_err(failure)
            }),
            Command::User(UserCommand::Enable { username }) => block_on(async {
                let store = Store::open(database_url).await.map_err(failure)?;
                store
                    .enable_account(&username, &settings.actor)
                    .await
                    .map_err(failure)?;
                writeln!(out, "account {username} enabled").map_err(failure)
            }),
            Command::User(UserCommand::Change {
                username,
                role,
                person,
                teams,
            }) => block_on(async {
                let store = Store::open(database_url).await.map_err(failure)?;
                store
                    .change_account(&username, role, person.as_deref(), &teams, &settings.actor)
                    .await
                    .map_err(failure)?;
                writeln!(out, "account {username} is now {}", role.as_str()).map_err(failure)
            }),
            Command::User(UserCommand::Password { username }) => {
                let hash = password_from_stdin()?;
                block_on(async {
                    let store = Store::open(database_url).await.map_err(failure)?;
                    store
                        .set_password(&username, hash, &settings.actor)
                        .await
                        .map_err(failure)?;
                    writeln!(out, "password of {username} set; its sessions have ended").map_err(failure)
                })
            }
            Command::User(UserCommand::List) => block_on(async {
                let store = Store::open(database_url).await.map_err(failure)?;
                let accounts = store.list_accounts().await.map_err(failure)?;
                if accounts.is_empty() {
                    return writeln!(out, "no accounts; add one with `yardstick user add`").map_err(failure);
                }
                writeln!(
                    out,
                    "{:<20} {:<8} {:<10} {:<20} {:<9} created",
                    "username", "role", "person", "teams", "state"
                )
                .map_err(failure)?;
                for a in accounts {
                    writeln!(
                        out,
                        "{:<20} {:<8} {:<10} {:<20} {:<9} {}",
                        a.username,
                        a.role.as_str(),
                        a.person.as_deref().unwrap_or("-"),
                        if a.teams.is_empty() {
                            "-".to_owned()
                        } else {
                            a.teams.join(",")
                        },
                        if a.disabled { "disabled" } else { "enabled" },
                        a.created_at
                    )
                    .map_err(failure)?;
                }
                Ok(())
            }),
            Command::Token(command) => block_on(token(&settings, command, out)),
            Command::Backup { file } => block_on(async {
                let store = Store::open(database_url).await.map_err(failure)?;
                if file.exists() {
                    return Err(failure(format!("{} already exists; choose a new file", file.display())));
                }
                store.backup(&file).await.map_err(failure)?;
                writeln!(out, "backup written to {}", file.display()).map_err(failure)
            }),
        }
    }
}

/// The first line of standard input as a password, hashed; at least 12 characters.
fn password_from_stdin() -> Result<String, Failure> {
    let mut password = String::new();
    std::io::stdin().read_line(&mut password).map_err(failure)?;
    let password = password.trim_end_matches(['\r', '\n']);
    if password.chars().count() < 12 {
        return Err(failure(
            "the password (read from standard input) must have at least 12 characters",
        ));
    }
    crate::credentials::hash_password(password).map_err(failure)
}

fn block_on<T>(future: impl Future<Output = Result<T, Failure>>) -> Result<T, Failure> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")
        .map_err(|e| failure(format!("{e:#}")))?
        .block_on(future)
}

/// The database, and the definitions in force in it (see `definitions::in_force`).
async fn open_with_definitions(settings: &Settings) -> Result<(Store, RulebookVersion), Failure> {
    let store = Store::open(settings.database_url.expose_secret())
        .await
        .map_err(failure)?;
    let (_, version) = in_force(&store, settings.definitions.as_deref())
        .await
        .map_err(failure)?;
    Ok((store, version))
}

fn check(dir: &Path, out: &mut dyn Write) -> Result<(), Failure> {
    let version = RulebookVersion::from_folder(dir).map_err(failure)?;
    let rulebook = &version.rulebook;
    writeln!(
        out,
        "{}: {} metrics, {} KPIs, {} roles; no problems found",
        dir.display(),
        rulebook.metrics().len(),
        rulebook.kpis().len(),
        rulebook.roles().len()
    )
    .map_err(failure)
}

/// Scores `period` from files and writes it in `format`.
fn write_scored_files(
    rulebook: &Rulebook,
    sources: &PeriodSources,
    period: Period,
    format: Format,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let (inputs, scores) = sources.score(rulebook, period);
    crate::report::write_scored(rulebook, &sources.organisation, &inputs, &scores, format, out)
}

/// A finalized month is shown as frozen; anything else is scored from what is stored now.
async fn evaluate_stored(settings: &Settings, period: Period) -> Result<PeriodReport, Failure> {
    let (store, version) = open_with_definitions(settings).await?;
    crate::scorecards::period_report(&store, &version, period)
        .await
        .map_err(failure)
}

async fn import(settings: &Settings, kind: ImportKind, file: &Path, out: &mut dyn Write) -> Result<(), Failure> {
    let (store, version) = open_with_definitions(settings).await?;
    // A bar on a terminal; nothing in scripts and logs.
    let bar = std::io::stdout().is_terminal().then(|| {
        let bar = indicatif::ProgressBar::new_spinner();
        bar.set_style(
            indicatif::ProgressStyle::with_template("{spinner} {msg} {pos} rows read [{elapsed}]")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
        );
        bar.set_message(format!("importing {}", file.display()));
        bar.enable_steady_tick(std::time::Duration::from_millis(120));
        bar
    });
    // Rows are counted as they are read (`of` is 0 until the total is known); once it
    // is, the spinner becomes a bar with a percentage and the time it should still take.
    let progress = |written: u64, of: u64| {
        if let Some(bar) = &bar {
            if of > 0 && bar.length() != Some(of) {
                bar.set_length(of);
                bar.set_style(
                    indicatif::ProgressStyle::with_template(
                        "{msg} [{bar:30}] {percent}% {pos}/{len} rows, about {eta} left",
                    )
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
                );
            }
            bar.set_position(written);
        }
    };
    let result = import_file(&store, version.against(), kind, file, &settings.actor, &progress).await;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let report = result.map_err(|e| match e {
        ImportFailure::Rows(errors) => failure(errors),
        other => failure(other),
    })?;
    let c = report.changes;
    writeln!(
        out,
        "{}: {} rows: {} added, {} changed, {} unchanged",
        file.display(),
        report.rows,
        c.added,
        c.changed,
        c.unchanged
    )
    .map_err(failure)
}
