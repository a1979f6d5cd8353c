//! `lockout uncertainty`: parameter draws, each simulated as incidents under every strategy,
//! then the decision over the draws (`decision.csv`, EVPI), the draws themselves
//! (`draws.csv`) and one-way and global sensitivity (`sensitivity.csv`).

use super::*;
use crate::model::uncertainty::Uncertainty;
use crate::report::schema::{ParameterInfo, RowWriter, UncertaintyManifest};
use crate::report::uncertainty::{self as analysis, DrawFigures};
use crate::report::uncertainty_shard::{
    self, UNCERTAINTY_STATE_FILE, UNCERTAINTY_STATE_FORMAT, UncertaintyIdentity, UncertaintyState,
};
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
    pub shard: Option<String>,
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

/// What the simulations of some draws (and perhaps the one-way runs) gave.
#[derive(Debug, Clone)]
struct Simulated {
    /// Each draw's parameter values.
    values: Vec<Vec<f64>>,
    /// Each draw's figures.
    figures: Vec<DrawFigures>,
    /// The one-way runs (empty when not simulated).
    one_way: Vec<DrawFigures>,
    /// Threads used.
    threads: usize,
}

/// What a two-level run found.
#[derive(Debug, Clone)]
pub struct Analysis {
    /// Each draw's parameter values.
    pub values: Vec<Vec<f64>>,
    /// Each draw's figures.
    pub figures: Vec<DrawFigures>,
    /// The one-way runs: every parameter at its median, then each at its p10 and p90.
    pub one_way: Vec<DrawFigures>,
    /// The decision over the draws.
    pub decision: analysis::Decision,
    /// `sensitivity.csv`'s rows.
    pub sensitivity: Vec<crate::report::schema::SensitivityRow>,
    /// Threads used.
    pub threads: usize,
}

/// The values of the one-way runs: every parameter at its median, then each parameter at its
/// p10 and at its p90 with the others at their medians.
fn one_way_values(u: &Uncertainty) -> Vec<Vec<f64>> {
    let medians: Vec<f64> = u.parameters.iter().map(|p| p.quantile(0.5)).collect();
    let mut all = vec![medians.clone()];
    for (j, p) in u.parameters.iter().enumerate() {
        for q in [0.1, 0.9] {
            let mut v = medians.clone();
            v[j] = p.quantile(q);
            all.push(v);
        }
    }
    all
}

/// Draws the parameters of `draws`, compiles (and so checks) every draw's scenario before any
/// simulation, simulates them, and the one-way runs when `one_way`.
fn simulate(
    prepared: &Prepared,
    overrides: &[Override],
    u: &Uncertainty,
    plan: &Plan,
    draws: std::ops::Range<u64>,
    one_way: bool,
) -> anyhow::Result<Simulated> {
    let values: Vec<Vec<f64>> = draws
        .clone()
        .map(|d| two_level::draw_values(u, plan.seed, d))
        .collect();
    let scenarios = compile_all(prepared, overrides, u, &values, plan.threads)
        .context("a parameter draw makes the scenario invalid")?;
    let one_way_scenarios = if one_way {
        compile_all(prepared, overrides, u, &one_way_values(u), plan.threads)
            .context("a parameter's p10 or p90 makes the scenario invalid")?
    } else {
        Vec::new()
    };
    let opts = DrawOptions {
        seed: plan.seed,
        incidents: plan.incidents,
        threads: plan.threads,
        progress: plan.progress,
    };
    let reduce = |_: u64, s: &Scenario, t: &two_level::DrawTally| {
        analysis::draw_figures(s, &t.tally, &t.weighted_time)
    };
    let (figures, threads) = two_level::run_draws(&scenarios, draws, &opts, reduce)?;
    let one_way = if one_way {
        let seed = crate::engine::streams::one_way_seed(plan.seed);
        two_level::run_scenarios(&one_way_scenarios, seed, &opts, reduce)?.0
    } else {
        Vec::new()
    };
    Ok(Simulated {
        values,
        figures,
        one_way,
        threads,
    })
}

/// The decision and the sensitivity from every draw and the one-way runs.
fn conclude(sc: &Scenario, u: &Uncertainty, sim: Simulated, incidents: u64) -> Analysis {
    let decision = analysis::decide(sc, &sim.figures, incidents);
    let sensitivity = analysis::sensitivity(sc, u, &sim.one_way, &sim.figures, &sim.values);
    Analysis {
        values: sim.values,
        figures: sim.figures,
        one_way: sim.one_way,
        decision,
        sensitivity,
        threads: sim.threads,
    }
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
    let sim = simulate(prepared, overrides, u, plan, 0..plan.draws, true)?;
    Ok(conclude(sc, u, sim, plan.incidents))
}

