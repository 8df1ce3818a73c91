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
//! cargo run --release --example bench -- --compare --httpmock --rounds 3  # with httpmock
//! ```
//! Options: `--duration S` (wrk runs, default 8), `--connections N` (32), `--chats N`
//! (200), `--messages N` (the memory run, 1,000,000), `--start-ups N` (20).
//! `CCAI_EMULATOR_BIN` picks a binary; otherwise `cargo build --release` builds it.
//! `--compare` runs the ingest servers in turn (bare handler, httpmock with `--httpmock`,
//! the emulator in memory, the emulator with `--state-dir`) `--rounds N` times (default 1)
//! and gives the medians; `--ingest`, `--latency` and `--memory` run only that part.
//! `--httpmock` adds httpmock 0.9 standalone (a stateless stub answering 201), built from
//! crates.io into `target/httpmock/` on first use.
//! `--against OLD_BINARY` runs the ingest load on the old binary and this one in turn
//! (old, new, old, new, ...; `--rounds N`, default 3) and prints the ratio of the medians;
//! with `--durable` both run with a fresh `--state-dir`.
//! `--soak S` runs the soak; with `--durable` the emulator runs with a `--state-dir` and
//! the database's size is printed with each sample.

mod bare;
mod httpmock;
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
    rounds: Option<usize>,
    /// `--httpmock`: httpmock's row in the ingest comparison.
    httpmock: bool,
    /// `--durable`: `--against` and `--soak` with a `--state-dir`.
    durable: bool,
    /// Which parts of `--compare` run (all unless one is named).
    parts: Parts,
}

#[derive(Clone, Copy)]
struct Parts {
    start_up: bool,
    ingest: bool,
    latency: bool,
    memory: bool,
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
    let flag = |name: &str| args.iter().any(|arg| arg == name);
    let quick = flag("--quick");
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
        rounds: value("--rounds").map(|rounds| rounds.max(1) as usize),
        httpmock: flag("--httpmock"),
        durable: flag("--durable"),
        parts: {
            let named = Parts {
                start_up: false,
                ingest: flag("--ingest"),
                latency: flag("--latency"),
                memory: flag("--memory"),
            };
            if named.ingest || named.latency || named.memory {
                named
            } else {
                Parts {
                    start_up: true,
                    ingest: true,
                    latency: true,
                    memory: true,
                }
            }
        },
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
            (Some(length), _) => soak(&binary, *length, options.durable).await,
            (None, Some(old)) => against(old, &binary, &options).await,
            (None, None) => compare(&binary, &options).await,
        }
    });
}

