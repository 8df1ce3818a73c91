//! The external load generator: `wrk` (Debian's package), so the client never shares the
//! server's runtime. A Lua script spreads `POST /chats/{id}/message` over the given chats,
//! the summary is parsed from wrk's
//! `--latency` output.

use std::process::Command;
use std::time::Duration;

/// What one wrk run measured.
#[derive(Debug, Default, Clone)]
pub struct WrkRun {
    pub requests: u64,
    pub requests_per_sec: f64,
    pub p50: Duration,
    pub p99: Duration,
    pub non_success: u64,
    pub socket_errors: u64,
}

/// The load: which chats, as whom, how hard, for how long (or how many).
pub struct Load<'a> {
    pub base_url: &'a str,
    pub tenant: &'a str,
    pub end_user_id: u64,
    pub chat_ids: &'a [u64],
    pub connections: u32,
    pub duration: Duration,
}

pub fn available() -> bool {
    Command::new("wrk").arg("--version").output().is_ok()
}

pub fn run(load: &Load) -> WrkRun {
    let script = std::env::temp_dir().join(format!("ccai-bench-{}.lua", std::process::id()));
    std::fs::write(&script, lua_script(load)).expect("write the wrk script");
    let output = Command::new("wrk")
        .arg("-t1")
        .arg(format!("-c{}", load.connections))
        .arg(format!("-d{}s", load.duration.as_secs().max(1)))
        .arg("--latency")
        .arg("-s")
        .arg(&script)
        .arg(load.base_url)
        .output()
        .expect("wrk runs (apt-get install wrk)");
    let _ = std::fs::remove_file(&script);
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "wrk failed: {text}");
    parse(&text)
}

fn lua_script(load: &Load) -> String {
    use base64::Engine;
    let auth = base64::engine::general_purpose::STANDARD.encode(format!("{}:token", load.tenant));
    let chats: Vec<String> = load.chat_ids.iter().map(u64::to_string).collect();
    format!(
        r#"local chats = {{{chats}}}
local sent = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Basic {auth}"
request = function()
  sent = sent + 1
  local chat = chats[(sent % #chats) + 1]
  local body = '{{"from_user_id":{user},"message":{{"type":"text","content":{{"text":"load message ' .. sent .. '"}}}}}}'
  return wrk.format(nil, "/apps/api/v1/chats/" .. chat .. "/message", nil, body)
end
"#,
        chats = chats.join(","),
        user = load.end_user_id,
    )
}

fn parse(text: &str) -> WrkRun {
    let mut run = WrkRun::default();
    for line in text.lines().map(str::trim) {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["Requests/sec:", rate] => run.requests_per_sec = rate.parse().unwrap_or(0.0),
            ["50%", value] => run.p50 = duration(value),
            ["99%", value] => run.p99 = duration(value),
            ["Non-2xx", "or", "3xx", "responses:", count] => {
                run.non_success = count.parse().unwrap_or(0)
            }
            [count, "requests", "in", ..] => run.requests = count.parse().unwrap_or(0),
            ["Socket", "errors:", rest @ ..] => {
                run.socket_errors = rest
                    .iter()
                    .filter_map(|word| word.trim_end_matches(',').parse::<u64>().ok())
                    .sum()
            }
            _ => {}
        }
    }
    run
}

/// wrk's `1.23ms`, `456.00us`, `2.01s`.
fn duration(value: &str) -> Duration {
    let split = value
        .find(|c: char| c.is_ascii_alphabetic())
        .unwrap_or(value.len());
    let (number, unit) = value.split_at(split);
    let number: f64 = number.parse().unwrap_or(0.0);
    let seconds = match unit {
        "us" => number / 1e6,
        "ms" => number / 1e3,
        "s" => number,
        "m" => number * 60.0,
        _ => 0.0,
    };
    Duration::from_secs_f64(seconds)
}

#[cfg(test)]
mod tests {
    #[test]
    fn reads_wrk_latency_output() {
        let run = super::parse(
            "  Latency Distribution\n     50%  140.00us\n     75%  1.20ms\n     99%   21.05ms\n  935201 requests in 8.00s, 1 MB read\n  Non-2xx or 3xx responses: 3\nRequests/sec: 116900.12\n",
        );
        assert_eq!(run.requests, 935_201);
        assert_eq!(run.non_success, 3);
        assert!((run.requests_per_sec - 116_900.12).abs() < 0.01);
        assert_eq!(run.p50.as_micros(), 140);
        assert_eq!(run.p99.as_micros(), 21_050);
    }
}
