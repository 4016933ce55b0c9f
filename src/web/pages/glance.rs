//! A card read at a glance: each KPI's standing as a word, an icon and a colour, its
//! achievement as a bar against the 100% line, its gap in its own unit, the points it
//! costs, and a sparkline of its last periods; on top, the total against the grade
//! bands, the change since the last period and the largest shortfalls.

use super::words::Lang;
use crate::kpi::definition::{Currency, Direction, ScoringDef, Unit};
use crate::kpi::rulebook::{GradeScale, Rulebook};
use crate::kpi::scorecard::KpiOutcome;
use crate::kpi::shortfall::{Gap, Side, Standing};
use crate::report::{CardView, KpiView};

/// The bar's scale ends here (percent of target); a longer bar is drawn to the end.
const BAR_END: f64 = 150.0;

/// A KPI's standing as the page shows it.
pub struct StandingView {
    /// `on_track`, `behind` or `far_behind`: the row's class and test hook.
    pub key: &'static str,
    pub icon: &'static str,
    pub word: &'static str,
}

pub fn standing_view(standing: Standing, lang: Lang) -> StandingView {
    let (icon, en, zh) = match standing {
        Standing::OnTrack => ("✓", "On track", "达标"),
        Standing::Behind => ("▼", "Behind", "落后"),
        Standing::FarBehind => ("✖", "Far behind", "严重落后"),
    };
    StandingView {
        key: standing.as_str(),
        icon,
        word: if lang == Lang::Zh { zh } else { en },
    }
}

/// A tier's name in the reader's language.
pub fn tier_name(tier: &str, lang: Lang) -> &str {
    match (tier, lang) {
        ("base", Lang::En) => "Base",
        ("process", Lang::En) => "Process",
        ("result", Lang::En) => "Result",
        ("base", Lang::Zh) => "基础",
        ("process", Lang::Zh) => "过程",
        ("result", Lang::Zh) => "结果",
        (other, _) => other,
    }
}

/// `12400.5` as `12,400.5` with `decimals` places.
pub fn grouped(value: f64, decimals: usize) -> String {
    let text = format!("{:.*}", decimals, value.abs());
    let (whole, fraction) = text
        .split_once('.')
        .map_or((text.as_str(), None), |(w, f)| (w, Some(f)));
    let mut out = String::new();
    for (i, digit) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    if let Some(fraction) = fraction {
        out.push('.');
        out.push_str(fraction);
    }
    if value < 0.0 && text.chars().any(|c| c.is_ascii_digit() && c != '0') {
        out.insert(0, '-');
    }
    out
}

/// A value in its unit: `26.4%`, `¥12,400`, `3.5 days`, `42`.
pub fn with_unit(value: f64, unit: Option<Unit>, currency: Option<&Currency>, lang: Lang) -> String {
    match unit {
        Some(Unit::Percent) => format!("{}%", grouped(value, 1)),
        Some(Unit::Currency) => money(value, currency),
        Some(Unit::Days) => match lang {
            Lang::En => format!("{} days", grouped(value, 1)),
            Lang::Zh => format!("{} 天", grouped(value, 1)),
        },
        Some(Unit::Hours) => match lang {
            Lang::En => format!("{} h", grouped(value, 1)),
            Lang::Zh => format!("{} 小时", grouped(value, 1)),
        },
        Some(Unit::Count) => grouped(value, if value.fract() == 0.0 { 0 } else { 1 }),
        Some(Unit::Ratio) => grouped(value, 2),
        Some(Unit::Score) | None => grouped(value, 1),
    }
}

fn money(value: f64, currency: Option<&Currency>) -> String {
    let amount = grouped(value, 0);
    match currency {
        Some(c) => format!("{}{amount}", c.symbol),
        None => amount,
    }
}

