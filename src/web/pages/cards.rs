//! One scorecard with its standing among peers.

use super::glance::{self, AdjustmentLine, Bar, Sparkline, StandingView, TotalScale, tier_name};
use super::nav::Nav;
use super::periods::ending_at;
use super::words::{Lang, Words};
use super::{PeriodQuery, chosen, render, visible_card};
use crate::kpi::rulebook::Rulebook;
use crate::kpi::scorecard::{Evaluation, KpiOutcome};
use crate::report::{CardView, KpiView};
use crate::web::AppState;
use crate::web::error::AppError;
use crate::web::scores::PeriodFigures;
use crate::web::session;
use actix_web::{HttpRequest, HttpResponse, get, web};
use askama::Template;
use askama_web::WebTemplate;
use std::sync::Arc;

/// One KPI row of a scorecard, formatted for the page.
struct KpiRow {
    kpi: String,
    name: String,
    tier: String,
    value: String,
    target: String,
    /// On track, behind or far behind; `None` for a KPI without a value.
    standing: Option<StandingView>,
    /// "3.6 points below target"; empty when met.
    gap: String,
    /// Points of the total lost against full points, "2.4 of 20.0".
    lost: String,
    bar: Option<Bar>,
    spark: Option<Sparkline>,
    /// "higher is better".
    direction: &'static str,
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

/// The card's top: the total on its grade scale, the change since the period
/// before, and what costs the most.
struct Summary {
    scale: Option<TotalScale>,
    /// The previous period and the change of the total since, "+3.2".
    change: Option<(String, String)>,
    /// Name, gap in words, points lost in words.
    shortfalls: Vec<(String, String, String)>,
}

#[derive(Template, WebTemplate)]
#[template(path = "scorecard.html")]
struct ScorecardPage<'a> {
    nav: Nav,
    card: &'a CardView,
    role: String,
    summary: Summary,
    /// Tier name, weight, score.
    tiers: Vec<(String, String, String)>,
    rows: Vec<KpiRow>,
    /// KPIs computed for the card without being on it: name, formula, value or reason.
    supporting: Vec<(String, String, String)>,
    fired: Vec<String>,
    adjustments: Vec<AdjustmentLine>,
    peers: Option<Peers>,
    /// Which definitions the numbers come from, in the reader's words.
    scored_with: String,
    /// The manager's rating and the review's exchange, when the role has a qualitative part.
    appraisal: Option<super::appraisal::AppraisalSection>,
}

impl ScorecardPage<'_> {
    fn words(&self) -> &'static Words {
        self.nav.words
    }

    fn nav_lang(&self) -> Lang {
        self.nav.language()
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
    let lang = Lang::negotiate(&req, query.lang.as_deref());
    let rulebook = &found.scored().version.rulebook;
    // The last periods of the same kind, for each KPI's sparkline and the change: the
    // ones before the chosen period are read for their figures alone.
    let recent = ending_at(period, SPARK_PERIODS);
    let mut history = Vec::with_capacity(recent.len());
    for p in &recent {
        let figures = if *p == period {
            found.scored().figures()
        } else {
            state.scores.figures(&state, *p).await?
        };
        history.push((p.to_string(), figures));
    }
    let history = History {
        subject: &card.subject,
        periods: &history,
    };
    let rows = card.kpis.iter().map(|k| kpi_row(k, rulebook, &history, lang)).collect();
    let summary = summary(card, rulebook, &history, lang);
    let tiers = card
        .tiers
        .iter()
        .map(|t| {
            (
                tier_name(&t.tier, lang).to_owned(),
                format!("{:.1}%", t.effective_weight),
                t.score.map_or_else(|| "–".to_owned(), |s| format!("{s:.1}")),
            )
        })
        .collect();
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
    let fired = glance::fired_gates(card, rulebook, lang);
    let adjustments = glance::adjustment_lines(card, rulebook, lang);
    let peers = found.scored().peer_standing(&card.subject).map(|s| Peers {
        role: role_name(rulebook, &card.role, lang),
        rank: s.rank,
        of: s.of,
        percentile: s.percentile.map_or_else(|| "–".to_owned(), |p| format!("{p:.0}%")),
        team_median: s.team_median.map_or_else(|| "–".to_owned(), |m| format!("{m:.1}")),
    });
    let visibility = found.scored().visibility(&session.account);
    let page = ScorecardPage {
        nav: Nav::new(&session, req.path(), period, lang).defaulted(chosen.default),
        card,
        role: role_name(rulebook, &card.role, lang),
        summary,
        tiers,
        rows,
        supporting,
        fired,
        adjustments,
        peers,
        scored_with: scored_with_words(found.scored().scored_with, lang),
        appraisal: super::appraisal::section(
            card,
            &super::appraisal::Reader {
                rulebook,
                visibility: &visibility,
                account: &session.account,
                csrf: &session.csrf,
                period,
                scored_with: found.scored().scored_with,
                lang,
            },
        ),
    };
    Ok(render(page).finish_with_body())
}

