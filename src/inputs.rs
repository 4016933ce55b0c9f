//! Where a period's inputs come from: files given on the command line, or the store.
//! Either way the engine receives the same three things.

use crate::import::{
    ImportErrors, build_target_book, read_metrics, read_organisation, read_targets, stored_organisation,
};
use crate::kpi::organisation::{Organisation, Subject};
use crate::kpi::period::Month;
use crate::kpi::period::Period;
use crate::kpi::qualitative::RatingBook;
use crate::kpi::rollup::MetricData;
use crate::kpi::rulebook::MetricId;
use crate::kpi::rulebook::Rulebook;
use crate::kpi::targets::TargetBook;
use crate::store::{Store, StoreError};
use rustc_hash::FxHashMap;
use std::path::Path;

/// The organisation, its metric data, its targets and the managers' ratings, ready
/// to score.
#[derive(Debug)]
pub struct PeriodSources {
    pub organisation: Organisation,
    pub data: MetricData,
    pub targets: TargetBook,
    /// Empty unless the period is a month with ratings in the store.
    pub ratings: RatingBook,
}

/// The period's stored values straight into the engine's month tables: each row is
/// placed by its borrowed names (a value of someone outside the organisation, or of a
/// metric the definitions no longer have, is left out, as `build_metric_data` does).
async fn stored_metric_data(
    store: &Store,
    rulebook: &Rulebook,
    organisation: &Organisation,
    period: Period,
) -> Result<MetricData, StoreError> {
    let mut data = MetricData::new(
        rulebook.metrics().len(),
        organisation.people().len(),
        organisation.teams().len(),
    );
    let subjects: FxHashMap<&str, Subject> = organisation
        .people()
        .iter()
        .map(|p| p.key.as_str())
        .chain(organisation.teams().iter().map(|t| t.key.as_str()))
        .filter_map(|key| Some((key, organisation.find(key)?)))
        .collect();
    let metrics: FxHashMap<&str, MetricId> = rulebook
        .metrics()
        .iter()
        .filter_map(|m| Some((m.key.as_str(), rulebook.find_metric(&m.key)?)))
        .collect();
    let months = period.months();
    let named: Vec<(String, Month)> = months.iter().map(|m| (m.to_string(), *m)).collect();
    let mut corrupt = None;
    store
        .for_each_metric_value(&months, |subject, month, metric, value| {
            let Some(&(_, month)) = named.iter().find(|(text, _)| text == month) else {
                corrupt.get_or_insert_with(|| format!("metric value with month `{month}`"));
                return;
            };
            if let (Some(&subject), Some(&metric)) = (subjects.get(subject), metrics.get(metric)) {
                data.set(subject, month, metric, value);
            }
        })
        .await?;
    match corrupt {
        Some(what) => Err(StoreError::Corrupt(what)),
        None => Ok(data),
    }
}

/// The files of `yardstick evaluate --people --teams --data [--targets]`.
#[derive(Debug, Clone, Copy)]
pub struct InputFiles<'a> {
    pub people: &'a Path,
    pub teams: &'a Path,
    pub data: &'a Path,
    pub targets: Option<&'a Path>,
}

impl PeriodSources {
    /// What the files hold for `period`: rows of other months are checked, not kept.
    pub fn from_files(rulebook: &Rulebook, files: InputFiles, period: Period) -> Result<PeriodSources, ImportErrors> {
        let organisation = read_organisation(rulebook, files.teams, files.people)?;
        let data = read_metrics(rulebook, &organisation, files.data, period)?;
        let targets = match files.targets {
            Some(path) => read_targets(rulebook, &organisation, path)?,
            None => TargetBook::default(),
        };
        Ok(PeriodSources {
            organisation,
            data,
            targets,
            ratings: RatingBook::default(),
        })
    }

    /// What the store holds for `period`. People whose active months (`active_from` to
    /// `active_to`) miss the period entirely have no card for it.
    pub async fn from_store(store: &Store, rulebook: &Rulebook, period: Period) -> Result<PeriodSources, StoreError> {
        let organisation = stored_organisation(store, rulebook, Some(period)).await?;
        let data = stored_metric_data(store, rulebook, &organisation, period).await?;
        let targets = build_target_book(rulebook, &organisation, &store.list_targets().await?);
        let mut ratings = RatingBook::default();
        // Ratings are given per month; a quarter or a year is rolled up from finalized months.
        if let Period::Month(month) = period {
            for row in store.list_appraisals(month).await? {
                if let (Some(person), Some(given)) = (organisation.find_person(&row.person), row.manager_ratings) {
                    ratings.insert(person, given);
                }
            }
        }
        Ok(PeriodSources {
            organisation,
            data,
            targets,
            ratings,
        })
    }
}
