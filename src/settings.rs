//! Settings: defaults, then `YARDSTICK_*` environment variables, then command-line
//! flags. The only place that reads the environment.

/// The database used when nothing else is said: a file in the working folder.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://yardstick.db";

/// Everything the commands need to know about their surroundings.
#[derive(Clone)]
pub struct Settings {
    /// `sqlite://PATH` or `postgres://USER:PASSWORD@HOST/DB`.
    pub database_url: String,
    /// Who is recorded in the audit log for changes made from this command line.
    pub actor: String,
}

impl std::fmt::Debug for Settings {
    // The URL may hold a password: never print it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("database_url", &"<redacted>")
            .field("actor", &self.actor)
            .finish()
    }
}

impl Settings {
    /// Resolves each setting from its flag, else its environment variable, else its default.
    pub fn resolve(database_flag: Option<&str>, actor_flag: Option<&str>) -> Settings {
        let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let database_url = database_flag
            .map(str::to_owned)
            .or_else(|| env("YARDSTICK_DATABASE_URL"))
            .unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned());
        let actor = actor_flag
            .map(str::to_owned)
            .or_else(|| env("YARDSTICK_ACTOR"))
            .or_else(|| env("USER"))
            .unwrap_or_else(|| "cli".to_owned());
        Settings {
            database_url: normalise_sqlite_url(&database_url),
            actor,
        }
    }
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
mod tests {
    use super::*;

    #[test]
    fn flags_win_and_sqlite_files_are_created_on_first_use() {
        let settings = Settings::resolve(Some("sqlite://data/y.db"), Some("hr.admin"));
        assert_eq!(settings.database_url, "sqlite://data/y.db?mode=rwc");
        assert_eq!(settings.actor, "hr.admin");
        assert_eq!(normalise_sqlite_url("postgres://u:p@h/db"), "postgres://u:p@h/db");
        assert!(!format!("{settings:?}").contains("data/y.db"));
    }
}
