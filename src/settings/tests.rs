use super::*;
use secrecy::ExposeSecret;
use std::collections::HashMap;

/// Loads with the given configuration file text (if any), environment and flags.
fn load(file: Option<&str>, env: &[(&str, &str)], flags: Overrides) -> Result<Settings, SettingsError> {
    let dir = tempfile::tempdir().expect("a temporary folder");
    if let Some(text) = file {
        std::fs::write(dir.path().join(DEFAULT_CONFIG_FILE), text).expect("write the file");
    }
    let env: HashMap<String, String> = env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    Settings::load_from(flags, &|name| env.get(name).cloned(), dir.path())
}

const FILE: &str = r#"
database_url = "postgres://app:file-secret@db/yardstick"
actor = "from-file"

[server]
bind = "0.0.0.0:9000"
workers = 4

[log]
format = "json"

[sign_in]
failures_per_account = 3
"#;

#[test]
fn nothing_said_gives_the_defaults() {
    let settings = load(None, &[], Overrides::default()).expect("defaults load");
    assert_eq!(settings.database_url.expose_secret(), "sqlite://yardstick.db?mode=rwc");
    assert_eq!(settings.actor, "cli", "no $USER either");
    assert_eq!(settings.server.bind, "127.0.0.1:8080");
    assert_eq!(settings.server.workers.get(), 2);
    assert_eq!(settings.log.format, LogFormat::Text);
    assert_eq!(settings.sign_in.failures_per_account.get(), 5);
    assert_eq!(settings.sign_in.failures_per_address.get(), 20);
    assert_eq!(settings.sign_in.window_seconds.get(), 900);
    assert!(!settings.metrics.enabled);
}

#[test]
fn the_file_replaces_only_the_keys_it_names() {
    let settings = load(Some(FILE), &[], Overrides::default()).expect("the file loads");
    assert_eq!(
        settings.database_url.expose_secret(),
        "postgres://app:file-secret@db/yardstick"
    );
    assert_eq!(settings.actor, "from-file");
    assert_eq!(settings.server.bind, "0.0.0.0:9000");
    assert_eq!(settings.server.workers.get(), 4);
    assert_eq!(settings.log.format, LogFormat::Json);
    assert_eq!(settings.log.level, "info,sea_orm_migration=warn", "left to the default");
    assert_eq!(settings.sign_in.failures_per_account.get(), 3);
    assert_eq!(settings.sign_in.failures_per_address.get(), 20, "left to the default");
}

#[test]
fn the_environment_wins_over_the_file_and_flags_win_over_both() {
    let env = [
        ("YARDSTICK_BIND", "127.0.0.1:7000"),
        ("YARDSTICK_WORKERS", "8"),
        ("YARDSTICK_ACTOR", "from-env"),
        ("YARDSTICK_METRICS_ENABLED", "true"),
        ("RUST_LOG", "debug"),
    ];
    let settings = load(Some(FILE), &env, Overrides::default()).expect("loads");
    assert_eq!(settings.server.bind, "127.0.0.1:7000");
    assert_eq!(settings.server.workers.get(), 8);
    assert_eq!(settings.actor, "from-env");
    assert_eq!(settings.log.level, "debug");
    assert!(settings.metrics.enabled);
    assert_eq!(
        settings.log.format,
        LogFormat::Json,
        "the file still counts where env is silent"
    );

    let flags = Overrides {
        bind: Some("127.0.0.1:0".into()),
        actor: Some("from-flag".into()),
        database_url: Some("sqlite://flag.db".into()),
        log_format: Some(LogFormat::Text),
        secure_cookies: true,
        ..Overrides::default()
    };
    let settings = load(Some(FILE), &env, flags).expect("loads");
    assert_eq!(settings.server.bind, "127.0.0.1:0");
    assert_eq!(settings.actor, "from-flag");
    assert_eq!(settings.database_url.expose_secret(), "sqlite://flag.db?mode=rwc");
    assert_eq!(settings.log.format, LogFormat::Text);
    assert!(settings.server.secure_cookies);
    assert_eq!(settings.server.workers.get(), 8, "no flag: the environment's");
}

