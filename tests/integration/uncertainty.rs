//! `lockout uncertainty` (issue 14): closed forms of the probability of being the cheapest,
//! EVPI and one-way sensitivity, including a simulated parameter (a remedy's success); the
//! coverage of the expected annual cost's interval over 200 seeds; a draw equal to `run` with
//! its values; byte-identical tables for any thread count; and refusals of bad sections.

use lockout::cli::uncertainty::{Analysis, Plan, analyse};
use lockout::engine::streams;
use lockout::scenario::uncertainty::overrides_for;
use lockout::scenario::{Prepared, ScenarioError};

use crate::testutil::{Z99, lockout, minimal, read};

/// Prepares and compiles `text` and runs the two-level analysis.
fn two_level(text: &str, draws: u64, incidents: u64, seed: u64) -> Analysis {
    let prepared = Prepared::parse(text, "test.toml").unwrap_or_else(|e| panic!("{e}"));
    let sc = prepared.compile(&[], &[]).unwrap_or_else(|e| panic!("{e}"));
    let u = sc.uncertainty.clone().expect("an [uncertainty] section");
    let plan = Plan {
        draws,
        incidents,
        seed,
        threads: 2,
        progress: false,
    };
    analyse(&prepared, &[], &sc, &u, &plan).expect("analysis")
}

fn check(text: &str) -> Result<(), ScenarioError> {
    lockout::scenario::from_toml_str(text, "test.toml", &[]).map(|_| ())
}

/// A locksmith with a fixed 30 min and 100 USD: every incident costs 100 + 15 = 115 (value of
/// time 30/h), so the annual costs carry no incident noise. A habit costs 1.0 a year and
/// multiplies the rate (0.02) by m ~ U(0.2, 0.9): its cost minus the baseline's is
/// 2.3·m + 1 − 2.3, linear in m, negative below m* = 1.3/2.3.
const HABIT: &str = r#"
[[strategy]]
name = "habit"
annual_cost = 1.0
incident_rate_multiplier = 0.5

[remedy.locksmith]
duration = "30 min"
cost = 100.0

[policy.only]
steps = ["locksmith"]

[uncertainty]
[[uncertainty.parameter]]
path = 'strategy."habit".incident_rate_multiplier'
distribution = { uniform = { min = 0.2, max = 0.9 } }
source = "assumption: a test"
"#;

#[test]
fn a_rate_multiplier_gives_the_closed_forms() {
    let d = 400;
    let a = two_level(&minimal(HABIT), d, 100, 7);
    let (lo, hi) = (0.2, 0.9);
    let m_star = 1.3 / 2.3;
    let p = (m_star - lo) / (hi - lo);
    let rows = &a.decision.rows;
    let got = rows[1].probability_cheapest;
    let se = (p * (1.0 - p) / d as f64).sqrt();
    assert!(
        (got - p).abs() <= Z99 * se,
        "P(habit cheapest) {got} vs {p} ± {}",
        Z99 * se
    );
    assert!((rows[0].probability_cheapest + got - 1.0).abs() < 1e-12);
    // EVPI: the habit is cheaper in expectation (2.3·0.55 + 1 < 2.3); perfect information
    // saves E[max(0, c_habit − c_base)] = ½·2.3·(hi − m*)² / (hi − lo).
    let evpi = 0.5 * 2.3 * (hi - m_star).powi(2) / (hi - lo);
    let losses: Vec<f64> = a
        .figures
        .iter()
        .map(|f| (f.strategies[1].annual - f.strategies[0].annual).max(0.0))
        .collect();
    let mean = losses.iter().sum::<f64>() / d as f64;
    let sd = (losses.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (d - 1) as f64).sqrt();
    let got = a.decision.evpi;
    assert!(
        (got - evpi).abs() <= Z99 * sd / (d as f64).sqrt(),
        "EVPI {got} vs {evpi} ± {}",
        Z99 * sd / (d as f64).sqrt()
    );
    // No incident noise here: nothing to bias EVPI.
    assert!(a.decision.evpi_noise_bias.abs() < 1e-9);
    assert_evpi_is_the_smallest_loss(&a);
    // One-way: at the p10 and p90 of m (0.27, 0.83) the difference is 2.3·m − 1.3 exactly.
    let s = &a.sensitivity[1];
    assert_eq!(s.strategy, "habit");
    assert!((s.value_p10 - 0.27).abs() < 1e-12 && (s.value_p90 - 0.83).abs() < 1e-12);
    for (m, got) in [
        (0.27, s.annual_cost_diff_vs_baseline_at_p10),
        (0.83, s.annual_cost_diff_vs_baseline_at_p90),
        (0.55, s.annual_cost_diff_vs_baseline_at_p50),
    ] {
        assert!((got - (2.3 * m - 1.3)).abs() < 1e-9, "at m = {m}: {got}");
    }
    // The only parameter explains all of the difference's variance.
    assert!(s.first_order_variance_share.unwrap() > 0.95);
}

