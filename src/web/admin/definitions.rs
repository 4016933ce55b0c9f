//! `/admin/definitions`: the rulebook in force, read; editing begins a draft (`drafts`). Every value sits in its
//! own cell with the YAML path it comes from (`data-path`), so an editor can later
//! turn cells into inputs without changing what the page shows.

use super::{require, respond};
use crate::kpi::definition::{AdjustmentKind, BandBasis, Direction, LocalizedName, ScoredOn, ScoringDef};
use crate::kpi::rulebook::{GateEffect, Role, Rulebook, Slot};
use crate::web::AppState;
use crate::web::access::Capability;
use crate::web::error::AppError;
use crate::web::pages::{Lang, Nav};
use crate::web::session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, web};
use askama::Template;
use serde::Deserialize;

/// A KPI on a role's card.
#[derive(Debug)]
pub struct CardKpiView {
    pub key: String,
    pub name: String,
    pub weight: String,
    pub direction: &'static str,
    pub target: String,
    pub threshold: String,
    pub stretch: String,
    pub scoring: String,
    pub formula: String,
    /// The metrics and KPIs the formula reads, each with whether it is a KPI.
    pub reads: Vec<(String, bool)>,
}

#[derive(Debug)]
pub struct TierView {
    pub tier: &'static str,
    pub weight: String,
    pub kpis: Vec<CardKpiView>,
}

#[derive(Debug)]
pub struct RoleView {
    pub key: String,
    pub name: String,
    pub description: String,
    pub scored_on: &'static str,
    pub grade_scale: String,
    pub tiers: Vec<TierView>,
    /// Name, kind, and what it counts with its points.
    pub adjustments: Vec<(String, &'static str, String)>,
    /// Name, condition, consequence.
    pub gates: Vec<(String, String, String)>,
}

#[derive(Debug)]
pub struct MetricView {
    pub key: String,
    pub name: String,
    pub unit: String,
    pub over_time: String,
    pub across_team: String,
}

#[derive(Debug)]
pub struct ScaleView {
    pub key: String,
    pub total: String,
    /// Grade, lowest total that earns it, bonus coefficient.
    pub grades: Vec<(String, String, String)>,
}

/// The rulebook as the page shows it, names in one language.
#[derive(Debug)]
pub struct DefinitionsView {
    pub roles: Vec<RoleView>,
    pub metrics: Vec<MetricView>,
    pub scales: Vec<ScaleView>,
}

impl DefinitionsView {
    pub fn of(rulebook: &Rulebook, zh: bool) -> DefinitionsView {
        let name = |n: &LocalizedName| if zh { n.zh.clone() } else { n.en.clone() };
        let roles = rulebook.roles().iter().map(|r| role_view(rulebook, r, &name)).collect();
        let metrics = rulebook
            .metrics()
            .iter()
            .map(|m| MetricView {
                key: m.key.clone(),
                name: name(&m.name),
                unit: word(m.unit),
                over_time: word(m.over_time),
                across_team: word(m.across_team),
            })
            .collect();
        let mut scales: Vec<ScaleView> = Vec::new();
        for role in rulebook.roles() {
            let scale = &role.grade_scale;
            if scales.iter().all(|s| s.key != scale.key) {
                scales.push(ScaleView {
                    key: scale.key.clone(),
                    total: format!("{} to {}", scale.total_min, scale.total_max),
                    grades: scale
                        .grades
                        .iter()
                        .map(|g| (g.grade.clone(), g.min.to_string(), g.bonus_coefficient.to_string()))
                        .collect(),
                });
            }
        }
        DefinitionsView { roles, metrics, scales }
    }
}

fn role_view(rulebook: &Rulebook, role: &Role, name: &dyn Fn(&LocalizedName) -> String) -> RoleView {
    let tiers = role
        .tiers
        .iter()
        .map(|tier| TierView {
            tier: tier.tier.as_str(),
            weight: tier.weight.to_string(),
            kpis: tier
                .kpis
                .iter()
                .map(|card| {
                    let kpi = rulebook.kpi(card.kpi);
                    let level = |v: Option<f64>| v.map_or_else(String::new, |v| v.to_string());
                    CardKpiView {
                        key: kpi.key.clone(),
                        name: name(&kpi.name),
                        weight: card.weight.to_string(),
                        direction: direction(kpi.direction),
                        target: card.target.target.to_string(),
                        threshold: level(card.target.threshold),
                        stretch: level(card.target.stretch),
                        scoring: scoring(&kpi.scoring),
                        formula: kpi.formula.source().to_owned(),
                        reads: kpi
                            .formula
                            .variables()
                            .iter()
                            .map(|v| (v.clone(), matches!(rulebook.find_slot(v), Some(Slot::Kpi(_)))))
                            .collect(),
                    }
                })
                .collect(),
        })
        .collect();
    let adjustments = role
        .adjustments
        .iter()
        .map(|a| {
            let kind = match a.kind {
                AdjustmentKind::Bonus => "bonus",
                AdjustmentKind::Deduction => "deduction",
            };
            let rule = format!(
                "{} points per unit of {}, at most {}",
                a.points_each,
                a.per.source(),
                a.max_points
            );
            (name(&a.name), kind, rule)
        })
        .collect();
    let gates = role
        .gates
        .iter()
        .map(|g| {
            let effect = match g.action {
                GateEffect::CapGrade(rank) => {
                    let grade = role.grade_scale.grades.get(rank).map_or("?", |g| g.grade.as_str());
                    format!("grade at best {grade}")
                }
                GateEffect::ZeroTier(tier) => format!("the {} tier scores zero", tier.as_str()),
                GateEffect::ZeroTotal => "the whole card scores zero".to_owned(),
            };
            (name(&g.name), g.when.source().to_owned(), effect)
        })
        .collect();
    RoleView {
        key: role.key.clone(),
        name: name(&role.name),
        description: role.description.clone(),
        scored_on: match role.scored_on {
            ScoredOn::Person => "the person's own numbers",
            ScoredOn::Team => "the team's numbers",
        },
        grade_scale: role.grade_scale.key.clone(),
        tiers,
        adjustments,
        gates,
    }
}

fn direction(direction: Direction) -> &'static str {
    match direction {
        Direction::Higher => "higher is better",
        Direction::Lower => "lower is better",
        Direction::Closest => "closest to target",
    }
}

