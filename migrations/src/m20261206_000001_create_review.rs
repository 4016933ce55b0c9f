//! The monthly review: each person's self-assessment, manager's rating, calibrated
//! grade, acknowledgement or appeal of a month; each team's sign-off; the data checks
//! a manager marked as checked; and the snapshots a reopened month was finalized with
//! before (kept, never overwritten).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Appraisals {
    Table,
    Period,
    Person,
    SelfRatings,
    SelfComment,
    SelfAt,
    ManagerRatings,
    ManagerComment,
    RatedBy,
    RatedAt,
    AdjustedGrade,
    AdjustReason,
    AdjustedBy,
    AdjustedAt,
    AcknowledgedAt,
    Appeal,
    AppealedAt,
    AppealOutcome,
    AppealGrade,
    AppealResolution,
    ResolvedBy,
    ResolvedAt,
}

#[derive(DeriveIden)]
enum DataCheckMarks {
    Table,
    Period,
    Person,
    Check,
    MarkedBy,
    MarkedAt,
}

#[derive(DeriveIden)]
enum ReviewSignOffs {
    Table,
    Period,
    Team,
    SignedBy,
    SignedAt,
}

#[derive(DeriveIden)]
enum SnapshotHistory {
    Table,
    Period,
    Revision,
    Subject,
    SubjectKind,
    DefinitionVersionId,
    Inputs,
    Result,
    CreatedAt,
    ReopenedAt,
    ReopenedBy,
    Reason,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Appraisals::Table)
                    .col(string(Appraisals::Period))
                    .col(string(Appraisals::Person))
                    // Ratings as JSON: aspect (a competency, or `overall`) -> rating.
                    .col(text_null(Appraisals::SelfRatings))
                    .col(text_null(Appraisals::SelfComment))
                    .col(string_null(Appraisals::SelfAt))
                    .col(text_null(Appraisals::ManagerRatings))
                    .col(text_null(Appraisals::ManagerComment))
                    .col(string_null(Appraisals::RatedBy))
                    .col(string_null(Appraisals::RatedAt))
                    // Calibration: a grade set by hr (or a manager) with its reason.
                    .col(string_null(Appraisals::AdjustedGrade))
                    .col(text_null(Appraisals::AdjustReason))
                    .col(string_null(Appraisals::AdjustedBy))
                    .col(string_null(Appraisals::AdjustedAt))
                    // After finalizing: acknowledged, or appealed and resolved
                    // (`kept`, or `changed` to `appeal_grade`).
                    .col(string_null(Appraisals::AcknowledgedAt))
                    .col(text_null(Appraisals::Appeal))
                    .col(string_null(Appraisals::AppealedAt))
                    .col(string_null(Appraisals::AppealOutcome))
                    .col(string_null(Appraisals::AppealGrade))
                    .col(text_null(Appraisals::AppealResolution))
                    .col(string_null(Appraisals::ResolvedBy))
                    .col(string_null(Appraisals::ResolvedAt))
                    .primary_key(Index::create().col(Appraisals::Period).col(Appraisals::Person))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ReviewSignOffs::Table)
                    .col(string(ReviewSignOffs::Period))
                    .col(string(ReviewSignOffs::Team))
                    .col(string(ReviewSignOffs::SignedBy))
                    .col(string(ReviewSignOffs::SignedAt))
                    .primary_key(Index::create().col(ReviewSignOffs::Period).col(ReviewSignOffs::Team))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(DataCheckMarks::Table)
                    .col(string(DataCheckMarks::Period))
                    .col(string(DataCheckMarks::Person))
                    // Which check: `own_history:<metric>`, `role_spread:<metric>`, …
                    .col(string(DataCheckMarks::Check))
                    .col(string(DataCheckMarks::MarkedBy))
                    .col(string(DataCheckMarks::MarkedAt))
                    .primary_key(
                        Index::create()
                            .col(DataCheckMarks::Period)
                            .col(DataCheckMarks::Person)
                            .col(DataCheckMarks::Check),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SnapshotHistory::Table)
                    .col(string(SnapshotHistory::Period))
                    // 1 for the first finalization that was reopened, and so on.
                    .col(integer(SnapshotHistory::Revision))
                    .col(string(SnapshotHistory::Subject))
                    .col(string(SnapshotHistory::SubjectKind))
                    .col(big_integer(SnapshotHistory::DefinitionVersionId))
                    .col(text(SnapshotHistory::Inputs))
                    .col(text(SnapshotHistory::Result))
                    .col(string(SnapshotHistory::CreatedAt))
                    .col(string(SnapshotHistory::ReopenedAt))
                    .col(string(SnapshotHistory::ReopenedBy))
                    .col(text(SnapshotHistory::Reason))
                    .primary_key(
                        Index::create()
                            .col(SnapshotHistory::Period)
                            .col(SnapshotHistory::Revision)
                            .col(SnapshotHistory::Subject),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            SnapshotHistory::Table.into_iden(),
            DataCheckMarks::Table.into_iden(),
            ReviewSignOffs::Table.into_iden(),
            Appraisals::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
