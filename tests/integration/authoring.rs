//! Help for scenario authors: `lockout new` writes a starter that passes `check` and never
//! overwrites; `lockout schema` describes the format so that every shipped scenario validates
//! and files with known mistakes do not (checked with the `jsonschema` crate, as an editor
//! would).

use crate::testutil::{lockout, minimal, read, root};

/// The schema `lockout schema` prints.
fn schema() -> serde_json::Value {
    let out = lockout().arg("schema").output().unwrap();
    assert!(out.status.success());
    serde_json::from_slice(&out.stdout).expect("lockout schema prints JSON")
}

/// A TOML document as the JSON an editor validates.
fn as_json(text: &str) -> serde_json::Value {
    let table: toml::Table = toml::from_str(text).expect("TOML");
    serde_json::to_value(table).unwrap()
}

fn errors(validator: &jsonschema::Validator, text: &str) -> Vec<String> {
    validator
        .iter_errors(&as_json(text))
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

#[test]
fn new_writes_a_starter_that_passes_check_and_never_overwrites() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("my.toml");
    lockout().arg("new").arg(&path).assert().success();
    let text = read(&path);
    assert!(text.starts_with('#'), "the starter is commented");
    lockout()
        .arg("check")
        .arg(&path)
        .assert()
        .success()
        .stdout(predicates::str::contains(": ok"));
    lockout()
        .args(["run", "--incidents", "1000", "--no-plots", "--out"])
        .arg(dir.path().join("out"))
        .arg(&path)
        .assert()
        .success();
    // An existing file, the starter or anyone's, is refused and left alone.
    std::fs::write(&path, "my own notes").unwrap();
    lockout()
        .arg("new")
        .arg(&path)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("already exists"));
    assert_eq!(read(&path), "my own notes");
    // No temporary file is left beside it.
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        names.iter().all(|n| !n.contains("lockout-tmp")),
        "{names:?}"
    );
}

#[test]
fn every_shipped_scenario_and_the_starter_validate_against_the_schema() {
    let schema = schema();
    assert_eq!(schema["$schema"], "http://json-schema.org/draft-07/schema#");
    let validator = jsonschema::validator_for(&schema).expect("a valid JSON Schema");
    let mut checked = 0;
    for entry in std::fs::read_dir(root().join("scenarios")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            let errs = errors(&validator, &read(&path));
            assert!(errs.is_empty(), "{}: {errs:#?}", path.display());
            checked += 1;
        }
    }
    assert!(checked >= 8, "{checked} scenarios");
    let errs = errors(&validator, lockout::scenario::STARTER);
    assert!(errs.is_empty(), "starter: {errs:#?}");
    let errs = errors(
        &validator,
        &minimal("[remedy.b]\nduration = \"2 min\"\n[policy.only]\nsteps = [\"b\"]"),
    );
    assert!(errs.is_empty(), "minimal: {errs:#?}");
}

#[test]
fn files_with_known_mistakes_fail_validation_as_they_fail_check() {
    let validator = jsonschema::validator_for(&schema()).unwrap();
    let good = minimal(
        "[remedy.b]\nduration = { lognormal = { median = \"2 min\", p90 = \"5 min\" } }\nrequires = [\"!night\"]\n[policy.only]\nsteps = [{ race = [\"b\"] }]",
    );
    assert!(errors(&validator, &good).is_empty());
    let mistakes = [
        // A wrong type.
        ("price_year = 2025", "price_year = \"2025\"", "price_year"),
        // An unknown field.
        (
            "keyless_trunk_button = 0.6",
            "keyless_trunk_button = 0.6\ncolour = \"red\"",
            "vehicle",
        ),
        // A bad duration: no unit, and an unknown unit.
        ("horizon = \"100 d\"", "horizon = 100", "horizon"),
        ("horizon = \"100 d\"", "horizon = \"100 days\"", "horizon"),
        ("median = \"2 min\"", "median = \"2 minutes\"", "duration"),
        // A distribution family that does not exist.
        ("lognormal = { median", "lognormal_ = { median", "duration"),
        // A probability above 1, a fact that does not exist, a bad step.
        (
            "keyless_trunk_button = 0.6",
            "keyless_trunk_button = 1.6",
            "vehicle",
        ),
        ("\"!night\"", "\"!nite\"", "requires"),
        ("{ race = [\"b\"] }", "{ rase = [\"b\"] }", "steps"),
    ];
    let dir = tempfile::tempdir().unwrap();
    for (from, to, at) in mistakes {
        assert!(good.contains(from), "{from}");
        let bad = good.replacen(from, to, 1);
        let errs = errors(&validator, &bad);
        assert!(!errs.is_empty(), "{to}: validates but should not");
        assert!(errs.iter().any(|e| e.contains(at)), "{to}: {errs:#?}");
        // The loader refuses the same file.
        let file = dir.path().join("bad.toml");
        std::fs::write(&file, &bad).unwrap();
        lockout().arg("check").arg(&file).assert().code(2);
    }
}
