//! Settings: defaults, then a configuration file, then `YARDSTICK_*` environment
//! variables, then command-line flags, into one typed `Settings`. The only place that
//! reads the environment; `yardstick.example.toml` documents every key.

mod file;

use secrecy::SecretString;
use serde::Deserialize;
use std::num::{NonZeroU32, NonZeroU64, NonZeroUsize};
use std::path::{Path, PathBuf};
use std::str::FromStr;

pub use file::SettingsError;

/// The database used when nothing else is said: a file in the working folder.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://yardstick.db";
/// The configuration file read from the working folder when none is named.
pub const DEFAULT_CONFIG_FILE: &str = "yardstick.toml";

/// Everything the commands and the server need to know about their surroundings.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    /// `sqlite://PATH` or `postgres://USER:PASSWORD@HOST/DB`; may hold a password.
    pub database_url: SecretString,
    /// Who the audit log records for changes made from the command line. Left empty,
    /// loading fills in `$USER`, else `cli`.
    pub actor: String,
    /// A KPI definitions folder: the first definitions of a new database, and then
    /// the files the database's version in force must match. Unset, the database's
    /// version is used, and a new database starts from the definitions built in.
    pub definitions: Option<PathBuf>,
    pub server: ServerSettings,
    pub log: LogSettings,
    pub sign_in: SignInLimits,
    pub metrics: MetricsSettings,
    pub mail: MailSettings,
}

/// How appraisal mails leave: through an SMTP server when `smtp_host` is set, else as
/// `.eml` files in `folder`, so that sending works out of the box.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MailSettings {
    /// The sender, `Name <address>`; its domain also names each Message-ID.
    pub from: String,
    /// The server's address as readers reach it, for the links in mails.
    pub public_url: String,
    /// Where `.eml` files are written when no SMTP server is set.
    pub folder: PathBuf,
    pub smtp_host: Option<String>,
    pub smtp_port: u16,
    pub smtp_security: SmtpSecurity,
    pub smtp_username: Option<String>,
    pub smtp_password: Option<SecretString>,
    /// Seconds before the first retry after a temporary failure; each later retry
    /// waits four times longer.
    pub retry_seconds: u64,
    /// Temporary failures before a mail is given up as failed.
    pub max_attempts: NonZeroU32,
    /// When the server sends the month before's reports, as a cron pattern in the
    /// server's local time; `off` for never.
    pub schedule: MailSchedule,
    /// Whether the server sends a month's reports again once it is finalized.
    pub on_finalize: bool,
    /// Who receives hr's report besides hr accounts linked to a person with a mail
    /// address: a shared mailbox, say.
    pub hr_to: Vec<String>,
    /// Seconds between the server's looks at the schedule, finalized months and the
    /// mails due.
    pub poll_seconds: NonZeroU64,
}

/// A cron pattern (minute, hour, day of month, month, day of week; `1W` is the
/// weekday nearest the 1st) or `off`.
#[derive(Debug, Clone)]
pub struct MailSchedule {
    pattern: String,
    cron: Option<croner::Cron>,
}

impl MailSchedule {
    /// The parsed pattern; `None` when the schedule is off.
    pub fn cron(&self) -> Option<&croner::Cron> {
        self.cron.as_ref()
    }

    pub fn pattern(&self) -> &str {
        &self.pattern
    }
}

impl FromStr for MailSchedule {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let pattern = s.trim();
        if pattern.eq_ignore_ascii_case("off") {
            return Ok(MailSchedule {
                pattern: "off".into(),
                cron: None,
            });
        }
        if pattern.split_whitespace().count() != 5 {
            return Err(format!(
                "`{pattern}` is not a schedule: five fields (minute hour day-of-month month day-of-week, \
                 such as `0 9 1W * *`) or `off`"
            ));
        }
        let cron = croner::Cron::from_str(pattern).map_err(|e| format!("`{pattern}` is not a cron pattern: {e}"))?;
        Ok(MailSchedule {
            pattern: pattern.to_owned(),
            cron: Some(cron),
        })
    }
}

