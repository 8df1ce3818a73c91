//! `docs/configuration.md` lists every limit exactly as `src/core/limits.rs` declares it:
//! the table between its `limits:begin` and `limits:end` markers is the one the declaration
//! renders. `UPDATE_DOCS=1 cargo test --test it configuration_docs` rewrites it.

use ccai_emulator::core::limits::{markdown_table, Limits};

const BEGIN: &str = "<!-- limits:begin -->\n";
const END: &str = "<!-- limits:end -->";

#[test]
fn the_configuration_docs_list_every_declared_limit() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/configuration.md");
    let text = std::fs::read_to_string(&path).expect("docs/configuration.md is readable");
    let start = text.find(BEGIN).expect("the limits:begin marker") + BEGIN.len();
    let end = text.find(END).expect("the limits:end marker");
    let expected = markdown_table();
    if std::env::var_os("UPDATE_DOCS").is_some() {
        let updated = format!("{}{expected}{}", &text[..start], &text[end..]);
        std::fs::write(&path, updated).expect("docs/configuration.md is writable");
        return;
    }
    assert_eq!(
        &text[start..end],
        expected,
        "docs/configuration.md's limits table is stale: run UPDATE_DOCS=1 cargo test --test it configuration_docs"
    );
    for spec in Limits::SPECS {
        assert!(
            text.contains(&format!("`--{}`", spec.flag)),
            "{}",
            spec.flag
        );
    }
}
