//! Scored periods as readers see them, for the web, the command line and the mail: a
//! finalized month as it was frozen, any other period scored from what is stored now,
//! with the organisation as stored to decide who may see what.
//!
//! They are kept while their inputs are unchanged: a page view reads a cached
//! report unless an import has landed or other definitions were published since it was
//! scored. A trend reads twelve
//! periods at once, so the cache keeps more than that and, when full, forgets the
//! period read longest ago; periods scored from older data go first.

use crate::access::{Visibility, VisibilityMemo};
use crate::definitions::RulebookVersion;
use crate::import::stored_organisation;
use crate::inputs::PeriodSources;
use crate::kpi::evaluate::PeriodScores;
use crate::kpi::organisation::Organisation;
use crate::kpi::period::{Month, Period};
use crate::kpi::rollup::PeriodInputs;
use crate::kpi::rulebook::Rulebook;
use crate::report::{CardView, PeriodReport};
use crate::review;
use crate::standings::{PeerStanding, PeerStandings};
use crate::store::{Account, Store, StoreError};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

mod figures;
pub use figures::{PeriodFigures, kpi_value};

/// How many scored periods are kept: two twelve-period trends and then some.
const CAPACITY: usize = 32;

/// How many periods read only for their figures are kept: a few dozen bytes a card,
/// so many more than whole periods.
const FIGURES_CAPACITY: usize = 64;

/// A scored period, its cards found by subject.
#[derive(Debug)]
pub struct ScoredPeriod {
    pub report: PeriodReport,
    /// The definitions in force when it was read: what its pages name and explain by.
    pub version: Arc<RulebookVersion>,
    /// Which definitions its numbers come from.
    pub scored_with: ScoredWith,
    /// The organisation as it is now, for deciding who may see what.
    pub organisation: Organisation,
    by_subject: HashMap<String, (bool, usize)>,
    visibilities: VisibilityMemo,
    /// Worked out on the first card page that asks, then kept with the period.
    peer_standings: OnceLock<PeerStandings>,
    figures: OnceLock<Arc<PeriodFigures>>,
    /// Orders of the people (positions in `report.people`) a list has asked for, by
    /// what it named them: a list of 100,000 is sorted once per period, not per view.
    people_orders: Mutex<HashMap<String, Arc<[u32]>>>,
    /// The teams and roles the period's people hold, sorted.
    held: OnceLock<Held>,
}

/// The teams and roles held by a period's people, each once and sorted.
#[derive(Debug, Default)]
pub struct Held {
    pub teams: Vec<String>,
    pub roles: Vec<String>,
}

impl ScoredPeriod {
    /// Who `account` may see in this period's organisation.
    pub fn visibility(&self, account: &Account) -> Arc<Visibility> {
        self.visibilities.of(account, &self.organisation)
    }

    /// The card of `subject`, held together with its scored period.
    pub fn card_ref(self: &Arc<Self>, subject: &str) -> Option<CardRef> {
        self.by_subject.get(subject).map(|&at| CardRef {
            scored: Arc::clone(self),
            at,
        })
    }

    /// Where the person `subject` stands among their role and team this period.
    pub fn peer_standing(&self, subject: &str) -> Option<&PeerStanding> {
        let &(team, at) = self.by_subject.get(subject)?;
        if team {
            return None;
        }
        self.peer_standings
            .get_or_init(|| PeerStandings::new(&self.report.people))
            .at(at)
    }

    /// Where the person `subject`'s card is in `report.people`.
    pub fn person_position(&self, subject: &str) -> Option<u32> {
        match self.by_subject.get(subject) {
            Some(&(false, at)) => Some(at as u32),
            _ => None,
        }
    }

    /// The people's order that `name` stands for, sorted by `sort` the first time it
    /// is asked for; `sort` gives the positions in `report.people`.
    pub fn people_order(&self, name: &str, sort: impl FnOnce(&[CardView]) -> Vec<u32>) -> Arc<[u32]> {
        let lock = || {
            self.people_orders
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
        };
        if let Some(order) = lock().get(name) {
            return Arc::clone(order);
        }
        let order: Arc<[u32]> = sort(&self.report.people).into();
        lock().insert(name.to_owned(), Arc::clone(&order));
        order
    }

