//! The real binary: configured from the environment alone, it stops on SIGTERM, keeps
//! delivering until its grace period ends, then logs exactly what remains undelivered.

use crate::support::binary::EmulatorProcess;

#[test]
fn sigterm_drains_webhooks_then_logs_what_is_undelivered() {
    // Webhooks go to a port nobody listens on, so they can never be delivered.
    // It counts the emulator-defined agent_joined among the undelivered events.
    let emulator = EmulatorProcess::with_undeliverable_webhooks(
        "300ms",
        &[("CCAI_EMU_WEBHOOK_EVENTS", "all")],
    );

    let user = emulator.post_json("/end_users", r#"{"identifier":"shutdown-user"}"#);
    let chat = emulator.post_json("/chats", &format!(r#"{{"end_user_id":{}}}"#, user["id"]));

    emulator.send_sigterm();
    let report = emulator.next_line_with("webhook deliveries undelivered");
    assert!(
        report.contains(&format!(
            "3 webhook deliveries undelivered (tenant acme chat {}: 3)",
            chat["id"]
        )),
        "{report}"
    );
    emulator.assert_exits_cleanly();
}
