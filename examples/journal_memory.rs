//! Measures the request journal's memory bound: records far more requests than the cap,
//! each with a body at the body cap, and prints what is kept, what was evicted, the
//! journal's own size estimate and the process's resident memory (Linux).
//!
//! `cargo run --release --example journal_memory [requests] [cap] [body_cap]`

use ccai_emulator::features::requests::journal::{
    CapturedBody, RecordedRequest, RequestCapture, RequestFilter, RequestJournal,
};

fn resident_mib() -> Option<f64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: f64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096.0 / (1024.0 * 1024.0))
}

fn main() {
    let mut args = std::env::args()
        .skip(1)
        .map(|arg| arg.parse::<usize>().expect("a number"));
    let requests = args.next().unwrap_or(200_000);
    let cap = args
        .next()
        .unwrap_or(ccai_emulator::features::requests::journal::DEFAULT_CAP);
    let body_cap = args
        .next()
        .unwrap_or(ccai_emulator::features::requests::journal::DEFAULT_BODY_CAP);
    let journal = RequestJournal::new(cap, body_cap);
    let before = resident_mib();
    let started = std::time::Instant::now();
    let body = vec![b'x'; body_cap];
    for index in 0..requests {
        let mut capture =
            RequestCapture::new("POST", &format!("/apps/api/v1/chats/{index}/message"), "");
        capture.header("authorization", b"Basic YWNtZTpzZWNyZXQ=");
        capture.header("content-type", b"application/json");
        capture.header("user-agent", b"journal-bench/1.0");
        journal.record(RecordedRequest::new(
            capture,
            CapturedBody::Read {
                chunks: [&body[..]],
                total: body.len(),
            },
            body_cap,
            chrono::Utc::now(),
            Some(format!("tenant-{}", index % 50)),
            200,
            0.5,
        ));
    }
    let elapsed = started.elapsed();
    let stats = journal.stats();
    let estimate: usize = journal
        .list(&RequestFilter::default())
        .iter()
        .map(|request| request.approximate_bytes())
        .sum();
    println!(
        "recorded {requests} requests in {elapsed:?} ({:.0}/s)",
        requests as f64 / elapsed.as_secs_f64()
    );
    println!(
        "stored {} (cap {}), evicted {}",
        stats.stored, stats.cap, stats.evicted
    );
    println!(
        "estimated journal size: {:.1} MiB ({} body bytes per entry)",
        estimate as f64 / 1048576.0,
        body_cap
    );
    if let (Some(before), Some(after)) = (before, resident_mib()) {
        println!("resident memory: {before:.1} MiB before, {after:.1} MiB after");
    }
}
