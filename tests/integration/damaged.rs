//! Damaged, edited, crafted or foreign shard parts: `merge` refuses them with an error naming
//! the file (exit status 2), never panics, never allocates by a number inside the file, and
//! writes nothing.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use clap::Parser;
use serde_json::{Value, json};

use crate::testutil::{lockout, minimal};

/// An incident-level scenario with three strategies: the baseline, one that changes the
/// population, and one that only changes costs (an alias, whose tally entry stays empty).
fn incident_scenario() -> String {
    minimal(
        r#"
[remedy.locksmith]
wait = { lognormal = { median = "30 min", p90 = "75 min" } }
duration = "5 min"
cost = 100.0

[policy.only]
steps = ["locksmith"]

[[strategy]]
name = "buttons"
set = { "vehicle.*.keyless_trunk_button" = 0.9 }

[[strategy]]
name = "cheaper"
annual_cost = 5.0
incident_rate_multiplier = 0.5
"#,
    )
}

/// A region scenario: one pool, a few periods.
fn region_scenario() -> String {
    r#"name = "tiny region"
currency = "USD"
price_year = 2025
incident_rate_per_vehicle_year = 1.0
value_of_time_per_hour = 30.0
horizon = "1000 d"

[fallback]
name = "tow"
duration = "1 h"

[[vehicle]]
name = "car"
share = 1.0

[[driver]]
name = "driver"
share = 1.0
policy = "only"

[[context]]
place = "home"
share = 1.0

[remedy.locksmith]
duration = { exponential = { mean = "30 min" } }
cost = 100.0

[policy.only]
steps = ["locksmith"]

[[strategy]]
name = "base"
baseline = true

[[strategy]]
name = "quick"
set = { "remedy.locksmith.cost" = 80.0 }

[region]
vehicles = 300
periods = 4

[[region.pool]]
name = "locksmiths"
count = 2
serves = ["locksmith"]
travel = "10 min"
"#
    .to_string()
}

/// A scenario file and its parts, run as separate processes.
struct Parts {
    dir: tempfile::TempDir,
    parts: Vec<PathBuf>,
}

/// Writes `text` as a scenario and runs it in `n` shards (with `args`).
fn run_parts(text: &str, n: u64, args: &[&str]) -> Parts {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("scenario.toml");
    std::fs::write(&file, text).unwrap();
    let parts = (1..=n)
        .map(|k| {
            let out = dir.path().join(format!("part-{k}"));
            lockout()
                .arg("run")
                .arg(&file)
                .args(args)
                .args(["--shard", &format!("{k}/{n}"), "--out"])
                .arg(&out)
                .assert()
                .success();
            out
        })
        .collect();
    Parts { dir, parts }
}

/// 40,000 incidents are three chunks: one a shard.
fn incident_parts() -> Parts {
    run_parts(&incident_scenario(), 3, &["--incidents", "40000"])
}

/// The state inside a part's `state.json`.
fn state_of(part: &Path) -> Value {
    let text = std::fs::read_to_string(part.join("state.json")).unwrap();
    let file: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(file["format"], "lockout-shard-state/2");
    file["state"].clone()
}

/// Writes `state` as the part `dir`, with its digest recomputed (so that validation, not the
/// digest, must catch what is wrong with it).
fn write_state(dir: &Path, state: &Value) {
    std::fs::create_dir_all(dir).unwrap();
    let bytes = lockout::report::shard::envelope(state.to_string().as_bytes());
    std::fs::write(dir.join("state.json"), bytes).unwrap();
}

/// Runs `lockout merge` and checks the refusal: status 2, no panic, stderr containing every
/// needle, no output directory.
fn expect_refused(parts: &[&Path], needles: &[&str]) {
    let out = parts[0].parent().unwrap().join("merged-refused");
    let output = lockout()
        .arg("merge")
        .args(parts)
        .args(["--no-plots", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    for needle in needles {
        assert!(stderr.contains(needle), "expected {needle:?} in: {stderr}");
    }
    assert!(!out.exists(), "merge wrote output despite the error");
}

/// Runs `merge` in this process (fast enough for hundreds of cases): `Ok` or the error
/// message; a panic fails the test with the case.
fn merge_in_process(parts: &[&Path], out: &Path, case: &str) -> Result<(), String> {
    let mut args = vec!["lockout".to_string(), "merge".into()];
    args.extend(parts.iter().map(|p| p.display().to_string()));
    args.extend([
        "--no-plots".into(),
        "--out".into(),
        out.display().to_string(),
    ]);
    let cli = lockout::cli::Cli::try_parse_from(args).unwrap();
    match catch_unwind(AssertUnwindSafe(|| lockout::cli::execute(cli))) {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(format!("{e:#}")),
        Err(_) => panic!("merge panicked on {case}"),
    }
}

/// A JSON path: object keys and array indices.
#[derive(Clone, Debug)]
enum Seg {
    Key(String),
    Index(usize),
}

fn get_mut<'a>(v: &'a mut Value, path: &[Seg]) -> &'a mut Value {
    path.iter().fold(v, |v, s| match s {
        Seg::Key(k) => &mut v[k.as_str()],
        Seg::Index(i) => &mut v[*i],
    })
}

