//! A card's trend: the total and each KPI's points over the twelve periods of the
//! chosen kind ending at the chosen period, as charts drawn on the server.

use super::chart::{LineChart, line_chart};
use super::nav::Nav;
use super::periods::ending_at;
use super::words::Lang;
use super::{PeriodQuery, chosen, render, visible_card};
use crate::kpi::definition::LocalizedName;
use crate::report::CardView;
use crate::web::AppState;
use crate::web::error::AppError;
use crate::web::session;
use actix_web::{HttpRequest, HttpResponse, get, web};
use askama::Template;
use askama_web::WebTemplate;

/// How many periods a trend shows.
const PERIODS: usize = 12;

#[derive(Template, WebTemplate)]
#[template(path = "trend.html")]
struct TrendPage<'a> {
    nav: Nav,
    card: &'a CardView,
    charts: Vec<LineChart>,
    no_data: &'static str,
}

#[get("/scorecards/{subject}/trend")]
async fn trend_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    subject: web::Path<String>,
    query: web::Query<PeriodQuery>,
) -> Result<HttpResponse, AppError> {
    let session = session::current(&req, &state, false).await?;
    let chosen = chosen(&state, &query).await?;
    let period = chosen.period;
    // Access is decided on the chosen period's card, refusals recorded as for the card.
    let found = visible_card(&state, &session, &subject, period).await?;
    let card = found.card();
    let lang = Lang::parse(query.lang.as_deref());
    let periods = ending_at(period, PERIODS);
    let mut scored = Vec::with_capacity(periods.len());
    for p in &periods {
        scored.push(state.scores.get(&state, *p).await?);
    }
    // Read where the cache holds them, not copied out.
    let cards: Vec<Option<&CardView>> = scored.iter().map(|s| s.card(&subject)).collect();
    let labels: Vec<String> = periods.iter().map(ToString::to_string).collect();
    let words = lang.words();
    let mut charts = vec![line_chart(
        "total",
        &format!("{} · {}", card.name, words.total),
        &labels,
        &cards.iter().map(|c| c.and_then(|c| c.total)).collect::<Vec<_>>(),
    )];
    for (i, (kpi, name)) in kpis(card, &cards).into_iter().enumerate() {
        let values: Vec<Option<f64>> = cards
            .iter()
            .map(|c| {
                c.and_then(|c| c.kpis.iter().find(|k| k.kpi == kpi))
                    .and_then(|k| k.outcome.points())
            })
            .collect();
        charts.push(line_chart(&format!("kpi-{i}"), lang.pick(&name), &labels, &values));
    }
    let page = TrendPage {
        nav: Nav::new(&session, req.path(), period, lang).defaulted(chosen.default),
        card,
        charts,
        no_data: words.no_data,
    };
    Ok(render(page).finish_with_body())
}

/// The KPIs to chart: the chosen card's, then any that only earlier cards had.
fn kpis(card: &CardView, cards: &[Option<&CardView>]) -> Vec<(String, LocalizedName)> {
    let mut kpis: Vec<(String, LocalizedName)> = Vec::new();
    for k in card
        .kpis
        .iter()
        .chain(cards.iter().rev().flatten().flat_map(|c| &c.kpis))
    {
        if !kpis.iter().any(|(key, _)| *key == k.kpi) {
            kpis.push((k.kpi.clone(), k.name.clone()));
        }
    }
    kpis
}
