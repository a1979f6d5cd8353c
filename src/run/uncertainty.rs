//! Two-level runs for `lockout uncertainty`: parameter draws, each simulated as incident chunks
//! on the one runner (its `Work` trait).
//!
//! A unit is one chunk of one draw (`unit = draw_index · chunks_per_draw + chunk`); each draw
//! has its own compiled [`Scenario`] (its parameter values applied by the scenario compiler, so
//! the hot loop looks nothing up) and its own incident seed ([`streams::draw_seed`]): every
//! draw simulates incidents of its own, so the incident noise is independent across draws and
//! averages out over them. Within a draw every incident runs under every strategy (common
//! random numbers). Draws are simulated in batches; each draw's exact tally is reduced by the
//! caller's `reduce` as soon as its batch is done, so memory does not grow with the draws.

use std::ops::Range;

use indicatif::ProgressBar;

use super::incidents::Evaluator;
use super::progress::progress_bar;
use super::{RunError, Work, fold_units, join_groups, thread_pool};
use crate::engine::streams;
use crate::limits::MAX_STRATEGIES;
use crate::model::Scenario;
use crate::model::uncertainty::Uncertainty;
use crate::stats::FixedSum;
use crate::tally::RunTally;
use crate::units::CHUNK_INCIDENTS;

/// The values of every uncertain parameter in draw `draw` of a run with seed `seed`, in
/// parameter order. Each parameter draws from a stream keyed by (seed, draw, its path); with a
/// joint sample, draw `d` is the sample's row `d`.
pub fn draw_values(u: &Uncertainty, seed: u64, draw: u64) -> Vec<f64> {
    if let Some(sample) = &u.samples {
        // A joint sample: draw d is the file's parameter set d.
        return sample.rows[draw as usize % sample.rows.len()].clone();
    }
    u.parameters
        .iter()
        .map(|p| {
            let id = crate::model::user_fact_id(&p.path);
            p.dist
                .sample(&mut streams::parameter_stream(seed, draw, id))
        })
        .collect()
}

/// One draw's accumulators: the run tally of its incidents, and per strategy the sum of each
/// lockout's weight (incident rate multiplier: the strategy's for an adopter, the baseline's
/// otherwise) × time to access, which makes the annual cost a linear function of the value of
/// time without simulating again.
#[derive(Debug, Clone)]
pub struct DrawTally {
    /// Everything `lockout run` would accumulate for this draw's scenario and seed.
    pub tally: RunTally,
    /// Per strategy: Σ weight × time to access (minutes), over the draw's lockouts.
    pub weighted_time: Vec<FixedSum>,
}

impl DrawTally {
    fn new(scenario: &Scenario) -> DrawTally {
        DrawTally {
            tally: RunTally::new(scenario),
            weighted_time: vec![FixedSum::default(); scenario.strategies.len()],
        }
    }

    fn merge(&mut self, other: &DrawTally) {
        self.tally.merge(&other.tally);
        for (a, b) in self.weighted_time.iter_mut().zip(&other.weighted_time) {
            a.merge(b);
        }
    }
}

/// The two-level run as [`Work`].
struct DrawChunks<'a> {
    /// The scenario of each draw simulated here.
    scenarios: &'a [Scenario],
    /// The incident seed of each.
    seeds: &'a [u64],
    /// Incidents per draw.
    incidents: u64,
    /// Chunks per draw.
    chunks: u64,
}

/// A worker: the evaluator of the draw it last simulated.
type DrawWorker<'a> = Option<(usize, Evaluator<'a>)>;

impl<'a> Work for DrawChunks<'a> {
    /// The draws a fold touched, in order: (index into `scenarios`, tally).
    type Acc = Vec<(usize, DrawTally)>;
    type Worker = DrawWorker<'a>;

    fn empty(&self) -> Self::Acc {
        Vec::new()
    }

    fn worker(&self) -> DrawWorker<'a> {
        None
    }

    fn simulate(&self, worker: &mut DrawWorker<'a>, unit: u64, acc: &mut Self::Acc) -> u64 {
        let k = (unit / self.chunks) as usize;
        let chunk = unit % self.chunks;
        let scenario = &self.scenarios[k];
        if worker.as_ref().map(|w| w.0) != Some(k) {
            *worker = Some((k, Evaluator::new(scenario, self.seeds[k])));
        }
        if acc.last().map(|a| a.0) != Some(k) {
            acc.push((k, DrawTally::new(scenario)));
        }
        let evaluator = &mut worker.as_mut().expect("set above").1;
        let draw = &mut acc.last_mut().expect("pushed above").1;
        let start = chunk * CHUNK_INCIDENTS;
        let end = (start + CHUNK_INCIDENTS).min(self.incidents);
        // Each strategy's weight for an adopter and for anyone else (the baseline's multiplier
        // for a strategy that applies to a share of the vehicles, else its own).
        let m_b = scenario.strategies[scenario.baseline].incident_rate_multiplier;
        let mut weights = [(0.0, 0.0); MAX_STRATEGIES];
        for (w, s) in weights.iter_mut().zip(&scenario.strategies) {
            let m = s.incident_rate_multiplier;
            *w = (m, if s.applies_to_all() { m } else { m_b });
        }
        let partial = !draw.tally.prevention.is_empty();
        for index in start..end {
            draw.tally.record(evaluator.evaluate(index));
            let (targeted, adopted) = evaluator.adoption();
            let outcomes = evaluator.last_outcomes();
            if partial {
                draw.tally.record_adoption(outcomes, targeted, adopted);
            }
            for (s, o) in outcomes.iter().enumerate() {
                let (m, other) = weights[s];
                let w = if (adopted >> s) & 1 != 0 { m } else { other };
                draw.weighted_time[s].push(w * o.time_to_access_min);
            }
        }
        end - start
    }

    fn merge(&self, a: Self::Acc, b: Self::Acc) -> Self::Acc {
        join_groups(a, b, |a, b| a.merge(b))
    }

    fn relative_precision(&self, _: &Self::Acc) -> f64 {
        f64::INFINITY
    }
}

