//! What the server tells its operators: every request gets an id (a sane incoming
//! `X-Request-Id`, else a new one) returned in the response and carried by a span on
//! every log line of the request; one log line per request; and Prometheus metrics at
//! `/metrics`, served only when enabled and, with a token, only to its bearer.

use super::AppState;
use super::error::AppError;
use crate::settings::MetricsSettings;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{AUTHORIZATION, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpRequest, HttpResponse, get, web};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::metrics::info::Info;
use prometheus_client::registry::Registry;
use rand::RngCore;
use secrecy::ExposeSecret;
use sha2::{Digest, Sha256};
use std::time::{Duration, Instant};
use tracing::Instrument;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    route: String,
    method: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: String,
    method: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabels {
    outcome: &'static str,
}

/// How a sign-in ended, as counted in `yardstick_sign_ins_total`.
#[derive(Debug, Clone, Copy)]
pub enum SignIn {
    Succeeded,
    Failed,
    /// Refused by the throttle before any password was checked.
    Throttled,
}

/// The server's metrics, one registry per server (tests run several in one process).
pub struct Telemetry {
    settings: MetricsSettings,
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram>,
    score_cache: Family<OutcomeLabels, Counter>,
    scoring: Histogram,
    sign_ins: Family<OutcomeLabels, Counter>,
}

impl std::fmt::Debug for Telemetry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Telemetry")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

/// From 1 ms to about 16 s, doubling.
fn latency_buckets() -> Histogram {
    Histogram::new(exponential_buckets(0.001, 2.0, 15))
}

impl Telemetry {
    pub fn new(settings: &MetricsSettings) -> Telemetry {
        let mut registry = Registry::with_prefix("yardstick");
        let requests = Family::<RequestLabels, Counter>::default();
        let latency = Family::<RouteLabels, Histogram>::new_with_constructor(latency_buckets as fn() -> Histogram);
        let score_cache = Family::<OutcomeLabels, Counter>::default();
        let scoring = latency_buckets();
        let sign_ins = Family::<OutcomeLabels, Counter>::default();
        let build = Info::new(vec![("version", env!("CARGO_PKG_VERSION"))]);
        registry.register("build", "The running version", build);
        registry.register(
            "http_requests",
            "HTTP requests answered, by route pattern, method and status",
            requests.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "Time to answer an HTTP request, by route pattern and method",
            latency.clone(),
        );
        registry.register(
            "score_cache",
            "Scored periods asked for, by whether the cache had them (hit) or they were scored (miss)",
            score_cache.clone(),
        );
        registry.register(
            "scoring_duration_seconds",
            "Time to score a period on a cache miss",
            scoring.clone(),
        );
        registry.register(
            "sign_ins",
            "Sign-in attempts, by outcome: succeeded, failed or throttled",
            sign_ins.clone(),
        );
        // Every outcome is shown from the start, at zero, so rates can be taken at once.
        for outcome in ["hit", "miss"] {
            score_cache.get_or_create(&OutcomeLabels { outcome }).inc_by(0);
        }
        for outcome in ["succeeded", "failed", "throttled"] {
            sign_ins.get_or_create(&OutcomeLabels { outcome }).inc_by(0);
        }
        Telemetry {
            settings: settings.clone(),
            registry,
            requests,
            latency,
            score_cache,
            scoring,
            sign_ins,
        }
    }

    /// Counts a scored period served from the cache.
    pub fn score_cache_hit(&self) {
        self.score_cache.get_or_create(&OutcomeLabels { outcome: "hit" }).inc();
    }

    /// Counts a cache miss and how long the scoring that answered it took.
    pub fn scored(&self, took: std::time::Duration) {
        self.score_cache.get_or_create(&OutcomeLabels { outcome: "miss" }).inc();
        self.scoring.observe(took.as_secs_f64());
    }

    pub fn sign_in(&self, outcome: SignIn) {
        let outcome = match outcome {
            SignIn::Succeeded => "succeeded",
            SignIn::Failed => "failed",
            SignIn::Throttled => "throttled",
        };
        self.sign_ins.get_or_create(&OutcomeLabels { outcome }).inc();
    }

    fn request_answered(&self, route: &str, method: &str, status: u16, took: Duration) {
        let (route, method) = (route.to_owned(), method.to_owned());
        self.latency
            .get_or_create(&RouteLabels {
                route: route.clone(),
                method: method.clone(),
            })
            .observe(took.as_secs_f64());
        self.requests
            .get_or_create(&RequestLabels { route, method, status })
            .inc();
    }
}

/// An incoming id is kept when it is short and plain, so it cannot forge log lines.
fn is_sane(id: &str) -> bool {
    (1..=64).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b))
}

/// 128 random bits, hex.
fn new_request_id() -> String {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Methods outside this list are counted as `other`, so a client cannot grow the
/// metrics without bound.
fn method_label(method: &actix_web::http::Method) -> &'static str {
    const KNOWN: [&str; 7] = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];
    KNOWN
        .into_iter()
        .find(|known| *known == method.as_str())
        .unwrap_or("other")
}

