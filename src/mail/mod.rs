//! Appraisal mails, a layer beside the web: reports rendered from the scored months,
//! queued in the outbox once per (period, recipient, kind), and delivered by whichever
//! sender claims them, through SMTP or into a folder of `.eml` files. A mail is marked
//! `sending` just before it is handed over, so a crash can leave its outcome unknown
//! but never send it twice by itself; each carries a Message-ID made from what it is,
//! so a copy can be told from a new mail.

mod render;
pub mod report;
pub mod schedule;
mod transport;

pub use render::Rendered;
pub use transport::{SendError, Transport};

use crate::definitions::RulebookVersion;
use crate::import::{is_mail_address, stored_organisation};
use crate::kpi::period::{Month, Period};
use crate::settings::MailSettings;
use crate::store::{AccountRole, Mail, MailRun, NewMail, PeriodStatus, Store, StoreError};
use lettre::Message;
use lettre::message::{Mailbox, MultiPart};
use report::{HISTORY_MONTHS, Language, ReportSources, hr_report, manager_report, rep_report};
use std::collections::HashMap;
use std::sync::Arc;

/// Which report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum ReportKind {
    /// Each rep their own scorecard.
    Rep,
    /// Each manager their teams' summary.
    Manager,
    /// hr the organisation's.
    Hr,
}

impl ReportKind {
    pub const ALL: [ReportKind; 3] = [ReportKind::Rep, ReportKind::Manager, ReportKind::Hr];

    pub fn as_str(self) -> &'static str {
        match self {
            ReportKind::Rep => "rep",
            ReportKind::Manager => "manager",
            ReportKind::Hr => "hr",
        }
    }

    pub fn parse(text: &str) -> Option<ReportKind> {
        ReportKind::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

/// Why mails could not be queued or delivered.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the sender `{0}` is not a mail address (mail.from wants `Name <address>`)")]
    Sender(String),
    #[error("mail.hr_to: `{0}` is not a mail address")]
    HrAddress(String),
    #[error("{0}")]
    Transport(String),
}

/// Which edition of a month's reports is sent now: `open` while the month may still
/// change, `final1` once finalized, `final2` once finalized again after a reopening.
/// A month's reports are sent once per edition.
pub async fn edition(store: &Store, month: Month) -> Result<String, StoreError> {
    let state = store.period_state(month).await?;
    Ok(match state.status {
        PeriodStatus::Finalized => final_edition(state.reopened),
        _ => "open".to_owned(),
    })
}

/// The edition of a month finalized after `reopened` reopenings.
pub fn final_edition(reopened: u32) -> String {
    format!("final{}", reopened + 1)
}

/// The Message-ID of a report: the same report, the same id, wherever it is sent from.
/// A recipient that is an address (hr's shared mailbox) has its `@` and anything else
/// outside `A-Z a-z 0-9 . _ -` written as `=XX`, so the id stays one address.
fn message_id(period: &str, edition: &str, kind: ReportKind, recipient: &str, sender: &Mailbox) -> String {
    let mut local = String::with_capacity(recipient.len());
    for byte in recipient.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'.' | b'_' | b'-') {
            local.push(byte as char);
        } else {
            local.push_str(&format!("={byte:02X}"));
        }
    }
    format!(
        "<yardstick.{period}.{edition}.{}.{local}@{}>",
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

/// One mail to send: to whom (a person for `rep`, an account for `manager` and hr,
/// or an address from `mail.hr_to`), where, in which language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    pub kind: ReportKind,
    pub key: String,
    pub address: String,
    pub language: String,
}

/// One run of the mail layer: the store, the definitions and settings it reads, and
/// the months it has loaded, each once, shared by its workers. A run lives for one
/// command or one look of the server, so what it reports is what is stored then.
#[derive(Debug)]
pub struct Mailer<'a> {
    pub store: &'a Store,
    pub version: &'a RulebookVersion,
    pub settings: &'a MailSettings,
    history: History,
}

