//! The HTML pages: sign-in here; by resource below: the list of cards and a
//! scorecard (`cards`), a card's trend (`trend`), team pages (`teams`) and a team's
//! board (`board`, which the leaderboard API reads too).

mod appraisal;
mod board;
mod cards;
mod chart;
mod glance;
mod nav;
mod people;
mod periods;
mod sorting;
mod teams;
mod trend;
mod words;

pub use board::{TeamBoard, team_board};
pub use cards::scorecard;
pub use nav::Nav;
pub use people::index;
pub use teams::{team_page, teams_overview};
pub use trend::trend_page;
pub use words::{LANG_COOKIE, Lang};

use super::AppState;
use super::access::refuse;
use super::error::AppError;
use super::form::Form;
use super::scores::{CardRef, DefaultMonth};
use super::session::{self, LOGIN_COOKIE, SESSION_COOKIE, Session};
use super::signing::{Purpose, Signer};
use crate::kpi::period::Period;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use askama::Template;
use askama_web::WebTemplate;
use serde::Deserialize;

#[derive(Template, WebTemplate)]
#[template(path = "login.html")]
struct LoginPage {
    csrf: String,
    error: Option<String>,
    lang: Lang,
}

impl LoginPage {
    fn words(&self) -> &'static SignInWords {
        match self.lang {
            Lang::En => &SIGN_IN_EN,
            Lang::Zh => &SIGN_IN_ZH,
        }
    }
}

/// The sign-in page's words.
struct SignInWords {
    title: &'static str,
    username: &'static str,
    password: &'static str,
    submit: &'static str,
    wrong: &'static str,
}

const SIGN_IN_EN: SignInWords = SignInWords {
    title: "Sign in",
    username: "Username",
    password: "Password",
    submit: "Sign in",
    wrong: "Wrong username or password.",
};

const SIGN_IN_ZH: SignInWords = SignInWords {
    title: "登录",
    username: "用户名",
    password: "密码",
    submit: "登录",
    wrong: "用户名或密码错误。",
};

#[derive(Debug, Deserialize)]
pub struct LangQuery {
    lang: Option<String>,
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
    /// `month`, `quarter` or `year`: the period switcher's request to see `period` as
    /// a period of that kind.
    pub kind: Option<String>,
}

/// How long a sign-in form may be left open before it must be loaded again.
const SIGN_IN_FORM_SECONDS: i64 = 12 * 3600;

#[get("/login")]
async fn login_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<LangQuery>,
) -> Result<HttpResponse, AppError> {
    // The sign-in form's CSRF token rides in a cookie of its own (double submit),
    // signed, so that a value an attacker plants in both is refused.
    let issued = chrono::Utc::now().timestamp();
    let csrf = state.signer().await?.seal(
        Purpose::SignInForm,
        &format!("{}-{issued}", crate::credentials::random_token()),
    );
    let page = LoginPage {
        csrf: csrf.clone(),
        error: None,
        lang: Lang::negotiate(&req, query.lang.as_deref()),
    };
    Ok(render(page)
        .cookie(session::cookie(&state, LOGIN_COOKIE, csrf, "/login"))
        .finish_with_body())
}

/// Whether `sent` is a sign-in form token this server's key signed, not yet stale.
fn sign_in_form_token_holds(signer: &Signer, sent: &str) -> bool {
    let issued = signer
        .open(Purpose::SignInForm, sent)
        .and_then(|message| message.rsplit_once('-'))
        .and_then(|(_, issued)| issued.parse::<i64>().ok());
    issued.is_some_and(|issued| (0..SIGN_IN_FORM_SECONDS).contains(&(chrono::Utc::now().timestamp() - issued)))
}

