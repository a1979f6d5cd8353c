//! `explain`: region incidents labelled by their SPLT EventId, filters and summaries, and the
//! reason a remedy was skipped.

use std::collections::BTreeSet;

use crate::testutil::{lockout, minimal};

const FLEET: &str = "scenarios/delivery-fleet.toml";

/// `explain --period K --summary --format json` for a strategy, with extra arguments.
fn summary(period: u64, strategy: &str, extra: &[&str]) -> Vec<serde_json::Value> {
    let out = lockout()
        .args(["explain", FLEET, "--period", &period.to_string()])
        .args(["--strategy", strategy, "--summary", "--format", "json"])
        .args(extra)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice::<serde_json::Value>(&out.stdout)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

#[test]
fn period_incident_ids_are_the_splt_event_ids() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("fleet");
    lockout()
        .args([
            "run",
            FLEET,
            "--periods",
            "3",
            "--ord",
            "--event-table",
            "--no-plots",
        ])
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let mut splt = csv::Reader::from_path(out.join("ord/splt.csv")).unwrap();
    let rows: Vec<csv::StringRecord> = splt.records().map(Result::unwrap).collect();
    let info = std::fs::read_to_string(out.join("ord/summary-info.csv")).unwrap();
    // The baseline, and a strategy with fewer lockouts (its arrivals are a subset of the
    // candidates, so ids have gaps that a count of arrivals would not have).
    for strategy in ["today's practice", "waist-pouch habit"] {
        let summary_id = info
            .lines()
            .find(|l| l.contains(&format!(",{strategy},ground_up")))
            .and_then(|l| l.split(',').next())
            .unwrap()
            .to_string();
        for period in [2u64, 3] {
            let expected: BTreeSet<u64> = rows
                .iter()
                .filter(|r| r[0] == *period.to_string() && r[8] == *summary_id)
                .map(|r| r[2].parse().unwrap())
                .collect();
            assert!(
                expected.len() > 10,
                "{strategy} period {period}: {expected:?}"
            );
            let incidents = summary(period, strategy, &[]);
            let with_loss: BTreeSet<u64> = incidents
                .iter()
                .filter(|i| i["loss"].as_f64().unwrap() > 0.0)
                .map(|i| i["event_id"].as_u64().unwrap())
                .collect();
            assert_eq!(with_loss, expected, "{strategy}, period {period}");
        }
    }
    // The text trace names incidents by the same ids.
    let text = lockout()
        .args(["explain", FLEET, "--period", "2"])
        .output()
        .unwrap();
    let text = String::from_utf8(text.stdout).unwrap();
    let first = summary(2, "today's practice", &[])[0]["event_id"]
        .as_u64()
        .unwrap();
    assert!(
        text.contains(&format!("arrival: incident #{first} ")),
        "{text:.400}"
    );
    assert!(text.contains("EventId"));
}

#[test]
fn period_filters_select_incidents() {
    let all = summary(2, "today's practice", &[]);
    let by = |r: &str| {
        summary(2, "today's practice", &["--remedy", r])
            .iter()
            .map(|i| i["event_id"].as_u64().unwrap())
            .collect::<BTreeSet<u64>>()
    };
    let locksmith = by("locksmith");
    let expected: BTreeSet<u64> = all
        .iter()
        .filter(|i| i["resolved_by"] == "locksmith")
        .map(|i| i["event_id"].as_u64().unwrap())
        .collect();
    assert!(!expected.is_empty() && expected.len() < all.len());
    assert_eq!(locksmith, expected);
    let window = summary(2, "today's practice", &["--from", "10 d", "--to", "20160"]);
    assert!(!window.is_empty() && window.len() < all.len());
    for i in &window {
        let t = i["arrival_min"].as_f64().unwrap();
        assert!((14_400.0..=20_160.0).contains(&t), "{t}");
    }
    let queued = summary(2, "today's practice", &["--outcome", "queued"]);
    assert!(
        queued
            .iter()
            .all(|i| i["queue_wait_min"].as_f64().unwrap() > 0.0)
    );
    let unresolved = summary(2, "today's practice", &["--outcome", "unresolved"]);
    assert!(unresolved.iter().all(|i| i["unresolved"] == true));
    // Text: one line per incident.
    let out = lockout()
        .args([
            "explain",
            FLEET,
            "--period",
            "2",
            "--summary",
            "--remedy",
            "locksmith",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text.lines().count(), 1 + expected.len(), "{text}");
    assert!(text.lines().skip(1).all(|l| l.contains("by locksmith")));
    // A remedy that does not exist is refused with the names.
    lockout()
        .args(["explain", FLEET, "--period", "2", "--remedy", "locksmth"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("remedies:"));
}

#[test]
fn explain_names_the_failed_precondition_and_the_switch() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("s.toml");
    let text = minimal(
        r#"[remedy.locksmith]
requires = ["phone_coverage", "!night"]
duration = "10 min"

[remedy.walk_home]
duration = "1 h"

[policy.only]
steps = ["locksmith", "walk_home"]

[[strategy]]
name = "no locksmith"
disable = ["locksmith"]
"#,
    )
    .replace(
        "place = \"home\"\nshare = 1.0",
        "place = \"home\"\nshare = 1.0\nphone_coverage = 0.0",
    );
    std::fs::write(&file, text).unwrap();
    let explain = |strategy: Option<&str>| {
        let mut cmd = lockout();
        cmd.arg("explain").arg(&file).args(["--incident", "0"]);
        if let Some(s) = strategy {
            cmd.args(["--strategy", s]);
        }
        String::from_utf8(cmd.output().unwrap().stdout).unwrap()
    };
    let base = explain(None);
    assert!(
        base.contains("locksmith skipped: precondition unmet: needs phone_coverage"),
        "{base}"
    );
    let off = explain(Some("no locksmith"));
    assert!(
        off.contains("locksmith skipped: unavailable under strategy \"no locksmith\""),
        "{off}"
    );
    // JSON carries the same reason.
    let out = lockout()
        .arg("explain")
        .arg(&file)
        .args(["--incident", "0", "--format", "json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let skipped = v["trace"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["remedy"] == "locksmith")
        .unwrap();
    assert_eq!(
        skipped["reason"],
        "precondition unmet: needs phone_coverage"
    );
}