/// Every node, except that long arrays are sampled (first, middle, last element).
fn nodes(v: &Value, path: &mut Vec<Seg>, out: &mut Vec<(Vec<Seg>, Value)>) {
    out.push((path.clone(), v.clone()));
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                path.push(Seg::Key(k.clone()));
                nodes(child, path, out);
                path.pop();
            }
        }
        Value::Array(items) => {
            let mut picks = vec![0, items.len() / 2, items.len().saturating_sub(1)];
            picks.dedup();
            for i in picks.into_iter().filter(|&i| i < items.len()) {
                path.push(Seg::Index(i));
                nodes(&items[i], path, out);
                path.pop();
            }
        }
        _ => {}
    }
}

/// Replacements for a node: numbers huge, negative, zero, off by one; strings changed (and
/// 128-bit sums at their limits); arrays shortened, lengthened, emptied; keys removed.
fn mutations(v: &Value) -> Vec<Value> {
    match v {
        Value::Number(n) => {
            let mut m = vec![json!(u64::MAX), json!(-1), json!(1e300), json!(0)];
            if let Some(u) = n.as_u64() {
                m.push(json!(u + 1));
            }
            m
        }
        Value::String(s) if s.parse::<i128>().is_ok() => vec![
            json!(i128::MAX.to_string()),
            json!(i128::MIN.to_string()),
            json!("-1"),
            json!("1e5"),
        ],
        Value::String(s) => vec![json!(format!("{s}x")), json!("")],
        Value::Bool(b) => vec![json!(!b)],
        Value::Null => vec![json!(1)],
        Value::Array(items) => {
            let mut shorter = items.clone();
            shorter.pop();
            let mut longer = items.clone();
            longer.push(items.last().cloned().unwrap_or(json!(0)));
            vec![Value::Array(shorter), Value::Array(longer), json!([])]
        }
        Value::Object(_) => vec![json!({}), json!(null)],
    }
}

/// The fields whose values a recomputed digest can hide: run metadata, and sums, extremes and
/// capacities that any plausible value could have (and a pool's busy spells, however many).
/// Every other edit must be refused.
const UNCHECKABLE: [&str; 17] = [
    "threads",
    // Counts bounded by others but otherwise free (whether a remedy can damage is not known
    // to the tally).
    "attempts",
    "successes",
    "damage_events",
    "abandoned",
    "wall_time_s",
    "scenario_path",
    "sum",
    "sum_sq",
    "min",
    "max",
    "events",
    "longest_queue",
    "capacity_min",
    "loss_q",
    "max_loss_q",
    "downtime_q",
];

/// Edits every (sampled) node of part 2's state in every way, with its digest recomputed, and
/// merges in this process: never a panic; every refusal names the part and writes nothing;
/// only [`UNCHECKABLE`] fields may be accepted. Returns how many edits were refused.
fn sweep(parts: &Parts) -> usize {
    let base = state_of(&parts.parts[1]);
    let mut all = Vec::new();
    nodes(&base, &mut Vec::new(), &mut all);
    let edited = parts.dir.path().join("edited-part");
    let out = parts.dir.path().join("merged-sweep");
    let mut refused = 0;
    for (path, node) in &all {
        let Some(last) = path.iter().rev().find_map(|s| match s {
            Seg::Key(k) => Some(k.as_str()),
            Seg::Index(_) => None,
        }) else {
            continue;
        };
        for replacement in mutations(node).into_iter().filter(|r| r != node) {
            let mut state = base.clone();
            *get_mut(&mut state, path) = replacement.clone();
            write_state(&edited, &state);
            let case = format!("{path:?} = {replacement}");
            let case = &case[..case.len().min(300)];
            let ps: Vec<&Path> = vec![&parts.parts[0], &edited, &parts.parts[2]];
            match merge_in_process(&ps, &out, case) {
                Err(e) => {
                    assert!(
                        e.contains("edited-part"),
                        "{case}: the error does not name the part: {e}"
                    );
                    assert!(!out.exists(), "{case}: output written despite {e}");
                    refused += 1;
                }
                Ok(()) => {
                    std::fs::remove_dir_all(&out).unwrap();
                    assert!(
                        (UNCHECKABLE.contains(&last) || case.contains("\"busy_min\""))
                            && !replacement.is_array(),
                        "{case}: accepted"
                    );
                }
            }
        }
    }
    refused
}

