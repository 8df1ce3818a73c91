//! Benchmark of ccai-emulator against the floor set by a bare actix-web handler, measured
//! in one run with the same external load generator (`wrk`, Debian's package) so that the
//! ratio is what counts, not the machine. Prints one Markdown table (kept in
//! `BENCHMARKS.md`); asserts nothing (machines here are shared and noisy).
//!
//! ```text
//! cargo run --release --example bench -- --compare        # the full table (~2 minutes)
//! cargo run --release --example bench -- --compare --quick
//! cargo run --release --example bench -- --soak 600       # RSS over a 10-minute soak
//! cargo run --release --example bench -- --against OLD_BINARY  # ingest, before / after
//! ```
//! Options: `--duration S` (wrk runs, default 8), `--connections N` (32), `--chats N`
//! (200), `--messages N` (the memory run, 1,000,000), `--start-ups N` (20).
//! `CCAI_EMULATOR_BIN` picks a binary; otherwise `cargo build --release` builds it.
//! `--against OLD_BINARY` runs the ingest load on the old binary and this one in turn
//! (old, new, old, new, ...; `--rounds N`, default 3) and prints the ratio of the medians.

mod bare;
mod procs;
mod scenario;
mod sink;
mod wrk;

use std::time::{Duration, Instant};

use procs::{start_bare, start_emulator, ServerProcess};
use scenario::percentile;

struct Options {
    duration: Duration,
    connections: u32,
    chats: usize,
    messages: u64,
    start_ups: usize,
    soak: Option<Duration>,
    /// `--against OLD_BINARY`: before / after on the ingest load.
    against: Option<std::path::PathBuf>,
    rounds: usize,
}

fn options() -> Options {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let value = |name: &str| {
        args.iter()
            .position(|arg| arg == name)
            .and_then(|at| args.get(at + 1))
            .map(|value| {
                value
                    .parse::<u64>()
                    .unwrap_or_else(|_| panic!("{name} takes a number"))
            })
    };
    let quick = args.iter().any(|arg| arg == "--quick");
    Options {
        duration: Duration::from_secs(value("--duration").unwrap_or(if quick { 2 } else { 8 })),
        connections: value("--connections").unwrap_or(32) as u32,
        chats: value("--chats").unwrap_or(200) as usize,
        messages: value("--messages").unwrap_or(if quick { 50_000 } else { 1_000_000 }),
        start_ups: value("--start-ups").unwrap_or(if quick { 5 } else { 20 }) as usize,
        soak: value("--soak").map(Duration::from_secs),
        against: args
            .iter()
            .position(|arg| arg == "--against")
            .and_then(|at| args.get(at + 1))
            .map(std::path::PathBuf::from),
        rounds: value("--rounds").unwrap_or(3) as usize,
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(at) = args.iter().position(|arg| arg == "--serve-bare") {
        let port = args[at + 1].parse().expect("--serve-bare PORT");
        bare::serve(port).expect("the bare handler serves");
        return;
    }
    if !wrk::available() {
        eprintln!("bench: wrk is not installed (apt-get install wrk)");
        std::process::exit(1);
    }
    let options = options();
    let binary = procs::emulator_binary();
    actix_web::rt::System::new().block_on(async move {
        match (&options.soak, &options.against) {
            (Some(length), _) => soak(&binary, *length).await,
            (None, Some(old)) => against(old, &binary, &options).await,
            (None, None) => compare(&binary, &options).await,
        }
    });
}

/// Ingest requests/s of `old` and `new`, in turn under the same load, and their ratio.
async fn against(old: &std::path::Path, new: &std::path::Path, options: &Options) {
    let client = scenario::client();
    let mut rates: [Vec<f64>; 2] = [Vec::new(), Vec::new()];
    for _ in 0..options.rounds {
        for (index, binary) in [old, new].into_iter().enumerate() {
            let server = start_emulator(
                &binary.to_path_buf(),
                &["--agent-join-delay".into(), "0".into()],
            );
            let url = server.base_url();
            let chats = scenario::create_chats(&client, &url, "bench", options.chats).await;
            let run = wrk::run(&wrk_load(&url, &chats, options, "bench"));
            rates[index].push(run.requests_per_sec);
        }
    }
    let median = |rates: &mut Vec<f64>| {
        rates.sort_by(f64::total_cmp);
        rates[rates.len() / 2]
    };
    let (before, after) = (median(&mut rates[0]), median(&mut rates[1]));
    println!("| binary | ingest req/s (median of {}) |", options.rounds);
    println!("|---|---|");
    println!("| before: {} | {before:.0} |", old.display());
    println!("| after: {} | {after:.0} |", new.display());
    println!("| after / before | {:.2} |", after / before.max(1.0));
}

fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
}