/// The manifest of a run (or a part, or a merge).
fn manifest(
    loaded: &Loaded,
    u: &Uncertainty,
    plan: &Plan,
    decision: Option<&analysis::Decision>,
    threads: usize,
    secs: f64,
    evaluations: u64,
) -> UncertaintyManifest {
    let sc = &loaded.scenario;
    UncertaintyManifest {
        scenario: scenario_info(loaded),
        overrides: loaded.overrides.clone(),
        seed: plan.seed,
        draws: plan.draws,
        incidents_per_draw: plan.incidents,
        streams: STREAMS.into(),
        joint_sample: u
            .samples
            .as_ref()
            .map(|s| format!("{} (sha256 {})", s.path, s.sha256)),
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
        cheapest_expected: decision.map(|d| sc.strategies[d.cheapest].name.clone()),
        evpi_per_vehicle_year: decision.map(|d| d.evpi),
        evpi_noise_bias_per_vehicle_year: decision.map(|d| d.evpi_noise_bias),
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
    }
}

/// Writes the tables, run.json and (when `plots`) the figures and page, and commits `staged`.
fn write_results(
    staged: StagedDir,
    sc: &Scenario,
    u: &Uncertainty,
    a: &Analysis,
    manifest: &UncertaintyManifest,
    plots: bool,
) -> anyhow::Result<PathBuf> {
    let paths: Vec<String> = u.parameters.iter().map(|p| p.path.clone()).collect();
    let mut bytes = Vec::new();
    schema::write_draws(
        &mut bytes,
        &paths,
        0,
        &a.values,
        &analysis::draw_rows(sc, 0, &a.figures),
    )?;
    output::write(&staged.path().join("draws.csv"), &bytes)?;
    let mut w = RowWriter::new(Vec::new())?;
    for row in &a.decision.rows {
        w.write(row)?;
    }
    output::write(&staged.path().join("decision.csv"), &w.finish()?)?;
    let mut w = RowWriter::new(Vec::new())?;
    for row in &a.sensitivity {
        w.write(row)?;
    }
    output::write(&staged.path().join("sensitivity.csv"), &w.finish()?)?;
    let json = serde_json::to_string_pretty(manifest)? + "\n";
    output::write(&staged.path().join("run.json"), json.as_bytes())?;
    if plots {
        crate::report::uncertainty_page::render_uncertainty(staged.path())
            .context("cannot draw the figures")?;
    }
    Ok(staged.commit()?)
}

fn identity(loaded: &Loaded, plan: &Plan) -> UncertaintyIdentity {
    UncertaintyIdentity {
        scenario_path: loaded.path.clone(),
        scenario_sha256: loaded.sha256.clone(),
        overrides: loaded.overrides.clone(),
        seed: plan.seed,
        draws: plan.draws,
        incidents_per_draw: plan.incidents,
        lockout_version: env!("CARGO_PKG_VERSION").into(),
        math_backend: schema::MATH_BACKEND.into(),
        generator: crate::engine::streams::GENERATOR.into(),
        samples_sha256: loaded
            .scenario
            .uncertainty
            .as_ref()
            .and_then(|u| u.samples.as_ref())
            .map(|s| s.sha256.clone()),
    }
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
    let draws = match &u.samples {
        // A joint sample: by default every parameter set once; never more draws than sets.
        Some(sample) => {
            let rows = sample.rows.len() as u64;
            let d = args.draws.unwrap_or(rows);
            if d > rows {
                usage!(
                    "--draws {d}: the joint sample {} has {rows} parameter sets; draw d takes set d, \
                     so at most {rows} draws",
                    sample.path
                );
            }
            d
        }
        None => args.draws.unwrap_or(u.draws),
    };
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
    if incidents < 2 {
        usage!(
            "--incidents {incidents}: at least 2 incidents per draw, for a draw's standard error"
        );
    }
    crate::limits::check_threads(args.threads).map_err(UsageError)?;
    let shard = args
        .shard
        .as_deref()
        .map(Shard::parse)
        .transpose()
        .map_err(UsageError)?;
    if let Some(s) = shard
        && s.count > draws
    {
        usage!(
            "--shard {}/{}: more parts than draws ({draws})",
            s.index,
            s.count
        );
    }
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
    let strategies = sc.strategies.len() as u64;
    if let Some(shard) = shard {
        // A part: its share of the draws (part 1 also the one-way runs), as partial state.
        let range = shard.chunks(draws);
        let sim = simulate(
            &prepared,
            &overrides,
            &u,
            &plan,
            range.clone(),
            shard.index == 1,
        )?;
        let secs = started.elapsed().as_secs_f64();
        let evaluations =
            ((range.end - range.start) + sim.one_way.len() as u64) * incidents * strategies;
        let mut m = manifest(&loaded, &u, &plan, None, sim.threads, secs, evaluations);
        m.shard = Some(shard);
        let state = UncertaintyState {
            format: UNCERTAINTY_STATE_FORMAT.into(),
            identity: identity(&loaded, &plan),
            shard,
            simulated: [range.start, range.end],
            values: sim.values,
            figures: sim.figures,
            one_way: sim.one_way,
            threads: sim.threads,
            wall_time_s: secs,
        };
        output::write(
            &staged.path().join(UNCERTAINTY_STATE_FILE),
            &uncertainty_shard::state_bytes(&state)?,
        )?;
        let json = serde_json::to_string_pretty(&m)? + "\n";
        output::write(&staged.path().join("run.json"), json.as_bytes())?;
        let dir = staged.commit()?;
        say!(
            "{}: part {}/{} simulated draws {}..{} of {} in {:.2} s; merge all {} parts with `lockout merge`; wrote {}",
            sc.name,
            shard.index,
            shard.count,
            range.start,
            range.end,
            draws,
            secs,
            shard.count,
            dir.display()
        );
        return Ok(());
    }
    let a = analyse(&prepared, &overrides, sc, &u, &plan)?;
    let secs = started.elapsed().as_secs_f64();
    let evaluations = (draws + a.one_way.len() as u64) * incidents * strategies;
    let m = manifest(
        &loaded,
        &u,
        &plan,
        Some(&a.decision),
        a.threads,
        secs,
        evaluations,
    );
    let dir = write_results(staged, sc, &u, &a, &m, args.plots)?;
    print_decision(sc, &a.decision, draws, incidents, secs, &dir);
    Ok(())
}

