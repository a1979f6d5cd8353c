//! `lockout uncertainty`: parameter draws, each simulated as incidents under every strategy,
//! then the decision over the draws (`decision.csv`, EVPI), the draws themselves
//! (`draws.csv`) and one-way and global sensitivity (`sensitivity.csv`).

use super::*;
use crate::model::uncertainty::Uncertainty;
use crate::report::schema::{ParameterInfo, RowWriter, UncertaintyManifest};
use crate::report::uncertainty::{self as analysis, DrawFigures};
use crate::run::uncertainty::{self as two_level, DrawOptions};
use crate::scenario::Prepared;
use crate::scenario::uncertainty::overrides_for;

/// What `lockout uncertainty` was asked to do.
#[derive(Debug, Clone)]
pub(super) struct UncertaintyArgs {
    pub scenario: PathBuf,
    pub draws: Option<u64>,
    pub incidents: Option<u64>,
    pub seed: Option<u64>,
    pub threads: usize,
    pub out: Option<PathBuf>,
    pub set: Vec<String>,
    pub plots: bool,
}

/// How the random streams relate across draws, as run.json records it.
const STREAMS: &str = "parameter j of draw d from the stream keyed by (seed, d, hash of j's path); \
the incidents of draw d from their own seed keyed by (seed, d), independent across draws; within \
a draw every incident under every strategy (common random numbers); the one-way runs share one \
incident seed keyed by seed";

/// The global sensitivity measure, as run.json records it.
const GLOBAL: &str = "first-order variance share of each strategy's annual cost difference from \
the baseline, Var(E[diff | parameter]) / Var(diff), and EVPPI per parameter, both from the draws \
sorted by the parameter and cut into floor(sqrt(draws)) bins of equal count (the share less the \
bins' own sampling variance)";

/// Compiles the scenario of each draw from its values.
fn compile_all(
    prepared: &Prepared,
    overrides: &[Override],
    u: &Uncertainty,
    values: &[Vec<f64>],
    threads: usize,
) -> anyhow::Result<Vec<Scenario>> {
    let scenarios = two_level::map_in_order(threads, values, |v| {
        prepared.compile(overrides, &overrides_for(u, v))
    })??;
    Ok(scenarios)
}

/// How a two-level run is made.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Parameter draws.
    pub draws: u64,
    /// Incidents per draw.
    pub incidents: u64,
    /// Seed.
    pub seed: u64,
    /// Worker threads (0: one per core).
    pub threads: usize,
    /// Show a progress bar.
    pub progress: bool,
}

/// What a two-level run found.
#[derive(Debug, Clone)]
pub struct Analysis {
    /// Each draw's parameter values.
    pub values: Vec<Vec<f64>>,
    /// Each draw's figures.
    pub figures: Vec<DrawFigures>,
    /// How many one-way runs were made (1 + 2 per parameter).
    pub one_way_runs: usize,
    /// The decision over the draws.
    pub decision: analysis::Decision,
    /// `sensitivity.csv`'s rows.
    pub sensitivity: Vec<crate::report::schema::SensitivityRow>,
    /// Threads used.
    pub threads: usize,
}

