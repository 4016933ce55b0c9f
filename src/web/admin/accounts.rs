//! `/admin/users`: every account, a form to create one, and a button to disable one.
//! The same store functions as `yardstick user add|disable`, audited with the
//! signed-in admin as the actor.

use super::{require, respond, see_other};
use crate::credentials::hash_password;
use crate::store::{AccountEntry, AccountProblem, AccountRole, NewAccount, StoreError};
use crate::web::AppState;
use crate::web::access::Capability;
use crate::web::error::AppError;
use crate::web::form::Form;
use crate::web::pages::{Lang, Nav};
use crate::web::session::{self, Session};
use crate::web::signing::{Purpose, Signer};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use askama::Template;
use serde::Deserialize;

/// The shortest password an account may be given, as on the command line.
pub const MIN_PASSWORD_CHARS: usize = 12;

const ROLES: [AccountRole; 4] = [
    AccountRole::Rep,
    AccountRole::Manager,
    AccountRole::Hr,
    AccountRole::Admin,
];

/// What the create form held, kept when it is shown again with its problems.
#[derive(Debug, Default)]
struct AccountForm {
    username: String,
    role: String,
    person: String,
    teams: Vec<String>,
}

/// The problems of a refused form, by field.
#[derive(Debug, Default)]
struct FieldProblems {
    username: Vec<String>,
    role: Vec<String>,
    person: Vec<String>,
    teams: Vec<String>,
    password: Vec<String>,
    form: Vec<String>,
}

impl FieldProblems {
    fn add(&mut self, problem: AccountProblem) {
        let list = match problem.field {
            "username" => &mut self.username,
            "person" => &mut self.person,
            "teams" => &mut self.teams,
            _ => &mut self.form,
        };
        list.push(problem.message);
    }

    fn is_empty(&self) -> bool {
        [
            &self.username,
            &self.role,
            &self.person,
            &self.teams,
            &self.password,
            &self.form,
        ]
        .iter()
        .all(|l| l.is_empty())
    }
}

/// One account of the list, formatted.
struct AccountRow {
    username: String,
    role: &'static str,
    person: String,
    teams: String,
    disabled: bool,
    created: String,
    /// The signed-in admin's own account cannot be disabled from here.
    own: bool,
}

#[derive(Template)]
#[template(path = "admin_users.html")]
struct UsersPage {
    nav: Nav,
    csrf: String,
    notice: Option<String>,
    accounts: Vec<AccountRow>,
    roles: Vec<&'static str>,
    people: Vec<(String, String)>,
    teams: Vec<(String, String)>,
    form: AccountForm,
    problems: FieldProblems,
}

/// What a redirect after a change says happened. Signed for the admin who made the
/// change, so a link cannot put words of its own on the page.
#[derive(Debug, Deserialize)]
pub struct Notice {
    created: Option<String>,
    disabled: Option<String>,
    sig: Option<String>,
}

fn notice_message(what: &str, username: &str, admin: &str) -> String {
    format!("{what}\0{username}\0{admin}")
}

/// `/admin/users?{what}={username}&sig=...`, for `admin` to see.
fn notice_location(signer: &Signer, what: &str, username: &str, admin: &str) -> String {
    let sig = signer.sign(Purpose::Notice, &notice_message(what, username, admin));
    format!("/admin/users?{what}={}&sig={sig}", crate::web::url_part(username))
}

#[get("/admin/users")]
async fn accounts_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    notice: web::Query<Notice>,
) -> Result<HttpResponse, AppError> {
    let session = admin(&req, &state).await?;
    let signer = state.signer().await?;
    let me = &session.account.username;
    let signed = |what: &str, name: &str| {
        let sig = notice.sig.as_deref().unwrap_or_default();
        signer.verify(Purpose::Notice, &notice_message(what, name, me), sig)
    };
    let notice = match (&notice.created, &notice.disabled) {
        (Some(name), _) if signed("created", name) => Some(format!("Account {name} created.")),
        (None, Some(name)) if signed("disabled", name) => {
            Some(format!("Account {name} disabled; its sessions have ended."))
        }
        _ => None,
    };
    let page = users_page(
        &state,
        &session,
        notice,
        AccountForm::default(),
        FieldProblems::default(),
    )
    .await?;
    respond(StatusCode::OK, &page)
}

