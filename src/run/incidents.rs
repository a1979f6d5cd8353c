//! The incident level as units of work: chunks of [`CHUNK_INCIDENTS`] incidents, each worker
//! an [`Evaluator`] (the hot loop); fixed-size and precision-driven runs; and the replay of one
//! incident for `lockout explain`.

use std::ops::Range;
use std::time::{Duration, Instant};

use super::progress::progress_bar;
use super::{RunError, Work, fold_units, run_until_precise, thread_pool};
use crate::engine::adoption::{adoption_uniform, adopts};
use crate::engine::situation::{ContextPart, DriverPart, VehiclePart};
use crate::engine::streams;
use crate::engine::{FactDraws, Scratch, Situation, SituationDraws, TraceEvent, simulate};
use crate::limits::MAX_STRATEGIES;
use crate::model::outcome::Outcome;
use crate::model::{Model, Scenario};
use crate::tally::RunTally;
use crate::units::{CHUNK_INCIDENTS, Shard};

/// Chunks per batch of a precision-driven run: the precision is checked after each batch.
pub(crate) const PRECISION_BATCH_CHUNKS: u64 = 16;

/// Default cap on incidents for `--precision` runs.
pub(crate) const DEFAULT_MAX_INCIDENTS: u64 = 100_000_000;

/// How many incidents to simulate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Amount {
    /// Exactly this many (or this shard's share of them).
    Incidents(u64),
    /// Batches of `PRECISION_BATCH_CHUNKS` (16) chunks until every strategy's 95% confidence
    /// half-width of mean time and mean total cost is within `relative` of the mean, at least
    /// `min_incidents` and at most `max_incidents`.
    Precision {
        /// Target relative half-width (0.01 = 1%).
        relative: f64,
        /// Simulate at least this many.
        min_incidents: u64,
        /// Stop here even if the target is not met.
        max_incidents: u64,
    },
}

/// How to run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Seed of every random stream.
    pub seed: u64,
    /// How many incidents.
    pub amount: Amount,
    /// Only this part of the chunks (`None`: all of them).
    pub shard: Option<Shard>,
    /// Worker threads (0: rayon's default, one per core).
    pub threads: usize,
    /// Show a progress bar (only drawn when stderr is a terminal and not in CI).
    pub progress: bool,
}

impl RunOptions {
    /// Options for exactly `incidents` incidents, all of them, quietly.
    pub fn incidents(seed: u64, incidents: u64) -> RunOptions {
        RunOptions {
            seed,
            amount: Amount::Incidents(incidents),
            shard: None,
            threads: 0,
            progress: false,
        }
    }
}

/// A finished run.
#[derive(Debug, Clone)]
pub struct RunResult {
    /// The accumulated statistics.
    pub tally: RunTally,
    /// The run's total incident count (all shards together).
    pub incidents: u64,
    /// The incidents this process simulated, `[start, end)`.
    pub simulated: Range<u64>,
    /// Threads actually used.
    pub threads: usize,
    /// Wall-clock time of the simulation.
    pub wall_time: Duration,
    /// For precision runs: the largest relative half-width reached, and whether it met the target.
    pub precision: Option<(f64, bool)>,
}

/// Simulates incidents `range` on the current thread and returns their tally.
pub fn simulate_range(scenario: &Scenario, seed: u64, range: Range<u64>) -> RunTally {
    let mut tally = RunTally::new(scenario);
    let mut evaluator = Evaluator::new(scenario, seed);
    evaluator.simulate_into(range, &mut tally);
    tally
}

