//! `yardstick reports`: appraisal mails queued and delivered by hand, their state, and
//! a resend of one whose outcome is unknown.

use super::{Failure, failure, open_with_definitions};
use crate::kpi::period::Month;
use crate::mail::{self, ReportKind, Transport};
use crate::settings::Settings;
use clap::Subcommand;
use std::io::{IsTerminal, Write};

#[derive(Debug, Subcommand)]
pub enum ReportsCommand {
    /// Queue a month's reports (each once) and deliver every mail that is due.
    #[command(
        after_help = "Examples:\n  yardstick reports send --period 2026-10\n  yardstick reports send --period 2026-10 --to p002 --dry-run"
    )]
    Send {
        /// The month reported (YYYY-MM).
        #[arg(long)]
        period: Month,
        /// Which report; every kind when left out.
        #[arg(long, value_enum)]
        kind: Option<ReportKind>,
        /// Only this recipient's report: a person (rep), an account (manager, hr) or
        /// an address of mail.hr_to.
        #[arg(long, value_name = "RECIPIENT")]
        to: Option<String>,
        /// Say who would get what, and send nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// List each mail of a month with its state, and the server's reply for failures.
    #[command(after_help = "Example:\n  yardstick reports status --period 2026-10")]
    Status {
        /// The month (YYYY-MM).
        #[arg(long)]
        period: Month,
    },
    /// Queue again a mail whose outcome is unknown (`sending`) or that failed.
    #[command(after_help = "Example:\n  yardstick reports resend --id 42")]
    Resend {
        /// The mail's number, as `reports status` lists it.
        #[arg(long)]
        id: i64,
    },
}

pub(super) async fn reports(settings: &Settings, command: ReportsCommand, out: &mut dyn Write) -> Result<(), Failure> {
    let (store, version) = open_with_definitions(settings).await?;
    match command {
        ReportsCommand::Send {
            period,
            kind,
            to,
            dry_run,
        } => {
            let kinds: Vec<ReportKind> = kind.map_or_else(|| ReportKind::ALL.to_vec(), |k| vec![k]);
            let names = kinds.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(", ");
            let mailer = mail::Mailer::new(&store, &version, &settings.mail);
            if dry_run {
                let recipients = mail::recipients(&mailer, period, &kinds, to.as_deref())
                    .await
                    .map_err(failure)?;
                for r in &recipients {
                    writeln!(out, "{:<8} {} <{}>", r.kind.as_str(), r.key, r.address).map_err(failure)?;
                }
                return writeln!(out, "{} reports ({names}) would be sent; nothing was", recipients.len())
                    .map_err(failure);
            }
            let (added, total) = mail::queue(&mailer, period, &kinds, to.as_deref(), None)
                .await
                .map_err(failure)?
                .unwrap_or_default();
            if total == 0 {
                writeln!(
                    out,
                    "{period} has no reports ({names}) to send: no one has data or a mail address"
                )
                .map_err(failure)?;
            } else {
                writeln!(
                    out,
                    "{added} of {total} reports ({names}) queued (the rest were already)"
                )
                .map_err(failure)?;
            }
            let transport = Transport::from_settings(&settings.mail).map_err(failure)?;
            let due = store
                .list_mails(None)
                .await
                .map_err(failure)?
                .iter()
                .filter(|m| m.status == crate::store::MailStatus::Queued)
                .count() as u64;
            let bar = if std::io::stderr().is_terminal() {
                indicatif::ProgressBar::new(due)
            } else {
                indicatif::ProgressBar::hidden()
            };
            let sender = format!("cli-{}", std::process::id());
            let delivery = mail::deliver(&mailer, &transport, &sender, &|n| bar.set_position(n as u64))
                .await
                .map_err(failure)?;
            bar.finish_and_clear();
            writeln!(
                out,
                "{} sent to {}, {} to retry later, {} failed",
                delivery.sent,
                transport.describe(),
                delivery.retrying,
                delivery.failed
            )
            .map_err(failure)
        }
        ReportsCommand::Status { period } => {
            let mails = store.list_mails(Some(&period.to_string())).await.map_err(failure)?;
            if mails.is_empty() {
                return writeln!(out, "no mails for {period}").map_err(failure);
            }
            for mail in &mails {
                let reply = mail
                    .last_error
                    .as_deref()
                    .map_or_else(String::new, |e| format!(" — {e}"));
                writeln!(
                    out,
                    "{:>6} {:<7} {:<8} {:<10} {:<24} {} (tries: {}){reply}",
                    mail.id,
                    mail.edition,
                    mail.kind,
                    mail.recipient,
                    mail.address,
                    mail.status.as_str(),
                    mail.attempts
                )
                .map_err(failure)?;
            }
            Ok(())
        }
        ReportsCommand::Resend { id } => {
            store.resend_mail(id, &settings.actor).await.map_err(failure)?;
            writeln!(out, "mail {id} is queued again; `reports send` delivers it").map_err(failure)
        }
    }
}
