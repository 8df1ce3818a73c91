//! The layout of `src/`, checked by reading the source (see docs/architecture.md). Every
//! `crate::` / `super::` / `self::` path (and `ccai_emulator::` in the binary) is resolved to
//! the file that defines it, giving the import graph, `pub use` re-exports included. The
//! rules:
//! - the graph has no circle;
//! - each unit imports only from its own layer or lower ones ([`LAYERS`]): the core knows no
//!   HTTP toolkit and no feature, the toolkit knows no feature;
//! - a feature imports another only if it comes earlier in [`FEATURES`], and only through
//!   that feature's face (a name its `mod.rs` declares or re-exports, never one of its
//!   submodules);
//! - the actix and awc crates are named only in the HTTP places ([`HTTP_PLACES`]): the
//!   toolkit, start-up, the binary, the Rust clients, the healthcheck probe, the built-in
//!   webhook receiver and each feature's `http/` folder.
//!
//! Test code (`#[cfg(test)]` items) is left out. Run it alone with
//! `cargo test --test it architecture`.

mod graph;
mod source_text;

use std::collections::{BTreeMap, BTreeSet};

use graph::{absolute, load, resolve, ModulePath, SourceFile};
use source_text::{paths_in, strip_comments, strip_test_items};

/// The units of `src/` by layer, lowest first. A unit is `core::x`, `features::x`, or a
/// top-level module; `features::*` is every feature (ordered among themselves by
/// [`FEATURES`]).
const LAYERS: &[(usize, &[&str])] = &[
    (0, &["core", "core::formats", "core::limits"]),
    (1, &["core::domain"]),
    (2, &["core::wire", "core::live_events"]),
    (3, &["core::state"]),
    (4, &["http"]),
    (5, &["features", "features::*"]),
    (
        6,
        &[
            "config",
            "client",
            "healthcheck",
            "telemetry",
            "webhook_receiver",
        ],
    ),
    (7, &["startup", "cli_errors"]),
    (8, &["crate", "main"]),
];

/// The features, lowest first: each may use the ones before it (through their face).
const FEATURES: &[&str] = &[
    "webhooks",
    "media",
    "requests",
    "snapshots",
    "fixtures",
    "escalations",
    "chats",
    "clock",
    "persistence",
    "console",
    "health",
    "recording",
];

/// Where the actix and awc crates may be named: unit prefixes, and a feature's `http/`.
const HTTP_PLACES: &[&str] = &[
    "http",
    "startup",
    "main",
    "client",
    "healthcheck",
    "webhook_receiver",
];

/// The crates that speak HTTP.
const HTTP_CRATES: &[&str] = &[
    "actix_web",
    "actix_http",
    "actix_rt",
    "actix_server",
    "actix_service",
    "actix_multipart",
    "awc",
];

/// One import: who imports, what was written (absolute), and the file it resolves to.
struct Import {
    from: ModulePath,
    written: ModulePath,
    target: ModulePath,
    /// Through a `pub use` (a re-export) rather than a plain use.
    reexport: bool,
}

struct Source {
    files: Vec<SourceFile>,
    imports: Vec<Import>,
}

impl Source {
    fn read() -> Source {
        let files = load();
        let imports = imports_of(&files);
        Source { files, imports }
    }

    fn edges(&self) -> BTreeMap<ModulePath, BTreeSet<ModulePath>> {
        let mut edges: BTreeMap<ModulePath, BTreeSet<ModulePath>> = BTreeMap::new();
        for file in &self.files {
            edges.entry(file.module.clone()).or_default();
        }
        for import in &self.imports {
            // A module re-exporting its own child declares its face: not an edge.
            let own_face = import.reexport && import.target.starts_with(&import.from);
            if import.target != import.from && !import.target.is_empty() && !own_face {
                edges
                    .entry(import.from.clone())
                    .or_default()
                    .insert(import.target.clone());
            }
        }
        edges
    }
}

/// Splits a `;`-separated chunk of code at a `pub use` that starts one of its lines: the
/// code before it, and the re-exported use tree (if any).
fn split_reexport(statement: &str) -> (&str, Option<&str>) {
    for marker in ["pub use ", "pub(crate) use "] {
        let at = if statement.trim_start().starts_with(marker) {
            statement.find(marker)
        } else {
            statement.find(&format!("\n{marker}")).map(|at| at + 1)
        };
        if let Some(at) = at {
            return (&statement[..at], Some(&statement[at + marker.len()..]));
        }
    }
    (statement, None)
}

