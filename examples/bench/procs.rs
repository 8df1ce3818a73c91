//! Server processes for the benchmark: the real `ccai-emulator` binary (built with cargo
//! if needed) and the bare actix-web handler (this executable, re-run with
//! `--serve-bare PORT`), each on a free loopback port, with their start-up time and
//! resident memory read from `/proc`.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A server process, killed when dropped.
pub struct ServerProcess {
    child: Child,
    pub port: u16,
    /// From spawn to the first 200 of its health route.
    pub start_up: Duration,
}

impl ServerProcess {
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Resident memory (VmRSS) in bytes.
    pub fn resident_bytes(&self) -> u64 {
        resident_bytes(self.pid())
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn resident_bytes(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find(|line| line.starts_with("VmRSS:"))
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|kib| kib.parse::<u64>().ok())
        .unwrap_or(0)
        * 1024
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free loopback port")
        .port()
}

/// The release binary: `CCAI_EMULATOR_BIN`, else `cargo build --release --bin ccai-emulator`
/// (a no-op when it is up to date) and `target/release/ccai-emulator`.
pub fn emulator_binary() -> PathBuf {
    if let Ok(path) = std::env::var("CCAI_EMULATOR_BIN") {
        // Absolute: the emulator runs from the temporary folder.
        return std::fs::canonicalize(&path).unwrap_or_else(|_| PathBuf::from(path));
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .args(["build", "--release", "--quiet", "--bin", "ccai-emulator"])
        .status()
        .expect("cargo runs");
    assert!(status.success(), "cargo build --release failed");
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let target = std::env::var("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| root.join("target"));
    target.join("release").join("ccai-emulator")
}

/// Starts the emulator with its defaults plus `args`, on a free port.
pub fn start_emulator(binary: &PathBuf, args: &[String]) -> ServerProcess {
    let port = free_port();
    let mut command = Command::new(binary);
    // From the temporary folder, so the binary uses its built-in fixtures whatever the
    // current folder holds (an older CCAI_EMULATOR_BIN may not read today's ./fixtures).
    command
        .current_dir(std::env::temp_dir())
        .arg("--bind")
        .arg(format!("127.0.0.1:{port}"))
        .args(args)
        .env_remove("RUST_LOG")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    spawn_and_wait(command, port, "/__admin/health")
}

/// Starts the bare actix-web handler (this executable with `--serve-bare PORT`).
pub fn start_bare() -> ServerProcess {
    let port = free_port();
    let mut command = Command::new(std::env::current_exe().expect("own path"));
    command
        .arg("--serve-bare")
        .arg(port.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    spawn_and_wait(command, port, "/__admin/health")
}

pub fn spawn_and_wait(mut command: Command, port: u16, health: &str) -> ServerProcess {
    let spawned = Instant::now();
    let child = command.spawn().expect("the server starts");
    let mut server = ServerProcess {
        child,
        port,
        start_up: Duration::ZERO,
    };
    let deadline = spawned + Duration::from_secs(20);
    loop {
        if health_ok(port, health) {
            server.start_up = spawned.elapsed();
            return server;
        }
        if let Ok(Some(status)) = server.child.try_wait() {
            panic!("the server exited before answering: {status}");
        }
        assert!(Instant::now() < deadline, "no health answer within 20 s");
        std::thread::sleep(Duration::from_micros(200));
    }
}

/// One `GET` over a fresh connection; true on a 200.
fn health_ok(port: u16, path: &str) -> bool {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let request = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    if stream.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).is_ok() && head.starts_with(b"HTTP/1.1 200")
}
