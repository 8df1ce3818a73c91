//! Throw-away copies of the shipped fixture folder, for tests that break or change a file,
//! and the start-up error a broken folder gives.

use std::fs;
use std::path::{Path, PathBuf};

use ccai_emulator::{Config, Emulator, FixtureSource, StartError};

/// A fresh copy of `fixtures/` (every subfolder) in the temporary directory.
pub fn fixture_copy(name: &str) -> PathBuf {
    let source = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let folder =
        std::env::temp_dir().join(format!("ccai-emu-{name}-{}", uuid::Uuid::new_v4().simple()));
    for sub in ["", "task_virtual_agents", "data", "seeds", "media"] {
        fs::create_dir_all(folder.join(sub)).unwrap();
        for entry in fs::read_dir(source.join(sub)).unwrap() {
            let path = entry.unwrap().path();
            if path.is_file() {
                fs::copy(&path, folder.join(sub).join(path.file_name().unwrap())).unwrap();
            }
        }
    }
    folder
}

/// Starts an emulator on `folder` (then removes the folder) and returns the fixture error
/// that must stop it.
pub fn start_error(folder: &Path) -> String {
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
        Ok(_) => panic!("a malformed fixture folder must stop start-up"),
    }
}