impl<'de> Deserialize<'de> for MailSchedule {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

impl Default for MailSchedule {
    fn default() -> Self {
        // The first working day of the month (the weekday nearest the 1st, never in
        // the month before) at 09:00.
        DEFAULT_MAIL_SCHEDULE.parse().expect("the default schedule parses")
    }
}

/// The first working day of each month at 09:00.
pub const DEFAULT_MAIL_SCHEDULE: &str = "0 9 1W * *";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpSecurity {
    /// Plain connection upgraded with STARTTLS (port 587), required.
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
    /// No encryption: only for a relay on the same machine or network.
    None,
}

impl FromStr for SmtpSecurity {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "starttls" => Ok(SmtpSecurity::Starttls),
            "tls" => Ok(SmtpSecurity::Tls),
            "none" => Ok(SmtpSecurity::None),
            _ => Err("expected starttls, tls or none".into()),
        }
    }
}

impl Default for MailSettings {
    fn default() -> Self {
        MailSettings {
            from: "Yardstick <yardstick@localhost>".into(),
            public_url: "http://127.0.0.1:8080".into(),
            folder: PathBuf::from("mail"),
            smtp_host: None,
            smtp_port: 587,
            smtp_security: SmtpSecurity::Starttls,
            smtp_username: None,
            smtp_password: None,
            retry_seconds: 60,
            max_attempts: NonZeroU32::new(8).expect("8 is not zero"),
            schedule: MailSchedule::default(),
            on_finalize: true,
            hr_to: Vec::new(),
            poll_seconds: NonZeroU64::new(30).expect("30 is not zero"),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerSettings {
    /// Address and port to listen on; port 0 takes any free port.
    pub bind: String,
    /// Mark cookies Secure: set when users reach the server through TLS.
    pub secure_cookies: bool,
    /// One reverse proxy stands in front and appends the client's address to
    /// `X-Forwarded-For`; its last entry is then the client, for sign-in limits.
    pub behind_proxy: bool,
    /// HTTP worker threads.
    pub workers: NonZeroUsize,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogSettings {
    /// A tracing filter: `info`, or `warn,yardstick=debug`.
    pub level: String,
    pub format: LogFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// One readable line per event.
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

/// How many failed sign-ins are allowed within a window before further attempts
/// are refused until the oldest failure leaves the window.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SignInLimits {
    pub failures_per_account: NonZeroU32,
    pub failures_per_address: NonZeroU32,
    pub window_seconds: NonZeroU64,
}

/// Who may read `/metrics`: nobody unless enabled; with a token, only requests
/// carrying `Authorization: Bearer TOKEN`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MetricsSettings {
    pub enabled: bool,
    pub token: Option<SecretString>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            database_url: DEFAULT_DATABASE_URL.into(),
            actor: String::new(),
            definitions: None,
            server: ServerSettings::default(),
            log: LogSettings::default(),
            sign_in: SignInLimits::default(),
            metrics: MetricsSettings::default(),
            mail: MailSettings::default(),
        }
    }
}

impl Default for ServerSettings {
    fn default() -> Self {
        ServerSettings {
            bind: "127.0.0.1:8080".into(),
            secure_cookies: false,
            behind_proxy: false,
            workers: NonZeroUsize::new(2).expect("2 is not zero"),
        }
    }
}

impl Default for LogSettings {
    fn default() -> Self {
        LogSettings {
            level: "info,sea_orm_migration=warn".into(),
            format: LogFormat::Text,
        }
    }
}

impl Default for SignInLimits {
    fn default() -> Self {
        SignInLimits {
            failures_per_account: NonZeroU32::new(5).expect("5 is not zero"),
            failures_per_address: NonZeroU32::new(20).expect("20 is not zero"),
            window_seconds: NonZeroU64::new(15 * 60).expect("900 is not zero"),
        }
    }
}

/// What the command line said; `None` (or `false`) leaves the setting to the layers below.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub config: Option<PathBuf>,
    pub database_url: Option<String>,
    pub actor: Option<String>,
    pub definitions: Option<PathBuf>,
    pub bind: Option<String>,
    pub secure_cookies: bool,
    pub workers: Option<NonZeroUsize>,
    pub log_level: Option<String>,
    pub log_format: Option<LogFormat>,
}

