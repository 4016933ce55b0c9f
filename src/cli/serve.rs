//! `yardstick serve`: logging, the database, the demo, the server and its graceful stop.

use super::{Failure, failure};
use crate::definitions::{ActiveRulebook, in_force};
use crate::settings::{LogFormat, LogSettings, Settings};
use crate::store::Store;
use secrecy::ExposeSecret;
use std::io::{IsTerminal, Write};

/// Logs to standard error, as text or JSON lines, filtered by the configured level.
fn init_logging(log: &LogSettings) -> Result<(), Failure> {
    let filter = tracing_subscriber::EnvFilter::try_new(&log.level)
        .map_err(|e| failure(format!("the log level {:?} is not a level or filter: {e}", log.level)))?;
    let logger = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_env_filter(filter);
    // Fails only when a logger is already installed (tests running several servers).
    let _ = match log.format {
        LogFormat::Text => logger.try_init(),
        LogFormat::Json => logger.json().with_current_span(true).with_span_list(false).try_init(),
    };
    Ok(())
}

pub(super) fn serve(settings: &Settings, demo: bool, out: &mut dyn Write) -> Result<(), Failure> {
    init_logging(&settings.log)?;
    actix_web::rt::System::new().block_on(async {
        let store = Store::open(settings.database_url.expose_secret())
            .await
            .map_err(failure)?;
        let (publication, version) = in_force(&store, settings.definitions.as_deref())
            .await
            .map_err(failure)?;
        if demo {
            crate::demo::seed(&store, version.against())
                .await
                .map_err(|e| failure(format!("{e:#}")))?;
        }
        tracing::info!(version = ?version.id, publication = publication.id, "definitions in force");
        let definitions = std::sync::Arc::new(ActiveRulebook::new(&publication, version));
        // Mail is a layer beside the web: the same store and definitions, its own task.
        let mails = crate::mail::schedule::spawn(
            store.clone(),
            std::sync::Arc::clone(&definitions),
            settings.mail.clone(),
        );
        let app =
            crate::web::Application::build(store, definitions, settings).map_err(|e| failure(format!("{e:#}")))?;
        let handle = app.handle();
        let mut terminate =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).map_err(failure)?;
        actix_web::rt::spawn(async move {
            tokio::select! {
                _ = terminate.recv() => {}
                _ = tokio::signal::ctrl_c() => {}
            }
            tracing::info!("stopping: finishing the requests in flight");
            handle.stop(true).await;
        });
        let bind = &settings.server.bind;
        let host = bind.rsplit_once(':').map_or(bind.as_str(), |(host, _)| host);
        writeln!(out, "Yardstick is serving on http://{host}:{}/", app.port()).map_err(failure)?;
        if demo {
            writeln!(out, "Demo sign-ins (password {}):", crate::demo::DEMO_PASSWORD).map_err(failure)?;
            for login in crate::demo::DEMO_LOGINS {
                writeln!(out, "  {:<10} {}", login.username, login.role.as_str()).map_err(failure)?;
            }
        }
        out.flush().map_err(failure)?;
        let served = app.run().await;
        mails.abort();
        served.map_err(failure)
    })
}
