//! A bounded property test: mutated shipped scenarios (lines deleted and duplicated, bytes
//! flipped, numbers replaced by extreme and invalid values, truncation) never make `check`
//! panic; every refusal names the file and a line; every mutant `check` accepts completes a
//! small run within 5 s.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::testutil::root;

/// Mutants per shipped scenario (eight scenarios): about 20 s on two cores.
const MUTANTS_PER_SCENARIO: usize = 24;
const RUN_LIMIT: Duration = Duration::from_secs(5);

/// SplitMix64: a fixed-seed generator for the mutations.
struct Mix(u64);

impl Mix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const EXTREME_NUMBERS: [&str; 12] = [
    "1e308",
    "-1",
    "0",
    "nan",
    "inf",
    "-inf",
    "1e-300",
    "99999999999999999999",
    "1e20",
    "-0.0",
    "4294967296",
    "0.9999999999",
];

/// One mutant of `text`, and the name of the mutation.
fn mutate(text: &[u8], rng: &mut Mix) -> (Vec<u8>, &'static str) {
    let lines: Vec<&[u8]> = text.split_inclusive(|&b| b == b'\n').collect();
    match rng.below(5) {
        0 => {
            let drop = rng.below(lines.len());
            let out = lines
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != drop)
                .flat_map(|(_, l)| l.iter().copied())
                .collect();
            (out, "line deleted")
        }
        1 => {
            let dup = rng.below(lines.len());
            let mut out = Vec::new();
            for (i, l) in lines.iter().enumerate() {
                out.extend_from_slice(l);
                if i == dup {
                    out.extend_from_slice(l);
                }
            }
            (out, "line duplicated")
        }
        2 => {
            let mut out = text.to_vec();
            let at = rng.below(out.len());
            out[at] ^= 1 << rng.below(8);
            (out, "byte flipped")
        }
        3 => {
            // Replace the k-th number (a run of digits, with a sign, point and exponent).
            let s = String::from_utf8_lossy(text).into_owned();
            let b = s.as_bytes();
            let mut spans = Vec::new();
            let mut i = 0;
            while i < b.len() {
                if b[i].is_ascii_digit() && (i == 0 || !b[i - 1].is_ascii_alphanumeric()) {
                    let start = i;
                    while i < b.len() && (b[i].is_ascii_digit() || b"._eE+-".contains(&b[i])) {
                        i += 1;
                    }
                    spans.push(start..i);
                } else {
                    i += 1;
                }
            }
            if spans.is_empty() {
                return (text.to_vec(), "no number");
            }
            let span = spans[rng.below(spans.len())].clone();
            let value = EXTREME_NUMBERS[rng.below(EXTREME_NUMBERS.len())];
            let mut out = s[..span.start].to_string();
            out.push_str(value);
            out.push_str(&s[span.end..]);
            (out.into_bytes(), "number replaced")
        }
        _ => (text[..rng.below(text.len())].to_vec(), "truncated"),
    }
}

/// Runs `cmd` to completion or kills it after `limit`; returns (exit code, stderr, elapsed).
fn run_bounded(cmd: &mut Command, limit: Duration) -> (Option<i32>, String, Duration) {
    let started = Instant::now();
    let mut child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    loop {
        if child.try_wait().unwrap().is_some() {
            let out = child.wait_with_output().unwrap();
            return (
                out.status.code(),
                String::from_utf8_lossy(&out.stderr).into_owned(),
                started.elapsed(),
            );
        }
        if started.elapsed() > limit {
            child.kill().ok();
            child.wait().ok();
            return (None, "timed out".into(), started.elapsed());
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn lockout_cmd() -> Command {
    let mut c = Command::new(assert_cmd::cargo::cargo_bin("lockout"));
    c.current_dir(root()).env_remove("CI");
    c
}

#[test]
fn mutated_scenarios_are_refused_with_a_line_or_run_within_bounds() {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Mix(20261205);
    let mut scenarios: Vec<_> = std::fs::read_dir(root().join("scenarios"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    scenarios.sort();
    let (mut refused, mut accepted) = (0, 0);
    for scenario in &scenarios {
        let text = std::fs::read(scenario).unwrap();
        let stem = scenario.file_stem().unwrap().to_string_lossy().into_owned();
        for m in 0..MUTANTS_PER_SCENARIO {
            let (mutant, how) = mutate(&text, &mut rng);
            let file = dir.path().join(format!("{stem}-{m}.toml"));
            std::fs::write(&file, &mutant).unwrap();
            let what = format!("{} ({how})", file.display());
            let (code, stderr, _) = run_bounded(lockout_cmd().arg("check").arg(&file), RUN_LIMIT);
            assert!(
                !stderr.contains("panicked"),
                "{what}: check panicked: {stderr}"
            );
            match code {
                Some(0) => {}
                Some(2) => {
                    refused += 1;
                    let located =
                        stderr
                            .split(&*file.to_string_lossy())
                            .nth(1)
                            .is_some_and(|rest| {
                                rest.starts_with(':')
                                    && rest[1..].starts_with(|c: char| c.is_ascii_digit())
                            });
                    assert!(located, "{what}: refusal names no file:line: {stderr}");
                    continue;
                }
                other => panic!("{what}: check exited {other:?}: {stderr}"),
            }
            accepted += 1;
            let out = dir.path().join(format!("out-{stem}-{m}"));
            let region = String::from_utf8_lossy(&mutant).contains("\n[region]");
            let amount: &[&str] = if region {
                &["--periods", "2"]
            } else {
                &["--incidents", "100"]
            };
            let (code, stderr, took) = run_bounded(
                lockout_cmd()
                    .arg("run")
                    .arg(&file)
                    .args(amount)
                    .args(["--threads", "2", "--no-plots", "--out"])
                    .arg(&out),
                RUN_LIMIT,
            );
            assert_eq!(
                code,
                Some(0),
                "{what}: accepted by check but run failed after {took:?}: {stderr}"
            );
            assert!(Path::new(&out).join("summary.csv").exists(), "{what}");
        }
    }
    // The mutations must exercise both outcomes.
    assert!(
        refused > 20 && accepted > 20,
        "refused {refused}, accepted {accepted}"
    );
}
