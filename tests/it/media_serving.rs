//! How stored media is served (issue 20, items 7 and 12): every route that answers a
//! file's bytes (the signed download link, the Apps API's media route, the control
//! plane's) says `nosniff` and a content security policy that runs nothing, and a type a
//! browser could run (XML, PDF, HTML, ...) is a download, never shown inline. Download
//! links expire like upload forms do.

use std::time::Duration;

use awc::http::StatusCode;

use crate::support::media::{file_of, JPEG};
use crate::support::{spawn_app, spawn_app_with, test_config, TestApp, DEADLINE};

/// The headers of a GET (with optional Basic auth) that must answer 200.
async fn served_headers(
    app: &TestApp,
    url: &str,
    auth: Option<&str>,
) -> awc::http::header::HeaderMap {
    let url = if url.starts_with("http") {
        url.to_owned()
    } else {
        app.url(url)
    };
    let mut request = app.client.get(url.clone());
    if let Some(auth) = auth {
        request = request.insert_header(("Authorization", auth));
    }
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK, "GET {url}");
    response.headers().clone()
}

fn header<'a>(headers: &'a awc::http::header::HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
}

#[actix_rt::test]
async fn a_file_a_browser_could_run_is_a_download_that_runs_nothing() {
    let app = spawn_app();
    let tenant = app.tenant("sniff");
    let (chat, _) = tenant.open_chat().await;
    let script = b"<?xml version=\"1.0\"?><html xmlns=\"http://www.w3.org/1999/xhtml\"><script>fetch('/__admin/tenants')</script></html>";
    let url = app.url(&format!(
        "/__admin/chats/{chat}/agent/attachments?filename=evil.xml"
    ));
    let stored = app
        .post_body(&url, "application/xml", script.to_vec())
        .await;
    assert_eq!(stored.status, StatusCode::OK, "{}", stored.body);
    let media_id = stored.body["media_id"].as_u64().unwrap();
    let link = stored.body["url"].as_str().unwrap().to_owned();
    for (url, auth) in [
        (link, None),
        (
            format!("/apps/api/v1/chats/{chat}/media/{media_id}"),
            Some(tenant.auth()),
        ),
        (format!("/__admin/media/{media_id}"), None),
    ] {
        let headers = served_headers(&app, &url, auth.as_deref()).await;
        assert_eq!(
            header(&headers, "x-content-type-options"),
            "nosniff",
            "{url}"
        );
        let policy = header(&headers, "content-security-policy");
        assert!(policy.contains("default-src 'none'"), "{url}: {policy}");
        assert!(policy.contains("sandbox"), "{url}: {policy}");
        let disposition = header(&headers, "content-disposition");
        assert!(
            disposition.starts_with("attachment"),
            "{url}: {disposition}"
        );
        assert!(disposition.contains("evil.xml"), "{url}: {disposition}");
    }
    // A PDF viewer runs scripts too; plain text does not.
    for (name, content_type, inline) in [
        ("guide.pdf", "application/pdf", false),
        ("notes.txt", "text/plain", true),
        ("map.png", "image/png", true),
    ] {
        let url = app.url(&format!(
            "/__admin/chats/{chat}/agent/attachments?filename={name}"
        ));
        let stored = app.post_body(&url, content_type, b"bytes".to_vec()).await;
        assert_eq!(stored.status, StatusCode::OK, "{}", stored.body);
        let media_id = stored.body["media_id"].as_u64().unwrap();
        let headers = served_headers(&app, &format!("/__admin/media/{media_id}"), None).await;
        assert_eq!(header(&headers, "x-content-type-options"), "nosniff");
        let disposition = header(&headers, "content-disposition");
        assert_eq!(
            disposition.starts_with("inline"),
            inline,
            "{name}: {disposition}"
        );
    }
}

#[actix_rt::test]
async fn an_uploaded_photo_is_shown_inline_with_nosniff_and_a_policy() {
    let app = spawn_app();
    let tenant = app.tenant("photo-headers");
    let (chat, _) = tenant.open_chat().await;
    let form = tenant.uploaded(chat, "photo", &file_of(2_000, JPEG)).await;
    let registered = tenant.register(chat, "photo", &[form.key()]).await;
    assert_eq!(registered.status, StatusCode::OK, "{}", registered.body);
    let link = registered.body[0]["url"].as_str().unwrap().to_owned();
    let headers = served_headers(&app, &link, None).await;
    assert_eq!(header(&headers, "content-type"), "image/jpeg");
    assert_eq!(header(&headers, "x-content-type-options"), "nosniff");
    assert!(header(&headers, "content-security-policy").contains("default-src 'none'"));
    assert!(!header(&headers, "content-disposition").starts_with("attachment"));
}

/// The query parameter `name` of a URL.
fn query_param(url: &str, name: &str) -> String {
    url.split_once('?')
        .map(|(_, query)| query)
        .unwrap_or_default()
        .split('&')
        .find_map(|pair| pair.strip_prefix(&format!("{name}=")))
        .unwrap_or_else(|| panic!("{url} has no {name}"))
        .to_owned()
}

#[actix_rt::test]
async fn a_download_link_expires_like_an_upload_form() {
    let mut config = test_config();
    config.media.download_url_expiry = Duration::from_secs(1);
    let app = spawn_app_with(config);
    let tenant = app.tenant("link-expiry");
    let (chat, _) = tenant.open_chat().await;
    let form = tenant.uploaded(chat, "photo", &file_of(500, JPEG)).await;
    let registered = tenant.register(chat, "photo", &[form.key()]).await;
    let link = registered.body[0]["url"].as_str().unwrap().to_owned();
    assert_eq!(query_param(&link, "X-Amz-Expires"), "1");
    assert_eq!(app.download(&link, None).await.status, StatusCode::OK);
    // Tampering with the expiry breaks the signature.
    let stretched = link.replace("X-Amz-Expires=1", "X-Amz-Expires=3600");
    assert_eq!(
        app.download(&stretched, None).await.status,
        StatusCode::FORBIDDEN
    );
    let issued =
        chrono::NaiveDateTime::parse_from_str(&query_param(&link, "X-Amz-Date"), "%Y%m%dT%H%M%SZ")
            .unwrap()
            .and_utc();
    // Wait for the clock to pass the expiry, not for a fixed time.
    let started = std::time::Instant::now();
    while chrono::Utc::now() <= issued + chrono::Duration::seconds(1) {
        assert!(started.elapsed() < DEADLINE);
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
    }
    let expired = app.download(&link, None).await;
    assert_eq!(expired.status, StatusCode::FORBIDDEN);
    let text = String::from_utf8_lossy(&expired.bytes).into_owned();
    assert!(text.contains("<Code>AccessDenied</Code>"), "{text}");
    assert!(text.contains("Request has expired"), "{text}");
    // Listing the media again gives a fresh link.
    let listed = tenant
        .call(
            awc::http::Method::GET,
            &format!("/chats/{chat}/photos"),
            None,
        )
        .await;
    let fresh = listed.body[0]["url"].as_str().unwrap();
    assert_eq!(app.download(fresh, None).await.status, StatusCode::OK);
}
