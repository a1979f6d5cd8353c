//! `lockout calibrate`: the scenario's uncertain parameters fitted to a targets file
//! ([`crate::fit`]), written as `calibration.csv`, `parameters.csv`, `sets.csv`, the joint
//! sample `posterior.csv` (for `[uncertainty] samples`), `run.json`, and the figure and page.

use super::*;
use crate::fit::{self, Fit, FitPlan};
use crate::model::calibration::Targets;
use crate::report::schema::{
    CalibrationManifest, CalibrationRow, ParameterFitRow, RowWriter, finite, write_parameter_table,
};

/// What `lockout calibrate` was asked to do.
#[derive(Debug, Clone)]
pub(super) struct CalibrateArgs {
    pub scenario: PathBuf,
    pub targets: PathBuf,
    pub seed: Option<u64>,
    pub threads: usize,
    pub out: Option<PathBuf>,
    pub set: Vec<String>,
    pub plots: bool,
}

/// The method, as run.json records it.
const METHOD: &str = "adaptive importance sampling in the priors' probability space (each \
parameter x = Q(u), Q its prior's quantile function, so the prior is uniform on the unit cube): \
round 1 draws the sets from the prior, each later round from a box of the weighted mean ± 3 \
weighted sd per coordinate mixed with the prior (probability 0.1); every set weighted by its \
likelihood over the mean of all rounds' proposal densities (deterministic mixture). Scalar \
targets: normal likelihood with sd = fit_sd. Compositions: multinomial over the named \
categories with the effective sample size 1/(1/n_named + 1/discrepancy_n), a half count added \
to each simulated category. The posterior joint sample: systematic resampling of the weighted \
sets, shuffled";

/// How the random streams relate, as run.json records it.
const STREAMS: &str = "every parameter set simulates incidents 0..incidents_per_set of the seed \
(common random numbers across sets, the same incidents as `lockout run` with that seed); set g \
of the fit draws its point from the stream keyed by (seed, g); the resampling from its own \
stream keyed by the seed";

/// Reads the scenario and the targets, checking both before anything is simulated.
pub(super) fn load_with_targets(
    scenario: &Path,
    targets: &Path,
    set: &[String],
) -> anyhow::Result<(Loaded, scenario::Prepared, Vec<Override>, Targets, String)> {
    let overrides = set
        .iter()
        .map(|s| Override::parse(s))
        .collect::<Result<Vec<_>, _>>()
        .map_err(UsageError)?;
    let (loaded, prepared) = scenario::load_prepared(scenario, &overrides)?;
    let (targets, sha) = scenario::targets::load(targets, &loaded.scenario)?;
    match &loaded.scenario.uncertainty {
        None => usage!(
            "{}: the scenario has no [uncertainty] section: lockout calibrate fits its uncertain \
             parameters (add [[uncertainty.parameter]] tables with path, distribution and source)",
            scenario.display()
        ),
        Some(u) => {
            fit::priors(u).map_err(|e| UsageError(format!("{}: {e}", scenario.display())))?;
        }
    }
    Ok((loaded, prepared, overrides, targets, sha))
}

pub(super) fn calibrate_command(args: CalibrateArgs) -> anyhow::Result<()> {
    crate::limits::check_threads(args.threads).map_err(UsageError)?;
    let (loaded, prepared, overrides, targets, targets_sha) =
        load_with_targets(&args.scenario, &args.targets, &args.set)?;
    let sc = &loaded.scenario;
    let seed = args.seed.unwrap_or(sc.seed);
    let out = args.out.clone().unwrap_or_else(|| {
        let mut d = default_out_dir(&args.scenario).into_os_string();
        d.push("-calibration");
        PathBuf::from(d)
    });
    // Refuse an unusable --out before simulating anything.
    let staged = StagedDir::create(&out)?;
    let started = std::time::Instant::now();
    let plan = FitPlan {
        seed,
        threads: args.threads,
        progress: !quiet(),
    };
    let fit = fit::calibrate(&prepared, &overrides, sc, &targets, &plan)?;
    let secs = started.elapsed().as_secs_f64();
    let manifest = CalibrationManifest {
        scenario: scenario_info(&loaded),
        targets_path: args.targets.display().to_string(),
        targets_sha256: targets_sha,
        overrides: loaded.overrides.clone(),
        strategy: sc.strategies[targets.strategy].name.clone(),
        seed,
        sets_per_round: targets.sets,
        rounds: targets.rounds,
        incidents_per_set: targets.incidents,
        posterior_draws: targets.posterior_draws,
        effective_sample_size: fit.effective_sample_size,
        method: METHOD.into(),
        streams: STREAMS.into(),
        threads: fit.threads,
        generator: crate::engine::streams::GENERATOR.into(),
        math_backend: schema::MATH_BACKEND.into(),
        lockout_version: env!("CARGO_PKG_VERSION").into(),
        platform: schema::platform(),
        wall_time_s: secs,
        incidents_per_second: fit.incidents_simulated as f64 / secs,
    };
    let u = sc
        .uncertainty
        .as_ref()
        .expect("checked by load_with_targets");
    let paths: Vec<String> = u.parameters.iter().map(|p| p.path.clone()).collect();
    let units: Vec<&str> = u
        .parameters
        .iter()
        .map(|p| if p.duration { "min" } else { "" })
        .collect();
    let sources: Vec<&str> = u.parameters.iter().map(|p| p.source.as_str()).collect();
    let dir = write_results(
        staged, &fit, &targets, &paths, &units, &sources, &manifest, args.plots,
    )?;
    if !quiet() {
        print!("{}", headline(&calibration_rows(&fit, &targets)));
    }
    say!(
        "{} parameters fitted to {} targets: {} parameter sets of the same {} incidents, \
         effective sample size {:.0}, in {:.1} s; ± is the fit sd (the source's error and \
         the stated discrepancy); all columns in {}",
        paths.len(),
        fit.rows.len(),
        thousands(fit.sets.len() as u64),
        thousands(targets.incidents),
        fit.effective_sample_size,
        secs,
        dir.join("calibration.csv").display()
    );
    if let Some(w) =
        crate::report::calibration::thin_posterior(fit.effective_sample_size, fit.sets.len() as u64)
    {
        eprintln!("warning: {w}");
    }
    Ok(())
}

