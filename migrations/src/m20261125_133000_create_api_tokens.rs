//! API tokens for integrations: each acts as one account, limited to a scope (`read`
//! or `write`). Only a SHA-256 of the token is stored; the token itself is shown once.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ApiTokens {
    Table,
    Id,
    Name,
    UserId,
    Scope,
    TokenHash,
    CreatedAt,
    LastUsedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ApiTokens::Table)
                    .col(big_pk_auto(ApiTokens::Id))
                    // Revoking names the token, so names are unique.
                    .col(string_uniq(ApiTokens::Name))
                    .col(big_integer(ApiTokens::UserId))
                    .col(string(ApiTokens::Scope))
                    // Tokens are 256 random bits: a plain SHA-256 is enough to make a
                    // leaked table useless, and lets each request find its token by index.
                    .col(string_uniq(ApiTokens::TokenHash))
                    .col(string(ApiTokens::CreatedAt))
                    .col(string_null(ApiTokens::LastUsedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ApiTokens::Table, ApiTokens::UserId)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ApiTokens::Table).to_owned())
            .await
    }
}