fn ms(duration: Duration) -> String {
    format!("{:.2} ms", duration.as_secs_f64() * 1e3)
}

fn wrk_load<'a>(
    server: &'a str,
    chats: &'a scenario::Chats,
    options: &Options,
    tenant: &'a str,
) -> wrk::Load<'a> {
    wrk::Load {
        base_url: server,
        tenant,
        end_user_id: chats.end_user_id,
        chat_ids: &chats.chat_ids,
        connections: options.connections,
        duration: options.duration,
    }
}

async fn compare(binary: &std::path::PathBuf, options: &Options) {
    let client = scenario::client();
    let mut rows: Vec<(String, String)> = Vec::new();

    // Start-up and idle memory of the real binary.
    let mut start_ups = Vec::new();
    let mut idle = 0;
    for run in 0..options.start_ups {
        let server = start_emulator(binary, &[]);
        start_ups.push(server.start_up);
        if run == 0 {
            actix_web::rt::time::sleep(Duration::from_millis(500)).await;
            idle = server.resident_bytes();
        }
    }
    start_ups.sort();

    // Ingest: the bare handler, then the emulator (default settings, no webhook target).
    let bare = start_bare();
    let bare_url = bare.base_url();
    let fake_chats = scenario::Chats {
        end_user_id: 1002,
        chat_ids: (1..=options.chats as u64).collect(),
    };
    let floor = wrk::run(&wrk_load(&bare_url, &fake_chats, options, "bench"));
    drop(bare);
    let emulator = start_emulator(binary, &["--agent-join-delay".into(), "0".into()]);
    let url = emulator.base_url();
    let chats = scenario::create_chats(&client, &url, "bench", options.chats).await;
    let ingest = wrk::run(&wrk_load(&url, &chats, options, "bench"));
    drop(emulator);
    let ratio = ingest.requests_per_sec / floor.requests_per_sec.max(1.0);
    let describe = |run: &wrk::WrkRun| {
        format!(
            "{:.0} req/s, p50 {}, p99 {} ({} requests, {} non-2xx, {} socket errors)",
            run.requests_per_sec,
            ms(run.p50),
            ms(run.p99),
            run.requests,
            run.non_success,
            run.socket_errors
        )
    };
    rows.push((
        "ingest: bare actix-web handler (the floor)".into(),
        describe(&floor),
    ));
    rows.push((
        "ingest: ccai-emulator, no webhook target".into(),
        describe(&ingest),
    ));
    rows.push((
        "ingest ratio, emulator / bare (target >= 0.65)".into(),
        format!("{ratio:.2}"),
    ));

    // The same load with opt-in persistence: every message written to SQLite before its answer.
    let state_dir = std::env::temp_dir().join(format!("ccai-bench-state-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&state_dir);
    let persistent = start_emulator(
        binary,
        &[
            "--agent-join-delay".into(),
            "0".into(),
            "--state-dir".into(),
            state_dir.display().to_string(),
        ],
    );
    let url = persistent.base_url();
    let chats = scenario::create_chats(&client, &url, "bench", options.chats).await;
    let written = wrk::run(&wrk_load(&url, &chats, options, "bench"));
    drop(persistent);
    let database_bytes = std::fs::read_dir(&state_dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter_map(|entry| entry.metadata().ok())
                .map(|metadata| metadata.len())
                .sum::<u64>()
        })
        .unwrap_or(0);
    let _ = std::fs::remove_dir_all(&state_dir);
    rows.push((
        "ingest: ccai-emulator with --state-dir (SQLite)".into(),
        describe(&written),
    ));
    rows.push((
        "ingest ratio, --state-dir / in memory".into(),
        format!(
            "{:.2} (database and WAL: {} after {} messages)",
            written.requests_per_sec / ingest.requests_per_sec.max(1.0),
            mib(database_bytes),
            written.requests
        ),
    ));

    // Ingest with every webhook delivered to a local sink, then the paced round trip.
    let sink = sink::start();
    let emulator = start_emulator(
        binary,
        &[
            "--agent-join-delay".into(),
            "0".into(),
            "--webhook-url".into(),
            sink.url.clone(),
            "--webhook-primary-secret".into(),
            sink::SECRET.into(),
        ],
    );
    let url = emulator.base_url();
    let chats = scenario::create_chats(&client, &url, "hooks", options.chats).await;
    wait_until_delivered(&client, &url).await;
    let before = sink
        .counts
        .messages
        .load(std::sync::atomic::Ordering::Relaxed);
    let started = Instant::now();
    let run = wrk::run(&wrk_load(&url, &chats, options, "hooks"));
    let accepted = run.requests - run.non_success;
    let last =
        scenario::sink_reaches(&sink.counts, before + accepted, Duration::from_secs(120)).await;
    let stats = wait_until_delivered(&client, &url).await;
    let counts = &sink.counts;
    let load = std::sync::atomic::Ordering::Relaxed;
    rows.push((
        "ingest with a webhook target (target >= 20,000 msg/s, all delivered)".into(),
        match last {
            Some(last) => format!(
                "{:.0} msg/s to the last webhook ({} messages accepted at {:.0} req/s, p99 {}); sink: {} message_received, {} bad signatures, {} out of order; journal: {} delivered, {} failed",
                accepted as f64 / last.duration_since(started).as_secs_f64(),
                accepted, run.requests_per_sec, ms(run.p99),
                counts.messages.load(load) - before, counts.bad_signatures.load(load), counts.out_of_order.load(load),
                stats["delivered"], stats["failed"],
            ),
            None => format!("NOT all delivered within 120 s: {} of {accepted}", counts.messages.load(load) - before),
        },
    ));
    let paced_chats = scenario::create_chats(&client, &url, "roundtrip", 20).await;
    wait_until_delivered(&client, &url).await;
    let mut trips = scenario::round_trips(
        &client,
        &url,
        "roundtrip",
        &paced_chats,
        counts,
        1000,
        options.duration.min(Duration::from_secs(5)),
    )
    .await;
    trips.sort();
    rows.push((
        "round trip POST -> signed webhook at 1,000 msg/s (target p99 < 2 ms)".into(),
        format!(
            "p50 {}, p99 {} over {} messages",
            ms(percentile(&trips, 0.5)),
            ms(percentile(&trips, 0.99)),
            trips.len()
        ),
    ));
    drop(emulator);

    // Memory per stored message, journals at their smallest so that only state counts.
    let emulator = start_emulator(
        binary,
        &[
            "--agent-join-delay".into(),
            "0".into(),
            "--request-journal-cap".into(),
            "1".into(),
            "--delivery-journal-cap".into(),
            "1".into(),
        ],
    );
    let url = emulator.base_url();
    let chats = scenario::create_chats(&client, &url, "memory", options.chats).await;
    let before = emulator.resident_bytes();
    let (stored, refused) = scenario::send_count(
        &client,
        &url,
        "memory",
        &chats,
        options.messages,
        options.connections as usize,
    )
    .await;
    let after = emulator.resident_bytes();
    drop(emulator);

    rows.push((
        "start-up to first health answer, median of runs (target < 20 ms)".into(),
        format!(
            "{} (min {}, max {}, {} runs)",
            ms(percentile(&start_ups, 0.5)),
            ms(start_ups[0]),
            ms(*start_ups.last().unwrap()),
            start_ups.len()
        ),
    ));
    rows.push(("idle RSS (target < 10 MB)".into(), mib(idle)));
    rows.push((
        format!("RSS after {stored} stored messages, journals at cap 1 (target <= 400 B/message)"),
        format!(
            "{} ({} before the load; {:.0} bytes per message; {refused} refused)",
            mib(after),
            mib(before),
            after.saturating_sub(before) as f64 / stored.max(1) as f64,
        ),
    ));
    print_table(&rows);
}

/// Waits until the journal has nothing pending or retrying; returns its counters.
async fn wait_until_delivered(client: &awc::Client, url: &str) -> serde_json::Value {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let stats = scenario::call(
            client,
            "GET",
            &format!("{url}/__admin/webhooks/stats"),
            "admin",
            None,
        )
        .await;
        let open = stats["pending"].as_u64().unwrap_or(0) + stats["retrying"].as_u64().unwrap_or(0);
        if open == 0 || Instant::now() > deadline {
            return stats;
        }
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
}

fn print_table(rows: &[(String, String)]) {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|line| line.starts_with("model name"))
                .map(|line| line.split(':').nth(1).unwrap_or("").trim().to_owned())
        })
        .unwrap_or_default();
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!(
        "\nccai-emulator benchmark, {} ({cores} cores, {cpu}); load: wrk -t1, loopback\n",
        chrono::Utc::now().format("%Y-%m-%d %H:%M UTC")
    );
    println!("| measurement | result |");
    println!("|---|---|");
    for (name, value) in rows {
        println!("| {name} | {value} |");
    }
}