#[post("/admin/users")]
async fn create_account(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let session = admin(&req, &state).await?;
    let form = form.fields()?;
    let field = |name: &str| form.iter().find(|(k, _)| k == name).map_or("", |(_, v)| v.as_str());
    if field("csrf") != session.csrf {
        return Err(AppError::BadCsrf);
    }
    let entered = AccountForm {
        username: field("username").trim().to_owned(),
        role: field("role").to_owned(),
        person: field("person").trim().to_owned(),
        teams: form
            .iter()
            .filter(|(k, v)| k == "teams" && !v.is_empty())
            .map(|(_, v)| v.clone())
            .collect(),
    };
    let password = field("password").to_owned();
    let mut problems = FieldProblems::default();
    let role = AccountRole::parse(&entered.role);
    if role.is_none() {
        problems.role.push("choose a role: rep, manager, hr or admin".into());
    }
    if password.chars().count() < MIN_PASSWORD_CHARS {
        problems
            .password
            .push(format!("a password has at least {MIN_PASSWORD_CHARS} characters"));
    }
    let account = NewAccount {
        username: &entered.username,
        password_hash: String::new(),
        role: role.unwrap_or(AccountRole::Rep),
        person: Some(entered.person.as_str()).filter(|p| !p.is_empty()),
        teams: &entered.teams,
    };
    for problem in state.store.check_new_account(&account).await? {
        // Without a valid role, role-specific rules would only add noise.
        if role.is_some() || problem.field == "username" {
            problems.add(problem);
        }
    }
    if !problems.is_empty() {
        return refuse(&state, &session, entered, problems).await;
    }
    // argon2id is made to be slow: hash off the async workers, a few at a time.
    let permit = state.throttle.hashing_permit().await?;
    let hash = web::block(move || hash_password(&password))
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("hashing: {e}")))??;
    drop(permit);
    let account = NewAccount {
        password_hash: hash,
        ..account
    };
    match state.store.insert_account(account, &session.account.username).await {
        Ok(_) => Ok(see_other(&notice_location(
            state.signer().await?,
            "created",
            &entered.username,
            &session.account.username,
        ))),
        // Somebody took the name between the check and the write.
        Err(StoreError::Unsupported(reason)) => {
            problems.form.push(reason);
            refuse(&state, &session, entered, problems).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Deserialize)]
pub struct DisableForm {
    username: String,
    csrf: String,
}

#[post("/admin/users/disable")]
async fn disable_account(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: Form<DisableForm>,
) -> Result<HttpResponse, AppError> {
    let session = admin(&req, &state).await?;
    let form = form.fields()?;
    if form.csrf != session.csrf {
        return Err(AppError::BadCsrf);
    }
    if form.username == session.account.username {
        return Err(AppError::BadRequest(
            "you cannot disable your own account; ask another admin".into(),
        ));
    }
    let Some(account) = state.store.find_account_by_name(&form.username).await? else {
        return Err(AppError::NotFound);
    };
    if !account.disabled {
        state
            .store
            .disable_account(&account.username, &session.account.username)
            .await?;
    }
    Ok(see_other(&notice_location(
        state.signer().await?,
        "disabled",
        &account.username,
        &session.account.username,
    )))
}

async fn admin(req: &HttpRequest, state: &AppState) -> Result<Session, AppError> {
    let session = session::current(req, state, false).await?;
    require(state, &session, Capability::Administer, "/admin/users").await?;
    Ok(session)
}

async fn refuse(
    state: &AppState,
    session: &Session,
    form: AccountForm,
    problems: FieldProblems,
) -> Result<HttpResponse, AppError> {
    let page = users_page(state, session, None, form, problems).await?;
    respond(StatusCode::UNPROCESSABLE_ENTITY, &page)
}