    /// The teams and roles the period's people hold.
    pub fn held(&self) -> &Held {
        self.held.get_or_init(|| {
            let mut teams: Vec<String> = self.report.people.iter().filter_map(|c| c.team.clone()).collect();
            teams.retain(|t| !t.is_empty());
            teams.sort_unstable();
            teams.dedup();
            let mut roles: Vec<String> = self.report.people.iter().map(|c| c.role.clone()).collect();
            roles.sort_unstable();
            roles.dedup();
            Held { teams, roles }
        })
    }

    /// The period's figures alone, as a period read for its history is kept.
    pub fn figures(&self) -> Arc<PeriodFigures> {
        Arc::clone(self.figures.get_or_init(|| Arc::new(PeriodFigures::of(&self.report))))
    }

    pub fn card(&self, subject: &str) -> Option<&CardView> {
        self.by_subject.get(subject).map(|&(team, i)| {
            if team {
                &self.report.teams[i]
            } else {
                &self.report.people[i]
            }
        })
    }
}

/// Which definitions a period's numbers come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScoredWith {
    /// Scored now, with this stored version (`None`: never stored).
    InForce(Option<i64>),
    /// A finalized month, as it was frozen with this version.
    Frozen(i64),
}

impl ScoredWith {
    /// The stored version, if any.
    pub fn version(self) -> Option<i64> {
        match self {
            ScoredWith::InForce(v) => v,
            ScoredWith::Frozen(v) => Some(v),
        }
    }
}

/// One card of a scored period, without copying it out of the cache.
#[derive(Debug, Clone)]
pub struct CardRef {
    scored: Arc<ScoredPeriod>,
    at: (bool, usize),
}

impl CardRef {
    pub fn card(&self) -> &CardView {
        match self.at {
            (true, i) => &self.scored.report.teams[i],
            (false, i) => &self.scored.report.people[i],
        }
    }

    /// The scored period the card belongs to.
    pub fn scored(&self) -> &ScoredPeriod {
        &self.scored
    }
}

/// How long the newest import's id is trusted before the store is asked again: an
/// import made by another process shows within this time.
const VERSION_TTL: Duration = Duration::from_millis(250);

#[derive(Debug, Default)]
pub struct ScoreCache {
    periods: Mutex<Entries<ScoredPeriod>>,
    /// Periods read only as the history of another, by the same keys: their figures.
    figures: Mutex<Entries<PeriodFigures>>,
    version: Mutex<Option<(Instant, i64)>>,
    /// The month shown when none is asked for, by the data version it was chosen at.
    default_month: Mutex<Option<(i64, DefaultMonth)>>,
}

/// The month a page shows when none is asked for, and why that one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DefaultMonth {
    /// The latest month in which at least half the people have a total.
    EnoughData(Month),
    /// No recent month has enough data: the latest finalized one.
    Finalized(Month),
    /// Nothing has enough data and nothing is finalized: the latest month with any.
    LatestData(Month),
    /// No data at all: the current month.
    Today(Month),
}

impl DefaultMonth {
    pub fn month(self) -> Month {
        match self {
            DefaultMonth::EnoughData(m)
            | DefaultMonth::Finalized(m)
            | DefaultMonth::LatestData(m)
            | DefaultMonth::Today(m) => m,
        }
    }
}

/// How far back from the latest month with data the default looks for one with enough.
const DEFAULT_LOOKBACK: usize = 12;

/// What a scored period was scored from: the period, the data version and the
/// definition version.
type Key = (Period, i64, Option<i64>);

/// The cached periods by what they were scored from, each with when it was last read.
#[derive(Debug)]
struct Entries<T> {
    map: HashMap<Key, (u64, Arc<T>)>,
    /// A counter that orders reads; the entry with the smallest is least recently used.
    clock: u64,
}

impl<T> Default for Entries<T> {
    fn default() -> Self {
        Entries {
            map: HashMap::new(),
            clock: 0,
        }
    }
}