#[test]
fn every_field_edited_is_refused_or_harmless() {
    let refused = sweep(&incident_parts());
    assert!(refused > 500, "only {refused} edits refused");
}

#[test]
fn every_region_field_edited_is_refused_or_harmless() {
    let refused = sweep(&run_parts(&region_scenario(), 3, &["--periods", "6"]));
    assert!(refused > 300, "only {refused} edits refused");
}

#[test]
fn truncated_garbage_and_edited_parts_are_refused_by_the_file() {
    let parts = incident_parts();
    let [p1, p2, p3] = [&parts.parts[0], &parts.parts[1], &parts.parts[2]];
    let good = std::fs::read(p2.join("state.json")).unwrap();
    let copy = parts.dir.path().join("damaged");
    std::fs::create_dir_all(&copy).unwrap();
    let file = copy.join("state.json");
    let file_name = file.display().to_string();
    // Truncated at several points (the last: the state's own closing brace is taken for the
    // envelope's, so the digest no longer matches).
    let len = good.len();
    for (cut, needle) in [
        (0, "not a lockout shard state"),
        (1, "not a lockout shard state"),
        (12, "not a lockout shard state"),
        (40, "damaged"),
        (120, "damaged"),
        (len / 2, "damaged"),
        (len - 2, "damaged or edited"),
    ] {
        std::fs::write(&file, &good[..cut]).unwrap();
        expect_refused(&[p1, &copy, p3], &[&file_name, needle]);
    }
    // Binary, non-UTF-8 garbage.
    std::fs::write(&file, [0xff, 0xfe, 0x00, 0x9f, 0x92, 0x96, 0xc3]).unwrap();
    expect_refused(&[p1, &copy, p3], &[&file_name, "not a lockout shard state"]);
    // A state of the previous format (no digest).
    std::fs::write(&file, state_of(p2).to_string().replace("/2", "/1")).unwrap();
    expect_refused(&[p1, &copy, p3], &[&file_name, "lockout-shard-state/1"]);
    // Edited without updating the digest: a count, then a single byte anywhere in the state.
    let text = String::from_utf8(good.clone()).unwrap();
    let edited = text.replacen("\"incidents\":40000", "\"incidents\":40001", 1);
    assert_ne!(edited, text);
    std::fs::write(&file, edited).unwrap();
    expect_refused(&[p1, &copy, p3], &[&file_name, "damaged or edited"]);
    let mut flipped = good.clone();
    flipped[len * 2 / 3] ^= 0x01;
    std::fs::write(&file, flipped).unwrap();
    expect_refused(&[p1, &copy, p3], &[&file_name, "damaged or edited"]);
    // Non-UTF-8 bytes inside the state, with a digest that matches them.
    let mut body = state_of(p2).to_string().into_bytes();
    let at = body.windows(4).position(|w| w == b"base").unwrap();
    body[at] = 0xff;
    std::fs::write(&file, lockout::report::shard::envelope(&body)).unwrap();
    expect_refused(
        &[p1, &copy, p3],
        &[&file_name, "not a valid lockout shard state"],
    );
}

