//! Scored periods, kept while their inputs are unchanged: a page view reads a cached
//! report unless an import has landed since it was scored.

use super::AppState;
use super::error::AppError;
use crate::import::stored_organisation;
use crate::inputs::PeriodSources;
use crate::kpi::evaluate::score_period;
use crate::kpi::organisation::Organisation;
use crate::kpi::period::Period;
use crate::report::{CardView, PeriodReport};
use crate::review;
use crate::store::PeriodStatus;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How many scored periods are kept.
const CAPACITY: usize = 32;

/// A scored period, its cards found by subject.
#[derive(Debug)]
pub struct ScoredPeriod {
    pub report: PeriodReport,
    /// The organisation as it is now, for deciding who may see what.
    pub organisation: Organisation,
    by_subject: HashMap<String, (bool, usize)>,
}

impl ScoredPeriod {
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

/// How long the newest import's id is trusted before the store is asked again: an
/// import made by another process shows within this time.
const VERSION_TTL: Duration = Duration::from_millis(250);

#[derive(Debug, Default)]
pub struct ScoreCache {
    periods: Mutex<HashMap<(Period, i64), Arc<ScoredPeriod>>>,
    version: Mutex<Option<(Instant, i64)>>,
}

impl ScoreCache {
    pub async fn get(&self, state: &AppState, period: Period) -> Result<Arc<ScoredPeriod>, AppError> {
        let version = self.data_version(state).await?;
        if let Some(hit) = self.lock().get(&(period, version)) {
            return Ok(Arc::clone(hit));
        }
        let scored = Arc::new(score(state, period).await?);
        let mut periods = self.lock();
        if periods.len() >= CAPACITY {
            periods.clear();
        }
        periods.insert((period, version), Arc::clone(&scored));
        Ok(scored)
    }

    /// Forgets every scored period, after an upload through this server: the next
    /// view scores afresh, even within `VERSION_TTL` and even for teams or people,
    /// whose imports leave the data version as it was.
    pub fn clear(&self) {
        self.lock().clear();
        *self.version.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = None;
    }

    async fn data_version(&self, state: &AppState) -> Result<i64, AppError> {
        let fresh = self
            .version
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .filter(|(at, _)| at.elapsed() < VERSION_TTL);
        if let Some((_, version)) = fresh {
            return Ok(version);
        }
        let version = state.store.data_version().await?;
        *self.version.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some((Instant::now(), version));
        Ok(version)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<(Period, i64), Arc<ScoredPeriod>>> {
        // A panic while holding the lock leaves only a cache behind: keep using it.
        self.periods.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

async fn score(state: &AppState, period: Period) -> Result<ScoredPeriod, AppError> {
    let rulebook = &state.rulebook;
    let finalized = match period {
        Period::Month(m) => state.store.period_status(&m.to_string()).await? == PeriodStatus::Finalized,
        _ => false,
    };
    let report = if finalized {
        review::frozen_report(&state.store, period).await?
    } else {
        let sources = PeriodSources::from_store(&state.store, rulebook, period).await?;
        let inputs = sources.data.period_inputs(rulebook, &sources.organisation, period);
        let scores = score_period(rulebook, &sources.organisation, &inputs, &sources.targets, period);
        PeriodReport::new(rulebook, &sources.organisation, &inputs, &scores)
    };
    let organisation = stored_organisation(&state.store, rulebook, None).await?;
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
        organisation,
        by_subject,
    })
}
