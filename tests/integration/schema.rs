//! One schema per table: every CSV table and `run.json` lockout writes is defined once, by its
//! row type in `lockout::report::schema`, and that type is what the writers serialise and the
//! figures read.
//!
//! * [`real_output_reads_back_and_rewrites_byte_for_byte`]: every table of a region run (with
//!   the ORD export) and of a region sweep has exactly its row type's header, every row reads
//!   back as that type, and writing the rows read gives the file again, byte for byte; both
//!   `run.json` files read back as their types and rewrite identically.
//! * [`column_names_are_spelled_only_in_the_schema`]: outside `src/report/schema/`, no string
//!   literal in the code that writes or reads a results directory spells a column or key name.

use std::path::{Path, PathBuf};

use lockout::report::schema::{
    EpRow, InsurerCostRow, Manifest, OrdAltRow, OrdEptRow, OrdSummaryInfoRow, QuantileRow,
    RemedyRow, ResponderRow, ScenarioInfo, SegmentRow, SpltRow, SummaryRow, SweepInfo,
    SweepManifest, SweepRow, WaitRow, YltRow, header, read_rows, write_rows,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::testutil::{lockout, read, root};

/// Reads `path` as rows of `T`, checks its header, writes the rows again and compares.
fn rewrites<T: Serialize + DeserializeOwned>(path: &Path) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let first = bytes.split(|&b| b == b'\n').next().unwrap();
    assert_eq!(
        std::str::from_utf8(first).unwrap(),
        header::<T>().join(","),
        "{}: header",
        path.display()
    );
    let rows: Vec<T> =
        read_rows(bytes.as_slice()).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(!rows.is_empty(), "{}: no rows", path.display());
    let mut again = Vec::new();
    write_rows(&mut again, rows).unwrap();
    assert!(
        again == bytes,
        "{} is not rewritten byte for byte",
        path.display()
    );
}

/// `ours` (a manifest read and written again) is `theirs` (as lockout wrote it): the same keys
/// in the same order and layout, and the same values. (serde_json parses floats to within an
/// ulp, not exactly, so the numbers are compared as parsed, not as text.)
fn same_json(ours: &str, theirs: &str) {
    let shape = |s: &str| s.trim_end().replace(|c: char| c.is_ascii_digit(), "");
    assert_eq!(shape(ours), shape(theirs));
    let parse = |s: &str| serde_json::from_str::<serde_json::Value>(s).unwrap();
    assert_eq!(parse(ours), parse(theirs));
}

#[test]
fn real_output_reads_back_and_rewrites_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    let scenario = "scenarios/metro-roadside-club.toml";
    lockout()
        .args([
            "run",
            scenario,
            "--periods",
            "2",
            "--ord",
            "--event-table",
            "--no-plots",
            "--out",
        ])
        .arg(&run)
        .assert()
        .success();
    let csv = |name: &str| run.join(name);
    rewrites::<SummaryRow>(&csv("summary.csv"));
    rewrites::<RemedyRow>(&csv("remedies.csv"));
    rewrites::<SegmentRow>(&csv("segments.csv"));
    rewrites::<QuantileRow>(&csv("distributions.csv"));
    rewrites::<ResponderRow>(&csv("responders.csv"));
    rewrites::<WaitRow>(&csv("waits.csv"));
    rewrites::<YltRow>(&csv("ylt.csv"));
    rewrites::<EpRow>(&csv("ep_curve.csv"));
    rewrites::<InsurerCostRow>(&csv("insurer_cost.csv"));
    rewrites::<OrdEptRow>(&csv("ord/ept.csv"));
    rewrites::<OrdAltRow>(&csv("ord/alt.csv"));
    rewrites::<OrdSummaryInfoRow>(&csv("ord/summary-info.csv"));
    rewrites::<SpltRow>(&csv("ord/splt.csv"));
    let text = read(&run.join("run.json"));
    let manifest: Manifest = serde_json::from_str(&text).unwrap();
    assert_eq!(
        serde_json::to_string_pretty(&manifest).unwrap() + "\n",
        text
    );

    let sweep = dir.path().join("sweep");
    lockout()
        .args(["sweep", scenario, "--periods", "1", "--no-plots"])
        .args(["--set", "region.pool.patrol trucks.count=3..4", "--out"])
        .arg(&sweep)
        .assert()
        .success();
    rewrites::<SweepRow>(&sweep.join("sweep.csv"));
    let text = read(&sweep.join("run.json"));
    let manifest: SweepManifest = serde_json::from_str(&text).unwrap();
    let value = serde_json::to_value(&manifest).unwrap();
    same_json(&serde_json::to_string_pretty(&value).unwrap(), &text);
}

