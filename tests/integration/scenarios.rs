//! Every shipped scenario passes `lockout check` and runs.

use crate::testutil::{epoch_of_date, lockout, read, root};

fn shipped() -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(root().join("scenarios"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    files
}

#[test]
fn the_flagship_and_the_issue_list_are_shipped() {
    let names: Vec<String> = shipped()
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert!(
        names.contains(&"mixed-population.toml".to_string()),
        "{names:?}"
    );
}

#[test]
fn every_shipped_scenario_checks_and_runs() {
    let dir = tempfile::tempdir().unwrap();
    for file in shipped() {
        let check = lockout().arg("check").arg(&file).output().unwrap();
        assert!(
            check.status.success(),
            "{}: {}",
            file.display(),
            String::from_utf8_lossy(&check.stderr)
        );
        assert!(String::from_utf8_lossy(&check.stdout).contains(": ok"));
        let sc = lockout::scenario::load(&file, &[]).unwrap().scenario;
        let out = dir.path().join(file.file_stem().unwrap());
        // Region scenarios run a few periods; the others a few incidents.
        let size = if sc.region.is_some() {
            ["--periods", "3"]
        } else {
            ["--incidents", "20000"]
        };
        lockout()
            .arg("run")
            .arg(&file)
            .args(size)
            .args(["--no-plots", "--out"])
            .arg(&out)
            .assert()
            .success();
        let summary = read(&out.join("summary.csv"));
        assert_eq!(
            summary.lines().count(),
            sc.strategies.len() + 1,
            "{}",
            file.display()
        );
        for table in [
            "remedies.csv",
            "segments.csv",
            "distributions.csv",
            "run.json",
        ] {
            assert!(out.join(table).exists(), "{}: no {table}", file.display());
        }
        // Some remedy resolves incidents in every scenario (not everything falls back).
        let remedies = read(&out.join("remedies.csv"));
        assert!(
            remedies
                .lines()
                .skip(1)
                .any(|l| !l.contains(",fallback,") && l.split(',').nth(4) != Some("0")),
            "{}: no remedy ever resolves an incident",
            file.display()
        );
    }
}

/// Runs `scenario` with its own defaults into a temporary directory and compares every file
/// with the committed reference results in `results/<stem>/`, byte for byte (run.json: every
/// field but the timings).
fn reproduces_committed_results(stem: &str, min_files: usize) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join(stem);
    let reference = root().join("results").join(stem);
    // The run is dated as the reference was, as `SOURCE_DATE_EPOCH` allows.
    let committed: serde_json::Value =
        serde_json::from_str(&read(&reference.join("run.json"))).unwrap();
    let date = committed["run_date"]
        .as_str()
        .expect("run.json has a run_date");
    lockout()
        .args(["run", &format!("scenarios/{stem}.toml"), "--out"])
        .arg(&out)
        .env("SOURCE_DATE_EPOCH", epoch_of_date(date).to_string())
        .assert()
        .success();
    let mut compared = 0;
    for entry in std::fs::read_dir(&reference).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if name == "run.json" {
            continue;
        }
        assert_eq!(
            std::fs::read(out.join(&name)).unwrap(),
            std::fs::read(reference.join(&name)).unwrap(),
            "results/{stem}/{name} is not reproduced: run results/regenerate.sh"
        );
        compared += 1;
    }
    assert!(compared >= min_files, "only {compared} files compared");
    let ours: serde_json::Value = serde_json::from_str(&read(&out.join("run.json"))).unwrap();
    let theirs: serde_json::Value =
        serde_json::from_str(&read(&reference.join("run.json"))).unwrap();
    let mut fields = 0;
    for (key, value) in theirs.as_object().unwrap() {
        if key.ends_with("_per_second")
            || key == "wall_time_s"
            || key == "threads"
            || key == "platform"
        {
            continue;
        }
        assert_eq!(&ours[key], value, "run.json {key}");
        fields += 1;
    }
    assert!(fields >= 10, "only {fields} run.json fields compared");
}

/// The README's main command reproduces the committed reference results of the flagship.
#[test]
fn the_main_command_reproduces_the_committed_results() {
    reproduces_committed_results("mixed-population", 15);
}

/// A region run reproduces its committed reference results: tables, loss tables, figures and
/// page of the delivery fleet (2,000 periods).
#[test]
fn a_region_run_reproduces_the_committed_results() {
    reproduces_committed_results("delivery-fleet", 20);
}
