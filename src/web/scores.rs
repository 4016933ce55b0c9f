//! The web's side of the scored periods (`crate::scorecards`): each lookup counted
//! and timed for `/metrics`, every failure an `AppError`.

use super::AppState;
use super::error::AppError;
use crate::kpi::period::Period;
pub use crate::scorecards::{CardRef, DefaultMonth, PeriodFigures, ScoredPeriod};
use std::sync::Arc;

#[derive(Debug, Default)]
pub struct ScoreCache(crate::scorecards::ScoreCache);

impl ScoreCache {
    /// `period` scored with the definitions in force, as `crate::scorecards` keeps it.
    pub async fn get(&self, state: &AppState, period: Period) -> Result<Arc<ScoredPeriod>, AppError> {
        let lookup = self.0.get(&state.store, state.rulebook(), period).await?;
        match lookup.took {
            Some(took) => state.telemetry.scored(took),
            None => state.telemetry.score_cache_hit(),
        }
        Ok(lookup.scored)
    }

    /// The figures of `period`, for a page that reads it only as the history of another.
    pub async fn figures(&self, state: &AppState, period: Period) -> Result<Arc<PeriodFigures>, AppError> {
        let lookup = self.0.figures(&state.store, state.rulebook(), period).await?;
        match lookup.took {
            Some(took) => state.telemetry.scored(took),
            None => state.telemetry.score_cache_hit(),
        }
        Ok(lookup.figures)
    }

    /// The month a page shows when none is asked for.
    pub async fn default_month(&self, state: &AppState) -> Result<DefaultMonth, AppError> {
        Ok(self.0.default_month(&state.store, state.rulebook()).await?)
    }

    /// Data was just written through this server: its readers see it at once.
    pub async fn data_changed(&self, state: &AppState) -> Result<(), AppError> {
        Ok(self.0.data_changed(&state.store).await?)
    }
}
