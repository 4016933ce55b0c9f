//! The configuration file (TOML) and what can be wrong with the settings: each error
//! names its place, the file, line and key, or the environment variable.

use super::Settings;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("cannot read the configuration file {}: {source}", file.display())]
    Read { file: PathBuf, source: std::io::Error },
    #[error("{}, line {line}, key `{key}`: {message}", file.display())]
    Key {
        file: PathBuf,
        line: usize,
        key: String,
        message: String,
    },
    #[error("{}, line {line}: {message}", file.display())]
    Syntax {
        file: PathBuf,
        line: usize,
        message: String,
    },
    /// The value is shown: environment variables holding secrets are never parsed.
    #[error("the environment variable {variable}={value:?}: {message}")]
    Environment {
        variable: &'static str,
        value: String,
        message: String,
    },
}

/// Reads `path` over the defaults: keys it leaves out keep their default.
pub fn read(path: &Path) -> Result<Settings, SettingsError> {
    let text = std::fs::read_to_string(path).map_err(|source| SettingsError::Read {
        file: path.to_owned(),
        source,
    })?;
    parse(&text, path)
}

/// Parses a configuration file's text; `path` is only for messages.
pub fn parse(text: &str, path: &Path) -> Result<Settings, SettingsError> {
    toml::from_str(text).map_err(|error| {
        let start = error.span().map_or(0, |span| span.start);
        let line = text[..start.min(text.len())].matches('\n').count() + 1;
        let message = error.message().trim().to_owned();
        match key_at(text, start) {
            Some(key) => SettingsError::Key {
                file: path.to_owned(),
                line,
                key,
                message,
            },
            None => SettingsError::Syntax {
                file: path.to_owned(),
                line,
                message,
            },
        }
    })
}

/// The dotted key written on the line holding byte `offset`: `server.workers` for
/// `workers = 0` under `[server]`, or the table a `[header]` line names.
fn key_at(text: &str, offset: usize) -> Option<String> {
    let offset = offset.min(text.len());
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line = text[line_start..].lines().next().unwrap_or("").trim();
    if let Some(header) = table_header(line) {
        return Some(header.to_owned());
    }
    let (key, _) = line.split_once('=')?;
    let key = key.trim().trim_matches('"');
    if key.is_empty() {
        return None;
    }
    let table = text[..line_start].lines().rev().find_map(|l| table_header(l.trim()));
    Some(match table {
        Some(table) => format!("{table}.{key}"),
        None => key.to_owned(),
    })
}

fn table_header(line: &str) -> Option<&str> {
    line.strip_prefix('[')
        .and_then(|rest| rest.split_once(']'))
        .map(|(name, _)| name.trim())
}
