//! The outbox of appraisal mails: one row per (period, edition, recipient, report
//! kind), queued exactly once, and taken by one sender at a time by marking it
//! `sending` before the SMTP DATA, so that a crash mid-send is seen as an unknown
//! outcome, never sent again by itself. Beside it, the runs that queued a batch: one
//! row per scheduled time or finalization, so that of several servers one queues it.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Outbox {
    Table,
    Id,
    Period,
    Edition,
    Recipient,
    Kind,
    Address,
    Language,
    MessageId,
    Status,
    Attempts,
    NextAttemptAt,
    LastError,
    ClaimedBy,
    ClaimedAt,
    QueuedAt,
    SentAt,
}

#[derive(DeriveIden)]
enum MailRuns {
    Table,
    Slot,
    Period,
    Edition,
    Queued,
    RunBy,
    RunAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Outbox::Table)
                    .col(big_pk_auto(Outbox::Id))
                    .col(string(Outbox::Period))
                    // `open` while the month may change, `final1`, `final2`, … for each
                    // finalization: a month's reports are sent once per edition.
                    .col(string(Outbox::Edition))
                    // A person's id, or `hr` for the organisation's report.
                    .col(string(Outbox::Recipient))
                    // `rep`, `manager` or `hr`.
                    .col(string(Outbox::Kind))
                    .col(string(Outbox::Address))
                    .col(string(Outbox::Language))
                    .col(string(Outbox::MessageId))
                    // queued -> sending -> sent | failed (or queued again to retry);
                    // `sending` found after a crash stays so, for an admin to resend.
                    .col(string(Outbox::Status))
                    .col(integer(Outbox::Attempts))
                    .col(string(Outbox::NextAttemptAt))
                    .col(text_null(Outbox::LastError))
                    .col(string_null(Outbox::ClaimedBy))
                    .col(string_null(Outbox::ClaimedAt))
                    .col(string(Outbox::QueuedAt))
                    .col(string_null(Outbox::SentAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("outbox_once")
                    .table(Outbox::Table)
                    .col(Outbox::Period)
                    .col(Outbox::Edition)
                    .col(Outbox::Recipient)
                    .col(Outbox::Kind)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("outbox_due")
                    .table(Outbox::Table)
                    .col(Outbox::Status)
                    .col(Outbox::NextAttemptAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(MailRuns::Table)
                    // `schedule 2026-11-02T09:00:00+08:00` or `finalized 2026-10 final1`:
                    // the server that inserts it queues the batch, in the same transaction.
                    .col(string(MailRuns::Slot).primary_key())
                    .col(string(MailRuns::Period))
                    .col(string(MailRuns::Edition))
                    .col(integer(MailRuns::Queued))
                    .col(string(MailRuns::RunBy))
                    .col(string(MailRuns::RunAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(MailRuns::Table).to_owned())
            .await?;
        manager.drop_table(Table::drop().table(Outbox::Table).to_owned()).await
    }
}
