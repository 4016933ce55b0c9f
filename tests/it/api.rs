//! The JSON API, spoken to as an integration would: bearer tokens and their scopes,
//! what each role may read, sending data all or nothing, bad bodies, and the OpenAPI
//! document.

mod reading;
mod requests;
mod review;
mod sending;
mod tokens;

use crate::helpers::{root, yardstick};
use crate::server::{TestApp, hidden_csrf, spawn_app};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use yardstick::store::ApiScope;

/// A token for `username`, made as `yardstick token add` makes it.
async fn token(app: &TestApp, username: &str, scope: ApiScope) -> String {
    let (token, hash) = yardstick::credentials::new_api_token();
    let name = format!("{username}-{}", scope.as_str());
    app.store
        .insert_api_token(&name, username, scope, &hash, "test")
        .await
        .expect("a token");
    token
}

async fn get(app: &TestApp, token: &str, path: &str) -> (StatusCode, Value) {
    let response = app
        .client()
        .get(format!("{}{path}", app.address))
        .bearer_auth(token)
        .send()
        .await
        .expect("a GET");
    answer(response).await
}

async fn post(app: &TestApp, token: &str, path: &str, body: &Value) -> (StatusCode, Value) {
    let response = app
        .client()
        .post(format!("{}{path}", app.address))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .expect("a POST");
    answer(response).await
}

/// The status and the JSON body, which every answer of the API has.
async fn answer(response: reqwest::Response) -> (StatusCode, Value) {
    let status = response.status();
    let text = response.text().await.expect("a body");
    let json = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{status}: not JSON ({e}): {text}"));
    (status, json)
}

fn code(body: &Value) -> &str {
    body["error"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("an error: {body}"))
}

/// The `path`s of an error's bad fields.
fn paths(body: &Value) -> Vec<&str> {
    body["error"]["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("a list of errors: {body}"))
        .iter()
        .map(|e| e["path"].as_str().expect("a path"))
        .collect()
}

fn ids<'a>(body: &'a Value, list: &str) -> BTreeSet<&'a str> {
    body[list]
        .as_array()
        .unwrap_or_else(|| panic!("a list `{list}`: {body}"))
        .iter()
        .map(|p| p["id"].as_str().expect("an id"))
        .collect()
}

fn people(range: std::ops::RangeInclusive<u32>) -> BTreeSet<String> {
    range.map(|i| format!("p{i:03}")).collect()
}

/// The value of input `input` of KPI `kpi` on a card.
fn input(card: &Value, kpi: &str, input: &str) -> f64 {
    card["card"]["kpis"]
        .as_array()
        .expect("KPIs")
        .iter()
        .find(|k| k["kpi"] == kpi)
        .unwrap_or_else(|| panic!("KPI {kpi} on the card"))["inputs"]
        .as_array()
        .expect("inputs")
        .iter()
        .find(|i| i["name"] == input)
        .unwrap_or_else(|| panic!("input {input} of {kpi}"))["value"]
        .as_f64()
        .expect("a value")
}
