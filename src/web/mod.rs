//! The web server: HTML scorecards and the JSON API over the store and the engine.
//! `Application::build` binds its own listener (port 0 in tests) and `run` serves.

mod access;
mod admin;
mod api;
mod audit;
mod error;
mod form;
mod language;
mod pages;
mod review;
mod scores;
mod session;
mod signing;
mod telemetry;
mod throttle;
mod upload;

pub use audit::AuditTrail;
pub use upload::UPLOAD_LIMIT;

use crate::definitions::{ActiveRulebook, RulebookVersion, WATCH_EVERY};
use crate::settings::Settings;
use crate::store::Store;
use actix_web::dev::Server;
use actix_web::middleware::DefaultHeaders;
use actix_web::{App, HttpServer, web};
use std::net::TcpListener;
use std::sync::Arc;

/// What every request handler shares.
#[derive(Debug)]
pub struct AppState {
    pub store: Store,
    /// The definitions in force, swapped when a new version is published.
    pub definitions: Arc<ActiveRulebook>,
    scores: scores::ScoreCache,
    /// Checked against when a username is unknown, so timing reveals nothing.
    stand_in_hash: String,
    /// Mark cookies Secure (behind TLS).
    pub secure_cookies: bool,
    telemetry: telemetry::Telemetry,
    throttle: throttle::Throttle,
    /// Rows of reads and refusals, written behind the request.
    audit: audit::AuditTrail,
    /// Read from the database on first use; see `signing`.
    signer: tokio::sync::OnceCell<signing::Signer>,
}

impl AppState {
    /// The definitions in force now; a request keeps the one it took to its end.
    pub fn rulebook(&self) -> Arc<RulebookVersion> {
        self.definitions.get()
    }
}

/// A bound, ready-to-run server.
pub struct Application {
    port: u16,
    server: Server,
    audit: audit::AuditTrail,
    /// Takes up newly published definitions; stopped with the server.
    watcher: tokio::task::JoinHandle<()>,
}

impl std::fmt::Debug for Application {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Application")
            .field("port", &self.port)
            .finish_non_exhaustive()
    }
}

impl Application {
    /// Binds `settings.server.bind` (use port 0 for any free port) and prepares the server.
    /// Must be called within a Tokio runtime: it starts the watcher of the definitions.
    pub fn build(store: Store, definitions: Arc<ActiveRulebook>, settings: &Settings) -> anyhow::Result<Application> {
        let bind = &settings.server.bind;
        let listener = TcpListener::bind(bind).map_err(|e| anyhow::anyhow!("cannot listen on {bind}: {e}"))?;
        let port = listener.local_addr()?.port();
        let audit = audit::AuditTrail::start(store.clone());
        let watcher = definitions.watch(store.clone(), WATCH_EVERY);
        let state = web::Data::new(AppState {
            audit: audit.clone(),
            store,
            definitions,
            scores: scores::ScoreCache::default(),
            stand_in_hash: crate::credentials::hash_password(&crate::credentials::random_token())?,
            secure_cookies: settings.server.secure_cookies,
            telemetry: telemetry::Telemetry::new(&settings.metrics),
            throttle: throttle::Throttle::new(&settings.sign_in, settings.server.behind_proxy),
            signer: tokio::sync::OnceCell::new(),
        });
        let server = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .app_data(api::query_config())
                .wrap(security_headers())
                .wrap(actix_web::middleware::from_fn(language::remember))
                // Outermost, so its span and log line cover everything below.
                .wrap(actix_web::middleware::from_fn(telemetry::observe))
                .service(telemetry::metrics)
                .service(api::healthz)
                .configure(api::configure)
                .service(sums_script)
                .service(pages::login_page)
                .service(pages::login)
                .service(pages::logout)
                .service(pages::index)
                .service(pages::scorecard)
                .service(pages::trend_page)
                .service(pages::teams_overview)
                .service(pages::team_page)
                .configure(admin::routes)
                .configure(upload::routes)
                .configure(review::routes)
                .default_service(web::to(api::fallback))
        })
        .workers(settings.server.workers.get())
        // The command line installs its own handlers before it announces the address,
        // so a SIGTERM can never arrive before anyone listens for it.
        .disable_signals()
        .listen(listener)?
        .run();
        Ok(Application {
            port,
            server,
            audit,
            watcher,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The writer of the audit rows of reads, to flush (tests, before they read the log).
    pub fn audit_trail(&self) -> AuditTrail {
        self.audit.clone()
    }

    /// A handle to stop the server gracefully: requests in flight are finished.
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// Serves until stopped through `handle`, then writes the audit rows still waiting.
    pub async fn run(self) -> std::io::Result<()> {
        let served = self.server.await;
        self.watcher.abort();
        self.audit.flush().await;
        served
    }
}

/// `text` percent-encoded for a URL's path segment or query value. Ids keep to a
/// grammar that needs no encoding, but a link must not depend on that: anything
/// outside RFC 3986's unreserved characters is encoded, `/` included, as askama's
/// `urlencode_strict` does in the templates.
pub(crate) fn url_part(text: &str) -> String {
    use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
    const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');
    utf8_percent_encode(text, UNRESERVED).to_string()
}

/// The one script of the pages, a convenience the pages work without: the running
/// sums of weights in a draft's form. Served from here, as the content policy allows
/// scripts from this server only.
#[actix_web::get("/assets/sums.js")]
async fn sums_script() -> actix_web::HttpResponse {
    actix_web::HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .body(include_str!("../../templates/assets/sums.js"))
}

/// Headers every response carries: pages are private and framed by nobody.
fn security_headers() -> DefaultHeaders {
    DefaultHeaders::new()
        .add((
            "Content-Security-Policy",
            "default-src 'self'; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; form-action 'self'",
        ))
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("X-Frame-Options", "DENY"))
        .add(("Referrer-Policy", "same-origin"))
        .add(("Cache-Control", "no-store"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_url_part_cannot_leave_its_segment() {
        assert_eq!(super::url_part("p002"), "p002");
        assert_eq!(super::url_part("../../admin/users"), "..%2F..%2Fadmin%2Fusers");
        assert_eq!(super::url_part("p1\r\nSet-Cookie: x"), "p1%0D%0ASet-Cookie%3A%20x");
        assert_eq!(super::url_part("李"), "%E6%9D%8E");
    }
}
