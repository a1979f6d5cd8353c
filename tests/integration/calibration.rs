//! `lockout calibrate` (issue 15): known parameters recovered from targets the model itself
//! generated at known values (posterior sd at most a third of the prior's, truth within 2
//! posterior sd), a parameter the targets do not inform keeping its prior, byte-identical
//! outputs for the same command twice and for 1, 2 or 7 threads, the joint sample read back by
//! `[uncertainty]`, refusals of bad targets with file, line and field, and the flagship's
//! committed calibration reproduced byte for byte, with the README's Calibration section and
//! the scenario's joint sample equal to it.

use lockout::fit::{self, Fit, FitPlan};
use lockout::model::calibration::Targets;
use lockout::run::calibration::observe_sets;
use lockout::scenario::Prepared;
use lockout::scenario::uncertainty::overrides_for;

use crate::testutil::{lockout, minimal, root};

/// A driver tries a hanger (success θ₁) and then calls a patrol whose wait is lognormal with
/// median θ₂ and p90 2·θ₂; θ₃, the habit's annual cost, changes nothing the targets see.
const SCENARIO: &str = r#"
[remedy.hanger]
success = 0.5
duration = "5 min"

[remedy.patrol]
success = 0.95
wait = { lognormal = { median = "40 min", p90 = "80 min" } }
duration = "10 min"
cost = 80.0

[policy.only]
steps = ["hanger", "patrol"]

[[strategy]]
name = "habit"
annual_cost = 5.0

[uncertainty]
[[uncertainty.parameter]]
path = "remedy.hanger.success"
distribution = { uniform = { min = 0.1, max = 0.9 } }
source = "assumption: a test"

[[uncertainty.parameter]]
path = "remedy.patrol.wait.lognormal.median"
distribution = { uniform = { min = "20 min", max = "60 min" } }
source = "assumption: a test"

[[uncertainty.parameter]]
path = 'strategy."habit".annual_cost'
distribution = { uniform = { min = 0.0, max = 10.0 } }
source = "assumption: a test"
"#;

/// The true values the targets are generated at.
const TRUTH: [f64; 3] = [0.3, 45.0, 5.0];

/// A targets file whose observed values are `observed` (hanger share, mean wait, calls per
/// vehicle-year, arrivals within 45 min, median wait) with their standard errors.
fn targets_text(observed: &[f64]) -> String {
    format!(
        r#"sets = 300
rounds = 3
incidents = 4_000
posterior_draws = 50

[[target]]
name = "hanger share"
statistic = "resolved_share"
remedies = ["hanger"]
observed = {}
observed_se = 0.02
source = "the model at known values"

[[target]]
name = "patrol mean wait"
statistic = "mean_wait_min"
remedy = "patrol"
observed = {}
observed_se = 1.5
source = "the model at known values"

[[target]]
name = "patrol calls"
statistic = "calls_per_vehicle_year"
remedies = ["patrol"]
observed = {}
observed_se = 0.001
source = "the model at known values"

[[target]]
name = "patrol within 45 min"
statistic = "wait_within_share"
remedy = "patrol"
minutes = 45.0
observed = {}
observed_se = 0.03
source = "the model at known values"

[[target]]
name = "patrol median wait"
statistic = "wait_quantile_min"
remedy = "patrol"
order = 0.5
observed = {}
observed_se = 2.0
source = "the model at known values"
"#,
        observed[0], observed[1], observed[2], observed[3], observed[4]
    )
}

/// Fits `text`'s targets for the test scenario.
fn fit_of(prepared: &Prepared, targets: &Targets, threads: usize) -> Fit {
    let sc = prepared.compile(&[], &[]).unwrap();
    let plan = FitPlan {
        seed: 11,
        threads,
        progress: false,
    };
    fit::calibrate(prepared, &[], &sc, targets, &plan).unwrap_or_else(|e| panic!("{e:#}"))
}