impl Settings {
    /// Loads the settings of this process: defaults, the configuration file, the
    /// environment, then `flags`.
    pub fn load(flags: Overrides) -> Result<Settings, SettingsError> {
        let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        Settings::load_from(flags, &env, Path::new("."))
    }

    /// `load` with the environment and the working folder given, for tests.
    fn load_from(
        flags: Overrides,
        env: &dyn Fn(&str) -> Option<String>,
        working_dir: &Path,
    ) -> Result<Settings, SettingsError> {
        let config = flags
            .config
            .clone()
            .or_else(|| env("YARDSTICK_CONFIG").map(PathBuf::from))
            .or_else(|| Some(working_dir.join(DEFAULT_CONFIG_FILE)).filter(|f| f.is_file()));
        let mut settings = match config {
            Some(path) => file::read(&path)?,
            None => Settings::default(),
        };
        settings.apply_environment(env)?;
        settings.apply_flags(flags);
        if settings.actor.is_empty() {
            settings.actor = env("USER").unwrap_or_else(|| "cli".to_owned());
        }
        settings.database_url =
            normalise_sqlite_url(secrecy::ExposeSecret::expose_secret(&settings.database_url)).into();
        Ok(settings)
    }

    fn apply_environment(&mut self, env: &dyn Fn(&str) -> Option<String>) -> Result<(), SettingsError> {
        if let Some(url) = env("YARDSTICK_DATABASE_URL") {
            self.database_url = url.into();
        }
        if let Some(token) = env("YARDSTICK_METRICS_TOKEN") {
            self.metrics.token = Some(token.into());
        }
        set(env, "YARDSTICK_ACTOR", &mut self.actor)?;
        if let Some(dir) = env("YARDSTICK_DEFINITIONS") {
            self.definitions = Some(dir.into());
        }
        set(env, "YARDSTICK_BIND", &mut self.server.bind)?;
        set(env, "YARDSTICK_WORKERS", &mut self.server.workers)?;
        set_flag(env, "YARDSTICK_SECURE_COOKIES", &mut self.server.secure_cookies)?;
        set_flag(env, "YARDSTICK_BEHIND_PROXY", &mut self.server.behind_proxy)?;
        // RUST_LOG is what every Rust program understands; ours is more specific and wins.
        set(env, "RUST_LOG", &mut self.log.level)?;
        set(env, "YARDSTICK_LOG", &mut self.log.level)?;
        set(env, "YARDSTICK_LOG_FORMAT", &mut self.log.format)?;
        let limits = &mut self.sign_in;
        set(
            env,
            "YARDSTICK_SIGN_IN_FAILURES_PER_ACCOUNT",
            &mut limits.failures_per_account,
        )?;
        set(
            env,
            "YARDSTICK_SIGN_IN_FAILURES_PER_ADDRESS",
            &mut limits.failures_per_address,
        )?;
        set(env, "YARDSTICK_SIGN_IN_WINDOW_SECONDS", &mut limits.window_seconds)?;
        set_flag(env, "YARDSTICK_METRICS_ENABLED", &mut self.metrics.enabled)?;
        let mail = &mut self.mail;
        set(env, "YARDSTICK_MAIL_FROM", &mut mail.from)?;
        set(env, "YARDSTICK_PUBLIC_URL", &mut mail.public_url)?;
        set(env, "YARDSTICK_MAIL_FOLDER", &mut mail.folder)?;
        if let Some(host) = env("YARDSTICK_SMTP_HOST") {
            mail.smtp_host = Some(host);
        }
        set(env, "YARDSTICK_SMTP_PORT", &mut mail.smtp_port)?;
        set(env, "YARDSTICK_SMTP_SECURITY", &mut mail.smtp_security)?;
        if let Some(username) = env("YARDSTICK_SMTP_USERNAME") {
            mail.smtp_username = Some(username);
        }
        if let Some(password) = env("YARDSTICK_SMTP_PASSWORD") {
            mail.smtp_password = Some(password.into());
        }
        set(env, "YARDSTICK_MAIL_RETRY_SECONDS", &mut mail.retry_seconds)?;
        set(env, "YARDSTICK_MAIL_MAX_ATTEMPTS", &mut mail.max_attempts)?;
        set(env, "YARDSTICK_MAIL_SCHEDULE", &mut mail.schedule)?;
        set_flag(env, "YARDSTICK_MAIL_ON_FINALIZE", &mut mail.on_finalize)?;
        if let Some(list) = env("YARDSTICK_MAIL_HR_TO") {
            mail.hr_to = list
                .split(',')
                .map(str::trim)
                .filter(|a| !a.is_empty())
                .map(str::to_owned)
                .collect();
        }
        set(env, "YARDSTICK_MAIL_POLL_SECONDS", &mut mail.poll_seconds)
    }