/// EVPI is the smallest expected opportunity loss, to the bit, and the lowest expected cost
/// minus the expected lowest cost, to rounding.
fn assert_evpi_is_the_smallest_loss(a: &Analysis) {
    let rows = &a.decision.rows;
    let smallest = rows
        .iter()
        .map(|r| r.expected_opportunity_loss)
        .fold(f64::INFINITY, f64::min);
    assert_eq!(a.decision.evpi, smallest);
    let best = rows
        .iter()
        .map(|r| r.expected_annual_cost_per_vehicle)
        .fold(f64::INFINITY, f64::min);
    let mean_min = a
        .figures
        .iter()
        .map(|f| {
            f.strategies
                .iter()
                .map(|s| s.annual)
                .fold(f64::INFINITY, f64::min)
        })
        .sum::<f64>()
        / a.figures.len() as f64;
    assert!((a.decision.evpi - (best - mean_min)).abs() < 1e-12);
}

/// The trunk button works with probability p ~ U(0.3, 0.9), a simulated parameter: 1 min and
/// nothing paid; otherwise a locksmith, 60 min more and 150 USD. An incident costs 0.5 when the
/// button works and 180.5 when not (value of time 30/h), so the baseline's annual cost is
/// 0.02·(180.5 − 180·p). The spare key's `set` fixes the button's success at 1 (a strategy's
/// value wins over the draw): 0.02·0.5 + 1.5 = 1.51 a year.
const BUTTON: &str = r#"
[[strategy]]
name = "spare"
annual_cost = 1.5
set = { "remedy.button.success" = 1.0 }

[remedy.button]
success = 0.5
duration = "1 min"

[remedy.locksmith]
duration = "60 min"
cost = 150.0

[policy.only]
steps = ["button", "locksmith"]

[uncertainty]
[[uncertainty.parameter]]
path = "remedy.button.success"
distribution = { uniform = { min = 0.3, max = 0.9 } }
source = "assumption: a test"
"#;

