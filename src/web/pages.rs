//! The HTML pages: sign-in, the list of cards one may open, and a scorecard.

use super::AppState;
use super::access::Visibility;
use super::error::AppError;
use super::session::{self, LOGIN_COOKIE, SESSION_COOKIE, Session};
use crate::kpi::period::Period;
use crate::kpi::scorecard::KpiOutcome;
use crate::report::{CardView, KpiView};
use crate::store::AccountRole;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use askama::Template;
use askama_web::WebTemplate;
use serde::Deserialize;

#[derive(Template, WebTemplate)]
#[template(path = "login.html")]
struct LoginPage {
    csrf: String,
    error: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
    csrf: String,
}

#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    csrf: String,
}

#[derive(Debug, Deserialize)]
pub struct PeriodQuery {
    pub period: Option<String>,
    pub lang: Option<String>,
}

#[get("/login")]
async fn login_page(state: web::Data<AppState>) -> HttpResponse {
    // The sign-in form's CSRF token rides in a cookie of its own (double submit).
    let csrf = session::random_token();
    let page = LoginPage {
        csrf: csrf.clone(),
        error: None,
    };
    render(page)
        .cookie(session::cookie(&state, LOGIN_COOKIE, csrf, "/login"))
        .finish_with_body()
}

#[post("/login")]
async fn login(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<LoginForm>,
) -> Result<HttpResponse, AppError> {
    let expected = req.cookie(LOGIN_COOKIE).map(|c| c.value().to_owned());
    if expected.as_deref() != Some(form.csrf.as_str()) {
        return Err(AppError::BadCsrf);
    }
    match super::throttle::verify(&state, &req, &form.username, &form.password).await? {
        Some(account) => {
            let cookie = session::start(&state, &account).await?;
            Ok(HttpResponse::SeeOther()
                .insert_header(("Location", "/"))
                .cookie(cookie)
                .cookie(session::expired(&state, LOGIN_COOKIE, "/login"))
                .finish())
        }
        None => {
            state
                .store
                .record(&form.username, "login_failed", "account", &form.username, None)
                .await?;
            let page = LoginPage {
                csrf: form.csrf.clone(),
                error: Some("Wrong username or password.".into()),
            };
            Ok(render(page)
                .status(actix_web::http::StatusCode::UNAUTHORIZED)
                .finish_with_body())
        }
    }
}

#[post("/logout")]
async fn logout(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, AppError> {
    let session = session::current(&req, &state, false).await?;
    if session.csrf != form.csrf {
        return Err(AppError::BadCsrf);
    }
    session::end(&req, &state).await?;
    Ok(HttpResponse::SeeOther()
        .insert_header(("Location", "/login"))
        .cookie(session::expired(&state, SESSION_COOKIE, "/"))
        .finish())
}

#[derive(Template, WebTemplate)]
#[template(path = "index.html")]
struct IndexPage {
    user: String,
    csrf: String,
    period: String,
    people: Vec<(String, String, String, String)>,
    teams: Vec<(String, String, String)>,
}

#[get("/")]
async fn index(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<PeriodQuery>,
) -> Result<HttpResponse, AppError> {
    let session = session::current(&req, &state, false).await?;
    if let (AccountRole::Rep, Some(person)) = (session.account.role, &session.account.person) {
        return Ok(HttpResponse::SeeOther()
            .insert_header(("Location", format!("/scorecards/{person}")))
            .finish());
    }
    let period = period_of(&state, query.period.as_deref()).await?;
    let scored = state.scores.get(&state, period).await?;
    let visible = Visibility::of(&session.account, &scored.organisation);
    let people = scored
        .report
        .people
        .iter()
        .filter(|c| visible.can_see(&c.subject))
        .map(|c| {
            (
                c.subject.clone(),
                c.name.clone(),
                format!("{:.1}", c.total),
                c.grade.clone(),
            )
        })
        .collect();
    let teams = scored
        .report
        .teams
        .iter()
        .filter(|c| visible.can_see(&c.subject))
        .map(|c| (c.subject.clone(), c.name.clone(), format!("{:.1}", c.total)))
        .collect();
    let page = IndexPage {
        user: session.account.username.clone(),
        csrf: session.csrf.clone(),
        period: period.to_string(),
        people,
        teams,
    };
    Ok(render(page).finish_with_body())
}

/// One KPI row of a scorecard, formatted for the page.
struct KpiRow {
    kpi: String,
    name: String,
    tier: String,
    value: String,
    target: String,
    achievement: String,
    points: String,
    weight: String,
    contribution: String,
    reason: String,
    formula: String,
    inputs: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "scorecard.html")]
struct ScorecardPage {
    user: String,
    csrf: String,
    lang: String,
    period: String,
    card: CardView,
    rows: Vec<KpiRow>,
    fired: Vec<String>,
}