/// How far from target, in the KPI's unit and the reader's words: "3.6 points below
/// target", "¥12,400 short", "2.1 days slower". Empty when the target is met.
pub fn gap_words(gap: &Gap, unit: Option<Unit>, currency: Option<&Currency>, lang: Lang) -> String {
    let amount = gap.amount;
    let zh = lang == Lang::Zh;
    let side = gap.side;
    if side == Side::Met {
        return String::new();
    }
    // Percent and scores are off by points; amounts and counts by how much is missing.
    let (en_under, en_over, zh_under, zh_over) = match unit {
        Some(Unit::Days) | Some(Unit::Hours) => ("faster", "slower", "快", "慢"),
        Some(Unit::Percent) | Some(Unit::Score) | Some(Unit::Ratio) | None => {
            ("below target", "above target", "低于目标", "高于目标")
        }
        Some(Unit::Currency) | Some(Unit::Count) => ("short", "over", "差", "超出"),
    };
    let under = matches!(side, Side::Short | Side::Below);
    let measured = match unit {
        Some(Unit::Percent) => {
            let n = grouped(amount, 1);
            return match (zh, under) {
                (false, true) => format!("{n} points below target"),
                (false, false) => format!("{n} points above target"),
                (true, true) => format!("低于目标 {n} 个百分点"),
                (true, false) => format!("高于目标 {n} 个百分点"),
            };
        }
        Some(Unit::Score) => {
            let n = grouped(amount, 1);
            return match (zh, under) {
                (false, true) => format!("{n} points below target"),
                (false, false) => format!("{n} points above target"),
                (true, true) => format!("低于目标 {n} 分"),
                (true, false) => format!("高于目标 {n} 分"),
            };
        }
        _ => with_unit(amount, unit, currency, lang),
    };
    match (zh, under) {
        (false, true) => format!("{measured} {en_under}"),
        (false, false) => format!("{measured} {en_over}"),
        (true, true) => format!("{zh_under} {measured}"),
        (true, false) => format!("{zh_over} {measured}"),
    }
}

/// Achievement against target as a bar: where it ends, the 100% line, and where
/// the KPI's points stop rising (the cap), all in percent of target.
pub struct Bar {
    /// Where the bar ends: the achievement, within the scale.
    pub drawn: f64,
    pub cap: Option<f64>,
    pub label: String,
}

pub fn bar(kpi: &KpiView, rulebook: &Rulebook, lang: Lang) -> Option<Bar> {
    let KpiOutcome::Scored {
        achievement: Some(achievement),
        ..
    } = kpi.outcome
    else {
        return None;
    };
    let cap = rulebook.find_kpi(&kpi.kpi).and_then(|id| {
        let definition = rulebook.kpi(id);
        match definition.scoring {
            ScoringDef::Linear { cap, .. } => Some(cap),
            ScoringDef::Levels { .. } => kpi
                .target
                .stretch
                .and_then(|s| crate::kpi::scoring::achievement(definition.achievement, s, kpi.target.target)),
            _ => None,
        }
    });
    let label = match lang {
        Lang::En => format!("{achievement:.1}% of target"),
        Lang::Zh => format!("达成目标的 {achievement:.1}%"),
    };
    Some(Bar {
        drawn: achievement.clamp(0.0, BAR_END),
        cap: cap.filter(|c| *c > 0.0 && *c <= BAR_END),
        label,
    })
}

/// A KPI's last periods as a small line: points of an SVG polyline 60 x 16, and a
/// text alternative listing the values.
pub struct Sparkline {
    pub runs: Vec<String>,
    pub dots: Vec<(f64, f64)>,
    pub text: String,
}

pub fn sparkline(values: &[(String, Option<f64>)], shown: impl Fn(f64) -> String, no_data: &str) -> Option<Sparkline> {
    let present: Vec<f64> = values.iter().filter_map(|(_, v)| *v).collect();
    if present.len() < 2 {
        return None;
    }
    let (low, high) = present
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| (l.min(*v), h.max(*v)));
    let span = if high > low { high - low } else { 1.0 };
    let step = 60.0 / (values.len().max(2) - 1) as f64;
    let y = |v: f64| 14.0 - (v - low) / span * 12.0;
    let mut runs = Vec::new();
    let mut run = Vec::new();
    let mut dots = Vec::new();
    for (i, (_, value)) in values.iter().enumerate() {
        match value {
            Some(v) => {
                let point = (i as f64 * step, y(*v));
                run.push(format!("{:.1},{:.1}", point.0, point.1));
                dots.push(point);
            }
            None if !run.is_empty() => runs.push(std::mem::take(&mut run).join(" ")),
            None => {}
        }
    }
    if !run.is_empty() {
        runs.push(run.join(" "));
    }
    let text = values
        .iter()
        .map(|(label, v)| format!("{label}: {}", v.map_or_else(|| no_data.to_owned(), &shown)))
        .collect::<Vec<_>>()
        .join(", ");
    Some(Sparkline { runs, dots, text })
}

