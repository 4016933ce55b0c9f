//! Teams (nested) and people.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum Teams {
    Table,
    Id,
    Key,
    Name,
    ParentId,
}

#[derive(DeriveIden)]
pub enum People {
    Table,
    Id,
    Key,
    Name,
    Email,
    Role,
    TeamId,
    ManagerId,
    ActiveFrom,
    ActiveTo,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Teams::Table)
                    .col(big_pk_auto(Teams::Id))
                    .col(string_uniq(Teams::Key))
                    .col(string(Teams::Name))
                    .col(big_integer_null(Teams::ParentId))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Teams::Table, Teams::ParentId)
                            .to(Teams::Table, Teams::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(People::Table)
                    .col(big_pk_auto(People::Id))
                    .col(string_uniq(People::Key))
                    .col(string(People::Name))
                    .col(string(People::Email))
                    .col(string(People::Role))
                    .col(big_integer(People::TeamId))
                    .col(big_integer_null(People::ManagerId))
                    // Calendar months, `YYYY-MM`, inclusive; open-ended when empty.
                    .col(string_null(People::ActiveFrom))
                    .col(string_null(People::ActiveTo))
                    .foreign_key(
                        ForeignKey::create()
                            .from(People::Table, People::TeamId)
                            .to(Teams::Table, Teams::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(People::Table, People::ManagerId)
                            .to(People::Table, People::Id),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(People::Table).to_owned())
            .await?;
        manager.drop_table(Table::drop().table(Teams::Table).to_owned()).await
    }
}
