//! `lockout sweep` values exact in decimal, duration sweeps, the sweep figure and `lockout plot`
//! on a sweep directory, and `--set` on fields a file leaves at their default.

use std::path::Path;

use crate::testutil::{lockout, read};

const FLAGSHIP: &str = "scenarios/mixed-population.toml";

/// The header and rows of a CSV table.
fn table(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let header = r.headers().unwrap().iter().map(String::from).collect();
    let rows = r
        .records()
        .map(|rec| rec.unwrap().iter().map(String::from).collect())
        .collect();
    (header, rows)
}

/// The distinct values of column `name`, in order of appearance.
fn column(path: &Path, name: &str) -> Vec<String> {
    let (h, rows) = table(path);
    let i = h.iter().position(|c| c == name).expect("column");
    let mut out: Vec<String> = Vec::new();
    for r in rows {
        if !out.contains(&r[i]) {
            out.push(r[i].clone());
        }
    }
    out
}

/// The value of `name` in the first row with `swept_value` = `at`.
fn cell(path: &Path, at: &str, strategy: &str, name: &str) -> f64 {
    let (h, rows) = table(path);
    let c = |n: &str| h.iter().position(|x| x == n).expect("column");
    let row = rows
        .iter()
        .find(|r| r[c("swept_value")] == at && r[c("strategy")] == strategy)
        .expect("row");
    row[c(name)].parse().expect("number")
}

#[test]
fn a_decimal_sweep_writes_exactly_the_decimal_values() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sweep");
    lockout()
        .args(["sweep", FLAGSHIP, "--incidents", "2000", "--no-plots"])
        .args(["--set", "remedy.locksmith.success=0.05..0.10:0.01", "--out"])
        .arg(&out)
        .assert()
        .success();
    let csv = out.join("sweep.csv");
    assert_eq!(
        column(&csv, "swept_value"),
        ["0.05", "0.06", "0.07", "0.08", "0.09", "0.1"]
    );
    let run: serde_json::Value = serde_json::from_str(&read(&out.join("run.json"))).unwrap();
    assert_eq!(
        run["sweep"]["values"],
        serde_json::json!([0.05, 0.06, 0.07, 0.08, 0.09, 0.1])
    );
}

#[test]
fn a_duration_sweep_runs_and_changes_the_result() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sweep");
    // `duration` is a distribution in the file: each value replaces it with a fixed duration.
    lockout()
        .args(["sweep", FLAGSHIP, "--incidents", "5000", "--no-plots"])
        .args([
            "--set",
            "remedy.locksmith.duration=5 min..15 min:5 min",
            "--out",
        ])
        .arg(&out)
        .assert()
        .success();
    let csv = out.join("sweep.csv");
    assert_eq!(column(&csv, "swept_value"), ["5.0", "10.0", "15.0"]);
    assert_eq!(column(&csv, "unit"), ["min"]);
    let t = |v: &str| cell(&csv, v, "today's habits", "time_to_access_mean_min");
    assert!(
        t("5.0") < t("10.0") && t("10.0") < t("15.0"),
        "{} {} {}",
        t("5.0"),
        t("10.0"),
        t("15.0")
    );
    // A duration inside a distribution, in mixed units (written in the smallest).
    let out = dir.path().join("sweep2");
    lockout()
        .args(["sweep", FLAGSHIP, "--incidents", "1000", "--no-plots"])
        .args(["--set", "horizon=1 h..2 h:30 min", "--out"])
        .arg(&out)
        .assert()
        .success();
    assert_eq!(
        column(&out.join("sweep.csv"), "swept_value"),
        ["60.0", "90.0", "120.0"]
    );
}

#[test]
fn an_incident_level_sweep_draws_its_figure_and_plot_redraws_it() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sweep");
    lockout()
        .args(["sweep", FLAGSHIP, "--incidents", "2000"])
        .args(["--set", "remedy.roadside.success=0.5..0.9:0.2", "--out"])
        .arg(&out)
        .assert()
        .success();
    let png = out.join("sweep_means.png");
    let svg = out.join("sweep_means.svg");
    let (png_bytes, svg_text) = (std::fs::read(&png).unwrap(), read(&svg));
    assert!(svg_text.contains("remedy.roadside.success"));
    assert!(svg_text.contains("Time to access") && svg_text.contains("Total cost"));
    assert!(
        !out.join("staffing.png").exists(),
        "no pools, no staffing figure"
    );
    // `lockout plot` redraws a sweep directory, identically.
    std::fs::remove_file(&png).unwrap();
    lockout().arg("plot").arg(&out).assert().success();
    assert_eq!(std::fs::read(&png).unwrap(), png_bytes);
    assert_eq!(read(&svg), svg_text);
    // ...and still refuses to overwrite a figure lockout did not write.
    let foreign = dir.path().join("foreign");
    std::fs::create_dir(&foreign).unwrap();
    std::fs::copy(out.join("sweep.csv"), foreign.join("sweep.csv")).unwrap();
    std::fs::write(foreign.join("sweep_means.png"), "mine").unwrap();
    lockout().arg("plot").arg(&foreign).assert().code(2);
    assert_eq!(read(&foreign.join("sweep_means.png")), "mine");
}

#[test]
fn set_on_a_field_left_at_its_default_changes_the_result() {
    let dir = tempfile::tempdir().unwrap();
    let summary = |set: Option<&str>, name: &str| {
        let out = dir.path().join(name);
        let mut cmd = lockout();
        cmd.args([
            "run",
            FLAGSHIP,
            "--incidents",
            "5000",
            "--no-plots",
            "--out",
        ])
        .arg(&out);
        if let Some(s) = set {
            cmd.args(["--set", s]);
        }
        cmd.assert().success();
        read(&out.join("summary.csv"))
    };
    // The flagship does not write reach_into_cabin's `success` (default 1).
    let doc: toml::Table = toml::from_str(&read(&crate::testutil::root().join(FLAGSHIP))).unwrap();
    assert!(doc["remedy"]["reach_into_cabin"].get("success").is_none());
    let base = summary(None, "base");
    let set = summary(Some("remedy.reach_into_cabin.success=0.5"), "set");
    assert_ne!(base, set);
    // A sweep over it works too; a field that is not numeric is still refused.
    lockout()
        .args([
            "check",
            FLAGSHIP,
            "--set",
            "remedy.reach_into_cabin.available=0",
        ])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("not a numeric field"));
}