async fn users_page(
    state: &AppState,
    session: &Session,
    notice: Option<String>,
    form: AccountForm,
    problems: FieldProblems,
) -> Result<UsersPage, AppError> {
    let accounts = state
        .store
        .list_accounts()
        .await?
        .into_iter()
        .map(|a| account_row(a, &session.account.username))
        .collect();
    let people = state
        .store
        .list_people()
        .await?
        .into_iter()
        .map(|p| (p.key, p.name))
        .collect();
    let teams = state
        .store
        .list_teams()
        .await?
        .into_iter()
        .map(|t| (t.key, t.name))
        .collect();
    Ok(UsersPage {
        nav: Nav::without_period(session, "/admin/users", Lang::En),
        csrf: session.csrf.clone(),
        notice,
        accounts,
        roles: ROLES.iter().map(|r| r.as_str()).collect(),
        people,
        teams,
        form,
        problems,
    })
}

fn account_row(account: AccountEntry, me: &str) -> AccountRow {
    AccountRow {
        own: account.username == me,
        role: account.role.as_str(),
        person: account.person.unwrap_or_default(),
        teams: account.teams.join(", "),
        disabled: account.disabled,
        // "2026-11-25T13:27:38.123Z" -> "2026-11-25 13:27 UTC"
        created: account.created_at.get(..16).map_or_else(
            || account.created_at.clone(),
            |t| format!("{} UTC", t.replace('T', " ")),
        ),
        username: account.username,
    }
}

/// One account's page: its access, a new password, and enabling it again.
#[derive(Template)]
#[template(path = "admin_account.html")]
struct AccountPage {
    nav: Nav,
    csrf: String,
    account: AccountRow,
    /// The account's role, person and teams, as the access form holds them.
    form: AccountForm,
    roles: Vec<&'static str>,
    people: Vec<(String, String)>,
    teams: Vec<(String, String)>,
    notice: Option<&'static str>,
    problems: Vec<String>,
    /// A password made here, shown this once.
    made_password: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct AccountQuery {
    done: Option<String>,
}

/// What a redirect after a change on the account page says: our words only, picked by key.
fn done_notice(done: Option<&str>) -> Option<&'static str> {
    match done? {
        "access" => Some("Access changed; the account's sessions carry it at once."),
        "password" => Some("Password set; the account's sessions have ended."),
        "enabled" => Some("Account enabled; it may sign in again."),
        _ => None,
    }
}

async fn account_page(
    state: &AppState,
    session: &Session,
    username: &str,
    notice: Option<&'static str>,
    problems: Vec<String>,
    made_password: Option<String>,
) -> Result<AccountPage, AppError> {
    let entry = state
        .store
        .list_accounts()
        .await?
        .into_iter()
        .find(|a| a.username == username)
        .ok_or(AppError::NotFound)?;
    let form = AccountForm {
        username: entry.username.clone(),
        role: entry.role.as_str().to_owned(),
        person: entry.person.clone().unwrap_or_default(),
        teams: entry.teams.clone(),
    };
    let list = users_page(state, session, None, AccountForm::default(), FieldProblems::default()).await?;
    Ok(AccountPage {
        nav: Nav::without_period(session, "/admin/users", Lang::En),
        csrf: session.csrf.clone(),
        account: account_row(entry, &session.account.username),
        form,
        roles: list.roles,
        people: list.people,
        teams: list.teams,
        notice,
        problems,
        made_password,
    })
}

#[get("/admin/users/{username}")]
async fn account_view(
    req: HttpRequest,
    state: web::Data<AppState>,
    username: web::Path<String>,
    query: web::Query<AccountQuery>,
) -> Result<HttpResponse, AppError> {
    let session = admin(&req, &state).await?;
    let page = account_page(
        &state,
        &session,
        &username,
        done_notice(query.done.as_deref()),
        Vec::new(),
        None,
    )
    .await?;
    respond(StatusCode::OK, &page)
}

fn account_location(username: &str, done: &str) -> String {
    format!("/admin/users/{}?done={done}", crate::web::url_part(username))
}