#[test]
fn a_remedys_success_gives_the_closed_forms_within_monte_carlo_error() {
    let (d, n) = (400, 20_000);
    let a = two_level(&minimal(BUTTON), d, n, 11);
    let (lo, hi) = (0.3, 0.9);
    // The spare is cheaper when 3.61 − 3.6·p > 1.51: p < p* = 2.1/3.6.
    let p_star = 2.1 / 3.6;
    let p = (p_star - lo) / (hi - lo);
    let got = a.decision.rows[1].probability_cheapest;
    // Binomial error over draws; the incidents' noise (sd 0.013 of a difference whose slope
    // in p is 3.6) blurs p* by about 0.004, a shift far smaller than that and symmetric.
    let se = (p * (1.0 - p) / d as f64).sqrt();
    assert!(
        (got - p).abs() <= Z99 * se,
        "P(spare cheapest) {got} vs {p} ± {}",
        Z99 * se
    );
    // The baseline is cheaper in expectation (3.61 − 3.6·0.6 = 1.45 < 1.51); EVPI =
    // E[max(0, c_base − c_spare)] = ½·3.6·(p* − lo)² / (hi − lo).
    let evpi = 0.5 * 3.6 * (p_star - lo).powi(2) / (hi - lo);
    let losses: Vec<f64> = a
        .figures
        .iter()
        .map(|f| (f.strategies[0].annual - f.strategies[1].annual).max(0.0))
        .collect();
    let mean = losses.iter().sum::<f64>() / d as f64;
    let sd = (losses.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (d - 1) as f64).sqrt();
    let tol = Z99 * sd / (d as f64).sqrt() + a.decision.evpi_noise_bias.abs();
    let got = a.decision.evpi;
    assert!((got - evpi).abs() <= tol, "EVPI {got} vs {evpi} ± {tol}");
    assert!(a.decision.evpi_noise_bias >= 0.0 && a.decision.evpi_noise_bias < 0.01);
    assert_evpi_is_the_smallest_loss(&a);
    // The spare's value of the uncertain field is its own in every draw: no spread at all.
    let spare: Vec<f64> = a.figures.iter().map(|f| f.strategies[1].annual).collect();
    assert!(spare.iter().all(|&x| (x - 1.51).abs() < 1e-12), "{spare:?}");
    // One-way: p10 = 0.36 and p90 = 0.84; the spare minus the baseline is 1.51 − 3.61 + 3.6·p,
    // within the interval of the run's incidents (widened from 95% to 99%).
    let s = &a.sensitivity[1];
    let widen = Z99 / 1.959963984540054;
    for (p, got, low, high) in [
        (
            0.36,
            s.annual_cost_diff_vs_baseline_at_p10,
            s.annual_cost_diff_vs_baseline_at_p10_ci95_low,
            s.annual_cost_diff_vs_baseline_at_p10_ci95_high,
        ),
        (
            0.84,
            s.annual_cost_diff_vs_baseline_at_p90,
            s.annual_cost_diff_vs_baseline_at_p90_ci95_low,
            s.annual_cost_diff_vs_baseline_at_p90_ci95_high,
        ),
    ] {
        let exact = 1.51 - 3.61 + 3.6 * p;
        let half = widen * (high - low) / 2.0;
        assert!(half > 0.0 && half < 0.05, "half-width {half}");
        assert!(
            (got - exact).abs() <= half,
            "at p = {p}: {got} vs {exact} ± {half}"
        );
    }
    // Outer variance: Var(3.6·p) = 3.6²·0.6²/12 for the baseline; the spare has none.
    let outer = a.decision.rows[0].annual_cost_outer_variance;
    let exact = 3.6f64.powi(2) * 0.36 / 12.0;
    assert!(
        (outer / exact - 1.0).abs() < 0.2,
        "outer variance {outer} vs {exact}"
    );
    assert!(a.decision.rows[0].annual_cost_inner_variance > 0.0);
    assert_eq!(a.decision.rows[1].annual_cost_inner_variance, 0.0);
}

#[test]
fn the_interval_of_the_expected_cost_covers_the_truth_in_95_percent_of_seeds() {
    // A wait of mean 30 min (incident noise), a price of U(80, 120) and a rate of U(0.01, 0.03),
    // independent: the expected annual cost is 0.02·(100 + 15) = 2.3.
    let text = minimal(
        r#"
[remedy.locksmith]
wait = { exponential = { mean = "30 min" } }
duration = "0 min"
cost = 100.0

[policy.only]
steps = ["locksmith"]

[uncertainty]
[[uncertainty.parameter]]
path = "incident_rate_per_vehicle_year"
distribution = { uniform = { min = 0.01, max = 0.03 } }
source = "assumption: a test"

[[uncertainty.parameter]]
path = "remedy.locksmith.cost"
distribution = { uniform = { min = 80.0, max = 120.0 } }
source = "assumption: a test"
"#,
    );
    let prepared = Prepared::parse(&text, "test.toml").unwrap();
    let sc = prepared.compile(&[], &[]).unwrap();
    let u = sc.uncertainty.clone().unwrap();
    let seeds = 200;
    let mut covered = 0;
    for seed in 0..seeds {
        let plan = Plan {
            draws: 100,
            incidents: 200,
            seed,
            threads: 1,
            progress: false,
        };
        let a = analyse(&prepared, &[], &sc, &u, &plan).unwrap();
        let r = &a.decision.rows[0];
        if r.expected_annual_cost_per_vehicle_ci95_low <= 2.3
            && 2.3 <= r.expected_annual_cost_per_vehicle_ci95_high
        {
            covered += 1;
        }
    }
    let share = covered as f64 / seeds as f64;
    eprintln!("the interval covered the truth in {covered} of {seeds} seeds");
    assert!(
        (0.93..=0.97).contains(&share),
        "covered in {covered} of {seeds} seeds"
    );
}

