//! What a manager's mail says: each team they lead with its card and its members'
//! leaderboard, the attention list of the people they see, and whom the month's
//! review still waits for (self-assessments, their own ratings, acknowledgements).

use super::{Language, ReportSources, bar, link, number, team_name};
use crate::access::Visibility;
use crate::kpi::rulebook::Rulebook;
use crate::standings::leaderboard;
use crate::store::{Account, AccountEntry};
use std::collections::HashSet;

/// One member's line of a team's leaderboard.
#[derive(Debug, Clone, PartialEq)]
pub struct MemberLine {
    pub rank: usize,
    pub name: String,
    pub total: String,
    pub grade: String,
    pub change: String,
    /// The bar's width in pixels, the team's best at 160.
    pub bar: u32,
}

/// A team the manager leads: its own card and its members ranked.
#[derive(Debug, Clone, PartialEq)]
pub struct TeamSection {
    pub name: String,
    pub total: String,
    pub grade: String,
    pub change: String,
    pub members: Vec<MemberLine>,
    /// Members without a total this month, by name.
    pub unranked: Vec<String>,
    pub link: String,
}

/// A KPI far behind for months running.
#[derive(Debug, Clone, PartialEq)]
pub struct AttentionLine {
    pub name: String,
    pub kpi: String,
    /// "3 months since 2026-08: 41.0 → 38.5 → 40.2".
    pub detail: String,
}

/// A manager's summary of a month.
#[derive(Debug, Clone, PartialEq)]
pub struct ManagerReport {
    pub zh: bool,
    pub name: String,
    pub period: String,
    pub finalized: bool,
    pub teams: Vec<TeamSection>,
    pub attention: Vec<AttentionLine>,
    /// Whom the review waits for, by name.
    pub missing_self_assessment: Vec<String>,
    pub missing_rating: Vec<String>,
    pub missing_acknowledgement: Vec<String>,
    pub review_link: String,
}

impl ManagerReport {
    /// Whether the review waits for nobody the manager sees.
    pub fn nobody_missing(&self) -> bool {
        self.missing_self_assessment.is_empty()
            && self.missing_rating.is_empty()
            && self.missing_acknowledgement.is_empty()
    }
}

/// The summary for the manager account `username`, or `None` when it is no longer a
/// manager's or leads no team the month knows.
pub fn manager_report(
    sources: &ReportSources,
    rulebook: &Rulebook,
    username: &str,
    language: Language,
    public_url: &str,
) -> Option<ManagerReport> {
    let entry = sources.accounts.iter().find(|a| a.username == username)?;
    let account = as_account(entry);
    let organisation = &sources.organisation;
    let visibility = Visibility::of(&account, organisation);
    let last = sources.len() - 1;
    let month = sources.month;
    let name = entry
        .person
        .as_deref()
        .and_then(|p| organisation.find_person(p))
        .map_or_else(|| username.to_owned(), |p| organisation.person(p).name.clone());

    let mut teams = Vec::new();
    for key in &entry.teams {
        let Some(id) = organisation.find_team(key) else {
            continue;
        };
        let members: HashSet<&str> = organisation
            .members(id)
            .iter()
            .map(|&p| organisation.person(p).key.as_str())
            .collect();
        let cards: Vec<_> = sources
            .report()
            .people
            .iter()
            .filter(|c| members.contains(c.subject.as_str()))
            .collect();
        let ranked = leaderboard(cards.iter().copied());
        let best = ranked.first().map_or(0.0, |s| s.total);
        let member_lines = ranked
            .iter()
            .map(|s| MemberLine {
                rank: s.rank,
                name: s.card.name.clone(),
                total: number(Some(s.total)),
                grade: s.card.final_grade().unwrap_or("–").to_owned(),
                change: sources.change(
                    Some(s.total),
                    last.checked_sub(1).and_then(|at| sources.card(at, &s.card.subject)),
                    language,
                ),
                bar: if best > 0.0 {
                    bar(s.total / best * 100.0, 160.0)
                } else {
                    0
                },
            })
            .collect();
        let unranked = cards
            .iter()
            .filter(|c| c.total.is_none())
            .map(|c| c.name.clone())
            .collect();
        let team_card = sources.team_card(last, key);
        let (total, grade, change, team_label) = match team_card {
            Some(card) => (
                number(card.total),
                card.final_grade().unwrap_or("–").to_owned(),
                sources.change(
                    card.total,
                    last.checked_sub(1).and_then(|at| sources.team_card(at, key)),
                    language,
                ),
                team_name(card, language),
            ),
            None => (
                "–".to_owned(),
                "–".to_owned(),
                String::new(),
                organisation.team(id).name.clone(),
            ),
        };
        teams.push(TeamSection {
            name: team_label,
            total,
            grade,
            change,
            members: member_lines,
            unranked,
            link: link(public_url, &format!("/teams/{key}"), month, language),
        });
    }
    if teams.is_empty() {
        return None;
    }

    let attention = sources
        .attention(rulebook)
        .iter()
        .filter(|a| visibility.can_see(&a.person) && Some(a.person.as_str()) != entry.person.as_deref())
        .map(|a| {
            let trend: Vec<String> = a.trend.iter().map(|(_, v)| format!("{v:.1}")).collect();
            AttentionLine {
                name: a.name.clone(),
                kpi: language.pick(&a.kpi_name).to_owned(),
                detail: match language {
                    Language::En => format!("{} months since {}: {}", a.months, a.since, trend.join(" → ")),
                    Language::Zh => format!("自 {} 起连续 {} 个月：{}", a.since, a.months, trend.join(" → ")),
                },
            }
        })
        .collect();

    let review = sources.review(rulebook);
    let mut missing_self_assessment = Vec::new();
    let mut missing_rating = Vec::new();
    for team in review.teams.iter().filter(|t| visibility.can_see(&t.team)) {
        for person in &team.people {
            // A manager is not asked to chase their own rating.
            if Some(person.person.as_str()) == entry.person.as_deref() {
                continue;
            }
            if person.self_assessed == Some(false) && !sources.finalized {
                missing_self_assessment.push(person.name.clone());
            }
            if person.rated == Some(false) && !sources.finalized {
                missing_rating.push(person.name.clone());
            }
        }
    }
    let missing_acknowledgement = if sources.finalized {
        let answered: HashSet<&str> = sources
            .appraisals
            .iter()
            .filter(|a| a.acknowledged_at.is_some() || a.appeal.is_some())
            .map(|a| a.person.as_str())
            .collect();
        sources
            .report()
            .people
            .iter()
            .filter(|c| visibility.can_see(&c.subject) && Some(c.subject.as_str()) != entry.person.as_deref())
            .filter(|c| !answered.contains(c.subject.as_str()))
            .map(|c| c.name.clone())
            .collect()
    } else {
        Vec::new()
    };

    Some(ManagerReport {
        zh: language == Language::Zh,
        name,
        period: month.to_string(),
        finalized: sources.finalized,
        teams,
        attention,
        missing_self_assessment,
        missing_rating,
        missing_acknowledgement,
        review_link: link(public_url, "/review", month, language),
    })
}

/// The account as the visibility rules read it.
fn as_account(entry: &AccountEntry) -> Account {
    Account {
        id: 0,
        username: entry.username.clone(),
        password_hash: String::new(),
        role: entry.role,
        person: entry.person.clone(),
        teams: entry.teams.clone(),
        disabled: entry.disabled,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bar_is_a_share_of_the_full_width() {
        assert_eq!(bar(50.0, 160.0), 80);
        assert_eq!(bar(150.0, 160.0), 160);
        assert_eq!(bar(-3.0, 160.0), 0);
    }
}
