//! Column types: every column of every table reads in pandas with the dtype the README's
//! "Column types and names" table gives its name, in every shipped scenario's tables (the
//! golden fixtures) and in edge runs: one incident, fixed values only, no loss at all, a
//! region with its ORD files and event table; sweeps; the flagship's committed uncertainty and
//! calibration tables. pandas' inference is reproduced here, so the
//! check needs no Python: a column is `int64` when every field is a whole number, `bool` when
//! every field is `True`/`False` (any case pandas accepts), `float64` when every field is a
//! number or empty (or another of pandas' NA words), else `str`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::testutil::{lockout, read, root};

/// The dtype of each documented column name, read from the README; `float64` for the rest.
fn documented() -> BTreeMap<String, &'static str> {
    let readme = read(&root().join("README.md"));
    let mut types = BTreeMap::new();
    for (prefix, dtype) in [
        ("| `int64`", "int64"),
        ("| `bool`", "bool"),
        ("| `str`", "str"),
    ] {
        let line = readme
            .lines()
            .find(|l| l.starts_with(prefix))
            .unwrap_or_else(|| panic!("README has no column-type row {prefix}"));
        let columns = line.splitn(3, '|').nth(2).unwrap();
        let names: Vec<&str> = columns.split('`').skip(1).step_by(2).collect();
        assert!(names.len() >= 2, "{line}");
        for name in names {
            let before = types.insert(name.to_string(), dtype);
            assert!(before.is_none(), "{name} is documented twice");
        }
    }
    types
}

/// pandas' default NA words, read as NaN.
const NA: [&str; 17] = [
    "", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
    "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a",
];

/// The dtype pandas infers for a column of CSV fields (at least one row).
fn infer(fields: &[&str]) -> &'static str {
    let na = |f: &str| NA.contains(&f) || f == "nan" || f == "null";
    let whole = |f: &str| {
        let digits = f.strip_prefix(['+', '-']).unwrap_or(f);
        !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) && f.parse::<i64>().is_ok()
    };
    let boolean = |f: &str| ["True", "False", "TRUE", "FALSE", "true", "false"].contains(&f);
    if fields.iter().all(|f| whole(f)) {
        "int64"
    } else if fields.iter().all(|f| boolean(f)) {
        "bool"
    } else if fields.iter().all(|f| na(f) || f.parse::<f64>().is_ok()) {
        "float64"
    } else {
        "str"
    }
}

/// Every CSV file under `dir`, recursively.
fn csv_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            csv_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "csv") {
            out.push(path);
        }
    }
}

/// Checks every column of every table under `dir`; returns how many columns were checked.
fn check_dir(dir: &Path, types: &BTreeMap<String, &'static str>) -> usize {
    let mut files = Vec::new();
    csv_files(dir, &mut files);
    assert!(!files.is_empty(), "no tables in {}", dir.display());
    let mut checked = 0;
    for file in files {
        let text = read(&file);
        let mut r = csv::Reader::from_reader(text.as_bytes());
        let head: Vec<String> = r.headers().unwrap().iter().map(str::to_string).collect();
        let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
        if rows.is_empty() {
            continue; // pandas has no values to infer from
        }
        for (c, name) in head.iter().enumerate() {
            let fields: Vec<&str> = rows.iter().map(|row| row.get(c).unwrap()).collect();
            let want = types.get(name).copied().unwrap_or("float64");
            let got = infer(&fields);
            assert_eq!(
                got,
                want,
                "{}: column {name} reads as {got}, documented {want} (values {:?}…)",
                file.display(),
                &fields[..fields.len().min(5)]
            );
            checked += 1;
        }
    }
    checked
}

#[test]
fn inference_follows_pandas() {
    assert_eq!(infer(&["1", "-2", "+3"]), "int64");
    assert_eq!(infer(&["1", ""]), "float64");
    assert_eq!(infer(&["1", "2.0"]), "float64");
    assert_eq!(infer(&["", ""]), "float64");
    assert_eq!(infer(&["1e5", "NaN", "inf"]), "float64");
    assert_eq!(infer(&["true", "False"]), "bool");
    assert_eq!(infer(&["true", ""]), "str");
    assert_eq!(infer(&["EUR", ""]), "str");
}