/// The middleware: a span with the request's id, method and route pattern around the
/// whole request, the id in the response, one log line and the request metrics at the end.
pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let id = req
        .headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| is_sane(v))
        .map_or_else(new_request_id, str::to_owned);
    // The pattern, never the raw path: ids in paths would make every card its own series.
    let route = req.match_pattern().unwrap_or_else(|| "unmatched".to_owned());
    let method = method_label(req.method());
    let span = tracing::info_span!("request", request_id = %id, method, route = %route);
    // Not the request itself: routing needs it unshared.
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let started = Instant::now();
    let result = next.call(req).instrument(span.clone()).await;
    let took = started.elapsed();
    // Handlers' errors arrive as responses; an error here comes from a middleware
    // below and is answered by the server, without our header.
    let status = match &result {
        Ok(response) => response.status(),
        Err(error) => error.as_response_error().status_code(),
    }
    .as_u16();
    if let Some(state) = state {
        state.telemetry.request_answered(&route, method, status, took);
    }
    span.in_scope(|| tracing::info!(status, latency_ms = took.as_secs_f64() * 1000.0, "request answered"));
    let mut response = result?.map_into_boxed_body();
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID, value);
    }
    Ok(response)
}

/// The metrics in Prometheus' text format (OpenMetrics).
#[get("/metrics")]
async fn metrics(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let telemetry = &state.telemetry;
    if !telemetry.settings.enabled {
        return Err(AppError::NotFound);
    }
    if let Some(token) = &telemetry.settings.token {
        let given = req
            .headers()
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .filter(|given| !given.is_empty());
        // Digests are compared, so the time taken says nothing about the token. No
        // token sent is never a match, even for a token configured empty.
        let matches = given
            .is_some_and(|given| Sha256::digest(given.as_bytes()) == Sha256::digest(token.expose_secret().as_bytes()));
        if !matches {
            return Err(AppError::Unauthenticated { json: true });
        }
    }
    let mut body = String::new();
    prometheus_client::encoding::text::encode(&mut body, &telemetry.registry)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("cannot encode the metrics: {e}")))?;
    Ok(HttpResponse::Ok()
        .content_type("application/openmetrics-text; version=1.0.0; charset=utf-8")
        .body(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_short_request_ids_are_kept_and_others_replaced() {
        assert!(is_sane("4bf92f3577b34da6a3ce929d0e0e4736"));
        assert!(is_sane("req-42.a_b:c"));
        assert!(!is_sane(""));
        assert!(!is_sane("line\nbreak"));
        assert!(!is_sane("with space"));
        assert!(!is_sane(&"x".repeat(65)));
        let made = new_request_id();
        assert_eq!(made.len(), 32);
        assert!(is_sane(&made));
    }

    /// Log lines written while the guard lives, as text without colours.
    fn capture_logs() -> (
        std::sync::Arc<std::sync::Mutex<Vec<u8>>>,
        tracing::dispatcher::DefaultGuard,
    ) {
        let lines = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let sink = std::sync::Arc::clone(&lines);
        let subscriber = tracing_subscriber::fmt()
            .with_ansi(false)
            .with_writer(move || SharedWriter(std::sync::Arc::clone(&sink)))
            .finish();
        (lines, tracing::subscriber::set_default(subscriber))
    }

    struct SharedWriter(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

    impl std::io::Write for SharedWriter {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[get("/things/{id}")]
    async fn failing() -> Result<HttpResponse, AppError> {
        Err(AppError::Internal(anyhow::anyhow!("the disk is on fire")))
    }

    #[actix_web::test]
    async fn an_error_is_logged_inside_its_requests_span_and_the_request_line_follows() {
        let (lines, _guard) = capture_logs();
        let app = actix_web::test::init_service(
            actix_web::App::new()
                .wrap(actix_web::middleware::from_fn(observe))
                .service(failing),
        )
        .await;
        let req = actix_web::test::TestRequest::get()
            .uri("/things/p002")
            .insert_header(("X-Request-Id", "rid-1"))
            .to_request();
        let response = actix_web::test::call_service(&app, req).await;
        assert_eq!(response.status(), 500);
        assert_eq!(
            response.headers().get(&REQUEST_ID).map(|v| v.as_bytes()),
            Some(&b"rid-1"[..])
        );

        let log = String::from_utf8(lines.lock().expect("the log").clone()).expect("UTF-8");
        let span = "request{request_id=rid-1 method=\"GET\" route=/things/{id}}";
        let error = log
            .lines()
            .find(|l| l.contains("request failed"))
            .unwrap_or_else(|| panic!("the error is logged:\n{log}"));
        assert!(error.contains(span) && error.contains("the disk is on fire"), "{error}");
        let answered = log
            .lines()
            .find(|l| l.contains("request answered"))
            .unwrap_or_else(|| panic!("one line per request:\n{log}"));
        assert!(answered.contains(span) && answered.contains("status=500"), "{answered}");
        assert!(!log.contains("/things/p002"), "the raw path is not logged: {log}");
    }

    #[test]
    fn unusual_methods_share_one_label() {
        assert_eq!(method_label(&actix_web::http::Method::GET), "GET");
        let odd = actix_web::http::Method::from_bytes(b"BREW").expect("a token");
        assert_eq!(method_label(&odd), "other");
    }
}