/// A grade band on the total's scale: where it starts and ends in percent of the
/// scale's width, and its grade.
pub struct Band {
    pub grade: String,
    pub from: f64,
    pub width: f64,
    pub mine: bool,
}

/// The total's scale with its grade bands, and where the total falls, in percent.
pub struct TotalScale {
    pub bands: Vec<Band>,
    pub at: f64,
}

pub fn total_scale(scale: &GradeScale, total: f64, grade: Option<&str>) -> TotalScale {
    let width = (scale.total_max - scale.total_min).max(f64::EPSILON);
    let place = |v: f64| (v.clamp(scale.total_min, scale.total_max) - scale.total_min) / width * 100.0;
    let mut bands = Vec::new();
    let mut upper = scale.total_max;
    for g in &scale.grades {
        let from = place(g.min);
        bands.push(Band {
            grade: g.grade.clone(),
            from,
            width: place(upper) - from,
            mine: grade == Some(g.grade.as_str()),
        });
        upper = g.min;
    }
    bands.reverse();
    TotalScale {
        bands,
        at: place(total),
    }
}

/// A change of the total since the previous period: `+3.2`, `−1.0`, `±0.0`.
pub fn change(now: f64, before: f64) -> String {
    let delta = now - before;
    if delta.abs() < 0.05 {
        "±0.0".to_owned()
    } else if delta > 0.0 {
        format!("+{delta:.1}")
    } else {
        format!("−{:.1}", -delta)
    }
}

/// Which way the direction is good, for the row's hint: "higher is better".
pub fn direction_words(direction: Direction, lang: Lang) -> &'static str {
    match (direction, lang) {
        (Direction::Higher, Lang::En) => "higher is better",
        (Direction::Lower, Lang::En) => "lower is better",
        (Direction::Closest, Lang::En) => "closest to target is best",
        (Direction::Higher, Lang::Zh) => "越高越好",
        (Direction::Lower, Lang::Zh) => "越低越好",
        (Direction::Closest, Lang::Zh) => "越接近目标越好",
    }
}

/// The KPIs costing the card the most points, largest first, at most `n`.
pub fn largest_shortfalls<'a>(card: &'a CardView, rulebook: &Rulebook, n: usize) -> Vec<(&'a KpiView, Gap)> {
    let mut lost: Vec<(&KpiView, Gap)> = card
        .kpis
        .iter()
        .filter_map(|k| k.gap(rulebook).map(|g| (k, g)))
        .filter(|(_, g)| g.standing != Standing::OnTrack && g.points_lost >= 0.05)
        .collect();
    lost.sort_by(|a, b| b.1.points_lost.total_cmp(&a.1.points_lost));
    lost.truncate(n);
    lost
}

/// A bonus or deduction as the card explains it: its name, why, and its points.
pub struct AdjustmentLine {
    pub name: String,
    pub why: String,
    pub points: String,
}

