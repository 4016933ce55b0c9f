//! API tokens for integrations. A token acts as its account, limited to a scope; only
//! a hash of it is stored, and it stops working the moment it is revoked or its
//! account is disabled.

use super::entity::{api_tokens, users};
use super::{Account, Store, StoreError, audit_entry, now};
use sea_orm::{ActiveValue, ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use std::collections::HashMap;

/// What a token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ApiScope {
    /// Reading only (GET).
    Read,
    /// Reading, and sending data (POST) where the account may.
    Write,
}

impl ApiScope {
    pub fn as_str(self) -> &'static str {
        match self {
            ApiScope::Read => "read",
            ApiScope::Write => "write",
        }
    }

    fn parse(text: &str) -> Option<ApiScope> {
        [ApiScope::Read, ApiScope::Write]
            .into_iter()
            .find(|s| s.as_str() == text)
    }
}

/// A token as `yardstick token list` shows it; never the token itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiToken {
    pub id: i64,
    pub name: String,
    pub username: String,
    pub scope: ApiScope,
    pub created_at: String,
    pub last_used_at: Option<String>,
}

/// The account a presented token acts as, and what it may do.
#[derive(Debug, Clone)]
pub struct TokenGrant {
    pub token_id: i64,
    pub account: Account,
    pub scope: ApiScope,
    pub last_used_at: Option<String>,
}

impl Store {
    /// Stores a new token (its hash) for `username`; names are unique.
    pub async fn insert_api_token(
        &self,
        name: &str,
        username: &str,
        scope: ApiScope,
        token_hash: &str,
        actor: &str,
    ) -> Result<i64, StoreError> {
        if name.trim().is_empty() {
            return Err(StoreError::Unsupported(
                "a token needs a name to list and revoke it by".into(),
            ));
        }
        // `token revoke` takes a name or an id: a name of digits would read as an id.
        if name.bytes().all(|b| b.is_ascii_digit()) {
            return Err(StoreError::Unsupported(format!(
                "a token's name cannot be digits alone (`{name}` would read as a token id); add a word"
            )));
        }
        let txn = self.begin_write().await?;
        let user = users::Entity::find()
            .filter(users::Column::Username.eq(username))
            .one(&txn)
            .await?
            .ok_or_else(|| StoreError::Unsupported(format!("no account named `{username}`")))?;
        if user.disabled {
            return Err(StoreError::Unsupported(format!("the account `{username}` is disabled")));
        }
        if api_tokens::Entity::find()
            .filter(api_tokens::Column::Name.eq(name))
            .one(&txn)
            .await?
            .is_some()
        {
            return Err(StoreError::Unsupported(format!(
                "a token named `{name}` exists already"
            )));
        }
        let model = api_tokens::ActiveModel {
            id: ActiveValue::NotSet,
            name: ActiveValue::Set(name.to_owned()),
            user_id: ActiveValue::Set(user.id),
            scope: ActiveValue::Set(scope.as_str().to_owned()),
            token_hash: ActiveValue::Set(token_hash.to_owned()),
            created_at: ActiveValue::Set(now()),
            last_used_at: ActiveValue::Set(None),
        };
        let id = api_tokens::Entity::insert(model).exec(&txn).await?.last_insert_id;
        let after = format!("{username} ({})", scope.as_str());
        Store::audit(
            &txn,
            vec![audit_entry(
                actor,
                "create",
                "api_token",
                name.to_owned(),
                None,
                Some(after),
            )],
        )
        .await?;
        txn.commit().await?;
        Ok(id)
    }

    /// Ends the token named `name_or_id` (or with that id); it stops working at once.
    pub async fn revoke_api_token(&self, name_or_id: &str, actor: &str) -> Result<ApiToken, StoreError> {
        let txn = self.begin_write().await?;
        let by_name = api_tokens::Entity::find()
            .filter(api_tokens::Column::Name.eq(name_or_id))
            .one(&txn)
            .await?;
        let token = match (by_name, name_or_id.parse::<i64>()) {
            (Some(token), _) => Some(token),
            (None, Ok(id)) => api_tokens::Entity::find_by_id(id).one(&txn).await?,
            (None, Err(_)) => None,
        }
        .ok_or_else(|| StoreError::Unsupported(format!("no token named `{name_or_id}`")))?;
        let username = users::Entity::find_by_id(token.user_id)
            .one(&txn)
            .await?
            .map_or_else(String::new, |u| u.username);
        api_tokens::Entity::delete_by_id(token.id).exec(&txn).await?;
        let scope = ApiScope::parse(&token.scope)
            .ok_or_else(|| StoreError::Corrupt(format!("token {} has scope `{}`", token.name, token.scope)))?;
        let before = format!("{username} ({})", scope.as_str());
        Store::audit(
            &txn,
            vec![audit_entry(
                actor,
                "revoke",
                "api_token",
                token.name.clone(),
                Some(before),
                None,
            )],
        )
        .await?;
        txn.commit().await?;
        Ok(ApiToken {
            id: token.id,
            name: token.name,
            username,
            scope,
            created_at: token.created_at,
            last_used_at: token.last_used_at,
        })
    }

    /// Every live token, oldest first.
    pub async fn list_api_tokens(&self) -> Result<Vec<ApiToken>, StoreError> {
        let usernames: HashMap<i64, String> = users::Entity::find()
            .all(self.db())
            .await?
            .into_iter()
            .map(|u| (u.id, u.username))
            .collect();
        api_tokens::Entity::find()
            .order_by_asc(api_tokens::Column::Id)
            .all(self.db())
            .await?
            .into_iter()
            .map(|t| {
                let scope = ApiScope::parse(&t.scope)
                    .ok_or_else(|| StoreError::Corrupt(format!("token {} has scope `{}`", t.name, t.scope)))?;
                Ok(ApiToken {
                    id: t.id,
                    username: usernames.get(&t.user_id).cloned().unwrap_or_default(),
                    name: t.name,
                    scope,
                    created_at: t.created_at,
                    last_used_at: t.last_used_at,
                })
            })
            .collect()
    }

    /// The token with this hash and its account, if both are live.
    pub async fn find_api_token(&self, token_hash: &str) -> Result<Option<TokenGrant>, StoreError> {
        let Some(token) = api_tokens::Entity::find()
            .filter(api_tokens::Column::TokenHash.eq(token_hash))
            .one(self.db())
            .await?
        else {
            return Ok(None);
        };
        let Some(user) = users::Entity::find_by_id(token.user_id).one(self.db()).await? else {
            return Ok(None);
        };
        if user.disabled {
            return Ok(None);
        }
        let scope = ApiScope::parse(&token.scope)
            .ok_or_else(|| StoreError::Corrupt(format!("token {} has scope `{}`", token.name, token.scope)))?;
        Ok(Some(TokenGrant {
            token_id: token.id,
            account: self.account(user).await?,
            scope,
            last_used_at: token.last_used_at,
        }))
    }

    /// Notes that a token was used now.
    pub async fn touch_api_token(&self, token_id: i64) -> Result<(), StoreError> {
        api_tokens::Entity::update(api_tokens::ActiveModel {
            id: ActiveValue::Unchanged(token_id),
            last_used_at: ActiveValue::Set(Some(now())),
            ..Default::default()
        })
        .exec(self.db())
        .await?;
        Ok(())
    }
}
