//! The server's own mail runs: at each time of `mail.schedule` the month before's
//! reports, and each month's again once it is finalized. Every server looks every
//! `mail.poll_seconds`; the one that records a run (a row per scheduled time or
//! finalization, inserted in the same transaction as the batch's mails) queues it, the
//! others find it recorded. Then each server delivers what is due, every mail claimed
//! by one of them alone, so a server stopped mid-batch leaves the rest to the others or
//! to its own restart.

use super::{MailError, Mailer, ReportKind, Transport, deliver, edition, final_edition, queue};
use crate::definitions::ActiveRulebook;
use crate::kpi::period::Month;
use crate::settings::MailSettings;
use crate::store::{MailRun, Store, StoreError};
use chrono::{DateTime, Datelike, TimeZone, Timelike};
use std::sync::Arc;
use std::time::Duration;

/// How late a run may still start: a server down at the scheduled time sends the
/// batch when it is back within a week; a month finalized more than a week ago is
/// not sent again when a server starts.
const LOOKBACK_DAYS: i64 = 7;

/// The scheduled run due at `now`: its time and the month it reports (the month
/// before the run's), or `None` when the last time was more than a week ago.
pub fn due_run<Tz: TimeZone>(cron: &croner::Cron, now: &DateTime<Tz>) -> Option<(DateTime<Tz>, Month)> {
    // croner keeps the fraction of a second it was asked from; a run's time is whole,
    // so every look names the same run.
    let at = cron.find_previous_occurrence(now, true).ok()?.with_nanosecond(0)?;
    if now.clone().signed_duration_since(at.clone()) > chrono::Duration::days(LOOKBACK_DAYS) {
        return None;
    }
    let date = at.date_naive();
    let month = Month::new(u16::try_from(date.year()).ok()?, u8::try_from(date.month()).ok()?)?;
    Some((at, month.previous()))
}

/// Starts the server's mail runs; they stop with the returned task.
pub fn spawn(store: Store, definitions: Arc<ActiveRulebook>, settings: MailSettings) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let transport = match Transport::from_settings(&settings) {
            Ok(transport) => transport,
            Err(e) => {
                tracing::error!(error = %e, "appraisal mails are off: the mail settings do not work");
                return;
            }
        };
        let server = format!("server-{}", std::process::id());
        let mut ticks = tokio::time::interval(Duration::from_secs(settings.poll_seconds.get()));
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            // A failure (the database away, a bad address in the settings) is logged
            // and the next tick tries again; nothing is lost, mails wait in the outbox.
            if let Err(e) = tick(&store, &definitions, &settings, &transport, &server).await {
                tracing::error!(error = %e, "appraisal mails: this round stopped");
            }
        }
    })
}

/// One look: the scheduled run and newly finalized months queued (by this server if
/// no other did), then every due mail delivered.
async fn tick(
    store: &Store,
    definitions: &ActiveRulebook,
    settings: &MailSettings,
    transport: &Transport,
    server: &str,
) -> Result<(), MailError> {
    let version = definitions.get();
    let mailer = Mailer::new(store, &version, settings);
    let mut runs = Vec::new();
    if let Some(cron) = settings.schedule.cron()
        && let Some((at, month)) = due_run(cron, &chrono::Local::now())
    {
        runs.push(MailRun {
            slot: format!("schedule {}", at.to_rfc3339()),
            period: month.to_string(),
            edition: edition(store, month).await?,
            run_by: server.to_owned(),
        });
    }
    if settings.on_finalize {
        let since = chrono::Utc::now() - chrono::Duration::days(LOOKBACK_DAYS);
        let since = since.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        for (month, reopened) in store.finalized_since(&since).await? {
            let edition = final_edition(reopened);
            runs.push(MailRun {
                slot: format!("finalized {month} {edition}"),
                period: month,
                edition,
                run_by: server.to_owned(),
            });
        }
    }
    for run in runs {
        // Most looks find the run recorded: no scoring for those.
        if store.has_mail_run(&run.slot).await? {
            continue;
        }
        let month: Month = run
            .period
            .parse()
            .map_err(|_| StoreError::Corrupt(format!("the period `{}` is not a month", run.period)))?;
        let queued = queue(&mailer, month, &ReportKind::ALL, None, Some(&run)).await?;
        match queued {
            Some((added, total)) => tracing::info!(slot = %run.slot, added, total, "appraisal mails queued"),
            None => tracing::debug!(slot = %run.slot, "another server queued this run"),
        }
    }
    let delivery = deliver(&mailer, transport, server, &|_| {}).await?;
    if delivery != super::Delivery::default() {
        tracing::info!(
            sent = delivery.sent,
            retrying = delivery.retrying,
            failed = delivery.failed,
            "appraisal mails delivered"
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;
    use std::str::FromStr;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).expect("a time").with_timezone(&Utc)
    }

    fn month(text: &str) -> Month {
        text.parse().expect("a month")
    }

    #[test]
    fn the_default_runs_on_the_first_working_day_for_the_month_before() {
        let cron = croner::Cron::from_str(crate::settings::DEFAULT_MAIL_SCHEDULE).expect("the default");
        // 1 November 2026 is a Sunday: the first working day is Monday the 2nd.
        assert_eq!(
            due_run(&cron, &at("2026-11-02T10:00:00Z")),
            Some((at("2026-11-02T09:00:00Z"), month("2026-10")))
        );
        // 1 August 2026 is a Saturday: Monday the 3rd, never Friday 31 July.
        assert_eq!(
            due_run(&cron, &at("2026-08-03T09:00:00Z")),
            Some((at("2026-08-03T09:00:00Z"), month("2026-07")))
        );
        // 1 December 2026 is a Tuesday; January's run reports December.
        assert_eq!(
            due_run(&cron, &at("2026-12-05T08:00:00Z")),
            Some((at("2026-12-01T09:00:00Z"), month("2026-11")))
        );
        assert_eq!(
            due_run(&cron, &at("2026-12-05T08:00:00.149756401Z")),
            Some((at("2026-12-01T09:00:00Z"), month("2026-11"))),
            "the same run at every look"
        );
        assert_eq!(
            due_run(&cron, &at("2027-01-01T09:30:00Z")),
            Some((at("2027-01-01T09:00:00Z"), month("2026-12")))
        );
    }

    #[test]
    fn a_run_more_than_a_week_old_is_not_started_late() {
        let cron = croner::Cron::from_str("0 9 1W * *").expect("a pattern");
        assert_eq!(
            due_run(&cron, &at("2026-11-02T08:59:00Z")),
            None,
            "October's run was a month ago"
        );
        assert!(
            due_run(&cron, &at("2026-12-08T08:59:00Z")).is_some(),
            "a week to the minute"
        );
        assert_eq!(due_run(&cron, &at("2026-12-08T09:01:00Z")), None);
    }
}
