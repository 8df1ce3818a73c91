//! The real binary's first-day experience: one start-up line with the API and console URLs,
//! the fixture source and the default webhook (never a secret); no per-request lines
//! unless `--access-log` / `CCAI_EMU_ACCESS_LOG` asks; no colours into a pipe; and every
//! start-up error printed once, naming the environment variable it came from, with the
//! form that was expected.

use std::io::{BufRead, BufReader, Read};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

const DEADLINE: Duration = Duration::from_secs(30);
const SECRET: &str = "never-print-this-secret";

/// The binary with only `env` in its environment, in an empty folder (so `./fixtures` is
/// absent and the embedded fixtures load), stdout and stderr piped.
fn emulator(env: &[(&str, &str)], args: &[&str]) -> Command {
    let folder = std::env::temp_dir().join(format!(
        "ccai-emu-start-up-{}",
        uuid::Uuid::new_v4().simple()
    ));
    std::fs::create_dir_all(&folder).unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_ccai-emulator"));
    command
        .env_clear()
        .envs(env.iter().copied())
        .args(args)
        .current_dir(folder)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

/// A running binary: its start-up line, then everything it printed once it has exited.
struct Served {
    child: Child,
    stdout_lines: mpsc::Receiver<String>,
    stderr: std::thread::JoinHandle<String>,
    first_line: String,
}

impl Served {
    fn start(env: &[(&str, &str)], args: &[&str]) -> Served {
        let mut child = emulator(env, args).spawn().expect("the binary starts");
        let (lines_tx, stdout_lines) = mpsc::channel();
        let stdout = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if lines_tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut stderr_pipe = child.stderr.take().unwrap();
        let stderr = std::thread::spawn(move || {
            let mut text = String::new();
            let _ = stderr_pipe.read_to_string(&mut text);
            text
        });
        let first_line = stdout_lines
            .recv_timeout(DEADLINE)
            .expect("a start-up line");
        Served {
            child,
            stdout_lines,
            stderr,
            first_line,
        }
    }

    /// The bound address, from the `api=http://<address>/apps/api/v1` of the start-up line.
    fn address(&self) -> String {
        let api = self
            .first_line
            .split_whitespace()
            .find_map(|word| word.strip_prefix("api=http://"))
            .unwrap_or_else(|| panic!("no API URL in {:?}", self.first_line));
        api.trim_end_matches("/apps/api/v1").to_owned()
    }

    /// SIGTERM, then every line printed after the first, and stderr.
    fn stop(mut self) -> (Vec<String>, String) {
        let killed = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(killed.success());
        let mut rest = Vec::new();
        while let Ok(line) = self.stdout_lines.recv_timeout(DEADLINE) {
            rest.push(line);
        }
        let status = self.child.wait().unwrap();
        assert!(status.success(), "{status:?}");
        (rest, self.stderr.join().unwrap())
    }
}

/// One HTTP/1.0 GET over a plain socket; answers the status line.
fn get(address: &str, path: &str) -> String {
    let mut stream = TcpStream::connect(address).unwrap();
    std::io::Write::write_all(
        &mut stream,
        format!("GET {path} HTTP/1.0\r\nHost: {address}\r\n\r\n").as_bytes(),
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    answer.lines().next().unwrap_or_default().to_owned()
}

#[test]
fn one_start_up_line_says_where_everything_is_and_no_secret() {
    let served = Served::start(
        &[
            ("CCAI_EMU_BIND", "127.0.0.1:0"),
            ("CCAI_EMU_WEBHOOK_URL", "http://127.0.0.1:9/hooks"),
            ("CCAI_EMU_WEBHOOK_PRIMARY_SECRET", SECRET),
        ],
        &[],
    );
    let address = served.address();
    let line = served.first_line.clone();
    assert!(line.contains(" INFO "), "{line}");
    assert!(line.contains("ccai-emulator listening"), "{line}");
    for expected in [
        format!("address={address}"),
        format!("api=http://{address}/apps/api/v1"),
        format!("console=http://{address}/__admin/console"),
        "fixtures=embedded".to_owned(),
        "default_webhook=http://127.0.0.1:9/hooks".to_owned(),
    ] {
        assert!(line.contains(&expected), "{expected:?} missing from {line}");
    }
    assert!(get(&address, "/__admin/health").contains("200"));
    let (rest, stderr) = served.stop();
    let everything = format!("{line}\n{}\n{stderr}", rest.join("\n"));
    assert!(!everything.contains(SECRET), "{everything}");
    assert!(
        !everything.contains('\u{1b}'),
        "colours in a pipe: {everything:?}"
    );
    assert!(
        !everything.contains("/__admin/health"),
        "an access line without --access-log: {everything}"
    );
    assert!(
        !everything.contains("actix"),
        "the HTTP server's own start-up chatter: {everything}"
    );
}

#[test]
fn the_access_log_env_twin_logs_each_request_and_json_lines_carry_the_same_fields() {
    let fixtures = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let served = Served::start(
        &[
            ("CCAI_EMU_ACCESS_LOG", "true"),
            ("CCAI_EMU_LOG_FORMAT", "json"),
        ],
        &[
            "--bind",
            "127.0.0.1:0",
            "--fixtures",
            fixtures.to_str().unwrap(),
        ],
    );
    let start_up: serde_json::Value = serde_json::from_str(&served.first_line).unwrap();
    assert_eq!(start_up["level"], "INFO");
    assert_eq!(start_up["message"], "ccai-emulator listening");
    let address = start_up["address"].as_str().unwrap().to_owned();
    assert_eq!(start_up["api"], format!("http://{address}/apps/api/v1"));
    assert_eq!(
        start_up["console"],
        format!("http://{address}/__admin/console")
    );
    assert_eq!(
        start_up["fixtures"],
        fixtures.canonicalize().unwrap().display().to_string()
    );
    assert_eq!(start_up["default_webhook"], "none");
    assert!(get(&address, "/__admin/health?from=access-log-test").contains("200"));
    let (rest, _) = served.stop();
    let access = rest
        .iter()
        .find(|line| line.contains("/__admin/health?from=access-log-test"))
        .unwrap_or_else(|| panic!("no access line in {rest:#?}"));
    assert!(access.contains("200"), "{access}");
}

#[test]
fn the_access_log_flag_works_in_pretty_format_too() {
    let served = Served::start(&[], &["--bind", "127.0.0.1:0", "--access-log"]);
    let address = served.address();
    assert!(get(&address, "/__admin/health?from=flag").contains("200"));
    let (rest, _) = served.stop();
    assert!(
        rest.iter()
            .any(|line| line.contains("\"GET /__admin/health?from=flag HTTP/1.0\" 200")),
        "{rest:#?}"
    );
}

/// Runs a binary that must fail to start; answers its output.
fn failed_start(env: &[(&str, &str)], args: &[&str]) -> Output {
    let output = emulator(env, args).output().expect("the binary runs");
    assert!(!output.status.success(), "it started: {output:?}");
    output
}

/// The one line on stderr (and nothing on stdout).
fn the_one_error_line(output: &Output) -> String {
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        stdout, "",
        "the error must not also be logged; stderr: {stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("ccai-emulator: "), "{stderr}");
    stderr.trim_end().to_owned()
}

#[test]
fn a_bind_address_from_the_environment_is_named_with_the_expected_form() {
    let output = failed_start(&[("CCAI_EMU_BIND", "19305")], &[]);
    assert_eq!(output.status.code(), Some(2));
    let error = the_one_error_line(&output);
    assert!(error.contains("CCAI_EMU_BIND"), "{error}");
    assert!(!error.contains("--bind"), "{error}");
    assert!(error.contains("\"19305\""), "{error}");
    assert!(
        error.contains("host:port such as 127.0.0.1:8080"),
        "{error}"
    );

    let error = the_one_error_line(&failed_start(&[], &["--bind", "19305"]));
    assert!(
        error.contains("--bind") && !error.contains("CCAI_EMU_BIND"),
        "{error}"
    );
}

#[test]
fn the_healthcheck_names_the_bind_variable_too() {
    let output = failed_start(&[("CCAI_EMU_BIND", "19305")], &["healthcheck"]);
    assert_eq!(output.status.code(), Some(2));
    let error = the_one_error_line(&output);
    assert!(error.contains("CCAI_EMU_BIND"), "{error}");
    assert!(
        error.contains("host:port such as 127.0.0.1:8080"),
        "{error}"
    );
}

#[test]
fn values_clap_rejects_name_their_environment_variable_and_form() {
    let error = the_one_error_line(&failed_start(&[("CCAI_EMU_MAX_BODY_BYTES", "lots")], &[]));
    assert!(
        error.contains("CCAI_EMU_MAX_BODY_BYTES=\"lots\""),
        "{error}"
    );
    assert!(error.contains("whole number of bytes"), "{error}");
    let error = the_one_error_line(&failed_start(&[("CCAI_EMU_LOG_FORMAT", "xml")], &[]));
    assert!(error.contains("CCAI_EMU_LOG_FORMAT=\"xml\""), "{error}");
    assert!(error.contains("pretty, json"), "{error}");
}

#[test]
fn values_the_configuration_rejects_name_their_environment_variable() {
    let error = the_one_error_line(&failed_start(&[("CCAI_EMU_WEBHOOK_TIMEOUT", "soon")], &[]));
    assert!(error.contains("CCAI_EMU_WEBHOOK_TIMEOUT"), "{error}");
    assert!(error.contains("250ms, 2s or 1m"), "{error}");
    let error = the_one_error_line(&failed_start(&[("CCAI_EMU_WEBHOOK_URL", "http://x/")], &[]));
    assert!(
        error.starts_with("ccai-emulator: CCAI_EMU_WEBHOOK_URL needs"),
        "{error}"
    );
}

#[test]
fn a_port_in_use_is_printed_once_with_its_variable_and_a_hint() {
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = taken.local_addr().unwrap().to_string();
    let output = failed_start(&[("CCAI_EMU_BIND", &address)], &[]);
    assert_eq!(output.status.code(), Some(1));
    let error = the_one_error_line(&output);
    assert!(
        error.contains(&format!("CCAI_EMU_BIND={address}")),
        "{error}"
    );
    assert!(error.contains("port 0 for any free one"), "{error}");
}

#[test]
fn a_fixture_error_is_printed_once_naming_the_folder_variable() {
    let missing = std::env::temp_dir().join("ccai-emu-no-such-fixture-folder");
    let output = failed_start(&[("CCAI_EMU_FIXTURES", missing.to_str().unwrap())], &[]);
    let error = the_one_error_line(&output);
    assert!(error.contains("contact_center.json"), "{error}");
    assert!(error.contains("CCAI_EMU_FIXTURES"), "{error}");
}

/// One HTTP/1.0 request with a body over a plain socket; answers the body as JSON.
fn exchange(
    address: &str,
    method: &str,
    path: &str,
    headers: &[&str],
    body: &[u8],
) -> serde_json::Value {
    let mut stream = TcpStream::connect(address).unwrap();
    let mut request = format!(
        "{method} {path} HTTP/1.0\r\nHost: {address}\r\nContent-Length: {}\r\n",
        body.len()
    );
    for header in headers {
        request.push_str(header);
        request.push_str("\r\n");
    }
    request.push_str("\r\n");
    let mut bytes = request.into_bytes();
    bytes.extend_from_slice(body);
    std::io::Write::write_all(&mut stream, &bytes).unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    let (head, body) = answer.split_once("\r\n\r\n").unwrap();
    assert!(head.contains(" 200 "), "{method} {path}: {answer}");
    serde_json::from_str(body).unwrap_or(serde_json::Value::Null)
}

#[test]
fn the_access_log_never_writes_a_download_links_signature() {
    let served = Served::start(
        &[("CCAI_EMU_AGENT_JOIN_DELAY", "0")],
        &["--bind", "127.0.0.1:0", "--access-log"],
    );
    let address = served.address();
    // "acme:token" in Basic auth.
    let auth = "Authorization: Basic YWNtZTp0b2tlbg==";
    let json = "Content-Type: application/json";
    let user = exchange(
        &address,
        "POST",
        "/apps/api/v1/end_users",
        &[auth, json],
        br#"{"identifier":"logs"}"#,
    );
    let chat = exchange(
        &address,
        "POST",
        "/apps/api/v1/chats",
        &[auth, json],
        format!(r#"{{"end_user_id":{}}}"#, user["id"]).as_bytes(),
    );
    let attached = exchange(
        &address,
        "POST",
        &format!(
            "/__admin/chats/{}/agent/attachments?filename=guide.pdf",
            chat["id"]
        ),
        &["Content-Type: application/pdf"],
        b"%PDF-1.4 a guide",
    );
    let url = attached["url"].as_str().unwrap().to_owned();
    let path = url
        .trim_start_matches(&format!("http://{address}"))
        .to_owned();
    let signature = path.split("X-Amz-Signature=").nth(1).unwrap().to_owned();
    assert!(get(&address, &path).contains("200"), "{path}");
    let (rest, stderr) = served.stop();
    let download = rest
        .iter()
        .find(|line| line.contains("/__storage/") && line.contains("200"))
        .unwrap_or_else(|| panic!("no access line for the download in {rest:#?}"));
    assert!(
        download.contains("X-Amz-Signature=[redacted]"),
        "{download}"
    );
    for line in rest.iter().chain([&stderr]) {
        assert!(
            !line.contains(&signature),
            "the signature was logged: {line}"
        );
    }
}
