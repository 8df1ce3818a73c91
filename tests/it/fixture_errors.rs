//! A malformed fixture stops start-up with an error naming the file, the place and the
//! problem.

use std::fs;

use crate::support::fixture_folder::{fixture_copy, start_error};

#[actix_rt::test]
async fn a_json_syntax_error_names_the_file_line_and_column() {
    let folder = fixture_copy("syntax");
    let file = folder.join("task_virtual_agents/one_time_code.json");
    fs::write(&file, "{\n  \"id\": 71,\n  \"name\": \"x\",,\n}").unwrap();
    let error = start_error(&folder);
    assert!(
        error.contains("one_time_code.json: line 3 column"),
        "{error}"
    );
}

#[actix_rt::test]
async fn a_bad_pattern_names_the_step() {
    let folder = fixture_copy("pattern");
    let file = folder.join("task_virtual_agents/payment_card.json");
    let text = fs::read_to_string(&file)
        .unwrap()
        .replace("[0-9]{12,19}", "[0-9]{12,19");
    fs::write(&file, text).unwrap();
    let error = start_error(&folder);
    assert!(
        error.contains("payment_card.json: steps[0].pattern: invalid pattern"),
        "{error}"
    );
}

#[actix_rt::test]
async fn a_rule_that_transfers_to_an_unknown_vta_names_the_rule() {
    let folder = fixture_copy("rule");
    fs::remove_file(folder.join("task_virtual_agents/order_status.json")).unwrap();
    let error = start_error(&folder);
    assert!(
        error.contains("contact_center.json: agent_script.rules[2].transfer_to: no task virtual agent has the key \"order_status\""),
        "{error}"
    );
}

#[actix_rt::test]
async fn an_unknown_field_is_reported() {
    let folder = fixture_copy("field");
    let file = folder.join("data/../task_virtual_agents/order_status.json");
    let text = fs::read_to_string(&file)
        .unwrap()
        .replace("\"max_attempts\"", "\"max_attempmts\"");
    fs::write(&file, text).unwrap();
    let error = start_error(&folder);
    assert!(
        error.contains("order_status.json: line")
            && error.contains("unknown field `max_attempmts`"),
        "{error}"
    );
}