/// Options of a two-level run.
#[derive(Debug, Clone)]
pub struct DrawOptions {
    /// The run's seed (parameter draws and every draw's incident seed derive from it).
    pub seed: u64,
    /// Incidents per draw.
    pub incidents: u64,
    /// Worker threads (0: one per core).
    pub threads: usize,
    /// Show a progress bar.
    pub progress: bool,
}

/// Simulates draws `draws` (their scenarios, in order: `scenarios[k]` is draw `draws.start +
/// k`), `incidents` each, and hands each draw's exact tally to `reduce` with its index and
/// scenario; returns the reduced results in draw order and the number of threads used.
pub fn run_draws<T: Send>(
    scenarios: &[Scenario],
    draws: Range<u64>,
    opts: &DrawOptions,
    reduce: impl Fn(u64, &Scenario, &DrawTally) -> T + Sync,
) -> Result<(Vec<T>, usize), RunError> {
    assert_eq!(scenarios.len() as u64, draws.end - draws.start);
    let seeds: Vec<u64> = draws
        .clone()
        .map(|d| streams::draw_seed(opts.seed, d))
        .collect();
    simulate_scenarios(scenarios, &seeds, draws.start, opts, reduce)
}

/// Simulates `incidents` of each scenario with its own seed: the one-way sensitivity runs,
/// which all use the same seed (common random numbers across the runs).
pub fn run_scenarios<T: Send>(
    scenarios: &[Scenario],
    seed: u64,
    opts: &DrawOptions,
    reduce: impl Fn(u64, &Scenario, &DrawTally) -> T + Sync,
) -> Result<(Vec<T>, usize), RunError> {
    let seeds = vec![seed; scenarios.len()];
    simulate_scenarios(scenarios, &seeds, 0, opts, reduce)
}

fn simulate_scenarios<T: Send>(
    scenarios: &[Scenario],
    seeds: &[u64],
    first: u64,
    opts: &DrawOptions,
    reduce: impl Fn(u64, &Scenario, &DrawTally) -> T + Sync,
) -> Result<(Vec<T>, usize), RunError> {
    crate::limits::check_incidents("--incidents", opts.incidents).map_err(RunError::Options)?;
    if let Some(sc) = scenarios
        .iter()
        .find(|s| s.strategies.len() > MAX_STRATEGIES)
    {
        return Err(RunError::Options(format!(
            "at most {MAX_STRATEGIES} strategies can be compared in one run (got {})",
            sc.strategies.len()
        )));
    }
    let pool = thread_pool(opts.threads)?;
    let threads = pool.current_num_threads();
    let chunks = opts.incidents.div_ceil(CHUNK_INCIDENTS).max(1);
    // Enough units per batch to keep every thread busy; a draw's tally lives only while its
    // batch runs.
    let batch = (64u64.div_ceil(chunks)).max(2 * threads as u64) as usize;
    let progress: ProgressBar = progress_bar(
        opts.incidents * scenarios.len() as u64,
        opts.progress,
        "incidents",
    );
    let mut out = Vec::with_capacity(scenarios.len());
    for (b, group) in scenarios.chunks(batch).enumerate() {
        let offset = b * batch;
        let work = DrawChunks {
            scenarios: group,
            seeds: &seeds[offset..offset + group.len()],
            incidents: opts.incidents,
            chunks,
        };
        let tallies = fold_units(&pool, &work, 0..chunks * group.len() as u64, &progress);
        debug_assert_eq!(tallies.len(), group.len());
        for (_, t) in &tallies {
            t.tally.check_exact()?;
        }
        let reduced: Vec<T> = pool.install(|| {
            use rayon::prelude::*;
            tallies
                .par_iter()
                .map(|(k, t)| reduce(first + (offset + k) as u64, &group[*k], t))
                .collect()
        });
        out.extend(reduced);
    }
    progress.finish_and_clear();
    Ok((out, threads))
}

/// Maps `f` over `items` on `threads` workers (0: one per core), keeping their order: for the
/// per-draw work around the simulation (compiling each draw's scenario). The first error, in
/// item order, is returned.
pub fn map_in_order<I: Sync, T: Send, E: Send>(
    threads: usize,
    items: &[I],
    f: impl Fn(&I) -> Result<T, E> + Sync,
) -> Result<Result<Vec<T>, E>, RunError> {
    use rayon::prelude::*;
    let pool = thread_pool(threads)?;
    Ok(pool.install(|| items.par_iter().map(&f).collect()))
}
