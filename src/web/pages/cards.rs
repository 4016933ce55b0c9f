//! The list of cards one may open, and one scorecard with its standing among peers.

use super::nav::Nav;
use super::words::{Lang, Words};
use super::{PeriodQuery, chosen, render, visible_card};
use crate::kpi::rulebook::Rulebook;
use crate::kpi::scorecard::{Evaluation, GateState, KpiOutcome};
use crate::report::{CardView, KpiView};
use crate::standings::peer_standing;
use crate::store::AccountRole;
use crate::web::AppState;
use crate::web::error::AppError;
use crate::web::session;
use actix_web::{HttpRequest, HttpResponse, get, web};
use askama::Template;
use askama_web::WebTemplate;

#[derive(Template, WebTemplate)]
#[template(path = "index.html")]
struct IndexPage {
    nav: Nav,
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
            .insert_header(("Location", format!("/scorecards/{}", crate::web::url_part(person))))
            .finish());
    }
    let chosen = chosen(&state, &query).await?;
    let period = chosen.period;
    let lang = Lang::parse(query.lang.as_deref());
    let scored = state.scores.get(&state, period).await?;
    let visible = scored.visibility(&session.account);
    let people = scored
        .report
        .people
        .iter()
        .filter(|c| visible.can_see(&c.subject))
        .map(|c| (c.subject.clone(), c.name.clone(), shown_total(c), shown_grade(c)))
        .collect();
    let teams = scored
        .report
        .teams
        .iter()
        .filter(|c| visible.can_see(&c.subject))
        .map(|c| (c.subject.clone(), c.name.clone(), shown_total(c)))
        .collect();
    let page = IndexPage {
        nav: Nav::new(&session, req.path(), period, lang).defaulted(chosen.default),
        people,
        teams,
    };
    Ok(render(page).finish_with_body())
}

/// A card's total as a list shows it: a dash when it has none.
fn shown_total(card: &CardView) -> String {
    card.total.map_or_else(|| "–".to_owned(), |t| format!("{t:.1}"))
}

fn shown_grade(card: &CardView) -> String {
    card.grade.clone().unwrap_or_else(|| "–".to_owned())
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
    /// "from 2 of 3 months" when the KPI stands on part of the period.
    coverage: String,
    formula: String,
    inputs: String,
}

/// A person's standing among the people of their role, formatted.
struct Peers {
    role: String,
    rank: usize,
    of: usize,
    percentile: String,
    team_median: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "scorecard.html")]
struct ScorecardPage<'a> {
    nav: Nav,
    card: &'a CardView,
    rows: Vec<KpiRow>,
    /// KPIs computed for the card without being on it: name, formula, value or reason.
    supporting: Vec<(String, String, String)>,
    fired: Vec<String>,
    peers: Option<Peers>,
}

impl ScorecardPage<'_> {
    fn words(&self) -> &'static Words {
        self.nav.words
    }
}

#[get("/scorecards/{subject}")]
async fn scorecard(
    req: HttpRequest,
    state: web::Data<AppState>,
    subject: web::Path<String>,
    query: web::Query<PeriodQuery>,
) -> Result<HttpResponse, AppError> {
    let session = session::current(&req, &state, false).await?;
    let chosen = chosen(&state, &query).await?;
    let period = chosen.period;
    let found = visible_card(&state, &session, &subject, period).await?;
    let card = found.card();
    let lang = Lang::parse(query.lang.as_deref());
    let rows = card.kpis.iter().map(|k| kpi_row(k, lang)).collect();
    let supporting = card
        .supporting_kpis
        .iter()
        .map(|k| {
            let value = match &k.evaluation {
                Evaluation::Computed { value } => format!("{value:.2}"),
                Evaluation::NoData { reason } | Evaluation::NotComputable { reason } => format!("– ({reason})"),
            };
            (lang.pick(&k.name).to_owned(), k.formula.clone(), value)
        })
        .collect();
    let fired = card
        .gates
        .iter()
        .filter(|g| g.state == GateState::Fired)
        .map(|g| format!("{} ({})", g.gate, g.condition))
        .collect();
    let peers = peer_standing(&found.scored().report.people, &card.subject).map(|s| Peers {
        role: role_name(&state.rulebook, &card.role, lang),
        rank: s.rank,
        of: s.of,
        percentile: s.percentile.map_or_else(|| "–".to_owned(), |p| format!("{p:.0}%")),
        team_median: s.team_median.map_or_else(|| "–".to_owned(), |m| format!("{m:.1}")),
    });
    let page = ScorecardPage {
        nav: Nav::new(&session, req.path(), period, lang).defaulted(chosen.default),
        card,
        rows,
        supporting,
        fired,
        peers,
    };
    Ok(render(page).finish_with_body())
}

/// A role's name in `lang`, from the YAML; its key if the rulebook has no such role.
pub(super) fn role_name(rulebook: &Rulebook, key: &str, lang: Lang) -> String {
    rulebook
        .roles()
        .iter()
        .find(|r| r.key == key)
        .map_or_else(|| key.to_owned(), |r| lang.pick(&r.name).to_owned())
}

fn kpi_row(k: &KpiView, lang: Lang) -> KpiRow {
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
        name: lang.pick(&k.name).to_owned(),
        tier: k.tier.clone(),
        value,
        target: format!("{}", k.target.target),
        achievement,
        points,
        weight: format!("{:.1}%", k.effective_weight),
        contribution: format!("{:.2}", k.contribution),
        reason,
        coverage: k
            .coverage
            .filter(|c| !c.is_full() && c.covered > 0)
            .map_or_else(String::new, |c| lang.coverage(&c)),
        formula: k.formula.clone(),
        inputs,
    }
}
