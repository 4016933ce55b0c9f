//! Review periods with their status, the definition versions they were scored with,
//! and the frozen scorecards of finalized periods.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum Periods {
    Table,
    Month,
    Status,
    ChangedAt,
    ChangedBy,
}

#[derive(DeriveIden)]
pub enum DefinitionVersions {
    Table,
    Id,
    Digest,
    Files,
    CreatedAt,
    CreatedBy,
}

#[derive(DeriveIden)]
pub enum Snapshots {
    Table,
    Period,
    Subject,
    SubjectKind,
    DefinitionVersionId,
    Inputs,
    Result,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Periods::Table)
                    .col(string(Periods::Month).primary_key())
                    // `open`, `in_review` or `finalized`.
                    .col(string(Periods::Status))
                    .col(string(Periods::ChangedAt))
                    .col(string(Periods::ChangedBy))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(DefinitionVersions::Table)
                    .col(big_pk_auto(DefinitionVersions::Id))
                    .col(string_uniq(DefinitionVersions::Digest))
                    // The definitions folder as JSON: file name -> text.
                    .col(text(DefinitionVersions::Files))
                    .col(string(DefinitionVersions::CreatedAt))
                    .col(string(DefinitionVersions::CreatedBy))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Snapshots::Table)
                    // A month, quarter or year key.
                    .col(string(Snapshots::Period))
                    .col(string(Snapshots::Subject))
                    .col(string(Snapshots::SubjectKind))
                    .col(big_integer(Snapshots::DefinitionVersionId))
                    .col(text(Snapshots::Inputs))
                    .col(text(Snapshots::Result))
                    .col(string(Snapshots::CreatedAt))
                    .primary_key(Index::create().col(Snapshots::Period).col(Snapshots::Subject))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Snapshots::Table, Snapshots::DefinitionVersionId)
                            .to(DefinitionVersions::Table, DefinitionVersions::Id),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Snapshots::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(DefinitionVersions::Table).to_owned())
            .await?;
        manager.drop_table(Table::drop().table(Periods::Table).to_owned()).await
    }
}