pub fn adjustment_lines(card: &CardView, rulebook: &Rulebook, lang: Lang) -> Vec<AdjustmentLine> {
    let role = rulebook.find_role(&card.role).map(|id| rulebook.role(id));
    card.adjustments
        .iter()
        .map(|a| {
            let defined = role.and_then(|r| r.adjustments.iter().find(|d| d.key == a.adjustment));
            let sign = match a.kind.as_str() {
                _ if a.points.abs() < 0.05 => "",
                "deduction" => "−",
                _ => "+",
            };
            let name = defined.map_or_else(|| a.adjustment.clone(), |d| lang.pick(&d.name).to_owned());
            let why = match (defined, a.quantity) {
                (Some(d), Some(quantity)) => {
                    let (each, most, per) = (grouped(d.points_each, 1), grouped(d.max_points, 1), d.per.source());
                    let quantity = grouped(quantity, if quantity.fract() == 0.0 { 0 } else { 1 });
                    match lang {
                        Lang::En => format!("{quantity} × {each} points ({per}), at most {most}"),
                        Lang::Zh => format!("{quantity} × {each} 分（{per}），最多 {most} 分"),
                    }
                }
                _ => String::new(),
            };
            AdjustmentLine {
                name,
                why,
                points: format!("{sign}{:.1}", a.points.abs()),
            }
        })
        .collect()
}

