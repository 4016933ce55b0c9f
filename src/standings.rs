//! Where a scorecard stands among others of the same period: leaderboards, a person's
//! rank and percentile among the people of their role, and a team's median total.
//!
//! A card without a total (no data, or too little, for the period) stands nowhere: it
//! is left out of leaderboards, ranks, percentiles and medians, so a gap in the data
//! neither sinks its subject to the bottom nor lifts the others.
//!
//! Pure: it reads the cards of one scored period and does no I/O, so the numbers are
//! pinned by hand in the tests below.

use crate::report::CardView;
use std::cmp::Ordering;
use std::collections::HashMap;

/// One line of a leaderboard.
#[derive(Debug, Clone, PartialEq)]
pub struct Standing<'a> {
    /// 1 for the highest total; cards with equal totals share a rank and the next
    /// rank is skipped ("1, 2, 2, 4"): one plus the number of strictly higher totals.
    pub rank: usize,
    pub total: f64,
    pub card: &'a CardView,
}

/// The cards with a total ranked by it, highest first; equal totals keep subject-key
/// order so the list is the same on every view. Cards without a total are left out.
pub fn leaderboard<'a>(cards: impl IntoIterator<Item = &'a CardView>) -> Vec<Standing<'a>> {
    let mut cards: Vec<&CardView> = cards.into_iter().filter(|card| card.total.is_some()).collect();
    cards.sort_by(|a, b| leaderboard_order(a, b));
    ranked(cards)
}

/// The order of a leaderboard: highest total first, equal totals in subject-key order.
pub fn leaderboard_order(a: &CardView, b: &CardView) -> Ordering {
    let total = |c: &CardView| c.total.unwrap_or(f64::NEG_INFINITY);
    by_total_descending(total(a), total(b)).then_with(|| a.subject.cmp(&b.subject))
}

/// The standings of cards with a total already in [`leaderboard_order`]: their ranks.
pub fn ranked<'a>(sorted: impl IntoIterator<Item = &'a CardView>) -> Vec<Standing<'a>> {
    let mut standings: Vec<Standing<'a>> = Vec::new();
    for (i, (total, card)) in sorted
        .into_iter()
        .filter_map(|card| card.total.map(|total| (total, card)))
        .enumerate()
    {
        let rank = match standings.last() {
            Some(previous) if previous.total == total => previous.rank,
            _ => i + 1,
        };
        standings.push(Standing { rank, total, card });
    }
    standings
}

/// The cards of `cards` without a total, in subject order: those a leaderboard leaves out.
pub fn without_total<'a>(cards: impl IntoIterator<Item = &'a CardView>) -> Vec<&'a CardView> {
    let mut cards: Vec<&CardView> = cards.into_iter().filter(|c| c.total.is_none()).collect();
    cards.sort_by(|a, b| a.subject.cmp(&b.subject));
    cards
}

/// A person's place among the people of the same role in the same period.
#[derive(Debug, Clone, PartialEq)]
pub struct PeerStanding {
    /// One plus the number of peers with a strictly higher total.
    pub rank: usize,
    /// How many people hold the role, the person included.
    pub of: usize,
    /// The share, in percent (0 to 100), of the *other* people of the role whose total
    /// is strictly lower than this person's. The best of five is at 100, the worst at
    /// 0, and equal totals count neither way. `None` when the person is alone in the role.
    pub percentile: Option<f64>,
    /// The median total of the people whose own team is the person's (the person
    /// included; sub-teams not): the middle total, or the mean of the two middle ones.
    pub team_median: Option<f64>,
}

/// Every person's standing in one period, worked out once for all of them: a card
/// page then looks its person up instead of reading the whole organisation again.
#[derive(Debug, Default)]
pub struct PeerStandings {
    /// By position in the cards it was built from; `None` for a card without a total
    /// or one that is not a person's.
    standings: Vec<Option<PeerStanding>>,
}