#[test]
fn a_draw_is_the_run_of_its_values() {
    let text = minimal(BUTTON);
    let a = two_level(&text, 3, 20_000, 5);
    let prepared = Prepared::parse(&text, "test.toml").unwrap();
    let sc = prepared.compile(&[], &[]).unwrap();
    let u = sc.uncertainty.clone().unwrap();
    for d in 0..3u64 {
        let drawn = prepared
            .compile(&[], &overrides_for(&u, &a.values[d as usize]))
            .unwrap();
        let (_, rows) = crate::testutil::run(&drawn, 20_000, streams::draw_seed(5, d));
        for (row, f) in rows.iter().zip(&a.figures[d as usize].strategies) {
            assert_eq!(row.annual_cost_per_vehicle, f.annual);
            assert_eq!(row.total_cost_mean, f.total_cost_mean);
            assert_eq!(row.time_to_access_mean_min, f.time_mean_min);
        }
    }
    // Draws differ: their own values and their own incidents.
    assert_ne!(a.values[0], a.values[1]);
    // The acceptability curves rescale a draw to another value of time or incident rate:
    // the same as simulating the draw again with them (the annual cost is linear in both), to
    // the rounding of the statistics' fixed-point sums (2^-20 per value).
    let rows = lockout::report::uncertainty::draw_rows(&sc, 0, &a.figures);
    let mut values = overrides_for(&u, &a.values[1]);
    for (path, v) in [
        ("value_of_time_per_hour", 55.0),
        ("incident_rate_per_vehicle_year", 0.05),
    ] {
        values.push(lockout::scenario::Override {
            path: path.into(),
            value: toml::Value::Float(v),
        });
    }
    let drawn = prepared.compile(&[], &values).unwrap();
    let (_, again) = crate::testutil::run(&drawn, 20_000, streams::draw_seed(5, 1));
    for (s, row) in again.iter().enumerate() {
        let draw_row = &rows[2 + s];
        assert_eq!(draw_row.draw, 1);
        let rescaled =
            lockout::report::uncertainty::rescaled_annual(draw_row, Some(0.05), Some(55.0));
        assert!(
            (rescaled - row.annual_cost_per_vehicle).abs() < 1e-6,
            "{}: rescaled {rescaled} vs simulated {}",
            row.strategy,
            row.annual_cost_per_vehicle
        );
    }
}

/// Runs the flagship's uncertainty analysis into `out` with extra arguments.
fn flagship(out: &std::path::Path, extra: &[&str]) {
    lockout()
        .args(["-q", "uncertainty", "scenarios/mixed-population.toml"])
        .args(["--draws", "6", "--incidents", "40000", "--seed", "3"])
        .arg("--out")
        .arg(out)
        .args(extra)
        .assert()
        .success();
}