#[test]
fn yardstick_log_wins_over_rust_log_and_user_is_the_last_resort_for_the_actor() {
    let env = [("RUST_LOG", "debug"), ("YARDSTICK_LOG", "warn"), ("USER", "maria")];
    let settings = load(None, &env, Overrides::default()).expect("loads");
    assert_eq!(settings.log.level, "warn");
    assert_eq!(settings.actor, "maria");
    let settings = load(Some(FILE), &env, Overrides::default()).expect("loads");
    assert_eq!(settings.actor, "from-file", "the file's actor beats $USER");
}

#[test]
fn a_named_file_is_read_instead_of_the_one_in_the_working_folder() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let named = dir.path().join("other.toml");
    std::fs::write(&named, "[server]\nbind = \"127.0.0.1:1234\"\n").expect("write");
    let flags = Overrides {
        config: Some(named.clone()),
        ..Overrides::default()
    };
    let settings = load(Some(FILE), &[], flags).expect("loads");
    assert_eq!(settings.server.bind, "127.0.0.1:1234");
    assert_eq!(settings.actor, "cli", "yardstick.toml was not read");

    let env = [("YARDSTICK_CONFIG", named.to_str().expect("UTF-8"))];
    let settings = load(Some(FILE), &env, Overrides::default()).expect("loads");
    assert_eq!(settings.server.bind, "127.0.0.1:1234");

    let missing = Overrides {
        config: Some(dir.path().join("missing.toml")),
        ..Overrides::default()
    };
    let error = load(None, &[], missing).expect_err("a named file must exist");
    assert!(error.to_string().contains("missing.toml"), "{error}");
}

#[test]
fn an_unknown_key_names_the_file_the_key_and_the_line() {
    let text = "actor = \"a\"\n\n[server]\nbind = \"127.0.0.1:1\"\nworkres = 4\n";
    let error = load(Some(text), &[], Overrides::default()).expect_err("unknown key");
    let message = error.to_string();
    assert!(
        matches!(&error, SettingsError::Key { line: 5, key, .. } if key == "server.workres"),
        "{error:?}"
    );
    assert!(
        message.contains("yardstick.toml, line 5, key `server.workres`"),
        "{message}"
    );
    assert!(message.contains("workers"), "the expected keys are listed: {message}");
}

#[test]
fn a_wrong_type_names_the_file_the_key_and_the_line() {
    let text = "[sign_in]\nwindow_seconds = 60\nfailures_per_account = \"five\"\n";
    let error = load(Some(text), &[], Overrides::default()).expect_err("wrong type");
    assert!(
        matches!(&error, SettingsError::Key { line: 3, key, .. } if key == "sign_in.failures_per_account"),
        "{error:?}"
    );
    let zero = load(Some("[server]\nworkers = 0\n"), &[], Overrides::default()).expect_err("zero workers");
    assert!(
        matches!(&zero, SettingsError::Key { line: 2, key, .. } if key == "server.workers"),
        "{zero:?}"
    );
    let format = load(Some("[log]\nformat = \"xml\"\n"), &[], Overrides::default()).expect_err("bad format");
    assert!(format.to_string().contains("key `log.format`"), "{format}");
}

#[test]
fn broken_toml_names_the_file_and_the_line() {
    let error = load(Some("actor = \"a\"\nbind = \n"), &[], Overrides::default()).expect_err("syntax");
    assert!(error.to_string().contains("yardstick.toml, line 2"), "{error}");
}

#[test]
fn a_bad_environment_value_names_the_variable() {
    let error = load(None, &[("YARDSTICK_WORKERS", "many")], Overrides::default()).expect_err("bad number");
    assert!(error.to_string().contains("YARDSTICK_WORKERS=\"many\""), "{error}");
    let error = load(None, &[("YARDSTICK_LOG_FORMAT", "xml")], Overrides::default()).expect_err("bad format");
    assert!(error.to_string().contains("expected text or json"), "{error}");
    let error = load(None, &[("YARDSTICK_SECURE_COOKIES", "maybe")], Overrides::default()).expect_err("bad flag");
    assert!(error.to_string().contains("YARDSTICK_SECURE_COOKIES"), "{error}");
}

#[test]
fn secrets_never_show_in_debug_output() {
    let text = "database_url = \"postgres://app:file-secret@db/y\"\n[metrics]\ntoken = \"scrape-secret\"\n";
    let settings = load(Some(text), &[], Overrides::default()).expect("loads");
    let debug = format!("{settings:?}");
    assert!(
        !debug.contains("file-secret") && !debug.contains("scrape-secret"),
        "{debug}"
    );
    assert!(debug.contains("127.0.0.1:8080"), "the rest is shown: {debug}");
}

