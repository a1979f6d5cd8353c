//! Beyond one process: shards merged give the tables of a single run; precision-driven runs
//! stop at a point that depends only on results; `merge` refuses parts that do not belong
//! together.

use std::path::{Path, PathBuf};

use crate::testutil::{lockout, read};

const TABLES: [&str; 4] = [
    "summary.csv",
    "remedies.csv",
    "segments.csv",
    "distributions.csv",
];
const SCENARIO: &str = "scenarios/mixed-population.toml";

fn run_shard(dir: &Path, k: u64, n: u64, incidents: &str, seed: &str) -> PathBuf {
    let out = dir.join(format!("part-{k}-of-{n}-{seed}-{incidents}"));
    lockout()
        .args(["run", SCENARIO, "--incidents", incidents, "--seed", seed])
        .args(["--shard", &format!("{k}/{n}"), "--out"])
        .arg(&out)
        .assert()
        .success();
    out
}

#[test]
fn three_shards_merged_equal_a_single_run() {
    let dir = tempfile::tempdir().unwrap();
    // 100,000 incidents are 7 chunks: the shards get 2, 2 and 3 of them.
    let parts: Vec<PathBuf> = (1..=3)
        .map(|k| run_shard(dir.path(), k, 3, "100000", "5"))
        .collect();
    for p in &parts {
        assert!(p.join("state.json").exists());
        assert!(!p.join("summary.csv").exists(), "a shard writes no tables");
        assert!(
            !p.join("time_to_access_cdf.png").exists(),
            "a shard draws nothing"
        );
    }
    let merged = dir.path().join("merged");
    lockout()
        .arg("merge")
        .args(&parts)
        .arg("--out")
        .arg(&merged)
        .assert()
        .success();
    let single = dir.path().join("single");
    lockout()
        .args([
            "run",
            SCENARIO,
            "--incidents",
            "100000",
            "--seed",
            "5",
            "--out",
        ])
        .arg(&single)
        .assert()
        .success();
    for t in TABLES {
        assert_eq!(read(&merged.join(t)), read(&single.join(t)), "{t} differs");
    }
    // The figures and the report page are drawn from the tables: identical too.
    for f in ["time_to_access_cdf.png", "annual_cost.svg", "report.html"] {
        assert_eq!(
            std::fs::read(merged.join(f)).unwrap(),
            std::fs::read(single.join(f)).unwrap(),
            "{f} differs"
        );
    }
    let manifest: serde_json::Value =
        serde_json::from_str(&read(&merged.join("run.json"))).unwrap();
    assert_eq!(manifest["merged_shards"], 3);
    assert_eq!(manifest["incidents"], 100000);
}

fn expect_merge_error(parts: &[&Path], out: &Path, needle: &str) {
    let output = lockout()
        .arg("merge")
        .args(parts)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains(needle), "expected {needle:?} in: {stderr}");
    assert!(!out.exists(), "merge wrote output despite the error");
}

#[test]
fn merge_refuses_parts_that_do_not_belong_together() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let a1 = run_shard(d, 1, 2, "40000", "1");
    let a2 = run_shard(d, 2, 2, "40000", "1");
    let out = d.join("out");
    // Incomplete and duplicated sets.
    expect_merge_error(&[&a1], &out, "incomplete shard set: missing 2/2");
    expect_merge_error(&[&a1, &a1], &out, "shard 1/2 is given twice");
    // Another seed, another size, another shard count.
    let other_seed = run_shard(d, 2, 2, "40000", "2");
    expect_merge_error(&[&a1, &other_seed], &out, "seed differs");
    let other_size = run_shard(d, 2, 2, "50000", "1");
    expect_merge_error(&[&a1, &other_size], &out, "incidents differs");
    let other_count = run_shard(d, 2, 3, "40000", "1");
    expect_merge_error(&[&a1, &other_count], &out, "shard count N differs");
    // Another scenario.
    let other_scenario = d.join("other-scenario");
    lockout()
        .args([
            "run",
            "scenarios/seasoned-driver.toml",
            "--incidents",
            "40000",
            "--seed",
            "1",
        ])
        .args(["--shard", "2/2", "--out"])
        .arg(&other_scenario)
        .assert()
        .success();
    expect_merge_error(&[&a1, &other_scenario], &out, "scenario (sha256) differs");
    // Another binary version or math backend: edit a copy's recorded identity.
    for (field, needle) in [
        ("lockout_version", "lockout version differs"),
        ("math_backend", "math backend or generator differs"),
    ] {
        let copy = d.join(format!("edited-{field}"));
        std::fs::create_dir_all(&copy).unwrap();
        let text = read(&a2.join("state.json"));
        let file: serde_json::Value = serde_json::from_str(&text).unwrap();
        let mut state = file["state"].clone();
        state["identity"][field] = "something else".into();
        // With its digest recomputed: the identity check, not the digest, must refuse it.
        let bytes = lockout::report::shard::envelope(state.to_string().as_bytes());
        std::fs::write(copy.join("state.json"), bytes).unwrap();
        expect_merge_error(&[&a1, &copy], &out, needle);
    }
    // Not a shard at all.
    expect_merge_error(&[&a1, d], &out, "is not a shard directory");
    // The good pair merges.
    lockout()
        .arg("merge")
        .args([&a1, &a2])
        .args(["--no-plots", "--out"])
        .arg(&out)
        .assert()
        .success();
}