/// A gate that fired, as the card explains it: its name, the condition that held
/// and what it did.
pub fn fired_gates(card: &CardView, rulebook: &Rulebook, lang: Lang) -> Vec<String> {
    use crate::kpi::rulebook::GateEffect;
    use crate::kpi::scorecard::GateState;
    let role = rulebook.find_role(&card.role).map(|id| rulebook.role(id));
    card.gates
        .iter()
        .filter(|g| g.state == GateState::Fired)
        .map(|g| {
            let defined = role.and_then(|r| r.gates.iter().find(|d| d.key == g.gate));
            let name = defined.map_or_else(|| g.gate.clone(), |d| lang.pick(&d.name).to_owned());
            let effect = defined.map(|d| match (d.action, lang) {
                (GateEffect::CapGrade(rank), Lang::En) => {
                    let grade = role
                        .and_then(|r| r.grade_scale.grades.get(rank))
                        .map_or("?", |g| g.grade.as_str());
                    format!("the grade is at most {grade}")
                }
                (GateEffect::CapGrade(rank), Lang::Zh) => {
                    let grade = role
                        .and_then(|r| r.grade_scale.grades.get(rank))
                        .map_or("?", |g| g.grade.as_str());
                    format!("等级最高为 {grade}")
                }
                (GateEffect::ZeroTier(tier), Lang::En) => {
                    format!("the {} tier scores zero", tier_name(tier.as_str(), lang))
                }
                (GateEffect::ZeroTier(tier), Lang::Zh) => format!("{}层级计零分", tier_name(tier.as_str(), lang)),
                (GateEffect::ZeroTotal, Lang::En) => "the card scores zero".to_owned(),
                (GateEffect::ZeroTotal, Lang::Zh) => "整张绩效卡计零分".to_owned(),
            });
            match (effect, lang) {
                (Some(effect), Lang::En) => format!("{name}: {} held, so {effect}", g.condition),
                (Some(effect), Lang::Zh) => format!("{name}：{} 成立，因此{effect}", g.condition),
                (None, _) => format!("{name} ({})", g.condition),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kpi::rulebook::Target;
    use crate::kpi::shortfall::gap;

    fn target(target: f64, threshold: Option<f64>) -> Target {
        Target {
            target,
            threshold,
            stretch: None,
        }
    }

    #[test]
    fn numbers_are_grouped_by_thousands() {
        assert_eq!(grouped(12_400.0, 0), "12,400");
        assert_eq!(grouped(1_234_567.891, 2), "1,234,567.89");
        assert_eq!(grouped(999.0, 0), "999");
        assert_eq!(grouped(-12_400.0, 0), "-12,400");
        assert_eq!(grouped(-0.01, 1), "0.0");
    }

    #[test]
    fn a_gap_is_said_in_the_kpis_unit() {
        let yuan = Currency {
            code: "CNY".into(),
            symbol: "¥".into(),
        };
        let g = gap(Direction::Higher, &target(30.0, Some(25.0)), 26.4, 88.0, 20.0);
        assert_eq!(
            gap_words(&g, Some(Unit::Percent), None, Lang::En),
            "3.6 points below target"
        );
        assert_eq!(
            gap_words(&g, Some(Unit::Percent), None, Lang::Zh),
            "低于目标 3.6 个百分点"
        );
        let g = gap(Direction::Higher, &target(100_000.0, None), 87_600.0, 87.6, 10.0);
        assert_eq!(
            gap_words(&g, Some(Unit::Currency), Some(&yuan), Lang::En),
            "¥12,400 short"
        );
        assert_eq!(gap_words(&g, Some(Unit::Currency), Some(&yuan), Lang::Zh), "差 ¥12,400");
        let g = gap(Direction::Lower, &target(3.0, Some(5.0)), 5.1, 30.0, 10.0);
        assert_eq!(gap_words(&g, Some(Unit::Days), None, Lang::En), "2.1 days slower");
        assert_eq!(gap_words(&g, Some(Unit::Days), None, Lang::Zh), "慢 2.1 天");
        let g = gap(Direction::Lower, &target(2.0, None), 3.0, 50.0, 10.0);
        assert_eq!(
            gap_words(&g, Some(Unit::Percent), None, Lang::En),
            "1.0 points above target"
        );
        let g = gap(Direction::Higher, &target(40.0, None), 28.0, 70.0, 10.0);
        assert_eq!(gap_words(&g, Some(Unit::Count), None, Lang::En), "12 short");
        let g = gap(Direction::Closest, &target(100.0, None), 108.0, 92.0, 10.0);
        assert_eq!(
            gap_words(&g, Some(Unit::Score), None, Lang::En),
            "8.0 points above target"
        );
        let g = gap(Direction::Higher, &target(30.0, None), 31.0, 103.0, 10.0);
        assert_eq!(gap_words(&g, Some(Unit::Percent), None, Lang::En), "");
    }

    #[test]
    fn the_total_scale_draws_each_band_from_its_minimum() {
        let scale = GradeScale {
            key: "standard".into(),
            total_min: 0.0,
            total_max: 150.0,
            grades: [("S", 110.0), ("A", 100.0), ("B", 85.0), ("C", 70.0), ("D", 0.0)]
                .into_iter()
                .map(|(grade, min)| crate::kpi::rulebook::Grade {
                    grade: grade.into(),
                    min,
                    bonus_coefficient: 1.0,
                })
                .collect(),
        };
        let drawn = total_scale(&scale, 90.0, Some("B"));
        let bands: Vec<(&str, String, String, bool)> = drawn
            .bands
            .iter()
            .map(|b| {
                (
                    b.grade.as_str(),
                    format!("{:.1}", b.from),
                    format!("{:.1}", b.width),
                    b.mine,
                )
            })
            .collect();
        assert_eq!(
            bands,
            [
                ("D", "0.0".into(), "46.7".into(), false),
                ("C", "46.7".into(), "10.0".into(), false),
                ("B", "56.7".into(), "10.0".into(), true),
                ("A", "66.7".into(), "6.7".into(), false),
                ("S", "73.3".into(), "26.7".into(), false),
            ]
        );
        assert_eq!(format!("{:.1}", drawn.at), "60.0");
        assert_eq!(change(90.0, 86.8), "+3.2");
        assert_eq!(change(90.0, 91.0), "−1.0");
        assert_eq!(change(90.0, 90.01), "±0.0");
    }

    #[test]
    fn a_sparkline_breaks_at_a_period_without_data() {
        let values = vec![
            ("2026-05".to_owned(), Some(10.0)),
            ("2026-06".to_owned(), Some(20.0)),
            ("2026-07".to_owned(), None),
            ("2026-08".to_owned(), Some(15.0)),
            ("2026-09".to_owned(), Some(10.0)),
        ];
        let line = sparkline(&values, |v| format!("{v:.0}"), "no data").expect("enough values");
        assert_eq!(line.runs, ["0.0,14.0 15.0,2.0", "45.0,8.0 60.0,14.0"]);
        assert_eq!(
            line.text,
            "2026-05: 10, 2026-06: 20, 2026-07: no data, 2026-08: 15, 2026-09: 10"
        );
        assert!(sparkline(&values[..1], |v| v.to_string(), "-").is_none());
    }
}
