//! The layering of `src/`, checked by reading the source: every `crate::` / `super::` /
//! `self::` path (and `ccai_emulator::` in the binary) is resolved to the file that defines
//! it, giving the import graph, which must have no circle; each top-level module belongs to
//! one layer of [`LAYERS`] and imports only from its own layer or lower ones; nothing below
//! the HTTP layer names `actix_web`. Test code (`#[cfg(test)]` items) is left out. Run it
//! alone with `cargo test --test it architecture`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The top-level modules by layer, lowest first (see README, "How the code is laid out").
const LAYERS: &[(usize, &[&str])] = &[
    (0, &["formats"]),
    (1, &["domain"]),
    (
        2,
        &["wire", "live_events", "rate_limiter", "request_journal"],
    ),
    (3, &["webhooks"]),
    (4, &["tenant_snapshot"]),
    (5, &["script_loader"]),
    (6, &["state"]),
    (
        7,
        &["client", "config", "healthcheck", "openapi", "telemetry"],
    ),
    (HTTP, &["http", "api", "admin"]),
    (9, &["startup"]),
    (10, &["main"]),
];

/// The first layer that may use `actix_web`.
const HTTP: usize = 8;

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

/// Drops comments (doc comments name paths in prose) and string literals' contents.
fn strip_comments(text: &str) -> String {
    text.lines()
        .map(|line| {
            let mut kept = String::new();
            let mut in_string = false;
            let mut chars = line.chars().peekable();
            while let Some(c) = chars.next() {
                match c {
                    '"' => {
                        in_string = !in_string;
                        kept.push(c);
                    }
                    '\\' if in_string => {
                        chars.next();
                    }
                    '/' if !in_string && chars.peek() == Some(&'/') => break,
                    _ if in_string => {}
                    _ => kept.push(c),
                }
            }
            kept
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Removes every `#[cfg(test)]` item: a one-line declaration or a braced block.
fn strip_test_items(code: &str) -> (String, BTreeSet<String>) {
    let mut kept = String::new();
    let mut test_modules = BTreeSet::new();
    let mut lines = code.lines();
    while let Some(line) = lines.next() {
        if line.trim() != "#[cfg(test)]" {
            kept.push_str(line);
            kept.push('\n');
            continue;
        }
        let Some(item) = lines.next() else { break };
        if let Some(name) = declared_module(item) {
            if item.trim_end().ends_with(';') {
                test_modules.insert(name);
                continue;
            }
        }
        if !item.contains('{') && item.trim_end().ends_with(';') {
            continue;
        }
        let mut depth = brace_balance(item);
        let mut opened = item.contains('{');
        while !opened || depth > 0 {
            let Some(next) = lines.next() else { break };
            opened |= next.contains('{');
            depth += brace_balance(next);
        }
    }
    (kept, test_modules)
}

fn brace_balance(line: &str) -> i64 {
    line.chars().fold(0, |depth, c| match c {
        '{' => depth + 1,
        '}' => depth - 1,
        _ => depth,
    })
}

/// `x` for `mod x;` / `pub mod x;` / `pub(crate) mod x {`.
fn declared_module(line: &str) -> Option<String> {
    let words: Vec<&str> = line.split_whitespace().collect();
    let at = words.iter().position(|word| *word == "mod")?;
    let name = words.get(at + 1)?;
    let name = name.trim_end_matches(';').trim_end_matches('{');
    (!name.is_empty()).then(|| name.to_owned())
}

/// Every path in `code` that starts with one of `roots`, as written (brace groups expanded).
fn paths_in(code: &str, roots: &[&str]) -> Vec<Vec<String>> {
    let bytes: Vec<char> = code.chars().collect();
    let mut found = Vec::new();
    let mut index = 0;
    while index < bytes.len() {
        let starts_word = index == 0 || !is_ident(bytes[index - 1]) && bytes[index - 1] != ':';
        if starts_word && is_ident(bytes[index]) {
            let (word, end) = ident_at(&bytes, index);
            if roots.contains(&word.as_str()) && bytes.get(end..end + 2) == Some(&[':', ':']) {
                let mut trees = Vec::new();
                parse_tree(&bytes, end + 2, vec![word], &mut trees);
                found.extend(trees);
            }
            index = end;
        } else {
            index += 1;
        }
    }
    found
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

fn ident_at(bytes: &[char], start: usize) -> (String, usize) {
    let mut end = start;
    while end < bytes.len() && is_ident(bytes[end]) {
        end += 1;
    }
    (bytes[start..end].iter().collect(), end)
}

fn skip_space(bytes: &[char], mut at: usize) -> usize {
    while at < bytes.len() && bytes[at].is_whitespace() {
        at += 1;
    }
    at
}

/// Parses a path (or use tree) starting at `at` after `prefix::`; returns where it ended.
fn parse_tree(bytes: &[char], at: usize, prefix: Vec<String>, out: &mut Vec<Vec<String>>) -> usize {
    let at = skip_space(bytes, at);
    if bytes.get(at) == Some(&'{') {
        let mut at = at + 1;
        loop {
            at = skip_space(bytes, at);
            match bytes.get(at) {
                None => return at,
                Some('}') => return at + 1,
                Some(',') => at += 1,
                Some(_) => {
                    let next = parse_tree(bytes, at, prefix.clone(), out);
                    at = if next == at { at + 1 } else { next };
                }
            }
        }
    }
    if bytes.get(at).is_some_and(|c| is_ident(*c)) {
        let (word, end) = ident_at(bytes, at);
        let mut path = prefix;
        path.push(word);
        if bytes.get(end..end + 2) == Some(&[':', ':']) {
            return parse_tree(bytes, end + 2, path, out);
        }
        out.push(path);
        return end;
    }
    if bytes.get(at) == Some(&'*') {
        out.push(prefix);
        return at + 1;
    }
    at
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
        .unwrap_or_else(|| panic!("src/{top} is in no layer: add it to LAYERS (and the README)"))
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
