//! Where messages go: an SMTP server (STARTTLS, implicit TLS, or plain for a local
//! relay), a folder of `.eml` files (the default, so that sending works out of the
//! box), or memory (unit tests). A refusal is temporary (retry later) or permanent.

use crate::settings::{MailSettings, SmtpSecurity};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::ExposeSecret;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How long one SMTP conversation may take before it counts as a temporary failure.
const SMTP_TIMEOUT: Duration = Duration::from_secs(30);

/// Why a message was not delivered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// Worth trying again later: a 4xx reply, a refused, dropped or timed-out connection.
    #[error("{0}")]
    Temporary(String),
    /// Not worth trying again: a 5xx reply (an unknown mailbox, a refused sender).
    #[error("{0}")]
    Permanent(String),
}

#[derive(Clone)]
pub enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Folder(PathBuf),
    /// Every message sent, as its raw bytes.
    Memory(Arc<Mutex<Vec<Vec<u8>>>>),
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Transport::Smtp(_) => f.write_str("Transport::Smtp"),
            Transport::Folder(dir) => write!(f, "Transport::Folder({})", dir.display()),
            Transport::Memory(_) => f.write_str("Transport::Memory"),
        }
    }
}

impl Transport {
    /// The transport the settings name: SMTP when a host is set, else the folder.
    pub fn from_settings(settings: &MailSettings) -> Result<Transport, String> {
        let Some(host) = settings.smtp_host.as_deref() else {
            return Ok(Transport::Folder(settings.folder.clone()));
        };
        let builder = match settings.smtp_security {
            SmtpSecurity::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host),
            SmtpSecurity::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(host),
            SmtpSecurity::None => Ok(AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)),
        }
        .map_err(|e| format!("the SMTP server {host}: {e}"))?;
        // A connection for each mail in flight, kept between mails.
        let pool = lettre::transport::smtp::PoolConfig::new().max_size(super::WORKERS as u32);
        let mut builder = builder
            .port(settings.smtp_port)
            .timeout(Some(SMTP_TIMEOUT))
            .pool_config(pool);
        if let (Some(user), Some(password)) = (&settings.smtp_username, &settings.smtp_password) {
            builder = builder.credentials(Credentials::new(user.clone(), password.expose_secret().to_owned()));
        }
        Ok(Transport::Smtp(builder.build()))
    }

    /// Where messages go, as a person reads it.
    pub fn describe(&self) -> String {
        match self {
            Transport::Smtp(_) => "the SMTP server".into(),
            Transport::Folder(dir) => format!("the folder {}", dir.display()),
            Transport::Memory(_) => "memory".into(),
        }
    }

    /// Hands `message` over; `name` is a file name for it in a folder.
    pub async fn send(&self, message: Message, name: &str) -> Result<(), SendError> {
        match self {
            Transport::Smtp(smtp) => smtp.send(message).await.map(|_| ()).map_err(classify),
            Transport::Folder(dir) => {
                tokio::fs::create_dir_all(dir)
                    .await
                    .map_err(|e| SendError::Temporary(format!("{}: {e}", dir.display())))?;
                let path = dir.join(format!("{name}.eml"));
                tokio::fs::write(&path, message.formatted())
                    .await
                    .map_err(|e| SendError::Temporary(format!("{}: {e}", path.display())))
            }
            Transport::Memory(sent) => {
                sent.lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .push(message.formatted());
                Ok(())
            }
        }
    }
}

/// A 5xx reply is permanent; a 4xx reply, a connection refused, dropped or timed out
/// is temporary.
fn classify(error: lettre::transport::smtp::Error) -> SendError {
    let text = match error.status() {
        Some(code) => format!("{code} {error}"),
        None => error.to_string(),
    };
    if error.is_permanent() {
        SendError::Permanent(text)
    } else {
        SendError::Temporary(text)
    }
}