#[get("/scorecards/{subject}")]
async fn scorecard(
    req: HttpRequest,
    state: web::Data<AppState>,
    subject: web::Path<String>,
    query: web::Query<PeriodQuery>,
) -> Result<HttpResponse, AppError> {
    let session = session::current(&req, &state, false).await?;
    let period = period_of(&state, query.period.as_deref()).await?;
    let card = visible_card(&state, &session, &subject, period).await?;
    let lang = if query.lang.as_deref() == Some("zh") {
        "zh"
    } else {
        "en"
    };
    let rows = card.kpis.iter().map(|k| kpi_row(k, lang)).collect();
    let fired = card
        .gates
        .iter()
        .filter(|g| g.state == crate::kpi::scorecard::GateState::Fired)
        .map(|g| format!("{} ({})", g.gate, g.condition))
        .collect();
    let page = ScorecardPage {
        user: session.account.username.clone(),
        csrf: session.csrf.clone(),
        lang: lang.to_owned(),
        period: period.to_string(),
        card,
        rows,
        fired,
    };
    Ok(render(page).finish_with_body())
}

/// The card of `subject` for `period`, if the session may see it; 404 otherwise,
/// whether or not it exists, and the refusal is recorded.
pub async fn visible_card(
    state: &AppState,
    session: &Session,
    subject: &str,
    period: Period,
) -> Result<CardView, AppError> {
    let scored = state.scores.get(state, period).await?;
    if !Visibility::of(&session.account, &scored.organisation).can_see(subject) {
        state
            .store
            .record(
                &session.account.username,
                "access_denied",
                "scorecard",
                subject,
                Some(period.to_string()),
            )
            .await?;
        return Err(AppError::NotFound);
    }
    scored.card(subject).cloned().ok_or(AppError::NotFound)
}

/// The period asked for, else the latest month with data.
pub async fn period_of(state: &AppState, asked: Option<&str>) -> Result<Period, AppError> {
    match asked {
        Some(text) => text
            .parse()
            .map_err(|e: crate::kpi::period::PeriodParseError| AppError::BadRequest(e.to_string())),
        None => Ok(state
            .store
            .latest_month()
            .await?
            .map_or_else(|| Period::Year(2026), Period::Month)),
    }
}

fn kpi_row(k: &KpiView, lang: &str) -> KpiRow {
    let number = |v: Option<f64>| v.map_or_else(|| "–".to_owned(), |v| format!("{v:.2}"));
    let (value, achievement, points, reason) = match &k.outcome {
        KpiOutcome::Scored {
            value,
            achievement,
            points,
        } => (
            number(Some(*value)),
            number(*achievement),
            number(Some(*points)),
            String::new(),
        ),
        KpiOutcome::NoData { reason } | KpiOutcome::NotComputable { reason } => {
            ("–".into(), "–".into(), "–".into(), reason.clone())
        }
    };
    let inputs = k
        .inputs
        .iter()
        .map(|i| format!("{} = {}", i.name, number(i.value)))
        .collect::<Vec<_>>()
        .join(", ");
    KpiRow {
        kpi: k.kpi.clone(),
        name: if lang == "zh" {
            k.name.zh.clone()
        } else {
            k.name.en.clone()
        },
        tier: k.tier.clone(),
        value,
        target: format!("{}", k.target.target),
        achievement,
        points,
        weight: format!("{:.1}%", k.effective_weight),
        contribution: format!("{:.2}", k.contribution),
        reason,
        formula: k.formula.clone(),
        inputs,
    }
}

/// A rendered page with the status and headers still open to change.
struct Rendered {
    html: Result<String, askama::Error>,
    status: actix_web::http::StatusCode,
    cookies: Vec<actix_web::cookie::Cookie<'static>>,
}

fn render(page: impl Template) -> Rendered {
    Rendered {
        html: page.render(),
        status: actix_web::http::StatusCode::OK,
        cookies: Vec::new(),
    }
}

impl Rendered {
    fn status(mut self, status: actix_web::http::StatusCode) -> Self {
        self.status = status;
        self
    }

    fn cookie(mut self, cookie: actix_web::cookie::Cookie<'static>) -> Self {
        self.cookies.push(cookie);
        self
    }

    fn finish_with_body(self) -> HttpResponse {
        match self.html {
            Ok(html) => {
                let mut response = HttpResponse::build(self.status);
                for cookie in self.cookies {
                    response.cookie(cookie);
                }
                response.content_type("text/html; charset=utf-8").body(html)
            }
            Err(e) => actix_web::ResponseError::error_response(&AppError::Internal(anyhow::anyhow!("rendering: {e}"))),
        }
    }
}
