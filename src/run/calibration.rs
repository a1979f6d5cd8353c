//! The simulations of `lockout calibrate`: parameter sets, each simulated as incident chunks on
//! the one runner (its `Work` trait) under one strategy, observed by a trace.
//!
//! A unit is one chunk of one set (`unit = set_index · chunks_per_set + chunk`). Every set
//! simulates the same incidents (the run's seed, incidents `0..n`: common random numbers), so
//! the differences between sets' statistics come from their parameters, not from noise, and the
//! likelihood is a smooth function of the parameters. Each set's exact observations are handed
//! to the caller as soon as its batch is done.

use indicatif::ProgressBar;

use super::progress::progress_bar;
use super::{RunError, Work, fold_units, join_groups, thread_pool};
use crate::engine::streams;
use crate::engine::{FactDraws, Scratch, Situation, SituationDraws, Trace, TraceEvent, simulate};
use crate::model::Scenario;
use crate::model::calibration::Targets;
use crate::tally::observations::Observations;
use crate::units::CHUNK_INCIDENTS;

/// The calls of one incident still waiting for their responder, kept by a worker from one
/// incident to the next (only the bits of `running` are read, so nothing is cleared).
struct Pending {
    /// Bit per remedy index: a call whose responder has not arrived or been cancelled.
    running: u64,
    /// Per remedy index: (minutes of the call, minutes of waiting drawn).
    calls: [(f64, f64); 64],
}

/// Receives an incident's events and keeps each responder's calls and arrivals.
struct Observer<'a> {
    observations: &'a mut Observations,
    targets: &'a Targets,
    pending: &'a mut Pending,
}

impl Trace for Observer<'_> {
    #[inline]
    fn record(&mut self, time_min: f64, event: TraceEvent) {
        match event {
            TraceEvent::Started {
                remedy, wait_min, ..
            } => {
                let r = remedy as usize;
                self.observations.record_call(r);
                self.pending.calls[r] = (time_min, wait_min);
                self.pending.running |= 1 << r;
            }
            // A completed attempt's responder arrived; a cancelled one only if its wait was
            // over when the race was won.
            TraceEvent::Completed { remedy, .. } | TraceEvent::Cancelled { remedy, .. } => {
                let r = remedy as usize;
                let (called, wait) = self.pending.calls[r];
                if (self.pending.running >> r) & 1 != 0 && time_min - called >= wait {
                    self.observations.record_arrival(r, wait, self.targets);
                }
                self.pending.running &= !(1 << r);
            }
            _ => {}
        }
    }
}

/// The calibration's simulations as [`Work`].
struct SetChunks<'a> {
    /// The scenario of each set simulated here.
    scenarios: &'a [Scenario],
    targets: &'a Targets,
    seed: u64,
    incidents: u64,
    chunks: u64,
}

impl Work for SetChunks<'_> {
    /// The sets a fold touched, in order: (index into `scenarios`, observations).
    type Acc = Vec<(usize, Observations)>;
    /// The set last simulated, the scratch of its incidents and their pending calls.
    type Worker = (usize, Scratch, Pending);

    fn empty(&self) -> Self::Acc {
        Vec::new()
    }

    fn worker(&self) -> Self::Worker {
        let pending = Pending {
            running: 0,
            calls: [(0.0, 0.0); 64],
        };
        (usize::MAX, Scratch::default(), pending)
    }

    fn simulate(&self, worker: &mut Self::Worker, unit: u64, acc: &mut Self::Acc) -> u64 {
        let k = (unit / self.chunks) as usize;
        // The scratch caches remedy draws by incident; every set simulates the same incidents
        // with other distributions, so a set starts with an empty cache.
        if worker.0 != k {
            (worker.0, worker.1) = (k, Scratch::default());
        }
        let (_, scratch, pending) = worker;
        let chunk = unit % self.chunks;
        let scenario = &self.scenarios[k];
        let model = &scenario.strategies[self.targets.strategy].model;
        if acc.last().map(|a| a.0) != Some(k) {
            let remedies = model.remedies.len();
            acc.push((k, Observations::new(remedies, self.targets)));
        }
        let observations = &mut acc.last_mut().expect("pushed above").1;
        let start = chunk * CHUNK_INCIDENTS;
        let end = (start + CHUNK_INCIDENTS).min(self.incidents);
        for index in start..end {
            // As the run draws it (`Evaluator`, `replay`): the situation, then the scenario's
            // own facts from the incident's key.
            let draws = SituationDraws::draw(self.seed, index);
            let key = streams::incident_key(self.seed, index);
            let fact_draws = FactDraws::draw_keyed(key, &model.user_facts);
            let mut situation = Situation::realise(model, &draws);
            situation.add_user_facts(model, &fact_draws, None);
            pending.running = 0;
            let mut observer = Observer {
                observations,
                targets: self.targets,
                pending,
            };
            let outcome = simulate(model, &situation, self.seed, index, scratch, &mut observer);
            observations.record_outcome(&outcome, self.targets);
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

/// Simulates incidents `0..incidents` of seed `seed` under `targets.strategy` for every scenario
/// of `scenarios` (one per parameter set) and returns each one's observations, in order, and the
/// number of threads used. It shows no progress: the fit counts parameter sets, not incidents.
pub fn observe_sets(
    scenarios: &[Scenario],
    targets: &Targets,
    seed: u64,
    incidents: u64,
    threads: usize,
) -> Result<(Vec<Observations>, usize), RunError> {
    crate::limits::check_incidents("incidents", incidents).map_err(RunError::Options)?;
    let pool = thread_pool(threads)?;
    let threads = pool.current_num_threads();
    let chunks = incidents.div_ceil(CHUNK_INCIDENTS).max(1);
    let batch = (64u64.div_ceil(chunks)).max(2 * threads as u64) as usize;
    let bar: ProgressBar = progress_bar(0, false, "incidents");
    let mut out = Vec::with_capacity(scenarios.len());
    for group in scenarios.chunks(batch) {
        let work = SetChunks {
            scenarios: group,
            targets,
            seed,
            incidents,
            chunks,
        };
        let observed = fold_units(&pool, &work, 0..chunks * group.len() as u64, &bar);
        debug_assert_eq!(observed.len(), group.len());
        out.extend(observed.into_iter().map(|(_, o)| o));
    }
    bar.finish_and_clear();
    Ok((out, threads))
}
