//! A malformed fixture stops start-up with an error naming the file, the place and the
//! problem.

use std::fs;
use std::path::{Path, PathBuf};

use ccai_emulator::{Config, Emulator, FixtureSource, StartError};

fn copy_fixtures(into: &Path) {
    let source = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    for sub in ["", "task_virtual_agents", "data"] {
        fs::create_dir_all(into.join(sub)).unwrap();
        for entry in fs::read_dir(source.join(sub)).unwrap() {
            let path = entry.unwrap().path();
            if path.is_file() {
                fs::copy(&path, into.join(sub).join(path.file_name().unwrap())).unwrap();
            }
        }
    }
}

fn temp_folder(name: &str) -> PathBuf {
    let folder =
        std::env::temp_dir().join(format!("ccai-emu-{name}-{}", uuid::Uuid::new_v4().simple()));
    copy_fixtures(&folder);
    folder
}

fn start_error(folder: &Path) -> String {
    let config = Config {
        bind: "127.0.0.1:0".into(),
        fixtures: FixtureSource::Folder(folder.to_owned()),
        ..Config::default()
    };
    let result = Emulator::build(config);
    let _ = fs::remove_dir_all(folder);
    match result {
        Err(error @ StartError::Fixtures(_)) => error.to_string(),
        Err(other) => panic!("expected a fixture error, got {other}"),
        Ok(_) => panic!("a malformed fixture must stop start-up"),
    }
}

#[actix_web::test]
async fn a_json_syntax_error_names_the_file_line_and_column() {
    let folder = temp_folder("syntax");
    let file = folder.join("task_virtual_agents/one_time_code.json");
    fs::write(&file, "{\n  \"id\": 71,\n  \"name\": \"x\",,\n}").unwrap();
    let error = start_error(&folder);
    assert!(
        error.contains("one_time_code.json: line 3 column"),
        "{error}"
    );
}

#[actix_web::test]
async fn a_bad_pattern_names_the_step() {
    let folder = temp_folder("pattern");
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

#[actix_web::test]
async fn a_rule_that_transfers_to_an_unknown_vta_names_the_rule() {
    let folder = temp_folder("rule");
    fs::remove_file(folder.join("task_virtual_agents/order_status.json")).unwrap();
    let error = start_error(&folder);
    assert!(
        error.contains("contact_center.json: agent_script.rules[2].transfer_to: no task virtual agent has the key \"order_status\""),
        "{error}"
    );
}

#[actix_web::test]
async fn an_unknown_field_is_reported() {
    let folder = temp_folder("field");
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
