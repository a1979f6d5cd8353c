//! Never lose a user's file: `--out` replaces only what lockout wrote, interrupted or failing
//! runs leave the old results and no debris, concurrent writers end with one complete result,
//! and the exit codes say what happened.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::testutil::{lockout, root};

const FLAGSHIP: &str = "scenarios/mixed-population.toml";
const FLEET: &str = "scenarios/delivery-fleet.toml";

/// Every file below `dir` with its bytes, by relative path (run.json without its timings).
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(root: &Path, here: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
        for e in std::fs::read_dir(here).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                out.insert(
                    p.strip_prefix(root).unwrap().to_path_buf(),
                    std::fs::read(&p).unwrap(),
                );
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// The names in `dir`, sorted.
fn names_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

fn run_into(out: &Path, incidents: &str, extra: &[&str]) -> std::process::Output {
    lockout()
        .args(["run", FLAGSHIP, "--incidents", incidents])
        .args(extra)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap()
}

/// A complete results directory: every file its marker lists exists, and nothing else.
fn assert_complete(dir: &Path) {
    let marker = std::fs::read_to_string(dir.join(".lockout-files")).unwrap();
    let listed: Vec<&str> = marker.lines().filter(|l| !l.starts_with('#')).collect();
    let mut present: Vec<String> = snapshot(dir)
        .keys()
        .map(|p| p.to_string_lossy().into_owned())
        .filter(|p| p != ".lockout-files")
        .collect();
    present.sort();
    assert_eq!(
        listed,
        present,
        "{} is not one complete result",
        dir.display()
    );
    assert!(dir.join("summary.csv").exists() && dir.join("run.json").exists());
}

#[test]
fn unrelated_files_in_out_survive_and_are_named() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("study");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("notes.txt"), "my notes").unwrap();
    std::fs::create_dir(out.join("older")).unwrap();
    std::fs::write(out.join("older/data.csv"), "1,2").unwrap();
    let before = snapshot(&out);
    let r = run_into(&out, "200", &[]);
    let stderr = String::from_utf8_lossy(&r.stderr);
    assert_eq!(r.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("notes.txt") && stderr.contains("older/data.csv"),
        "{stderr}"
    );
    assert!(stderr.contains("study"), "{stderr}");
    assert_eq!(snapshot(&out), before);
    assert_eq!(names_in(d.path()), ["study"], "debris beside the target");

    // sweep and merge follow the same rule.
    let r = lockout()
        .args(["sweep", FLAGSHIP, "--incidents", "200", "--set"])
        .arg("remedy.locksmith.cost=100..120:20")
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(
        r.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&r.stderr)
    );
    let part = d.path().join("part");
    assert!(run_into(&part, "200", &["--shard", "1/1"]).status.success());
    let r = lockout()
        .arg("merge")
        .arg(&part)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(
        r.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&r.stderr)
    );
    assert_eq!(snapshot(&out), before);

    // A regular file is refused, and so is a directory of other studies.
    let file = d.path().join("file.txt");
    std::fs::write(&file, "keep").unwrap();
    let r = run_into(&file, "200", &[]);
    assert_eq!(r.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&r.stderr).contains("not a directory"));
    assert_eq!(std::fs::read(&file).unwrap(), b"keep");
    let r = run_into(d.path(), "200", &[]);
    assert_eq!(r.status.code(), Some(2));
    assert!(out.join("notes.txt").exists() && part.join("state.json").exists());
}

#[test]
fn an_empty_directory_is_used_and_lockouts_own_results_replaced() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("empty");
    std::fs::create_dir(&out).unwrap();
    assert!(run_into(&out, "200", &["--no-plots"]).status.success());
    assert_complete(&out);
    assert!(run_into(&out, "300", &["--no-plots"]).status.success());
    assert_complete(&out);
}

