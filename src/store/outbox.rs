//! The outbox of appraisal mails. A mail is queued once per (period, edition,
//! recipient, kind); a batch the server queues by itself is queued by the one server
//! that records its run (a scheduled time, a finalization) in the same transaction;
//! a sender claims the next due one and marks it `sending` in one step (PostgreSQL:
//! `FOR UPDATE SKIP LOCKED`, so two servers never take the same row; SQLite: under
//! the one writer's lock), hands it to the SMTP server, then marks it `sent`, back to
//! `queued` with a later attempt time (a temporary failure), or `failed` with the
//! server's reply. SMTP has no idempotency: a row found `sending` has an unknown
//! outcome and is never sent again by itself; an admin resends it by hand.

use super::entity::{mail_runs, outbox, periods};
use super::{Store, StoreError, audit_entry, now};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue, ColumnTrait, DbBackend, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Statement};

/// Where a mail stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailStatus {
    Queued,
    /// Taken by a sender to hand to the SMTP server; if the sender stopped there,
    /// nobody knows whether it arrived.
    Sending,
    Sent,
    Failed,
}

impl MailStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            MailStatus::Queued => "queued",
            MailStatus::Sending => "sending",
            MailStatus::Sent => "sent",
            MailStatus::Failed => "failed",
        }
    }

    fn from_stored(id: i64, status: &str) -> Result<MailStatus, StoreError> {
        Ok(match status {
            "queued" => MailStatus::Queued,
            "sending" => MailStatus::Sending,
            "sent" => MailStatus::Sent,
            "failed" => MailStatus::Failed,
            other => return Err(StoreError::Corrupt(format!("mail {id} has the status `{other}`"))),
        })
    }
}

/// A mail to queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMail {
    pub period: String,
    /// `open`, or `final1`, `final2`, … for each finalization of the month.
    pub edition: String,
    pub recipient: String,
    pub kind: String,
    pub address: String,
    pub language: String,
    pub message_id: String,
}

/// A mail in the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    pub id: i64,
    pub period: String,
    pub edition: String,
    pub recipient: String,
    pub kind: String,
    pub address: String,
    pub language: String,
    pub message_id: String,
    pub status: MailStatus,
    pub attempts: i32,
    pub next_attempt_at: String,
    pub last_error: Option<String>,
    pub sent_at: Option<String>,
}

fn mail(model: outbox::Model) -> Result<Mail, StoreError> {
    Ok(Mail {
        status: MailStatus::from_stored(model.id, &model.status)?,
        id: model.id,
        period: model.period,
        edition: model.edition,
        recipient: model.recipient,
        kind: model.kind,
        address: model.address,
        language: model.language,
        message_id: model.message_id,
        attempts: model.attempts,
        next_attempt_at: model.next_attempt_at,
        last_error: model.last_error,
        sent_at: model.sent_at,
    })
}

/// A batch the server queues by itself: a scheduled time or a finalization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailRun {
    /// What the batch is for, once: `schedule 2026-11-02T09:00:00+08:00`,
    /// `finalized 2026-10 final1`.
    pub slot: String,
    pub period: String,
    pub edition: String,
    /// Which server queued it.
    pub run_by: String,
}

