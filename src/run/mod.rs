//! The one runner: units of work (incident chunks, region periods) folded on a rayon pool into
//! mergeable accumulators, with progress, precision batches and shard ranges written once for
//! every kind of run (`Work`).
//!
//! Incidents are split into chunks of [`CHUNK_INCIDENTS`] (a constant, independent of the thread
//! count); a region run's unit is a period. Rayon folds units into per-worker accumulators and
//! merges them; since every random draw is keyed by (seed, unit, tag) and every merge is exact,
//! the result is the same to the bit whatever the number of threads or the grouping of units.
//!
//! The files: this one (the `Work` trait, the thread pool, folding, precision batches, the
//! options check), [`incidents`] (the incident level: chunks, the hot loop, replay),
//! [`periods`] (the region level: periods against shared responders, the streamed event
//! table), [`progress`] (progress bars, rates and times for people).

pub mod calibration;
pub mod incidents;
pub mod periods;
pub mod progress;
pub mod uncertainty;

use std::ops::Range;

use indicatif::ProgressBar;
use rayon::prelude::*;

use crate::model::Scenario;
use crate::units::{CHUNK_INCIDENTS, Shard};

/// Checks the options of `lockout run` against the scenario they run, before anything is
/// simulated ([`crate::limits`] has the bounds). Every error names the option.
pub(crate) fn check_run_options(
    scenario: &Scenario,
    incidents: Option<u64>,
    periods: Option<u64>,
    threads: usize,
    shard: Option<&str>,
    max_incidents: u64,
) -> Result<(), String> {
    crate::limits::check_threads(threads)?;
    if let Some(n) = incidents {
        crate::limits::check_incidents("--incidents", n)?;
    }
    crate::limits::check_incidents("--max-incidents", max_incidents)?;
    let (units, what) = match &scenario.region {
        Some(region) => {
            let p = periods.unwrap_or(region.periods);
            crate::limits::check_periods(p, scenario.strategies.len(), region.insured)?;
            (p, "periods")
        }
        None => (
            incidents
                .unwrap_or(scenario.incidents)
                .div_ceil(CHUNK_INCIDENTS),
            "chunks of 16,384 incidents",
        ),
    };
    if let Some(text) = shard {
        let shard = Shard::parse(text)?;
        if shard.count > units {
            return Err(format!(
                "--shard {text}: more parts than the run has {what} ({units}); use N <= {units}"
            ));
        }
    }
    Ok(())
}

/// A kind of run the runner drives: numbered units of work (incident chunks, region periods)
/// folded into a mergeable accumulator. Implementations must make the merged accumulator
/// independent of how units are grouped (exact merges), so that any thread count and any
/// sharding give the same bits.
pub(crate) trait Work: Sync {
    /// What units are folded into: one per worker, merged in unit order.
    type Acc: Send;
    /// Per-worker working memory kept between units (scratch buffers).
    type Worker: Send;
    /// An empty accumulator.
    fn empty(&self) -> Self::Acc;
    /// Fresh working memory for one worker.
    fn worker(&self) -> Self::Worker;
    /// Simulates unit `unit` into `acc`; returns how far it moves the progress bar (incidents,
    /// periods).
    fn simulate(&self, worker: &mut Self::Worker, unit: u64, acc: &mut Self::Acc) -> u64;
    /// Adds `other` (units after those of `acc`) into `acc`.
    fn merge(&self, acc: Self::Acc, other: Self::Acc) -> Self::Acc;
    /// The largest relative 95% half-width of the estimates a precision run targets.
    fn relative_precision(&self, acc: &Self::Acc) -> f64;
}

