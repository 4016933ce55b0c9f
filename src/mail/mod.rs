//! Appraisal mails, a layer beside the web: reports rendered from the scored months,
//! queued in the outbox once per (period, recipient, kind), and delivered by whichever
//! sender claims them, through SMTP or into a folder of `.eml` files. A mail is marked
//! `sending` just before it is handed over, so a crash can leave its outcome unknown
//! but never send it twice by itself; each carries a Message-ID made from what it is,
//! so a copy can be told from a new mail.

mod render;
pub mod report;
mod transport;

pub use render::Rendered;
pub use transport::{SendError, Transport};

use crate::definitions::RulebookVersion;
use crate::import::stored_organisation;
use crate::kpi::period::{Month, Period};
use crate::settings::MailSettings;
use crate::store::{Mail, NewMail, Store, StoreError};
use lettre::Message;
use lettre::message::{Mailbox, MultiPart};
use report::{Language, Months, rep_report};
use std::collections::HashMap;
use std::sync::Arc;

/// Months of history a report shows, the month itself included.
const TREND_MONTHS: usize = 6;

/// Which report: so far each rep's own appraisal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportKind {
    /// Each rep their own scorecard.
    Rep,
}

impl ReportKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ReportKind::Rep => "rep",
        }
    }
}

/// Why mails could not be queued or delivered.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the sender `{0}` is not a mail address (mail.from wants `Name <address>`)")]
    Sender(String),
    #[error("{0}")]
    Transport(String),
}

/// The Message-ID of a report: the same report, the same id, wherever it is sent from.
fn message_id(period: &str, kind: ReportKind, recipient: &str, sender: &Mailbox) -> String {
    format!(
        "<yardstick.{period}.{}.{recipient}@{}>",
        kind.as_str(),
        sender.email.domain()
    )
}

fn sender(settings: &MailSettings) -> Result<Mailbox, MailError> {
    settings
        .from
        .parse()
        .map_err(|_| MailError::Sender(settings.from.clone()))
}

/// Who receives `kind` for `month`: the people with a mail address and a card that
/// month, or only `to`.
pub async fn recipients(
    store: &Store,
    version: &RulebookVersion,
    month: Month,
    kind: ReportKind,
    to: Option<&str>,
) -> Result<Vec<(String, String)>, MailError> {
    let ReportKind::Rep = kind;
    let organisation = stored_organisation(store, &version.rulebook, Some(Period::Month(month))).await?;
    Ok(organisation
        .people()
        .iter()
        .filter(|p| !p.email.is_empty() && p.active.contains(month))
        .filter(|p| to.is_none_or(|t| t == p.key))
        .map(|p| (p.key.clone(), p.email.clone()))
        .collect())
}

/// Queues `kind` for `month` to its recipients; each (month, recipient, kind) once.
/// Returns how many were new, of how many.
pub async fn queue(
    store: &Store,
    version: &RulebookVersion,
    settings: &MailSettings,
    month: Month,
    kind: ReportKind,
    to: Option<&str>,
) -> Result<(usize, usize), MailError> {
    let from = sender(settings)?;
    let recipients = recipients(store, version, month, kind, to).await?;
    let languages: HashMap<String, String> = store
        .list_people()
        .await?
        .into_iter()
        .filter_map(|p| Some((p.key, p.language?)))
        .collect();
    let period = month.to_string();
    let mails: Vec<NewMail> = recipients
        .into_iter()
        .map(|(recipient, address)| NewMail {
            message_id: message_id(&period, kind, &recipient, &from),
            period: period.clone(),
            kind: kind.as_str().to_owned(),
            language: languages
                .get(&recipient)
                .cloned()
                .unwrap_or_else(|| Language::En.code().to_owned()),
            recipient,
            address,
        })
        .collect();
    let total = mails.len();
    let added = store.queue_mails(mails).await?;
    Ok((added, total))
}

/// What one delivery run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Delivery {
    pub sent: usize,
    /// Temporary failures, queued again for later.
    pub retrying: usize,
    pub failed: usize,
}

/// The scored months each period's reports read, loaded once per run and shared by
/// its workers.
#[derive(Debug, Default)]
struct History {
    months: tokio::sync::Mutex<HashMap<Month, Arc<Months>>>,
}

impl History {
    async fn of(&self, store: &Store, version: &RulebookVersion, month: Month) -> Result<Arc<Months>, StoreError> {
        // Held while a period loads: the other workers want the same months.
        let mut known = self.months.lock().await;
        if let Some(months) = known.get(&month) {
            return Ok(Arc::clone(months));
        }
        let mut reports = Vec::with_capacity(TREND_MONTHS);
        let mut at = month;
        for _ in 0..TREND_MONTHS {
            reports.push((
                at,
                crate::scorecards::period_report(store, version, Period::Month(at)).await?,
            ));
            at = at.previous();
        }
        reports.reverse();
        let months = Arc::new(Months::new(reports, store.is_finalized(month).await?));
        known.insert(month, Arc::clone(&months));
        Ok(months)
    }
}

