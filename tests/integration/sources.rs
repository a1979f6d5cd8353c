//! `docs/sources.md` against the scenarios: every row id a shipped scenario (or targets file) cites (ranges such as
//! `F2.1-F2.6` expanded) is a row of the document, no id is listed twice, and every row names a
//! figure, a source and a confidence.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use regex_lite::Regex;

use crate::testutil::{read, root};

/// A row id: section and row, compared numerically (F1.9 before F1.10).
type Id = (u32, u32);

fn show(id: Id) -> String {
    format!("F{}.{}", id.0, id.1)
}

/// The files whose comments cite rows: the shipped scenarios, the `lockout new` starter and the
/// calibration targets.
fn citing_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join("scenarios"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    assert!(
        files.len() >= 8,
        "expected the shipped scenarios, found {files:?}"
    );
    files.push(root().join("src/scenario/starter.toml"));
    // The calibration targets cite the rows they were observed in.
    let mut targets: Vec<PathBuf> = std::fs::read_dir(root().join("scenarios/targets"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    targets.sort();
    assert!(!targets.is_empty(), "expected the flagship's targets");
    files.extend(targets);
    files
}

/// Every id cited in `text`, a range `Fa.b-Fa.c` standing for each row from b to c. A range
/// across sections, a backwards range or a range without its second `F` is an error.
fn cited(text: &str, file: &str) -> Result<BTreeSet<Id>, String> {
    let citation = Regex::new(r"\bF(\d+)\.(\d+)(?:-F(\d+)\.(\d+))?\b").unwrap();
    let half_range = Regex::new(r"\bF\d+\.\d+-\d").unwrap();
    if let Some(m) = half_range.find(text) {
        return Err(format!(
            "{file}: range without its second F: {:?}",
            m.as_str()
        ));
    }
    let mut ids = BTreeSet::new();
    for c in citation.captures_iter(text) {
        let num = |i: usize| c.get(i).map(|m| m.as_str().parse::<u32>().unwrap());
        let (section, first) = (num(1).unwrap(), num(2).unwrap());
        match (num(3), num(4)) {
            (None, _) => {
                ids.insert((section, first));
            }
            (Some(s), Some(last)) if s == section && last >= first => {
                ids.extend((first..=last).map(|row| (section, row)));
            }
            _ => return Err(format!("{file}: malformed range {:?}", &c[0])),
        }
    }
    Ok(ids)
}

/// Cited id -> the files that cite it.
fn citations() -> BTreeMap<Id, Vec<String>> {
    let mut by_id: BTreeMap<Id, Vec<String>> = BTreeMap::new();
    for path in citing_files() {
        let name = path.strip_prefix(root()).unwrap().display().to_string();
        for id in cited(&read(&path), &name).unwrap_or_else(|e| panic!("{e}")) {
            by_id.entry(id).or_default().push(name.clone());
        }
    }
    by_id
}

/// One table row of the document.
struct Row {
    line: usize,
    section_heading: Option<u32>,
    cells: Vec<String>,
}

/// The cells of a Markdown table line; `\|` inside a cell is not a separator.
fn cells(line: &str) -> Vec<String> {
    let inner = line.trim().trim_start_matches('|').trim_end_matches('|');
    let mut out = vec![String::new()];
    let mut chars = inner.chars().peekable();
    while let Some(ch) = chars.next() {
        match ch {
            '\\' if chars.peek() == Some(&'|') => {
                out.last_mut().unwrap().push(chars.next().unwrap())
            }
            '|' => out.push(String::new()),
            _ => out.last_mut().unwrap().push(ch),
        }
    }
    out.iter().map(|c| c.trim().to_string()).collect()
}

const HEADER: [&str; 5] = ["id", "figure", "source", "confidence", "used for"];

/// The rows of every id table in `docs/sources.md`, with the number of the `## N.` heading
/// above them. Every table whose first column is `id` must have the five columns.
fn rows() -> Vec<Row> {
    let text = read(&root().join("docs/sources.md"));
    let heading = Regex::new(r"^## (\d+)\. ").unwrap();
    let mut section = None;
    let mut in_table = false;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if let Some(c) = heading.captures(line) {
            section = Some(c[1].parse().unwrap());
        }
        if !line.starts_with('|') {
            in_table = false;
            continue;
        }
        let cs = cells(line);
        if cs.first().map(String::as_str) == Some("id") {
            assert_eq!(cs, HEADER, "docs/sources.md:{}: table header", i + 1);
            in_table = true;
        } else if in_table
            && !cs
                .iter()
                .all(|c| c.chars().all(|ch| ch == '-' || ch == ':'))
        {
            out.push(Row {
                line: i + 1,
                section_heading: section,
                cells: cs,
            });
        }
    }
    out
}

/// The ids of the document's rows, each checked for shape; panics on the first bad row.
fn documented() -> BTreeSet<Id> {
    let strict = Regex::new(r"^F(\d+)\.(\d+)$").unwrap();
    let mut seen = BTreeMap::new();
    let mut problems = Vec::new();
    for row in rows() {
        let at = format!("docs/sources.md:{}", row.line);
        if row.cells.len() != HEADER.len() {
            problems.push(format!(
                "{at}: {} cells, expected {}",
                row.cells.len(),
                HEADER.len()
            ));
            continue;
        }
        let Some(c) = strict.captures(&row.cells[0]) else {
            problems.push(format!(
                "{at}: id {:?} is not F<section>.<row>",
                row.cells[0]
            ));
            continue;
        };
        let id: Id = (c[1].parse().unwrap(), c[2].parse().unwrap());
        if row.section_heading != Some(id.0) {
            problems.push(format!(
                "{at}: {} under section {:?}",
                show(id),
                row.section_heading
            ));
        }
        for (col, name) in [
            (1, "figure"),
            (2, "source"),
            (3, "confidence"),
            (4, "used for"),
        ] {
            if row.cells[col].is_empty() {
                problems.push(format!("{at}: {} has no {name}", show(id)));
            }
        }
        if let Some(first) = seen.insert(id, row.line) {
            problems.push(format!("{at}: {} already listed on line {first}", show(id)));
        }
    }
    assert!(
        problems.is_empty(),
        "docs/sources.md:\n{}",
        problems.join("\n")
    );
    seen.into_keys().collect()
}

#[test]
fn every_id_a_scenario_cites_is_a_row_of_docs_sources_md() {
    let cited = citations();
    assert!(
        cited.len() >= 50,
        "the scenarios cite only {} ids: parsing broke?",
        cited.len()
    );
    let documented = documented();
    let missing: Vec<String> = cited
        .iter()
        .filter(|(id, _)| !documented.contains(id))
        .map(|(id, files)| format!("{} (cited in {})", show(*id), files.join(", ")))
        .collect();
    assert!(
        missing.is_empty(),
        "{} cited ids have no row in docs/sources.md:\n{}",
        missing.len(),
        missing.join("\n")
    );
}

#[test]
fn rows_are_unique_and_name_a_source_and_a_confidence() {
    // `documented` checks every row's shape, uniqueness, section and non-empty cells.
    let ids = documented();
    assert!(
        ids.len() >= 100,
        "docs/sources.md has only {} rows",
        ids.len()
    );
}

#[test]
fn citations_parse_ranges_strictly() {
    let ids = |t| {
        cited(t, "t")
            .unwrap()
            .into_iter()
            .map(show)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        ids("# F2.1-F2.3, F1.15; F10.2"),
        ["F1.15", "F2.1", "F2.2", "F2.3", "F10.2"]
    );
    assert_eq!(ids("# F3.16, F3.17 key + a tow"), ["F3.16", "F3.17"]);
    assert!(ids("# AF1.2 or F1.2x or [F5]").is_empty());
    assert!(cited("# F2.1-2.6", "t").is_err());
    assert!(cited("# F1.4-F2.6", "t").is_err());
    assert!(cited("# F2.6-F2.1", "t").is_err());
}

#[test]
fn table_cells_split_on_unescaped_pipes_only() {
    assert_eq!(cells("| F1.1 | a \\| b | c |"), ["F1.1", "a | b", "c"]);
}
