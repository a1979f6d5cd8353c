//! Figures without traps, on a run made for the purpose: a strategy whose curve is identical
//! to the baseline's is named as such, remedies appear by their labels, and a remedy that
//! ended no incident is named once in a note rather than given a colour.

use crate::testutil::{lockout, minimal, read};

#[test]
fn figures_name_identical_curves_and_use_remedy_labels() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("s.toml");
    let text = minimal(
        r#"
[remedy.hanger]
label = "wire hanger through the seal"
success = 0.5
duration = "5 min"
grants_access = false
sets = ["cabin_open"]

[remedy.patrol]
label = "club patrol van"
duration = { exponential = { mean = "30 min" } }

[policy.only]
steps = ["hanger", "patrol"]

[[strategy]]
name = "fewer lockouts"
annual_cost = 0.05
incident_rate_multiplier = 0.5
"#,
    );
    std::fs::write(&file, text).unwrap();
    let out = dir.path().join("out");
    lockout()
        .arg("run")
        .arg(&file)
        .args(["--incidents", "2000", "--quiet", "--out"])
        .arg(&out)
        .assert()
        .success();
    let cdf = read(&out.join("time_to_access_cdf.svg"));
    assert!(cdf.contains("fewer lockouts (same curve as base)"), "{cdf}");
    // Its paired differences are all exactly zero: said so, not "indistinguishable".
    let diff = read(&out.join("difference_vs_baseline.svg"));
    assert!(diff.contains("identical in every incident"), "{diff}");
    let shares = read(&out.join("resolution_shares.svg"));
    assert!(shares.contains("club patrol van"));
    assert!(shares.contains("never ended an incident: wire hanger through the seal"));
    // Ids are not shown where labels exist.
    assert!(!shares.contains(">\npatrol\n<") && !shares.contains(">\nhanger\n<"));
    // The page embeds both.
    let page = read(&out.join("report.html"));
    assert!(page.contains("never ended an incident: wire hanger through the seal"));
    // The conclusion reads the paired annual difference of the cheapest strategy.
    assert!(
        page.contains("It saves USD") && page.contains("per vehicle and year (95% CI"),
        "{page}"
    );
}

/// A region run's strategies share each simulated year's arrivals: its differences are paired
/// by period, and the figure and page say so; the baseline's difference from itself is exactly
/// zero.
#[test]
fn region_differences_are_called_paired_by_period_and_the_baseline_is_zero() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    lockout()
        .args([
            "run",
            "scenarios/metro-roadside-club.toml",
            "--periods",
            "3",
        ])
        .args(["--quiet", "--out"])
        .arg(&out)
        .assert()
        .success();
    let summary = read(&out.join("summary.csv"));
    let mut lines = summary.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let base = lines.find(|l| l.contains(",true,")).expect("baseline row");
    let cells: Vec<&str> = base.split(',').collect();
    for (name, value) in header.iter().zip(&cells) {
        if name.contains("diff_vs_baseline") {
            assert_eq!(*value, "0.0", "{name}");
        }
    }
    let svg = read(&out.join("difference_vs_baseline.svg"));
    assert!(svg.contains("paired by period"), "{svg}");
    assert!(!svg.contains("unpaired") && !svg.contains("paired, per incident"));
    let page = read(&out.join("report.html"));
    assert!(page.contains("paired by period") && !page.contains("unpaired"));
}

/// The metro club's page says how its per-vehicle figures relate and warns when a pool loses a
/// large share of its lockout calls to other routes before dispatch.
#[test]
fn the_region_page_relates_its_figures_and_warns_of_abandoned_calls() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    lockout()
        .args([
            "run",
            "scenarios/metro-roadside-club.toml",
            "--periods",
            "5",
        ])
        .args(["--quiet", "--out"])
        .arg(&out)
        .assert()
        .success();
    let page = read(&out.join("report.html"));
    assert!(page.contains("claims per vehicle-year × mean claim = pure premium"));
    let responders = read(&out.join("responders.csv"));
    let (dispatched, abandoned) = responders
        .lines()
        .find(|l| l.starts_with("today's habits,patrol trucks,"))
        .map(|l| {
            let c: Vec<&str> = l.split(',').collect();
            (c[5].parse::<f64>().unwrap(), c[6].parse::<f64>().unwrap())
        })
        .unwrap();
    let share = abandoned / (dispatched + abandoned);
    assert!(
        share >= 0.25,
        "the test needs a pool that loses calls: {share}"
    );
    assert!(page.contains("of the lockout calls to <strong>patrol trucks</strong> were abandoned"));
}
