//! Region runs against closed forms (Erlang C, rate × exposure × severity) and for
//! thread-count independence.

use lockout::engine;

use crate::testutil::{Z99, compile, lockout, read, root};

/// A region scenario: `vehicles` vehicles at one lockout per vehicle-year, one pool of `count`
/// responders (zero travel) serving a locksmith whose on-scene time is exponential with mean 30
/// min and who charges 100. Flat profiles, no shifts, no other calls, a horizon never reached.
fn region_scenario(vehicles: u64, count: u32, periods: u64) -> String {
    format!(
        r#"name = "queue"
currency = "USD"
price_year = 2025
incident_rate_per_vehicle_year = 1.0
value_of_time_per_hour = 0.0
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
duration = {{ exponential = {{ mean = "30 min" }} }}
cost = 100.0

[policy.only]
steps = ["locksmith"]

[[strategy]]
name = "base"
baseline = true

[region]
vehicles = {vehicles}
periods = {periods}

[[region.pool]]
name = "locksmiths"
count = {count}
serves = ["locksmith"]
travel = "0 min"
"#
    )
}

fn factorial(k: u32) -> f64 {
    (1..=k).map(f64::from).product()
}

/// Mean queue wait of an M/M/c queue (Erlang C), minutes.
fn erlang_c_wait(lambda: f64, service: f64, c: u32) -> f64 {
    let a = lambda * service;
    let rho = a / c as f64;
    let top = a.powi(c as i32) / factorial(c) / (1.0 - rho);
    let bottom: f64 = (0..c).map(|k| a.powi(k as i32) / factorial(k)).sum::<f64>() + top;
    (top / bottom) * service / (c as f64 * (1.0 - rho))
}

/// The mean queue wait of the first pool's lockout calls over 24 periods, and its standard
/// error from the spread of the per-period means (periods are independent).
fn mean_queue_wait(
    sc: &lockout::model::Scenario,
    reg: &lockout::model::region::Region,
    seed: u64,
) -> (f64, f64) {
    let periods = 24;
    let means: Vec<f64> = (1..=periods)
        .map(|p| {
            let r = engine::period::simulate_period(sc, reg, seed, p);
            r.pools[0][0].queue_wait.mean()
        })
        .collect();
    let mean = means.iter().sum::<f64>() / periods as f64;
    let var = means.iter().map(|m| (m - mean).powi(2)).sum::<f64>() / (periods - 1) as f64;
    (mean, (var / periods as f64).sqrt())
}

#[test]
fn queue_waits_agree_with_erlang_c() {
    let service = 30.0;
    for c in [1u32, 3, 8] {
        for rho in [0.5, 0.9] {
            let lambda = rho * c as f64 / service; // arrivals per minute
            let vehicles = (lambda * lockout::model::region::PERIOD_MIN).round() as u64;
            let lambda = vehicles as f64 / lockout::model::region::PERIOD_MIN;
            let sc = compile(&region_scenario(vehicles, c, 1));
            let reg = sc.region.as_ref().unwrap();
            let (mean, se) = mean_queue_wait(&sc, reg, 7);
            let expected = erlang_c_wait(lambda, service, c);
            assert!(
                (mean - expected).abs() <= Z99 * se,
                "c = {c}, rho = {rho}: mean queue wait {mean} vs Erlang C {expected} (99% CI ±{})",
                Z99 * se
            );
        }
    }
}

