//! Which definition version is in force, and since when: every publication is a row,
//! the newest one is the rulebook every server uses. A version (`definition_versions`)
//! is the content, kept once per digest; publishing an older one again (a rollback) is
//! a new publication of it, so the history only ever grows.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum DefinitionPublications {
    Table,
    Id,
    VersionId,
    PublishedAt,
    PublishedBy,
    Comment,
    /// The publication in force when the publisher began editing: the base their
    /// change was made on, which a second publisher's conflict is shown against.
    BaseId,
}

#[derive(DeriveIden)]
enum DefinitionVersions {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(DefinitionPublications::Table)
                    .col(big_pk_auto(DefinitionPublications::Id))
                    .col(big_integer(DefinitionPublications::VersionId))
                    .col(string(DefinitionPublications::PublishedAt))
                    .col(string(DefinitionPublications::PublishedBy))
                    .col(text(DefinitionPublications::Comment))
                    .col(big_integer_null(DefinitionPublications::BaseId))
                    .foreign_key(
                        ForeignKey::create()
                            .from(DefinitionPublications::Table, DefinitionPublications::VersionId)
                            .to(DefinitionVersions::Table, DefinitionVersions::Id),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(DefinitionPublications::Table).to_owned())
            .await
    }
}
