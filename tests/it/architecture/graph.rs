//! Reading `src/`: every file's module path, its code without comments and test items,
//! the modules it declares and the names it re-exports; and resolving a written path to the
//! file that defines what it names (following `pub use` re-exports).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use super::source_text::{declared_module, paths_in, strip_comments, strip_test_items};

pub(super) type ModulePath = Vec<String>;

/// One source file: its module path, its code without comments and test items, and what
/// it declares.
pub(super) struct SourceFile {
    pub(super) module: ModulePath,
    pub(super) path: PathBuf,
    pub(super) code: String,
    /// `mod x;` declarations.
    pub(super) children: BTreeSet<String>,
    /// Names re-exported by `pub use`, with the path they come from (absolute).
    pub(super) reexports: BTreeMap<String, ModulePath>,
}

pub(super) fn source_root() -> PathBuf {
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
pub(super) fn absolute(file: &SourceFile, written: &[String]) -> ModulePath {
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

pub(super) fn load() -> Vec<SourceFile> {
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
            path: path.clone(),
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
pub(super) fn resolve(
    files: &BTreeMap<ModulePath, &SourceFile>,
    path: &[String],
    depth: usize,
) -> ModulePath {
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