#[test]
fn tables_are_byte_identical_for_any_thread_count_and_merged_shards() {
    let tmp = tempfile::tempdir().unwrap();
    let dirs: Vec<_> = ["1", "2", "7"]
        .iter()
        .map(|t| {
            let out = tmp.path().join(format!("t{t}"));
            flagship(&out, &["--threads", t]);
            out
        })
        .collect();
    // Three parts run as separate processes, merged: the same tables again.
    let parts: Vec<_> = (1..=3)
        .map(|k| {
            let out = tmp.path().join(format!("part{k}"));
            flagship(&out, &["--shard", &format!("{k}/3"), "--threads", "1"]);
            out
        })
        .collect();
    let merged = tmp.path().join("merged");
    lockout()
        .args(["-q", "merge"])
        .args(&parts)
        .arg("--out")
        .arg(&merged)
        .args(["--no-plots"])
        .assert()
        .success();
    // A part missing or given twice is refused (exit 2), naming it.
    for bad in [
        vec![&parts[0], &parts[2]],
        vec![&parts[0], &parts[1], &parts[1], &parts[2]],
    ] {
        let out = lockout()
            .arg("merge")
            .args(bad)
            .arg("--out")
            .arg(tmp.path().join("refused"))
            .assert()
            .code(2);
        let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
        assert!(stderr.contains("part 2 of 3"), "{stderr}");
    }
    let mut dirs = dirs;
    dirs.push(merged);
    for table in ["draws.csv", "decision.csv", "sensitivity.csv"] {
        let first = read(&dirs[0].join(table));
        assert!(first.lines().count() > 9, "{table} has rows");
        for d in &dirs[1..] {
            assert!(
                read(&d.join(table)) == first,
                "{table} differs between 1 thread and {} (threads or merged parts)",
                d.display()
            );
        }
    }
    let draws = read(&dirs[0].join("draws.csv"));
    let header = draws.lines().next().unwrap();
    assert!(
        header.starts_with("draw,incident_rate_per_vehicle_year,"),
        "{header}"
    );
    assert!(header.contains(r#""strategy.""waist-pouch habit"".incident_rate_multiplier""#));
    let json = read(&dirs[0].join("run.json"));
    assert!(json.contains("\"evpi_per_vehicle_year\""));
    figures_and_page(&dirs[0]);
}

/// The figures are PNGs of the figure size with ink and the palette, SVGs with their titles
/// and strategy names; the page shows every figure, the reading and numbers of the tables;
/// `lockout plot` redraws them identically.
fn figures_and_page(dir: &std::path::Path) {
    use lockout::report::figures::{FIGURE_SIZE_PX, UNCERTAINTY_FIGURE_NAMES};
    let mut before = Vec::new();
    for name in UNCERTAINTY_FIGURE_NAMES {
        let png = dir.join(format!("{name}.png"));
        let img = image::open(&png)
            .unwrap_or_else(|e| panic!("{png:?}: {e}"))
            .to_rgb8();
        assert_eq!(img.dimensions(), FIGURE_SIZE_PX, "{name}");
        let inked = img.pixels().filter(|p| p.0 != [255, 255, 255]).count();
        assert!(
            inked as f64 > 0.02 * f64::from(img.width() * img.height()),
            "{name} blank"
        );
        assert!(
            img.pixels().any(|p| p.0 == [0x00, 0x72, 0xB2]),
            "{name}: palette"
        );
        let svg = read(&dir.join(format!("{name}.svg")));
        assert!(
            svg.contains("Mixed private-car population"),
            "{name}: title"
        );
        before.push((png.clone(), std::fs::read(&png).unwrap()));
    }
    let svg = read(&dir.join("probability_cheapest.svg"));
    assert!(svg.contains("spare key in wallet") && svg.contains("waist-pouch habit"));
    let svg = read(&dir.join("tornado.svg"));
    assert!(svg.contains("incident_rate_per_vehicle_year"));
    let page = read(&dir.join("report.html"));
    for name in UNCERTAINTY_FIGURE_NAMES {
        assert!(
            page.contains(&format!("src=\"{name}.png\"")),
            "page lacks {name}"
        );
    }
    assert!(page.contains("plausible worlds") && page.contains("EVPI"));
    let decision = read(&dir.join("decision.csv"));
    let first = decision.lines().nth(1).unwrap();
    assert!(
        page.contains(
            first
                .split(',')
                .next()
                .unwrap()
                .replace('\'', "&#39;")
                .as_str()
        )
    );
    lockout().arg("plot").arg(dir).assert().success();
    for (png, bytes) in before {
        assert!(
            std::fs::read(&png).unwrap() == bytes,
            "{png:?} redrawn differently"
        );
    }
}

#[test]
fn bad_sections_are_refused_with_the_field_and_rule() {
    let with = |block: &str| {
        minimal(&format!(
            "{}\n{block}",
            &HABIT[..HABIT.find("[uncertainty]").unwrap()]
        ))
    };
    let param = |path: &str, dist: &str, source: &str| {
        format!(
            "[uncertainty]\n[[uncertainty.parameter]]\npath = '{path}'\ndistribution = {dist}\nsource = \"{source}\"\n"
        )
    };
    let uniform = "{ uniform = { min = 0.1, max = 0.2 } }";
    let cases = [
        (
            param("remedy.locksmth.cost", uniform, "assumption"),
            "did you mean `locksmith`",
        ),
        (
            param("incident_rate_per_vehicl_year", uniform, "assumption"),
            "did you mean `incident_rate_per_vehicle_year`",
        ),
        (param("incidents", uniform, "assumption"), "whole numbers"),
        (
            param("remedy.locksmith.duration", uniform, "assumption"),
            "duration",
        ),
        (
            param("incident_rate_per_vehicle_year", uniform, " "),
            "say where",
        ),
        (
            param(
                "incident_rate_per_vehicle_year",
                "{ uniform = { min = 0.3, max = 0.2 } }",
                "assumption",
            ),
            "uncertainty.parameter[0].distribution",
        ),
        (
            format!(
                "{}[[uncertainty.parameter]]\npath = \"incident_rate_per_vehicle_year\"\ndistribution = 0.1\nsource = \"assumption\"\n",
                param("incident_rate_per_vehicle_year", uniform, "assumption")
            ),
            "uncertain twice",
        ),
        ("[uncertainty]\ndraws = 1\n".to_string(), "at least 2 draws"),
        ("[uncertainty]\n".to_string(), "no uncertain parameter"),
    ];
    for (block, expected) in cases {
        let err = check(&with(&block)).expect_err(&block).to_string();
        assert!(err.contains(expected), "{block}\n=> {err}");
        assert!(err.starts_with("test.toml:"), "{err}");
    }
    // A scenario without the section: `uncertainty` says what to add, exit 2.
    let out = lockout()
        .args(["uncertainty", "scenarios/seasoned-driver.toml", "--out"])
        .arg(tempfile::tempdir().unwrap().path().join("x"))
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(stderr.contains("no [uncertainty] section"), "{stderr}");
}

#[test]
fn a_joint_sample_replaces_the_marginals() {
    let tmp = tempfile::tempdir().unwrap();
    // The habit's multiplier and the rate, jointly: each row is one parameter set.
    let head = &HABIT[..HABIT.find("[uncertainty]").unwrap()];
    let section = r#"
[uncertainty]
samples = "calibration.csv"

[[uncertainty.parameter]]
path = 'strategy."habit".incident_rate_multiplier'
source = "calibration run 7"

[[uncertainty.parameter]]
path = "incident_rate_per_vehicle_year"
source = "calibration run 7"
"#;
    let file = tmp.path().join("s.toml");
    let load = |csv: &str, section: &str| {
        std::fs::write(tmp.path().join("calibration.csv"), csv).unwrap();
        std::fs::write(&file, minimal(&format!("{head}{section}"))).unwrap();
        lockout::scenario::load(&file, &[])
    };
    let csv = "incident_rate_per_vehicle_year,\"strategy.\"\"habit\"\".incident_rate_multiplier\"\n\
               0.01,0.2\n0.02,0.4\n0.03,0.6\n0.04,0.8\n";
    let loaded = load(csv, section).unwrap_or_else(|e| panic!("{e}"));
    let u = loaded.scenario.uncertainty.clone().unwrap();
    let sample = u.samples.as_ref().unwrap();
    assert_eq!(sample.rows[1], vec![0.4, 0.02]);
    // Draw d is row d; the one-way quantiles are the column's.
    let text = std::fs::read_to_string(&file).unwrap();
    let prepared = Prepared::parse(&text, &file.display().to_string()).unwrap();
    let plan = Plan {
        draws: 4,
        incidents: 100,
        seed: 1,
        threads: 1,
        progress: false,
    };
    let a = analyse(&prepared, &[], &loaded.scenario, &u, &plan).unwrap();
    assert_eq!(a.values, sample.rows);
    // Annual costs follow each row exactly (115 per incident, no noise): the baseline
    // 115·r, the habit 115·r·m + 1.
    for (f, row) in a.figures.iter().zip(&sample.rows) {
        let (m, r) = (row[0], row[1]);
        assert!((f.strategies[0].annual - 115.0 * r).abs() < 1e-9);
        assert!((f.strategies[1].annual - (115.0 * r * m + 1.0)).abs() < 1e-9);
    }
    assert_eq!(a.sensitivity[0].value_p10, 0.2);
    assert_eq!(a.sensitivity[0].value_p90, 0.8);
    // Refusals, naming the file and the column.
    for (csv, section, expected) in [
        (
            "incident_rate_per_vehicl_year,x\n1,2\n",
            section.to_string(),
            "did you mean",
        ),
        (
            "incident_rate_per_vehicle_year\n0.1\n0.2\n",
            section.to_string(),
            "no column for the parameter",
        ),
        (
            "incident_rate_per_vehicle_year,\"strategy.\"\"habit\"\".incident_rate_multiplier\"\n0.1,a\n0.2,0.3\n",
            section.to_string(),
            "line 2: column",
        ),
    ] {
        let err = load(csv, &section).expect_err(expected).to_string();
        assert!(err.contains(expected), "{err}");
        assert!(
            err.contains("uncertainty.samples") || err.contains("distribution"),
            "{err}"
        );
    }
    // A distribution beside the joint sample is the prior `lockout calibrate` fitted it from:
    // kept as such, while the values still come from the file.
    let with_prior = load(
        csv,
        &section.replace(
            "source = \"calibration run 7\"\n\n[[",
            "source = \"calibration run 7\"\ndistribution = { uniform = { min = 0.1, max = 0.9 } }\n\n[[",
        ),
    )
    .unwrap();
    let u = with_prior.scenario.uncertainty.as_ref().unwrap();
    assert!(matches!(
        u.parameters[0].prior,
        Some(lockout::dist::DistSpec::Uniform { .. })
    ));
    assert_eq!(u.parameters[0].quantile(0.1), 0.2);
}