/// `mail` rendered: `None` when its recipient has no card in its month any more.
async fn compose(
    mail: &Mail,
    history: &History,
    store: &Store,
    version: &RulebookVersion,
    settings: &MailSettings,
) -> Result<Option<Message>, String> {
    let month: Month = mail
        .period
        .parse()
        .map_err(|_| format!("`{}` is not a month", mail.period))?;
    let months = history.of(store, version, month).await.map_err(|e| e.to_string())?;
    let language = if mail.language == "zh" {
        Language::Zh
    } else {
        Language::En
    };
    let Some(report) = rep_report(&months, &mail.recipient, language, &settings.public_url) else {
        return Ok(None);
    };
    let rendered = render::rep(&report).map_err(|e| format!("rendering: {e}"))?;
    build(mail, &rendered, settings).map(Some)
}

/// The message of `mail`: both parts, its recipient, its Message-ID.
pub fn build(mail: &Mail, rendered: &Rendered, settings: &MailSettings) -> Result<Message, String> {
    let from = sender(settings).map_err(|e| e.to_string())?;
    let to: Mailbox = mail
        .address
        .parse()
        .map_err(|e| format!("`{}` is not a mail address: {e}", mail.address))?;
    Message::builder()
        .from(from)
        .to(to)
        .subject(rendered.subject.clone())
        .message_id(Some(mail.message_id.clone()))
        .multipart(MultiPart::alternative_plain_html(
            rendered.text.clone(),
            rendered.html.clone(),
        ))
        .map_err(|e| e.to_string())
}

/// How long a mail waits after its `attempts`-th temporary failure.
fn backoff(settings: &MailSettings, attempts: i32) -> chrono::Duration {
    let factor = 4_i64.saturating_pow(attempts.saturating_sub(1).clamp(0, 10) as u32);
    chrono::Duration::seconds((settings.retry_seconds as i64).saturating_mul(factor))
}

/// Mails in flight at once: an SMTP conversation is mostly waiting for replies (and
/// for the TCP acknowledgements of its small writes), so throughput grows with them.
pub const WORKERS: usize = 32;

/// Delivers every due mail, `WORKERS` at a time, each taken alone; `sender` names this
/// process on the mails it takes, and `progress` hears each mail handled. Mails that
/// failed for now wait for their retry time.
pub async fn deliver(
    store: &Store,
    version: &RulebookVersion,
    settings: &MailSettings,
    transport: &Transport,
    sender: &str,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<Delivery, MailError> {
    let history = History::default();
    let handled = std::sync::atomic::AtomicUsize::new(0);
    let worker = || async {
        let mut delivery = Delivery::default();
        while let Some(mail) = store.claim_next(sender).await? {
            progress(handled.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1);
            let outcome = deliver_one(&mail, &history, store, version, settings, transport).await?;
            match outcome {
                Outcome::Sent => delivery.sent += 1,
                Outcome::Retrying => delivery.retrying += 1,
                Outcome::Failed => delivery.failed += 1,
            }
        }
        Ok::<Delivery, MailError>(delivery)
    };
    let runs = futures_util::future::join_all((0..WORKERS).map(|_| worker())).await;
    let mut delivery = Delivery::default();
    for run in runs {
        let run = run?;
        delivery.sent += run.sent;
        delivery.retrying += run.retrying;
        delivery.failed += run.failed;
    }
    Ok(delivery)
}

enum Outcome {
    Sent,
    Retrying,
    Failed,
}

/// One mail taken (now `sending`): composed, handed over, and its outcome recorded.
async fn deliver_one(
    mail: &Mail,
    history: &History,
    store: &Store,
    version: &RulebookVersion,
    settings: &MailSettings,
    transport: &Transport,
) -> Result<Outcome, MailError> {
    // Whatever stops this process from here leaves the mail in doubt, never sent twice.
    let message = match compose(mail, history, store, version, settings).await {
        Ok(Some(message)) => message,
        Ok(None) => {
            let reason = format!("{} has no card for {}", mail.recipient, mail.period);
            store.mark_failed(mail.id, &reason).await?;
            return Ok(Outcome::Failed);
        }
        Err(reason) => {
            store.mark_failed(mail.id, &reason).await?;
            return Ok(Outcome::Failed);
        }
    };
    let name = format!("{}-{}-{}", mail.period, mail.kind, mail.recipient);
    Ok(match transport.send(message, &name).await {
        Ok(()) => {
            store.mark_sent(mail.id).await?;
            Outcome::Sent
        }
        Err(SendError::Temporary(reply)) if mail.attempts < settings.max_attempts.get() as i32 => {
            let retry_at = chrono::Utc::now() + backoff(settings, mail.attempts);
            store.mark_retry(mail.id, &reply, retry_at).await?;
            Outcome::Retrying
        }
        Err(SendError::Temporary(reply)) => {
            let reason = format!("gave up after {} attempts: {reply}", mail.attempts);
            store.mark_failed(mail.id, &reason).await?;
            Outcome::Failed
        }
        Err(SendError::Permanent(reply)) => {
            store.mark_failed(mail.id, &reply).await?;
            Outcome::Failed
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_wait_four_times_longer_each_time() {
        let settings = MailSettings {
            retry_seconds: 60,
            ..MailSettings::default()
        };
        let waits: Vec<i64> = (1..=4).map(|n| backoff(&settings, n).num_seconds()).collect();
        assert_eq!(waits, [60, 240, 960, 3840]);
    }

    #[test]
    fn a_report_is_known_by_its_message_id_wherever_it_is_sent_from() {
        let from: Mailbox = "Yardstick <hr@example.com>".parse().expect("an address");
        assert_eq!(
            message_id("2026-10", ReportKind::Rep, "p002", &from),
            "<yardstick.2026-10.rep.p002@example.com>"
        );
    }
}
