//! The request journal's unit tests: how entries are stored, bounded, read back,
//! evicted, filtered and forgotten.

use super::*;

fn request(tenant: &str, path: &str, status: u16) -> RecordedRequest {
    RecordedRequest::new(
        RequestCapture::new("POST", path, ""),
        CapturedBody::<Vec<&[u8]>>::None,
        64,
        Utc::now(),
        Some(tenant.to_owned()),
        status,
        1.0,
    )
}

fn shown(request: RecordedRequest) -> serde_json::Value {
    serde_json::to_value(&request).expect("entries serialise")
}

#[test]
fn bodies_read_back_as_json_when_whole_and_parseable_else_as_truncated_text() {
    let body = |chunks: Vec<&'static [u8]>, total: usize, cap: usize| {
        shown(RecordedRequest::new(
            RequestCapture::new("POST", "/p", "a=1"),
            CapturedBody::Read { chunks, total },
            cap,
            Utc::now(),
            None,
            200,
            1.0,
        ))
    };
    let json = body(vec![br#"{"a":"#, b"1}"], 7, 64);
    assert_eq!(json["body_kind"], "json");
    assert_eq!(json["body"], serde_json::json!({"a": 1}));
    assert_eq!(json["query"], "a=1");
    let long = body(vec![&[b'x'; 100]], 100, 10);
    assert_eq!(long["body_kind"], "text");
    assert_eq!(long["body"], "x".repeat(10));
    assert_eq!(
        (long["body_truncated"].clone(), long["body_bytes"].clone()),
        (true.into(), 100.into())
    );
    let cut_json = body(vec![br#"{"a":1}"#], 7, 3);
    assert_eq!(
        (cut_json["body_kind"].clone(), cut_json["body"].clone()),
        ("text".into(), "{\"a".into())
    );
    let none = shown(request("t", "/p", 200));
    assert_eq!(
        (
            none["body_kind"].clone(),
            none["body"].clone(),
            none["query"].clone()
        ),
        (
            "none".into(),
            serde_json::Value::Null,
            serde_json::Value::Null
        )
    );
    let omitted = shown(RecordedRequest::new(
        RequestCapture::new("POST", "/p", ""),
        CapturedBody::<Vec<&[u8]>>::Omitted(5_000_000),
        64,
        Utc::now(),
        None,
        413,
        1.0,
    ));
    assert_eq!(
        (
            omitted["body_kind"].clone(),
            omitted["body_bytes"].clone(),
            omitted["body_truncated"].clone()
        ),
        ("omitted".into(), 5_000_000.into(), true.into())
    );
}

#[test]
fn headers_read_back_redacted_joined_and_cut() {
    let mut capture = RequestCapture::new("GET", "/p", "");
    capture.header("authorization", b"Basic YWNtZTpzZWNyZXQ=");
    capture.header("proxy-authorization", b"Bearer abc.def");
    capture.header("x-trace", b"abc");
    capture.header("x-trace", b"def");
    capture.header("x-long", "é".repeat(600).as_bytes());
    for index in 0..70 {
        capture.header(&format!("x-extra-{index:02}"), b"1");
    }
    let entry = RecordedRequest::new(
        capture,
        CapturedBody::<Vec<&[u8]>>::None,
        64,
        Utc::now(),
        None,
        200,
        1.0,
    );
    let headers = shown(entry)["headers"].clone();
    assert_eq!(headers["authorization"], "Basic [redacted]");
    assert_eq!(headers["proxy-authorization"], "Bearer [redacted]");
    assert_eq!(headers["x-trace"], "abc, def");
    assert_eq!(headers["x-long"], "é".repeat(256));
    assert_eq!(headers.as_object().unwrap().len(), 64);
}

#[test]
fn the_oldest_entries_are_evicted_and_counted_per_tenant() {
    let journal = RequestJournal::new(3, 64);
    for index in 0..5 {
        let tenant = if index < 2 { "old" } else { "new" };
        journal.record(request(tenant, "/apps/api/v1/chats", 200));
    }
    let stats = journal.stats();
    assert_eq!((stats.stored, stats.cap, stats.evicted), (3, 3, 2));
    assert_eq!(journal.evicted_for("old"), 2);
    assert_eq!(journal.evicted_for("new"), 0);
    let ids: Vec<u64> = journal
        .list(&RequestFilter::default())
        .iter()
        .map(|request| request.id)
        .collect();
    assert_eq!(ids, vec![3, 4, 5]);
}

#[test]
fn filters_combine_and_forgetting_is_per_tenant() {
    let journal = RequestJournal::new(10, 64);
    journal.record(request("a", "/apps/api/v1/chats", 200));
    journal.record(request("a", "/apps/api/v1/chats/1/message", 400));
    journal.record(request("b", "/apps/api/v1/chats", 200));
    let filter = RequestFilter {
        tenant: Some("a".into()),
        path_prefix: Some("/apps/api/v1/chats/".into()),
        method: Some("post".into()),
        ..RequestFilter::default()
    };
    assert_eq!(journal.list(&filter).len(), 1);
    let by_status = RequestFilter {
        status: Some(200),
        after: Some(1),
        ..RequestFilter::default()
    };
    assert_eq!(journal.list(&by_status)[0].tenant.as_deref(), Some("b"));
    assert_eq!(journal.forget(Some("a")), 2);
    assert_eq!(journal.stats().stored, 1);
    assert_eq!(journal.forget(None), 1);
}

#[test]
fn an_entry_keeps_at_most_its_bytes_and_says_what_it_cut() {
    let entry_bytes = 1_024;
    let mut capture = RequestCapture::within(
        entry_bytes,
        "POST",
        &format!("/p/{}", "a".repeat(1_000)),
        &format!("q={}", "b".repeat(1_000)),
    );
    for _ in 0..50 {
        capture.header("x-repeat", "v".repeat(100).as_bytes());
    }
    let body = vec![b'x'; 4_000];
    let entry = shown(RecordedRequest::new(
        capture,
        CapturedBody::Read {
            chunks: [&body[..]],
            total: body.len(),
        },
        8_192,
        Utc::now(),
        Some("t".repeat(500)),
        200,
        1.0,
    ));
    let text = |field: &str| entry[field].as_str().map_or(0, str::len);
    let headers: usize = entry["headers"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(name, value)| name.len() + value.as_str().unwrap().len())
        .sum();
    let kept =
        text("tenant") + text("method") + text("path") + text("query") + headers + text("body");
    assert_eq!(kept, entry_bytes, "{entry}");
    assert_eq!(text("tenant"), 128);
    assert_eq!((text("path"), text("query")), (128, 256));
    assert!(headers <= 256, "{headers}");
    assert_eq!(entry["head_truncated"], true);
    assert_eq!(entry["body_truncated"], true);
    assert_eq!(entry["body_bytes"], 4_000);

    let mut small = RequestCapture::new("GET", "/p", "");
    small.header("x-repeat", "v".repeat(300).as_bytes());
    small.header("x-repeat", "w".repeat(300).as_bytes());
    small.header("x-repeat", b"dropped");
    let small = shown(RecordedRequest::new(
        small,
        CapturedBody::<Vec<&[u8]>>::None,
        64,
        Utc::now(),
        Some("t".into()),
        200,
        1.0,
    ));
    let joined = small["headers"]["x-repeat"].as_str().unwrap();
    assert_eq!(joined.len(), raw::MAX_HEADER_VALUE);
    assert!(
        joined.starts_with(&format!("{}, w", "v".repeat(300))),
        "{joined}"
    );
    assert_eq!(small["head_truncated"], true);
    assert_eq!(raw::clip("héllo", 2), ("h", true));
}