#[post("/admin/users/{username}/access")]
async fn change_access(
    req: HttpRequest,
    state: web::Data<AppState>,
    username: web::Path<String>,
    form: Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let session = admin(&req, &state).await?;
    let form = form.fields()?;
    let field = |name: &str| form.iter().find(|(k, _)| k == name).map_or("", |(_, v)| v.as_str());
    if field("csrf") != session.csrf {
        return Err(AppError::BadCsrf);
    }
    let Some(role) = AccountRole::parse(field("role")) else {
        let problems = vec!["choose a role: rep, manager, hr or admin".to_owned()];
        let page = account_page(&state, &session, &username, None, problems, None).await?;
        return respond(StatusCode::UNPROCESSABLE_ENTITY, &page);
    };
    if *username == session.account.username && role != AccountRole::Admin {
        let problems = vec!["you cannot take your own admin role away; ask another admin".to_owned()];
        let page = account_page(&state, &session, &username, None, problems, None).await?;
        return respond(StatusCode::UNPROCESSABLE_ENTITY, &page);
    }
    let person = Some(field("person").trim()).filter(|p| !p.is_empty());
    let teams: Vec<String> = form
        .iter()
        .filter(|(k, v)| k == "teams" && !v.is_empty())
        .map(|(_, v)| v.clone())
        .collect();
    match state
        .store
        .change_account(&username, role, person, &teams, &session.account.username)
        .await
    {
        Ok(()) => Ok(see_other(&account_location(&username, "access"))),
        Err(StoreError::Unsupported(reason)) => {
            let page = account_page(&state, &session, &username, None, vec![reason], None).await?;
            respond(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Deserialize)]
pub struct PasswordForm {
    csrf: String,
    #[serde(default)]
    password: String,
    /// Make a password rather than take the one typed.
    #[serde(default)]
    make: Option<String>,
}

#[post("/admin/users/{username}/password")]
async fn reset_password(
    req: HttpRequest,
    state: web::Data<AppState>,
    username: web::Path<String>,
    form: Form<PasswordForm>,
) -> Result<HttpResponse, AppError> {
    let session = admin(&req, &state).await?;
    let form = form.fields()?;
    if form.csrf != session.csrf {
        return Err(AppError::BadCsrf);
    }
    if state.store.find_account_by_name(&username).await?.is_none() {
        return Err(AppError::NotFound);
    }
    let made = form
        .make
        .is_some()
        .then(|| crate::credentials::random_token()[..20].to_owned());
    let password = made.clone().unwrap_or(form.password);
    if password.chars().count() < MIN_PASSWORD_CHARS {
        let problems = vec![format!("a password has at least {MIN_PASSWORD_CHARS} characters")];
        let page = account_page(&state, &session, &username, None, problems, None).await?;
        return respond(StatusCode::UNPROCESSABLE_ENTITY, &page);
    }
    let permit = state.throttle.hashing_permit().await?;
    let hash = web::block(move || hash_password(&password))
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("hashing: {e}")))??;
    drop(permit);
    state
        .store
        .set_password(&username, hash, &session.account.username)
        .await?;
    match made {
        // Shown once, on this response only: never in a URL, never stored.
        Some(made) => {
            let page = account_page(
                &state,
                &session,
                &username,
                done_notice(Some("password")),
                Vec::new(),
                Some(made),
            )
            .await?;
            respond(StatusCode::OK, &page)
        }
        None => Ok(see_other(&account_location(&username, "password"))),
    }
}

#[post("/admin/users/{username}/enable")]
async fn enable_account(
    req: HttpRequest,
    state: web::Data<AppState>,
    username: web::Path<String>,
    form: Form<PasswordForm>,
) -> Result<HttpResponse, AppError> {
    let session = admin(&req, &state).await?;
    if form.fields()?.csrf != session.csrf {
        return Err(AppError::BadCsrf);
    }
    if state.store.find_account_by_name(&username).await?.is_none() {
        return Err(AppError::NotFound);
    }
    state.store.enable_account(&username, &session.account.username).await?;
    Ok(see_other(&account_location(&username, "enabled")))
}