    fn apply_flags(&mut self, flags: Overrides) {
        if let Some(url) = flags.database_url {
            self.database_url = url.into();
        }
        replace(&mut self.actor, flags.actor);
        if flags.definitions.is_some() {
            self.definitions = flags.definitions;
        }
        replace(&mut self.server.bind, flags.bind);
        replace(&mut self.server.workers, flags.workers);
        replace(&mut self.log.level, flags.log_level);
        replace(&mut self.log.format, flags.log_format);
        self.server.secure_cookies |= flags.secure_cookies;
    }
}

fn replace<T>(setting: &mut T, value: Option<T>) {
    if let Some(value) = value {
        *setting = value;
    }
}

impl FromStr for LogFormat {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "text" => Ok(LogFormat::Text),
            "json" => Ok(LogFormat::Json),
            _ => Err("expected text or json".into()),
        }
    }
}

/// Sets `setting` from the variable `name` when it is present, or says what is wrong with it.
fn set<T: FromStr>(
    env: &dyn Fn(&str) -> Option<String>,
    name: &'static str,
    setting: &mut T,
) -> Result<(), SettingsError>
where
    T::Err: std::fmt::Display,
{
    if let Some(value) = env(name) {
        *setting = value.parse().map_err(|e: T::Err| SettingsError::Environment {
            variable: name,
            value,
            message: e.to_string(),
        })?;
    }
    Ok(())
}

fn set_flag(env: &dyn Fn(&str) -> Option<String>, name: &'static str, setting: &mut bool) -> Result<(), SettingsError> {
    if let Some(value) = env(name) {
        *setting = match value.to_ascii_lowercase().as_str() {
            "1" | "true" | "yes" | "on" => true,
            "0" | "false" | "no" | "off" => false,
            _ => {
                return Err(SettingsError::Environment {
                    variable: name,
                    value,
                    message: "expected true or false".into(),
                });
            }
        };
    }
    Ok(())
}

/// `sqlite://file.db` and `sqlite:file.db` both name a file relative to the working
/// folder; sqlx wants to be told it may create it.
fn normalise_sqlite_url(url: &str) -> String {
    match url.strip_prefix("sqlite:") {
        Some(rest) if !rest.contains("mode=") && !rest.contains(":memory:") => {
            let separator = if rest.contains('?') { '&' } else { '?' };
            format!("sqlite:{rest}{separator}mode=rwc")
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests;
