//! The engine's limits (`lockout::limits`): each bound accepted at the limit and refused just
//! past it, by `check` for the scenario file (exit 2, file:line and field) and by `run` for the
//! options (exit 2, naming the option); values beyond the exact fixed-point range refused by
//! `check`; an overflow while merging shards an error, never a number.

use std::path::{Path, PathBuf};

use lockout::limits::{
    MAX_CELLS, MAX_LOSS_ROWS, MAX_PERIODS, MAX_POOLS, MAX_SHARDS, MAX_STRATEGIES, MAX_THREADS,
    MAX_VEHICLES,
};

use crate::testutil::{lockout, minimal};

const REMEDY: &str = r#"
[remedy.locksmith]
success = 0.9
duration = "30 min"
cost = 100.0

[policy.only]
steps = ["locksmith"]
"#;

/// Writes `text` as `s.toml` in `dir`.
fn write(dir: &Path, text: &str) -> PathBuf {
    let path = dir.join("s.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// `lockout check` of `text`: Ok(()) or Err(stderr), asserting exit status 2 on failure.
fn check(text: &str) -> Result<(), String> {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), text);
    let out = lockout().arg("check").arg(&path).output().unwrap();
    if out.status.success() {
        return Ok(());
    }
    assert_eq!(out.status.code(), Some(2));
    Err(String::from_utf8_lossy(&out.stderr).into_owned())
}

/// Asserts `text` is refused with an error at `file:line` naming `field` and containing `rule`.
fn refused(text: &str, line: usize, field: &str, rule: &str) {
    let e = check(text).expect_err("refused");
    assert!(
        e.contains(&format!("s.toml:{line}:")),
        "no line {line}: {e}"
    );
    assert!(e.contains(field) && e.contains(rule), "{e}");
}

/// The line of the first occurrence of `needle` in `text`, from 1.
fn line_of(text: &str, needle: &str) -> usize {
    text[..text.find(needle).expect("present")]
        .matches('\n')
        .count()
        + 1
}

#[test]
fn strategies_up_to_the_engine_limit() {
    let with = |n: usize| {
        let extra: String = (1..n)
            .map(|i| format!("\n[[strategy]]\nname = \"s{i}\"\nannual_cost = 1.0\n"))
            .collect();
        minimal(&format!("{REMEDY}{extra}"))
    };
    check(&with(MAX_STRATEGIES)).expect("at the limit");
    let text = with(MAX_STRATEGIES + 1);
    let line = line_of(&text, &format!("name = \"s{MAX_STRATEGIES}\"")) - 1;
    refused(&text, line, "strategy[32]", "at most 32 strategies");
}