#[test]
fn known_parameters_are_recovered_and_an_uninformed_one_keeps_its_prior() {
    let text = minimal(SCENARIO);
    let prepared = Prepared::parse(&text, "test.toml").unwrap();
    let sc = prepared.compile(&[], &[]).unwrap();
    let u = sc.uncertainty.clone().unwrap();
    // The observations: the model's own statistics at the true values, on other incidents
    // than the fit's (seed 99), so the fit sees noise as it would in data.
    let placeholder = lockout::scenario::targets::from_str(
        &targets_text(&[0.5, 40.0, 0.01, 0.5, 40.0]),
        "t.toml",
        &sc,
    )
    .unwrap();
    let at_truth = prepared.compile(&[], &overrides_for(&u, &TRUTH)).unwrap();
    let (obs, _) =
        observe_sets(std::slice::from_ref(&at_truth), &placeholder, 99, 20_000, 2).unwrap();
    let rate = at_truth.incident_rate_per_vehicle_year;
    let (observed, _) = fit::evaluate(&placeholder, &obs[0], rate);
    // Closed forms of what was generated: the hanger ends a share θ₁; the patrol's mean wait
    // is θ₂·exp(σ²/2) with σ = ln(80/θ₂) / z₀.₉ (the p90 stays 80 min); the calls are the
    // rate × (1 − θ₁).
    let sigma = (80.0f64 / 45.0).ln() / 1.281_551_565_545;
    assert!((observed[0] - 0.3).abs() < 0.02, "{observed:?}");
    assert!(
        (observed[1] - 45.0 * (sigma * sigma / 2.0).exp()).abs() < 1.5,
        "{observed:?}"
    );
    assert!((observed[2] - rate * 0.7).abs() < 0.001, "{observed:?}");
    // The median wait is θ₂ itself (within the sketch's 0.4% and the sampling error).
    assert!((observed[4] - 45.0).abs() < 0.03 * 45.0, "{observed:?}");
    let targets =
        lockout::scenario::targets::from_str(&targets_text(&observed), "t.toml", &sc).unwrap();
    let fit = fit_of(&prepared, &targets, 2);
    assert!(
        fit.effective_sample_size > 50.0,
        "{}",
        fit.effective_sample_size
    );
    for (j, truth) in TRUTH.iter().enumerate().take(2) {
        let p = &fit.parameters[j];
        let (prior_sd, mean, sd) = (p.prior[1], p.posterior[0], p.posterior[1]);
        assert!(
            sd <= prior_sd / 3.0,
            "parameter {j}: sd {sd} vs prior {prior_sd}"
        );
        assert!(
            (mean - truth).abs() <= 2.0 * sd,
            "parameter {j}: {mean} ± {sd} vs {truth}"
        );
    }
    // The habit's annual cost: its posterior is its prior, U(0, 10) (mean 5, sd 2.89), within
    // the weights' noise.
    let p = &fit.parameters[2];
    let noise = p.prior[1] / fit.effective_sample_size.sqrt();
    assert!(
        (p.posterior[0] - 5.0).abs() < 4.0 * noise,
        "{:?}",
        p.posterior
    );
    assert!(
        (p.posterior[1] / p.prior[1] - 1.0).abs() < 0.15,
        "{:?}",
        p.posterior
    );
    // After the fit every target is within 2 fit sd of its observation, and the posterior
    // joint sample has the rows asked for, within the posterior's range.
    for (row, after) in fit.rows.iter().zip(&fit.after) {
        assert!(
            (after[0] - row.observed).abs() <= 2.0 * row.fit_sd,
            "{}: {} vs {}",
            row.target,
            after[0],
            row.observed
        );
    }
    // The joint sample follows the weighted sets: each fitted parameter's mean over its 50
    // rows within half a posterior sd of the weighted mean (3.5 standard errors).
    assert_eq!(fit.posterior.len(), 50);
    for j in 0..2 {
        let mean = fit.posterior.iter().map(|r| r[j]).sum::<f64>() / 50.0;
        let p = &fit.parameters[j].posterior;
        assert!(
            (mean - p[0]).abs() <= 0.5 * p[1],
            "parameter {j}: {mean} vs {p:?}"
        );
    }
}