/// Draws the parameters, compiles and simulates every draw and the one-way runs, and analyses
/// them. `sc` is `prepared` compiled with `overrides`; `u` its uncertain parameters.
pub fn analyse(
    prepared: &Prepared,
    overrides: &[Override],
    sc: &Scenario,
    u: &Uncertainty,
    plan: &Plan,
) -> anyhow::Result<Analysis> {
    let (draws, incidents, seed) = (plan.draws, plan.incidents, plan.seed);
    // Every draw's values and scenario, compiled (and so checked) before any simulation.
    let values: Vec<Vec<f64>> = (0..draws)
        .map(|d| two_level::draw_values(u, seed, d))
        .collect();
    let scenarios = compile_all(prepared, overrides, u, &values, plan.threads)
        .context("a parameter draw makes the scenario invalid")?;
    // The one-way runs: every parameter at its median, then each at its p10 and its p90.
    let medians: Vec<f64> = u.parameters.iter().map(|p| p.quantile(0.5)).collect();
    let mut one_way_values = vec![medians.clone()];
    for (j, p) in u.parameters.iter().enumerate() {
        for q in [0.1, 0.9] {
            let mut v = medians.clone();
            v[j] = p.quantile(q);
            one_way_values.push(v);
        }
    }
    let one_way_scenarios = compile_all(prepared, overrides, u, &one_way_values, plan.threads)
        .context("a parameter's p10 or p90 makes the scenario invalid")?;

    let opts = DrawOptions {
        seed,
        incidents,
        threads: plan.threads,
        progress: plan.progress,
    };
    let reduce = |_: u64, s: &Scenario, t: &two_level::DrawTally| {
        analysis::draw_figures(s, &t.tally, &t.weighted_time)
    };
    let (figures, threads): (Vec<DrawFigures>, usize) =
        two_level::run_draws(&scenarios, 0..draws, &opts, reduce)?;
    let (one_way, _) = two_level::run_scenarios(
        &one_way_scenarios,
        crate::engine::streams::one_way_seed(seed),
        &opts,
        reduce,
    )?;

    let decision = analysis::decide(sc, &figures, incidents);
    let sensitivity = analysis::sensitivity(sc, u, &one_way, &figures, &values);
    Ok(Analysis {
        values,
        figures,
        one_way_runs: one_way_scenarios.len(),
        decision,
        sensitivity,
        threads,
    })
}

pub(super) fn uncertainty_command(args: UncertaintyArgs) -> anyhow::Result<()> {
    let overrides = args
        .set
        .iter()
        .map(|s| Override::parse(s))
        .collect::<Result<Vec<_>, _>>()
        .map_err(UsageError)?;
    let (loaded, prepared) = scenario::load_prepared(&args.scenario, &overrides)?;
    let sc = &loaded.scenario;
    let Some(u) = sc.uncertainty.clone() else {
        usage!(
            "{}: the scenario has no [uncertainty] section: add [[uncertainty.parameter]] tables \
             with path, distribution and source",
            args.scenario.display()
        );
    };
    let draws = args.draws.unwrap_or(u.draws);
    if draws < 2 {
        usage!("--draws {draws}: at least 2 draws are needed for a spread over draws");
    }
    if draws > crate::limits::MAX_DRAWS {
        usage!(
            "--draws {draws}: at most {} draws (a row per draw and strategy is kept)",
            crate::limits::MAX_DRAWS
        );
    }
    let incidents = args.incidents.unwrap_or(u.incidents);
    crate::limits::check_incidents("--incidents", incidents).map_err(UsageError)?;
    if incidents == 0 {
        usage!("--incidents 0: simulate at least 1 incident per draw");
    }
    crate::limits::check_threads(args.threads).map_err(UsageError)?;
    let seed = args.seed.unwrap_or(sc.seed);
    let out = args.out.clone().unwrap_or_else(|| {
        let mut d = default_out_dir(&args.scenario).into_os_string();
        d.push("-uncertainty");
        PathBuf::from(d)
    });
    // Refuse an unusable --out before simulating anything.
    let staged = StagedDir::create(&out)?;
    let started = std::time::Instant::now();

    let plan = Plan {
        draws,
        incidents,
        seed,
        threads: args.threads,
        progress: !quiet(),
    };
    let Analysis {
        values,
        figures,
        one_way_runs,
        decision,
        sensitivity,
        threads,
    } = analyse(&prepared, &overrides, sc, &u, &plan)?;
    let secs = started.elapsed().as_secs_f64();
    let paths: Vec<String> = u.parameters.iter().map(|p| p.path.clone()).collect();
    let mut bytes = Vec::new();
    schema::write_draws(
        &mut bytes,
        &paths,
        0,
        &values,
        &analysis::draw_rows(sc, 0, &figures),
    )?;
    output::write(&staged.path().join("draws.csv"), &bytes)?;
    let mut w = RowWriter::new(Vec::new())?;
    for row in &decision.rows {
        w.write(row)?;
    }
    output::write(&staged.path().join("decision.csv"), &w.finish()?)?;
    let mut w = RowWriter::new(Vec::new())?;
    for row in &sensitivity {
        w.write(row)?;
    }
    output::write(&staged.path().join("sensitivity.csv"), &w.finish()?)?;
    let evaluations = (draws + one_way_runs as u64) * incidents * sc.strategies.len() as u64;
    let manifest = UncertaintyManifest {
        scenario: ScenarioInfo {
            name: sc.name.clone(),
            description: sc.description.clone(),
            path: loaded.path.clone(),
            sha256: loaded.sha256.clone(),
        },
        overrides: loaded.overrides.clone(),
        seed,
        draws,
        incidents_per_draw: incidents,
        streams: STREAMS.into(),
        parameters: u
            .parameters
            .iter()
            .map(|p| ParameterInfo {
                path: p.path.clone(),
                unit: if p.duration { "min" } else { "" }.into(),
                source: p.source.clone(),
                p10: p.quantile(0.1),
                p50: p.quantile(0.5),
                p90: p.quantile(0.9),
            })
            .collect(),
        strategies: sc.strategies.iter().map(|s| s.name.clone()).collect(),
        baseline: sc.strategies[sc.baseline].name.clone(),
        cheapest_expected: sc.strategies[decision.cheapest].name.clone(),
        evpi_per_vehicle_year: decision.evpi,
        evpi_noise_bias_per_vehicle_year: decision.evpi_noise_bias,
        global_sensitivity: GLOBAL.into(),
        threads,
        generator: crate::engine::streams::GENERATOR.into(),
        math_backend: schema::MATH_BACKEND.into(),
        lockout_version: env!("CARGO_PKG_VERSION").into(),
        platform: schema::platform(),
        currency: sc.currency.clone(),
        price_year: sc.price_year,
        confidence_level: crate::stats::CI_LEVEL,
        wall_time_s: secs,
        evaluations_per_second: evaluations as f64 / secs,
        shard: None,
    };
    let json = serde_json::to_string_pretty(&manifest)? + "\n";
    output::write(&staged.path().join("run.json"), json.as_bytes())?;
    if args.plots {
        crate::report::uncertainty_page::render_uncertainty(staged.path())
            .context("cannot draw the figures")?;
    }
    let dir = staged.commit()?;
    print_decision(sc, &decision, draws, incidents, secs, &dir);
    Ok(())
}