/// Chats created, filled and ended by 8 concurrent users for `length`, with a webhook
/// target; prints resident memory every 10 s and the spread after the first minute.
async fn soak(binary: &std::path::PathBuf, length: Duration) {
    let sink = sink::start();
    let emulator: ServerProcess = start_emulator(
        binary,
        &[
            "--agent-join-delay".into(),
            "0".into(),
            "--webhook-url".into(),
            sink.url.clone(),
            "--webhook-primary-secret".into(),
            sink::SECRET.into(),
        ],
    );
    let url = emulator.base_url();
    let client = scenario::client();
    let end_user = scenario::create_chats(&client, &url, "soak", 0)
        .await
        .end_user_id;
    let started = Instant::now();
    let mut users = Vec::new();
    for _ in 0..8 {
        let (client, url) = (client.clone(), url.clone());
        users.push(actix_web::rt::spawn(async move {
            let mut cycles = 0u64;
            while started.elapsed() < length {
                scenario::chat_cycle(&client, &url, "soak", end_user, 20).await;
                cycles += 1;
            }
            cycles
        }));
    }
    let mut samples = Vec::new();
    while started.elapsed() < length {
        actix_web::rt::time::sleep(Duration::from_secs(10)).await;
        let rss = emulator.resident_bytes();
        println!("{:>5} s  RSS {}", started.elapsed().as_secs(), mib(rss));
        samples.push((started.elapsed(), rss));
    }
    let mut cycles = 0;
    for user in users {
        cycles += user.await.unwrap_or(0);
    }
    let settled: Vec<u64> = samples
        .iter()
        .filter(|(at, _)| *at >= Duration::from_secs(60))
        .map(|(_, rss)| *rss)
        .collect();
    let (low, high) = (
        settled.iter().min().copied().unwrap_or(0),
        settled.iter().max().copied().unwrap_or(0),
    );
    println!(
        "\nsoak {} s: {cycles} chats of 20 messages; RSS after the first minute between {} and {} (spread {:.1}%, target within 10%)",
        length.as_secs(), mib(low), mib(high), (high.saturating_sub(low)) as f64 * 100.0 / low.max(1) as f64
    );
}
