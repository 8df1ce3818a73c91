//! The evidence behind every fidelity claim, checked by reading the Markdown (no server):
//! every table of docs/fidelity.md, docs/escalations.md, docs/media.md and docs/webhooks.md
//! has an `evidence` column, and every row's evidence cell is exactly one of the three
//! levels docs/fidelity.md explains, in its checkable form:
//!
//! - `documented:` one or more links to the platform's public pages
//!   (`[Title](https://cloud.google.com/contact-center/ccai-platform/docs/...)`), each
//!   followed by a short verbatim quote in double quotes (relative links to the emulator's
//!   own documents may appear too; they cite nothing);
//! - `seen in client code:` a link to the public client's repository on GitHub and the
//!   file, as a code span holding its path;
//! - `emulator's choice:` followed by the reason.
//!
//! Whether a quote really is on its page cannot be checked offline; that a row has one can.
//! Run it alone with `cargo test --test it fidelity_evidence`.

use std::path::Path;

use regex::Regex;

/// The documents whose tables carry an evidence level on every row.
const DOCUMENTS: &[&str] = &[
    "docs/fidelity.md",
    "docs/escalations.md",
    "docs/media.md",
    "docs/webhooks.md",
];

/// Where every "documented" link must point: the platform's public pages.
const PLATFORM_PAGES: &str = "https://cloud.google.com/contact-center/ccai-platform/docs/";

const DOCUMENTED: &str = "documented:";
const CLIENT_CODE: &str = "seen in client code:";
const CHOICE: &str = "emulator's choice:";

/// One Markdown table: where its header is, its column names and its rows.
struct Table {
    header_line: usize,
    columns: Vec<String>,
    rows: Vec<(usize, Vec<String>)>,
}

/// The cells of a table line, split on the `|` that are not escaped (`\|` stays in its
/// cell); the empty cells outside the leading and trailing pipes are dropped.
fn cells(line: &str) -> Vec<String> {
    let mut cells = Vec::new();
    let mut cell = String::new();
    let mut chars = line.trim().chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'|') => {
                cell.push('\\');
                cell.push(chars.next().unwrap());
            }
            '|' => cells.push(std::mem::take(&mut cell)),
            other => cell.push(other),
        }
    }
    cells.push(cell);
    if cells.first().is_some_and(|first| first.trim().is_empty()) {
        cells.remove(0);
    }
    if cells.last().is_some_and(|last| last.trim().is_empty()) {
        cells.pop();
    }
    cells
        .into_iter()
        .map(|cell| cell.trim().to_owned())
        .collect()
}

/// Every table of a Markdown text (tables inside fenced code blocks are not tables).
fn tables(text: &str) -> Vec<Table> {
    let separator = Regex::new(r"^\|(\s*:?-+:?\s*\|)+\s*$").unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let mut tables = Vec::new();
    let mut in_code = false;
    let mut index = 0;
    while index < lines.len() {
        let line = lines[index].trim();
        if line.starts_with("```") {
            in_code = !in_code;
            index += 1;
            continue;
        }
        let is_header = !in_code
            && line.starts_with('|')
            && lines
                .get(index + 1)
                .is_some_and(|next| separator.is_match(next.trim()));
        if !is_header {
            index += 1;
            continue;
        }
        let mut table = Table {
            header_line: index + 1,
            columns: cells(line),
            rows: Vec::new(),
        };
        index += 2;
        while index < lines.len() && lines[index].trim().starts_with('|') {
            table.rows.push((index + 1, cells(lines[index])));
            index += 1;
        }
        tables.push(table);
    }
    tables
}