fn stamp(at: chrono::DateTime<chrono::Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

impl Store {
    /// Queues `mails`, each (period, edition, recipient, kind) once: one queued before
    /// is left as it is. With `run`, the batch is queued only by the caller that records
    /// the run, in the same transaction: `None` when another did. Returns how many
    /// mails were new.
    pub async fn queue_mails(&self, mails: Vec<NewMail>, run: Option<&MailRun>) -> Result<Option<usize>, StoreError> {
        let at = now();
        let txn = self.begin_write().await?;
        if let Some(run) = run {
            let recorded = mail_runs::Entity::insert(mail_runs::ActiveModel {
                slot: ActiveValue::Set(run.slot.clone()),
                period: ActiveValue::Set(run.period.clone()),
                edition: ActiveValue::Set(run.edition.clone()),
                queued: ActiveValue::Set(i32::try_from(mails.len()).unwrap_or(i32::MAX)),
                run_by: ActiveValue::Set(run.run_by.clone()),
                run_at: ActiveValue::Set(at.clone()),
            })
            .on_conflict(OnConflict::column(mail_runs::Column::Slot).do_nothing().to_owned())
            .exec_without_returning(&txn)
            .await;
            match recorded {
                Ok(1) => {}
                Ok(_) | Err(sea_orm::DbErr::RecordNotInserted) => return Ok(None),
                Err(e) => return Err(e.into()),
            }
        }
        let mut added = 0;
        for chunk in mails.chunks(super::CHUNK_ROWS / 4) {
            let rows: Vec<outbox::ActiveModel> = chunk
                .iter()
                .map(|m| outbox::ActiveModel {
                    id: ActiveValue::NotSet,
                    period: ActiveValue::Set(m.period.clone()),
                    edition: ActiveValue::Set(m.edition.clone()),
                    recipient: ActiveValue::Set(m.recipient.clone()),
                    kind: ActiveValue::Set(m.kind.clone()),
                    address: ActiveValue::Set(m.address.clone()),
                    language: ActiveValue::Set(m.language.clone()),
                    message_id: ActiveValue::Set(m.message_id.clone()),
                    status: ActiveValue::Set(MailStatus::Queued.as_str().to_owned()),
                    attempts: ActiveValue::Set(0),
                    next_attempt_at: ActiveValue::Set(at.clone()),
                    last_error: ActiveValue::Set(None),
                    claimed_by: ActiveValue::Set(None),
                    claimed_at: ActiveValue::Set(None),
                    queued_at: ActiveValue::Set(at.clone()),
                    sent_at: ActiveValue::Set(None),
                })
                .collect();
            let inserted = outbox::Entity::insert_many(rows)
                .on_conflict(
                    OnConflict::columns([
                        outbox::Column::Period,
                        outbox::Column::Edition,
                        outbox::Column::Recipient,
                        outbox::Column::Kind,
                    ])
                    .do_nothing()
                    .to_owned(),
                )
                .exec_without_returning(&txn)
                .await;
            match inserted {
                Ok(n) => added += n as usize,
                // Every row of the chunk was there already.
                Err(sea_orm::DbErr::RecordNotInserted) => {}
                Err(e) => return Err(e.into()),
            }
        }
        txn.commit().await?;
        Ok(Some(added))
    }

    /// Whether a server has queued the batch of `slot`.
    pub async fn has_mail_run(&self, slot: &str) -> Result<bool, StoreError> {
        Ok(mail_runs::Entity::find_by_id(slot.to_owned())
            .one(self.db())
            .await?
            .is_some())
    }

    /// The batches the server queued by itself, newest first.
    pub async fn list_mail_runs(&self) -> Result<Vec<MailRun>, StoreError> {
        Ok(mail_runs::Entity::find()
            .order_by_desc(mail_runs::Column::RunAt)
            .all(self.db())
            .await?
            .into_iter()
            .map(|r| MailRun {
                slot: r.slot,
                period: r.period,
                edition: r.edition,
                run_by: r.run_by,
            })
            .collect())
    }

    /// The months finalized at or after `since` (RFC 3339, UTC), with how often each
    /// was reopened before: their latest finalization is `final{reopened + 1}`.
    pub async fn finalized_since(&self, since: &str) -> Result<Vec<(String, u32)>, StoreError> {
        let months: Vec<String> = periods::Entity::find()
            .select_only()
            .column(periods::Column::Month)
            .filter(periods::Column::Status.eq("finalized"))
            .filter(periods::Column::ChangedAt.gte(since))
            .order_by_asc(periods::Column::Month)
            .into_tuple()
            .all(self.db())
            .await?;
        let mut finalized = Vec::with_capacity(months.len());
        for month in months {
            let Ok(parsed) = month.parse() else {
                return Err(StoreError::Corrupt(format!("the period `{month}` is not a month")));
            };
            let state = self.period_state(parsed).await?;
            finalized.push((month, state.reopened));
        }
        Ok(finalized)
    }

    /// Takes the next due mail for `sender` and marks it `sending` in the same step,
    /// just before it is composed and handed over: no two senders get the same mail,
    /// and a sender that stops leaves at most the one it was sending in doubt.
    pub async fn claim_next(&self, sender: &str) -> Result<Option<Mail>, StoreError> {
        let at = now();
        let model = if self.db().get_database_backend() == DbBackend::Postgres {
            let sql = "UPDATE outbox SET status = 'sending', claimed_by = $1, claimed_at = $2, attempts = attempts + 1 \
                       WHERE id = (SELECT id FROM outbox WHERE status = 'queued' AND next_attempt_at <= $2 \
                         ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED) \
                       RETURNING *";
            let statement = Statement::from_sql_and_values(DbBackend::Postgres, sql, [sender.into(), at.into()]);
            outbox::Entity::find().from_raw_sql(statement).one(self.db()).await?
        } else {
            // SQLite: the write transaction holds the one writer's lock from its start.
            let txn = self.begin_write().await?;
            let due = outbox::Entity::find()
                .filter(outbox::Column::Status.eq("queued"))
                .filter(outbox::Column::NextAttemptAt.lte(at.as_str()))
                .order_by_asc(outbox::Column::Id)
                .one(&txn)
                .await?;
            let claimed = match due {
                Some(model) => {
                    let attempts = model.attempts;
                    let mut row = outbox::ActiveModel::from(model);
                    row.status = ActiveValue::Set("sending".into());
                    row.claimed_by = ActiveValue::Set(Some(sender.to_owned()));
                    row.claimed_at = ActiveValue::Set(Some(at));
                    row.attempts = ActiveValue::Set(attempts + 1);
                    Some(outbox::Entity::update(row).exec(&txn).await?)
                }
                None => None,
            };
            txn.commit().await?;
            claimed
        };
        model.map(mail).transpose()
    }

    pub async fn mark_sent(&self, id: i64) -> Result<(), StoreError> {
        outbox::Entity::update_many()
            .col_expr(outbox::Column::Status, "sent".into())
            .col_expr(outbox::Column::SentAt, Some(now()).into())
            .col_expr(outbox::Column::LastError, Option::<String>::None.into())
            .filter(outbox::Column::Id.eq(id))
            .exec(self.db())
            .await?;
        Ok(())
    }

    /// A temporary failure: queued again, to be tried at `retry_at`.
    pub async fn mark_retry(
        &self,
        id: i64,
        error: &str,
        retry_at: chrono::DateTime<chrono::Utc>,
    ) -> Result<(), StoreError> {
        outbox::Entity::update_many()
            .col_expr(outbox::Column::Status, "queued".into())
            .col_expr(outbox::Column::NextAttemptAt, stamp(retry_at).into())
            .col_expr(outbox::Column::LastError, Some(error.to_owned()).into())
            .filter(outbox::Column::Id.eq(id))
            .exec(self.db())
            .await?;
        Ok(())
    }

    /// A permanent failure, with the server's reply.
    pub async fn mark_failed(&self, id: i64, error: &str) -> Result<(), StoreError> {
        outbox::Entity::update_many()
            .col_expr(outbox::Column::Status, "failed".into())
            .col_expr(outbox::Column::LastError, Some(error.to_owned()).into())
            .filter(outbox::Column::Id.eq(id))
            .exec(self.db())
            .await?;
        Ok(())
    }

    /// Queues a mail again by hand: one whose outcome is unknown (`sending`) or that
    /// failed. Audited; its Message-ID stays, so a receiver can tell a copy.
    pub async fn resend_mail(&self, id: i64, actor: &str) -> Result<(), StoreError> {
        let txn = self.begin_write().await?;
        let Some(model) = outbox::Entity::find_by_id(id).one(&txn).await? else {
            return Err(StoreError::Unsupported(format!("there is no mail {id}")));
        };
        let status = MailStatus::from_stored(id, &model.status)?;
        if !matches!(status, MailStatus::Sending | MailStatus::Failed) {
            return Err(StoreError::ReviewState(format!(
                "mail {id} is {}; only a mail whose outcome is unknown or that failed is resent by hand",
                status.as_str()
            )));
        }
        outbox::Entity::update_many()
            .col_expr(outbox::Column::Status, "queued".into())
            .col_expr(outbox::Column::NextAttemptAt, now().into())
            .filter(outbox::Column::Id.eq(id))
            .exec(&txn)
            .await?;
        let key = format!("{}/{}/{}/{}", model.period, model.edition, model.kind, model.recipient);
        let entry = audit_entry(actor, "resend", "mail", key, Some(model.status), Some("queued".into()));
        Store::audit(&txn, vec![entry]).await?;
        txn.commit().await?;
        Ok(())
    }

    pub async fn find_mail(&self, id: i64) -> Result<Option<Mail>, StoreError> {
        outbox::Entity::find_by_id(id)
            .one(self.db())
            .await?
            .map(mail)
            .transpose()
    }

    /// The months with mails in the outbox.
    pub async fn mail_periods(&self) -> Result<Vec<String>, StoreError> {
        Ok(outbox::Entity::find()
            .select_only()
            .column(outbox::Column::Period)
            .distinct()
            .into_tuple()
            .all(self.db())
            .await?)
    }

    /// The mails of `period` (every period when `None`), oldest first.
    pub async fn list_mails(&self, period: Option<&str>) -> Result<Vec<Mail>, StoreError> {
        let mut query = outbox::Entity::find().order_by_asc(outbox::Column::Id);
        if let Some(period) = period {
            query = query.filter(outbox::Column::Period.eq(period));
        }
        query.all(self.db()).await?.into_iter().map(mail).collect()
    }
}