impl<'a> Mailer<'a> {
    pub fn new(store: &'a Store, version: &'a RulebookVersion, settings: &'a MailSettings) -> Mailer<'a> {
        Mailer {
            store,
            version,
            settings,
            history: History::default(),
        }
    }

    async fn sources(&self, month: Month) -> Result<Arc<ReportSources>, StoreError> {
        self.history.of(self.store, self.version, month).await
    }
}

/// The scored months and the review each period's reports read, loaded once per run
/// and shared by its workers.
#[derive(Debug, Default)]
struct History {
    months: tokio::sync::Mutex<HashMap<Month, Arc<ReportSources>>>,
}

impl History {
    async fn of(
        &self,
        store: &Store,
        version: &RulebookVersion,
        month: Month,
    ) -> Result<Arc<ReportSources>, StoreError> {
        // Held while a period loads: the other workers want the same months.
        let mut known = self.months.lock().await;
        if let Some(sources) = known.get(&month) {
            return Ok(Arc::clone(sources));
        }
        let mut reports = Vec::with_capacity(HISTORY_MONTHS);
        let mut at = month;
        for _ in 0..HISTORY_MONTHS {
            reports.push((
                at,
                crate::scorecards::period_report(store, version, Period::Month(at)).await?,
            ));
            at = at.previous();
        }
        reports.reverse();
        let organisation = stored_organisation(store, &version.rulebook, Some(Period::Month(month))).await?;
        let sources = ReportSources::new(
            reports,
            store.is_finalized(month).await?,
            organisation,
            store.list_appraisals(month).await?,
            store.list_sign_offs(month).await?,
            store.list_accounts().await?,
        )
        .expect("a year of months");
        let sources = Arc::new(sources);
        known.insert(month, Arc::clone(&sources));
        Ok(sources)
    }
}

/// Who receives `kinds` of `month`: each rep with a mail address and a card with data
/// that month; each enabled manager account linked to a person with a mail address;
/// each enabled hr account so linked, and the addresses of `mail.hr_to`. Only `to`
/// (a person, an account or an address) when given.
pub async fn recipients(
    mailer: &Mailer<'_>,
    month: Month,
    kinds: &[ReportKind],
    to: Option<&str>,
) -> Result<Vec<Recipient>, MailError> {
    let Mailer { store, settings, .. } = mailer;
    let sources = mailer.sources(month).await?;
    if !has_data(&sources) {
        return Ok(Vec::new());
    }
    let people: HashMap<String, crate::store::PersonRow> = store
        .list_people()
        .await?
        .into_iter()
        .map(|p| (p.key.clone(), p))
        .collect();
    let language_of = |person: &str| {
        people
            .get(person)
            .and_then(|p| p.language.clone())
            .unwrap_or_else(|| Language::En.code().to_owned())
    };
    let address_of = |person: Option<&str>| {
        person
            .and_then(|p| people.get(p))
            .map(|p| p.email.clone())
            .filter(|e| !e.is_empty())
    };
    let mut list = Vec::new();
    for &kind in kinds {
        match kind {
            ReportKind::Rep => {
                for card in &sources.report().people {
                    if card.status == crate::report::CardStatus::NoData {
                        continue;
                    }
                    if let Some(address) = address_of(Some(&card.subject)) {
                        list.push(Recipient {
                            kind,
                            key: card.subject.clone(),
                            address,
                            language: language_of(&card.subject),
                        });
                    }
                }
            }
            ReportKind::Manager | ReportKind::Hr => {
                let role = if kind == ReportKind::Manager {
                    AccountRole::Manager
                } else {
                    AccountRole::Hr
                };
                for account in sources.accounts.iter().filter(|a| a.role == role && !a.disabled) {
                    if kind == ReportKind::Manager && account.teams.is_empty() {
                        continue;
                    }
                    if let Some(address) = address_of(account.person.as_deref()) {
                        list.push(Recipient {
                            kind,
                            key: account.username.clone(),
                            address,
                            language: language_of(account.person.as_deref().unwrap_or_default()),
                        });
                    }
                }
                if kind == ReportKind::Hr {
                    for address in &settings.hr_to {
                        if !is_mail_address(address) {
                            return Err(MailError::HrAddress(address.clone()));
                        }
                        list.push(Recipient {
                            kind,
                            key: address.clone(),
                            address: address.clone(),
                            language: Language::En.code().to_owned(),
                        });
                    }
                }
            }
        }
    }
    list.retain(|r| to.is_none_or(|t| t == r.key || t == r.address));
    Ok(list)
}

/// Whether anyone has data in the month: a month without any has nothing to report.
fn has_data(sources: &ReportSources) -> bool {
    sources
        .report()
        .people
        .iter()
        .any(|c| c.status != crate::report::CardStatus::NoData)
}

/// Queues `kinds` of `month`, in its current edition, to their recipients; each
/// (month, edition, recipient, kind) once. With `run`, only if no other server queued
/// that run: `None` then. Returns how many were new, of how many.
pub async fn queue(
    mailer: &Mailer<'_>,
    month: Month,
    kinds: &[ReportKind],
    to: Option<&str>,
    run: Option<&MailRun>,
) -> Result<Option<(usize, usize)>, MailError> {
    let store = mailer.store;
    let from = sender(mailer.settings)?;
    let recipients = recipients(mailer, month, kinds, to).await?;
    let period = month.to_string();
    let edition = match run {
        Some(run) => run.edition.clone(),
        None => edition(store, month).await?,
    };
    let mails: Vec<NewMail> = recipients
        .into_iter()
        .map(|r| NewMail {
            message_id: message_id(&period, &edition, r.kind, &r.key, &from),
            period: period.clone(),
            edition: edition.clone(),
            kind: r.kind.as_str().to_owned(),
            language: r.language,
            recipient: r.key,
            address: r.address,
        })
        .collect();
    let total = mails.len();
    Ok(store.queue_mails(mails, run).await?.map(|added| (added, total)))
}

/// What one delivery run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Delivery {
    pub sent: usize,
    /// Temporary failures, queued again for later.
    pub retrying: usize,
    pub failed: usize,
}