/// Ingest requests/s of `old` and `new`, in turn under the same load, and their ratio.
async fn against(old: &std::path::Path, new: &std::path::Path, options: &Options) {
    let client = scenario::client();
    let rounds = options.rounds.unwrap_or(3);
    let mut rates: [Vec<f64>; 2] = [Vec::new(), Vec::new()];
    let mut ratios = Vec::new();
    for _ in 0..rounds {
        for (index, binary) in [old, new].into_iter().enumerate() {
            let state_dir = options.durable.then(fresh_state_dir);
            let server = start_emulator(&binary.to_path_buf(), &emulator_args(state_dir.as_ref()));
            let url = server.base_url();
            let chats = scenario::create_chats(&client, &url, "bench", options.chats).await;
            let run = wrk::run(&wrk_load(&url, &chats, options, "bench"));
            drop(server);
            if let Some(dir) = state_dir {
                let _ = std::fs::remove_dir_all(dir);
            }
            rates[index].push(run.requests_per_sec);
        }
        ratios.push(rates[1].last().unwrap() / rates[0].last().unwrap().max(1.0));
    }
    let (before, after) = (median(&rates[0]), median(&rates[1]));
    let store = if options.durable { ", --state-dir" } else { "" };
    println!("| binary | ingest req/s{store} (median of {rounds}) | each round |");
    println!("|---|---|---|");
    let each = |rates: &[f64]| {
        rates
            .iter()
            .map(|rate| format!("{rate:.0}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    println!(
        "| before: {} | {before:.0} | {} |",
        old.display(),
        each(&rates[0])
    );
    println!(
        "| after: {} | {after:.0} | {} |",
        new.display(),
        each(&rates[1])
    );
    println!(
        "| after / before | {:.2} (median of the rounds' ratios {:.2}) | {} |",
        after / before.max(1.0),
        median(&ratios),
        ratios
            .iter()
            .map(|ratio| format!("{ratio:.2}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
}

fn median(values: &[f64]) -> f64 {
    let mut values = values.to_vec();
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(0.0)
}

/// A new, empty folder for `--state-dir`.
fn fresh_state_dir() -> std::path::PathBuf {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let dir = std::env::temp_dir().join(format!(
        "ccai-bench-state-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// The ingest runs' flags: agents join at once; with a folder, `--state-dir`.
fn emulator_args(state_dir: Option<&std::path::PathBuf>) -> Vec<String> {
    let mut args = vec!["--agent-join-delay".into(), "0".into()];
    if let Some(dir) = state_dir {
        args.push("--state-dir".into());
        args.push(dir.display().to_string());
    }
    args
}

/// The bytes of the files in a folder (the database and its WAL).
fn folder_bytes(dir: &std::path::Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter_map(|entry| entry.metadata().ok())
                .map(|metadata| metadata.len())
                .sum::<u64>()
        })
        .unwrap_or(0)
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
    let parts = options.parts;

    // Start-up and idle memory of the real binary.
    if parts.start_up {
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
    }
    if parts.ingest {
        ingest_rounds(binary, options, &client, &mut rows).await;
    }
    if parts.latency {
        webhooks_and_latency(binary, options, &client, &mut rows).await;
    }
    if parts.memory {
        memory_per_message(binary, options, &client, &mut rows).await;
    }
    print_table(&rows);
}

/// What the ingest load measured on each server, round by round.
#[derive(Default)]
struct Series {
    runs: Vec<wrk::WrkRun>,
}

impl Series {
    fn rates(&self) -> Vec<f64> {
        self.runs.iter().map(|run| run.requests_per_sec).collect()
    }

    fn median_rate(&self) -> f64 {
        median(&self.rates())
    }

    /// The run with the median rate, described.
    fn describe(&self) -> String {
        let rate = self.median_rate();
        let Some(run) = self.runs.iter().find(|run| run.requests_per_sec == rate) else {
            return "not run".into();
        };
        let each = if self.runs.len() > 1 {
            format!(
                "; rounds: {}",
                self.rates()
                    .iter()
                    .map(|rate| format!("{rate:.0}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        } else {
            String::new()
        };
        format!(
            "{:.0} req/s, p50 {}, p99 {} ({} requests, {} non-2xx, {} socket errors{each})",
            run.requests_per_sec,
            ms(run.p50),
            ms(run.p99),
            run.requests,
            run.non_success,
            run.socket_errors
        )
    }

    /// The median over rounds of this series' rate over `other`'s in the same round.
    fn ratio_to(&self, other: &Series) -> String {
        let ratios: Vec<f64> = self
            .runs
            .iter()
            .zip(&other.runs)
            .map(|(mine, theirs)| mine.requests_per_sec / theirs.requests_per_sec.max(1.0))
            .collect();
        let each = if ratios.len() > 1 {
            format!(
                " (median of {} rounds: {})",
                ratios.len(),
                ratios
                    .iter()
                    .map(|ratio| format!("{ratio:.2}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        } else {
            String::new()
        };
        format!("**{:.2}**{each}", median(&ratios))
    }
}

/// The same `wrk` load on each server in turn, `--rounds` times: the bare handler,
/// httpmock (with `--httpmock`), the emulator in memory and with `--state-dir`.
async fn ingest_rounds(
    binary: &std::path::PathBuf,
    options: &Options,
    client: &awc::Client,
    rows: &mut Vec<(String, String)>,
) {
    let httpmock = options.httpmock.then(httpmock::binary);
    let fake_chats = scenario::Chats {
        end_user_id: 1002,
        chat_ids: (1..=options.chats as u64).collect(),
    };
    let (mut bare, mut stub, mut memory, mut durable) = (
        Series::default(),
        Series::default(),
        Series::default(),
        Series::default(),
    );
    let mut database = (0, 0);
    for _ in 0..options.rounds.unwrap_or(1) {
        let server = start_bare();
        bare.runs.push(wrk::run(&wrk_load(
            &server.base_url(),
            &fake_chats,
            options,
            "bench",
        )));
        drop(server);
        if let Some(httpmock) = &httpmock {
            let server = httpmock::start(httpmock);
            stub.runs.push(wrk::run(&wrk_load(
                &server.base_url(),
                &fake_chats,
                options,
                "bench",
            )));
        }
        let server = start_emulator(binary, &emulator_args(None));
        let url = server.base_url();
        let chats = scenario::create_chats(client, &url, "bench", options.chats).await;
        memory
            .runs
            .push(wrk::run(&wrk_load(&url, &chats, options, "bench")));
        drop(server);
        // The same load with opt-in persistence: every answered message is committed first.
        let state_dir = fresh_state_dir();
        let server = start_emulator(binary, &emulator_args(Some(&state_dir)));
        let url = server.base_url();
        let chats = scenario::create_chats(client, &url, "bench", options.chats).await;
        let run = wrk::run(&wrk_load(&url, &chats, options, "bench"));
        drop(server);
        database = (folder_bytes(&state_dir), run.requests);
        let _ = std::fs::remove_dir_all(&state_dir);
        durable.runs.push(run);
    }
    rows.push((
        "ingest: bare actix-web handler (the floor)".into(),
        bare.describe(),
    ));
    if httpmock.is_some() {
        rows.push((
            "ingest: httpmock 0.9 standalone (a stateless stub answering 201)".into(),
            stub.describe(),
        ));
        rows.push(("ingest ratio, httpmock / bare".into(), stub.ratio_to(&bare)));
    }
    rows.push((
        "ingest: ccai-emulator, in memory, no webhook target".into(),
        memory.describe(),
    ));
    rows.push((
        "ingest ratio, emulator / bare (target: at least httpmock's)".into(),
        memory.ratio_to(&bare),
    ));
    if httpmock.is_some() {
        rows.push((
            "ingest ratio, emulator / httpmock".into(),
            memory.ratio_to(&stub),
        ));
    }
    rows.push((
        "ingest: ccai-emulator with --state-dir (SQLite, group commit)".into(),
        durable.describe(),
    ));
    rows.push((
        "ingest ratio, --state-dir / in memory (target >= 0.5)".into(),
        format!(
            "{} (database and WAL of the last round: {} after {} messages)",
            durable.ratio_to(&memory),
            mib(database.0),
            database.1
        ),
    ));
}

/// Ingest with every webhook delivered to a local sink, then the paced round trip, in
/// memory and with `--state-dir`.
async fn webhooks_and_latency(
    binary: &std::path::PathBuf,
    options: &Options,
    client: &awc::Client,
    rows: &mut Vec<(String, String)>,
) {
    let sink = sink::start();
    let counts = &sink.counts;
    let load = std::sync::atomic::Ordering::Relaxed;
    let hooks_args = |state_dir: Option<&std::path::PathBuf>| {
        let mut args = emulator_args(state_dir);
        args.extend([
            "--webhook-url".into(),
            sink.url.clone(),
            "--webhook-primary-secret".into(),
            sink::SECRET.into(),
        ]);
        args
    };
    let emulator = start_emulator(binary, &hooks_args(None));
    let url = emulator.base_url();
    let chats = scenario::create_chats(client, &url, "hooks", options.chats).await;
    wait_until_delivered(client, &url).await;
    let before = counts.messages.load(load);
    let started = Instant::now();
    let run = wrk::run(&wrk_load(&url, &chats, options, "hooks"));
    let accepted = run.requests - run.non_success;
    let last = scenario::sink_reaches(counts, before + accepted, Duration::from_secs(120)).await;
    let stats = wait_until_delivered(client, &url).await;
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
    drop(emulator);

    // The paced load: 1,000 messages a second, in memory and with --state-dir.
    let length = options.duration.max(Duration::from_secs(5));
    let mut answers: Vec<Vec<Duration>> = Vec::new();
    for (name, state_dir) in [
        ("in memory", None),
        ("with --state-dir", Some(fresh_state_dir())),
    ] {
        let emulator = start_emulator(binary, &hooks_args(state_dir.as_ref()));
        let url = emulator.base_url();
        let paced_chats = scenario::create_chats(client, &url, "roundtrip", 20).await;
        wait_until_delivered(client, &url).await;
        let trips = scenario::round_trips(
            client,
            &url,
            "roundtrip",
            &paced_chats,
            Some(counts),
            1000,
            length,
        )
        .await;
        drop(emulator);
        if let Some(dir) = state_dir {
            let _ = std::fs::remove_dir_all(dir);
        }
        let mut webhooks: Vec<Duration> = trips.iter().filter_map(|trip| trip.webhook).collect();
        let mut answered: Vec<Duration> = trips.iter().map(|trip| trip.answer).collect();
        webhooks.sort();
        answered.sort();
        rows.push((
            format!("round trip POST -> signed webhook at 1,000 msg/s, {name} (target p99 < 1 ms in memory)"),
            format!(
                "p50 {}, **p99 {}** over {} messages ({} without a webhook within 30 s)",
                ms(percentile(&webhooks, 0.5)),
                ms(percentile(&webhooks, 0.99)),
                webhooks.len(),
                trips.len() - webhooks.len()
            ),
        ));
        rows.push((
            format!("POST answered at 1,000 msg/s, {name}"),
            format!(
                "p50 {}, p99 {}, max {}",
                ms(percentile(&answered, 0.5)),
                ms(percentile(&answered, 0.99)),
                ms(answered.last().copied().unwrap_or_default()),
            ),
        ));
        answers.push(answered);
    }
    if let [memory, durable] = &answers[..] {
        let added = |share| percentile(durable, share).saturating_sub(percentile(memory, share));
        rows.push((
            "what waiting for the commit adds to the answer at 1,000 msg/s (target p99 < 10 ms)"
                .into(),
            format!("p50 {}, **p99 {}**", ms(added(0.5)), ms(added(0.99))),
        ));
    }
}

/// Resident memory per stored message, journals at their defaults: the whole growth and
/// the growth over the second half (when both journals are full).
async fn memory_per_message(
    binary: &std::path::PathBuf,
    options: &Options,
    client: &awc::Client,
    rows: &mut Vec<(String, String)>,
) {
    // The chat budgets (256 MiB per tenant by default) are raised so that every message
    // is stored: the figure is what a message costs, not where the budget stops them.
    let mut args = emulator_args(None);
    for budget in ["--chat-budget-per-tenant", "--chat-budget-total"] {
        args.extend([budget.to_owned(), "4GiB".to_owned()]);
    }
    let emulator = start_emulator(binary, &args);
    let url = emulator.base_url();
    let chats = scenario::create_chats(client, &url, "memory", options.chats).await;
    let before = emulator.resident_bytes();
    let half = options.messages / 2;
    let concurrency = options.connections as usize;
    let (first, refused_first) =
        scenario::send_count(client, &url, "memory", &chats, half, concurrency).await;
    let middle = emulator.resident_bytes();
    let (second, refused_second) = scenario::send_count(
        client,
        &url,
        "memory",
        &chats,
        options.messages - half,
        concurrency,
    )
    .await;
    let after = emulator.resident_bytes();
    drop(emulator);
    let stored = first + second;
    rows.push((
        format!("RSS after {stored} stored messages, journals at their defaults, chat budgets at 4 GiB (target <= 400 B/message)"),
        format!(
            "{} ({} before the load, {} half-way); **{:.0} bytes per message** in all, {:.0} over the second half (journals full); {} refused",
            mib(after),
            mib(before),
            mib(middle),
            after.saturating_sub(before) as f64 / stored.max(1) as f64,
            after.saturating_sub(middle) as f64 / second.max(1) as f64,
            refused_first + refused_second,
        ),
    ));
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
/// target (and with `--state-dir` when `durable`); prints resident memory (and the
/// database's size) every 10 s and the spread after the first minute.
async fn soak(binary: &std::path::PathBuf, length: Duration, durable: bool) {
    let sink = sink::start();
    let state_dir = durable.then(fresh_state_dir);
    let mut args = emulator_args(state_dir.as_ref());
    args.extend([
        "--webhook-url".into(),
        sink.url.clone(),
        "--webhook-primary-secret".into(),
        sink::SECRET.into(),
    ]);
    let emulator: ServerProcess = start_emulator(binary, &args);
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
    let mut files = Vec::new();
    while started.elapsed() < length {
        actix_web::rt::time::sleep(Duration::from_secs(10)).await;
        let rss = emulator.resident_bytes();
        match &state_dir {
            Some(dir) => {
                let bytes = folder_bytes(dir);
                println!(
                    "{:>5} s  RSS {}  database and WAL {}",
                    started.elapsed().as_secs(),
                    mib(rss),
                    mib(bytes)
                );
                if started.elapsed() >= Duration::from_secs(60) {
                    files.push(bytes);
                }
            }
            None => println!("{:>5} s  RSS {}", started.elapsed().as_secs(), mib(rss)),
        }
        samples.push((started.elapsed(), rss));
    }
    let mut cycles = 0;
    for user in users {
        cycles += user.await.unwrap_or(0);
    }
    drop(emulator);
    if let Some(dir) = &state_dir {
        let _ = std::fs::remove_dir_all(dir);
    }
    let settled: Vec<u64> = samples
        .iter()
        .filter(|(at, _)| *at >= Duration::from_secs(60))
        .map(|(_, rss)| *rss)
        .collect();
    let spread = |values: &[u64]| {
        let (low, high) = (
            values.iter().min().copied().unwrap_or(0),
            values.iter().max().copied().unwrap_or(0),
        );
        (
            low,
            high,
            high.saturating_sub(low) as f64 * 100.0 / low.max(1) as f64,
        )
    };
    let (low, high, percent) = spread(&settled);
    let store = if durable { " with --state-dir" } else { "" };
    println!(
        "\nsoak {} s{store}: {cycles} chats of 20 messages; RSS after the first minute between {} and {} (spread {percent:.1}%, target within 10%)",
        length.as_secs(), mib(low), mib(high)
    );
    if durable {
        let (low, high, percent) = spread(&files);
        println!(
            "database and WAL after the first minute between {} and {} (spread {percent:.1}%)",
            mib(low),
            mib(high)
        );
    }
}