#[test]
fn incidents_up_to_the_exact_range() {
    let with = |n: u64| {
        minimal(REMEDY).replace(
            "price_year = 2025\n",
            &format!("price_year = 2025\nincidents = {n}\n"),
        )
    };
    check(&with(1 << 36)).expect("at the limit");
    refused(&with((1 << 36) + 1), 4, "incidents", "at most 68719476736");
    // The option too, before anything is simulated.
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), &minimal(REMEDY));
    let out = lockout()
        .args([
            "run",
            path.to_str().unwrap(),
            "--incidents",
            "68719476737",
            "--out",
        ])
        .arg(dir.path().join("out"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--incidents 68719476737"));
    assert!(!dir.path().join("out").exists());
}

#[test]
fn policy_steps_up_to_the_try_counter() {
    let with = |n: usize| {
        let steps = vec!["\"locksmith\""; n].join(", ");
        minimal(&REMEDY.replace("steps = [\"locksmith\"]", &format!("steps = [{steps}]")))
            .replace("cost = 100.0", "cost = 10.0")
    };
    check(&with(255)).expect("at the limit");
    let text = with(256);
    refused(
        &text,
        line_of(&text, "steps ="),
        "policy.only.steps",
        "at most 255 steps",
    );
}

#[test]
fn values_beyond_the_fixed_point_range_are_refused() {
    // A cost of 2e13 once saturated the i64 quantisation: a mean of 8.8e12 with sd 0.
    let with = |cost: &str| minimal(&REMEDY.replace("cost = 100.0", &format!("cost = {cost}")));
    check(&with("3.0e7")).expect("within the range");
    let text = with("2e13");
    refused(
        &text,
        line_of(&text, "cost = 2e13"),
        "remedy.locksmith.cost",
        "exceed 33554432",
    );
    // An unbounded distribution is judged by its quantile of order 1 − 1e-12.
    let text = with("{ lognormal = { median = 1000.0, p90 = 1.0e6 } }");
    refused(
        &text,
        line_of(&text, "lognormal"),
        "remedy.locksmith.cost",
        "1e-12",
    );
    // Every step charged, then the fallback: the policy's worst incident.
    let text = minimal(&REMEDY.replace("cost = 100.0", "cost = 2.0e7").replace(
        "steps = [\"locksmith\"]",
        "steps = [\"locksmith\", \"locksmith\"]",
    ));
    refused(
        &text,
        line_of(&text, "steps ="),
        "policy.only.steps",
        "can cost up to",
    );
    // The value of time turns the time to access into money.
    let text = minimal(REMEDY).replace(
        "value_of_time_per_hour = 30.0",
        "value_of_time_per_hour = 1.0e5",
    );
    refused(&text, 5, "value_of_time_per_hour", "total cost");
}

#[test]
fn run_options_name_the_option() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), &minimal(REMEDY));
    let run = |args: &[&str]| {
        let out_dir = dir.path().join("out");
        let out = lockout()
            .arg("run")
            .arg(&path)
            .args(args)
            .args(["--no-plots", "--out"])
            .arg(&out_dir)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        (out.status.code(), stderr)
    };
    // Threads: the limit runs, one more is refused (5000 used to hang).
    let at = MAX_THREADS.to_string();
    let (code, e) = run(&["--incidents", "100", "--threads", &at]);
    assert_eq!(code, Some(0), "{e}");
    let past = (MAX_THREADS + 1).to_string();
    let (code, e) = run(&["--incidents", "100", "--threads", &past]);
    assert_eq!(code, Some(2));
    assert!(e.contains("--threads 1025"), "{e}");
    // Shards: at most one per chunk of 16,384 incidents, and at most MAX_SHARDS.
    let (code, e) = run(&["--incidents", "16385", "--shard", "2/2"]);
    assert_eq!(code, Some(0), "{e}");
    let (code, e) = run(&["--incidents", "16385", "--shard", "1/3"]);
    assert_eq!(code, Some(2));
    assert!(e.contains("--shard 1/3") && e.contains("(2)"), "{e}");
    for n in [MAX_SHARDS + 1, u64::MAX] {
        let (code, e) = run(&["--shard", &format!("1/{n}")]);
        assert_eq!(code, Some(2));
        assert!(
            e.contains("--shard") && e.contains("at most 1000000 parts"),
            "{e}"
        );
    }
}