#[test]
fn crafted_parts_with_valid_digests_are_refused() {
    let parts = incident_parts();
    let [p1, p2, p3] = [&parts.parts[0], &parts.parts[1], &parts.parts[2]];
    let d = parts.dir.path();
    let craft = |name: &str, from: &Path, edit: &dyn Fn(&mut Value)| -> PathBuf {
        let mut state = state_of(from);
        edit(&mut state);
        let dir = d.join(name);
        write_state(&dir, &state);
        dir
    };
    let file = |dir: &Path| dir.join("state.json").display().to_string();
    // Shard index 0, and beyond the count.
    let zero = craft("index-0", p2, &|s| s["shard"]["index"] = json!(0));
    expect_refused(&[p1, &zero, p3], &[&file(&zero), "need 1 <= K <= N"]);
    let beyond = craft("index-4", p2, &|s| s["shard"]["index"] = json!(4));
    expect_refused(&[p1, &beyond, p3], &[&file(&beyond), "need 1 <= K <= N"]);
    // A shard count near 2^64 whose last part is exactly part 3's chunk: consistent on its
    // own, so the set check must not allocate by the count.
    let huge = craft("count-huge", p3, &|s| {
        s["shard"] = json!({"index": u64::MAX, "count": u64::MAX})
    });
    expect_refused(
        &[&huge],
        &["shard count 18446744073709551615", "at most 1000000 parts"],
    );
    expect_refused(&[p1, p2, &huge], &["shard count N differs"]);
    // A simulated range that is not the shard's share, with a tally to match it.
    let shifted = craft("shifted", p2, &|s| s["simulated"] = json!([0, 16384]));
    expect_refused(
        &[p1, &shifted, p3],
        &[&file(&shifted), "simulated 0..16384"],
    );
    // Counts that do not add up: one more unresolved incident than the cells hold.
    let counts = craft("counts", p2, &|s| {
        let n = s["tally"]["strategies"][0]["unresolved"].as_u64().unwrap();
        s["tally"]["strategies"][0]["unresolved"] = json!(n + 1);
    });
    expect_refused(&[p1, &counts, p3], &[&file(&counts), "unresolved"]);
    // Sums each valid, whose sum overflows 128 bits: checked when the parts are added.
    let big = |name: &str, from: &Path| {
        craft(name, from, &|s| {
            s["tally"]["strategies"][0]["time"]["sum_sq"] = json!((1i128 << 126).to_string())
        })
    };
    let (b2, b3) = (big("big-2", p2), big("big-3", p3));
    expect_refused(&[p1, &b2, &b3], &[&file(&b3), "overflows"]);
    // A sum beyond what its count of values can reach.
    let sum = craft("sum", p2, &|s| {
        s["tally"]["strategies"][0]["cost"]["sum"] = json!(i128::MAX.to_string())
    });
    expect_refused(&[p1, &sum, p3], &[&file(&sum), "beyond what"]);
    // A histogram whose maximum is not in its last bucket; one with a bucket out of range.
    let sketch = craft("sketch", p2, &|s| {
        s["tally"]["strategies"][0]["time_sketch"]["max"] = json!(1e9)
    });
    expect_refused(&[p1, &sketch, p3], &[&file(&sketch), "quantile sketch"]);
    let bins = craft("bins", p2, &|s| {
        s["tally"]["strategies"][0]["cost_sketch"]["buckets"][0] = json!([7000, 1])
    });
    expect_refused(&[p1, &bins, p3], &[&file(&bins), "quantile sketch"]);
    // Strategies, remedies and cells that do not match the scenario.
    let fewer = craft("fewer-strategies", p2, &|s| {
        s["tally"]["strategies"].as_array_mut().unwrap().pop();
        s["tally"]["alias"].as_array_mut().unwrap().pop();
    });
    expect_refused(
        &[p1, &fewer, p3],
        &[&file(&fewer), "do not match the scenario"],
    );
    let remedies = craft("more-remedies", p2, &|s| {
        let r = s["tally"]["strategies"][0]["remedies"]
            .as_array_mut()
            .unwrap();
        r.push(r[0].clone());
    });
    expect_refused(&[p1, &remedies, p3], &[&file(&remedies), "2 remedies"]);
    // Absurd run metadata.
    let threads = craft("threads", p2, &|s| s["threads"] = json!(u64::MAX));
    expect_refused(&[p1, &threads, p3], &[&file(&threads), "threads"]);
    let wall = craft("wall", p2, &|s| s["wall_time_s"] = json!(1e300));
    expect_refused(&[p1, &wall, p3], &[&file(&wall), "wall_time_s"]);
    let size = craft("size", p2, &|s| {
        s["identity"]["incidents"] = json!(u64::MAX)
    });
    expect_refused(&[p1, &size, p3], &[&file(&size), "not a run's size"]);
}

#[test]
fn parts_of_another_run_or_kind_are_refused() {
    let parts = incident_parts();
    let [p1, p2, p3] = [&parts.parts[0], &parts.parts[1], &parts.parts[2]];
    // Another seed: a different run.
    let other = run_parts(
        &incident_scenario(),
        3,
        &["--incidents", "40000", "--seed", "9"],
    );
    expect_refused(
        &[p1, &other.parts[1], p3],
        &["parts of different runs", "seed"],
    );
    // A region part passed off as part of an incident run (its identity edited to match).
    let region = run_parts(&region_scenario(), 3, &["--periods", "6"]);
    let mut state = state_of(&region.parts[1]);
    state["identity"] = state_of(p2)["identity"].clone();
    let foreign = parts.dir.path().join("foreign");
    write_state(&foreign, &state);
    expect_refused(
        &[p1, &foreign, p3],
        &[&foreign.join("state.json").display().to_string()],
    );
    // And the other way round: an incident part's tally in a region run.
    let mut state = state_of(&region.parts[1]);
    state["region"] = Value::Null;
    state["identity"]["periods"] = Value::Null;
    let stripped = region.dir.path().join("stripped");
    write_state(&stripped, &state);
    expect_refused(
        &[&region.parts[0], &stripped, &region.parts[2]],
        &[&stripped.join("state.json").display().to_string()],
    );
}