impl PeerStandings {
    /// The standings of `cards` (a period's person cards). Peers without a total are
    /// not counted, nor are they in their team's median.
    pub fn new(cards: &[CardView]) -> PeerStandings {
        let persons = || cards.iter().filter(|c| c.kind == "person");
        let mut by_role: HashMap<&str, Vec<f64>> = HashMap::new();
        let mut by_team: HashMap<&str, Vec<f64>> = HashMap::new();
        for card in persons() {
            let Some(total) = card.total else { continue };
            by_role.entry(&card.role).or_default().push(total);
            if let Some(team) = &card.team {
                by_team.entry(team).or_default().push(total);
            }
        }
        for totals in by_role.values_mut() {
            totals.sort_by(f64::total_cmp);
        }
        let medians: HashMap<&str, Option<f64>> = by_team
            .into_iter()
            .map(|(team, totals)| (team, median(totals)))
            .collect();
        let standings = cards
            .iter()
            .map(|card| {
                let total = card.total.filter(|_| card.kind == "person")?;
                let role = &by_role[card.role.as_str()];
                // The role's totals, sorted: those strictly below and strictly above.
                let lower = role.partition_point(|&t| t < total);
                let higher = role.len() - role.partition_point(|&t| t <= total);
                let peers = role.len() - 1;
                Some(PeerStanding {
                    rank: higher + 1,
                    of: role.len(),
                    percentile: (peers > 0).then(|| 100.0 * lower as f64 / peers as f64),
                    team_median: card.team.as_deref().and_then(|team| medians[team]),
                })
            })
            .collect();
        PeerStandings { standings }
    }

    /// The standing of the card at `index` in the cards this was built from.
    pub fn at(&self, index: usize) -> Option<&PeerStanding> {
        self.standings.get(index).and_then(Option::as_ref)
    }
}

/// The middle value, or the mean of the two middle values; `None` for no values.
pub fn median(values: impl IntoIterator<Item = f64>) -> Option<f64> {
    let mut values: Vec<f64> = values.into_iter().collect();
    values.sort_by(f64::total_cmp);
    let n = values.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(values[n / 2]),
        _ => Some((values[n / 2 - 1] + values[n / 2]) / 2.0),
    }
}