/// The headline: the decision table and EVPI.
fn print_decision(
    sc: &Scenario,
    d: &analysis::Decision,
    draws: u64,
    incidents: u64,
    secs: f64,
    dir: &Path,
) {
    if quiet() {
        return;
    }
    let width = sc
        .strategies
        .iter()
        .map(|s| unicode_width::UnicodeWidthStr::width(s.name.as_str()))
        .max()
        .unwrap_or(8)
        .max(8);
    println!(
        "{}: {} parameter draws x {} incidents under {} strategies in {:.1} s",
        sc.name,
        thousands(draws),
        thousands(incidents),
        sc.strategies.len(),
        secs
    );
    println!(
        "{:width$}  {:>26}  {:>10}  {:>9}",
        "strategy",
        format!("expected annual cost ({})", sc.currency),
        "P(cheapest)",
        "exp. loss"
    );
    for r in &d.rows {
        let pad = width.saturating_sub(unicode_width::UnicodeWidthStr::width(r.strategy.as_str()));
        println!(
            "{}{}  {:>9.2} [{:>6.2}, {:>6.2}]  {:>10.0}%  {:>9.2}",
            r.strategy,
            " ".repeat(pad),
            r.expected_annual_cost_per_vehicle,
            r.expected_annual_cost_per_vehicle_ci95_low,
            r.expected_annual_cost_per_vehicle_ci95_high,
            100.0 * r.probability_cheapest,
            r.expected_opportunity_loss
        );
    }
    println!(
        "EVPI {:.2} {} per vehicle-year (of which incident noise may account for about {:.2}); wrote {}",
        d.evpi,
        sc.currency,
        d.evpi_noise_bias,
        dir.display()
    );
}
