//! A card's trend: the total on its grade bands and, as small multiples, each KPI's
//! value against its target (threshold and stretch where set), over the twelve
//! periods of the chosen kind ending at the chosen period (those before its first
//! data left out), as charts drawn on the server with a table for screen readers.

use super::chart::{Extras, LineChart, chart_with};
use super::glance;
use super::nav::Nav;
use super::periods::ending_at;
use super::words::Lang;
use super::{PeriodQuery, chosen, render, visible_card};
use crate::kpi::scorecard::KpiOutcome;
use crate::report::{CardView, KpiView};
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
    total: LineChart,
    /// One small chart per KPI, each with its target line.
    charts: Vec<LineChart>,
    no_data: &'static str,
}

impl TrendPage<'_> {
    fn nav_lang(&self) -> Lang {
        self.nav.language()
    }
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
    let lang = Lang::negotiate(&req, query.lang.as_deref());
    let periods = ending_at(period, PERIODS);
    let mut scored = Vec::with_capacity(periods.len());
    for p in &periods {
        scored.push(state.scores.get(&state, *p).await?);
    }
    // Read where the cache holds them, not copied out.
    let cards: Vec<Option<&CardView>> = scored.iter().map(|s| s.card(&subject)).collect();
    // Periods before the card's first data are left out rather than drawn as gaps.
    let first = cards.iter().position(|c| c.is_some_and(has_data)).unwrap_or(0);
    let (periods, cards) = (&periods[first..], &cards[first..]);
    let labels: Vec<String> = periods.iter().map(ToString::to_string).collect();
    let words = lang.words();
    let rulebook = &found.scored().version.rulebook;
    let bands = rulebook
        .find_role(&card.role)
        .map(|id| {
            let scale = &rulebook.role(id).grade_scale;
            let mut upper = scale.total_max;
            scale
                .grades
                .iter()
                .map(|g| {
                    let band = (g.grade.clone(), g.min, upper);
                    upper = g.min;
                    band
                })
                .collect()
        })
        .unwrap_or_default();
    let total = chart_with(
        "total",
        &format!("{} · {}", card.name, words.total),
        &labels,
        &cards.iter().map(|c| c.and_then(|c| c.total)).collect::<Vec<_>>(),
        &Extras {
            bands,
            ..Extras::default()
        },
    );
    let mut charts = Vec::new();
    for (i, kpi) in kpis(card, cards).into_iter().enumerate() {
        let values: Vec<Option<f64>> = cards
            .iter()
            .map(|c| {
                c.and_then(|c| c.kpis.iter().find(|k| k.kpi == kpi.kpi))
                    .and_then(|k| match k.outcome {
                        KpiOutcome::Scored { value, .. } => Some(value),
                        _ => None,
                    })
            })
            .collect();
        let unit = kpi.unit_in(rulebook);
        let shown = |v: f64| glance::with_unit(v, unit, rulebook.currency(), lang);
        let (target_word, threshold_word, stretch_word) = match lang {
            Lang::En => ("target", "threshold", "stretch"),
            Lang::Zh => ("目标", "门槛", "挑战"),
        };
        let mut guides = vec![(
            "target",
            format!("{target_word} {}", shown(kpi.target.target)),
            kpi.target.target,
        )];
        if let Some(threshold) = kpi.target.threshold {
            guides.push(("threshold", format!("{threshold_word} {}", shown(threshold)), threshold));
        }
        if let Some(stretch) = kpi.target.stretch {
            guides.push(("stretch", format!("{stretch_word} {}", shown(stretch)), stretch));
        }
        let extras = Extras {
            guides,
            small: true,
            ..Extras::default()
        };
        charts.push(chart_with(
            &format!("kpi-{i}"),
            lang.pick(&kpi.name),
            &labels,
            &values,
            &extras,
        ));
    }
    let page = TrendPage {
        nav: Nav::new(&session, req.path(), period, lang).defaulted(chosen.default),
        card,
        total,
        charts,
        no_data: words.no_data,
    };
    Ok(render(page).finish_with_body())
}

/// The KPIs to chart: the chosen card's, then any that only earlier cards had.
fn kpis<'a>(card: &'a CardView, cards: &[Option<&'a CardView>]) -> Vec<&'a KpiView> {
    let mut kpis: Vec<&KpiView> = Vec::new();
    for k in card
        .kpis
        .iter()
        .chain(cards.iter().rev().flatten().flat_map(|c| &c.kpis))
    {
        if !kpis.iter().any(|known| known.kpi == k.kpi) {
            kpis.push(k);
        }
    }
    kpis
}

/// Whether a card stands on any data: a total, or at least one KPI with a value.
fn has_data(card: &CardView) -> bool {
    card.total.is_some() || card.kpis.iter().any(|k| k.outcome.points().is_some())
}
