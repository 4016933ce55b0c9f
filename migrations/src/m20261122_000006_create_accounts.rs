//! Accounts and their sessions: users with a role (admin, hr, manager, rep), the
//! person a rep account belongs to, the teams a manager leads, and server-side
//! sessions that can be revoked.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum Users {
    Table,
    Id,
    Username,
    PasswordHash,
    Role,
    PersonKey,
    Disabled,
    CreatedAt,
}

#[derive(DeriveIden)]
pub enum UserTeams {
    Table,
    UserId,
    TeamKey,
}

#[derive(DeriveIden)]
pub enum Sessions {
    Table,
    TokenHash,
    UserId,
    CsrfToken,
    CreatedAt,
    ExpiresAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Users::Table)
                    .col(big_pk_auto(Users::Id))
                    .col(string_uniq(Users::Username))
                    // argon2id, in the PHC string format.
                    .col(string(Users::PasswordHash))
                    .col(string(Users::Role))
                    .col(string_null(Users::PersonKey))
                    .col(boolean(Users::Disabled))
                    .col(string(Users::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(UserTeams::Table)
                    .col(big_integer(UserTeams::UserId))
                    .col(string(UserTeams::TeamKey))
                    .primary_key(Index::create().col(UserTeams::UserId).col(UserTeams::TeamKey))
                    .foreign_key(
                        ForeignKey::create()
                            .from(UserTeams::Table, UserTeams::UserId)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Sessions::Table)
                    // Only a hash of the cookie's token is stored: a leaked table opens no session.
                    .col(string(Sessions::TokenHash).primary_key())
                    .col(big_integer(Sessions::UserId))
                    .col(string(Sessions::CsrfToken))
                    .col(string(Sessions::CreatedAt))
                    .col(string(Sessions::ExpiresAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Sessions::Table, Sessions::UserId)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Sessions::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(UserTeams::Table).to_owned())
            .await?;
        manager.drop_table(Table::drop().table(Users::Table).to_owned()).await
    }
}
