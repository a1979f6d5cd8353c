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

/// Receives an incident's events and keeps each responder's calls and arrivals.
struct Observer<'a> {
    observations: &'a mut Observations,
    targets: &'a Targets,
    /// Per remedy index: (minutes of the call, minutes of waiting drawn) of the call running,
    /// or NaN.
    pending: [(f64, f64); 64],
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
                self.pending[r] = (time_min, wait_min);
            }
            // A completed attempt's responder arrived; a cancelled one only if its wait was
            // over when the race was won.
            TraceEvent::Completed { remedy, .. } | TraceEvent::Cancelled { remedy, .. } => {
                let r = remedy as usize;
                let (called, wait) = self.pending[r];
                if !called.is_nan() && time_min - called >= wait {
                    self.observations.record_arrival(r, wait, self.targets);
                }
                self.pending[r] = (f64::NAN, f64::NAN);
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
    /// The set last simulated and the scratch of its incidents.
    type Worker = (usize, Scratch);

    fn empty(&self) -> Self::Acc {
        Vec::new()
    }

    fn worker(&self) -> (usize, Scratch) {
        (usize::MAX, Scratch::default())
    }

    fn simulate(&self, worker: &mut (usize, Scratch), unit: u64, acc: &mut Self::Acc) -> u64 {
        let k = (unit / self.chunks) as usize;
        // The scratch caches remedy draws by incident; every set simulates the same incidents
        // with other distributions, so a set starts with an empty cache.
        if worker.0 != k {
            *worker = (k, Scratch::default());
        }
        let scratch = &mut worker.1;
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
            let mut observer = Observer {
                observations,
                targets: self.targets,
                pending: [(f64::NAN, f64::NAN); 64],
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
/// number of threads used.
pub fn observe_sets(
    scenarios: &[Scenario],
    targets: &Targets,
    seed: u64,
    incidents: u64,
    threads: usize,
    progress: bool,
) -> Result<(Vec<Observations>, usize), RunError> {
    crate::limits::check_incidents("incidents", incidents).map_err(RunError::Options)?;
    let pool = thread_pool(threads)?;
    let threads = pool.current_num_threads();
    let chunks = incidents.div_ceil(CHUNK_INCIDENTS).max(1);
    let batch = (64u64.div_ceil(chunks)).max(2 * threads as u64) as usize;
    let bar: ProgressBar = progress_bar(incidents * scenarios.len() as u64, progress, "incidents");
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
