//! Requests the API cannot take: too large, malformed, unknown paths, other
//! methods; and the OpenAPI document that lists what it can.

use super::*;

#[tokio::test]
async fn a_body_over_the_limit_is_refused_with_413_json() {
    let app = spawn_app().await;
    let hr = token(&app, "hr", ApiScope::Write).await;
    for (path, size) in [("/api/v1/metrics", 9 << 20), ("/api/v1/people", 2 << 20)] {
        // Only the head is sent: the declared length alone must be refused, before any
        // of the body is read. (A client still sending a large body when the server
        // answers and closes sees a broken pipe instead of the answer.)
        let address = app.address.trim_start_matches("http://").to_owned();
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {hr}\r\n\
             Content-Type: application/json\r\nContent-Length: {size}\r\nConnection: close\r\n\r\n{{\"rows\":["
        );
        let reply = tokio::task::spawn_blocking(move || {
            use std::io::{Read, Write};
            let mut stream = std::net::TcpStream::connect(&address).expect("connect");
            stream.write_all(head.as_bytes()).expect("the head");
            let mut reply = Vec::new();
            let _ = stream.read_to_end(&mut reply);
            String::from_utf8_lossy(&reply).into_owned()
        })
        .await
        .expect("the raw client");
        assert!(reply.starts_with("HTTP/1.1 413"), "{path}: {reply}");
        assert!(reply.contains("\"payload_too_large\""), "{path}: {reply}");
    }
    let (status, _) = post(&app, &hr, "/api/v1/people", &json!({ "rows": [] })).await;
    assert_eq!(status, StatusCode::OK, "a small body is still read");
}

#[tokio::test]
async fn a_body_without_a_length_is_cut_off_at_the_limit() {
    let app = spawn_app().await;
    let hr = token(&app, "hr", ApiScope::Write).await;
    let address = app.address.trim_start_matches("http://").to_owned();
    // Chunked, so the server cannot know the size before it reads past the limit.
    let reply = tokio::task::spawn_blocking(move || {
        use std::io::{Read, Write};
        let mut stream = std::net::TcpStream::connect(&address).expect("connect");
        let mut reader = stream.try_clone().expect("a second handle");
        let head = format!(
            "POST /api/v1/metrics HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {hr}\r\n\
             Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
        );
        stream.write_all(head.as_bytes()).expect("the head");
        // The server may answer and close while this is still sending.
        let writer = std::thread::spawn(move || {
            let chunk = format!("{:x}\r\n{}\r\n", 64 * 1024, " ".repeat(64 * 1024));
            for _ in 0..(10 * 16) {
                if stream.write_all(chunk.as_bytes()).is_err() {
                    return;
                }
            }
            let _ = stream.write_all(b"0\r\n\r\n");
        });
        let mut reply = Vec::new();
        let _ = reader.read_to_end(&mut reply);
        let _ = writer.join();
        String::from_utf8_lossy(&reply).into_owned()
    })
    .await
    .expect("the raw client");
    assert!(reply.starts_with("HTTP/1.1 413"), "{reply}");
    assert!(reply.contains("\"payload_too_large\""), "{reply}");
}

#[tokio::test]
async fn malformed_bodies_are_400_with_the_path_of_the_bad_field() {
    let app = spawn_app().await;
    let hr = token(&app, "hr", ApiScope::Write).await;
    let send = |body: &'static str| {
        let request = app
            .client()
            .post(format!("{}/api/v1/metrics", app.address))
            .bearer_auth(&hr)
            .header("Content-Type", "application/json")
            .body(body);
        async move { answer(request.send().await.expect("a POST")).await }
    };
    let cases = [
        (
            r#"{"rows":[{"subject":"p002","period":"2026-10","metric":"leads","value":1},"#,
            "rows",
        ),
        (
            r#"{"rows":[{"subject":"p002","period":"2026-10","metric":"leads","value":"many"}]}"#,
            "rows[0].value",
        ),
        (
            r#"{"rows":[{"subject":"p002","period":"2026-10","value":1}]}"#,
            "rows[0]",
        ),
        (
            r#"{"rows":[{"subject":"p002","period":"2026-10","metric":"leads","value":1,"unit":"x"}]}"#,
            "rows[0].unit",
        ),
        (r#"{"row":[]}"#, "row"),
        (r#"[]"#, ""),
    ];
    for (body, path) in cases {
        let (status, answer) = send(body).await;
        assert_eq!(
            (status, code(&answer)),
            (StatusCode::BAD_REQUEST, "invalid_body"),
            "{body}"
        );
        assert_eq!(paths(&answer), [path], "{body}: {answer}");
    }
    let (_, missing) = send(r#"{"rows":[{"subject":"p002","period":"2026-10","value":1}]}"#).await;
    assert!(
        missing["error"]["message"]
            .as_str()
            .expect("a message")
            .contains("missing field `metric`"),
        "{missing}"
    );
}

#[tokio::test]
async fn a_body_not_declared_as_json_is_415_before_it_is_read() {
    let app = spawn_app().await;
    let hr = token(&app, "hr", ApiScope::Write).await;
    let body = r#"{"rows":[{"subject":"p002","period":"2026-10","metric":"leads","value":1}]}"#;
    for (content_type, named) in [
        (
            Some("application/x-www-form-urlencoded"),
            "`application/x-www-form-urlencoded`",
        ),
        (Some("text/plain; charset=utf-8"), "`text/plain`"),
        (None, "no Content-Type"),
    ] {
        let mut request = app
            .client()
            .post(format!("{}/api/v1/metrics", app.address))
            .bearer_auth(&hr)
            .body(body);
        if let Some(content_type) = content_type {
            request = request.header("Content-Type", content_type);
        }
        let (status, answer) = answer(request.send().await.expect("a POST")).await;
        assert_eq!(
            (status, code(&answer)),
            (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type"),
            "{content_type:?}"
        );
        let message = answer["error"]["message"].as_str().expect("a message");
        assert!(message.contains("Content-Type: application/json"), "{message}");
        assert!(message.contains(named), "{content_type:?}: {message}");
    }
    let request = app
        .client()
        .post(format!("{}/api/v1/metrics", app.address))
        .bearer_auth(&hr)
        .header("Content-Type", "Application/JSON; charset=utf-8")
        .body(body);
    let (status, answer) = answer(request.send().await.expect("a POST")).await;
    assert_eq!(status, StatusCode::OK, "JSON with a charset is JSON: {answer}");
}

#[tokio::test]
async fn a_bad_period_or_query_string_is_400_json() {
    let app = spawn_app().await;
    let hr = token(&app, "hr", ApiScope::Read).await;
    let (status, body) = get(&app, &hr, "/api/v1/scorecards/p002?period=2026-13").await;
    assert_eq!((status, code(&body)), (StatusCode::BAD_REQUEST, "bad_request"));
    let (status, body) = get(&app, &hr, "/api/v1/scorecards/p002?period=2026-1%00%E2%80%AE").await;
    assert_eq!((status, code(&body)), (StatusCode::BAD_REQUEST, "bad_request"));
    let message = body["error"]["message"].as_str().expect("a message");
    assert!(message.contains("`2026-1\\u{0}\\u{202e}` is not a period"), "{message}");
    assert!(!message.contains('\0') && !message.contains('\u{202e}'), "{message:?}");
    let (status, body) = get(&app, &hr, "/api/v1/scorecards/p002?period=2026-10&period=2026-09").await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::BAD_REQUEST, "bad_request"),
        "{body}"
    );
}

#[tokio::test]
async fn unknown_paths_are_json_404_and_other_methods_json_405() {
    let app = spawn_app().await;
    let client = app.client();
    let (status, body) = answer(
        client
            .get(format!("{}/api/v1/nothing-here", app.address))
            .send()
            .await
            .expect("a GET"),
    )
    .await;
    assert_eq!((status, code(&body)), (StatusCode::NOT_FOUND, "not_found"));

    for (method, path, allow) in [
        (reqwest::Method::DELETE, "/api/v1/people", "GET, POST"),
        (reqwest::Method::GET, "/api/v1/metrics", "POST"),
        (reqwest::Method::PUT, "/api/v1/scorecards/p002", "GET"),
    ] {
        let response = client
            .request(method.clone(), format!("{}{path}", app.address))
            .send()
            .await
            .expect("a request");
        assert_eq!(response.headers()["allow"], allow, "{method} {path}");
        let (status, body) = answer(response).await;
        assert_eq!(
            (status, code(&body)),
            (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"),
            "{method} {path}"
        );
    }
    let page = client
        .get(format!("{}/no-such-page", app.address))
        .send()
        .await
        .expect("a GET");
    assert_eq!(page.status(), StatusCode::NOT_FOUND);
    assert!(
        page.headers()["content-type"]
            .to_str()
            .expect("ASCII")
            .starts_with("text/html"),
        "outside the API a page answers"
    );
}

#[tokio::test]
async fn the_openapi_document_covers_every_registered_route() {
    let app = spawn_app().await;
    let (status, document) = answer(
        app.client()
            .get(format!("{}/api/v1/openapi.json", app.address))
            .send()
            .await
            .expect("a GET"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(document["openapi"].as_str().expect("a version").starts_with("3."));
    assert_eq!(document["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");

    // Every route a handler registers under /api/v1, read from the sources.
    let mut sources = vec![root().join("src/web/api.rs")];
    for entry in std::fs::read_dir(root().join("src/web/api")).expect("the API folder") {
        sources.push(entry.expect("an entry").path());
    }
    let mut routes = Vec::new();
    for source in sources {
        let text = std::fs::read_to_string(&source).expect("a source file");
        for method in ["get", "post", "put", "patch", "delete"] {
            let attribute = format!("#[{method}(\"/api/v1");
            for (at, _) in text.match_indices(&attribute) {
                let rest = &text[at + attribute.len() - "/api/v1".len()..];
                let path = &rest[..rest.find('"').expect("a closing quote")];
                routes.push((method, path.to_owned()));
            }
        }
    }
    assert!(routes.len() >= 11, "the routes are found: {routes:?}");
    for (method, path) in &routes {
        let operation = &document["paths"][path][method];
        assert!(operation.is_object(), "{method} {path} is documented");
        assert!(operation["responses"].is_object(), "{method} {path} has its responses");
        if path != "/api/v1/openapi.json" {
            assert!(
                operation["responses"]["401"]["content"]["application/json"].is_object(),
                "{method} {path} documents its errors"
            );
        }
        // A team's sign-off is the one POST that carries no body.
        let bodiless = path.ends_with("/sign-off");
        if *method == "post" && !bodiless {
            assert!(
                operation["requestBody"].is_object(),
                "{method} {path} documents its body"
            );
            for status in ["400", "403", "413"] {
                assert!(
                    operation["responses"][status].is_object(),
                    "{method} {path} documents {status}"
                );
            }
        }
        // Sending data refuses rows it cannot take as 422.
        if *method == "post" && operation["tags"][0] == "ingestion" {
            assert!(
                operation["responses"]["422"].is_object(),
                "{method} {path} documents 422"
            );
        }
    }
    let documented: usize = document["paths"]
        .as_object()
        .expect("paths")
        .values()
        .map(|item| {
            item.as_object()
                .map_or(0, |o| o.keys().filter(|k| routes.iter().any(|(m, _)| m == k)).count())
        })
        .sum();
    assert_eq!(documented, routes.len(), "nothing documented that is not served");
    let text = document.to_string();
    for (at, _) in text.match_indices("\"#/components/schemas/") {
        let rest = &text[at + "\"#/components/schemas/".len()..];
        let name = &rest[..rest.find('"').expect("a closing quote")];
        assert!(
            document["components"]["schemas"][name].is_object(),
            "the schema {name} is in the document"
        );
    }
    let scorecard = &document["paths"]["/api/v1/scorecards/{subject}"]["get"]["parameters"];
    let names: Vec<&str> = scorecard
        .as_array()
        .expect("parameters")
        .iter()
        .map(|p| p["name"].as_str().expect("a name"))
        .collect();
    assert!(names.contains(&"subject") && names.contains(&"period"), "{names:?}");
}