/// `mail` rendered: `None` when what it reports on is gone from its month (the
/// person has no card, the account no longer leads a team).
async fn compose(mail: &Mail, mailer: &Mailer<'_>) -> Result<Option<Message>, String> {
    let Mailer { version, settings, .. } = mailer;
    let month: Month = mail
        .period
        .parse()
        .map_err(|_| format!("`{}` is not a month", mail.period))?;
    let kind = ReportKind::parse(&mail.kind).ok_or_else(|| format!("`{}` is not a kind of report", mail.kind))?;
    let sources = mailer.sources(month).await.map_err(|e| e.to_string())?;
    let language = Language::from_code(&mail.language);
    let url = &settings.public_url;
    let rulebook = &version.rulebook;
    let rendered = match kind {
        ReportKind::Rep => rep_report(&sources, &mail.recipient, language, url).map(|r| render::rep(&r)),
        ReportKind::Manager => {
            manager_report(&sources, rulebook, &mail.recipient, language, url).map(|r| render::manager(&r))
        }
        ReportKind::Hr => Some(render::hr(&hr_report(&sources, rulebook, language, url))),
    };
    match rendered {
        None => Ok(None),
        Some(rendered) => {
            let rendered = rendered.map_err(|e| format!("rendering: {e}"))?;
            build(mail, &rendered, settings).map(Some)
        }
    }
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
    mailer: &Mailer<'_>,
    transport: &Transport,
    sender: &str,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<Delivery, MailError> {
    let store = mailer.store;
    let handled = std::sync::atomic::AtomicUsize::new(0);
    let worker = || async {
        let mut delivery = Delivery::default();
        while let Some(mail) = store.claim_next(sender).await? {
            progress(handled.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1);
            let outcome = deliver_one(&mail, mailer, transport).await?;
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
async fn deliver_one(mail: &Mail, mailer: &Mailer<'_>, transport: &Transport) -> Result<Outcome, MailError> {
    let Mailer { store, settings, .. } = mailer;
    // Whatever stops this process from here leaves the mail in doubt, never sent twice.
    let message = match compose(mail, mailer).await {
        Ok(Some(message)) => message,
        Ok(None) => {
            let reason = match ReportKind::parse(&mail.kind) {
                Some(ReportKind::Manager) => format!("{} leads no team in {}", mail.recipient, mail.period),
                _ => format!("{} has no card for {}", mail.recipient, mail.period),
            };
            store.mark_failed(mail.id, &reason).await?;
            return Ok(Outcome::Failed);
        }
        Err(reason) => {
            store.mark_failed(mail.id, &reason).await?;
            return Ok(Outcome::Failed);
        }
    };
    let name = format!("{}-{}-{}-{}", mail.period, mail.edition, mail.kind, mail.recipient);
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
            message_id("2026-10", "open", ReportKind::Rep, "p002", &from),
            "<yardstick.2026-10.open.rep.p002@example.com>"
        );
        assert_eq!(
            message_id("2026-10", "final2", ReportKind::Hr, "hr+team@example.com", &from),
            "<yardstick.2026-10.final2.hr.hr=2Bteam=40example.com@example.com>"
        );
    }
}