/// Every import of every file, re-exports included (a module's `pub use` of its own child
/// declares its face and is kept too: it resolves inside the module).
fn imports_of(files: &[SourceFile]) -> Vec<Import> {
    let by_module: BTreeMap<ModulePath, &SourceFile> = files
        .iter()
        .map(|file| (file.module.clone(), file))
        .collect();
    let mut imports = Vec::new();
    for file in files {
        let children: Vec<&str> = file.children.iter().map(String::as_str).collect();
        let mut roots = vec!["crate", "super", "self", "ccai_emulator"];
        roots.extend(children.iter().copied());
        for statement in file.code.split(';') {
            let (code, reexported) = split_reexport(statement);
            let mut parts = vec![(code.to_owned(), false, roots.clone())];
            if let Some(tree) = reexported {
                let first = tree.split("::").next().unwrap_or_default().trim();
                let mut tree_roots = roots.clone();
                tree_roots.push(first);
                parts.push((tree.to_owned(), true, tree_roots));
            }
            for (code, reexport, part_roots) in parts {
                for written in paths_in(&code, &part_roots) {
                    let written = absolute(file, &written);
                    let target = resolve(&by_module, &written, 0);
                    imports.push(Import {
                        from: file.module.clone(),
                        written,
                        target,
                        reexport,
                    });
                }
            }
        }
    }
    imports
}

/// The unit a module belongs to: `core::x`, `features::x`, or its top-level module.
fn unit_of(module: &ModulePath) -> String {
    match module.first().map(String::as_str) {
        None => "crate".to_owned(),
        Some(top @ ("core" | "features")) => match module.get(1) {
            Some(second) => format!("{top}::{second}"),
            None => top.to_owned(),
        },
        Some(top) => top.to_owned(),
    }
}

fn layer_of(module: &ModulePath) -> usize {
    let unit = unit_of(module);
    LAYERS
        .iter()
        .find(|(_, units)| {
            units.iter().any(|pattern| match pattern.strip_suffix('*') {
                Some(prefix) => unit.starts_with(prefix),
                None => unit == *pattern,
            })
        })
        .map(|(layer, _)| *layer)
        .unwrap_or_else(|| {
            panic!("src/{unit} is in no layer: add it to LAYERS (and docs/architecture.md)")
        })
}

/// The feature a module belongs to, if any.
fn feature_of(module: &ModulePath) -> Option<&str> {
    match module.as_slice() {
        [top, feature, ..] if top == "features" => Some(feature.as_str()),
        _ => None,
    }
}

fn feature_rank(feature: &str) -> usize {
    FEATURES
        .iter()
        .position(|known| *known == feature)
        .unwrap_or_else(|| {
            panic!("src/features/{feature} is not in FEATURES: place it (and say where in docs/architecture.md)")
        })
}

fn name(module: &ModulePath) -> String {
    if module.is_empty() {
        "crate".to_owned()
    } else {
        module.join("::")
    }
}

/// Depth-first search; every edge back into the current path closes a circle.
fn circles(edges: &BTreeMap<ModulePath, BTreeSet<ModulePath>>) -> Vec<String> {
    fn visit<'a>(
        module: &'a ModulePath,
        edges: &'a BTreeMap<ModulePath, BTreeSet<ModulePath>>,
        done: &mut BTreeSet<&'a ModulePath>,
        path: &mut Vec<&'a ModulePath>,
        found: &mut Vec<String>,
    ) {
        if let Some(start) = path.iter().position(|on_path| *on_path == module) {
            let circle: Vec<String> = path[start..].iter().map(|m| name(m)).collect();
            found.push(format!("{} -> {}", circle.join(" -> "), name(module)));
            return;
        }
        if !done.insert(module) {
            return;
        }
        path.push(module);
        for next in edges.get(module).into_iter().flatten() {
            visit(next, edges, done, path, found);
        }
        path.pop();
    }
    let mut done = BTreeSet::new();
    let mut found = Vec::new();
    for module in edges.keys() {
        visit(module, edges, &mut done, &mut Vec::new(), &mut found);
    }
    found
}