/// Evaluates incidents under every strategy, sharing what strategies have in common. Holds the
/// per-thread working memory of the hot loop, so evaluating allocates nothing once warm.
///
/// What is shared within an incident, each time only where it cannot change the result:
/// the outcome of a strategy with the same model (`same_model_as`); the situation of one with
/// the same population (`same_situation_as`); each part of the situation (vehicle, driver,
/// context) of one with that part the same (`same_part_as`); the outcome of one with the same
/// remedies and policies when the situation came out the same (`same_engine_as`); and the raw
/// draws of each remedy try (the [`Scratch`]'s draw cache).
///
/// A strategy that applies to a share of the vehicles (a target or an uptake, see
/// [`crate::model::Strategy`]) is simulated as any other; then, where the incident's vehicle
/// does not adopt it, its outcome is replaced by the baseline's outcome of the same incident
/// (per-incident selection), and [`Evaluator::adoption`] says who was targeted and who adopted.
pub struct Evaluator<'a> {
    scenario: &'a Scenario,
    seed: u64,
    /// Bit per strategy that applies to a share of the vehicles (0: none does, and nothing
    /// about adoption is drawn).
    partial: u64,
    /// For the last incident: bit per partial strategy whose target holds.
    targeted: u64,
    /// For the last incident: bit per partial strategy its vehicle adopts.
    adopted: u64,
    scratch: Scratch,
    outcomes: [Outcome; MAX_STRATEGIES],
    situations: [Situation; MAX_STRATEGIES],
    vehicles: [VehiclePart; MAX_STRATEGIES],
    drivers: [DriverPart; MAX_STRATEGIES],
    contexts: [ContextPart; MAX_STRATEGIES],
    /// The current incident's draws of the scenario's own facts.
    fact_draws: FactDraws,
}

impl<'a> Evaluator<'a> {
    /// An evaluator for run `seed` of `scenario` (at most [`MAX_STRATEGIES`] strategies).
    pub fn new(scenario: &'a Scenario, seed: u64) -> Evaluator<'a> {
        assert!(scenario.strategies.len() <= MAX_STRATEGIES);
        let partial = scenario
            .strategies
            .iter()
            .enumerate()
            .filter(|(_, s)| !s.applies_to_all())
            .fold(0u64, |m, (s, _)| m | 1u64 << s);
        Evaluator {
            scenario,
            seed,
            partial,
            targeted: 0,
            adopted: 0,
            scratch: Scratch::default(),
            outcomes: [Outcome::EMPTY; MAX_STRATEGIES],
            situations: [Situation::EMPTY; MAX_STRATEGIES],
            vehicles: [VehiclePart::default(); MAX_STRATEGIES],
            drivers: [DriverPart::default(); MAX_STRATEGIES],
            contexts: [ContextPart::default(); MAX_STRATEGIES],
            fact_draws: FactDraws::NONE,
        }
    }

    /// The outcomes of incident `index` under every strategy, in scenario order: the same as
    /// [`replay`] of each strategy alone (a non-adopter's outcome is the baseline's).
    #[inline]
    pub fn evaluate(&mut self, index: u64) -> &[Outcome] {
        let draws = SituationDraws::draw(self.seed, index);
        // The scenario's own facts: one uniform each, drawn once for every strategy (a scenario
        // without any draws nothing).
        let user_facts = &self.scenario.strategies[0].model.user_facts;
        if !user_facts.ids.is_empty() {
            let key = streams::incident_key(self.seed, index);
            self.fact_draws = FactDraws::draw_keyed(key, user_facts);
        }
        for (s, strategy) in self.scenario.strategies.iter().enumerate() {
            if let Some(j) = strategy.same_model_as {
                self.outcomes[s] = self.outcomes[j];
                continue;
            }
            self.situations[s] = match strategy.same_situation_as {
                Some(j) => self.situations[j],
                None => {
                    // Strategies usually change one part of the population: realise only it.
                    // The strategy named for a part is its first with that part, which always
                    // realised it itself.
                    let model = &strategy.model;
                    let [v, d, c] = strategy.same_part_as;
                    self.vehicles[s] =
                        v.map_or_else(|| VehiclePart::realise(model, &draws), |j| self.vehicles[j]);
                    self.drivers[s] =
                        d.map_or_else(|| DriverPart::realise(model, &draws), |j| self.drivers[j]);
                    self.contexts[s] =
                        c.map_or_else(|| ContextPart::realise(model, &draws), |j| self.contexts[j]);
                    let mut sit =
                        Situation::assemble(self.vehicles[s], self.drivers[s], self.contexts[s]);
                    sit.add_user_facts(model, &self.fact_draws, None);
                    sit
                }
            };
            if let Some(j) = strategy.same_engine_as
                && self.situations[j] == self.situations[s]
            {
                self.outcomes[s] = self.outcomes[j];
                continue;
            }
            self.outcomes[s] = simulate(
                &strategy.model,
                &self.situations[s],
                self.seed,
                index,
                &mut self.scratch,
                &mut (),
            );
        }
        if self.partial != 0 {
            self.select_adopters(index);
        }
        &self.outcomes[..self.scenario.strategies.len()]
    }

    /// For the strategies that apply to a share of the vehicles: who of them the incident's
    /// vehicle is targeted by and adopts; a non-adopter keeps the baseline's outcome.
    #[inline(never)]
    fn select_adopters(&mut self, index: u64) {
        let strategies = &self.scenario.strategies;
        let b = self.scenario.baseline;
        // The baseline's situation is its own, or that of the strategy whose model it shares
        // (which realised it: `same_model_as` names a strategy that is nobody's alias).
        let base = self.situations[strategies[b].same_model_as.unwrap_or(b)];
        let base_outcome = self.outcomes[b];
        let u = adoption_uniform(self.seed, index);
        let (mut targeted, mut adopted) = (0u64, 0u64);
        let mut bits = self.partial;
        while bits != 0 {
            let s = bits.trailing_zeros() as usize;
            bits &= bits - 1;
            let (t, a) = adopts(&strategies[s], &base, u);
            targeted |= (t as u64) << s;
            adopted |= (a as u64) << s;
            if !a {
                self.outcomes[s] = base_outcome;
            }
        }
        self.targeted = targeted;
        self.adopted = adopted;
    }

    /// For the last incident evaluated: (targeted, adopted), a bit per strategy that applies
    /// to a share of the vehicles (strategies that apply to all have no bit).
    pub fn adoption(&self) -> (u64, u64) {
        (self.targeted, self.adopted)
    }

    /// The outcomes of the last incident evaluated, as [`Evaluator::evaluate`] returned them.
    pub fn last_outcomes(&self) -> &[Outcome] {
        &self.outcomes[..self.scenario.strategies.len()]
    }

    /// The hot loop: every incident of `range` under every strategy, folded into `tally`.
    fn simulate_into(&mut self, range: Range<u64>, tally: &mut RunTally) {
        let n = self.scenario.strategies.len();
        for index in range {
            tally.record(self.evaluate(index));
            if self.partial != 0 {
                tally.record_adoption(&self.outcomes[..n], self.targeted, self.adopted);
            }
        }
    }
}

/// The incident level as [`Work`]: units are chunks of [`CHUNK_INCIDENTS`] incidents of a run
/// of `incidents`, each worker an [`Evaluator`].
struct IncidentChunks<'a> {
    scenario: &'a Scenario,
    seed: u64,
    /// The run's incident count: the last chunk ends here.
    incidents: u64,
}