#[test]
fn with_unlimited_responders_the_aal_is_rate_times_exposure_times_severity() {
    // 2,000 vehicles, 1 lockout per vehicle-year, every lockout costs exactly 100 and ample
    // responders: the annual loss is Poisson(2000) × 100.
    let sc = compile(&region_scenario(2000, 500, 200));
    let reg = sc.region.as_ref().unwrap();
    let run = lockout::run::periods::run(&sc, reg, 3, 200, 0, false, None).unwrap();
    let annual: Vec<f64> = run
        .losses
        .iter()
        .map(|p| p[0][0].aggregate_loss())
        .collect();
    let n = annual.len() as f64;
    let aal = annual.iter().sum::<f64>() / n;
    let sd = (annual.iter().map(|x| (x - aal).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    let expected = 2000.0 * 1.0 * 100.0;
    assert!(
        (aal - expected).abs() <= Z99 * sd / n.sqrt(),
        "AAL {aal} vs {expected} (99% CI ±{})",
        Z99 * sd / n.sqrt()
    );
    // No one ever waits for a responder.
    assert_eq!(run.pools[0][0].queue_wait.mean(), 0.0);
}

#[test]
fn region_tables_are_identical_for_1_2_and_7_threads() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("queue.toml");
    std::fs::write(&file, region_scenario(20_000, 3, 12)).unwrap();
    let mut outputs = Vec::new();
    for threads in ["1", "2", "7"] {
        let out = dir.path().join(format!("t{threads}"));
        lockout()
            .arg("run")
            .arg(&file)
            .args(["--no-plots", "--ord", "--threads", threads, "--out"])
            .arg(&out)
            .assert()
            .success();
        outputs.push(
            [
                "summary.csv",
                "remedies.csv",
                "segments.csv",
                "distributions.csv",
                "responders.csv",
                "ylt.csv",
                "ep_curve.csv",
                "insurer_cost.csv",
                "ord/ept.csv",
                "ord/alt.csv",
                "ord/summary-info.csv",
            ]
            .map(|t| read(&out.join(t))),
        );
    }
    assert_eq!(outputs[0], outputs[1]);
    assert_eq!(outputs[0], outputs[2]);
}

/// Reads a CSV into (header, rows).
fn csv_rows(text: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let header = r.headers().unwrap().iter().map(String::from).collect();
    let rows = r
        .records()
        .map(|rec| rec.unwrap().iter().map(String::from).collect())
        .collect();
    (header, rows)
}

fn col(header: &[String], name: &str) -> usize {
    header
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column {name}"))
}

#[test]
fn insurer_tables_agree_with_the_year_loss_table() {
    // Policy terms make an insured perspective: deductible 20, limit 60 per incident.
    let text = region_scenario(3000, 2, 250)
        + "\n[region.policy_terms]\ndeductible = 20.0\nlimit_per_incident = 60.0\n";
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("club.toml");
    std::fs::write(&file, text).unwrap();
    let out = dir.path().join("out");
    lockout()
        .arg("run")
        .arg(&file)
        .args([
            "--no-plots",
            "--ord",
            "--event-table",
            "--threads",
            "2",
            "--out",
        ])
        .arg(&out)
        .assert()
        .success();
    let (yh, ylt) = csv_rows(&read(&out.join("ylt.csv")));
    // The event table: exact Oasis header, in period order, summing to the YLT per period.
    let splt = read(&out.join("ord/splt.csv"));
    assert_eq!(
        splt.lines().next(),
        Some(
            "Period,PeriodWeight,EventId,Year,Month,Day,Hour,Minute,SummaryId,SampleId,Loss,ImpactedExposure"
        )
    );
    let (sh, events) = csv_rows(&splt);
    let periods: Vec<u64> = events
        .iter()
        .map(|r| r[col(&sh, "Period")].parse().unwrap())
        .collect();
    assert!(
        periods.windows(2).all(|w| w[0] <= w[1]),
        "SPLT is in period order"
    );
    for (summary_id, perspective) in [("1", "ground_up"), ("2", "insured")] {
        for period in [1u64, 17, 250] {
            let from_events: f64 = events
                .iter()
                .filter(|r| {
                    r[col(&sh, "SummaryId")] == summary_id
                        && r[col(&sh, "Period")] == period.to_string()
                })
                .map(|r| r[col(&sh, "Loss")].parse::<f64>().unwrap())
                .sum();
            let from_ylt: f64 = ylt
                .iter()
                .find(|r| {
                    r[col(&yh, "perspective")] == perspective
                        && r[col(&yh, "period_no")] == period.to_string()
                })
                .map(|r| r[col(&yh, "aggregate_loss")].parse().unwrap())
                .unwrap();
            assert!(
                (from_events - from_ylt).abs() < 1e-6,
                "period {period} {perspective}: {from_events} vs {from_ylt}"
            );
        }
    }
    // One thread writes the same event table.
    let out1 = dir.path().join("out1");
    lockout()
        .arg("run")
        .arg(&file)
        .args([
            "--no-plots",
            "--ord",
            "--event-table",
            "--threads",
            "1",
            "--out",
        ])
        .arg(&out1)
        .assert()
        .success();
    assert_eq!(read(&out1.join("ord/splt.csv")), splt);
    let (ih, insurer) = csv_rows(&read(&out.join("insurer_cost.csv")));
    for perspective in ["ground_up", "insured"] {
        let losses: Vec<f64> = ylt
            .iter()
            .filter(|r| r[col(&yh, "perspective")] == perspective)
            .map(|r| r[col(&yh, "aggregate_loss")].parse().unwrap())
            .collect();
        assert_eq!(losses.len(), 250, "every period has a row");
        let mean = losses.iter().sum::<f64>() / losses.len() as f64;
        let row = insurer
            .iter()
            .find(|r| r[col(&ih, "perspective")] == perspective)
            .unwrap();
        let aal: f64 = row[col(&ih, "aal")].parse().unwrap();
        assert!(
            (aal - mean).abs() <= 1e-9 * mean.abs(),
            "{perspective}: AAL {aal} vs YLT mean {mean}"
        );
    }
    let (eh, ep) = csv_rows(&read(&out.join("ep_curve.csv")));
    let value = |r: &Vec<String>, c: &str| -> f64 { r[col(&eh, c)].parse().unwrap() };
    for perspective in ["ground_up", "insured"] {
        for ep_type in ["OEP", "AEP"] {
            let rows: Vec<&Vec<String>> = ep
                .iter()
                .filter(|r| {
                    r[col(&eh, "perspective")] == perspective && r[col(&eh, "ep_type")] == ep_type
                })
                .collect();
            assert!(!rows.is_empty());
            for w in rows.windows(2) {
                // Rows go up in return period: losses never fall.
                assert!(value(w[1], "loss") >= value(w[0], "loss"));
            }
            for r in &rows {
                assert!(value(r, "tvar") >= value(r, "loss"));
            }
        }
        for rp in ["2.0", "10.0", "100.0"] {
            let find = |t: &str| {
                ep.iter()
                    .find(|r| {
                        r[col(&eh, "perspective")] == perspective
                            && r[col(&eh, "ep_type")] == t
                            && r[col(&eh, "return_period_years")] == rp
                    })
                    .map(|r| value(r, "loss"))
                    .unwrap()
            };
            assert!(find("OEP") <= find("AEP"));
        }
    }
    assert_eq!(
        read(&out.join("ord/ept.csv")).lines().next(),
        Some("SummaryId,EPCalc,EPType,ReturnPeriod,Loss")
    );
    assert_eq!(
        read(&out.join("ord/alt.csv")).lines().next(),
        Some("SummaryId,SampleType,MeanLoss,SDLoss")
    );
}

#[test]
fn a_sweep_over_responders_shows_waits_falling() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("queue.toml");
    std::fs::write(&file, region_scenario(30_000, 4, 4)).unwrap();
    let out = dir.path().join("sweep");
    lockout()
        .arg("sweep")
        .arg(&file)
        .args(["--set", "region.pool.locksmiths.count=3..6", "--out"])
        .arg(&out)
        .assert()
        .success();
    let (h, rows) = csv_rows(&read(&out.join("sweep.csv")));
    assert_eq!(rows.len(), 4, "one row per value (one strategy, one pool)");
    assert!(out.join("staffing.png").exists() && out.join("staffing.svg").exists());
    let p90: Vec<f64> = rows
        .iter()
        .map(|r| r[col(&h, "queue_wait_p90_min")].parse().unwrap())
        .collect();
    let util: Vec<f64> = rows
        .iter()
        .map(|r| r[col(&h, "utilisation")].parse().unwrap())
        .collect();
    // Same arrivals and work (common random numbers), first come first served: another
    // responder never makes anyone wait longer.
    for k in 1..4 {
        assert!(p90[k] <= p90[k - 1], "p90 waits {p90:?}");
        assert!(util[k] < util[k - 1], "utilisation {util:?}");
    }
    assert!(p90[0] > 0.0 && util[0] > 0.5);
}

