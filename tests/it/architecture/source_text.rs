//! Reading Rust source text just well enough for the layering checks: comments and string
//! contents dropped, `#[cfg(test)]` items cut out, `mod x;` declarations found, and every
//! path that starts at a given root (`crate::`, `super::`, ...) listed with brace groups
//! of use trees expanded.

use std::collections::BTreeSet;

/// Drops comments (doc comments name paths in prose) and string literals' contents.
pub fn strip_comments(text: &str) -> String {
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
pub fn strip_test_items(code: &str) -> (String, BTreeSet<String>) {
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
pub fn declared_module(line: &str) -> Option<String> {
    let words: Vec<&str> = line.split_whitespace().collect();
    let at = words.iter().position(|word| *word == "mod")?;
    let name = words.get(at + 1)?;
    let name = name.trim_end_matches(';').trim_end_matches('{');
    (!name.is_empty()).then(|| name.to_owned())
}

/// Every path in `code` that starts with one of `roots`, as written (brace groups expanded).
pub fn paths_in(code: &str, roots: &[&str]) -> Vec<Vec<String>> {
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