/// Starts a long run writing into `out` and waits until its staging directory exists.
fn start_long_run(args: &[&str], out: &Path) -> Child {
    let child = Command::new(assert_cmd::cargo::cargo_bin("lockout"))
        .current_dir(root())
        .args(args)
        .arg("--out")
        .arg(out)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let parent = out.parent().unwrap();
    let started = Instant::now();
    while !names_in(parent).iter().any(|n| n.contains(".lockout-tmp-")) {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "no staging directory"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // Let it simulate for a moment.
    std::thread::sleep(Duration::from_millis(300));
    child
}

fn signal(child: &Child, name: &str) {
    let ok = Command::new("kill")
        .args([format!("-{name}"), child.id().to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok, "kill -{name} failed");
}

fn interrupted_runs_leave_the_old_result(long_run: &[&str], short_run: &[&str]) {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("res");
    let mut short = lockout();
    short
        .args(short_run)
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let before = snapshot(&out);

    // SIGINT and SIGTERM: the run removes its staging directory and exits 128 + signal.
    for (sig, code) in [("INT", 130), ("TERM", 143)] {
        let mut child = start_long_run(long_run, &out);
        signal(&child, sig);
        let status = child.wait().unwrap();
        assert_eq!(status.code(), Some(code), "SIG{sig}");
        assert_eq!(snapshot(&out), before, "SIG{sig} changed the old result");
        assert_eq!(names_in(d.path()), ["res"], "SIG{sig} left debris");
    }

    // SIGKILL: debris is left, old results intact; the next run removes the debris.
    let mut child = start_long_run(long_run, &out);
    signal(&child, "KILL");
    child.wait().unwrap();
    assert_eq!(snapshot(&out), before);
    assert!(
        names_in(d.path()).len() > 1,
        "expected a dead run's staging directory"
    );
    let mut short = lockout();
    short
        .args(short_run)
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    assert_eq!(
        names_in(d.path()),
        ["res"],
        "the dead run's debris was not removed"
    );
}

#[test]
fn interrupted_incident_runs_leave_the_old_result_and_no_debris() {
    interrupted_runs_leave_the_old_result(
        &[
            "run",
            FLAGSHIP,
            "--incidents",
            "1000000000",
            "--threads",
            "1",
        ],
        &["run", FLAGSHIP, "--incidents", "500", "--no-plots"],
    );
}

#[test]
fn interrupted_region_runs_leave_the_old_result_and_no_debris() {
    interrupted_runs_leave_the_old_result(
        &[
            "run",
            FLEET,
            "--periods",
            "1000000",
            "--threads",
            "1",
            "--ord",
            "--event-table",
        ],
        &["run", FLEET, "--periods", "3", "--no-plots"],
    );
}

#[test]
fn a_live_runs_staging_directory_is_not_removed() {
    let d = tempfile::tempdir().unwrap();
    let long_out = d.path().join("long");
    let mut child = start_long_run(
        &[
            "run",
            FLAGSHIP,
            "--incidents",
            "1000000000",
            "--threads",
            "1",
        ],
        &long_out,
    );
    let staging: Vec<String> = names_in(d.path());
    // Another run writing into the same parent cleans up dead runs only.
    assert!(
        run_into(&d.path().join("short"), "200", &["--no-plots"])
            .status
            .success()
    );
    let after = names_in(d.path());
    for s in &staging {
        assert!(after.contains(s), "{s} of a live run was removed");
    }
    assert!(child.try_wait().unwrap().is_none(), "the long run died");
    signal(&child, "INT");
    assert_eq!(child.wait().unwrap().code(), Some(130));
    assert_eq!(names_in(d.path()), ["short"]);
}

#[test]
fn concurrent_writers_end_with_one_complete_result() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("res");
    let children: Vec<Child> = (0..4)
        .map(|i| {
            Command::new(assert_cmd::cargo::cargo_bin("lockout"))
                .current_dir(root())
                .args(["run", FLAGSHIP, "--incidents"])
                .arg((1000 + 100 * i).to_string())
                .args(if i % 2 == 0 {
                    vec!["--no-plots"]
                } else {
                    vec![]
                })
                .arg("--out")
                .arg(&out)
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for c in children {
        let o = c.wait_with_output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    assert_complete(&out);
    assert_eq!(names_in(d.path()), ["res"], "stray directories");
}

/// Runs `args` with the k-th file operation failing, for every k until the run succeeds: each
/// failure exits 1, names a path, leaves the old result byte for byte and nothing beside it.
fn every_failing_write_leaves_the_old_result(args: &[&str], out: &Path) {
    let before = snapshot(out);
    let parent = out.parent().unwrap();
    let mut k = 1;
    loop {
        let r = lockout()
            .args(args)
            .env("LOCKOUT_FAIL_IO_AT", k.to_string())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&r.stderr);
        if r.status.success() {
            break;
        }
        assert_eq!(r.status.code(), Some(1), "k = {k}: {stderr}");
        assert!(stderr.contains("injected fault"), "k = {k}: {stderr}");
        assert!(!stderr.contains("panicked"), "k = {k}: {stderr}");
        assert_eq!(snapshot(out), before, "k = {k} changed the old result");
        assert_eq!(
            names_in(parent),
            [out.file_name().unwrap().to_string_lossy()],
            "k = {k} left debris"
        );
        k += 1;
        assert!(k < 200, "the run never succeeded");
    }
    assert!(
        k > 10,
        "only {k} file operations: is the fault injection wired?"
    );
}

#[test]
fn a_failure_at_any_write_or_rename_leaves_the_old_result() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("res");
    assert!(run_into(&out, "300", &[]).status.success());
    let out_arg = out.to_string_lossy().into_owned();
    every_failing_write_leaves_the_old_result(
        &["run", FLAGSHIP, "--incidents", "200", "--out", &out_arg],
        &out,
    );
    // `lockout plot` redraws in place: a failure leaves every old figure whole.
    every_failing_write_leaves_the_old_result(&["plot", &out_arg], &out);
}

#[test]
fn a_full_disk_leaves_the_old_result() {
    let d = tempfile::tempdir().unwrap();
    let mount = d.path().join("small");
    std::fs::create_dir(&mount).unwrap();
    // Room for one result of this run (about 0.5 MB) but not for a second beside it.
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=700k", "tmpfs"])
        .arg(&mount)
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !mounted {
        eprintln!("skipped: cannot mount a small tmpfs here (needs root)");
        return;
    }
    struct Unmount(PathBuf);
    impl Drop for Unmount {
        fn drop(&mut self) {
            Command::new("umount").arg(&self.0).status().ok();
        }
    }
    let _unmount = Unmount(mount.clone());
    let out = mount.join("res");
    let first = run_into(&out, "300", &["--no-plots"]);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let before = snapshot(&out);
    let r = run_into(&out, "400", &[]);
    let stderr = String::from_utf8_lossy(&r.stderr);
    assert_eq!(r.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("No space left"), "{stderr}");
    assert!(
        stderr.contains(&*mount.to_string_lossy()),
        "no path in: {stderr}"
    );
    assert_eq!(snapshot(&out), before);
    assert_eq!(names_in(&mount), ["res"]);
}

#[test]
fn exit_codes_say_what_happened() {
    let d = tempfile::tempdir().unwrap();
    // 2: bad input or usage.
    let bad = d.path().join("bad.toml");
    std::fs::write(&bad, "name = 3\n").unwrap();
    let code = |cmd: &mut assert_cmd::Command| cmd.output().unwrap().status.code();
    assert_eq!(code(lockout().arg("check").arg(&bad)), Some(2));
    assert_eq!(code(lockout().args(["run", "no-such-file.toml"])), Some(2));
    assert_eq!(code(lockout().args(["frobnicate"])), Some(2));
    // 1: a failure while writing.
    let out = d.path().join("res");
    let r = lockout()
        .args(["run", FLAGSHIP, "--incidents", "100", "--out"])
        .arg(&out)
        .env("LOCKOUT_FAIL_IO_AT", "3")
        .output()
        .unwrap();
    assert_eq!(r.status.code(), Some(1));
    // 0: success.
    assert_eq!(
        code(
            lockout()
                .args(["run", FLAGSHIP, "--incidents", "100", "--out"])
                .arg(&out)
        ),
        Some(0)
    );
}