/// Every shipped scenario's tables, as frozen in the golden fixtures.
#[test]
fn every_shipped_scenarios_tables_have_their_documented_dtypes() {
    let types = documented();
    let mut checked = 0;
    let mut scenarios = 0;
    for entry in std::fs::read_dir(root().join("tests/golden")).unwrap() {
        let dir = entry.unwrap().path().join("tables");
        if dir.is_dir() {
            checked += check_dir(&dir, &types);
            scenarios += 1;
        }
    }
    assert!(scenarios >= 8, "{scenarios} scenarios");
    assert!(checked > 500, "{checked} columns");
}

/// A scenario whose one remedy takes a fixed 30 s and costs nothing: fixed values only, and
/// no loss in a region run.
fn fixed_scenario(region: bool) -> String {
    let mut text = r#"name = "fixed"
currency = "USD"
price_year = 2025
incident_rate_per_vehicle_year = 1.0
value_of_time_per_hour = 0.0
horizon = "1000 d"
incidents = 1000

[fallback]
name = "tow"
duration = "1 h"

[[vehicle]]
name = "car"
share = 1.0

[[driver]]
name = "driver"
share = 1.0
policy = "only"

[[context]]
place = "home"
share = 1.0

[remedy.button]
duration = "30 s"
cost = 0.0

[policy.only]
steps = ["button"]

[[strategy]]
name = "base"
baseline = true
"#
    .to_string();
    if region {
        text.push_str(
            "\n[region]\nvehicles = 100\nperiods = 3\n\n[[region.pool]]\nname = \"helpers\"\n\
             count = 1\nserves = [\"button\"]\ntravel = \"0 min\"\n",
        );
    }
    text
}

/// Edge runs: one incident; fixed values only (one strategy); a region without any loss, with
/// its ORD files and event table; a region with loss, its ORD files and event table.
#[test]
fn edge_runs_have_their_documented_dtypes() {
    let types = documented();
    let dir = tempfile::tempdir().unwrap();
    let incident = dir.path().join("fixed.toml");
    std::fs::write(&incident, fixed_scenario(false)).unwrap();
    let region = dir.path().join("fixed-region.toml");
    std::fs::write(&region, fixed_scenario(true)).unwrap();
    let delivery = root().join("scenarios/delivery-fleet.toml");
    let runs: [(&Path, &[&str]); 4] = [
        (&incident, &["--incidents", "1"]),
        (&incident, &[]),
        (&region, &["--ord", "--event-table"]),
        (&delivery, &["--periods", "5", "--ord", "--event-table"]),
    ];
    let mut checked = 0;
    for (k, (scenario, args)) in runs.iter().enumerate() {
        let out = dir.path().join(format!("out{k}"));
        lockout()
            .arg("run")
            .arg(scenario)
            .args(*args)
            .args(["--no-plots", "--quiet", "--out"])
            .arg(&out)
            .assert()
            .success();
        checked += check_dir(&out, &types);
    }
    assert!(checked > 200, "{checked} columns");
}

/// `sweep.csv` of an incident-level sweep over whole numbers (no pool) and of a region sweep.
#[test]
fn sweep_tables_have_their_documented_dtypes() {
    let types = documented();
    let dir = tempfile::tempdir().unwrap();
    let incident = dir.path().join("fixed.toml");
    std::fs::write(&incident, fixed_scenario(false)).unwrap();
    let region = dir.path().join("fixed-region.toml");
    std::fs::write(&region, fixed_scenario(true)).unwrap();
    let sweeps: [(&Path, &str); 2] = [
        (&incident, "incident_rate_per_vehicle_year=1..3"),
        (&region, "region.pool.helpers.count=1..2"),
    ];
    let mut checked = 0;
    for (k, (scenario, set)) in sweeps.iter().enumerate() {
        let out = dir.path().join(format!("sweep{k}"));
        lockout()
            .arg("sweep")
            .arg(scenario)
            .args([
                "--set",
                set,
                "--incidents",
                "100",
                "--no-plots",
                "--quiet",
                "--out",
            ])
            .arg(&out)
            .assert()
            .success();
        checked += check_dir(&out, &types);
    }
    assert!(checked >= 44, "{checked} columns");
}

/// The committed tables of `lockout uncertainty` and `lockout calibrate` on the flagship
/// (draws, decision, sensitivity; calibration, parameters, sets, the joint sample).
#[test]
fn uncertainty_and_calibration_tables_have_their_documented_dtypes() {
    let types = documented();
    let mut checked = 0;
    for dir in [
        "results/mixed-population-uncertainty",
        "results/mixed-population-calibration",
    ] {
        checked += check_dir(&root().join(dir), &types);
    }
    assert!(checked > 60, "{checked} columns");
}
