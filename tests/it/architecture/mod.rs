//! The layering of `src/`, checked by reading the source: every `crate::` / `super::` /
//! `self::` path (and `ccai_emulator::` in the binary) is resolved to the file that defines
//! it, giving the import graph, which must have no circle; each top-level module belongs to
//! one layer of [`LAYERS`] and imports only from its own layer or lower ones; nothing below
//! the HTTP layer names `actix_web`. Test code (`#[cfg(test)]` items) is left out. Run it
//! alone with `cargo test --test it architecture`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The top-level modules by layer, lowest first (see docs/architecture.md).
const LAYERS: &[(usize, &[&str])] = &[
    (0, &["formats", "limits"]),
    (1, &["domain"]),
    (
        2,
        &[
            "wire",
            "live_events",
            "rate_limiter",
            "request_journal",
            "media",
            "persistence",
        ],
    ),
    (3, &["webhooks"]),
    (4, &["tenant_snapshot"]),
    (5, &["script_loader"]),
    (6, &["state"]),
    (
        7,
        &["client", "config", "healthcheck", "openapi", "telemetry"],
    ),
    (
        HTTP,
        &["http", "api", "admin", "storage", "webhook_receiver"],
    ),
    (9, &["startup", "cli_errors"]),
    (10, &["main"]),
];

/// The first layer that may use `actix_web`.
const HTTP: usize = 8;

mod source_text;

use source_text::{declared_module, paths_in, strip_comments, strip_test_items};

type ModulePath = Vec<String>;

/// One source file: its module path, its code without comments and test items, and what
/// it declares.
struct SourceFile {
    module: ModulePath,
    code: String,
    /// `mod x;` declarations.
    children: BTreeSet<String>,
    /// Names re-exported by `pub use`, with the path they come from (absolute).
    reexports: BTreeMap<String, ModulePath>,
}

fn source_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(folder: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(folder).expect("src/ is readable") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rust_files(&path, found);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            found.push(path);
        }
    }
}

fn module_of(path: &Path) -> ModulePath {
    let relative = path.strip_prefix(source_root()).expect("under src/");
    let mut parts: Vec<String> = relative
        .iter()
        .map(|part| part.to_string_lossy().trim_end_matches(".rs").to_owned())
        .collect();
    if parts
        .last()
        .is_some_and(|last| last == "mod" || last == "lib")
    {
        parts.pop();
    }
    parts
}

/// The absolute module path a written path starts from.
fn absolute(file: &SourceFile, written: &[String]) -> ModulePath {
    let (first, rest) = written.split_first().expect("a path has a first segment");
    let mut base = match first.as_str() {
        "crate" | "ccai_emulator" => Vec::new(),
        "self" => file.module.clone(),
        "super" => {
            let mut parent = file.module.clone();
            parent.pop();
            parent
        }
        child => {
            let mut module = file.module.clone();
            module.push(child.to_owned());
            module
        }
    };
    let mut rest = rest;
    while rest.first().is_some_and(|segment| segment == "super") {
        base.pop();
        rest = &rest[1..];
    }
    base.extend(rest.iter().cloned());
    base
}

fn load() -> Vec<SourceFile> {
    let mut paths = Vec::new();
    rust_files(&source_root(), &mut paths);
    let mut files: Vec<SourceFile> = Vec::new();
    let mut test_only: BTreeSet<ModulePath> = BTreeSet::new();
    for path in paths {
        let text = std::fs::read_to_string(&path).expect("a readable source file");
        let (code, test_modules) = strip_test_items(&strip_comments(&text));
        let module = module_of(&path);
        for name in test_modules {
            let mut child = module.clone();
            child.push(name);
            test_only.insert(child);
        }
        let children = code.lines().filter_map(declared_module).collect();
        files.push(SourceFile {
            module,
            code,
            children,
            reexports: BTreeMap::new(),
        });
    }
    files.retain(|file| !test_only.contains(&file.module));
    for file in &mut files {
        let reexports: Vec<(String, ModulePath)> = file
            .code
            .split(';')
            .map(str::trim)
            .filter(|statement| {
                statement.starts_with("pub use ") || statement.starts_with("pub(crate) use ")
            })
            .flat_map(|statement| {
                let tree = statement.split_once("use ").map_or("", |(_, tree)| tree);
                let first = tree
                    .split("::")
                    .next()
                    .unwrap_or_default()
                    .trim()
                    .to_owned();
                paths_in(tree, &[first.as_str()])
            })
            .map(|written| {
                (
                    written.last().cloned().unwrap_or_default(),
                    absolute(file, &written),
                )
            })
            .collect();
        file.reexports = reexports.into_iter().collect();
    }
    files
}