/// Every import against the layer order.
fn upward_imports(source: &Source) -> Vec<String> {
    let mut upward = BTreeSet::new();
    for import in &source.imports {
        if import.target.is_empty() && !import.written.is_empty() {
            continue;
        }
        if layer_of(&import.target) > layer_of(&import.from) {
            let how = if import.reexport { "pub use " } else { "" };
            upward.insert(format!(
                "{} -> {how}{}",
                name(&import.from),
                name(&import.target)
            ));
        }
    }
    upward.into_iter().collect()
}

/// Every import of one feature by another that is later in [`FEATURES`] or that reaches
/// past the feature's face.
fn feature_violations(source: &Source) -> Vec<String> {
    let modules: BTreeSet<&ModulePath> = source.files.iter().map(|file| &file.module).collect();
    let mut found = BTreeSet::new();
    for import in &source.imports {
        let (Some(from), Some(to)) = (feature_of(&import.from), feature_of(&import.target)) else {
            continue;
        };
        if from == to {
            continue;
        }
        if feature_rank(to) > feature_rank(from) {
            found.insert(format!(
                "{} uses the later feature {to} ({})",
                name(&import.from),
                name(&import.written)
            ));
        }
        // Through the face: the written path names an item of `features::to`, not one of
        // its submodules.
        if let Some(third) = import.written.get(2) {
            let inner: ModulePath = vec!["features".into(), to.into(), third.clone()];
            if modules.contains(&inner) {
                found.insert(format!(
                    "{} reaches past the face of {to}: {}",
                    name(&import.from),
                    name(&import.written)
                ));
            }
        }
    }
    found.into_iter().collect()
}

/// Whether a module may name the actix and awc crates.
fn is_http_place(module: &ModulePath) -> bool {
    let unit = unit_of(module);
    HTTP_PLACES.contains(&unit.as_str())
        || matches!(module.as_slice(), [top, _, http, ..] if top == "features" && http == "http")
}

/// Every module outside the HTTP places that names an actix or awc crate, with the crate.
fn http_crate_users(source: &Source) -> Vec<String> {
    let mut found = Vec::new();
    for file in &source.files {
        if is_http_place(&file.module) {
            continue;
        }
        for krate in HTTP_CRATES {
            if paths_in(&file.code, &[krate])
                .iter()
                .any(|path| path.len() > 1)
                || file.code.contains(&format!("use {krate}::"))
                || file.code.contains(&format!("use {krate};"))
            {
                found.push(format!(
                    "{} ({krate}, {})",
                    name(&file.module),
                    file.path.display()
                ));
            }
        }
    }
    found
}

#[test]
fn the_import_graph_of_src_has_no_circle() {
    let source = Source::read();
    let edges = source.edges();
    assert!(edges.len() > 40, "the walk found every source file");
    let found = circles(&edges);
    assert!(found.is_empty(), "import circles: {found:#?}");
}

#[test]
fn every_module_imports_only_from_its_layer_or_below() {
    let upward = upward_imports(&Source::read());
    assert!(
        upward.is_empty(),
        "imports against the layer order: {upward:#?}"
    );
}

#[test]
fn features_use_earlier_features_through_their_face_only() {
    let found = feature_violations(&Source::read());
    assert!(
        found.is_empty(),
        "feature imports against the rule: {found:#?}"
    );
}

#[test]
fn only_the_http_places_name_actix_or_awc() {
    let found = http_crate_users(&Source::read());
    assert!(
        found.is_empty(),
        "actix or awc named outside the HTTP places: {found:#?}"
    );
}

#[test]
fn the_checker_sees_paths_in_use_trees_and_code() {
    let code = "use crate::{domain::{Chat, EndedBy}, state::AppState};\nlet x = super::y::z();";
    let paths = paths_in(code, &["crate", "super"]);
    assert_eq!(
        paths,
        vec![
            vec!["crate", "domain", "Chat"],
            vec!["crate", "domain", "EndedBy"],
            vec!["crate", "state", "AppState"],
            vec!["super", "y", "z"],
        ]
    );
    let (kept, tests) =
        strip_test_items("a\n#[cfg(test)]\nmod tests {\n    b\n}\nc\n#[cfg(test)]\nmod testing;\n");
    assert_eq!(kept, "a\nc\n");
    assert_eq!(tests, BTreeSet::from(["testing".to_owned()]));
    assert_eq!(strip_comments("x // crate::y\n\"crate::z\""), "x \n\"\"");
}