#[test]
fn calibrate_is_deterministic_and_its_joint_sample_feeds_uncertainty() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = tmp.path().join("s.toml");
    std::fs::write(&scenario, minimal(SCENARIO)).unwrap();
    let targets = tmp.path().join("t.toml");
    std::fs::write(
        &targets,
        // Three chunks per set: sets and chunks spread over the threads differently.
        targets_text(&[0.3, 52.0, 0.014, 0.45, 45.0])
            .replace("sets = 300", "sets = 40")
            .replace("incidents = 4_000", "incidents = 40_000"),
    )
    .unwrap();
    let run = |threads: &str, out: &str| {
        lockout()
            .args(["-q", "calibrate"])
            .arg(&scenario)
            .arg("--targets")
            .arg(&targets)
            .args(["--threads", threads, "--out"])
            .arg(tmp.path().join(out))
            .assert()
            .success();
    };
    run("1", "a");
    run("2", "b");
    run("2", "c");
    run("7", "d");
    for file in [
        "calibration.csv",
        "parameters.csv",
        "sets.csv",
        "posterior.csv",
        "calibration.md",
    ] {
        let a = std::fs::read(tmp.path().join("a").join(file)).unwrap();
        for other in ["b", "c", "d"] {
            let b = std::fs::read(tmp.path().join(other).join(file)).unwrap();
            assert!(a == b, "{file} differs between runs a and {other}");
        }
    }
    // The page embeds its figure and loads nothing; `plot` redraws the same bytes.
    let page = std::fs::read_to_string(tmp.path().join("a/report.html")).unwrap();
    assert!(page.contains("<svg role=\"img\""), "no embedded figure");
    assert!(
        !page.contains("<img") && !page.contains("src="),
        "the page loads a file"
    );
    assert!(page.contains("Observed against simulated"));
    let png = std::fs::read(tmp.path().join("a/calibration.png")).unwrap();
    lockout()
        .args(["-q", "plot"])
        .arg(tmp.path().join("a"))
        .assert()
        .success();
    assert!(png == std::fs::read(tmp.path().join("a/calibration.png")).unwrap());
    assert!(page == std::fs::read_to_string(tmp.path().join("a/report.html")).unwrap());
    // The joint sample, beside the scenario, replaces the parameters' distributions, which
    // stay as the priors.
    std::fs::copy(
        tmp.path().join("a/posterior.csv"),
        tmp.path().join("posterior.csv"),
    )
    .unwrap();
    let text = minimal(SCENARIO).replace(
        "[uncertainty]\n",
        "[uncertainty]\nsamples = \"posterior.csv\"\n",
    );
    std::fs::write(&scenario, text).unwrap();
    let loaded = lockout::scenario::load(&scenario, &[]).unwrap_or_else(|e| panic!("{e}"));
    let u = loaded.scenario.uncertainty.unwrap();
    assert_eq!(u.samples.as_ref().unwrap().rows.len(), 50);
    assert!(u.parameters.iter().all(|p| p.prior.is_some()));
}

#[test]
fn bad_targets_are_refused_with_file_line_and_field() {
    let sc = lockout::scenario::from_toml_str(&minimal(SCENARIO), "s.toml", &[]).unwrap();
    let good = targets_text(&[0.3, 52.0, 0.014, 0.45, 45.0]);
    let cases: [(&str, &str, &str); 8] = [
        (
            "remedies = [\"hanger\"]",
            "remedies = [\"hangar\"]",
            "did you mean `hanger`",
        ),
        (
            "observed = 0.3\n",
            "observed = 1.3\n",
            "a share is at most 1",
        ),
        (
            "statistic = \"mean_wait_min\"",
            "statistic = \"mean_wait\"",
            "is not a statistic",
        ),
        (
            "remedy = \"patrol\"\nobserved = 52",
            "remedy = \"hanger\"\nobserved = 52",
            "has no `wait`",
        ),
        (
            "observed_se = 0.02",
            "observed_se = 0.0",
            "needs an uncertainty",
        ),
        ("minutes = 45.0\n", "", "takes `remedy` and `minutes`"),
        ("rounds = 3", "rounds = 30", "must be from 1 to 10"),
        ("order = 0.5", "order = 1.5", "order is above 0 and below 1"),
    ];
    for (from, to, expected) in cases {
        assert!(good.contains(from), "{from}");
        let text = good.replacen(from, to, 1);
        let err = lockout::scenario::targets::from_str(&text, "t.toml", &sc)
            .expect_err(expected)
            .to_string();
        assert!(err.contains(expected), "{to} => {err}");
        assert!(err.starts_with("t.toml:"), "{err}");
        let line: usize = err.split(':').nth(1).unwrap().parse().unwrap();
        assert!(line > 1, "{err}");
    }
    // A composition whose shares sum past 1, and an unknown field.
    let composition = "[[composition]]\nname = \"survey\"\nsource = \"a test\"\nsample_size = 100\n\
        [[composition.category]]\nname = \"a\"\nremedies = [\"hanger\"]\nobserved = 0.7\n\
        [[composition.category]]\nname = \"b\"\nremedies = [\"patrol\"]\nobserved = 0.6\n";
    let err = lockout::scenario::targets::from_str(composition, "t.toml", &sc)
        .unwrap_err()
        .to_string();
    assert!(err.contains("sum to 1.3"), "{err}");
    let err = lockout::scenario::targets::from_str("set = 10\n", "t.toml", &sc)
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("t.toml:1:") && err.contains("unknown field"),
        "{err}"
    );
    // `check --targets` refuses the same way, before anything runs: exit 2.
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("s.toml"), minimal(SCENARIO)).unwrap();
    std::fs::write(
        tmp.path().join("t.toml"),
        good.replace("rounds = 3", "rounds = 0"),
    )
    .unwrap();
    lockout()
        .arg("check")
        .arg(tmp.path().join("s.toml"))
        .arg("--targets")
        .arg(tmp.path().join("t.toml"))
        .assert()
        .code(2);
    // Too few sets for targets this strict: the fit runs, and says its posterior is thin.
    let strict = good
        .replace("rounds = 3", "rounds = 1")
        .replace("sets = 300", "sets = 10")
        .replace("observed_se = 0.02", "observed_se = 0.0001");
    std::fs::write(tmp.path().join("t.toml"), strict).unwrap();
    let out = lockout()
        .arg("calibrate")
        .arg(tmp.path().join("s.toml"))
        .arg("--targets")
        .arg(tmp.path().join("t.toml"))
        .args(["--no-plots", "--out"])
        .arg(tmp.path().join("thin"))
        .assert()
        .success();
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(
        stderr.contains("warning: the posterior rests on an effective"),
        "{stderr}"
    );
    let md = std::fs::read_to_string(tmp.path().join("thin/calibration.md")).unwrap();
    assert!(md.contains("**Warning:** the posterior rests on"), "{md}");
}