#[test]
fn region_work_per_period_is_bounded() {
    let metro = "scenarios/metro-roadside-club.toml";
    let check_set = |set: &str| {
        let out = lockout()
            .args(["check", metro, "--set", set])
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    // 6,000 arrivals + 0.5 × 8,760 other calls of the second pool + x × 8,760 <= 1e7.
    let (code, e) = check_set("region.pool.0.other_calls_per_hour=1140");
    assert_eq!(code, Some(0), "{e}");
    let (code, e) = check_set("region.pool.0.other_calls_per_hour=1141");
    assert_eq!(code, Some(2));
    assert!(
        e.contains("metro-roadside-club.toml:95:")
            && e.contains("region.pool[0].other_calls_per_hour")
            && e.contains("expected events")
            && e.contains("--set region.pool.0.other_calls_per_hour=1141"),
        "{e}"
    );
    // An absurd incident rate: too many arrivals.
    let (code, e) = check_set("incident_rate_per_vehicle_year=1e6");
    assert_eq!(code, Some(2));
    assert!(
        e.contains("region.vehicles") && e.contains("--set incident_rate_per_vehicle_year"),
        "{e}"
    );
    // Periods: the option and the file.
    let (code, e) = check_set("region.periods=1000001");
    assert_eq!(code, Some(2));
    assert!(
        e.contains("region.periods") && e.contains("from 1 to 1000000"),
        "{e}"
    );
    let out = lockout()
        .args([
            "run",
            metro,
            "--periods",
            "1000001",
            "--out",
            "/nonexistent/never-written",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--periods 1000001"));
}

#[test]
fn a_pool_never_on_duty_is_refused() {
    let text =
        std::fs::read_to_string(crate::testutil::root().join("scenarios/delivery-fleet.toml"))
            .unwrap();
    // The first pool's shift; the same start and end is never on duty.
    let with = |end: &str| {
        text.replace(
            "shift = { start = \"06:00\", end = \"20:00\" }",
            &format!("shift = {{ start = \"07:00\", end = \"{end}\" }}"),
        )
    };
    check(&with("07:01")).expect("one minute a day is on duty");
    let t = with("07:00");
    refused(
        &t,
        line_of(&t, "shift = "),
        "region.pool[0].shift",
        "never on duty",
    );
}

/// Edits the state inside a part's `state.json` and records its new digest, so that the
/// merge's own checks, not the digest, must catch the edit.
fn edit_state(path: &std::path::Path, edit: impl FnOnce(&mut serde_json::Value)) {
    let file: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut state = file["state"].clone();
    edit(&mut state);
    let body = serde_json::to_vec(&state).unwrap();
    std::fs::write(path, lockout::report::shard::envelope(&body)).unwrap();
}

#[test]
fn an_overflow_in_merge_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), &minimal(REMEDY));
    let mut parts = Vec::new();
    for k in 1..=2 {
        let part = dir.path().join(format!("part-{k}"));
        lockout()
            .arg("run")
            .arg(&path)
            .args([
                "--incidents",
                "20000",
                "--shard",
                &format!("{k}/2"),
                "--out",
            ])
            .arg(&part)
            .assert()
            .success();
        // Each part's sum of squares just below 2^127: valid alone, too large together.
        edit_state(&part.join("state.json"), |json| {
            json["tally"]["strategies"][0]["cost"]["sum_sq"] =
                serde_json::Value::String((i128::MAX / 3 * 2).to_string())
        });
        parts.push(part);
    }
    let out_dir = dir.path().join("merged");
    let out = lockout()
        .arg("merge")
        .args(&parts)
        .args(["--no-plots", "--out"])
        .arg(&out_dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let e = String::from_utf8_lossy(&out.stderr);
    assert!(e.contains("overflows when the parts are added"), "{e}");
    assert!(!out_dir.exists(), "nothing written");
    // A damaged part number is refused, not a crash.
    edit_state(&parts[1].join("state.json"), |json| {
        json["shard"]["count"] = serde_json::json!(u64::MAX)
    });
    let out = lockout()
        .arg("merge")
        .args(&parts)
        .arg("--out")
        .arg(&out_dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

/// `n - 1` strategies after the baseline, as TOML.
fn strategies(n: usize) -> String {
    (1..n)
        .map(|i| format!("\n[[strategy]]\nname = \"s{i}\"\nannual_cost = 1.0\n"))
        .collect()
}

/// A region scenario with `vehicles`, `periods`, `pools` responder pools (the first serving the
/// locksmith, the others none: a remedy is served by one pool at most), `n_strategies`
/// strategies, and policy terms (a second, insured perspective) when `insured`. At the incident rate of [`minimal`] (0.02), even 1e8 vehicles make 2e6
/// expected arrivals a period (at most 1e7 events) and a period loss of at most 2e6 × 600
/// (within 2^33), so only the bound under test is at play.
fn region(vehicles: u64, periods: u64, pools: usize, n_strategies: usize, insured: bool) -> String {
    let pools: String = (0..pools)
        .map(|i| {
            let serves = if i == 0 { "\"locksmith\"" } else { "" };
            format!(
                "\n[[region.pool]]\nname = \"p{i}\"\ncount = 1\nserves = [{serves}]\n\
                 travel = \"10 min\"\n"
            )
        })
        .collect();
    let terms = if insured {
        "\n[region.policy_terms]\ndeductible = 50.0\n"
    } else {
        ""
    };
    minimal(&format!(
        "{REMEDY}{}\n[region]\nvehicles = {vehicles}\nperiods = {periods}\n{terms}{pools}",
        strategies(n_strategies)
    ))
}

#[test]
fn region_vehicles_up_to_the_call_counters() {
    check(&region(MAX_VEHICLES, 1000, 1, 1, false)).expect("at the limit");
    let text = region(MAX_VEHICLES + 1, 1000, 1, 1, false);
    refused(
        &text,
        line_of(&text, "vehicles = "),
        "region.vehicles",
        "at most 100000000 vehicles",
    );
}

#[test]
fn region_pools_up_to_the_pool_index() {
    check(&region(1000, 1000, MAX_POOLS, 1, false)).expect("at the limit");
    let text = region(1000, 1000, MAX_POOLS + 1, 1, false);
    // The 1001st pool.
    let line = line_of(&text, &format!("name = \"p{MAX_POOLS}\"")) - 1;
    refused(&text, line, "region.pool[1000]", "at most 1000 pools");
}

#[test]
fn cells_up_to_the_accumulators() {
    // Segments × drivers × 5 places × 32 strategies: 125 × 50 × 160 = 1e6 exactly, then the
    // smallest product past it with 32 strategies, 47 × 133 × 160 = 1,000,160.
    let with = |segments: usize, drivers: usize| {
        let share = |n: usize| 1.0 / n as f64;
        let vehicles: String = (0..segments)
            .map(|i| {
                format!(
                    "\n[[vehicle]]\nname = \"v{i}\"\nshare = {}\nkeyless_trunk_button = 0.6\n",
                    share(segments)
                )
            })
            .collect();
        let driver_profiles: String = (0..drivers)
            .map(|i| {
                format!(
                    "\n[[driver]]\nname = \"d{i}\"\nshare = {}\npolicy = \"only\"\n",
                    share(drivers)
                )
            })
            .collect();
        let text = minimal(&format!("{REMEDY}{}", strategies(MAX_STRATEGIES)));
        let text = text.replace(
            "\n[[vehicle]]\nname = \"car\"\nshare = 1.0\nkeyless_trunk_button = 0.6\n",
            &vehicles,
        );
        text.replace(
            "\n[[driver]]\nname = \"driver\"\nshare = 1.0\npolicy = \"only\"\n",
            &driver_profiles,
        )
    };
    assert_eq!(125 * 50 * 5 * MAX_STRATEGIES as u64, MAX_CELLS);
    check(&with(125, 50)).expect("at the limit");
    let text = with(47, 133);
    refused(
        &text,
        line_of(&text, "[[vehicle]]"),
        "vehicle",
        "= 1000160 statistics cells, more than 1000000",
    );
}

#[test]
fn region_periods_and_loss_rows_up_to_their_limits() {
    let periods = |text: &str| line_of(text, "periods = ");
    check(&region(1000, MAX_PERIODS, 1, 1, false)).expect("at the limit");
    let text = region(1000, MAX_PERIODS + 1, 1, 1, false);
    refused(
        &text,
        periods(&text),
        "region.periods",
        "must be from 1 to 1000000",
    );
    // Rows: 1e6 periods × 5 strategies × 2 perspectives is the limit; 909,091 periods × 11
    // strategies (one perspective) is one row past it.
    assert_eq!(MAX_PERIODS * 5 * 2, MAX_LOSS_ROWS);
    check(&region(1000, MAX_PERIODS, 1, 5, true)).expect("at the limit");
    assert_eq!(909_091 * 11, MAX_LOSS_ROWS + 1);
    let text = region(1000, 909_091, 1, 11, false);
    refused(
        &text,
        periods(&text),
        "region.periods",
        "10000001 year-loss rows",
    );
    // The insured perspective doubles the rows.
    let text = region(1000, MAX_PERIODS, 1, 6, true);
    refused(
        &text,
        periods(&text),
        "region.periods",
        "× 2 perspectives) is more than 10000000",
    );
}