#[test]
fn sqlite_files_are_created_on_first_use() {
    assert_eq!(
        normalise_sqlite_url("sqlite://data/y.db"),
        "sqlite://data/y.db?mode=rwc"
    );
    assert_eq!(
        normalise_sqlite_url("sqlite:y.db?cache=shared"),
        "sqlite:y.db?cache=shared&mode=rwc"
    );
    assert_eq!(normalise_sqlite_url("postgres://u:p@h/db"), "postgres://u:p@h/db");
}

#[test]
fn the_example_file_is_valid_and_every_key_in_it_is_commented_out() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("yardstick.example.toml");
    let text = std::fs::read_to_string(&path).expect("the example file");
    // Tables are written out; each key is a commented line `# key = value`.
    let is_key = |l: &str| {
        l.split_once(" = ")
            .is_some_and(|(k, _)| !k.is_empty() && k.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
    };
    let uncommented: Vec<&str> = text
        .lines()
        .filter_map(|l| match l.strip_prefix("# ") {
            Some(key) if is_key(key) => Some(key),
            _ => l.starts_with('[').then_some(l),
        })
        .collect();
    // 28 keys in 5 tables and the top level.
    assert_eq!(uncommented.len(), 33, "every key is in the example: {uncommented:?}");
    let uncommented = uncommented.join("\n");
    let settings = file::parse(&uncommented, &path).expect("the example's keys are all known");
    // The values shown are the defaults (except the examples of actor and token).
    let defaults = Settings::default();
    assert_eq!(
        settings.database_url.expose_secret(),
        defaults.database_url.expose_secret()
    );
    assert_eq!(settings.server.bind, defaults.server.bind);
    assert_eq!(settings.server.workers, defaults.server.workers);
    assert_eq!(settings.log.level, defaults.log.level);
    assert_eq!(
        settings.sign_in.failures_per_account,
        defaults.sign_in.failures_per_account
    );
    assert_eq!(
        settings.sign_in.failures_per_address,
        defaults.sign_in.failures_per_address
    );
    assert_eq!(settings.sign_in.window_seconds, defaults.sign_in.window_seconds);
    assert!(settings.metrics.token.is_some());
    let mail = &defaults.mail;
    assert_eq!(
        (&settings.mail.from, &settings.mail.public_url, &settings.mail.folder),
        (&mail.from, &mail.public_url, &mail.folder)
    );
    assert_eq!(
        (
            settings.mail.smtp_port,
            settings.mail.smtp_security,
            settings.mail.retry_seconds
        ),
        (mail.smtp_port, mail.smtp_security, mail.retry_seconds)
    );
    assert_eq!(settings.mail.max_attempts, mail.max_attempts);
    assert_eq!(settings.mail.schedule.pattern(), mail.schedule.pattern());
    assert_eq!(
        (settings.mail.on_finalize, settings.mail.poll_seconds),
        (mail.on_finalize, mail.poll_seconds)
    );
    let as_shipped = file::parse(&text, &path).expect("the example as shipped");
    assert_eq!(as_shipped.server.bind, "127.0.0.1:8080");
}

#[test]
fn a_mail_schedule_is_a_five_field_cron_pattern_or_off() {
    let schedule: MailSchedule = "0 9 1W * *".parse().expect("the default");
    assert!(schedule.cron().is_some());
    assert!("off".parse::<MailSchedule>().expect("off").cron().is_none());
    let error = "0 9 1W *".parse::<MailSchedule>().expect_err("four fields");
    assert!(error.contains("five fields"), "{error}");
    let error = "0 25 * * *".parse::<MailSchedule>().expect_err("no hour 25");
    assert!(error.starts_with("`0 25 * * *` is not a cron pattern"), "{error}");
    let error = Settings::load_from(
        Overrides::default(),
        &|name| (name == "YARDSTICK_MAIL_SCHEDULE").then(|| "every day".to_owned()),
        Path::new("/nonexistent"),
    )
    .expect_err("not a pattern");
    assert!(error.to_string().contains("YARDSTICK_MAIL_SCHEDULE"), "{error}");
}