#[test]
fn a_precision_run_stops_and_repeats_identically() {
    let dir = tempfile::tempdir().unwrap();
    let mut outputs = Vec::new();
    for (i, threads) in ["1", "2"].iter().enumerate() {
        let out = dir.path().join(format!("p{i}"));
        lockout()
            .args([
                "run",
                SCENARIO,
                "--precision",
                "0.02",
                "--no-plots",
                "--threads",
                threads,
            ])
            .args(["--max-incidents", "3000000", "--out"])
            .arg(&out)
            .assert()
            .success();
        let manifest: serde_json::Value =
            serde_json::from_str(&read(&out.join("run.json"))).unwrap();
        assert_eq!(manifest["precision_met"], true, "{manifest}");
        let reached = manifest["precision_reached"].as_f64().unwrap();
        assert!(reached <= 0.02, "{reached}");
        let incidents = manifest["incidents"].as_u64().unwrap();
        assert!(
            incidents < 3_000_000 && incidents.is_multiple_of(262_144),
            "{incidents}"
        );
        outputs.push((incidents, TABLES.map(|t| read(&out.join(t)))));
    }
    assert_eq!(outputs[0], outputs[1], "a repeated precision run differs");
    // The same number of incidents as a plain run gives the same tables.
    let plain = dir.path().join("plain");
    lockout()
        .args([
            "run",
            SCENARIO,
            "--no-plots",
            "--incidents",
            &outputs[0].0.to_string(),
            "--out",
        ])
        .arg(&plain)
        .assert()
        .success();
    assert_eq!(read(&plain.join("summary.csv")), outputs[0].1[0]);
}

#[test]
fn precision_with_shard_is_refused() {
    let output = lockout()
        .args([
            "run",
            SCENARIO,
            "--precision",
            "0.01",
            "--shard",
            "1/2",
            "--out",
            "/tmp/never",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("cannot be combined with --shard"));
}

/// Runs the Slurm recipe's steps by hand: three array tasks (SLURM_ARRAY_TASK_ID set as Slurm
/// would), then the merge job; the result equals a single run.
#[test]
fn the_slurm_recipe_runs_locally() {
    let dir = tempfile::tempdir().unwrap();
    let bin = assert_cmd::cargo::cargo_bin("lockout");
    let work = dir.path().join("shards");
    let out = dir.path().join("results");
    let env = |cmd: &mut std::process::Command| {
        cmd.current_dir(crate::testutil::root())
            .env("LOCKOUT", &bin)
            .env("SCENARIO", SCENARIO)
            .env("INCIDENTS", "60000")
            .env("SEED", "9")
            .env("SHARDS", "3")
            .env("WORK", &work)
            .env("OUT", &out)
            .env_remove("CI");
    };
    for k in 1..=3 {
        let mut cmd = std::process::Command::new("bash");
        cmd.arg("deploy/slurm/lockout-array.sbatch")
            .env("SLURM_ARRAY_TASK_ID", k.to_string());
        env(&mut cmd);
        let status = cmd.status().unwrap();
        assert!(status.success(), "array task {k} failed");
    }
    let mut merge = std::process::Command::new("bash");
    merge.arg("deploy/slurm/lockout-merge.sbatch");
    env(&mut merge);
    assert!(merge.status().unwrap().success(), "merge job failed");
    let single = dir.path().join("single");
    lockout()
        .args([
            "run",
            SCENARIO,
            "--incidents",
            "60000",
            "--seed",
            "9",
            "--no-plots",
            "--out",
        ])
        .arg(&single)
        .assert()
        .success();
    for t in TABLES {
        assert_eq!(read(&out.join(t)), read(&single.join(t)), "{t} differs");
    }
}