impl<T> Entries<T> {
    fn get(&mut self, key: &Key) -> Option<Arc<T>> {
        self.clock += 1;
        let clock = self.clock;
        self.map.get_mut(key).map(|(used, scored)| {
            *used = clock;
            Arc::clone(scored)
        })
    }

    fn insert(&mut self, key: Key, scored: Arc<T>, capacity: usize) {
        // Periods scored from older data or other definitions are not read again.
        self.map
            .retain(|(_, data, definitions), _| *data == key.1 && *definitions == key.2);
        while self.map.len() >= capacity {
            let oldest = self.map.iter().min_by_key(|(_, (used, _))| *used).map(|(k, _)| *k);
            match oldest {
                Some(oldest) => self.map.remove(&oldest),
                None => break,
            };
        }
        self.clock += 1;
        self.map.insert(key, (self.clock, scored));
    }
}

/// A scored period, and how long scoring it took (`None`: it was cached).
#[derive(Debug)]
pub struct Lookup {
    pub scored: Arc<ScoredPeriod>,
    pub took: Option<Duration>,
}

/// A period's figures, and how long scoring it took (`None`: it was cached).
#[derive(Debug)]
pub struct FiguresLookup {
    pub figures: Arc<PeriodFigures>,
    pub took: Option<Duration>,
}

impl ScoreCache {
    /// `period` scored with `version` from what `store` holds now, cached.
    pub async fn get(
        &self,
        store: &Store,
        version: Arc<RulebookVersion>,
        period: Period,
    ) -> Result<Lookup, StoreError> {
        let data = self.data_version(store).await?;
        let key = (period, data, version.id);
        if let Some(hit) = self.lock().get(&key) {
            return Ok(Lookup {
                scored: hit,
                took: None,
            });
        }
        let started = Instant::now();
        let scored = Arc::new(score(store, version, period).await?);
        self.lock().insert(key, Arc::clone(&scored), CAPACITY);
        Ok(Lookup {
            scored,
            took: Some(started.elapsed()),
        })
    }

    /// The figures of `period` scored with `version`, for a page that reads it only as
    /// the history of another: taken from the whole period where it is cached, else
    /// scored and kept as figures alone.
    pub async fn figures(
        &self,
        store: &Store,
        version: Arc<RulebookVersion>,
        period: Period,
    ) -> Result<FiguresLookup, StoreError> {
        let data = self.data_version(store).await?;
        let key = (period, data, version.id);
        let whole = self.lock().get(&key);
        if let Some(hit) = whole.map(|s| s.figures()).or_else(|| self.lock_figures().get(&key)) {
            return Ok(FiguresLookup {
                figures: hit,
                took: None,
            });
        }
        let started = Instant::now();
        let figures = Arc::new(score_figures(store, &version, period).await?);
        self.lock_figures().insert(key, Arc::clone(&figures), FIGURES_CAPACITY);
        Ok(FiguresLookup {
            figures,
            took: Some(started.elapsed()),
        })
    }

    /// The month to show when none is asked for: the latest month with enough data to
    /// score, else the latest finalized one, else the latest with any data. Chosen once
    /// per data version.
    pub async fn default_month(
        &self,
        store: &Store,
        definitions: Arc<RulebookVersion>,
    ) -> Result<DefaultMonth, StoreError> {
        let version = self.data_version(store).await?;
        let memo = *self
            .default_month
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((at, chosen)) = memo.filter(|(at, _)| *at == version) {
            debug_assert_eq!(at, version);
            return Ok(chosen);
        }
        let chosen = match store.latest_month().await? {
            None => DefaultMonth::Today(today()),
            Some(latest) => {
                let mut month = latest;
                let mut found = None;
                for _ in 0..DEFAULT_LOOKBACK {
                    let scored = self
                        .get(store, Arc::clone(&definitions), Period::Month(month))
                        .await?
                        .scored;
                    if scored.figures().enough_to_show() {
                        found = Some(DefaultMonth::EnoughData(month));
                        break;
                    }
                    month = month.previous();
                }
                match (found, store.latest_finalized_month().await?) {
                    (Some(found), _) => found,
                    (None, Some(finalized)) => DefaultMonth::Finalized(finalized),
                    (None, None) => DefaultMonth::LatestData(latest),
                }
            }
        };
        *self
            .default_month
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some((version, chosen));
        Ok(chosen)
    }

