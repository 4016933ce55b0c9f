//! `yardstick token`: API tokens for integrations, printed once, stored as hashes.

use super::{Failure, failure};
use crate::settings::Settings;
use crate::store::Store;
use clap::Subcommand;
use secrecy::ExposeSecret;
use std::io::Write;

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create a token acting as an account; it is printed once and never stored.
    #[command(after_help = "Example:\n  yardstick token add --username hr --scope write --name crm")]
    Add {
        /// The account the token acts as; it sees what that account sees.
        #[arg(long)]
        username: String,
        /// `read` may only GET; `write` may also send data (an hr or admin account).
        #[arg(long, value_enum)]
        scope: crate::store::ApiScope,
        /// A name to list and revoke it by.
        #[arg(long)]
        name: String,
    },
    /// End a token at once, by its name or id.
    Revoke {
        /// The token's name, or its id from `yardstick token list`.
        #[arg(long, value_name = "NAME_OR_ID")]
        name: String,
    },
    /// List the live tokens (never the tokens themselves).
    List,
}

pub(super) async fn token(settings: &Settings, command: TokenCommand, out: &mut dyn Write) -> Result<(), Failure> {
    let store = Store::open(settings.database_url.expose_secret())
        .await
        .map_err(failure)?;
    match command {
        TokenCommand::Add { username, scope, name } => {
            let (token, hash) = crate::credentials::new_api_token();
            store
                .insert_api_token(&name, &username, scope, &hash, &settings.actor)
                .await
                .map_err(failure)?;
            writeln!(out, "{token}").map_err(failure)?;
            eprintln!(
                "token {name} for {username} ({}); it is shown only this once",
                scope.as_str()
            );
            Ok(())
        }
        TokenCommand::Revoke { name } => {
            let token = store.revoke_api_token(&name, &settings.actor).await.map_err(failure)?;
            writeln!(out, "token {} ({}) revoked", token.name, token.username).map_err(failure)
        }
        TokenCommand::List => {
            let tokens = store.list_api_tokens().await.map_err(failure)?;
            if tokens.is_empty() {
                return writeln!(out, "no live tokens; add one with `yardstick token add`").map_err(failure);
            }
            writeln!(out, "id\tname\taccount\tscope\tcreated\tlast used").map_err(failure)?;
            for t in tokens {
                let used = t
                    .last_used_at
                    .map_or_else(|| "never used".to_owned(), |at| format!("last used {at}"));
                writeln!(
                    out,
                    "{}\t{}\t{}\t{}\tcreated {}\t{used}",
                    t.id,
                    t.name,
                    t.username,
                    t.scope.as_str(),
                    t.created_at
                )
                .map_err(failure)?;
            }
            Ok(())
        }
    }
}
