//! Golden fixtures: frozen copies of the shipped scenarios (as they were before the model
//! language grew user-defined facts, escalation, fallbacks by situation and uptake) and the
//! tables they gave, at a reduced size. Each copy must still give the same bytes: a new
//! feature of the language changes nothing for a scenario that does not use it.
//! `tests/golden/regenerate.sh` made them; rerunning it is a result change that needs a reason.

use std::path::Path;

use crate::testutil::{lockout, read, root};

/// run.json fields that measure the machine or the moment, not the model.
fn varies_by_machine(key: &str) -> bool {
    key.ends_with("_per_second")
        || matches!(key, "wall_time_s" | "threads" | "platform" | "run_date")
}

fn reproduces(stem: &str) {
    let golden = root().join("tests/golden").join(stem);
    let args: Vec<String> = read(&golden.join("args"))
        .lines()
        .map(str::to_owned)
        .collect();
    let out = tempfile::tempdir().unwrap();
    let tables = out.path().join("tables");
    lockout()
        .arg("run")
        // Relative, as the regeneration script gave it: run.json records the path.
        .arg(format!("tests/golden/{stem}/scenario.toml"))
        .args(&args)
        .args(["--threads", "2", "--no-plots", "--quiet", "--out"])
        .arg(&tables)
        .assert()
        .success();
    let expected = golden.join("tables");
    let mut compared = 0;
    for entry in std::fs::read_dir(&expected).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if name == "run.json" {
            compare_run_json(stem, &tables.join(&name), &expected.join(&name));
        } else {
            assert!(
                std::fs::read(tables.join(&name)).unwrap()
                    == std::fs::read(expected.join(&name)).unwrap(),
                "tests/golden/{stem}/tables/{name} is not reproduced by the frozen scenario"
            );
        }
        compared += 1;
    }
    assert!(compared >= 5, "{stem}: only {compared} files compared");
}

fn compare_run_json(stem: &str, ours: &Path, theirs: &Path) {
    let ours: serde_json::Value = serde_json::from_str(&read(ours)).unwrap();
    let theirs: serde_json::Value = serde_json::from_str(&read(theirs)).unwrap();
    let theirs = theirs.as_object().unwrap();
    for (key, value) in theirs {
        if varies_by_machine(key) {
            continue;
        }
        assert_eq!(&ours[key], value, "{stem}: run.json {key}");
    }
    assert!(
        theirs.len() >= 10,
        "{stem}: only {} run.json fields",
        theirs.len()
    );
}

#[test]
fn every_frozen_scenario_reproduces_its_tables() {
    let mut stems: Vec<String> = std::fs::read_dir(root().join("tests/golden"))
        .unwrap()
        .filter_map(|e| {
            let e = e.unwrap();
            e.file_type()
                .unwrap()
                .is_dir()
                .then(|| e.file_name().to_string_lossy().into_owned())
        })
        .collect();
    stems.sort();
    assert!(stems.len() >= 8, "only {} golden scenarios", stems.len());
    for stem in &stems {
        reproduces(stem);
    }
}