#[post("/login")]
async fn login(req: HttpRequest, state: web::Data<AppState>, form: Form<LoginForm>) -> Result<HttpResponse, AppError> {
    let form = form.fields()?;
    let expected = req.cookie(LOGIN_COOKIE).map(|c| c.value().to_owned());
    if expected.as_deref() != Some(form.csrf.as_str()) || !sign_in_form_token_holds(state.signer().await?, &form.csrf) {
        return Err(AppError::BadCsrf);
    }
    match super::throttle::verify(&state, &req, &form.username, &form.password).await? {
        Some(account) => {
            let cookie = session::start(&state, &account).await?;
            Ok(HttpResponse::SeeOther()
                .insert_header(("Location", "/"))
                .cookie(cookie)
                .cookie(super::throttle::device_cookie(&state, &account.username).await?)
                .cookie(session::expired(&state, LOGIN_COOKIE, "/login"))
                .finish())
        }
        None => {
            state
                .audit
                .record(&form.username, "login_failed", "account", &form.username, None)
                .await;
            let lang = Lang::negotiate(&req, None);
            let mut page = LoginPage {
                csrf: form.csrf.clone(),
                error: None,
                lang,
            };
            page.error = Some(page.words().wrong.to_owned());
            Ok(render(page)
                .status(actix_web::http::StatusCode::UNAUTHORIZED)
                .finish_with_body())
        }
    }
}

#[post("/logout")]
async fn logout(req: HttpRequest, state: web::Data<AppState>, form: Form<CsrfForm>) -> Result<HttpResponse, AppError> {
    let session = session::current(&req, &state, false).await?;
    let form = form.fields()?;
    if session.csrf != form.csrf {
        return Err(AppError::BadCsrf);
    }
    session::end(&req, &state).await?;
    Ok(HttpResponse::SeeOther()
        .insert_header(("Location", "/login"))
        .cookie(session::expired(&state, SESSION_COOKIE, "/"))
        .finish())
}

/// The card of `subject` for `period`, if the session may see it; 404 otherwise,
/// whether or not it exists, and the refusal is recorded.
pub async fn visible_card(
    state: &AppState,
    session: &Session,
    subject: &str,
    period: Period,
) -> Result<CardRef, AppError> {
    let scored = state.scores.get(state, period).await?;
    if !scored.visibility(&session.account).can_see(subject) {
        refuse(state, session, "scorecard", subject, Some(period)).await?;
    }
    scored.card_ref(subject).ok_or(AppError::NotFound)
}

/// The period a page shows, and the default it fell back to when none was asked for.
#[derive(Debug, Clone, Copy)]
pub struct Chosen {
    pub period: Period,
    pub default: Option<DefaultMonth>,
}

/// The period asked for, seen as the kind asked for if any (the switcher's buttons);
/// with none asked for, the default month and why.
pub async fn chosen(state: &AppState, query: &PeriodQuery) -> Result<Chosen, AppError> {
    if query.period.is_none() && query.kind.as_deref().is_none_or(str::is_empty) {
        let default = state.scores.default_month(state).await?;
        return Ok(Chosen {
            period: Period::Month(default.month()),
            default: Some(default),
        });
    }
    Ok(Chosen {
        period: chosen_period(state, query).await?,
        default: None,
    })
}

/// The period asked for, seen as the kind asked for if any (the switcher's buttons).
pub async fn chosen_period(state: &AppState, query: &PeriodQuery) -> Result<Period, AppError> {
    let period = period_of(state, query.period.as_deref()).await?;
    match query.kind.as_deref() {
        None | Some("") => Ok(period),
        Some(text) => {
            let kind = periods::PeriodKind::parse(text).ok_or_else(|| {
                AppError::BadRequest(format!(
                    "`{text}` is not a kind of period; expected month, quarter or year"
                ))
            })?;
            let latest = state.store.latest_month().await?;
            Ok(periods::as_kind(period, kind, latest))
        }
    }
}

/// The period asked for, else the default month (the latest with enough data to score).
pub async fn period_of(state: &AppState, asked: Option<&str>) -> Result<Period, AppError> {
    match asked {
        Some(text) => text
            .parse()
            .map_err(|e: crate::kpi::period::PeriodParseError| AppError::BadRequest(e.to_string())),
        None => Ok(Period::Month(state.scores.default_month(state).await?.month())),
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
