//! The outbox of appraisal mails. A mail is queued once per (period, recipient, kind);
//! a sender claims the next due one and marks it `sending` in one step (PostgreSQL:
//! `FOR UPDATE SKIP LOCKED`, so two servers never take the same row; SQLite: under
//! the one writer's lock), hands it to the SMTP server, then marks it `sent`, back to
//! `queued` with a later attempt time (a temporary failure), or `failed` with the
//! server's reply. SMTP has no idempotency: a row found `sending` has an unknown
//! outcome and is never sent again by itself; an admin resends it by hand.

use super::entity::outbox;
use super::{Store, StoreError, audit_entry, now};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue, ColumnTrait, DbBackend, EntityTrait, QueryFilter, QueryOrder, Statement};

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

fn stamp(at: chrono::DateTime<chrono::Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

impl Store {
    /// Queues `mails`, each (period, recipient, kind) once: one queued before is left
    /// as it is. Returns how many were new.
    pub async fn queue_mails(&self, mails: Vec<NewMail>) -> Result<usize, StoreError> {
        let at = now();
        let mut added = 0;
        for chunk in mails.chunks(super::CHUNK_ROWS / 4) {
            let rows: Vec<outbox::ActiveModel> = chunk
                .iter()
                .map(|m| outbox::ActiveModel {
                    id: ActiveValue::NotSet,
                    period: ActiveValue::Set(m.period.clone()),
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
                    OnConflict::columns([outbox::Column::Period, outbox::Column::Recipient, outbox::Column::Kind])
                        .do_nothing()
                        .to_owned(),
                )
                .exec_without_returning(self.db())
                .await;
            match inserted {
                Ok(n) => added += n as usize,
                // Every row of the chunk was there already.
                Err(sea_orm::DbErr::RecordNotInserted) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(added)
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
        let key = format!("{}/{}/{}", model.period, model.kind, model.recipient);
        let entry = audit_entry(actor, "resend", "mail", key, Some(model.status), Some("queued".into()));
        Store::audit(&txn, vec![entry]).await?;
        txn.commit().await?;
        Ok(())
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