/// The terminal's table: each target observed, before and after the fit with its interval.
fn headline(rows: &[CalibrationRow]) -> String {
    use crate::report::calibration::value;
    let header: Vec<String> = [
        "target",
        "observed ± fit sd",
        "before",
        "after the fit",
        "95% interval",
    ]
    .map(String::from)
    .to_vec();
    let body: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.target.clone(),
                format!(
                    "{} ± {}",
                    value(Some(r.observed), &r.unit),
                    value(Some(r.fit_sd), &r.unit)
                ),
                value(r.simulated_before, &r.unit),
                value(r.simulated_after, &r.unit),
                format!(
                    "[{}, {}]",
                    value(r.simulated_after_p2_5, &r.unit),
                    value(r.simulated_after_p97_5, &r.unit)
                ),
            ]
        })
        .collect();
    super::headline::text_table(&header, &body)
}

/// The rows of `calibration.csv`.
pub fn calibration_rows(fit: &Fit, targets: &Targets) -> Vec<CalibrationRow> {
    fit.rows
        .iter()
        .zip(&fit.before)
        .zip(&fit.after)
        .map(|((r, &before), after)| CalibrationRow {
            target: r.target.clone(),
            statistic: r.statistic.clone(),
            unit: r.unit.into(),
            observed: r.observed,
            observed_se: r.observed_se,
            fit_sd: r.fit_sd,
            simulated_before: finite(before),
            simulated_after: finite(after[0]),
            simulated_after_p2_5: finite(after[1]),
            simulated_after_p97_5: finite(after[2]),
            standardised_residual_after: finite((after[0] - r.observed) / r.fit_sd),
            source: r.source.clone(),
            parameter_sets: fit.sets.len() as u64,
            incidents_per_set: targets.incidents,
            effective_sample_size: fit.effective_sample_size,
        })
        .collect()
}

#[allow(clippy::too_many_arguments)]
fn write_results(
    staged: StagedDir,
    fit: &Fit,
    targets: &Targets,
    paths: &[String],
    units: &[&str],
    sources: &[&str],
    manifest: &CalibrationManifest,
    plots: bool,
) -> anyhow::Result<PathBuf> {
    let mut w = RowWriter::new(Vec::new())?;
    for row in calibration_rows(fit, targets) {
        w.write(&row)?;
    }
    output::write(&staged.path().join("calibration.csv"), &w.finish()?)?;
    let parameter_rows: Vec<ParameterFitRow> = fit
        .parameters
        .iter()
        .enumerate()
        .map(|(j, p)| ParameterFitRow {
            parameter: paths[j].clone(),
            unit: units[j].into(),
            prior_mean: p.prior[0],
            prior_sd: p.prior[1],
            prior_p2_5: p.prior[2],
            prior_p97_5: p.prior[3],
            posterior_mean: p.posterior[0],
            posterior_sd: p.posterior[1],
            posterior_p2_5: p.posterior[2],
            posterior_p97_5: p.posterior[3],
            sd_ratio: p.posterior[1] / p.prior[1],
            source: sources[j].into(),
            effective_sample_size: fit.effective_sample_size,
        })
        .collect();
    let mut w = RowWriter::new(Vec::new())?;
    for row in &parameter_rows {
        w.write(row)?;
    }
    output::write(&staged.path().join("parameters.csv"), &w.finish()?)?;
    let targets_header: Vec<String> = fit
        .rows
        .iter()
        .map(|r| format!("simulated: {}", r.target))
        .collect();
    let trailing: Vec<&str> = ["log_likelihood", "weight"]
        .into_iter()
        .chain(targets_header.iter().map(String::as_str))
        .collect();
    let sets = write_parameter_table(
        Vec::new(),
        &["set", "round"],
        paths,
        &trailing,
        fit.sets.iter().enumerate().map(|(i, s)| {
            let trail = [s.log_likelihood, s.weight]
                .into_iter()
                .chain(s.simulated.iter().copied())
                .map(crate::report::format::num)
                .collect();
            (
                vec![i.to_string(), s.round.to_string()],
                s.values.clone(),
                trail,
            )
        }),
    )?;
    output::write(&staged.path().join("sets.csv"), &sets)?;
    let posterior = write_parameter_table(
        Vec::new(),
        &[],
        paths,
        &[],
        fit.posterior
            .iter()
            .map(|v| (Vec::new(), v.clone(), Vec::new())),
    )?;
    output::write(&staged.path().join("posterior.csv"), &posterior)?;
    let json = serde_json::to_string_pretty(manifest)? + "\n";
    output::write(&staged.path().join("run.json"), json.as_bytes())?;
    output::write(
        &staged.path().join("calibration.md"),
        crate::report::calibration::markdown(&calibration_rows(fit, targets), &parameter_rows)
            .as_bytes(),
    )?;
    if plots {
        crate::report::calibration::render_calibration(staged.path())
            .context("cannot draw the figure")?;
    }
    Ok(staged.commit()?)
}
