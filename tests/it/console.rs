//! The web console: served from the binary, reachable from `/`, open even when the control
//! plane needs a token (it asks for it), and built only on registered control-plane routes.

use crate::support::{spawn_app, spawn_app_with, test_config};
use awc::http::{Method, StatusCode};
use regex::Regex;

fn matches_template(template: &str, path: &str) -> bool {
    let template: Vec<&str> = template.split('/').collect();
    let path: Vec<&str> = path.split('/').collect();
    template.len() == path.len()
        && template
            .iter()
            .zip(&path)
            .all(|(want, got)| want == got || (want.starts_with('{') && got.starts_with('{')))
}

#[actix_rt::test]
async fn the_console_is_served_and_calls_only_registered_routes() {
    let app = spawn_app();
    let mut response = app
        .client
        .get(app.url("/__admin/console"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response
        .headers()
        .get("content-type")
        .unwrap()
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let page = String::from_utf8(response.body().limit(1 << 20).await.unwrap().to_vec()).unwrap();
    assert!(page.contains("<title>ccai-emulator console</title>"));

    // Every call the page makes, with `${...}` as a placeholder: control-plane calls and
    // actions, Apps API calls (speaking as the end user) and the icon it links.
    let calls = Regex::new(r#"call\("(GET|POST|PUT|DELETE)", [`"]([^`"?]+)"#).unwrap();
    let actions = Regex::new(r#"act\(`([^`?]+)`"#).unwrap();
    let apps_calls = Regex::new(r#"apps\("(GET|POST|PUT|PATCH|DELETE)", [`"]([^`"?]+)"#).unwrap();
    let links = Regex::new(r#"<link rel="icon"[^>]* href="([^"]+)""#).unwrap();
    let placeholder = Regex::new(r"\$\{[^}]+\}").unwrap();
    let mut used: Vec<(String, String)> = calls
        .captures_iter(&page)
        .map(|found| (found[1].to_owned(), format!("/__admin{}", &found[2])))
        .collect();
    used.extend(
        actions
            .captures_iter(&page)
            .map(|found| ("POST".to_owned(), format!("/__admin{}", &found[1]))),
    );
    let apps_used: Vec<(String, String)> = apps_calls
        .captures_iter(&page)
        .map(|found| (found[1].to_owned(), format!("/apps/api/v1{}", &found[2])))
        .collect();
    assert_eq!(
        apps_used,
        [(
            "POST".to_owned(),
            "/apps/api/v1/chats/${record.id}/message".to_owned()
        )]
    );
    used.extend(apps_used);
    let icons: Vec<String> = links
        .captures_iter(&page)
        .map(|found| found[1].to_owned())
        .collect();
    assert_eq!(icons, ["/__admin/console/favicon.svg"]);
    used.extend(icons.into_iter().map(|icon| ("GET".to_owned(), icon)));
    assert!(used.len() >= 10, "{used:?}");
    let registered = ccai_emulator::startup::all_endpoints();
    for (method, path) in used {
        let path = placeholder.replace_all(&path, "{x}");
        assert!(
            registered
                .iter()
                .any(|route| route.method == method && matches_template(&route.path, &path)),
            "the console calls {method} {path}, which is not a route"
        );
    }
    assert!(page.contains("new EventSource(ADMIN + \"/events\")"));
}

#[actix_rt::test]
async fn the_icon_is_served_where_the_page_links_it_and_at_favicon_ico() {
    let app = spawn_app_with(ccai_emulator::Config {
        admin_token: Some("let-me-in".into()),
        ..test_config()
    });
    for path in ["/__admin/console/favicon.svg", "/favicon.ico"] {
        let mut response = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert_eq!(
            response.headers().get("content-type").unwrap(),
            "image/svg+xml",
            "{path}"
        );
        let body = response.body().await.unwrap();
        assert!(body.starts_with(b"<svg"), "{path}");
    }
}

#[actix_rt::test]
async fn the_root_redirects_to_the_console() {
    let app = spawn_app();
    let client = awc::Client::builder().disable_redirects().finish();
    let response = client.get(app.url("/")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::FOUND);
    assert_eq!(
        response.headers().get("location").unwrap(),
        "/__admin/console"
    );
}

#[actix_rt::test]
async fn tenants_are_listed_with_a_summary_of_their_chats() {
    let app = spawn_app();
    let tenant = app.tenant("overview");
    let (chat, user) = tenant.open_chat().await;
    tenant.says(chat, user, "verify me").await;
    let overview = app.admin_get("/tenants").await;
    let listed = overview["tenants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|listed| listed["name"] == tenant.subdomain.as_str())
        .expect("the tenant is listed");
    assert_eq!(listed["chats"][0]["id"], chat);
    assert_eq!(listed["chats"][0]["routing_state"], "task_virtual_agent");
}

#[actix_rt::test]
async fn with_an_admin_token_the_page_opens_but_the_data_needs_the_token() {
    let app = spawn_app_with(ccai_emulator::Config {
        admin_token: Some("let-me-in".into()),
        ..test_config()
    });
    let page = app
        .client
        .get(app.url("/__admin/console"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert_eq!(
        app.admin(Method::GET, "/tenants", None).await.status,
        StatusCode::UNAUTHORIZED
    );
    let with_token = app
        .client
        .get(app.url("/__admin/tenants"))
        .insert_header(("Authorization", "Bearer let-me-in"))
        .send()
        .await
        .unwrap();
    assert_eq!(with_token.status(), StatusCode::OK);
}

#[actix_rt::test]
async fn the_bearer_scheme_is_matched_whatever_its_case() {
    // RFC 7235: the auth scheme is case-insensitive, and one or more spaces follow it.
    let app = spawn_app_with(ccai_emulator::Config {
        admin_token: Some("let-me-in".into()),
        ..test_config()
    });
    for header in ["bearer let-me-in", "BEARER let-me-in", "BeArEr  let-me-in"] {
        let answer = app
            .client
            .get(app.url("/__admin/tenants"))
            .insert_header(("Authorization", header))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), StatusCode::OK, "{header}");
    }
    for header in ["bearer let-me-out", "Basic let-me-in", "bearerlet-me-in"] {
        let answer = app
            .client
            .get(app.url("/__admin/tenants"))
            .insert_header(("Authorization", header))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), StatusCode::UNAUTHORIZED, "{header}");
    }
}
