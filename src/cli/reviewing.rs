//! `yardstick review` and `yardstick export payroll`: the monthly review from the
//! command line, as hr runs it from the browser.

use super::{Failure, failure, open_with_definitions};
use crate::kpi::period::{Month, Period};
use crate::review::payroll::{self, PayrollFormat};
use crate::settings::Settings;
use clap::Subcommand;
use std::io::Write;
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum ReviewCommand {
    /// Open a month's review: managers rate, teams sign off, then `finalize`.
    #[command(after_help = "Example:\n  yardstick review start --period 2026-10")]
    Start {
        /// The month (YYYY-MM).
        #[arg(long)]
        period: Month,
    },
    /// Show where a month's review stands, team by team, and what is still missing.
    #[command(after_help = "Example:\n  yardstick review status --period 2026-10")]
    Status {
        /// The month (YYYY-MM).
        #[arg(long)]
        period: Month,
    },
    /// Reopen a finalized month for review; what it was finalized with is kept.
    #[command(
        after_help = "Example:\n  yardstick review reopen --period 2026-10 --reason \"late CRM corrections for east\""
    )]
    Reopen {
        /// The month (YYYY-MM).
        #[arg(long)]
        period: Month,
        /// Why: kept in the audit log and beside the earlier snapshots.
        #[arg(long)]
        reason: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// The payroll file of a finalized month: tier scores, rating, total, grades and bonus coefficient per person.
    #[command(
        after_help = "Examples:\n  yardstick export payroll --period 2026-10 > payroll.csv\n  yardstick export payroll --period 2026-10 --format xlsx --output payroll-2026-10.xlsx"
    )]
    Payroll {
        /// The finalized month (YYYY-MM).
        #[arg(long)]
        period: Month,
        /// CSV (to standard output or --output) or XLSX (to --output).
        #[arg(long, value_enum, default_value_t = PayrollFormat::Csv)]
        format: PayrollFormat,
        /// Where to write it. Default: standard output (CSV only).
        #[arg(long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
}

pub(super) async fn review(settings: &Settings, command: ReviewCommand, out: &mut dyn Write) -> Result<(), Failure> {
    let (store, version) = open_with_definitions(settings).await?;
    let actor = settings.actor.as_str();
    match command {
        ReviewCommand::Start { period } => {
            crate::review::start(&store, period, actor).await.map_err(failure)?;
            writeln!(out, "{period} is in review").map_err(failure)
        }
        ReviewCommand::Reopen { period, reason } => {
            let revision = crate::review::reopen(&store, period, &reason, actor)
                .await
                .map_err(failure)?;
            writeln!(
                out,
                "{period} is in review again; the cards it was finalized with are kept as revision {revision}"
            )
            .map_err(failure)
        }
        ReviewCommand::Status { period } => {
            let state = store.period_state(period).await.map_err(failure)?;
            let organisation =
                crate::import::stored_organisation(&store, &version.rulebook, Some(Period::Month(period)))
                    .await
                    .map_err(failure)?;
            let appraisals = store.list_appraisals(period).await.map_err(failure)?;
            let sign_offs = store.list_sign_offs(period).await.map_err(failure)?;
            let progress = crate::review::progress(&version.rulebook, &organisation, period, &appraisals, &sign_offs);
            writeln!(out, "{period}: {}", state.status.as_str().replace('_', " ")).map_err(failure)?;
            for team in &progress.teams {
                let rated = team.people.iter().filter(|p| p.rated == Some(true)).count();
                let to_rate = team.people.iter().filter(|p| p.rated.is_some()).count();
                let assessed = team.people.iter().filter(|p| p.self_assessed == Some(true)).count();
                let signed = team
                    .signed_off
                    .as_ref()
                    .map_or_else(String::new, |s| format!(", signed off by {}", s.signed_by));
                writeln!(
                    out,
                    "  {}: {rated} of {to_rate} rated, {assessed} self-assessed{signed}",
                    team.team
                )
                .map_err(failure)?;
            }
            let missing = progress.outstanding();
            if missing.is_empty() {
                writeln!(out, "nothing required is missing").map_err(failure)
            } else {
                writeln!(out, "missing before it can be finalized:").map_err(failure)?;
                for line in missing {
                    writeln!(out, "  {line}").map_err(failure)?;
                }
                Ok(())
            }
        }
    }
}

pub(super) async fn export(settings: &Settings, command: ExportCommand, out: &mut dyn Write) -> Result<(), Failure> {
    let ExportCommand::Payroll { period, format, output } = command;
    if format == PayrollFormat::Xlsx && output.is_none() {
        return Err(failure(
            "an XLSX file is written with --output FILE, not to the terminal",
        ));
    }
    let (store, version) = open_with_definitions(settings).await?;
    let bytes = payroll::export(&store, &version.rulebook, period, format)
        .await
        .map_err(failure)?;
    match output {
        Some(path) => {
            std::fs::write(&path, &bytes).map_err(|e| failure(format!("{}: {e}", path.display())))?;
            writeln!(out, "{}: payroll of {period} written", path.display()).map_err(failure)
        }
        None => out.write_all(&bytes).map_err(failure),
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    #[test]
    fn a_review_period_is_a_month() {
        let cli = crate::cli::Cli::try_parse_from(["yardstick", "review", "start", "--period", "2026-Q3"]);
        assert!(cli.is_err(), "a quarter is not reviewed");
        let cli = crate::cli::Cli::try_parse_from(["yardstick", "review", "start", "--period", "2026-10"]);
        assert!(cli.is_ok());
    }
}
