//! The real `ccai-emulator` binary as a child process, configured from the environment
//! alone (for the shutdown tests, with a webhook target nobody listens on, so deliveries
//! stay pending): read its JSON log lines with a deadline, call it with curl, stop it with
//! SIGTERM or kill it with SIGKILL.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::Duration;

const DEADLINE: Duration = Duration::from_secs(30);

pub struct EmulatorProcess {
    child: Child,
    lines: Receiver<String>,
    /// `host:port` from the start-up line.
    pub address: String,
    /// The log lines before it.
    pub start_up: Vec<String>,
}

impl EmulatorProcess {
    /// Starts the binary with `--shutdown-grace grace`, webhooks that can never be
    /// delivered (retried every 50 ms), and `extra_env`.
    pub fn with_undeliverable_webhooks(grace: &str, extra_env: &[(&str, &str)]) -> Self {
        let dead_port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let dead_url = format!("http://127.0.0.1:{dead_port}/hook");
        let retries = vec!["50ms"; 50].join(",");
        let mut env = vec![
            ("CCAI_EMU_WEBHOOK_URL", dead_url.as_str()),
            ("CCAI_EMU_WEBHOOK_PRIMARY_SECRET", "s3cret"),
            ("CCAI_EMU_WEBHOOK_RETRY_SCHEDULE", retries.as_str()),
            ("CCAI_EMU_SHUTDOWN_GRACE", grace),
        ];
        env.extend_from_slice(extra_env);
        EmulatorProcess::start(&env)
    }

    /// Starts the binary on a free port with JSON logs, no agent join delay, and `env`.
    pub fn start(env: &[(&str, &str)]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_ccai-emulator"))
            .env("CCAI_EMU_BIND", "127.0.0.1:0")
            .env("CCAI_EMU_LOG_FORMAT", "json")
            .env("CCAI_EMU_AGENT_JOIN_DELAY", "0")
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the binary starts");
        let (lines_tx, lines) = mpsc::channel::<String>();
        let stdout = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if lines_tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut process = EmulatorProcess {
            child,
            lines,
            address: String::new(),
            start_up: Vec::new(),
        };
        loop {
            let line = process
                .lines
                .recv_timeout(DEADLINE)
                .expect("the binary says where it listens");
            if line.contains("ccai-emulator listening") {
                let listening: serde_json::Value = serde_json::from_str(&line).unwrap();
                process.address = listening["address"].as_str().unwrap().to_owned();
                return process;
            }
            process.start_up.push(line);
        }
    }

    /// `http://host:port`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// Kills the process at once (SIGKILL: no shutdown, no drain) and reaps it.
    pub fn kill_9(mut self) {
        self.child.kill().expect("the process is killed");
        self.child.wait().expect("the process is reaped");
    }

    /// The next log line that contains `needle` (earlier ones are skipped).
    pub fn next_line_with(&self, needle: &str) -> String {
        loop {
            let line = self
                .lines
                .recv_timeout(DEADLINE)
                .unwrap_or_else(|_| panic!("no log line with {needle:?}"));
            if line.contains(needle) {
                return line;
            }
        }
    }

    /// POSTs JSON to the Apps API as tenant `acme` with curl (a client outside the process).
    pub fn post_json(&self, path: &str, body: &str) -> serde_json::Value {
        let output = Command::new("curl")
            .args([
                "-sf",
                "-u",
                "acme:token",
                "-H",
                "content-type: application/json",
            ])
            .args(["-d", body])
            .arg(format!("http://{}/apps/api/v1{path}", self.address))
            .output()
            .expect("curl runs");
        assert!(output.status.success(), "POST {path}");
        serde_json::from_slice(&output.stdout).unwrap()
    }

    pub fn send_sigterm(&self) {
        let killed = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(killed.success());
    }

    /// Waits (with the deadline) for the process to die on its own (a fault point's abort)
    /// and asserts it did not exit cleanly.
    pub fn assert_dies(self) {
        let mut child = self.child;
        let (done_tx, done) = mpsc::channel();
        std::thread::spawn(move || {
            let _ = done_tx.send(child.wait());
        });
        let exit = done
            .recv_timeout(DEADLINE)
            .expect("the process dies")
            .unwrap();
        assert!(!exit.success(), "it exited cleanly: {exit:?}");
    }

    /// Waits (with the deadline) for the process to exit and asserts it exited 0.
    pub fn assert_exits_cleanly(self) {
        let mut child = self.child;
        let (done_tx, done) = mpsc::channel();
        std::thread::spawn(move || {
            let _ = done_tx.send(child.wait());
        });
        let exit = done
            .recv_timeout(DEADLINE)
            .expect("the process exits")
            .unwrap();
        assert!(exit.success(), "{exit:?}");
    }
}