/// Whether `dir` holds a part of `lockout uncertainty` (not of `lockout run`).
pub(super) fn is_uncertainty_part(dir: &Path) -> bool {
    dir.join(UNCERTAINTY_STATE_FILE).is_file()
}

/// `lockout merge` of the parts of a `lockout uncertainty` run: tables byte-identical to a
/// single run's.
pub(super) fn merge_uncertainty(parts: &[PathBuf], out: &Path, plots: bool) -> anyhow::Result<()> {
    let staged = StagedDir::create(out)?;
    let as_input = |e: anyhow::Error| UsageError(format!("{e:#}"));
    let states = parts
        .iter()
        .map(|dir| {
            Ok((
                dir.display().to_string(),
                uncertainty_shard::read_uncertainty_state(dir)?,
            ))
        })
        .collect::<anyhow::Result<Vec<_>>>()
        .map_err(as_input)?;
    let (id, values, figures, one_way) =
        uncertainty_shard::merge_parts(&states).map_err(as_input)?;
    let loaded = super::run::load_recorded(&id.scenario_path, &id.overrides, &id.scenario_sha256)?;
    let sc = &loaded.scenario;
    let Some(u) = sc.uncertainty.clone() else {
        usage!("{} has no [uncertainty] section", id.scenario_path);
    };
    if u.samples.as_ref().map(|s| &s.sha256) != id.samples_sha256.as_ref() {
        usage!(
            "the joint sample of {} has changed since the parts were run",
            id.scenario_path
        );
    }
    if values.iter().any(|v| v.len() != u.parameters.len())
        || one_way.len() != 1 + 2 * u.parameters.len()
        || figures
            .iter()
            .chain(&one_way)
            .any(|f| f.strategies.len() != sc.strategies.len())
    {
        usage!("the parts do not match the scenario's parameters and strategies");
    }
    let threads = states.iter().map(|(_, s)| s.threads).sum();
    let secs: f64 = states.iter().map(|(_, s)| s.wall_time_s).sum();
    let plan = Plan {
        draws: id.draws,
        incidents: id.incidents_per_draw,
        seed: id.seed,
        threads,
        progress: false,
    };
    let sim = Simulated {
        values,
        figures,
        one_way,
        threads,
    };
    let a = conclude(sc, &u, sim, plan.incidents);
    let evaluations =
        (plan.draws + a.one_way.len() as u64) * plan.incidents * sc.strategies.len() as u64;
    let m = manifest(
        &loaded,
        &u,
        &plan,
        Some(&a.decision),
        threads,
        secs,
        evaluations,
    );
    let dir = write_results(staged, sc, &u, &a, &m, plots)?;
    print_decision(sc, &a.decision, plan.draws, plan.incidents, secs, &dir);
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
