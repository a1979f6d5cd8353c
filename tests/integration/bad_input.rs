//! Bad input: every class of mistake is reported with the file, line, field and rule broken,
//! a non-zero exit status, and nothing written.

use crate::testutil::{lockout, minimal};

const GOOD_REMEDIES: &str = r#"
[remedy.locksmith]
wait = { lognormal = { median = "30 min", p90 = "75 min" } }
duration = "5 min"
cost = 100.0

[policy.only]
steps = ["locksmith"]
"#;

/// Writes `text`, runs `lockout run` on it (plus `extra` arguments), and checks the failure:
/// exit status 2, stderr naming `file:LINE:` where LINE is the first line containing `marker`
/// (or no line when `marker` is empty), containing every `needle`, and no results directory.
fn expect_error(text: &str, marker: &str, needles: &[&str], extra: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.toml");
    std::fs::write(&file, text).unwrap();
    let out = dir.path().join("results");
    let output = lockout()
        .arg("run")
        .arg(&file)
        .args(["--incidents", "1000", "--no-plots", "--out"])
        .arg(&out)
        .args(extra)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "stderr: {stderr}");
    let shown = file.display().to_string();
    if !marker.is_empty() {
        let line = text
            .lines()
            .position(|l| l.contains(marker))
            .unwrap_or_else(|| panic!("marker {marker:?} not in the scenario"))
            + 1;
        let located = format!("{shown}:{line}:");
        assert!(stderr.contains(&located), "expected {located} in: {stderr}");
    } else {
        assert!(
            stderr.contains(&shown),
            "expected the file name in: {stderr}"
        );
    }
    for needle in needles {
        assert!(stderr.contains(needle), "expected {needle:?} in: {stderr}");
    }
    assert!(!out.exists(), "a results directory was written");
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(left, ["bad.toml"], "files left beside the scenario");
}

fn good() -> String {
    minimal(GOOD_REMEDIES)
}

#[test]
fn the_good_scenario_runs() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("good.toml");
    std::fs::write(&file, good()).unwrap();
    lockout()
        .arg("run")
        .arg(&file)
        .args(["--incidents", "1000", "--no-plots", "--out"])
        .arg(dir.path().join("r"))
        .assert()
        .success();
}

#[test]
fn typo_in_a_field() {
    let text = good().replace("keyless_trunk_button = 0.6", "keyless_trunk_buton = 0.6");
    expect_error(
        &text,
        "keyless_trunk_buton",
        &["unknown field `keyless_trunk_buton`"],
        &[],
    );
}

#[test]
fn probability_outside_0_1() {
    let text = good().replace("keyless_trunk_button = 0.6", "keyless_trunk_button = 1.6");
    expect_error(
        &text,
        "keyless_trunk_button = 1.6",
        &[
            "vehicle[0].keyless_trunk_button",
            "must be in [0, 1]",
            "1.6",
        ],
        &[],
    );
}

#[test]
fn shares_that_do_not_sum_to_1() {
    let text = good().replace(
        "name = \"car\"\nshare = 1.0",
        "name = \"car\"\nshare = 0.5\n\n[[vehicle]]\nname = \"van\"\nshare = 0.4",
    );
    expect_error(
        &text,
        "share = 0.5",
        &["vehicle[0].share", "must sum to 1", "0.9"],
        &[],
    );
}

#[test]
fn negative_time() {
    let text = good().replace("duration = \"5 min\"", "duration = \"-5 min\"");
    expect_error(&text, "-5 min", &["must not be negative"], &[]);
}

#[test]
fn p90_below_the_median() {
    let text = good().replace("p90 = \"75 min\"", "p90 = \"20 min\"");
    expect_error(
        &text,
        "p90 = \"20 min\"",
        &["remedy.locksmith.wait", "p90 must be above the median"],
        &[],
    );
}

#[test]
fn policy_naming_an_unknown_remedy() {
    let text = good().replace("steps = [\"locksmith\"]", "steps = [\"locksmth\"]");
    expect_error(
        &text,
        "locksmth",
        &["policy.only.steps", "unknown remedy `locksmth`"],
        &[],
    );
}

