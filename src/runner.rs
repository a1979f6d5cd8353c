//! Running many incidents: fixed chunks, rayon, progress, and single-incident replay.
//!
//! Incidents are split into chunks of [`CHUNK_INCIDENTS`] (a constant, independent of the thread
//! count). Rayon folds chunks into per-worker [`RunTally`]s and merges them; since every random
//! draw is keyed by (seed, incident, tag) and every merge is exact, the result is the same to the
//! bit whatever the number of threads or the grouping of chunks.

use std::io::IsTerminal;
use std::ops::Range;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;

use crate::engine::{Outcome, Scratch, Situation, SituationDraws, TraceEvent, simulate};
use crate::model::Scenario;
use crate::tally::RunTally;

/// Incidents per chunk: the unit of parallel work and of progress.
pub const CHUNK_INCIDENTS: u64 = 1 << 14;

/// The most strategies a scenario may compare (outcomes of one incident live on the stack).
pub const MAX_STRATEGIES: usize = 32;

/// How to run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Seed of every random stream.
    pub seed: u64,
    /// Number of incidents.
    pub incidents: u64,
    /// Worker threads (0: rayon's default, one per core).
    pub threads: usize,
    /// Show a progress bar (only drawn when stderr is a terminal and not in CI).
    pub progress: bool,
}

/// A finished run.
#[derive(Debug, Clone)]
pub struct RunResult {
    /// The accumulated statistics.
    pub tally: RunTally,
    /// Threads actually used.
    pub threads: usize,
    /// Wall-clock time of the simulation.
    pub wall_time: Duration,
}

/// Simulates incidents `range` on the current thread and returns their tally.
pub fn simulate_range(scenario: &Scenario, seed: u64, range: Range<u64>) -> RunTally {
    let mut tally = RunTally::new(scenario);
    let mut scratch = Scratch::default();
    simulate_into(scenario, seed, range, &mut tally, &mut scratch);
    tally
}

/// The hot loop: every incident of `range` under every strategy, folded into `tally`.
fn simulate_into(
    scenario: &Scenario,
    seed: u64,
    range: Range<u64>,
    tally: &mut RunTally,
    scratch: &mut Scratch,
) {
    let n = scenario.strategies.len();
    let mut outcomes = [Outcome {
        time_to_access_min: 0.0,
        cost_direct: 0.0,
        cost_damage: 0.0,
        resolved_by: 0,
        attempted: 0,
        succeeded: 0,
        damaged: 0,
        segment: 0,
        driver: 0,
        place: 0,
    }; MAX_STRATEGIES];
    let mut situations = [Situation::EMPTY; MAX_STRATEGIES];
    for index in range {
        let draws = SituationDraws::draw(seed, index);
        for (s, strategy) in scenario.strategies.iter().enumerate() {
            // Strategies that only change costs or rates reuse an identical model's outcome;
            // those that keep the population reuse its situation.
            if let Some(j) = strategy.same_model_as {
                outcomes[s] = outcomes[j];
                continue;
            }
            situations[s] = match strategy.same_situation_as {
                Some(j) => situations[j],
                None => Situation::realise(&strategy.model, &draws),
            };
            outcomes[s] = simulate(
                &strategy.model,
                &situations[s],
                seed,
                index,
                scratch,
                &mut (),
            );
        }
        tally.record(&outcomes[..n]);
    }
}

/// Runs `opts.incidents` incidents on a rayon pool.
pub fn run(scenario: &Scenario, opts: &RunOptions) -> anyhow::Result<RunResult> {
    anyhow::ensure!(
        scenario.strategies.len() <= MAX_STRATEGIES,
        "at most {MAX_STRATEGIES} strategies can be compared in one run (got {})",
        scenario.strategies.len()
    );
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.threads)
        .build()?;
    let threads = pool.current_num_threads();
    let progress = progress_bar(opts.incidents, opts.progress);
    let started = Instant::now();
    let n_chunks = opts.incidents.div_ceil(CHUNK_INCIDENTS);
    let tally = pool.install(|| {
        (0..n_chunks)
            .into_par_iter()
            .fold(
                || (RunTally::new(scenario), Scratch::default()),
                |(mut tally, mut scratch), chunk| {
                    let start = chunk * CHUNK_INCIDENTS;
                    let end = (start + CHUNK_INCIDENTS).min(opts.incidents);
                    simulate_into(scenario, opts.seed, start..end, &mut tally, &mut scratch);
                    progress.inc(end - start);
                    (tally, scratch)
                },
            )
            .map(|(tally, _)| tally)
            .reduce(
                || RunTally::new(scenario),
                |mut a, b| {
                    a.merge(&b);
                    a
                },
            )
    });
    progress.finish_and_clear();
    Ok(RunResult {
        tally,
        threads,
        wall_time: started.elapsed(),
    })
}

/// A progress bar on stderr with rate and ETA, hidden when stderr is not a terminal or in CI.
fn progress_bar(total: u64, wanted: bool) -> ProgressBar {
    let visible = wanted && std::io::stderr().is_terminal() && std::env::var_os("CI").is_none();
    if !visible {
        return ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::hidden());
    }
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {wide_bar} {human_pos}/{human_len} incidents ({per_sec}, ETA {eta})",
        )
        .expect("valid template"),
    );
    bar
}

/// One incident under one strategy, replayed exactly as a run sees it, with its event trace.
#[derive(Debug, Clone)]
pub struct Replay {
    /// The situation drawn.
    pub situation: Situation,
    /// How it ended.
    pub outcome: Outcome,
    /// What happened, in order: (minutes, event).
    pub trace: Vec<(f64, TraceEvent)>,
}

/// Replays incident `index` of run `seed` under strategy `strategy`.
pub fn replay(scenario: &Scenario, seed: u64, index: u64, strategy: usize) -> Replay {
    let model = &scenario.strategies[strategy].model;
    let draws = SituationDraws::draw(seed, index);
    let situation = Situation::realise(model, &draws);
    let mut trace = Vec::new();
    let outcome = simulate(
        model,
        &situation,
        seed,
        index,
        &mut Scratch::default(),
        &mut trace,
    );
    Replay {
        situation,
        outcome,
        trace,
    }
}