fn by_total_descending(a: f64, b: f64) -> Ordering {
    b.total_cmp(&a)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::CardStatus;

    /// The standing of the person card `subject`, worked out as a page would.
    fn peer_standing(cards: &[CardView], subject: &str) -> Option<PeerStanding> {
        let at = cards.iter().position(|c| c.subject == subject)?;
        PeerStandings::new(cards).at(at).cloned()
    }

    fn card(subject: &str, role: &str, team: &str, total: f64) -> CardView {
        CardView {
            subject: subject.into(),
            kind: "person".into(),
            name: subject.to_uppercase(),
            name_zh: None,
            team: Some(team.into()),
            role: role.into(),
            scored_on: subject.into(),
            status: CardStatus::Graded,
            total: Some(total),
            weighted_score: total,
            grade: Some("B".into()),
            bonus_coefficient: Some(1.0),
            reason: None,
            scored_weight: Some(100.0),
            complete: true,
            tiers: Vec::new(),
            kpis: Vec::new(),
            supporting_kpis: Vec::new(),
            adjustments: Vec::new(),
            gates: Vec::new(),
            qualitative: None,
            appraisal: None,
        }
    }

    fn no_data(subject: &str, role: &str, team: &str) -> CardView {
        CardView {
            status: CardStatus::NoData,
            total: None,
            grade: None,
            bonus_coefficient: None,
            reason: Some("no data for this period".into()),
            scored_weight: Some(0.0),
            ..card(subject, role, team, 0.0)
        }
    }

    /// Five junior reps in two teams and one senior rep:
    /// east: a 90, b 80, c 80 (junior), s 99 (senior); west: d 70, e 60 (junior).
    fn period() -> Vec<CardView> {
        vec![
            card("c", "junior", "east", 80.0),
            card("a", "junior", "east", 90.0),
            card("e", "junior", "west", 60.0),
            card("s", "senior", "east", 99.0),
            card("b", "junior", "east", 80.0),
            card("d", "junior", "west", 70.0),
        ]
    }

    #[test]
    fn a_leaderboard_is_sorted_by_total_and_ties_share_a_rank() {
        let cards = period();
        let board = leaderboard(&cards);
        let lines: Vec<(usize, &str)> = board.iter().map(|s| (s.rank, s.card.subject.as_str())).collect();
        assert_eq!(lines, [(1, "s"), (2, "a"), (3, "b"), (3, "c"), (5, "d"), (6, "e")]);
    }

    #[test]
    fn cards_without_a_total_stand_nowhere() {
        let mut cards = period();
        cards.push(no_data("g", "junior", "west"));
        cards.push(no_data("h", "junior", "east"));
        let board = leaderboard(&cards);
        assert_eq!(board.len(), 6, "g and h are left out");
        assert_eq!(board.last().map(|s| (s.rank, s.card.subject.as_str())), Some((6, "e")));
        let left_out: Vec<&str> = without_total(&cards).iter().map(|c| c.subject.as_str()).collect();
        assert_eq!(left_out, ["g", "h"]);
        // e is still last of five juniors with totals, at 0, and west's median is (60 + 70) / 2.
        let standing = peer_standing(&cards, "e").expect("e is there");
        assert_eq!((standing.rank, standing.of, standing.percentile), (5, 5, Some(0.0)));
        assert_eq!(standing.team_median, Some(65.0));
        assert_eq!(peer_standing(&cards, "g"), None, "no total, no rank");
    }

    #[test]
    fn an_empty_leaderboard_is_empty() {
        assert!(leaderboard(&[]).is_empty());
    }

    #[test]
    fn the_best_of_a_role_is_first_and_above_every_other_peer() {
        let standing = peer_standing(&period(), "a").expect("a is there");
        assert_eq!(standing.rank, 1);
        assert_eq!(standing.of, 5, "the senior rep is not a peer");
        assert_eq!(standing.percentile, Some(100.0));
    }

    #[test]
    fn tied_peers_share_a_rank_and_count_neither_way() {
        // b: others are a 90, c 80, d 70, e 60; strictly lower: d and e, 2 of 4.
        let standing = peer_standing(&period(), "b").expect("b is there");
        assert_eq!(standing.rank, 2);
        assert_eq!(standing.percentile, Some(50.0));
        // The east team (a, b, c, s): 80, 80, 90, 99 -> median (80 + 90) / 2.
        assert_eq!(standing.team_median, Some(85.0));
    }

    #[test]
    fn the_worst_of_a_role_is_at_zero_and_its_team_median_is_the_middle_total() {
        let mut cards = period();
        cards.push(card("f", "junior", "west", 65.0));
        let standing = peer_standing(&cards, "e").expect("e is there");
        assert_eq!((standing.rank, standing.of), (6, 6));
        assert_eq!(standing.percentile, Some(0.0));
        // west: 60, 65, 70 -> 65.
        assert_eq!(standing.team_median, Some(65.0));
    }

    #[test]
    fn someone_alone_in_their_role_has_no_percentile() {
        let standing = peer_standing(&period(), "s").expect("s is there");
        assert_eq!((standing.rank, standing.of), (1, 1));
        assert_eq!(standing.percentile, None);
    }

    #[test]
    fn an_unknown_person_has_no_standing() {
        assert_eq!(peer_standing(&period(), "nobody"), None);
    }

    proptest::proptest! {
        /// Worked out once for all, each standing is what counting that person's
        /// peers one by one gives.
        #[test]
        fn standings_for_all_are_each_persons_own_count(
            people in proptest::collection::vec((0..3u8, 0..4u8, proptest::option::of(0..6u8)), 1..40)
        ) {
            let cards: Vec<CardView> = people
                .iter()
                .enumerate()
                .map(|(i, &(role, team, total))| {
                    let (subject, role, team) = (format!("p{i}"), format!("r{role}"), format!("t{team}"));
                    match total {
                        Some(t) => card(&subject, &role, &team, f64::from(t) * 10.0),
                        None => no_data(&subject, &role, &team),
                    }
                })
                .collect();
            let standings = PeerStandings::new(&cards);
            for (i, me) in cards.iter().enumerate() {
                let expected = me.total.map(|total| {
                    let peers: Vec<f64> = cards
                        .iter()
                        .filter(|c| c.role == me.role && c.subject != me.subject)
                        .filter_map(|c| c.total)
                        .collect();
                    let lower = peers.iter().filter(|&&t| t < total).count();
                    PeerStanding {
                        rank: 1 + peers.iter().filter(|&&t| t > total).count(),
                        of: peers.len() + 1,
                        percentile: (!peers.is_empty()).then(|| 100.0 * lower as f64 / peers.len() as f64),
                        team_median: median(cards.iter().filter(|c| c.team == me.team).filter_map(|c| c.total)),
                    }
                });
                proptest::prop_assert_eq!(standings.at(i), expected.as_ref());
            }
        }
    }

    #[test]
    fn the_median_of_nothing_is_none_and_of_one_value_is_that_value() {
        assert_eq!(median([]), None);
        assert_eq!(median([42.0]), Some(42.0));
        assert_eq!(median([4.0, 1.0, 3.0, 2.0]), Some(2.5));
    }
}