impl<'a> Work for IncidentChunks<'a> {
    type Acc = RunTally;
    type Worker = Evaluator<'a>;

    fn empty(&self) -> RunTally {
        RunTally::new(self.scenario)
    }

    fn worker(&self) -> Evaluator<'a> {
        Evaluator::new(self.scenario, self.seed)
    }

    fn simulate(&self, evaluator: &mut Evaluator<'a>, chunk: u64, tally: &mut RunTally) -> u64 {
        let start = chunk * CHUNK_INCIDENTS;
        let end = (start + CHUNK_INCIDENTS).min(self.incidents);
        evaluator.simulate_into(start..end, tally);
        end - start
    }

    fn merge(&self, mut a: RunTally, b: RunTally) -> RunTally {
        a.merge(&b);
        a
    }

    fn relative_precision(&self, tally: &RunTally) -> f64 {
        relative_precision(tally)
    }
}

/// The largest relative 95% half-width, over strategies, of mean time and mean total cost.
/// A mean of 0 with a half-width of 0 counts as precise.
pub(crate) fn relative_precision(tally: &RunTally) -> f64 {
    let rel = |m: &crate::stats::Moments| m.relative_half_width(crate::stats::CI_LEVEL);
    tally
        .iter()
        .flat_map(|s| [rel(&s.time), rel(&s.total_cost)])
        .fold(0.0, f64::max)
}