/// Why a run could not produce its results.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The options ask for what the runner cannot do (a count past a limit, precision with
    /// shards, ...); the message names the option and the rule.
    #[error("{0}")]
    Options(String),
    /// The worker threads could not be started.
    #[error(transparent)]
    ThreadPool(#[from] rayon::ThreadPoolBuildError),
    /// A statistic left its exact range: no table may be written.
    #[error(transparent)]
    Inexact(#[from] crate::tally::InexactError),
    /// The region's period results did not make a finished run.
    #[error(transparent)]
    Finish(#[from] crate::losses::FinishError),
    /// The event table's writer failed.
    #[error(transparent)]
    EventTable(std::io::Error),
}

/// Joins the accumulators of two folds over consecutive units, each a list of (group, its
/// accumulator) in unit order (a group: one parameter draw or set, cut into chunks): when a
/// group's chunks were split between the two folds, its two parts are merged with `merge`.
pub(crate) fn join_groups<T>(
    mut a: Vec<(usize, T)>,
    b: Vec<(usize, T)>,
    merge: impl Fn(&mut T, &T),
) -> Vec<(usize, T)> {
    let mut rest = b.into_iter();
    if let (Some(last), Some(first)) = (a.last_mut(), rest.as_slice().first())
        && last.0 == first.0
    {
        let first = rest.next().expect("checked");
        merge(&mut last.1, &first.1);
    }
    a.extend(rest);
    a
}

/// A rayon pool of `threads` workers (0: one per core), within [`crate::limits::MAX_THREADS`].
pub(crate) fn thread_pool(threads: usize) -> Result<rayon::ThreadPool, RunError> {
    crate::limits::check_threads(threads).map_err(RunError::Options)?;
    Ok(rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()?)
}

/// Simulates `units` of `work` on `pool` and merges them in unit order.
pub(crate) fn fold_units<W: Work>(
    pool: &rayon::ThreadPool,
    work: &W,
    units: Range<u64>,
    progress: &ProgressBar,
) -> W::Acc {
    pool.install(|| {
        units
            .into_par_iter()
            .fold(
                || (work.empty(), work.worker()),
                |(mut acc, mut worker), unit| {
                    progress.inc(work.simulate(&mut worker, unit, &mut acc));
                    (acc, worker)
                },
            )
            .map(|(acc, _)| acc)
            .reduce(|| work.empty(), |a, b| work.merge(a, b))
    })
}

/// Simulates `units` of `work` on `pool` in batches of `batch` units, each batch in parallel,
/// and hands every unit's result to `sink` in unit order: for outputs streamed while a run
/// proceeds (the region's event table), with memory bounded by one batch.
pub(crate) fn map_units_in_order<T: Send>(
    pool: &rayon::ThreadPool,
    units: Range<u64>,
    batch: u64,
    map: impl Fn(u64) -> T + Sync,
    mut sink: impl FnMut(T) -> Result<(), RunError>,
) -> Result<(), RunError> {
    let mut first = units.start;
    while first < units.end {
        let last = (first + batch).min(units.end);
        let results: Vec<T> = pool.install(|| (first..last).into_par_iter().map(&map).collect());
        for r in results {
            sink(r)?;
        }
        first = last;
    }
    Ok(())
}

/// How a precision run went: the accumulator, the units simulated (`0..units`), the largest
/// relative half-width reached and whether it met the target.
pub(crate) struct Precise<A> {
    /// The merged accumulator of every unit simulated.
    pub acc: A,
    /// Units simulated, from 0.
    pub units: u64,
    /// The largest relative 95% half-width reached.
    pub reached: f64,
    /// Whether it is within the target.
    pub met: bool,
}

/// Simulates batches of `batch` units of `work` until its relative precision is within
/// `target` (and at least `min_units` are done), or `max_units` are done. Batches end at the
/// same units whatever the thread count, so where the run stops depends only on its results.
pub(crate) fn run_until_precise<W: Work>(
    pool: &rayon::ThreadPool,
    work: &W,
    target: f64,
    batch: u64,
    min_units: u64,
    max_units: u64,
    progress: &ProgressBar,
) -> Result<Precise<W::Acc>, RunError> {
    if !(target > 0.0 && target.is_finite()) {
        return Err(RunError::Options(
            "--precision must be a positive fraction such as 0.01".into(),
        ));
    }
    let mut acc = work.empty();
    let mut done = 0;
    loop {
        let end = (done + batch).min(max_units);
        acc = work.merge(acc, fold_units(pool, work, done..end, progress));
        done = end;
        let reached = work.relative_precision(&acc);
        let met = reached <= target;
        if (met && done >= min_units) || done >= max_units {
            return Ok(Precise {
                acc,
                units: done,
                reached,
                met,
            });
        }
    }
}