/// Every column of every table and every key of both manifests, with the type defining it.
fn names() -> Vec<(&'static str, &'static str)> {
    let mut all = Vec::new();
    let mut add = |ty: &'static str, fields: &'static [&'static str]| {
        all.extend(fields.iter().map(|f| (*f, ty)));
    };
    add("SummaryRow", header::<SummaryRow>());
    add("RemedyRow", header::<RemedyRow>());
    add("SegmentRow", header::<SegmentRow>());
    add("QuantileRow", header::<QuantileRow>());
    add("ResponderRow", header::<ResponderRow>());
    add("WaitRow", header::<WaitRow>());
    add("YltRow", header::<YltRow>());
    add("EpRow", header::<EpRow>());
    add("InsurerCostRow", header::<InsurerCostRow>());
    add("OrdEptRow", header::<OrdEptRow>());
    add("OrdAltRow", header::<OrdAltRow>());
    add("OrdSummaryInfoRow", header::<OrdSummaryInfoRow>());
    add("SpltRow", header::<SpltRow>());
    add("SweepRow", header::<SweepRow>());
    add("Manifest", header::<Manifest>());
    add("ScenarioInfo", header::<ScenarioInfo>());
    add("SweepManifest", header::<SweepManifest>());
    add("SweepInfo", header::<SweepInfo>());
    all
}

/// The files that write or read a results directory: `src/report/` but the schema itself,
/// `src/sweep.rs` and `src/cli/` but `explain.rs` (whose JSON is its own format, on stdout).
fn output_layer() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    let src = root().join("src");
    let mut files = Vec::new();
    walk(&src.join("report"), &mut files);
    walk(&src.join("cli"), &mut files);
    files.retain(|f| !f.starts_with(src.join("report/schema")) && !f.ends_with("cli/explain.rs"));
    files.sort();
    files
}

/// Column and key names are spelled once: as a field (or `rename`) of their row type. The code
/// that writes or reads the tables names no column in a string literal: writers build rows,
/// readers deserialise them, and the figures' checks name columns with `stringify!` of the
/// field. Checked for every compound name (with `_` or a capital: `time_to_access_mean_min`,
/// `SummaryId`, ...); one-word names (`strategy`, `seed`, `incidents`) are also ordinary words
/// of the report page's labels, the terminal's headline table and error messages, so a
/// literal of one proves nothing either way.
#[test]
fn column_names_are_spelled_only_in_the_schema() {
    let names = names();
    let compound: Vec<&(&str, &str)> = names
        .iter()
        .filter(|(n, _)| n.contains('_') || n.chars().any(|c| c.is_ascii_uppercase()))
        .collect();
    assert!(
        compound.len() > 100,
        "only {} compound names",
        compound.len()
    );
    let mut found = Vec::new();
    for file in output_layer() {
        let text = std::fs::read_to_string(&file).unwrap();
        // Unit tests may spell columns to check the output.
        let code = text.split("#[cfg(test)]").next().unwrap();
        for (name, ty) in &compound {
            if code.contains(&format!("\"{name}\"")) {
                found.push(format!("{}: \"{name}\" (a column of {ty})", file.display()));
            }
        }
        for second_schema in ["write_record(", "json!("] {
            assert!(
                !code.contains(second_schema),
                "{}: {second_schema} writes a table or manifest by hand",
                file.display()
            );
        }
    }
    assert!(
        found.is_empty(),
        "column names spelled outside the schema: {found:#?}"
    );
}