#[test]
fn the_flagship_targets_are_accepted_and_the_readme_shows_its_calibration() {
    lockout()
        .args([
            "check",
            "scenarios/mixed-population.toml",
            "--targets",
            "scenarios/targets/mixed-population.toml",
        ])
        .assert()
        .success();
    let dir = root().join("results/mixed-population-calibration");
    // The committed calibration, reproduced byte for byte (tables and calibration.md).
    let tmp = tempfile::tempdir().unwrap();
    lockout()
        .args([
            "-q",
            "calibrate",
            "scenarios/mixed-population.toml",
            "--targets",
            "scenarios/targets/mixed-population.toml",
            "--no-plots",
            // Not the 2 threads results/regenerate.sh used on this kind of machine: the
            // flagship's sets spread over the threads otherwise.
            "--threads",
            "3",
            "--out",
        ])
        .arg(tmp.path().join("c"))
        .assert()
        .success();
    for file in [
        "calibration.csv",
        "parameters.csv",
        "sets.csv",
        "posterior.csv",
        "calibration.md",
    ] {
        let committed = std::fs::read(dir.join(file)).unwrap();
        let now = std::fs::read(tmp.path().join("c").join(file)).unwrap();
        assert!(
            committed == now,
            "{file} differs from the committed results/mixed-population-calibration/{file}: \
             run results/regenerate.sh in a commit that says why"
        );
    }
    let rows: Vec<lockout::report::schema::CalibrationRow> = lockout::report::schema::read_rows(
        std::fs::File::open(dir.join("calibration.csv")).unwrap(),
    )
    .unwrap();
    let parameters: Vec<lockout::report::schema::ParameterFitRow> =
        lockout::report::schema::read_rows(
            std::fs::File::open(dir.join("parameters.csv")).unwrap(),
        )
        .unwrap();
    let generated = lockout::report::calibration::markdown(&rows, &parameters);
    assert_eq!(
        std::fs::read_to_string(dir.join("calibration.md")).unwrap(),
        generated
    );
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let begin = "<!-- calibration.md begins -->\n";
    let end = "<!-- calibration.md ends -->";
    let start = readme.find(begin).expect("README has the generated block") + begin.len();
    let stop = readme[start..].find(end).unwrap() + start;
    assert_eq!(
        &readme[start..stop],
        generated,
        "README's Calibration section is not results/mixed-population-calibration/calibration.md: \
         run results/regenerate.sh"
    );
    // The scenario's joint sample is the calibration's posterior.
    assert_eq!(
        std::fs::read(root().join("scenarios/mixed-population.posterior.csv")).unwrap(),
        std::fs::read(dir.join("posterior.csv")).unwrap()
    );
}
