//! `ccai-emulator healthcheck`, run as the real binary against a real emulator: it reads
//! the bind address and admin token from the same environment as the server, probes
//! wildcard binds on loopback, and exits non-zero (quickly) when nobody answers healthy.

use std::net::TcpListener;
use std::process::{Command, Output};

use crate::support::{spawn_app_with, test_config};
use ccai_emulator::Config;

/// Runs `ccai-emulator healthcheck <args>` with only `env` in its environment, off the
/// test's runtime thread.
async fn run_healthcheck(env: &[(&str, String)], args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ccai-emulator"));
    command.env_clear().arg("healthcheck").args(args);
    for (name, value) in env {
        command.env(name, value);
    }
    actix_web::rt::task::spawn_blocking(move || command.output().expect("the binary runs"))
        .await
        .unwrap()
}

fn describe(output: &Output) -> String {
    format!(
        "exit {:?}, stdout {:?}, stderr {:?}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[actix_rt::test]
async fn healthcheck_passes_against_a_running_emulator_configured_by_env() {
    let app = spawn_app_with(test_config());
    let bind = format!("127.0.0.1:{}", app.emulator.port());
    let output = run_healthcheck(&[("CCAI_EMU_BIND", bind)], &[]).await;
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    assert!(String::from_utf8_lossy(&output.stdout).contains("/__admin/health"));
}

#[actix_rt::test]
async fn healthcheck_probes_a_wildcard_bind_on_loopback() {
    let app = spawn_app_with(Config {
        bind: "0.0.0.0:0".into(),
        ..test_config()
    });
    let bind = format!("0.0.0.0:{}", app.emulator.port());
    let output = run_healthcheck(&[("CCAI_EMU_BIND", bind)], &[]).await;
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    assert!(String::from_utf8_lossy(&output.stdout).contains("127.0.0.1"));
}

#[actix_rt::test]
async fn healthcheck_takes_the_bind_address_as_a_flag_too() {
    let app = spawn_app_with(test_config());
    let bind = format!("127.0.0.1:{}", app.emulator.port());
    let output = run_healthcheck(&[], &["--bind", &bind]).await;
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
}

#[actix_rt::test]
async fn healthcheck_sends_the_admin_token_when_the_control_plane_needs_one() {
    let app = spawn_app_with(Config {
        admin_token: Some("admin-secret".into()),
        ..test_config()
    });
    let bind = format!("127.0.0.1:{}", app.emulator.port());
    let without = run_healthcheck(&[("CCAI_EMU_BIND", bind.clone())], &[]).await;
    assert_eq!(without.status.code(), Some(1), "{}", describe(&without));
    assert!(String::from_utf8_lossy(&without.stderr).contains("401"));
    let with = run_healthcheck(
        &[
            ("CCAI_EMU_BIND", bind),
            ("CCAI_EMU_ADMIN_TOKEN", "admin-secret".into()),
        ],
        &[],
    )
    .await;
    assert_eq!(with.status.code(), Some(0), "{}", describe(&with));
}

#[actix_rt::test]
async fn healthcheck_fails_when_nobody_listens() {
    let port = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let output = run_healthcheck(&[("CCAI_EMU_BIND", format!("127.0.0.1:{port}"))], &[]).await;
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
    assert!(String::from_utf8_lossy(&output.stderr).contains("unhealthy"));
}

#[actix_rt::test]
async fn healthcheck_gives_up_on_a_server_that_never_answers() {
    // Accepts connections (the kernel backlog does) but never answers a byte.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let bind = silent.local_addr().unwrap().to_string();
    let output = run_healthcheck(&[("CCAI_EMU_BIND", bind)], &["--timeout", "300ms"]).await;
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
    drop(silent);
}

#[actix_rt::test]
async fn healthcheck_rejects_a_bind_address_it_cannot_probe() {
    let output = run_healthcheck(&[("CCAI_EMU_BIND", "127.0.0.1:0".into())], &[]).await;
    assert_eq!(output.status.code(), Some(2), "{}", describe(&output));
    assert!(String::from_utf8_lossy(&output.stderr).contains("port 0"));
}