/// The file (module) that defines what `path` names, following re-exports.
fn resolve(files: &BTreeMap<ModulePath, &SourceFile>, path: &[String], depth: usize) -> ModulePath {
    let mut module: ModulePath = Vec::new();
    for (index, segment) in path.iter().enumerate() {
        let mut next = module.clone();
        next.push(segment.clone());
        if files.contains_key(&next) {
            module = next;
            continue;
        }
        if let Some(target) = files
            .get(&module)
            .and_then(|file| file.reexports.get(segment))
        {
            if depth < 8 {
                let mut through = target.clone();
                through.extend(path[index + 1..].iter().cloned());
                return resolve(files, &through, depth + 1);
            }
        }
        break;
    }
    module
}

struct Graph {
    edges: BTreeMap<ModulePath, BTreeSet<ModulePath>>,
    actix_users: BTreeSet<ModulePath>,
}

fn graph() -> Graph {
    let files = load();
    let by_module: BTreeMap<ModulePath, &SourceFile> = files
        .iter()
        .map(|file| (file.module.clone(), file))
        .collect();
    let mut edges: BTreeMap<ModulePath, BTreeSet<ModulePath>> = BTreeMap::new();
    let mut actix_users = BTreeSet::new();
    for file in &files {
        let children: Vec<&str> = file.children.iter().map(String::as_str).collect();
        let mut roots = vec!["crate", "super", "self", "ccai_emulator"];
        roots.extend(children.iter().copied());
        // A module's own `mod x;` and `pub use x::...` lines declare its face, not a use.
        let code: String = file
            .code
            .split(';')
            .filter(|statement| {
                let statement = statement.trim();
                !(statement.starts_with("pub use ") || statement.starts_with("pub(crate) use "))
            })
            .collect::<Vec<_>>()
            .join(";");
        let targets = edges.entry(file.module.clone()).or_default();
        for written in paths_in(&code, &roots) {
            let target = resolve(&by_module, &absolute(file, &written), 0);
            if target != file.module && !target.is_empty() {
                targets.insert(target);
            }
        }
        if file.code.contains("actix_web") {
            actix_users.insert(file.module.clone());
        }
    }
    Graph { edges, actix_users }
}

fn layer_of(module: &ModulePath) -> usize {
    let top = module.first().map_or("", String::as_str);
    LAYERS
        .iter()
        .find(|(_, modules)| modules.contains(&top))
        .map(|(layer, _)| *layer)
        .unwrap_or_else(|| {
            panic!("src/{top} is in no layer: add it to LAYERS (and docs/architecture.md)")
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
fn circles(graph: &Graph) -> Vec<String> {
    fn visit<'a>(
        module: &'a ModulePath,
        graph: &'a Graph,
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
        for next in graph.edges.get(module).into_iter().flatten() {
            visit(next, graph, done, path, found);
        }
        path.pop();
    }
    let mut done = BTreeSet::new();
    let mut found = Vec::new();
    for module in graph.edges.keys() {
        visit(module, graph, &mut done, &mut Vec::new(), &mut found);
    }
    found
}

#[test]
fn the_import_graph_of_src_has_no_circle() {
    let graph = graph();
    assert!(graph.edges.len() > 40, "the walk found every source file");
    let found = circles(&graph);
    assert!(found.is_empty(), "import circles: {found:#?}");
}

#[test]
fn every_module_imports_only_from_its_layer_or_below() {
    let graph = graph();
    let mut upward = Vec::new();
    for (module, targets) in &graph.edges {
        for target in targets {
            if layer_of(target) > layer_of(module) {
                upward.push(format!("{} -> {}", name(module), name(target)));
            }
        }
    }
    assert!(
        upward.is_empty(),
        "imports against the layer order: {upward:#?}"
    );
}

#[test]
fn nothing_below_http_names_actix_web() {
    let below: Vec<String> = graph()
        .actix_users
        .iter()
        .filter(|module| layer_of(module) < HTTP)
        .map(name)
        .collect();
    assert!(
        below.is_empty(),
        "below the HTTP layer but using actix_web: {below:?}"
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