#[test]
fn strategy_changing_an_unknown_field() {
    let text = format!(
        "{}\n[[strategy]]\nname = \"member\"\nset = {{ \"driver.*.roadside_membr\" = 1.0 }}\n",
        good()
    );
    expect_error(
        &text,
        "roadside_membr",
        &["strategy \"member\"", "unknown field `roadside_membr`"],
        &[],
    );
    let text = format!(
        "{}\n[[strategy]]\nname = \"member\"\nset = {{ \"drivers.*.roadside_member\" = 1.0 }}\n",
        good()
    );
    expect_error(&text, "drivers.*", &["`drivers` does not exist"], &[]);
}

#[test]
fn no_baseline_or_two() {
    let text = good().replace("baseline = true", "baseline = false");
    expect_error(
        &text,
        "[[strategy]]",
        &["exactly one strategy must have baseline = true (none has)"],
        &[],
    );
    let text = format!(
        "{}\n[[strategy]]\nname = \"other\"\nbaseline = true # the second\n",
        good()
    );
    expect_error(
        &text,
        "# the second",
        &["\"base\" and \"other\" both do"],
        &[],
    );
}

#[test]
fn empty_or_non_toml_file() {
    expect_error("", "", &["the file is empty"], &[]);
    expect_error("   \n\n", "", &["the file is empty"], &[]);
    let text = "name = \"x\"\nthis is not toml {\n";
    expect_error(text, "this is not toml", &["bad.toml:2:"], &[]);
}

#[test]
fn set_on_a_field_that_does_not_exist() {
    expect_error(
        &good(),
        "[[vehicle]]",
        &["--set vehicle.car.colour", "not written in the scenario"],
        &["--set", "vehicle.car.colour=3"],
    );
    expect_error(
        &good(),
        "",
        &["--set vehicle.lorry.share", "no element named `lorry`"],
        &["--set", "vehicle.lorry.share=1"],
    );
}

#[test]
fn set_changes_a_numeric_field() {
    // A valid --set changes the run: the locksmith always fails, so every incident falls back.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("good.toml");
    std::fs::write(
        &file,
        good().replace("cost = 100.0", "cost = 100.0\nsuccess = 1.0"),
    )
    .unwrap();
    let out = dir.path().join("r");
    lockout()
        .arg("run")
        .arg(&file)
        .args([
            "--incidents",
            "1000",
            "--no-plots",
            "--set",
            "remedy.locksmith.success=0",
            "--out",
        ])
        .arg(&out)
        .assert()
        .success();
    let summary = std::fs::read_to_string(out.join("summary.csv")).unwrap();
    let row = summary.lines().nth(1).unwrap();
    let header: Vec<&str> = summary.lines().next().unwrap().split(',').collect();
    let col = header.iter().position(|h| *h == "unresolved_rate").unwrap();
    assert_eq!(row.split(',').nth(col), Some("1.0"));
    let manifest = std::fs::read_to_string(out.join("run.json")).unwrap();
    assert!(manifest.contains("remedy.locksmith.success=0"));
}

/// Counts on the command line are read as TOML writes them; negative and fractional values get
/// a message that says what is wrong, and `explain` refuses incidents and periods beyond the run.
#[test]
fn command_line_numbers_and_explain_ranges() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("res");
    for good in ["1_000", "1e3", "1000"] {
        lockout()
            .args(["run", "scenarios/mixed-population.toml", "--no-plots"])
            .args(["--incidents", good, "--out"])
            .arg(&out)
            .assert()
            .success()
            .stdout(predicates::str::contains("1000 incidents"));
    }
    for (bad, why) in [
        ("2.5", "not a whole number"),
        ("1e-3", "not a whole number"),
        ("-5", "negative"),
        ("1__0", "not a whole number"),
    ] {
        let o = lockout()
            .args(["run", "scenarios/mixed-population.toml", "--incidents", bad])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{bad}: {stderr}");
        assert!(
            stderr.contains("--incidents") && stderr.contains(why),
            "{bad}: {stderr}"
        );
    }
    let o = lockout()
        .args(["explain", "scenarios/mixed-population.toml", "--incident"])
        .arg("999999..1000000")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("--incidents") && stderr.contains("0 to 999999"),
        "{stderr}"
    );
    lockout()
        .args([
            "explain",
            "scenarios/mixed-population.toml",
            "--incident",
            "1000000",
        ])
        .args(["--incidents", "2e6"])
        .assert()
        .success();
    let o = lockout()
        .args([
            "explain",
            "scenarios/delivery-fleet.toml",
            "--period",
            "2001",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--periods"));
}