#[test]
fn a_sweep_works_for_incident_scenarios_too() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sweep");
    lockout()
        .args([
            "sweep",
            "scenarios/mixed-population.toml",
            "--incidents",
            "20000",
        ])
        .args(["--set", "remedy.locksmith.success=0.5..0.9:0.2", "--out"])
        .arg(&out)
        .assert()
        .success();
    let (h, rows) = csv_rows(&read(&out.join("sweep.csv")));
    let strategies = compile(&crate::testutil::scenario_text(
        &root().join("scenarios/mixed-population.toml"),
    ))
    .strategies
    .len();
    assert_eq!(rows.len(), 3 * strategies);
    // No pool: `none`, and no call abandoned.
    assert!(rows.iter().all(|r| r[col(&h, "pool")] == "none"));
    assert!(rows.iter().all(|r| r[col(&h, "abandoned_calls")] == "0"));
}

#[test]
fn explain_prints_a_period_event_log() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("queue.toml");
    std::fs::write(&file, region_scenario(30_000, 3, 2)).unwrap();
    let output = lockout()
        .arg("explain")
        .arg(&file)
        .args(["--period", "2"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(
        text.starts_with("period 2 (seed 42), strategy \"base\""),
        "{text}"
    );
    for needle in [
        "arrival: incident",
        "calls locksmiths",
        "dispatched to incident",
        "ends: keys back",
    ] {
        assert!(text.contains(needle), "no {needle:?} in the log");
    }
    // The log is the run's: the same period replayed gives the same lines.
    let again = lockout()
        .arg("explain")
        .arg(&file)
        .args(["--period", "2"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8(again.stdout).unwrap(), text);
}

#[test]
fn a_region_precision_run_stops_on_the_aal_and_repeats() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("queue.toml");
    std::fs::write(&file, region_scenario(2000, 50, 100_000)).unwrap();
    let mut outputs = Vec::new();
    for threads in ["1", "2"] {
        let out = dir.path().join(format!("p{threads}"));
        lockout()
            .arg("run")
            .arg(&file)
            .args([
                "--precision",
                "0.01",
                "--periods",
                "2000",
                "--no-plots",
                "--threads",
                threads,
                "--out",
            ])
            .arg(&out)
            .assert()
            .success();
        let manifest: serde_json::Value =
            serde_json::from_str(&read(&out.join("run.json"))).unwrap();
        assert_eq!(manifest["precision_met"], true, "{manifest}");
        let periods = manifest["periods"].as_u64().unwrap();
        assert!(periods < 2000 && periods.is_multiple_of(64), "{periods}");
        outputs.push((
            periods,
            read(&out.join("ylt.csv")),
            read(&out.join("insurer_cost.csv")),
        ));
    }
    assert_eq!(outputs[0], outputs[1]);
    // Poisson(2000) × 100 a year: the AAL's relative half-width is 1.96/√(2000·P), below 1%
    // from P = 20: the first batch of 64 periods meets it.
    assert_eq!(outputs[0].0, 64);
    let plain = dir.path().join("plain");
    lockout()
        .arg("run")
        .arg(&file)
        .args(["--periods", "64", "--no-plots", "--out"])
        .arg(&plain)
        .assert()
        .success();
    assert_eq!(read(&plain.join("ylt.csv")), outputs[0].1);
}

#[test]
fn region_shards_merged_equal_a_single_run() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("queue.toml");
    std::fs::write(&file, region_scenario(20_000, 3, 10)).unwrap();
    let parts: Vec<std::path::PathBuf> = (1..=3)
        .map(|k| {
            let out = dir.path().join(format!("part-{k}"));
            lockout()
                .arg("run")
                .arg(&file)
                .args(["--shard", &format!("{k}/3"), "--out"])
                .arg(&out)
                .assert()
                .success();
            out
        })
        .collect();
    let merged = dir.path().join("merged");
    lockout()
        .arg("merge")
        .args(&parts)
        .args(["--no-plots", "--out"])
        .arg(&merged)
        .assert()
        .success();
    let single = dir.path().join("single");
    lockout()
        .arg("run")
        .arg(&file)
        .args(["--no-plots", "--out"])
        .arg(&single)
        .assert()
        .success();
    for t in [
        "summary.csv",
        "remedies.csv",
        "segments.csv",
        "distributions.csv",
        "responders.csv",
        "waits.csv",
        "ylt.csv",
        "ep_curve.csv",
        "insurer_cost.csv",
    ] {
        assert_eq!(read(&merged.join(t)), read(&single.join(t)), "{t} differs");
    }
    // A part of another period count is refused.
    let other = dir.path().join("other");
    lockout()
        .arg("run")
        .arg(&file)
        .args(["--periods", "12", "--shard", "3/3", "--out"])
        .arg(&other)
        .assert()
        .success();
    let output = lockout()
        .arg("merge")
        .args([&parts[0], &parts[1], &other])
        .args(["--out"])
        .arg(dir.path().join("never"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("periods differs"));
}

/// Other (non-lockout) calls load the same responders: with Poisson lockouts and other calls,
/// exponential work for both and no travel, a pool is an M/M/c queue of the total load, and
/// lockout calls (which see time averages) wait as Erlang C says for that total.
#[test]
fn other_calls_load_the_queue_as_erlang_c_predicts() {
    let service = 30.0;
    let c = 3u32;
    for (rho, lockout_share) in [(0.8, 0.5), (0.7, 0.25)] {
        let lambda = rho * c as f64 / service; // all calls per minute
        let vehicles = (lambda * lockout_share * lockout::model::region::PERIOD_MIN).round() as u64;
        let other_per_hour = lambda * (1.0 - lockout_share) * 60.0;
        let text = region_scenario(vehicles, c, 1).replace(
            "travel = \"0 min\"",
            &format!(
                "travel = \"0 min\"\nother_calls_per_hour = {other_per_hour}\n\
                 other_call_service = {{ exponential = {{ mean = \"30 min\" }} }}"
            ),
        );
        let sc = compile(&text);
        let reg = sc.region.as_ref().unwrap();
        let lambda = vehicles as f64 / lockout::model::region::PERIOD_MIN + other_per_hour / 60.0;
        let (mean, se) = mean_queue_wait(&sc, reg, 11);
        let expected = erlang_c_wait(lambda, service, c);
        assert!(
            (mean - expected).abs() <= Z99 * se,
            "rho = {rho}, lockout share {lockout_share}: mean queue wait {mean} vs Erlang C \
             {expected} (99% CI ±{})",
            Z99 * se
        );
    }
}

/// A pool's other calls are simulated lazily while no lockout call waits in it (in a catch-up
/// loop of their own, when the pool is next looked at), and in the main loop otherwise; the
/// event log of `explain` simulates every one in the main loop. Both ways must give the same
/// period, number for number. Checked on the shipped region scenarios and on a loaded metro
/// variant with a day shift and priority calls, where queues of other calls, calls waiting for
/// the shift and calls called off while queued are common.
#[test]
fn simulating_other_calls_lazily_changes_no_result() {
    let metro = read(&crate::testutil::root().join("scenarios/metro-roadside-club.toml"));
    // Three patrol trucks on a 07:00-23:00 shift (--set cannot add a shift), busier
    // locksmiths and more priority calls.
    let patrol_count = metro
        .lines()
        .find(|l| l.starts_with("count = 4"))
        .expect("the patrol pool's count line");
    let loaded = metro
        .replace(
            patrol_count,
            "count = 3\nshift = { start = \"07:00\", end = \"23:00\" }",
        )
        .replace("count = 2 ", "count = 1 ")
        .replace("other_calls_per_hour = 0.5", "other_calls_per_hour = 1.2")
        .replace("priority_share = 0.03", "priority_share = 0.3");
    let cases = [
        ("metro", metro.clone()),
        (
            "fleet",
            read(&crate::testutil::root().join("scenarios/delivery-fleet.toml")),
        ),
        ("loaded metro", loaded),
    ];
    for (name, text) in cases {
        let sc = compile(&text);
        let reg = sc.region.as_ref().unwrap();
        for period in 1..=3 {
            let lazy = engine::period::simulate_period(&sc, reg, 11, period);
            for s in 0..sc.strategies.len() {
                let (eager, _) =
                    engine::period::simulate_period_logged(&sc, reg, 11, period, Some(s), false);
                let what = format!("{name}, period {period}, strategy {s}");
                assert_eq!(lazy.pools[s], eager.pools[s], "pools differ: {what}");
                assert_eq!(lazy.losses[s], eager.losses[s], "losses differ: {what}");
                assert_eq!(
                    lazy.severity[s], eager.severity[s],
                    "severities differ: {what}"
                );
                assert_eq!(
                    lazy.tally.strategy(s),
                    eager.tally.strategy(s),
                    "incident statistics differ: {what}"
                );
            }
        }
    }
}

/// A pool-bound remedy tried twice in one incident is two calls, each with a travel time of
/// its own: the try number is part of the travel draw's stream key.
#[test]
fn a_retried_call_draws_its_own_travel_time() {
    let text = region_scenario(2000, 50, 1)
        .replace("cost = 100.0", "cost = 100.0\nsuccess = 0.5")
        .replace(
            r#"steps = ["locksmith"]"#,
            r#"steps = ["locksmith", "locksmith"]"#,
        )
        .replace(
            r#"travel = "0 min""#,
            r#"travel = { exponential = { mean = "20 min" } }"#,
        );
    let sc = compile(&text);
    let reg = sc.region.as_ref().unwrap();
    let (_, log) = engine::period::simulate_period_logged(&sc, reg, 5, 1, Some(0), false);
    // Travel times by incident, from "... dispatched to incident #N after ...; on scene at T"
    // (an incident's number, its SPLT EventId, is its own: its arrival starts its list).
    let mut open: std::collections::HashMap<String, Vec<f64>> = Default::default();
    let mut travel: Vec<Vec<f64>> = Vec::new();
    for entry in &log {
        let (now, line) = (&entry.time_min, &entry.text);
        if let Some(rest) = line.strip_prefix("arrival: incident #") {
            let incident = rest.split(' ').next().unwrap().to_string();
            travel.extend(open.insert(incident, Vec::new()));
        } else if let Some(rest) = line.split("dispatched to incident #").nth(1) {
            let incident = rest.split(' ').next().unwrap();
            let on_scene: f64 = rest
                .split("on scene at ")
                .nth(1)
                .and_then(|r| r.split(',').next())
                .and_then(|t| t.parse().ok())
                .expect("an on-scene time");
            open.get_mut(incident).unwrap().push(on_scene - now);
        }
    }
    travel.extend(open.into_values());
    let retried: Vec<&Vec<f64>> = travel.iter().filter(|t| t.len() == 2).collect();
    assert!(
        retried.len() > 500,
        "{} incidents called twice",
        retried.len()
    );
    // Times are logged to 0.1 min: two independent exponential draws (mean 20 min) round to
    // the same tenth in well under 1% of incidents; a reused draw always would.
    let same = retried
        .iter()
        .filter(|t| (t[0] - t[1]).abs() < 0.11)
        .count();
    assert!(
        same * 50 < retried.len(),
        "{same} of {} retried calls had the first call's travel time",
        retried.len()
    );
}

/// The annual cost difference vs the baseline is paired period by period: a strategy that
/// changes only the fee has, period by period, the baseline's lockouts and costs, so its
/// difference is the fee with an interval of width 0, while each strategy's own annual cost
/// has a wide interval. A strategy with fewer lockouts gets an interval narrower than that of
/// independent samples, around the difference of the annual cost columns; `prevention.csv`'s
/// savings, per vehicle and per adopter, are the difference negated.
#[test]
fn annual_cost_difference_is_paired_by_period() {
    let text = region_scenario(400, 2, 60).replace(
        "value_of_time_per_hour = 0.0",
        "value_of_time_per_hour = 12.0",
    ) + "\n[[strategy]]\nname = \"fee only\"\nannual_cost = 5.0\n\
           \n[[strategy]]\nname = \"fewer lockouts\"\nannual_cost = 20.0\nincident_rate_multiplier = 0.6\n";
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("club.toml");
    std::fs::write(&file, text).unwrap();
    let out = dir.path().join("out");
    lockout()
        .arg("run")
        .arg(&file)
        .args(["--no-plots", "--quiet", "--out"])
        .arg(&out)
        .assert()
        .success();
    let (h, rows) = csv_rows(&read(&out.join("summary.csv")));
    let v = |r: usize, c: &str| -> f64 { rows[r][col(&h, c)].parse().unwrap() };
    let diff = |r: usize| {
        [
            v(r, "annual_cost_diff_vs_baseline_mean"),
            v(r, "annual_cost_diff_vs_baseline_ci95_low"),
            v(r, "annual_cost_diff_vs_baseline_ci95_high"),
        ]
    };
    let half_annual = |r: usize| {
        (v(r, "annual_cost_per_vehicle_ci95_high") - v(r, "annual_cost_per_vehicle_ci95_low")) / 2.0
    };
    assert_eq!(diff(0), [0.0, 0.0, 0.0], "the baseline");
    let fee = diff(1);
    assert!((fee[0] - 5.0).abs() < 1e-9, "{fee:?}");
    assert!((fee[2] - fee[1]).abs() < 1e-9, "{fee:?}");
    assert!(half_annual(1) > 0.01, "each annual cost alone is uncertain");
    let fewer = diff(2);
    let columns = v(2, "annual_cost_per_vehicle") - v(0, "annual_cost_per_vehicle");
    assert!((fewer[0] - columns).abs() <= 1e-9 * columns.abs().max(1.0));
    assert!(fewer[1] < fewer[0] && fewer[0] < fewer[2]);
    let independent = (half_annual(2).powi(2) + half_annual(0).powi(2)).sqrt();
    assert!(
        (fewer[2] - fewer[1]) / 2.0 < independent,
        "paired {fewer:?} vs independent half-width {independent}"
    );
    let (ph, prows) = csv_rows(&read(&out.join("prevention.csv")));
    for (r, d) in [(0, diff(0)), (1, fee), (2, fewer)] {
        let p = |c: &str| -> f64 { prows[r][col(&ph, c)].parse().unwrap() };
        assert_eq!(p("saving_per_vehicle_vs_baseline"), 0.0 - d[0]);
        assert_eq!(p("saving_per_vehicle_vs_baseline_ci95_low"), 0.0 - d[2]);
        assert_eq!(p("saving_per_vehicle_vs_baseline_ci95_high"), 0.0 - d[1]);
        // Every vehicle adopts in a region run: an adopter's saving is a vehicle's, paired
        // period by period (exactly 0 for the baseline).
        for (adopter, vehicle) in [
            (
                "saving_per_adopter_vs_baseline",
                "saving_per_vehicle_vs_baseline",
            ),
            (
                "saving_per_adopter_vs_baseline_ci95_low",
                "saving_per_vehicle_vs_baseline_ci95_low",
            ),
            (
                "saving_per_adopter_vs_baseline_ci95_high",
                "saving_per_vehicle_vs_baseline_ci95_high",
            ),
        ] {
            assert_eq!(prows[r][col(&ph, adopter)], prows[r][col(&ph, vehicle)]);
        }
    }
}

/// The per-lockout differences vs the baseline of a region run (time to access, money paid,
/// total cost) are paired period by period: each is the difference of the two strategies'
/// mean columns, and its interval is the delta method's for a difference of two ratios of
/// period sums, recomputed here from `ylt.csv` (each period's lockouts, ground-up loss and
/// downtime, i.e. the summed time to access): with `R_k = ΣT_k / ΣN_k` and `N̄_k` the mean
/// lockouts per period, `e_p = (T_sp − R_s·N_sp) / N̄_s − (T_bp − R_b·N_bp) / N̄_b` and the
/// half-width is `z · sd_p(e) / √P`, the covariance of the same period's sums included. The
/// baseline's differences are exactly 0 with intervals of width 0.
#[test]
fn per_lockout_differences_are_paired_by_period_by_the_delta_method() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    lockout()
        .args([
            "run",
            "scenarios/metro-roadside-club.toml",
            "--periods",
            "12",
        ])
        .args(["--no-plots", "--quiet", "--out"])
        .arg(&out)
        .assert()
        .success();
    let (h, rows) = csv_rows(&read(&out.join("summary.csv")));
    let (yh, ylt) = csv_rows(&read(&out.join("ylt.csv")));
    let v = |r: &[String], c: &str| -> f64 { r[col(&h, c)].parse().unwrap() };
    let base = rows
        .iter()
        .find(|r| r[col(&h, "baseline")] == "true")
        .unwrap();
    let vot = v(base, "value_of_time_per_hour");
    // Per strategy and period: lockouts, time (min), money paid, total cost.
    let periods = |strategy: &str| -> Vec<[f64; 4]> {
        ylt.iter()
            .filter(|r| r[col(&yh, "strategy")] == strategy)
            .filter(|r| r[col(&yh, "perspective")] == "ground_up")
            .map(|r| {
                let y = |c: &str| -> f64 { r[col(&yh, c)].parse().unwrap() };
                let (loss, downtime) = (y("aggregate_loss"), y("downtime_h"));
                [y("incidents"), 60.0 * downtime, loss, loss + vot * downtime]
            })
            .collect()
    };
    let z = lockout::stats::z_value(lockout::stats::CI_LEVEL);
    let half_width = |s: &[[f64; 4]], b: &[[f64; 4]], k: usize| -> f64 {
        let p = s.len() as f64;
        let ratio = |x: &[[f64; 4]]| {
            let n: f64 = x.iter().map(|r| r[0]).sum();
            (x.iter().map(|r| r[k]).sum::<f64>() / n, n / p)
        };
        let ((rs, ns), (rb, nb)) = (ratio(s), ratio(b));
        let e: Vec<f64> = s
            .iter()
            .zip(b)
            .map(|(s, b)| (s[k] - rs * s[0]) / ns - (b[k] - rb * b[0]) / nb)
            .collect();
        let mean = e.iter().sum::<f64>() / p;
        let var = e.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (p - 1.0);
        z * (var / p).sqrt()
    };
    let base_periods = periods(&base[col(&h, "strategy")]);
    assert_eq!(base_periods.len(), 12);
    let columns = [
        (
            1,
            "time_to_access_mean_min",
            "time_diff_vs_baseline",
            "_min",
        ),
        (2, "cost_mean", "cost_diff_vs_baseline", ""),
        (3, "total_cost_mean", "total_cost_diff_vs_baseline", ""),
    ];
    let mut narrower = 0;
    for r in &rows {
        let is_base = r[col(&h, "baseline")] == "true";
        let ours = periods(&r[col(&h, "strategy")]);
        for (k, mean, diff, unit) in columns {
            let d = [
                v(r, &format!("{diff}_mean{unit}")),
                v(r, &format!("{diff}_ci95_low{unit}")),
                v(r, &format!("{diff}_ci95_high{unit}")),
            ];
            if is_base {
                for cell in ["_mean", "_ci95_low", "_ci95_high"] {
                    assert_eq!(r[col(&h, &format!("{diff}{cell}{unit}"))], "0.0");
                }
                continue;
            }
            assert_eq!(d[0], v(r, mean) - v(base, mean), "{diff}: the point");
            let expected = half_width(&ours, &base_periods, k);
            for half in [d[2] - d[0], d[0] - d[1]] {
                assert!(
                    (half - expected).abs() <= 1e-9 * expected,
                    "{diff}: half-width {half}, delta method {expected}"
                );
            }
            // Pairing by period narrows the interval from that of independent samples.
            let sd = |x: &[String], c: &str| {
                (v(x, &format!("{c}_ci95_high{unit}")) - v(x, &format!("{c}_ci95_low{unit}"))) / 2.0
            };
            let stem = mean.trim_end_matches("_mean_min").trim_end_matches("_mean");
            let independent = sd(r, stem).hypot(sd(base, stem));
            narrower += usize::from(expected < independent);
        }
    }
    assert!(narrower >= 10, "only {narrower} of 12 differences narrower");
}