    async fn data_version(&self, store: &Store) -> Result<i64, StoreError> {
        let fresh = self
            .version
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .filter(|(at, _)| at.elapsed() < VERSION_TTL);
        if let Some((_, version)) = fresh {
            return Ok(version);
        }
        let version = store.data_version().await?;
        Ok(self.remember(version))
    }

    /// Data was just written through this server: its readers see it at once, not
    /// after `VERSION_TTL`.
    pub async fn data_changed(&self, store: &Store) -> Result<(), StoreError> {
        let version = store.data_version().await?;
        self.remember(version);
        Ok(())
    }

    /// Remembers `version` unless a newer one is known (versions only grow: a read
    /// that began before a write must not bring the older one back). Returns the newest.
    fn remember(&self, version: i64) -> i64 {
        let mut memo = self.version.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let newest = memo.map_or(version, |(_, known)| known.max(version));
        *memo = Some((Instant::now(), newest));
        newest
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Entries<ScoredPeriod>> {
        // A panic while holding the lock leaves only a cache behind: keep using it.
        self.periods.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn lock_figures(&self) -> std::sync::MutexGuard<'_, Entries<PeriodFigures>> {
        self.figures.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// The current calendar month, for a store without any data.
fn today() -> Month {
    use chrono::Datelike;
    let now = chrono::Utc::now();
    Month::new(now.year() as u16, now.month() as u8).expect("the clock shows a plausible month")
}

/// `period` as a reader sees it: a finalized month as it was frozen, any other period
/// scored with `version` from what is stored now.
pub async fn period_report(
    store: &Store,
    version: &RulebookVersion,
    period: Period,
) -> Result<PeriodReport, StoreError> {
    if let Period::Month(month) = period
        && store.is_finalized(month).await?
    {
        let frozen = review::frozen_report(store, period).await?;
        let appraisals = store.list_appraisals(month).await?;
        return Ok(review::report_with_appraisals(
            frozen,
            &appraisals,
            &version.rulebook,
            true,
        ));
    }
    let rulebook = &version.rulebook;
    let (sources, inputs, scores) = fresh_scores(store, rulebook, period).await?;
    let report = PeriodReport::new(rulebook, &sources.organisation, &inputs, &scores);
    Ok(match period {
        Period::Month(month) => {
            review::report_with_appraisals(report, &store.list_appraisals(month).await?, rulebook, false)
        }
        _ => report,
    })
}

/// `period` scored by the engine from what `store` holds now.
async fn fresh_scores(
    store: &Store,
    rulebook: &Rulebook,
    period: Period,
) -> Result<(PeriodSources, PeriodInputs, PeriodScores), StoreError> {
    let sources = PeriodSources::from_store(store, rulebook, period).await?;
    let (inputs, scores) = sources.score(rulebook, period);
    Ok((sources, inputs, scores))
}

/// The figures of `period` as a reader sees it ([`period_report`]): a finalized month's
/// from its frozen cards, any other period's straight from the engine's scores.
async fn score_figures(store: &Store, version: &RulebookVersion, period: Period) -> Result<PeriodFigures, StoreError> {
    if let Period::Month(month) = period
        && store.is_finalized(month).await?
    {
        return Ok(PeriodFigures::of(&period_report(store, version, period).await?));
    }
    let (sources, _, scores) = fresh_scores(store, &version.rulebook, period).await?;
    Ok(PeriodFigures::of_scores(
        &version.rulebook,
        &sources.organisation,
        &scores,
    ))
}

async fn score(store: &Store, version: Arc<RulebookVersion>, period: Period) -> Result<ScoredPeriod, StoreError> {
    let report = period_report(store, &version, period).await?;
    let frozen = match period {
        Period::Month(m) => store.finalized_version(&m.to_string()).await?,
        _ => None,
    };
    let scored_with = frozen.map_or(ScoredWith::InForce(version.id), ScoredWith::Frozen);
    let organisation = stored_organisation(store, &version.rulebook, None).await?;
    let by_subject = report
        .people
        .iter()
        .enumerate()
        .map(|(i, c)| (c.subject.clone(), (false, i)))
        .chain(
            report
                .teams
                .iter()
                .enumerate()
                .map(|(i, c)| (c.subject.clone(), (true, i))),
        )
        .collect();
    Ok(ScoredPeriod {
        report,
        version,
        scored_with,
        organisation,
        by_subject,
        visibilities: VisibilityMemo::default(),
        peer_standings: OnceLock::new(),
        figures: OnceLock::new(),
        people_orders: Mutex::default(),
        held: OnceLock::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scored(period: Period) -> Arc<ScoredPeriod> {
        Arc::new(ScoredPeriod {
            report: PeriodReport {
                period,
                people: Vec::new(),
                teams: Vec::new(),
            },
            version: Arc::new(RulebookVersion::shipped()),
            scored_with: ScoredWith::InForce(None),
            organisation: Organisation::new(Vec::new(), Vec::new()).expect("an empty organisation"),
            by_subject: HashMap::new(),
            visibilities: VisibilityMemo::default(),
            peer_standings: OnceLock::new(),
            figures: OnceLock::new(),
            people_orders: Mutex::default(),
            held: OnceLock::new(),
        })
    }

    fn month(m: u8) -> Period {
        Period::Month(Month::new(2026, m).expect("a month"))
    }

    #[test]
    fn a_full_cache_forgets_the_period_read_longest_ago() {
        let mut entries = Entries::default();
        for m in 1..=3 {
            entries.insert((month(m), 7, Some(1)), scored(month(m)), 3);
        }
        assert!(entries.get(&(month(1), 7, Some(1))).is_some(), "January read again");
        entries.insert((month(4), 7, Some(1)), scored(month(4)), 3);
        assert!(
            entries.get(&(month(2), 7, Some(1))).is_none(),
            "February was read longest ago"
        );
        for m in [1, 3, 4] {
            assert!(entries.get(&(month(m), 7, Some(1))).is_some(), "month {m} kept");
        }
    }

    #[test]
    fn periods_scored_from_older_data_or_other_definitions_are_dropped() {
        let mut entries = Entries::default();
        entries.insert((month(1), 7, Some(1)), scored(month(1)), 3);
        entries.insert((month(2), 8, Some(1)), scored(month(2)), 3);
        assert!(entries.get(&(month(1), 7, Some(1))).is_none());
        assert_eq!(entries.map.len(), 1);
        entries.insert((month(2), 8, Some(2)), scored(month(2)), 3);
        assert!(
            entries.get(&(month(2), 8, Some(1))).is_none(),
            "scored with other definitions"
        );
        assert_eq!(entries.map.len(), 1);
    }

    #[test]
    fn a_month_is_the_default_when_half_its_people_have_a_total() {
        let card = |total: Option<f64>| {
            let mut card: CardView = serde_json::from_value(serde_json::json!({
                "subject": "p", "kind": "person", "name": "P", "team": null, "role": "rep",
                "scored_on": "p", "total": total, "weighted_score": 0.0, "grade": null,
                "bonus_coefficient": null, "complete": false, "tiers": [], "kpis": [],
                "adjustments": [], "gates": []
            }))
            .expect("a card");
            card.total = total;
            card
        };
        let report = |totals: &[Option<f64>]| PeriodReport {
            period: month(10),
            people: totals.iter().map(|t| card(*t)).collect(),
            teams: Vec::new(),
        };
        let enough_to_show = |report: &PeriodReport| PeriodFigures::of(report).enough_to_show();
        assert!(enough_to_show(&report(&[Some(80.0), None])), "one of two");
        assert!(!enough_to_show(&report(&[Some(80.0), None, None])), "one of three");
        assert!(!enough_to_show(&report(&[None])));
        assert!(!enough_to_show(&report(&[])), "nobody");
    }

    #[test]
    fn the_remembered_data_version_never_goes_back() {
        let cache = ScoreCache::default();
        assert_eq!(cache.remember(5), 5);
        assert_eq!(
            cache.remember(3),
            5,
            "a read that began before a write brings an older version"
        );
        assert_eq!(cache.remember(7), 7);
    }
}