/// A scoring rule in words.
fn scoring(rule: &ScoringDef) -> String {
    match rule {
        ScoringDef::Linear { floor, cap } => {
            format!("linear: points = achievement %, 0 below {floor}, at most {cap}")
        }
        ScoringDef::Levels {
            threshold_points,
            stretch_points,
        } => format!("levels: {threshold_points} at threshold, 100 at target, {stretch_points} at stretch"),
        ScoringDef::Bands { of, steps } => {
            let of = match of {
                BandBasis::Value => "value",
                BandBasis::Achievement => "achievement %",
            };
            let steps: Vec<String> = steps.iter().map(|s| format!("from {}: {}", s.from, s.points)).collect();
            format!("bands of {of}: {}", steps.join("; "))
        }
        ScoringDef::PassFail { points } => format!("pass/fail: {points} when the target is met, else 0"),
    }
}

/// The YAML word of an enum value (`sum`, `percent`).
fn word(value: impl serde::Serialize) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

#[derive(Template)]
#[template(path = "admin_definitions.html")]
struct DefinitionsPage {
    nav: Nav,
    lang: &'static str,
    /// Which version is in force: "version 3".
    version: String,
    view: DefinitionsView,
}

#[derive(Debug, Deserialize)]
pub struct LangQuery {
    lang: Option<String>,
}

#[get("/admin/definitions")]
async fn definitions_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<LangQuery>,
) -> Result<HttpResponse, AppError> {
    let session = session::current(&req, &state, false).await?;
    require(&state, &session, Capability::Administer, "/admin/definitions").await?;
    let zh = query.lang.as_deref() == Some("zh");
    let in_force = state.rulebook();
    let page = DefinitionsPage {
        nav: Nav::without_period(&session, "/admin/definitions", if zh { Lang::Zh } else { Lang::En }),
        lang: if zh { "zh" } else { "en" },
        version: in_force.label(),
        view: DefinitionsView::of(&in_force.rulebook, zh),
    };
    respond(StatusCode::OK, &page)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kpi::definition::BandStep;

    #[test]
    fn scoring_rules_read_as_sentences() {
        assert_eq!(
            scoring(&ScoringDef::Linear {
                floor: 60.0,
                cap: 130.0
            }),
            "linear: points = achievement %, 0 below 60, at most 130"
        );
        let bands = ScoringDef::Bands {
            of: BandBasis::Value,
            steps: vec![
                BandStep {
                    from: -10.0,
                    points: 30.0,
                },
                BandStep {
                    from: 0.0,
                    points: 60.0,
                },
            ],
        };
        assert_eq!(scoring(&bands), "bands of value: from -10: 30; from 0: 60");
    }
}
