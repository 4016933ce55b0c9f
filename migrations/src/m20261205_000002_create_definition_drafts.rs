//! Drafts of the definitions, edited from the browser: the full text of every file,
//! saved whether valid or not, and the publication they were begun from, against
//! which publishing checks that nobody published meanwhile.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum DefinitionDrafts {
    Table,
    Id,
    BaseId,
    Files,
    CreatedBy,
    CreatedAt,
    UpdatedBy,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(DefinitionDrafts::Table)
                    .col(big_pk_auto(DefinitionDrafts::Id))
                    .col(big_integer_null(DefinitionDrafts::BaseId))
                    .col(text(DefinitionDrafts::Files))
                    .col(string(DefinitionDrafts::CreatedBy))
                    .col(string(DefinitionDrafts::CreatedAt))
                    .col(string(DefinitionDrafts::UpdatedBy))
                    .col(string(DefinitionDrafts::UpdatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(DefinitionDrafts::Table).to_owned())
            .await
    }
}