/// What is wrong with one evidence cell, if anything.
fn evidence_problem(cell: &str) -> Option<String> {
    let link = Regex::new(r"\[([^\]]*)\]\(([^)\s]+)\)").unwrap();
    let quote = Regex::new(r#""[^"]{3,}""#).unwrap();
    let file_path = Regex::new(r"`[^`\s]+/[^`\s]+\.[A-Za-z0-9]+`").unwrap();
    if let Some(rest) = cell.strip_prefix(DOCUMENTED) {
        // Relative links (to the emulator's own documents) are references, not citations.
        let links: Vec<_> = link
            .captures_iter(rest)
            .filter(|found| found.get(2).unwrap().as_str().starts_with("http"))
            .collect();
        if links.is_empty() {
            return Some("`documented:` without a link to the page".into());
        }
        for (n, found) in links.iter().enumerate() {
            let title = found.get(1).unwrap().as_str().trim();
            let url = found.get(2).unwrap().as_str();
            if title.is_empty() {
                return Some(format!("the link to {url} has no page title"));
            }
            if !url.starts_with(PLATFORM_PAGES) {
                return Some(format!(
                    "{url} is not one of the platform's pages ({PLATFORM_PAGES}...)"
                ));
            }
            let from = found.get(0).unwrap().end();
            let to = links
                .get(n + 1)
                .map_or(rest.len(), |next| next.get(0).unwrap().start());
            if !quote.is_match(&rest[from..to]) {
                return Some(format!(
                    "no quote in double quotes follows the link to \"{title}\""
                ));
            }
        }
        None
    } else if let Some(rest) = cell.strip_prefix(CLIENT_CODE) {
        let repository = link.captures_iter(rest).any(|found| {
            found
                .get(2)
                .unwrap()
                .as_str()
                .starts_with("https://github.com/")
        });
        if !repository {
            Some("`seen in client code:` without a link to the client's repository".into())
        } else if !file_path.is_match(rest) {
            Some("`seen in client code:` without the client's file (`path/to/file.ext`)".into())
        } else {
            None
        }
    } else if let Some(rest) = cell.strip_prefix(CHOICE) {
        (rest.split_whitespace().count() < 3)
            .then(|| "`emulator's choice:` without its reason".into())
    } else {
        Some(format!(
            "the evidence cell starts with none of `{DOCUMENTED}`, `{CLIENT_CODE}`, `{CHOICE}`"
        ))
    }
}

/// Every problem of one document: tables without an evidence column, rows whose cells do
/// not match the header, evidence cells in none of the three forms. `name` labels them.
fn problems(name: &str, text: &str) -> (Vec<String>, usize) {
    let mut problems = Vec::new();
    let mut rows_checked = 0;
    for table in tables(text) {
        let Some(evidence) = table
            .columns
            .iter()
            .position(|column| column.eq_ignore_ascii_case("evidence"))
        else {
            problems.push(format!(
                "{name}:{}: the table has no `evidence` column",
                table.header_line
            ));
            continue;
        };
        for (line, row) in &table.rows {
            if row.len() != table.columns.len() {
                problems.push(format!(
                    "{name}:{line}: {} cells under a header of {} (an unescaped `|`?)",
                    row.len(),
                    table.columns.len()
                ));
                continue;
            }
            rows_checked += 1;
            if let Some(problem) = evidence_problem(&row[evidence]) {
                problems.push(format!("{name}:{line}: {problem}"));
            }
        }
    }
    (problems, rows_checked)
}

#[test]
fn every_row_of_the_fidelity_tables_carries_its_evidence() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut all = Vec::new();
    for document in DOCUMENTS {
        let text = std::fs::read_to_string(root.join(document))
            .unwrap_or_else(|error| panic!("{document}: {error}"));
        let (problems, rows_checked) = problems(document, &text);
        assert!(rows_checked > 0, "{document} has no table rows to check");
        all.extend(problems);
    }
    assert!(
        all.is_empty(),
        "rows without a well-formed evidence level ({}):\n{}",
        all.len(),
        all.join("\n")
    );
}

#[test]
fn the_check_refuses_rows_without_a_level_a_quote_a_link_or_a_reason() {
    let page = "https://cloud.google.com/contact-center/ccai-platform/docs/resume-a-chat";
    let text = format!(
        "| claim | evidence |\n|---|---|\n\
         | fine | documented: [Resume a chat]({page}) \"the request returns this message\" |\n\
         | fine | emulator's choice: the page is silent here |\n\
         | fine | seen in client code: [o/r](https://github.com/o/r) `a/b.go` sends it |\n\
         | no level | the page says so |\n\
         | no quote | documented: [Resume a chat]({page}) |\n\
         | no link | documented: \"the request returns this message\" |\n\
         | elsewhere | documented: [Blog](https://example.com/post) \"a quote here\" |\n\
         | no reason | emulator's choice: |\n\
         | no file | seen in client code: [o/r](https://github.com/o/r) |\n\
         | broken | emulator's choice: a | b |\n\
         \n| claim | source |\n|---|---|\n| x | y |\n"
    );
    let (problems, _) = problems("sample.md", &text);
    let lines: Vec<&str> = problems
        .iter()
        .map(|problem| problem.split(": ").next().unwrap())
        .collect();
    assert_eq!(
        lines,
        [
            "sample.md:6",
            "sample.md:7",
            "sample.md:8",
            "sample.md:9",
            "sample.md:10",
            "sample.md:11",
            "sample.md:12",
            "sample.md:14",
        ],
        "{problems:#?}"
    );
}