/// "Scored with definitions version 2", or for a finalized month the version it was
/// frozen with; nothing for definitions never stored.
fn scored_with_words(scored_with: crate::scorecards::ScoredWith, lang: Lang) -> String {
    use crate::scorecards::ScoredWith;
    match (scored_with, lang) {
        (ScoredWith::InForce(None), _) => String::new(),
        (ScoredWith::InForce(Some(v)), Lang::En) => format!("Scored with definitions version {v}"),
        (ScoredWith::InForce(Some(v)), Lang::Zh) => format!("按指标定义第 {v} 版计算"),
        (ScoredWith::Frozen(v), Lang::En) => format!("Finalized with definitions version {v}"),
        (ScoredWith::Frozen(v), Lang::Zh) => format!("定稿时按指标定义第 {v} 版计算"),
    }
}

/// A role's name in `lang`, from the YAML; its key if the rulebook has no such role.
pub(super) fn role_name(rulebook: &Rulebook, key: &str, lang: Lang) -> String {
    rulebook
        .roles()
        .iter()
        .find(|r| r.key == key)
        .map_or_else(|| key.to_owned(), |r| lang.pick(&r.name).to_owned())
}

/// How many periods a KPI's sparkline shows, the chosen one last.
const SPARK_PERIODS: usize = 6;

/// A card's subject in the last periods, the chosen one last: each period's label and figures.
struct History<'a> {
    subject: &'a str,
    periods: &'a [(String, Arc<PeriodFigures>)],
}

fn kpi_row(k: &KpiView, rulebook: &Rulebook, history: &History, lang: Lang) -> KpiRow {
    let number = |v: Option<f64>| v.map_or_else(|| "–".to_owned(), |v| format!("{v:.2}"));
    let unit = k.unit_in(rulebook);
    let currency = rulebook.currency();
    let shown = |v: f64| glance::with_unit(v, unit, currency, lang);
    let (value, achievement, points, reason) = match &k.outcome {
        KpiOutcome::Scored {
            value,
            achievement,
            points,
        } => (
            shown(*value),
            achievement.map_or_else(|| "–".to_owned(), |a| format!("{a:.1}%")),
            format!("{points:.1}"),
            String::new(),
        ),
        KpiOutcome::NoData { reason } | KpiOutcome::NotComputable { reason } => {
            ("–".into(), "–".into(), "–".into(), reason.clone())
        }
    };
    // Each input by its id, as the formula writes it, and its name beside it.
    let inputs = k
        .inputs
        .iter()
        .map(|i| {
            let name = rulebook
                .find_metric(&i.name)
                .map(|id| lang.pick(&rulebook.metric(id).name))
                .or_else(|| rulebook.find_kpi(&i.name).map(|id| lang.pick(&rulebook.kpi(id).name)));
            match name {
                Some(name) => format!("{} ({name}) = {}", i.name, number(i.value)),
                None => format!("{} = {}", i.name, number(i.value)),
            }
        })
        .collect::<Vec<_>>()
        .join(", ");
    let gap = k.gap(rulebook);
    let direction = k
        .direction
        .or_else(|| rulebook.find_kpi(&k.kpi).map(|id| rulebook.kpi(id).direction));
    let values: Vec<(String, Option<f64>)> = history
        .periods
        .iter()
        .map(|(label, figures)| (label.clone(), figures.kpi_value(history.subject, &k.kpi)))
        .collect();
    KpiRow {
        kpi: k.kpi.clone(),
        name: lang.pick(&k.name).to_owned(),
        tier: tier_name(&k.tier, lang).to_owned(),
        value,
        target: shown(k.target.target),
        standing: gap.map(|g| glance::standing_view(g.standing, lang)),
        gap: gap.map_or_else(String::new, |g| glance::gap_words(&g, unit, currency, lang)),
        lost: gap
            .filter(|g| g.points_lost >= 0.05)
            .map_or_else(String::new, |g| format!("{:.1}", g.points_lost)),
        bar: glance::bar(k, rulebook, lang),
        spark: glance::sparkline(&values, shown, lang.words().no_data),
        direction: direction.map_or("", |d| glance::direction_words(d, lang)),
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

fn summary(card: &CardView, rulebook: &Rulebook, history: &History, lang: Lang) -> Summary {
    let scale = card.total.and_then(|total| {
        let role = rulebook.find_role(&card.role)?;
        Some(glance::total_scale(
            &rulebook.role(role).grade_scale,
            total,
            card.grade.as_deref(),
        ))
    });
    // The period before the chosen one is the second to last of the history.
    let change = match (card.total, history.periods.iter().rev().nth(1)) {
        (Some(now), Some((label, before))) => before
            .total(history.subject)
            .map(|b| (label.clone(), glance::change(now, b))),
        _ => None,
    };
    let currency = rulebook.currency();
    let shortfalls = glance::largest_shortfalls(card, rulebook, 3)
        .into_iter()
        .map(|(k, g)| {
            (
                lang.pick(&k.name).to_owned(),
                glance::gap_words(&g, k.unit_in(rulebook), currency, lang),
                match lang {
                    Lang::En => format!("−{:.1} points", g.points_lost),
                    Lang::Zh => format!("−{:.1} 分", g.points_lost),
                },
            )
        })
        .collect();
    Summary {
        scale,
        change,
        shortfalls,
    }
}