/// Runs the scenario on a rayon pool as `opts` says.
pub fn run(scenario: &Scenario, opts: &RunOptions) -> Result<RunResult, RunError> {
    if scenario.strategies.len() > MAX_STRATEGIES {
        return Err(RunError::Options(format!(
            "at most {MAX_STRATEGIES} strategies can be compared in one run (got {})",
            scenario.strategies.len()
        )));
    }
    let pool = thread_pool(opts.threads)?;
    let threads = pool.current_num_threads();
    let started = Instant::now();
    match opts.amount {
        Amount::Incidents(incidents) => {
            crate::limits::check_incidents("--incidents", incidents).map_err(RunError::Options)?;
            let n_chunks = incidents.div_ceil(CHUNK_INCIDENTS);
            let chunks = match opts.shard {
                Some(shard) => shard.chunks(n_chunks),
                None => 0..n_chunks,
            };
            let simulated =
                (chunks.start * CHUNK_INCIDENTS)..(chunks.end * CHUNK_INCIDENTS).min(incidents);
            let progress = progress_bar(
                simulated.end.saturating_sub(simulated.start),
                opts.progress,
                "incidents",
            );
            let work = IncidentChunks {
                scenario,
                seed: opts.seed,
                incidents,
            };
            let tally = fold_units(&pool, &work, chunks, &progress);
            progress.finish_and_clear();
            tally.check_exact()?;
            Ok(RunResult {
                tally,
                incidents,
                simulated,
                threads,
                wall_time: started.elapsed(),
                precision: None,
            })
        }
        Amount::Precision {
            relative,
            min_incidents,
            max_incidents,
        } => {
            if opts.shard.is_some() {
                return Err(RunError::Options(
                    "--precision cannot be combined with --shard: where a precision run stops \
                     depends on all of its results"
                        .into(),
                ));
            }
            crate::limits::check_incidents("--max-incidents", max_incidents)
                .map_err(RunError::Options)?;
            let progress = progress_bar(max_incidents, opts.progress, "incidents");
            // Chunks of a run of `max_incidents`: only the last one can be short, so batches
            // end where a run of that many incidents would, whatever the thread count.
            let work = IncidentChunks {
                scenario,
                seed: opts.seed,
                incidents: max_incidents,
            };
            let precise = run_until_precise(
                &pool,
                &work,
                relative,
                PRECISION_BATCH_CHUNKS,
                min_incidents.div_ceil(CHUNK_INCIDENTS),
                max_incidents.div_ceil(CHUNK_INCIDENTS),
                &progress,
            )?;
            progress.finish_and_clear();
            let (tally, reached, met) = (precise.acc, precise.reached, precise.met);
            let done = (precise.units * CHUNK_INCIDENTS).min(max_incidents);
            tally.check_exact()?;
            Ok(RunResult {
                tally,
                incidents: done,
                simulated: 0..done,
                threads,
                wall_time: started.elapsed(),
                precision: Some((reached, met)),
            })
        }
    }
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
    /// For a strategy that applies to a share of the vehicles: (targeted, adopted). A vehicle
    /// that is not targeted or does not adopt is replayed under the baseline.
    pub adoption: Option<(bool, bool)>,
}

/// Replays incident `index` of run `seed` under strategy `strategy` (for a strategy that
/// applies to a share of the vehicles, under the baseline when the vehicle does not adopt it).
pub fn replay(scenario: &Scenario, seed: u64, index: u64, strategy: usize) -> Replay {
    let draws = SituationDraws::draw(seed, index);
    // The scenario's own facts draw the same uniforms under every strategy, as in `Evaluator`.
    let key = streams::incident_key(seed, index);
    let fact_draws = FactDraws::draw_keyed(key, &scenario.strategies[0].model.user_facts);
    let realise = |model: &Model| {
        let mut situation = Situation::realise(model, &draws);
        situation.add_user_facts(model, &fact_draws, None);
        situation
    };
    let st = &scenario.strategies[strategy];
    let (strategy, adoption) = if st.applies_to_all() {
        (strategy, None)
    } else {
        let b = scenario.baseline;
        let base = realise(&scenario.strategies[b].model);
        let (targeted, adopted) = adopts(st, &base, adoption_uniform(seed, index));
        (
            if adopted { strategy } else { b },
            Some((targeted, adopted)),
        )
    };
    let model = &scenario.strategies[strategy].model;
    let situation = realise(model);
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
        adoption,
    }
}
